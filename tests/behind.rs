//! The emulator of a task nobody shows runs behind its output
//! (`src/server/behind.rs`): whatever looks at the screen catches it up
//! first, in order, and the terminal's answers still go out.

use crate::support::{wait_until, Bg, Outer, SECS10};

/// The numbers among `lines`, every line must be one.
fn numbers<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<u64> {
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.trim()
                .parse()
                .unwrap_or_else(|_| panic!("not a number: {l:?}"))
        })
        .collect()
}

/// Asserts `got` counts up by one from `first`, naming the first gap.
fn assert_consecutive(got: &[u64], first: u64) {
    for (i, (n, want)) in got.iter().zip(first..).enumerate() {
        let around = &got[i.saturating_sub(3)..(i + 3).min(got.len())];
        assert_eq!(*n, want, "line {i} of {}: {around:?}", got.len());
    }
}

#[test]
fn capture_in_the_middle_of_a_detached_flood_has_all_of_it_so_far_in_order() {
    let bg = Bg::new();
    // Coloured lines, so the emulator has real work and falls behind.
    let file = bg.dir.join("flood");
    let mut lines = String::new();
    for i in 1..=1_000_000u32 {
        lines.push_str(&format!("\x1b[3{}m{i}\x1b[0m\n", i % 8));
    }
    std::fs::write(&file, lines).unwrap();
    let script = format!("cat {}; exec sleep 100", file.display());
    let id = bg.ok(&[
        "run",
        "--history-limit",
        "1000",
        "--",
        "/bin/sh",
        "-c",
        &script,
    ]);
    let id: u64 = id.trim().parse().unwrap();
    wait_until("the flood is under way", SECS10, || {
        (bg.task(id)["output_bytes"].as_u64() > Some(2 << 20)).then_some(())
    });
    // The history replayed from the log and the rows the server holds meet
    // exactly only if the server's screen is up to date with the end of
    // the log it names.
    let capture = bg.ok(&["capture", &id.to_string(), "--history"]);
    let mut got = numbers(capture.lines());
    // The flood may be cut in the middle of a line: the last one is the
    // start of its number.
    let last = got.pop().unwrap();
    assert!(got.len() > 100_000, "{} lines", got.len());
    assert_consecutive(&got, 1);
    let next = (got.len() + 1).to_string();
    assert!(next.starts_with(&last.to_string()), "{last} after {next}");
    bg.ok(&["kill", &id.to_string()]);
}

#[test]
fn attaching_in_the_middle_of_a_flood_shows_it_in_order() {
    let bg = Bg::new();
    // The marker is built by `printf`, so the status line's copy of the
    // command does not match it.
    let id = bg.sh("seq 1 1000000 | cat; printf '%s-%s\\n' flood done; exec sleep 100");
    wait_until("the flood is under way", SECS10, || {
        (bg.task(id)["output_bytes"].as_u64() > Some(1 << 20)).then_some(())
    });
    let outer = Outer::spawn(bg.cmd(&["attach", &id.to_string()]), 80, 24);
    let screen = outer.wait_for("flood-done");
    let lines: Vec<&str> = screen.lines().collect();
    let done = lines.iter().position(|l| l.contains("flood-done")).unwrap();
    assert_eq!(
        numbers(lines[..done].iter().copied()),
        (1_000_000 - done as u64 + 1..=1_000_000).collect::<Vec<_>>(),
        "{screen}"
    );
    bg.ok(&["kill", &id.to_string()]);
}

#[test]
fn a_query_behind_a_flood_of_a_detached_task_is_answered() {
    let bg = Bg::new();
    // 100 000 lines, then the cursor position report (ECMA-48 CPR, `CSI 6
    // n`): the answer, `CSI 24 ; 1 R`, can only come once the emulator has
    // caught up with the lines before it.
    let id = bg.ok(&[
        "run",
        "--size",
        "80x24",
        "--",
        "/bin/sh",
        "-c",
        r"stty -icanon -echo; seq 1 100000 | cat; printf '\033[6n'; head -c 7 | od -An -tx1",
    ]);
    let id = id.trim();
    wait_until("the task got its answer", SECS10, || {
        let log = bg.ok(&["log", id, "--tail", "2"]);
        log.contains("1b 5b 32 34 3b 31 52").then_some(())
    });
}
