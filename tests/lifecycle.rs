//! Tasks from start to end: run, wait, exit codes and signals, logs on
//! disk, records that survive the server, kill and rm.

use std::time::Duration;

use crate::support::{text, wait_until, Bg, SECS10};

#[test]
fn run_prints_the_id_and_wait_returns_the_exit_code() {
    let bg = Bg::new();
    let id = bg.sh("echo out; exit 3");
    assert_eq!(id, 1);
    let out = bg.run(&["wait", "1"]);
    assert_eq!(out.status.code(), Some(3));
    let t = bg.task(1);
    assert_eq!(
        (t["status"].as_str(), t["exit_code"].as_i64()),
        (Some("failed"), Some(3))
    );
    assert!(t["ended_at"].is_string() && t["started_at"].is_string());
    assert_eq!(bg.sh("true"), 2, "ids count up");
    assert_eq!(bg.run(&["wait", "2"]).status.code(), Some(0));
    assert_eq!(bg.task(2)["status"], "done");
}

#[test]
fn a_signal_is_recorded_and_wait_returns_128_plus_n() {
    let bg = Bg::new();
    let id = bg.sh("kill -TERM $$");
    assert_eq!(
        bg.run(&["wait", &id.to_string()]).status.code(),
        Some(128 + 15)
    );
    let t = bg.task(id);
    assert_eq!(
        (t["status"].as_str(), t["signal"].as_i64()),
        (Some("killed"), Some(15))
    );
}

#[test]
fn wait_times_out_with_124_and_any_returns_the_first() {
    let bg = Bg::new();
    let slow = bg.sh("sleep 30").to_string();
    let fast = bg.sh("exit 4").to_string();
    assert_eq!(
        bg.run(&["wait", &slow, "--timeout", "0.2"]).status.code(),
        Some(124)
    );
    assert_eq!(
        bg.run(&["wait", &slow, &fast, "--any"]).status.code(),
        Some(4)
    );
    bg.ok(&["kill", &slow]);
    assert_eq!(
        bg.run(&["wait", &slow]).status.code(),
        Some(128 + 1),
        "default kill is SIGHUP"
    );
}

#[test]
fn log_raw_is_byte_identical_to_what_the_task_wrote() {
    let bg = Bg::new();
    let data: Vec<u8> = (0..10_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let file = bg.dir.join("data.bin");
    std::fs::write(&file, &data).unwrap();
    // -opost: the pty must not turn \n into \r\n, so the bytes stay the task's own.
    let id = bg.sh(&format!("stty -opost; cat {}", file.display()));
    assert_eq!(bg.run(&["wait", &id.to_string()]).status.code(), Some(0));
    let raw = bg.run(&["log", &id.to_string(), "--raw"]);
    assert!(raw.status.success());
    assert_eq!(raw.stdout.len(), data.len());
    assert!(
        raw.stdout == data,
        "log --raw differs from the task's output"
    );
    assert_eq!(
        bg.task(id)["output_bytes"].as_u64(),
        Some(data.len() as u64)
    );
}

#[test]
fn log_renders_text_lines() {
    let bg = Bg::new();
    let id = bg
        .sh("for i in $(seq 1 100); do printf '\\033[1mline\\033[0m %s\\n' $i; done")
        .to_string();
    bg.ok(&["wait", &id]);
    let log = bg.ok(&["log", &id]);
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 100, "{log}");
    assert_eq!(lines[0], "line 1");
    assert_eq!(lines[99], "line 100");
}

#[test]
fn records_and_logs_survive_kill_9_of_the_server() {
    let bg = Bg::new();
    let done = bg.sh("echo finished-output").to_string();
    bg.ok(&["wait", &done]);
    let live = bg.sh("echo before-the-crash; sleep 100");
    wait_until("the live task printed", SECS10, || {
        bg.ok(&["log", &live.to_string()])
            .contains("before-the-crash")
            .then_some(())
    });
    bg.wait_status(live, "running");
    let pid = bg.server_pid().unwrap();
    // SAFETY: signalling the server process this test started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    wait_until("the server is gone", SECS10, || {
        (!bg.server_up()).then_some(())
    });
    let tasks = bg.ls();
    assert_eq!(tasks.len(), 2);
    let by_id = |id: u64| tasks.iter().find(|t| t["id"] == id).unwrap().clone();
    assert_eq!(
        by_id(live)["status"],
        "running",
        "without a server, the record still says what it last knew"
    );
    assert!(bg
        .ok(&["log", &live.to_string()])
        .contains("before-the-crash"));
    // The next server marks the orphan lost and keeps its log readable.
    bg.ok(&["start-server"]);
    assert_eq!(bg.task(live)["status"], "lost");
    assert_eq!(bg.task(done.parse().unwrap())["status"], "done");
    assert!(bg
        .ok(&["log", &live.to_string()])
        .contains("before-the-crash"));
    assert!(bg
        .ok(&["capture", &live.to_string()])
        .contains("before-the-crash"));
    assert_eq!(bg.sh("true"), live + 1, "ids are not reused after a crash");
}

#[test]
fn ls_works_without_a_server_and_the_server_exits_when_idle() {
    let bg = Bg::new();
    let id = bg.sh("echo hi").to_string();
    bg.ok(&["wait", &id]);
    wait_until("the idle server exits", SECS10, || {
        (!bg.server_up()).then_some(())
    });
    let table = bg.ok(&["ls"]);
    assert!(table.starts_with("ID"), "{table}");
    assert!(table.contains("done"), "{table}");
    assert!(bg.ok(&["log", &id]).contains("hi"));
}

#[test]
fn a_missing_command_fails_with_127_and_says_why() {
    let bg = Bg::new();
    let err = bg.fails(&["run", "--", "/no/such/program"]);
    assert!(
        err.contains("/no/such/program") && err.contains("no such file"),
        "{err}"
    );
    let t = bg.ls().pop().unwrap();
    assert_eq!(
        (t["status"].as_str(), t["exit_code"].as_i64()),
        (Some("failed"), Some(127))
    );
    let id = t["id"].to_string();
    assert_eq!(bg.run(&["wait", &id]).status.code(), Some(127));
    assert!(bg.ok(&["log", &id]).contains("no such file"));
}

/// The child reports an `exec` that fails after the server's checks (a
/// file with no `#!` line and no ELF header) on the task's terminal.
#[test]
fn an_exec_failure_in_the_child_is_exit_127_with_the_reason_in_the_log() {
    let bg = Bg::new();
    let script = bg.dir.join("no-shebang");
    std::fs::write(&script, "echo hi\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let id = bg.ok(&["run", "--", script.to_str().unwrap()]);
    let id = id.trim();
    assert_eq!(bg.run(&["wait", id]).status.code(), Some(127));
    let log = bg.ok(&["log", id]);
    assert!(
        log.contains("cannot run") && log.contains("exec format error"),
        "{log:?}"
    );
}

/// Tasks start with every signal at its default action and none blocked,
/// whatever the server ignores (SIGPIPE, SIGXFSZ) or inherited ignored
/// from whoever started it (here SIGINT and SIGHUP, as `nohup` or a
/// non-interactive shell's `&` leave them), as tmux starts its panes.
#[test]
fn tasks_start_with_default_signal_actions_and_nothing_blocked() {
    let bg = Bg::new();
    let mut start = bg.cmd(&["start-server"]);
    // SAFETY: signal() is async-signal-safe; the dispositions set here
    // survive exec into the server.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut start, || {
            libc::signal(libc::SIGINT, libc::SIG_IGN);
            libc::signal(libc::SIGHUP, libc::SIG_IGN);
            Ok(())
        });
    }
    assert!(start.status().unwrap().success());
    let server = std::fs::read_to_string(format!("/proc/{}/status", bg.server_process())).unwrap();
    assert_ne!(
        sig_mask(&server, "SigIgn:") & (1 << (libc::SIGINT - 1)),
        0,
        "the server inherited the ignored SIGINT: {server}"
    );
    // No shell in between: a shell may reset the mask itself.
    let id = bg.ok(&[
        "run",
        "--",
        "grep",
        "-E",
        "^Sig(Blk|Ign):",
        "/proc/self/status",
    ]);
    let id = id.trim();
    bg.run(&["wait", id]);
    let log = bg.ok(&["log", id]);
    assert_eq!(sig_mask(&log, "SigBlk:"), 0, "{log}");
    assert_eq!(sig_mask(&log, "SigIgn:"), 0, "{log}");
}

/// The hexadecimal mask on the line starting with `field` of a
/// `/proc/PID/status` text.
fn sig_mask(status: &str, field: &str) -> u64 {
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in {status:?}"));
    u64::from_str_radix(line.split_whitespace().nth(1).unwrap(), 16).unwrap()
}

#[test]
fn run_options_reach_the_task() {
    let bg = Bg::new();
    let sub = bg.dir.join("sub");
    std::fs::create_dir(&sub).unwrap();
    let out = bg.ok(&[
        "run",
        "--name",
        "opts",
        "--cwd",
        sub.to_str().unwrap(),
        "--size",
        "100x30",
        "--env",
        "GREETING=hi there",
        "--",
        "/bin/sh",
        "-c",
        "stty size; pwd; echo \"$GREETING\" task=$BGMUX_TASK_ID; echo term=$TERM",
    ]);
    let id = out.trim();
    bg.ok(&["wait", "opts"]);
    let log = bg.ok(&["log", "opts"]);
    assert!(log.contains("30 100"), "{log}");
    assert!(log.contains(sub.to_str().unwrap()), "{log}");
    assert!(log.contains(&format!("hi there task={id}")), "{log}");
    assert!(log.contains("term=xterm-256color"), "{log}");
    let t = bg.task(id.parse().unwrap());
    assert_eq!(
        (
            t["name"].as_str(),
            t["size"]["cols"].as_u64(),
            t["size"]["rows"].as_u64()
        ),
        (Some("opts"), Some(100), Some(30))
    );
    assert!(bg
        .fails(&["run", "--name", "opts", "--", "true"])
        .contains("named opts exists"));
}

#[test]
fn send_types_text_and_named_keys() {
    let bg = Bg::new();
    let id = bg
        .ok(&["run", "--name", "cat", "--", "cat"])
        .trim()
        .to_string();
    bg.ok(&["send", "cat", "--enter", "hello", "world"]);
    wait_until("cat echoes the text", SECS10, || {
        bg.ok(&["log", &id])
            .contains("hello world\nhello world")
            .then_some(())
    });
    bg.ok(&["send", "cat", "--keys", "C-d"]);
    assert_eq!(bg.run(&["wait", "cat"]).status.code(), Some(0));
    assert!(bg
        .fails(&["send", "cat", "--keys", "NoSuchKey"])
        .contains("unknown key"));
}

#[test]
fn kill_with_a_signal_and_rm() {
    let bg = Bg::new();
    let id = bg.sh("sleep 100").to_string();
    assert!(bg.fails(&["rm", &id]).contains("is running"));
    bg.ok(&["kill", &id, "--signal", "TERM"]);
    assert_eq!(bg.run(&["wait", &id]).status.code(), Some(128 + 15));
    assert!(bg.fails(&["kill", &id]).contains("already ended"));
    let log = bg.state.join(format!("tasks/{id}.log"));
    assert!(log.exists());
    bg.ok(&["rm", &id]);
    assert!(!log.exists());
    assert!(bg.ls().is_empty());
    assert!(bg.fails(&["log", &id]).contains(&format!("no task {id}")));
}

#[test]
fn a_background_child_holding_the_pty_does_not_hold_the_end() {
    let bg = Bg::new();
    let id = bg.sh("sleep 30 & echo parent-done").to_string();
    let start = std::time::Instant::now();
    assert_eq!(bg.run(&["wait", &id]).status.code(), Some(0));
    assert!(start.elapsed() < Duration::from_secs(20));
    assert!(bg.ok(&["log", &id]).contains("parent-done"));
}

#[test]
fn kill_server_ends_every_task() {
    let bg = Bg::new();
    let a = bg.sh("sleep 100");
    let b = bg.sh("trap '' HUP; sleep 100");
    bg.ok(&["kill-server"]);
    assert!(!bg.server_up());
    for id in [a, b] {
        let t = bg.task(id);
        assert_eq!(t["status"], "killed", "{t}");
    }
    let err = bg.fails(&["kill-server"]);
    assert!(err.contains("no server running"), "{err}");
    let _ = text(b"");
}

#[test]
fn tasks_started_from_inside_tmux_get_a_tmux_term() {
    let bg = Bg::new();
    let inside = bg
        .cmd(&["run", "--", "/bin/sh", "-c", "echo term=$TERM"])
        .env("TERM", "screen")
        .output()
        .unwrap();
    let id = text(&inside.stdout).trim().to_string();
    bg.ok(&["wait", &id]);
    let log = bg.ok(&["log", &id]);
    assert!(
        log.contains("term=tmux-256color") || log.contains("term=screen-256color"),
        "{log}"
    );
    let outside = bg
        .cmd(&["run", "--", "/bin/sh", "-c", "echo term=$TERM"])
        .env("TERM", "xterm-kitty")
        .output()
        .unwrap();
    let id = text(&outside.stdout).trim().to_string();
    bg.ok(&["wait", &id]);
    assert!(bg.ok(&["log", &id]).contains("term=xterm-256color"));
}
