//! Printing: the ASCII fast path, the general character path (charsets,
//! wide and zero-width characters, insert mode), autowrap with the
//! pending-wrap rule, REP and the C0 controls.
//!
//! Autowrap follows DEC STD 070 / xterm: writing the last column sets the
//! "last column flag" (`pending_wrap`) and leaves the cursor there; the
//! next printable character first wraps (marking the row as wrapped, for
//! joining and reflow), then prints. A wide character that does not fit in
//! the last column wraps early, as xterm does.

use unicode_width::UnicodeWidthChar;

use super::{Charset, Screen};
use crate::cell::{Cell, WIDE};
use crate::modes::Event;

impl Screen {
    /// Prints printable ASCII (0x20..=0x7e): the hot path. Runs straight
    /// into the row, one row segment at a time.
    pub fn print_ascii(&mut self, mut text: &[u8]) {
        if text.is_empty() {
            return;
        }
        if self.flags.insert || self.g[usize::from(self.shift_out)] != Charset::Ascii {
            for &b in text {
                self.print_char(char::from(b));
            }
            return;
        }
        self.changed = true;
        self.last_char = text.last().map(|&b| char::from(b));
        let cols = self.cols;
        while !text.is_empty() {
            if self.pending_wrap {
                self.wrap();
            }
            let n = (cols - self.col).min(text.len());
            let row = self.grid.row_mut(self.row);
            let code = self.pen.code_in(row, cols);
            row.put_ascii(self.col, &text[..n], code);
            self.col += n;
            if self.col >= cols {
                self.col = cols - 1;
                self.pending_wrap = true;
            }
            text = &text[n..];
        }
    }

    /// Prints one character (vte's `print`, and non-ASCII text).
    pub fn print_char(&mut self, c: char) {
        let c = self.translate(c);
        let width = match c.width() {
            _ if c < ' ' || ('\x7f'..='\u{9f}').contains(&c) => return,
            Some(w) => w,
            None => return,
        };
        self.changed = true;
        if width == 0 {
            self.combine(c);
            return;
        }
        if width > self.cols {
            return;
        }
        if self.pending_wrap {
            self.wrap();
        }
        if self.col + width > self.cols {
            if self.flags.autowrap {
                self.grid.row_mut(self.row).wrapped = true;
                self.newline_wrap();
            } else {
                self.col = self.cols - width;
            }
        }
        let cols = self.cols;
        if self.flags.insert {
            let blank = self.blank_for(self.row);
            self.grid
                .row_mut(self.row)
                .insert_blanks(self.col, width, blank, cols);
        }
        let row = self.grid.row_mut(self.row);
        let code = self.pen.code_in(row, cols);
        let ch = c as u32 | if width == 2 { WIDE } else { 0 };
        row.put(self.col, Cell { ch, style: code }, cols);
        self.col += width;
        if self.col >= cols {
            self.col = cols - 1;
            self.pending_wrap = true;
        }
        self.last_char = Some(c);
    }

    /// REP: prints the last printed character `n` more times.
    pub fn repeat(&mut self, n: usize) {
        let Some(c) = self.last_char else { return };
        if c.is_ascii() && !self.flags.insert {
            let chunk = [c as u8; 256];
            let mut left = n;
            while left > 0 {
                let k = left.min(chunk.len());
                self.print_ascii(&chunk[..k]);
                left -= k;
            }
        } else {
            for _ in 0..n {
                self.print_char(c);
            }
        }
    }

    /// A C0 control in the ground state (or inside a sequence: VT100
    /// executes C0 controls wherever they appear).
    pub fn control(&mut self, byte: u8) {
        self.changed = true;
        self.last_char = None;
        match byte {
            0x07 => self.event(Event::Bell),
            0x08 => self.backspace(),
            0x09 => self.tab_forward(1),
            0x0a..=0x0c => {
                if self.flags.newline {
                    self.carriage_return();
                }
                self.index();
            }
            0x0d => self.carriage_return(),
            0x0e => self.shift_out = true,
            0x0f => self.shift_out = false,
            _ => {}
        }
    }

    /// Wraps before printing: marks the row as continued and moves to the
    /// start of the next line, or, with DECAWM off, stays to overwrite the
    /// last column.
    fn wrap(&mut self) {
        self.pending_wrap = false;
        if self.flags.autowrap {
            self.grid.row_mut(self.row).wrapped = true;
            self.newline_wrap();
        }
    }

    fn newline_wrap(&mut self) {
        self.col = 0;
        self.index();
    }

    /// A zero-width character joins the cell before the cursor (the cell
    /// under it when a wrap is pending). With nothing before it on the row
    /// it is dropped.
    fn combine(&mut self, c: char) {
        let col = if self.pending_wrap {
            self.col
        } else if self.col == 0 {
            return;
        } else {
            self.col - 1
        };
        let row = self.grid.row_mut(self.row);
        let col = if row.cell(col).is_spacer() && col > 0 {
            col - 1
        } else {
            col
        };
        row.combine(col, c, self.cols);
    }

    /// Maps a character through the character set in GL (SCS).
    fn translate(&self, c: char) -> char {
        match self.g[usize::from(self.shift_out)] {
            Charset::Ascii => c,
            Charset::Uk if c == '#' => '£',
            Charset::Uk => c,
            Charset::DecGraphics => dec_graphics(c),
        }
    }
}

/// DEC Special Graphics, VT100 User Guide table 3-9 (0x5f..=0x7e).
fn dec_graphics(c: char) -> char {
    const TABLE: &str = " ◆▒␉␌␍␊°±␤␋┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·";
    match c {
        '\x5f'..='\x7e' => TABLE.chars().nth(c as usize - 0x5f).unwrap_or(c),
        _ => c,
    }
}
