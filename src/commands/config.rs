//! `bgmux config check [FILE]` validates a config file the way the server
//! would read it; `bgmux config reload` makes the running server re-read the
//! file it started with. A bad file is an error and the server keeps the
//! config it has (SPEC §13). Parsing and the error messages are `config/`'s.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};

use crate::client::{unexpected, Ctx};
use crate::config::{Config, Source};
use crate::protocol::{ClientMsg, ServerMsg};
use crate::server::Server;

/// Arguments of `config`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  bgmux config check\n  bgmux config check ~/dotfiles/bgmux.toml\n  bgmux config reload"
)]
pub struct Args {
    /// What to do
    #[command(subcommand)]
    pub action: Action,
}

/// The `config` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Validate a config file: print `ok: FILE`, or the error and exit 1
    #[command(after_help = "Example:\n  bgmux config check && bgmux config reload")]
    Check {
        /// The file [default: -f FILE, else ~/.config/bgmux/config.toml]
        file: Option<PathBuf>,
    },
    /// Make the running server re-read its config file (a bad file changes nothing)
    #[command(
        after_help = "Example:\n  $EDITOR ~/.config/bgmux/config.toml && bgmux config reload"
    )]
    Reload,
}

/// The client side.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    match args.action {
        Action::Check { file } => {
            let source = match file {
                Some(file) => Source::resolve(Some(&file))?,
                None => ctx.config.clone(),
            };
            Config::load(&source)?;
            println!("ok: {}", describe(&source));
        }
        Action::Reload => {
            let Some(mut conn) = ctx.connect()? else {
                bail!("no server running on {}", ctx.paths.socket.display());
            };
            match conn.request(&ClientMsg::ReloadConfig)? {
                ServerMsg::Text(text) => println!("{text}"),
                other => return Err(unexpected(&other)),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `FILE`, or why there is none.
fn describe(source: &Source) -> String {
    match source {
        Source::None => "no config file (defaults)".to_string(),
        Source::Default(path) if !path.exists() => {
            format!("no config file at {} (defaults)", path.display())
        }
        Source::Default(path) | Source::File(path) => path.display().to_string(),
    }
}

/// The server side of `reload`: read the same place again; on success
/// `Server::set_config` applies it.
pub fn handle_reload(server: &mut Server) -> ServerMsg {
    let config = match Config::load(server.config.source()) {
        Ok(config) => config,
        Err(e) => return ServerMsg::Error(format!("{e:#} (the server keeps its previous config)")),
    };
    let text = format!("reloaded: {}", describe(config.source()));
    tracing::info!("config {text}");
    server.set_config(config);
    ServerMsg::Text(text)
}
