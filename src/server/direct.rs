//! The attached client's terminal, written and read by the server itself.
//!
//! An attached client copies every frame from the socket to its terminal,
//! and every key from its terminal to the socket; that is one more process
//! to wake on each way between a key and its echo on the screen
//! (BENCHMARKS.md, latency). tmux's server writes to its clients' terminals
//! and reads their keys itself (its client sleeps while one types), and so
//! does bgmux's once the client asks, so a key and its echo pass through
//! the server alone:
//!
//! 1. The client puts its terminal in raw mode and the alternate screen,
//!    then sends `Direct { rdev }` with the device number of the terminal
//!    on its stdin and stdout (it asks only when both are that one
//!    terminal).
//! 2. The server opens `/proc/PID/fd/1` of the peer (`SO_PEERCRED`) with
//!    `O_NOCTTY | O_NONBLOCK`, for reading and writing, checks that it is a
//!    terminal with that device number, queues the `Direct` marker on the
//!    socket and renders nothing more for this client. If anything fails,
//!    it says nothing and frames and keys keep coming over the socket: the
//!    client works either way.
//! 3. The client writes every frame before the marker to its terminal, sends
//!    the keys it has read so far, then answers `DirectReady` and reads its
//!    terminal no more (it still polls it, for a hang-up). From then on the
//!    server writes frames to the terminal, in the order they are rendered,
//!    and reads the keys from it, after every key that came over the socket
//!    before `DirectReady`; messages stay on the socket. A key typed in
//!    between waits in the terminal's input queue, in order.
//! 4. Leaving: when the server ends the attachment (`Detached`), it closes
//!    the terminal first, so nothing it writes can land after the client's
//!    restore and no key typed after it is taken from the shell. A client
//!    that leaves on its own (a signal) sends `Leave` and waits for that
//!    `Detached` before it restores the terminal. A client that is killed
//!    loses its terminal anyway. A terminal that hangs up or closes ends
//!    the attachment as the client's own read of it did
//!    (`[detached from bgmux: terminal closed]`).
//!
//! The opened terminal is a file description of the server's own, so its
//! `O_NONBLOCK` does not reach the client or the shell behind it. A terminal
//! that takes nothing for the stall limit drops the client, as a socket does
//! (`conn.rs`). One thing the server cannot see is a client stopped by a
//! signal (`SIGSTOP`): it goes on drawing on, and reading, the terminal
//! until the client goes on or goes away.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};

use super::conn::Tty;
use super::{ConnId, Server};
use crate::protocol::{ServerMsg, TERMINAL_CLOSED};

impl Server {
    /// `Direct { rdev }` from an attached client: opens its terminal and
    /// queues the marker, or leaves frames on the socket.
    pub fn direct_requested(&mut self, conn: ConnId, rdev: u64) {
        if !self.clients.contains_key(&conn) {
            return;
        }
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        if c.tty.is_some() {
            return;
        }
        let opened = c
            .pid
            .ok_or_else(|| io::Error::other("the peer's pid is unknown"))
            .and_then(|pid| open_terminal(pid, rdev))
            .and_then(Tty::new);
        match opened {
            Ok(tty) => c.tty = Some(tty),
            Err(e) => {
                tracing::info!("connection {conn}: frames stay on the socket: {e}");
                return;
            }
        }
        if let Some(client) = self.clients.get_mut(&conn) {
            client.switching = true;
        }
        self.reply(conn, &ServerMsg::Direct);
    }

    /// `DirectReady`: the client has written every frame before the
    /// marker and sent every key it read; the next frames go to its
    /// terminal, and the next keys come from it.
    pub fn direct_ready(&mut self, conn: ConnId) {
        let Some(tty) = self.conns.get_mut(&conn).and_then(|c| c.tty.as_mut()) else {
            return;
        };
        tty.active = true;
        tty.start_reading(conn, self.senders.ctl.clone());
        tracing::debug!("connection {conn}: the server writes to and reads its terminal");
        if let Some(client) = self.clients.get_mut(&conn) {
            client.switching = false;
            client.dirty = true;
        }
    }

    /// The attachment ends (`Detached` is on its way): nothing more is
    /// drawn for this connection, and its terminal is closed before the
    /// client can restore it.
    pub(super) fn end_attachment(&mut self, conn: ConnId) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.tty = None;
        }
        if self.clients.remove(&conn).is_some() {
            self.count_attached();
        }
    }

    /// The terminal the server reads for an attached client hung up or
    /// closed: the attachment ends, as when the client read its end.
    pub(super) fn terminal_closed(&mut self, conn: ConnId) {
        if self.clients.contains_key(&conn) {
            tracing::info!("connection {conn}: its terminal hung up or closed; detaching it");
            self.reply(conn, &ServerMsg::Detached(TERMINAL_CLOSED.into()));
        }
    }
}

/// Opens the terminal on fd 1 of process `pid` for reading and writing, if
/// it is the terminal with device number `rdev` (the client's own word for
/// it).
fn open_terminal(pid: i32, rdev: u64) -> io::Result<File> {
    let file = File::options()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY | libc::O_NONBLOCK)
        .open(format!("/proc/{pid}/fd/1"))?;
    let meta = file.metadata()?;
    // SAFETY: isatty only reads the fd, which `file` keeps open.
    let tty = unsafe { libc::isatty(file.as_raw_fd()) } == 1;
    if !meta.file_type().is_char_device() || !tty || meta.rdev() != rdev {
        return Err(io::Error::other(
            "fd 1 of the client is not the terminal it named",
        ));
    }
    Ok(file)
}
