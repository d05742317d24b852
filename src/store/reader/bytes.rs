//! A task's log as bytes: the segments on disk seen as one run from the
//! first kept offset to the end, read at any offset, from the end
//! backwards (`--tail`), or rendered as lines from an offset on. No line
//! numbers, so opening costs one directory listing whatever the log's size
//! — even a 1 GB log that is one line. `log`, `capture`, `attach --replay`
//! use this; [`super::LogReader`] adds the line index on top for review
//! mode and search.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use anyhow::{bail, Result};

use super::CHUNK;
use crate::store::render::Renderer;
use crate::store::segments::{self, Segment};
use crate::store::Store;

/// A snapshot of a task's segments; see the file comment.
#[derive(Debug)]
pub struct LogBytes {
    id: u64,
    segs: Vec<Segment>,
}

impl LogBytes {
    /// Opens task `id`'s log in `store`.
    pub fn open(store: &Store, id: u64) -> Result<LogBytes> {
        let segs = segments::list(store.tasks_dir(), id);
        if segs.is_empty() {
            bail!("the log of task {id} is missing: it was deleted behind bgmux's back");
        }
        Ok(LogBytes { id, segs })
    }

    /// The task whose log this is.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The segments, oldest first.
    #[cfg(test)]
    pub fn segments(&self) -> &[Segment] {
        &self.segs
    }

    /// Looks at the segments again, to read bytes added since the snapshot
    /// (for `--follow`).
    pub fn refresh(&mut self, store: &Store) -> Result<()> {
        let segs = segments::list(store.tasks_dir(), self.id);
        if segs.is_empty() {
            bail!(
                "the log of task {} was deleted behind bgmux's back",
                self.id
            );
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

    pub(super) fn newline_before(&self, offset: u64) -> Result<bool> {
        let mut b = [0u8; 1];
        Ok(self.read_at(offset - 1, &mut b)? == 1 && b[0] == b'\n')
    }

    /// Reads bytes at absolute `offset` (within one segment); 0 at the end.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let Some(seg) = self
            .segs
            .iter()
            .find(|s| s.start <= offset && offset < s.end())
        else {
            return Ok(0);
        };
        let want = buf
            .len()
            .min(usize::try_from(seg.end() - offset).unwrap_or(usize::MAX));
        let file = File::open(&seg.path).map_err(|e| self.gone(e))?;
        let n = file
            .read_at(&mut buf[..want], offset - seg.start)
            .map_err(|e| self.gone(e))?;
        Ok(n)
    }

    fn gone(&self, e: io::Error) -> anyhow::Error {
        if e.kind() == io::ErrorKind::NotFound {
            anyhow::anyhow!("the log of task {} was deleted while being read", self.id)
        } else {
            anyhow::anyhow!("reading the log of task {}: {e}", self.id)
        }
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
        let mut want = n + u64::from(end > first && self.newline_before(end)?);
        let mut buf = vec![0u8; CHUNK];
        while end > first && want > 0 {
            let start = end.saturating_sub(CHUNK as u64).max(first);
            let seg_start = self
                .segs
                .iter()
                .rfind(|s| s.start < end)
                .map_or(first, |s| s.start);
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
}
