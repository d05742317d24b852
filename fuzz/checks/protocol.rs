//! What the protocol fuzz target checks on each input, shared with the
//! regression test that replays `fuzz/seeds/protocol/` in CI
//! (`tests/fuzzed.rs`): the bytes go through the hello decoder, the body
//! decoder for both directions, the blocking and async frame readers, and
//! the attached client's `FrameReader` fed in pieces of every size.
//! Nothing may panic; a frame read is never longer than `MAX_FRAME`; a
//! message that decodes re-encodes to bytes that decode to the same message;
//! the readers agree frame by frame.

use std::fmt::Debug;
use std::future::Future;
use std::task::{Context, Poll, Waker};

use bgmux::protocol::{
    self, ClientMsg, Frame, FrameError, FrameReader, FrameRef, Hello, ServerMsg, MAX_FRAME,
};
use serde::{de::DeserializeOwned, Serialize};

/// Runs every check on `data`; panics on a broken one.
pub fn run(data: &[u8]) {
    if let Some(hello) = Hello::decode(data) {
        assert!(hello.version.chars().count() <= 64, "{hello:?}");
        assert_eq!(Hello::decode(&hello.encode()), Some(hello.clone()));
    }
    body::<ClientMsg>(data);
    body::<ServerMsg>(data);
    stream(data);
    frame_reader(data);
}

/// A reader that hands out at most `step` bytes per read, like a socket
/// delivering a stream in pieces.
struct Pieces<'a> {
    data: &'a [u8],
    step: usize,
}

impl std::io::Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// `data` as the attached client reads it: `FrameReader` must hand out the
/// same frames, decoded as the client decodes them, as reading frame by
/// frame does, whatever the size of the pieces the stream comes in.
fn frame_reader(data: &[u8]) {
    let mut want = Vec::new();
    let mut rest = data;
    while let Ok(body) = protocol::read_body(&mut rest) {
        match protocol::decode_body::<ServerMsg>(body) {
            Ok(Frame::Data(d)) => want.push(format!("data {d:?}")),
            Ok(Frame::Msg(m)) => want.push(format!("{m:?}")),
            Err(_) => break,
        }
    }
    let step = data.first().map_or(1, |b| usize::from(*b) * 7 + 1);
    let mut src = Pieces { data, step };
    let mut reader = FrameReader::default();
    let mut got = Vec::new();
    'read: loop {
        let n = reader.fill(&mut src).expect("reading a slice");
        loop {
            match reader.next_frame::<ServerMsg>() {
                Ok(Some(FrameRef::Data(d))) => {
                    assert!(d.len() < MAX_FRAME);
                    got.push(format!("data {d:?}"));
                }
                Ok(Some(FrameRef::Msg(m))) => got.push(format!("{m:?}")),
                Ok(None) => break,
                Err(_) => break 'read,
            }
        }
        if n == 0 {
            break;
        }
    }
    assert_eq!(got, want, "FrameReader and read_body disagree");
}

/// A frame body (kind byte first) as the server and the client decode it.
fn body<M: Serialize + DeserializeOwned + Debug>(data: &[u8]) {
    match protocol::decode_body::<M>(data.to_vec()) {
        Ok(Frame::Msg(msg)) => {
            let mut framed = Vec::new();
            protocol::encode_msg(&msg, &mut framed);
            match protocol::decode_body::<M>(framed[4..].to_vec()) {
                Ok(Frame::Msg(again)) => assert_eq!(format!("{again:?}"), format!("{msg:?}")),
                other => panic!("{msg:?} re-encoded decodes to {other:?}"),
            }
        }
        Ok(Frame::Data(bytes)) => assert_eq!(bytes[..], data[1..]),
        Err(_) => {}
    }
}

/// `data` as a byte stream of frames: both readers must see the same frames
/// and stop at the same one.
fn stream(data: &[u8]) {
    let mut sync = data;
    let mut tokio = data;
    loop {
        let a = protocol::read_body(&mut sync);
        let b = ready(protocol::read_body_async(&mut tokio));
        match (&a, &b) {
            (Ok(x), Ok(y)) => {
                assert!(x.len() <= MAX_FRAME);
                assert_eq!(x, y);
                body::<ClientMsg>(x);
            }
            (Err(x), Err(y)) => {
                assert_eq!(kind(x), kind(y), "{x} / {y}");
                return;
            }
            _ => panic!("the readers disagree: {a:?} / {b:?}"),
        }
    }
}

fn kind(e: &FrameError) -> &'static str {
    match e {
        FrameError::Closed => "closed",
        FrameError::Io(_) => "io",
        FrameError::Bad(_) => "bad",
    }
}

/// Polls a future that reads from a byte slice, which never waits.
fn ready<T>(fut: impl Future<Output = T>) -> T {
    let mut fut = std::pin::pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("reading from a slice never waits"),
    }
}
