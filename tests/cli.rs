//! The command line's contract (SPEC §3): usage errors, unknown tasks,
//! one-line errors, `--version`.

use crate::support::{text, Bg};

#[test]
fn unknown_tasks_are_one_line_errors_with_exit_1() {
    let bg = Bg::new();
    for args in [
        &["log", "nope"][..],
        &["capture", "42"],
        &["wait", "7"],
        &["rm", "9"],
        &["kill", "3"],
    ] {
        let err = bg.fails(args);
        assert!(err.starts_with("bgmux: "), "{err}");
        assert!(
            err.contains("no task") || err.contains("no server"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn attach_without_a_terminal_says_so() {
    let bg = Bg::new();
    assert!(bg.fails(&["attach"]).contains("needs a terminal"));
    // It refuses before it connects: no server was started for nothing.
    assert!(!bg.server_up(), "attach started a server it could not use");
}

#[test]
fn usage_errors_exit_2() {
    let bg = Bg::new();
    for args in [
        &["run"][..],
        &["run", "--size", "wide", "--", "true"],
        &["frobnicate"],
        &["kill", "1", "--signal", "NOPE"],
    ] {
        let out = bg.run(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn version_and_help() {
    let bg = Bg::new();
    assert!(bg.ok(&["--version"]).starts_with("bgmux "));
    let help = bg.ok(&["run", "--help"]);
    assert!(help.contains("Example"), "{help}");
}

#[test]
fn an_unwritable_state_dir_is_a_clear_error() {
    let bg = Bg::new();
    let out = bg
        .cmd(&["run", "--", "true"])
        .env("BGMUX_STATE_DIR", "/proc/bgmux-cannot-write-here")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("state dir") && err.lines().count() == 1,
        "{err}"
    );
}

#[test]
fn run_name_is_not_the_socket_name() {
    // Regression: `-L` was a global argument with the id `name`, so
    // `run --name build` moved the client to a socket called `build`.
    let bg = Bg::new();
    let out = bg
        .cmd_at(&bg.socket, &["run", "--name", "build", "--", "true"])
        .env_remove("BGMUX_SOCKET")
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut cmd = std::process::Command::new(crate::support::BIN);
    cmd.args(["-f", "/dev/null", "ls", "--json"])
        .env("BGMUX_SOCKET", &bg.socket)
        .env("BGMUX_STATE_DIR", &bg.state);
    let ls = text(&cmd.output().unwrap().stdout);
    assert!(ls.contains("\"build\""), "{ls}");
    let mut cmd = std::process::Command::new(crate::support::BIN);
    cmd.args(["-f", "/dev/null", "run", "--name", "two", "--", "true"])
        .env("BGMUX_SOCKET", &bg.socket)
        .env("BGMUX_STATE_DIR", &bg.state);
    assert!(cmd.output().unwrap().status.success());
    assert_eq!(bg.ls().len(), 2, "both tasks on the socket of BGMUX_SOCKET");
}
