//! bgmux: a terminal multiplexer built around background tasks.

fn main() {}
