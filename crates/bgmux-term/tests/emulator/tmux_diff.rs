//! Differential tests against real tmux 3.3a, one per area the issue
//! names (plain text with wrapping, SGR soup, scroll regions,
//! insert/delete, alternate screen, wide characters, tabs) plus the
//! recorded vim, less and top sessions (also checked against vt100 at every
//! point where the program showed its cursor).
//!
//! Deliberate differences from tmux, kept out of the streams:
//! - ICH with a count reaching past the right edge is a no-op in tmux
//!   3.3a (`grid_view_insert_cells` moves zero cells and so clears none);
//!   xterm, vt100 and we blank the rest of the row (`ich_dch` fixture).
//! - tmux 3.3a does not implement CHT (`CSI I`); it is covered by the
//!   `tabs` fixture only.
//! - CPR while a wrap is pending: tmux reports the column one past the
//!   last, we report the last (as xterm). Streams here make no queries.

use bgmux_term::{Frame, Rect, Terminal};

use crate::support::{frame_of, pos};
use crate::tmux::{self, Capture};
use crate::vt100_diff;

/// A deterministic pseudo-random sequence (no dependency, stable across
/// runs and platforms).
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Runs `bytes` through ours and tmux; asserts equal text and cursor, and
/// with `styles` equal styles on every non-blank cell.
fn check(name: &str, rows: u16, cols: u16, bytes: &[u8], styles: bool) {
    if !tmux::available(name) {
        return;
    }
    let mut ours = Terminal::new(rows, cols, 2000);
    ours.advance(bytes);
    let expected = ours.screen_text();
    let theirs = tmux::capture(name, rows, cols, bytes, &expected);
    assert_eq!(
        theirs.text, expected,
        "{name}: screen text differs from tmux"
    );
    assert_eq!(
        theirs.cursor,
        pos(&ours),
        "{name}: cursor differs from tmux"
    );
    if styles {
        compare_styles(name, &ours, &theirs);
    }
}

/// Parses tmux's `capture-pane -pe` with our own emulator (one row at a
/// time, each from column 1 in the default rendition) and compares the
/// styles of non-blank cells.
fn compare_styles(name: &str, ours: &Terminal, theirs: &Capture) {
    let (rows, cols) = (ours.rows(), ours.cols());
    let mut parsed = Terminal::new(rows, cols, 0);
    for (i, line) in theirs.styled.lines().enumerate() {
        parsed.advance(format!("\x1b[{};1H\x1b[0m{line}", i + 1).as_bytes());
    }
    let (a, b) = (frame_of(ours), frame_of(&parsed));
    for r in 0..rows {
        for c in 0..cols {
            if a.cell_text(r, c).trim().is_empty() {
                continue;
            }
            assert_eq!(
                a.cell_style(r, c),
                b.cell_style(r, c),
                "{name}: style at {r},{c} ({:?})",
                a.cell_text(r, c)
            );
        }
    }
}

#[test]
fn plain_text_with_wrapping() {
    let words = [
        "lorem",
        "ipsum",
        "dolor",
        "sit",
        "amet",
        "consectetur",
        "x",
        "adipiscing",
    ];
    let mut rng = Lcg::new(1);
    let mut s = String::new();
    for i in 0..300 {
        let n = rng.below(40);
        let line: Vec<&str> = (0..n).map(|_| rng.pick(&words)).collect();
        s += &format!("{i:05} {}\r\n", line.join(" "));
    }
    check("plain", 24, 80, s.as_bytes(), false);
}

#[test]
fn sgr_soup() {
    let sgr = [
        "0",
        "1",
        "2",
        "3",
        "4",
        "4:3",
        "5",
        "7",
        "8",
        "9",
        "21",
        "22",
        "23",
        "24",
        "27",
        "29",
        "31",
        "44",
        "91",
        "103",
        "39",
        "49",
        "38;5;208",
        "48;5;23",
        "38;2;255;128;0",
        "48;2;10;20;30",
        "1;4;35",
    ];
    let mut rng = Lcg::new(2);
    let mut s = String::new();
    for i in 0..60 {
        s += &format!("{i:03}");
        for _ in 0..10 {
            s += &format!(
                "\x1b[{}m{}",
                rng.pick(&sgr),
                rng.pick(&["word", " ", "x", "longer words", "--"])
            );
        }
        s += "\x1b[m\r\n";
    }
    check("sgr", 24, 80, s.as_bytes(), true);
}

#[test]
fn scroll_regions() {
    let mut s = String::from("\x1b[H\x1b[2J");
    for i in 0..24 {
        s += &format!("\x1b[{};1Hrow {i}", i + 1);
    }
    s += "\x1b[5;15r\x1b[15;1H";
    for i in 0..30 {
        s += &format!("\nregion line {i}");
    }
    s += "\x1b[5;1H\x1bM\x1bMtop\x1b[3S\x1b[2T\x1b[1;24r\x1b[24;1H\nlast\x1b[10;20r\x1b[4S\x1b[r\x1b[12;3Hend";
    check("regions", 24, 80, s.as_bytes(), false);
}

#[test]
fn insert_and_delete() {
    let mut s = String::new();
    for i in 0..24 {
        s += &format!(
            "\x1b[{};1H{}",
            i + 1,
            "abcdefghijklmnopqrstuvwxyz0123456789".repeat(2)
        );
    }
    s += "\x1b[3;5H\x1b[4@\x1b[4;10H\x1b[7P\x1b[5;1H\x1b[3L\x1b[10;1H\x1b[2M\x1b[12;8H\x1b[5X";
    s +=
        "\x1b[13;40H\x1b[K\x1b[14;40H\x1b[1K\x1b[15;1H\x1b[2K\x1b[16;60H\x1b[99P\x1b[17;70H\x1b[5@";
    s += "\x1b[4hINSERTED\x1b[4l\x1b[20;1H\x1b[J";
    check("insdel", 24, 80, s.as_bytes(), false);
}

#[test]
fn alternate_screen() {
    let mut s = String::from("shell prompt $ vim\r\n");
    s += "\x1b[?1049h\x1b[H\x1b[2Jfull screen app\x1b[10;10Hmiddle\x1b[?1049l";
    s += "back at the prompt\r\nsecond line\x1b[?47halt47\x1b[?47l\r\n\x1b[?1047hx\x1b[?1047lend";
    check("alt", 24, 80, s.as_bytes(), false);
    check(
        "alt-shown",
        24,
        80,
        b"primary\x1b[?1049h\x1b[2;3Hon the alternate screen",
        false,
    );
}

#[test]
fn wide_characters() {
    let mut rng = Lcg::new(3);
    let pieces = [
        "字",
        "漢字かな",
        "😀",
        "한국어",
        "ａｂｃ",
        "e\u{301}",
        "plain",
        " ",
        "🇯🇵",
    ];
    let mut s = String::new();
    for _ in 0..120 {
        s += rng.pick(&pieces);
    }
    s += "\r\n\x1b[3;1H";
    for _ in 0..50 {
        s += rng.pick(&pieces);
    }
    check("wide", 24, 31, s.as_bytes(), false);
}

#[test]
fn tabs() {
    let mut s = String::from("a\tb\tc\td\te\tf\tg\th\ti\tj\r\n");
    s += "\x1b[3g\x1b[5G\x1bH\x1b[15G\x1bH\x1b[40G\x1bH\r\tx\ty\tz\tw\r\n";
    s += "\x1b[3;30H\x1b[Zback\x1b[2Ztwo\t\tnext\r\n\x1b[0g";
    s += "\x1b[5;41H\x1b[0g\r\t\t\tthree";
    check("tabs", 24, 80, s.as_bytes(), false);
}

/// A recorded session: ours against tmux at the end, and against vt100
/// after every update (each place the program shows its cursor).
fn recorded(name: &str) {
    let path = format!(
        "{}/tests/recordings/{name}.bytes",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).expect("recording");
    let marker = b"\x1b[?25h";
    let mut end = 0;
    while let Some(at) = bytes[end..].windows(marker.len()).position(|w| w == marker) {
        end += at + marker.len();
        if let Err(e) = vt100_diff::compare(24, 80, &bytes[..end], true) {
            panic!("{name} differs from vt100 after {end} bytes: {e}");
        }
    }
    check(name, 24, 80, &bytes, true);
}

#[test]
fn recorded_vim_edit() {
    recorded("vim-edit");
}

#[test]
fn recorded_less_paging() {
    recorded("less-paging");
}

#[test]
fn recorded_top_refresh() {
    recorded("top-refresh");
}

/// A frame drawn from a terminal replays to the same frame (recordings).
#[test]
fn recorded_sessions_round_trip() {
    for name in ["vim-edit", "less-paging", "top-refresh"] {
        let path = format!(
            "{}/tests/recordings/{name}.bytes",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(&path).expect("recording");
        let mut t = Terminal::new(24, 80, 100);
        let mut prev = frame_of(&t);
        for chunk in bytes.chunks(997) {
            t.advance(chunk);
            let next = frame_of(&t);
            crate::frames::assert_round_trips(&prev, &next);
            prev = next;
        }
        let mut f = Frame::new(30, 90);
        t.draw(
            &mut f,
            Rect {
                row: 3,
                col: 5,
                rows: 24,
                cols: 80,
            },
            0,
        );
    }
}
