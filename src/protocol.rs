//! The wire protocol between a client and the server: the frozen `Hello`
//! handshake, the request and reply types, and the only functions that encode
//! and decode frames (one pair for blocking clients, one pair for the async
//! server), so that every byte on the socket goes through this file.
//!
//! A frame is a little-endian `u32` length followed by that many bytes; the
//! first byte of the body is its kind: [`KIND_MESSAGE`] (a postcard-encoded
//! [`ClientMsg`] or [`ServerMsg`]) or [`KIND_DATA`] (raw terminal bytes: input
//! from an attached client, or a rendered frame to it). Raw data skips serde on
//! the hottest path.
//!
//! ```text
//!  +----------------+------+---------------------------------+
//!  | len: u32 LE    | kind | body (len - 1 bytes)            |
//!  +----------------+------+---------------------------------+
//! ```
//!
//! The very first frame each way is a `Hello`, encoded by hand (not by serde)
//! so that its layout never changes between versions: the magic `BGMUX`, the
//! protocol number as a `u32`, then the package version as UTF-8. A peer with
//! another protocol number is told so in one line (see `client::connect`).

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt};

/// Bumped whenever [`ClientMsg`] or [`ServerMsg`] change shape or meaning
/// (4: after `DirectReady` the server reads the client's terminal too).
pub const PROTOCOL_VERSION: u32 = 4;
/// The line an attachment ends with when its terminal closed or hung up,
/// whichever side saw it: the client reading its terminal, or the server
/// once it reads it (`server/direct.rs`).
pub const TERMINAL_CLOSED: &str = "[detached from bgmux: terminal closed]";
/// The package version, sent in `Hello` for the mismatch message.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The largest frame either side accepts; a bigger claimed length drops the
/// connection before anything is allocated.
pub const MAX_FRAME: usize = 16 << 20;
/// Frame kind: a serde-encoded message.
pub const KIND_MESSAGE: u8 = 0;
/// Frame kind: raw terminal bytes.
pub const KIND_DATA: u8 = 1;

const HELLO_MAGIC: &[u8; 5] = b"BGMUX";

/// The handshake both sides send first. Its encoding is frozen forever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hello {
    /// [`PROTOCOL_VERSION`] of the sender.
    pub protocol: u32,
    /// Package version of the sender, for humans.
    pub version: String,
}

impl Hello {
    /// Our own hello.
    pub fn ours() -> Hello {
        Hello {
            protocol: PROTOCOL_VERSION,
            version: VERSION.to_string(),
        }
    }

    /// The frame body of this hello (without the length prefix).
    pub fn encode(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(16 + self.version.len());
        body.extend_from_slice(HELLO_MAGIC);
        body.extend_from_slice(&self.protocol.to_le_bytes());
        body.extend_from_slice(self.version.as_bytes());
        body
    }

    /// Parses a hello body; `None` if it is not one.
    pub fn decode(body: &[u8]) -> Option<Hello> {
        let rest = body.strip_prefix(HELLO_MAGIC)?;
        let (num, version) = rest.split_first_chunk::<4>()?;
        let version = String::from_utf8_lossy(version).chars().take(64).collect();
        Some(Hello {
            protocol: u32::from_le_bytes(*num),
            version,
        })
    }
}

/// What a client asks. Each variant's doc says what the server answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ClientMsg {
    /// Start a task. Answer: `Started`.
    Run(RunSpec),
    /// List tasks. Answer: `Tasks`.
    List {
        /// Include removed-but-on-disk tasks? (reserved)
        all: bool,
    },
    /// The screen of a live task as text. Answer: `Text`.
    Capture {
        /// Task id or name.
        task: String,
        /// Include retained history first.
        history: bool,
        /// With SGR escapes.
        ansi: bool,
    },
    /// Wait until tasks end. Answer: `Waited` once they have.
    Wait {
        /// Task ids or names.
        tasks: Vec<String>,
        /// Return when the first one ends instead of all.
        any: bool,
    },
    /// Write bytes into a task's pty. Answer: `Ok`.
    Send {
        /// Task id or name.
        task: String,
        /// The bytes to write.
        data: Vec<u8>,
    },
    /// Write named keys (`Enter`, `C-c`, `Up`) into a task's pty, encoded for
    /// the task's current modes. Answer: `Ok`.
    SendKeys {
        /// Task id or name.
        task: String,
        /// Key names, checked by the client with `keyname::encode`.
        keys: Vec<String>,
    },
    /// Signal a task's process group. Answer: `Ok`.
    Kill {
        /// Task id or name.
        task: String,
        /// Signal number; `None` means SIGHUP then SIGKILL after a grace period.
        signal: Option<i32>,
    },
    /// Forget ended tasks and delete their output. Answer: `Removed`.
    Remove {
        /// Task ids or names.
        tasks: Vec<String>,
        /// Every ended task.
        finished: bool,
    },
    /// Keep the server up with no task (`start-server`). Answer: `Ok`.
    StayUp,
    /// End every task and the server. Answer: `Ok`, then the server exits.
    KillServer,
    /// Become an attached client. Answer: `Attached`, then frames.
    Attach(AttachSpec),
    /// Attached client: the terminal was resized.
    Resize {
        /// Columns.
        cols: u16,
        /// Rows.
        rows: u16,
    },
    /// Attached client: the terminal on its stdin and stdout, this device,
    /// is in raw mode; the server may write frames to it and read keys from
    /// it itself. Answer: `Direct` if it will, nothing if it will not
    /// (frames and keys keep coming as data).
    Direct {
        /// `st_rdev` of the client's stdin and stdout.
        rdev: u64,
    },
    /// Attached client: every frame before `Direct` is on the terminal and
    /// every key read so far is sent; the server writes the next frames
    /// there and reads the next keys there.
    DirectReady,
    /// Attached client: leaving on its own (signalled). Answer: `Detached`,
    /// once the server writes nothing more to the client's terminal.
    Leave,
    /// Stream lifecycle events. Answer: `Event` frames until the server exits.
    Events,
    /// Tasks that ended after a time (ms since the epoch), for the prompt
    /// hook. Answer: `Tasks`.
    EndedSince {
        /// The shell's last mark.
        since: u64,
    },
    /// `bgmux bg` from inside a task. Answer: `Ok`.
    Background {
        /// The calling task's id (from `BGMUX_TASK_ID`).
        task: u64,
        /// Text to type followed by Enter first, if any.
        text: Option<String>,
    },
    /// Re-read the config file the server started with. Answer: `Text`
    /// (what was read), or `Error` with the old config kept.
    ReloadConfig,
}

/// Everything `run` needs to start a task.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct RunSpec {
    /// argv; never empty.
    pub argv: Vec<String>,
    /// Optional unique name.
    pub name: Option<String>,
    /// Working directory (absolute).
    pub cwd: String,
    /// Columns and rows of the pty.
    pub size: Option<(u16, u16)>,
    /// History limit in rows.
    pub history_limit: Option<usize>,
    /// The full environment of the task (the client's, with `--env` applied).
    pub env: Vec<(String, String)>,
}

/// What an attaching client sends.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct AttachSpec {
    /// Task to show; `None` = the last view, or a new shell if none is live.
    pub task: Option<String>,
    /// Start the shell if nothing is live (plain `bgmux`).
    pub start_shell: bool,
    /// Terminal columns.
    pub cols: u16,
    /// Terminal rows.
    pub rows: u16,
    /// The client's environment, for shells it creates.
    pub env: Vec<(String, String)>,
    /// The client's working directory, for shells it creates.
    pub cwd: String,
}

/// What the server answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ServerMsg {
    /// Done, nothing to say.
    Ok,
    /// The request failed: one short lowercase line.
    Error(String),
    /// A task was started.
    Started {
        /// Its id.
        id: u64,
    },
    /// Task records.
    Tasks(Vec<crate::store::TaskRecord>),
    /// Text output (capture).
    Text(String),
    /// The waited tasks ended; `code` is the exit status to use.
    Waited {
        /// The task that decided the status.
        id: u64,
        /// Exit code, 128+N for signal N.
        code: i32,
    },
    /// Tasks removed.
    Removed(Vec<u64>),
    /// Attached with this task in view.
    Attached {
        /// The task in view.
        id: u64,
    },
    /// The attached client must leave; print this line.
    Detached(String),
    /// Frames after this one go to the client's terminal, not the socket;
    /// the client answers `DirectReady` once it has written every frame
    /// before it.
    Direct,
    /// The server holds no screen for this task (it ended under an earlier
    /// server): the client renders it from the log on disk.
    NotInMemory,
    /// One lifecycle event.
    Event(Box<TaskEvent>),
    /// `capture --history` of a task whose emulator dropped rows off the
    /// top of its history: the client puts the older rows, from the log,
    /// before `text`.
    History {
        /// The in-memory history rows, then the screen rows.
        text: String,
        /// How many of `text`'s rows are history rows.
        history_rows: u64,
        /// The log's end when `text` was taken.
        log_end: u64,
    },
}

/// A lifecycle event, as streamed by `bgmux events` (one JSON object a line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskEvent {
    /// `started`, `waiting`, `resumed`, `exited` or `removed`.
    pub event: String,
    /// When it happened.
    pub at: crate::store::time::Timestamp,
    /// The task.
    pub id: u64,
    /// Its name, if any.
    pub name: Option<String>,
    /// Its command.
    pub command: Vec<String>,
    /// Its status after the event.
    pub status: crate::store::Status,
    /// Exit code (`exited`).
    pub exit_code: Option<i32>,
    /// Signal number (`exited`).
    pub signal: Option<i32>,
    /// Milliseconds it ran (`exited`).
    pub duration_ms: Option<u64>,
}

/// Why a frame could not be read.
#[derive(Debug)]
pub enum FrameError {
    /// The peer closed the connection cleanly between frames.
    Closed,
    /// I/O failed.
    Io(io::Error),
    /// The frame is malformed or too large.
    Bad(String),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::Closed => write!(f, "connection closed"),
            FrameError::Io(e) => write!(f, "{e}"),
            FrameError::Bad(why) => write!(f, "bad frame: {why}"),
        }
    }
}

impl std::error::Error for FrameError {}

/// A decoded frame.
#[derive(Debug)]
pub enum Frame<M> {
    /// A message.
    Msg(M),
    /// Raw terminal bytes.
    Data(Vec<u8>),
}

/// Appends one frame with the given kind and body to `out`.
pub fn encode_raw(kind: u8, body: &[u8], out: &mut Vec<u8>) {
    let len = u32::try_from(body.len() + 1).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.push(kind);
    out.extend_from_slice(body);
}

/// Appends one message frame to `out`.
pub fn encode_msg<M: Serialize>(msg: &M, out: &mut Vec<u8>) {
    // Serializing our own plain data types into a Vec cannot fail.
    let body = postcard::to_allocvec(msg).unwrap_or_default();
    encode_raw(KIND_MESSAGE, &body, out);
}

/// Appends one data frame to `out`.
pub fn encode_data(data: &[u8], out: &mut Vec<u8>) {
    encode_raw(KIND_DATA, data, out);
}

/// Appends a hello frame to `out`.
pub fn encode_hello(out: &mut Vec<u8>) {
    let body = Hello::ours().encode();
    let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&body);
}

/// A frame body is read into a buffer that grows with the bytes that
/// arrive, from this much: the claimed length is not trusted up front, so a
/// peer that claims 16 MiB and sends ten bytes holds ten bytes of memory.
const FIRST_READ: usize = 64 * 1024;

/// The body read for a frame of `len` bytes, or the error for a peer that
/// hung up in the middle of it.
fn complete(body: Vec<u8>, len: usize) -> Result<Vec<u8>, FrameError> {
    if body.len() < len {
        return Err(FrameError::Io(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("truncated frame: {} of {len} bytes", body.len()),
        )));
    }
    Ok(body)
}

fn check_len(len: u32) -> Result<usize, FrameError> {
    let len = len as usize;
    if len == 0 || len > MAX_FRAME {
        return Err(FrameError::Bad(format!("length {len} out of range")));
    }
    Ok(len)
}

/// Decodes a frame body (kind byte first).
pub fn decode_body<M: for<'de> Deserialize<'de>>(
    mut body: Vec<u8>,
) -> Result<Frame<M>, FrameError> {
    match body.first() {
        Some(&KIND_MESSAGE) => postcard::from_bytes(&body[1..])
            .map(Frame::Msg)
            .map_err(|e| FrameError::Bad(format!("undecodable message: {e}"))),
        Some(&KIND_DATA) => {
            body.remove(0);
            Ok(Frame::Data(body))
        }
        Some(k) => Err(FrameError::Bad(format!("unknown kind {k}"))),
        None => Err(FrameError::Bad("empty frame".into())),
    }
}

/// Reads one frame body from a blocking reader.
pub fn read_body(r: &mut impl Read) -> Result<Vec<u8>, FrameError> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(FrameError::Closed),
        Err(e) => return Err(FrameError::Io(e)),
    }
    let len = check_len(u32::from_le_bytes(len))?;
    let mut body = Vec::with_capacity(len.min(FIRST_READ));
    r.take(len as u64)
        .read_to_end(&mut body)
        .map_err(FrameError::Io)?;
    complete(body, len)
}

/// Reads one frame body from an async reader (the server side).
pub async fn read_body_async(r: &mut (impl AsyncRead + Unpin)) -> Result<Vec<u8>, FrameError> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(FrameError::Closed),
        Err(e) => return Err(FrameError::Io(e)),
    }
    let len = check_len(u32::from_le_bytes(len))?;
    let mut body = Vec::with_capacity(len.min(FIRST_READ));
    r.take(len as u64)
        .read_to_end(&mut body)
        .await
        .map_err(FrameError::Io)?;
    complete(body, len)
}

/// A frame borrowed from a [`FrameReader`]'s buffer.
#[derive(Debug)]
pub enum FrameRef<'a, M> {
    /// A decoded message.
    Msg(M),
    /// Raw terminal bytes, in place.
    Data(&'a [u8]),
}

/// Splits what a blocking socket delivers into frames with one `read` per
/// wake-up, not two per frame (length, then body), and hands data frames
/// out in place: the attached client's path from the socket to its
/// terminal is one `read` and one `write` per frame.
#[derive(Debug, Default)]
pub struct FrameReader {
    /// Bytes `start..end` are received and not yet handed out; the rest is
    /// room for the next read (zeroed once, when the buffer grows).
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl FrameReader {
    /// One `read` from `r` into the buffer; `Ok(0)` at the end of the stream.
    pub fn fill(&mut self, r: &mut impl Read) -> io::Result<usize> {
        if self.start == self.end {
            (self.start, self.end) = (0, 0);
        }
        let held = self.end - self.start;
        // A claimed length is believed only up to the largest frame: a
        // longer one is refused by `next_frame` before anything waits for it.
        let room = self
            .pending_len()
            .unwrap_or(0)
            .min(4 + MAX_FRAME)
            .saturating_sub(held)
            .max(64 * 1024);
        if self.buf.len() - self.end < room && self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            (self.start, self.end) = (0, held);
        }
        if self.buf.len() - self.end < room {
            self.buf.resize(self.end + room, 0);
        }
        let n = r.read(&mut self.buf[self.end..])?;
        self.end += n;
        Ok(n)
    }

    /// The size of the frame at the front, once its length is buffered.
    fn pending_len(&self) -> Option<usize> {
        let head = self.buf.get(self.start..self.start + 4)?;
        (self.end - self.start >= 4).then_some(())?;
        Some(4 + u32::from_le_bytes(head.try_into().ok()?) as usize)
    }

    /// The next complete frame in the buffer, if there is one.
    pub fn next_frame<M: for<'de> Deserialize<'de>>(
        &mut self,
    ) -> Result<Option<FrameRef<'_, M>>, FrameError> {
        let Some(total) = self.pending_len() else {
            return Ok(None);
        };
        check_len((total - 4) as u32)?;
        if self.end - self.start < total {
            return Ok(None);
        }
        let body = &self.buf[self.start + 4..self.start + total];
        self.start += total;
        match body.split_first() {
            Some((&KIND_DATA, data)) => Ok(Some(FrameRef::Data(data))),
            Some((&KIND_MESSAGE, msg)) => postcard::from_bytes(msg)
                .map(|m| Some(FrameRef::Msg(m)))
                .map_err(|e| FrameError::Bad(format!("undecodable message: {e}"))),
            Some((k, _)) => Err(FrameError::Bad(format!("unknown kind {k}"))),
            None => Err(FrameError::Bad("empty frame".into())),
        }
    }
}

/// Reads and checks the peer's hello from a blocking reader.
pub fn read_hello(r: &mut impl Read) -> Result<Hello, FrameError> {
    let body = read_body(r)?;
    Hello::decode(&body).ok_or_else(|| FrameError::Bad("not a bgmux hello".into()))
}

/// Writes a message frame to a blocking writer.
pub fn write_msg<M: Serialize>(w: &mut impl Write, msg: &M) -> io::Result<()> {
    let mut buf = Vec::new();
    encode_msg(msg, &mut buf);
    w.write_all(&buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_round_trips_and_is_frozen() {
        let h = Hello {
            protocol: 7,
            version: "9.9.9".into(),
        };
        let body = h.encode();
        assert_eq!(&body[..9], b"BGMUX\x07\0\0\0");
        assert_eq!(Hello::decode(&body), Some(h));
        assert_eq!(Hello::decode(b"HTTP/1.1"), None);
    }

    #[test]
    fn message_frames_round_trip() {
        let mut buf = Vec::new();
        encode_msg(
            &ClientMsg::Send {
                task: "3".into(),
                data: b"hi".to_vec(),
            },
            &mut buf,
        );
        encode_data(b"\x1b[A", &mut buf);
        let mut r = &buf[..];
        match decode_body::<ClientMsg>(read_body(&mut r).unwrap()).unwrap() {
            Frame::Msg(ClientMsg::Send { task, data }) => {
                assert_eq!((task.as_str(), &data[..]), ("3", &b"hi"[..]))
            }
            other => panic!("{other:?}"),
        }
        match decode_body::<ClientMsg>(read_body(&mut r).unwrap()).unwrap() {
            Frame::Data(d) => assert_eq!(d, b"\x1b[A"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(read_body(&mut r), Err(FrameError::Closed)));
    }

    #[test]
    fn a_frame_reader_splits_a_stream_read_in_odd_pieces() {
        let mut wire = Vec::new();
        encode_data(b"frame one", &mut wire);
        encode_msg(&ServerMsg::Detached("bye".into()), &mut wire);
        encode_data(&[7u8; 100_000], &mut wire);
        let mut reader = FrameReader::default();
        let mut got = Vec::new();
        for piece in wire.chunks(3) {
            let mut src = piece;
            assert_eq!(reader.fill(&mut src).unwrap(), piece.len());
            while let Some(frame) = reader.next_frame::<ServerMsg>().unwrap() {
                got.push(match frame {
                    FrameRef::Data(d) => format!("data {}", d.len()),
                    FrameRef::Msg(m) => format!("{m:?}"),
                });
            }
        }
        assert_eq!(got, ["data 9", "Detached(\"bye\")", "data 100000"]);
        assert_eq!(reader.fill(&mut &b""[..]).unwrap(), 0);
    }

    #[test]
    fn oversized_and_garbage_frames_are_refused() {
        let mut big = ((MAX_FRAME + 1) as u32).to_le_bytes().to_vec();
        big.extend_from_slice(&[0; 8]);
        assert!(matches!(read_body(&mut &big[..]), Err(FrameError::Bad(_))));
        let garbage = vec![KIND_MESSAGE, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert!(matches!(
            decode_body::<ClientMsg>(garbage),
            Err(FrameError::Bad(_))
        ));
        assert!(matches!(
            decode_body::<ClientMsg>(vec![9, 1]),
            Err(FrameError::Bad(_))
        ));
    }
}
