//! Unit tests of [`LogReader`] over logs written by [`LogWriter`]: line k of
//! a multi-segment log, dropped prefixes, a missing or lying index, tails,
//! and search both ways with smart case and regexes.

use std::fs;

use super::*;
use crate::store::log::MIN_LOG_LIMIT;
use crate::store::LogWriter;

struct Fixture {
    store: Store,
}

impl Fixture {
    fn new(tag: &str) -> Fixture {
        let dir = std::env::temp_dir().join(format!("bgmux-reader-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        Fixture {
            store: Store::create(&dir).unwrap(),
        }
    }

    /// Writes `data` as task `id`'s log in pty-sized pieces.
    fn write(&self, id: u64, limit: u64, data: &[u8]) {
        let (mut w, failed) = LogWriter::create(self.store.tasks_dir(), id, limit);
        assert_eq!(failed, None);
        for piece in data.chunks(4000) {
            assert_eq!(w.append(piece), None);
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(self.store.dir());
    }
}

fn numbered(n: u64) -> Vec<u8> {
    (0..n)
        .flat_map(|i| format!("line {i}\r\n").into_bytes())
        .collect()
}

#[test]
fn line_k_of_a_multi_segment_log() {
    let fx = Fixture::new("lines");
    fx.write(1, 1 << 30, &numbered(300_000));
    let mut r = LogReader::open(&fx.store, 1).unwrap();
    assert_eq!(
        (r.first_line(), r.end_line(), r.bytes().first_offset()),
        (0, 300_000, 0)
    );
    assert_eq!(
        r.lines(123_456..123_459, false).unwrap(),
        ["line 123456", "line 123457", "line 123458"]
    );
    assert_eq!(r.lines(299_999..400_000, false).unwrap(), ["line 299999"]);
    assert_eq!(r.lines(0..1, false).unwrap(), ["line 0"]);

    // A small limit: several segments, the oldest dropped mid-line.
    fx.write(2, MIN_LOG_LIMIT * 4, &numbered(20_000));
    let mut r = LogReader::open(&fx.store, 2).unwrap();
    assert!(
        r.bytes().first_offset() > 0 && r.bytes().segments().len() > 2,
        "{:?}",
        r.bytes()
    );
    assert_eq!(r.end_line(), 20_000);
    let first = r.first_line();
    let all = r.lines(first..r.end_line(), false).unwrap();
    assert_eq!(all.len() as u64, r.line_count());
    assert!(
        format!("line {first}").ends_with(&all[0]),
        "{} vs {first}",
        all[0]
    );
    assert_eq!(all[1], format!("line {}", first + 1));
    assert_eq!(r.lines(19_000..19_001, false).unwrap(), ["line 19000"]);
}

#[test]
fn a_missing_or_lying_index_is_rebuilt() {
    let fx = Fixture::new("index");
    fx.write(1, 1 << 30, &numbered(5000));
    let idx = segments::index_path(fx.store.tasks_dir(), 1);
    fs::remove_file(&idx).unwrap();
    let mut r = LogReader::open(&fx.store, 1).unwrap();
    assert_eq!(r.end_line(), 5000);
    assert_eq!(r.lines(4321..4322, false).unwrap(), ["line 4321"]);

    // Entries pointing into the middle of lines (the log was rewritten).
    let mut bytes = Vec::new();
    let lies = [
        Entry {
            line: 0,
            offset: 0,
            mark: true,
        },
        Entry {
            line: 1024,
            offset: 5,
            mark: false,
        },
        Entry {
            line: 2048,
            offset: 999,
            mark: false,
        },
    ];
    index::encode(&lies, &mut bytes);
    fs::write(&idx, bytes).unwrap();
    let mut r = LogReader::open(&fx.store, 1).unwrap();
    assert_eq!(r.end_line(), 5000);
    assert_eq!(r.lines(1500..1501, false).unwrap(), ["line 1500"]);
}

#[test]
fn tails_read_backwards() {
    let fx = Fixture::new("tail");
    fx.write(1, MIN_LOG_LIMIT * 4, &numbered(20_000));
    let r = LogBytes::open(&fx.store, 1).unwrap();
    let mut got = Vec::new();
    r.render_from(
        r.tail_offset(3).unwrap(),
        false,
        &mut |l: &str| -> Result<()> {
            got.push(l.to_string());
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(got, ["line 19997", "line 19998", "line 19999"]);

    fx.write(2, 1 << 30, b"one\ntwo\npartial");
    assert_eq!(LogReader::open(&fx.store, 2).unwrap().end_line(), 3);
    let r = LogBytes::open(&fx.store, 2).unwrap();
    assert_eq!(r.tail_offset(2).unwrap(), 4);
    assert_eq!(r.tail_offset(99).unwrap(), 0);
    assert_eq!(
        r.tail_offset(0).unwrap(),
        r.end_offset(),
        "no lines, also after a partial one"
    );
}

#[test]
fn search_both_ways_with_smart_case_and_regex() {
    let fx = Fixture::new("search");
    let mut data = numbered(10_000);
    data.extend_from_slice(b"\x1b[1mNeedle\x1b[0m in bold\r\n");
    data.extend_from_slice(&numbered(10_000));
    fx.write(1, 1 << 30, &data);
    let mut r = LogReader::open(&fx.store, 1).unwrap();
    let fwd = Direction::Forward;
    let back = Direction::Backward;
    assert_eq!(
        r.search("line 1234", 0, fwd, false, true).unwrap(),
        Some(1234)
    );
    assert_eq!(
        r.search("line 1234", 1235, fwd, false, true).unwrap(),
        Some(10_001 + 1234)
    );
    assert_eq!(
        r.search("needle in", 0, fwd, false, true).unwrap(),
        Some(10_000),
        "SGR does not hide text"
    );
    assert_eq!(
        r.search("needle", 0, fwd, false, false).unwrap(),
        None,
        "no smart case: exact case"
    );
    assert_eq!(
        r.search("Needle", 0, fwd, false, true).unwrap(),
        Some(10_000)
    );
    assert_eq!(
        r.search("NEEDLE", 0, fwd, false, true).unwrap(),
        None,
        "upper case: case-sensitive"
    );
    assert_eq!(
        r.search("needle", 19_000, back, false, true).unwrap(),
        Some(10_000)
    );
    assert_eq!(
        r.search("line 5$", 20_000, back, true, true).unwrap(),
        Some(10_001 + 5)
    );
    assert_eq!(
        r.search("^line 5$", 10_000, back, true, true).unwrap(),
        Some(5)
    );
    assert_eq!(
        r.search("line 5.", 5, back, false, true).unwrap(),
        None,
        "a literal dot"
    );
    assert_eq!(r.search("no such text", 0, fwd, false, true).unwrap(), None);
    assert!(r.search("(unclosed", 0, fwd, true, true).is_err());
}

/// The search figure of BENCHMARKS.md: `cargo test --release --bin bgmux
/// search_a_million_lines -- --ignored --nocapture` (ignored: it writes
/// 30 MB and means something only in a release build).
#[test]
#[ignore]
fn search_a_million_lines() {
    let fx = Fixture::new("bench");
    // Coloured lines (SGR stripped on the quick path), then progress-style
    // lines (an erase forces the full renderer on every line).
    for (id, shape) in [(1, "\x1b[32mok\x1b[0m"), (2, "\x1b[Kok")] {
        let mut data = Vec::new();
        for i in 0..1_000_000u64 {
            data.extend_from_slice(
                format!("{i:>7} {shape} some ordinary output line\r\n").as_bytes(),
            );
        }
        fx.write(id, 1 << 30, &data);
        let mut r = LogReader::open(&fx.store, id).unwrap();
        for (what, pattern, regex, from, dir) in [
            (
                "literal, forward, no match",
                "no such text",
                false,
                0,
                Direction::Forward,
            ),
            (
                "literal, backward, no match",
                "no such text",
                false,
                999_999,
                Direction::Backward,
            ),
            (
                "regex, forward, last line",
                r"^ 999999 ok",
                true,
                0,
                Direction::Forward,
            ),
            (
                "literal, backward, first line",
                "      0 ok",
                false,
                999_999,
                Direction::Backward,
            ),
        ] {
            let t = std::time::Instant::now();
            let hit = r.search(pattern, from, dir, regex, true).unwrap();
            println!(
                "search over 1 000 000 lines like {shape:?} ({what}): {:?} -> {hit:?}",
                t.elapsed()
            );
        }
    }
}

/// What the server's index costs on the hot path (BENCHMARKS.md):
/// `cargo test --release --bin bgmux index_scan_throughput -- --ignored --nocapture`.
#[test]
#[ignore]
fn index_scan_throughput() {
    let line =
        b"a typical line of build output, about eighty bytes long, with a newline at its end\r\n";
    let batch: Vec<u8> = line.iter().copied().cycle().take(64 << 10).collect();
    let mut ix = Indexer::at(0, 0);
    let mut entries = Vec::new();
    let t = std::time::Instant::now();
    for _ in 0..16_384 {
        ix.scan(&batch, &mut entries);
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "index scan: 1 GiB in 64 KiB batches in {secs:.3} s ({:.0} MB/s)",
        1073.7 / secs
    );
}

/// Reaching a line in the middle of a big log (BENCHMARKS.md): point
/// `BGMUX_BENCH_STATE` at a state dir whose task 1 has a big log, then
/// `cargo test --release --bin bgmux line_in_a_big_log -- --ignored --nocapture`.
#[test]
#[ignore]
fn line_in_a_big_log() {
    let Some(dir) = std::env::var_os("BGMUX_BENCH_STATE") else {
        return;
    };
    let store = Store::at(std::path::Path::new(&dir));
    let t = std::time::Instant::now();
    let mut r = LogReader::open(&store, 1).unwrap();
    let opened = t.elapsed();
    let k = (r.first_line() + r.end_line()) / 2;
    let t = std::time::Instant::now();
    let lines = r.lines(k..k + 50, false).unwrap();
    println!(
        "{:.1} GB log, {} lines: open {opened:?}, lines {k}..+50 {:?}: {:?}",
        r.bytes().end_offset() as f64 / 1e9,
        r.line_count(),
        t.elapsed(),
        lines.first()
    );
}
