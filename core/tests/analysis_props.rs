//! Properties of the automaton analysis, over random small regex policies: every
//! witness `audit` or `diff` reports is allowed (or newly allowed) by the real
//! evaluator, and when `diff` reports no origin change, origins sampled from both
//! policies' automata get the same verdict from both.

use corsgate::lang::{self, sample, within_valid};
use corsgate::{Policy, audit, diff};
use proptest::prelude::*;

fn allowed(p: &Policy, origin: &str) -> bool {
    p.evaluate(b"GET", [(&b"Origin"[..], origin.as_bytes())])
        .allowed()
}

/// A small origin regex assembled from the pieces weak policies are made of.
fn regex() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec!["https://", "https?://", "http://", "(https|wss)://"]);
    let piece = prop::sample::select(vec![
        "[a-z]+",
        "[a-z0-9.-]+",
        "[a-z]*",
        "example",
        "\\.",
        ".",
        "(www\\.)?",
        "com",
        "\\.com",
        "-",
        "[0-9]",
        "\\d",
        "(a|b)",
        ".*",
    ]);
    let port = prop::sample::select(vec!["", "(:[0-9]+)?", ":8443", ":[0-9]{2}", "(:443)?"]);
    (scheme, prop::collection::vec(piece, 1..5), port)
        .prop_map(|(s, p, port)| format!("~^{s}{}{port}$", p.concat()))
}

fn policy() -> impl Strategy<Value = (Vec<String>, Option<Policy>)> {
    prop::collection::vec(regex(), 1..3).prop_map(|origins| {
        let json = serde_json::json!({ "origins": origins }).to_string();
        let p = Policy::from_json(&json).ok();
        (origins, p)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn audit_witnesses_are_allowed((origins, p) in policy()) {
        let Some(p) = p else { return Ok(()) };
        for f in audit::audit(&p).findings {
            if let Some(o) = &f.origin {
                prop_assert!(allowed(&p, o), "{origins:?}: {o} ({:?}) is not allowed", f.class);
            }
        }
    }

    #[test]
    fn diff_witnesses_are_exact(
        (old_src, old) in policy(),
        (new_src, new) in policy(),
        same in any::<bool>(),
    ) {
        let (Some(old), Some(new)) = (old, new) else { return Ok(()) };
        // Half the cases compare a policy with a reordering of itself.
        let new = if same {
            let mut rev = old_src.clone();
            rev.reverse();
            Policy::from_json(&serde_json::json!({ "origins": rev }).to_string()).unwrap()
        } else {
            new
        };
        let d = diff::diff(&old, &new).unwrap();
        let origin_changes: Vec<_> = d.changes.iter().filter(|c| c.field == "origins").collect();
        for c in &origin_changes {
            prop_assert!(!c.examples.is_empty(), "{c:?}");
            for w in &c.examples {
                let (from, to) = if c.direction == "newly_allowed" { (&old, &new) } else { (&new, &old) };
                prop_assert!(allowed(to, w) && !allowed(from, w),
                    "{old_src:?} -> {new_src:?}: {} {w}", c.direction);
            }
        }
        if same {
            prop_assert!(origin_changes.is_empty(), "a reordering changed: {origin_changes:?}");
        }
        if origin_changes.is_empty() {
            for p in [&old, &new] {
                let l = lang::patterns_language(p.patterns()).unwrap();
                for o in sample(&within_valid(vec![(&l, true)]), 5_000) {
                    prop_assert_eq!(allowed(&old, &o), allowed(&new, &o),
                        "{:?} -> {:?}: {}", old_src, new_src, o);
                }
            }
        }
    }
}

#[test]
fn sampling_reaches_ten_thousand_origins() {
    let p = Policy::from_json(
        r#"{"origins": ["~^https://[a-z]+\\.example\\.com(:[0-9]+)?$", "https://*.example.org"]}"#,
    )
    .unwrap();
    let l = lang::patterns_language(p.patterns()).unwrap();
    let s = sample(&within_valid(vec![(&l, true)]), 10_000);
    assert_eq!(s.len(), 10_000);
    assert!(
        s.iter().all(|o| allowed(&p, o)),
        "a sample outside the policy"
    );
}
