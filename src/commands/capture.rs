//! `bgmux capture TASK`: the task's screen as text, like `tmux capture-pane
//! -p` (`--history`: the whole history first; `--ansi`: with SGR escapes).
//!
//! The server answers from the emulator it holds. With `--history`, rows
//! older than the emulator's in-memory cap come from the log: the client
//! replays the log (up to where it stood when the server answered) into an
//! emulator of the task's size and prints the rows that replay pushes into
//! history, except the newest ones the server already sent — the same bytes
//! through the same emulator give the same rows, so the two parts meet
//! exactly (unless the task was resized on the way: the replay knows only
//! the last size). A task the server does not hold (ended under an earlier
//! server) is replayed from its log whole. Replays stream: memory stays
//! bounded by the emulator and the in-memory history's size.

use std::collections::VecDeque;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use bgmux_term::{Terminal, TextOptions};

use crate::client::{unexpected, Ctx};
use crate::protocol::{ClientMsg, ServerMsg};
use crate::server::Server;
use crate::store::time::human_bytes;
use crate::store::{LogBytes, TaskRecord};

/// Arguments of `capture`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  bgmux capture build --history | grep -n error")]
pub struct Args {
    /// Task id or name
    pub task: String,
    /// Print the whole history (from the log if need be) before the screen
    #[arg(long)]
    pub history: bool,
    /// Keep colours and styles as SGR escapes
    #[arg(long)]
    pub ansi: bool,
}

/// Bytes read from the log at a time.
const CHUNK: usize = 1 << 20;
/// Bytes fed to the replaying emulator between two drains of its history:
/// even a piece of bare newlines fits in its history whole.
const PIECE: usize = 64 << 10;

/// The client side.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let msg = ClientMsg::Capture {
        task: args.task.clone(),
        history: args.history,
        ansi: args.ansi,
    };
    let reply = ctx.request(&msg)?.unwrap_or(ServerMsg::NotInMemory);
    let mut out = BufWriter::with_capacity(64 << 10, std::io::stdout().lock());
    match reply {
        ServerMsg::Text(text) => out
            .write_all(text.as_bytes())
            .context("writing the capture")?,
        ServerMsg::History {
            text,
            history_rows,
            log_end,
        } => {
            let record = ctx.find(&args.task)?;
            let held = usize::try_from(history_rows).unwrap_or(usize::MAX);
            // Without its log, the rows in memory are still worth printing.
            if let Err(e) = replay(ctx, &record, log_end, held, args.ansi, &mut out) {
                eprintln!("bgmux: warning: {e:#}: printing the history held in memory only");
            }
            out.write_all(text.as_bytes())
                .context("writing the capture")?;
        }
        ServerMsg::NotInMemory => {
            let record = ctx.find(&args.task)?;
            let term = replay(
                ctx,
                &record,
                u64::MAX,
                if args.history { 0 } else { usize::MAX },
                args.ansi,
                &mut out,
            )?;
            out.write_all(text_of(&term, args.history, args.ansi).as_bytes())
                .context("writing the capture")?;
        }
        other => return Err(unexpected(&other)),
    }
    out.flush().context("writing the capture")?;
    Ok(ExitCode::SUCCESS)
}

/// Replays the log up to `end` into an emulator of the task's size and
/// prints the rows it pushes into history, holding back the newest `held`
/// (`usize::MAX`: print none). Returns the emulator, its history drained.
fn replay(
    ctx: &Ctx,
    record: &TaskRecord,
    end: u64,
    held: usize,
    ansi: bool,
    out: &mut impl Write,
) -> Result<Terminal> {
    let reader = LogBytes::open(&ctx.store(), record.id)?;
    let (rows, cols) = (record.size.rows.max(1), record.size.cols.max(2));
    let mut term = Terminal::new(rows, cols, PIECE + usize::from(rows));
    if held != usize::MAX && reader.first_offset() > 0 {
        let dropped = human_bytes(reader.first_offset());
        writeln!(
            out,
            "[bgmux: {dropped} of earlier output dropped (log-limit)]"
        )
        .context("writing the capture")?;
    }
    let opts = TextOptions {
        include_history: true,
        ansi,
        join_wrapped: false,
    };
    let mut window: VecDeque<String> = VecDeque::new();
    let mut text = String::new();
    let mut buf = vec![0u8; CHUNK];
    let mut pos = reader.first_offset();
    while pos < end {
        let want = buf
            .len()
            .min(usize::try_from(end - pos).unwrap_or(usize::MAX));
        let n = reader.read_at(pos, &mut buf[..want])?;
        if n == 0 {
            break;
        }
        pos += n as u64;
        for piece in buf[..n].chunks(PIECE) {
            term.advance(piece);
            text.clear();
            term.drain_history(&mut text, opts);
            if held != usize::MAX {
                hold_back(&text, &mut window, held, out)?;
            }
        }
    }
    Ok(term)
}

/// Queues rows in `window` and prints those pushed past its `held` newest.
fn hold_back(
    text: &str,
    window: &mut VecDeque<String>,
    held: usize,
    out: &mut impl Write,
) -> Result<()> {
    for row in text.lines() {
        window.push_back(row.to_string());
        if window.len() > held {
            if let Some(row) = window.pop_front() {
                writeln!(out, "{row}").context("writing the capture")?;
            }
        }
    }
    Ok(())
}

fn text_of(term: &Terminal, history: bool, ansi: bool) -> String {
    if !history && !ansi {
        return term.screen_text();
    }
    let mut out = String::new();
    term.write_text(
        &mut out,
        TextOptions {
            include_history: history,
            ansi,
            join_wrapped: false,
        },
    );
    out
}

/// The server side: the emulator's text, and with `history`, what the
/// client needs to add the rows it no longer holds.
pub fn handle(server: &mut Server, key: &str, history: bool, ansi: bool) -> ServerMsg {
    let id = match super::find_task(server, key) {
        Ok(id) => id,
        Err(e) => return e,
    };
    // The screen of a task nobody shows may be behind its output.
    server.catch_up(id);
    match server.tasks.get(&id) {
        Some(task) if task.in_memory() && history && task.term.history_dropped() > 0 => {
            ServerMsg::History {
                text: text_of(&task.term, history, ansi),
                history_rows: task.term.history_len() as u64,
                log_end: task.record.output_bytes,
            }
        }
        Some(task) if task.in_memory() => ServerMsg::Text(text_of(&task.term, history, ansi)),
        _ => ServerMsg::NotInMemory,
    }
}
