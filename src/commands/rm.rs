//! `bgmux rm TASK… | --finished`: forget ended tasks and delete their
//! records and logs. A live task is refused (kill it first).

use std::process::ExitCode;

use anyhow::Result;

use crate::client::{no_such_task, unexpected, Ctx};
use crate::protocol::{ClientMsg, ServerMsg};
use crate::server::Server;

/// Arguments of `rm`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  bgmux rm 3 build\n  bgmux rm --finished")]
pub struct Args {
    /// Task ids or names
    #[arg(required_unless_present = "finished", conflicts_with = "finished")]
    pub tasks: Vec<String>,
    /// Every ended task
    #[arg(long)]
    pub finished: bool,
}

/// The client side.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let msg = ClientMsg::Remove {
        tasks: args.tasks.clone(),
        finished: args.finished,
    };
    match ctx.request(&msg)? {
        Some(ServerMsg::Removed(_)) => return Ok(ExitCode::SUCCESS),
        Some(other) => return Err(unexpected(&other)),
        None => {}
    }
    // No server: nothing is live, the files are ours to delete.
    let store = ctx.store();
    let records = store.load();
    let ids: Vec<u64> = if args.finished {
        records.iter().map(|r| r.id).collect()
    } else {
        let mut ids = Vec::new();
        for key in &args.tasks {
            ids.push(
                crate::store::find(records.iter(), key)
                    .ok_or_else(|| no_such_task(key))?
                    .id,
            );
        }
        ids
    };
    for id in ids {
        store.remove(id);
    }
    Ok(ExitCode::SUCCESS)
}

/// The server side.
pub fn handle(server: &mut Server, keys: &[String], finished: bool) -> ServerMsg {
    let ids: Vec<u64> = if finished {
        server
            .tasks
            .iter()
            .filter(|(_, t)| !t.is_live())
            .map(|(id, _)| *id)
            .collect()
    } else {
        let mut ids = Vec::new();
        for key in keys {
            let id = match super::find_task(server, key) {
                Ok(id) => id,
                Err(e) => return e,
            };
            if server.tasks.get(&id).is_some_and(|t| t.is_live()) {
                return ServerMsg::Error(format!("task {id} is running: `bgmux kill {id}` first"));
            }
            ids.push(id);
        }
        ids
    };
    for id in &ids {
        server.remove_task(*id);
    }
    ServerMsg::Removed(ids)
}
