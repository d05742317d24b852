//! SGR (ECMA-48 §8.3.117, xterm ctlseqs "Character Attributes"): sets the
//! pen. Both the ITU T.416 colon form (`38:2::r:g:b`, `38:5:n`, `4:3`) and
//! the common semicolon form (`38;2;r;g;b`, `38;5;n`) are understood.

use super::params::{Groups, Params};

use crate::screen::{Pen, Screen};
use crate::style::{self, Color, Style, Underline, ATTR_SHIFT, BG_SHIFT, COLOR_MASK, UL_SHIFT};

/// Applies an SGR sequence to the pen; no parameters means SGR 0.
pub(super) fn apply(screen: &mut Screen, params: &Params) {
    // The common case, a plain pen and palette colours only, works on the
    // packed style code directly.
    if let Some(code) = screen.pen.basic() {
        if let Some(new) = apply_packed(code, params) {
            screen.pen = Pen::Basic(new);
            return;
        }
    }
    let style = apply_full(screen.pen.style(), params);
    screen.set_pen(style);
}

/// SGR on a full style: every parameter, RGB and underline colours too.
fn apply_full(mut style: Style, params: &Params) -> Style {
    if params.len() == 0 {
        style = Style::default();
    }
    let mut iter = params.iter();
    while let Some(param) = iter.next() {
        let Some(&code) = param.first() else { continue };
        match code {
            0 => {
                style = Style {
                    link: style.link.take(),
                    ..Style::default()
                }
            }
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
    style
}

/// SGR on a packed style code (see `style.rs`), or `None` when a
/// parameter needs the full style (RGB colours, underline colour, which
/// `apply` then handles). Same semantics as `apply_full`.
fn apply_packed(mut code: u32, params: &Params) -> Option<u32> {
    const UL_MASK: u32 = 7 << UL_SHIFT;
    let attr = |bit: u32| bit << ATTR_SHIFT;
    let set_ul = |code: u32, ul: Underline| code & !UL_MASK | u32::from(ul.code()) << UL_SHIFT;
    let mut iter = params.iter();
    while let Some(param) = iter.next() {
        let Some(&p) = param.first() else { continue };
        code = match p {
            0 => 0,
            1 => code | attr(style::BOLD),
            2 => code | attr(style::DIM),
            3 => code | attr(style::ITALIC),
            4 => set_ul(
                code,
                param
                    .get(1)
                    .map_or(Underline::Single, |&s| Underline::from_code(s)),
            ),
            5 | 6 => code | attr(style::BLINK),
            7 => code | attr(style::REVERSE),
            8 => code | attr(style::HIDDEN),
            9 => code | attr(style::STRIKE),
            21 => set_ul(code, Underline::Double),
            22 => code & !attr(style::BOLD | style::DIM),
            23 => code & !attr(style::ITALIC),
            24 => set_ul(code, Underline::None),
            25 => code & !attr(style::BLINK),
            27 => code & !attr(style::REVERSE),
            28 => code & !attr(style::HIDDEN),
            29 => code & !attr(style::STRIKE),
            30..=37 => code & !COLOR_MASK | u32::from(p - 30 + 1),
            39 => code & !COLOR_MASK,
            40..=47 => code & !(COLOR_MASK << BG_SHIFT) | u32::from(p - 40 + 1) << BG_SHIFT,
            49 => code & !(COLOR_MASK << BG_SHIFT),
            90..=97 => code & !COLOR_MASK | u32::from(p - 90 + 9),
            100..=107 => code & !(COLOR_MASK << BG_SHIFT) | u32::from(p - 100 + 9) << BG_SHIFT,
            38 | 48 => {
                let shift = if p == 38 { 0 } else { BG_SHIFT };
                match extended_color(param, &mut iter) {
                    Some(Color::Indexed(n)) => {
                        code & !(COLOR_MASK << shift) | (u32::from(n) + 1) << shift
                    }
                    None => code,
                    Some(_) => return None,
                }
            }
            58 => return None,
            _ => code,
        };
    }
    Some(code)
}

/// The colour of SGR 38/48/58: `5;n` or `2;r;g;b` in the following
/// parameters, or as sub-parameters (`5:n`, `2::r:g:b`, `2:r:g:b`).
/// Out-of-range values make the colour invalid (ignored, as xterm does).
fn extended_color(param: &[u16], rest: &mut Groups<'_>) -> Option<Color> {
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
    Some(Color::Rgb(
        u8::try_from(r).ok()?,
        u8::try_from(g).ok()?,
        u8::try_from(b).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// One SGR parameter as the parser hands it over: a code with its
    /// sub-parameters (`4:3`, `38:5:n`), or `38;5;n` spread over three.
    fn param() -> impl Strategy<Value = Vec<(u16, bool)>> {
        // Every code the packed path knows, and a few it ignores.
        let codes: Vec<u16> = [
            0u16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 21, 22, 23, 24, 25, 27, 28, 29,
        ]
        .into_iter()
        .chain(30..=49)
        .chain(90..=97)
        .chain(100..=107)
        .chain([10, 26, 50, 59, 60, 108, 111])
        .collect();
        prop_oneof![
            4 => prop::sample::select(codes).prop_map(|p| vec![(p, false)]),
            1 => (0u16..6).prop_map(|s| vec![(4, false), (s, true)]),
            1 => (prop::sample::select(vec![38u16, 48, 58]), 0u16..300)
                .prop_map(|(p, n)| vec![(p, false), (5, false), (n, false)]),
            1 => (prop::sample::select(vec![38u16, 48]), 0u16..256)
                .prop_map(|(p, n)| vec![(p, false), (5, true), (n, true)]),
            1 => (prop::sample::select(vec![38u16, 48]), 0u16..256, 0u16..256, 0u16..256)
                .prop_map(|(p, r, g, b)| vec![(p, false), (2, false), (r, false), (g, false), (b, false)]),
        ]
    }

    proptest! {
        // Cheap cases, and a slip in one code's handling needs the right
        // pen and the right code together to show.
        #![proptest_config(ProptestConfig::with_cases(8192))]

        /// The packed path agrees with the full one wherever it answers.
        #[test]
        fn packed_sgr_matches_the_full_style_path(
            // Any basic pen: palette or default colours, attributes, an
            // underline style (the layout of `style.rs`).
            (fg, bg, attrs, ul) in (0u32..257, 0u32..257, 0u32..128, 0u32..6),
            // Never empty: both parsers hand over at least one value
            // (`CSI m` is `CSI 0 m`).
            seq in prop::collection::vec(param(), 1..12),
        ) {
            let code = fg | bg << BG_SHIFT | attrs << ATTR_SHIFT | ul << UL_SHIFT;
            let params = |groups: &[Vec<(u16, bool)>]| {
                let mut params = Params::default();
                for (v, sub) in groups.iter().flatten() {
                    params.push(*v, *sub);
                }
                params
            };
            let seq = params(&seq);
            let full = apply_full(Pen::Basic(code).style(), &seq);
            // `None` (an RGB or underline colour) leaves it to the full path.
            if let Some(packed) = apply_packed(code, &seq) {
                prop_assert_eq!(Pen::Basic(packed).style(), full);
            }
        }
    }
}
