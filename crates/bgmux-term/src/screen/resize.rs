//! Resizing the screen, keeping content the way xterm and tmux do.
//!
//! Height: shrinking first drops blank rows below the cursor, then moves
//! rows off the top into history (primary screen only); growing pulls rows
//! back from history while there are any, then adds blank rows at the
//! bottom. Width: the primary screen and its history are reflowed
//! (`reflow.rs`); the alternate screen's rows are cut or extended, a wide
//! character cut in half becoming a blank. The scroll region is reset and
//! the cursor kept in bounds.

use super::reflow::{reflow, At};
use super::{default_tabs, Screen};
use crate::cell::{Cell, WIDE};
use crate::grid::{Grid, Row};
use crate::history::{History, StoredRow};

impl Screen {
    /// Resizes to `rows`×`cols` (already clamped to at least 1).
    pub fn resize(&mut self, rows: usize, cols: usize) {
        if (rows, cols) == (self.rows, self.cols) {
            return;
        }
        self.changed = true;
        if cols == self.cols {
            self.resize_height(rows);
        } else {
            self.reflow_primary(rows, cols);
            let alt = self.modes.alt_screen;
            // The alternate screen (shown, or kept for DECSET 47) is cut
            // or extended, not reflowed: full-screen programs redraw.
            let mut alt_row = if alt { self.row } else { 0 };
            let alternate = if alt {
                Some(&mut self.grid)
            } else {
                self.other.as_mut()
            };
            if let Some(grid) = alternate {
                resize_grid(grid, None, rows, cols, &mut alt_row);
            }
            if alt {
                self.row = alt_row;
                self.col = self.col.min(cols - 1);
                self.pending_wrap = false;
            }
        }
        self.rows = rows;
        self.cols = cols;
        self.top = 0;
        self.bottom = rows - 1;
        let mut tabs = default_tabs(cols);
        let kept = self.tabs.len().min(cols);
        tabs[..kept].copy_from_slice(&self.tabs[..kept]);
        self.tabs = tabs;
    }

    /// A height change: rows go to history at the top (primary screen) or
    /// come back from it; no reflow is needed.
    fn resize_height(&mut self, rows: usize) {
        let (cols, alt) = (self.cols, self.modes.alt_screen);
        let saved_row = self.saved[0].as_ref().map_or(0, |s| s.row);
        let mut primary_row = if alt { saved_row } else { self.row };
        let mut alt_row = if alt { self.row } else { 0 };
        // The primary grid feeds history; while the alternate screen is
        // shown the primary one is in `other`.
        let (primary, alternate) = if alt {
            (self.other.as_mut(), Some(&mut self.grid))
        } else {
            (Some(&mut self.grid), self.other.as_mut())
        };
        if let Some(grid) = primary {
            resize_grid(grid, Some(&mut self.history), rows, cols, &mut primary_row);
        }
        if let Some(grid) = alternate {
            resize_grid(grid, None, rows, cols, &mut alt_row);
        }
        if let Some(saved) = self.saved[0].as_mut().filter(|_| alt) {
            saved.row = primary_row;
        }
        self.row = if alt { alt_row } else { primary_row };
        self.pending_wrap &= self.col == cols - 1;
    }

    /// A width change: the primary screen and history are rewrapped; the
    /// primary cursor (or, under the alternate screen, the one 1049 saved)
    /// keeps its place in its line.
    fn reflow_primary(&mut self, rows: usize, cols: usize) {
        let alt = self.modes.alt_screen;
        let at = match (alt, self.saved[0].as_ref()) {
            (false, _) => At {
                row: self.row,
                col: self.col,
                pending_wrap: self.pending_wrap,
            },
            (true, Some(s)) => At {
                row: s.row,
                col: s.col,
                pending_wrap: s.pending_wrap,
            },
            (true, None) => At {
                row: 0,
                col: 0,
                pending_wrap: false,
            },
        };
        let primary = if alt {
            self.other.as_mut()
        } else {
            Some(&mut self.grid)
        };
        let Some(grid) = primary else { return };
        let (new, at) = reflow(grid, &mut self.history, rows, cols, at);
        *grid = new;
        if alt {
            if let Some(saved) = self.saved[0].as_mut() {
                (saved.row, saved.col, saved.pending_wrap) = (at.row, at.col, at.pending_wrap);
            }
        } else {
            (self.row, self.col, self.pending_wrap) = (at.row, at.col, at.pending_wrap);
        }
    }
}

/// Resizes one grid; `row` is the cursor row in it, kept on its content.
fn resize_grid(
    grid: &mut Grid,
    mut history: Option<&mut History>,
    rows: usize,
    cols: usize,
    row: &mut usize,
) {
    if cols != grid.width() {
        grid.set_width(cols);
    }
    while grid.height() > rows {
        let bottom_blank = grid
            .row(grid.height() - 1)
            .cells()
            .iter()
            .all(|c| c.is_plain_blank());
        if grid.height() - 1 > *row && bottom_blank {
            grid.remove_bottom();
        } else {
            let top = grid.remove_top();
            if let Some(history) = history.as_deref_mut() {
                history.push(&top);
            }
            *row = row.saturating_sub(1);
        }
    }
    while grid.height() < rows {
        let pulled = history.as_deref_mut().and_then(|h| {
            let stored = h.get(h.len().checked_sub(1)?)?;
            let row = row_from_stored(&stored, cols);
            h.pop_newest();
            Some(row)
        });
        match pulled {
            Some(r) => {
                grid.insert_top(r);
                *row += 1;
            }
            None => grid.push_bottom(),
        }
    }
    *row = (*row).min(rows - 1);
}

/// Decodes a history row back into grid cells.
pub(crate) fn row_from_stored(stored: &StoredRow<'_>, cols: usize) -> Row {
    let mut row = Row::default();
    let mut col = 0;
    for cell in stored.cells() {
        if col + cell.width > cols {
            break;
        }
        let style = stored.style(cell.style);
        let code = row.style_code(&style, style.pack(), cols);
        let wide = cell.width == 2;
        let mut chars = cell.text.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => {
                let ch = c as u32 | if wide { WIDE } else { 0 };
                row.put(col, Cell { ch, style: code }, cols);
            }
            _ => row.put_cluster(col, cell.text, wide, code, cols),
        }
        col += cell.width;
    }
    row.wrapped = stored.wrapped;
    row
}
