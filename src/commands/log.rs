//! `bgmux log TASK`: the task's complete output from its first byte, read
//! from the log on disk (no server needed). Rendered by default — the text
//! lines a person saw, escape sequences interpreted (see `store/render.rs`)
//! — or the exact bytes with `--raw`. `--tail N` starts N lines from the
//! end (found by reading backwards, so it is quick on a 1 GB log);
//! `--follow` keeps printing as the log grows until the task ends, like
//! `tail -f`, then prints the last partial line and exits 0.
//!
//! Everything streams: memory stays bounded whatever the log's size. What
//! the log lacks is said in-band, on its own `[bgmux: …]` line (on stderr
//! with `--raw`, whose stdout is only the task's bytes): the start dropped
//! by `log-limit` at the top, a log whose writing failed at the end.

use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::client::{unexpected, Conn, Ctx};
use crate::protocol::{ClientMsg, ServerMsg};
use crate::store::time::human_bytes;
use crate::store::{LogBytes, Renderer, Store, TaskRecord};

/// Arguments of `log`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  bgmux log build | less\n  bgmux log build --raw > build.out\n  bgmux log build --tail 20 --follow"
)]
pub struct Args {
    /// Task id or name
    pub task: String,
    /// The exact bytes the task wrote
    #[arg(long)]
    pub raw: bool,
    /// Keep printing new output until the task ends (`-f` is the global config option)
    #[arg(long)]
    pub follow: bool,
    /// Start with the last N lines
    #[arg(long, short = 'n', value_name = "N")]
    pub tail: Option<u64>,
}

/// How long `--follow` waits before looking for more output.
const POLL: Duration = Duration::from_millis(50);

/// The client side.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let record = ctx.find(&args.task)?;
    let store = ctx.store();
    let reader = LogBytes::open(&store, record.id)?;
    warn_if_truncated(&record, &reader);
    let start = match args.tail {
        Some(n) => reader.tail_offset(n)?,
        None => reader.first_offset(),
    };
    let mut out = Out {
        raw: args.raw,
        stdout: BufWriter::with_capacity(64 << 10, std::io::stdout().lock()),
    };
    if start == reader.first_offset() && start > 0 {
        out.note(&format!(
            "{} of earlier output dropped (log-limit)",
            human_bytes(start)
        ))?;
    }
    let mut follow = Follow {
        reader,
        pos: start,
        renderer: Renderer::new(false),
        store,
    };
    follow.drain(&mut out)?;
    if args.follow {
        let mut conn = ctx.connect()?;
        loop {
            out.stdout.flush().context("writing the log")?;
            if follow.more(&mut out)? {
                continue;
            }
            // Nothing new: has it ended? (If so, the server wrote every
            // byte to the log before saying so: one last look gets them.)
            if !task_live(&mut conn, record.id)? {
                follow.more(&mut out)?;
                break;
            }
            std::thread::sleep(POLL);
        }
    }
    follow.renderer.finish(&mut |l: &str| out.line(l))?;
    let record = if args.follow {
        ctx.find(&record.id.to_string()).unwrap_or(record)
    } else {
        record
    };
    if record.log_incomplete {
        out.note("the log is incomplete: writing it failed (disk full or file size limit); later output is missing")?;
    }
    out.stdout.flush().context("writing the log")?;
    Ok(ExitCode::SUCCESS)
}

/// Where output goes: rendered lines, or raw bytes with notes on stderr.
struct Out<'a> {
    raw: bool,
    stdout: BufWriter<std::io::StdoutLock<'a>>,
}

impl Out<'_> {
    fn line(&mut self, line: &str) -> Result<()> {
        self.stdout
            .write_all(line.as_bytes())
            .context("writing the log")?;
        self.stdout.write_all(b"\n").context("writing the log")
    }

    fn note(&mut self, text: &str) -> Result<()> {
        if self.raw {
            eprintln!("bgmux: {text}");
            return Ok(());
        }
        self.line(&format!("[bgmux: {text}]"))
    }
}

/// The reading position in a log that may still grow.
struct Follow {
    reader: LogBytes,
    pos: u64,
    renderer: Renderer,
    store: Store,
}

impl Follow {
    /// Prints everything from `pos` to the reader's end. A segment that
    /// `log-limit` deletes under our feet is skipped with a note.
    fn drain(&mut self, out: &mut Out) -> Result<()> {
        let mut buf = vec![0u8; 256 << 10];
        loop {
            let n = match self.reader.read_at(self.pos, &mut buf) {
                Ok(n) => n,
                Err(e) => {
                    self.reader.refresh(&self.store)?;
                    if !self.skip_dropped(out)? {
                        return Err(e);
                    }
                    continue;
                }
            };
            if n == 0 {
                return Ok(());
            }
            self.pos += n as u64;
            if out.raw {
                out.stdout.write_all(&buf[..n]).context("writing the log")?;
            } else {
                self.renderer.feed(&buf[..n], &mut |l: &str| out.line(l))?;
            }
        }
    }

    /// Reopens the log and prints what was added; false if nothing was.
    fn more(&mut self, out: &mut Out) -> Result<bool> {
        self.reader.refresh(&self.store)?;
        if self.reader.end_offset() <= self.pos {
            return Ok(false);
        }
        self.skip_dropped(out)?;
        self.drain(out)?;
        Ok(true)
    }

    /// Jumps over output dropped before it could be printed; false if
    /// nothing was.
    fn skip_dropped(&mut self, out: &mut Out) -> Result<bool> {
        let first = self.reader.first_offset();
        if self.pos >= first {
            return Ok(false);
        }
        out.note(&format!(
            "{} of output dropped (log-limit) before it could be printed",
            human_bytes(first - self.pos)
        ))?;
        self.pos = first;
        Ok(true)
    }
}

/// Is the task still running? Asked of the server; with no server, nothing
/// can add to the log any more.
fn task_live(conn: &mut Option<Conn>, id: u64) -> Result<bool> {
    let Some(c) = conn.as_mut() else {
        return Ok(false);
    };
    match c.request(&ClientMsg::List { all: true }) {
        Ok(ServerMsg::Tasks(tasks)) => Ok(tasks.iter().any(|t| t.id == id && t.status.is_live())),
        Ok(other) => Err(unexpected(&other)),
        Err(_) => {
            *conn = None;
            Ok(false)
        }
    }
}

/// A log shorter than what the task wrote was cut behind our back: say so
/// once, and print what is left.
fn warn_if_truncated(record: &TaskRecord, reader: &LogBytes) {
    if !record.log_incomplete && record.output_bytes > reader.end_offset() {
        eprintln!(
            "bgmux: warning: the log of task {} holds {} of the {} the task wrote: it was truncated behind bgmux's back",
            record.id,
            human_bytes(reader.end_offset()),
            human_bytes(record.output_bytes)
        );
    }
}
