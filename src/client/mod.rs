//! The client side of the socket: find or start the server, shake hands,
//! and exchange messages. Every command that talks to the server goes
//! through [`Ctx::connect`] or [`Ctx::connect_or_start`].

pub mod attach;
mod terminal;

use std::fs::File;
use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};

use crate::config::Source;
use crate::paths::Paths;
use crate::protocol::{self, ClientMsg, Frame, FrameError, ServerMsg, PROTOCOL_VERSION, VERSION};
use crate::store::{Store, TaskRecord};

/// What every command gets: the resolved paths and global options.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Socket and state dir.
    pub paths: Paths,
    /// Where the config is read from (`-f FILE`, else the default).
    pub config: Source,
    /// `-v`.
    pub verbose: bool,
}

/// A connection to the server after the handshake.
#[derive(Debug)]
pub struct Conn {
    stream: UnixStream,
}

impl Ctx {
    /// The store (state dir) for reading records and logs directly.
    pub fn store(&self) -> Store {
        Store::at(&self.paths.state_dir)
    }

    /// Connects to a running server; `Ok(None)` if none runs. A server that
    /// goes away during the handshake (it was exiting, idle, as we came) is
    /// retried a few times, so the caller sees either a server or none.
    pub fn connect(&self) -> Result<Option<Conn>> {
        self.connect_with(None)
    }

    /// Connects and sends `first` in the same write as the hello, so the
    /// server reads both in one turn and answers at once: a request costs
    /// one wake-up of each side instead of two (20–45 µs on a quiet
    /// machine, a scheduling delay each on a loaded one). `Ok(None)` if no
    /// server runs; the returned connection has read the server's hello.
    ///
    /// Retrying a server that went away is safe: the server sends its
    /// hello as soon as it accepts, before it reads anything, so a
    /// connection that ends with no hello had nothing of ours handled.
    pub fn connect_sending(&self, first: &ClientMsg) -> Result<Option<Conn>> {
        self.connect_with(Some(first))
    }

    /// One request and its reply on a new connection; `Ok(None)` if no
    /// server runs.
    pub fn request(&self, msg: &ClientMsg) -> Result<Option<ServerMsg>> {
        match self.connect_sending(msg)? {
            Some(mut conn) => conn.recv_msg().map(Some),
            None => Ok(None),
        }
    }

    fn connect_with(&self, first: Option<&ClientMsg>) -> Result<Option<Conn>> {
        let mut attempt = 0;
        loop {
            let stream = match UnixStream::connect(&self.paths.socket) {
                Ok(s) => s,
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
                    ) =>
                {
                    return Ok(None)
                }
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("connecting to {}", self.paths.socket.display()))
                }
            };
            check_server_uid(&stream, &self.paths.socket)?;
            match Conn::handshake(stream, first) {
                Ok(conn) => return Ok(Some(conn)),
                Err(Handshake::Gone) if attempt < 50 => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(Handshake::Gone) => {
                    bail!(
                        "the server on {} keeps closing connections",
                        self.paths.socket.display()
                    )
                }
                Err(Handshake::Failed(e)) => return Err(e),
            }
        }
    }

    /// Connects, starting the server first if none runs. A lock on the
    /// socket directory makes racing clients start exactly one server.
    pub fn connect_or_start(&self) -> Result<Conn> {
        self.connect_or_start_with(None)
    }

    /// [`Ctx::connect_or_start`], sending `first` with the hello (see
    /// [`Ctx::connect_sending`]).
    pub fn connect_or_start_sending(&self, first: &ClientMsg) -> Result<Conn> {
        self.connect_or_start_with(Some(first))
    }

    fn connect_or_start_with(&self, first: Option<&ClientMsg>) -> Result<Conn> {
        if let Some(conn) = self.connect_with(first)? {
            return Ok(conn);
        }
        self.paths.ensure_socket_dir()?;
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.paths.start_lock())
            .context("opening the start lock")?;
        // SAFETY: flock on a valid fd; blocks until the other starter is done.
        if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) } != 0 {
            bail!(
                "locking {}: {}",
                self.paths.start_lock().display(),
                std::io::Error::last_os_error()
            );
        }
        if let Some(conn) = self.connect_with(first)? {
            return Ok(conn);
        }
        self.start_server()?;
        self.connect_with(first)?.ok_or_else(|| {
            anyhow!(
                "the server started but does not answer on {}",
                self.paths.socket.display()
            )
        })
    }

    /// Starts `bgmux server` as a daemon and waits until it listens: the
    /// server closes its stderr once the socket is bound, so EOF on that
    /// pipe means ready, and anything written to it is the start error.
    fn start_server(&self) -> Result<()> {
        let exe = std::env::current_exe().context("finding the bgmux executable")?;
        let mut cmd = Command::new(exe);
        cmd.arg("-S").arg(&self.paths.socket);
        // The server resolves the default location itself, as we did.
        match &self.config {
            Source::None => cmd.arg("-f").arg("/dev/null"),
            Source::File(file) => cmd.arg("-f").arg(file),
            Source::Default(_) => &mut cmd,
        };
        if self.verbose {
            cmd.arg("-v");
        }
        cmd.arg("server")
            .arg("--state-dir")
            .arg(&self.paths.state_dir);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // SAFETY: setsid is async-signal-safe; it detaches the server from our
        // terminal and process group so it outlives us and our hangups.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        let mut child = cmd.spawn().context("starting the server")?;
        let mut err = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            let _ = stderr.read_to_string(&mut err);
        }
        let err = err.trim();
        if !err.is_empty() {
            let _ = child.wait();
            bail!("{}", err.strip_prefix("bgmux: ").unwrap_or(err));
        }
        // The child is not waited for: it runs on as the daemon.
        Ok(())
    }

    /// All task records: from the server if one runs, else from disk.
    pub fn records(&self) -> Result<Vec<TaskRecord>> {
        match self.request(&ClientMsg::List { all: true })? {
            Some(ServerMsg::Tasks(tasks)) => Ok(tasks),
            Some(other) => Err(unexpected(&other)),
            None => Ok(self.store().load()),
        }
    }

    /// The record named by `key`, or the one-line error for an unknown task.
    pub fn find(&self, key: &str) -> Result<TaskRecord> {
        let records = self.records()?;
        crate::store::find(records.iter(), key)
            .cloned()
            .ok_or_else(|| no_such_task(key))
    }
}

/// The running server speaks another protocol. `kill-server` still works
/// on it: it signals the server process, found with SO_PEERCRED.
#[derive(Debug)]
pub struct Mismatch {
    /// The server's hello.
    pub theirs: crate::protocol::Hello,
    /// The server's pid.
    pub pid: Option<i32>,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the running server is bgmux {} (protocol {}) but this is bgmux {VERSION} (protocol {PROTOCOL_VERSION}): run `bgmux kill-server` to end it and its tasks, then retry",
            self.theirs.version, self.theirs.protocol
        )
    }
}

impl std::error::Error for Mismatch {}

/// The pid of the process at the other end of a Unix socket.
fn peer_pid(stream: &UnixStream) -> Option<i32> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: SO_PEERCRED writes a ucred into the valid buffer of `len` bytes.
    let ret = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    (ret == 0 && cred.pid > 0).then_some(cred.pid)
}

/// Refuses a server run by another user: it would see everything we send
/// (a task's environment, keys typed while attached). The server does the
/// same check the other way (SPEC §12).
fn check_server_uid(stream: &UnixStream, socket: &std::path::Path) -> Result<()> {
    let theirs = crate::paths::peer_uid(stream).context("reading the server's credentials")?;
    let ours = crate::paths::uid();
    if theirs != ours {
        bail!(
            "the server on {} runs as uid {theirs}, not you (uid {ours}): use -S with a socket in a directory of your own",
            socket.display()
        );
    }
    Ok(())
}

/// Why a handshake did not complete.
enum Handshake {
    /// The server closed the connection: it was on its way out.
    Gone,
    /// Anything else.
    Failed(anyhow::Error),
}

fn gone(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::BrokenPipe
            | std::io::ErrorKind::UnexpectedEof
    )
}

/// The error for an unknown task id or name.
pub fn no_such_task(key: &str) -> anyhow::Error {
    anyhow!("no task {key}: see `bgmux ls`")
}

/// `Ok` for the reply `Ok`, else the error the reply stands for.
pub fn expect_ok(reply: ServerMsg) -> Result<()> {
    match reply {
        ServerMsg::Ok => Ok(()),
        other => Err(unexpected(&other)),
    }
}

/// The error for a reply that makes no sense here.
pub fn unexpected(msg: &ServerMsg) -> anyhow::Error {
    match msg {
        ServerMsg::Error(e) => anyhow!("{e}"),
        other => anyhow!("unexpected reply from the server: {other:?}"),
    }
}

impl Conn {
    /// Sends our hello (and `first`, in the same write), then reads and
    /// checks the server's.
    fn handshake(mut stream: UnixStream, first: Option<&ClientMsg>) -> Result<Conn, Handshake> {
        let failed = |e: anyhow::Error| Handshake::Failed(e);
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .context("setting a read timeout")
            .map_err(failed)?;
        let mut hello = Vec::new();
        protocol::encode_hello(&mut hello);
        if let Some(msg) = first {
            protocol::encode_msg(msg, &mut hello);
        }
        if let Err(e) = std::io::Write::write_all(&mut stream, &hello) {
            return Err(if gone(&e) {
                Handshake::Gone
            } else {
                failed(anyhow!("sending hello: {e}"))
            });
        }
        let theirs = match protocol::read_hello(&mut stream) {
            Ok(h) => h,
            Err(FrameError::Closed) => return Err(Handshake::Gone),
            Err(FrameError::Io(e)) if gone(&e) => return Err(Handshake::Gone),
            Err(FrameError::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => {
                return Err(failed(anyhow!(
                    "the server does not answer (no hello within 10 s)"
                )))
            }
            Err(e) => return Err(failed(anyhow!("reading hello: {e}"))),
        };
        if theirs.protocol != PROTOCOL_VERSION {
            let pid = peer_pid(&stream);
            return Err(failed(anyhow::Error::new(Mismatch { theirs, pid })));
        }
        stream
            .set_read_timeout(None)
            .context("clearing the read timeout")
            .map_err(failed)?;
        Ok(Conn { stream })
    }

    /// Sends a message.
    pub fn send(&mut self, msg: &ClientMsg) -> Result<()> {
        protocol::write_msg(&mut self.stream, msg).context("writing to the server")
    }

    /// Receives the next frame.
    pub fn recv(&mut self) -> Result<Frame<ServerMsg>, FrameError> {
        let body = protocol::read_body(&mut self.stream)?;
        protocol::decode_body(body)
    }

    /// Receives the next message, failing on raw data.
    pub fn recv_msg(&mut self) -> Result<ServerMsg> {
        match self.recv() {
            Ok(Frame::Msg(msg)) => Ok(msg),
            Ok(Frame::Data(_)) => bail!("unexpected data from the server"),
            Err(FrameError::Closed) => bail!("the server closed the connection"),
            Err(e) => Err(anyhow!("reading from the server: {e}")),
        }
    }

    /// One request, one reply.
    pub fn request(&mut self, msg: &ClientMsg) -> Result<ServerMsg> {
        self.send(msg)?;
        self.recv_msg()
    }

    /// One request that must be answered `Ok`.
    pub fn request_ok(&mut self, msg: &ClientMsg) -> Result<()> {
        expect_ok(self.request(msg)?)
    }

    /// Sets a read deadline (for `wait --timeout`).
    pub fn set_deadline(&mut self, deadline: Option<Instant>) -> Result<()> {
        let timeout = deadline.map(|d| {
            d.saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1))
        });
        self.stream
            .set_read_timeout(timeout)
            .context("setting a read timeout")
    }

    /// The socket, for the attach loop.
    pub fn stream(&self) -> &UnixStream {
        &self.stream
    }
}
