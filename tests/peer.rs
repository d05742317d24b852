//! A client that speaks the protocol by hand (through `bgmux::protocol`)
//! for tests that need more control than the binary gives: time one
//! request, attach and then never read, or send frames no real client
//! would.

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use bgmux::protocol::{self, ClientMsg, Frame, ServerMsg};

use crate::support::Bg;

/// One connection after the handshake.
pub struct Peer {
    /// The socket, for tests that write to it or stop reading it.
    pub stream: UnixStream,
}

impl Peer {
    /// Connects to `bg`'s server and exchanges hellos.
    pub fn connect(bg: &Bg) -> Peer {
        let mut stream = UnixStream::connect(&bg.socket).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut hello = Vec::new();
        protocol::encode_hello(&mut hello);
        stream.write_all(&hello).unwrap();
        protocol::read_hello(&mut stream).unwrap();
        Peer { stream }
    }

    /// Sends a message.
    pub fn send(&mut self, msg: &ClientMsg) {
        protocol::write_msg(&mut self.stream, msg).unwrap();
    }

    /// The next frame from the server.
    pub fn recv(&mut self) -> Frame<ServerMsg> {
        protocol::decode_body(protocol::read_body(&mut self.stream).unwrap()).unwrap()
    }

    /// One request, its reply, and how long the reply took.
    pub fn request(&mut self, msg: &ClientMsg) -> (ServerMsg, Duration) {
        let start = Instant::now();
        self.send(msg);
        match self.recv() {
            Frame::Msg(reply) => (reply, start.elapsed()),
            Frame::Data(d) => panic!("data instead of a reply: {} bytes", d.len()),
        }
    }
}

/// Connects, captures `task`'s screen and returns the text and the time
/// from connecting to the reply (what `bgmux capture` waits for, minus
/// starting a process).
pub fn timed_capture(bg: &Bg, task: u64) -> (String, Duration) {
    let start = Instant::now();
    let mut peer = Peer::connect(bg);
    let (reply, _) = peer.request(&ClientMsg::Capture {
        task: task.to_string(),
        history: false,
        ansi: false,
    });
    match reply {
        ServerMsg::Text(text) => (text, start.elapsed()),
        other => panic!("capture answered {other:?}"),
    }
}
