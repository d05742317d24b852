//! `bgmux ls`: the tasks as a table, or `--json` (an array of task records:
//! the fields of SPEC §2 plus `attached_clients`). Works without a server:
//! the records on disk are listed then, so earlier tasks never vanish.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::client::Ctx;
use crate::protocol::ServerMsg;
use crate::server::Server;
use crate::store::time::{human_bytes, human_duration, Timestamp};
use crate::store::TaskRecord;

/// Arguments of `ls`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  bgmux ls --json | jq '.[] | select(.status == \"failed\")'")]
pub struct Args {
    /// Print a JSON array of task records
    #[arg(long)]
    pub json: bool,
    /// Show every column (pid, size, working directory)
    #[arg(long, short = 'a')]
    pub all: bool,
}

/// The client side.
pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let records = ctx.records()?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &records).context("writing JSON")?;
        writeln!(out).context("writing JSON")?;
    } else {
        out.write_all(table(&records, args.all, Timestamp::now()).as_bytes())
            .context("writing the table")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The server side: every record, with live byte counts.
pub fn handle(server: &Server) -> ServerMsg {
    ServerMsg::Tasks(server.tasks.values().map(|t| t.record.clone()).collect())
}

/// Formats records as an aligned table.
pub fn table(records: &[TaskRecord], all: bool, now: Timestamp) -> String {
    let mut rows = vec![header(all)];
    for r in records {
        let mut row = vec![
            r.id.to_string(),
            r.name.clone().unwrap_or_else(|| "-".into()),
            r.status_text()
                + if r.log_incomplete {
                    " (log incomplete)"
                } else {
                    ""
                },
            format!("{} ago", human_duration(r.started_at.millis_until(now))),
            human_duration(r.duration_ms(now)),
            human_bytes(r.output_bytes),
        ];
        if all {
            row.push(r.pid.map_or_else(|| "-".into(), |p| p.to_string()));
            row.push(format!("{}x{}", r.size.cols, r.size.rows));
            row.push(r.cwd.clone());
        }
        row.push(r.command.join(" "));
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut text = String::new();
    for row in rows {
        let last = row.len() - 1;
        for (c, cell) in row.iter().enumerate() {
            if c == last {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<w$}  ", w = widths[c]));
            }
        }
        text.push('\n');
    }
    text
}

fn header(all: bool) -> Vec<String> {
    let mut h = vec!["ID", "NAME", "STATUS", "STARTED", "DURATION", "OUTPUT"];
    if all {
        h.extend(["PID", "SIZE", "CWD"]);
    }
    h.push("COMMAND");
    h.into_iter().map(String::from).collect()
}
