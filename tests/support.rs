//! The test harness: a private bgmux instance per test (its own socket and
//! state dir, `-f /dev/null` or a config file of its own), commands run through the real binary with a
//! deadline, `wait_until` instead of sleeps, and an outer pty that drives an
//! attached client and renders what it draws with bgmux-term.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_bgmux");

/// Polls `f` until it returns `Some`, or panics after `timeout` naming `what`.
pub fn wait_until<T>(what: &str, timeout: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(2);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting until {what}"
        );
        std::thread::sleep(pause); // wait_until's poll interval, not a wait for an event
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// The state dir's marker that the prefix hint was shown.
const HINT_MARKER: &str = "prefix-hint-shown";

/// Ten seconds: generous for a loaded 2-core machine.
pub const SECS10: Duration = Duration::from_secs(10);

/// One private bgmux instance.
pub struct Bg {
    /// The private directory (mode 0700) holding the socket and state.
    pub dir: PathBuf,
    /// The socket.
    pub socket: PathBuf,
    /// The state dir.
    pub state: PathBuf,
    /// The config file every command gets with `-f`.
    pub config: PathBuf,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Bg {
    /// A fresh instance; nothing runs until a command starts the server.
    pub fn new() -> Bg {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("bgmux-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .unwrap();
        // The first attach in a state dir shows a hint in place of the
        // status line for seconds; tests that look for the status line
        // start past it (`first_attach` brings it back).
        std::fs::create_dir_all(dir.join("state")).unwrap();
        std::fs::write(dir.join("state").join(HINT_MARKER), b"").unwrap();
        Bg {
            socket: dir.join("sock"),
            state: dir.join("state"),
            config: PathBuf::from("/dev/null"),
            dir,
        }
    }

    /// A fresh instance whose commands (and so its server) read `config`.
    pub fn with_config(config: &str) -> Bg {
        let mut bg = Bg::new();
        bg.config = bg.dir.join("config.toml");
        std::fs::write(&bg.config, config).unwrap();
        bg
    }

    /// Makes the next attach the first one in this state dir (it shows the
    /// prefix hint).
    pub fn first_attach(&self) {
        std::fs::remove_file(self.state.join(HINT_MARKER)).unwrap();
    }

    /// A command for this instance (not yet started).
    pub fn cmd(&self, args: &[&str]) -> Command {
        self.cmd_at(&self.socket, args)
    }

    /// A command for this instance's state dir on another socket.
    pub fn cmd_at(&self, socket: &std::path::Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.arg("-S")
            .arg(socket)
            .arg("-f")
            .arg(&self.config)
            .args(args);
        cmd.env("BGMUX_STATE_DIR", &self.state)
            .env_remove("BGMUX_SOCKET")
            .env_remove("BGMUX_TASK_ID");
        cmd.env("SHELL", "/bin/sh").env("HOME", &self.dir);
        cmd
    }

    /// Runs a command to completion (30 s at most) and returns its output.
    pub fn run(&self, args: &[&str]) -> Output {
        let mut child = self
            .cmd(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut v = Vec::new();
            out.read_to_end(&mut v).unwrap();
            v
        });
        let mut stderr = Vec::new();
        err.read_to_end(&mut stderr).unwrap();
        let status = wait_until(
            &format!("bgmux {args:?} exits"),
            Duration::from_secs(30),
            || child.try_wait().unwrap(),
        );
        Output {
            status,
            stdout: reader.join().unwrap(),
            stderr,
        }
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "bgmux {args:?} failed: {}{}",
            text(&out.stderr),
            text(&out.stdout)
        );
        text(&out.stdout)
    }

    /// Runs a command that must fail with exit 1; returns its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "bgmux {args:?}: {} / {}",
            text(&out.stdout),
            text(&out.stderr)
        );
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "errors are one line: {err:?}");
        err
    }

    /// `bgmux run -- sh -c SCRIPT`; returns the id.
    pub fn sh(&self, script: &str) -> u64 {
        self.ok(&["run", "--", "/bin/sh", "-c", script])
            .trim()
            .parse()
            .unwrap()
    }

    /// `ls --json`.
    pub fn ls(&self) -> Vec<serde_json::Value> {
        serde_json::from_str(&self.ok(&["ls", "--json"])).unwrap()
    }

    /// One task's record from `ls --json`.
    pub fn task(&self, id: u64) -> serde_json::Value {
        self.ls()
            .into_iter()
            .find(|t| t["id"] == id)
            .unwrap_or_else(|| panic!("no task {id} in ls"))
    }

    /// Waits until task `id` has the given status.
    pub fn wait_status(&self, id: u64, status: &str) -> serde_json::Value {
        wait_until(&format!("task {id} is {status}"), SECS10, || {
            let t = self.task(id);
            (t["status"] == status).then_some(t)
        })
    }

    /// The server's pid, if one runs.
    pub fn server_pid(&self) -> Option<i32> {
        let pid = self
            .ls()
            .iter()
            .filter(|t| t["status"] == "running")
            .find_map(|t| t["server_pid"].as_i64())?;
        Some(pid as i32)
    }

    /// Is a server answering on the socket?
    pub fn server_up(&self) -> bool {
        std::os::unix::net::UnixStream::connect(&self.socket).is_ok()
    }
}

impl Drop for Bg {
    fn drop(&mut self) {
        if self.server_up() {
            let _ = self
                .cmd(&["kill-server"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        if std::thread::panicking() {
            eprintln!("test state kept in {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Bytes as lossy text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `cmd` on a new `cols`×`rows` pty as its controlling terminal (in
/// a session of its own), with `TERM=xterm-256color`; returns the pty's
/// master and the child.
pub fn spawn_on_pty(mut cmd: Command, cols: u16, rows: u16) -> (std::fs::File, Child) {
    // SAFETY: plain libc pty calls on fds we own.
    let (master, slave) = unsafe {
        let m = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
        assert!(m >= 0);
        assert_eq!(libc::grantpt(m), 0);
        assert_eq!(libc::unlockpt(m), 0);
        let name = libc::ptsname(m);
        let s = libc::open(name, libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
        assert!(s >= 0);
        let ws = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        libc::ioctl(s, libc::TIOCSWINSZ, &ws);
        (OwnedFd::from_raw_fd(m), OwnedFd::from_raw_fd(s))
    };
    cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    cmd.env("TERM", "xterm-256color");
    // SAFETY: setsid and ioctl are async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            libc::ioctl(0, libc::TIOCSCTTY as _, 0);
            Ok(())
        });
    }
    let child = cmd.spawn().unwrap();
    (std::fs::File::from(master), child)
}

/// An outer terminal: a pty whose slave runs a client, whose master the
/// test reads into an emulator and writes keys into.
pub struct Outer {
    master: std::fs::File,
    /// The client process.
    pub child: Child,
    screen: Arc<Mutex<(bgmux_term::Terminal, Vec<u8>)>>,
    /// Set while the terminal reads nothing (a frozen terminal).
    paused: Arc<(Mutex<bool>, Condvar)>,
}

impl Outer {
    /// Runs `cmd` on a new `cols`×`rows` pty as its controlling terminal.
    pub fn spawn(cmd: Command, cols: u16, rows: u16) -> Outer {
        let (master, child) = spawn_on_pty(cmd, cols, rows);
        let screen = Arc::new(Mutex::new((
            bgmux_term::Terminal::new(rows, cols, 0),
            Vec::new(),
        )));
        let mut reader = master.try_clone().unwrap();
        let sink = Arc::clone(&screen);
        let paused = Arc::new((Mutex::new(false), Condvar::new()));
        let pause = Arc::clone(&paused);
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut s = sink.lock().unwrap();
                s.0.advance(&buf[..n]);
                s.1.extend_from_slice(&buf[..n]);
                drop(s);
                let (flag, resumed) = &*pause;
                let _held = resumed
                    .wait_while(flag.lock().unwrap(), |paused| *paused)
                    .unwrap();
            }
        });
        Outer {
            master,
            child,
            screen,
            paused,
        }
    }

    /// Stops (or resumes) reading what the client and the server write to
    /// this terminal, as a frozen terminal would: once the pty's buffer is
    /// full, their writes block.
    pub fn set_paused(&self, paused: bool) {
        let (flag, resumed) = &*self.paused;
        *flag.lock().unwrap() = paused;
        resumed.notify_all();
    }

    /// Types bytes into the outer terminal.
    pub fn type_bytes(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).unwrap();
    }

    /// The outer terminal's screen as text.
    pub fn screen(&self) -> String {
        self.screen.lock().unwrap().0.screen_text()
    }

    /// Every byte the client wrote so far.
    pub fn raw(&self) -> Vec<u8> {
        self.screen.lock().unwrap().1.clone()
    }

    /// Waits until the screen contains `needle`; returns the screen.
    pub fn wait_for(&self, needle: &str) -> String {
        wait_until(&format!("the screen shows {needle:?}"), SECS10, || {
            let s = self.screen();
            s.contains(needle).then_some(s)
        })
    }

    /// Resizes the outer terminal (the client gets SIGWINCH).
    pub fn resize(&self, cols: u16, rows: u16) {
        let ws = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCSWINSZ on our master with a valid winsize.
        unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &ws) };
        self.screen.lock().unwrap().0.resize(rows, cols);
    }

    /// The terminal attributes of the outer pty (raw or cooked?).
    pub fn termios(&self) -> libc::termios {
        // SAFETY: zeroed termios is valid; tcgetattr fills it.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            assert_eq!(libc::tcgetattr(self.master.as_raw_fd(), &mut t), 0);
            t
        }
    }

    /// Waits for the client to exit.
    pub fn wait_exit(&mut self) -> std::process::ExitStatus {
        wait_until("the client exits", SECS10, || {
            self.child.try_wait().unwrap()
        })
    }
}

impl Drop for Outer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A process's resident memory in kB (`VmRSS` in /proc/PID/status).
pub fn rss_kb(pid: i32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmRSS for {pid}"))
}

/// How many fds a process has open.
pub fn fd_count(pid: i32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

/// Is process `pid` still there (and not a zombie)?
pub fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit(')')
            .next()
            .is_some_and(|r| !r.trim_start().starts_with('Z'))
    })
}

impl Bg {
    /// The pid of the server on this socket, found in /proc (works with no
    /// task running, unlike `server_pid`).
    pub fn server_process(&self) -> i32 {
        let socket = self.socket.to_str().unwrap().to_owned();
        wait_until("the server process is found", SECS10, || {
            std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
                let pid: i32 = e.file_name().to_str()?.parse().ok()?;
                let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
                let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
                let ours = args.contains(&socket.as_bytes()) && args.contains(&&b"server"[..]);
                (ours && alive(pid)).then_some(pid)
            })
        })
    }
}
