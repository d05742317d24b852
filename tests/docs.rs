//! The documentation generated from the clap definitions: the man page
//! (`man/bgmux.1`, stale → this test fails; `BGMUX_BLESS=1` rewrites it),
//! shell completions, and an example in every command's `--help`.
//!
//! The man page is built here, not by the binary, so that `clap_mangen`
//! stays a dev-dependency: the title, name, synopsis, description and global
//! options come from `clap_mangen`; COMMANDS and SLASH COMMANDS are rendered
//! from the same clap definitions with `roff`; the rest is hand-written in
//! `man/sections.roff` and slotted in by section name.

use std::path::PathBuf;

use bgmux::cli::Cli;
use clap::CommandFactory;
use roff::{bold, italic, roman, Roff};

use crate::support::Bg;

/// The hand-written sections, in the order they appear.
const HAND_WRITTEN: &[&str] = &[
    "CONCEPTS",
    "KEYS",
    "CONFIGURATION",
    "FILES",
    "ENVIRONMENT",
    "EXAMPLES",
];

fn man_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("man")
}

/// `man/sections.roff` split at each `.SH NAME`.
fn hand_written() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(man_dir().join("sections.roff")).unwrap();
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix(".SH ") {
            sections.push((name.trim_matches('"').to_string(), String::new()));
        }
        if let Some((_, body)) = sections.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    let names: Vec<&str> = sections.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names, HAND_WRITTEN,
        "man/sections.roff must have exactly these sections, in this order"
    );
    sections
}

/// One `.SS` per visible command (`config check` and `config reload` too):
/// its usage, what it does, its own options and its example.
fn commands(roff: &mut Roff, cmd: &clap::Command, path: &str) {
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = format!("{path} {}", sub.get_name());
        if sub.has_subcommands() {
            commands(roff, sub, &name);
            continue;
        }
        let usage = sub.clone().render_usage().to_string();
        roff.control("SS", [name.as_str()]);
        roff.text([bold(usage.trim_start_matches("Usage: ").trim())]);
        roff.control("PP", []);
        let about = sub
            .get_long_about()
            .or(sub.get_about())
            .map(ToString::to_string)
            .unwrap_or_default();
        roff.text([roman(about)]);
        for arg in sub
            .get_arguments()
            .filter(|a| !a.is_global_set() && !a.is_hide_set() && a.get_id() != "help")
        {
            roff.control("TP", []);
            roff.text(arg_header(arg));
            let help = arg
                .get_long_help()
                .or(arg.get_help())
                .map(ToString::to_string)
                .unwrap_or_default();
            roff.text([roman(help)]);
        }
        if let Some(example) = sub.get_after_help() {
            roff.control("PP", []);
            roff.control("nf", []);
            roff.text([roman(example.to_string())]);
            roff.control("fi", []);
        }
    }
}

/// `--name <NAME>`, `-a, --all`, `<CMD>...`.
fn arg_header(arg: &clap::Arg) -> Vec<roff::Inline> {
    let values = arg.get_value_names().map(|v| {
        v.iter()
            .map(|n| format!("<{n}>"))
            .collect::<Vec<_>>()
            .join(" ")
    });
    let many = matches!(arg.get_action(), clap::ArgAction::Append);
    let dots = if many { "..." } else { "" };
    if arg.is_positional() {
        let name = values.unwrap_or_else(|| format!("<{}>", arg.get_id().as_str().to_uppercase()));
        return vec![italic(format!("{name}{dots}"))];
    }
    let mut flag = match (arg.get_short(), arg.get_long()) {
        (Some(s), Some(l)) => format!("-{s}, --{l}"),
        (Some(s), None) => format!("-{s}"),
        (None, Some(l)) => format!("--{l}"),
        (None, None) => String::new(),
    };
    let takes_value = matches!(
        arg.get_action(),
        clap::ArgAction::Set | clap::ArgAction::Append
    );
    let mut out = vec![bold(std::mem::take(&mut flag))];
    if let Some(values) = values.filter(|_| takes_value) {
        out.push(roman(" "));
        out.push(italic(format!("{values}{dots}")));
    }
    out
}

/// The slash commands, from the grammar the prompt and `[bindings]` parse with.
fn slash_commands(roff: &mut Roff) {
    roff.control("SH", ["SLASH COMMANDS"]);
    roff.text([roman(
        "At the command prompt (prefix, then : or /) and in the config file's [bindings]. \
         The leading / is optional; words are split like a shell's, except after /bg.",
    )]);
    let grammar = bgmux::slash::Slash::command();
    for cmd in grammar.get_subcommands() {
        roff.control("TP", []);
        // roff input is ASCII: the grammar's "TASK…" becomes "TASK...".
        let mut header = vec![bold(bgmux::slash::synopsis(cmd).replace('…', "..."))];
        for alias in cmd.get_visible_aliases() {
            header.push(roman(", "));
            header.push(bold(format!("/{alias}")));
        }
        roff.text(header);
        roff.text([roman(
            cmd.get_about().map(ToString::to_string).unwrap_or_default(),
        )]);
    }
}

/// `bgmux [-S PATH] [-L NAME] [-f FILE] [-v] [COMMAND]`. (clap_mangen's
/// synopsis drops the value names of short-only options.)
fn synopsis(roff: &mut Roff, cmd: &clap::Command) {
    roff.control("SH", ["SYNOPSIS"]);
    let mut line = vec![bold("bgmux")];
    for arg in cmd
        .get_arguments()
        .filter(|a| a.get_short().is_some() && a.get_long().is_none())
    {
        line.push(roman(" ["));
        line.extend(arg_header(arg));
        line.push(roman("]"));
    }
    line.push(roman(" ["));
    line.push(italic("COMMAND"));
    line.push(roman("]"));
    roff.text(line);
}

/// The whole page.
fn man_page() -> String {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone())
        .title("BGMUX")
        .manual("bgmux manual");
    let mut built = cmd;
    built.build();
    let hand = hand_written();
    let section = |name: &str| {
        hand.iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_bytes())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    man.render_title(&mut out).unwrap();
    man.render_name_section(&mut out).unwrap();
    let mut roff = Roff::new();
    synopsis(&mut roff, &built);
    out.extend_from_slice(roff.to_roff().as_bytes());
    man.render_description_section(&mut out).unwrap();
    out.extend_from_slice(section("CONCEPTS"));
    man.render_options_section(&mut out).unwrap();
    let mut roff = Roff::new();
    roff.control("SH", ["COMMANDS"]);
    commands(&mut roff, &built, "bgmux");
    out.extend_from_slice(roff.to_roff().as_bytes());
    out.extend_from_slice(section("KEYS"));
    let mut roff = Roff::new();
    slash_commands(&mut roff);
    out.extend_from_slice(roff.to_roff().as_bytes());
    for name in &HAND_WRITTEN[2..] {
        out.extend_from_slice(section(name));
    }
    man.render_version_section(&mut out).unwrap();
    let page = String::from_utf8(out).unwrap();
    // Each clap_mangen call repeats roff's two-line preamble; keep the first.
    let mut seen = std::collections::HashSet::new();
    let lines: Vec<&str> = page
        .lines()
        .filter(|l| !l.starts_with(".ie \\n(.g") && !l.starts_with(".el .ds Aq") || seen.insert(*l))
        .collect();
    let header = ".\\\" Generated by tests/docs.rs from the clap definitions and man/sections.roff: do not\n\
                  .\\\" edit; BGMUX_BLESS=1 cargo nextest run -E 'test(man_page)' regenerates it.\n";
    format!("{header}{}\n", lines.join("\n"))
}

#[test]
fn man_page_is_up_to_date() {
    let page = man_page();
    let path = man_dir().join("bgmux.1");
    if std::env::var_os("BGMUX_BLESS").is_some() {
        std::fs::write(&path, &page).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == page,
        "man/bgmux.1 is stale (the clap definitions or man/sections.roff changed): \
         regenerate it with `BGMUX_BLESS=1 cargo nextest run -E 'test(man_page)'` and commit it"
    );
    for needle in [
        "COMMANDS",
        "bgmux run",
        "SLASH COMMANDS",
        "/bashes",
        "CONFIGURATION",
        "history\\-limit",
    ] {
        assert!(page.contains(needle), "the man page mentions {needle}");
    }
}

#[test]
fn completions_generate_for_bash_zsh_and_fish() {
    let bg = Bg::new();
    for shell in ["bash", "zsh", "fish"] {
        let script = bg.ok(&["completions", shell]);
        for word in [
            "run",
            "attach",
            "capture",
            "kill-server",
            "config",
            "completions",
        ] {
            assert!(script.contains(word), "{shell} completions mention {word}");
        }
        assert!(
            !script.contains("state-dir"),
            "{shell}: the hidden server command is left out"
        );
    }
    assert_eq!(bg.run(&["completions", "tcsh"]).status.code(), Some(2));
}

/// Every visible command, as the words that name it (`["config", "check"]`).
fn command_paths(cmd: &clap::Command, path: &[String], out: &mut Vec<Vec<String>>) {
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let mut words = path.to_vec();
        words.push(sub.get_name().to_string());
        command_paths(sub, &words, out);
        out.push(words);
    }
}

#[test]
fn every_command_help_has_an_example() {
    let bg = Bg::new();
    let mut paths = vec![Vec::new()];
    command_paths(&Cli::command(), &[], &mut paths);
    assert!(paths.len() > 12, "{paths:?}");
    for words in paths {
        let mut args: Vec<&str> = words.iter().map(String::as_str).collect();
        args.push("--help");
        let help = bg.ok(&args);
        assert!(
            help.contains("Example"),
            "`bgmux {}` has no example:\n{help}",
            args.join(" ")
        );
    }
}
