//! Review mode (SPEC §7; prefix `[` or PageUp, the mouse wheel): scroll
//! a task's whole output — the disk log, the in-memory history, the screen
//! — with vi-style keys, search it, select and copy to the outer terminal's
//! clipboard (OSC 52). The task keeps running; the view stays on the rows
//! being read because rows are numbered from the first line of output
//! (`doc.rs`). This file owns the state and the keys; `view.rs` draws and
//! `search.rs` finds.

mod doc;
mod search;
mod view;

use base64::Engine;

pub use self::doc::Doc;
use self::search::Search;
pub use self::view::draw;
use super::client::Mode;
use super::keys::Key;
use super::{ConnId, Server};

/// A search pattern being typed.
#[derive(Debug, Default)]
pub struct SearchInput {
    /// The pattern so far.
    pub text: String,
    /// `/` (towards the end) or `?` (towards the start).
    pub forward: bool,
    /// Regex instead of literal text (Tab toggles).
    pub regex: bool,
}

/// One client's review session.
#[derive(Debug)]
pub struct Review {
    /// The task reviewed.
    pub task: u64,
    /// Row numbering.
    pub doc: Doc,
    /// The doc row at the top of the pane.
    pub top: u64,
    /// The cursor: doc row and column.
    pub cursor: (u64, u16),
    /// Selection start, if selecting.
    pub anchor: Option<(u64, u16)>,
    /// The last search, for `n`/`N` and highlighting.
    pub search: Option<Search>,
    /// A pattern being typed.
    pub input: Option<SearchInput>,
    /// A one-line note (no match, wrapped, bad pattern).
    pub note: Option<String>,
    /// Rows of the pane (for paging), updated when drawn.
    pub height: u16,
}

impl Review {
    fn move_cursor(&mut self, term: &bgmux_term::Terminal, rows: i64) {
        let last = self.doc.len(term).saturating_sub(1) as i64;
        let row = (self.cursor.0 as i64 + rows).clamp(0, last) as u64;
        self.cursor.0 = row;
        self.follow(term);
    }

    /// Keeps the cursor inside the view, scrolling as little as possible.
    fn follow(&mut self, term: &bgmux_term::Terminal) {
        let h = u64::from(self.height.max(1));
        if self.cursor.0 < self.top {
            self.top = self.cursor.0;
        } else if self.cursor.0 >= self.top + h {
            self.top = self.cursor.0 + 1 - h;
        }
        self.top = self.top.min(self.doc.live_top(term));
    }

    /// Scrolls the view by `rows`, dragging the cursor along.
    fn scroll(&mut self, term: &bgmux_term::Terminal, rows: i64) {
        let top = (self.top as i64 + rows).clamp(0, self.doc.live_top(term) as i64) as u64;
        self.cursor.0 = (self.cursor.0 as i64 + (top as i64 - self.top as i64)).max(0) as u64;
        self.top = top;
        self.follow(term);
    }
}

impl Server {
    /// Opens review mode on the focused pane (`page_up`: and scrolls a page).
    pub(super) fn open_review(&mut self, conn: ConnId, page_up: bool) {
        let Some(task_id) = self.clients.get(&conn).map(|c| c.focused_task()) else {
            return;
        };
        self.catch_up(task_id);
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        let Some(task) = self.tasks.get(&task_id) else {
            return;
        };
        let height = client
            .placed()
            .iter()
            .find(|p| p.index == client.focus)
            .map_or(1, |p| p.inner.rows);
        let doc = Doc::open(&self.store, task_id, &task.term);
        let top = doc.live_top(&task.term);
        let c = task.term.cursor();
        let mut review = Review {
            task: task_id,
            doc,
            top,
            cursor: (top + u64::from(c.row), c.col),
            anchor: None,
            search: None,
            input: None,
            note: None,
            height,
        };
        if page_up {
            review.scroll(&task.term, -i64::from(height));
        }
        client.mode = Mode::Review(Box::new(review));
        client.dirty = true;
    }

    /// A key in review mode.
    pub(super) fn review_key(&mut self, conn: ConnId, key: Key) {
        let Some(client) = self.clients.get_mut(&conn) else {
            return;
        };
        let Mode::Review(review) = &mut client.mode else {
            return;
        };
        let Some(task) = self.tasks.get(&review.task) else {
            client.mode = Mode::Normal;
            return;
        };
        let term = &task.term;
        review.note = None;
        if review.input.is_some() {
            search::input_key(review, term, key);
            return;
        }
        let half = i64::from(review.height / 2).max(1);
        let page = i64::from(review.height.saturating_sub(1)).max(1);
        match key {
            Key::Char('q') | Key::Named("Escape") | Key::Char('\x03') => client.mode = Mode::Normal,
            Key::Mouse(ev) => match ev.wheel() {
                Some(true) => review.scroll(term, -3),
                Some(false) if review.top >= review.doc.live_top(term) => {
                    client.mode = Mode::Normal
                }
                Some(false) => review.scroll(term, 3),
                None => {}
            },
            Key::Char('j') | Key::Named("Down") | Key::Char('\x0e') | Key::Char('\r') => {
                review.move_cursor(term, 1)
            }
            Key::Char('k') | Key::Named("Up") | Key::Char('\x10') => review.move_cursor(term, -1),
            Key::Char('\x05') => review.scroll(term, 1),
            Key::Char('\x19') => review.scroll(term, -1),
            Key::Char('h') | Key::Named("Left") => {
                review.cursor.1 = review.cursor.1.saturating_sub(1)
            }
            Key::Char('l') | Key::Named("Right") => {
                review.cursor.1 = (review.cursor.1 + 1).min(term.cols() - 1)
            }
            Key::Char('0') | Key::Char('^') => review.cursor.1 = 0,
            Key::Char('$') => review.cursor.1 = term.cols() - 1,
            Key::Char('\x04') => review.scroll(term, half),
            Key::Char('\x15') => review.scroll(term, -half),
            Key::Char('\x06') | Key::Named("PageDown") | Key::Char(' ') => {
                review.scroll(term, page)
            }
            Key::Char('\x02') | Key::Named("PageUp") => review.scroll(term, -page),
            Key::Char('g') | Key::Named("Home") => review.move_cursor(term, i64::MIN / 2),
            Key::Char('G') | Key::Named("End") => review.move_cursor(term, i64::MAX / 2),
            Key::Char('/') => {
                review.input = Some(SearchInput {
                    forward: true,
                    ..SearchInput::default()
                })
            }
            Key::Char('?') => {
                review.input = Some(SearchInput {
                    forward: false,
                    ..SearchInput::default()
                })
            }
            Key::Char('n') => search::again(review, term, false),
            Key::Char('N') => search::again(review, term, true),
            Key::Char('v') => {
                review.anchor = if review.anchor.is_some() {
                    None
                } else {
                    Some(review.cursor)
                }
            }
            Key::Char('y') => {
                let text = selection_text(review, term);
                let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
                client
                    .extra
                    .extend_from_slice(format!("\x1b]52;c;{b64}\x07").as_bytes());
                client.mode = Mode::Normal;
                client.say(format!("copied {} characters", text.chars().count()));
            }
            _ => {}
        }
    }
}

/// The selected text (or the cursor's row when nothing is selected), rows
/// joined by newlines, trailing blanks trimmed.
fn selection_text(review: &mut Review, term: &bgmux_term::Terminal) -> String {
    let (a, b) = match review.anchor {
        Some(anchor) => (anchor.min(review.cursor), anchor.max(review.cursor)),
        None => ((review.cursor.0, 0), (review.cursor.0, u16::MAX)),
    };
    let rows = review.doc.rows(term, a.0..b.0 + 1);
    let last = rows.len().saturating_sub(1);
    let picked: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let from = if i == 0 { usize::from(a.1) } else { 0 };
            let to = if i == last {
                usize::from(b.1).saturating_add(1)
            } else {
                usize::MAX
            };
            let text: String = cols_slice(row, from, to);
            text.trim_end().to_string()
        })
        .collect();
    picked.join("\n")
}

/// The characters of `row` in display columns `from..to`.
pub fn cols_slice(row: &str, from: usize, to: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut col = 0;
    let mut out = String::new();
    for ch in row.chars() {
        let w = ch.width().unwrap_or(0);
        if col >= from && col < to {
            out.push(ch);
        }
        col += w;
    }
    out
}
