//! The command line: global options and one variant per command. Each
//! command's arguments, docs and code live in `commands/<name>.rs`; this file
//! only lists them (tmux's `cmd_table`).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::commands;

/// bgmux: a terminal multiplexer built around background tasks.
///
/// Every task runs in its own pseudo-terminal held by a server, so it keeps
/// running while nobody watches. With no command, attach (starting your
/// $SHELL as a task if none is live).
#[derive(Debug, Parser)]
#[command(name = "bgmux", version, about, max_term_width = 100)]
#[command(
    after_help = "Examples:\n  bgmux run --name build -- cargo build\n  bgmux wait build && bgmux log build\n  bgmux            attach (prefix C-b, then d to detach)"
)]
pub struct Cli {
    /// Socket path [env: BGMUX_SOCKET]
    #[arg(short = 'S', value_name = "PATH", global = true)]
    pub socket: Option<PathBuf>,
    /// Socket name in the default socket directory
    // The id must differ from every subcommand's own arguments: a global
    // argument shares its id with them (`run --name` once set `-L`).
    #[arg(short = 'L', id = "socket_name", value_name = "NAME", global = true)]
    pub socket_name: Option<String>,
    /// Config file [default: $XDG_CONFIG_HOME/bgmux/config.toml] (`-f /dev/null`: none)
    #[arg(short = 'f', value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Write debug logs to bgmux-{server,client}-PID.log in the state dir
    #[arg(short = 'v', global = true)]
    pub verbose: bool,
    /// The command; none means attach.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// One variant per command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a command in a new pty in the background and print its id
    Run(commands::run::Args),
    /// List tasks
    #[command(alias = "list")]
    Ls(commands::ls::Args),
    /// Attach a client to the server's view
    #[command(alias = "a")]
    Attach(commands::attach::Args),
    /// Inside a task: type TEXT + Enter, then send the task to the background
    Bg(commands::bg::Args),
    /// Print a task's screen as text
    Capture(commands::capture::Args),
    /// Print a task's complete output from the first byte
    Log(commands::log::Args),
    /// Wait until tasks end; exit with the task's exit status
    Wait(commands::wait::Args),
    /// Type text or named keys into a task
    Send(commands::send::Args),
    /// Stream lifecycle events (started, waiting, resumed, exited, removed)
    Events(commands::events::Args),
    /// Print shell integration: ended tasks are listed at the next prompt
    Init(commands::init::Args),
    /// Signal a task's process group
    Kill(commands::kill::Args),
    /// Forget ended tasks and delete their stored output
    Rm(commands::rm::Args),
    /// Start a server that stays up with no task
    StartServer(commands::start_server::Args),
    /// End every task and the server
    KillServer(commands::kill_server::Args),
    /// Print tasks ended since a mark (called by the `init` snippets)
    #[command(hide = true)]
    PromptHook(commands::prompt_hook::Args),
    /// Check the config file, or make the server reload it
    Config(commands::config::Args),
    /// Print a shell completion script
    Completions(commands::completions::Args),
    /// Run the server in the foreground (started automatically; not for direct use)
    #[command(hide = true)]
    Server(commands::server::Args),
}
