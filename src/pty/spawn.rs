//! Starting a task's process on a pty slave with a plain `fork` + `execve`,
//! without waiting for the child to reach `exec`.
//!
//! `std::process::Command` reports a failed `exec` by having the parent
//! block on a pipe until the child has either exec'd or failed. On a loaded
//! machine the child may not run for milliseconds, and the server's whole
//! loop waited with it (`bgmux run` took 10 ms, `many` 19 ms per task). Here
//! the parent checks beforehand what usually makes `exec` fail (a program
//! not found or not executable, a missing working directory) and returns as
//! soon as `fork` does; the rare failure left (`ENOEXEC`, `E2BIG`, …) is
//! written by the child to the pty — so it lands in the task's log — and the
//! child exits 127, like a shell's "command not found".
//!
//! Everything the child needs is built before `fork`: between `fork` and
//! `exec` it only makes async-signal-safe system calls (no allocation, no
//! locks), which is what POSIX allows in the child of a threaded process.

use std::ffi::{CString, OsStr};
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::SpawnSpec;

/// The search path when neither the task's nor the server's environment
/// has `PATH` (glibc's `_CS_PATH` plus /usr/local/bin).
const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// What the child needs, prepared before `fork`.
pub(super) struct Prepared {
    path: CString,
    cwd: CString,
    // The pointer arrays below point into these.
    _argv: Vec<CString>,
    _envp: Vec<CString>,
    argv_ptrs: Vec<*const libc::c_char>,
    envp_ptrs: Vec<*const libc::c_char>,
    /// `bgmux: cannot run PROGRAM: ` for the child's error message.
    failure: Vec<u8>,
    /// The open-files limit the server started with, to give back to the
    /// task (the server raises its own; a limit survives `exec`).
    fd_limit: Option<libc::rlimit>,
}

fn cstring(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL byte"))
}

/// Resolves the program and builds the C strings of `spec`.
pub(super) fn prepare(spec: &SpawnSpec<'_>) -> io::Result<Prepared> {
    let program = spec
        .argv
        .first()
        .ok_or_else(|| io::Error::other("empty command"))?;
    let path = resolve(program, spec.env)?;
    if !Path::new(spec.cwd).is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("working directory {} not found", spec.cwd),
        ));
    }
    let argv = spec
        .argv
        .iter()
        .map(|a| cstring(a.as_bytes()))
        .collect::<io::Result<Vec<_>>>()?;
    let envp = spec
        .env
        .iter()
        .map(|(k, v)| cstring(format!("{k}={v}").as_bytes()))
        .collect::<io::Result<Vec<_>>>()?;
    let argv_ptrs = pointers(&argv);
    let envp_ptrs = pointers(&envp);
    Ok(Prepared {
        path: cstring(path.as_os_str().as_bytes())?,
        cwd: cstring(spec.cwd.as_bytes())?,
        _argv: argv,
        _envp: envp,
        argv_ptrs,
        envp_ptrs,
        failure: format!("bgmux: cannot run {program}: ").into_bytes(),
        fd_limit: super::task_fd_limit(),
    })
}

fn pointers(strings: &[CString]) -> Vec<*const libc::c_char> {
    strings
        .iter()
        .map(|s| s.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}

/// Finds `program` as `execvp` would: as given when it has a slash, else
/// in the task's `PATH` (the server's when the task has none).
fn resolve(program: &str, env: &[(String, String)]) -> io::Result<PathBuf> {
    if program.contains('/') {
        let path = PathBuf::from(program);
        return match executable(&path) {
            Some(true) => Ok(path),
            Some(false) => Err(io::ErrorKind::PermissionDenied.into()),
            None => Err(io::ErrorKind::NotFound.into()),
        };
    }
    let search = env
        .iter()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.clone())
        .or_else(|| std::env::var("PATH").ok())
        .unwrap_or_else(|| DEFAULT_PATH.to_string());
    let mut denied = false;
    for dir in search.split(':') {
        let dir = if dir.is_empty() { "." } else { dir };
        let path = Path::new(dir).join(OsStr::new(program));
        match executable(&path) {
            Some(true) => return Ok(path),
            Some(false) => denied = true,
            None => {}
        }
    }
    Err(if denied {
        io::ErrorKind::PermissionDenied
    } else {
        io::ErrorKind::NotFound
    }
    .into())
}

/// `None`: nothing there; `Some(false)`: there but not runnable.
fn executable(path: &Path) -> Option<bool> {
    let meta = std::fs::metadata(path).ok()?;
    Some(meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// Forks; the child becomes a session leader with `slave` as its
/// controlling terminal and stdin/stdout/stderr, and execs. Returns the
/// child's pid as soon as `fork` does.
pub(super) fn fork_exec(p: &Prepared, slave: &OwnedFd) -> io::Result<i32> {
    let slave = slave.as_raw_fd();
    // SAFETY: fork has no preconditions; in the child we call only
    // async-signal-safe functions on data prepared before the fork
    // (see `child`), and never return.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        // SAFETY: we are the freshly forked child.
        unsafe { child(p, slave) }
    }
    Ok(pid)
}

/// The child's side: no allocation, no locks, only system calls.
///
/// # Safety
/// Must be called only in the child right after `fork`, with `slave` open.
unsafe fn child(p: &Prepared, slave: libc::c_int) -> ! {
    // SAFETY (whole function): plain system calls on valid fds and on C
    // strings and pointer arrays that `p` keeps alive.
    unsafe {
        // The server blocks nothing and ignores SIGPIPE (Rust) and SIGXFSZ
        // (the log): a task starts with the defaults, as from a shell.
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::pthread_sigmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::signal(libc::SIGXFSZ, libc::SIG_DFL);
        if let Some(limit) = &p.fd_limit {
            libc::setrlimit(libc::RLIMIT_NOFILE, limit);
        }
        let ok = libc::setsid() >= 0
            && libc::ioctl(slave, libc::TIOCSCTTY as _, 0) >= 0
            && libc::dup2(slave, 0) >= 0
            && libc::dup2(slave, 1) >= 0
            && libc::dup2(slave, 2) >= 0
            && libc::chdir(p.cwd.as_ptr()) >= 0;
        if ok {
            if slave > 2 {
                libc::close(slave);
            }
            libc::execve(p.path.as_ptr(), p.argv_ptrs.as_ptr(), p.envp_ptrs.as_ptr());
        }
        let errno = *libc::__errno_location();
        let out = if ok { 2 } else { slave };
        libc::write(out, p.failure.as_ptr().cast(), p.failure.len());
        let reason = reason(errno);
        libc::write(out, reason.as_ptr().cast(), reason.len());
        libc::_exit(127)
    }
}

/// The few reasons `exec` can still fail after `prepare`, as text that
/// needs no allocation.
fn reason(errno: libc::c_int) -> &'static [u8] {
    match errno {
        libc::ENOENT => b"no such file or directory\r\n",
        libc::EACCES => b"permission denied\r\n",
        libc::ENOEXEC => b"exec format error\r\n",
        libc::E2BIG => b"argument list too long\r\n",
        libc::ENOMEM => b"out of memory\r\n",
        libc::ETXTBSY => b"text file busy\r\n",
        _ => b"exec failed\r\n",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_resolve_like_execvp() {
        let env = vec![("PATH".to_string(), "/nonexistent:/bin:/usr/bin".to_string())];
        let sh = resolve("sh", &env).unwrap();
        assert!(sh.ends_with("sh") && sh.is_absolute(), "{sh:?}");
        assert_eq!(
            resolve("no-such-program-here", &env).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        assert_eq!(
            resolve("/no/such/program", &env).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        assert_eq!(
            resolve("/etc/passwd", &env).unwrap_err().kind(),
            io::ErrorKind::PermissionDenied
        );
    }
}
