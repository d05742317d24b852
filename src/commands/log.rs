//! `bgmux log TASK`: the task's complete output from its first byte, read
//! from the log on disk (no server needed). Rendered by default — the text
//! the task showed, line by line, as the emulator saw it (soft-wrapped rows
//! joined back into their lines) — or the exact bytes with `--raw`.
//!
//! Rendering streams: the log is fed through an emulator in chunks and the
//! rows that scroll off its screen are printed and dropped as they go, so a
//! log of any size renders in bounded memory.

use std::fs::File;
use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use bgmux_term::{Terminal, TextOptions};

use crate::client::Ctx;

/// Arguments of `log`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  bgmux log build | less\n  bgmux log build --raw > build.out")]
pub struct Args {
    /// Task id or name
    pub task: String,
    /// The exact bytes the task wrote
    #[arg(long)]
    pub raw: bool,
}

/// Bytes fed to the emulator between two drains of its history.
const CHUNK: usize = 1 << 20;

/// The client side.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let record = ctx.find(&args.task)?;
    let path = ctx.store().log_path(record.id);
    let mut file = File::open(&path).with_context(|| {
        format!(
            "opening the log of task {} ({}); was it deleted?",
            record.id,
            path.display()
        )
    })?;
    let mut out = std::io::stdout().lock();
    if args.raw {
        std::io::copy(&mut file, &mut out).context("copying the log")?;
        return Ok(ExitCode::SUCCESS);
    }
    let opts = TextOptions {
        include_history: true,
        ansi: false,
        join_wrapped: true,
    };
    let mut term = Terminal::new(
        record.size.rows.max(1),
        record.size.cols.max(2),
        2 * CHUNK / 8,
    );
    let mut buf = vec![0u8; CHUNK];
    let mut text = String::new();
    loop {
        let n = file.read(&mut buf).context("reading the log")?;
        if n == 0 {
            break;
        }
        term.advance(&buf[..n]);
        text.clear();
        term.drain_history(&mut text, opts);
        out.write_all(text.as_bytes()).context("writing the log")?;
    }
    text.clear();
    term.write_text(&mut text, opts);
    let trimmed = text.trim_end_matches('\n');
    if !trimmed.is_empty() {
        writeln!(out, "{trimmed}").context("writing the log")?;
    }
    Ok(ExitCode::SUCCESS)
}
