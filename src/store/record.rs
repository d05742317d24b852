//! The task record: everything bgmux knows about a task that must outlive the
//! server (SPEC §2). The same struct is stored on disk as JSON, sent over the
//! socket, and printed by `ls --json`, so its fields are the contract.

use serde::{Deserialize, Serialize};

use super::time::{human_duration, Timestamp};

/// A task's lifecycle state (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Live.
    Running,
    /// Live, blocked reading its terminal and quiet for about a second.
    Waiting,
    /// Exited 0.
    Done,
    /// Exited non-zero (or could not start).
    Failed,
    /// Ended by a signal.
    Killed,
    /// The server died while it ran.
    Lost,
}

impl Status {
    /// Still has a process.
    pub fn is_live(self) -> bool {
        matches!(self, Status::Running | Status::Waiting)
    }

    /// The lowercase word used everywhere.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Waiting => "waiting",
            Status::Done => "done",
            Status::Failed => "failed",
            Status::Killed => "killed",
            Status::Lost => "lost",
        }
    }
}

/// Columns and rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Size {
    /// Columns.
    pub cols: u16,
    /// Rows.
    pub rows: u16,
}

/// One task, as stored and listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    /// 1, 2, 3…, never reused within a state dir.
    pub id: u64,
    /// Optional unique name.
    pub name: Option<String>,
    /// argv.
    pub command: Vec<String>,
    /// Working directory.
    pub cwd: String,
    /// Process id (also its process group), while known.
    pub pid: Option<i32>,
    /// The pty size.
    pub size: Size,
    /// When it started.
    pub started_at: Timestamp,
    /// When it ended.
    pub ended_at: Option<Timestamp>,
    /// Lifecycle state.
    pub status: Status,
    /// Exit code, if it exited.
    pub exit_code: Option<i32>,
    /// Signal number, if a signal ended it.
    pub signal: Option<i32>,
    /// Bytes of output seen so far.
    pub output_bytes: u64,
    /// History limit in rows.
    #[serde(default)]
    pub history_limit: usize,
    /// A write to the log failed: the log on disk is missing output.
    #[serde(default)]
    pub log_incomplete: bool,
    /// The server that ran it.
    #[serde(default)]
    pub server_pid: u32,
    /// Clients showing it now (0 on disk).
    #[serde(default)]
    pub attached_clients: u32,
}

impl TaskRecord {
    /// The exit status `wait` uses: the code, 128+N for signal N, 1 if lost.
    pub fn wait_code(&self) -> i32 {
        match (self.exit_code, self.signal) {
            (Some(code), _) => code,
            (None, Some(sig)) => 128 + sig,
            _ => 1,
        }
    }

    /// `done`, `failed (exit 2)`, `killed (SIGTERM)`, `running`…
    pub fn status_text(&self) -> String {
        match (self.status, self.exit_code, self.signal) {
            (Status::Failed, Some(code), _) => format!("failed (exit {code})"),
            (Status::Killed, _, Some(sig)) => format!("killed ({})", crate::pty::signal_name(sig)),
            (status, _, _) => status.as_str().to_string(),
        }
    }

    /// The name if set, else the command line.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None => self.command.join(" "),
        }
    }

    /// Milliseconds it ran (until now if live).
    pub fn duration_ms(&self, now: Timestamp) -> u64 {
        self.started_at.millis_until(self.ended_at.unwrap_or(now))
    }

    /// `[3] cargo test — failed (exit 101) after 4m12s` (SPEC §6).
    pub fn summary(&self, now: Timestamp) -> String {
        format!(
            "[{}] {} — {} after {}",
            self.id,
            self.label(),
            self.status_text(),
            human_duration(self.duration_ms(now))
        )
    }
}

/// Finds the task named by `key` (an id or a name): a name wins over an id
/// so that a task named `7` is reachable.
pub fn find<'a>(
    records: impl Iterator<Item = &'a TaskRecord> + Clone,
    key: &str,
) -> Option<&'a TaskRecord> {
    records
        .clone()
        .find(|r| r.name.as_deref() == Some(key))
        .or_else(|| {
            records
                .into_iter()
                .find(|r| key.parse::<u64>().is_ok_and(|id| id == r.id))
        })
}
