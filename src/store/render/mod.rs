//! Renders a log's bytes as the text lines a person saw, one `\n` at a
//! time: what `log`, `log --tail`, `--follow`, `attach --replay`, search
//! and review mode's disk rows all show, so they agree with each other.
//!
//! A line is interpreted the way a terminal would draw it on one endless
//! row: printable text (UTF-8; invalid bytes become U+FFFD) at a cursor
//! column, CR back to column 0 (a progress bar keeps its last state), BS
//! one column back, TAB to the next multiple of 8, EL/ECH erase, CUF/CUB/
//! CHA move; every other escape sequence (CSI, OSC, DCS, APC…) is skipped,
//! and SGR is kept as escapes only with `ansi`. Every `\n` ends a line,
//! even inside an unterminated escape sequence, so that line numbers agree
//! with the line index (which counts `\n` bytes). Vertical motion cannot be
//! shown on one row and is ignored: full-screen programs are for `capture`.
//!
//! Memory and time are bounded whatever the input: a line keeps at most
//! [`MAX_COLS`] cells and reads at most [`MAX_LINE_INPUT`] bytes; the rest
//! of a longer line is skipped at `memchr` speed and the line ends with a
//! marker saying how long it was. Never panics.

use super::time::human_bytes;

/// Cells kept per line.
pub const MAX_COLS: usize = 64 << 10;
/// Bytes of one line interpreted; the rest is skipped.
pub const MAX_LINE_INPUT: u64 = 1 << 20;
/// Bytes of one CSI sequence kept (longer ones are ignored).
const MAX_CSI: usize = 64;
/// Bytes of the SGR state carried in `ansi` mode.
const MAX_SGR: usize = 256;
/// Distinct renditions per line in `ansi` mode (later changes reuse the last).
const MAX_STYLES: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Ground,
    Esc,
    /// ESC followed by intermediates: waits for the final byte.
    EscInter,
    Csi,
    /// OSC, DCS, SOS, PM, APC: skipped up to BEL or ST.
    Str,
    StrEsc,
    /// Past [`MAX_LINE_INPUT`]: skipping to the next `\n`.
    Skip,
}

/// A streaming renderer; see the file comment.
#[derive(Debug)]
pub struct Renderer {
    ansi: bool,
    state: State,
    cells: Vec<(char, u16)>,
    col: usize,
    csi: Vec<u8>,
    utf8: ([u8; 4], usize, usize),
    /// `ansi`: the SGR parameters in effect, and the line's style table.
    sgr: String,
    styles: Vec<String>,
    style: u16,
    line_bytes: u64,
    cut: bool,
    out: String,
    scratch: Vec<u8>,
}

impl Renderer {
    /// A renderer at the start of a line; `ansi` keeps SGR.
    pub fn new(ansi: bool) -> Renderer {
        Renderer {
            ansi,
            state: State::Ground,
            cells: Vec::new(),
            col: 0,
            csi: Vec::new(),
            utf8: ([0; 4], 0, 0),
            sgr: String::new(),
            styles: vec![String::new()],
            style: 0,
            line_bytes: 0,
            cut: false,
            out: String::new(),
            scratch: Vec::new(),
        }
    }

    /// Feeds bytes; `line` gets each completed line (without its `\n`).
    pub fn feed<E>(
        &mut self,
        data: &[u8],
        line: &mut impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut i = 0;
        while i < data.len() {
            if self.at_line_start() {
                if let Some(n) = self.quick_line(&data[i..]) {
                    line(trim_blanks(&self.scratch))?;
                    i += n + 1;
                    continue;
                }
            }
            if self.state == State::Ground && self.utf8.2 == 0 {
                let room = usize::try_from(MAX_LINE_INPUT - self.line_bytes).unwrap_or(usize::MAX);
                let run = data[i..]
                    .iter()
                    .take(room)
                    .take_while(|b| (0x20..0x7f).contains(*b))
                    .count();
                if run > 1 {
                    self.put_ascii(&data[i..i + run]);
                    self.line_bytes += run as u64;
                    i += run;
                    continue;
                }
            }
            if self.state == State::Skip {
                match memchr::memchr(b'\n', &data[i..]) {
                    Some(n) => {
                        self.line_bytes += n as u64;
                        i += n;
                    }
                    None => {
                        self.line_bytes += (data.len() - i) as u64;
                        return Ok(());
                    }
                }
            }
            let b = data[i];
            i += 1;
            if b == b'\n' {
                self.end_line(line)?;
                continue;
            }
            self.line_bytes += 1;
            if self.line_bytes > MAX_LINE_INPUT {
                self.flush_utf8();
                self.cut = true;
                self.state = State::Skip;
                continue;
            }
            self.byte(b);
        }
        Ok(())
    }

    /// Nothing of a line seen yet, and nothing carried that a line
    /// would show: a plain line can skip the cells.
    fn at_line_start(&self) -> bool {
        self.line_bytes == 0 && self.state == State::Ground && (!self.ansi || self.sgr.is_empty())
    }

    /// Most lines a program prints are plain text, maybe coloured, ending
    /// in `\r\n`: such a line (printable ASCII and, without `ansi`, SGR)
    /// shows exactly as its bytes less the SGR, so it is copied to
    /// `scratch` without cells. Returns its length to the `\n`.
    fn quick_line(&mut self, data: &[u8]) -> Option<usize> {
        let n = memchr::memchr(b'\n', data)?;
        let body = data[..n].strip_suffix(b"\r").unwrap_or(&data[..n]);
        if body.len() > MAX_COLS || !body.is_ascii() {
            return None;
        }
        self.scratch.clear();
        if self.ansi {
            let plain = body.iter().all(|b| (0x20..0x7f).contains(b));
            plain.then(|| self.scratch.extend_from_slice(body))?;
        } else {
            strip_sgr(body, &mut self.scratch).then_some(())?;
        }
        Some(n)
    }

    /// Is a line started but not ended?
    pub fn has_partial(&self) -> bool {
        self.line_bytes > 0
    }

    /// Ends the input: a partial last line is passed to `line`.
    pub fn finish<E>(&mut self, line: &mut impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
        if self.has_partial() {
            self.end_line(line)?;
        }
        Ok(())
    }

    fn end_line<E>(&mut self, line: &mut impl FnMut(&str) -> Result<(), E>) -> Result<(), E> {
        self.flush_utf8();
        self.compose();
        let result = line(&self.out);
        self.cells.clear();
        self.col = 0;
        self.line_bytes = 0;
        self.cut = false;
        self.state = State::Ground;
        self.styles.truncate(1);
        self.styles[0].clone_from(&self.sgr);
        self.style = 0;
        result
    }

    fn compose(&mut self) {
        let len = self
            .cells
            .iter()
            .rposition(|c| c.0 != ' ')
            .map_or(0, |p| p + 1);
        self.out.clear();
        if self.ansi {
            self.compose_ansi(len);
        } else {
            self.out.extend(self.cells[..len].iter().map(|c| c.0));
        }
        if self.cut {
            self.out.push_str(&format!(
                " [bgmux: long line cut: {}]",
                human_bytes(self.line_bytes)
            ));
        }
    }

    /// The cells with an SGR wherever the rendition changes, and a reset at
    /// the end if one is in effect there.
    fn compose_ansi(&mut self, len: usize) {
        let out = &mut self.out;
        let mut style = 0u16;
        let mut styled = false;
        if !self.styles[0].is_empty() && len > 0 {
            out.push_str(&format!("\x1b[{}m", self.styles[0]));
            styled = true;
        }
        for &(ch, s) in &self.cells[..len] {
            if s != style {
                style = s;
                let sgr = &self.styles[usize::from(s)];
                out.push_str(&format!(
                    "\x1b[0{}{sgr}m",
                    if sgr.is_empty() { "" } else { ";" }
                ));
                styled = !sgr.is_empty();
            }
            out.push(ch);
        }
        if styled {
            out.push_str("\x1b[0m");
        }
    }

    fn byte(&mut self, b: u8) {
        match self.state {
            State::Ground => self.ground(b),
            State::Esc => self.esc(b),
            State::EscInter => {
                if !(0x20..=0x2f).contains(&b) {
                    self.state = if b == 0x1b { State::Esc } else { State::Ground };
                }
            }
            State::Csi => match b {
                0x40..=0x7e => {
                    self.dispatch_csi(b);
                    self.state = State::Ground;
                }
                0x1b => self.state = State::Esc,
                0x18 | 0x1a => self.state = State::Ground,
                0x08 | b'\r' => self.ground(b),
                _ if self.csi.len() < MAX_CSI => self.csi.push(b),
                _ => {}
            },
            State::Str => match b {
                0x07 | 0x18 | 0x1a => self.state = State::Ground,
                0x1b => self.state = State::StrEsc,
                _ => {}
            },
            State::StrEsc => {
                self.state = if b == 0x1b {
                    State::StrEsc
                } else {
                    State::Ground
                }
            }
            State::Skip => {}
        }
    }

    fn esc(&mut self, b: u8) {
        self.state = match b {
            b'[' => {
                self.csi.clear();
                State::Csi
            }
            b']' | b'P' | b'X' | b'^' | b'_' => State::Str,
            0x1b => State::Esc,
            0x20..=0x2f => State::EscInter,
            _ => State::Ground,
        };
    }

    fn ground(&mut self, b: u8) {
        if b >= 0x80 || self.utf8.2 > 0 {
            self.utf8_byte(b);
            return;
        }
        match b {
            0x20..=0x7e => self.put(char::from(b)),
            0x1b => self.state = State::Esc,
            b'\r' => self.col = 0,
            0x08 => self.col = self.col.saturating_sub(1),
            b'\t' => self.col = ((self.col / 8 + 1) * 8).min(MAX_COLS),
            _ => {}
        }
    }

    fn utf8_byte(&mut self, b: u8) {
        let (buf, have, need) = &mut self.utf8;
        if *need > 0 {
            if b & 0xc0 == 0x80 {
                buf[*have] = b;
                *have += 1;
                if *have == *need {
                    let ch = std::str::from_utf8(&buf[..*have])
                        .ok()
                        .and_then(|s| s.chars().next());
                    self.utf8 = ([0; 4], 0, 0);
                    self.put(ch.unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                return;
            }
            self.flush_utf8();
            self.ground(b);
            return;
        }
        let need = match b {
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => return self.put(char::REPLACEMENT_CHARACTER),
        };
        self.utf8 = ([b, 0, 0, 0], 1, need);
    }

    /// A sequence cut short by a non-continuation byte or the line's end.
    fn flush_utf8(&mut self) {
        if self.utf8.2 > 0 {
            self.utf8 = ([0; 4], 0, 0);
            self.put(char::REPLACEMENT_CHARACTER);
        }
    }

    fn put_ascii(&mut self, run: &[u8]) {
        if self.col == self.cells.len() && self.col + run.len() <= MAX_COLS {
            let style = self.style;
            self.cells
                .extend(run.iter().map(|&b| (char::from(b), style)));
            self.col += run.len();
            return;
        }
        for &b in run {
            self.put(char::from(b));
        }
    }

    fn put(&mut self, ch: char) {
        if self.col >= MAX_COLS {
            self.cut = true;
            return;
        }
        if self.col >= self.cells.len() {
            self.cells.resize(self.col, (' ', self.style));
            self.cells.push((ch, self.style));
        } else {
            self.cells[self.col] = (ch, self.style);
        }
        self.col += 1;
    }

    fn dispatch_csi(&mut self, fin: u8) {
        if self.csi.first().is_some_and(|b| (0x3c..=0x3f).contains(b)) || self.csi.len() >= MAX_CSI
        {
            return; // private sequences (`?25h`…) and oversized ones
        }
        if fin == b'm' {
            if self.ansi {
                let params = String::from_utf8_lossy(&self.csi).into_owned();
                self.sgr(&params);
            }
            return;
        }
        let digits = self.csi.iter().take_while(|b| b.is_ascii_digit());
        let n = digits.fold(0usize, |n, &d| {
            n.saturating_mul(10).saturating_add(usize::from(d - b'0'))
        });
        let count = n.max(1);
        match fin {
            b'K' => self.erase(n),
            b'X' => {
                let end = (self.col + count).min(self.cells.len());
                for c in self.cells.iter_mut().take(end).skip(self.col) {
                    *c = (' ', 0);
                }
            }
            b'C' => self.col = (self.col + count).min(MAX_COLS),
            b'D' => self.col = self.col.saturating_sub(count),
            b'G' | b'`' => self.col = (count - 1).min(MAX_COLS),
            _ => {}
        }
    }

    /// EL: 0 to the end of the line, 1 to the cursor, 2 all.
    fn erase(&mut self, how: usize) {
        match how {
            0 => self.cells.truncate(self.col),
            1 => {
                let end = (self.col + 1).min(self.cells.len());
                self.cells[..end].fill((' ', 0));
            }
            2 => self.cells.clear(),
            _ => {}
        }
    }

    fn sgr(&mut self, params: &str) {
        let reset = params.is_empty() || params.split(';').all(|p| p.is_empty() || p == "0");
        if reset {
            self.sgr.clear();
        } else if let Some(rest) = params.strip_prefix("0;") {
            self.sgr = rest.to_string();
        } else if self.sgr.len() + params.len() < MAX_SGR {
            if !self.sgr.is_empty() {
                self.sgr.push(';');
            }
            self.sgr.push_str(params);
        }
        if self.styles.len() < MAX_STYLES {
            self.styles.push(self.sgr.clone());
            self.style = (self.styles.len() - 1) as u16;
        }
    }
}

/// Appends `line` less its SGR sequences to `out`, if that is all it takes
/// to show it: false if it has any other control byte or sequence (then it
/// must be rendered). Search uses it too, on lines of any bytes.
pub fn strip_sgr(line: &[u8], out: &mut Vec<u8>) -> bool {
    let printable = |seg: &[u8]| seg.iter().all(|&b| b >= 0x20 && b != 0x7f);
    let mut rest = line;
    while let Some(esc) = memchr::memchr(0x1b, rest) {
        if !printable(&rest[..esc]) {
            return false;
        }
        out.extend_from_slice(&rest[..esc]);
        let seq = &rest[esc + 1..];
        let Some(params) = seq.strip_prefix(b"[") else {
            return false;
        };
        let len = params
            .iter()
            .take_while(|b| b.is_ascii_digit() || **b == b';' || **b == b':')
            .count();
        if params.get(len) != Some(&b'm') {
            return false;
        }
        rest = &params[len + 1..];
    }
    if !printable(rest) {
        return false;
    }
    out.extend_from_slice(rest);
    true
}

/// Bytes as shown: trailing blanks trimmed (they are invisible).
pub fn trim_blanks(bytes: &[u8]) -> &str {
    let end = bytes.iter().rposition(|&b| b != b' ').map_or(0, |p| p + 1);
    std::str::from_utf8(&bytes[..end]).unwrap_or_default()
}

/// Renders `data` into lines (a partial last line included): for tests and
/// small inputs.
#[cfg(test)]
pub fn lines(data: &[u8], ansi: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut r = Renderer::new(ansi);
    let mut push = |l: &str| -> Result<(), ()> {
        out.push(l.to_string());
        Ok(())
    };
    let _ = r.feed(data, &mut push);
    let _ = r.finish(&mut push);
    out
}

#[cfg(test)]
mod tests;
