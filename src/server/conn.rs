//! One connection to the server: the task that reads its frames and turns
//! them into loop events, and the outgoing byte queue the loop writes from.
//! The loop owns the queue; a write that would block parks the rest and a
//! small task waits for the socket to become writable and tells the loop.
//!
//! A peer that stops reading is dropped two ways. Its queue may grow past
//! [`MAX_QUEUED`] (a stream of replies or events it does not read). But an
//! attached client's queue does not grow: the server renders its next frame
//! only once the last one is written, so a stalled client holds one frame
//! plus the kernel's socket buffer. That client is dropped when the socket
//! has taken none of its bytes for [`stall_limit`] (30 s; tests shorten it
//! with `BGMUX_STALL_TIMEOUT_MS`), which frees its fd and its state; a
//! client that reads slowly but reads is never dropped.

use std::rc::Rc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

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

/// The loop's side of one connection.
#[derive(Debug)]
pub struct Conn {
    writer: Rc<OwnedWriteHalf>,
    out: Vec<u8>,
    sent: usize,
    waiting: bool,
    reader: tokio::task::JoinHandle<()>,
    /// Since when queued bytes wait and the socket has taken none of them.
    blocked_since: Option<Instant>,
    /// A [`Timer::StallCheck`] is scheduled for this connection.
    stall_check: bool,
}

/// What happened when queueing bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Flush {
    /// Everything is written.
    Done,
    /// Some bytes wait for the socket.
    Pending,
    /// The peer is gone or stalled: drop the connection.
    Dead,
}

impl Conn {
    /// Starts reading `read` in a task; `write` stays with the loop.
    pub fn start(
        id: ConnId,
        read: OwnedReadHalf,
        write: OwnedWriteHalf,
        events: mpsc::Sender<Event>,
    ) -> Conn {
        let reader = tokio::task::spawn_local(read_frames(id, read, events));
        let mut conn = Conn {
            writer: Rc::new(write),
            out: Vec::new(),
            sent: 0,
            waiting: false,
            reader,
            blocked_since: None,
            stall_check: false,
        };
        let mut hello = Vec::new();
        protocol::encode_hello(&mut hello);
        conn.out = hello;
        conn
    }

    /// Bytes still queued.
    pub fn queued(&self) -> usize {
        self.out.len() - self.sent
    }

    /// Appends an encoded message.
    pub fn queue_msg(&mut self, msg: &protocol::ServerMsg) {
        self.compact();
        protocol::encode_msg(msg, &mut self.out);
    }

    /// Appends a data frame.
    pub fn queue_data(&mut self, data: &[u8]) {
        self.compact();
        protocol::encode_data(data, &mut self.out);
    }

    fn compact(&mut self) {
        if self.sent > 0 && self.sent == self.out.len() {
            self.out.clear();
            self.sent = 0;
        }
    }

    /// Writes what the socket takes now; arranges a wake-up for the rest.
    pub fn flush(&mut self, id: ConnId, events: &mpsc::Sender<Event>) -> Flush {
        let mut progress = false;
        while self.sent < self.out.len() {
            match self.writer.try_write(&self.out[self.sent..]) {
                Ok(0) => return Flush::Dead,
                Ok(n) => {
                    self.sent += n;
                    progress = true;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if self.queued() > MAX_QUEUED {
                        return Flush::Dead;
                    }
                    if progress || self.blocked_since.is_none() {
                        self.blocked_since = Some(Instant::now());
                    }
                    if !self.waiting {
                        self.waiting = true;
                        let writer = Rc::clone(&self.writer);
                        let events = events.clone();
                        tokio::task::spawn_local(async move {
                            let _ = writer.writable().await;
                            let _ = events.send(Event::Writable(id)).await;
                        });
                    }
                    return Flush::Pending;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Flush::Dead,
            }
        }
        self.out.clear();
        self.sent = 0;
        self.blocked_since = None;
        if self.out.capacity() > 256 * 1024 {
            self.out.shrink_to(64 * 1024);
        }
        Flush::Done
    }

    /// The socket became writable: the wake-up task is done.
    pub fn writable(&mut self) {
        self.waiting = false;
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
        let Some(since) = c.blocked_since else {
            return;
        };
        let stalled = since.elapsed();
        if stalled >= stall_limit() {
            tracing::warn!(
                "connection {conn} has read nothing for {} ms ({} bytes waiting): dropping it",
                stalled.as_millis(),
                c.queued()
            );
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
