//! Bytes to screen operations: our own ground-state fast path in front of
//! the `vte` parser, and the caps that keep any input bounded.
//!
//! In the ground state (which is where text is), bytes are handled here
//! directly: runs of printable ASCII go to the row in one call, C0 controls
//! are executed, UTF-8 is decoded (a character split across two `advance`
//! calls is carried over). Only from an ESC on are bytes handed to vte,
//! through `advance_until_terminated`, which stops right after the sequence
//! completes (CSI/ESC dispatch, OSC ended by BEL, CAN/SUB), so the next
//! text takes the fast path again. vte's own ground handling is used only
//! after a sequence that ends silently (a CSI vte ignores, a DCS ended by
//! C1 ST): then bytes stay with vte until the next sequence completes, which
//! is correct, only slower.
//!
//! Bounds: vte (with `std`) buffers an OSC string without limit, so a
//! sequence longer than [`MAX_SEQUENCE`] bytes is aborted by feeding vte a
//! CAN (its dispatch suppressed), and the rest of the string is skipped
//! up to its terminator (BEL, CAN, SUB, or ESC, which starts the next
//! sequence). After any long sequence the vte parser is replaced, which
//! frees its buffer.
//!
//! The most common sequences, plain `CSI digits;digits final` (SGR, cursor
//! motion, erase), are parsed right here too (`fast_csi`) when they are
//! complete in the input; anything else, or a sequence cut by the end of
//! the input, goes to vte.
//!
//! Behaviour matches vte's own ground state, except that C1 controls and
//! DEL are ignored rather than executed or printed (see `dispatch/mod.rs`).

use crate::dispatch::{self, Params};
use crate::screen::Screen;

/// The longest escape sequence or control string accepted, in bytes. OSC 52
/// clipboard payloads are the only long strings real programs send.
pub(crate) const MAX_SEQUENCE: usize = 1 << 20;
/// After a sequence longer than this, vte's buffer is given back.
const SHRINK_AFTER: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Ground state, handled here.
    Ground,
    /// Inside an escape sequence, handled by vte.
    Sequence,
    /// Skipping the rest of an aborted, oversized string.
    Skip,
}

/// See the file comment.
pub(crate) struct Parser {
    vte: vte::Parser,
    mode: Mode,
    /// Bytes given to vte since the current sequence started.
    seq_len: usize,
    /// A UTF-8 character cut by the end of the previous input.
    utf8: [u8; 4],
    utf8_len: usize,
}

impl std::fmt::Debug for Parser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parser")
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

/// The length of the run of printable ASCII (0x20..=0x7e) `bytes` starts
/// with; this is the hottest loop of all. Eight bytes at a time as one
/// `u64` (SWAR): a byte below 0x20 borrows into its high bit, a byte of
/// 0x7f or more has it set once 1 is added, and the lowest flagged byte is
/// the exact answer (a borrow or carry only reaches bytes above one that is
/// flagged itself). An early exit inside each word finds the end of the
/// short runs of coloured output as cheaply as the long runs of plain text.
#[inline]
fn printable_run(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut n = 0;
    while let Some(word) = bytes.get(n..n + 8) {
        let mut le = [0u8; 8];
        le.copy_from_slice(word);
        let x = u64::from_le_bytes(le);
        let below = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
        let above = (x.wrapping_add(ONES) | x) & HIGH;
        let flagged = below | above;
        if flagged != 0 {
            return n + (flagged.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + bytes[n..]
        .iter()
        .position(|&b| b.wrapping_sub(0x20) > 0x5e)
        .unwrap_or(bytes.len() - n)
}

/// The CSI fast path: `ESC [ digits ; digits … final` (no private marker,
/// sub-parameters, intermediates or embedded controls), complete in
/// `bytes`, is parsed and dispatched here, exactly as vte would (values
/// saturate at 65535, an empty parameter is 0, more than 32 parameters go
/// to vte, which ignores the sequence). SGR and cursor motion, most of what
/// programs send, take this path. Returns the bytes consumed, or `None` to
/// hand the sequence to vte.
#[inline]
fn fast_csi(screen: &mut Screen, bytes: &[u8]) -> Option<usize> {
    if bytes.get(1) != Some(&b'[') {
        return None;
    }
    let mut params = Params::default();
    let mut value: u16 = 0;
    for (i, &b) in bytes.iter().enumerate().skip(2) {
        match b {
            b'0'..=b'9' => value = value.saturating_mul(10).saturating_add(u16::from(b - b'0')),
            b';' => {
                if !params.push(value, false) {
                    return None;
                }
                value = 0;
            }
            0x40..=0x7e => {
                if !params.push(value, false) {
                    return None;
                }
                dispatch::csi_plain(screen, &params, b);
                return Some(i + 1);
            }
            _ => return None,
        }
    }
    None
}

impl Parser {
    pub fn new() -> Parser {
        Parser {
            vte: vte::Parser::new(),
            mode: Mode::Ground,
            seq_len: 0,
            utf8: [0; 4],
            utf8_len: 0,
        }
    }

    /// Heap bytes held (vte's buffer is at most [`MAX_SEQUENCE`]; its
    /// capacity is not visible, so this counts what it may hold now).
    pub fn heap_bytes(&self) -> usize {
        self.seq_len
    }

    /// Feeds `bytes` to the screen. Never panics, never buffers more than
    /// [`MAX_SEQUENCE`] bytes.
    pub fn advance(&mut self, screen: &mut Screen, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            let rest = &bytes[i..];
            i += match self.mode {
                Mode::Ground => self.ground(screen, rest),
                Mode::Sequence => self.sequence(screen, rest),
                Mode::Skip => self.skip(rest),
            };
        }
    }

    /// Handles ground-state bytes until an ESC (not consumed; the mode
    /// switches to `Sequence`) or the end. Returns bytes consumed.
    fn ground(&mut self, screen: &mut Screen, bytes: &[u8]) -> usize {
        if self.utf8_len > 0 {
            return self.finish_utf8(screen, bytes);
        }
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                0x20..=0x7e => {
                    let end = i + printable_run(&bytes[i..]);
                    screen.print_ascii(&bytes[i..end]);
                    i = end;
                }
                0x1b => {
                    if let Some(n) = fast_csi(screen, &bytes[i..]) {
                        i += n;
                        continue;
                    }
                    self.mode = Mode::Sequence;
                    self.seq_len = 0;
                    return i;
                }
                0x00..=0x1f => {
                    screen.control(b);
                    i += 1;
                }
                0x7f => i += 1,
                _ => i += self.utf8_run(screen, &bytes[i..]),
            }
        }
        i
    }

    /// Decodes a run of non-ASCII bytes. Invalid sequences print U+FFFD
    /// (one per maximal invalid subpart, as `str::from_utf8` reports them);
    /// an incomplete character at the very end is kept for the next call.
    fn utf8_run(&mut self, screen: &mut Screen, bytes: &[u8]) -> usize {
        let end = bytes.iter().position(|&b| b < 0x80).unwrap_or(bytes.len());
        let run = &bytes[..end];
        let mut replace = false;
        let (valid, consumed) = match std::str::from_utf8(run) {
            Ok(text) => (text, run.len()),
            Err(e) => {
                let valid = e.valid_up_to();
                // `from_utf8` just validated this prefix; it cannot fail.
                let text = std::str::from_utf8(&run[..valid]).unwrap_or_default();
                match e.error_len() {
                    // A lone byte 0x80..=0x9f is a C1 control to vte, and
                    // C1 controls are ignored.
                    Some(1) if run[valid] <= 0x9f => (text, valid + 1),
                    Some(n) => {
                        replace = true;
                        (text, valid + n)
                    }
                    None if end == bytes.len() => {
                        let tail = &run[valid..];
                        self.utf8[..tail.len()].copy_from_slice(tail);
                        self.utf8_len = tail.len();
                        (text, run.len())
                    }
                    None => {
                        replace = true;
                        (text, run.len())
                    }
                }
            }
        };
        valid.chars().for_each(|c| screen.print_char(c));
        if replace {
            screen.print_char(char::REPLACEMENT_CHARACTER);
        }
        consumed
    }

    /// Completes a character split across inputs, one byte at a time.
    fn finish_utf8(&mut self, screen: &mut Screen, bytes: &[u8]) -> usize {
        for (i, &b) in bytes.iter().enumerate() {
            self.utf8[self.utf8_len] = b;
            match std::str::from_utf8(&self.utf8[..=self.utf8_len]) {
                Ok(text) => {
                    text.chars().for_each(|c| screen.print_char(c));
                    self.utf8_len = 0;
                    return i + 1;
                }
                Err(e) if e.error_len().is_none() && self.utf8_len < 3 => self.utf8_len += 1,
                Err(_) => {
                    // Not a continuation: the cut character is invalid and
                    // this byte is handled afresh.
                    screen.print_char(char::REPLACEMENT_CHARACTER);
                    self.utf8_len = 0;
                    return i;
                }
            }
        }
        bytes.len()
    }

    /// Feeds vte until the current sequence completes or the input ends.
    fn sequence(&mut self, screen: &mut Screen, bytes: &[u8]) -> usize {
        let budget = MAX_SEQUENCE.saturating_sub(self.seq_len).max(1);
        let chunk = &bytes[..bytes.len().min(budget)];
        screen.seq_done = false;
        screen.printed = false;
        let n = self.vte.advance_until_terminated(screen, chunk);
        self.seq_len += n;
        if screen.printed {
            // vte printed text, so it was in its ground state: no string
            // is pending (a later one started within this chunk is at
            // most `n` bytes long, so the bound stays within 2x).
            self.seq_len = 0;
        }
        if screen.seq_done {
            self.mode = Mode::Ground;
            if self.seq_len > SHRINK_AFTER {
                self.vte = vte::Parser::new();
            }
            self.seq_len = 0;
        } else if self.seq_len >= MAX_SEQUENCE {
            screen.aborting = true;
            self.vte.advance(screen, &[0x18]);
            screen.aborting = false;
            self.vte = vte::Parser::new();
            self.mode = Mode::Skip;
            self.seq_len = 0;
        }
        n
    }

    /// Skips an aborted string up to its terminator.
    fn skip(&mut self, bytes: &[u8]) -> usize {
        match bytes
            .iter()
            .position(|&b| matches!(b, 0x07 | 0x18 | 0x1a | 0x1b))
        {
            None => bytes.len(),
            Some(at) if bytes[at] == 0x1b => {
                self.mode = Mode::Sequence;
                at
            }
            Some(at) => {
                self.mode = Mode::Ground;
                at + 1
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::printable_run;

    proptest::proptest! {
        /// The word-at-a-time scan agrees with the plain definition on any
        /// bytes, weighted towards the edges of the printable range.
        #[test]
        fn printable_run_finds_the_first_non_printable_byte(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    4 => 0x20u8..=0x7e,
                    1 => proptest::sample::select(vec![0x00u8, 0x1b, 0x1f, 0x7f, 0x80, 0xa0, 0xff]),
                    1 => proptest::num::u8::ANY,
                ],
                0..64,
            )
        ) {
            let want = bytes
                .iter()
                .position(|&b| !(0x20..=0x7e).contains(&b))
                .unwrap_or(bytes.len());
            proptest::prop_assert_eq!(printable_run(&bytes), want);
        }
    }
}
