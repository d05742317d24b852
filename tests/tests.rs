//! The one integration test binary: black-box tests through the real
//! `bgmux` binary, each on a private socket and state dir.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod peer;
mod support;

mod attach;
mod behind;
mod cli;
mod clients;
mod config;
mod direct;
mod docs;
mod events;
mod faults;
mod fuzzed;
mod hostile;
mod lifecycle;
mod load;
mod mouse;
mod notify;
mod readme;
mod remote;
mod review;
mod scrollback;
mod security;
mod split;
mod ui;
mod waiting;
