//! Crashes and broken records (SPEC §12): `kill -9` of the server in the
//! middle of a flood (the tasks count what they wrote, independently of
//! bgmux, and the logs must hold all of it but what the kernel still held),
//! `kill -9` of an attached client, a client ended by a signal or a panic
//! (the outer terminal comes back), and corrupt records at start-up.

use crate::support::{alive, text, wait_until, Bg, Outer, SECS10};

/// A writer that floods its terminal with numbered lines, 100 a write,
/// and after each write records how many bytes the terminal took (at the
/// start of its count file): what the task wrote, counted without bgmux.
const WRITER: &str = r#"
my ($tag, $path) = @ARGV;
open(my $count, '>', $path) or die "$path: $!";
my $styled = join('', map { sprintf("\e[%d;4%dmxy", 31 + $_ % 7, $_ % 8) } 0 .. 15) . "\e[m";
my ($n, $i) = (0, 0);
while (1) {
    my $rest = join('', map { sprintf("%s %09d %s\n", $tag, $i + $_, $styled) } 1 .. 100);
    $i += 100;
    while (length $rest) {
        my $w = syswrite(STDOUT, $rest);
        exit 0 unless defined $w;
        $n += $w;
        substr($rest, 0, $w) = '';
        sysseek($count, 0, 0);
        syswrite($count, sprintf("%020d\n", $n));
    }
}
"#;

/// The styled middle of each line: SGR-heavy, the emulator's slow path,
/// so that the server, not the writers, is the bottleneck.
fn styled() -> String {
    let mut s: String = (0..16)
        .map(|c| format!("\x1b[{};4{}mxy", 31 + c % 7, c % 8))
        .collect();
    s.push_str("\x1b[m");
    s
}

/// The first `len` bytes of what the writer tagged `tag` writes.
fn expected(tag: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 80);
    let mut i = 0u64;
    while out.len() < len {
        i += 1;
        out.extend_from_slice(format!("{tag} {i:09} {}\n", styled()).as_bytes());
    }
    out.truncate(len);
    out
}

/// What the kernel may still hold of a task's output when the server dies
/// (the pty's buffer: 18 to 24 KiB measured on Linux 6.18), plus the one
/// batch that may be between `read` and the log's `write` at that instant
/// (at most what the kernel held). Before the reader logged, the batches
/// waiting in the loop's channel were lost too: 80 to 130 KiB measured.
const KERNEL_AND_ONE_READ: u64 = 64 * 1024;

/// Regression test for the log append moving from the loop to the pty
/// reader: before, up to 32 batches of 64 KiB read but still queued for the
/// loop were lost with the server.
#[test]
fn kill_9_of_the_server_during_a_flood_loses_no_byte_it_read() {
    let bg = Bg::new();
    let script = bg.dir.join("writer.pl");
    std::fs::write(&script, WRITER).unwrap();
    let tasks: Vec<(u64, String)> = (0..4)
        .map(|n| {
            let tag = format!("t{n}");
            let count = bg.dir.join(format!("{tag}.count"));
            let cmd = format!(
                "stty -opost; exec perl {} {tag} {}",
                script.display(),
                count.display()
            );
            (bg.sh(&cmd), tag)
        })
        .collect();
    let pids: Vec<i32> = tasks
        .iter()
        .map(|(id, _)| bg.task(*id)["pid"].as_i64().unwrap() as i32)
        .collect();
    wait_until("every task has flooded 1 MB", SECS10, || {
        bg.ls()
            .iter()
            .all(|t| t["output_bytes"].as_u64().unwrap() > 1_000_000)
            .then_some(())
    });
    let server = bg.server_process();
    // SAFETY: signalling the server this test started.
    unsafe { libc::kill(server, libc::SIGKILL) };
    wait_until("the server and the writers are gone", SECS10, || {
        (!alive(server) && pids.iter().all(|p| !alive(*p))).then_some(())
    });
    let mut lost = Vec::new();
    for (id, tag) in &tasks {
        let count = std::fs::read_to_string(bg.dir.join(format!("{tag}.count"))).unwrap();
        let written: u64 = count.trim().parse().unwrap();
        let log = bg.run(&["log", &id.to_string(), "--raw"]).stdout;
        assert!(
            log == expected(tag, log.len()),
            "task {id}'s log is what it wrote, in order"
        );
        let missing = written.saturating_sub(log.len() as u64);
        assert!(
            missing <= KERNEL_AND_ONE_READ,
            "task {id} wrote {written} bytes, its log has {}: {missing} lost",
            log.len()
        );
        lost.push(missing);
    }
    eprintln!("bytes written but not logged, per task: {lost:?}");
    // The next server marks them lost and serves the same logs.
    bg.ok(&["start-server"]);
    for (id, tag) in &tasks {
        let t = bg.task(*id);
        assert_eq!(t["status"], "lost", "{t}");
        let log = bg.run(&["log", &id.to_string(), "--raw"]).stdout;
        assert_eq!(t["output_bytes"].as_u64(), Some(log.len() as u64));
        assert!(log == expected(tag, log.len()));
    }
}

/// The terminal a client leaves behind: cooked mode, cursor shown, main
/// screen (the last switch to the alternate screen is undone after it).
fn assert_restored(outer: &Outer, how: &str) {
    let t = outer.termios();
    assert!(
        t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0,
        "{how}: the terminal is back in cooked mode"
    );
    let raw = text(&outer.raw());
    let after = |on: &str, off: &str| raw.rfind(off) > raw.rfind(on);
    assert!(after("\x1b[?1049h", "\x1b[?1049l"), "{how}: main screen");
    assert!(after("\x1b[?25l", "\x1b[?25h"), "{how}: cursor shown");
}

#[test]
fn a_client_ended_by_a_signal_restores_the_terminal() {
    let bg = Bg::new();
    bg.ok(&["run", "--name", "sh", "--", "/bin/sh"]);
    for (sig, name) in [
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGHUP, "SIGHUP"),
        (libc::SIGINT, "SIGINT"),
        (libc::SIGQUIT, "SIGQUIT"),
    ] {
        let mut outer = Outer::spawn(bg.cmd(&["attach", "sh"]), 80, 24);
        outer.wait_for("[bgmux] 1:sh");
        // Hide the cursor through the task, so the restore must show it.
        bg.ok(&["send", "sh", "--enter", "printf '\\033[?25l'"]);
        wait_until("the task hid the cursor", SECS10, || {
            text(&outer.raw()).contains("\x1b[?25l").then_some(())
        });
        // SAFETY: signalling the client this test started.
        unsafe { libc::kill(outer.child.id() as i32, sig) };
        outer.wait_exit();
        wait_until("the client says why it left", SECS10, || {
            text(&outer.raw()).contains("signalled").then_some(())
        });
        assert_restored(&outer, name);
        assert_eq!(bg.task(1)["status"], "running", "{name}: the task runs on");
    }
}

#[test]
fn a_client_that_panics_restores_the_terminal() {
    let bg = Bg::new();
    bg.ok(&["run", "--name", "sh", "--", "/bin/sh"]);
    let mut cmd = bg.cmd(&["attach", "sh"]);
    cmd.env("BGMUX_TEST_PANIC", "attach");
    let mut outer = Outer::spawn(cmd, 80, 24);
    let status = outer.wait_exit();
    assert_eq!(status.code(), Some(101), "a panic exits 101");
    wait_until("the panic message is printed", SECS10, || {
        text(&outer.raw()).contains("injected panic").then_some(())
    });
    assert_restored(&outer, "panic");
    assert_eq!(bg.task(1)["status"], "running");
    wait_until("the server forgets the client", SECS10, || {
        (bg.task(1)["attached_clients"] == 0).then_some(())
    });
}

#[test]
fn kill_9_of_an_attached_client_leaves_the_server_and_tasks_alone() {
    let bg = Bg::new();
    let id = bg.sh("i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.05; done");
    let mut outer = Outer::spawn(bg.cmd(&["attach", &id.to_string()]), 80, 24);
    outer.wait_for("tick");
    assert_eq!(bg.task(id)["attached_clients"], 1);
    outer.child.kill().unwrap();
    outer.wait_exit();
    wait_until("the server forgets the client", SECS10, || {
        (bg.task(id)["attached_clients"] == 0).then_some(())
    });
    let before = bg.task(id)["output_bytes"].as_u64().unwrap();
    wait_until("the task keeps printing", SECS10, || {
        (bg.task(id)["output_bytes"].as_u64().unwrap() > before).then_some(())
    });
    let again = Outer::spawn(bg.cmd(&["attach", &id.to_string()]), 80, 24);
    again.wait_for("tick");
    assert_eq!(bg.task(id)["status"], "running");
}

#[test]
fn corrupt_records_at_start_are_moved_aside_and_their_logs_still_listed() {
    let bg = Bg::new();
    let ids: Vec<String> = (0..4)
        .map(|n| bg.sh(&format!("echo output-of-{n}")).to_string())
        .collect();
    for id in &ids {
        bg.ok(&["wait", id]);
    }
    bg.ok(&["kill-server"]);
    wait_until("the server is gone", SECS10, || {
        (!bg.server_up()).then_some(())
    });
    let tasks = bg.state.join("tasks");
    let record = |id: &str| tasks.join(format!("{id}.json"));
    let whole = std::fs::read(record(&ids[0])).unwrap();
    std::fs::write(record(&ids[0]), &whole[..whole.len() / 2]).unwrap();
    std::fs::write(record(&ids[1]), b"\x00\xff garbage \x1b[31m").unwrap();
    std::fs::write(record(&ids[2]), b"").unwrap();
    std::fs::write(record(&ids[3]), b"{\"id\": \"not a number\"}").unwrap();
    std::fs::write(bg.state.join("last-id"), b"garbage").unwrap();
    // A record write that a dead server (no such pid) never renamed.
    std::fs::write(
        tasks.join(format!("{}.tmp-999999999", ids[0])),
        &whole[..10],
    )
    .unwrap();
    bg.ok(&["start-server"]);
    let listed = bg.ls();
    assert_eq!(listed.len(), 4, "every log is still listed: {listed:?}");
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(bg.task(id.parse().unwrap())["status"], "lost");
        assert_eq!(bg.ok(&["log", id]), format!("output-of-{n}\n"));
    }
    let aside = std::fs::read_dir(&tasks)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".corrupt-"))
        .count();
    assert_eq!(aside, 4, "each corrupt record is kept aside");
    assert!(!tasks.join(format!("{}.tmp-999999999", ids[0])).exists());
    let log = std::fs::read_to_string(bg.state.join("server.log")).unwrap();
    assert_eq!(log.matches("is corrupt; moved to").count(), 4, "{log}");
    assert_eq!(bg.sh("true"), 5, "ids are not reused");
}
