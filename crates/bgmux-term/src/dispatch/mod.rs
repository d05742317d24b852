//! The bridge from the `vte` parser to the screen: `vte::Perform` for
//! [`Screen`], the ESC sequences and DCS strings. CSI is `csi.rs` (SGR in
//! `sgr.rs`, modes in `modes.rs`), OSC `osc.rs`, query answers `reply.rs`.
//!
//! Departures from the DEC parser (Paul Williams' state machine, which vte
//! implements): C1 controls are ignored (in UTF-8 their bytes are
//! continuation bytes; xterm also ignores them by default), DEL is ignored
//! everywhere, and only DECRQSS among DCS strings is acted on.

mod csi;
mod modes;
mod osc;
mod params;
mod reply;
mod sgr;

pub(crate) use params::Params;
use vte::Perform;

use crate::screen::{Charset, Screen};

/// DCS payloads longer than this are not collected (only DECRQSS is
/// understood, and its payload is a few bytes).
const MAX_DCS: usize = 64;

impl Perform for Screen {
    fn print(&mut self, c: char) {
        self.print_char(c);
        self.printed = true;
    }

    fn execute(&mut self, byte: u8) {
        // CAN and SUB abort any sequence: the parser is in ground after.
        if byte == 0x18 || byte == 0x1a {
            self.seq_done = true;
        }
        if !self.aborting && byte < 0x20 {
            self.control(byte);
        }
    }

    fn csi_dispatch(
        &mut self,
        params: &vte::Params,
        intermediates: &[u8],
        ignore: bool,
        action: char,
    ) {
        self.seq_done = true;
        if !ignore {
            csi::dispatch(self, &Params::from_vte(params), intermediates, action);
        }
    }

    fn esc_dispatch(&mut self, intermediates: &[u8], ignore: bool, byte: u8) {
        self.seq_done = true;
        if !ignore {
            esc(self, intermediates, byte);
        }
    }

    fn osc_dispatch(&mut self, params: &[&[u8]], bell_terminated: bool) {
        // Terminated by ESC, the parser is in the escape state (ST's `\`
        // follows); by BEL it is in ground.
        if bell_terminated {
            self.seq_done = true;
        }
        if !self.aborting {
            osc::dispatch(self, params);
        }
    }

    fn hook(&mut self, _params: &vte::Params, intermediates: &[u8], ignore: bool, action: char) {
        self.dcs = (!ignore && intermediates == b"$" && action == 'q').then(Vec::new);
    }

    fn put(&mut self, byte: u8) {
        if let Some(buf) = self.dcs.as_mut().filter(|b| b.len() < MAX_DCS) {
            buf.push(byte);
        }
    }

    fn unhook(&mut self) {
        if let Some(request) = self.dcs.take() {
            if !self.aborting {
                reply::status_string(self, &request);
            }
        }
    }

    fn terminated(&self) -> bool {
        self.seq_done
    }
}

/// A CSI sequence without private marker or intermediates, parsed by the
/// parser's fast path (it skips vte for `CSI digits;digits final`).
pub(crate) fn csi_plain(screen: &mut Screen, params: &Params, action: u8) {
    csi::dispatch(screen, params, &[], char::from(action));
}

/// ESC sequences (ECMA-48 Fe/Fp, SCS, DECALN).
fn esc(screen: &mut Screen, intermediates: &[u8], byte: u8) {
    screen.last_char = None;
    screen.changed = true;
    match (intermediates, byte) {
        ([], b'7') => screen.save_cursor(),
        ([], b'8') => screen.restore_cursor(),
        ([], b'D') => screen.index(),
        ([], b'E') => {
            screen.carriage_return();
            screen.index();
        }
        ([], b'H') => screen.set_tab(),
        ([], b'M') => screen.reverse_index(),
        ([], b'c') => screen.full_reset(),
        ([], b'=') => screen.modes.app_keypad = true,
        ([], b'>') => screen.modes.app_keypad = false,
        ([b'#'], b'8') => screen.align_test(),
        ([b'('], set) => screen.g[0] = charset(set),
        ([b')'], set) => screen.g[1] = charset(set),
        _ => {}
    }
}

/// SCS final bytes: `0` DEC Special Graphics, `A` UK, anything else ASCII.
fn charset(byte: u8) -> Charset {
    match byte {
        b'0' => Charset::DecGraphics,
        b'A' => Charset::Uk,
        _ => Charset::Ascii,
    }
}
