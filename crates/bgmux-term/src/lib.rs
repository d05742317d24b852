//! bgmux-term: the terminal emulator of bgmux. Bytes in, screen out, no I/O.
//!
//! Placeholder with the public API only, while the real emulator is built on
//! its own branch; it keeps plain text lines and nothing else.
#![warn(missing_docs)]

/// An emulated terminal.
#[derive(Debug, Default)]
pub struct Terminal {
    rows: u16,
    cols: u16,
    lines: Vec<String>,
    limit: usize,
    seq: u64,
}

/// Options for text export.
#[derive(Debug, Clone, Copy, Default)]
pub struct TextOptions {
    /// History rows first.
    pub include_history: bool,
    /// SGR-annotated.
    pub ansi: bool,
    /// Join soft-wrapped rows.
    pub join_wrapped: bool,
}

/// A rectangle of a frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rect {
    /// Top row.
    pub row: u16,
    /// Left column.
    pub col: u16,
    /// Height.
    pub rows: u16,
    /// Width.
    pub cols: u16,
}

/// Cursor shape (DECSCUSR).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CursorShape {
    /// Terminal default.
    #[default]
    Default,
}

/// The cursor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    /// Row.
    pub row: u16,
    /// Column.
    pub col: u16,
    /// Shown.
    pub visible: bool,
    /// Shape.
    pub shape: CursorShape,
}

/// Mouse reporting mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MouseMode {
    /// Off.
    #[default]
    None,
}

/// Modes the outer terminal must mirror.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Modes {
    /// DECCKM.
    pub app_cursor: bool,
    /// DECKPAM.
    pub app_keypad: bool,
    /// Mode 2004.
    pub bracketed_paste: bool,
    /// Mouse mode.
    pub mouse: MouseMode,
    /// Mode 1006.
    pub mouse_sgr: bool,
    /// Mode 1004.
    pub focus_events: bool,
    /// Alternate screen.
    pub alt_screen: bool,
}

/// Side effects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Title.
    Title(String),
    /// Bell.
    Bell,
}

/// A colour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Color {
    /// Default.
    #[default]
    Default,
    /// Palette.
    Indexed(u8),
}

/// A style.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    /// Foreground.
    pub fg: Color,
    /// Background.
    pub bg: Color,
    /// Reverse video.
    pub reverse: bool,
    /// Bold.
    pub bold: bool,
}

impl Terminal {
    /// A new terminal.
    pub fn new(rows: u16, cols: u16, history_limit: usize) -> Terminal {
        Terminal { rows, cols, lines: vec![String::new()], limit: history_limit, seq: 0 }
    }
    /// Feeds bytes.
    pub fn advance(&mut self, bytes: &[u8]) {
        self.seq += 1;
        let mut in_csi = false;
        for ch in String::from_utf8_lossy(bytes).chars() {
            if in_csi {
                in_csi = !('@'..='~').contains(&ch) || ch == '[';
                continue;
            }
            match ch {
                '\x1b' => in_csi = true,
                '\n' => self.lines.push(String::new()),
                '\r' => {}
                c if !c.is_control() => {
                    if let Some(l) = self.lines.last_mut() {
                        l.push(c)
                    }
                }
                _ => {}
            }
        }
    }
    /// Resizes.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        (self.rows, self.cols) = (rows, cols);
    }
    /// Rows.
    pub fn rows(&self) -> u16 {
        self.rows
    }
    /// Columns.
    pub fn cols(&self) -> u16 {
        self.cols
    }
    /// History limit.
    pub fn history_limit(&self) -> usize {
        self.limit
    }
    /// Rows in history.
    pub fn history_len(&self) -> usize {
        self.lines.len().saturating_sub(self.rows as usize)
    }
    /// History bytes.
    pub fn history_bytes(&self) -> usize {
        0
    }
    /// Replies.
    pub fn take_replies(&mut self) -> Vec<u8> {
        Vec::new()
    }
    /// Events.
    pub fn take_events(&mut self) -> Vec<Event> {
        Vec::new()
    }
    /// Title.
    pub fn title(&self) -> &str {
        ""
    }
    /// Modes.
    pub fn modes(&self) -> Modes {
        Modes::default()
    }
    /// Cursor.
    pub fn cursor(&self) -> Cursor {
        Cursor { visible: true, ..Cursor::default() }
    }
    /// Change counter.
    pub fn seqno(&self) -> u64 {
        self.seq
    }
    /// Screen text.
    pub fn screen_text(&self) -> String {
        let start = self.lines.len().saturating_sub(self.rows as usize);
        self.lines[start..].iter().map(|l| format!("{l}\n")).collect()
    }
    /// Text export.
    pub fn write_text(&self, out: &mut String, _opts: TextOptions) {
        out.push_str(&self.lines.join("\n"));
    }
    /// Moves history out.
    pub fn drain_history(&mut self, out: &mut String, _opts: TextOptions) {
        let n = self.history_len();
        for l in self.lines.drain(..n) {
            out.push_str(&l);
            out.push('\n');
        }
    }
    /// Draws into a frame.
    pub fn draw(&self, frame: &mut Frame, area: Rect, _scroll_back: usize) {
        let start = self.lines.len().saturating_sub(self.rows as usize);
        for (i, l) in self.lines[start..].iter().enumerate().take(area.rows as usize) {
            frame.put_str(area.row + i as u16, area.col, l, &Style::default());
        }
    }
}

/// A client's screen image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frame {
    rows: u16,
    cols: u16,
    text: Vec<String>,
}

impl Frame {
    /// A blank frame.
    pub fn new(rows: u16, cols: u16) -> Frame {
        Frame { rows, cols, text: vec![String::new(); rows as usize] }
    }
    /// Rows.
    pub fn rows(&self) -> u16 {
        self.rows
    }
    /// Columns.
    pub fn cols(&self) -> u16 {
        self.cols
    }
    /// Writes text.
    pub fn put_str(&mut self, row: u16, _col: u16, text: &str, _style: &Style) -> u16 {
        if let Some(r) = self.text.get_mut(row as usize) {
            r.push_str(text);
        }
        text.len() as u16
    }
    /// Fills.
    pub fn fill(&mut self, _area: Rect, _ch: char, _style: &Style) {}
    /// Restyles.
    pub fn set_style(&mut self, _area: Rect, _style: &Style) {}
    /// Cursor.
    pub fn set_cursor(&mut self, _cursor: Option<Cursor>) {}
    /// Modes.
    pub fn set_modes(&mut self, _modes: Modes) {}
    /// Row text.
    pub fn row_text(&self, row: u16) -> String {
        self.text.get(row as usize).cloned().unwrap_or_default()
    }
    /// Full redraw.
    pub fn render_full(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"\x1b[H\x1b[2J");
        for (i, l) in self.text.iter().enumerate() {
            out.extend_from_slice(format!("\x1b[{};1H{}", i + 1, l).as_bytes());
        }
    }
    /// Diff.
    pub fn render_diff(&self, _prev: &Frame, out: &mut Vec<u8>) {
        self.render_full(out)
    }
}
