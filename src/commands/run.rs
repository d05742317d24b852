//! `bgmux run`: start a command in a new pty in the background, print its
//! id, and return as soon as it runs (`--attach`: then attach to it).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use crate::client::{unexpected, Ctx};
use crate::protocol::{ClientMsg, RunSpec, ServerMsg};
use crate::server::Server;

/// Arguments of `run`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  bgmux run --name tests -- cargo test")]
pub struct Args {
    /// A unique name to refer to the task by
    #[arg(long)]
    pub name: Option<String>,
    /// Working directory [default: the current directory]
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    /// Pty size [default: 80x24]
    #[arg(long, value_name = "COLSxROWS", value_parser = parse_size)]
    pub size: Option<(u16, u16)>,
    /// Rows of history kept in memory [default: the config's history-limit, 10000]
    #[arg(long, value_name = "ROWS")]
    pub history_limit: Option<usize>,
    /// Set an environment variable for the task (repeatable)
    #[arg(long = "env", value_name = "K=V", value_parser = parse_env)]
    pub env: Vec<(String, String)>,
    /// Attach to the task once it runs
    #[arg(long)]
    pub attach: bool,
    /// The command and its arguments
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub command: Vec<String>,
}

fn parse_size(s: &str) -> Result<(u16, u16), String> {
    let bad = || format!("invalid size {s:?}: expected COLSxROWS such as 120x40");
    let (c, r) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let (c, r) = (
        c.parse::<u16>().map_err(|_| bad())?,
        r.parse::<u16>().map_err(|_| bad())?,
    );
    if !(2..=1000).contains(&c) || !(1..=1000).contains(&r) {
        return Err(format!(
            "size {s} out of range: 2-1000 columns, 1-1000 rows"
        ));
    }
    Ok((c, r))
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("invalid --env {s:?}: expected KEY=VALUE")),
    }
}

/// The client side.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let cwd = match &args.cwd {
        Some(dir) => std::env::current_dir()
            .context("reading the current directory")?
            .join(dir),
        None => std::env::current_dir().context("reading the current directory")?,
    };
    if !cwd.is_dir() {
        bail!("no such directory {}", cwd.display());
    }
    let mut env: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| !args.env.iter().any(|(o, _)| o == k))
        .collect();
    env.extend(args.env.iter().cloned());
    let spec = RunSpec {
        argv: args.command,
        name: args.name,
        cwd: cwd.display().to_string(),
        size: args.size,
        history_limit: args.history_limit,
        env,
    };
    let id = match ctx
        .connect_or_start_sending(&ClientMsg::Run(spec))?
        .recv_msg()?
    {
        ServerMsg::Started { id } => id,
        other => return Err(unexpected(&other)),
    };
    println!("{id}");
    if args.attach {
        let attach = crate::commands::attach::Args {
            task: Some(id.to_string()),
            replay: false,
        };
        return crate::commands::attach::run(ctx, attach, false);
    }
    Ok(ExitCode::SUCCESS)
}

/// The server side.
pub fn handle(server: &mut Server, spec: &RunSpec) -> ServerMsg {
    if spec.argv.is_empty() {
        return ServerMsg::Error("no command given".into());
    }
    match server.start_task(spec) {
        Ok(id) => ServerMsg::Started { id },
        Err((Some(id), why)) => ServerMsg::Error(format!("task {id} failed to start: {why}")),
        Err((None, why)) => ServerMsg::Error(why),
    }
}
