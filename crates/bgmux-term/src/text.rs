//! Text export of the screen and history: plain (like `tmux capture-pane
//! -p`), with wrapped lines joined, or SGR-annotated (like `capture-pane
//! -e`). Reads grid rows and stored history rows; owns no state.

use crate::grid::Row;
use crate::history::StoredRow;
use crate::sgr_write::write_transition;
use crate::style::Style;

/// What [`Terminal::write_text`](crate::Terminal::write_text) and
/// [`Terminal::drain_history`](crate::Terminal::drain_history) produce.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextOptions {
    /// Include the history rows (oldest first) before the screen rows.
    pub include_history: bool,
    /// Annotate with SGR (and OSC 8) sequences; each line that changes the
    /// rendition ends with a reset.
    pub ansi: bool,
    /// Join rows that were wrapped by autowrap into one line (their
    /// trailing blanks are kept, being part of the line).
    pub join_wrapped: bool,
}

/// Builds one output line from cells, trimming trailing plain blanks (and,
/// without SGR, trailing spaces of any style).
pub(crate) struct LineWriter<'a> {
    out: &'a mut String,
    ansi: bool,
    style: Style,
    /// Bytes of `out` before trailing blanks that may still be trimmed.
    keep: usize,
    /// The rendition in effect at `keep`.
    keep_style: Style,
    pending: Vec<u8>,
}

impl<'a> LineWriter<'a> {
    pub fn new(out: &'a mut String, ansi: bool) -> LineWriter<'a> {
        let keep = out.len();
        let style = Style::default();
        LineWriter {
            out,
            ansi,
            keep_style: style.clone(),
            style,
            keep,
            pending: Vec::new(),
        }
    }

    /// Appends a cell's text in its style.
    pub fn cell(&mut self, text: &str, style: &Style) {
        if self.ansi && *style != self.style {
            self.pending.clear();
            write_transition(&self.style, style, &mut self.pending);
            self.out.push_str(&String::from_utf8_lossy(&self.pending));
            self.style = style.clone();
        }
        self.out.push_str(text);
        let trimmable = text == " " && (!self.ansi || style.is_default());
        if !trimmable {
            self.keep = self.out.len();
            if self.ansi {
                self.keep_style.clone_from(&self.style);
            }
        }
    }

    /// Ends the line: trims unless `keep_blanks`, resets the rendition.
    pub fn finish(self, keep_blanks: bool) {
        let style = if keep_blanks {
            &self.style
        } else {
            self.out.truncate(self.keep);
            &self.keep_style
        };
        if self.ansi && !style.is_default() {
            let mut reset = Vec::new();
            write_transition(style, &Style::default(), &mut reset);
            self.out.push_str(&String::from_utf8_lossy(&reset));
        }
    }
}

/// Appends the text of a grid row (no newline).
pub(crate) fn grid_row(row: &Row, ansi: bool, keep_blanks: bool, out: &mut String) {
    let mut line = LineWriter::new(out, ansi);
    let mut text = String::new();
    let mut last_code = 0;
    let mut style = Style::default();
    for &cell in row.cells().iter().filter(|c| !c.is_spacer()) {
        text.clear();
        row.push_text(cell, &mut text);
        if cell.style != last_code {
            last_code = cell.style;
            style = row.style(cell.style);
        }
        line.cell(&text, &style);
    }
    line.finish(keep_blanks);
}

/// Appends the text of a history row (no newline).
pub(crate) fn stored_row(row: &StoredRow<'_>, ansi: bool, keep_blanks: bool, out: &mut String) {
    if !ansi {
        let text = if keep_blanks {
            row.text
        } else {
            row.text.trim_end_matches(' ')
        };
        out.push_str(text);
        return;
    }
    let mut line = LineWriter::new(out, ansi);
    let mut last_code = 0;
    let mut style = Style::default();
    for cell in row.cells() {
        if cell.style != last_code {
            last_code = cell.style;
            style = row.style(cell.style);
        }
        line.cell(cell.text, &style);
    }
    line.finish(keep_blanks);
}

/// Ends a row: a newline unless it is joined to the next one.
pub(crate) fn end_row(wrapped: bool, opts: TextOptions, out: &mut String) {
    if !(opts.join_wrapped && wrapped) {
        out.push('\n');
    }
}
