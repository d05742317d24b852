//! A task's output log as the server writes it: every byte the task wrote,
//! appended as it arrives, in segments of `log-limit / 8` (see
//! `segments.rs`), with the line index alongside (see `index.rs`).
//!
//! Writes go straight to the file (one `write` per pty read, no user-space
//! buffer) so that a `kill -9` of the server loses nothing already read: the
//! bytes are in the page cache. A read that crosses a segment boundary is
//! split in two; a read that completes index entries costs one more small
//! write to the index. Past `log-limit`, the oldest segments are deleted
//! (and their index entries with them), so a task's disk use stays at most
//! `log-limit` plus one index.
//!
//! A failed log write (disk full, `ulimit -f`) marks the log incomplete and
//! later writes are skipped; the task runs on. A failed index write is only
//! logged: readers rebuild what the index lacks.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::index::{self, Entry, Indexer};
use super::segments;

/// The default `log-limit`: 1 GiB per task (SPEC §7).
pub const DEFAULT_LOG_LIMIT: u64 = 1 << 30;
/// The smallest `log-limit` honoured; smaller values are raised to it.
pub const MIN_LOG_LIMIT: u64 = 8 << 10;
/// How many segments a full log is cut into: dropping one drops an eighth.
const SEGMENTS: u64 = 8;

/// An open log being appended to.
#[derive(Debug)]
pub struct LogWriter {
    file: Option<File>,
    index: Option<File>,
    tasks: PathBuf,
    id: u64,
    seg_size: u64,
    limit: u64,
    /// Start of the segment being written.
    seg_start: u64,
    /// Full segments still on disk: (start, length), oldest first.
    sealed: VecDeque<(u64, u64)>,
    indexer: Indexer,
    entries: Vec<Entry>,
    /// The first failure, until the owner takes it (see [`LogWriter::take_failure`]).
    failure: Option<String>,
}

impl LogWriter {
    /// Creates task `id`'s log in `tasks`, kept under `limit` bytes. An
    /// error here is the log's first failure: the writer then writes nothing.
    pub fn create(tasks: &Path, id: u64, limit: u64) -> (LogWriter, Option<String>) {
        let mut w = LogWriter::new(tasks, id, limit);
        let failed = w.open_segment().err();
        (w, failed)
    }

    /// A writer that writes nothing (tasks read from disk at start-up).
    pub fn closed() -> LogWriter {
        LogWriter::new(Path::new(""), 0, DEFAULT_LOG_LIMIT)
    }

    fn new(tasks: &Path, id: u64, limit: u64) -> LogWriter {
        let limit = limit.max(MIN_LOG_LIMIT);
        LogWriter {
            file: None,
            index: None,
            tasks: tasks.to_path_buf(),
            id,
            seg_size: limit / SEGMENTS,
            limit,
            seg_start: 0,
            sealed: VecDeque::new(),
            indexer: Indexer::at(0, 0),
            entries: Vec::new(),
            failure: None,
        }
    }

    /// Appends `data`; returns the error text the first time a write fails.
    pub fn append(&mut self, mut data: &[u8]) -> Option<String> {
        self.file.as_ref()?;
        while !data.is_empty() {
            let written = self.indexer.offset - self.seg_start;
            if written >= self.seg_size {
                if let Err(why) = self.rotate() {
                    return self.fail(why);
                }
                continue;
            }
            let take = data
                .len()
                .min(usize::try_from(self.seg_size - written).unwrap_or(usize::MAX));
            let (now, rest) = data.split_at(take);
            let file = self.file.as_mut()?;
            if let Err(e) = file.write_all(now) {
                return self.fail(format!("writing log: {e}"));
            }
            self.indexer.scan(now, &mut self.entries);
            data = rest;
        }
        self.write_entries();
        None
    }

    fn fail(&mut self, why: String) -> Option<String> {
        self.file = None;
        self.index = None;
        self.failure = Some(why.clone());
        Some(why)
    }

    /// The first write failure, once: for the owner of a writer that
    /// someone else appends to (the server's pty reader appends; the loop
    /// marks the record).
    pub fn take_failure(&mut self) -> Option<String> {
        self.failure.take()
    }

    /// Opens the segment starting at the current offset and marks it in
    /// the index.
    fn open_segment(&mut self) -> Result<(), String> {
        let path = segments::path(&self.tasks, self.id, self.indexer.offset);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| format!("opening {}: {e}", path.display()))?;
        self.file = Some(file);
        self.seg_start = self.indexer.offset;
        if self.index.is_none() {
            let path = segments::index_path(&self.tasks, self.id);
            match OpenOptions::new().create(true).append(true).open(&path) {
                Ok(f) => self.index = Some(f),
                Err(e) => {
                    tracing::warn!("opening {}: {e}; readers will scan the log", path.display())
                }
            }
        }
        self.entries.push(self.indexer.mark());
        self.write_entries();
        Ok(())
    }

    /// The segment is full: seal it, start the next, drop the oldest ones
    /// past the limit.
    fn rotate(&mut self) -> Result<(), String> {
        self.sealed
            .push_back((self.seg_start, self.indexer.offset - self.seg_start));
        self.open_segment()?;
        let mut dropped = false;
        while self.sealed.iter().map(|s| s.1).sum::<u64>() + self.seg_size > self.limit {
            let Some((start, _)) = self.sealed.pop_front() else {
                break;
            };
            let path = segments::path(&self.tasks, self.id, start);
            if let Err(e) = fs::remove_file(&path) {
                tracing::warn!("dropping {} (log-limit): {e}", path.display());
            }
            dropped = true;
        }
        if dropped {
            self.trim_index();
        }
        Ok(())
    }

    /// Rewrites the index without the entries of dropped segments, so it
    /// stays proportional to what is kept.
    fn trim_index(&mut self) {
        let first = self.sealed.front().map_or(self.seg_start, |s| s.0);
        let path = segments::index_path(&self.tasks, self.id);
        let Ok(old) = fs::read(&path) else { return };
        let kept: Vec<Entry> = index::decode(&old)
            .into_iter()
            .filter(|e| e.offset >= first)
            .collect();
        let mut bytes = Vec::with_capacity(kept.len() * index::RECORD);
        index::encode(&kept, &mut bytes);
        if let Err(e) = super::write_atomic(&path, &bytes) {
            tracing::warn!("trimming {}: {e}", path.display());
            return;
        }
        // The rename replaced the file our handle appends to.
        self.index = OpenOptions::new().append(true).open(&path).ok();
    }

    fn write_entries(&mut self) {
        if self.entries.is_empty() {
            return;
        }
        if let Some(index) = self.index.as_mut() {
            let mut bytes = Vec::with_capacity(self.entries.len() * index::RECORD);
            index::encode(&self.entries, &mut bytes);
            if let Err(e) = index.write_all(&bytes) {
                tracing::warn!(
                    "task {}: writing the line index: {e}; readers will scan the log",
                    self.id
                );
                self.index = None;
            }
        }
        self.entries.clear();
    }
}

/// The `log-limit`: `BGMUX_LOG_LIMIT` (bytes) if set, which tests use to
/// set a small one, else `default` (the config file's `log-limit`).
pub fn limit_from_env(default: u64) -> anyhow::Result<u64> {
    match std::env::var("BGMUX_LOG_LIMIT") {
        Ok(v) => v.trim().parse::<u64>().map_err(|_| {
            anyhow::anyhow!("invalid BGMUX_LOG_LIMIT {v:?}: expected a number of bytes")
        }),
        Err(_) => Ok(default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_rotate_and_the_oldest_are_dropped_past_the_limit() {
        let dir = std::env::temp_dir().join(format!("bgmux-logw-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let (mut w, failed) = LogWriter::create(&dir, 1, MIN_LOG_LIMIT);
        assert_eq!(failed, None);
        let data: Vec<u8> = (0..30_000u32)
            .map(|i| if i % 10 == 9 { b'\n' } else { b'a' })
            .collect();
        for chunk in data.chunks(700) {
            assert_eq!(w.append(chunk), None);
        }
        let segs = segments::list(&dir, 1);
        let kept: u64 = segs.iter().map(|s| s.len).sum();
        assert!(
            kept <= MIN_LOG_LIMIT && kept > MIN_LOG_LIMIT / 2,
            "{segs:?}"
        );
        assert_eq!(segs.last().unwrap().end(), 30_000);
        assert!(segs.iter().all(|s| s.len <= MIN_LOG_LIMIT / SEGMENTS));
        let entries = index::decode(&fs::read(segments::index_path(&dir, 1)).unwrap());
        assert!(entries.iter().all(|e| e.offset >= segs[0].start));
        assert!(entries
            .iter()
            .any(|e| e.mark && e.offset == segs[0].start && e.line == segs[0].start / 10));
        fs::remove_dir_all(&dir).unwrap();
    }
}
