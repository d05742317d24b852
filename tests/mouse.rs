//! The mouse (SPEC §4, §7, §8): with `mouse = true` a click focuses a pane
//! and the wheel scrolls into review mode; a task that asked for the mouse
//! gets reports in its own pane's coordinates.

use crate::support::{wait_until, Bg, Outer, SECS10};

/// An SGR (mode 1006) report at 0-based (`col`, `row`).
fn click(code: u16, col: u16, row: u16) -> Vec<u8> {
    format!("\x1b[<{code};{};{}M", col + 1, row + 1).into_bytes()
}

#[test]
fn a_click_focuses_a_pane_and_the_wheel_enters_review() {
    let bg = Bg::with_config("mouse = true\n");
    bg.ok(&[
        "run",
        "--name",
        "left",
        "--",
        "/bin/sh",
        "-c",
        "seq 1 100; read x",
    ]);
    bg.ok(&["run", "--name", "right", "--", "/bin/sh", "-c", "read x"]);
    let mut outer = Outer::spawn(bg.cmd(&["attach", "left"]), 81, 25);
    outer.wait_for("[bgmux]");
    outer.type_bytes(b"\x02:split left right\r");
    outer.wait_for(" 2 right — ");
    assert!(
        crate::support::text(&outer.raw()).contains("\x1b[?1006h"),
        "mouse reporting is on"
    );
    outer.type_bytes(&click(0, 60, 5));
    outer.wait_for("[bgmux] 2:right");
    outer.type_bytes(&click(0, 10, 5));
    outer.wait_for("[bgmux] 1:left");
    outer.type_bytes(&click(64, 10, 5));
    outer.wait_for("[row ");
    outer.type_bytes(b"q");
    wait_until("review mode ends", SECS10, || {
        (!outer.screen().contains("[row ")).then_some(())
    });
}

#[test]
fn a_task_that_asked_for_the_mouse_gets_pane_relative_reports() {
    let bg = Bg::new();
    let script = "printf '\\033[?1000h\\033[?1006h'; stty -echo raw; head -c 9 | od -c; sleep 30";
    bg.ok(&["run", "--name", "left", "--", "/bin/sh", "-c", "sleep 30"]);
    bg.ok(&["run", "--name", "mouser", "--", "/bin/sh", "-c", script]);
    let mut outer = Outer::spawn(bg.cmd(&["attach", "left"]), 81, 25);
    outer.wait_for("[bgmux]");
    outer.type_bytes(b"\x02:split left mouser\r\x02o");
    outer.wait_for("[bgmux] 2:mouser");
    // The right pane's content starts at column 41, row 1 (under its title).
    outer.type_bytes(&click(0, 45, 3));
    // The task sees column 5, row 3 (1-based): ESC [ < 0 ; 5 ; 3 M.
    // (od's line is wider than the pane, so the final M wraps.)
    outer.wait_for("<   0   ;   5   ;   3");
}
