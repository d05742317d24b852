//! SGR (ECMA-48 §8.3.117, xterm ctlseqs "Character Attributes"): sets the
//! pen. Both the ITU T.416 colon form (`38:2::r:g:b`, `38:5:n`, `4:3`) and
//! the common semicolon form (`38;2;r;g;b`, `38;5;n`) are understood.

use vte::{Params, ParamsIter};

use crate::screen::Screen;
use crate::style::{Color, Style, Underline};

/// Applies an SGR sequence to the pen; no parameters means SGR 0.
pub(super) fn apply(screen: &mut Screen, params: &Params) {
    let mut style = screen.pen.style.clone();
    if params.is_empty() {
        style = Style::default();
    }
    let mut iter = params.iter();
    while let Some(param) = iter.next() {
        let Some(&code) = param.first() else { continue };
        match code {
            0 => style = Style { link: style.link.take(), ..Style::default() },
            1 => style.bold = true,
            2 => style.dim = true,
            3 => style.italic = true,
            4 => {
                style.underline = match param.get(1) {
                    Some(&sub) => Underline::from_code(sub),
                    None => Underline::Single,
                }
            }
            5 | 6 => style.blink = true,
            7 => style.reverse = true,
            8 => style.hidden = true,
            9 => style.strike = true,
            21 => style.underline = Underline::Double,
            22 => (style.bold, style.dim) = (false, false),
            23 => style.italic = false,
            24 => style.underline = Underline::None,
            25 => style.blink = false,
            27 => style.reverse = false,
            28 => style.hidden = false,
            29 => style.strike = false,
            30..=37 => style.fg = Color::Indexed((code - 30) as u8),
            38 => style.fg = extended_color(param, &mut iter).unwrap_or(style.fg),
            39 => style.fg = Color::Default,
            40..=47 => style.bg = Color::Indexed((code - 40) as u8),
            48 => style.bg = extended_color(param, &mut iter).unwrap_or(style.bg),
            49 => style.bg = Color::Default,
            58 => {
                let color = extended_color(param, &mut iter);
                style.underline_color = color.unwrap_or(style.underline_color);
            }
            59 => style.underline_color = Color::Default,
            90..=97 => style.fg = Color::Indexed((code - 90 + 8) as u8),
            100..=107 => style.bg = Color::Indexed((code - 100 + 8) as u8),
            _ => {}
        }
    }
    screen.set_pen(style);
}

/// The colour of SGR 38/48/58: `5;n` or `2;r;g;b` in the following
/// parameters, or as sub-parameters (`5:n`, `2::r:g:b`, `2:r:g:b`).
/// Out-of-range values make the colour invalid (ignored, as xterm does).
fn extended_color(param: &[u16], rest: &mut ParamsIter<'_>) -> Option<Color> {
    if param.len() > 1 {
        return match param[1] {
            5 => indexed(*param.get(2)?),
            2 if param.len() >= 6 => rgb(param[3], param[4], param[5]),
            2 if param.len() == 5 => rgb(param[2], param[3], param[4]),
            _ => None,
        };
    }
    let mut next = || rest.next().and_then(|p| p.first().copied());
    match next()? {
        5 => indexed(next()?),
        2 => {
            let (r, g, b) = (next()?, next()?, next()?);
            rgb(r, g, b)
        }
        _ => None,
    }
}

fn indexed(n: u16) -> Option<Color> {
    u8::try_from(n).ok().map(Color::Indexed)
}

fn rgb(r: u16, g: u16, b: u16) -> Option<Color> {
    Some(Color::Rgb(u8::try_from(r).ok()?, u8::try_from(g).ok()?, u8::try_from(b).ok()?))
}
