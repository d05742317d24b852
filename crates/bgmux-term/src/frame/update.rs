//! Incremental updates of a kept frame: a server composes each client's
//! frame in place, redrawing only what changed (see
//! [`Terminal::draw_changed`](crate::Terminal::draw_changed)), then sends
//! [`Frame::render_update`] against the frame the client shows and makes
//! that one equal again with [`Frame::sync_into`]. Both touch only the rows
//! written since the last sync, so a keystroke's echo costs a row or two,
//! not a whole screen.

use super::Frame;

impl Frame {
    /// Like [`Frame::render_diff`], but compares only the rows written since
    /// the last [`Frame::sync_into`]: the other rows must be equal to
    /// `prev`'s, as they are when `prev` is the frame this one was last
    /// synced into.
    pub fn render_update(&self, prev: &Frame, out: &mut Vec<u8>) {
        self.render_rows(prev, true, out);
    }

    /// Makes `to` equal to this frame, copying only the rows written since
    /// the last call when the sizes match (everything otherwise), and starts
    /// a new round of marks.
    pub fn sync_into(&mut self, to: &mut Frame) {
        if (to.rows, to.cols) != (self.rows, self.cols) || to.cells.len() != self.cells.len() {
            *to = self.clone();
        } else {
            let cols = usize::from(self.cols);
            for (r, touched) in self.touched.iter().enumerate() {
                if *touched {
                    let span = r * cols..(r + 1) * cols;
                    to.cells[span.clone()].clone_from_slice(&self.cells[span]);
                }
            }
            to.cursor = self.cursor;
            to.modes = self.modes;
        }
        self.touched.fill(false);
        to.touched.fill(false);
    }

    /// How many rows were written since the last [`Frame::sync_into`].
    pub fn touched_rows(&self) -> usize {
        self.touched.iter().filter(|t| **t).count()
    }
}

#[cfg(test)]
mod tests {
    use crate::{Frame, Rect, Style, Terminal};

    const AREA: Rect = Rect {
        row: 0,
        col: 0,
        rows: 6,
        cols: 20,
    };

    /// Replays `bytes` into a fresh terminal and returns its screen text.
    fn replay(bytes: &[u8]) -> String {
        let mut t = Terminal::new(6, 20, 0);
        t.advance(bytes);
        t.screen_text()
    }

    #[test]
    fn updates_of_a_kept_frame_reproduce_the_screen() {
        let mut term = Terminal::new(6, 20, 100);
        let mut next = Frame::new(6, 20);
        let mut shown = Frame::new(6, 20);
        let mut wire = Vec::new();
        let mut stamp = None;
        let steps: [&[u8]; 5] = [
            b"hello\r\nworld",
            b"\x1b[3;5Hmid",
            b"\r\n1\r\n2\r\n3\r\n4\r\n5",
            b"\x1b[?1049h\x1b[2;2Halt",
            b"\x1b[?1049lback",
        ];
        for (i, step) in steps.iter().enumerate() {
            term.advance(step);
            let drawn = term.draw_changed(&mut next, AREA, stamp);
            stamp = Some(term.stamp());
            next.put_str(5, 15, &format!("#{i}"), &Style::default());
            if i == 1 {
                assert!(drawn <= 2, "only the changed row is drawn: {drawn}");
            }
            if wire.is_empty() {
                next.render_full(&mut wire);
            } else {
                next.render_update(&shown, &mut wire);
            }
            next.sync_into(&mut shown);
            assert_eq!(shown, next);
            let mut full = Frame::new(6, 20);
            term.draw(&mut full, AREA, 0);
            full.put_str(5, 15, &format!("#{i}"), &Style::default());
            assert_eq!(
                (0..6).map(|r| shown.row_text(r)).collect::<Vec<_>>(),
                (0..6).map(|r| full.row_text(r)).collect::<Vec<_>>(),
                "step {i}"
            );
            let text = replay(&wire);
            assert_eq!(
                text.lines().map(str::to_owned).collect::<Vec<_>>(),
                (0..6).map(|r| full.row_text(r)).collect::<Vec<_>>(),
                "step {i}: the bytes sent reproduce the screen"
            );
        }
    }
}
