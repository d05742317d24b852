//! The attached client under a real pty: what it draws, the prefix keys,
//! and that the outer terminal is restored on every way out.

use crate::support::{Bg, Outer};

fn cooked(outer: &Outer) -> bool {
    let t = outer.termios();
    t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0
}

#[test]
fn attach_draws_the_task_and_prefix_d_detaches_and_restores_the_terminal() {
    let bg = Bg::new();
    bg.ok(&["run", "--name", "shell", "--", "/bin/sh"]);
    let mut outer = Outer::spawn(bg.cmd(&["attach", "shell"]), 80, 24);
    let screen = outer.wait_for("[bgmux] 1:shell");
    assert!(!cooked(&outer), "the client runs in raw mode: {screen}");
    outer.type_bytes(b"echo hel''lo-from-the-test\r");
    outer.wait_for("hello-from-the-test");
    outer.type_bytes(b"\x02d");
    assert!(outer.wait_exit().success());
    let raw = crate::support::wait_until(
        "the client says it detached",
        crate::support::SECS10,
        || {
            let raw = crate::support::text(&outer.raw());
            raw.contains("[detached from bgmux]").then_some(raw)
        },
    );
    assert!(raw.contains("\x1b[?1049l"), "left the alternate screen");
    assert!(cooked(&outer), "the terminal is back in cooked mode");
    assert_eq!(bg.task(1)["status"], "running", "the task runs on");
}

#[test]
fn resizing_the_outer_terminal_resizes_the_task() {
    let bg = Bg::new();
    bg.ok(&["run", "--name", "sh", "--", "/bin/sh"]);
    let mut outer = Outer::spawn(bg.cmd(&["attach", "sh"]), 80, 24);
    outer.wait_for("[bgmux] 1:sh");
    outer.type_bytes(b"stty size\r");
    outer.wait_for("23 80");
    outer.resize(100, 30);
    crate::support::wait_until("the task has the new size", crate::support::SECS10, || {
        (bg.task(1)["size"]["cols"] == 100).then_some(())
    });
    outer.type_bytes(b"stty size\r");
    outer.wait_for("29 100");
}
