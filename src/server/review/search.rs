//! Search in review mode: `/` towards the end, `?` towards the start, `n`
//! and `N` to repeat; smart case (case-insensitive unless the pattern has an
//! upper-case letter); literal text, or a regex when Tab is pressed while
//! typing. In-memory rows are matched here; the disk part is searched by
//! the log reader, so a search reaches the very first line. A search that
//! finds nothing before the end wraps around, and says so.

use bgmux_term::Terminal;
use regex::{Regex, RegexBuilder};

use super::{Review, SearchInput};
use crate::server::keys::Key;
use crate::store::{Direction, Query};

/// Rows fetched at a time while scanning memory.
const CHUNK: u64 = 512;

/// A compiled search.
#[derive(Debug)]
pub struct Search {
    /// The pattern as typed.
    pub pattern: String,
    /// `/` or `?`.
    pub forward: bool,
    /// For in-memory rows and highlighting.
    pub re: Regex,
    /// For the disk log.
    query: Option<Query>,
}

impl Search {
    fn new(input: &SearchInput) -> Result<Search, String> {
        let source = if input.regex {
            input.text.clone()
        } else {
            regex::escape(&input.text)
        };
        let fold = !input.text.chars().any(char::is_uppercase);
        let re = RegexBuilder::new(&source)
            .case_insensitive(fold)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| {
                format!(
                    "bad pattern: {}",
                    e.to_string().lines().last().unwrap_or("").trim()
                )
            })?;
        let query = Query::new(&input.text, input.regex, true).ok();
        Ok(Search {
            pattern: input.text.clone(),
            forward: input.forward,
            re,
            query,
        })
    }
}

/// A key while a pattern is typed.
pub fn input_key(review: &mut Review, term: &Terminal, key: Key) {
    let Some(input) = review.input.as_mut() else {
        return;
    };
    match key {
        Key::Named("Escape") | Key::Char('\x03') => review.input = None,
        Key::Char('\t') => input.regex = !input.regex,
        Key::Char('\x7f' | '\x08') if input.text.pop().is_none() => review.input = None,
        Key::Char('\x15') => input.text.clear(),
        Key::Char('\r') => {
            let Some(input) = review.input.take() else {
                return;
            };
            if input.text.is_empty() {
                return again(review, term, false);
            }
            match Search::new(&input) {
                Ok(search) => {
                    review.search = Some(search);
                    again(review, term, false);
                }
                Err(e) => review.note = Some(e),
            }
        }
        Key::Char(c) if !c.is_control() => input.text.push(c),
        _ => {}
    }
}

/// `n` (or `N` with `reverse`): the next match in the search's direction.
pub fn again(review: &mut Review, term: &Terminal, reverse: bool) {
    let Some(search) = review.search.take() else {
        review.note = Some("no search yet: type / or ?".into());
        return;
    };
    let forward = search.forward != reverse;
    let len = review.doc.len(term);
    let start = review.cursor.0;
    let (first, rest) = if forward {
        ((start + 1, len), (0, start + 1))
    } else {
        ((0, start), (start, len))
    };
    let mut found = find(review, term, &search, first.0, first.1, forward);
    if found.is_none() {
        found = find(review, term, &search, rest.0, rest.1, forward);
        if found.is_some() {
            review.note = Some("search wrapped".into());
        }
    }
    match found {
        Some((row, col)) => {
            review.cursor = (row, col);
            let h = u64::from(review.height.max(1));
            if row < review.top || row >= review.top + h {
                review.top = row.saturating_sub(h / 2).min(review.doc.live_top(term));
            }
        }
        None => review.note = Some(format!("not found: {}", search.pattern)),
    }
    review.search = Some(search);
}

/// The first (forward) or last (backward) match in rows `from..to`.
fn find(
    review: &mut Review,
    term: &Terminal,
    s: &Search,
    from: u64,
    to: u64,
    forward: bool,
) -> Option<(u64, u16)> {
    let disk = review.doc.disk(term);
    let disk_range = from.min(disk)..to.min(disk);
    let mem_range = from.max(disk)..to.max(disk);
    if forward {
        search_disk(review, s, disk_range, true)
            .or_else(|| search_mem(review, term, s, mem_range, true))
    } else {
        search_mem(review, term, s, mem_range, false)
            .or_else(|| search_disk(review, s, disk_range, false))
    }
}

fn search_mem(
    review: &mut Review,
    term: &Terminal,
    s: &Search,
    range: std::ops::Range<u64>,
    forward: bool,
) -> Option<(u64, u16)> {
    let mut lo = if forward {
        range.start
    } else {
        range.end.saturating_sub(CHUNK).max(range.start)
    };
    while lo < range.end {
        let hi = (lo + CHUNK).min(range.end);
        let rows = review.doc.rows(term, lo..hi);
        let mut hits = rows.iter().enumerate().filter_map(|(i, row)| {
            s.re.find(row)
                .map(|m| (lo + i as u64, width(&row[..m.start()])))
        });
        let hit = if forward {
            hits.next()
        } else {
            hits.next_back()
        };
        if hit.is_some() {
            return hit;
        }
        if forward {
            lo = hi;
        } else if lo == range.start {
            break;
        } else {
            lo = lo.saturating_sub(CHUNK).max(range.start);
        }
    }
    None
}

fn search_disk(
    review: &mut Review,
    s: &Search,
    range: std::ops::Range<u64>,
    forward: bool,
) -> Option<(u64, u16)> {
    if range.is_empty() {
        return None;
    }
    let query = s.query.as_ref()?;
    let (from, dir) = if forward {
        (range.start, Direction::Forward)
    } else {
        (range.end - 1, Direction::Backward)
    };
    let line = review.doc.log_line(from);
    let hit = review
        .doc
        .reader()?
        .search_query(query, line, dir)
        .ok()
        .flatten()?;
    let row = review.doc.row_of_line(hit);
    if !range.contains(&row) {
        return None;
    }
    let text = review
        .doc
        .reader()?
        .lines(hit..hit + 1, false)
        .ok()?
        .pop()
        .unwrap_or_default();
    let col = s.re.find(&text).map_or(0, |m| width(&text[..m.start()]));
    Some((row, col))
}

/// Display width of `text` in columns.
pub fn width(text: &str) -> u16 {
    use unicode_width::UnicodeWidthStr;
    u16::try_from(text.width()).unwrap_or(u16::MAX)
}
