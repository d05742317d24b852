//! Helpers shared by the tests.

use bgmux_term::{Frame, Rect, Terminal};

/// A terminal fed `input`.
pub fn term(rows: u16, cols: u16, input: &[u8]) -> Terminal {
    let mut t = Terminal::new(rows, cols, 1000);
    t.advance(input);
    t
}

/// The screen rows as trimmed strings.
pub fn lines(t: &Terminal) -> Vec<String> {
    t.screen_text().lines().map(str::to_owned).collect()
}

/// The frame a terminal draws (whole screen, its cursor and modes).
pub fn frame_of(t: &Terminal) -> Frame {
    let mut f = Frame::new(t.rows(), t.cols());
    t.draw(
        &mut f,
        Rect {
            row: 0,
            col: 0,
            rows: t.rows(),
            cols: t.cols(),
        },
        0,
    );
    f.set_cursor(Some(t.cursor()));
    f.set_modes(t.modes());
    f
}

/// `(row, col)` of the cursor.
pub fn pos(t: &Terminal) -> (u16, u16) {
    let c = t.cursor();
    (c.row, c.col)
}
