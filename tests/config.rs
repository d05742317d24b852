//! The config file (SPEC §13, issue 10): errors that name the file, the line
//! and the key with exit 1, `config check`, `config reload` keeping the old
//! config when the new one is bad, and the values the server consumes.

use std::process::Command;

use crate::support::{text, Bg, BIN};

fn write(bg: &Bg, name: &str, body: &str) -> String {
    let path = bg.dir.join(name);
    std::fs::write(&path, body).unwrap();
    path.display().to_string()
}

#[test]
fn config_errors_name_the_file_line_and_key_and_exit_1() {
    let bg = Bg::new();
    let cases = [
        (
            "unknown.toml",
            "prefix = \"C-a\"\n\nhistroy-limit = 3\n",
            ":3: unknown key \"histroy-limit\" (expected one of: prefix, bindings, history-limit,",
        ),
        (
            "type.toml",
            "bell = true\nhistory-limit = \"lots\"\n",
            ":2: bad value for \"history-limit\": invalid type: string \"lots\", expected a number of rows",
        ),
        (
            "binding.toml",
            "[bindings]\nt = \"/tasks\"\nC-Nope = \"/tasks\"\n",
            ":3: bad key name \"C-Nope\" in [bindings] (expected a key such as C-b",
        ),
        (
            "command.toml",
            "[bindings]\nt = \"/taks\"\n",
            ":2: bad value for \"t\" in [bindings]: unknown command /taks: did you mean /tasks?",
        ),
    ];
    for (name, body, want) in cases {
        let path = write(&bg, name, body);
        let err = bg.fails(&["config", "check", &path]);
        assert!(
            err.starts_with(&format!("bgmux: {path}{want}")),
            "{name}: {err}"
        );
    }
}

#[test]
fn a_server_does_not_start_with_a_bad_config() {
    let bg = Bg::with_config("history-limit = 10\nbell = \"loud\"\n");
    let err = bg.fails(&["run", "--", "true"]);
    let want = format!("bgmux: {}:2: bad value for \"bell\"", bg.config.display());
    assert!(err.starts_with(&want), "{err}");
    assert!(!bg.server_up());
    assert!(bg.fails(&["config", "check"]).starts_with(&want));
}

#[test]
fn config_check_says_ok_with_the_file() {
    let bg = Bg::with_config(
        "prefix = \"C-a\"\nlog-limit = \"500MB\"\n[bindings]\nF5 = \"/split 1 2\"\n",
    );
    assert_eq!(
        bg.ok(&["config", "check"]),
        format!("ok: {}\n", bg.config.display())
    );
    assert_eq!(
        Bg::new().ok(&["config", "check"]),
        "ok: no config file (defaults)\n"
    );
}

#[test]
fn the_default_file_is_found_under_xdg_config_home_and_may_be_missing() {
    let bg = Bg::new();
    let check = |xdg: &std::path::Path| {
        let out = Command::new(BIN)
            .args(["config", "check"])
            .env("XDG_CONFIG_HOME", xdg)
            .output()
            .unwrap();
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    let xdg = bg.dir.join("xdg");
    let file = xdg.join("bgmux/config.toml");
    let (code, out, _) = check(&xdg);
    assert_eq!(
        (code, out),
        (
            Some(0),
            format!("ok: no config file at {} (defaults)\n", file.display())
        )
    );
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "bel = true\n").unwrap();
    let (code, _, err) = check(&xdg);
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with(&format!("bgmux: {}:1: unknown key \"bel\"", file.display())),
        "{err}"
    );
}

#[test]
fn history_limit_is_the_default_for_run_and_reload_applies_a_good_file_only() {
    let bg = Bg::with_config("history-limit = 123\n");
    bg.ok(&["start-server"]);
    let id = bg.sh("sleep 30");
    assert_eq!(bg.task(id)["history_limit"], 123);
    let id = bg
        .ok(&["run", "--history-limit", "7", "--", "true"])
        .trim()
        .parse::<u64>()
        .unwrap();
    assert_eq!(bg.task(id)["history_limit"], 7, "--history-limit wins");

    std::fs::write(&bg.config, "history-limit = 456\n").unwrap();
    assert_eq!(
        bg.ok(&["config", "reload"]),
        format!("reloaded: {}\n", bg.config.display())
    );
    let id = bg.sh("true");
    assert_eq!(bg.task(id)["history_limit"], 456);

    std::fs::write(
        &bg.config,
        "history-limit = 789\nstatus-position = \"left\"\n",
    )
    .unwrap();
    let err = bg.fails(&["config", "reload"]);
    assert!(
        err.starts_with(&format!(
            "bgmux: {}:2: bad value for \"status-position\"",
            bg.config.display()
        )),
        "{err}"
    );
    assert!(err.contains("keeps its previous config"), "{err}");
    let id = bg.sh("true");
    assert_eq!(bg.task(id)["history_limit"], 456, "the old config stays");
}

#[test]
fn reload_without_a_server_says_so() {
    let bg = Bg::new();
    assert!(bg
        .fails(&["config", "reload"])
        .contains("no server running"));
}
