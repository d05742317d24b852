//! Memory: the targets of the issue (an idle terminal costs a few kB, a
//! 79-column history line at most 100 bytes, a styled one at most 160) and
//! the bounds on hostile input (unterminated strings, floods of queries,
//! events, colours and combining marks, absurd parameters).

use bgmux_term::Terminal;

/// The `scrollback` lines of muxbench.py: 79 columns of lower-case text.
fn plain_line(i: usize) -> String {
    format!("{i:08} the quick brown fox jumps over the lazy dog 0123456789 abcdefghijklm\r\n")
}

/// A line with 10 SGR changes (muxbench.py's `sgr` workload).
fn sgr_line(i: usize) -> String {
    format!(
        "\x1b[3{}malpha\x1b[0m \x1b[1;4{}mbravo\x1b[22m \x1b[38;5;{}mcharlie\x1b[39;49m \x1b[4mdelta\x1b[24m \x1b[7mecho\x1b[27m {i:08}\r\n",
        i % 8,
        (i + 3) % 8,
        i % 256
    )
}

fn per_row(lines: impl Fn(usize) -> String) -> f64 {
    let mut t = Terminal::new(24, 80, 10_000);
    let text: String = (0..12_000).map(lines).collect();
    t.advance(text.as_bytes());
    assert_eq!(t.history_len(), 10_000);
    t.history_bytes() as f64 / t.history_len() as f64
}

#[test]
fn an_idle_terminal_costs_a_few_kilobytes() {
    let t = Terminal::new(24, 80, 10_000);
    assert!(
        t.memory_bytes() < 4096,
        "idle 80x24: {} bytes",
        t.memory_bytes()
    );
    let mut t = Terminal::new(24, 80, 10_000);
    t.advance(b"$ make -j2\r\n");
    assert!(
        t.memory_bytes() < 4096,
        "after a prompt: {} bytes",
        t.memory_bytes()
    );
}

#[test]
fn a_plain_history_line_costs_at_most_100_bytes() {
    let bytes = per_row(plain_line);
    eprintln!("{bytes:.1} bytes per plain 79-column history line");
    assert!(bytes <= 100.0, "{bytes:.1} bytes per 79-column line");
}

#[test]
fn a_styled_history_line_costs_at_most_160_bytes() {
    let bytes = per_row(sgr_line);
    eprintln!("{bytes:.1} bytes per SGR history line");
    assert!(bytes <= 160.0, "{bytes:.1} bytes per SGR line");
}

#[test]
fn history_memory_stays_flat_at_the_limit() {
    let mut t = Terminal::new(24, 80, 1000);
    let chunk: String = (0..2000).map(plain_line).collect();
    t.advance(chunk.as_bytes());
    let first = t.history_bytes();
    for _ in 0..20 {
        t.advance(chunk.as_bytes());
    }
    assert_eq!(t.history_len(), 1000);
    assert!(
        t.history_bytes() <= first + first / 4,
        "{} then {}",
        first,
        t.history_bytes()
    );
    // 42 000 lines, 23 still on the screen, 1 000 held: the rest dropped.
    assert_eq!(t.history_dropped(), 21 * 2000 - 23 - 1000);
}

#[test]
fn unterminated_strings_are_capped() {
    for start in [
        "\x1b]52;c;",
        "\x1b]2;",
        "\x1bP$q",
        "\x1b_",
        "\x1b^",
        "\x1bX",
        "\x1b[1;2;3",
    ] {
        let mut t = Terminal::new(24, 80, 100);
        t.advance(start.as_bytes());
        let junk = vec![b'A'; 1 << 20];
        for _ in 0..6 {
            t.advance(&junk);
            assert!(
                t.memory_bytes() < 3 << 20,
                "{start:?}: {} bytes",
                t.memory_bytes()
            );
        }
        // The string ends; text after it shows.
        t.advance(b"\x07\x1b\\\x1b[mvisible");
        assert!(
            t.memory_bytes() < 64 << 10,
            "{start:?}: {} bytes after",
            t.memory_bytes()
        );
        assert!(t.screen_text().contains("visible"), "{start:?}");
    }
}

#[test]
fn floods_of_queries_events_colours_and_marks_are_bounded() {
    let mut t = Terminal::new(24, 80, 0);
    t.advance(&b"\x1b[6n\x1b[c".repeat(100_000));
    assert!(t.take_replies().len() <= 64 << 10);
    t.advance(&b"\x07\x1b]2;title\x07\x1b]9;note\x07".repeat(100_000));
    assert!(t.take_events().len() <= 1024);
    for i in 0..50_000u32 {
        t.advance(format!("\x1b[H\x1b[38;2;{};{};{}mx", i % 256, i / 256 % 256, i % 7).as_bytes());
    }
    let marks = "\u{301}".repeat(100_000);
    t.advance(format!("e{marks}").as_bytes());
    assert!(t.memory_bytes() < 64 << 10, "{} bytes", t.memory_bytes());
    // The cluster keeps 31 bytes: `e` and 15 marks.
    let first = t.screen_text().lines().next().map(str::to_owned);
    assert_eq!(first, Some(format!("xe{}", "\u{301}".repeat(15))));
}

#[test]
fn absurd_parameters_are_clamped() {
    let mut t = Terminal::new(24, 80, 100);
    let seqs = [
        "\x1b[99999999999999999999A",
        "\x1b[65535;65535H",
        "\x1b[65535@",
        "\x1b[65535P",
        "\x1b[65535L",
        "\x1b[65535M",
        "\x1b[65535S",
        "\x1b[65535T",
        "\x1b[65535X",
        "\x1b[65535b",
        "\x1b[65535I",
        "\x1b[65535Z",
        "\x1b[0;65535r",
        "\x1b[65535;1r",
    ];
    for s in seqs {
        t.advance(s.as_bytes());
        t.advance(b"x");
    }
    assert!(t.history_len() <= 100);
    let huge = Terminal::new(u16::MAX, u16::MAX, 0);
    assert_eq!((huge.rows(), huge.cols()), (1000, 1000));
    let tiny = Terminal::new(0, 0, 0);
    assert_eq!((tiny.rows(), tiny.cols()), (1, 1));
}
