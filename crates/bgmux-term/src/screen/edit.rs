//! Editing operations: line feed and reverse index (with scrolling into
//! history), the erase family (ED, EL, ECH), insert/delete of characters
//! and lines (ICH, DCH, IL, DL), SU/SD and DECALN.
//!
//! Erased and inserted cells take the current background colour only (BCE,
//! as xterm and tmux do). With a wrap pending, the cursor counts as being
//! just past the last column for EL, ED, ECH, ICH and DCH, which leave the
//! wrap pending: that is how tmux and vt100 behave (both keep the cursor
//! past the end), so `12345` then EL on a 5-column row erases nothing. Only rows leaving the top of a region that starts
//! at the top of the primary screen go to history, as in xterm and tmux.

use super::Screen;
use crate::cell::Cell;

impl Screen {
    /// The blank cell erases in `row` produce (BCE).
    pub fn blank_for(&mut self, row: usize) -> Cell {
        if let Some(code) = self.pen.erase_basic() {
            return Cell::blank(code);
        }
        let cols = self.cols;
        Cell::blank(self.pen.erase_code_in(self.grid.row_mut(row), cols))
    }

    /// IND / LF / VT / FF: down one row, scrolling the region at its
    /// bottom. A pending wrap stays pending (tmux, vt100).
    pub fn index(&mut self) {
        if self.row == self.bottom {
            self.scroll_up(1);
        } else if self.row + 1 < self.rows {
            self.row += 1;
        }
    }

    /// RI: up one row, scrolling the region down at its top.
    pub fn reverse_index(&mut self) {
        if self.row == self.top {
            self.scroll_down(1);
        } else if self.row > 0 {
            self.row -= 1;
        }
    }

    /// SU (and IND at the bottom margin): scrolls the region up `n` rows.
    pub fn scroll_up(&mut self, n: usize) {
        self.changed = true;
        let to_history = self.top == 0 && !self.modes.alt_screen;
        let history = if to_history {
            Some(&mut self.history)
        } else {
            None
        };
        let n = n.min(self.bottom - self.top + 1);
        self.grid
            .scroll_up(self.top, self.bottom, n, Cell::BLANK, history);
        self.bce_rows(self.bottom + 1 - n, self.bottom + 1);
    }

    /// SD (and RI at the top margin): scrolls the region down `n` rows.
    pub fn scroll_down(&mut self, n: usize) {
        self.changed = true;
        let n = n.min(self.bottom - self.top + 1);
        self.grid.scroll_down(self.top, self.bottom, n, Cell::BLANK);
        self.bce_rows(self.top, self.top + n);
    }

    /// Fills fresh rows `from..to` with the BCE blank when it is not plain.
    fn bce_rows(&mut self, from: usize, to: usize) {
        if self.pen.erase_basic() == Some(0) {
            return;
        }
        for r in from..to {
            let blank = self.blank_for(r);
            self.grid.row_mut(r).erase(0, self.cols, blank, self.cols);
        }
    }

    /// EL: 0 = cursor to end, 1 = start to cursor, 2 = whole row.
    pub fn erase_line(&mut self, mode: u16) {
        let col = self.edit_col();
        let (from, to) = match mode {
            0 => (col, self.cols),
            1 => (0, col + 1),
            2 => (0, self.cols),
            _ => return,
        };
        self.erase_in_row(self.row, from, to);
    }

    fn erase_in_row(&mut self, r: usize, from: usize, to: usize) {
        self.changed = true;
        let blank = self.blank_for(r);
        let cols = self.cols;
        let row = self.grid.row_mut(r);
        row.erase(from, to, blank, cols);
        if to >= cols {
            row.wrapped = false;
        }
    }

    /// ED: 0 = cursor to end of screen, 1 = start to cursor, 2 = all,
    /// 3 = the history (xterm's "erase saved lines").
    pub fn erase_display(&mut self, mode: u16) {
        let (rows, cols, col) = (self.rows, self.cols, self.edit_col());
        match mode {
            0 => {
                self.erase_in_row(self.row, col, cols);
                (self.row + 1..rows).for_each(|r| self.erase_in_row(r, 0, cols));
            }
            1 => {
                (0..self.row).for_each(|r| self.erase_in_row(r, 0, cols));
                self.erase_in_row(self.row, 0, col + 1);
            }
            2 => {
                self.changed = true;
                self.grid.erase_all(Cell::BLANK);
                self.bce_rows(0, rows);
            }
            3 => self.history.clear(),
            _ => {}
        }
    }

    /// ECH: erases `n` cells from the cursor, not moving it.
    pub fn erase_chars(&mut self, n: usize) {
        let col = self.edit_col();
        self.erase_in_row_keep_wrap(self.row, col, col.saturating_add(n.max(1)));
    }

    fn erase_in_row_keep_wrap(&mut self, r: usize, from: usize, to: usize) {
        self.changed = true;
        let blank = self.blank_for(r);
        self.grid.row_mut(r).erase(from, to, blank, self.cols);
    }

    /// ICH: inserts `n` blanks at the cursor, shifting the rest right.
    pub fn insert_chars(&mut self, n: usize) {
        self.changed = true;
        let blank = self.blank_for(self.row);
        let (col, cols) = (self.edit_col(), self.cols);
        self.grid
            .row_mut(self.row)
            .insert_blanks(col, n, blank, cols);
    }

    /// DCH: deletes `n` cells at the cursor, shifting the rest left.
    pub fn delete_chars(&mut self, n: usize) {
        self.changed = true;
        let blank = self.blank_for(self.row);
        let (col, cols) = (self.edit_col(), self.cols);
        self.grid
            .row_mut(self.row)
            .delete_cells(col, n, blank, cols);
    }

    /// IL: inserts `n` blank rows at the cursor row inside the region. The
    /// VT510 manual resets the cursor to the first column; tmux and vt100
    /// keep it where it is, and so do we (programs reposition anyway).
    pub fn insert_lines(&mut self, n: usize) {
        if self.row < self.top || self.row > self.bottom {
            return;
        }
        self.changed = true;
        let n = n.min(self.bottom - self.row + 1);
        self.grid.scroll_down(self.row, self.bottom, n, Cell::BLANK);
        self.bce_rows(self.row, self.row + n);
    }

    /// DL: deletes `n` rows at the cursor row inside the region (never into
    /// history); the cursor stays, as for IL.
    pub fn delete_lines(&mut self, n: usize) {
        if self.row < self.top || self.row > self.bottom {
            return;
        }
        self.changed = true;
        let n = n.min(self.bottom - self.row + 1);
        self.grid
            .scroll_up(self.row, self.bottom, n, Cell::BLANK, None);
        self.bce_rows(self.bottom + 1 - n, self.bottom + 1);
    }

    /// DECALN: fills the screen with `E`, resets the margins, homes.
    pub fn align_test(&mut self) {
        self.changed = true;
        let (rows, cols) = (self.rows, self.cols);
        let line = vec![b'E'; cols];
        for r in 0..rows {
            let row = self.grid.row_mut(r);
            row.reset();
            row.put_ascii(0, &line, 0);
        }
        self.top = 0;
        self.bottom = rows - 1;
        self.goto(0, 0);
    }
}
