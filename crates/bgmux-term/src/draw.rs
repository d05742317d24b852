//! Painting a terminal's screen (or a view scrolled back into its history)
//! into a rectangle of a [`Frame`]. Reads the grid and history; the frame
//! keeps its own wide-character invariant.

use crate::frame::{CellText, Frame, Rect};
use crate::grid::Row;
use crate::history::StoredRow;
use crate::style::Style;

/// Paints grid row `row` into frame row `at_row`, columns `at_col..` for
/// `cols` columns (every column: cells past the stored ones are blank).
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
        // A wide character cut by the right edge of the area is a blank.
        let fits = col + 1 < cols;
        let cell_text = if cell.is_cluster() {
            text.clear();
            row.push_text(cell, &mut text);
            if cell.is_wide() && !fits {
                CellText::new(" ", false)
            } else {
                CellText::new(&text, cell.is_wide())
            }
        } else if cell.is_wide() && !fits {
            CellText::from_char(' ', false)
        } else {
            CellText::from_char(cell.char(), cell.is_wide())
        };
        frame.put_text(at_row, at_col + col as u16, cell_text, &cache.1);
    }
}

/// Paints a history row like [`grid_row`]; the columns past its stored
/// text are blanked.
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
        let text = match cell.width == 2 && col + 1 >= cols {
            true => CellText::from_char(' ', false),
            false => CellText::new(cell.text, cell.width == 2),
        };
        frame.put_text(at_row, at_col + col as u16, text, &cache.1);
        col += cell.width;
    }
    if col < cols {
        let rest = Rect {
            row: at_row,
            col: at_col + col as u16,
            rows: 1,
            cols: (cols - col) as u16,
        };
        frame.fill(rest, ' ', &Style::default());
    }
}

/// The part of `area` both the frame and a `rows`×`cols` screen cover.
pub(crate) fn clip(frame: &Frame, area: Rect, rows: usize, cols: usize) -> Rect {
    let rows = usize::from(area.rows).min(rows) as u16;
    let cols = usize::from(area.cols).min(cols) as u16;
    let rows = rows.min(frame.rows().saturating_sub(area.row));
    let cols = cols.min(frame.cols().saturating_sub(area.col));
    Rect { rows, cols, ..area }
}
