//! Getting pinged (SPEC §6): when a task that no client is showing ends or
//! starts waiting for input, every attached client shows a status-line
//! message and rings the bell, optionally asks the outer terminal for a
//! desktop notification (OSC 9 and OSC 777), and an optional hook command
//! runs with the task's details in its environment. The task is marked
//! unseen until someone views it.

use std::collections::HashMap;
use std::time::Duration;

use super::{Server, Timer};
use crate::store::time::Timestamp;

/// How long a notify-command may run before it is killed.
const HOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// What notifications do (from the config file).
#[derive(Debug, Clone)]
pub struct NotifySettings {
    /// Ring the bell.
    pub bell: bool,
    /// OSC 9 / OSC 777 desktop notifications through the outer terminal.
    pub desktop: bool,
    /// A shell command run for each notification.
    pub command: Option<String>,
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            bell: true,
            desktop: false,
            command: None,
        }
    }
}

impl From<&crate::config::Config> for NotifySettings {
    fn from(config: &crate::config::Config) -> Self {
        NotifySettings {
            bell: config.bell(),
            desktop: config.notify_desktop(),
            command: config.notify_command().map(str::to_string),
        }
    }
}

/// Running notify-commands by pid.
pub type Hooks = HashMap<i32, u64>;

impl Server {
    /// Task `id` ended or started waiting: ping everyone unless someone is
    /// looking at it (a task in the foreground of some client pings no one).
    pub fn notify(&mut self, id: u64) {
        if self.clients.values().any(|c| c.shows(id)) {
            return;
        }
        let Some(task) = self.tasks.get_mut(&id) else {
            return;
        };
        task.unseen = true;
        let record = task.record.clone();
        let text = if record.status.is_live() {
            format!("[{id}] {} — waiting for input", record.label())
        } else {
            record.summary(Timestamp::now())
        };
        let settings = self.notify_settings.clone();
        for client in self.clients.values_mut() {
            client.say(text.clone());
            if settings.bell {
                client.extra.push(0x07);
            }
            if settings.desktop {
                let clean: String = text.chars().filter(|c| !c.is_control()).collect();
                client.extra.extend_from_slice(
                    format!("\x1b]9;{clean}\x07\x1b]777;notify;bgmux;{clean}\x07").as_bytes(),
                );
            }
        }
        if let Some(command) = settings.command {
            self.run_hook(&command, &record);
        }
    }

    fn run_hook(&mut self, command: &str, r: &crate::store::TaskRecord) {
        let code = r
            .exit_code
            .map(|c| c.to_string())
            .or_else(|| r.signal.map(|s| (128 + s).to_string()));
        let env = [
            ("BGMUX_TASK_ID", r.id.to_string()),
            ("BGMUX_TASK_NAME", r.name.clone().unwrap_or_default()),
            ("BGMUX_TASK_STATUS", r.status.as_str().to_string()),
            ("BGMUX_TASK_EXIT_CODE", code.unwrap_or_default()),
            ("BGMUX_TASK_COMMAND", r.command.join(" ")),
            (
                "BGMUX_TASK_DURATION",
                (r.duration_ms(Timestamp::now()) / 1000).to_string(),
            ),
        ];
        match crate::pty::spawn_detached(command, &env) {
            Ok(pid) => {
                self.hooks.insert(pid, r.id);
                self.add_timer(HOOK_TIMEOUT, Timer::KillHook(pid));
            }
            Err(e) => tracing::warn!("notify-command for task {}: {e}", r.id),
        }
    }

    /// A reaped pid that was a hook: log how it went.
    pub(super) fn hook_ended(&mut self, pid: i32, kind: crate::pty::ExitKind) -> bool {
        let Some(task) = self.hooks.remove(&pid) else {
            return false;
        };
        if kind != crate::pty::ExitKind::Code(0) {
            tracing::warn!("notify-command for task {task} ended with {kind:?}");
        }
        true
    }

    /// A hook that outlived its time is killed.
    pub(super) fn kill_hook(&mut self, pid: i32) {
        if self.hooks.contains_key(&pid) {
            tracing::warn!(
                "notify-command (pid {pid}) took longer than {HOOK_TIMEOUT:?}; killing it"
            );
            let _ = crate::pty::signal_group(pid, libc::SIGKILL);
        }
    }
}
