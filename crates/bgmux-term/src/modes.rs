//! The public state a client's outer terminal must mirror: input modes
//! ([`Modes`]) and the cursor ([`Cursor`], [`CursorShape`]), plus the
//! [`Event`]s the emulator passes on instead of acting on them.
//!
//! Plain data only; which sequences set them is `dispatch/modes.rs`.

/// Mouse tracking mode (xterm ctlseqs, "Mouse Tracking").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum MouseMode {
    /// No mouse reporting.
    #[default]
    None,
    /// Button presses (and releases): DECSET 9 (X10) or 1000.
    Press,
    /// Presses and motion while a button is held: DECSET 1002.
    Button,
    /// Presses and all motion: DECSET 1003.
    Any,
}

/// Modes set by the program in the task that its terminal must honour when
/// the task is shown (the client mirrors them on the outer terminal).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Modes {
    /// DECCKM (DECSET 1): cursor keys send `ESC O A` instead of `ESC [ A`.
    pub app_cursor: bool,
    /// DECKPAM (`ESC =`) / DECKPNM (`ESC >`): application keypad.
    pub app_keypad: bool,
    /// Bracketed paste (DECSET 2004).
    pub bracketed_paste: bool,
    /// Mouse tracking (DECSET 9, 1000, 1002, 1003).
    pub mouse: MouseMode,
    /// SGR mouse encoding (DECSET 1006).
    pub mouse_sgr: bool,
    /// Focus in/out reports (DECSET 1004).
    pub focus_events: bool,
    /// The alternate screen is shown (DECSET 47, 1047, 1049).
    pub alt_screen: bool,
}

/// Cursor style as set by DECSCUSR (`CSI Ps SP q`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum CursorShape {
    /// The terminal's default (Ps = 0).
    #[default]
    Default,
    /// Blinking block (Ps = 1).
    BlinkBlock,
    /// Steady block (Ps = 2).
    SteadyBlock,
    /// Blinking underline (Ps = 3).
    BlinkUnderline,
    /// Steady underline (Ps = 4).
    SteadyUnderline,
    /// Blinking bar (Ps = 5).
    BlinkBar,
    /// Steady bar (Ps = 6).
    SteadyBar,
}

impl CursorShape {
    /// The DECSCUSR parameter of this shape.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The shape of a DECSCUSR parameter (unknown values: `None`).
    pub fn from_code(code: u16) -> Option<CursorShape> {
        Some(match code {
            0 => CursorShape::Default,
            1 => CursorShape::BlinkBlock,
            2 => CursorShape::SteadyBlock,
            3 => CursorShape::BlinkUnderline,
            4 => CursorShape::SteadyUnderline,
            5 => CursorShape::BlinkBar,
            6 => CursorShape::SteadyBar,
            _ => return None,
        })
    }
}

/// The cursor: 0-based position, visibility (DECTCEM) and shape.
///
/// With a pending wrap (a character was just written in the last column),
/// `col` is the last column, as xterm reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Cursor {
    /// Row, 0 = top.
    pub row: u16,
    /// Column, 0 = left.
    pub col: u16,
    /// DECTCEM (DECSET 25).
    pub visible: bool,
    /// DECSCUSR.
    pub shape: CursorShape,
}

/// Something the program asked for that is not screen state, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The window title changed (OSC 0 or OSC 2).
    Title(String),
    /// BEL in the ground state.
    Bell,
    /// OSC 52: set the selection `selection` (e.g. `c`, `p`, `s`, `0`–`7`;
    /// empty means the default `s 0`) to `data`, base64 as sent. Queries
    /// (`?`) are not passed on.
    Clipboard {
        /// The selection parameter, as sent.
        selection: String,
        /// The base64 payload, as sent.
        data: String,
    },
    /// A desktop notification: OSC 9 (body only, title empty) or
    /// OSC 777 `notify;title;body`.
    Notify {
        /// The title (empty for OSC 9).
        title: String,
        /// The body.
        body: String,
    },
}
