//! `bgmux events` and the shell integration of `bgmux init` (SPEC §6).

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::support::{wait_until, Bg, Outer, SECS10};

#[test]
fn events_arrive_in_order_with_codes() {
    let bg = Bg::new();
    let mut child = bg
        .cmd(&["events", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines {
            let Ok(line) = line else { break };
            let event: serde_json::Value = serde_json::from_str(&line).unwrap();
            if tx.send(event).is_err() {
                break;
            }
        }
    });
    // The server being up does not mean the stream's request has reached
    // it yet: a probe task's events on the stream show it has.
    wait_until("the events stream is subscribed", SECS10, || {
        bg.server_up().then_some(())?;
        bg.sh("exit 0");
        rx.recv_timeout(std::time::Duration::from_millis(500)).ok()
    });
    let id = bg.sh("read x; exit 2");
    wait_until("the task waits", SECS10, || {
        (bg.task(id)["status"] == "waiting").then_some(())
    });
    bg.ok(&["send", &id.to_string(), "--enter", "go"]);
    assert_eq!(bg.run(&["wait", &id.to_string()]).status.code(), Some(2));
    bg.ok(&["rm", &id.to_string()]);
    let mut seen = Vec::new();
    while seen.last().map(String::as_str) != Some("removed") {
        let event = rx
            .recv_timeout(SECS10)
            .unwrap_or_else(|e| panic!("the event stream stopped after {seen:?}: {e}"));
        if event["id"] != id {
            continue; // A probe's.
        }
        let kind = event["event"].as_str().unwrap().to_string();
        if kind == "exited" {
            assert_eq!(event["exit_code"], 2);
            assert_eq!(event["status"], "failed");
            assert!(event["duration_ms"].is_u64());
        }
        seen.push(kind);
    }
    assert_eq!(seen, ["started", "waiting", "resumed", "exited", "removed"]);
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn init_bash_prints_an_ended_task_at_the_next_prompt_once() {
    let bg = Bg::new();
    bg.ok(&["start-server"]);
    let snippet = bg.ok(&["init", "bash"]);
    let rc = bg.dir.join("bashrc");
    std::fs::write(&rc, format!("PS1='prompt> '\n{snippet}")).unwrap();
    let mut cmd = std::process::Command::new("bash");
    cmd.arg("--rcfile")
        .arg(&rc)
        .arg("-i")
        .env("BGMUX_STATE_DIR", &bg.state)
        .env_remove("BGMUX_SOCKET");
    let mut outer = Outer::spawn(cmd, 100, 30);
    outer.wait_for("prompt>");
    let id = bg.sh("exit 7");
    assert_eq!(bg.run(&["wait", &id.to_string()]).status.code(), Some(7));
    outer.type_bytes(b"\r");
    let line = format!("[{id}] failed (exit 7)");
    let screen = outer.wait_for(&line);
    outer.type_bytes(b"echo next-prompt\r");
    let screen2 = outer.wait_for("next-prompt\nprompt>");
    assert_eq!(
        screen2.matches(&line).count(),
        1,
        "printed once:\n{screen}\n---\n{screen2}"
    );
}

#[test]
fn the_prompt_hook_prints_nothing_without_a_server() {
    let bg = Bg::new();
    let out = bg.ok(&["prompt-hook", "--since", "5"]);
    assert_eq!(out, "5\n");
    assert!(!bg.server_up(), "the hook never starts a server");
}
