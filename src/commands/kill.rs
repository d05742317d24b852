//! `bgmux kill TASK`: signal the task's process group (and the pty's
//! foreground group, where a shell's job runs). The default is SIGHUP, as
//! when a terminal closes, then SIGKILL after a grace period.

use std::process::ExitCode;

use anyhow::{bail, Result};

use crate::client::{expect_ok, Ctx};
use crate::protocol::{ClientMsg, ServerMsg};
use crate::pty;
use crate::server::Server;

/// Arguments of `kill`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  bgmux kill build\n  bgmux kill 3 --signal INT")]
pub struct Args {
    /// Task id or name
    pub task: String,
    /// Signal name or number [default: HUP, then KILL after 2 s]
    #[arg(long, short = 's', value_name = "SIG", value_parser = parse)]
    pub signal: Option<i32>,
}

fn parse(s: &str) -> Result<i32, String> {
    pty::parse_signal(s)
        .ok_or_else(|| format!("unknown signal {s:?}: use a name like TERM or INT, or a number"))
}

/// The client side.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let msg = ClientMsg::Kill {
        task: args.task.clone(),
        signal: args.signal,
    };
    let Some(mut conn) = ctx.connect_sending(&msg)? else {
        let record = ctx.find(&args.task)?;
        if record.status.is_live() {
            bail!(
                "task {} was lost with its server: nothing to signal",
                record.id
            );
        }
        bail!(
            "task {} has already ended ({})",
            record.id,
            record.status_text()
        );
    };
    expect_ok(conn.recv_msg()?)?;
    Ok(ExitCode::SUCCESS)
}

/// The server side.
pub fn handle(server: &mut Server, key: &str, signal: Option<i32>) -> ServerMsg {
    let id = match super::find_task(server, key) {
        Ok(id) => id,
        Err(e) => return e,
    };
    match server.tasks.get(&id) {
        Some(t) if t.is_live() => {
            server.kill_task(id, signal);
            ServerMsg::Ok
        }
        Some(t) => ServerMsg::Error(format!(
            "task {id} has already ended ({})",
            t.record.status_text()
        )),
        None => ServerMsg::Error(format!("no task {key}")),
    }
}
