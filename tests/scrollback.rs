//! The complete output on disk (SPEC §7, issue 6): `log` in order, `--tail`,
//! `--follow`, `log-limit`, logs damaged behind our back, a file size limit
//! on the server, garbage and huge lines, `capture --history` past the
//! in-memory cap and after the server is gone, `attach --replay`.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use crate::support::{text, wait_until, Bg, Outer, SECS10};

fn numbers(log: &str) -> Vec<u64> {
    log.lines()
        .map(|l| {
            l.trim()
                .parse()
                .unwrap_or_else(|_| panic!("not a number: {l:?}"))
        })
        .collect()
}

#[test]
fn log_returns_200000_numbered_lines_in_order_and_tail_the_last_100() {
    let bg = Bg::new();
    let id = bg.sh("seq 1 200000").to_string();
    bg.ok(&["wait", &id]);
    assert_eq!(
        numbers(&bg.ok(&["log", &id])),
        (1..=200_000).collect::<Vec<_>>()
    );
    assert_eq!(
        numbers(&bg.ok(&["log", &id, "--tail", "100"])),
        (199_901..=200_000).collect::<Vec<_>>()
    );
    assert_eq!(bg.ok(&["log", &id, "--tail", "0"]), "");
}

/// A `bgmux` process whose stdout is collected as it comes (join the
/// thread to have all of it once the process is gone).
fn spawn_collecting(
    mut cmd: Command,
) -> (
    std::process::Child,
    Arc<Mutex<Vec<u8>>>,
    std::thread::JoinHandle<()>,
) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    (child, seen, reader)
}

#[test]
fn follow_prints_lines_as_they_arrive_and_exits_when_the_task_ends() {
    let bg = Bg::new();
    let id = bg
        .sh("stty -echo; echo first; read x; echo \"got $x\"; read y; printf 'no newline'")
        .to_string();
    wait_until("the task printed", SECS10, || {
        bg.ok(&["log", &id]).contains("first").then_some(())
    });
    let (mut child, seen, reader) = spawn_collecting(bg.cmd(&["log", &id, "--follow"]));
    let shown = || text(&seen.lock().unwrap());
    wait_until("follow prints what exists", SECS10, || {
        (shown() == "first\n").then_some(())
    });
    bg.ok(&["send", &id, "--enter", "one"]);
    wait_until("follow prints a new line", SECS10, || {
        shown().contains("got one\n").then_some(())
    });
    assert!(
        child.try_wait().unwrap().is_none(),
        "follow waits while the task runs"
    );
    bg.ok(&["send", &id, "--enter", "two"]);
    let status = wait_until("follow exits when the task ends", SECS10, || {
        child.try_wait().unwrap()
    });
    assert!(status.success());
    reader.join().unwrap();
    assert_eq!(
        shown(),
        "first\ngot one\nno newline\n",
        "the partial last line comes at the end"
    );

    let (mut raw, seen, reader) = spawn_collecting(bg.cmd(&["log", &id, "--follow", "--raw"]));
    assert!(
        wait_until("raw follow of an ended task exits", SECS10, || raw
            .try_wait()
            .unwrap())
        .success()
    );
    reader.join().unwrap();
    assert!(text(&seen.lock().unwrap()).ends_with("got one\r\nno newline"));
}

#[test]
fn log_limit_drops_the_oldest_part_and_log_says_where_the_gap_is() {
    let bg = Bg::new();
    let limit = 64 * 1024;
    let status = bg
        .cmd(&["start-server"])
        .env("BGMUX_LOG_LIMIT", limit.to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let id = bg.sh("seq 1 100000").to_string();
    bg.ok(&["wait", &id]);
    let log = bg.ok(&["log", &id]);
    let mut lines = log.lines();
    let note = lines.next().unwrap();
    assert!(
        note.starts_with("[bgmux: ") && note.ends_with("of earlier output dropped (log-limit)]"),
        "{note}"
    );
    let rest: Vec<&str> = lines.collect();
    let kept: Vec<u64> = rest[1..].iter().map(|l| l.parse().unwrap()).collect();
    assert_eq!(*kept.last().unwrap(), 100_000);
    assert!(
        kept.windows(2).all(|w| w[1] == w[0] + 1),
        "the kept lines are contiguous"
    );
    assert!(
        kept.len() > 5000 && kept.len() < 15_000,
        "about 64 KiB of lines kept: {}",
        kept.len()
    );

    let raw = bg.run(&["log", &id, "--raw"]);
    let all: Vec<u8> = (1..=100_000)
        .flat_map(|i| format!("{i}\r\n").into_bytes())
        .collect();
    assert!(
        raw.stdout.len() <= limit && all.ends_with(&raw.stdout),
        "--raw is exactly the kept bytes"
    );
    assert!(
        text(&raw.stderr).contains("dropped (log-limit)"),
        "the note goes to stderr with --raw"
    );
    let on_disk: u64 = std::fs::read_dir(bg.state.join("tasks"))
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("{id}.log"))
        })
        .map(|e| e.metadata().unwrap().len())
        .sum();
    assert!(on_disk <= limit as u64, "{on_disk} bytes of log on disk");
    assert_eq!(
        bg.task(id.parse().unwrap())["output_bytes"].as_u64(),
        Some(all.len() as u64)
    );
    bg.ok(&["rm", &id]);
    let left: Vec<_> = std::fs::read_dir(bg.state.join("tasks"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        left.is_empty(),
        "rm removes every segment and the index: {left:?}"
    );
}

#[test]
fn a_log_deleted_or_truncated_behind_our_back_is_a_clear_message_and_the_server_keeps_serving() {
    let bg = Bg::new();
    let tasks = bg.state.join("tasks");
    let gone = bg.sh("seq 1 1000").to_string();
    let cut = bg.sh("seq 1 50000").to_string();
    let live = bg.ok(&["run", "--", "cat"]).trim().to_string();
    bg.ok(&["wait", &gone, &cut]);
    for name in [
        format!("{gone}.log"),
        format!("{gone}.idx"),
        format!("{live}.log"),
    ] {
        std::fs::remove_file(tasks.join(name)).unwrap();
    }
    let err = bg.fails(&["log", &gone]);
    assert!(
        err.contains(&format!("the log of task {gone} is missing")) && err.contains("deleted"),
        "{err}"
    );
    let err = bg.fails(&["log", &live]);
    assert!(err.contains("missing"), "{err}");

    std::fs::File::options()
        .write(true)
        .open(tasks.join(format!("{cut}.log")))
        .unwrap()
        .set_len(1000)
        .unwrap();
    let out = bg.run(&["log", &cut]);
    assert!(out.status.success());
    assert!(text(&out.stdout).starts_with("1\n2\n3\n"));
    let warning = text(&out.stderr);
    assert_eq!(warning.lines().count(), 1, "{warning}");
    assert!(
        warning.contains("truncated behind bgmux's back"),
        "{warning}"
    );
    assert!(bg.ok(&["log", &cut, "--tail", "1"]).len() < 10);

    bg.ok(&["send", &live, "--enter", "still here"]);
    assert!(
        bg.ok(&["capture", &live]).contains("still here"),
        "the server keeps serving the task"
    );
    let next = bg.sh("echo next task").to_string();
    bg.ok(&["wait", &next]);
    assert!(bg.ok(&["log", &next]).contains("next task"));
}

#[test]
fn a_file_size_limit_on_the_server_leaves_the_task_running_with_its_log_incomplete() {
    let bg = Bg::new();
    let start = bg.cmd(&["start-server"]);
    let mut sh = Command::new("/bin/sh");
    sh.arg("-c")
        .arg("ulimit -f 100; exec \"$@\"")
        .arg("sh")
        .arg(start.get_program())
        .args(start.get_args());
    for (k, v) in start.get_envs() {
        match v {
            Some(v) => sh.env(k, v),
            None => sh.env_remove(k),
        };
    }
    assert!(sh.status().unwrap().success());
    let id = bg.sh("seq 1 100000; echo all-printed; sleep 100");
    let t = wait_until("the log is marked incomplete", SECS10, || {
        let t = bg.task(id);
        (t["log_incomplete"] == true).then_some(t)
    });
    assert_eq!(t["status"], "running");
    wait_until("the task printed everything", SECS10, || {
        bg.ok(&["capture", &id.to_string()])
            .contains("all-printed")
            .then_some(())
    });
    assert!(bg.ok(&["ls"]).contains("running (log incomplete)"));
    let log = bg.ok(&["log", &id.to_string()]);
    assert!(log.starts_with("1\n2\n"));
    assert!(
        log.trim_end().ends_with("later output is missing]"),
        "{}",
        &log[log.len() - 200..]
    );
    bg.ok(&["kill", &id.to_string()]);
}

fn max_child_rss_kb() -> i64 {
    // SAFETY: getrusage fills the zeroed struct.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage.ru_maxrss
    }
}

#[test]
fn binary_garbage_does_not_crash_log() {
    let bg = Bg::new();
    // Random bytes may leave the emulator inside a string or a mode; CAN, ST
    // and RIS (ECMA-48) end all that before the last line.
    let id = bg
        .sh("stty -opost; head -c 3000000 /dev/urandom; printf '\\030\\033\\\\\\033c\\n'; echo after-garbage")
        .to_string();
    bg.ok(&["wait", &id]);
    let log = bg.run(&["log", &id]);
    assert!(log.status.success());
    assert!(text(&log.stdout).trim_end().ends_with("after-garbage"));
    assert!(
        bg.ok(&["capture", &id]).contains("after-garbage"),
        "the server keeps serving"
    );
}

#[test]
fn a_50_mb_line_does_not_crash_log_and_its_memory_stays_bounded() {
    let bg = Bg::new();
    let id = bg
        .sh("head -c 50000000 /dev/zero | tr '\\0' x; echo; echo after-the-line")
        .to_string();
    bg.ok(&["wait", &id]);
    let log = bg.ok(&["log", &id]);
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("xxxx") && lines[0].ends_with("[bgmux: long line cut: 50.0MB]"));
    assert!(lines[0].len() < 100_000);
    assert_eq!(lines[1], "after-the-line");
    assert_eq!(bg.ok(&["log", &id, "--tail", "1"]), "after-the-line\n");
    assert!(
        max_child_rss_kb() < 40_000,
        "log's memory is bounded: {} kB",
        max_child_rss_kb()
    );
    let ok = bg.sh("echo still serving").to_string();
    bg.ok(&["wait", &ok]);
}

#[test]
fn capture_history_reaches_past_the_in_memory_cap() {
    let bg = Bg::new();
    let id = bg.ok(&[
        "run",
        "--history-limit",
        "100",
        "--",
        "/bin/sh",
        "-c",
        "seq 1 5000; sleep 100",
    ]);
    let id = id.trim();
    wait_until("the task printed", SECS10, || {
        bg.ok(&["log", id, "--tail", "1"])
            .contains("5000")
            .then_some(())
    });
    let capture = bg.ok(&["capture", id, "--history"]);
    let got: Vec<u64> = capture
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(got, (1..=5000).collect::<Vec<_>>());
    bg.ok(&["kill", id]);
}

#[test]
fn capture_history_of_a_task_ended_under_an_earlier_server() {
    let bg = Bg::new();
    let id = bg.sh("seq 1 3000").to_string();
    bg.ok(&["wait", &id]);
    let _ = bg.run(&["kill-server"]); // unless it already left, idle
    wait_until("the server is gone", SECS10, || {
        (!bg.server_up()).then_some(())
    });
    let capture = bg.ok(&["capture", &id, "--history"]);
    let got: Vec<u64> = capture
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(got, (1..=3000).collect::<Vec<_>>());
    bg.ok(&["start-server"]);
    assert_eq!(
        bg.ok(&["capture", &id, "--history"]),
        capture,
        "the same from a new server that never held it"
    );
}

#[test]
fn attach_replay_prints_the_history_before_taking_the_terminal() {
    let bg = Bg::new();
    bg.ok(&[
        "run",
        "--name",
        "sh",
        "--",
        "/bin/sh",
        "-c",
        "printf 'replayed-%s\\n' 1 2 3; exec /bin/sh",
    ]);
    wait_until("the task printed", SECS10, || {
        bg.ok(&["log", "sh"]).contains("replayed-3").then_some(())
    });
    let mut outer = Outer::spawn(bg.cmd(&["attach", "sh", "--replay"]), 80, 24);
    outer.wait_for("[bgmux] 1:sh");
    let raw = text(&outer.raw());
    let replayed = raw.find("replayed-1").expect("the history was replayed");
    let alt = raw
        .find("\x1b[?1049h")
        .expect("the client took the alternate screen");
    assert!(
        replayed < alt && raw.find("replayed-3").unwrap() < alt,
        "{raw:?}"
    );
    outer.type_bytes(b"\x02d");
    assert!(outer.wait_exit().success());
}
