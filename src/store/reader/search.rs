//! Search over a log's lines, for review mode's `/` and `?` once they reach
//! past the in-memory history: the next line, forward or backward from a
//! given one, whose rendered text matches a literal or a regex, with smart
//! case (case-insensitive unless the pattern has an upper-case letter).
//!
//! Lines are matched one at a time on what a person saw: a line with no
//! control bytes (the vast majority, once its `\r\n` is trimmed) is matched
//! on its raw bytes; any other line is rendered first (`render.rs`), so an
//! SGR in the middle of a word does not hide it. Only the first
//! `MAX_LINE_INPUT` bytes of a line are searched. Backward search walks the
//! index blocks (at most 1024 lines or ~1 MiB each) from the end, scanning
//! each block forward and keeping its last match, so both directions read
//! each byte once.

use anyhow::{Context, Result};
use regex::bytes::{Regex, RegexBuilder};

use super::{LogReader, CHUNK};
use crate::store::render::{strip_sgr, Renderer, MAX_LINE_INPUT};

/// Which way to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Towards the end: lines `from`, `from + 1`, …
    Forward,
    /// Towards the start: lines `from`, `from - 1`, …
    Backward,
}

/// A compiled search (keep it for `n`/`N`).
#[derive(Debug, Clone)]
pub struct Query {
    regex: Regex,
}

impl Query {
    /// Compiles `pattern`: a regex if `regex`, else a literal; smart case
    /// makes it case-insensitive when it has no upper-case letter.
    pub fn new(pattern: &str, regex: bool, smart_case: bool) -> Result<Query> {
        let source = if regex {
            pattern.to_string()
        } else {
            regex::escape(pattern)
        };
        let fold = smart_case && !pattern.chars().any(char::is_uppercase);
        let regex = RegexBuilder::new(&source)
            .case_insensitive(fold)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| {
                anyhow::anyhow!(
                    "{}",
                    e.to_string().lines().last().unwrap_or("bad regex").trim()
                )
            })
            .with_context(|| format!("invalid search pattern {pattern:?}"))?;
        Ok(Query { regex })
    }

    /// Does this (raw, `\n`-less) line match? Plain and SGR-only lines are
    /// matched without a renderer (`scratch` holds the stripped text).
    fn matches(&self, raw: &[u8], renderer: &mut Renderer, scratch: &mut Vec<u8>) -> bool {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(|&b| b >= 0x20 && b != 0x7f) {
            let end = raw.iter().rposition(|&b| b != b' ').map_or(0, |p| p + 1);
            return self.regex.is_match(&raw[..end]);
        }
        scratch.clear();
        if strip_sgr(raw, scratch) {
            let end = scratch
                .iter()
                .rposition(|&b| b != b' ')
                .map_or(0, |p| p + 1);
            return self.regex.is_match(&scratch[..end]);
        }
        let mut hit = false;
        let mut check = |l: &str| -> Result<(), ()> {
            hit = self.regex.is_match(l.as_bytes());
            Ok(())
        };
        let _ = renderer.feed(raw, &mut check);
        let _ = renderer.finish(&mut check);
        hit
    }
}

impl LogReader {
    /// The first line from `from` (included) in `direction` that matches
    /// `pattern`; see [`Query::new`] for `regex` and `smart_case`.
    pub fn search(
        &mut self,
        pattern: &str,
        from: u64,
        direction: Direction,
        regex: bool,
        smart_case: bool,
    ) -> Result<Option<u64>> {
        let query = Query::new(pattern, regex, smart_case)?;
        self.search_query(&query, from, direction)
    }

    /// [`LogReader::search`] with a compiled query.
    pub fn search_query(
        &mut self,
        query: &Query,
        from: u64,
        direction: Direction,
    ) -> Result<Option<u64>> {
        if self.line_count() == 0 || from >= self.end_line() && direction == Direction::Forward {
            return Ok(None);
        }
        let from = from.clamp(self.first_line(), self.end_line() - 1);
        if direction == Direction::Forward {
            let offset = self.line_offset(from)?;
            return self.scan(query, from, offset, self.end_line(), true);
        }
        let mut block = self.starts.partition_point(|s| s.0 <= from);
        let mut stop = from + 1;
        while block > 0 {
            block -= 1;
            let (line, offset) = self.starts[block];
            if let Some(hit) = self.scan(query, line, offset, stop, false)? {
                return Ok(Some(hit));
            }
            stop = line;
        }
        Ok(None)
    }

    /// Scans lines `line..stop` starting at `offset`: the first match if
    /// `first`, else the last.
    fn scan(
        &self,
        query: &Query,
        mut line: u64,
        offset: u64,
        stop: u64,
        first: bool,
    ) -> Result<Option<u64>> {
        let mut renderer = Renderer::new(false);
        let mut buf = vec![0u8; CHUNK];
        let mut carry: Vec<u8> = Vec::new();
        let mut scratch: Vec<u8> = Vec::new();
        let mut pos = offset;
        let mut found = None;
        while line < stop {
            let n = self.bytes.read_at(pos, &mut buf)?;
            if n == 0 {
                break;
            }
            pos += n as u64;
            let mut rest = &buf[..n];
            while line < stop {
                let Some(nl) = memchr::memchr(b'\n', rest) else {
                    extend_capped(&mut carry, rest);
                    break;
                };
                let hit = if carry.is_empty() {
                    query.matches(&rest[..nl], &mut renderer, &mut scratch)
                } else {
                    extend_capped(&mut carry, &rest[..nl]);
                    let hit = query.matches(&carry, &mut renderer, &mut scratch);
                    carry.clear();
                    hit
                };
                if hit {
                    found = Some(line);
                    if first {
                        return Ok(found);
                    }
                }
                line += 1;
                rest = &rest[nl + 1..];
            }
        }
        if line < stop && !carry.is_empty() && query.matches(&carry, &mut renderer, &mut scratch) {
            found = Some(line);
        }
        Ok(found)
    }
}

/// Appends to a line being assembled across reads, up to the search cap.
fn extend_capped(carry: &mut Vec<u8>, more: &[u8]) {
    let room = usize::try_from(MAX_LINE_INPUT)
        .unwrap_or(usize::MAX)
        .saturating_sub(carry.len());
    carry.extend_from_slice(&more[..more.len().min(room)]);
}
