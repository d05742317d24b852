//! Criterion benchmarks of the emulator's hot path, side by side with the
//! `vt100` crate on the same input in the same run (the machine is shared
//! and noisy: compare ratios within one run).
//!
//! Workloads are those of `muxbench.py` (SPEC §11), as a pty delivers them
//! (LF already turned into CR LF), on an 80×24 terminal:
//! - `plain`: lines of 99 printable columns (wrapping at 80);
//! - `sgr`: lines with 10 SGR changes each (16/256 colours, bold,
//!   underline, reverse);
//! - `seq`: the output of `seq 1 N`, short lines.
//!
//! each with no history and with a 10 000-row history (kept full).
//! `render_diff` measures one frame update after a screenful of new text.
//!
//! Run: `cargo bench -p bgmux-term --bench emulator`.

use std::hint::black_box;
use std::num::NonZeroU16;
use std::time::Duration;

use bgmux_term::{Frame, Rect, Terminal};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

/// Deterministic pseudo-random numbers (the benchmark input is fixed).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// `_write_text_file` of muxbench.py: "%08d " + 90 columns of words.
fn plain(lines: usize) -> Vec<u8> {
    let words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor \
                 incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud";
    let words: Vec<&str> = words.split(' ').collect();
    let mut rng = Lcg(1);
    let pool: Vec<String> = (0..1024)
        .map(|_| {
            let mut line = String::new();
            while line.len() < 90 {
                line += words[rng.below(words.len() as u64) as usize];
                line += " ";
            }
            line[..90].to_owned()
        })
        .collect();
    (0..lines)
        .flat_map(|i| format!("{i:08} {}\r\n", pool[i % 1024]).into_bytes())
        .collect()
}

/// `_write_sgr_file` of muxbench.py: 10 SGR changes per line.
fn sgr(lines: usize) -> Vec<u8> {
    let words = [
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    ];
    let mut rng = Lcg(42);
    let mut out = String::new();
    for i in 0..lines {
        let w: Vec<&str> = (0..5).map(|k| words[(i + k) % 8]).collect();
        out += &format!(
            "\x1b[3{}m{}\x1b[0m \x1b[1;4{}m{}\x1b[22m \x1b[38;5;{}m{}\x1b[39;49m \x1b[4m{}\x1b[24m \x1b[7m{}\x1b[27m {i:08}\r\n",
            i % 8,
            w[0],
            (i + 3) % 8,
            w[1],
            rng.below(256),
            w[2],
            w[3],
            w[4]
        );
    }
    out.into_bytes()
}

/// `seq 1 N`.
fn seq(lines: usize) -> Vec<u8> {
    (1..=lines)
        .flat_map(|i| format!("{i}\r\n").into_bytes())
        .collect()
}

fn nz(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).unwrap_or(NonZeroU16::MIN)
}

fn advance(c: &mut Criterion) {
    let workloads = [
        ("plain", plain(10_000)),
        ("sgr", sgr(10_000)),
        ("seq", seq(150_000)),
    ];
    for (name, input) in &workloads {
        let mut group = c.benchmark_group(format!("advance/{name}"));
        group.throughput(Throughput::Bytes(input.len() as u64));
        group
            .sample_size(20)
            .measurement_time(Duration::from_secs(4));
        for history in [0usize, 10_000] {
            group.bench_function(BenchmarkId::new("bgmux", history), |b| {
                let mut t = Terminal::new(24, 80, history);
                t.advance(input);
                b.iter(|| t.advance(black_box(input)));
            });
            group.bench_function(BenchmarkId::new("vt100", history), |b| {
                let mut p = vt100::Parser::new(nz(24), nz(80), history);
                p.process(input);
                b.iter(|| p.process(black_box(input)));
            });
        }
        group.finish();
    }
}

fn render(c: &mut Criterion) {
    let input = sgr(200);
    let mut t = Terminal::new(24, 80, 0);
    let area = Rect {
        row: 0,
        col: 0,
        rows: 24,
        cols: 80,
    };
    let screens: Vec<Frame> = input
        .chunks(input.len() / 8)
        .map(|chunk| {
            t.advance(chunk);
            let mut f = Frame::new(24, 80);
            t.draw(&mut f, area, 0);
            f
        })
        .collect();
    let mut group = c.benchmark_group("render");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(3));
    group.bench_function("draw+render_diff", |b| {
        let mut out = Vec::with_capacity(1 << 16);
        let mut f = Frame::new(24, 80);
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % screens.len();
            out.clear();
            t.draw(&mut f, area, 0);
            screens[i].render_diff(&screens[(i + 1) % screens.len()], &mut out);
            black_box(out.len())
        });
    });
    group.bench_function("render_full", |b| {
        let mut out = Vec::with_capacity(1 << 16);
        b.iter(|| {
            out.clear();
            screens[0].render_full(&mut out);
            black_box(out.len())
        });
    });
    // What a server does for a keystroke's echo since rendering became
    // incremental: one character typed, only the changed row redrawn into
    // the kept frame, diffed and copied into the shown one.
    group.bench_function("echo: draw_changed+render_update", |b| {
        let mut term = Terminal::new(24, 80, 1000);
        term.advance(&input);
        let mut next = Frame::new(24, 80);
        let mut shown = Frame::new(24, 80);
        term.draw_changed(&mut next, area, None);
        next.sync_into(&mut shown);
        let mut stamp = term.stamp();
        let mut out = Vec::with_capacity(1 << 12);
        let mut n = 0u32;
        b.iter(|| {
            n += 1;
            term.advance(if n % 70 == 0 { b"\r\n" } else { b"x" });
            out.clear();
            term.draw_changed(&mut next, area, Some(stamp));
            stamp = term.stamp();
            next.render_update(&shown, &mut out);
            next.sync_into(&mut shown);
            black_box(out.len())
        });
    });
    group.finish();
}

criterion_group!(benches, advance, render);
criterion_main!(benches);
