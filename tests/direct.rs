//! Frames written by the server straight to the attached client's terminal
//! (`server/direct.rs`): the server holds the terminal only while the
//! client is attached, `BGMUX_DIRECT_OUTPUT=0` keeps frames on the socket,
//! and a client that leaves on its own gets nothing from the server after
//! it has restored its terminal.

use std::io::Write;

use crate::support::{text, wait_until, Bg, Outer, SECS10};

/// How many of `pid`'s fds are open on `target` (a path like /dev/pts/3).
fn fds_on(pid: i32, target: &std::path::Path) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|dir| {
            dir.flatten()
                .filter(|e| std::fs::read_link(e.path()).is_ok_and(|p| p == target))
                .count()
        })
        .unwrap_or(0)
}

/// The terminal the client in `outer` writes to.
fn client_tty(outer: &Outer) -> std::path::PathBuf {
    std::fs::read_link(format!("/proc/{}/fd/1", outer.child.id())).unwrap()
}

#[test]
fn the_server_writes_frames_to_the_client_terminal_while_it_is_attached() {
    let bg = Bg::new();
    bg.ok(&["run", "--name", "sh", "--", "/bin/sh"]);
    let mut outer = Outer::spawn(bg.cmd(&["attach", "sh"]), 80, 24);
    outer.wait_for("[bgmux] 1:sh");
    let server = bg.server_process();
    let tty = client_tty(&outer);
    wait_until("the server opens the client's terminal", SECS10, || {
        (fds_on(server, &tty) == 1).then_some(())
    });
    outer.type_bytes(b"echo dir''ect\r");
    outer.wait_for("direct");
    outer.type_bytes(b"\x02d");
    assert!(outer.wait_exit().success());
    assert_eq!(
        fds_on(server, &tty),
        0,
        "the server closed the terminal before the client left"
    );
    wait_until("the client says it detached", SECS10, || {
        text(&outer.raw())
            .contains("[detached from bgmux]")
            .then_some(())
    });
}

#[test]
fn bgmux_direct_output_0_keeps_every_frame_on_the_socket() {
    let bg = Bg::new();
    bg.ok(&["run", "--name", "sh", "--", "/bin/sh"]);
    let mut attach = bg.cmd(&["attach", "sh"]);
    attach.env("BGMUX_DIRECT_OUTPUT", "0");
    let mut outer = Outer::spawn(attach, 80, 24);
    outer.wait_for("[bgmux] 1:sh");
    outer.type_bytes(b"echo sock''et\r");
    outer.wait_for("socket");
    let server = bg.server_process();
    assert_eq!(fds_on(server, &client_tty(&outer)), 0);
    outer.type_bytes(b"\x02d");
    assert!(outer.wait_exit().success());
}

/// A task that redraws its screen with new numbers without a pause, so
/// that frames are always on their way to the client's terminal.
const FLOOD: &str = "i=0; while :; do i=$((i+1)); printf '\\033[H\\033[2J'; seq $i $((i+30)); done";

/// Opens a terminal for writing, without waiting when it is full.
fn open_tty(path: &std::path::Path) -> std::fs::File {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::File::options()
        .write(true)
        .custom_flags(libc::O_NOCTTY | libc::O_NONBLOCK)
        .open(path)
        .unwrap()
}

/// Waits until the terminal `tty`, which nobody reads, takes no more
/// bytes: filled with NULs, which terminals ignore (ECMA-48 defines NUL
/// as a fill character).
fn fill(tty: &mut std::fs::File) {
    // Big pieces first, then single bytes: the last bit of room would take
    // a small frame.
    for piece in [4096, 1] {
        wait_until("the terminal is full", SECS10, || loop {
            match tty.write(&[0u8; 4096][..piece]) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break Some(()),
                Err(e) => panic!("filling the terminal: {e}"),
            }
        });
    }
}

#[test]
fn a_signalled_client_gets_no_frame_after_it_restored_its_terminal() {
    let bg = Bg::new();
    // With -v the server logs when the terminal stops taking its frames.
    assert!(bg.cmd(&["-v", "start-server"]).status().unwrap().success());
    let id = bg.sh(FLOOD).to_string();
    for round in 0..3 {
        let mut outer = Outer::spawn(bg.cmd(&["attach", &id]), 80, 24);
        outer.wait_for("[bgmux]");
        let server = bg.server_process();
        let tty = client_tty(&outer);
        wait_until("the server opens the client's terminal", SECS10, || {
            (fds_on(server, &tty) == 1).then_some(())
        });
        // Held open, the terminal outlives the client: what the server may
        // still write after the client is gone can arrive and be seen.
        let mut held = open_tty(&tty);
        // The terminal stops reading, so the server's frames pile up
        // unwritten; the client is told to go meanwhile.
        let log = bg.state.join(format!("bgmux-server-{server}.log"));
        let blocked = || {
            std::fs::read_to_string(&log)
                .unwrap_or_default()
                .matches("the terminal takes no more")
                .count()
        };
        let before = blocked();
        outer.set_paused(true);
        fill(&mut held);
        wait_until("the server has a frame it cannot write", SECS10, || {
            (blocked() > before).then_some(())
        });
        // SAFETY: signalling the client this test started.
        unsafe { libc::kill(outer.child.id() as i32, libc::SIGTERM) };
        outer.set_paused(false);
        outer.wait_exit();
        // Whatever the server wrote is before this in the terminal.
        wait_until("the server closes the terminal", SECS10, || {
            (fds_on(server, &tty) == 0).then_some(())
        });
        held.write_all(b"--end of round--").unwrap();
        let raw = wait_until("the terminal shows the end", SECS10, || {
            let raw = text(&outer.raw());
            raw.contains("--end of round--").then_some(raw)
        });
        let restored = raw.rfind("\x1b[?1049l").unwrap() + "\x1b[?1049l".len();
        let after = &raw[restored..raw.rfind("--end of round--").unwrap()];
        assert_eq!(
            after.trim_end(),
            "[detached from bgmux: terminal closed or signalled]",
            "round {round}: nothing of a frame after the restore"
        );
    }
}
