//! One history block: up to [`BLOCK_ROWS`] rows as one UTF-8 buffer, an end
//! offset per row, and style runs only where the text is not plain.
//!
//! This file owns the encoding of a grid row into the block and the
//! decoding of a stored row back into cells; which block a row goes to and
//! when blocks are dropped is `history/mod.rs`.
//!
//! ```text
//! text:  |00000001 lorem ipsum…|00000002 dolor…|…  (trailing blanks trimmed
//!                                                    unless the row wrapped)
//! ends:  [   24 | W,   61,   …   ]        u32 end offset, W = bit 31 = wrapped
//! runs:  [ {start: 24, style: 0x…}, … ]    style changes by byte offset, sorted;
//!                                          empty for plain text
//! styles: [Style, …]                       extended styles (RGB, links) of runs
//! ```
//!
//! A cell's width is not stored: it is the `unicode-width` of its first
//! character, exactly as when it was printed, and zero-width characters
//! belong to the cell before them. Wide spacers are not stored.

use unicode_width::UnicodeWidthChar;

use crate::cell::Cell;
use crate::grid::Row;
use crate::style::{intern, resolve, Style, EXTENDED};

/// Rows per block: large enough that per-block overhead vanishes, small
/// enough that dropping the oldest block is cheap and prompt.
pub(crate) const BLOCK_ROWS: usize = 256;
const WRAPPED: u32 = 1 << 31;

/// A style change at a byte offset of the block text.
#[derive(Clone, Copy, Debug)]
struct Run {
    start: u32,
    style: u32,
}

/// See the file comment.
#[derive(Debug, Default)]
pub(crate) struct Block {
    text: Vec<u8>,
    ends: Vec<u32>,
    runs: Vec<Run>,
    styles: Vec<Style>,
}

impl Block {
    /// An empty block whose text buffer starts with `text_capacity` bytes.
    pub fn with_capacity(text_capacity: usize) -> Block {
        Block {
            text: Vec::with_capacity(text_capacity),
            ends: Vec::with_capacity(BLOCK_ROWS),
            runs: Vec::new(),
            styles: Vec::new(),
        }
    }

    /// Rows held.
    #[inline]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Bytes of text held.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// Heap bytes held (capacities, so slack counts).
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.ends.capacity() * 4
            + self.runs.capacity() * size_of::<Run>()
            + self.styles.capacity() * size_of::<Style>()
    }

    /// Gives back the slack of a block that will not grow any more.
    pub fn seal(&mut self) {
        self.text.shrink_to_fit();
        self.runs.shrink_to_fit();
        self.styles.shrink_to_fit();
    }

    /// Appends a grid row (see the file comment).
    pub fn push(&mut self, row: &Row) {
        let cells = row.line_cells();
        // One pass over the row (a fold without early exit, so that it
        // vectorises) tells the common cases apart: ASCII without flag bits,
        // in the plain style or in basic styles only.
        let (chars, styles) = cells
            .iter()
            .fold((0, 0), |(ch, st), c| (ch | c.ch, st | c.style));
        if chars < 0x80 && styles == 0 {
            self.set_style(0);
            self.text.extend(cells.iter().map(|c| c.ch as u8));
        } else if chars < 0x80 && styles & EXTENDED == 0 {
            self.push_ascii_styled(cells);
        } else {
            self.push_styled(row, cells);
        }
        let end = self.text.len() as u32 | if row.wrapped { WRAPPED } else { 0 };
        self.ends.push(end);
    }

    /// Appends ASCII cells in basic styles (a coloured line): the text in
    /// one copy, then a run wherever the style changes. The general path
    /// ([`Block::push_styled`]) measures and copies run by run, with two
    /// tests per cell; on muxbench's SGR lines this one takes the emulator
    /// with history from 6.3 to 5.3–5.6 ns per byte (BENCHMARKS.md).
    fn push_ascii_styled(&mut self, cells: &[Cell]) {
        let start = self.text.len();
        self.text.extend(cells.iter().map(|c| c.ch as u8));
        let mut current = self.current_style();
        for (i, cell) in cells.iter().enumerate() {
            if cell.style != current {
                current = cell.style;
                self.set_style_at((start + i) as u32, current);
            }
        }
    }

    /// Appends cells with styles or non-ASCII text: runs of ASCII in one
    /// basic style are copied in one go, the rest cell by cell.
    fn push_styled(&mut self, row: &Row, cells: &[Cell]) {
        let mut buf = String::new();
        let mut i = 0;
        while let Some(&cell) = cells.get(i) {
            // Extended codes index the row's table, not the block's, so
            // they are always looked up.
            if cell.style & EXTENDED != 0 || cell.style != self.current_style() {
                let code = if cell.style & EXTENDED == 0 {
                    cell.style
                } else {
                    intern(&mut self.styles, &row.style(cell.style))
                };
                self.set_style(code);
            }
            if cell.ch < 0x80 && cell.style & EXTENDED == 0 {
                // ASCII (no flag bits either) in a basic style: the run,
                // measured first so that the copy is one sized extend.
                let rest = &cells[i..];
                let n = rest
                    .iter()
                    .position(|c| c.ch >= 0x80 || c.style != cell.style)
                    .unwrap_or(rest.len());
                self.text.extend(rest[..n].iter().map(|c| c.ch as u8));
                i += n;
                continue;
            }
            if !cell.is_spacer() {
                push_cell_text(row, cell, &mut buf, &mut self.text);
            }
            i += 1;
        }
    }

    /// Removes the newest row (resize pulls it back into the grid).
    pub fn pop(&mut self) {
        if self.ends.pop().is_none() {
            return;
        }
        let end = self.ends.last().map_or(0, |e| e & !WRAPPED) as usize;
        self.text.truncate(end);
        while self.runs.last().is_some_and(|r| r.start as usize >= end) {
            self.runs.pop();
        }
    }

    /// The stored row `index` of this block.
    pub fn row(&self, index: usize) -> Option<StoredRow<'_>> {
        let end = *self.ends.get(index)?;
        let start = match index {
            0 => 0,
            i => self.ends[i - 1] & !WRAPPED,
        };
        let bytes = self.text.get(start as usize..(end & !WRAPPED) as usize)?;
        Some(StoredRow {
            // The text was written from `str`/`char` data only, so a
            // failure here is a bug; an empty row is the safe answer.
            text: std::str::from_utf8(bytes).unwrap_or(""),
            start,
            wrapped: end & WRAPPED != 0,
            block: self,
        })
    }

    #[inline]
    fn current_style(&self) -> u32 {
        self.runs.last().map_or(0, |r| r.style)
    }

    /// Makes `code` the style from the current end of the text on, keeping
    /// the run list canonical (no empty runs, no repeats).
    fn set_style(&mut self, code: u32) {
        self.set_style_at(self.text.len() as u32, code);
    }

    /// Makes `code` the style from text offset `at` on (`at` is never
    /// before the start of the last run), keeping the run list canonical.
    fn set_style_at(&mut self, at: u32, code: u32) {
        if self.current_style() == code {
            return;
        }
        if self.runs.last().is_some_and(|r| r.start == at) {
            self.runs.pop();
            if self.current_style() == code {
                return;
            }
        }
        self.runs.push(Run {
            start: at,
            style: code,
        });
    }
}

fn push_cell_text(row: &Row, cell: Cell, buf: &mut String, text: &mut Vec<u8>) {
    if cell.is_cluster() {
        buf.clear();
        row.push_text(cell, buf);
        text.extend_from_slice(buf.as_bytes());
    } else {
        let mut utf8 = [0; 4];
        text.extend_from_slice(cell.char().encode_utf8(&mut utf8).as_bytes());
    }
}

/// A row as stored in history.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StoredRow<'a> {
    /// The row's text, trailing plain blanks trimmed.
    pub text: &'a str,
    start: u32,
    /// True when the line continues on the next row.
    pub wrapped: bool,
    block: &'a Block,
}

/// One cell of a stored row.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StoredCell<'a> {
    /// The cell's text: a character and its combining marks.
    pub text: &'a str,
    /// 1 or 2 columns.
    pub width: usize,
    /// Style code, resolved with [`StoredRow::style`].
    pub style: u32,
}

impl<'a> StoredRow<'a> {
    /// The full style of a code of this row.
    pub fn style(&self, code: u32) -> Style {
        resolve(&self.block.styles, code)
    }

    /// The row's cells, left to right.
    pub fn cells(&self) -> StoredCells<'a> {
        let runs = &self.block.runs;
        let next = runs.partition_point(|r| r.start <= self.start);
        StoredCells {
            text: self.text,
            pos: 0,
            start: self.start,
            runs: &runs[next..],
            style: next.checked_sub(1).map_or(0, |i| runs[i].style),
        }
    }
}

/// Iterator over the cells of a [`StoredRow`].
pub(crate) struct StoredCells<'a> {
    text: &'a str,
    pos: usize,
    start: u32,
    runs: &'a [Run],
    style: u32,
}

impl<'a> Iterator for StoredCells<'a> {
    type Item = StoredCell<'a>;

    fn next(&mut self) -> Option<StoredCell<'a>> {
        let rest = self.text.get(self.pos..)?;
        let mut chars = rest.char_indices();
        let (_, first) = chars.next()?;
        let width = first.width().unwrap_or(1).clamp(1, 2);
        let len = chars
            .find(|&(_, c)| c.width() != Some(0))
            .map_or(rest.len(), |(i, _)| i);
        let at = self.start + self.pos as u32;
        while let Some((run, rest)) = self.runs.split_first() {
            if run.start > at {
                break;
            }
            self.style = run.style;
            self.runs = rest;
        }
        let text = &rest[..len];
        self.pos += len;
        Some(StoredCell {
            text,
            width,
            style: self.style,
        })
    }
}
