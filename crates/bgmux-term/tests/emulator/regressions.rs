//! Regression tests: inputs that once broke the emulator, replayed the way
//! the fuzz target (`fuzz/fuzz_targets/advance.rs`) runs them. Crash
//! reproducers from `cargo fuzz` go into `tests/fuzz-regressions/`, named
//! after the bug.

use bgmux_term::{Frame, Modes, Terminal};

use crate::frames::frame_diff;
use crate::support;

/// The frame of a terminal, with the alternate-screen flag cleared (it is
/// not rendered, so a replayed terminal never has it).
fn frame_of(t: &Terminal) -> Frame {
    let mut f = support::frame_of(t);
    f.set_modes(Modes {
        alt_screen: false,
        ..t.modes()
    });
    f
}

/// The fuzz target's body, as a function.
fn fuzz_case(data: &[u8]) {
    let [rows, cols, split, rest @ ..] = data else {
        return;
    };
    let mut t = Terminal::new(u16::from(*rows % 30 + 1), u16::from(*cols % 90 + 1), 64);
    let step = usize::from(*split).max(1);
    for (i, chunk) in rest.chunks(step).enumerate() {
        t.advance(chunk);
        if i % 7 == 6 {
            let (r, c) = (
                chunk[0] % 30 + 1,
                chunk.last().copied().unwrap_or(1) % 90 + 1,
            );
            t.resize(u16::from(r), u16::from(c));
        }
    }
    assert!(t.history_len() <= 64);
    let f = frame_of(&t);
    let mut bytes = Vec::new();
    f.render_full(&mut bytes);
    let mut t2 = Terminal::new(t.rows(), t.cols(), 0);
    t2.advance(&bytes);
    let f2 = frame_of(&t2);
    assert!(f2 == f, "render_full round trip: {}", frame_diff(&f2, &f));
}

#[test]
fn fuzz_reproducers() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("fuzz-regressions")
        .filter_map(|e| e.ok())
        .collect();
    files.sort_by_key(|e| e.path());
    assert!(!files.is_empty());
    for file in files {
        eprintln!("{}", file.path().display());
        fuzz_case(&std::fs::read(file.path()).expect("reproducer"));
    }
}

/// Reflow to one column with the cursor on a wide character, which cannot
/// be placed there (found by the fuzzer: an underflow mapping the cursor).
#[test]
fn reflow_with_the_cursor_on_a_character_too_wide_for_the_screen() {
    let mut t = Terminal::new(3, 6, 10);
    t.advance("a字b\x1b[1;3H".as_bytes());
    t.resize(3, 1);
    t.resize(3, 6);
    assert_eq!(t.screen_text().lines().next(), Some("ab"));
}
