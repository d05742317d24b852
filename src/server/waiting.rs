//! The `waiting` status (SPEC §2): a live task whose foreground process
//! group is blocked reading its terminal and that has printed nothing for
//! about a second. Checked every half second for quiet tasks only.
//!
//! How we know, on Linux: `tcgetpgrp` on the master gives the foreground
//! process group; its leader's `/proc/PID/stat` must say `S` (sleeping, so a
//! process stopped by SIGSTOP or busy computing is not waiting), and
//! `/proc/PID/syscall` must show it inside `read`/`readv`/`pread64` on a
//! terminal fd, or inside `select`/`poll`/`epoll_wait` (and their `p`
//! variants) with a terminal on stdin — which is how full-screen programs
//! such as `vim` wait for a key. `sleep` (in `clock_nanosleep`) and `yes`
//! (running) are therefore not waiting. Where `/proc/PID/syscall` cannot be
//! read, `/proc/PID/wchan` naming `n_tty_read` is the fallback.

use std::time::{Duration, Instant};

use super::lifecycle::event;
use super::{Server, Timer};
use crate::store::Status;

/// How often quiet tasks are checked.
pub const CHECK_EVERY: Duration = Duration::from_millis(500);
/// How long a task must be quiet before it can be waiting.
const QUIET: Duration = Duration::from_millis(900);

impl Server {
    /// The periodic check: flips quiet tasks between running and waiting.
    pub(super) fn check_waiting(&mut self) {
        let now = Instant::now();
        let mut changed = Vec::new();
        for (id, task) in &mut self.tasks {
            let Some(live) = &task.live else { continue };
            if live.exited.is_some() || now.duration_since(task.last_output) < QUIET {
                continue;
            }
            let blocked = live
                .master
                .get_ref()
                .foreground_pgrp()
                .is_some_and(blocked_on_terminal);
            let status = if blocked {
                Status::Waiting
            } else {
                Status::Running
            };
            if task.record.status != status {
                task.record.status = status;
                changed.push(*id);
            }
        }
        for id in changed {
            self.status_changed(id);
        }
        if self.tasks.values().any(|t| t.is_live()) {
            self.add_timer(CHECK_EVERY, Timer::WaitCheck);
        } else {
            self.wait_check_armed = false;
        }
    }

    /// Output from a waiting task: it is running again.
    pub(super) fn resume_if_waiting(&mut self, id: u64) {
        let Some(task) = self.tasks.get_mut(&id) else {
            return;
        };
        if task.record.status == Status::Waiting {
            task.record.status = Status::Running;
            self.status_changed(id);
        }
    }

    /// Publishes a running ↔ waiting change and pings when it waits.
    fn status_changed(&mut self, id: u64) {
        let Some(record) = self.tasks.get(&id).map(|t| t.record.clone()) else {
            return;
        };
        let waiting = record.status == Status::Waiting;
        self.publish(event(if waiting { "waiting" } else { "resumed" }, &record));
        if waiting {
            self.notify(id);
        }
        self.mark_all_dirty();
    }

    /// Arms the periodic check if it is not (a task just started).
    pub fn arm_wait_check(&mut self) {
        if !self.wait_check_armed {
            self.wait_check_armed = true;
            self.add_timer(CHECK_EVERY, Timer::WaitCheck);
        }
    }
}

/// Is the leader of process group `pgrp` blocked reading a terminal?
pub fn blocked_on_terminal(pgrp: i32) -> bool {
    let proc = format!("/proc/{pgrp}");
    let Some(stat) = read_small(&format!("{proc}/stat")) else {
        return false;
    };
    // The state follows the command name, which is in parentheses and may
    // itself contain spaces and parentheses: take what follows the last ')'.
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next());
    if state != Some('S') {
        return false;
    }
    match read_small(&format!("{proc}/syscall")) {
        Some(line) => syscall_waits_on_tty(&proc, &line),
        None => read_small(&format!("{proc}/wchan")).is_some_and(|w| w.contains("tty_read")),
    }
}

/// A small `/proc` file in one `read` (open, read, close), not the
/// `fstat` and the doubling reads of `read_to_string`: this runs for
/// every quiet task twice a second, so an idle server with a thousand
/// tasks makes a third of the system calls it would.
fn read_small(path: &str) -> Option<String> {
    use std::io::Read;
    let mut buf = [0u8; 1024];
    let n = std::fs::File::open(path).ok()?.read(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf[..n]).into_owned())
}

fn syscall_waits_on_tty(proc: &str, line: &str) -> bool {
    let mut fields = line.split_whitespace();
    let Some(Ok(nr)) = fields.next().map(str::parse::<i64>) else {
        return false;
    };
    let fd = fields
        .next()
        .and_then(|a| i64::from_str_radix(a.trim_start_matches("0x"), 16).ok());
    if READS.contains(&nr) {
        return fd.is_some_and(|fd| is_tty(proc, fd));
    }
    WAITS.contains(&nr) && is_tty(proc, 0)
}

fn is_tty(proc: &str, fd: i64) -> bool {
    std::fs::read_link(format!("{proc}/fd/{fd}")).is_ok_and(|p| {
        p.to_str()
            .is_some_and(|p| p.starts_with("/dev/pts/") || p.starts_with("/dev/tty"))
    })
}

/// Syscalls that read one fd (its number is the first argument).
const READS: &[i64] = &[libc::SYS_read, libc::SYS_readv, libc::SYS_pread64];

/// Syscalls that wait on several fds.
#[cfg(target_arch = "x86_64")]
const WAITS: &[i64] = &[
    libc::SYS_select,
    libc::SYS_poll,
    libc::SYS_epoll_wait,
    libc::SYS_pselect6,
    libc::SYS_ppoll,
    libc::SYS_epoll_pwait,
    libc::SYS_epoll_pwait2,
];
/// Syscalls that wait on several fds.
#[cfg(not(target_arch = "x86_64"))]
const WAITS: &[i64] = &[
    libc::SYS_pselect6,
    libc::SYS_ppoll,
    libc::SYS_epoll_pwait,
    libc::SYS_epoll_pwait2,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_blocked_in_read_on_its_terminal_is_waiting() {
        // The test's own process is not blocked on anything.
        assert!(!blocked_on_terminal(std::process::id() as i32));
        assert!(!blocked_on_terminal(i32::MAX));
        assert!(!syscall_waits_on_tty("/proc/self", "running"));
        assert!(!syscall_waits_on_tty(
            "/proc/self",
            &format!("{} 0x0 0x0", libc::SYS_clock_nanosleep)
        ));
    }
}
