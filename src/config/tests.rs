//! Unit tests of the config file: defaults, every key, and that each kind
//! of mistake names its line and key.

use super::values::parse_size;
use super::*;

fn err(text: &str) -> String {
    Config::parse(text).unwrap_err()
}

#[test]
fn an_empty_file_is_the_defaults() {
    let c = Config::parse("").unwrap();
    assert_eq!(
        (c.prefix(), c.prefix_name(), c.history_limit()),
        (0x02, "C-b", 10_000)
    );
    assert_eq!(c.log_limit(), 1 << 30);
    assert!(c.status_line() && c.bell() && !c.notify_desktop());
    assert_eq!(c.status_position(), StatusPosition::Bottom);
    assert_eq!(c.notify_command(), None);
    assert_eq!(c.bindings().count(), 0);
    assert_eq!(c.shell(&[("SHELL".into(), "/bin/zsh".into())]), "/bin/zsh");
    assert_eq!(c.shell(&[]), "/bin/sh");
}

#[test]
fn every_key_is_read() {
    let c = Config::parse(
        r#"
prefix = "C-a"
history-limit = 500
log-limit = "512MiB"
default-shell = "/bin/bash"
status-line = "off"
status-position = "top"
bell = false
notify-desktop = "on"
notify-command = "notify-send done"

[bindings]
t = "/tasks"
F5 = "/run make -j4"
"M-x" = "bg cargo test"
"#,
    )
    .unwrap();
    assert_eq!(
        (
            c.prefix(),
            c.prefix_name(),
            c.history_limit(),
            c.log_limit()
        ),
        (0x01, "C-a", 500, 512 << 20)
    );
    assert_eq!(c.shell(&[("SHELL".into(), "/bin/zsh".into())]), "/bin/bash");
    assert!(!c.status_line() && !c.bell() && c.notify_desktop());
    assert_eq!(c.status_position(), StatusPosition::Top);
    assert_eq!(c.notify_command(), Some("notify-send done"));
    let bindings: Vec<(&str, &Slash)> = c.bindings().map(|(k, b)| (k, &b.command)).collect();
    assert_eq!(bindings.len(), 3);
    assert!(bindings.contains(&("t", &Slash::Tasks)));
    assert!(bindings.contains(&(
        "M-x",
        &Slash::Bg {
            text: Some("cargo test".into())
        }
    )));
    assert_eq!(c.binding(b"t"), Some(&Slash::Tasks));
    assert_eq!(
        c.binding(b"\x1bx"),
        Some(&Slash::Bg {
            text: Some("cargo test".into())
        })
    );
    assert_eq!(
        c.binding(b"\x1b[15~"),
        Some(&Slash::Run {
            command: vec!["make".into(), "-j4".into()]
        })
    );
    assert_eq!(c.binding(b"u"), None);
}

#[test]
fn unknown_keys_name_the_line_and_the_choices() {
    let e = err("prefix = \"C-a\"\n\nhistroy-limit = 3\n");
    assert!(
        e.starts_with(
            "3: unknown key \"histroy-limit\" (expected one of: prefix, bindings, history-limit"
        ),
        "{e}"
    );
    assert_eq!(
        err("[status]\nx = 1\n")
            .lines()
            .next()
            .unwrap()
            .split(" (")
            .next(),
        Some("1: unknown key \"status\"")
    );
}

#[test]
fn bad_values_name_the_line_and_the_key() {
    assert_eq!(
        err("history-limit = \"lots\""),
        "1: bad value for \"history-limit\": invalid type: string \"lots\", expected a number of rows, such as 10000"
    );
    assert!(err("history-limit = -1")
        .contains("invalid value: integer `-1`, expected a number of rows"));
    assert_eq!(
        err("\nbell = 3"),
        "2: bad value for \"bell\": invalid type: integer `3`, expected true, false, \"on\" or \"off\""
    );
    assert!(err("prefix = \"F5\"")
        .starts_with("1: bad value for \"prefix\": \"F5\" is not a single-byte key"));
    assert!(
        err("prefix = \"Nope\"").starts_with("1: bad value for \"prefix\": bad key name \"Nope\"")
    );
    assert!(err("log-limit = \"1 potato\"").contains("invalid size \"1 potato\""));
    assert!(err("log-limit = -1").contains("cannot be negative"));
    assert!(err("status-position = \"left\"")
        .starts_with("1: bad value for \"status-position\": unknown variant `left`"));
}

#[test]
fn bad_bindings_name_the_key() {
    let e = err("bell = true\n[bindings]\nt = \"/tasks\"\nC-Nope = \"/tasks\"\n");
    assert!(
        e.starts_with("4: bad key name \"C-Nope\" in [bindings] (expected a key such as"),
        "{e}"
    );
    let e = err("[bindings]\nt = \"/frobnicate\"\n");
    assert_eq!(
        e,
        "2: bad value for \"t\" in [bindings]: unknown command /frobnicate: try /help"
    );
    let e = err("[bindings]\n\"C-x\" = \"/fg\"\n");
    assert_eq!(
        e,
        "2: bad value for \"C-x\" in [bindings]: missing argument: usage /fg TASK"
    );
    let e = err("[bindings]\nt = \"/tasks\"\nbell = false\n");
    assert!(
        e.contains("bad key name \"bell\"") && e.contains("top-level keys go before"),
        "{e}"
    );
}

#[test]
fn syntax_errors_have_a_line() {
    let e = err("bell = true\nprefix = C-a\n");
    assert!(e.starts_with("2: "), "{e}");
    let e = err("a = 1\na = 2\n");
    assert!(e.starts_with("2: "), "{e}");
}

#[test]
fn sizes_take_units() {
    assert_eq!(parse_size("4096"), Ok(4096));
    assert_eq!(parse_size("500MB"), Ok(500_000_000));
    assert_eq!(parse_size("1GiB"), Ok(1 << 30));
    assert_eq!(parse_size("1 G"), Ok(1 << 30));
    assert_eq!(parse_size("64k"), Ok(64 << 10));
    assert!(parse_size("MB").is_err());
    assert!(parse_size("1.5GB").is_err());
    assert!(parse_size("99999999999TB")
        .unwrap_err()
        .contains("too large"));
}

#[test]
fn sources_resolve_and_load() {
    assert_eq!(
        Source::resolve(Some(Path::new("/dev/null"))).unwrap(),
        Source::None
    );
    let rel = Source::resolve(Some(Path::new("my.toml"))).unwrap();
    assert!(rel.path().unwrap().is_absolute());
    let dir = std::env::temp_dir().join(format!("bgmux-config-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("missing.toml");
    let c = Config::load(&Source::Default(missing.clone())).unwrap();
    assert_eq!(c.source(), &Source::Default(missing.clone()));
    assert!(Config::load(&Source::File(missing))
        .unwrap_err()
        .to_string()
        .starts_with("reading config"));
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "bell = 1\n").unwrap();
    let e = format!(
        "{:#}",
        Config::load(&Source::File(bad.clone())).unwrap_err()
    );
    assert_eq!(
        e,
        format!(
            "{}:1: bad value for \"bell\": invalid type: integer `1`, expected true, false, \"on\" or \"off\"",
            bad.display()
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
