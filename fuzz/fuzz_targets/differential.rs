//! The fast engine against the naive reference evaluator through
//! `corsgate::reference::compare`: any disagreement (kind, verdict, status, headers,
//! reason, `is_origin_allowed`) or broken decision invariant is a crash. Inputs that read as a policy JSON line followed by request lines (the seed
//! corpus: every conformance vector) are used as such; all others drive the
//! structured generator.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    corsgate_fuzz::canary(data);
    if let Some((config, requests)) = corsgate_fuzz::text_case(data) {
        corsgate_fuzz::compare(&config, &requests);
    }
    if let Some((config, requests)) = corsgate_fuzz::structured_case(data) {
        corsgate_fuzz::compare(&config, &requests);
    }
});
