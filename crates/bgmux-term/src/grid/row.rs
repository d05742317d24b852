//! One row of the visible grid: lazily allocated cells plus a side table for
//! what does not fit in a cell.
//!
//! This file owns cell storage and the in-row edits (write, erase, insert,
//! delete) with the wide-character fix-ups they need. It knows nothing of the
//! cursor, modes or scrolling (`screen/`).
//!
//! Cells past the end of the `cells` vector read as blank: an untouched row
//! costs its 40-byte header only, a row holding a short line stores only
//! that line, and a row that is scrolled away or cleared keeps its
//! allocation (capacity) but drops its length to zero, so reusing it costs
//! neither an allocation nor clearing a whole row. The side table holds extended styles
//! (RGB, underline colour, hyperlink) and grapheme clusters; it is garbage
//! collected when it outgrows the row, so repainting a row forever in ever
//! new colours cannot grow it without bound.

use crate::cell::{Cell, CHAR_MASK, CLUSTER, SPACER, WIDE};
use crate::style::{intern, resolve, Style, EXTENDED};

/// The longest grapheme cluster a cell keeps, in bytes: further combining
/// marks are dropped (a flood of combining marks must not grow a cell).
pub(crate) const MAX_CLUSTER: usize = 31;

/// A row of cells (see the file comment).
#[derive(Clone, Debug, Default)]
pub(crate) struct Row {
    cells: Vec<Cell>,
    extra: Option<Box<RowExtra>>,
    /// Set when the text continues on the next row (autowrap happened here).
    pub wrapped: bool,
}

#[derive(Clone, Debug, Default)]
struct RowExtra {
    styles: Vec<Style>,
    clusters: Vec<Box<str>>,
}

impl Row {
    /// The cells stored: a prefix of the row (the rest is blank).
    #[inline]
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// The cells that carry the row's line: all stored cells of a wrapped
    /// row (its trailing blanks are part of the line, for joined export and
    /// reflow), up to the last non-blank one otherwise.
    pub fn line_cells(&self) -> &[Cell] {
        let used = if self.wrapped {
            self.cells.len()
        } else {
            self.cells
                .iter()
                .rposition(|c| !c.is_plain_blank())
                .map_or(0, |i| i + 1)
        };
        &self.cells[..used]
    }

    /// Makes sure cells `..end` are stored.
    #[inline]
    fn extend_to(&mut self, end: usize) {
        if self.cells.len() < end {
            self.cells.resize(end, Cell::BLANK);
        }
    }

    /// The cell at `col` (blank past what is allocated).
    #[inline]
    pub fn cell(&self, col: usize) -> Cell {
        self.cells.get(col).copied().unwrap_or(Cell::BLANK)
    }

    /// All `cols` cells for writing, stored (blank) on first use.
    #[inline]
    pub fn cells_mut(&mut self, cols: usize) -> &mut [Cell] {
        self.extend_to(cols);
        &mut self.cells
    }

    /// Makes the row blank and unwrapped, keeping the cell allocation for
    /// reuse (scrolling recycles rows this way).
    pub fn reset(&mut self) {
        self.cells.clear();
        self.extra = None;
        self.wrapped = false;
    }

    /// Makes the row blank and gives its memory back.
    pub fn free(&mut self) {
        *self = Row::default();
    }

    /// Heap bytes held by this row.
    pub fn heap_bytes(&self) -> usize {
        let extra = self.extra.as_ref().map_or(0, |e| {
            size_of::<RowExtra>()
                + e.styles.capacity() * size_of::<Style>()
                + e.clusters.iter().map(|c| c.len() + 16).sum::<usize>()
        });
        self.cells.capacity() * size_of::<Cell>() + extra
    }

    /// The cell style code for `style` in this row: its basic code when it
    /// has one, else an entry in the row's side table.
    #[inline]
    pub fn style_code(&mut self, style: &Style, basic: Option<u32>, cols: usize) -> u32 {
        match basic {
            Some(code) => code,
            None => {
                self.collect_if_full(cols);
                let extra = self.extra.get_or_insert_with(Box::default);
                intern(&mut extra.styles, style)
            }
        }
    }

    /// The full style of a code found in this row.
    pub fn style(&self, code: u32) -> Style {
        match &self.extra {
            Some(e) => resolve(&e.styles, code),
            None => resolve(&[], code),
        }
    }

    /// Appends the text of `cell` (a character or a cluster) to `out`.
    pub fn push_text(&self, cell: Cell, out: &mut String) {
        if cell.is_cluster() {
            let index = (cell.ch & CHAR_MASK) as usize;
            let text = self.extra.as_ref().and_then(|e| e.clusters.get(index));
            out.push_str(text.map_or(" ", |t| t));
        } else {
            out.push(cell.char());
        }
    }

    /// Appends a zero-width character to the cell at `col` (a combining
    /// mark joins the character before it). The cluster is capped at
    /// [`MAX_CLUSTER`] bytes.
    pub fn combine(&mut self, col: usize, mark: char, cols: usize) {
        let cell = self.cell(col);
        let mut text = String::new();
        self.push_text(cell, &mut text);
        if text.len() + mark.len_utf8() > MAX_CLUSTER {
            return;
        }
        text.push(mark);
        self.collect_if_full(cols);
        let extra = self.extra.get_or_insert_with(Box::default);
        let index = extra.clusters.len() as u32;
        extra.clusters.push(text.into_boxed_str());
        let cells = self.cells_mut(cols);
        if let Some(c) = cells.get_mut(col) {
            c.ch = CLUSTER | index | (cell.ch & WIDE);
        }
    }

    /// Stores `text` (a whole cluster) at `col` with the given width.
    pub fn put_cluster(&mut self, col: usize, text: &str, wide: bool, style: u32, cols: usize) {
        self.collect_if_full(cols);
        let extra = self.extra.get_or_insert_with(Box::default);
        let index = extra.clusters.len() as u32;
        extra.clusters.push(text.into());
        let ch = CLUSTER | index | if wide { WIDE } else { 0 };
        self.put(col, Cell { ch, style }, cols);
    }

    /// Writes one character cell at `col` (and its spacer when wide),
    /// blanking any wide character it cuts in half.
    #[inline]
    pub fn put(&mut self, col: usize, cell: Cell, cols: usize) {
        let width = if cell.is_wide() { 2 } else { 1 };
        if col + width > cols {
            return;
        }
        self.extend_to(col + width);
        let cells = &mut self.cells[..];
        fix_wide_overlap(cells, col, col + width);
        cells[col] = cell;
        if width == 2 {
            cells[col + 1] = Cell {
                ch: SPACER,
                style: cell.style,
            };
        }
    }

    /// Writes narrow cells `text` (one per byte, ASCII) from `col`; the caller
    /// guarantees they fit.
    #[inline]
    pub fn put_ascii(&mut self, col: usize, text: &[u8], style: u32) {
        let end = col + text.len();
        if col == self.cells.len() {
            // Appending (a fresh or recycled row being filled): no need to
            // blank the cells first.
            let cells = text.iter().map(|&b| Cell {
                ch: u32::from(b),
                style,
            });
            self.cells.extend(cells);
            return;
        }
        self.extend_to(end);
        let cells = &mut self.cells[..];
        fix_wide_overlap(cells, col, end);
        for (cell, &b) in cells[col..end].iter_mut().zip(text) {
            *cell = Cell {
                ch: u32::from(b),
                style,
            };
        }
    }

    /// Fills `[from, to)` with `blank` (EL, ECH, ED). Plain blanks at the
    /// end of the row are simply no longer stored.
    pub fn erase(&mut self, from: usize, to: usize, blank: Cell, cols: usize) {
        let to = to.min(cols);
        if from >= to {
            return;
        }
        if blank == Cell::BLANK {
            let len = self.cells.len();
            if from >= len {
                return;
            }
            fix_wide_overlap(&mut self.cells, from, to);
            if to >= len {
                self.cells.truncate(from);
            } else {
                self.cells[from..to].fill(blank);
            }
            return;
        }
        let cells = self.cells_mut(cols);
        fix_wide_overlap(cells, from, to);
        cells[from..to].fill(blank);
    }

    /// ICH: shifts `[at, cols)` right by `n`, filling the gap with `blank`.
    pub fn insert_blanks(&mut self, at: usize, n: usize, blank: Cell, cols: usize) {
        if at >= cols {
            return;
        }
        let n = n.min(cols - at);
        let cells = self.cells_mut(cols);
        fix_wide_overlap(cells, at, at);
        cells[at..].rotate_right(n);
        cells[at..at + n].fill(blank);
        // A wide character pushed half off the right edge is erased.
        if cells[cols - 1].is_wide() {
            cells[cols - 1] = Cell::blank(cells[cols - 1].style);
        }
    }

    /// DCH: removes `n` cells at `at`, shifting the rest left and filling
    /// the right end with `blank`.
    pub fn delete_cells(&mut self, at: usize, n: usize, blank: Cell, cols: usize) {
        if at >= cols {
            return;
        }
        let n = n.min(cols - at);
        let cells = self.cells_mut(cols);
        fix_wide_overlap(cells, at, at + n);
        cells[at..].rotate_left(n);
        cells[cols - n..].fill(blank);
    }

    /// Changes the row width (resize without reflow).
    pub fn set_width(&mut self, cols: usize) {
        if self.cells.len() < cols {
            return;
        }
        self.cells.truncate(cols);
        if let Some(last) = self.cells.last_mut() {
            if last.is_wide() {
                *last = Cell::blank(last.style);
            }
        }
    }

    /// Rebuilds the side table keeping only entries cells still use, once
    /// it holds more than twice the row width (amortised O(1) per insert).
    fn collect_if_full(&mut self, cols: usize) {
        let Some(extra) = self.extra.as_mut() else {
            return;
        };
        let limit = 2 * cols + 8;
        if extra.styles.len() < limit && extra.clusters.len() < limit {
            return;
        }
        let mut fresh = RowExtra::default();
        for cell in self.cells.iter_mut() {
            if cell.style & EXTENDED != 0 {
                let style = resolve(&extra.styles, cell.style);
                cell.style = intern(&mut fresh.styles, &style);
            }
            if cell.is_cluster() {
                let old = (cell.ch & CHAR_MASK) as usize;
                let text = extra
                    .clusters
                    .get(old)
                    .cloned()
                    .unwrap_or_else(|| " ".into());
                let index = fresh.clusters.len() as u32;
                fresh.clusters.push(text);
                cell.ch = (cell.ch & !CHAR_MASK) | index;
            }
        }
        **extra = fresh;
    }
}

/// Before cells `[from, to)` are overwritten: a wide character whose one
/// half is inside the range and the other outside loses both halves; the
/// outside half becomes a plain blank, as in tmux and vt100.
#[inline]
fn fix_wide_overlap(cells: &mut [Cell], from: usize, to: usize) {
    if from > 0 && from < cells.len() && cells[from].is_spacer() {
        cells[from - 1] = Cell::BLANK;
        if to == from {
            cells[from] = Cell::BLANK;
        }
    }
    if to < cells.len() && to > 0 && cells[to].is_spacer() {
        cells[to] = Cell::BLANK;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(row: &Row) -> String {
        let mut s = String::new();
        for &c in row.cells() {
            if !c.is_spacer() {
                row.push_text(c, &mut s);
            }
        }
        s
    }

    #[test]
    fn rows_are_lazy_and_reuse_their_allocation() {
        let mut row = Row::default();
        assert_eq!(row.heap_bytes(), 0);
        row.put_ascii(0, b"hi", 0);
        assert_eq!(text(&row), "hi");
        row.reset();
        assert!(row.cells().is_empty());
        assert!(row.heap_bytes() <= 32, "only the written prefix is stored");
    }

    #[test]
    fn overwriting_half_a_wide_char_blanks_the_other_half() {
        let mut row = Row::default();
        row.put(
            2,
            Cell {
                ch: '字' as u32 | WIDE,
                style: 0,
            },
            6,
        );
        assert_eq!(text(&row), "  字");
        row.put_ascii(3, b"x", 0);
        assert_eq!(text(&row), "   x");
        row.put(
            0,
            Cell {
                ch: '字' as u32 | WIDE,
                style: 0,
            },
            6,
        );
        row.put_ascii(0, b"y", 0);
        assert_eq!(text(&row), "y  x");
    }

    #[test]
    fn side_table_is_collected() {
        let mut row = Row::default();
        for i in 0..1000u32 {
            let style = Style {
                fg: crate::Color::Rgb(i as u8, (i >> 8) as u8, 0),
                ..Style::default()
            };
            let code = row.style_code(&style, None, 4);
            row.put_ascii((i % 4) as usize, b"a", code);
        }
        assert!(row.extra.as_ref().unwrap().styles.len() <= 16);
        let last = Style {
            fg: crate::Color::Rgb((999 % 256) as u8, 3, 0),
            ..Style::default()
        };
        assert_eq!(row.style(row.cell(3).style), last);
    }

    #[test]
    fn insert_and_delete_shift_cells() {
        let mut row = Row::default();
        row.put_ascii(0, b"abcdef", 0);
        row.insert_blanks(1, 2, Cell::BLANK, 6);
        assert_eq!(text(&row), "a  bcd");
        row.delete_cells(0, 3, Cell::BLANK, 6);
        assert_eq!(text(&row), "bcd   ");
    }
}
