//! [`Terminal`], the public face of the emulator: construction, the byte
//! input, resize, and every read the server needs (state, replies, events,
//! text export, drawing into a frame).
//!
//! It owns the parser and the screen state and delegates: parsing to
//! `parser.rs`, state changes to `screen/`, export to `text.rs`, painting
//! to `draw.rs`.

use crate::draw;
use crate::frame::{Frame, Rect};
use crate::modes::{Cursor, Event, Modes};
use crate::parser::Parser;
use crate::screen::Screen;
use crate::text::{self, TextOptions};
use crate::MAX_SIZE;

/// A terminal emulator: bytes in, screen out, no I/O.
///
/// ```
/// let mut t = bgmux_term::Terminal::new(24, 80, 1000);
/// t.advance(b"hello\r\n\x1b[1mworld\x1b[m\x1b[6n");
/// assert_eq!(t.screen_text().lines().next(), Some("hello"));
/// assert_eq!(t.take_replies(), b"\x1b[2;6R");
/// ```
#[derive(Debug)]
pub struct Terminal {
    parser: Parser,
    screen: Screen,
    seqno: u64,
    /// Generation of the grids' row stamps: bumped before every input
    /// batch and resize (see `grid/mod.rs`).
    gen: u64,
}

/// What [`Terminal::draw_changed`] needs to know about an earlier drawing:
/// which grid it showed, at which generation, at which size. Take it with
/// [`Terminal::stamp`] right after drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    grid: u64,
    gen: u64,
    rows: u16,
    cols: u16,
}

impl Terminal {
    /// A blank terminal of `rows`×`cols` (each clamped to 1..=1000) keeping
    /// at most `history_limit` rows of history.
    pub fn new(rows: u16, cols: u16, history_limit: usize) -> Terminal {
        let (rows, cols) = clamp_size(rows, cols);
        Terminal {
            parser: Parser::new(),
            screen: Screen::new(rows, cols, history_limit),
            seqno: 0,
            gen: 0,
        }
    }

    /// Feeds output of the program. Never panics; memory stays bounded
    /// whatever the input (see the crate documentation).
    pub fn advance(&mut self, bytes: &[u8]) {
        self.next_gen();
        self.screen.changed = false;
        self.parser.advance(&mut self.screen, bytes);
        if self.screen.changed {
            self.seqno += 1;
        }
    }

    /// Resizes (each dimension clamped to 1..=1000), keeping content: rows
    /// pushed off the top go to history, rows come back from history when
    /// the screen grows, and a width change reflows the primary screen and
    /// history (lines split by autowrap are rewrapped; the cursor stays on
    /// its text). The alternate screen is cut or extended, not reflowed.
    /// History rows are renumbered by a reflow.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        let (rows, cols) = clamp_size(rows, cols);
        self.next_gen();
        self.screen.resize(rows, cols);
        self.seqno += 1;
    }

    /// Starts a new generation of row stamps on both grids.
    fn next_gen(&mut self) {
        self.gen += 1;
        self.screen.grid.now = self.gen;
        if let Some(other) = self.screen.other.as_mut() {
            other.now = self.gen;
        }
    }

    /// Where the screen is now, for a later [`Terminal::draw_changed`].
    pub fn stamp(&self) -> Stamp {
        Stamp {
            grid: self.screen.grid.id(),
            gen: self.gen,
            rows: self.rows(),
            cols: self.cols(),
        }
    }

    /// Height in rows.
    pub fn rows(&self) -> u16 {
        self.screen.rows as u16
    }

    /// Width in columns.
    pub fn cols(&self) -> u16 {
        self.screen.cols as u16
    }

    /// Changes the history cap; shrinking drops the oldest rows.
    pub fn set_history_limit(&mut self, rows: usize) {
        self.screen.history.set_limit(rows);
    }

    /// The history cap, in rows.
    pub fn history_limit(&self) -> usize {
        self.screen.history.limit()
    }

    /// Rows currently held in history.
    pub fn history_len(&self) -> usize {
        self.screen.history.len()
    }

    /// Rows ever removed from the front of history (by the limit, ED 3 or
    /// [`Terminal::drain_history`]): `history_dropped() + index` is a
    /// stable absolute row number.
    pub fn history_dropped(&self) -> u64 {
        self.screen.history.dropped()
    }

    /// Heap bytes held by the history store, slack included.
    pub fn history_bytes(&self) -> usize {
        self.screen.history.heap_bytes()
    }

    /// Approximate heap bytes of the whole terminal.
    pub fn memory_bytes(&self) -> usize {
        let s = &self.screen;
        size_of::<Terminal>()
            + s.grid.heap_bytes()
            + s.other.as_ref().map_or(0, |g| g.heap_bytes())
            + s.history.heap_bytes()
            + s.tabs.capacity()
            + s.title.capacity()
            + s.replies.capacity()
            + s.events.capacity() * size_of::<Event>()
            + self.parser.heap_bytes()
    }

    /// Takes the bytes to write back to the pty (answers to DA1, DA2, DSR,
    /// CPR, DECRQM, DECRQSS, XTVERSION); empty and cheap when none.
    pub fn take_replies(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.screen.replies)
    }

    /// Takes the events since the last call, in order.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.screen.events)
    }

    /// The window title (OSC 0/2), control characters removed.
    pub fn title(&self) -> &str {
        &self.screen.title
    }

    /// The modes a client mirrors.
    pub fn modes(&self) -> Modes {
        self.screen.modes
    }

    /// The cursor.
    pub fn cursor(&self) -> Cursor {
        let s = &self.screen;
        Cursor {
            row: s.row as u16,
            col: s.col as u16,
            visible: s.flags.cursor_visible,
            shape: s.flags.shape,
        }
    }

    /// Bumped whenever anything visible (cells, cursor, modes) may have
    /// changed; equal values mean an unchanged screen.
    pub fn seqno(&self) -> u64 {
        self.seqno
    }

    /// The visible rows like `tmux capture-pane -p`: each row's text with
    /// trailing blanks trimmed, followed by `\n` (empty rows included).
    pub fn screen_text(&self) -> String {
        let mut out = String::new();
        for row in self.screen.grid.rows() {
            text::grid_row(row, false, false, &mut out);
            out.push('\n');
        }
        out
    }

    /// Appends history rows (if asked) then screen rows as text lines.
    pub fn write_text(&self, out: &mut String, opts: TextOptions) {
        if opts.include_history {
            self.write_history(out, opts);
        }
        let rows = self.screen.grid.rows();
        let count = rows.len();
        for (i, row) in rows.enumerate() {
            let last = i + 1 == count;
            let joined = opts.join_wrapped && row.wrapped && !last;
            text::grid_row(row, opts.ansi, joined, out);
            text::end_row(joined, opts, out);
        }
    }

    fn write_history(&self, out: &mut String, opts: TextOptions) {
        let history = &self.screen.history;
        for i in 0..history.len() {
            if let Some(row) = history.get(i) {
                let joined = opts.join_wrapped && row.wrapped;
                text::stored_row(&row, opts.ansi, joined, out);
                text::end_row(joined, opts, out);
            }
        }
    }

    /// History row `index` (0 = the oldest held) as text, SGR-annotated
    /// when `ansi`; `None` past the end.
    pub fn history_row_text(&self, index: usize, ansi: bool) -> Option<String> {
        let row = self.screen.history.get(index)?;
        let mut out = String::new();
        text::stored_row(&row, ansi, false, &mut out);
        Some(out)
    }

    /// Moves every history row out as text lines (`include_history` is
    /// implied). With `join_wrapped`, a last row that continues on the
    /// screen gets no newline, so successive drains join up.
    pub fn drain_history(&mut self, out: &mut String, opts: TextOptions) {
        self.write_history(out, opts);
        self.screen.history.clear();
    }

    /// Paints the screen into `area` of `frame` (clipped to the smaller of
    /// the area, the frame and the terminal); with `scroll_back` = k > 0
    /// the view is scrolled k rows back into history (k clamped to
    /// [`Terminal::history_len`]). The cursor and modes of the frame are
    /// not touched: the caller decides whose cursor is shown.
    pub fn draw(&self, frame: &mut Frame, area: Rect, scroll_back: usize) {
        let s = &self.screen;
        let area = draw::clip(frame, area, s.rows, s.cols);
        let back = scroll_back.min(s.history.len());
        let cols = usize::from(area.cols);
        for r in 0..usize::from(area.rows) {
            let at = area.row + r as u16;
            if r < back {
                if let Some(row) = s.history.get(s.history.len() - back + r) {
                    draw::stored_row(frame, at, area.col, cols, &row);
                }
            } else {
                draw::grid_row(frame, at, area.col, cols, s.grid.row(r - back));
            }
        }
    }
}

impl Terminal {
    /// Paints into `area` of `frame` only the screen rows that changed since
    /// the drawing `since` was taken after (every row when `None`, or when
    /// the screen was swapped or resized since: then the whole area is
    /// blanked first). The frame must hold that earlier drawing in the same
    /// place. Returns how many rows were painted. Cursor and modes are not
    /// touched, as with [`Terminal::draw`].
    pub fn draw_changed(&self, frame: &mut Frame, area: Rect, since: Option<Stamp>) -> usize {
        let s = &self.screen;
        let now = self.stamp();
        let since =
            since.filter(|st| (st.grid, st.rows, st.cols) == (now.grid, now.rows, now.cols));
        if since.is_none() {
            frame.fill(area, ' ', &crate::Style::default());
        }
        let clipped = draw::clip(frame, area, s.rows, s.cols);
        let cols = usize::from(clipped.cols);
        let mut drawn = 0;
        for r in 0..usize::from(clipped.rows) {
            if since.is_none_or(|st| s.grid.stamp(r) > st.gen) {
                draw::grid_row(
                    frame,
                    clipped.row + r as u16,
                    clipped.col,
                    cols,
                    s.grid.row(r),
                );
                drawn += 1;
            }
        }
        drawn
    }
}

fn clamp_size(rows: u16, cols: u16) -> (usize, usize) {
    (
        usize::from(rows.clamp(1, MAX_SIZE)),
        usize::from(cols.clamp(1, MAX_SIZE)),
    )
}
