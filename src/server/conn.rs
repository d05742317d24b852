//! One connection to the server: the task that reads its frames and turns
//! them into loop events, and the outgoing byte queue the loop writes from.
//! The loop owns the queue; a write that would block parks the rest and a
//! small task waits for the socket to become writable and tells the loop.
//! A queue that grows past [`MAX_QUEUED`] means the peer stopped reading:
//! the connection is dropped (a stalled client never holds server memory).

use std::rc::Rc;

use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;

use super::{ConnId, Event};
use crate::protocol::{self, ClientMsg, Frame, FrameError, Hello, PROTOCOL_VERSION};

/// Bytes a connection may have queued before it is considered stalled.
pub const MAX_QUEUED: usize = 8 << 20;

/// The loop's side of one connection.
#[derive(Debug)]
pub struct Conn {
    writer: Rc<OwnedWriteHalf>,
    out: Vec<u8>,
    sent: usize,
    waiting: bool,
    reader: tokio::task::JoinHandle<()>,
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
        while self.sent < self.out.len() {
            match self.writer.try_write(&self.out[self.sent..]) {
                Ok(0) => return Flush::Dead,
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if self.queued() > MAX_QUEUED {
                        return Flush::Dead;
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
