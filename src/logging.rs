//! Debug logs (SPEC §3 `-v`): with `-v`, each process writes its own log,
//! `bgmux-server-PID.log` or `bgmux-client-PID.log`, in the state dir. The
//! server also keeps warnings (refused peers, log write failures, corrupt
//! records) in `server.log` there without `-v`, so they are never lost.

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;

use tracing::Level;

/// Starts logging for a process of `kind` (`server` or `client`).
pub fn init(kind: &str, verbose: bool, state_dir: &Path) {
    let (name, level) = match (verbose, kind) {
        (true, _) => (
            format!("bgmux-{kind}-{}.log", std::process::id()),
            Level::DEBUG,
        ),
        (false, "server") => ("server.log".to_string(), Level::WARN),
        (false, _) => return,
    };
    if std::fs::create_dir_all(state_dir).is_err() {
        return;
    }
    let Ok(file) = OpenOptions::new()
        .create(true)
        .append(true)
        .open(state_dir.join(name))
    else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_max_level(level)
        .with_target(false)
        .try_init();
}
