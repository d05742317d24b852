//! `bgmux prompt-hook [--since MS]` (hidden; called by the `init`
//! snippets at every prompt). Without `--since` it prints the current time
//! (milliseconds since the epoch) as the shell's first mark. With it, it
//! prints a new mark on the first line and then one line per task that
//! ended after the old mark: `[3] done  cargo test (4m12s)`. It never
//! starts a server, and with none running it prints the old mark alone.

use std::process::ExitCode;

use anyhow::Result;

use crate::client::{unexpected, Ctx};
use crate::protocol::{ClientMsg, ServerMsg};
use crate::server::Server;
use crate::store::time::{human_duration, Timestamp};

/// Arguments of `prompt-hook`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The mark printed last time
    #[arg(long, value_name = "MS")]
    pub since: Option<u64>,
}

/// The client side.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let Some(since) = args.since else {
        println!("{}", Timestamp::now().0);
        return Ok(ExitCode::SUCCESS);
    };
    let records = match ctx.request(&ClientMsg::EndedSince { since })? {
        Some(ServerMsg::Tasks(records)) => records,
        Some(other) => return Err(unexpected(&other)),
        None => {
            println!("{since}");
            return Ok(ExitCode::SUCCESS);
        }
    };
    let mark = records
        .iter()
        .filter_map(|r| r.ended_at)
        .map(|t| t.0)
        .max()
        .unwrap_or(since)
        .max(since);
    let mut text = format!("{mark}\n");
    for r in &records {
        let took = human_duration(r.duration_ms(Timestamp::now()));
        text.push_str(&format!(
            "[{}] {}  {} ({took})\n",
            r.id,
            r.status_text(),
            r.label()
        ));
    }
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// The server side: tasks that ended after `since`, by id.
pub fn handle(server: &Server, since: u64) -> ServerMsg {
    ServerMsg::Tasks(
        server
            .tasks
            .values()
            .filter(|t| !t.is_live() && t.record.ended_at.is_some_and(|e| e.0 > since))
            .map(|t| t.record.clone())
            .collect(),
    )
}
