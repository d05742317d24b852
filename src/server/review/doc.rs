//! What review mode scrolls through: one numbered run of rows made of the
//! task's disk log (the lines older than what the emulator still holds)
//! followed by the emulator's in-memory history and its screen.
//!
//! ```text
//!  doc row 0 ─┐  disk lines (LogReader, rendered lines of the raw log)
//!             │  … as many as the log had before the oldest history row
//!  disk ──────┼─ history row 0 (emulator, with styles)
//!             │  … history rows
//!  live_top ──┼─ screen row 0
//!             │  … screen rows
//!  len ───────┘
//! ```
//!
//! The disk part's size is worked out once, on entering review mode: the
//! log's complete lines minus the complete lines the emulator holds (rows
//! joined where they wrapped). For line-oriented output that is exact; for
//! full-screen programs, whose screens were redrawn in place, the disk part
//! is what the log says was printed, which is all anyone can show. Rows the
//! emulator drops from its history while review mode is open move to the
//! disk part, so every doc row keeps its number and the view stays put.

use bgmux_term::{Terminal, TextOptions};

use crate::store::{LogReader, Store};

/// The numbering of one review session.
#[derive(Debug)]
pub struct Doc {
    /// Disk lines before the in-memory rows, when review mode started.
    disk_at_entry: u64,
    /// The emulator's dropped-row count when review mode started.
    dropped_at_entry: u64,
    /// The log's first kept line number (non-zero after log-limit).
    first_line: u64,
    /// The log, opened when review mode started (None if it has none).
    reader: Option<LogReader>,
}

impl Doc {
    /// Numbers task `id`'s output as it is now.
    pub fn open(store: &Store, id: u64, term: &Terminal) -> Doc {
        let reader = LogReader::open(store, id).ok();
        let (first_line, end_line) = reader
            .as_ref()
            .map_or((0, 0), |r| (r.first_line(), r.end_line()));
        let held = held_lines(term);
        let disk_at_entry = end_line.saturating_sub(first_line).saturating_sub(held);
        Doc {
            disk_at_entry,
            dropped_at_entry: term.history_dropped(),
            first_line,
            reader,
        }
    }

    /// Rows served from the disk log.
    pub fn disk(&self, term: &Terminal) -> u64 {
        self.disk_at_entry + term.history_dropped().saturating_sub(self.dropped_at_entry)
    }

    /// All rows.
    pub fn len(&self, term: &Terminal) -> u64 {
        self.disk(term) + term.history_len() as u64 + u64::from(term.rows())
    }

    /// The first row of the live screen.
    pub fn live_top(&self, term: &Terminal) -> u64 {
        self.disk(term) + term.history_len() as u64
    }

    /// Did log-limit drop output before the first row?
    pub fn gap(&self) -> bool {
        self.first_line > 0
    }

    /// The text of rows `range` (plain), from disk or memory.
    pub fn rows(&mut self, term: &Terminal, range: std::ops::Range<u64>) -> Vec<String> {
        let disk = self.disk(term);
        let mut out = Vec::with_capacity((range.end - range.start) as usize);
        if range.start < disk {
            let end = range.end.min(disk);
            let lines = self.reader.as_mut().and_then(|r| {
                r.lines(self.first_line + range.start..self.first_line + end, false)
                    .ok()
            });
            let mut lines = lines.unwrap_or_default();
            lines.resize((end - range.start) as usize, String::new());
            out.extend(lines);
        }
        let hist = term.history_len() as u64;
        let screen: Vec<String> = if range.end > disk + hist {
            term.screen_text().lines().map(String::from).collect()
        } else {
            Vec::new()
        };
        for i in range.start.max(disk)..range.end {
            let m = i - disk;
            let text = if m < hist {
                term.history_row_text(m as usize, false)
            } else {
                screen.get((m - hist) as usize).cloned()
            };
            out.push(text.unwrap_or_default());
        }
        out
    }

    /// The log reader, for searching the disk part.
    pub fn reader(&mut self) -> Option<&mut LogReader> {
        self.reader.as_mut()
    }

    /// The log line number of disk row `row`.
    pub fn log_line(&self, row: u64) -> u64 {
        self.first_line + row
    }

    /// The disk row of log line `line`.
    pub fn row_of_line(&self, line: u64) -> u64 {
        line.saturating_sub(self.first_line)
    }
}

/// Complete lines the emulator holds: history and the screen rows above
/// the cursor, soft-wrapped rows joined.
fn held_lines(term: &Terminal) -> u64 {
    let mut text = String::new();
    term.write_text(
        &mut text,
        TextOptions {
            include_history: true,
            ansi: false,
            join_wrapped: true,
        },
    );
    let total = text.matches('\n').count() as u64;
    // Rows from the cursor down are the current line and blank space.
    let below = u64::from(term.rows().saturating_sub(term.cursor().row));
    total.saturating_sub(below)
}
