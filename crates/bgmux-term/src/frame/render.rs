//! Rendering a [`Frame`] as terminal bytes: a full redraw (attach) and a
//! diff against the previous frame (updates).
//!
//! Both leave the outer terminal's rendition at the default, so a diff
//! starts from a known rendition. Neither relies on autowrap: every row is
//! reached by explicit cursor motion, and after writing the last column
//! (where the terminal sits in its pending-wrap state) the next motion is
//! an absolute CUP. So the bottom-right cell is written without scrolling.
//! While a diff repaints, a visible cursor is hidden to avoid flicker.

use super::{Frame, FrameCell};
use crate::modes::{Cursor, Modes, MouseMode};
use crate::sgr_write::{number, write_transition};
use crate::style::Style;

/// Gaps of unchanged cells up to this long are rewritten rather than
/// jumped over (a CUF costs 3–5 bytes).
const MAX_REWRITE_GAP: usize = 3;

/// Writes cells, tracking the outer terminal's cursor and rendition.
struct Painter<'a> {
    out: &'a mut Vec<u8>,
    style: Style,
    /// Where the outer cursor is, if known.
    pos: Option<(u16, u16)>,
    cols: u16,
}

impl Painter<'_> {
    fn move_to(&mut self, row: u16, col: u16) {
        match self.pos {
            Some(pos) if pos == (row, col) => {}
            Some((r, c)) if r == row && col > c => csi_count(self.out, col - c, b'C'),
            Some((r, c)) if r == row && col < c => csi_count(self.out, c - col, b'D'),
            Some((r, _)) if row == r + 1 && col == 0 => self.out.extend_from_slice(b"\r\n"),
            _ => cup(self.out, row, col),
        }
        self.pos = Some((row, col));
    }

    fn set_style(&mut self, style: &Style) {
        if *style != self.style {
            write_transition(&self.style, style, self.out);
            self.style = style.clone();
        }
    }

    /// Writes `cell` at `(row, col)`.
    fn cell(&mut self, row: u16, col: u16, cell: &FrameCell) {
        self.move_to(row, col);
        self.set_style(&cell.style);
        self.out.extend_from_slice(cell.text.as_str().as_bytes());
        let next = col + if cell.text.wide { 2 } else { 1 };
        // At the right edge the terminal's cursor is in its pending-wrap
        // state: only an absolute move is safe from there.
        self.pos = (next < self.cols).then_some((row, next));
    }

    /// Erases from `(row, col)` to the end of the row (EL 0) in the
    /// default rendition.
    fn erase_rest(&mut self, row: u16, col: u16) {
        self.move_to(row, col);
        self.set_style(&Style::default());
        self.out.extend_from_slice(b"\x1b[K");
    }

    fn finish(&mut self) {
        self.set_style(&Style::default());
    }
}

impl Frame {
    /// Appends a full redraw: reset the rendition, clear, every row, then
    /// the cursor and all the modes.
    pub fn render_full(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"\x1b[0m\x1b]8;;\x1b\\\x1b[H\x1b[2J");
        let mut painter = Painter {
            out,
            style: Style::default(),
            pos: Some((0, 0)),
            cols: self.cols,
        };
        for row in 0..self.rows {
            let cells = self.row_cells(row);
            let end = cells
                .iter()
                .rposition(|c| *c != FrameCell::BLANK)
                .map_or(0, |i| i + 1);
            for (col, cell) in cells[..end].iter().enumerate() {
                if cell.text.is_spacer() {
                    continue;
                }
                if *cell == FrameCell::BLANK {
                    // The screen is clear: skip blanks, but write a short
                    // run when that is shorter than moving over it.
                    let run = cells[col..]
                        .iter()
                        .take_while(|c| **c == FrameCell::BLANK)
                        .count();
                    let first = col == 0 || cells[col - 1] != FrameCell::BLANK;
                    let short = run <= MAX_REWRITE_GAP && painter.style.is_default();
                    if !(short && (first || painter.pos == Some((row, col as u16)))) {
                        continue;
                    }
                }
                painter.cell(row, col as u16, cell);
            }
        }
        painter.finish();
        let pos = painter.pos;
        render_modes(None, self.modes, out);
        render_cursor(pos, None, self.cursor, out);
    }

    /// Appends what turns `prev` (the frame last rendered) into this one;
    /// a size change falls back to [`Frame::render_full`].
    pub fn render_diff(&self, prev: &Frame, out: &mut Vec<u8>) {
        self.render_rows(prev, false, out);
    }

    /// [`Frame::render_diff`], comparing only the rows written since the
    /// last [`Frame::sync_into`] (`only_touched`) or every row.
    pub(super) fn render_rows(&self, prev: &Frame, only_touched: bool, out: &mut Vec<u8>) {
        if (prev.rows, prev.cols) != (self.rows, self.cols) {
            self.render_full(out);
            return;
        }
        let considered = |r: u16| !only_touched || self.touched[usize::from(r)];
        let start = prev.cursor.map(|c| (c.row, c.col));
        let changed =
            (0..self.rows).any(|r| considered(r) && self.row_cells(r) != prev.row_cells(r));
        let hide = changed && prev.cursor.is_some_and(|c| c.visible);
        if hide {
            out.extend_from_slice(b"\x1b[?25l");
        }
        let mut painter = Painter {
            out,
            style: Style::default(),
            pos: start,
            cols: self.cols,
        };
        if changed {
            for row in (0..self.rows).filter(|&r| considered(r)) {
                diff_row(&mut painter, row, self.row_cells(row), prev.row_cells(row));
            }
        }
        painter.finish();
        let pos = painter.pos;
        render_modes(Some(prev.modes), self.modes, out);
        let before = if hide {
            prev.cursor.map(|c| Cursor {
                visible: false,
                ..c
            })
        } else {
            prev.cursor
        };
        render_cursor(pos, Some(before), self.cursor, out);
    }
}

/// Repaints the changed cells of one row.
fn diff_row(painter: &mut Painter<'_>, row: u16, new: &[FrameCell], old: &[FrameCell]) {
    let tail = new
        .iter()
        .rposition(|c| *c != FrameCell::BLANK)
        .map_or(0, |i| i + 1);
    let tail_changed = new[tail..] != old[tail..];
    let erase_tail = tail_changed && new.len() - tail > MAX_REWRITE_GAP;
    let limit = if erase_tail { tail } else { new.len() };
    let mut col = 0;
    while col < limit {
        if new[col] == old[col] || new[col].text.is_spacer() {
            col += 1;
            continue;
        }
        // Rewrite a short gap of unchanged narrow cells in the current
        // rendition instead of moving over it.
        if let Some((r, c)) = painter
            .pos
            .filter(|&(r, c)| r == row && usize::from(c) < col)
        {
            let gap = &new[usize::from(c)..col];
            let cheap = gap.len() <= MAX_REWRITE_GAP
                && gap
                    .iter()
                    .all(|g| g.style == painter.style && !g.text.wide && !g.text.is_spacer());
            if cheap {
                for (i, g) in gap.iter().enumerate() {
                    painter.cell(r, c + i as u16, g);
                }
            }
        }
        painter.cell(row, col as u16, &new[col]);
        col += if new[col].text.wide { 2 } else { 1 };
    }
    if erase_tail {
        painter.erase_rest(row, tail as u16);
    }
}

/// Writes the mode settings: all of them (`prev` = None) or the changes.
fn render_modes(prev: Option<Modes>, modes: Modes, out: &mut Vec<u8>) {
    let flags = [
        (prev.map(|p| p.app_cursor), modes.app_cursor, 1),
        (prev.map(|p| p.bracketed_paste), modes.bracketed_paste, 2004),
        (prev.map(|p| p.mouse_sgr), modes.mouse_sgr, 1006),
        (prev.map(|p| p.focus_events), modes.focus_events, 1004),
    ];
    for (old, new, code) in flags {
        if old != Some(new) {
            decset(out, code, new);
        }
    }
    if prev.map(|p| p.app_keypad) != Some(modes.app_keypad) {
        out.extend_from_slice(if modes.app_keypad { b"\x1b=" } else { b"\x1b>" });
    }
    let old_mouse = prev.map(|p| p.mouse);
    if old_mouse != Some(modes.mouse) {
        match modes.mouse {
            MouseMode::None => {
                for code in [1000, 1002, 1003] {
                    if old_mouse.is_none() || old_mouse.and_then(mouse_code) == Some(code) {
                        decset(out, code, false);
                    }
                }
            }
            mode => {
                if let Some(code) = mouse_code(mode) {
                    decset(out, code, true);
                }
            }
        }
    }
}

fn mouse_code(mode: MouseMode) -> Option<u16> {
    match mode {
        MouseMode::None => None,
        MouseMode::Press => Some(1000),
        MouseMode::Button => Some(1002),
        MouseMode::Any => Some(1003),
    }
}

/// Positions, shapes and shows or hides the cursor. `before` is what the
/// outer terminal shows now (`None`: unknown, so everything is written).
fn render_cursor(
    pos: Option<(u16, u16)>,
    before: Option<Option<Cursor>>,
    cursor: Option<Cursor>,
    out: &mut Vec<u8>,
) {
    let old = before.flatten();
    let visible = cursor.is_some_and(|c| c.visible);
    if let Some(c) = cursor {
        if pos != Some((c.row, c.col)) {
            cup(out, c.row, c.col);
        }
        if before.is_none() || old.map(|o| o.shape) != Some(c.shape) {
            out.extend_from_slice(b"\x1b[");
            number(out, u32::from(c.shape.code()));
            out.extend_from_slice(b" q");
        }
    }
    if before.is_none() || old.is_some_and(|o| o.visible) != visible {
        decset(out, 25, visible);
    }
}

/// CUP to 0-based `(row, col)`, in its shortest form.
fn cup(out: &mut Vec<u8>, row: u16, col: u16) {
    out.extend_from_slice(b"\x1b[");
    if (row, col) != (0, 0) {
        number(out, u32::from(row) + 1);
        if col != 0 {
            out.push(b';');
            number(out, u32::from(col) + 1);
        }
    }
    out.push(b'H');
}

/// `CSI n final`, omitting n when it is 1.
fn csi_count(out: &mut Vec<u8>, n: u16, final_byte: u8) {
    out.extend_from_slice(b"\x1b[");
    if n != 1 {
        number(out, u32::from(n));
    }
    out.push(final_byte);
}

fn decset(out: &mut Vec<u8>, code: u16, on: bool) {
    out.extend_from_slice(b"\x1b[?");
    number(out, u32::from(code));
    out.push(if on { b'h' } else { b'l' });
}
