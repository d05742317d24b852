//! The attached client's hold on the outer terminal: raw mode and the
//! alternate screen on entry, and a restore that runs on every exit path —
//! normal return, error, panic (a hook), and SIGTERM/SIGHUP/SIGINT/SIGQUIT
//! (the attach loop turns them into a normal return). The restore is idempotent.

use std::io;
use std::os::fd::RawFd;
use std::sync::Mutex;

/// Bytes that put the outer terminal back as we found it: modes a task may
/// have turned on through our frames (mouse, bracketed paste, focus, cursor
/// keys, keypad, cursor shape), visible cursor, plain SGR, main screen. They
/// start with CAN, which ends an escape sequence left unfinished (the DEC
/// VT100 User Guide: "if sent during a control sequence, the sequence is
/// immediately terminated and not executed"; xterm does the same): the
/// server, writing frames to the terminal itself, may have been stopped in
/// the middle of one when the client left.
const RESTORE: &[u8] = b"\x18\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[?1004l\x1b[?1l\x1b>\x1b[0 q\x1b[?25h\x1b[0m\x1b[?1049l";

/// The saved attributes, for the panic hook.
static SAVED: Mutex<Option<libc::termios>> = Mutex::new(None);

/// Raw mode for as long as it lives.
#[derive(Debug)]
pub struct RawTerminal {
    _private: (),
}

/// The window size of `fd`, if it is a terminal.
pub fn size(fd: RawFd) -> Option<(u16, u16)> {
    // SAFETY: an all-zero winsize is valid; TIOCGWINSZ writes into it.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    // SAFETY: ioctl writes into the valid struct.
    let ok = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) } == 0;
    (ok && ws.ws_col > 0 && ws.ws_row > 0).then_some((ws.ws_col, ws.ws_row))
}

/// Writes all of `data` to `fd`, waiting when the terminal is slow.
pub fn write_fd(fd: RawFd, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        // SAFETY: the buffer is valid for reads of its length.
        let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        if n < 0 {
            let err = io::Error::last_os_error();
            match err.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => {
                    let mut pfd = libc::pollfd {
                        fd,
                        events: libc::POLLOUT,
                        revents: 0,
                    };
                    // SAFETY: one valid pollfd.
                    unsafe { libc::poll(&mut pfd, 1, 1000) };
                    continue;
                }
                _ => return Err(err),
            }
        }
        data = &data[n as usize..];
    }
    Ok(())
}

impl RawTerminal {
    /// Puts stdin in raw mode and switches stdout to the alternate screen.
    pub fn enter() -> io::Result<RawTerminal> {
        // SAFETY: an all-zero termios is valid; tcgetattr fills it.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: tcgetattr writes into the valid struct.
        if unsafe { libc::tcgetattr(0, &mut saved) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut raw = saved;
        // SAFETY: cfmakeraw edits the valid struct in place.
        unsafe { libc::cfmakeraw(&mut raw) };
        // SAFETY: tcsetattr reads the valid struct.
        if unsafe { libc::tcsetattr(0, libc::TCSADRAIN, &raw) } != 0 {
            return Err(io::Error::last_os_error());
        }
        if let Ok(mut slot) = SAVED.lock() {
            *slot = Some(saved);
        }
        install_panic_hook();
        write_fd(1, b"\x1b[?1049h\x1b[H\x1b[2J")?;
        Ok(RawTerminal { _private: () })
    }
}

/// Restores the terminal if we changed it; safe to call more than once.
pub fn restore() {
    let saved = SAVED.lock().ok().and_then(|mut s| s.take());
    if let Some(saved) = saved {
        let _ = write_fd(1, RESTORE);
        // SAFETY: tcsetattr reads the valid saved struct.
        unsafe { libc::tcsetattr(0, libc::TCSADRAIN, &saved) };
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        restore();
    }
}

fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}
