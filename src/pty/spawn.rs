//! Starting a task's process on a pty slave with `clone(CLONE_VM)` +
//! `execve`, without waiting for the child to reach `exec`.
//!
//! `std::process::Command` reports a failed `exec` by having the parent
//! block on a pipe until the child has either exec'd or failed. On a loaded
//! machine the child may not run for milliseconds, and the server's whole
//! loop waited with it (`bgmux run` took 10 ms, `many` 19 ms per task). Here
//! the parent checks beforehand what usually makes `exec` fail (a program
//! not found or not executable, a missing working directory) and returns as
//! soon as the child exists; the rare failure left (`ENOEXEC`, `E2BIG`, …)
//! is written by the child to the pty — so it lands in the task's log — and
//! the child exits 127, like a shell's "command not found".
//!
//! Everything the child needs is built before it starts; until `exec` it
//! shares the server's memory (see `shared_memory::start` for why), so it
//! writes nothing but its own stack and makes only raw system calls. On
//! architectures other than x86-64 and AArch64, where bgmux has no raw
//! system calls of its own, it is a plain `fork` (and the `libc` calls).

use std::ffi::{CString, OsStr};
use std::io;
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

/// Starting the child in the server's memory (see [`start`]); on Linux
/// for the architectures whose raw system calls [`sys`] makes.
#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod shared_memory {
    use std::io;
    use std::mem::MaybeUninit;
    use std::os::fd::{AsRawFd, OwnedFd};
    use std::sync::atomic::{AtomicI32, Ordering};
    use std::sync::{Mutex, PoisonError};

    use super::{child, Prepared};

    /// Children that may still be using memory they share with the server:
    /// their stack, and the strings `execve` reads. The server's thread alone
    /// starts tasks; the lock only makes the static sound. Each entry is boxed
    /// because the child holds its address (and the kernel its tid word's):
    /// the vector may move as it grows, the boxes do not.
    #[allow(clippy::vec_box)]
    static IN_FLIGHT: Mutex<Vec<Box<InFlight>>> = Mutex::new(Vec::new());

    /// How much stack a child gets until `exec`. It runs a few system calls
    /// and no recursion; glibc's `posix_spawn` gives 32 KiB plus the arguments.
    const CHILD_STACK: usize = 64 * 1024;

    /// One started child and what it borrows from the server until `exec`.
    struct InFlight {
        /// The child's tid until it execs or exits: the kernel zeroes it then
        /// (`CLONE_CHILD_CLEARTID`), and from that moment the child no longer
        /// shares our memory, so this entry may be freed.
        tid: AtomicI32,
        stack: Box<[MaybeUninit<u8>]>,
        prepared: Prepared,
        slave: libc::c_int,
    }

    // SAFETY: the raw pointers in `Prepared` point into strings it owns; an
    // `InFlight` is only ever touched by the thread that starts tasks and,
    // read-only, by its child.
    unsafe impl Send for InFlight {}

    /// Starts the child; it becomes a session leader with `slave` as its
    /// controlling terminal and stdin/stdout/stderr, and execs. Returns the
    /// child's pid as soon as it exists.
    ///
    /// The child is created with `clone(CLONE_VM)`: it runs on its own small
    /// stack in the server's memory until `execve` replaces it. A `fork` copies
    /// the server's page tables and write-protects every page, and each page
    /// the server writes afterwards takes a fault (and, with the syncer's thread
    /// on the other core, a TLB shootdown): 350 µs for the `fork` and more
    /// after it, most of a `bgmux run`'s time in the server. Unlike `vfork`
    /// (or `CLONE_VFORK`), the server does not wait for the child to reach
    /// `exec`, which on a loaded machine can take milliseconds. Because the
    /// child shares our memory, it writes nothing but its own stack: it makes
    /// raw system calls ([`sys`]), which leave `errno` — our thread's — alone,
    /// and all signals stay blocked until it has reset their handlers.
    pub(crate) fn start(p: Prepared, slave: &OwnedFd) -> io::Result<i32> {
        let mut in_flight = IN_FLIGHT.lock().unwrap_or_else(PoisonError::into_inner);
        in_flight.retain(|f| f.tid.load(Ordering::Acquire) != 0);
        let mut stack = Vec::with_capacity(CHILD_STACK);
        stack.resize(CHILD_STACK, MaybeUninit::uninit());
        let flight = Box::new(InFlight {
            tid: AtomicI32::new(-1),
            stack: stack.into_boxed_slice(),
            prepared: p,
            slave: slave.as_raw_fd(),
        });
        // The stack grows down from its 16-byte aligned top (x86-64 and AArch64
        // System V ABIs).
        let top = (flight.stack.as_ptr() as usize + CHILD_STACK) & !15;
        let arg: *const InFlight = &*flight;
        // SAFETY: `old` and `all` are valid sigsets; `clone` gets a valid entry
        // point, the top of a stack that `flight` owns, and an argument and a
        // tid word that stay alive (in IN_FLIGHT) until the kernel zeroes the
        // word, that is until the child no longer shares our memory.
        let pid = unsafe {
            let mut all: libc::sigset_t = std::mem::zeroed();
            let mut old: libc::sigset_t = std::mem::zeroed();
            libc::sigfillset(&mut all);
            libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
            let pid = libc::clone(
                child_main,
                top as *mut libc::c_void,
                libc::CLONE_VM | libc::CLONE_CHILD_CLEARTID | libc::SIGCHLD,
                arg as *mut libc::c_void,
                std::ptr::null_mut::<libc::pid_t>(),
                std::ptr::null_mut::<libc::c_void>(),
                flight.tid.as_ptr(),
            );
            let err = io::Error::last_os_error();
            libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
            if pid < 0 {
                return Err(err);
            }
            pid
        };
        in_flight.push(flight);
        Ok(pid)
    }

    /// How many started children may still share the server's memory (tests).
    #[cfg(test)]
    pub(super) fn in_flight() -> usize {
        let mut in_flight = IN_FLIGHT.lock().unwrap_or_else(PoisonError::into_inner);
        in_flight.retain(|f| f.tid.load(Ordering::Acquire) != 0);
        in_flight.len()
    }

    /// The child's entry point on its own stack.
    extern "C" fn child_main(arg: *mut libc::c_void) -> libc::c_int {
        // SAFETY: `arg` is the `InFlight` that `start` keeps alive until this
        // child has exec'd or exited.
        let flight = unsafe { &*(arg as *const InFlight) };
        // SAFETY: we are the new child, and `slave` is open in our fd table.
        unsafe { child(&flight.prepared, flight.slave) }
    }
}

#[cfg(all(
    test,
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
use shared_memory::in_flight;
#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
pub(super) use shared_memory::start;

/// Elsewhere, a plain `fork`: the child has its own copy of our memory, so
/// the `libc` wrappers of [`sys`] are safe there.
#[cfg(not(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
pub(super) fn start(p: Prepared, slave: &std::os::fd::OwnedFd) -> io::Result<i32> {
    let slave = std::os::fd::AsRawFd::as_raw_fd(slave);
    // SAFETY: fork has no preconditions; the child only makes system calls
    // on data prepared before it (see `child`), and never returns.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        // SAFETY: we are the freshly forked child.
        unsafe { child(&p, slave) }
    }
    Ok(pid)
}

/// The child's side: no allocation, no locks, no `errno`, only system calls.
///
/// # Safety
/// Must be called only in the new child, with `slave` open.
unsafe fn child(p: &Prepared, slave: libc::c_int) -> ! {
    // SAFETY (whole function): plain system calls on valid fds and on C
    // strings and pointer arrays that `p` keeps alive.
    unsafe {
        // Every signal starts with its default action, as tmux gives its
        // panes: the handlers are the server's (and would run in its
        // memory), and what the server ignores (SIGPIPE in any Rust
        // program, SIGXFSZ for the log, whatever its starter ignored) is
        // not the task's business. Then nothing stays blocked.
        for sig in 1..=64 {
            if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                sys::default_action(sig);
            }
        }
        sys::unblock_all();
        if let Some(limit) = &p.fd_limit {
            sys::set_fd_limit(limit);
        }
        let set_up = || {
            for r in [sys::setsid(), sys::set_controlling_tty(slave)] {
                if r < 0 {
                    return r;
                }
            }
            for fd in 0..3 {
                if fd != slave {
                    let r = sys::dup_to(slave, fd);
                    if r < 0 {
                        return r;
                    }
                }
            }
            sys::chdir(p.cwd.as_ptr())
        };
        let mut ret = set_up();
        // Before the terminal is ours, the reason goes to the pty directly.
        let out = if ret < 0 { slave } else { 2 };
        if ret >= 0 {
            if slave > 2 {
                sys::close(slave);
            }
            ret = sys::execve(p.path.as_ptr(), p.argv_ptrs.as_ptr(), p.envp_ptrs.as_ptr());
        }
        sys::write(out, &p.failure);
        sys::write(out, reason(-ret as libc::c_int));
        sys::exit(127)
    }
}

/// The system calls the child makes, made directly: a `libc` wrapper sets
/// `errno` on failure, and in a child that shares our memory that would be
/// the server thread's `errno`, changing under its feet. Each returns what
/// the kernel returns: a negative errno on failure.
#[cfg(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
mod sys {
    /// One system call with up to four arguments.
    ///
    /// # Safety
    /// The arguments must be valid for system call `n`.
    #[cfg(target_arch = "x86_64")]
    unsafe fn call(n: libc::c_long, a: usize, b: usize, c: usize, d: usize) -> isize {
        let ret: isize;
        // SAFETY: the caller passes valid arguments; `syscall` clobbers
        // rcx and r11 and touches no stack (x86-64 Linux system call ABI).
        unsafe {
            std::arch::asm!(
                "syscall",
                inlateout("rax") n as isize => ret,
                in("rdi") a,
                in("rsi") b,
                in("rdx") c,
                in("r10") d,
                lateout("rcx") _,
                lateout("r11") _,
                options(nostack),
            );
        }
        ret
    }

    /// One system call with up to four arguments.
    ///
    /// # Safety
    /// The arguments must be valid for system call `n`.
    #[cfg(target_arch = "aarch64")]
    unsafe fn call(n: libc::c_long, a: usize, b: usize, c: usize, d: usize) -> isize {
        let ret: isize;
        // SAFETY: the caller passes valid arguments; `svc 0` returns in x0
        // and touches no stack (AArch64 Linux system call ABI).
        unsafe {
            std::arch::asm!(
                "svc 0",
                in("x8") n,
                inlateout("x0") a as isize => ret,
                in("x1") b,
                in("x2") c,
                in("x3") d,
                options(nostack),
            );
        }
        ret
    }

    /// The kernel's `struct sigaction` with every field zero: `SIG_DFL`.
    const DEFAULT: [u64; 4] = [0; 4];
    /// The kernel's signal set size (64 signals).
    const SIGSET: usize = 8;

    pub unsafe fn default_action(sig: libc::c_int) {
        unsafe {
            call(
                libc::SYS_rt_sigaction,
                sig as usize,
                DEFAULT.as_ptr() as usize,
                0,
                SIGSET,
            )
        };
    }

    pub unsafe fn unblock_all() {
        let none = 0u64;
        unsafe {
            call(
                libc::SYS_rt_sigprocmask,
                libc::SIG_SETMASK as usize,
                &none as *const u64 as usize,
                0,
                SIGSET,
            )
        };
    }

    pub unsafe fn set_fd_limit(limit: &libc::rlimit) {
        unsafe {
            call(
                libc::SYS_prlimit64,
                0,
                libc::RLIMIT_NOFILE as usize,
                limit as *const libc::rlimit as usize,
                0,
            )
        };
    }

    pub unsafe fn setsid() -> isize {
        unsafe { call(libc::SYS_setsid, 0, 0, 0, 0) }
    }

    pub unsafe fn set_controlling_tty(fd: libc::c_int) -> isize {
        unsafe { call(libc::SYS_ioctl, fd as usize, libc::TIOCSCTTY as usize, 0, 0) }
    }

    pub unsafe fn dup_to(fd: libc::c_int, to: libc::c_int) -> isize {
        unsafe { call(libc::SYS_dup3, fd as usize, to as usize, 0, 0) }
    }

    pub unsafe fn chdir(path: *const libc::c_char) -> isize {
        unsafe { call(libc::SYS_chdir, path as usize, 0, 0, 0) }
    }

    pub unsafe fn close(fd: libc::c_int) {
        unsafe { call(libc::SYS_close, fd as usize, 0, 0, 0) };
    }

    pub unsafe fn execve(
        path: *const libc::c_char,
        argv: *const *const libc::c_char,
        envp: *const *const libc::c_char,
    ) -> isize {
        unsafe {
            call(
                libc::SYS_execve,
                path as usize,
                argv as usize,
                envp as usize,
                0,
            )
        }
    }

    pub unsafe fn write(fd: libc::c_int, bytes: &[u8]) {
        unsafe {
            call(
                libc::SYS_write,
                fd as usize,
                bytes.as_ptr() as usize,
                bytes.len(),
                0,
            )
        };
    }

    pub unsafe fn exit(code: libc::c_int) -> ! {
        loop {
            // SAFETY: exit_group takes a plain int and does not return.
            unsafe { call(libc::SYS_exit_group, code as usize, 0, 0, 0) };
        }
    }
}

/// [`sys`] elsewhere: the same calls through `libc`, for a forked child
/// (whose `errno` is its own).
#[cfg(not(all(
    target_os = "linux",
    any(target_arch = "x86_64", target_arch = "aarch64")
)))]
mod sys {
    fn ret(r: libc::c_int) -> isize {
        if r < 0 {
            -(std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO) as isize)
        } else {
            r as isize
        }
    }

    /// Through the system call: glibc's `signal` refuses the two signals it
    /// keeps for itself (32, 33), whose dispositions a task inherits too.
    /// All zeroes is `SIG_DFL` in every architecture's kernel `sigaction`.
    pub unsafe fn default_action(sig: libc::c_int) {
        let default = [0u64; 8];
        unsafe {
            libc::syscall(
                libc::SYS_rt_sigaction,
                sig,
                default.as_ptr(),
                0usize,
                8usize,
            )
        };
    }

    pub unsafe fn unblock_all() {
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::pthread_sigmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
        }
    }

    pub unsafe fn set_fd_limit(limit: &libc::rlimit) {
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, limit) };
    }

    pub unsafe fn setsid() -> isize {
        ret(unsafe { libc::setsid() })
    }

    pub unsafe fn set_controlling_tty(fd: libc::c_int) -> isize {
        ret(unsafe { libc::ioctl(fd, libc::TIOCSCTTY as _, 0) })
    }

    pub unsafe fn dup_to(fd: libc::c_int, to: libc::c_int) -> isize {
        ret(unsafe { libc::dup2(fd, to) })
    }

    pub unsafe fn chdir(path: *const libc::c_char) -> isize {
        ret(unsafe { libc::chdir(path) })
    }

    pub unsafe fn close(fd: libc::c_int) {
        unsafe { libc::close(fd) };
    }

    pub unsafe fn execve(
        path: *const libc::c_char,
        argv: *const *const libc::c_char,
        envp: *const *const libc::c_char,
    ) -> isize {
        ret(unsafe { libc::execve(path, argv, envp) })
    }

    pub unsafe fn write(fd: libc::c_int, bytes: &[u8]) {
        unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
    }

    pub unsafe fn exit(code: libc::c_int) -> ! {
        unsafe { libc::_exit(code) }
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

    #[cfg(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    /// The stack and strings a child borrows are freed once it has exec'd:
    /// the kernel zeroes its tid word then (`CLONE_CHILD_CLEARTID`).
    #[test]
    fn what_children_borrow_is_freed_once_they_have_execd() {
        let env = vec![("PATH".to_string(), "/bin:/usr/bin".to_string())];
        let argv = vec!["true".to_string()];
        let spec = SpawnSpec {
            argv: &argv,
            env: &env,
            cwd: "/",
            cols: 80,
            rows: 24,
        };
        for _ in 0..20 {
            let spawned = super::super::spawn(&spec).unwrap();
            let mut status = 0;
            // SAFETY: waiting for our own child into a valid int.
            let reaped = unsafe { libc::waitpid(spawned.pid, &mut status, 0) };
            assert_eq!(reaped, spawned.pid);
            assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
        }
        wait_for_no_children_in_flight();
        // Freed at `exec`, not only at exit: a task that runs for hours
        // holds nothing of the server's.
        let argv = vec!["sleep".to_string(), "30".to_string()];
        let spawned = super::super::spawn(&SpawnSpec {
            argv: &argv,
            ..spec
        })
        .unwrap();
        wait_for_no_children_in_flight();
        // SAFETY: signalling and reaping our own child.
        unsafe {
            assert_eq!(libc::kill(spawned.pid, 0), 0, "the sleep still runs");
            libc::kill(spawned.pid, libc::SIGKILL);
            libc::waitpid(spawned.pid, std::ptr::null_mut(), 0);
        }
    }

    #[cfg(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    /// Tests in other threads of this process may be starting children of
    /// their own: this waits for those to exec too.
    fn wait_for_no_children_in_flight() {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while in_flight() > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "{} children in flight",
                in_flight()
            );
            std::thread::yield_now();
        }
    }
}
