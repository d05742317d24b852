//! `bgmux kill-server`: hang up every task, record how each ended, and stop
//! the server. Returns once the server is gone, so the next command starts
//! a fresh one.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::client::{unexpected, Ctx, Mismatch};
use crate::protocol::{ClientMsg, FrameError, ServerMsg};
use crate::server::{ConnId, Server};

/// Arguments of `kill-server`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  bgmux kill-server; bgmux ls    (the records stay on disk)")]
pub struct Args {}

/// The client side.
pub fn run(ctx: &Ctx, _args: Args) -> Result<ExitCode> {
    let mut conn = match ctx.connect() {
        Ok(Some(conn)) => conn,
        Ok(None) => bail!("no server running on {}", ctx.paths.socket.display()),
        Err(e) => match e.downcast_ref::<Mismatch>() {
            // A server of another version: SIGTERM makes it end its tasks
            // and exit just like this command would.
            Some(Mismatch { pid: Some(pid), .. }) => return terminate(ctx, *pid),
            _ => return Err(e),
        },
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

/// Ends a server that speaks another protocol, by signal.
fn terminate(ctx: &Ctx, pid: i32) -> Result<ExitCode> {
    // SAFETY: kill takes plain integers.
    if unsafe { libc::kill(pid, libc::SIGTERM) } != 0 {
        bail!(
            "signalling the server (pid {pid}): {}",
            std::io::Error::last_os_error()
        );
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while ctx.paths.socket.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    if ctx.paths.socket.exists() {
        bail!("the server (pid {pid}) did not exit within 10 s of SIGTERM");
    }
    Ok(ExitCode::SUCCESS)
}

/// The server side: the answer comes when every task has ended.
pub fn handle(server: &mut Server, conn: ConnId) -> Option<ServerMsg> {
    server.begin_exit(Some(conn));
    None
}
