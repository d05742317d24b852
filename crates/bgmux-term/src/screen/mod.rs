//! The emulator state the parser acts on: both grids, the history, the
//! cursor, the pen, margins, tab stops, modes, and the reply and event
//! buffers.
//!
//! This file owns the state and cursor motion; printing is `print.rs`,
//! erasing/inserting/scrolling `edit.rs`, the alternate screen, cursor
//! save/restore and resets `switch.rs`. Turning bytes into these calls is
//! `parser.rs` and `dispatch/`.

mod edit;
mod print;
mod reflow;
mod resize;
mod switch;

use crate::grid::{Grid, Row};
use crate::history::History;
use crate::modes::{CursorShape, Event, Modes};
use crate::style::{Style, BG_SHIFT, COLOR_MASK};

pub(crate) use switch::{AltKind, Saved};

/// Replies not taken by the caller beyond this many bytes are dropped: a
/// program spamming queries while no one drains the replies must not grow
/// the buffer without bound.
const MAX_REPLIES: usize = 64 * 1024;
/// Events kept until taken; past this, new events are dropped.
const MAX_EVENTS: usize = 1024;
/// Titles are cut to this many bytes.
pub(crate) const MAX_TITLE: usize = 1024;

/// The pen: the style printed characters get. A basic style (palette
/// colours and attributes, what nearly every program sends) is kept as its
/// packed code alone, so that an SGR sequence costs a few bit operations and
/// no `Style` is built (the SGR flood of muxbench changes the pen ten times
/// a line); an extended style (RGB colours, an underline colour, a
/// hyperlink) keeps the full style and its BCE erase style.
#[derive(Clone, Debug)]
pub(crate) enum Pen {
    Basic(u32),
    Extended(Box<ExtendedPen>),
}

/// An extended pen's style, its BCE erase style (background only) and the
/// erase style's basic code, if it has one.
#[derive(Clone, Debug)]
pub(crate) struct ExtendedPen {
    style: Style,
    erase: Style,
    erase_basic: Option<u32>,
}

impl Default for Pen {
    fn default() -> Pen {
        Pen::Basic(0)
    }
}

impl Pen {
    /// The pen that prints in `style`.
    pub fn new(style: Style) -> Pen {
        match style.pack() {
            Some(code) => Pen::Basic(code),
            None => {
                let erase = style.erase_style();
                Pen::Extended(Box::new(ExtendedPen {
                    erase_basic: erase.pack(),
                    style,
                    erase,
                }))
            }
        }
    }

    /// The packed code, when the style is basic.
    #[inline]
    pub fn basic(&self) -> Option<u32> {
        match self {
            Pen::Basic(code) => Some(*code),
            Pen::Extended(_) => None,
        }
    }

    /// The basic code of the BCE erase style (the background alone), when
    /// it has one.
    #[inline]
    pub fn erase_basic(&self) -> Option<u32> {
        match self {
            Pen::Basic(code) => Some(code & (COLOR_MASK << BG_SHIFT)),
            Pen::Extended(ext) => ext.erase_basic,
        }
    }

    /// The full style (built from the code for a basic pen).
    pub fn style(&self) -> Style {
        match self {
            Pen::Basic(code) => Style::unpack(*code),
            Pen::Extended(ext) => ext.style.clone(),
        }
    }

    /// The cell style code of this pen in `row`: the packed code, or an
    /// entry in the row's side table for an extended pen.
    #[inline]
    pub fn code_in(&self, row: &mut Row, cols: usize) -> u32 {
        match self {
            Pen::Basic(code) => *code,
            Pen::Extended(ext) => row.style_code(&ext.style, None, cols),
        }
    }

    /// The cell style code of the BCE erase style in `row`.
    #[inline]
    pub fn erase_code_in(&self, row: &mut Row, cols: usize) -> u32 {
        match self {
            Pen::Basic(code) => code & (COLOR_MASK << BG_SHIFT),
            Pen::Extended(ext) => match ext.erase_basic {
                Some(code) => code,
                None => row.style_code(&ext.erase, None, cols),
            },
        }
    }
}

/// A character set designated to G0 or G1 (SCS, `ESC ( B`, `ESC ( 0`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Charset {
    #[default]
    Ascii,
    /// DEC Special Graphics (line drawing), VT100 manual table 3-9.
    DecGraphics,
    /// United Kingdom: `#` is `£`.
    Uk,
}

/// Modes that are the emulator's own business (not mirrored by a client).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Flags {
    /// DECAWM (DECSET 7).
    pub autowrap: bool,
    /// DECOM (DECSET 6).
    pub origin: bool,
    /// IRM (SM 4).
    pub insert: bool,
    /// LNM (SM 20): LF, VT and FF also return the carriage.
    pub newline: bool,
    /// DECTCEM (DECSET 25).
    pub cursor_visible: bool,
    /// DECSCUSR.
    pub shape: CursorShape,
}

impl Default for Flags {
    fn default() -> Flags {
        Flags {
            autowrap: true,
            origin: false,
            insert: false,
            newline: false,
            cursor_visible: true,
            shape: CursorShape::Default,
        }
    }
}

/// See the file comment.
#[derive(Debug)]
pub(crate) struct Screen {
    pub rows: usize,
    pub cols: usize,
    /// The grid shown (the alternate one while `modes.alt_screen`).
    pub grid: Grid,
    /// The grid not shown: the primary while the alternate is shown, or an
    /// alternate kept for DECSET 47.
    pub other: Option<Grid>,
    pub history: History,
    pub row: usize,
    pub col: usize,
    /// A character was written in the last column; the next one wraps
    /// first (the VT100 "last column flag", DEC STD 070). `col` is then the
    /// last column; tmux and vt100 put their cursor one past it instead,
    /// and `edit_col` gives that view to the operations where it shows.
    pub pending_wrap: bool,
    /// DECSC slots: `[primary, alternate]`, as xterm keeps one per screen.
    pub saved: [Option<Saved>; 2],
    pub pen: Pen,
    /// Scroll region (DECSTBM), inclusive.
    pub top: usize,
    pub bottom: usize,
    pub tabs: Vec<bool>,
    pub flags: Flags,
    pub modes: Modes,
    pub g: [Charset; 2],
    /// GL is G1 after SO, G0 after SI.
    pub shift_out: bool,
    pub title: String,
    pub replies: Vec<u8>,
    pub events: Vec<Event>,
    /// The last printed character, for REP.
    pub last_char: Option<char>,
    /// Something visible may have changed since the caller last looked.
    pub changed: bool,
    /// Parser glue (see `parser.rs`): a sequence just completed, text was
    /// printed by vte, an oversized sequence is being aborted.
    pub seq_done: bool,
    pub printed: bool,
    pub aborting: bool,
    /// DCS being collected (DECRQSS), capped.
    pub dcs: Option<Vec<u8>>,
}

impl Screen {
    pub fn new(rows: usize, cols: usize, history_limit: usize) -> Screen {
        Screen {
            rows,
            cols,
            grid: Grid::new(rows, cols),
            other: None,
            history: History::new(history_limit),
            row: 0,
            col: 0,
            pending_wrap: false,
            saved: [None, None],
            pen: Pen::default(),
            top: 0,
            bottom: rows - 1,
            tabs: default_tabs(cols),
            flags: Flags::default(),
            modes: Modes::default(),
            g: [Charset::Ascii; 2],
            shift_out: false,
            title: String::new(),
            replies: Vec::new(),
            events: Vec::new(),
            last_char: None,
            changed: false,
            seq_done: false,
            printed: false,
            aborting: false,
            dcs: None,
        }
    }

    /// Queues bytes for the pty (answers to queries).
    pub fn reply(&mut self, bytes: &[u8]) {
        if self.replies.len() + bytes.len() <= MAX_REPLIES {
            self.replies.extend_from_slice(bytes);
        }
    }

    /// Queues an event. Repeated bells collapse into one, and a clipboard
    /// event replaces an unread one (only the last copy matters, and each
    /// may be large), so the queue stays bounded in bytes too.
    pub fn event(&mut self, event: Event) {
        if let Event::Clipboard { .. } = event {
            self.events
                .retain(|e| !matches!(e, Event::Clipboard { .. }));
        }
        if self.events.len() >= MAX_EVENTS
            || (event == Event::Bell && self.events.last() == Some(&Event::Bell))
        {
            return;
        }
        self.events.push(event);
    }

    /// Sets the pen (after SGR or a cursor restore).
    pub fn set_pen(&mut self, style: Style) {
        self.pen = Pen::new(style);
    }

    /// The rows the cursor may address: the scroll region under DECOM.
    fn row_bounds(&self) -> (usize, usize) {
        if self.flags.origin {
            (self.top, self.bottom)
        } else {
            (0, self.rows - 1)
        }
    }

    /// CUP/HVP: moves to 0-based `(row, col)`, relative to the region
    /// under DECOM, clamped to the screen.
    pub fn goto(&mut self, row: usize, col: usize) {
        let (top, bottom) = self.row_bounds();
        self.row = top.saturating_add(row).min(bottom);
        self.col = col.min(self.cols - 1);
        self.pending_wrap = false;
    }

    /// VPA: moves to row `row` (0-based, DECOM-relative), same column; a
    /// pending wrap stays pending like for the other vertical motions.
    pub fn goto_row(&mut self, row: usize) {
        let (top, bottom) = self.row_bounds();
        self.row = top.saturating_add(row).min(bottom);
    }

    /// CHA/HPA: moves to column `col`, same row.
    pub fn goto_col(&mut self, col: usize) {
        self.col = col.min(self.cols - 1);
        self.pending_wrap = false;
    }

    /// The cursor column for relative horizontal motion and the edit
    /// functions: just past the last column while a wrap is pending. tmux
    /// and vt100 keep their cursor there in that state, and we follow them
    /// (see `pending_wrap`): LF, IND, RI, VPA, HT, EL, ED, ECH, ICH, DCH,
    /// IL and DL leave the wrap pending; CUB 1 lands in the last column,
    /// CUF, CUU and CUD stay there.
    pub fn edit_col(&self) -> usize {
        if self.pending_wrap {
            self.cols
        } else {
            self.col
        }
    }

    /// CUU: up `n`, stopping at the top margin when below it. Unlike the
    /// other vertical motions it cancels a pending wrap (as tmux does).
    pub fn up(&mut self, n: usize) {
        let limit = if self.row >= self.top { self.top } else { 0 };
        self.row = self.row.saturating_sub(n).max(limit);
        self.pending_wrap = false;
    }

    /// CUD: down `n`, stopping at the bottom margin when above it; cancels
    /// a pending wrap like CUU.
    pub fn down(&mut self, n: usize) {
        let limit = if self.row <= self.bottom {
            self.bottom
        } else {
            self.rows - 1
        };
        self.row = self.row.saturating_add(n).min(limit);
        self.pending_wrap = false;
    }

    /// CUF: right `n`, stopping at the last column.
    pub fn right(&mut self, n: usize) {
        self.goto_col(self.edit_col().saturating_add(n));
    }

    /// CUB: left `n`, stopping at the first column.
    pub fn left(&mut self, n: usize) {
        self.goto_col(self.edit_col().saturating_sub(n));
    }

    /// CR.
    pub fn carriage_return(&mut self) {
        self.col = 0;
        self.pending_wrap = false;
    }

    /// BS: one column left, no reverse wrap. From a pending wrap it lands
    /// in the last column (tmux, vt100; xterm with reverse-wrap enabled).
    pub fn backspace(&mut self) {
        self.left(1);
    }

    /// HT / CHT: to the `n`th next tab stop, or the last column. With a
    /// wrap pending there is no next stop and nothing moves (tmux).
    pub fn tab_forward(&mut self, n: usize) {
        if self.pending_wrap {
            return;
        }
        for _ in 0..n.min(self.cols) {
            let next = (self.col + 1..self.cols).find(|&c| self.tabs[c]);
            self.col = next.unwrap_or(self.cols - 1);
        }
    }

    /// CBT: to the `n`th previous tab stop, or the first column.
    pub fn tab_backward(&mut self, n: usize) {
        let mut col = self.edit_col();
        for _ in 0..n.min(self.cols) {
            col = (0..col).rev().find(|&c| self.tabs[c]).unwrap_or(0);
        }
        self.goto_col(col);
    }

    /// HTS: sets a tab stop at the cursor column.
    pub fn set_tab(&mut self) {
        self.tabs[self.col] = true;
    }

    /// TBC: 0 clears the stop at the cursor, 3 clears all.
    pub fn clear_tabs(&mut self, mode: u16) {
        match mode {
            0 => self.tabs[self.col] = false,
            3 => self.tabs.fill(false),
            _ => {}
        }
    }

    /// DECSTBM: sets the scroll region (1-based, 0 = default) and homes
    /// the cursor; an empty or inverted region is ignored.
    pub fn set_region(&mut self, top: usize, bottom: usize) {
        let top = top.max(1) - 1;
        let bottom = if bottom == 0 {
            self.rows
        } else {
            bottom.min(self.rows)
        } - 1;
        if top >= bottom {
            return;
        }
        self.top = top;
        self.bottom = bottom;
        self.goto(0, 0);
    }
}

/// Tab stops every eight columns (the VT100 power-on default).
pub(crate) fn default_tabs(cols: usize) -> Vec<bool> {
    (0..cols).map(|c| c % 8 == 0 && c != 0).collect()
}
