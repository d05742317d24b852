//! The configuration file (SPEC §13): where it is found, its keys and their
//! defaults, and its errors, which name the file, the line and the key. It
//! owns the parsed, validated [`Config`]; the server holds one and consumes
//! its values (`Server::set_config` applies a reloaded one); reloading is
//! `commands/config.rs`'s job.
//!
//! ```toml
//! prefix = "C-a"            # a single-byte key: C-x, or one ASCII character
//! history-limit = 50000     # rows of history in memory per task
//! log-limit = "512MiB"      # bytes of output kept on disk per task
//! default-shell = "/bin/zsh"
//! status-line = "on"        # true/false or "on"/"off"
//! status-position = "top"   # or "bottom"
//! bell = false
//! notify-desktop = true
//! notify-command = "notify-send bgmux \"$BGMUX_TASK_COMMAND: $BGMUX_TASK_STATUS\""
//! mouse = true              # clicks focus panes, the wheel enters review mode
//!
//! [bindings]                # key after the prefix → slash command
//! t = "/tasks"
//! F5 = "/run make"
//! ```

mod values;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use serde::Deserialize;

use self::values::{on_off, rows, ByteSize, KeyName, Prefix};
pub use self::values::{Binding, StatusPosition};
use crate::slash::Slash;

/// Where the config comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Source {
    /// `-f /dev/null`, or no `HOME` to find a default: defaults only.
    #[default]
    None,
    /// The default location; a missing file means defaults.
    Default(PathBuf),
    /// `-f FILE`: it must exist.
    File(PathBuf),
}

impl Source {
    /// `-f FILE` if given (made absolute: the server may not share our
    /// directory), else the default location from `paths`.
    pub fn resolve(flag: Option<&Path>) -> Result<Source> {
        match flag {
            Some(file) if file == Path::new("/dev/null") => Ok(Source::None),
            Some(file) => Ok(Source::File(
                std::path::absolute(file).context("resolving the config file path")?,
            )),
            None => Ok(crate::paths::default_config_file().map_or(Source::None, Source::Default)),
        }
    }

    /// The file, if any.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Source::None => None,
            Source::Default(path) | Source::File(path) => Some(path),
        }
    }
}

/// The configuration: every key of the file, validated. Fields are private
/// so that each value is read through an accessor that applies its default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case", default)]
pub struct Config {
    prefix: Prefix,
    bindings: BTreeMap<KeyName, Binding>,
    #[serde(deserialize_with = "rows")]
    history_limit: usize,
    log_limit: ByteSize,
    default_shell: Option<String>,
    #[serde(deserialize_with = "on_off")]
    status_line: bool,
    status_position: StatusPosition,
    #[serde(deserialize_with = "on_off")]
    bell: bool,
    #[serde(deserialize_with = "on_off")]
    notify_desktop: bool,
    notify_command: Option<String>,
    #[serde(deserialize_with = "on_off")]
    mouse: bool,
    #[serde(skip)]
    source: Source,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            prefix: Prefix::default(),
            bindings: BTreeMap::new(),
            history_limit: 10_000,
            log_limit: ByteSize(1 << 30),
            default_shell: None,
            status_line: true,
            status_position: StatusPosition::Bottom,
            bell: true,
            notify_desktop: false,
            notify_command: None,
            mouse: false,
            source: Source::None,
        }
    }
}

impl Config {
    /// Reads and validates the config from `source`. The error is one line:
    /// `FILE:LINE: what is wrong with which key`.
    pub fn load(source: &Source) -> Result<Config> {
        let text = match source {
            Source::None => return Ok(Config::default()),
            Source::Default(path) => match std::fs::read_to_string(path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    return Ok(Config {
                        source: source.clone(),
                        ..Config::default()
                    })
                }
                read => read.with_context(|| format!("reading config {}", path.display()))?,
            },
            Source::File(path) => std::fs::read_to_string(path)
                .with_context(|| format!("reading config {}", path.display()))?,
        };
        let path = source.path().unwrap_or(Path::new("-"));
        let mut config = Config::parse(&text).map_err(|e| anyhow!("{}:{e}", path.display()))?;
        config.source = source.clone();
        Ok(config)
    }

    /// Parses a config file's text; the error is `LINE: message`.
    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| describe(text, &e))
    }

    /// Where this config was read from (reload reads the same place).
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The prefix key as the byte the terminal sends (C-b: 0x02).
    pub fn prefix(&self) -> u8 {
        self.prefix.byte
    }

    /// The prefix key's name, as written (`C-b`).
    pub fn prefix_name(&self) -> &str {
        &self.prefix.name
    }

    /// Rows of history kept in memory for a task started without
    /// `--history-limit`.
    pub fn history_limit(&self) -> usize {
        self.history_limit
    }

    /// The shell for new shell tasks: `default-shell`, else the attaching
    /// client's `$SHELL`, else `/bin/sh`.
    pub fn shell(&self, env: &[(String, String)]) -> String {
        let from_env = || {
            env.iter()
                .find(|(k, v)| k == "SHELL" && !v.is_empty())
                .map(|(_, v)| v.clone())
        };
        self.default_shell
            .clone()
            .or_else(from_env)
            .unwrap_or_else(|| "/bin/sh".to_string())
    }
}

impl Config {
    /// The slash command bound to the key whose bytes are `key` (pressed
    /// after the prefix), in either cursor-key mode.
    pub fn binding(&self, key: &[u8]) -> Option<&Slash> {
        let matches = |name: &KeyName| {
            [false, true]
                .iter()
                .any(|app| crate::keyname::encode(&name.0, *app).as_deref() == Some(key))
        };
        self.bindings
            .iter()
            .find(|(name, _)| matches(name))
            .map(|(_, b)| &b.command)
    }

    /// Report the mouse from the outer terminal always (clicks focus panes,
    /// the wheel scrolls into review mode), not only when a task asks?
    pub fn mouse(&self) -> bool {
        self.mouse
    }

    /// Ring the bell on notifications (SPEC §6)?
    pub fn bell(&self) -> bool {
        self.bell
    }

    /// Send desktop notifications through the outer terminal (OSC 9/777)?
    pub fn notify_desktop(&self) -> bool {
        self.notify_desktop
    }

    /// The hook run on notifications, if any (a `sh -c` command line).
    pub fn notify_command(&self) -> Option<&str> {
        self.notify_command.as_deref()
    }
}

/// Values the server does not consume yet: the status line's switch and
/// position (the renderer still draws it at the bottom) and the log cap
/// (the output log is not capped yet); and the bindings as a list, for a
/// future `/help` or `config show`.
#[allow(dead_code)]
impl Config {
    /// Key bindings after the prefix: key name → slash command.
    pub fn bindings(&self) -> impl Iterator<Item = (&str, &Binding)> {
        self.bindings.iter().map(|(k, b)| (k.0.as_str(), b))
    }

    /// Bytes of output kept on disk per task (SPEC §7, default 1 GiB).
    pub fn log_limit(&self) -> u64 {
        self.log_limit.0
    }

    /// Is the status line shown?
    pub fn status_line(&self) -> bool {
        self.status_line
    }

    /// Where the status line goes.
    pub fn status_position(&self) -> StatusPosition {
        self.status_position
    }
}

/// The top-level keys, for the hint when one is written under `[bindings]`
/// (TOML puts every key after a table header into that table).
const TOP_LEVEL: &[&str] = &[
    "prefix",
    "history-limit",
    "log-limit",
    "default-shell",
    "status-line",
    "status-position",
    "bell",
    "notify-desktop",
    "notify-command",
    "mouse",
];

/// Turns a toml/serde error into `LINE: message naming the key`. The span
/// points at the offending key (unknown keys, bad binding names) or value;
/// the key of a value is read back from the text before it on its line.
fn describe(text: &str, err: &toml::de::Error) -> String {
    let msg = err.message().trim();
    let Some(start) = err
        .span()
        .map(|s| s.start.min(text.len()))
        .filter(|s| text.is_char_boundary(*s))
    else {
        return format!("1: {msg}");
    };
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..start].matches('\n').count() + 1;
    let table = table_before(&text[..line_start]);
    let within = table.map(|t| format!(" in [{t}]")).unwrap_or_default();
    let before = text[line_start..start].trim();
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let (key, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let expected = expected
            .trim_start_matches(", ")
            .replace('`', "")
            .replace("expected one of ", "expected one of: ");
        return format!("{line}: unknown key {key:?}{within} ({expected})");
    }
    if before.is_empty() {
        // The span is a key (a bad binding name): "in [table]" goes right
        // after the key's name, before any "(expected …)".
        let hint = misplaced_hint(text, start, table);
        let (what, why) = msg
            .split_once(" (")
            .map_or((msg, String::new()), |(w, y)| (w, format!(" ({y}")));
        return format!("{line}: {what}{within}{why}{hint}");
    }
    match before.strip_suffix('=') {
        Some(key) => format!(
            "{line}: bad value for {:?}{within}: {msg}",
            unquote(key.trim())
        ),
        None => format!("{line}: {msg}"),
    }
}

/// The name of the last `[table]` header in `text`, if any.
fn table_before(text: &str) -> Option<&str> {
    text.lines()
        .rev()
        .map(str::trim)
        .find_map(|l| l.strip_prefix('[')?.split(']').next())
        .map(str::trim)
}

/// `prefix = …` under `[bindings]` reads as a binding of the key "prefix":
/// say what happened.
fn misplaced_hint(text: &str, start: usize, table: Option<&str>) -> &'static str {
    let key = text[start..]
        .split(|c: char| c == '=' || c.is_whitespace())
        .next()
        .unwrap_or("");
    if table.is_some() && TOP_LEVEL.contains(&unquote(key)) {
        " (top-level keys go before the first [table])"
    } else {
        ""
    }
}

fn unquote(key: &str) -> &str {
    key.trim_matches(|c| c == '"' || c == '\'')
}

#[cfg(test)]
mod tests;
