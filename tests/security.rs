//! Who may talk to the server, and what a bad peer can do: the socket
//! directory check, SO_PEERCRED, stale and live sockets, bad frames and
//! version skew.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::Duration;

use bgmux::protocol::PROTOCOL_VERSION;

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
    // After a good hello (an earlier version of this test sent protocol 1,
    // so only the hello check ever saw these frames).
    let good = hello(PROTOCOL_VERSION);
    let attempts: Vec<Vec<u8>> = vec![
        b"GET / HTTP/1.1\r\n\r\n".to_vec(),
        [good.clone(), ((64u32 << 20).to_le_bytes().to_vec())].concat(),
        [good.clone(), vec![5, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]].concat(),
        [good.clone(), vec![3, 0, 0, 0, 7, 1, 2]].concat(),
        [good.clone(), vec![9, 0, 0]].concat(),
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

/// Root and `setpriv`, to act as another uid; `None` (and a note) if not.
fn as_another_uid() -> Option<()> {
    // SAFETY: getuid has no preconditions.
    let root = unsafe { libc::getuid() } == 0;
    let setpriv = std::process::Command::new("setpriv")
        .arg("--version")
        .output()
        .is_ok();
    if !(root && setpriv) {
        eprintln!("skipped: needs root and setpriv to act as another uid");
        return None;
    }
    Some(())
}

#[test]
fn a_socket_directory_owned_by_another_uid_is_refused() {
    let bg = Bg::new();
    let theirs = bg.dir.join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
    let out = bg
        .cmd_at(&theirs.join("sock"), &["run", "--", "true"])
        .output()
        .unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("owned by uid 65534"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_server_of_another_uid_is_refused_by_the_client() {
    if as_another_uid().is_none() {
        return;
    }
    let bg = Bg::new();
    // Their own private directory, outside ours (which they cannot enter).
    let theirs = std::env::temp_dir().join(format!("bgmux-theirs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&theirs);
    std::fs::create_dir_all(theirs.join("state")).unwrap();
    for dir in [&theirs, &theirs.join("state")] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(dir, Some(65534), Some(65534)).unwrap();
    }
    let socket = theirs.join("sock");
    let mut server = std::process::Command::new("setpriv")
        .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
        .arg(crate::support::BIN)
        .arg("-S")
        .arg(&socket)
        .args(["-f", "/dev/null", "server", "--state-dir"])
        .arg(theirs.join("state"))
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The server closes its stderr once it listens.
    let mut started = String::new();
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut started)
        .unwrap();
    assert!(started.is_empty(), "{started}");
    let out = bg.cmd_at(&socket, &["ls"]).output().unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&theirs);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("runs as uid 65534, not you"), "{err}");
}

/// The inodes of the sockets in a /proc/net table.
fn socket_inodes(table: &str) -> Vec<String> {
    table
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(9).map(str::to_owned))
        .collect()
}

#[test]
fn the_server_listens_on_its_unix_socket_only() {
    let bg = Bg::new();
    bg.ok(&["start-server"]);
    let server = bg.server_process();
    let sockets: Vec<String> = std::fs::read_dir(format!("/proc/{server}/fd"))
        .unwrap()
        .flatten()
        .filter_map(|e| std::fs::read_link(e.path()).ok())
        .filter_map(|l| {
            let l = l.to_string_lossy().into_owned();
            Some(l.strip_prefix("socket:[")?.strip_suffix(']')?.to_owned())
        })
        .collect();
    let unix = std::fs::read_to_string(format!("/proc/{server}/net/unix")).unwrap();
    let unix: Vec<String> = unix
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(6).map(str::to_owned))
        .collect();
    assert!(!sockets.is_empty());
    for table in ["tcp", "tcp6", "udp", "udp6", "raw", "raw6"] {
        let inet = std::fs::read_to_string(format!("/proc/{server}/net/{table}"))
            .map(|t| socket_inodes(&t))
            .unwrap_or_default();
        assert!(
            sockets.iter().all(|s| !inet.contains(s)),
            "the server has a {table} socket"
        );
    }
    assert!(
        sockets.iter().all(|s| unix.contains(s)),
        "every socket of the server is a Unix socket: {sockets:?}"
    );
}

/// One bad connection of each kind the test below cycles through.
fn bad_frames() -> Vec<Vec<u8>> {
    let mut partial = hello(PROTOCOL_VERSION);
    partial.extend_from_slice(&(16u32 << 20).to_le_bytes());
    partial.extend_from_slice(&[0u8; 64 * 1024]);
    vec![
        b"GET / HTTP/1.1\r\n\r\n".to_vec(),
        [
            hello(PROTOCOL_VERSION),
            (64u32 << 20).to_le_bytes().to_vec(),
        ]
        .concat(),
        [
            hello(PROTOCOL_VERSION),
            vec![5, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff],
        ]
        .concat(),
        [hello(PROTOCOL_VERSION), vec![3, 0, 0, 0, 7, 1, 2]].concat(),
        [hello(PROTOCOL_VERSION), vec![9, 0, 0]].concat(),
        hello(PROTOCOL_VERSION + 1),
        partial,
        vec![0xff; 4096],
    ]
}

/// Sends `bytes` on a new connection, hangs up its writing side, and reads
/// until the server closes it.
fn one_bad_connection(bg: &Bg, bytes: &[u8]) {
    let mut s = UnixStream::connect(&bg.socket).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let _ = s.write_all(bytes);
    let _ = s.shutdown(std::net::Shutdown::Write);
    let _ = s.read_to_end(&mut Vec::new());
}

#[test]
fn bad_frames_by_the_thousand_leave_the_server_serving_in_bounded_memory() {
    let bg = Bg::new();
    bg.ok(&["start-server"]);
    let id = bg.sh("echo still-here; exec sleep 600");
    let server = bg.server_process();
    let kinds = bad_frames();
    // Warm up: the allocator's arenas and the log's buffers settle.
    for bytes in kinds.iter().cycle().take(80) {
        one_bad_connection(&bg, bytes);
    }
    let before = crate::support::rss_kb(server);
    for (n, bytes) in kinds.iter().cycle().take(1600).enumerate() {
        one_bad_connection(&bg, bytes);
        if n % 200 == 0 {
            let (screen, _) = crate::peer::timed_capture(&bg, id);
            assert!(screen.contains("still-here"), "others are served meanwhile");
        }
    }
    let after = crate::support::rss_kb(server);
    // Peers that claim 16 MiB frames, send 64 KiB of each, and wait.
    let held: Vec<UnixStream> = (0..32)
        .map(|_| {
            let mut s = UnixStream::connect(&bg.socket).unwrap();
            s.write_all(&kinds[6]).unwrap();
            s
        })
        .collect();
    let (screen, _) = crate::peer::timed_capture(&bg, id);
    assert!(screen.contains("still-here"));
    let holding = crate::support::rss_kb(server);
    drop(held);
    eprintln!("server RSS: {before} kB, {after} kB after 1600 bad connections, {holding} kB with 32 half-sent 16 MiB frames");
    assert!(after < before + 4096, "{before} kB -> {after} kB");
    assert!(
        holding < before + 32 * 1024,
        "{before} kB -> {holding} kB while holding"
    );
    assert!(bg.server_up());
    assert_eq!(bg.task(id)["status"], "running");
}
