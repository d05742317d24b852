//! The slash-command grammar (SPEC §4): what the attached client's command
//! prompt and the config file's `[bindings]` accept, parsed by one function,
//! [`parse`], so one grammar serves both. It owns the words, their arguments,
//! their one-line errors and the `/help` listing; it does not carry a command
//! out (the server does, given a [`Slash`]).
//!
//! A line is split into words like a shell would (single quotes, double
//! quotes with `\` escapes, `\` outside quotes) and handed to clap, so
//! `/run make -j4 "all tests"` is `["make", "-j4", "all tests"]`. `/bg` is the
//! exception: its text is typed into the task as written, so it keeps the
//! rest of the line raw (`/bg echo it's done` must not fail on the quote).

use clap::{CommandFactory, Parser};

/// One slash command. The leading `/` is optional at the prompt and in
/// bindings (`tasks` and `/tasks` are the same).
#[derive(Debug, Clone, PartialEq, Eq, Parser)]
#[command(
    name = "",
    no_binary_name = true,
    disable_help_flag = true,
    disable_help_subcommand = true,
    disable_version_flag = true
)]
pub enum Slash {
    /// Type TEXT and Enter into the task, then send it to the background
    Bg {
        /// The text, exactly as typed after `/bg ` (never split into words)
        #[arg(value_name = "TEXT")]
        text: Option<String>,
    },
    /// Open the switcher: every task with status and a live preview
    #[command(visible_alias = "bashes")]
    Tasks,
    /// Bring a task into view
    Fg {
        /// Task id or name
        #[arg(value_name = "TASK")]
        task: String,
    },
    /// Start a command as a new task in view
    Run {
        /// The command and its arguments
        #[arg(
            value_name = "CMD",
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true
        )]
        command: Vec<String>,
    },
    /// Kill a task (default: the focused one)
    Kill {
        /// Task id or name
        #[arg(value_name = "TASK")]
        task: Option<String>,
    },
    /// Show tasks side by side in one view
    Split {
        /// Task ids or names
        #[arg(value_name = "TASK", required = true)]
        tasks: Vec<String>,
    },
    /// Rename the focused task
    Rename {
        /// The new name
        #[arg(value_name = "NAME")]
        name: String,
    },
    /// Detach this client; every task keeps running
    Detach,
    /// List the slash commands
    Help,
}

/// Parses one line typed at the prompt or bound to a key. The error is one
/// short lowercase line for the status line (or a config error).
pub fn parse(line: &str) -> Result<Slash, String> {
    let line = line.trim();
    let line = line.strip_prefix('/').unwrap_or(line);
    let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    if word.is_empty() {
        return Err("empty command: try /help".into());
    }
    if word == "bg" {
        let text = rest.trim_start();
        return Ok(Slash::Bg {
            text: (!text.is_empty()).then(|| text.to_string()),
        });
    }
    let words = split(line)?;
    Slash::try_parse_from(&words).map_err(|e| one_line(&e, word))
}

/// The `/help` listing: one line per command, `/fg TASK` then what it does.
pub fn help() -> String {
    let lines: Vec<(String, String)> = Slash::command()
        .get_subcommands()
        .map(|cmd| {
            let about = cmd.get_about().map(ToString::to_string).unwrap_or_default();
            let aliases: Vec<String> = cmd
                .get_visible_aliases()
                .map(|a| format!(" (/{a})"))
                .collect();
            (format!("{}{}", synopsis(cmd), aliases.concat()), about)
        })
        .collect();
    let width = lines
        .iter()
        .map(|(s, _)| s.chars().count())
        .max()
        .unwrap_or(0);
    lines
        .iter()
        .map(|(s, about)| format!("{s:width$}  {about}\n"))
        .collect()
}

/// `/fg TASK`, `/kill [TASK]`, `/split TASK…`: a command's usage in the
/// spec's notation, built from its clap definition.
pub fn synopsis(cmd: &clap::Command) -> String {
    let mut out = format!("/{}", cmd.get_name());
    for arg in cmd.get_positionals() {
        let name = arg
            .get_value_names()
            .and_then(|v| v.first())
            .map_or("ARG".to_string(), ToString::to_string);
        let many = matches!(arg.get_action(), clap::ArgAction::Append);
        let name = if many { format!("{name}…") } else { name };
        if arg.is_required_set() {
            out.push_str(&format!(" {name}"));
        } else {
            out.push_str(&format!(" [{name}]"));
        }
    }
    out
}

/// Turns clap's multi-line error into one line naming the command's usage.
fn one_line(err: &clap::Error, word: &str) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let usage = Slash::command().find_subcommand(word).map(synopsis);
    match err.kind() {
        ErrorKind::InvalidSubcommand => match err.get(ContextKind::SuggestedSubcommand) {
            Some(ContextValue::Strings(s)) if !s.is_empty() => {
                format!("unknown command /{word}: did you mean /{}?", s[0])
            }
            _ => format!("unknown command /{word}: try /help"),
        },
        ErrorKind::MissingRequiredArgument => {
            format!("missing argument: usage {}", usage.unwrap_or_default())
        }
        ErrorKind::UnknownArgument => match err.get(ContextKind::InvalidArg) {
            Some(ContextValue::String(arg)) => {
                format!(
                    "unexpected argument {arg:?}: usage {}",
                    usage.unwrap_or_default()
                )
            }
            _ => format!("unexpected argument: usage {}", usage.unwrap_or_default()),
        },
        _ => {
            let text = err.render().to_string();
            let first = text.lines().next().unwrap_or("invalid command");
            format!(
                "{}: usage {}",
                first.trim_start_matches("error: "),
                usage.unwrap_or_default()
            )
        }
    }
}

/// Splits a line into words like `sh` would, without expansions: `'…'`
/// is literal, `"…"` honours `\"` and `\\`, a bare `\` escapes the next
/// character.
fn split(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => return Err("unclosed ' quote".into()),
                    }
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => w.push(c),
                            Some(c) => w.extend(['\\', c]),
                            None => return Err("unclosed \" quote".into()),
                        },
                        Some(c) => w.push(c),
                        None => return Err("unclosed \" quote".into()),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn every_spec_command_parses() {
        assert_eq!(parse("/tasks"), Ok(Slash::Tasks));
        assert_eq!(parse("/bashes"), Ok(Slash::Tasks));
        assert_eq!(parse("tasks"), Ok(Slash::Tasks));
        assert_eq!(
            parse(" /fg build "),
            Ok(Slash::Fg {
                task: "build".into()
            })
        );
        assert_eq!(
            parse("/run make -j4 'all tests'"),
            Ok(Slash::Run {
                command: s(&["make", "-j4", "all tests"])
            })
        );
        assert_eq!(
            parse("/run --help"),
            Ok(Slash::Run {
                command: s(&["--help"])
            })
        );
        assert_eq!(parse("/kill"), Ok(Slash::Kill { task: None }));
        assert_eq!(
            parse("/kill 3"),
            Ok(Slash::Kill {
                task: Some("3".into())
            })
        );
        assert_eq!(
            parse("/split 3 4"),
            Ok(Slash::Split {
                tasks: s(&["3", "4"])
            })
        );
        assert_eq!(
            parse("/rename \"my build\""),
            Ok(Slash::Rename {
                name: "my build".into()
            })
        );
        assert_eq!(parse("/detach"), Ok(Slash::Detach));
        assert_eq!(parse("/help"), Ok(Slash::Help));
    }

    #[test]
    fn bg_keeps_its_text_as_typed() {
        assert_eq!(parse("/bg"), Ok(Slash::Bg { text: None }));
        assert_eq!(parse("/bg   "), Ok(Slash::Bg { text: None }));
        assert_eq!(
            parse("/bg echo it's  done"),
            Ok(Slash::Bg {
                text: Some("echo it's  done".into())
            })
        );
    }

    #[test]
    fn errors_are_one_short_line() {
        assert_eq!(
            parse("/frobnicate"),
            Err("unknown command /frobnicate: try /help".into())
        );
        assert_eq!(
            parse("/taks"),
            Err("unknown command /taks: did you mean /tasks?".into())
        );
        assert_eq!(parse("/fg"), Err("missing argument: usage /fg TASK".into()));
        assert_eq!(
            parse("/split"),
            Err("missing argument: usage /split TASK…".into())
        );
        assert_eq!(
            parse("/tasks now"),
            Err("unexpected argument \"now\": usage /tasks".into())
        );
        assert_eq!(
            parse("/fg 1 2"),
            Err("unexpected argument \"2\": usage /fg TASK".into())
        );
        assert_eq!(parse("/"), Err("empty command: try /help".into()));
        assert_eq!(parse("/run 'oops"), Err("unclosed ' quote".into()));
        for bad in ["/help --help", "/detach -x", "/fg --version"] {
            let err = parse(bad).unwrap_err();
            assert!(
                !err.contains('\n') && err.starts_with("unexpected argument"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn words_split_like_a_shell() {
        assert_eq!(
            split(r#"a 'b c' "d \"e\" \\ \n" f\ g"#).unwrap(),
            s(&["a", "b c", r#"d "e" \ \n"#, "f g"])
        );
        assert_eq!(split("  ").unwrap(), Vec::<String>::new());
        assert_eq!(split("''").unwrap(), s(&[""]));
    }

    #[test]
    fn help_lists_every_command_with_its_usage() {
        let help = help();
        for line in [
            "/bg [TEXT]",
            "/tasks (/bashes)",
            "/fg TASK",
            "/run CMD…",
            "/kill [TASK]",
            "/split TASK…",
        ] {
            assert!(help.contains(line), "{line} in\n{help}");
        }
        assert_eq!(
            help.lines().count(),
            Slash::command().get_subcommands().count()
        );
    }
}
