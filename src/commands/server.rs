//! `bgmux server` (hidden): the server process itself, started by the first
//! client that needs one. Its stderr is a pipe to that client until the
//! socket is bound, so a start-up error — a bad config file among them —
//! reaches the user as one line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::client::Ctx;

/// Arguments of `server`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The state dir the starting client resolved
    #[arg(long, value_name = "DIR")]
    pub state_dir: PathBuf,
}

/// Runs the server until it exits.
pub fn run(mut ctx: Ctx, args: Args) -> Result<ExitCode> {
    ctx.paths.state_dir = args.state_dir;
    let config = crate::config::Config::load(&ctx.config)?;
    crate::server::run(&ctx.paths, config)?;
    Ok(ExitCode::SUCCESS)
}
