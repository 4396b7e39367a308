//! The two readers of a policy-set file against each other: the typed borrowed reader
//! (`set::text` + `set::typed`, which compiles valid files) and the `Value` reader
//! (`set::file`, which names every error). A file the typed path reads must be read
//! by the `Value` path into the same set: policies, sharing, routes, warnings, and the
//! same decision for requests built from the file. Inputs that read as a JSON object
//! (the seed corpus: every conformance set) are used as such; all others drive the
//! generator of `corsgate_fuzz::set` (escapes, key orders, duplicate and unknown keys,
//! `null`s, odd numbers, wrong types).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    corsgate_fuzz::canary(data);
    if let Some(text) = corsgate_fuzz::set::case(data) {
        corsgate_fuzz::set::compare(&text);
    }
});
