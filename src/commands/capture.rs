//! `bgmux capture TASK`: the task's screen as text, like `tmux capture-pane
//! -p` (`--history`: retained history first; `--ansi`: with SGR escapes).
//! A task the server does not hold in memory (ended under an earlier server)
//! is rendered from its log instead.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};
use bgmux_term::{Terminal, TextOptions};

use crate::client::{unexpected, Ctx};
use crate::protocol::{ClientMsg, ServerMsg};
use crate::server::Server;

/// Arguments of `capture`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  bgmux capture build --history | grep -n error")]
pub struct Args {
    /// Task id or name
    pub task: String,
    /// Print the retained history before the screen
    #[arg(long)]
    pub history: bool,
    /// Keep colours and styles as SGR escapes
    #[arg(long)]
    pub ansi: bool,
}

/// The client side.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let text = match ctx.connect()? {
        Some(mut conn) => {
            let msg = ClientMsg::Capture {
                task: args.task.clone(),
                history: args.history,
                ansi: args.ansi,
            };
            match conn.request(&msg)? {
                ServerMsg::Text(text) => Some(text),
                ServerMsg::NotInMemory => None,
                other => return Err(unexpected(&other)),
            }
        }
        None => None,
    };
    let text = match text {
        Some(text) => text,
        None => from_log(ctx, &args)?,
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("writing the capture")?;
    Ok(ExitCode::SUCCESS)
}

/// Replays a task's log into a fresh emulator of the task's size.
fn from_log(ctx: &Ctx, args: &Args) -> Result<String> {
    let record = ctx.find(&args.task)?;
    let path = ctx.store().log_path(record.id);
    let data = std::fs::read(&path)
        .with_context(|| format!("reading the log of task {} ({})", record.id, path.display()))?;
    let limit = if args.history {
        record.history_limit.max(1)
    } else {
        0
    };
    let mut term = Terminal::new(record.size.rows, record.size.cols, limit);
    term.advance(&data);
    Ok(text_of(&term, args.history, args.ansi))
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

/// The server side.
pub fn handle(server: &Server, key: &str, history: bool, ansi: bool) -> ServerMsg {
    let id = match super::find_task(server, key) {
        Ok(id) => id,
        Err(e) => return e,
    };
    match server.tasks.get(&id) {
        Some(task) if task.in_memory() => ServerMsg::Text(text_of(&task.term, history, ansi)),
        _ => ServerMsg::NotInMemory,
    }
}
