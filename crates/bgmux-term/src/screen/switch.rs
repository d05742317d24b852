//! Whole-state changes: cursor save/restore (DECSC/DECRC), the alternate
//! screen (DECSET 47, 1047, 1049), soft reset (DECSTR) and full reset (RIS).
//!
//! xterm keeps one saved cursor per screen; 1049 saves into the primary
//! screen's slot before switching and restores from it after, which is
//! what full-screen programs rely on.

use super::{default_tabs, Charset, Flags, Screen};
use crate::grid::Grid;
use crate::modes::Modes;
use crate::style::Style;

/// What DECSC saves (DEC STD 070: position, rendition, character sets,
/// origin mode and the last column flag).
#[derive(Clone, Debug)]
pub(crate) struct Saved {
    pub row: usize,
    pub col: usize,
    pub pending_wrap: bool,
    style: Style,
    origin: bool,
    g: [Charset; 2],
    shift_out: bool,
}

/// Which alternate-screen mode is being set or reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AltKind {
    /// DECSET 47: switch only.
    Plain,
    /// DECSET 1047: clear the alternate screen when leaving it.
    Clear,
    /// DECSET 1049: save the cursor and clear on entry, restore on exit.
    SaveCursor,
}

impl Screen {
    /// DECSC (and SCOSC, `CSI s`).
    pub fn save_cursor(&mut self) {
        let saved = Saved {
            row: self.row,
            col: self.col,
            pending_wrap: self.pending_wrap,
            style: self.pen.style(),
            origin: self.flags.origin,
            g: self.g,
            shift_out: self.shift_out,
        };
        self.saved[usize::from(self.modes.alt_screen)] = Some(saved);
    }

    /// DECRC (and SCORC, `CSI u`); with nothing saved it homes the cursor
    /// and resets the rendition, as xterm does.
    pub fn restore_cursor(&mut self) {
        self.changed = true;
        let Some(saved) = self.saved[usize::from(self.modes.alt_screen)].clone() else {
            self.flags.origin = false;
            self.set_pen(Style::default());
            self.goto(0, 0);
            return;
        };
        self.row = saved.row.min(self.rows - 1);
        self.col = saved.col.min(self.cols - 1);
        self.pending_wrap = saved.pending_wrap && self.col == self.cols - 1;
        self.flags.origin = saved.origin;
        self.g = saved.g;
        self.shift_out = saved.shift_out;
        self.set_pen(saved.style);
    }

    /// Shows the alternate screen.
    pub fn enter_alt(&mut self, kind: AltKind) {
        if self.modes.alt_screen {
            return;
        }
        self.changed = true;
        if kind == AltKind::SaveCursor {
            self.save_cursor();
        }
        let alt = match self.other.take() {
            Some(kept) if kind == AltKind::Plain => kept,
            _ => Grid::new(self.rows, self.cols),
        };
        self.other = Some(std::mem::replace(&mut self.grid, alt));
        self.modes.alt_screen = true;
        if kind == AltKind::SaveCursor {
            self.erase_display(2);
        }
    }

    /// Shows the primary screen again.
    pub fn leave_alt(&mut self, kind: AltKind) {
        if !self.modes.alt_screen {
            return;
        }
        self.changed = true;
        let Some(primary) = self.other.take() else {
            return;
        };
        let alt = std::mem::replace(&mut self.grid, primary);
        // DECSET 47 keeps the alternate screen's content for next time;
        // 1047 and 1049 clear it, so it is simply dropped.
        if kind == AltKind::Plain {
            self.other = Some(alt);
        }
        self.modes.alt_screen = false;
        if kind == AltKind::SaveCursor {
            self.restore_cursor();
        }
    }

    /// DECSTR: soft terminal reset (VT510 manual, DECSTR table).
    pub fn soft_reset(&mut self) {
        self.changed = true;
        self.flags = Flags {
            shape: self.flags.shape,
            ..Flags::default()
        };
        self.modes.app_cursor = false;
        self.modes.app_keypad = false;
        self.top = 0;
        self.bottom = self.rows - 1;
        self.g = [Charset::Ascii; 2];
        self.shift_out = false;
        self.set_pen(Style::default());
        self.saved[usize::from(self.modes.alt_screen)] = None;
        self.pending_wrap = false;
    }

    /// RIS: back to the power-on state. The history and title are kept
    /// (xterm keeps its saved lines too).
    pub fn full_reset(&mut self) {
        self.changed = true;
        if self.modes.alt_screen {
            if let Some(primary) = self.other.take() {
                self.grid = primary;
            }
        }
        self.other = None;
        self.grid.erase_all(crate::cell::Cell::BLANK);
        self.flags = Flags::default();
        self.modes = Modes::default();
        self.top = 0;
        self.bottom = self.rows - 1;
        self.tabs = default_tabs(self.cols);
        self.g = [Charset::Ascii; 2];
        self.shift_out = false;
        self.set_pen(Style::default());
        self.saved = [None, None];
        self.last_char = None;
        self.row = 0;
        self.col = 0;
        self.pending_wrap = false;
    }
}
