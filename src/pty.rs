//! Pseudo-terminals: open a pair, start a process on the slave side as the
//! leader of a new session with the slave as its controlling terminal, resize,
//! signal, and ask which process group is in the foreground. This file and
//! `pty/spawn.rs` (clone and exec) hold the server's `unsafe`; each block
//! says why it is sound.
//!
//! We open the pty ourselves (`posix_openpt`) rather than through a crate:
//! the server needs a non-blocking master it can register with the event
//! loop, and the spawn must be exactly `setsid` + `TIOCSCTTY` + exec.

mod spawn;

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

/// The master side of a pty, owned by the server.
#[derive(Debug)]
pub struct Master {
    fd: OwnedFd,
}

/// A freshly started process in its own pty.
#[derive(Debug)]
pub struct Spawned {
    /// The non-blocking master.
    pub master: Master,
    /// The child's pid, which is also its session and process group id.
    pub pid: i32,
}

/// What to start.
#[derive(Debug, Clone)]
pub struct SpawnSpec<'a> {
    /// Program and arguments; never empty.
    pub argv: &'a [String],
    /// The complete environment.
    pub env: &'a [(String, String)],
    /// Working directory.
    pub cwd: &'a str,
    /// Columns.
    pub cols: u16,
    /// Rows.
    pub rows: u16,
}

fn cvt(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn winsize(cols: u16, rows: u16) -> libc::winsize {
    libc::winsize {
        ws_row: rows.max(1),
        ws_col: cols.max(1),
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

/// Opens a pty pair: (master, slave), both close-on-exec.
fn open_pair(cols: u16, rows: u16) -> io::Result<(OwnedFd, OwnedFd)> {
    // SAFETY: posix_openpt returns a new fd or -1; we take ownership at once.
    let master = unsafe {
        cvt(libc::posix_openpt(
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        ))?
    };
    // SAFETY: `master` is a valid fd we own from here on.
    let master = unsafe { OwnedFd::from_raw_fd(master) };
    // SAFETY: grantpt/unlockpt only take the fd, which is valid.
    unsafe {
        cvt(libc::grantpt(master.as_raw_fd()))?;
        cvt(libc::unlockpt(master.as_raw_fd()))?;
    }
    let mut name = [0 as libc::c_char; 128];
    // SAFETY: the buffer is valid for its length; ptsname_r NUL-terminates on success.
    let ret = unsafe { libc::ptsname_r(master.as_raw_fd(), name.as_mut_ptr(), name.len()) };
    if ret != 0 {
        return Err(io::Error::from_raw_os_error(ret));
    }
    // SAFETY: ptsname_r succeeded, so `name` holds a NUL-terminated string.
    let path = unsafe { CStr::from_ptr(name.as_ptr()) };
    // SAFETY: `path` is a valid C string; open returns a new fd or -1.
    let slave = unsafe {
        cvt(libc::open(
            path.as_ptr(),
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        ))?
    };
    // SAFETY: `slave` is a valid fd we own from here on.
    let slave = unsafe { OwnedFd::from_raw_fd(slave) };
    let ws = winsize(cols, rows);
    // SAFETY: TIOCSWINSZ reads a winsize from the pointer, which is valid.
    unsafe { cvt(libc::ioctl(slave.as_raw_fd(), libc::TIOCSWINSZ, &ws))? };
    Ok((master, slave))
}

/// Starts `spec` in a new pty. The master is returned non-blocking. The
/// child is not waited for (see `spawn.rs`): a program that cannot be found
/// or run is an error here, a later `exec` failure the task's exit 127.
pub fn spawn(spec: &SpawnSpec<'_>) -> io::Result<Spawned> {
    let prepared = spawn::prepare(spec)?;
    let (master, slave) = open_pair(spec.cols, spec.rows)?;
    let pid = spawn::start(prepared, &slave)?;
    drop(slave);
    set_nonblocking(master.as_raw_fd())?;
    Ok(Spawned {
        master: Master { fd: master },
        pid,
    })
}

/// Starts `/bin/sh -c command` in its own session with no terminal and
/// `env` added to ours (notify hooks); returns its pid, which the server
/// reaps with the tasks.
pub fn spawn_detached(command: &str, env: &[(&str, String)]) -> io::Result<i32> {
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(command)
        .envs(env.iter().map(|(k, v)| (k, v)));
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: setsid is async-signal-safe; the hook gets its own process
    // group so a timeout can kill all of it.
    unsafe {
        cmd.pre_exec(|| {
            cvt(libc::setsid())?;
            Ok(())
        });
    }
    let child = cmd.spawn()?;
    i32::try_from(child.id()).map_err(io::Error::other)
}

/// The soft fd limit the server started with, when it raised it (0: not raised).
static STARTING_FD_LIMIT: AtomicU64 = AtomicU64::new(0);

/// Raises the soft limit on open files to the hard limit. Each task holds
/// three fds (pty, log, index) and each client one, so the common soft
/// limit of 1 024 would refuse tasks in the hundreds; tasks get the limit
/// back (see [`spawn`]). Returns (before, after).
pub fn raise_fd_limit() -> io::Result<(u64, u64)> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the valid struct.
    cvt(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) })?;
    let before = limit.rlim_cur;
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: setrlimit reads the valid struct.
        cvt(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) })?;
        STARTING_FD_LIMIT.store(before.max(1), Ordering::Relaxed);
    }
    Ok((before, limit.rlim_max))
}

/// The fd limit a task starts with: the one the server found, if raised.
fn task_fd_limit() -> Option<libc::rlimit> {
    let soft = STARTING_FD_LIMIT.load(Ordering::Relaxed);
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the valid struct.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    (soft > 0 && ok).then_some(libc::rlimit {
        rlim_cur: soft,
        rlim_max: limit.rlim_max,
    })
}

fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    // SAFETY: F_GETFL/F_SETFL on a valid fd we own.
    unsafe {
        let flags = cvt(libc::fcntl(fd, libc::F_GETFL))?;
        cvt(libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK))?;
    }
    Ok(())
}

impl Master {
    /// Reads into `buf`; `Ok(0)` means the slave side is gone (EIO on Linux).
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        // SAFETY: the buffer is valid for writes of its length.
        let n = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            let err = io::Error::last_os_error();
            // Linux reports a closed slave as EIO on the master.
            if err.raw_os_error() == Some(libc::EIO) {
                return Ok(0);
            }
            return Err(err);
        }
        Ok(n as usize)
    }

    /// Writes as much of `data` as the pty takes now.
    pub fn write(&self, data: &[u8]) -> io::Result<usize> {
        // SAFETY: the buffer is valid for reads of its length.
        let n = unsafe { libc::write(self.fd.as_raw_fd(), data.as_ptr().cast(), data.len()) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n as usize)
    }

    /// Sets the window size; the kernel sends SIGWINCH to the foreground group.
    pub fn resize(&self, cols: u16, rows: u16) -> io::Result<()> {
        let ws = winsize(cols, rows);
        // SAFETY: TIOCSWINSZ reads a winsize from the pointer, which is valid.
        unsafe { cvt(libc::ioctl(self.fd.as_raw_fd(), libc::TIOCSWINSZ, &ws))? };
        Ok(())
    }

    /// Bytes the slave side wrote that wait for us to read (FIONREAD).
    pub fn unread(&self) -> usize {
        let mut n: libc::c_int = 0;
        // SAFETY: FIONREAD writes one int into the valid pointer.
        let ok = unsafe { libc::ioctl(self.fd.as_raw_fd(), libc::FIONREAD, &mut n) } == 0;
        if ok {
            usize::try_from(n).unwrap_or(0)
        } else {
            0
        }
    }

    /// The foreground process group of the pty, if any.
    pub fn foreground_pgrp(&self) -> Option<i32> {
        // SAFETY: tcgetpgrp only takes the fd.
        let pgrp = unsafe { libc::tcgetpgrp(self.fd.as_raw_fd()) };
        (pgrp > 0).then_some(pgrp)
    }
}

impl AsRawFd for Master {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl AsFd for Master {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Registers a master with the event loop (must run inside the runtime).
pub fn register(master: Master) -> io::Result<tokio::io::unix::AsyncFd<Master>> {
    // SAFETY: `Master` owns its fd (an `OwnedFd` that is never replaced), so
    // the fd stays open and the same for the whole life of the `AsyncFd`.
    unsafe { tokio::io::unix::AsyncFd::register(master) }
        .map_err(|e| io::Error::other(e.to_string()))
}

/// Sends `signal` to process group `pgrp`; a group that is gone is not an error.
pub fn signal_group(pgrp: i32, signal: i32) -> io::Result<()> {
    // SAFETY: kill takes plain integers.
    let ret = unsafe { libc::kill(-pgrp, signal) };
    if ret < 0 {
        let err = io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::ESRCH) {
            return Err(err);
        }
    }
    Ok(())
}

/// How a reaped child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// Exited with a code.
    Code(i32),
    /// Ended by a signal.
    Signal(i32),
}

/// Reaps one exited child, if any, without blocking.
pub fn reap_one() -> Option<(i32, ExitKind)> {
    let mut status = 0;
    // SAFETY: waitpid writes into the valid int.
    let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
    if pid <= 0 {
        return None;
    }
    let kind = if libc::WIFSIGNALED(status) {
        ExitKind::Signal(libc::WTERMSIG(status))
    } else {
        ExitKind::Code(libc::WEXITSTATUS(status))
    };
    Some((pid, kind))
}

/// Parses a signal name (`TERM`, `SIGTERM`, `term`) or number.
pub fn parse_signal(s: &str) -> Option<i32> {
    if let Ok(n) = s.parse::<i32>() {
        return (1..=64).contains(&n).then_some(n);
    }
    let upper = s.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    SIGNALS.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// The short name of a signal number (`TERM`), for messages.
pub fn signal_name(sig: i32) -> String {
    SIGNALS
        .iter()
        .find(|(_, v)| *v == sig)
        .map_or_else(|| sig.to_string(), |(n, _)| format!("SIG{n}"))
}

const SIGNALS: &[(&str, i32)] = &[
    ("HUP", libc::SIGHUP),
    ("INT", libc::SIGINT),
    ("QUIT", libc::SIGQUIT),
    ("ILL", libc::SIGILL),
    ("TRAP", libc::SIGTRAP),
    ("ABRT", libc::SIGABRT),
    ("BUS", libc::SIGBUS),
    ("FPE", libc::SIGFPE),
    ("KILL", libc::SIGKILL),
    ("USR1", libc::SIGUSR1),
    ("SEGV", libc::SIGSEGV),
    ("USR2", libc::SIGUSR2),
    ("PIPE", libc::SIGPIPE),
    ("ALRM", libc::SIGALRM),
    ("TERM", libc::SIGTERM),
    ("CHLD", libc::SIGCHLD),
    ("CONT", libc::SIGCONT),
    ("STOP", libc::SIGSTOP),
    ("TSTP", libc::SIGTSTP),
    ("TTIN", libc::SIGTTIN),
    ("TTOU", libc::SIGTTOU),
    ("URG", libc::SIGURG),
    ("XCPU", libc::SIGXCPU),
    ("XFSZ", libc::SIGXFSZ),
    ("VTALRM", libc::SIGVTALRM),
    ("PROF", libc::SIGPROF),
    ("WINCH", libc::SIGWINCH),
    ("IO", libc::SIGIO),
    ("PWR", libc::SIGPWR),
    ("SYS", libc::SIGSYS),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_parse_by_name_and_number() {
        assert_eq!(parse_signal("TERM"), Some(libc::SIGTERM));
        assert_eq!(parse_signal("sigkill"), Some(libc::SIGKILL));
        assert_eq!(parse_signal("2"), Some(2));
        assert_eq!(parse_signal("NOPE"), None);
        assert_eq!(parse_signal("0"), None);
        assert_eq!(signal_name(libc::SIGTERM), "SIGTERM");
    }

    #[test]
    fn a_child_runs_in_its_own_session_with_the_pty_as_terminal() {
        let argv = vec![
            "/bin/sh".to_string(),
            "-c".to_string(),
            "stty size; tty".to_string(),
        ];
        let spawned = spawn(&SpawnSpec {
            argv: &argv,
            env: &[],
            cwd: "/",
            cols: 77,
            rows: 11,
        })
        .unwrap();
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match spawned.master.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    assert!(std::time::Instant::now() < deadline, "no EOF: {out:?}");
                    let mut pfd = libc::pollfd {
                        fd: spawned.master.as_raw_fd(),
                        events: libc::POLLIN,
                        revents: 0,
                    };
                    // SAFETY: one valid pollfd.
                    unsafe { libc::poll(&mut pfd, 1, 100) };
                }
                Err(e) => panic!("{e}"),
            }
        }
        let text = String::from_utf8_lossy(&out);
        assert!(text.starts_with("11 77"), "{text}");
        assert!(text.contains("/dev/pts/"), "{text}");
        let mut status = 0;
        // SAFETY: waiting for our own child.
        unsafe { libc::waitpid(spawned.pid, &mut status, 0) };
    }
}
