//! A real tmux as a differential oracle: bytes are `cat` into a tmux pane
//! of the same size (private `-L` socket, `-f /dev/null`, output
//! post-processing off so the bytes arrive unchanged, echo off so tmux's
//! answers to the queries in recordings are not echoed), then the pane is
//! captured (`capture-pane -p`, `-e` for styles) and compared with ours.
//!
//! Captures are polled until they match or a deadline passes (tmux reads
//! the pane asynchronously); there is no bare sleep. Without tmux on the
//! machine the tests print a skip message and pass.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// How long to wait for tmux to show the expected screen.
const DEADLINE: Duration = Duration::from_secs(10);

/// What tmux showed.
#[derive(Debug, PartialEq, Eq)]
pub struct Capture {
    /// `capture-pane -p`: rows, trailing blanks trimmed, each ending in `\n`.
    pub text: String,
    /// `capture-pane -pe`: the same with SGR sequences.
    pub styled: String,
    /// The cursor, with tmux's "one past the last column" clamped back.
    pub cursor: (u16, u16),
}

/// A tmux server on a private socket, killed on drop (also on panic).
struct Server {
    socket: String,
    file: PathBuf,
}

impl Server {
    fn tmux(&self, args: &[&str]) -> Option<Output> {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .ok()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // tmux leaves its socket file behind when killed; remove it too.
        let socket = self.tmux(&["display-message", "-p", "#{socket_path}"]);
        let _ = self.tmux(&["kill-server"]);
        if let Some(out) = socket {
            let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            if path.contains(&self.socket) {
                let _ = std::fs::remove_file(path);
            }
        }
        let _ = std::fs::remove_file(&self.file);
    }
}

/// True when tmux can be run; prints a skip message when it cannot.
pub fn available(test: &str) -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipping {test}: tmux is not installed");
    }
    ok
}

/// Feeds `bytes` to a `rows`×`cols` tmux pane and captures it once its
/// plain text equals `expected` (or the deadline passes: then the last
/// capture is returned for the caller's assertion to show).
pub fn capture(name: &str, rows: u16, cols: u16, bytes: &[u8], expected: &str) -> Capture {
    let socket = format!("bgmux-term-{}-{name}", std::process::id());
    let file = std::env::temp_dir().join(format!("{socket}.bytes"));
    std::fs::write(&file, bytes).expect("writing the stream for tmux");
    let server = Server { socket, file };
    let command = format!(
        // The pane then idles in `cat` (echo off, so tmux's answers to
        // queries in the stream go nowhere visible) until the server dies.
        "stty -opost -echo; cat '{}'; exec cat >/dev/null",
        server.file.display()
    );
    let (x, y) = (cols.to_string(), rows.to_string());
    let started = server.tmux(&["new-session", "-d", "-x", &x, "-y", &y, &command]);
    assert!(started.is_some_and(|o| o.status.success()), "starting tmux");
    let deadline = Instant::now() + DEADLINE;
    loop {
        let text = pane(&server, &["capture-pane", "-p"]);
        if text == expected || Instant::now() >= deadline {
            let styled = pane(&server, &["capture-pane", "-pe"]);
            let cursor = pane(
                &server,
                &["display-message", "-p", "#{cursor_y} #{cursor_x}"],
            );
            let mut it = cursor
                .split_whitespace()
                .map(|n| n.parse::<u16>().unwrap_or(0));
            let (row, col) = (it.next().unwrap_or(0), it.next().unwrap_or(0));
            return Capture {
                text,
                styled,
                cursor: (row, col.min(cols - 1)),
            };
        }
        // Not a sleep: a wait for tmux to make progress, bounded by the
        // deadline above.
        std::thread::yield_now();
    }
}

fn pane(server: &Server, args: &[&str]) -> String {
    server
        .tmux(args)
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}
