//! The integration tests of bgmux-term, one binary: basics of each feature,
//! frame rendering and its round trip, fixtures, differential tests against
//! `vt100` and tmux, property tests and fuzz regressions.

mod basics;
mod fixtures;
mod frames;
mod props;
mod support;
mod vt100_diff;
