//! SM/RM (ANSI modes) and DECSET/DECRST (DEC private modes): one table of
//! the modes this emulator knows, used both to set them and to answer
//! DECRQM about them (`reply.rs`).

use crate::modes::MouseMode;
use crate::screen::{AltKind, Screen};

/// SM/RM: IRM (4) and LNM (20); others are ignored.
pub(super) fn set_ansi(screen: &mut Screen, code: u16, on: bool) {
    match code {
        4 => screen.flags.insert = on,
        20 => screen.flags.newline = on,
        _ => {}
    }
}

/// The state of an ANSI mode, `None` if unknown (for DECRQM).
pub(super) fn ansi_state(screen: &Screen, code: u16) -> Option<bool> {
    match code {
        4 => Some(screen.flags.insert),
        20 => Some(screen.flags.newline),
        _ => None,
    }
}

/// DECSET/DECRST (xterm ctlseqs, "DEC Private Mode Set").
pub(super) fn set_private(screen: &mut Screen, code: u16, on: bool) {
    screen.changed = true;
    let modes = &mut screen.modes;
    match code {
        1 => modes.app_cursor = on,
        6 => {
            screen.flags.origin = on;
            screen.goto(0, 0);
        }
        7 => screen.flags.autowrap = on,
        25 => screen.flags.cursor_visible = on,
        9 | 1000 => set_mouse(screen, MouseMode::Press, on),
        1002 => set_mouse(screen, MouseMode::Button, on),
        1003 => set_mouse(screen, MouseMode::Any, on),
        1004 => modes.focus_events = on,
        1006 => modes.mouse_sgr = on,
        2004 => modes.bracketed_paste = on,
        47 => switch(screen, AltKind::Plain, on),
        1047 => switch(screen, AltKind::Clear, on),
        1049 => switch(screen, AltKind::SaveCursor, on),
        1048 if on => screen.save_cursor(),
        1048 => screen.restore_cursor(),
        _ => {}
    }
}

/// The state of a DEC private mode, `None` if unknown (for DECRQM).
pub(super) fn private_state(screen: &Screen, code: u16) -> Option<bool> {
    let modes = &screen.modes;
    Some(match code {
        1 => modes.app_cursor,
        6 => screen.flags.origin,
        7 => screen.flags.autowrap,
        25 => screen.flags.cursor_visible,
        9 | 1000 => modes.mouse == MouseMode::Press,
        1002 => modes.mouse == MouseMode::Button,
        1003 => modes.mouse == MouseMode::Any,
        1004 => modes.focus_events,
        1006 => modes.mouse_sgr,
        2004 => modes.bracketed_paste,
        47 | 1047 | 1049 => modes.alt_screen,
        _ => return None,
    })
}

/// The mouse modes are one setting (xterm): setting one replaces the
/// other; resetting one turns tracking off only if it is the one active.
fn set_mouse(screen: &mut Screen, mode: MouseMode, on: bool) {
    if on {
        screen.modes.mouse = mode;
    } else if screen.modes.mouse == mode {
        screen.modes.mouse = MouseMode::None;
    }
}

fn switch(screen: &mut Screen, kind: AltKind, on: bool) {
    if on {
        screen.enter_alt(kind);
    } else {
        screen.leave_alt(kind);
    }
}
