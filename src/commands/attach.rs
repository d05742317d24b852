//! `bgmux attach [TASK]` (and plain `bgmux`): become an attached client. The
//! server picks the task: the one named, else the last view, else the newest
//! live task, else (plain `bgmux` only) a new `$SHELL` task. The first attach
//! in a state dir shows a one-line hint about the prefix key.
//!
//! `--replay` first prints the task's whole history, rendered from its log
//! with its colours, into the outer terminal before the client takes it
//! over (raw mode, alternate screen), so the outer terminal's own
//! scrollback holds it (shpool's #265).

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use crate::client::{self, Ctx};
use crate::protocol::{AttachSpec, ServerMsg};
use crate::server::{ConnId, Server};
use crate::store::time::human_bytes;
use crate::store::LogBytes;

/// The file in the state dir that says the prefix hint was shown.
const HINT_MARKER: &str = "prefix-hint-shown";

/// Arguments of `attach`.
#[derive(Debug, Default, clap::Args)]
#[command(
    after_help = "Examples:\n  bgmux attach build      (then C-b d to detach)\n  bgmux attach build --replay"
)]
pub struct Args {
    /// The task to show [default: the last view]
    pub task: Option<String>,
    /// Print the task's history into the terminal's own scrollback first
    #[arg(long)]
    pub replay: bool,
}

/// The client side; `start_shell` is set for plain `bgmux`.
pub fn run(ctx: &Ctx, args: Args, start_shell: bool) -> Result<ExitCode> {
    if let Ok(id) = std::env::var("BGMUX_TASK_ID") {
        if std::env::var_os("BGMUX_SOCKET").is_some_and(|s| s == ctx.paths.socket.as_os_str()) {
            bail!("refusing to attach from inside task {id} of the same server (it would show itself): unset BGMUX_TASK_ID to force");
        }
    }
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
    let request = client::attach::request(spec)?;
    let conn = ctx.connect_or_start_sending(&request)?;
    let store = ctx.store();
    let mut before = |id: u64| {
        if args.replay {
            // A log that cannot be replayed is no reason not to attach.
            if let Err(e) = replay(&store, id) {
                eprintln!("bgmux: warning: {e:#}: attaching without the replay");
            }
        }
        Ok(())
    };
    client::attach::run(conn, &mut before)
}

/// Prints task `id`'s rendered log, with SGR, to stdout.
fn replay(store: &crate::store::Store, id: u64) -> Result<()> {
    let reader = LogBytes::open(store, id)?;
    let mut out = BufWriter::with_capacity(64 << 10, std::io::stdout().lock());
    if reader.first_offset() > 0 {
        let dropped = human_bytes(reader.first_offset());
        writeln!(
            out,
            "[bgmux: {dropped} of earlier output dropped (log-limit)]"
        )
        .context("replaying the log")?;
    }
    reader.render_from(reader.first_offset(), true, &mut |l: &str| -> Result<()> {
        writeln!(out, "{l}").context("replaying the log")
    })?;
    out.flush().context("replaying the log")
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
