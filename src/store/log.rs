//! A task's output log: every byte the task wrote, appended as it arrives.
//! Writes go straight to the file (one `write` per pty read, no user-space
//! buffer) so that a `kill -9` of the server loses nothing already read: the
//! bytes are in the page cache. A failed write (disk full, `ulimit -f`)
//! marks the log incomplete and later writes are skipped; the task runs on.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

/// An open log being appended to.
#[derive(Debug)]
pub struct LogWriter {
    file: Option<File>,
    failed: Option<String>,
}

impl LogWriter {
    /// Opens (creating) the log at `path` for appending.
    pub fn open(path: &Path) -> LogWriter {
        match OpenOptions::new().create(true).append(true).open(path) {
            Ok(file) => LogWriter {
                file: Some(file),
                failed: None,
            },
            Err(e) => LogWriter {
                file: None,
                failed: Some(format!("opening {}: {e}", path.display())),
            },
        }
    }

    /// Appends `data`; returns the error text the first time a write fails.
    pub fn append(&mut self, data: &[u8]) -> Option<String> {
        let file = self.file.as_mut()?;
        if let Err(e) = file.write_all(data) {
            let why = format!("writing log: {e}");
            self.failed = Some(why.clone());
            self.file = None;
            return Some(why);
        }
        None
    }
}
