//! Reflow: when the width changes, the primary screen and its history are
//! rewrapped, as tmux does, so narrowing a window loses no text and
//! widening it joins lines that autowrap split.
//!
//! A logical line is a run of rows joined by autowrap (the `wrapped` flag).
//! Each one is gathered from history then screen rows, independent of any
//! row's side tables, and laid out again at the new width: a wide
//! character that does not fit at the end of a row moves to the next. The
//! cursor keeps its place in its line. The screen shows the last rows, not
//! counting blank rows below the cursor; rows above it go to history.
//! Lines are gathered one at a time, so reflowing a long history needs
//! only one line of extra memory (plus the new history being built).

use std::collections::VecDeque;

use crate::cell::{Cell, WIDE};
use crate::grid::{Grid, Row};
use crate::history::History;
use crate::style::Style;

/// One cell of a logical line.
struct LineCell {
    /// The character, or the whole cluster when it has combining marks.
    text: Text,
    wide: bool,
    style: Style,
}

enum Text {
    Char(char),
    Cluster(Box<str>),
}

/// Where the cursor is, in screen coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct At {
    pub row: usize,
    pub col: usize,
    pub pending_wrap: bool,
}

/// The state of a reflow: the line being gathered and the rows laid out.
struct Rewrap {
    cols: usize,
    rows: usize,
    line: Vec<LineCell>,
    /// Columns gathered into `line` from the rows before the current one.
    line_cols: usize,
    /// The cursor's column offset in the current line, once reached.
    cursor: Option<(usize, bool)>,
    /// Rows from lines wholly in history, the last `rows` of them.
    tail: VecDeque<Row>,
    /// Rows from lines that reach the screen.
    screen: Vec<Row>,
    /// The cursor in `screen`, once laid out.
    at: Option<At>,
    history: History,
    on_screen: bool,
}

/// Rewraps `grid` (a screen `old_cols` wide) and `history` to `rows` ×
/// `cols`; returns the new grid and the cursor's new place.
pub(super) fn reflow(
    grid: &Grid,
    history: &mut History,
    rows: usize,
    cols: usize,
    at: At,
) -> (Grid, At) {
    let old_cols = grid.width();
    let old = std::mem::replace(history, History::new(0));
    let mut w = Rewrap {
        cols,
        rows,
        line: Vec::new(),
        line_cols: 0,
        cursor: None,
        tail: VecDeque::new(),
        screen: Vec::new(),
        at: None,
        history: old.emptied(),
        on_screen: false,
    };
    for i in 0..old.len() {
        if let Some(row) = old.get(i) {
            for cell in row.cells() {
                let style = row.style(cell.style);
                w.push(cell.text, cell.width == 2, style);
            }
            w.end_row(row.wrapped);
        }
    }
    drop(old);
    w.on_screen = true;
    for (r, row) in grid.rows().enumerate() {
        if r == at.row {
            let col = if at.pending_wrap { old_cols } else { at.col };
            w.cursor = Some((w.line_cols + col, at.pending_wrap));
        }
        push_grid_row(&mut w, row, old_cols);
        w.end_row(row.wrapped && r + 1 < grid.height());
    }
    w.finish(history)
}

/// Gathers the cells of a grid row (a wrapped row keeps its blanks).
fn push_grid_row(w: &mut Rewrap, row: &Row, old_cols: usize) {
    let cells = row.line_cells();
    let mut text = String::new();
    for &cell in cells[..cells.len().min(old_cols)]
        .iter()
        .filter(|c| !c.is_spacer())
    {
        let style = row.style(cell.style);
        if cell.is_cluster() {
            text.clear();
            row.push_text(cell, &mut text);
            w.push(&text, cell.is_wide(), style);
        } else {
            w.line.push(LineCell {
                text: Text::Char(cell.char()),
                wide: cell.is_wide(),
                style,
            });
        }
    }
}

impl Rewrap {
    fn push(&mut self, text: &str, wide: bool, style: Style) {
        let mut chars = text.chars();
        let text = match (chars.next(), chars.next()) {
            (Some(c), None) => Text::Char(c),
            _ => Text::Cluster(text.into()),
        };
        self.line.push(LineCell { text, wide, style });
    }

    /// Ends a source row: the line goes on if it wrapped, else it is laid
    /// out. Cells a wrapped row never stored (the last column left empty
    /// when a wide character wrapped early) are padding, not text.
    fn end_row(&mut self, wrapped: bool) {
        if wrapped {
            self.line_cols = self.line.iter().map(|c| 1 + usize::from(c.wide)).sum();
            return;
        }
        let line = std::mem::take(&mut self.line);
        let cursor = self.cursor.take();
        self.line_cols = 0;
        self.lay_out(line, cursor);
    }

    /// Lays a logical line out in rows of the new width.
    fn lay_out(&mut self, line: Vec<LineCell>, cursor: Option<(usize, bool)>) {
        let mut rows = vec![Row::default()];
        let (mut col, mut offset) = (0, 0);
        let mut at = None;
        for cell in line {
            let width = 1 + usize::from(cell.wide);
            if width > self.cols {
                // A wide character cannot be shown on a 1-column screen; a
                // cursor on it stays where it would have been.
                if cursor.is_some_and(|(k, _)| at.is_none() && k < offset + width) {
                    at = Some((rows.len() - 1, col.min(self.cols - 1)));
                }
                offset += width;
                continue;
            }
            if col + width > self.cols {
                if let Some(last) = rows.last_mut() {
                    last.wrapped = true;
                }
                rows.push(Row::default());
                col = 0;
            }
            if let Some((k, _)) = cursor.filter(|&(k, _)| at.is_none() && k < offset + width) {
                at = Some((
                    rows.len() - 1,
                    col + k.saturating_sub(offset).min(width - 1),
                ));
            }
            let row = rows.last_mut().expect("invariant: rows starts non-empty");
            put(row, col, cell, self.cols);
            col += width;
            offset += width;
        }
        if let Some((k, pending)) = cursor {
            let (r, c) = at.unwrap_or((rows.len() - 1, col + k.saturating_sub(offset)));
            // Right after the text, past the new width: the next character
            // wraps, as it would have after the text was printed.
            let after_text = pending || k == offset;
            let (col, pending_wrap) = if c >= self.cols {
                (self.cols - 1, after_text)
            } else {
                (c, false)
            };
            self.at = Some(At {
                row: self.screen.len() + r,
                col,
                pending_wrap,
            });
        }
        for row in rows {
            self.emit(row);
        }
    }

    fn emit(&mut self, row: Row) {
        if self.on_screen {
            self.screen.push(row);
            return;
        }
        self.tail.push_back(row);
        if self.tail.len() > self.rows {
            if let Some(old) = self.tail.pop_front() {
                self.history.push(&old);
            }
        }
    }

    /// Picks the screen rows (the last ones, not counting blank rows below
    /// the cursor) and sends the rest to history.
    fn finish(mut self, history: &mut History) -> (Grid, At) {
        let before = self.tail.len();
        let mut all: Vec<Row> = self.tail.drain(..).chain(self.screen.drain(..)).collect();
        let at = self.at.unwrap_or(At {
            row: 0,
            col: 0,
            pending_wrap: false,
        });
        let cursor = before + at.row;
        while all.len() > cursor + 1
            && all
                .last()
                .is_some_and(|r| r.cells().iter().all(|c| c.is_plain_blank()))
        {
            all.pop();
        }
        let top = all.len().saturating_sub(self.rows).min(cursor);
        let mut rest = all.split_off(top);
        for row in &all {
            self.history.push(row);
        }
        rest.truncate(self.rows);
        let row = cursor - top;
        let grid = Grid::from_rows(rest, self.rows, self.cols);
        *history = self.history;
        (grid, At { row, ..at })
    }
}

/// Writes a line cell into a row.
fn put(row: &mut Row, col: usize, cell: LineCell, cols: usize) {
    let code = row.style_code(&cell.style, cell.style.pack(), cols);
    match cell.text {
        Text::Char(c) => {
            let ch = c as u32 | if cell.wide { WIDE } else { 0 };
            row.put(col, Cell { ch, style: code }, cols);
        }
        Text::Cluster(text) => row.put_cluster(col, &text, cell.wide, code, cols),
    }
}
