//! Draws a pane in review mode: the rows from the top row down (disk rows as
//! plain text, in-memory rows by the emulator with their styles), search
//! matches and the selection highlighted, a position indicator
//! `[row 1 234 / 1 000 000]` in the top-right corner, and the search prompt
//! or a note on the pane's bottom row.

use bgmux_term::{Color, Cursor, Frame, Rect, Style};

use super::search::width;
use super::Review;
use crate::server::Task;

/// Draws `review` of `task` into `area`; returns where the cursor goes.
pub fn draw(review: &mut Review, task: &Task, frame: &mut Frame, area: Rect) -> Option<Cursor> {
    let term = &task.term;
    review.height = area.rows;
    let h = u64::from(area.rows);
    review.top = review.top.min(review.doc.live_top(term));
    let (top, disk) = (review.top, review.doc.disk(term));
    frame.fill(area, ' ', &Style::default());
    if top < disk {
        let rows = review.doc.rows(term, top..disk.min(top + h));
        for (i, row) in rows.iter().enumerate() {
            let clipped: String = super::cols_slice(row, 0, usize::from(area.cols));
            frame.put_str(area.row + i as u16, area.col, &clipped, &Style::default());
        }
    }
    let first_mem = top.max(disk);
    if first_mem < top + h {
        let offset = (first_mem - top) as u16;
        let back = term.history_len() as u64 - (first_mem - disk).min(term.history_len() as u64);
        let sub = Rect {
            row: area.row + offset,
            rows: area.rows - offset,
            ..area
        };
        term.draw(frame, sub, back as usize);
    }
    highlight(review, term, frame, area);
    indicator(review, term, frame, area);
    let row = review.cursor.0.checked_sub(top).filter(|r| *r < h)?;
    let col = review.cursor.1.min(area.cols.saturating_sub(1));
    Some(Cursor {
        row: area.row + row as u16,
        col: area.col + col,
        visible: true,
        ..Cursor::default()
    })
}

/// Marks search matches and the selection on the visible rows.
fn highlight(review: &mut Review, term: &bgmux_term::Terminal, frame: &mut Frame, area: Rect) {
    let top = review.top;
    let end = (top + u64::from(area.rows)).min(review.doc.len(term));
    let rows = review.doc.rows(term, top..end);
    if let Some(search) = &review.search {
        let style = Style {
            fg: Color::Indexed(0),
            bg: Color::Indexed(3),
            ..Style::default()
        };
        for (i, row) in rows.iter().enumerate() {
            for m in search.re.find_iter(row).filter(|m| !m.is_empty()) {
                let (c0, c1) = (width(&row[..m.start()]), width(&row[..m.end()]));
                if c0 < area.cols {
                    let cols = c1.min(area.cols) - c0;
                    frame.set_style(
                        Rect {
                            row: area.row + i as u16,
                            col: area.col + c0,
                            rows: 1,
                            cols,
                        },
                        &style,
                    );
                }
            }
        }
    }
    if let Some(anchor) = review.anchor {
        let (a, b) = (anchor.min(review.cursor), anchor.max(review.cursor));
        let style = Style {
            reverse: true,
            ..Style::default()
        };
        for row in a.0.max(top)..=b.0.min(end.saturating_sub(1)) {
            let from = if row == a.0 { a.1 } else { 0 };
            let to = if row == b.0 {
                b.1.saturating_add(1)
            } else {
                area.cols
            };
            let to = to.min(area.cols);
            if to > from {
                let r = Rect {
                    row: area.row + (row - top) as u16,
                    col: area.col + from,
                    rows: 1,
                    cols: to - from,
                };
                frame.set_style(r, &style);
            }
        }
    }
}

/// The position in the top-right corner; the prompt or note at the bottom.
fn indicator(review: &Review, term: &bgmux_term::Terminal, frame: &mut Frame, area: Rect) {
    let style = Style {
        fg: Color::Indexed(0),
        bg: Color::Indexed(3),
        ..Style::default()
    };
    let gap = if review.doc.gap() && review.top == 0 {
        " (earlier output dropped by log-limit)"
    } else {
        ""
    };
    let text = format!(
        "[row {} / {}]{gap}",
        spaced(review.cursor.0 + 1),
        spaced(review.doc.len(term))
    );
    let w = width(&text);
    if w <= area.cols {
        frame.put_str(area.row, area.col + area.cols - w, &text, &style);
    }
    let bottom = area.row + area.rows.saturating_sub(1);
    let line = match (&review.input, &review.note) {
        (Some(input), _) => {
            let kind = if input.regex { "regex " } else { "" };
            format!(
                "{kind}{}{}",
                if input.forward { '/' } else { '?' },
                input.text
            )
        }
        (None, Some(note)) => note.clone(),
        (None, None) => return,
    };
    frame.fill(
        Rect {
            row: bottom,
            col: area.col,
            rows: 1,
            cols: area.cols,
        },
        ' ',
        &style,
    );
    frame.put_str(bottom, area.col, &line, &style);
}

/// `1234567` → `1 234 567` (SPEC §7's indicator).
pub fn spaced(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_spaced() {
        assert_eq!(super::spaced(1), "1");
        assert_eq!(super::spaced(1234), "1 234");
        assert_eq!(super::spaced(1_000_000), "1 000 000");
    }
}
