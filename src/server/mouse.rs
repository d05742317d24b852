//! The mouse: reports from the outer terminal (xterm ctlseqs, "Mouse
//! Tracking": SGR 1006 `CSI < b ; x ; y M/m` and the X10 `CSI M b x y`),
//! what they do — a click focuses a pane, the wheel scrolls into review mode
//! when the task has not asked for the mouse — and re-encoding a report for
//! a task in its own pane's coordinates and the encoding it asked for.

use bgmux_term::{Modes, MouseMode};

use super::client::Mode;
use super::keys::Key;
use super::{ConnId, Server};

/// One mouse report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MouseEvent {
    /// The button code (xterm's `Cb` without the X10 offset of 32).
    pub code: u16,
    /// Column, 0-based, on the client's terminal.
    pub col: u16,
    /// Row, 0-based, on the client's terminal.
    pub row: u16,
    /// A button release (SGR `m`; X10 button 3).
    pub release: bool,
}

impl MouseEvent {
    /// Wheel up (`Some(true)`) or down (`Some(false)`), if it is the wheel.
    pub fn wheel(&self) -> Option<bool> {
        (self.code & 64 != 0).then_some(self.code & 1 == 0)
    }

    /// A plain press of a button (not motion, not the wheel, not a release).
    pub fn is_press(&self) -> bool {
        !self.release && self.code & (32 | 64) == 0 && self.code & 3 != 3
    }

    /// Motion with or without a button.
    pub fn is_motion(&self) -> bool {
        self.code & 32 != 0
    }

    /// Encodes the report at (`col`, `row`) for a task with `modes`, or
    /// `None` if the task does not want it.
    pub fn encode(&self, col: u16, row: u16, modes: Modes) -> Option<Vec<u8>> {
        let wanted = match modes.mouse {
            MouseMode::None => false,
            MouseMode::Press => !self.is_motion(),
            MouseMode::Button => !self.is_motion() || self.code & 3 != 3,
            MouseMode::Any => true,
        };
        if !wanted {
            return None;
        }
        if modes.mouse_sgr {
            let end = if self.release { 'm' } else { 'M' };
            return Some(format!("\x1b[<{};{};{}{end}", self.code, col + 1, row + 1).into_bytes());
        }
        let code = if self.release { 3 } else { self.code };
        let bytes = [code + 32, col + 33, row + 33];
        if bytes.iter().any(|b| *b > 255) {
            return None;
        }
        Some([b"\x1b[M".as_slice(), &bytes.map(|b| b as u8)].concat())
    }
}

/// Parses a mouse report at the start of `input`: the event and its length.
pub fn parse(input: &[u8]) -> Option<(MouseEvent, usize)> {
    if let Some(rest) = input.strip_prefix(b"\x1b[<") {
        let end = rest.iter().position(|b| *b == b'M' || *b == b'm')?;
        let text = std::str::from_utf8(&rest[..end]).ok()?;
        let mut nums = text.split(';').map(|n| n.parse::<u16>().ok());
        let (code, x, y) = (nums.next()??, nums.next()??, nums.next()??);
        let ev = MouseEvent {
            code,
            col: x.saturating_sub(1),
            row: y.saturating_sub(1),
            release: rest[end] == b'm',
        };
        return Some((ev, 3 + end + 1));
    }
    let rest = input.strip_prefix(b"\x1b[M")?;
    let [b, x, y] = rest.get(..3)?.try_into().ok()?;
    let code = u16::from(b).saturating_sub(32);
    let release = code & 3 == 3 && code & (32 | 64) == 0;
    let ev = MouseEvent {
        code,
        col: u16::from(x).saturating_sub(33),
        row: u16::from(y).saturating_sub(33),
        release,
    };
    Some((ev, 6))
}

impl Server {
    /// A mouse report from client `conn` in normal mode.
    pub(super) fn on_mouse(&mut self, conn: ConnId, ev: MouseEvent) {
        let Some(client) = self.clients.get(&conn) else {
            return;
        };
        let placed = client.placed();
        let inside = |r: bgmux_term::Rect| {
            ev.row >= r.row && ev.row < r.row + r.rows && ev.col >= r.col && ev.col < r.col + r.cols
        };
        let Some(pane) = placed.iter().find(|p| inside(p.outer)).copied() else {
            return;
        };
        let modes = self
            .tasks
            .get(&pane.task)
            .map(|t| t.term.modes())
            .unwrap_or_default();
        if ev.is_press() && pane.index != client.focus {
            if let Some(client) = self.clients.get_mut(&conn) {
                client.focus = pane.index;
            }
            return self.view_changed(conn);
        }
        if modes.mouse == MouseMode::None {
            if ev.wheel() == Some(true) && pane.index == client.focus {
                self.open_review(conn, false);
                self.mode_key(conn, Key::Mouse(ev));
            }
            return;
        }
        if pane.index != client.focus || !inside(pane.inner) {
            return;
        }
        if let Some(bytes) = ev.encode(ev.col - pane.inner.col, ev.row - pane.inner.row, modes) {
            let ctl = self.senders.ctl.clone();
            if let Some(task) = self.tasks.get_mut(&pane.task) {
                task.write(&bytes, &ctl);
            }
        }
    }

    /// Does client `conn`'s outer terminal report the mouse even when the
    /// focused task has not asked (config `mouse`, or review mode)?
    pub(super) fn wants_mouse(&self, conn: ConnId) -> bool {
        self.config.mouse()
            || self
                .clients
                .get(&conn)
                .is_some_and(|c| matches!(c.mode, Mode::Review(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgr_and_x10_reports_parse() {
        let (ev, n) = parse(b"\x1b[<0;12;5Mrest").unwrap();
        assert_eq!(
            (ev, n),
            (
                MouseEvent {
                    code: 0,
                    col: 11,
                    row: 4,
                    release: false
                },
                10
            )
        );
        assert!(ev.is_press());
        let (ev, _) = parse(b"\x1b[<64;1;1M").unwrap();
        assert_eq!(ev.wheel(), Some(true));
        let (ev, n) = parse(b"\x1b[M #!").unwrap();
        assert_eq!((ev.code, ev.col, ev.row, n), (0, 2, 0, 6));
        assert_eq!(parse(b"\x1b[A"), None);
    }

    #[test]
    fn reports_are_reencoded_for_the_task() {
        let ev = MouseEvent {
            code: 0,
            col: 50,
            row: 10,
            release: false,
        };
        let sgr = Modes {
            mouse: MouseMode::Press,
            mouse_sgr: true,
            ..Modes::default()
        };
        assert_eq!(ev.encode(9, 3, sgr).unwrap(), b"\x1b[<0;10;4M");
        let x10 = Modes {
            mouse: MouseMode::Press,
            ..Modes::default()
        };
        assert_eq!(ev.encode(9, 3, x10).unwrap(), b"\x1b[M *$");
        let motion = MouseEvent { code: 35, ..ev };
        assert_eq!(motion.encode(1, 1, x10), None, "mode 1000 wants no motion");
        assert_eq!(ev.encode(1, 1, Modes::default()), None);
    }
}
