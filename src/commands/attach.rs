//! `bgmux attach [TASK]` (and plain `bgmux`): become an attached client. The
//! server picks the task: the one named, else the last view, else the newest
//! live task, else (plain `bgmux` only) a new `$SHELL` task. The first attach
//! in a state dir shows a one-line hint about the prefix key.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use crate::client::{self, Ctx};
use crate::protocol::{AttachSpec, ServerMsg};
use crate::server::{ConnId, Server};

/// The file in the state dir that says the prefix hint was shown.
const HINT_MARKER: &str = "prefix-hint-shown";

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

/// The server side: attach, and on the first attach in this state dir say
/// how the prefix works (the marker file makes it once, not once a server).
pub fn handle(server: &mut Server, conn: ConnId, spec: AttachSpec) -> ServerMsg {
    let reply = server.attach(conn, spec);
    if matches!(reply, ServerMsg::Attached { .. }) {
        let marker = server.store.dir().join(HINT_MARKER);
        if !marker.exists() {
            if let Err(e) = std::fs::write(&marker, b"") {
                tracing::warn!("writing {}: {e}", marker.display());
            }
            server.say(conn, prefix_hint(server.config.prefix_name()));
        }
    }
    reply
}

/// `prefix is C-b: C-b d detach, C-b t tasks, C-b ? help`.
fn prefix_hint(prefix: &str) -> String {
    format!("prefix is {prefix}: {prefix} d detach, {prefix} t tasks, {prefix} ? help")
}
