//! Property tests: arbitrary input never panics and keeps memory bounded,
//! and a frame drawn from any terminal survives the render round trip
//! (full redraw, and a diff on top of the previous frame's redraw).

use bgmux_term::Terminal;
use proptest::prelude::*;

use crate::frames::assert_round_trips;
use crate::support::frame_of;

/// Pieces real output is made of, so that random streams reach deep into
/// the emulator instead of printing mostly garbage.
fn token() -> impl Strategy<Value = Vec<u8>> {
    let csi_final = prop::sample::select(b"@ABCDEFGHIJKLMPSTXZ`abcdefghlmnqrsu".to_vec());
    let private = prop::sample::select(vec![
        1u16, 6, 7, 25, 47, 1000, 1002, 1003, 1004, 1006, 1047, 1048, 1049, 2004,
    ]);
    prop_oneof![
        4 => "[a-z ]{1,12}".prop_map(String::into_bytes),
        2 => prop::sample::select(vec![
            "字", "😀", "e\u{301}", "\u{301}", "ａ", "한", "\u{200d}", "é", "\u{fe0f}", "🇫🇷"
        ]).prop_map(|s| s.as_bytes().to_vec()),
        2 => prop::sample::select(b"\r\n\t\x08\x07\x0b\x0c\x0e\x0f\x1b".to_vec()).prop_map(|b| vec![b]),
        3 => (prop::collection::vec(0u16..30, 0..4), csi_final).prop_map(|(params, f)| {
            let params: Vec<String> = params.iter().map(u16::to_string).collect();
            format!("\x1b[{}{}", params.join(";"), f as char).into_bytes()
        }),
        2 => prop::collection::vec(
            prop::sample::select(vec![0u16, 1, 2, 3, 4, 5, 7, 8, 9, 21, 22, 24, 27, 31, 42, 93, 104, 39, 49]),
            0..4,
        ).prop_map(|p| {
            let p: Vec<String> = p.iter().map(u16::to_string).collect();
            format!("\x1b[{}m", p.join(";")).into_bytes()
        }),
        1 => (0u8..=255, 0u8..=255, 0u8..=255).prop_map(|(r, g, b)| format!("\x1b[38;2;{r};{g};{b}m\x1b[48:5:{r}m\x1b[4:{}m", b % 6).into_bytes()),
        2 => (private, any::<bool>()).prop_map(|(m, on)| format!("\x1b[?{m}{}", if on { 'h' } else { 'l' }).into_bytes()),
        1 => prop::sample::select(vec![
            "\x1b7", "\x1b8", "\x1bD", "\x1bE", "\x1bH", "\x1bM", "\x1bc", "\x1b=", "\x1b>", "\x1b(0", "\x1b(B",
            "\x1b#8", "\x1b[2;5r", "\x1b[r", "\x1b[3 q", "\x1b[!p", "\x1b[4h", "\x1b[4l", "\x1b[20h",
            "\x1b]8;;http://a\x1b\\", "\x1b]8;;\x07", "\x1b]2;title\x07", "\x1bP$qm\x1b\\", "\x1b[5b",
        ]).prop_map(|s| s.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 1..8),
    ]
}

fn stream() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(token(), 0..80).prop_map(|t| t.concat())
}

fn size() -> impl Strategy<Value = (u16, u16)> {
    (1u16..12, 1u16..20)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000), (rows, cols) in size()) {
        let mut t = Terminal::new(rows, cols, 50);
        for chunk in bytes.chunks(7) {
            t.advance(chunk);
        }
        t.resize(cols, rows);
        let _ = (t.screen_text(), t.take_replies(), t.take_events());
        prop_assert!(t.history_len() <= 50);
    }

    #[test]
    fn full_redraw_round_trips(bytes in stream(), (rows, cols) in size()) {
        let mut t = Terminal::new(rows, cols, 20);
        t.advance(&bytes);
        let f = frame_of(&t);
        assert_round_trips(&f, &f);
    }

    #[test]
    fn diff_round_trips(first in stream(), second in stream(), (rows, cols) in size()) {
        let mut t = Terminal::new(rows, cols, 20);
        t.advance(&first);
        let prev = frame_of(&t);
        t.advance(&second);
        assert_round_trips(&prev, &frame_of(&t));
    }

    #[test]
    fn split_input_parses_like_whole_input(bytes in stream(), split in 0usize..400) {
        let mut whole = Terminal::new(6, 15, 20);
        whole.advance(&bytes);
        let mut parts = Terminal::new(6, 15, 20);
        let at = split.min(bytes.len());
        parts.advance(&bytes[..at]);
        parts.advance(&bytes[at..]);
        prop_assert_eq!(frame_of(&whole), frame_of(&parts));
    }
}
