//! The compact grid cell: 8 bytes, a character code and a style code.
//!
//! This file owns the cell encoding only; which side table a code points
//! into (clusters, extended styles) is the row's business (`grid/row.rs`).
//!
//! ```text
//!  ch: u32                                       style: u32
//! +-----+-----+-----+--------+------------------+------------------------+
//! | 0.. | CLU | SPC |  WIDE  | char (21 bits)   |  style code (style.rs) |
//! +-----+-----+-----+--------+------------------+------------------------+
//!   31-24  23    22     21         20..0
//! CLU  = bits 20..0 are an index into the row's cluster table (a base
//!        character plus combining marks, stored out of line)
//! WIDE = first column of a two-column character
//! SPC  = second column of a two-column character (no character of its own)
//! ```

use std::mem::size_of;

/// One character cell of the visible grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Cell {
    /// The character code (see the layout above).
    pub ch: u32,
    /// The style code (see `style.rs`).
    pub style: u32,
}

// STYLE.md rule 5: the cell stays compact; the history and every grid row
// depend on it.
const _: () = assert!(size_of::<Cell>() <= 8);

/// Mask of the character or cluster index bits.
pub(crate) const CHAR_MASK: u32 = 0x1f_ffff;
/// First column of a two-column character.
pub(crate) const WIDE: u32 = 1 << 21;
/// Second column of a two-column character.
pub(crate) const SPACER: u32 = 1 << 22;
/// The low bits index the row's cluster table.
pub(crate) const CLUSTER: u32 = 1 << 23;

impl Cell {
    /// An erased cell with the plain style.
    pub const BLANK: Cell = Cell {
        ch: b' ' as u32,
        style: 0,
    };

    /// A blank cell with the given style code (erase with BCE).
    #[inline]
    pub fn blank(style: u32) -> Cell {
        Cell {
            ch: b' ' as u32,
            style,
        }
    }

    /// True for the second column of a wide character.
    #[inline]
    pub fn is_spacer(self) -> bool {
        self.ch & SPACER != 0
    }

    /// True for the first column of a wide character.
    #[inline]
    pub fn is_wide(self) -> bool {
        self.ch & WIDE != 0
    }

    /// True when the text lives in the row's cluster table.
    #[inline]
    pub fn is_cluster(self) -> bool {
        self.ch & CLUSTER != 0
    }

    /// True for a space with the plain style: what export trims.
    #[inline]
    pub fn is_plain_blank(self) -> bool {
        self == Cell::BLANK
    }

    /// The character of a non-cluster cell (a spacer reads as a space).
    #[inline]
    pub fn char(self) -> char {
        if self.is_spacer() {
            return ' ';
        }
        char::from_u32(self.ch & CHAR_MASK).unwrap_or(' ')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_encode_wide_and_spacer() {
        let wide = Cell {
            ch: '字' as u32 | WIDE,
            style: 0,
        };
        assert!(wide.is_wide() && !wide.is_spacer());
        assert_eq!(wide.char(), '字');
        let spacer = Cell {
            ch: SPACER,
            style: 0,
        };
        assert!(spacer.is_spacer());
        assert!(Cell::BLANK.is_plain_blank());
        assert!(!Cell::blank(3).is_plain_blank());
    }
}
