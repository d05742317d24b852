//! bgmux-term: the terminal emulator of bgmux. Bytes in, screen out, no I/O.
//!
//! A [`Terminal`] is fed a program's output with [`Terminal::advance`]; it
//! keeps the screen, the history of rows scrolled off the top, the modes a
//! client must mirror, answers to terminal queries ([`Terminal::take_replies`])
//! and events ([`Terminal::take_events`]). The server paints terminals into
//! one [`Frame`] per client ([`Terminal::draw`], [`Frame::put_str`], …) and
//! sends [`Frame::render_full`] (attach) or [`Frame::render_diff`] (updates).
//!
//! ```
//! use bgmux_term::{Frame, Rect, Terminal};
//!
//! let mut t = Terminal::new(24, 80, 10_000);
//! t.advance(b"\x1b[1;32mok\x1b[m done\r\n");
//! let mut frame = Frame::new(24, 80);
//! t.draw(&mut frame, Rect { row: 0, col: 0, rows: 24, cols: 80 }, 0);
//! frame.set_cursor(Some(t.cursor()));
//! let mut bytes = Vec::new();
//! frame.render_full(&mut bytes); // to the client's terminal
//! assert_eq!(frame.row_text(0), "ok done");
//! ```
//!
//! # Layout
//!
//! ```text
//!            history (primary screen only)                    grid (a ring of rows)
//!  +--------------------------------------------+   +------------------------------+
//!  | block 0: text "row0row1row2…" (exact size) |   | Row { cells: Vec<Cell>,      |
//!  |          ends [u32; ≤256] (bit 31 = wrap)  |   |       extra: side table,     |
//!  |          runs [(offset, style)] if styled  |   |       wrapped }              |
//!  |          styles [Style] (RGB, links)       |   | cells = the written prefix;  |
//!  | block 1 …                                  |   | the rest of the row is blank |
//!  | block n (filling)                          |<--+ a full-screen scroll pushes  |
//!  +--------------------------------------------+   | the top row here, resets it  |
//!    the oldest rows are dropped at the limit;      | in place and moves the ring's|
//!    a block is freed once all its rows are         | start: it is the new bottom  |
//!                                                   +------------------------------+
//!  Cell (8 bytes) = ch: u32    (char | WIDE | SPACER | CLUSTER + index)
//!                 + style: u32 (fg 9b | bg 9b | 7 attrs | underline 3b, or EXTENDED + index)
//! ```
//!
//! * **Cells** are 8 bytes (`const` asserted): a character code and a style
//!   code. Styles with palette colours pack into the code; RGB colours, an
//!   underline colour or a hyperlink make the style *extended*, stored in a
//!   per-row side table that also holds grapheme clusters (a character with
//!   combining marks, at most 31 bytes). Side tables are garbage collected
//!   when they outgrow their row, so repainting never grows them.
//! * **Rows** store only their written prefix, allocated on first write: an
//!   idle 80×24 terminal costs about 2 kB (`memory` tests). The grid is a
//!   ring, so scrolling moves no rows and allocates nothing.
//! * **History** is a deque of blocks of 256 rows: one UTF-8 buffer (shrunk to
//!   fit when the block is full), a 4-byte end offset per row, and style runs
//!   only where the text is styled (an ASCII row in palette colours is one copy
//!   of its text plus a run per change). Measured: 83.7 bytes per 79-column
//!   plain line, 126 bytes per line with 10 SGR changes. Rows are dropped one
//!   at a time at the limit (exact count, [`Terminal::history_dropped`]) and
//!   memory is freed a block at a time. Any row is reachable by index.
//! * **Parsing**: the `vte` state machine, behind our own fast paths. In the
//!   ground state, runs of printable ASCII go straight into the row (found
//!   eight bytes at a time, as one `u64`), C0 controls and UTF-8 are handled
//!   without vte; plain `CSI digits;digits final` sequences (SGR, cursor
//!   motion) are parsed directly; vte sees the rest. SGR with palette colours
//!   works on the packed style code.
//! * **Resize** keeps content: rows leave through the top into history and
//!   come back when the screen grows; a width change rewraps lines that
//!   autowrap split (reflow), keeping the cursor on its text.
//! * **Bounds on any input**: sequences are capped at 1 MiB (longer ones
//!   are aborted and skipped to their terminator), parameters saturate and
//!   every count is clamped to the screen, replies are capped at 64 KiB,
//!   queued events at 1024 (bells coalesce, a new clipboard event replaces
//!   an unread one), titles at 1 KiB, hyperlink URIs at 8 KiB.
//!
//! # Behaviour
//!
//! xterm's, as in xterm ctlseqs, where tmux agrees; where they differ in
//! corner cases we follow tmux (the multiplexer users compare us with): a
//! pending wrap survives LF, IND, RI, VPA, HT and the in-row edits, and BS
//! or CUB from it land in the last column; IL and DL keep the cursor
//! column. Differences from `vt100` and tmux found by the differential
//! tests are listed in `tests/emulator/vt100_diff.rs` and `tmux_diff.rs`.
//!
//! # Limits
//!
//! Sizes are clamped to 1..=[`MAX_SIZE`] rows and columns. A width change
//! reflows the primary screen and its history (like tmux; 10 000 rows take
//! tens of milliseconds) but only cuts or extends the alternate screen.
//! Left/right margins (DECSLRM), protected areas (DECSCA), sixel and other
//! DCS graphics, and the 8-bit C1 controls are not supported.
#![warn(missing_docs)]

mod cell;
mod dispatch;
mod draw;
mod frame;
mod grid;
mod history;
mod modes;
mod parser;
mod screen;
mod sgr_write;
mod style;
mod terminal;
mod text;

pub use frame::{Frame, Rect};
pub use modes::{Cursor, CursorShape, Event, Modes, MouseMode};
pub use style::{Color, Style, Underline};
pub use terminal::{Stamp, Terminal};
pub use text::TextOptions;

/// The largest number of rows or columns of a terminal or frame; larger
/// sizes are clamped (no real terminal is this large, and it bounds the
/// memory a size request can claim).
pub const MAX_SIZE: u16 = 1000;
