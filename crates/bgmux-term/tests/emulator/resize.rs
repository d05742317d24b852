//! Resize keeps content the way xterm and tmux do (without reflow): rows
//! leave through the top into history and come back from it, blank rows
//! under the cursor go first, the cursor stays on its text.

use bgmux_term::Terminal;

use crate::support::{lines, pos};

fn numbered(rows: u16, cols: u16, n: usize) -> Terminal {
    let mut t = Terminal::new(rows, cols, 100);
    let text: Vec<String> = (0..n).map(|i| format!("line {i}")).collect();
    t.advance(text.join("\r\n").as_bytes());
    t
}

#[test]
fn shrinking_pushes_the_top_rows_into_history() {
    let mut t = numbered(5, 10, 5);
    assert_eq!(pos(&t), (4, 6));
    t.resize(3, 10);
    assert_eq!(lines(&t), ["line 2", "line 3", "line 4"]);
    assert_eq!(t.history_len(), 2);
    assert_eq!(t.history_row_text(1, false).as_deref(), Some("line 1"));
    assert_eq!(pos(&t), (2, 6), "the cursor stays on its line");
}

#[test]
fn shrinking_drops_blank_rows_below_the_cursor_first() {
    let mut t = numbered(6, 10, 2);
    t.resize(3, 10);
    assert_eq!(lines(&t), ["line 0", "line 1", ""]);
    assert_eq!(t.history_len(), 0);
    assert_eq!(pos(&t), (1, 6));
}

#[test]
fn growing_pulls_rows_back_from_history() {
    let mut t = numbered(3, 10, 6);
    assert_eq!(t.history_len(), 3);
    t.resize(5, 10);
    assert_eq!(
        lines(&t),
        ["line 1", "line 2", "line 3", "line 4", "line 5"]
    );
    assert_eq!(t.history_len(), 1);
    assert_eq!(pos(&t), (4, 6));
    t.resize(8, 10);
    assert_eq!(lines(&t)[0], "line 0");
    assert_eq!(lines(&t)[6], "", "blank rows once history is empty");
}

#[test]
fn width_changes_reflow_lines() {
    let mut t = Terminal::new(2, 10, 10);
    t.advance("abcd字ef\r\nxyz".as_bytes());
    t.resize(2, 5);
    assert_eq!(
        lines(&t),
        ["字ef", "xyz"],
        "the wide character moves to the next row"
    );
    assert_eq!(t.history_row_text(0, false).as_deref(), Some("abcd"));
    assert_eq!(pos(&t), (1, 3));
    t.resize(2, 12);
    assert_eq!(
        lines(&t),
        ["abcd字ef", "xyz"],
        "widening joins the line again"
    );
    assert_eq!(t.history_len(), 0);
    assert_eq!(pos(&t), (1, 3));
}

#[test]
fn narrowing_and_widening_back_restores_the_screen() {
    let text = "a long line that autowrap splits over several rows\r\nshort\r\n\x1b[1;31mred text that wraps too\x1b[m\r\n$ ";
    let mut t = Terminal::new(6, 30, 100);
    t.advance(text.as_bytes());
    let (before, cursor) = (t.screen_text(), pos(&t));
    t.resize(6, 7);
    assert_eq!(pos(&t), (5, 2), "the cursor stays after the prompt");
    assert!(t.history_len() > 0);
    t.resize(6, 30);
    assert_eq!(t.screen_text(), before);
    assert_eq!(pos(&t), cursor);
    let mut joined = String::new();
    t.write_text(
        &mut joined,
        bgmux_term::TextOptions {
            include_history: true,
            join_wrapped: true,
            ansi: true,
        },
    );
    assert!(
        joined.contains("\x1b[1;31mred text that wraps too\x1b[0m"),
        "{joined:?}"
    );
}

#[test]
fn a_pending_wrap_survives_reflow() {
    let mut t = Terminal::new(3, 5, 10);
    t.advance(b"abcde");
    t.resize(3, 10);
    assert_eq!(pos(&t), (0, 5));
    t.advance(b"f");
    assert_eq!(lines(&t)[0], "abcdef");
    t.resize(3, 3);
    assert_eq!(lines(&t)[..2], ["abc", "def"]);
    assert_eq!(pos(&t), (1, 2));
    t.advance(b"g");
    assert_eq!(lines(&t)[2], "g", "the wrap was still pending");
}

#[test]
fn resizing_on_the_alternate_screen_keeps_the_primary() {
    let mut t = numbered(5, 10, 5);
    t.advance(b"\x1b[?1049h\x1b[Hfull screen");
    t.resize(3, 8);
    assert_eq!(lines(&t), ["full scr", "n", ""]);
    t.advance(b"\x1b[?1049l");
    assert_eq!(lines(&t), ["line 2", "line 3", "line 4"]);
    assert_eq!(pos(&t), (2, 6), "the saved cursor moved with its line");
    assert_eq!(t.history_len(), 2);
}

#[test]
fn resize_resets_the_scroll_region_and_clamps_the_cursor() {
    let mut t = Terminal::new(10, 10, 0);
    t.advance(b"\x1b[2;5r\x1b[9;9H");
    t.resize(4, 4);
    assert_eq!(pos(&t), (3, 3));
    t.advance(b"\r\n\r\nabc");
    assert_eq!(lines(&t)[3], "abc", "scrolling uses the whole new screen");
}
