//! `bgmux attach [TASK]` (and plain `bgmux`): become an attached client. The
//! server picks the task: the one named, else the last view, else the newest
//! live task, else (plain `bgmux` only) a new `$SHELL` task.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use crate::client::{self, Ctx};
use crate::protocol::AttachSpec;

/// Arguments of `attach`.
#[derive(Debug, Default, clap::Args)]
#[command(after_help = "Example:\n  bgmux attach build      (then C-b d to detach)")]
pub struct Args {
    /// The task to show [default: the last view]
    pub task: Option<String>,
}

/// The client side; `start_shell` is set for plain `bgmux`.
pub fn run(ctx: &Ctx, args: Args, start_shell: bool) -> Result<ExitCode> {
    if let Ok(id) = std::env::var("BGMUX_TASK_ID") {
        if std::env::var_os("BGMUX_SOCKET").is_some_and(|s| s == ctx.paths.socket.as_os_str()) {
            bail!("refusing to attach from inside task {id} of the same server (it would show itself): unset BGMUX_TASK_ID to force");
        }
    }
    let conn = ctx.connect_or_start()?;
    let spec = AttachSpec {
        task: args.task,
        start_shell,
        cols: 80,
        rows: 24,
        env: std::env::vars().collect(),
        cwd: std::env::current_dir()
            .context("reading the current directory")?
            .display()
            .to_string(),
    };
    client::attach::run(conn, spec)
}
