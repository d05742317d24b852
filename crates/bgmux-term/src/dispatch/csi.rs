//! CSI sequences (ECMA-48 §8.3, xterm ctlseqs "Functions using CSI"),
//! routed by their private marker and intermediates.
//!
//! Parameters arrive as `u16` (saturated by vte or the fast path), so no count can
//! overflow; every count is further clamped by the operation it drives
//! (a cursor never leaves the screen, an insert never exceeds the row).

use super::params::Params;
use super::{modes, reply, sgr};
use crate::modes::CursorShape;
use crate::screen::Screen;

/// Parameter `i` (its first sub-parameter), or `default` when it is
/// absent or 0 (ECMA-48: a zero parameter means the default).
pub(super) fn arg(params: &Params, i: usize, default: u16) -> u16 {
    match params.iter().nth(i).and_then(|p| p.first()) {
        None | Some(0) => default,
        Some(&v) => v,
    }
}

/// Parameter `i` as a raw value (0 when absent): for selective parameters
/// such as ED's, where 0 is a value, not "the default".
fn raw(params: &Params, i: usize) -> u16 {
    params
        .iter()
        .nth(i)
        .and_then(|p| p.first())
        .copied()
        .unwrap_or(0)
}

/// The first sub-parameter of a parameter (0 if empty).
fn first(param: &[u16]) -> u16 {
    param.first().copied().unwrap_or(0)
}

/// A count parameter (default 1).
fn count(params: &Params) -> usize {
    usize::from(arg(params, 0, 1))
}

pub(super) fn dispatch(screen: &mut Screen, params: &Params, intermediates: &[u8], action: char) {
    match (intermediates, action) {
        ([], _) => plain(screen, params, action),
        ([b'?'], _) => private(screen, params, action),
        ([b'>'], 'c') => reply::secondary_attributes(screen),
        ([b'>'], 'q') => reply::version(screen),
        ([b' '], 'q') => {
            if let Some(shape) = CursorShape::from_code(raw(params, 0)) {
                screen.flags.shape = shape;
                screen.changed = true;
            }
        }
        ([b'!'], 'p') => screen.soft_reset(),
        ([b'$'], 'p') => reply::mode_report(screen, false, raw(params, 0)),
        ([b'?', b'$'], 'p') => reply::mode_report(screen, true, raw(params, 0)),
        _ => {}
    }
}

/// CSI sequences without a private marker or intermediates.
fn plain(screen: &mut Screen, params: &Params, action: char) {
    if action == 'm' {
        // SGR is the most frequent sequence of all; it changes nothing
        // visible by itself and keeps REP's last character.
        sgr::apply(screen, params);
        return;
    }
    let n = count(params);
    // Queries change nothing visible.
    screen.changed |= !matches!(action, 'c' | 'n' | 't');
    match action {
        '@' => screen.insert_chars(n),
        'A' => screen.up(n),
        'B' | 'e' => screen.down(n),
        'C' | 'a' => screen.right(n),
        'D' => screen.left(n),
        'E' => {
            screen.down(n);
            screen.carriage_return();
        }
        'F' => {
            screen.up(n);
            screen.carriage_return();
        }
        'G' | '`' => screen.goto_col(n - 1),
        'H' | 'f' => screen.goto(n - 1, usize::from(arg(params, 1, 1)) - 1),
        'I' => screen.tab_forward(n),
        'J' => screen.erase_display(raw(params, 0)),
        'K' => screen.erase_line(raw(params, 0)),
        'L' => screen.insert_lines(n),
        'M' => screen.delete_lines(n),
        'P' => screen.delete_chars(n),
        // SU/SD; xterm's five-parameter `CSI T` is mouse highlighting.
        'S' => screen.scroll_up(n),
        'T' if params.len() < 5 => screen.scroll_down(n),
        'X' => screen.erase_chars(n),
        'Z' => screen.tab_backward(n),
        // REP, clamped to one screenful as tmux does.
        'b' => screen.repeat(n.min(screen.rows * screen.cols)),
        'c' if raw(params, 0) == 0 => reply::primary_attributes(screen),
        'd' => screen.goto_row(n - 1),
        'g' => screen.clear_tabs(raw(params, 0)),
        'h' => params
            .iter()
            .for_each(|p| modes::set_ansi(screen, first(p), true)),
        'l' => params
            .iter()
            .for_each(|p| modes::set_ansi(screen, first(p), false)),
        'n' => reply::status_report(screen, raw(params, 0), false),
        'r' => screen.set_region(usize::from(raw(params, 0)), usize::from(raw(params, 1))),
        's' => screen.save_cursor(),
        'u' => screen.restore_cursor(),
        't' => reply::window_report(screen, raw(params, 0)),
        _ => {}
    }
    if action != 'b' {
        screen.last_char = None;
    }
}

/// DEC private CSI sequences (`CSI ? …`).
fn private(screen: &mut Screen, params: &Params, action: char) {
    match action {
        'h' => params
            .iter()
            .for_each(|p| modes::set_private(screen, first(p), true)),
        'l' => params
            .iter()
            .for_each(|p| modes::set_private(screen, first(p), false)),
        // DECSED / DECSEL: selective erase; nothing is protected here
        // (DECSCA is not supported), so they erase like ED / EL.
        'J' => screen.erase_display(raw(params, 0)),
        'K' => screen.erase_line(raw(params, 0)),
        'n' => reply::status_report(screen, raw(params, 0), true),
        _ => {}
    }
}
