//! `bgmux send TASK TEXT…`: type text (words joined by spaces, `--enter`
//! adds Enter) or, with `--keys`, named keys (`Enter`, `C-c`, `Up`…) into a
//! task's pty. Named keys are encoded by the server for the task's current
//! modes (cursor keys follow DECCKM).

use std::process::ExitCode;

use anyhow::{bail, Result};

use crate::client::{expect_ok, Ctx};
use crate::keyname;
use crate::protocol::{ClientMsg, ServerMsg};
use crate::server::Server;

/// Arguments of `send`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  bgmux send 3 --enter make test\n  bgmux send 3 --keys C-c\n  bgmux send vim --keys Escape : w q Enter"
)]
pub struct Args {
    /// Task id or name
    pub task: String,
    /// Press Enter after the text
    #[arg(long, conflicts_with = "keys")]
    pub enter: bool,
    /// The words are key names, not text
    #[arg(long)]
    pub keys: bool,
    /// Text (words joined by spaces) or key names
    #[arg(required = true, allow_hyphen_values = true, value_name = "TEXT")]
    pub words: Vec<String>,
}

/// The client side.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let msg = if args.keys {
        if let Some(bad) = args
            .words
            .iter()
            .find(|k| keyname::encode(k, false).is_none())
        {
            bail!("unknown key {bad:?}: use names like Enter, Tab, Escape, Up, C-c, M-x, F1, or one character");
        }
        ClientMsg::SendKeys {
            task: args.task,
            keys: args.words,
        }
    } else {
        let mut data = args.words.join(" ").into_bytes();
        if args.enter {
            data.push(b'\r');
        }
        ClientMsg::Send {
            task: args.task,
            data,
        }
    };
    match ctx.request(&msg)? {
        Some(reply) => expect_ok(reply).map(|()| ExitCode::SUCCESS),
        None => bail!(
            "no server running on {}: nothing to send to",
            ctx.paths.socket.display()
        ),
    }
}

fn live_task(server: &Server, key: &str) -> Result<u64, ServerMsg> {
    let id = super::find_task(server, key)?;
    match server.tasks.get(&id) {
        Some(t) if t.is_live() => Ok(id),
        Some(t) => Err(ServerMsg::Error(format!(
            "task {id} has ended ({})",
            t.record.status_text()
        ))),
        None => Err(ServerMsg::Error(format!("no task {key}"))),
    }
}

/// The server side for text.
pub fn handle(server: &mut Server, key: &str, data: &[u8]) -> ServerMsg {
    let id = match live_task(server, key) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let ctl = server.senders.ctl.clone();
    let Some(task) = server.tasks.get_mut(&id) else {
        return ServerMsg::Error(format!("no task {key}"));
    };
    if !task.write(data, &ctl) {
        return not_reading(id, task);
    }
    ServerMsg::Ok
}

/// The answer when a task's input queue is full (see `MAX_PENDING_INPUT`).
fn not_reading(id: u64, task: &crate::server::Task) -> ServerMsg {
    ServerMsg::Error(format!(
        "task {id} is not reading its input ({} bytes wait): nothing sent",
        task.pending_input()
    ))
}

/// The server side for named keys.
pub fn handle_keys(server: &mut Server, key: &str, keys: &[String]) -> ServerMsg {
    let id = match live_task(server, key) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let ctl = server.senders.ctl.clone();
    let Some(task) = server.tasks.get_mut(&id) else {
        return ServerMsg::Error(format!("no task {key}"));
    };
    let app_cursor = task.term.modes().app_cursor;
    let mut data = Vec::new();
    for k in keys {
        match keyname::encode(k, app_cursor) {
            Some(bytes) => data.extend(bytes),
            None => return ServerMsg::Error(format!("unknown key {k:?}")),
        }
    }
    if !task.write(&data, &ctl) {
        return not_reading(id, task);
    }
    ServerMsg::Ok
}
