//! One file per command (tmux's `cmd-*.c`): its arguments, its client side
//! (`run`) and, when the server takes part, its handler (`handle`). This file
//! dispatches both ways, one line per command.

pub mod attach;
pub mod bg;
pub mod capture;
pub mod completions;
pub mod config;
pub mod events;
pub mod init;
pub mod kill;
pub mod kill_server;
pub mod log;
pub mod ls;
pub mod prompt_hook;
pub mod rm;
pub mod run;
pub mod send;
pub mod server;
pub mod start_server;
pub mod wait;

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::client::Ctx;
use crate::paths::Paths;
use crate::protocol::{ClientMsg, ServerMsg};
use crate::server::{ConnId, Server};

/// Runs the command line's command.
pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    let paths = Paths::resolve(cli.socket.as_deref(), cli.socket_name.as_deref())?;
    let socket_flags = match (&cli.socket, &cli.socket_name) {
        (Some(_), _) => format!(
            " -S '{}'",
            paths.socket.display().to_string().replace('\'', r"'\''")
        ),
        (None, Some(name)) => format!(" -L '{name}'"),
        _ => String::new(),
    };
    let kind = if matches!(cli.command, Some(Command::Server(_))) {
        "server"
    } else {
        "client"
    };
    let state_dir = match &cli.command {
        Some(Command::Server(args)) => args.state_dir.clone(),
        _ => paths.state_dir.clone(),
    };
    crate::logging::init(kind, cli.verbose, &state_dir);
    let config = crate::config::Source::resolve(cli.config.as_deref())?;
    let ctx = Ctx {
        paths,
        config,
        verbose: cli.verbose,
    };
    match cli.command {
        None => attach::run(&ctx, attach::Args::default(), true),
        Some(Command::Run(args)) => run::run(&ctx, args),
        Some(Command::Ls(args)) => ls::run(&ctx, args),
        Some(Command::Attach(args)) => attach::run(&ctx, args, false),
        Some(Command::Bg(args)) => bg::run(&ctx, args),
        Some(Command::Capture(args)) => capture::run(&ctx, args),
        Some(Command::Events(args)) => events::run(&ctx, args),
        Some(Command::Init(args)) => init::run(&ctx, args, &socket_flags),
        Some(Command::PromptHook(args)) => prompt_hook::run(&ctx, args),
        Some(Command::Log(args)) => log::run(&ctx, args),
        Some(Command::Wait(args)) => wait::run(&ctx, args),
        Some(Command::Send(args)) => send::run(&ctx, args),
        Some(Command::Kill(args)) => kill::run(&ctx, args),
        Some(Command::Rm(args)) => rm::run(&ctx, args),
        Some(Command::StartServer(args)) => start_server::run(&ctx, args),
        Some(Command::KillServer(args)) => kill_server::run(&ctx, args),
        Some(Command::Config(args)) => config::run(&ctx, args),
        Some(Command::Completions(args)) => completions::run(args),
        Some(Command::Server(args)) => server::run(ctx, args),
    }
}

/// Answers one request; `None` means the answer comes later (or never, for
/// streams and attached clients, which get frames instead).
pub fn handle(server: &mut Server, conn: ConnId, msg: ClientMsg) -> Option<ServerMsg> {
    match msg {
        ClientMsg::Run(spec) => Some(run::handle(server, &spec)),
        ClientMsg::List { .. } => Some(ls::handle(server)),
        ClientMsg::Capture {
            task,
            history,
            ansi,
        } => Some(capture::handle(server, &task, history, ansi)),
        ClientMsg::Wait { tasks, any } => wait::handle(server, conn, &tasks, any),
        ClientMsg::Send { task, data } => Some(send::handle(server, &task, &data)),
        ClientMsg::SendKeys { task, keys } => Some(send::handle_keys(server, &task, &keys)),
        ClientMsg::Kill { task, signal } => Some(kill::handle(server, &task, signal)),
        ClientMsg::Remove { tasks, finished } => Some(rm::handle(server, &tasks, finished)),
        ClientMsg::StayUp => Some(start_server::handle(server)),
        ClientMsg::KillServer => kill_server::handle(server, conn),
        ClientMsg::Attach(spec) => Some(attach::handle(server, conn, spec)),
        ClientMsg::Resize { cols, rows } => {
            server.resize_client(conn, cols, rows);
            None
        }
        ClientMsg::Direct { rdev } => {
            server.direct_requested(conn, rdev);
            None
        }
        ClientMsg::DirectReady => {
            server.direct_ready(conn);
            None
        }
        ClientMsg::Leave => Some(ServerMsg::Detached(String::new())),
        ClientMsg::Events => {
            server.subscribers.push(conn);
            None
        }
        ClientMsg::EndedSince { since } => Some(prompt_hook::handle(server, since)),
        ClientMsg::Background { task, text } => Some(bg::handle(server, task, text)),
        ClientMsg::ReloadConfig => Some(config::handle_reload(server)),
    }
}

/// Finds a task by id or name on the server side, or the error reply.
pub fn find_task(server: &Server, key: &str) -> Result<u64, ServerMsg> {
    crate::store::find(server.tasks.values().map(|t| &t.record), key)
        .map(|r| r.id)
        .ok_or_else(|| ServerMsg::Error(format!("no task {key}: see `bgmux ls`")))
}
