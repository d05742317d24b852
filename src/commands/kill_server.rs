//! `bgmux kill-server`: hang up every task, record how each ended, and stop
//! the server. Returns once the server is gone, so the next command starts
//! a fresh one.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::client::{unexpected, Ctx};
use crate::protocol::{ClientMsg, FrameError, ServerMsg};
use crate::server::{ConnId, Server};

/// Arguments of `kill-server`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  bgmux kill-server; bgmux ls    (the records stay on disk)")]
pub struct Args {}

/// The client side.
pub fn run(ctx: &Ctx, _args: Args) -> Result<ExitCode> {
    let Some(mut conn) = ctx.connect()? else {
        bail!("no server running on {}", ctx.paths.socket.display());
    };
    match conn.request(&ClientMsg::KillServer)? {
        ServerMsg::Ok => {}
        other => return Err(unexpected(&other)),
    }
    // The server closes the connection as it exits, after removing its socket.
    conn.set_deadline(Some(Instant::now() + Duration::from_secs(10)))?;
    loop {
        match conn.recv() {
            Ok(_) => continue,
            Err(FrameError::Closed) => break,
            Err(e) => bail!("waiting for the server to exit: {e}"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The server side: the answer comes when every task has ended.
pub fn handle(server: &mut Server, conn: ConnId) -> Option<ServerMsg> {
    server.begin_exit(Some(conn));
    None
}
