//! The README's tour runs as written: every `sh` block marked
//! `<!-- runnable -->` is run by bash with `set -e` on a private socket and
//! state dir, with this build's `bgmux` first on PATH.

use crate::support::{text, Bg, BIN};

/// The runnable blocks of README.md.
fn runnable_blocks() -> Vec<String> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "<!-- runnable -->" {
            continue;
        }
        assert_eq!(
            lines.next().map(str::trim),
            Some("```sh"),
            "a runnable marker must precede a ```sh block"
        );
        let block: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        blocks.push(block.join("\n"));
    }
    blocks
}

#[test]
fn the_readme_tour_runs() {
    let blocks = runnable_blocks();
    assert!(!blocks.is_empty(), "README.md has no runnable block");
    let bin_dir = std::path::Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for block in blocks {
        let bg = Bg::new();
        let out = std::process::Command::new("bash")
            .arg("-ec")
            .arg(&block)
            .current_dir(&bg.dir)
            .env("PATH", &path)
            .env("BGMUX_SOCKET", &bg.socket)
            .env("BGMUX_STATE_DIR", &bg.state)
            .env("XDG_CONFIG_HOME", bg.dir.join("no-config"))
            .env_remove("BGMUX_TASK_ID")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "the tour failed:\n{block}\n--- stdout\n{}\n--- stderr\n{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("build passed") && stdout.contains("got hello"),
            "{stdout}"
        );
    }
}
