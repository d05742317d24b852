//! The visible grid: `rows` rows of `cols` cells, and the row-level edits
//! (scroll a region up or down, which is also IL/DL, SU/SD, IND/RI).
//!
//! It owns the rows of one screen (primary or alternate); the cursor, modes
//! and the choice of which rows go to history belong to `screen/`. Rows
//! scrolled off the top of a full-screen region are handed to a
//! [`History`] if the caller passes one.
//!
//! The rows are a ring: scrolling the whole screen up (the common case, a
//! program printing lines) moves the ring's start instead of the rows.
//!
//! ```text
//!   rows: [ r3 | r4 | r0 | r1 | r2 ]      screen row i = rows[(start + i) % len]
//!                    ^ start              scroll_up(0, bottom, 1): r0 goes to
//!                                         history, is reset in place (keeping
//!                                         its allocation) and start moves on,
//!                                         so r0 is now the bottom row
//! ```
//!
//! Scrolling a region first straightens the ring (start = 0), then rotates
//! the region's slice.
//!
//! For incremental drawing every screen row carries a *stamp*: the
//! generation (`now`, set by the terminal before each batch of input) in
//! which it last changed. Every write goes through `row_mut` or a row-level
//! edit here, and each stamps the screen rows it touches, so a reader that
//! drew the grid at generation g needs to redraw only the rows stamped
//! after g. Each grid also has an `id` that no other grid shares (a clone
//! gets a fresh one): a grid swapped in (alternate screen, reflow) is never
//! mistaken for the one drawn before.

mod row;

pub(crate) use row::{Row, MAX_CLUSTER};

use std::sync::atomic::{AtomicU64, Ordering};

use crate::cell::Cell;
use crate::history::History;

/// Grid ids: unique in the process.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn fresh_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// The rows of one screen.
#[derive(Debug)]
pub(crate) struct Grid {
    rows: Vec<Row>,
    /// Index in `rows` of screen row 0.
    start: usize,
    cols: usize,
    /// Per screen row: the generation it last changed in.
    stamps: Vec<u64>,
    /// The current generation (see the file comment).
    pub now: u64,
    id: u64,
}

impl Clone for Grid {
    fn clone(&self) -> Grid {
        Grid {
            rows: self.rows.clone(),
            start: self.start,
            cols: self.cols,
            stamps: self.stamps.clone(),
            now: self.now,
            id: fresh_id(),
        }
    }
}

impl Grid {
    /// A blank grid; no cell storage is allocated until written.
    pub fn new(rows: usize, cols: usize) -> Grid {
        Grid {
            rows: vec![Row::default(); rows],
            start: 0,
            cols,
            stamps: vec![0; rows],
            now: 0,
            id: fresh_id(),
        }
    }

    /// A grid of `height` rows from `rows` (the first ones), padded with
    /// blank rows.
    pub fn from_rows(mut rows: Vec<Row>, height: usize, cols: usize) -> Grid {
        rows.resize_with(height, Row::default);
        Grid {
            rows,
            start: 0,
            cols,
            stamps: vec![0; height],
            now: 0,
            id: fresh_id(),
        }
    }

    /// This grid's id (see the file comment).
    #[inline]
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The generation screen row `index` last changed in.
    #[inline]
    pub fn stamp(&self, index: usize) -> u64 {
        self.stamps.get(index).copied().unwrap_or(u64::MAX)
    }

    /// Stamps rows `top..=bottom` as changed now.
    #[inline]
    fn touch(&mut self, top: usize, bottom: usize) {
        let now = self.now;
        if let Some(stamps) = self.stamps.get_mut(top..=bottom) {
            stamps.fill(now);
        }
    }

    /// Stamps every row (and keeps one stamp per row after a size change).
    pub fn touch_all(&mut self) {
        self.stamps.clear();
        self.stamps.resize(self.rows.len(), self.now);
    }

    /// The index in `rows` of screen row `i`.
    #[inline]
    fn slot(&self, i: usize) -> usize {
        let j = self.start + i;
        if j >= self.rows.len() {
            j - self.rows.len()
        } else {
            j
        }
    }

    /// Makes screen row 0 the first element again, for slice operations.
    fn straighten(&mut self) {
        if self.start != 0 {
            self.rows.rotate_left(self.start);
            self.start = 0;
        }
    }

    /// Number of rows.
    #[inline]
    pub fn height(&self) -> usize {
        self.rows.len()
    }

    /// Number of columns.
    #[inline]
    pub fn width(&self) -> usize {
        self.cols
    }

    /// Row `index` (callers keep it in range).
    #[inline]
    pub fn row(&self, index: usize) -> &Row {
        &self.rows[self.slot(index)]
    }

    /// Row `index` for writing.
    #[inline]
    pub fn row_mut(&mut self, index: usize) -> &mut Row {
        let slot = self.slot(index);
        if let Some(stamp) = self.stamps.get_mut(index) {
            *stamp = self.now;
        }
        &mut self.rows[slot]
    }

    /// All rows, top to bottom.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = &Row> + '_ {
        (0..self.rows.len()).map(|i| self.row(i))
    }

    /// Heap bytes held by the grid.
    pub fn heap_bytes(&self) -> usize {
        self.rows.capacity() * size_of::<Row>()
            + self.rows.iter().map(Row::heap_bytes).sum::<usize>()
    }

    /// Scrolls rows `top..=bottom` up by `n`: the top `n` leave (to
    /// `history` when given), blank rows (`blank`, for BCE) enter at the
    /// bottom. IND at the bottom margin, SU and DL are this.
    pub fn scroll_up(
        &mut self,
        top: usize,
        bottom: usize,
        n: usize,
        blank: Cell,
        mut history: Option<&mut History>,
    ) {
        if top > bottom || bottom >= self.rows.len() {
            return;
        }
        let n = n.min(bottom - top + 1);
        self.touch(top, bottom);
        let (cols, whole) = (self.cols, top == 0 && bottom + 1 == self.rows.len());
        if !whole {
            self.straighten();
        }
        for i in top..top + n {
            let slot = self.slot(i);
            let row = &mut self.rows[slot];
            if let Some(history) = history.as_deref_mut() {
                history.push(row);
            }
            row.reset();
            row.erase(0, cols, blank, cols);
        }
        if whole {
            self.start = self.slot(n);
        } else {
            self.rows[top..=bottom].rotate_left(n);
        }
    }

    /// Scrolls rows `top..=bottom` down by `n`: the bottom `n` are lost,
    /// blank rows enter at the top. RI at the top margin, SD and IL.
    pub fn scroll_down(&mut self, top: usize, bottom: usize, n: usize, blank: Cell) {
        if top > bottom || bottom >= self.rows.len() {
            return;
        }
        let n = n.min(bottom - top + 1);
        self.touch(top, bottom);
        self.straighten();
        for row in &mut self.rows[bottom + 1 - n..=bottom] {
            row.reset();
            row.erase(0, self.cols, blank, self.cols);
        }
        self.rows[top..=bottom].rotate_right(n);
    }

    /// Erases every row (ED 2); plain erases give the memory back.
    pub fn erase_all(&mut self, blank: Cell) {
        self.touch_all();
        for row in &mut self.rows {
            row.free();
            row.erase(0, self.cols, blank, self.cols);
        }
    }

    /// Changes the width of every row (no reflow: that is `resize.rs`).
    pub fn set_width(&mut self, cols: usize) {
        self.touch_all();
        self.cols = cols;
        for row in &mut self.rows {
            row.set_width(cols);
        }
    }

    /// Removes the top row (resize moves it to history).
    pub fn remove_top(&mut self) -> Row {
        self.straighten();
        let row = self.rows.remove(0);
        self.touch_all();
        row
    }

    /// Removes the bottom row (resize drops blank rows under the cursor).
    pub fn remove_bottom(&mut self) -> Option<Row> {
        self.straighten();
        let row = self.rows.pop();
        self.touch_all();
        row
    }

    /// Adds a row at the top (resize pulls rows back from history).
    pub fn insert_top(&mut self, row: Row) {
        self.straighten();
        self.rows.insert(0, row);
        self.touch_all();
    }

    /// Adds a blank row at the bottom.
    pub fn push_bottom(&mut self) {
        self.straighten();
        self.rows.push(Row::default());
        self.touch_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_chars(grid: &Grid) -> String {
        grid.rows().map(|r| r.cell(0).char()).collect()
    }

    #[test]
    fn scrolling_a_region_rotates_rows() {
        let mut grid = Grid::new(4, 3);
        for (i, c) in b"abcd".iter().enumerate() {
            grid.row_mut(i).put_ascii(0, &[*c], 0);
        }
        grid.scroll_up(1, 2, 1, Cell::BLANK, None);
        assert_eq!(first_chars(&grid), "ac d");
        grid.scroll_down(0, 3, 2, Cell::BLANK);
        assert_eq!(first_chars(&grid), "  ac");
        grid.scroll_up(0, 3, 3, Cell::BLANK, None);
        assert_eq!(first_chars(&grid), "c   ");
        grid.row_mut(3).put_ascii(0, b"z", 0);
        grid.scroll_up(0, 3, 1, Cell::BLANK, None);
        grid.scroll_up(1, 3, 1, Cell::BLANK, None);
        assert_eq!(first_chars(&grid), " z  ");
    }
}
