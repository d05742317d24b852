//! The `advance` fuzz target's checks (`fuzz/checks/advance.rs`) over its
//! committed seeds (`fuzz/seeds/advance/`): a minimized sample of the
//! corpus, and every crash the fuzzer ever found, kept as regression tests
//! that run in CI without nightly or libFuzzer.

use std::path::Path;

#[path = "../../fuzz/checks/advance.rs"]
pub mod check;

#[test]
fn the_emulator_fuzz_seeds_pass_the_fuzz_checks() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/advance");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check::run(&data));
        assert!(outcome.is_ok(), "{} fails the fuzz checks", path.display());
        seen += 1;
    }
    assert!(seen >= 10, "only {seen} seeds in {}", dir.display());
}
