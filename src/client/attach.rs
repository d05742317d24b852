//! The attached client: raw mode, then one `poll` loop that copies the
//! terminal's input to the server untouched (the server interprets the
//! prefix key), writes each frame the server sends to the terminal in one
//! write (frames are read with one `read` per wake-up, see
//! `protocol::FrameReader`), and reports window-size changes. No tokio
//! here: one thread and `poll(2)` is the shortest path from a key to the
//! socket.
//!
//! Once in raw mode the client asks the server to write frames to its
//! terminal and read keys from it itself (`server/direct.rs` has the
//! handshake); then only sizes and messages pass through this loop, which
//! still watches the terminal for a hang-up. `BGMUX_DIRECT_OUTPUT=0` keeps
//! every frame and key on the socket.

use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGWINCH};

use super::terminal::{self, RawTerminal};
use super::{unexpected, Conn};
use crate::protocol::{self, AttachSpec, ClientMsg, FrameReader, FrameRef, ServerMsg};

/// Flags set by signal handlers, with a self-pipe to wake `poll`.
struct Signals {
    winch: Arc<AtomicBool>,
    quit: Arc<AtomicBool>,
    wake: UnixStream,
}

impl Signals {
    fn install() -> Result<Signals> {
        let (wake, notify) = UnixStream::pair().context("creating the signal pipe")?;
        wake.set_nonblocking(true)
            .context("setting the signal pipe non-blocking")?;
        let winch = Arc::new(AtomicBool::new(false));
        let quit = Arc::new(AtomicBool::new(false));
        signal_hook::flag::register(SIGWINCH, Arc::clone(&winch)).context("handling SIGWINCH")?;
        // Every signal that would end us by default and can be caught, so
        // that the terminal is restored on the way out.
        for sig in [SIGTERM, SIGHUP, SIGINT, SIGQUIT] {
            signal_hook::flag::register(sig, Arc::clone(&quit)).context("handling signals")?;
        }
        for sig in [SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT] {
            signal_hook::low_level::pipe::register(
                sig,
                notify.try_clone().context("cloning the signal pipe")?,
            )
            .context("handling signals")?;
        }
        Ok(Signals { winch, quit, wake })
    }

    fn drain(&self) {
        let mut buf = [0u8; 64];
        while std::io::Read::read(&mut &self.wake, &mut buf).is_ok_and(|n| n > 0) {}
    }
}

/// The outer terminal's size (of stdin, else stdout), or the error for a
/// client that has no terminal to attach.
fn outer_size() -> Result<(u16, u16)> {
    match terminal::size(0).or_else(|| terminal::size(1)) {
        Some(size) => Ok(size),
        None => bail!("attach needs a terminal: stdin is not a tty"),
    }
}

/// The request that attaches with `spec` in the outer terminal's size; it
/// goes out with the hello ([`super::Ctx::connect_or_start_sending`]).
pub fn request(mut spec: AttachSpec) -> Result<ClientMsg> {
    (spec.cols, spec.rows) = outer_size()?;
    Ok(ClientMsg::Attach(spec))
}

/// Runs the attached client on `conn`, which has sent [`request`]; returns
/// when detached or the server says so. `before` runs with the task's id
/// once attached, while the terminal is still as we found it (`attach
/// --replay` prints the history there).
pub fn run(mut conn: Conn, before: &mut dyn FnMut(u64) -> Result<()>) -> Result<ExitCode> {
    match conn.recv_msg()? {
        ServerMsg::Attached { id } => before(id)?,
        other => return Err(unexpected(&other)),
    }
    let signals = Signals::install()?;
    let guard = RawTerminal::enter().context("putting the terminal in raw mode")?;
    if let Some(rdev) = direct_rdev() {
        conn.send(&ClientMsg::Direct { rdev })?;
    }
    let outcome = pump(&mut conn, &signals);
    drop(guard);
    match outcome {
        Ok(line) => {
            println!("{line}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err(e),
    }
}

/// The device number of the terminal on stdin and stdout, if the server may
/// write frames to it and read keys from it: both are that one terminal and
/// `BGMUX_DIRECT_OUTPUT` is not `0`.
fn direct_rdev() -> Option<u64> {
    if std::env::var_os("BGMUX_DIRECT_OUTPUT").is_some_and(|v| v == "0") {
        return None;
    }
    let rdev = |fd| {
        // SAFETY: isatty only reads the fd.
        if unsafe { libc::isatty(fd) } != 1 {
            return None;
        }
        // SAFETY: an all-zero stat is valid; fstat fills it.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: fstat writes into the valid struct.
        (unsafe { libc::fstat(fd, &mut st) } == 0).then_some(st.st_rdev)
    };
    let out = rdev(1)?;
    (rdev(0)? == out).then_some(out)
}

/// How long a client leaving on its own waits for the server to stop
/// writing to its terminal before it restores it anyway.
const LEAVE_TIMEOUT: Duration = Duration::from_secs(1);

/// What the frames read so far came to.
enum Read {
    /// Keep going.
    More,
    /// The server ended the attachment with this line.
    Detached(String),
}

/// The client's side of the frames from the server.
struct Frames {
    reader: FrameReader,
    /// The server writes frames to the terminal itself.
    direct: bool,
    panic_after_frame: bool,
}

impl Frames {
    /// Reads what the socket has and handles every whole frame in it;
    /// `None` when the server is gone.
    fn read(&mut self, conn: &mut Conn) -> Result<Option<Read>> {
        let n = match self.reader.fill(&mut conn.stream()) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return Ok(Some(Read::More)),
            Err(e) => bail!("reading from the server: {e}"),
        };
        if n == 0 {
            return Ok(None);
        }
        loop {
            match self.reader.next_frame() {
                Ok(Some(FrameRef::Data(data))) => {
                    terminal::write_fd(1, data).context("writing to the terminal")?;
                    self.injected_panic();
                }
                Ok(Some(FrameRef::Msg(ServerMsg::Detached(line)))) => {
                    return Ok(Some(Read::Detached(line)))
                }
                Ok(Some(FrameRef::Msg(ServerMsg::Direct))) => {
                    // Every frame before the marker is on the terminal.
                    conn.send(&ClientMsg::DirectReady)?;
                    self.direct = true;
                    self.injected_panic();
                }
                Ok(Some(FrameRef::Msg(_))) => {}
                Ok(None) => return Ok(Some(Read::More)),
                Err(e) => bail!("reading from the server: {e}"),
            }
        }
    }

    fn injected_panic(&self) {
        if self.panic_after_frame {
            panic!("BGMUX_TEST_PANIC=attach: injected panic after the first frame");
        }
    }

    /// Leaving on our own: if the server writes to the terminal, tell it and
    /// wait (a moment at most) until it has stopped, so that none of its
    /// bytes land after the terminal is restored.
    fn leave(&mut self, conn: &mut Conn) {
        if !self.direct || conn.send(&ClientMsg::Leave).is_err() {
            return;
        }
        let deadline = Instant::now() + LEAVE_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            let mut pfd = libc::pollfd {
                fd: conn.stream().as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd.
            let n = unsafe { libc::poll(&mut pfd, 1, left.as_millis().max(1) as i32) };
            if n > 0 && !matches!(self.read(conn), Ok(Some(Read::More))) {
                return;
            }
        }
    }
}

/// The loop; returns the line to print after the terminal is restored.
fn pump(conn: &mut Conn, signals: &Signals) -> Result<String> {
    let sock = conn.stream().as_raw_fd();
    let mut input = vec![0u8; 64 * 1024];
    let mut frame = Vec::with_capacity(64 * 1024);
    let mut frames = Frames {
        reader: FrameReader::default(),
        direct: false,
        panic_after_frame: std::env::var_os("BGMUX_TEST_PANIC").is_some_and(|v| v == "attach"),
    };
    loop {
        let mut fds = [
            // Once the server reads the terminal, only a hang-up of it
            // (always reported) wakes the loop.
            libc::pollfd {
                fd: 0,
                events: if frames.direct { 0 } else { libc::POLLIN },
                revents: 0,
            },
            libc::pollfd {
                fd: sock,
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: signals.wake.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: three valid pollfds.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 3, -1) };
        if n < 0 && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            bail!("polling: {}", std::io::Error::last_os_error());
        }
        if fds[2].revents != 0 {
            signals.drain();
        }
        if signals.quit.swap(false, Ordering::Relaxed) {
            frames.leave(conn);
            return Ok("[detached from bgmux: terminal closed or signalled]".into());
        }
        if signals.winch.swap(false, Ordering::Relaxed) {
            if let Ok((cols, rows)) = outer_size() {
                conn.send(&ClientMsg::Resize { cols, rows })?;
            }
        }
        if fds[1].revents != 0 {
            match frames.read(conn)? {
                None => return Ok("[lost server]".into()),
                Some(Read::Detached(line)) => return Ok(line),
                Some(Read::More) => {}
            }
        }
        if frames.direct {
            // The server reads the keys now (from the moment the marker
            // came, even in this turn); only a hang-up concerns the client.
            if fds[0].revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
                frames.leave(conn);
                return Ok(protocol::TERMINAL_CLOSED.into());
            }
        } else if fds[0].revents != 0 {
            // SAFETY: the buffer is valid for writes of its length.
            let n = unsafe { libc::read(0, input.as_mut_ptr().cast(), input.len()) };
            if n == 0
                || (n < 0
                    && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted)
            {
                return Ok(protocol::TERMINAL_CLOSED.into());
            }
            if n > 0 {
                frame.clear();
                protocol::encode_data(&input[..n as usize], &mut frame);
                terminal::write_fd(sock, &frame).context("writing to the server")?;
            }
        }
    }
}
