//! Painting a terminal's screen (or a view scrolled back into its history)
//! into a rectangle of a [`Frame`]. Reads the grid and history; the frame
//! keeps its own wide-character invariant.

use crate::frame::{Frame, Rect};
use crate::grid::Row;
use crate::history::StoredRow;
use crate::style::Style;

/// Paints grid row `row` into frame row `at_row`, columns `at_col..` for
/// `cols` columns.
pub(crate) fn grid_row(frame: &mut Frame, at_row: u16, at_col: u16, cols: usize, row: &Row) {
    let mut text = String::new();
    let mut cache: (u32, Style) = (0, Style::default());
    for col in 0..cols {
        let cell = row.cell(col);
        if cell.is_spacer() {
            continue;
        }
        if cell.style != cache.0 {
            cache = (cell.style, row.style(cell.style));
        }
        text.clear();
        row.push_text(cell, &mut text);
        put(
            frame,
            at_row,
            at_col + col as u16,
            &text,
            cell.is_wide() && col + 1 < cols,
            &cache.1,
        );
    }
}

/// Paints a history row like [`grid_row`]; cells past its stored text are
/// left as they are (the caller cleared the area).
pub(crate) fn stored_row(
    frame: &mut Frame,
    at_row: u16,
    at_col: u16,
    cols: usize,
    row: &StoredRow<'_>,
) {
    let mut cache: (u32, Style) = (0, Style::default());
    let mut col = 0;
    for cell in row.cells() {
        if col >= cols {
            break;
        }
        if cell.style != cache.0 {
            cache = (cell.style, row.style(cell.style));
        }
        let wide = cell.width == 2 && col + 1 < cols;
        put(
            frame,
            at_row,
            at_col + col as u16,
            cell.text,
            wide,
            &cache.1,
        );
        col += cell.width;
    }
}

/// A wide character cut by the right edge of the area becomes a blank.
fn put(frame: &mut Frame, row: u16, col: u16, text: &str, wide: bool, style: &Style) {
    let narrow_wide = !wide
        && text
            .chars()
            .next()
            .is_some_and(|c| unicode_width::UnicodeWidthChar::width(c) == Some(2));
    let text = if narrow_wide { " " } else { text };
    frame.put_cell(row, col, text, wide, style);
}

/// The part of `area` both the frame and a `rows`×`cols` screen cover.
pub(crate) fn clip(frame: &Frame, area: Rect, rows: usize, cols: usize) -> Rect {
    let rows = usize::from(area.rows).min(rows) as u16;
    let cols = usize::from(area.cols).min(cols) as u16;
    let rows = rows.min(frame.rows().saturating_sub(area.row));
    let cols = cols.min(frame.cols().saturating_sub(area.col));
    Rect { rows, cols, ..area }
}
