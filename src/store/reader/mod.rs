//! Reading a task's log by line: [`LogReader`] numbers the lines of the
//! log's bytes ([`LogBytes`], `bytes.rs`) with the line index and serves
//! lines by number and search (`search.rs`). Review mode calls it for rows
//! older than the emulator's in-memory history; commands that only stream
//! (`log`, `capture`, `attach --replay`) use [`LogBytes`] alone.
//!
//! A reader is a snapshot: it sees the log as it was when opened (reopen to
//! see more; opening costs a directory listing, reading the index — about
//! 240 kB for a 1 GB log — and scanning the bytes written since the last
//! entry: under 1024 lines, unless the last line itself is huge). Memory is bounded by the index and one read buffer; rendered
//! lines are bounded by `render.rs`. Lines are numbered over the task's
//! whole output (see `index.rs`): they run from [`LogReader::first_line`]
//! (0 unless `log-limit` dropped the start) to [`LogReader::end_line`].

mod bytes;
mod search;

use std::ops::Range;

use anyhow::Result;

pub use self::bytes::LogBytes;
pub use self::search::{Direction, Query};
use super::index::{self, Entry, Indexer};
use super::render::Renderer;
use super::segments;
use super::Store;

/// Bytes read at a time.
const CHUNK: usize = 256 << 10;

/// A snapshot of one task's log; see the file comment.
#[derive(Debug)]
pub struct LogReader {
    bytes: LogBytes,
    /// Line starts `(line, offset)`, ascending; the first is the first kept
    /// byte (which may be mid-line when older segments were dropped).
    starts: Vec<(u64, u64)>,
    /// Newlines before the end.
    newlines: u64,
    /// Bytes follow the last newline.
    partial: bool,
}

impl LogReader {
    /// Opens task `id`'s log in `store`.
    pub fn open(store: &Store, id: u64) -> Result<LogReader> {
        let bytes = LogBytes::open(store, id)?;
        let mut r = LogReader {
            bytes,
            starts: Vec::new(),
            newlines: 0,
            partial: false,
        };
        let entries =
            std::fs::read(segments::index_path(store.tasks_dir(), id)).unwrap_or_default();
        if !r.use_index(&index::decode(&entries))? {
            r.rebuild()?;
        }
        Ok(r)
    }

    /// The bytes: offsets, reads, tails.
    pub fn bytes(&self) -> &LogBytes {
        &self.bytes
    }

    /// The number of the first line kept.
    pub fn first_line(&self) -> u64 {
        self.starts.first().map_or(0, |s| s.0)
    }

    /// One past the number of the last line (a partial last line counts).
    pub fn end_line(&self) -> u64 {
        self.newlines + u64::from(self.partial)
    }

    /// Lines kept.
    pub fn line_count(&self) -> u64 {
        self.end_line() - self.first_line()
    }

    /// Takes a checked index, or says it cannot be used.
    fn use_index(&mut self, entries: &[Entry]) -> Result<bool> {
        let (first, end) = (self.bytes.first_offset(), self.bytes.end_offset());
        let Some(mark) = entries.iter().find(|e| e.mark && e.offset == first) else {
            return Ok(false);
        };
        self.starts = vec![(mark.line, first)];
        for e in entries
            .iter()
            .filter(|e| !e.mark && e.offset > first && e.offset <= end)
        {
            let &(line, offset) = self.starts.last().unwrap_or(&(0, 0));
            if e.line > line && e.offset > offset {
                self.starts.push((e.line, e.offset));
            }
        }
        let &(line, offset) = self.starts.last().unwrap_or(&(0, 0));
        if offset > first && !self.bytes.newline_before(offset)? {
            return Ok(false);
        }
        self.scan_tail(line, offset)?;
        Ok(true)
    }

    /// Indexes the whole kept log from scratch, numbering from 0.
    fn rebuild(&mut self) -> Result<()> {
        tracing::debug!(
            "task {}: rebuilding the line index from the log",
            self.bytes.id()
        );
        self.starts = vec![(0, self.bytes.first_offset())];
        self.scan_tail(0, self.bytes.first_offset())
    }

    /// Counts the lines from a known start to the end, adding entries.
    fn scan_tail(&mut self, line: u64, offset: u64) -> Result<()> {
        let mut ix = Indexer::at(line, offset);
        let mut entries = Vec::new();
        let mut buf = vec![0u8; CHUNK];
        let end = self.bytes.end_offset();
        while ix.offset < end {
            let n = self.bytes.read_at(ix.offset, &mut buf)?;
            if n == 0 {
                break;
            }
            ix.scan(&buf[..n], &mut entries);
        }
        self.starts
            .extend(entries.iter().map(|e| (e.line, e.offset)));
        self.newlines = ix.lines;
        self.partial = end > self.bytes.first_offset() && !self.bytes.newline_before(end)?;
        Ok(())
    }

    /// The absolute offset where line `k` starts (clamped to the kept lines).
    pub fn line_offset(&mut self, k: u64) -> Result<u64> {
        let k = k.clamp(self.first_line(), self.end_line());
        let at = self.starts.partition_point(|s| s.0 <= k).saturating_sub(1);
        let (mut line, offset) = self.starts[at];
        if at > 0 && !self.bytes.newline_before(offset)? {
            // The index lies (the log was rewritten behind our back).
            self.rebuild()?;
            return self.line_offset(k);
        }
        let mut pos = offset;
        let mut buf = vec![0u8; CHUNK];
        while line < k {
            let n = self.bytes.read_at(pos, &mut buf)?;
            if n == 0 {
                break;
            }
            for nl in memchr::memchr_iter(b'\n', &buf[..n]) {
                line += 1;
                if line == k {
                    return Ok(pos + nl as u64 + 1);
                }
            }
            pos += n as u64;
        }
        Ok(pos)
    }

    /// Lines `range` (clamped to the kept ones), rendered.
    pub fn lines(&mut self, range: Range<u64>, ansi: bool) -> Result<Vec<String>> {
        let start = range.start.max(self.first_line());
        let count = usize::try_from(range.end.min(self.end_line()).saturating_sub(start))
            .unwrap_or(usize::MAX);
        let mut out = Vec::with_capacity(count.min(4096));
        if count == 0 {
            return Ok(out);
        }
        let offset = self.line_offset(start)?;
        let mut r = Renderer::new(ansi);
        let mut buf = vec![0u8; CHUNK];
        let mut pos = offset;
        let mut take = |l: &str| -> Result<(), Full> {
            out.push(l.to_string());
            if out.len() == count {
                return Err(Full);
            }
            Ok(())
        };
        loop {
            let n = self.bytes.read_at(pos, &mut buf)?;
            if n == 0 {
                let _ = r.finish(&mut take);
                break;
            }
            if r.feed(&buf[..n], &mut take).is_err() {
                break;
            }
            pos += n as u64;
        }
        Ok(out)
    }
}

/// Enough lines were taken (ends a render early).
struct Full;

#[cfg(test)]
mod tests;
