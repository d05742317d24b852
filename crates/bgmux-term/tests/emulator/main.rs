//! The integration tests of bgmux-term, one binary: basics of each feature,
//! fixtures, frame rendering and its round trip, differential tests against
//! `vt100` and tmux (with recorded sessions), property tests, and the fuzz
//! target's checks over its committed seeds.

mod basics;
mod fixtures;
mod frames;
mod fuzzed;
mod memory;
mod props;
mod regressions;
mod resize;
mod support;
mod tmux;
mod tmux_diff;
mod vt100_diff;
