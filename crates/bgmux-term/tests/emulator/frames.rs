//! Frames: composing (put_str, fill, set_style, draw with scroll-back),
//! and rendering as a full redraw or a diff that replays into a fresh
//! terminal to the same frame (the round-trip property, on examples here;
//! `props.rs` checks it on arbitrary input).

use bgmux_term::{Color, Cursor, CursorShape, Frame, Rect, Style, Terminal};

use crate::support::{frame_of, term};

/// Replays `bytes` into a fresh terminal the frame's size and draws it.
fn replay(f: &Frame, bytes: &[u8]) -> Frame {
    let t = term(f.rows(), f.cols(), bytes);
    let mut f2 = frame_of(&t);
    f2.set_modes(bgmux_term::Modes {
        alt_screen: f.modes().alt_screen,
        ..f2.modes()
    });
    f2
}

/// The rows (text, then styles) where two frames differ, and their
/// cursors and modes if those do.
pub fn frame_diff(a: &Frame, b: &Frame) -> String {
    let mut out = String::new();
    for r in 0..a.rows().min(b.rows()) {
        let (ta, tb) = (a.row_text(r), b.row_text(r));
        if ta != tb {
            out += &format!("row {r}: {ta:?} != {tb:?}\n");
            continue;
        }
        for c in 0..a.cols().min(b.cols()) {
            if (a.cell_text(r, c), a.cell_style(r, c)) != (b.cell_text(r, c), b.cell_style(r, c)) {
                out += &format!(
                    "cell {r},{c}: {:?} {:?} != {:?} {:?}\n",
                    a.cell_text(r, c),
                    a.cell_style(r, c),
                    b.cell_text(r, c),
                    b.cell_style(r, c)
                );
                break;
            }
        }
    }
    if a.cursor() != b.cursor() {
        out += &format!("cursor: {:?} != {:?}\n", a.cursor(), b.cursor());
    }
    if a.modes() != b.modes() {
        out += &format!("modes: {:?} != {:?}\n", a.modes(), b.modes());
    }
    out
}

/// The full and diff round trips for a frame pair.
pub fn assert_round_trips(prev: &Frame, next: &Frame) {
    let mut full = Vec::new();
    prev.render_full(&mut full);
    let got = replay(prev, &full);
    assert!(
        got == *prev,
        "render_full: {}\nbytes: {:?}",
        frame_diff(&got, prev),
        String::from_utf8_lossy(&full)
    );
    let mut diff = full.clone();
    next.render_diff(prev, &mut diff);
    let got = replay(next, &diff);
    let bytes = String::from_utf8_lossy(&diff[full.len()..]);
    assert!(
        got == *next,
        "render_diff: {}\nbytes: {bytes:?}",
        frame_diff(&got, next)
    );
}

#[test]
fn put_str_clips_and_handles_wide_chars() {
    let mut f = Frame::new(2, 5);
    let red = Style {
        fg: Color::Indexed(1),
        ..Style::default()
    };
    assert_eq!(f.put_str(0, 1, "ab字", &red), 4);
    assert_eq!(f.row_text(0), " ab字");
    assert_eq!(
        f.put_str(1, 3, "x字", &red),
        2,
        "the wide char becomes a blank"
    );
    assert_eq!(f.row_text(1), "   x");
    f.put_str(0, 4, "z", &red);
    assert_eq!(f.row_text(0), " ab z", "half a wide char is blanked");
    assert_eq!(f.put_str(0, 0, "e\u{301}\x1b", &red), 1);
    assert_eq!(f.cell_text(0, 0), "e\u{301}");
}

#[test]
fn fill_and_set_style() {
    let mut f = Frame::new(3, 4);
    let blue = Style {
        bg: Color::Indexed(4),
        ..Style::default()
    };
    f.fill(
        Rect {
            row: 1,
            col: 1,
            rows: 5,
            cols: 5,
        },
        '─',
        &blue,
    );
    assert_eq!(f.row_text(1), " ───");
    assert_eq!(f.row_text(2), " ───");
    f.put_str(0, 0, "ab字", &Style::default());
    f.set_style(
        Rect {
            row: 0,
            col: 3,
            rows: 1,
            cols: 1,
        },
        &blue,
    );
    assert_eq!(
        f.cell_style(0, 2),
        Some(&blue),
        "a wide char is restyled whole"
    );
    assert_eq!(f.cell_style(0, 1), Some(&Style::default()));
}

#[test]
fn draw_clips_and_scrolls_back() {
    let mut t = Terminal::new(3, 6, 10);
    t.advance("one\r\ntwo\r\nthree\r\nfour\r\nfive字".as_bytes());
    let mut f = Frame::new(4, 10);
    t.draw(
        &mut f,
        Rect {
            row: 1,
            col: 2,
            rows: 9,
            cols: 9,
        },
        0,
    );
    assert_eq!(
        (0..4).map(|r| f.row_text(r)).collect::<Vec<_>>(),
        ["", "  three", "  four", "  five字"]
    );
    t.draw(
        &mut f,
        Rect {
            row: 1,
            col: 2,
            rows: 3,
            cols: 5,
        },
        2,
    );
    assert_eq!(
        (0..4).map(|r| f.row_text(r)).collect::<Vec<_>>(),
        ["", "  one", "  two", "  three"]
    );
    t.draw(
        &mut f,
        Rect {
            row: 0,
            col: 0,
            rows: 3,
            cols: 5,
        },
        99,
    );
    assert_eq!(
        f.row_text(0),
        "one",
        "scroll-back is clamped to the history"
    );
    let mut g = Frame::new(1, 10);
    t.draw(
        &mut g,
        Rect {
            row: 0,
            col: 0,
            rows: 1,
            cols: 5,
        },
        0,
    );
    t.draw(
        &mut g,
        Rect {
            row: 0,
            col: 5,
            rows: 1,
            cols: 5,
        },
        0,
    );
    assert_eq!(g.row_text(0), "threethree");
}

#[test]
fn full_redraw_replays_to_the_same_frame() {
    let t = term(4, 12, "\x1b[1;31mred\x1b[m \x1b[48;2;1;2;3mrgb\x1b[K\r\n字e\u{301}\x1b[4:3m~\x1b[?1h\x1b[?1002h\x1b[3 q\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\".as_bytes());
    let f = frame_of(&t);
    assert_round_trips(&f, &f);
}

#[test]
fn bottom_right_cell_is_written_without_scrolling() {
    let mut f = Frame::new(2, 3);
    f.put_str(0, 0, "abc", &Style::default());
    f.put_str(1, 0, "def", &Style::default());
    let mut out = Vec::new();
    f.render_full(&mut out);
    let t = term(2, 3, &out);
    assert_eq!(t.screen_text(), "abc\ndef\n");
    assert_eq!(t.history_len(), 0);
}

#[test]
fn diffs_are_small_and_replay() {
    let t1 = term(5, 20, b"hello world\r\nline two\r\n\x1b[?25l");
    let mut t2 = term(5, 20, b"hello world\r\nline two\r\n\x1b[?25l");
    t2.advance(b"\x1b[1;7HWORLD\x1b[2;1H\x1b[K\x1b[?25h\x1b[4;4H");
    let (f1, f2) = (frame_of(&t1), frame_of(&t2));
    assert_round_trips(&f1, &f2);
    let mut diff = Vec::new();
    f2.render_diff(&f1, &mut diff);
    assert!(diff.len() < 40, "{:?}", String::from_utf8_lossy(&diff));
    let mut none = Vec::new();
    f1.render_diff(&f1, &mut none);
    assert!(none.is_empty(), "no change, no bytes: {none:?}");
}

#[test]
fn cursor_and_modes_round_trip() {
    let mut f = Frame::new(3, 3);
    f.set_cursor(Some(Cursor {
        row: 2,
        col: 1,
        visible: true,
        shape: CursorShape::SteadyBar,
    }));
    let mut g = f.clone();
    g.set_cursor(None);
    g.set_modes(bgmux_term::Modes {
        bracketed_paste: true,
        app_keypad: true,
        ..Default::default()
    });
    let mut out = Vec::new();
    g.render_diff(&f, &mut out);
    let t = term(3, 3, &out);
    assert!(!t.cursor().visible);
    assert!(t.modes().bracketed_paste && t.modes().app_keypad);
}
