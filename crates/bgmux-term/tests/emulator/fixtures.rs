//! Fixture tests: `tests/fixtures/NAME.in` (named after the sequence it
//! exercises) is fed to a terminal and the dump must equal `NAME.screen`.
//! `BGMUX_BLESS=1 cargo nextest run -p bgmux-term fixtures` rewrites the
//! `.screen` files; review the diff before committing.
//!
//! `.in` format: `#` lines are comments, `#size RxC` sets the size
//! (default 6x20), `#history N` the history limit (default 100). Line
//! breaks in the file are ignored; bytes are written with escapes: `\e`
//! ESC, `\r`, `\n`, `\t`, `\b`, `\a`, `\xHH`, `\\`.

use std::fmt::Write;
use std::path::Path;

use bgmux_term::{Modes, Terminal, TextOptions};

/// Decodes an `.in` file: (rows, cols, history limit, bytes).
pub fn parse_in(source: &str) -> (u16, u16, usize, Vec<u8>) {
    let (mut rows, mut cols, mut history) = (6, 20, 100);
    let mut bytes = Vec::new();
    for line in source.lines() {
        if let Some(size) = line.strip_prefix("#size ") {
            let (r, c) = size.trim().split_once('x').expect("#size RxC");
            (rows, cols) = (r.parse().expect("rows"), c.parse().expect("cols"));
        } else if let Some(n) = line.strip_prefix("#history ") {
            history = n.trim().parse().expect("history");
        } else if !line.starts_with('#') {
            unescape(line, &mut bytes);
        }
    }
    (rows, cols, history, bytes)
}

fn unescape(line: &str, out: &mut Vec<u8>) {
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next() {
            Some('e') => out.push(0x1b),
            Some('r') => out.push(b'\r'),
            Some('n') => out.push(b'\n'),
            Some('t') => out.push(b'\t'),
            Some('b') => out.push(0x08),
            Some('a') => out.push(0x07),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(u8::from_str_radix(&hex, 16).expect("\\xHH"));
            }
            Some('\\') => out.push(b'\\'),
            other => panic!("unknown escape \\{other:?}"),
        }
    }
}

/// Makes control characters visible in a dump.
fn visible(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\x1b' => "\\e".to_owned(),
            '\n' => "\\n".to_owned(),
            c if c.is_control() => format!("\\x{:02x}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

/// Everything observable about a terminal, as reviewable text.
pub fn dump(t: &mut Terminal) -> String {
    let mut out = String::new();
    let c = t.cursor();
    let _ = writeln!(
        out,
        "cursor: {},{} visible={} shape={:?}",
        c.row, c.col, c.visible, c.shape
    );
    if t.modes() != Modes::default() {
        let _ = writeln!(out, "modes: {:?}", t.modes());
    }
    if !t.title().is_empty() {
        let _ = writeln!(out, "title: {}", t.title());
    }
    let replies = t.take_replies();
    if !replies.is_empty() {
        let _ = writeln!(
            out,
            "replies: {}",
            visible(&String::from_utf8_lossy(&replies))
        );
    }
    for event in t.take_events() {
        let _ = writeln!(out, "event: {}", visible(&format!("{event:?}")));
    }
    let ansi = TextOptions {
        ansi: true,
        ..TextOptions::default()
    };
    if t.history_len() > 0 {
        let _ = writeln!(
            out,
            "history: {} rows, {} dropped",
            t.history_len(),
            t.history_dropped()
        );
        for i in 0..t.history_len() {
            let row = t.history_row_text(i, true).unwrap_or_default();
            let _ = writeln!(out, "|{}", visible(&row));
        }
    }
    let _ = writeln!(out, "screen:");
    let mut screen = String::new();
    t.write_text(&mut screen, ansi);
    for line in screen.lines() {
        let _ = writeln!(out, "|{}", visible(line));
    }
    out
}

#[test]
fn fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let bless = std::env::var_os("BGMUX_BLESS").is_some_and(|v| v == "1");
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "in"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty());
    let mut failures = Vec::new();
    for input in &inputs {
        let (rows, cols, history, bytes) =
            parse_in(&std::fs::read_to_string(input).expect("read .in"));
        let mut t = Terminal::new(rows, cols, history);
        t.advance(&bytes);
        let got = dump(&mut t);
        let expected_path = input.with_extension("screen");
        if bless {
            std::fs::write(&expected_path, &got).expect("write .screen");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}--- got\n{got}",
                input.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ (BGMUX_BLESS=1 to rewrite):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
