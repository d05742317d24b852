//! One test per basic feature: text, motion, erase, SGR, scrolling and
//! history, alternate screen, replies, wide characters, modes, export.

use bgmux_term::{Color, CursorShape, Event, MouseMode, Style, Terminal, TextOptions, Underline};

use crate::support::{lines, pos, term};

#[test]
fn text_wraps_with_the_pending_wrap_rule() {
    let mut t = term(3, 5, b"abcde");
    assert_eq!(pos(&t), (0, 4), "the cursor stays in the last column");
    t.advance(b"f");
    assert_eq!(lines(&t), ["abcde", "f", ""]);
    assert_eq!(pos(&t), (1, 1));
    // CR after a full row does not wrap.
    let t = term(3, 5, b"abcde\r\nx");
    assert_eq!(lines(&t), ["abcde", "x", ""]);
}

#[test]
fn controls_move_the_cursor() {
    let t = term(3, 20, b"ab\x08c\tx\r\nz\x08\x08y");
    assert_eq!(lines(&t), ["ac      x", "y", ""]);
    let t = term(3, 20, b"a\x0bb\x0cc");
    assert_eq!(lines(&t), ["a", " b", "  c"]);
}

#[test]
fn cursor_motion_sequences() {
    let mut t = term(10, 20, b"\x1b[5;7H");
    assert_eq!(pos(&t), (4, 6));
    t.advance(b"\x1b[2A\x1b[3C");
    assert_eq!(pos(&t), (2, 9));
    t.advance(b"\x1b[B\x1b[4D");
    assert_eq!(pos(&t), (3, 5));
    t.advance(b"\x1b[12G\x1b[8d");
    assert_eq!(pos(&t), (7, 11));
    t.advance(b"\x1b[99;99H");
    assert_eq!(pos(&t), (9, 19), "clamped");
    t.advance(b"\x1b[H\x1b[65535A\x1b[65535D");
    assert_eq!(pos(&t), (0, 0));
    t.advance(b"\x1b[2;3f\x1b[E");
    assert_eq!(pos(&t), (2, 0));
}

#[test]
fn erase_in_line_and_display() {
    let mut t = term(3, 6, b"aaaaaa\r\nbbbbbb\r\ncccccc\x1b[2;3H\x1b[K");
    assert_eq!(lines(&t), ["aaaaaa", "bb", "cccccc"]);
    t.advance(b"\x1b[1K");
    assert_eq!(lines(&t), ["aaaaaa", "", "cccccc"]);
    t.advance(b"\x1b[J");
    assert_eq!(lines(&t), ["aaaaaa", "", ""]);
    t.advance(b"\x1b[1;3H\x1b[1J");
    assert_eq!(lines(&t), ["   aaa", "", ""]);
    t.advance(b"\x1b[2J");
    assert_eq!(lines(&t), ["", "", ""]);
}

#[test]
fn sgr_sets_styles_including_256_and_rgb() {
    let t = term(2, 20, b"\x1b[1;31;48;5;200ma\x1b[38;2;1;2;3;4:3mb\x1b[0mc");
    let f = crate::support::frame_of(&t);
    let a = f.cell_style(0, 0).unwrap();
    assert!(a.bold);
    assert_eq!(a.fg, Color::Indexed(1));
    assert_eq!(a.bg, Color::Indexed(200));
    let b = f.cell_style(0, 1).unwrap();
    assert_eq!(b.fg, Color::Rgb(1, 2, 3));
    assert_eq!(b.underline, Underline::Curly);
    assert_eq!(f.cell_style(0, 2).unwrap(), &Style::default());
}

#[test]
fn scrolling_fills_history_and_regions_do_not() {
    let mut t = Terminal::new(3, 10, 100);
    t.advance(b"1\r\n2\r\n3\r\n4\r\n5");
    assert_eq!(lines(&t), ["3", "4", "5"]);
    assert_eq!(t.history_len(), 2);
    assert_eq!(t.history_row_text(0, false).as_deref(), Some("1"));
    // A region not starting at the top scrolls without history.
    t.advance(b"\x1b[2;3r\x1b[3;1H\nx");
    assert_eq!(lines(&t), ["3", "5", "x"]);
    assert_eq!(t.history_len(), 2);
    // SU/SD and RI inside the region.
    t.advance(b"\x1b[2;1H\x1bM");
    assert_eq!(lines(&t), ["3", "", "5"]);
}

#[test]
fn history_is_capped_and_counts_drops() {
    let mut t = Terminal::new(2, 10, 5);
    for i in 0..20 {
        t.advance(format!("{i}\r\n").as_bytes());
    }
    assert_eq!(t.history_len(), 5);
    assert_eq!(t.history_dropped(), 14);
    assert_eq!(t.history_row_text(0, false).as_deref(), Some("14"));
    t.set_history_limit(2);
    assert_eq!(t.history_row_text(0, false).as_deref(), Some("17"));
    assert_eq!(t.history_dropped(), 17);
}

#[test]
fn alternate_screen_1049_saves_and_restores() {
    let mut t = term(3, 10, b"main\x1b[2;3H");
    t.advance(b"\x1b[?1049h");
    assert!(t.modes().alt_screen);
    assert_eq!(lines(&t), ["", "", ""]);
    t.advance(b"alt\r\n\n\n\n");
    assert_eq!(t.history_len(), 0, "the alternate screen has no history");
    t.advance(b"\x1b[?1049l");
    assert!(!t.modes().alt_screen);
    assert_eq!(lines(&t), ["main", "", ""]);
    assert_eq!(pos(&t), (1, 2));
}

#[test]
fn cursor_visibility_and_shape() {
    let mut t = term(2, 2, b"\x1b[?25l\x1b[5 q");
    assert!(!t.cursor().visible);
    assert_eq!(t.cursor().shape, CursorShape::BlinkBar);
    t.advance(b"\x1b[?25h");
    assert!(t.cursor().visible);
}

#[test]
fn queries_are_answered() {
    let mut t = term(5, 10, b"\x1b[c\x1b[>c\x1b[5n\x1b[3;4H\x1b[6n");
    assert_eq!(
        t.take_replies(),
        b"\x1b[?62;22c\x1b[>84;0;0c\x1b[0n\x1b[3;4R"
    );
    assert!(t.take_replies().is_empty());
    t.advance(b"\x1b[?2004h\x1b[?2004$p\x1b[?1000$p\x1b[?4242$p\x1b[4$p");
    assert_eq!(
        t.take_replies(),
        b"\x1b[?2004;1$y\x1b[?1000;2$y\x1b[?4242;0$y\x1b[4;2$y"
    );
}

#[test]
fn wide_characters_take_two_columns() {
    let t = term(2, 5, "a字b😀".as_bytes());
    assert_eq!(
        lines(&t),
        ["a字b", "😀"],
        "the emoji does not fit in the last column"
    );
    let f = crate::support::frame_of(&t);
    assert_eq!(f.cell_text(0, 1), "字");
    assert_eq!(f.cell_text(0, 2), "");
    assert_eq!(pos(&t), (1, 2));
    let t = term(1, 5, "e\u{301}x".as_bytes());
    assert_eq!(lines(&t), ["e\u{301}x"]);
}

#[test]
fn modes_are_exposed() {
    let t = term(
        2,
        2,
        b"\x1b[?1h\x1b=\x1b[?2004h\x1b[?1002h\x1b[?1006h\x1b[?1004h",
    );
    let m = t.modes();
    assert!(m.app_cursor && m.app_keypad && m.bracketed_paste && m.mouse_sgr && m.focus_events);
    assert_eq!(m.mouse, MouseMode::Button);
    let t = term(2, 2, b"\x1b[?1002h\x1b[?1000l");
    assert_eq!(
        t.modes().mouse,
        MouseMode::Button,
        "resetting another mouse mode keeps this one"
    );
}

#[test]
fn titles_bells_and_osc_events() {
    let mut t = term(
        2,
        2,
        b"\x1b]2;hello\x07\x07\x1b]52;c;aGk=\x1b\\\x1b]9;done\x07\x1b]777;notify;T;B\x07",
    );
    assert_eq!(t.title(), "hello");
    assert_eq!(
        t.take_events(),
        [
            Event::Title("hello".into()),
            Event::Bell,
            Event::Clipboard {
                selection: "c".into(),
                data: "aGk=".into()
            },
            Event::Notify {
                title: String::new(),
                body: "done".into()
            },
            Event::Notify {
                title: "T".into(),
                body: "B".into()
            },
        ]
    );
    assert!(t.take_events().is_empty());
}

#[test]
fn text_export_trims_joins_and_annotates() {
    let mut t = Terminal::new(2, 4, 10);
    t.advance(b"abcdef\r\n\x1b[31mred\x1b[m ");
    assert_eq!(t.screen_text(), "ef\nred\n");
    let mut out = String::new();
    t.write_text(
        &mut out,
        TextOptions {
            include_history: true,
            join_wrapped: true,
            ansi: false,
        },
    );
    assert_eq!(out, "abcdef\nred\n");
    let mut out = String::new();
    t.write_text(
        &mut out,
        TextOptions {
            ansi: true,
            ..TextOptions::default()
        },
    );
    assert_eq!(out, "ef\n\x1b[31mred\x1b[0m\n");
    let mut out = String::new();
    t.drain_history(&mut out, TextOptions::default());
    assert_eq!(out, "abcd\n");
    assert_eq!(t.history_len(), 0);
    assert_eq!(t.history_dropped(), 1);
}

#[test]
fn seqno_moves_only_on_visible_changes() {
    let mut t = Terminal::new(2, 10, 10);
    let s0 = t.seqno();
    t.advance(b"\x1b[6n");
    assert_eq!(t.seqno(), s0, "a query changes nothing visible");
    t.advance(b"x");
    assert!(t.seqno() > s0);
}

#[test]
fn terminals_and_frames_can_move_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Terminal>();
    send_sync::<bgmux_term::Frame>();
}

#[test]
fn rep_repeats_the_last_printed_character() {
    // ECMA-48 leaves REP after a control function undefined; like xterm we
    // keep the character across SGR and across REP itself (tmux forgets it
    // after any sequence), and forget it after any other control.
    let t = term(2, 20, b"a\x1b[31m\x1b[2b\x1b[2b\x1b[Hb\x1b[1b");
    assert_eq!(lines(&t)[0], "bbaaa");
}
