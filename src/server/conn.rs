//! One connection to the server: the task that reads its frames and turns
//! them into loop events, and the outgoing byte queues the loop writes from.
//! The loop owns the queues; a write that would block parks the rest and a
//! small task waits for the destination to become writable and tells the
//! loop.
//!
//! An attached client's frames have two possible destinations. At first
//! they go over the socket and the client copies them to its terminal. Once
//! the client has put its terminal in raw mode it may ask the server to
//! write them to the terminal itself (`direct.rs`): the server opens the
//! client's terminal and frames skip the client process, as tmux's server
//! writes to its clients' terminals. Messages always use the socket.
//!
//! A peer that stops reading is dropped two ways. Its queue may grow past
//! [`MAX_QUEUED`] (a stream of replies or events it does not read). But an
//! attached client's queue does not grow: the server renders its next frame
//! only once the last one is written, so a stalled client holds one frame
//! plus the kernel's buffer. That client is dropped when its socket or its
//! terminal has taken none of its bytes for [`stall_limit`] (30 s; tests
//! shorten it with `BGMUX_STALL_TIMEOUT_MS`), which frees its fds and its
//! state; a client that reads slowly but reads is never dropped.

use std::io::Write;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tokio::io::unix::AsyncFd;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;

use super::{ConnId, Event, Server, Timer};
use crate::protocol::{self, ClientMsg, Frame, FrameError, Hello, PROTOCOL_VERSION};

/// Bytes a connection may have queued before it is considered stalled.
pub const MAX_QUEUED: usize = 8 << 20;
/// How long a socket may take none of the bytes queued for it.
const STALL_LIMIT: Duration = Duration::from_secs(30);

/// [`STALL_LIMIT`], or `BGMUX_STALL_TIMEOUT_MS` if set (for tests).
pub fn stall_limit() -> Duration {
    static LIMIT: OnceLock<Duration> = OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::env::var("BGMUX_STALL_TIMEOUT_MS")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .map_or(STALL_LIMIT, Duration::from_millis)
    })
}

/// Bytes waiting for one destination (the socket, or the client's
/// terminal), and since when it has taken none of them.
#[derive(Debug, Default)]
struct Outbox {
    out: Vec<u8>,
    sent: usize,
    /// A task waits for the destination to become writable.
    waiting: bool,
    /// Since when queued bytes wait and the destination has taken none.
    blocked_since: Option<Instant>,
}

/// What one [`Outbox::flush`] came to.
enum Written {
    /// Everything is written.
    All,
    /// The destination takes no more now: wait until it is writable.
    Blocked,
    /// The destination is gone or the queue is too long.
    Dead,
}

impl Outbox {
    fn queued(&self) -> usize {
        self.out.len() - self.sent
    }

    /// Empties the buffer once everything in it is written, so that it does
    /// not grow with every frame.
    fn compact(&mut self) {
        if self.sent > 0 && self.sent == self.out.len() {
            self.out.clear();
            self.sent = 0;
        }
    }

    /// Writes with `write` what the destination takes now.
    fn flush(&mut self, mut write: impl FnMut(&[u8]) -> std::io::Result<usize>) -> Written {
        let mut progress = false;
        while self.sent < self.out.len() {
            match write(&self.out[self.sent..]) {
                Ok(0) => return Written::Dead,
                Ok(n) => {
                    self.sent += n;
                    progress = true;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if self.queued() > MAX_QUEUED {
                        return Written::Dead;
                    }
                    if progress || self.blocked_since.is_none() {
                        self.blocked_since = Some(Instant::now());
                    }
                    return Written::Blocked;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Written::Dead,
            }
        }
        self.out.clear();
        self.sent = 0;
        self.blocked_since = None;
        if self.out.capacity() > 256 * 1024 {
            self.out.shrink_to(64 * 1024);
        }
        Written::All
    }
}

/// The client's terminal, opened by the server (`direct.rs`).
#[derive(Debug)]
pub struct Tty {
    fd: Rc<AsyncFd<std::fs::File>>,
    outbox: Outbox,
    /// Frames go here: the client has written every frame the socket
    /// carried before the switch.
    pub active: bool,
    /// The task that waits for the terminal to become writable.
    waiter: Option<tokio::task::JoinHandle<()>>,
    /// The task that reads the keys typed on the terminal, once active.
    reader: Option<tokio::task::JoinHandle<()>>,
}

impl Tty {
    /// Wraps an open, non-blocking terminal; frames go to it once
    /// [`Tty::active`] is set.
    pub fn new(file: std::fs::File) -> std::io::Result<Tty> {
        // SAFETY: the `File` owns its fd, which stays open and the same for
        // the whole life of the `AsyncFd`.
        let fd = unsafe {
            AsyncFd::register_with_interest(
                file,
                tokio::io::Interest::READABLE | tokio::io::Interest::WRITABLE,
            )
        }?;
        Ok(Tty {
            fd: Rc::new(fd),
            outbox: Outbox::default(),
            active: false,
            waiter: None,
            reader: None,
        })
    }

    /// Reads the keys typed on the terminal from now on, as the client
    /// did until it stopped (`direct.rs`): each read becomes an
    /// [`Event::Data`] of connection `id`, as if it came over the socket,
    /// and the end of the terminal an [`Event::TtyClosed`].
    pub fn start_reading(&mut self, id: ConnId, events: mpsc::Sender<Event>) {
        if self.reader.is_none() {
            let fd = Rc::clone(&self.fd);
            self.reader = Some(tokio::task::spawn_local(read_keys(id, fd, events)));
        }
    }
}

impl Drop for Tty {
    fn drop(&mut self) {
        // The waiter and the reader hold the terminal open; a terminal
        // nobody reads would be kept forever, and the reader would take
        // keys meant for the shell the client goes back to.
        if let Some(waiter) = self.waiter.take() {
            waiter.abort();
        }
        if let Some(reader) = self.reader.take() {
            reader.abort();
        }
        // An aborted task is dropped, and its hold on the terminal with it,
        // only at the runtime's next turn, after the `Detached` that ended
        // the attachment may have reached the client: the terminal must be
        // closed now (`direct.rs`, step 4). /dev/null takes its place, so
        // that its fd number stays taken until those tasks let go of it
        // (deregistering and closing what is then /dev/null), and no file
        // opened meanwhile can get that number under their registration.
        if Rc::strong_count(&self.fd) > 1 {
            if let Ok(null) = std::fs::File::open("/dev/null") {
                // SAFETY: both fds are open; dup2 atomically replaces the
                // terminal's file at that number with /dev/null.
                unsafe { libc::dup2(null.as_raw_fd(), self.fd.as_raw_fd()) };
            }
        }
    }
}

/// Reads an attached client's terminal until it ends (see
/// [`Tty::start_reading`]). One read per wake-up, of what the terminal
/// holds: a key is usually a read of its own.
async fn read_keys(id: ConnId, fd: Rc<AsyncFd<std::fs::File>>, events: mpsc::Sender<Event>) {
    use std::io::Read;
    let mut buf = vec![0u8; 4096];
    loop {
        let Ok(mut ready) = fd.readable().await else {
            break;
        };
        match ready.try_io(|f| f.get_ref().read(&mut buf)) {
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => {
                if events
                    .send(Event::Data(id, buf[..n].to_vec()))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => {}
            // A hung-up terminal reads as EIO.
            Ok(Err(_)) => break,
            Err(_would_block) => {}
        }
    }
    let _ = events.send(Event::TtyClosed(id)).await;
}

/// The loop's side of one connection.
#[derive(Debug)]
pub struct Conn {
    writer: Rc<OwnedWriteHalf>,
    socket: Outbox,
    reader: tokio::task::JoinHandle<()>,
    /// A [`Timer::StallCheck`] is scheduled for this connection.
    stall_check: bool,
    /// The peer's process id (`SO_PEERCRED`), for opening its terminal.
    pub pid: Option<i32>,
    /// The attached client's terminal, once the server writes to it.
    pub tty: Option<Tty>,
}

/// What happened when queueing bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Flush {
    /// Everything is written.
    Done,
    /// Some bytes wait for the socket or the terminal.
    Pending,
    /// The peer or its terminal is gone or stalled: drop the connection.
    Dead,
}

impl Conn {
    /// Starts reading `read` in a task; `write` stays with the loop.
    pub fn start(
        id: ConnId,
        (read, write): (OwnedReadHalf, OwnedWriteHalf),
        pid: Option<i32>,
        events: mpsc::Sender<Event>,
    ) -> Conn {
        let reader = tokio::task::spawn_local(read_frames(id, read, events));
        let mut conn = Conn {
            writer: Rc::new(write),
            socket: Outbox::default(),
            reader,
            stall_check: false,
            pid,
            tty: None,
        };
        protocol::encode_hello(&mut conn.socket.out);
        conn
    }

    /// Bytes still queued.
    pub fn queued(&self) -> usize {
        self.socket.queued() + self.tty.as_ref().map_or(0, |t| t.outbox.queued())
    }

    /// Appends an encoded message.
    pub fn queue_msg(&mut self, msg: &protocol::ServerMsg) {
        self.socket.compact();
        protocol::encode_msg(msg, &mut self.socket.out);
    }

    /// Appends a frame: raw to the terminal once the server writes there,
    /// else a data frame on the socket.
    pub fn queue_data(&mut self, data: &[u8]) {
        match &mut self.tty {
            Some(tty) if tty.active => {
                tty.outbox.compact();
                tty.outbox.out.extend_from_slice(data);
            }
            _ => {
                self.socket.compact();
                protocol::encode_data(data, &mut self.socket.out);
            }
        }
    }

    /// Since when queued bytes have waited with nothing taken, the longest
    /// of the socket and the terminal.
    fn blocked_since(&self) -> Option<Instant> {
        let tty = self.tty.as_ref().and_then(|t| t.outbox.blocked_since);
        match (self.socket.blocked_since, tty) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Writes what the socket and the terminal take now; arranges a wake-up
    /// for the rest.
    pub fn flush(&mut self, id: ConnId, events: &mpsc::Sender<Event>) -> Flush {
        let writer = Rc::clone(&self.writer);
        let socket = self.socket.flush(|b| writer.try_write(b));
        if matches!(socket, Written::Blocked) && !self.socket.waiting {
            self.socket.waiting = true;
            let events = events.clone();
            tokio::task::spawn_local(async move {
                let _ = writer.writable().await;
                let _ = events.send(Event::Writable(id)).await;
            });
        }
        let tty = match &mut self.tty {
            Some(tty) => {
                let fd = Rc::clone(&tty.fd);
                let was_blocked = tty.outbox.blocked_since.is_some();
                let written = tty.outbox.flush(|b| fd.get_ref().write(b));
                if matches!(written, Written::Blocked) && !was_blocked {
                    tracing::debug!(
                        "connection {id}: the terminal takes no more; {} bytes wait",
                        tty.outbox.queued()
                    );
                }
                if matches!(written, Written::Blocked) && !tty.outbox.waiting {
                    tty.outbox.waiting = true;
                    let events = events.clone();
                    tty.waiter = Some(tokio::task::spawn_local(async move {
                        if let Ok(mut guard) = fd.writable().await {
                            guard.clear_ready();
                        }
                        let _ = events.send(Event::TtyWritable(id)).await;
                    }));
                }
                written
            }
            None => Written::All,
        };
        match (socket, tty) {
            (Written::Dead, _) | (_, Written::Dead) => Flush::Dead,
            (Written::All, Written::All) => Flush::Done,
            _ => Flush::Pending,
        }
    }

    /// The socket became writable: the wake-up task is done.
    pub fn writable(&mut self) {
        self.socket.waiting = false;
    }

    /// The terminal became writable: the wake-up task is done.
    pub fn tty_writable(&mut self) {
        if let Some(tty) = &mut self.tty {
            tty.outbox.waiting = false;
            tty.waiter = None;
        }
    }
}

impl Server {
    /// Schedules a stall check for a connection whose bytes wait.
    pub(super) fn arm_stall_check(&mut self, conn: ConnId) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        if !c.stall_check {
            c.stall_check = true;
            self.add_timer(stall_limit(), Timer::StallCheck(conn));
        }
    }

    /// Drops the connection if its socket has taken nothing for the stall
    /// limit; else checks again when the limit would be reached.
    pub(super) fn check_stall(&mut self, conn: ConnId) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        c.stall_check = false;
        let Some(since) = c.blocked_since() else {
            return;
        };
        let stalled = since.elapsed();
        if stalled >= stall_limit() {
            // Only the terminal is stuck: the socket still carries the
            // reason to the client.
            let terminal = c.socket.blocked_since.is_none();
            tracing::warn!(
                "connection {conn}{} has read nothing for {} ms ({} bytes waiting): dropping it",
                if terminal { "'s terminal" } else { "" },
                stalled.as_millis(),
                c.queued()
            );
            if terminal {
                let line = format!(
                    "[detached from bgmux: the terminal took nothing for {} s]",
                    stalled.as_secs()
                );
                self.reply(conn, &protocol::ServerMsg::Detached(line));
            }
            self.drop_conn(conn);
        } else {
            c.stall_check = true;
            self.add_timer(stall_limit() - stalled, Timer::StallCheck(conn));
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Reads the peer's hello, then frames, until the connection ends. A bad
/// frame ends this connection only (SPEC §12).
async fn read_frames(id: ConnId, read: OwnedReadHalf, events: mpsc::Sender<Event>) {
    // Buffered: a frame's length and body (and the frames after it) come in
    // one `recv`, not one each.
    let mut read = tokio::io::BufReader::with_capacity(4096, read);
    let why = match read_hello(&mut read).await {
        Ok(()) => loop {
            let body = match protocol::read_body_async(&mut read).await {
                Ok(body) => body,
                Err(FrameError::Closed) => break None,
                Err(e) => break Some(e.to_string()),
            };
            let event = match protocol::decode_body::<ClientMsg>(body) {
                Ok(Frame::Msg(msg)) => Event::Msg(id, msg),
                Ok(Frame::Data(data)) => Event::Data(id, data),
                Err(e) => break Some(e.to_string()),
            };
            if events.send(event).await.is_err() {
                return;
            }
        },
        Err(why) => Some(why),
    };
    let _ = events.send(Event::Closed(id, why)).await;
}

async fn read_hello(read: &mut tokio::io::BufReader<OwnedReadHalf>) -> Result<(), String> {
    let timeout = std::time::Duration::from_secs(10);
    let body = match tokio::time::timeout(timeout, protocol::read_body_async(read)).await {
        Ok(Ok(body)) => body,
        Ok(Err(e)) => return Err(format!("reading hello: {e}")),
        Err(_) => return Err("no hello within 10 s".into()),
    };
    let hello = Hello::decode(&body).ok_or("not a bgmux hello")?;
    if hello.protocol != PROTOCOL_VERSION {
        return Err(format!(
            "client speaks protocol {} (bgmux {})",
            hello.protocol, hello.version
        ));
    }
    Ok(())
}
