//! Arbitrary text through `Engine::scan` with the embedded rule set: the engine never panics,
//! and every report keeps its invariants (see `check::report`). Bytes that are not UTF-8 are
//! replaced (U+FFFD), so every input is scanned. Dictionary: fuzz/dict/scan.dict.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "check.rs"]
mod check;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let r = check::ruleset().engine.scan(&text);
    check::report(&text, &r);
});
