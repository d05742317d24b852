//! Who may talk to the server, and what a bad peer can do: the socket
//! directory check, SO_PEERCRED, stale and live sockets, bad frames and
//! version skew.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::Duration;

use crate::support::{text, wait_until, Bg, SECS10};

fn hello(protocol: u32) -> Vec<u8> {
    let mut body = b"BGMUX".to_vec();
    body.extend_from_slice(&protocol.to_le_bytes());
    body.extend_from_slice(b"9.9.9");
    let mut frame = (body.len() as u32).to_le_bytes().to_vec();
    frame.extend_from_slice(&body);
    frame
}

#[test]
fn an_open_socket_directory_is_refused_and_a_new_one_is_private() {
    let bg = Bg::new();
    let open = bg.dir.join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = bg
        .cmd_at(&open.join("sock"), &["run", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("chmod 700"),
        "{}",
        text(&out.stderr)
    );
    let fresh = bg.dir.join("fresh/deeper");
    bg.cmd_at(&fresh.join("sock"), &["start-server"])
        .output()
        .unwrap();
    let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    bg.cmd_at(&fresh.join("sock"), &["kill-server"])
        .output()
        .unwrap();
}

#[test]
fn a_stale_socket_is_replaced_and_a_live_one_refused() {
    let bg = Bg::new();
    drop(UnixListener::bind(&bg.socket).unwrap());
    assert!(bg.socket.exists(), "the stale socket file stays behind");
    bg.ok(&["start-server"]);
    assert!(bg.server_up());
    let second = bg.run(&[
        "server",
        "--state-dir",
        bg.dir.join("other").to_str().unwrap(),
    ]);
    assert_eq!(second.status.code(), Some(1));
    assert!(
        text(&second.stderr).contains("already running"),
        "{}",
        text(&second.stderr)
    );
    assert!(bg.server_up(), "the first server is unharmed");
}

#[test]
fn two_racing_clients_start_one_server() {
    let bg = Bg::new();
    let mut children: Vec<_> = (0..4)
        .map(|_| {
            bg.cmd(&["run", "--", "sleep", "30"])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in &mut children {
        let status = wait_until("a racing run exits", SECS10, || child.try_wait().unwrap());
        assert!(status.success());
    }
    let pids: std::collections::BTreeSet<i64> = bg
        .ls()
        .iter()
        .map(|t| t["server_pid"].as_i64().unwrap())
        .collect();
    assert_eq!(pids.len(), 1, "one server for all: {pids:?}");
    assert_eq!(bg.ls().len(), 4);
}

#[test]
fn a_server_of_another_protocol_is_named_with_the_fix() {
    let bg = Bg::new();
    let listener = UnixListener::bind(&bg.socket).unwrap();
    let fake = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(&hello(999)).unwrap();
        let mut buf = [0u8; 64];
        let _ = s.read(&mut buf);
    });
    let err = bg.fails(&["ls"]);
    assert!(
        err.contains("protocol 999") && err.contains("9.9.9") && err.contains("bgmux kill-server"),
        "{err}"
    );
    fake.join().unwrap();
}

#[test]
fn bad_frames_drop_only_their_connection() {
    let bg = Bg::new();
    bg.ok(&["start-server"]);
    let id = bg.sh("sleep 30");
    let attempts: Vec<Vec<u8>> = vec![
        b"GET / HTTP/1.1\r\n\r\n".to_vec(),
        [hello(1), ((64u32 << 20).to_le_bytes().to_vec())].concat(),
        [hello(1), vec![5, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]].concat(),
        [hello(1), vec![3, 0, 0, 0, 7, 1, 2]].concat(),
        [hello(1), vec![9, 0, 0]].concat(),
        hello(12345),
    ];
    for bytes in attempts {
        let mut s = UnixStream::connect(&bg.socket).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(&bytes).unwrap();
        // A truncated frame ends when the peer hangs up mid-frame.
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut sink = Vec::new();
        // The server answers with its hello and then closes this connection.
        let _ = s.read_to_end(&mut sink);
        assert!(bg.server_up());
        assert_eq!(bg.task(id)["status"], "running");
    }
}

#[test]
fn a_peer_of_another_uid_is_refused_and_logged() {
    // SAFETY: getuid has no preconditions.
    if unsafe { libc::getuid() } != 0
        || std::process::Command::new("setpriv")
            .arg("--version")
            .output()
            .is_err()
    {
        eprintln!("skipped: needs root and setpriv to act as another uid");
        return;
    }
    let bg = Bg::new();
    bg.ok(&["start-server"]);
    // Let the other uid reach the socket, which only SO_PEERCRED now guards.
    std::fs::set_permissions(&bg.dir, std::fs::Permissions::from_mode(0o711)).unwrap();
    std::fs::set_permissions(&bg.socket, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = std::process::Command::new("setpriv")
        .args([
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            crate::support::BIN,
            "-S",
        ])
        .arg(&bg.socket)
        .args(["-f", "/dev/null", "ls"])
        .env("BGMUX_STATE_DIR", "/nonexistent")
        .output()
        .unwrap();
    std::fs::set_permissions(&bg.dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let log = wait_until("the refusal is logged", SECS10, || {
        let log = std::fs::read_to_string(bg.state.join("server.log")).unwrap_or_default();
        log.contains("refused a connection from uid 65534")
            .then_some(log)
    });
    assert!(log.contains("65534"));
    assert!(bg.server_up());
}
