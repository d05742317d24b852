//! The `waiting` status (SPEC §2, issue: waiting detection): blocked on the
//! terminal and quiet means waiting; sleeping, busy or stopped does not.

use std::time::{Duration, Instant};

use crate::support::{wait_until, Bg};

/// Long enough for the ~1 s quiet time plus a check, on a loaded machine.
const WITHIN: Duration = Duration::from_millis(2500);

fn becomes_waiting(bg: &Bg, id: u64) {
    wait_until(&format!("task {id} is waiting"), WITHIN, || {
        (bg.task(id)["status"] == "waiting").then_some(())
    });
}

/// Polls for `WITHIN` that none of `ids` shows as waiting.
fn never_waiting(bg: &Bg, ids: &[u64]) {
    let until = Instant::now() + WITHIN;
    while Instant::now() < until {
        for t in bg
            .ls()
            .iter()
            .filter(|t| ids.iter().any(|id| t["id"] == *id))
        {
            assert_ne!(t["status"], "waiting", "should not be waiting: {t}");
        }
        std::thread::sleep(Duration::from_millis(100)); // poll interval of this negative check, like wait_until
    }
}

#[test]
fn a_shell_read_is_waiting_and_input_resumes_it() {
    let bg = Bg::new();
    let id = bg.sh("read x; echo got-$x; sleep 100");
    becomes_waiting(&bg, id);
    bg.ok(&["send", &id.to_string(), "--enter", "it"]);
    wait_until("the task runs again", WITHIN, || {
        (bg.task(id)["status"] == "running").then_some(())
    });
}

#[test]
fn sleeping_busy_and_stopped_tasks_are_not_waiting() {
    let bg = Bg::new();
    let sleeping = bg.sh("sleep 100");
    let busy = bg.sh("yes > /dev/null");
    let stopped = bg.sh("read x");
    becomes_waiting(&bg, stopped);
    let pid = bg.task(stopped)["pid"].as_i64().unwrap() as i32;
    // SAFETY: stopping the task's own shell, started by this test.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    wait_until("the stopped task is no longer waiting", WITHIN, || {
        (bg.task(stopped)["status"] == "running").then_some(())
    });
    never_waiting(&bg, &[sleeping, busy, stopped]);
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGCONT) };
}

#[test]
fn programs_in_raw_mode_waiting_for_a_key_are_waiting() {
    let bg = Bg::new();
    let python = bg.ok(&[
        "run",
        "--",
        "python3",
        "-c",
        "import sys, tty; print('continue? [y/N] ', end='', flush=True); tty.setraw(0); sys.stdin.read(1)",
    ]);
    becomes_waiting(&bg, python.trim().parse().unwrap());
    let prompt = bg.ok(&["run", "--", "python3", "-c", "input('name? ')"]);
    becomes_waiting(&bg, prompt.trim().parse().unwrap());
    let file = bg.dir.join("edit.txt");
    std::fs::write(&file, "hello\n").unwrap();
    let vim = bg.ok(&[
        "run",
        "--",
        "vim",
        "-u",
        "NONE",
        "-N",
        file.to_str().unwrap(),
    ]);
    let vim: u64 = vim.trim().parse().unwrap();
    becomes_waiting(&bg, vim);
    bg.ok(&[
        "send",
        &vim.to_string(),
        "--keys",
        "Escape",
        ":",
        "q",
        "!",
        "Enter",
    ]);
    assert_eq!(bg.run(&["wait", &vim.to_string()]).status.code(), Some(0));
}
