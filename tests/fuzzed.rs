//! The protocol fuzz target's checks (`fuzz/checks/protocol.rs`) over its
//! committed seeds (`fuzz/seeds/protocol/`): a minimized sample of the
//! corpus, and every crash the fuzzer ever found, kept as regression tests
//! that run in CI without nightly or libFuzzer.

use std::path::Path;

#[path = "../fuzz/checks/protocol.rs"]
mod check;

#[test]
fn the_protocol_fuzz_seeds_pass_the_fuzz_checks() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/protocol");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check::run(&data));
        assert!(outcome.is_ok(), "{} fails the fuzz checks", path.display());
        seen += 1;
    }
    assert!(seen >= 10, "only {seen} seeds in {}", dir.display());
}

/// Writes a first corpus for the protocol fuzz target to
/// `fuzz/corpus/protocol/`: a hello, then each message as a frame body and
/// as a framed stream. Run once before fuzzing (see `fuzz/README.md`).
#[test]
#[ignore = "writes the fuzz corpus; run by hand"]
fn write_the_protocol_fuzz_corpus() {
    use bgmux::protocol::{self, AttachSpec, ClientMsg, RunSpec, ServerMsg};
    let record = r#"{"id":3,"name":"build","command":["make","-j"],"cwd":"/src","pid":42,
        "size":{"cols":80,"rows":24},"started_at":"2026-01-01T00:00:01.000Z","ended_at":"2026-01-01T00:00:02.500Z","status":"failed",
        "exit_code":2,"signal":null,"output_bytes":1234,"history_limit":10000,
        "log_incomplete":true,"server_pid":7,"attached_clients":1}"#;
    let tasks: ServerMsg = serde_json::from_str(&format!(r#"{{"Tasks":[{record}]}}"#)).unwrap();
    let event: ServerMsg = serde_json::from_str(
        r#"{"Event":{"event":"exited","at":"2026-01-01T00:00:05.000Z","id":3,"name":null,"command":["sh"],
        "status":"killed","exit_code":null,"signal":9,"duration_ms":12}}"#,
    )
    .unwrap();
    let task = || "build".to_string();
    let clients = vec![
        ClientMsg::Run(RunSpec {
            argv: vec!["sh".into(), "-c".into(), "echo hi".into()],
            name: Some(task()),
            cwd: "/tmp".into(),
            size: Some((120, 40)),
            history_limit: Some(5),
            env: vec![("K".into(), "V".into())],
        }),
        ClientMsg::List { all: true },
        ClientMsg::Capture {
            task: task(),
            history: true,
            ansi: true,
        },
        ClientMsg::Wait {
            tasks: vec![task(), "2".into()],
            any: true,
        },
        ClientMsg::Send {
            task: task(),
            data: b"ls\r\x1b[A".to_vec(),
        },
        ClientMsg::SendKeys {
            task: task(),
            keys: vec!["C-c".into(), "Enter".into()],
        },
        ClientMsg::Kill {
            task: task(),
            signal: Some(15),
        },
        ClientMsg::Remove {
            tasks: vec![task()],
            finished: true,
        },
        ClientMsg::StayUp,
        ClientMsg::KillServer,
        ClientMsg::Attach(AttachSpec {
            task: Some(task()),
            start_shell: true,
            cols: 80,
            rows: 24,
            env: vec![("TERM".into(), "xterm".into())],
            cwd: "/".into(),
        }),
        ClientMsg::Resize {
            cols: 200,
            rows: 50,
        },
        ClientMsg::Events,
        ClientMsg::EndedSince { since: 123_456 },
        ClientMsg::Background {
            task: 3,
            text: Some("make".into()),
        },
        ClientMsg::ReloadConfig,
    ];
    let servers = vec![
        ServerMsg::Ok,
        ServerMsg::Error("no task 9: see `bgmux ls`".into()),
        ServerMsg::Started { id: 7 },
        tasks,
        ServerMsg::Text("line one\nline two\n".into()),
        ServerMsg::Waited { id: 3, code: 130 },
        ServerMsg::Removed(vec![1, 2, 3]),
        ServerMsg::Attached { id: 1 },
        ServerMsg::Detached("[detached from bgmux]".into()),
        ServerMsg::NotInMemory,
        event,
        ServerMsg::History {
            text: "a\nb\n".into(),
            history_rows: 1,
            log_end: 99,
        },
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/protocol");
    std::fs::create_dir_all(&dir).unwrap();
    let mut hello = Vec::new();
    protocol::encode_hello(&mut hello);
    std::fs::write(dir.join("hello"), &hello[4..]).unwrap();
    let mut stream = hello.clone();
    for (n, msg) in clients.iter().enumerate() {
        let mut framed = Vec::new();
        protocol::encode_msg(msg, &mut framed);
        std::fs::write(dir.join(format!("client-{n}")), &framed[4..]).unwrap();
        stream.extend_from_slice(&framed);
    }
    for (n, msg) in servers.iter().enumerate() {
        let mut framed = Vec::new();
        protocol::encode_msg(msg, &mut framed);
        std::fs::write(dir.join(format!("server-{n}")), &framed[4..]).unwrap();
    }
    protocol::encode_data(b"\x1b[2J\x1b[Hframe", &mut stream);
    std::fs::write(dir.join("stream"), &stream).unwrap();
}
