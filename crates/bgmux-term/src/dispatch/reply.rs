//! Answers to terminal queries, written to the reply buffer the caller
//! sends back to the pty, so a program that probes its terminal gets an
//! answer even when no client is attached (xterm ctlseqs for each).

use std::fmt::Write;

use super::modes::{ansi_state, private_state};
use crate::screen::Screen;
use crate::sgr_write::sgr_params;

/// DA1 (`CSI c`): a VT220 with ANSI colour (62 = VT220, 22 = colour), the
/// level programs need to use colour and the VT220 editing functions.
pub(super) fn primary_attributes(screen: &mut Screen) {
    screen.reply(b"\x1b[?62;22c");
}

/// DA2 (`CSI > c`): terminal type 84 ('T'), version 0, as tmux answers, so
/// programs treat us like the multiplexer we are rather than a real xterm.
pub(super) fn secondary_attributes(screen: &mut Screen) {
    screen.reply(b"\x1b[>84;0;0c");
}

/// XTVERSION (`CSI > q`): `DCS > | name version ST`.
pub(super) fn version(screen: &mut Screen) {
    let reply = format!("\x1bP>|bgmux-term {}\x1b\\", env!("CARGO_PKG_VERSION"));
    screen.reply(reply.as_bytes());
}

/// DSR (`CSI n`) and DECDSR (`CSI ? n`): 5 = status (always OK), 6 = cursor
/// position (CPR, 1-based, relative to the region under DECOM).
pub(super) fn status_report(screen: &mut Screen, code: u16, private: bool) {
    match code {
        5 if !private => screen.reply(b"\x1b[0n"),
        6 => {
            let top = if screen.flags.origin { screen.top } else { 0 };
            let (row, col) = (screen.row - top + 1, screen.col + 1);
            let reply = if private {
                format!("\x1b[?{row};{col};1R")
            } else {
                format!("\x1b[{row};{col}R")
            };
            screen.reply(reply.as_bytes());
        }
        _ => {}
    }
}

/// DECRQM (`CSI Ps $ p`, `CSI ? Ps $ p`): `CSI [?] Ps ; Pm $ y` with Pm =
/// 1 set, 2 reset, 0 not recognised.
pub(super) fn mode_report(screen: &mut Screen, private: bool, code: u16) {
    let state = if private {
        private_state(screen, code)
    } else {
        ansi_state(screen, code)
    };
    let value = match state {
        Some(true) => 1,
        Some(false) => 2,
        None => 0,
    };
    let marker = if private { "?" } else { "" };
    let reply = format!("\x1b[{marker}{code};{value}$y");
    screen.reply(reply.as_bytes());
}

/// XTWINOPS reports (`CSI Ps t`): 18 = text area size in characters.
/// Other window operations are a client's business and are ignored.
pub(super) fn window_report(screen: &mut Screen, code: u16) {
    if code == 18 {
        let reply = format!("\x1b[8;{};{}t", screen.rows, screen.cols);
        screen.reply(reply.as_bytes());
    }
}

/// DECRQSS (`DCS $ q Pt ST`): answers for SGR (`m`), DECSTBM (`r`) and
/// DECSCUSR (` q`); anything else gets the "invalid request" answer.
pub(super) fn status_string(screen: &mut Screen, request: &[u8]) {
    let mut body = String::new();
    let valid = match request {
        b"m" => {
            body.push('0');
            sgr_params(&screen.pen.style(), &mut body);
            body.push('m');
            true
        }
        b"r" => write!(body, "{};{}r", screen.top + 1, screen.bottom + 1).is_ok(),
        b" q" => write!(body, "{} q", screen.flags.shape.code()).is_ok(),
        _ => false,
    };
    let reply = format!("\x1bP{}$r{body}\x1b\\", u8::from(valid));
    screen.reply(reply.as_bytes());
}
