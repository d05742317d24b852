//! bgmux-term: the terminal emulator of bgmux. Bytes in, screen out, no I/O.
//!
//! A [`Terminal`] is fed a program's output with [`Terminal::advance`]; it
//! keeps the screen, the history of rows scrolled off the top, the modes a
//! client must mirror, answers to terminal queries ([`Terminal::take_replies`])
//! and events ([`Terminal::take_events`]). The server paints terminals into a
//! [`Frame`] per client and sends [`Frame::render_full`] or
//! [`Frame::render_diff`] bytes.
//!
//! # Layout
//!
//! ```text
//!            history (primary screen only)                      grid
//!  +--------------------------------------------+   +---------------------------+
//!  | block 0: text "row0row1row2…" (exact size) |   | Row { cells: Vec<Cell>,   |
//!  |          ends [u32; ≤256] (bit 31 = wrap)  |   |       extra: side table,  |
//!  |          runs [(offset, style)] if styled  |   |       wrapped }           |
//!  |          styles [Style] (RGB, links)       |   |   cells empty = blank row |
//!  | block 1 …                                  |   |   (allocated on write)    |
//!  | block n (filling)                          |<--| scroll_up at the top of a |
//!  +--------------------------------------------+   | full-screen region pushes |
//!    oldest rows dropped at history_limit;          | rows here, then recycles  |
//!    whole blocks freed                             | them at the bottom        |
//!                                                   +---------------------------+
//!  Cell (8 bytes) = ch: u32 (char | WIDE | SPACER | CLUSTER index)
//!                 + style: u32 (fg 9b, bg 9b, 7 attrs, underline 3b | EXTENDED index)
//! ```
//!
//! * **Cells** are 8 bytes (`const` asserted): a character code and a style
//!   code. Styles with palette colours pack into the code; RGB colours, an
//!   underline colour or a hyperlink make the style *extended*, stored in a
//!   per-row side table that also holds grapheme clusters (a character with
//!   combining marks). Side tables are garbage collected when they outgrow
//!   their row, so nothing grows without bound.
//! * **Rows** are allocated on first write: an idle 80×24 terminal costs
//!   about 2 kB. Scrolling recycles rows (no allocation per line).
//! * **History** is a deque of blocks of 256 rows: one UTF-8 buffer sized
//!   exactly when the block is full, a 4-byte end offset per row, and style
//!   runs only for styled text. A 79-column plain line costs about 83 bytes.
//!   Rows are dropped one by one at the limit (so the count is exact) and
//!   memory is freed a block at a time.
//! * **Parsing** is `vte`'s state machine, behind our own ground-state fast
//!   path: printable ASCII runs are written straight into the row, C0
//!   controls and UTF-8 are handled without vte, which sees only escape
//!   sequences. Sequences are capped at 1 MiB (longer ones are aborted and
//!   skipped), replies at 64 KiB, events at 1024, titles at 1 KiB,
//!   clusters at 31 bytes.
//!
//! # Limits
//!
//! Sizes are clamped to 1..=[`MAX_SIZE`] rows and columns. Resize does not
//! reflow. Left/right margins (DECSLRM), protected areas, sixel and other
//! DCS graphics are not supported; C1 controls are ignored.
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
pub use terminal::Terminal;
pub use text::TextOptions;

/// The largest number of rows or columns of a terminal or frame; larger
/// sizes are clamped (no real terminal is this large, and it bounds the
/// memory a size request can claim).
pub const MAX_SIZE: u16 = 1000;
