//! Review mode under a real pty (SPEC §7): scroll back to the very first
//! line (past the in-memory history, from the disk log), search, select
//! and copy, while the task keeps printing.

use crate::support::{wait_until, Bg, Outer, SECS10};

fn attach(bg: &Bg, task: &str) -> Outer {
    let outer = Outer::spawn(bg.cmd(&["attach", task]), 100, 30);
    outer.wait_for("[bgmux]");
    outer
}

#[test]
fn review_reaches_line_1_and_finds_line_123456_past_the_history() {
    let bg = Bg::new();
    bg.ok(&[
        "run",
        "--name",
        "nums",
        "--",
        "/bin/sh",
        "-c",
        "seq -f 'line %g' 1 200000; read x",
    ]);
    wait_until("the task printed everything", SECS10, || {
        (bg.task(1)["status"] == "waiting").then_some(())
    });
    let mut outer = attach(&bg, "nums");
    outer.wait_for("line 200000");
    outer.type_bytes(b"\x02[");
    outer.wait_for("[row ");
    outer.type_bytes(b"g");
    let screen = outer.wait_for("[row 1 / ");
    assert!(
        screen.starts_with("line 1 "),
        "the first line of output: {screen}"
    );
    outer.type_bytes(b"/line 123456\r");
    let screen = outer.wait_for("[row 123 456 / ");
    assert!(
        screen.lines().any(|l| l.trim_end() == "line 123456"),
        "{screen}"
    );
    outer.type_bytes(b"n");
    outer.wait_for("search wrapped");
    outer.type_bytes(b"q");
    outer.wait_for("[bgmux] 1:nums");
}

#[test]
fn review_keeps_its_place_while_the_task_prints_and_copies_with_osc_52() {
    let bg = Bg::new();
    bg.ok(&[
        "run",
        "--name",
        "ticker",
        "--",
        "/bin/sh",
        "-c",
        "echo FIRST-ROW; i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.01; done",
    ]);
    let mut outer = attach(&bg, "ticker");
    outer.wait_for("tick 5");
    outer.type_bytes(b"\x02[g");
    outer.wait_for("[row 1 / ");
    let before = outer.screen();
    assert!(before.starts_with("FIRST-ROW"), "{before}");
    // The task keeps printing; the view does not move.
    wait_until("more output arrived", SECS10, || {
        let out = bg.ok(&["capture", "ticker"]);
        out.contains("tick 300").then_some(())
    });
    assert!(
        outer.screen().starts_with("FIRST-ROW"),
        "the view stayed on the first row"
    );
    // v selects from the cursor, y copies through OSC 52 and leaves.
    outer.type_bytes(b"vly");
    let raw = wait_until("the copy reached the outer terminal", SECS10, || {
        let raw = crate::support::text(&outer.raw());
        raw.contains("\x1b]52;c;").then_some(raw)
    });
    // "FI" in base64.
    assert!(
        raw.contains("\x1b]52;c;Rkk=\x07"),
        "{}",
        &raw[raw.find("\x1b]52").unwrap_or(0)..][..20]
    );
    outer.wait_for("copied 2 characters");
}

#[test]
fn page_up_enters_review_a_page_back() {
    let bg = Bg::new();
    bg.ok(&[
        "run",
        "--name",
        "p",
        "--",
        "/bin/sh",
        "-c",
        "seq 1 200; read x",
    ]);
    let mut outer = attach(&bg, "p");
    outer.wait_for("200");
    outer.type_bytes(b"\x02\x1b[5~");
    let screen = outer.wait_for("[row ");
    assert!(!screen.contains("\n200\n"), "scrolled up a page: {screen}");
}
