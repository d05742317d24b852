//! `bgmux events [--json]`: a stream of lifecycle events — `started`,
//! `waiting`, `resumed`, `exited` (code or signal, duration), `removed` —
//! one line each, flushed as they happen, until the server exits. Starts a
//! server if none runs; an events stream counts as a client, so the server
//! stays up while someone listens.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use crate::client::Ctx;
use crate::protocol::{ClientMsg, Frame, FrameError, ServerMsg, TaskEvent};
use crate::store::time::human_duration;

/// Arguments of `events`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  bgmux events --json | jq -c 'select(.event == \"exited\")'")]
pub struct Args {
    /// One JSON object a line
    #[arg(long)]
    pub json: bool,
}

/// The client side.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let mut conn = ctx.connect_or_start()?;
    conn.send(&ClientMsg::Events)?;
    let mut out = std::io::stdout().lock();
    loop {
        let event = match conn.recv() {
            Ok(Frame::Msg(ServerMsg::Event(e))) => e,
            Ok(Frame::Msg(ServerMsg::Error(e))) => bail!("{e}"),
            Ok(_) => continue,
            Err(FrameError::Closed) => return Ok(ExitCode::SUCCESS),
            Err(e) => bail!("reading events: {e}"),
        };
        if args.json {
            serde_json::to_writer(&mut out, &*event).context("writing an event")?;
            writeln!(out).context("writing an event")?;
        } else {
            writeln!(out, "{}", line(&event)).context("writing an event")?;
        }
        out.flush().context("writing an event")?;
    }
}

/// `exited 3 cargo test failed (exit 101) after 4m12s`.
pub fn line(e: &TaskEvent) -> String {
    let label = e.name.clone().unwrap_or_else(|| e.command.join(" "));
    let status = match (e.exit_code, e.signal) {
        (Some(code), _) if e.event == "exited" => format!("{} (exit {code})", e.status.as_str()),
        (None, Some(sig)) => format!("{} ({})", e.status.as_str(), crate::pty::signal_name(sig)),
        _ => e.status.as_str().to_string(),
    };
    let after = e
        .duration_ms
        .map(|ms| format!(" after {}", human_duration(ms)))
        .unwrap_or_default();
    format!("{} {} {label} {status}{after}", e.event, e.id)
}
