//! The pattern normalizer (IDNA, IPv4/IPv6 canonicalization, default ports, case)
//! against the `url` crate's WHATWG origin serialization: a pattern corsgate reads as one
//! origin must serialize as a browser serializes that URL's origin, and one the URL
//! parser rejects must be rejected (`tests/normalizer_check.rs`, shared with the
//! proptest). Inputs are taken as a pattern as they are, and through the structured
//! pattern generator.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fn check(source: &str) {
    if let Err(why) = corsgate_fuzz::normalizer::agree(source) {
        panic!("{why}");
    }
}

fuzz_target!(|data: &[u8]| {
    corsgate_fuzz::canary(data);
    if let Ok(text) = std::str::from_utf8(data) {
        check(text);
    }
    if let Ok(p) = corsgate_fuzz::pattern(&mut Unstructured::new(data)) {
        check(&p);
    }
});
