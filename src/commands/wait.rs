//! `bgmux wait TASK…`: block until the tasks end and exit with the task's
//! status: its exit code, 128+N for signal N, 124 on `--timeout`, 1 for a
//! lost task. With several tasks: the first failure in id order, else 0;
//! with `--any`: the status of the first to end.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::client::{no_such_task, unexpected, Ctx};
use crate::protocol::{ClientMsg, FrameError, ServerMsg};
use crate::server::{ConnId, Server, Waiter};

/// Arguments of `wait`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  bgmux wait build --timeout 600 && bgmux log build | tail")]
pub struct Args {
    /// Task ids or names
    #[arg(required = true)]
    pub tasks: Vec<String>,
    /// Return as soon as one of them ends
    #[arg(long)]
    pub any: bool,
    /// Give up after this many seconds (exit 124)
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
}

/// Exit status for a timeout, as timeout(1) uses.
const TIMED_OUT: u8 = 124;

/// The client side.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let deadline = match args.timeout {
        Some(secs) if !(0.0..=1e9).contains(&secs) => {
            bail!("invalid --timeout {secs}: expected seconds >= 0")
        }
        Some(secs) => Some(Instant::now() + Duration::from_secs_f64(secs)),
        None => None,
    };
    let msg = ClientMsg::Wait {
        tasks: args.tasks.clone(),
        any: args.any,
    };
    let Some(mut conn) = ctx.connect_sending(&msg)? else {
        // No server: nothing is live, so the records on disk decide.
        let records = ctx.store().load();
        let mut codes = Vec::new();
        for key in &args.tasks {
            let r = crate::store::find(records.iter(), key).ok_or_else(|| no_such_task(key))?;
            codes.push(r.wait_code());
        }
        let code = if args.any {
            codes[0]
        } else {
            codes.iter().copied().find(|c| *c != 0).unwrap_or(0)
        };
        return Ok(exit(code));
    };
    conn.set_deadline(deadline)?;
    match conn.recv() {
        Ok(crate::protocol::Frame::Msg(ServerMsg::Waited { code, .. })) => Ok(exit(code)),
        Ok(crate::protocol::Frame::Msg(other)) => Err(unexpected(&other)),
        Ok(crate::protocol::Frame::Data(_)) => bail!("unexpected data from the server"),
        Err(FrameError::Io(e))
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            Ok(ExitCode::from(TIMED_OUT))
        }
        Err(FrameError::Closed) => bail!("the server exited while waiting"),
        Err(e) => bail!("reading from the server: {e}"),
    }
}

fn exit(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code.clamp(0, 255)).unwrap_or(1))
}

/// The server side: answers now if the tasks have ended, else later.
pub fn handle(server: &mut Server, conn: ConnId, keys: &[String], any: bool) -> Option<ServerMsg> {
    let mut ids = Vec::new();
    for key in keys {
        match super::find_task(server, key) {
            Ok(id) => ids.push(id),
            Err(e) => return Some(e),
        }
    }
    if let Some((id, code)) = crate::server::waited(&server.tasks, &ids, any) {
        return Some(ServerMsg::Waited { id, code });
    }
    server.waiters.push(Waiter { conn, ids, any });
    None
}
