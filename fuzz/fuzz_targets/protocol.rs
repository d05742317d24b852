//! Fuzz target for the wire protocol: any bytes as a hello, as a frame body
//! and as a stream of frames, through every decoder the server and the
//! client use. The checks live in `checks/protocol.rs`, which the main
//! test suite also runs over the committed seeds (`seeds/protocol/`).
#![no_main]

#[path = "../checks/protocol.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::run(data));
