//! bgmux: a terminal multiplexer built around background tasks. This file
//! parses the command line and turns the outcome into an exit status; the
//! commands live in `commands/` (of the library target, see `lib.rs`).

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = bgmux::cli::Cli::parse();
    match bgmux::dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`bgmux log 3 | head`) is not an error (ripgrep).
            let broken_pipe = err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                return ExitCode::SUCCESS;
            }
            eprintln!("bgmux: {err:#}");
            ExitCode::FAILURE
        }
    }
}
