//! Frames written by the server straight to the attached client's terminal,
//! and keys read by it from there (`server/direct.rs`): the server holds
//! the terminal only while the client is attached, reads the keys typed on
//! it, ends the attachment when it hangs up, `BGMUX_DIRECT_OUTPUT=0` keeps
//! frames and keys on the socket, and a client that leaves on its own gets
//! nothing from the server after it has restored its terminal.

use std::io::Write;

use std::os::fd::AsRawFd;

use crate::support::{spawn_on_pty, text, wait_until, Bg, Outer, SECS10};

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

/// Waits until the server (started with `-v`) has taken over the
/// terminal of a client: from then on it reads the keys, whatever the
/// client does.
fn wait_for_handover(bg: &Bg) {
    let server = bg.server_process();
    let log = bg.state.join(format!("bgmux-server-{server}.log"));
    wait_until("the server takes over the terminal", SECS10, || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("the server writes to and reads its terminal")
            .then_some(())
    });
}

/// Stops or continues the client `pid` (a test's own child).
fn signal(pid: u32, sig: libc::c_int) {
    // SAFETY: signalling a process this test started.
    assert_eq!(unsafe { libc::kill(pid as i32, sig) }, 0);
}

#[test]
fn the_server_reads_the_keys_typed_on_the_client_terminal() {
    let bg = Bg::new();
    // With -v the server logs when it takes the terminal over.
    assert!(bg.cmd(&["-v", "start-server"]).status().unwrap().success());
    bg.ok(&["run", "--name", "sh", "--", "/bin/sh"]);
    let mut outer = Outer::spawn(bg.cmd(&["attach", "sh"]), 80, 24);
    outer.wait_for("[bgmux] 1:sh");
    // Keys typed once the handshake is done reach the task; the client
    // may or may not have read these ones.
    outer.type_bytes(b"echo fir''st\r");
    outer.wait_for("first");
    wait_for_handover(&bg);
    // A stopped client reads nothing: whatever reaches the task now was
    // read by the server, and drawn by it.
    signal(outer.child.id(), libc::SIGSTOP);
    outer.type_bytes(b"echo sec''ond\r");
    outer.wait_for("second");
    signal(outer.child.id(), libc::SIGCONT);
    outer.type_bytes(b"\x02d");
    assert!(outer.wait_exit().success());
}

#[test]
fn keys_typed_while_the_terminal_is_handed_over_arrive_once_and_in_order() {
    let bg = Bg::new();
    let out = bg.dir.join("typed");
    // The task keeps every byte it gets, and shows nothing.
    let script = format!("stty raw -echo; exec cat > {}", out.display());
    bg.ok(&["run", "--name", "keep", "--", "/bin/sh", "-c", &script]);
    let mut typed = String::new();
    // A race shows only now and then: hand the terminal over eight times.
    for round in 0..8 {
        let mut outer = Outer::spawn(bg.cmd(&["attach", "keep"]), 80, 24);
        let server = bg.server_process();
        let tty = client_tty(&outer);
        // Type from the client's start on, through its attach and the
        // handshake, until the server holds the terminal and a while
        // after: the first keys go through the client, the last through
        // the server. Until the client is in raw mode its terminal holds
        // at most a line of 4 095 bytes, so the first burst stops short
        // of that, and a slow handshake is waited for.
        let start = typed.len();
        let mut word = 0;
        let mut type_word = |outer: &mut Outer, typed: &mut String| {
            let w = format!("r{round}k{word:03} ");
            outer.type_bytes(w.as_bytes());
            typed.push_str(&w);
            word += 1;
        };
        while fds_on(server, &tty) == 0 && typed.len() - start < 3000 {
            type_word(&mut outer, &mut typed);
        }
        wait_until(
            &format!("round {round}: the server opens the terminal"),
            SECS10,
            || (fds_on(server, &tty) == 1).then_some(()),
        );
        for _ in 0..40 {
            type_word(&mut outer, &mut typed);
        }
        wait_until("the task has every key", SECS10, || {
            let got = std::fs::read_to_string(&out).unwrap_or_default();
            (got.len() >= typed.len()).then_some(())
        });
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            typed,
            "round {round}"
        );
        outer.type_bytes(b"\x02d");
        assert!(outer.wait_exit().success());
    }
}

#[test]
fn a_terminal_that_hangs_up_ends_the_attachment_the_server_reads() {
    let bg = Bg::new();
    // With -v the server logs why the attachment ended.
    assert!(bg.cmd(&["-v", "start-server"]).status().unwrap().success());
    bg.ok(&["run", "--name", "sh", "--", "/bin/sh"]);
    // A terminal of this test's own, read only here (without blocking), so
    // that closing its master hangs it up.
    let (mut master, mut client) = spawn_on_pty(bg.cmd(&["attach", "sh"]), 80, 24);
    // SAFETY: fcntl on the master this test owns.
    unsafe {
        let fd = master.as_raw_fd();
        libc::fcntl(
            fd,
            libc::F_SETFL,
            libc::fcntl(fd, libc::F_GETFL) | libc::O_NONBLOCK,
        );
    }
    let tty = std::fs::read_link(format!("/proc/{}/fd/1", client.id())).unwrap();
    let mut seen = Vec::new();
    let mut shows = |master: &mut std::fs::File, needle: &str| {
        use std::io::Read;
        let mut buf = [0u8; 65536];
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        text(&seen).contains(needle)
    };
    wait_until("the client is attached", SECS10, || {
        shows(&mut master, "[bgmux] 1:sh").then_some(())
    });
    wait_for_handover(&bg);
    // Stopped, the client can neither read the keys nor notice the
    // hang-up: the server does both.
    signal(client.id(), libc::SIGSTOP);
    master.write_all(b"echo rea''d\r").unwrap();
    wait_until("the server reads and draws the keys", SECS10, || {
        shows(&mut master, "read").then_some(())
    });
    let server = bg.server_process();
    assert_eq!(fds_on(server, &tty), 1);
    drop(master);
    wait_until("the server lets the hung-up terminal go", SECS10, || {
        (fds_on(server, &tty) == 0).then_some(())
    });
    wait_until("no client is attached", SECS10, || {
        (bg.ls()[0]["attached_clients"] == 0).then_some(())
    });
    // Ended by the hang-up itself, not by a frame that failed to go out.
    let log = bg.state.join(format!("bgmux-server-{server}.log"));
    let log = std::fs::read_to_string(log).unwrap();
    assert!(log.contains("its terminal hung up or closed"), "{log}");
    signal(client.id(), libc::SIGCONT);
    wait_until("the client exits", SECS10, || client.try_wait().unwrap());
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
