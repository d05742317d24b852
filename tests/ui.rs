//! The attached client's features of SPEC §4–§6 under a real pty: the
//! switcher, the command prompt, `/bg`, notifications on the status line.

use crate::support::{wait_until, Bg, Outer, SECS10};

/// Attaches to task `task` on a 100×30 outer terminal.
fn attach(bg: &Bg, task: &str) -> Outer {
    let outer = Outer::spawn(bg.cmd(&["attach", task]), 100, 30);
    outer.wait_for("[bgmux]");
    outer
}

#[test]
fn the_switcher_lists_tasks_with_status_and_previews_the_selected_one() {
    let bg = Bg::new();
    let failed = bg.sh("echo first-output; exit 3");
    assert_eq!(
        bg.run(&["wait", &failed.to_string()]).status.code(),
        Some(3)
    );
    bg.ok(&[
        "run",
        "--name",
        "printer",
        "--",
        "/bin/sh",
        "-c",
        "echo preview-me; sleep 30",
    ]);
    bg.ok(&["run", "--name", "shell", "--", "/bin/sh"]);
    let mut outer = attach(&bg, "shell");
    outer.type_bytes(b"\x02t");
    let screen = outer.wait_for("tasks (3)");
    let row = screen
        .lines()
        .find(|l| l.contains("failed (exit 3)"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(row.contains(" 1 "), "{row}");
    assert!(
        screen
            .lines()
            .any(|l| l.contains("printer") && l.contains("running")),
        "{screen}"
    );
    // The shell is selected; move up to the printer and its screen shows.
    outer.type_bytes(b"k");
    outer.wait_for("preview-me");
    outer.type_bytes(b"k");
    outer.wait_for("first-output");
    // Enter brings the selected task into view.
    outer.type_bytes(b"jj\r");
    outer.wait_for("[bgmux] 3:shell");
}

#[test]
fn marking_tasks_in_the_switcher_shows_them_split() {
    let bg = Bg::new();
    bg.ok(&[
        "run",
        "--name",
        "left",
        "--",
        "/bin/sh",
        "-c",
        "echo LEFT-MARKER; sleep 30",
    ]);
    bg.ok(&[
        "run",
        "--name",
        "right",
        "--",
        "/bin/sh",
        "-c",
        "echo RIGHT-MARKER; sleep 30",
    ]);
    let mut outer = attach(&bg, "left");
    outer.type_bytes(b"\x02t");
    outer.wait_for("tasks (2)");
    outer.type_bytes(b"gg  s");
    let screen = outer.wait_for("RIGHT-MARKER");
    let line = screen
        .lines()
        .find(|l| l.contains("LEFT-MARKER"))
        .unwrap_or_else(|| panic!("{screen}"));
    let (l, r) = (
        line.find("LEFT-MARKER").unwrap(),
        line.find("RIGHT-MARKER").unwrap(),
    );
    assert!(l < 50 && r > 50, "side by side: {line}");
}

#[test]
fn bg_from_the_prompt_types_the_text_then_frees_the_terminal() {
    let bg = Bg::new();
    bg.ok(&["run", "--name", "work", "--", "/bin/sh"]);
    let mut outer = attach(&bg, "work");
    outer.type_bytes(b"\x02:bg echo hi-from-bg\r");
    outer.wait_for("[1] sent to the background");
    wait_until("the text ran in task 1", SECS10, || {
        bg.ok(&["log", "1"])
            .contains("hi-from-bg\nhi-from-bg")
            .then_some(())
    });
    bg.wait_status(1, "waiting");
    let shown = bg.task(2);
    assert_eq!(shown["attached_clients"], 1);
    assert_eq!(bg.task(1)["attached_clients"], 0);
}

#[test]
fn prefix_b_and_bgmux_bg_inside_a_task_background_it() {
    let bg = Bg::new();
    bg.ok(&["run", "--name", "one", "--", "/bin/sh"]);
    let mut outer = attach(&bg, "one");
    outer.type_bytes(b"\x02b");
    outer.wait_for("[1] sent to the background");
    wait_until("a new shell is in view", SECS10, || {
        (bg.task(2)["attached_clients"] == 1).then_some(())
    });
    let cmd = format!("{} bg echo typed-by-bg\r", crate::support::BIN);
    outer.type_bytes(cmd.as_bytes());
    outer.wait_for("[2] sent to the background");
    wait_until("a third shell is in view", SECS10, || {
        (bg.task(3)["attached_clients"] == 1).then_some(())
    });
    wait_until("task 2 ran the text", SECS10, || {
        let log = bg.ok(&["log", "2"]);
        // The shell echoes the typeahead early, then prints the output after its prompt.
        log.lines()
            .any(|l| l.trim_start_matches("# ") == "typed-by-bg")
            .then_some(())
    });
    let err = bg.fails(&["bg", "nothing"]);
    assert!(err.contains("inside a bgmux task"), "{err}");
}

#[test]
fn a_background_task_that_ends_pings_the_status_line() {
    let bg = Bg::new();
    bg.ok(&["run", "--name", "front", "--", "/bin/sh"]);
    let outer = attach(&bg, "front");
    bg.ok(&["run", "--name", "tests", "--", "/bin/sh", "-c", "exit 101"]);
    let screen = outer.wait_for("[2] tests — failed (exit 101) after");
    assert!(screen.contains("1 new"), "{screen}");
    assert!(outer.raw().contains(&0x07), "the bell rang");
}

#[test]
fn the_prompt_reports_unknown_commands_and_unknown_tasks() {
    let bg = Bg::new();
    bg.ok(&["run", "--name", "p", "--", "/bin/sh"]);
    let mut outer = attach(&bg, "p");
    outer.type_bytes(b"\x02:frobnicate\r");
    outer.wait_for("unknown command /frobnicate");
    outer.type_bytes(b"\x02:fg 999\r");
    outer.wait_for("no task 999");
    outer.type_bytes(b"\x02:ta\t");
    outer.wait_for(":/tasks");
    outer.type_bytes(b"\r");
    outer.wait_for("tasks (1)");
    outer.type_bytes(b"q");
    outer.wait_for("[bgmux] 1:p");
}

#[test]
fn the_status_line_can_move_to_the_top_or_go() {
    let bg = Bg::with_config("status-position = \"top\"\n");
    bg.ok(&[
        "run",
        "--name",
        "t",
        "--",
        "/bin/sh",
        "-c",
        "echo FIRST; read x",
    ]);
    let outer = attach(&bg, "t");
    let screen = outer.wait_for("FIRST");
    assert!(screen.starts_with("[bgmux] 1:t"), "{screen}");
    assert!(
        screen.lines().nth(1).unwrap().starts_with("FIRST"),
        "{screen}"
    );
    let bg = Bg::with_config("status-line = \"off\"\n");
    bg.ok(&[
        "run",
        "--name",
        "t",
        "--",
        "/bin/sh",
        "-c",
        "echo FIRST; read x",
    ]);
    let mut outer = Outer::spawn(bg.cmd(&["attach", "t"]), 100, 30);
    let screen = outer.wait_for("FIRST");
    assert!(!screen.contains("[bgmux]"), "{screen}");
    wait_until("the task has every row", SECS10, || {
        (bg.task(1)["size"]["rows"] == 30).then_some(())
    });
    outer.type_bytes(b"\x02:");
    outer.wait_for("\n:");
}

#[test]
fn bashes_is_tasks_and_bg_text_keeps_control_characters() {
    let bg = Bg::new();
    bg.ok(&[
        "run",
        "--name",
        "cat",
        "--",
        "/bin/sh",
        "-c",
        "stty -echo; od -c",
    ]);
    let mut outer = attach(&bg, "cat");
    outer.type_bytes(b"\x02:bashes\r");
    outer.wait_for("tasks (1)");
    outer.type_bytes(b"q");
    outer.wait_for("[bgmux] 1:cat");
    // A tab (entered with C-v, as Tab completes) is typed as it is; od shows it as \t.
    outer.type_bytes(b"\x02:bg a\x16\tb\r");
    outer.wait_for("[1] sent to the background");
    bg.ok(&["send", "cat", "--keys", "C-d"]);
    assert_eq!(bg.run(&["wait", "cat"]).status.code(), Some(0));
    let log = bg.ok(&["log", "cat"]);
    assert!(log.contains("a  \\t   b  \\n"), "{log}");
}
