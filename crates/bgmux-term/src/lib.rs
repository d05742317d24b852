//! bgmux-term: the terminal emulator of bgmux. Bytes in, screen out, no I/O.
#![warn(missing_docs)]
