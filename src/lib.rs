//! bgmux as a library. The binary (`main.rs`) is its real user; the library
//! target exists so that the integration tests can build the clap `Command`
//! itself — to generate `man/bgmux.1` with `clap_mangen` as a dev-dependency
//! (kept out of the shipped binary) and to walk every subcommand's `--help`.
//! Public: the command line, the slash-command grammar, `dispatch`, and the
//! wire protocol (for the protocol fuzz target in `fuzz/` and for tests that
//! play a misbehaving peer); everything else stays private to the crate.

pub mod cli;
mod client;
mod commands;
mod config;
mod keyname;
mod logging;
mod paths;
pub mod protocol;
mod pty;
mod server;
pub mod slash;
mod store;

pub use commands::dispatch;
