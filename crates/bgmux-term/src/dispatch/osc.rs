//! OSC strings (xterm ctlseqs "Operating System Commands"): titles (0, 2),
//! hyperlinks (8, as specified by egmontkob's "Hyperlinks in terminal
//! emulators"), and the ones passed on as events: clipboard (52) and
//! notifications (9 from iTerm2/ConEmu, 777 from urxvt/VTE).
//!
//! vte splits the payload at every `;`; where the last field may itself
//! contain `;` (titles, URIs, bodies) the fields are joined back.

use crate::modes::Event;
use crate::screen::{Screen, MAX_TITLE};
use crate::style::Style;

/// Hyperlink URIs longer than this are ignored: a style carries its URI,
/// and 8 KiB is far beyond any real link (browsers stop near 2 KiB).
const MAX_URI: usize = 8192;

pub(super) fn dispatch(screen: &mut Screen, params: &[&[u8]]) {
    let Some((&command, rest)) = params.split_first() else {
        return;
    };
    screen.last_char = None;
    match command {
        b"0" | b"2" => set_title(screen, rest),
        b"8" => set_link(screen, rest),
        b"52" => clipboard(screen, rest),
        b"9" => notify_osc9(screen, rest),
        b"777" => notify_osc777(screen, rest),
        _ => {}
    }
}

/// The fields joined with `;` as lossy UTF-8.
fn joined(fields: &[&[u8]]) -> String {
    let bytes = fields.join(&b';');
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Removes control characters (a title is shown in a status line and must
/// not carry escape sequences) and caps the length.
fn sanitized(text: String) -> String {
    let mut out: String = text.chars().filter(|c| !c.is_control()).collect();
    if out.len() > MAX_TITLE {
        let mut end = MAX_TITLE;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
    out
}

fn set_title(screen: &mut Screen, fields: &[&[u8]]) {
    let title = sanitized(joined(fields));
    screen.title.clone_from(&title);
    screen.event(Event::Title(title));
}

/// OSC 8 `;params;URI`: starts a link, or ends it when the URI is empty.
fn set_link(screen: &mut Screen, fields: &[&[u8]]) {
    let uri = joined(fields.get(1..).unwrap_or_default());
    let link = match uri.len() {
        0 => None,
        1..=MAX_URI if uri.chars().all(|c| !c.is_control()) => Some(uri.into()),
        _ => return,
    };
    let style = Style {
        link,
        ..screen.pen.style()
    };
    screen.set_pen(style);
}

/// OSC 52 `;selection;base64`: passed on; queries (`?`) are not answered
/// because the emulator has no clipboard.
fn clipboard(screen: &mut Screen, fields: &[&[u8]]) {
    let selection = String::from_utf8_lossy(fields.first().copied().unwrap_or_default());
    let data = joined(fields.get(1..).unwrap_or_default());
    if data == "?" {
        return;
    }
    let selection = sanitized(selection.into_owned());
    screen.event(Event::Clipboard { selection, data });
}

/// OSC 9 `;body`. ConEmu's `OSC 9 ; 4 ; …` progress reports (and its
/// other numbered subcommands) are not notifications and are ignored.
fn notify_osc9(screen: &mut Screen, fields: &[&[u8]]) {
    if fields.len() > 1 && fields[0].iter().all(u8::is_ascii_digit) {
        return;
    }
    let body = sanitized(joined(fields));
    screen.event(Event::Notify {
        title: String::new(),
        body,
    });
}

/// OSC 777 `;notify;title;body`.
fn notify_osc777(screen: &mut Screen, fields: &[&[u8]]) {
    if fields.first() != Some(&&b"notify"[..]) {
        return;
    }
    let title = sanitized(joined(fields.get(1..2).unwrap_or_default()));
    let body = sanitized(joined(fields.get(2..).unwrap_or_default()));
    screen.event(Event::Notify { title, body });
}
