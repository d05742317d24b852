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

#[test]
fn the_config_sets_prefix_shell_and_bindings_and_the_first_attach_shows_a_hint_once() {
    let bg = Bg::with_config(
        "prefix = \"C-a\"\ndefault-shell = \"/bin/cat\"\n[bindings]\nq = \"/detach\"\n",
    );
    bg.first_attach();
    let mut outer = Outer::spawn(bg.cmd(&[]), 80, 24);
    outer.wait_for("prefix is C-a: C-a d detach, C-a t tasks");
    assert_eq!(
        bg.task(1)["command"][0],
        "/bin/cat",
        "default-shell starts plain bgmux's task"
    );
    outer.type_bytes(b"\x02d\x01d");
    assert!(
        outer.wait_exit().success(),
        "C-a d detaches; C-b is just a key now"
    );
    crate::support::wait_until(
        "the client says it detached",
        crate::support::SECS10,
        || {
            crate::support::text(&outer.raw())
                .contains("[detached from bgmux]")
                .then_some(())
        },
    );

    let mut outer = Outer::spawn(bg.cmd(&["attach"]), 80, 24);
    let screen = outer.wait_for("[bgmux] 1:");
    assert!(
        !screen.contains("prefix is"),
        "the hint is shown once per state dir: {screen}"
    );
    outer.type_bytes(b"\x01q");
    assert!(outer.wait_exit().success(), "C-a q runs the bound /detach");
}
