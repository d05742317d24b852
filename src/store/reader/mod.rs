//! Reading a task's log: [`LogReader`] sees the segments on disk as one run
//! of bytes from the first kept offset to the end, numbers its lines with
//! the line index, and serves lines by number, a tail, a byte range, and
//! search (`search.rs`). Review mode calls it for rows older than the
//! emulator's in-memory history; `log`, `capture --history` and
//! `attach --replay` call it for everything on disk.
//!
//! A reader is a snapshot: it sees the log as it was when opened (reopen to
//! see more; opening costs a directory listing, reading the index — about
//! 200 kB for a 1 GB log — and scanning the lines written since the last
//! entry). Memory is bounded by the index and one read buffer; rendered
//! lines are bounded by `render.rs`. Lines are numbered over the task's
//! whole output (see `index.rs`): they run from [`LogReader::first_line`]
//! (0 unless `log-limit` dropped the start) to [`LogReader::end_line`].

mod search;

use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt;

use anyhow::{bail, Result};

pub use self::search::{Direction, Query};
use super::index::{self, Entry, Indexer};
use super::render::Renderer;
use super::segments::{self, Segment};
use super::Store;

/// Bytes read at a time.
const CHUNK: usize = 256 << 10;

/// A snapshot of one task's log; see the file comment.
#[derive(Debug)]
pub struct LogReader {
    id: u64,
    segs: Vec<Segment>,
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
        let segs = segments::list(store.tasks_dir(), id);
        if segs.is_empty() {
            bail!("the log of task {id} is missing: it was deleted behind bgmux's back");
        }
        let mut r = LogReader { id, segs, starts: Vec::new(), newlines: 0, partial: false };
        let entries = std::fs::read(segments::index_path(store.tasks_dir(), id)).unwrap_or_default();
        if !r.use_index(&index::decode(&entries))? {
            r.rebuild()?;
        }
        Ok(r)
    }

    /// Looks at the segments again, to read bytes added since the snapshot
    /// (for `--follow`); the line numbers stay those of the snapshot.
    pub fn refresh(&mut self, store: &Store) -> Result<()> {
        let segs = segments::list(store.tasks_dir(), self.id);
        if segs.is_empty() {
            bail!("the log of task {} was deleted behind bgmux's back", self.id);
        }
        self.segs = segs;
        Ok(())
    }

    /// Absolute offset of the first byte kept (the bytes dropped by `log-limit`).
    pub fn first_offset(&self) -> u64 {
        self.segs.first().map_or(0, |s| s.start)
    }

    /// Absolute offset of the end: all the bytes the log ever received.
    pub fn end_offset(&self) -> u64 {
        self.segs.last().map_or(0, Segment::end)
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
        let (first, end) = (self.first_offset(), self.end_offset());
        let Some(mark) = entries.iter().find(|e| e.mark && e.offset == first) else { return Ok(false) };
        self.starts = vec![(mark.line, first)];
        for e in entries.iter().filter(|e| !e.mark && e.offset > first && e.offset <= end) {
            let &(line, offset) = self.starts.last().unwrap_or(&(0, 0));
            if e.line > line && e.offset > offset {
                self.starts.push((e.line, e.offset));
            }
        }
        let &(line, offset) = self.starts.last().unwrap_or(&(0, 0));
        if offset > first && !self.newline_before(offset)? {
            return Ok(false);
        }
        self.scan_tail(line, offset)?;
        Ok(true)
    }

    /// Indexes the whole kept log from scratch, numbering from 0.
    fn rebuild(&mut self) -> Result<()> {
        tracing::debug!("task {}: rebuilding the line index from the log", self.id);
        self.starts = vec![(0, self.first_offset())];
        self.scan_tail(0, self.first_offset())
    }

    /// Counts the lines from a known start to the end, adding entries.
    fn scan_tail(&mut self, line: u64, offset: u64) -> Result<()> {
        let mut ix = Indexer::at(line, offset);
        let mut entries = Vec::new();
        let mut buf = vec![0u8; CHUNK];
        let end = self.end_offset();
        while ix.offset < end {
            let n = self.read_at(ix.offset, &mut buf)?;
            if n == 0 {
                break;
            }
            ix.scan(&buf[..n], &mut entries);
        }
        self.starts.extend(entries.iter().map(|e| (e.line, e.offset)));
        self.newlines = ix.lines;
        self.partial = end > self.first_offset() && !self.newline_before(end)?;
        Ok(())
    }

    fn newline_before(&self, offset: u64) -> Result<bool> {
        let mut b = [0u8; 1];
        Ok(self.read_at(offset - 1, &mut b)? == 1 && b[0] == b'\n')
    }

    /// Reads bytes at absolute `offset` (within one segment); 0 at the end.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let Some(seg) = self.segs.iter().find(|s| s.start <= offset && offset < s.end()) else { return Ok(0) };
        let want = buf.len().min(usize::try_from(seg.end() - offset).unwrap_or(usize::MAX));
        let file = File::open(&seg.path).map_err(|e| self.gone(e))?;
        let n = file.read_at(&mut buf[..want], offset - seg.start).map_err(|e| self.gone(e))?;
        Ok(n)
    }

    fn gone(&self, e: io::Error) -> anyhow::Error {
        if e.kind() == io::ErrorKind::NotFound {
            anyhow::anyhow!("the log of task {} was deleted while being read", self.id)
        } else {
            anyhow::anyhow!("reading the log of task {}: {e}", self.id)
        }
    }

    /// The absolute offset where line `k` starts (clamped to the kept lines).
    pub fn line_offset(&mut self, k: u64) -> Result<u64> {
        let k = k.clamp(self.first_line(), self.end_line());
        let at = self.starts.partition_point(|s| s.0 <= k).saturating_sub(1);
        let (mut line, offset) = self.starts[at];
        if at > 0 && !self.newline_before(offset)? {
            // The index lies (the log was rewritten behind our back).
            self.rebuild()?;
            return self.line_offset(k);
        }
        let mut pos = offset;
        let mut buf = vec![0u8; CHUNK];
        while line < k {
            let n = self.read_at(pos, &mut buf)?;
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

    /// Where the last `n` lines start: found by reading backwards from the
    /// end, so it costs the size of those lines, not of the log.
    pub fn tail_offset(&self, n: u64) -> Result<u64> {
        let first = self.first_offset();
        let mut end = self.end_offset();
        if n == 0 {
            return Ok(end);
        }
        // A final newline ends the last line rather than starting another.
        let mut want = n + u64::from(!self.partial);
        let mut buf = vec![0u8; CHUNK];
        while end > first && want > 0 {
            let start = end.saturating_sub(CHUNK as u64).max(first);
            let seg_start = self.segs.iter().rfind(|s| s.start < end).map_or(first, |s| s.start);
            let start = start.max(seg_start);
            let len = usize::try_from(end - start).unwrap_or(CHUNK);
            let got = self.read_at(start, &mut buf[..len])?;
            for nl in memchr::memrchr_iter(b'\n', &buf[..got]) {
                want -= 1;
                if want == 0 {
                    return Ok(start + nl as u64 + 1);
                }
            }
            end = start;
        }
        Ok(first)
    }

    /// Renders the bytes from `offset` to the end as lines, streaming.
    pub fn render_from<E: From<anyhow::Error>>(
        &self,
        offset: u64,
        ansi: bool,
        line: &mut impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut r = Renderer::new(ansi);
        let mut buf = vec![0u8; CHUNK];
        let mut pos = offset;
        loop {
            let n = self.read_at(pos, &mut buf)?;
            if n == 0 {
                break;
            }
            r.feed(&buf[..n], line)?;
            pos += n as u64;
        }
        r.finish(line)
    }

    /// Lines `range` (clamped to the kept ones), rendered.
    pub fn lines(&mut self, range: Range<u64>, ansi: bool) -> Result<Vec<String>> {
        let start = range.start.max(self.first_line());
        let count = usize::try_from(range.end.min(self.end_line()).saturating_sub(start)).unwrap_or(usize::MAX);
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
            let n = self.read_at(pos, &mut buf)?;
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
