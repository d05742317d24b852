//! The history store: rows that scrolled off the top of the primary screen,
//! kept compactly in blocks, capped at `limit` rows, with random access.
//!
//! It owns the blocks, the row accounting (how many rows are held, how many
//! were ever dropped off the front) and the cap. The row format is
//! `block.rs`; text export is `text.rs`.
//!
//! ```text
//!  blocks: VecDeque<Block>           (every block but the last holds 256 rows)
//!  +-----------+-----------+-----------+-----+
//!  | 0..256    | 256..512  | 512..768  | …   |  <- push() appends to the last
//!  +-----------+-----------+-----------+-----+
//!    ^ skip: rows of the first block already dropped by the limit; the
//!      block itself is freed once all of its rows are dropped
//!  row i (0 = oldest held) lives at block (i + skip) / 256, row (i + skip) % 256
//! ```

mod block;

pub(crate) use block::{StoredRow, BLOCK_ROWS};

use std::collections::VecDeque;

use block::Block;

use crate::grid::Row;

/// See the file comment.
#[derive(Debug, Default)]
pub(crate) struct History {
    blocks: VecDeque<Block>,
    skip: usize,
    len: usize,
    limit: usize,
    dropped: u64,
    text_hint: usize,
}

impl History {
    /// An empty history holding at most `limit` rows.
    pub fn new(limit: usize) -> History {
        History {
            limit,
            text_hint: BLOCK_ROWS * 32,
            ..History::default()
        }
    }

    /// An empty history with the same limit, keeping the count of rows
    /// dropped so far (reflow rebuilds history this way).
    pub fn emptied(&self) -> History {
        History {
            limit: self.limit,
            dropped: self.dropped,
            ..History::new(self.limit)
        }
    }

    /// Rows held.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// The cap, in rows.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Rows ever removed from the front (by the cap, `clear` or `drain`), so
    /// that `dropped + index` numbers a row for good.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Changes the cap; shrinking drops the oldest rows.
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
        self.trim();
    }

    /// Heap bytes held, counting capacities (so slack counts).
    pub fn heap_bytes(&self) -> usize {
        self.blocks.capacity() * size_of::<Block>()
            + self.blocks.iter().map(Block::heap_bytes).sum::<usize>()
    }

    /// Appends a row that scrolled off the screen.
    pub fn push(&mut self, row: &Row) {
        if self.limit == 0 {
            self.dropped += 1;
            return;
        }
        if self.blocks.back().is_none_or(|b| b.len() == BLOCK_ROWS) {
            if let Some(last) = self.blocks.back_mut() {
                last.seal();
                // Size the next text buffer after this one, so a steady
                // stream reallocates rarely and seals with little slack.
                self.text_hint = last.text_len() + last.text_len() / 16 + 64;
            }
            self.blocks.push_back(Block::with_capacity(self.text_hint));
        }
        if let Some(last) = self.blocks.back_mut() {
            last.push(row);
            self.len += 1;
        }
        self.trim();
    }

    /// Removes and returns the newest row's storage position, if any, so
    /// resize can pull it back. The caller decodes it first via `get`.
    pub fn pop_newest(&mut self) {
        if self.len == 0 {
            return;
        }
        if let Some(last) = self.blocks.back_mut() {
            last.pop();
            self.len -= 1;
            if last.len() == 0 {
                self.blocks.pop_back();
                if self.blocks.is_empty() {
                    self.skip = 0;
                }
            }
        }
    }

    /// Row `index`, 0 being the oldest held.
    pub fn get(&self, index: usize) -> Option<StoredRow<'_>> {
        if index >= self.len {
            return None;
        }
        let abs = index + self.skip;
        self.blocks.get(abs / BLOCK_ROWS)?.row(abs % BLOCK_ROWS)
    }

    /// Drops every row (ED 3, `drain`).
    pub fn clear(&mut self) {
        self.dropped += self.len as u64;
        self.blocks = VecDeque::new();
        self.skip = 0;
        self.len = 0;
    }

    fn trim(&mut self) {
        while self.len > self.limit {
            let Some(front) = self.blocks.front() else {
                break;
            };
            let k = (front.len() - self.skip).min(self.len - self.limit);
            self.skip += k;
            self.len -= k;
            self.dropped += k as u64;
            if self.skip == front.len() {
                self.blocks.pop_front();
                self.skip = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::Cell;
    use crate::style::Style;
    use crate::Color;

    fn row(text: &str, _cols: usize) -> Row {
        let mut r = Row::default();
        r.put_ascii(0, text.as_bytes(), 0);
        r
    }

    #[test]
    fn rows_are_trimmed_and_randomly_accessible() {
        let mut h = History::new(1000);
        for i in 0..3000 {
            h.push(&row(&format!("line {i}"), 20));
        }
        assert_eq!(h.len(), 1000);
        assert_eq!(h.dropped(), 2000);
        assert_eq!(h.get(0).unwrap().text, "line 2000");
        assert_eq!(h.get(999).unwrap().text, "line 2999");
        assert!(h.get(1000).is_none());
        assert!(h.blocks.len() <= 1000 / BLOCK_ROWS + 2);
        h.set_limit(10);
        assert_eq!(h.get(0).unwrap().text, "line 2990");
        h.pop_newest();
        assert_eq!(h.len(), 9);
        assert_eq!(h.get(8).unwrap().text, "line 2998");
    }

    #[test]
    fn styled_rows_keep_their_runs() {
        let mut h = History::new(10);
        let mut r = Row::default();
        let red = Style {
            fg: Color::Indexed(1),
            ..Style::default()
        };
        let rgb = Style {
            bg: Color::Rgb(1, 2, 3),
            ..Style::default()
        };
        r.put_ascii(0, b"ab", red.pack().unwrap());
        let code = r.style_code(&rgb, None, 6);
        r.put(
            3,
            Cell {
                ch: '字' as u32 | crate::cell::WIDE,
                style: code,
            },
            6,
        );
        h.push(&row("plain", 6));
        h.push(&r);
        h.push(&row("plain", 6));
        let stored = h.get(1).unwrap();
        let cells: Vec<_> = stored
            .cells()
            .map(|c| (c.text, stored.style(c.style)))
            .collect();
        assert_eq!(cells[0], ("a", red.clone()));
        assert_eq!(cells[2], (" ", Style::default()));
        assert_eq!(cells[3], ("字", rgb));
        let plain = h.get(2).unwrap();
        assert!(plain.cells().all(|c| c.style == 0));
    }

    /// A palette of basic styles (packed codes) for the property below.
    fn basic_styles() -> Vec<Style> {
        let mut out = vec![Style::default()];
        for i in 0..4u8 {
            out.push(Style {
                fg: Color::Indexed(i),
                ..Style::default()
            });
        }
        out.push(Style {
            bold: true,
            bg: Color::Indexed(4),
            ..Style::default()
        });
        out.push(Style {
            fg: Color::Indexed(200),
            reverse: true,
            ..Style::default()
        });
        out
    }

    proptest::proptest! {
        /// Rows of ASCII in basic styles (what a coloured build log or
        /// `ls --color` prints, stored by `Block::push_ascii_styled`) read
        /// back cell for cell, whatever styles the rows before them ended
        /// in, mixed with plain rows and rows the general path stores.
        #[test]
        fn styled_ascii_rows_read_back_as_written(
            rows in proptest::collection::vec(
                proptest::collection::vec((b' '..=b'~', 0usize..7), 0..40),
                1..40,
            ),
            wide_every in 3usize..9,
        ) {
            let palette = basic_styles();
            let mut h = History::new(10_000);
            let mut expected = Vec::new();
            for (n, cells) in rows.iter().enumerate() {
                let mut r = Row::default();
                for (col, &(ch, s)) in cells.iter().enumerate() {
                    r.put_ascii(col, &[ch], palette[s].pack().unwrap());
                }
                let mut want: Vec<(String, Style)> = cells
                    .iter()
                    .map(|&(ch, s)| ((ch as char).to_string(), palette[s].clone()))
                    .collect();
                if n % wide_every == 0 {
                    // A non-ASCII cell sends the row down the general path.
                    let col = cells.len();
                    r.put(col, Cell { ch: 'é' as u32, style: 0 }, col + 1);
                    want.push(("é".to_string(), Style::default()));
                }
                while want.last().is_some_and(|(t, s)| t == " " && *s == Style::default()) {
                    want.pop();
                }
                h.push(&r);
                expected.push(want);
            }
            for (i, want) in expected.iter().enumerate() {
                let stored = h.get(i).unwrap();
                let got: Vec<(String, Style)> = stored
                    .cells()
                    .map(|c| (c.text.to_string(), stored.style(c.style)))
                    .collect();
                proptest::prop_assert_eq!(&got, want, "row {}", i);
            }
        }
    }

    #[test]
    fn extended_styles_of_different_rows_do_not_mix() {
        let mut h = History::new(10);
        let colors = [Color::Rgb(1, 0, 0), Color::Rgb(0, 2, 0)];
        for color in colors {
            let mut r = Row::default();
            let style = Style {
                fg: color,
                ..Style::default()
            };
            let code = r.style_code(&style, None, 4);
            // Both rows use index 0 of their own side table.
            r.put_ascii(0, b"ab", code);
            h.push(&r);
        }
        for (i, color) in colors.into_iter().enumerate() {
            let row = h.get(i).unwrap();
            assert!(
                row.cells().all(|c| row.style(c.style).fg == color),
                "row {i}"
            );
        }
    }
}
