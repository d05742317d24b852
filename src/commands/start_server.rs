//! `bgmux start-server`: start a server that stays up with no task, until
//! `kill-server` (muxbench starts one before timing).

use std::process::ExitCode;

use anyhow::Result;

use crate::client::Ctx;
use crate::protocol::{ClientMsg, ServerMsg};
use crate::server::Server;

/// Arguments of `start-server`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  bgmux start-server && bgmux run -- make")]
pub struct Args {}

/// The client side.
pub fn run(ctx: &Ctx, _args: Args) -> Result<ExitCode> {
    ctx.connect_or_start()?.request_ok(&ClientMsg::StayUp)?;
    Ok(ExitCode::SUCCESS)
}

/// The server side.
pub fn handle(server: &mut Server) -> ServerMsg {
    server.stay_up = true;
    ServerMsg::Ok
}
