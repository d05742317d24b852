//! Colours and text styles (the SGR state of a cell), and their packing into
//! a 32-bit code.
//!
//! This file owns the public [`Style`] and [`Color`] types and the compact
//! `u32` style code the grid stores in every cell (see `cell.rs`). It does not
//! parse SGR (that is `dispatch/sgr.rs`) nor write it (`sgr_write.rs`).
//!
//! Style code layout (a style that fits is "basic", one that does not is
//! stored out of line in a per-row or per-history-block side table):
//!
//! ```text
//!  31  30..28  27..25     24..18        17..9        8..0
//! +---+------+---------+-------------+------------+-----------+
//! | X | 0    | ul kind | 7 attr bits |  bg (9 b)  |  fg (9 b) |   X = 0: basic
//! +---+------+---------+-------------+------------+-----------+
//! | 1 |        index into the side table (31 bits)             |   X = 1: extended
//! +---+--------------------------------------------------------+
//! colour field: 0 = default, 1 + n = palette index n (0..=255)
//! ```
//!
//! RGB colours, an underline colour and OSC 8 hyperlinks do not fit and make
//! a style extended.

use std::sync::Arc;

/// A colour as set by SGR: the terminal's default, a palette index (0–15 are
/// the ANSI colours, 16–255 the xterm 256-colour cube and greys), or 24-bit RGB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Color {
    /// The terminal's default foreground or background (SGR 39 / 49).
    #[default]
    Default,
    /// A palette colour: SGR 30–37, 90–97 (0–15) or `38;5;n`.
    Indexed(u8),
    /// A direct colour: SGR `38;2;r;g;b` (ITU T.416 / xterm ctlseqs).
    Rgb(u8, u8, u8),
}

/// The underline style (SGR 4, 4:1–4:5 as in kitty/VTE/xterm, and 21).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Underline {
    /// Not underlined (SGR 24 or 4:0).
    #[default]
    None,
    /// A single underline (SGR 4 or 4:1).
    Single,
    /// A double underline (SGR 21 or 4:2).
    Double,
    /// A curly underline (SGR 4:3).
    Curly,
    /// A dotted underline (SGR 4:4).
    Dotted,
    /// A dashed underline (SGR 4:5).
    Dashed,
}

impl Underline {
    /// The SGR 4 sub-parameter for this style (0 = none).
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The style for an SGR 4 sub-parameter; unknown values mean single,
    /// as in xterm.
    pub fn from_code(code: u16) -> Underline {
        match code {
            0 => Underline::None,
            2 => Underline::Double,
            3 => Underline::Curly,
            4 => Underline::Dotted,
            5 => Underline::Dashed,
            _ => Underline::Single,
        }
    }
}

/// The rendition of a cell: colours, attributes and an optional hyperlink.
///
/// `Style::default()` is the plain style (SGR 0). Styles compare by value,
/// the hyperlink by its URI.
#[derive(Clone, Debug, Default)]
pub struct Style {
    /// Foreground colour (SGR 30–39, 90–97, 38).
    pub fg: Color,
    /// Background colour (SGR 40–49, 100–107, 48).
    pub bg: Color,
    /// Underline colour (SGR 58/59); `Default` follows the foreground.
    pub underline_color: Color,
    /// Underline style (SGR 4, 21, 24).
    pub underline: Underline,
    /// Bold (SGR 1; off with 22).
    pub bold: bool,
    /// Dim / faint (SGR 2; off with 22).
    pub dim: bool,
    /// Italic (SGR 3; off with 23).
    pub italic: bool,
    /// Blink (SGR 5 or 6; off with 25).
    pub blink: bool,
    /// Reverse video (SGR 7; off with 27).
    pub reverse: bool,
    /// Hidden / invisible (SGR 8; off with 28).
    pub hidden: bool,
    /// Crossed out (SGR 9; off with 29).
    pub strike: bool,
    /// The OSC 8 hyperlink URI the cell belongs to, if any.
    pub link: Option<Arc<str>>,
}

impl Style {
    /// The attributes and underline style as one number (for cheap
    /// comparison: frames compare styles for every cell they diff).
    #[inline]
    fn attr_key(&self) -> u16 {
        u16::from(self.bold)
            | u16::from(self.dim) << 1
            | u16::from(self.italic) << 2
            | u16::from(self.blink) << 3
            | u16::from(self.reverse) << 4
            | u16::from(self.hidden) << 5
            | u16::from(self.strike) << 6
            | u16::from(self.underline.code()) << 7
    }
}

impl PartialEq for Style {
    #[inline]
    fn eq(&self, other: &Style) -> bool {
        self.attr_key() == other.attr_key()
            && self.fg == other.fg
            && self.bg == other.bg
            && self.underline_color == other.underline_color
            && self.link == other.link
    }
}

impl Eq for Style {}

impl std::hash::Hash for Style {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (
            self.attr_key(),
            self.fg,
            self.bg,
            self.underline_color,
            &self.link,
        )
            .hash(state);
    }
}

/// Set in a style code when the rest is an index into a side table.
pub(crate) const EXTENDED: u32 = 1 << 31;
/// Where the background colour field starts (the foreground is at 0).
pub(crate) const BG_SHIFT: u32 = 9;
/// A colour field's mask (at its shift).
pub(crate) const COLOR_MASK: u32 = 0x1ff;
/// Where the attribute bits start.
pub(crate) const ATTR_SHIFT: u32 = 18;
/// Where the underline style starts (3 bits).
pub(crate) const UL_SHIFT: u32 = 25;
pub(crate) const BOLD: u32 = 1;
pub(crate) const DIM: u32 = 2;
pub(crate) const ITALIC: u32 = 4;
pub(crate) const BLINK: u32 = 8;
pub(crate) const REVERSE: u32 = 16;
pub(crate) const HIDDEN: u32 = 32;
pub(crate) const STRIKE: u32 = 64;

impl Style {
    /// True for the plain style (nothing set).
    pub fn is_default(&self) -> bool {
        *self == Style::default()
    }

    /// The style erased cells get under this pen: xterm and tmux erase with
    /// the current background colour only (BCE), nothing else.
    pub fn erase_style(&self) -> Style {
        Style {
            bg: self.bg,
            ..Style::default()
        }
    }

    /// The basic code of this style, or `None` when it needs a side table
    /// (RGB colours, an underline colour or a hyperlink).
    pub(crate) fn pack(&self) -> Option<u32> {
        if self.underline_color != Color::Default || self.link.is_some() {
            return None;
        }
        let fg = pack_color(self.fg)?;
        let bg = pack_color(self.bg)?;
        let flags = (u32::from(self.bold) * BOLD)
            | (u32::from(self.dim) * DIM)
            | (u32::from(self.italic) * ITALIC)
            | (u32::from(self.blink) * BLINK)
            | (u32::from(self.reverse) * REVERSE)
            | (u32::from(self.hidden) * HIDDEN)
            | (u32::from(self.strike) * STRIKE);
        Some(
            fg | bg << BG_SHIFT
                | flags << ATTR_SHIFT
                | u32::from(self.underline.code()) << UL_SHIFT,
        )
    }

    /// The style of a basic code (one without [`EXTENDED`]).
    pub(crate) fn unpack(code: u32) -> Style {
        let attrs = code >> ATTR_SHIFT;
        Style {
            fg: unpack_color(code & 0x1ff),
            bg: unpack_color((code >> BG_SHIFT) & 0x1ff),
            underline_color: Color::Default,
            underline: Underline::from_code(((code >> UL_SHIFT) & 7) as u16),
            bold: attrs & BOLD != 0,
            dim: attrs & DIM != 0,
            italic: attrs & ITALIC != 0,
            blink: attrs & BLINK != 0,
            reverse: attrs & REVERSE != 0,
            hidden: attrs & HIDDEN != 0,
            strike: attrs & STRIKE != 0,
            link: None,
        }
    }
}

fn pack_color(color: Color) -> Option<u32> {
    match color {
        Color::Default => Some(0),
        Color::Indexed(n) => Some(1 + u32::from(n)),
        Color::Rgb(..) => None,
    }
}

fn unpack_color(field: u32) -> Color {
    match field {
        0 => Color::Default,
        // The field is 1 + index, at most 256, so the index fits a u8.
        n => Color::Indexed((n - 1) as u8),
    }
}

/// A small interning table of extended styles, used per grid row and per
/// history block. Lookups are linear: a row or block holds few distinct
/// extended styles, and the tables are bounded by their owners.
pub(crate) fn intern(table: &mut Vec<Style>, style: &Style) -> u32 {
    let index = match table.iter().position(|s| s == style) {
        Some(i) => i,
        None => {
            table.push(style.clone());
            table.len() - 1
        }
    };
    EXTENDED | index as u32
}

/// Resolves a style code against its side table (a missing entry, which
/// only a bug could produce, reads as the plain style).
pub(crate) fn resolve(table: &[Style], code: u32) -> Style {
    if code & EXTENDED == 0 {
        Style::unpack(code)
    } else {
        table
            .get((code & !EXTENDED) as usize)
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_styles_round_trip_through_their_code() {
        let s = Style {
            fg: Color::Indexed(255),
            bg: Color::Indexed(0),
            underline: Underline::Dashed,
            bold: true,
            strike: true,
            ..Style::default()
        };
        let code = s.pack().unwrap();
        assert_eq!(code & EXTENDED, 0);
        assert_eq!(Style::unpack(code), s);
        assert_eq!(Style::default().pack(), Some(0));
    }

    #[test]
    fn rgb_links_and_underline_colours_are_extended() {
        let rgb = Style {
            fg: Color::Rgb(1, 2, 3),
            ..Style::default()
        };
        assert_eq!(rgb.pack(), None);
        let link = Style {
            link: Some("http://x".into()),
            ..Style::default()
        };
        assert_eq!(link.pack(), None);
        let mut table = Vec::new();
        let a = intern(&mut table, &rgb);
        assert_eq!(intern(&mut table, &link), a + 1);
        assert_eq!(intern(&mut table, &rgb), a);
        assert_eq!(resolve(&table, a), rgb);
    }
}
