//! Regression tests: inputs that once broke the emulator, replayed through
//! the fuzz target's checks (`fuzz/checks/advance.rs`). Crash
//! reproducers from `cargo fuzz` go into `tests/fuzz-regressions/`, named
//! after the bug.

use bgmux_term::Terminal;

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
        crate::fuzzed::check::run(&std::fs::read(file.path()).expect("reproducer"));
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
