//! Fuzz target for `Terminal::advance`: any bytes, split into chunks at
//! arbitrary points, with resizes in between; then every read the server
//! makes. The checks live in `checks/advance.rs`, which the crate's tests
//! also run over the committed seeds (`seeds/advance/`).
#![no_main]

#[path = "../checks/advance.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));
