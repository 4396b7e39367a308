//! The pattern normalizer (IDNA, IPv4/IPv6 canonicalization, default ports, case) against
//! the `url` crate's WHATWG origin serialization: the reference evaluator shares the
//! normalizer with the fast path, so this is its independent check. The fuzz target
//! `normalizer` runs the same comparison on free input.
//!
//! For an origin pattern `scheme://host[:port]` that corsgate accepts, its normalized
//! form must be what a browser serializes for that URL's origin (`url::Origin::
//! ascii_serialization`); a pattern the URL parser rejects must be rejected.
//!
//! `CORSGATE_NORMALIZER_CASES` sets the number of generated cases (default 20,000).

// The comparison itself, shared with the fuzz target `normalizer` (fuzz/src/lib.rs).
#[path = "normalizer_check.rs"]
mod normalizer_check;

use corsgate_conformance::vector::shared_dir;
use normalizer_check::{agree, corsgate_normalized};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};

const SCHEMES: &[&str] = &["https", "http", "HTTPS", "wss", "ws"];
const LABELS: &[&str] = &[
    "a",
    "EXAMPLE",
    "com",
    "b\u{fc}cher",
    "B\u{dc}CHER",
    "xn--bcher-kva",
    "\u{65e5}\u{672c}",
    "x-y",
    "a_b",
    "1",
    "0x7f",
    "127",
    "010",
    "255",
    "256",
    "fa\u{df}",
    "\u{3b1}",
    "ex\u{200b}",
    "-a",
    "a-",
    "xn--a",
    "",
];
const HOSTS: &[&str] = &[
    "[::1]",
    "[0:0::1]",
    "[2001:DB8::1]",
    "[::ffff:1.2.3.4]",
    "[::ffff:102:304]",
    "127.0.0.1",
    "127.1",
    "2130706433",
    "0x7f.0.0.1",
    "010.0.0.1",
    "1.2.3.4.",
    "[::1",
    "localhost",
    "LOCALHOST.",
];
const PORTS: &[&str] = &[
    "", "", ":443", ":80", ":8080", ":08080", ":65535", ":65536", ":", ":0",
];

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(prop::sample::select(LABELS), 1..=3).prop_map(|l| l.join(".")),
        1 => prop::sample::select(HOSTS).prop_map(str::to_owned),
        1 => (prop::collection::vec(prop::sample::select(LABELS), 1..=2), Just("."))
            .prop_map(|(l, dot)| l.join(".") + dot),
    ]
}

fn pattern() -> impl Strategy<Value = String> {
    (
        prop::sample::select(SCHEMES),
        host(),
        prop::sample::select(PORTS),
    )
        .prop_map(|(s, h, p)| format!("{s}://{h}{p}"))
}

#[test]
fn the_normalizer_serializes_origins_as_the_url_crate_does() {
    let cases: u32 = std::env::var("CORSGATE_NORMALIZER_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let mut runner = TestRunner::new(RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let accepted = std::cell::Cell::new(0u32);
    runner
        .run(&pattern(), |source| {
            agree(&source).map_err(TestCaseError::fail)?;
            if corsgate_normalized(&source).is_some() {
                accepted.set(accepted.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    assert!(
        accepted.get() > cases / 5,
        "only {} of {cases} patterns accepted",
        accepted.get()
    );
    println!(
        "normalizer: {cases} patterns, {} accepted and compared",
        accepted.get()
    );
}

/// Every exact origin pattern of the shared vectors that compiles.
#[test]
fn vector_patterns_agree_with_the_url_crate() {
    let text = std::fs::read_to_string(shared_dir().join("vectors.jsonl")).unwrap();
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for o in v["policy"]["origins"].as_array().into_iter().flatten() {
            let Some(o) = o.as_str() else { continue };
            let special = ["http://", "https://", "ws://", "wss://"]
                .iter()
                .any(|s| o.to_ascii_lowercase().starts_with(s));
            if !special || o.contains('*') || o.starts_with('~') || o.contains(":[") {
                continue;
            }
            agree(o).unwrap();
            n += 1;
        }
    }
    assert!(n > 100, "only {n} patterns");
}
