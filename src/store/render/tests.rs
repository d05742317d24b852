//! Unit tests of the line renderer: what a person saw, SGR with `ansi`,
//! the quick path agreeing with the cells, long lines, garbage.

use super::*;

#[test]
fn what_a_person_saw() {
    assert_eq!(
        lines(b"plain\r\n\x1b[1mbold\x1b[0m text\r\n", false),
        ["plain", "bold text"]
    );
    assert_eq!(lines(b" 10%\r 50%\r100%\r\ndone", false), ["100%", "done"]);
    assert_eq!(lines(b"abc\x08\x08X\n", false), ["aXc"]);
    assert_eq!(lines(b"a\tb\n", false), ["a       b"]);
    assert_eq!(lines(b"long text\r\x1b[Kshort\n", false), ["short"]);
    assert_eq!(
        lines(
            b"\x1b]0;title\x07x\x1b]8;;http://a\x1b\\y\x1b[?25lz\n",
            false
        ),
        ["xyz"]
    );
    assert_eq!(
        lines("caf\u{e9} \u{2713}\n".as_bytes(), false),
        ["caf\u{e9} \u{2713}"]
    );
    assert_eq!(lines(b"bad \xff\xc3(\n", false), ["bad \u{fffd}\u{fffd}("]);
    assert_eq!(
        lines(b"a\x1b]unterminated\nb\n", false),
        ["a", "b"],
        "every \\n ends a line"
    );
}

#[test]
fn the_quick_path_shows_what_the_cells_show() {
    for (quick, slow) in [
        (
            &b"\x1b[1;31mbold\x1b[0m text  \r\n"[..],
            &b"\x1b[1;31mbold\x1b[0m text\x1b[K  \r\n"[..],
        ),
        (b"plain \r\n", b"plain\x08\x08\x08\x08\x08plain \r\n"),
    ] {
        assert_eq!(lines(quick, false), lines(slow, false));
        assert_eq!(lines(quick, true), lines(slow, true));
    }
    let mut out = Vec::new();
    assert!(strip_sgr(b"a\x1b[38:5:1mb\x1b[mc", &mut out));
    assert_eq!(out, b"abc");
    assert!(!strip_sgr(b"a\x1b[2Kb", &mut Vec::new()));
    assert!(!strip_sgr(b"a\rb", &mut Vec::new()));
}

#[test]
fn ansi_keeps_sgr_and_resets_at_the_end() {
    assert_eq!(
        lines(b"\x1b[1mbold\x1b[0m plain\n", true),
        ["\x1b[0;1mbold\x1b[0m plain"]
    );
    assert_eq!(
        lines(b"\x1b[31mred\nstill red\x1b[m\n", true),
        ["\x1b[0;31mred\x1b[0m", "\x1b[31mstill red\x1b[0m"]
    );
}

#[test]
fn long_lines_are_cut_with_a_marker_in_bounded_memory() {
    let mut data = vec![b'x'; 3 << 20];
    data.extend_from_slice(b"\nnext\n");
    let out = lines(&data, false);
    assert_eq!(out.len(), 2);
    assert!(
        out[0].starts_with("xxx") && out[0].ends_with("[bgmux: long line cut: 3.1MB]"),
        "{}",
        &out[0][..10]
    );
    assert!(out[0].len() < MAX_COLS + 100);
    assert_eq!(out[1], "next");
}

#[test]
fn garbage_never_panics() {
    let mut x: u32 = 12345;
    let data: Vec<u8> = (0..200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    for ansi in [false, true] {
        let out = lines(&data, ansi);
        assert!(out.len() > 100);
    }
}
