//! Arbitrary bytes through the whole detection and decoding path.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = baomi::extract::extract(data);
    let _ = baomi::extract::encoding::decode(data);
});
