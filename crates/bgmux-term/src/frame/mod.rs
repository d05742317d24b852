//! A [`Frame`]: one client's screen image, which the server composes from
//! terminals, borders and a status line, and renders as a full redraw or a
//! diff against the previous frame (`render.rs`).
//!
//! Frames are small (one client's size), so a cell is fat: its text inline
//! (up to a whole grapheme cluster) and its full [`Style`]. The frame keeps
//! the wide-character invariant every writer relies on: a wide cell is
//! always followed by its spacer, a spacer always follows a wide cell.
//!
//! A frame also remembers which rows were written since it was last synced
//! into another (`update.rs`): a server that keeps one composed frame per
//! client and redraws only what changed diffs and copies only those rows.

mod render;
mod update;

use unicode_width::UnicodeWidthChar;

use crate::grid::MAX_CLUSTER;
use crate::modes::{Cursor, Modes};
use crate::style::Style;

/// Frame dimensions are clamped to this, like terminals.
const MAX_FRAME: u16 = crate::MAX_SIZE;

/// A rectangle of cells: top-left corner and size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Rect {
    /// Top row.
    pub row: u16,
    /// Left column.
    pub col: u16,
    /// Height in rows.
    pub rows: u16,
    /// Width in columns.
    pub cols: u16,
}

/// A cell's text: a character inline, or a grapheme cluster (a character
/// and its combining marks) out of line. The spacer after a wide character
/// has no text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CellText {
    text: Text,
    /// The first column of a wide character.
    pub wide: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Text {
    /// A character's UTF-8 (`len == 0`: the spacer).
    Char {
        len: u8,
        utf8: [u8; 4],
    },
    Cluster(Box<str>),
}

impl CellText {
    const SPACE: CellText = CellText::ascii(b' ');
    const SPACER: CellText = CellText {
        text: Text::Char {
            len: 0,
            utf8: [0; 4],
        },
        wide: false,
    };

    const fn ascii(b: u8) -> CellText {
        CellText {
            text: Text::Char {
                len: 1,
                utf8: [b, 0, 0, 0],
            },
            wide: false,
        }
    }

    /// A single character.
    #[inline]
    pub fn from_char(c: char, wide: bool) -> CellText {
        let mut utf8 = [0; 4];
        let len = c.encode_utf8(&mut utf8).len() as u8;
        CellText {
            text: Text::Char { len, utf8 },
            wide,
        }
    }

    /// A character or a cluster, cut to [`MAX_CLUSTER`] bytes at a
    /// character boundary.
    pub fn new(text: &str, wide: bool) -> CellText {
        let mut chars = text.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return CellText::from_char(c, wide);
        }
        let mut end = text.len().min(MAX_CLUSTER);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        CellText {
            text: Text::Cluster(text[..end].into()),
            wide,
        }
    }

    pub fn as_str(&self) -> &str {
        match &self.text {
            Text::Char { len, utf8 } => {
                std::str::from_utf8(&utf8[..usize::from(*len)]).unwrap_or("")
            }
            Text::Cluster(text) => text,
        }
    }

    pub fn is_spacer(&self) -> bool {
        matches!(self.text, Text::Char { len: 0, .. })
    }
}

/// One cell of a frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FrameCell {
    pub text: CellText,
    pub style: Style,
}

impl FrameCell {
    const BLANK: FrameCell = FrameCell {
        text: CellText::SPACE,
        style: blank_style(),
    };
}

const fn blank_style() -> Style {
    Style {
        fg: crate::Color::Default,
        bg: crate::Color::Default,
        underline_color: crate::Color::Default,
        underline: crate::Underline::None,
        bold: false,
        dim: false,
        italic: false,
        blink: false,
        reverse: false,
        hidden: false,
        strike: false,
        link: None,
    }
}

/// One client's screen image (see the file comment).
#[derive(Clone, Debug)]
pub struct Frame {
    rows: u16,
    cols: u16,
    cells: Vec<FrameCell>,
    cursor: Option<Cursor>,
    modes: Modes,
    /// Rows written since the last [`Frame::sync_into`]; not part of the
    /// image (equality ignores it).
    touched: Vec<bool>,
}

impl PartialEq for Frame {
    fn eq(&self, other: &Frame) -> bool {
        (self.rows, self.cols, self.cursor, self.modes)
            == (other.rows, other.cols, other.cursor, other.modes)
            && self.cells == other.cells
    }
}

impl Eq for Frame {}

impl Frame {
    /// A blank frame (sizes clamped to 1..=1000), cursor hidden, no modes.
    pub fn new(rows: u16, cols: u16) -> Frame {
        let (rows, cols) = (rows.clamp(1, MAX_FRAME), cols.clamp(1, MAX_FRAME));
        let cells = vec![FrameCell::BLANK; usize::from(rows) * usize::from(cols)];
        Frame {
            rows,
            cols,
            cells,
            cursor: None,
            modes: Modes::default(),
            touched: vec![true; usize::from(rows)],
        }
    }

    /// Height.
    pub fn rows(&self) -> u16 {
        self.rows
    }

    /// Width.
    pub fn cols(&self) -> u16 {
        self.cols
    }

    /// Changes the size; the contents are cleared.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        let modes = self.modes;
        *self = Frame::new(rows, cols);
        self.modes = modes;
    }

    /// Blanks every cell and hides the cursor; the modes are kept.
    pub fn clear(&mut self) {
        self.cells.fill(FrameCell::BLANK);
        self.cursor = None;
        self.touched.fill(true);
    }

    /// The cursor to show (`None`: hidden).
    pub fn cursor(&self) -> Option<Cursor> {
        self.cursor
    }

    /// Sets the cursor to show, clamped into the frame; `None` hides it.
    pub fn set_cursor(&mut self, cursor: Option<Cursor>) {
        self.cursor = cursor.map(|c| Cursor {
            row: c.row.min(self.rows - 1),
            col: c.col.min(self.cols - 1),
            ..c
        });
    }

    /// The modes the outer terminal mirrors.
    pub fn modes(&self) -> Modes {
        self.modes
    }

    /// Sets the modes the outer terminal must mirror (those of the focused
    /// task). `alt_screen` is kept but not rendered: the client itself
    /// lives on the outer alternate screen.
    pub fn set_modes(&mut self, modes: Modes) {
        self.modes = modes;
    }

    /// The text of a cell: a character with its combining marks, `""` for
    /// the second column of a wide character or outside the frame.
    pub fn cell_text(&self, row: u16, col: u16) -> &str {
        self.index(row, col)
            .map_or("", |i| self.cells[i].text.as_str())
    }

    /// The style of a cell, `None` outside the frame.
    pub fn cell_style(&self, row: u16, col: u16) -> Option<&Style> {
        self.index(row, col).map(|i| &self.cells[i].style)
    }

    /// The text of a row, trailing blanks trimmed.
    pub fn row_text(&self, row: u16) -> String {
        let mut text: String = (0..self.cols).map(|c| self.cell_text(row, c)).collect();
        text.truncate(text.trim_end_matches(' ').len());
        text
    }

    /// Writes `text` from `(row, col)` in `style`, clipped at the right
    /// edge; returns the columns used. Combining marks join the character
    /// before them; control characters are skipped; a wide character that
    /// does not fit in the last column leaves a blank there.
    pub fn put_str(&mut self, row: u16, col: u16, text: &str, style: &Style) -> u16 {
        if row >= self.rows {
            return 0;
        }
        let mut at = col;
        for c in text.chars() {
            match c.width() {
                Some(0) if at > col => self.combine(row, at - 1, c),
                Some(w @ (1 | 2)) if !c.is_control() => {
                    if at >= self.cols {
                        break;
                    }
                    let mut utf8 = [0; 4];
                    self.put_cell(row, at, c.encode_utf8(&mut utf8), w == 2, style);
                    at = (at + w as u16).min(self.cols);
                }
                _ => {}
            }
        }
        at - col.min(at)
    }

    /// Fills `area` (clipped) with `ch` in `style`.
    pub fn fill(&mut self, area: Rect, ch: char, style: &Style) {
        let ch = if ch.is_control() || ch.width() == Some(0) {
            ' '
        } else {
            ch
        };
        let mut utf8 = [0; 4];
        let text = ch.encode_utf8(&mut utf8);
        let wide = ch.width() == Some(2);
        let (rows, cols) = self.clip(area);
        for row in rows {
            let mut col = cols.start;
            while col < cols.end {
                let fits = !wide || col + 1 < cols.end;
                let (t, w): (&str, bool) = if fits { (text, wide) } else { (" ", false) };
                self.put_cell(row, col, t, w, style);
                col += if w { 2 } else { 1 };
            }
        }
    }

    /// Restyles the cells of `area` (clipped), keeping their text; a wide
    /// character cut by the area's edge is restyled whole.
    pub fn set_style(&mut self, area: Rect, style: &Style) {
        let (rows, cols) = self.clip(area);
        for row in rows {
            self.touched[usize::from(row)] = true;
            for col in cols.clone() {
                let Some(i) = self.index(row, col) else {
                    continue;
                };
                self.cells[i].style = style.clone();
                if self.cells[i].text.is_spacer() && col > 0 {
                    self.cells[i - 1].style = style.clone();
                }
                if self.cells[i].text.wide && col + 1 < self.cols {
                    self.cells[i + 1].style = style.clone();
                }
            }
        }
    }

    /// Writes one cell (two when `wide`), keeping the wide invariant.
    /// A wide character that does not fit becomes a blank.
    pub(crate) fn put_cell(&mut self, row: u16, col: u16, text: &str, wide: bool, style: &Style) {
        self.put_text(row, col, CellText::new(text, wide), style);
    }

    /// [`Frame::put_cell`] for text already in cell form.
    pub(crate) fn put_text(&mut self, row: u16, col: u16, text: CellText, style: &Style) {
        let Some(i) = self.index(row, col) else {
            return;
        };
        self.touched[usize::from(row)] = true;
        let text = if text.wide && col + 1 >= self.cols {
            CellText::SPACE
        } else {
            text
        };
        let wide = text.wide;
        let width = if wide { 2 } else { 1 };
        let row_end = i - usize::from(col) + usize::from(self.cols);
        if col > 0 && self.cells[i].text.is_spacer() {
            self.cells[i - 1].text = CellText::SPACE;
        }
        if i + width < row_end && self.cells[i + width].text.is_spacer() {
            self.cells[i + width].text = CellText::SPACE;
        }
        let cell = &mut self.cells[i];
        cell.text = text;
        if cell.style != *style {
            cell.style = style.clone();
        }
        if wide {
            let spacer = &mut self.cells[i + 1];
            spacer.text = CellText::SPACER;
            if spacer.style != *style {
                spacer.style = style.clone();
            }
        }
    }

    /// Appends a zero-width character to the cell at `(row, col)` (or the
    /// wide character it is the spacer of).
    fn combine(&mut self, row: u16, col: u16, c: char) {
        let Some(mut i) = self.index(row, col) else {
            return;
        };
        self.touched[usize::from(row)] = true;
        if self.cells[i].text.is_spacer() && col > 0 {
            i -= 1;
        }
        let cell = &mut self.cells[i].text;
        let mut text = cell.as_str().to_owned();
        text.push(c);
        if text.len() <= MAX_CLUSTER {
            *cell = CellText::new(&text, cell.wide);
        }
    }

    fn index(&self, row: u16, col: u16) -> Option<usize> {
        (row < self.rows && col < self.cols)
            .then(|| usize::from(row) * usize::from(self.cols) + usize::from(col))
    }

    fn clip(&self, area: Rect) -> (std::ops::Range<u16>, std::ops::Range<u16>) {
        let rows = area.row.min(self.rows)..area.row.saturating_add(area.rows).min(self.rows);
        let cols = area.col.min(self.cols)..area.col.saturating_add(area.cols).min(self.cols);
        (rows, cols)
    }

    /// The cells of a row.
    pub(crate) fn row_cells(&self, row: u16) -> &[FrameCell] {
        let start = usize::from(row) * usize::from(self.cols);
        &self.cells[start..start + usize::from(self.cols)]
    }
}
