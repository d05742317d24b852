//! A task's life as the loop sees it: start (spawn, record, log), output,
//! the end of the pty, the process's exit (SIGCHLD), the final record, and
//! what each of those tells waiters, event streams and attached clients.
//!
//! A task ends when its process has been reaped *and* its pty has reached
//! EOF, so that `wait` returns only after every byte is in the log. A
//! background child that keeps the pty open cannot hold the end back for
//! more than [`DRAIN_GRACE`], or [`DRAIN_MAX`] while output it wrote before
//! it exited is still being read.

use std::time::Duration;

use super::{Server, Task, Timer};
use crate::protocol::{RunSpec, ServerMsg, TaskEvent};
use crate::pty;
use crate::store::time::Timestamp;
use crate::store::{LogWriter, Size, Status, TaskRecord};

/// How long a reaped task's pty may stay open before the task ends anyway.
const DRAIN_GRACE: Duration = Duration::from_millis(300);
/// After the grace, how often to look again while output the task wrote is
/// still on its way (a busy server may take longer than the grace)...
const DRAIN_RECHECK: Duration = Duration::from_millis(50);
/// ...and for how long at most: a background child that keeps printing
/// into the pty cannot hold the end back for longer.
const DRAIN_MAX: Duration = Duration::from_secs(5);
/// How long `kill` waits after SIGHUP before SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(2);
/// Default pty size for `run` without `--size`.
pub const DEFAULT_SIZE: Size = Size { cols: 80, rows: 24 };

impl Server {
    /// Reads the records of earlier servers; tasks they left running are `lost`.
    pub(super) fn load_records(&mut self) {
        for mut record in self.store.load() {
            if record.status.is_live() {
                record.status = Status::Lost;
                record.ended_at = Some(Timestamp::now());
                record.pid = None;
                if let Err(e) = self.store.save(&record, Some(&self.syncer)) {
                    tracing::warn!("saving record {}: {e:#}", record.id);
                }
            }
            if let Some(end) = self.store.log_end(record.id) {
                record.output_bytes = record.output_bytes.max(end);
            }
            self.tasks
                .insert(record.id, Task::ended(record, LogWriter::closed()));
        }
    }

    /// Starts a task. A command that cannot be started still gets a record
    /// (`failed`, exit 127, the reason in its log) and the error is returned.
    pub fn start_task(&mut self, spec: &RunSpec) -> Result<u64, (Option<u64>, String)> {
        if let Some(name) = &spec.name {
            if self
                .tasks
                .values()
                .any(|t| t.record.name.as_deref() == Some(name))
            {
                return Err((
                    None,
                    format!("a task named {name} exists: choose another name or `bgmux rm {name}`"),
                ));
            }
        }
        let known = self.tasks.keys().next_back().copied().unwrap_or(0);
        let id = self
            .store
            .next_id(known)
            .map_err(|e| (None, format!("{e:#}")))?;
        let (cols, rows) = spec.size.unwrap_or((DEFAULT_SIZE.cols, DEFAULT_SIZE.rows));
        let mut env = spec.env.clone();
        let outer = env
            .iter()
            .find(|(k, _)| k == "TERM")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        env.retain(|(k, _)| k != "BGMUX_TASK_ID" && k != "BGMUX_SOCKET" && k != "TERM");
        env.push(("BGMUX_TASK_ID".into(), id.to_string()));
        env.push(("BGMUX_SOCKET".into(), self.socket.display().to_string()));
        env.push(("TERM".into(), task_term(&outer).into()));
        let mut record = TaskRecord {
            id,
            name: spec.name.clone(),
            command: spec.argv.clone(),
            cwd: spec.cwd.clone(),
            pid: None,
            size: Size { cols, rows },
            started_at: Timestamp::now(),
            ended_at: None,
            status: Status::Running,
            exit_code: None,
            signal: None,
            output_bytes: 0,
            history_limit: spec.history_limit.unwrap_or(self.config.history_limit()),
            log_incomplete: false,
            server_pid: std::process::id(),
            attached_clients: 0,
        };
        let (mut log, failed) = self.store.create_log(id);
        if let Some(why) = failed {
            tracing::warn!("task {id}: {why}; the task runs without a log");
            record.log_incomplete = true;
        }
        let spawn = pty::SpawnSpec {
            argv: &spec.argv,
            env: &env,
            cwd: &spec.cwd,
            cols,
            rows,
        };
        let spawned = match pty::spawn(&spawn) {
            Ok(s) => s,
            Err(e) => return Err(self.record_failed_start(record, &mut log, &e)),
        };
        record.pid = Some(spawned.pid);
        let task = match Task::start(record, spawned.master, log, self.senders.pty.clone()) {
            Ok(t) => t,
            Err(e) => return Err((Some(id), format!("registering the pty: {e}"))),
        };
        self.pids.insert(spawned.pid, id);
        self.save(&task.record);
        self.publish(event("started", &task.record));
        self.tasks.insert(id, task);
        self.arm_wait_check();
        self.mark_all_dirty();
        Ok(id)
    }

    fn record_failed_start(
        &mut self,
        mut record: TaskRecord,
        log: &mut LogWriter,
        e: &std::io::Error,
    ) -> (Option<u64>, String) {
        let what = format!(
            "cannot run {}: {}",
            record.command.first().map_or("", String::as_str),
            io_reason(e)
        );
        let text = format!("bgmux: {what}\r\n");
        log.append(text.as_bytes());
        record.output_bytes = text.len() as u64;
        record.status = Status::Failed;
        record.exit_code = Some(127);
        record.ended_at = Some(Timestamp::now());
        let id = record.id;
        self.save(&record);
        self.publish(event("exited", &record));
        self.tasks
            .insert(id, Task::ended(record, LogWriter::closed()));
        (Some(id), what)
    }

    /// Writes a record to disk, logging (not failing) on error.
    pub fn save(&self, record: &TaskRecord) {
        if let Err(e) = self.store.save(record, Some(&self.syncer)) {
            tracing::warn!("saving record {}: {e:#}", record.id);
        }
    }

    pub(super) fn on_output(&mut self, id: u64, data: Vec<u8>) {
        let Some(task) = self.tasks.get_mut(&id) else {
            return;
        };
        if let Some(why) = task.received(data.len()) {
            tracing::warn!("task {id}: {why}; the task runs on, its log is incomplete");
            let record = task.record.clone();
            self.save(&record);
        }
        self.emulate_or_defer(id, data);
        self.resume_if_waiting(id);
        self.mark_dirty(id);
    }

    pub(super) fn on_eof(&mut self, id: u64) {
        let Some(live) = self.tasks.get_mut(&id).and_then(|t| t.live.as_mut()) else {
            return;
        };
        live.eof = true;
        if live.exited.is_some() {
            self.finish_task(id);
        }
    }

    /// SIGCHLD: reap every exited child.
    pub(super) fn reap(&mut self) {
        while let Some((pid, kind)) = pty::reap_one() {
            let Some(id) = self.pids.remove(&pid) else {
                self.hook_ended(pid, kind);
                continue;
            };
            let Some(live) = self.tasks.get_mut(&id).and_then(|t| t.live.as_mut()) else {
                continue;
            };
            live.exited = Some(kind);
            live.exited_at = Some(std::time::Instant::now());
            if live.eof {
                self.finish_task(id);
            } else {
                self.add_timer(DRAIN_GRACE, Timer::Finish(id));
            }
        }
    }

    /// The drain grace of a reaped task is over (its pty is still open: a
    /// background child holds it). Ends it, unless output it wrote is still
    /// in the pty or on its way to the emulator, which a loaded server can
    /// take longer than the grace to read: ending it then would lose that
    /// output. Then it looks again shortly, for up to [`DRAIN_MAX`].
    pub(super) fn finish_after_grace(&mut self, id: u64) {
        let Some(task) = self.tasks.get(&id) else {
            return;
        };
        let overdue = task
            .live
            .as_ref()
            .and_then(|l| l.exited_at)
            .is_some_and(|t| t.elapsed() >= DRAIN_MAX);
        if task.drained() || overdue {
            self.finish_task(id);
        } else {
            self.add_timer(DRAIN_RECHECK, Timer::Finish(id));
        }
    }

    /// The task is over: final record, waiters, events, clients.
    pub fn finish_task(&mut self, id: u64) {
        let Some(task) = self.tasks.get_mut(&id) else {
            return;
        };
        let Some(kind) = task.live.as_ref().and_then(|l| l.exited) else {
            return;
        };
        task.finish(kind);
        let record = task.record.clone();
        tracing::info!("task {id} ended: {}", record.status_text());
        self.save(&record);
        self.publish(event("exited", &record));
        self.wake_waiters();
        self.notify(id);
        self.task_ended_in_views(id);
        self.mark_all_dirty();
        self.maybe_exit();
    }

    /// Answers every `wait` that is now satisfied.
    pub fn wake_waiters(&mut self) {
        let mut ready = Vec::new();
        self.waiters
            .retain(|w| match waited(&self.tasks, &w.ids, w.any) {
                Some(answer) => {
                    ready.push((w.conn, answer));
                    false
                }
                None => true,
            });
        for (conn, (id, code)) in ready {
            self.reply(conn, &ServerMsg::Waited { id, code });
        }
    }

    /// Forgets an ended task and deletes its record and log.
    pub fn remove_task(&mut self, id: u64) {
        if self.is_live(id) {
            return;
        }
        if let Some(task) = self.tasks.remove(&id) {
            self.store.remove(id);
            self.publish(event("removed", &task.record));
            for client in self.clients.values_mut() {
                client.dirty = true;
            }
        }
    }

    /// Signals a task: `None` is SIGHUP now and SIGKILL after a grace period.
    pub fn kill_task(&mut self, id: u64, signal: Option<i32>) {
        let Some(task) = self.tasks.get(&id) else {
            return;
        };
        task.signal(signal.unwrap_or(libc::SIGHUP));
        if signal.is_none() {
            self.add_timer(KILL_GRACE, Timer::KillHard(id));
        }
    }
}

/// If the waited-for tasks are done, the task that decides the status and
/// the status: with `any`, the first ended one; else the first failure in id
/// order, or the last one if all succeeded.
pub fn waited(
    tasks: &std::collections::BTreeMap<u64, Task>,
    ids: &[u64],
    any: bool,
) -> Option<(u64, i32)> {
    let ended: Vec<&TaskRecord> = ids
        .iter()
        .filter_map(|id| tasks.get(id))
        .filter(|t| !t.is_live())
        .map(|t| &t.record)
        .collect();
    if any {
        return ended
            .iter()
            .min_by_key(|r| r.ended_at)
            .map(|r| (r.id, r.wait_code()));
    }
    if ended.len() < ids.len() {
        return None;
    }
    let decider = ended.iter().find(|r| r.wait_code() != 0).or(ended.last())?;
    Some((decider.id, decider.wait_code()))
}

/// The `TERM` a task gets, from the `TERM` of the client that asked for it.
/// bgmux draws to that outer terminal, so inside tmux or screen (whose
/// `TERM` starts with `tmux` or `screen`) a task is told it runs in tmux
/// (`tmux-256color`, or `screen-256color` where that terminfo entry is
/// missing) and keeps to what those draw; anywhere else it gets
/// `xterm-256color`, which the emulator implements.
pub fn task_term(outer: &str) -> &'static str {
    if !(outer.starts_with("tmux") || outer.starts_with("screen")) {
        return "xterm-256color";
    }
    let dirs = ["/usr/share/terminfo", "/lib/terminfo", "/etc/terminfo"];
    if dirs
        .iter()
        .any(|d| std::path::Path::new(d).join("t/tmux-256color").exists())
    {
        "tmux-256color"
    } else {
        "screen-256color"
    }
}

/// A lifecycle event for `record`.
pub fn event(kind: &str, record: &TaskRecord) -> TaskEvent {
    TaskEvent {
        event: kind.into(),
        at: Timestamp::now(),
        id: record.id,
        name: record.name.clone(),
        command: record.command.clone(),
        status: record.status,
        exit_code: record.exit_code,
        signal: record.signal,
        duration_ms: record
            .ended_at
            .map(|end| record.started_at.millis_until(end)),
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let text = e.to_string();
            text.split(" (os error")
                .next()
                .unwrap_or(&text)
                .to_lowercase()
        }
    }
}
