//! The split view (SPEC §8): panes side by side and on top of each other,
//! each task sized to its pane, zoom, and ended panes that keep their screen.

use crate::support::{wait_until, Bg, Outer, SECS10};

fn attach(bg: &Bg, task: &str, cols: u16, rows: u16) -> Outer {
    let outer = Outer::spawn(bg.cmd(&["attach", task]), cols, rows);
    outer.wait_for("[bg");
    outer
}

/// The pty size of task `id` (rows, cols), once the task exists.
fn task_size(bg: &Bg, id: u64) -> (u64, u64) {
    bg.ls().iter().find(|t| t["id"] == id).map_or((0, 0), |t| {
        (
            t["size"]["rows"].as_u64().unwrap(),
            t["size"]["cols"].as_u64().unwrap(),
        )
    })
}

#[test]
fn split_panes_get_their_own_sizes_and_follow_the_outer_terminal() {
    let bg = Bg::new();
    bg.ok(&["run", "--name", "a", "--", "/bin/sh"]);
    let mut outer = attach(&bg, "a", 81, 25);
    outer.type_bytes(b"\x02%");
    outer.wait_for(" 2 /bin/sh — ");
    // 81 columns: two panes of 40 around a one-column rule; 24 rows less a title row.
    wait_until("both panes are sized", SECS10, || {
        (task_size(&bg, 1) == (23, 40) && task_size(&bg, 2) == (23, 40)).then_some(())
    });
    outer.type_bytes(b"stty size\r");
    outer.wait_for("23 40");
    outer.resize(121, 31);
    wait_until("the panes follow the terminal", SECS10, || {
        (task_size(&bg, 1) == (29, 60) && task_size(&bg, 2) == (29, 60)).then_some(())
    });
    outer.type_bytes(b"stty size\r");
    outer.wait_for("29 60");
    // Top/bottom split of the right pane.
    outer.type_bytes(b"\x02\"");
    outer.wait_for(" 3 /bin/sh — ");
    wait_until("the bottom pane is sized", SECS10, || {
        (task_size(&bg, 3).1 == 60 && task_size(&bg, 2).0 + task_size(&bg, 3).0 == 28).then_some(())
    });
}

#[test]
fn zoom_and_unzoom_the_focused_pane() {
    let bg = Bg::new();
    bg.ok(&["run", "--name", "a", "--", "/bin/sh"]);
    let mut outer = attach(&bg, "a", 80, 24);
    outer.type_bytes(b"\x02%");
    wait_until("two panes", SECS10, || {
        (task_size(&bg, 2).1 == 40).then_some(())
    });
    outer.type_bytes(b"\x02z");
    outer.wait_for("(zoomed)");
    wait_until("the zoomed task has the whole view", SECS10, || {
        (task_size(&bg, 2) == (23, 80)).then_some(())
    });
    outer.type_bytes(b"\x02z");
    wait_until("back to the split", SECS10, || {
        (task_size(&bg, 2) == (22, 40)).then_some(())
    });
    let screen = outer.screen();
    assert!(
        !screen.contains("(zoomed)") && screen.contains(" 1 a — "),
        "{screen}"
    );
}

#[test]
fn an_ended_pane_keeps_its_screen_and_shows_the_exit_status_until_closed() {
    let bg = Bg::new();
    bg.ok(&[
        "run",
        "--name",
        "keep",
        "--",
        "/bin/sh",
        "-c",
        "echo LAST-WORDS; read x; exit 5",
    ]);
    bg.ok(&["run", "--name", "other", "--", "/bin/sh"]);
    let mut outer = attach(&bg, "other", 100, 30);
    outer.type_bytes(b"\x02:split keep other\r");
    outer.wait_for("LAST-WORDS");
    bg.ok(&["send", "keep", "--enter", "bye"]);
    let screen = outer.wait_for("keep — failed (exit 5)");
    assert!(
        screen.contains("LAST-WORDS"),
        "the final screen stays: {screen}"
    );
    // The ended pane is the first, and focused: prefix x closes it.
    outer.type_bytes(b"\x02x");
    wait_until("the pane is closed", SECS10, || {
        (!outer.screen().contains("LAST-WORDS")).then_some(())
    });
    outer.wait_for("[bgmux] 2:other");
}

#[test]
fn a_pane_too_small_is_refused() {
    let bg = Bg::new();
    bg.ok(&["run", "--name", "a", "--", "/bin/sh"]);
    let mut outer = attach(&bg, "a", 5, 10);
    outer.type_bytes(b"\x02%\x02%");
    // Five columns show the start of the message.
    outer.wait_for("no ro");
    assert_eq!(bg.ls().len(), 2, "the refused split started no task");
}

#[test]
fn two_clients_have_their_own_views_and_the_last_active_sets_the_size() {
    let bg = Bg::new();
    bg.ok(&["run", "--name", "shared", "--", "/bin/sh"]);
    bg.ok(&["run", "--name", "other", "--", "/bin/sh"]);
    let mut wide = attach(&bg, "shared", 120, 40);
    wait_until("the wide client sized it", SECS10, || {
        (task_size(&bg, 1) == (39, 120)).then_some(())
    });
    let mut narrow = attach(&bg, "shared", 60, 20);
    wait_until("the newest client sized it", SECS10, || {
        (task_size(&bg, 1) == (19, 60)).then_some(())
    });
    wide.type_bytes(b"x");
    wait_until("typing makes the wide client active", SECS10, || {
        (task_size(&bg, 1) == (39, 120)).then_some(())
    });
    narrow.type_bytes(b"\x7f");
    wait_until("and back", SECS10, || {
        (task_size(&bg, 1) == (19, 60)).then_some(())
    });
    // Each client has its own view: the narrow one moves to task 2 alone.
    narrow.type_bytes(b"\x02n");
    narrow.wait_for("[bgmux] 2:other");
    assert!(
        wide.screen().contains("[bgmux] 1:shared"),
        "{}",
        wide.screen()
    );
    assert_eq!(bg.task(1)["attached_clients"], 1);
    assert_eq!(bg.task(2)["attached_clients"], 1);
}
