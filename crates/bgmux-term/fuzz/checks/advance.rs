//! What the `advance` fuzz target checks on each input, shared with the
//! regression test that replays `fuzz/seeds/advance/` (`tests/emulator/
//! fuzzed.rs`): any bytes, split into chunks at arbitrary points, with
//! resizes in between; then every read the server makes. Nothing may panic,
//! history and memory stay within their caps, and a full redraw and a diff
//! replay to the same frame.

use bgmux_term::{Frame, Rect, Terminal};

const HISTORY: usize = 64;

fn frame_of(t: &Terminal) -> Frame {
    let mut f = Frame::new(t.rows(), t.cols());
    t.draw(
        &mut f,
        Rect {
            row: 0,
            col: 0,
            rows: t.rows(),
            cols: t.cols(),
        },
        0,
    );
    f.set_cursor(Some(t.cursor()));
    f.set_modes(bgmux_term::Modes {
        alt_screen: false,
        ..t.modes()
    });
    f
}

/// Runs every check on `data`; panics on a broken one.
pub fn run(data: &[u8]) {
    let [rows, cols, split, rest @ ..] = data else {
        return;
    };
    let mut t = Terminal::new(
        u16::from(*rows % 30 + 1),
        u16::from(*cols % 90 + 1),
        HISTORY,
    );
    let step = usize::from(*split).max(1);
    let before = frame_of(&t);
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
    assert!(t.history_len() <= HISTORY);
    assert!(t.memory_bytes() < 8 << 20, "memory {}", t.memory_bytes());
    let _ = (
        t.screen_text(),
        t.take_replies(),
        t.take_events(),
        t.history_row_text(0, true),
    );
    let f = frame_of(&t);
    let mut bytes = Vec::new();
    f.render_full(&mut bytes);
    let mut t2 = Terminal::new(t.rows(), t.cols(), 0);
    t2.advance(&bytes);
    assert_eq!(frame_of(&t2), f, "render_full round trip");
    if (before.rows(), before.cols()) == (f.rows(), f.cols()) {
        let mut t3 = Terminal::new(t.rows(), t.cols(), 0);
        let mut diff = Vec::new();
        before.render_full(&mut diff);
        f.render_diff(&before, &mut diff);
        t3.advance(&diff);
        assert_eq!(frame_of(&t3), f, "render_diff round trip");
    }
}
