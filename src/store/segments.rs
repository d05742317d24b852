//! The files that make up one task's log, and where each sits in the task's
//! output. A log is a run of *segments*, each named after the absolute byte
//! offset of its first byte, so a name never changes meaning:
//!
//! ```text
//!   tasks/7.log             bytes 0 ..           (the first segment)
//!   tasks/7.log.134217728   bytes 134217728 ..   (the next one, when 7.log is full)
//!   tasks/7.log.268435456   …                    (the last one is being appended to)
//!   tasks/7.idx             the line index (see index.rs)
//! ```
//!
//! Past `log-limit`, the writer deletes the oldest segments: the first
//! segment left on disk then starts past 0, and those bytes are the
//! *dropped* part. This file only names and lists segments; writing them is
//! `log.rs`, reading them `reader/`.

use std::fs;
use std::path::{Path, PathBuf};

/// One segment file on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Absolute offset of its first byte in the task's output.
    pub start: u64,
    /// Its length now.
    pub len: u64,
    /// The file.
    pub path: PathBuf,
}

impl Segment {
    /// The absolute offset just past its last byte.
    pub fn end(&self) -> u64 {
        self.start + self.len
    }
}

/// The file of task `id`'s segment starting at `start`.
pub fn path(tasks: &Path, id: u64, start: u64) -> PathBuf {
    if start == 0 {
        tasks.join(format!("{id}.log"))
    } else {
        tasks.join(format!("{id}.log.{start}"))
    }
}

/// The line index file of task `id`.
pub fn index_path(tasks: &Path, id: u64) -> PathBuf {
    tasks.join(format!("{id}.idx"))
}

/// Parses a file name in the tasks directory as a segment: `(id, start)`.
pub fn parse_name(name: &str) -> Option<(u64, u64)> {
    let (id, rest) = name.split_once('.')?;
    let id = id.parse().ok()?;
    match rest.strip_prefix("log")? {
        "" => Some((id, 0)),
        start => Some((id, start.strip_prefix('.')?.parse().ok()?)),
    }
}

/// Task `id`'s segments, oldest first; empty if it has no log at all.
/// Only the newest run of contiguous segments counts: a segment shortened
/// behind our back leaves a hole, and what lies before a hole is treated as
/// dropped (`log` says so) rather than glued to what follows it.
pub fn list(tasks: &Path, id: u64) -> Vec<Segment> {
    let mut segs = Vec::new();
    let Ok(entries) = fs::read_dir(tasks) else {
        return segs;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some((owner, start)) = name.to_str().and_then(parse_name) else {
            continue;
        };
        if owner != id {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        segs.push(Segment {
            start,
            len: meta.len(),
            path: entry.path(),
        });
    }
    segs.sort_by_key(|s| s.start);
    let keep_from = segs
        .windows(2)
        .rposition(|w| w[0].end() != w[1].start)
        .map_or(0, |i| i + 1);
    segs.drain(..keep_from);
    segs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_round_trip() {
        let dir = Path::new("/x");
        assert_eq!(path(dir, 7, 0), Path::new("/x/7.log"));
        assert_eq!(path(dir, 7, 4096), Path::new("/x/7.log.4096"));
        assert_eq!(parse_name("7.log"), Some((7, 0)));
        assert_eq!(parse_name("7.log.4096"), Some((7, 4096)));
        for bad in [
            "7.json",
            "7.idx",
            "x.log",
            "7.logx",
            "7.log.",
            "7.log.tmp-3",
        ] {
            assert_eq!(parse_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_the_newest_contiguous_run_counts() {
        let dir = std::env::temp_dir().join(format!("bgmux-segs-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(path(&dir, 3, 0), b"0123").unwrap();
        fs::write(path(&dir, 3, 10), b"abcd").unwrap();
        fs::write(path(&dir, 3, 14), b"ef").unwrap();
        fs::write(path(&dir, 4, 0), b"other task").unwrap();
        let segs = list(&dir, 3);
        assert_eq!(
            segs.iter().map(|s| (s.start, s.len)).collect::<Vec<_>>(),
            vec![(10, 4), (14, 2)]
        );
        assert!(list(&dir, 5).is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }
}
