//! Writing styles as escape sequences: the shortest SGR (and OSC 8) that
//! takes a terminal from one rendition to another. Used by frame rendering
//! and by the SGR-annotated text export; parsing SGR is `dispatch/sgr.rs`.
//!
//! Colours use the forms every xterm-compatible terminal reads: 30–37 and
//! 90–97 for the 16 ANSI colours, `38;5;n` and `38;2;r;g;b` otherwise.
//! Underline styles and colours use ITU T.416 colon sub-parameters (`4:3`,
//! `58:2::r:g:b`), which is how kitty, VTE, iTerm2 and xterm read them.

use crate::style::{Color, Style, Underline};

/// Appends `;p` for every parameter that sets `style` on top of SGR 0.
pub(crate) fn sgr_params(style: &Style, out: &mut String) {
    let mut bytes = b"0".to_vec();
    set_params(&Style::default(), style, &mut bytes);
    out.push_str(&String::from_utf8_lossy(&bytes[1..]));
}

/// Writes what changes a terminal's rendition from `from` to `to`.
pub(crate) fn write_transition(from: &Style, to: &Style, out: &mut Vec<u8>) {
    if from.link != to.link {
        out.extend_from_slice(b"\x1b]8;;");
        if let Some(uri) = &to.link {
            out.extend_from_slice(uri.as_bytes());
        }
        out.extend_from_slice(b"\x1b\\");
    }
    let (from, to) = (without_link(from), without_link(to));
    if from == to {
        return;
    }
    // Both forms are written, SGR 0 plus what `to` sets and the changes
    // only; the longer one is then cut away.
    let start = out.len();
    out.extend_from_slice(b"\x1b[0");
    set_params(&Style::default(), &to, out);
    out.push(b'm');
    let mid = out.len();
    out.extend_from_slice(b"\x1b[");
    if let Some(base) = off_params(&from, &to, out) {
        set_params(&base, &to, out);
        out.push(b'm');
        let end = out.len();
        if end - mid < mid - start {
            out.copy_within(mid..end, start);
            out.truncate(start + end - mid);
            return;
        }
    }
    out.truncate(mid);
}

/// The style without its hyperlink (which OSC 8 carries, not SGR), copied
/// without touching the link's reference count.
fn without_link(s: &Style) -> Style {
    Style {
        fg: s.fg,
        bg: s.bg,
        underline_color: s.underline_color,
        underline: s.underline,
        bold: s.bold,
        dim: s.dim,
        italic: s.italic,
        blink: s.blink,
        reverse: s.reverse,
        hidden: s.hidden,
        strike: s.strike,
        link: None,
    }
}

/// Appends the parameters turning off what `from` has and `to` lacks, and
/// returns the rendition after them; `None` when `to` is plain (SGR 0).
fn off_params(from: &Style, to: &Style, out: &mut Vec<u8>) -> Option<Style> {
    if to.is_default() {
        return None;
    }
    let mut base = from.clone();
    // SGR 22 clears both bold and dim; `set_params` restores the one kept.
    if (from.bold && !to.bold) || (from.dim && !to.dim) {
        param(out, 22);
        (base.bold, base.dim) = (false, false);
    }
    let flags = [
        (from.italic && !to.italic, 23, &mut base.italic),
        (from.blink && !to.blink, 25, &mut base.blink),
        (from.reverse && !to.reverse, 27, &mut base.reverse),
        (from.hidden && !to.hidden, 28, &mut base.hidden),
        (from.strike && !to.strike, 29, &mut base.strike),
    ];
    for (off, code, flag) in flags {
        if off {
            param(out, code);
            *flag = false;
        }
    }
    if from.underline != Underline::None && to.underline == Underline::None {
        param(out, 24);
        base.underline = Underline::None;
    }
    let colors = [
        (from.fg, to.fg, 39, &mut base.fg),
        (from.bg, to.bg, 49, &mut base.bg),
        (
            from.underline_color,
            to.underline_color,
            59,
            &mut base.underline_color,
        ),
    ];
    for (old, new, code, field) in colors {
        if old != Color::Default && new == Color::Default {
            param(out, code);
            *field = Color::Default;
        }
    }
    Some(base)
}

/// Appends the parameters setting what `to` has and `from` lacks (or has
/// differently). Colours and underline are set when they differ.
fn set_params(from: &Style, to: &Style, out: &mut Vec<u8>) {
    let ons = [
        (to.bold && !from.bold, 1),
        (to.dim && !from.dim, 2),
        (to.italic && !from.italic, 3),
        (to.blink && !from.blink, 5),
        (to.reverse && !from.reverse, 7),
        (to.hidden && !from.hidden, 8),
        (to.strike && !from.strike, 9),
    ];
    for (on, code) in ons {
        if on {
            param(out, code);
        }
    }
    if to.underline != from.underline && to.underline != Underline::None {
        param(out, 4);
        if to.underline != Underline::Single {
            out.push(b':');
            number(out, u32::from(to.underline.code()));
        }
    }
    if to.fg != from.fg && to.fg != Color::Default {
        color(out, to.fg, 30, 90, 38);
    }
    if to.bg != from.bg && to.bg != Color::Default {
        color(out, to.bg, 40, 100, 48);
    }
    if to.underline_color != from.underline_color {
        match to.underline_color {
            Color::Default => {}
            Color::Indexed(n) => {
                param(out, 58);
                out.extend_from_slice(b":5:");
                number(out, u32::from(n));
            }
            Color::Rgb(r, g, b) => {
                param(out, 58);
                out.extend_from_slice(b":2:");
                for v in [r, g, b] {
                    out.push(b':');
                    number(out, u32::from(v));
                }
            }
        }
    }
}

fn color(out: &mut Vec<u8>, color: Color, base: u32, bright: u32, extended: u32) {
    match color {
        Color::Default => {}
        Color::Indexed(n) if n < 8 => param(out, base + u32::from(n)),
        Color::Indexed(n) if n < 16 => param(out, bright + u32::from(n) - 8),
        Color::Indexed(n) => {
            param(out, extended);
            out.extend_from_slice(b";5;");
            number(out, u32::from(n));
        }
        Color::Rgb(r, g, b) => {
            param(out, extended);
            out.extend_from_slice(b";2");
            for v in [r, g, b] {
                out.push(b';');
                number(out, u32::from(v));
            }
        }
    }
}

/// Appends a parameter, with a `;` separator unless it is the first.
fn param(out: &mut Vec<u8>, value: u32) {
    if !out.is_empty() && out.last() != Some(&b'[') {
        out.push(b';');
    }
    number(out, value);
}

/// Appends a decimal number.
pub(crate) fn number(out: &mut Vec<u8>, value: u32) {
    let mut digits = [0u8; 10];
    let mut n = value;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transition(from: &Style, to: &Style) -> String {
        let mut out = Vec::new();
        write_transition(from, to, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn transitions_are_short() {
        let plain = Style::default();
        let red = Style {
            fg: Color::Indexed(1),
            ..Style::default()
        };
        let bold_red = Style {
            bold: true,
            ..red.clone()
        };
        assert_eq!(transition(&plain, &red), "\x1b[31m");
        assert_eq!(transition(&red, &bold_red), "\x1b[1m");
        assert_eq!(transition(&bold_red, &plain), "\x1b[0m");
        assert_eq!(transition(&bold_red, &red), "\x1b[22m");
        let both = Style {
            dim: true,
            ..bold_red.clone()
        };
        assert_eq!(
            transition(
                &both,
                &Style {
                    bold: false,
                    ..both.clone()
                }
            ),
            "\x1b[22;2m"
        );
        let curly = Style {
            underline: Underline::Curly,
            fg: Color::Rgb(1, 2, 3),
            ..plain.clone()
        };
        assert_eq!(transition(&plain, &curly), "\x1b[4:3;38;2;1;2;3m");
    }
}
