//! Every conformance vector through the Rust API, judged as a browser would.

use corsgate_conformance::{project_vectors, run_all, rust_engine, shared_vectors};

/// Runs `vectors` (at least `min` of them) through the Rust API; fails listing every
/// vector the judge rejects.
fn pass_through_rust_api(vectors: &[corsgate_conformance::Vector], min: usize) {
    assert!(vectors.len() >= min, "only {} vectors found", vectors.len());
    let failures = run_all(vectors, rust_engine);
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}

#[test]
fn shared_vectors_pass_through_the_rust_api() {
    pass_through_rust_api(&shared_vectors(), 200);
}

#[test]
fn project_vectors_pass_through_the_rust_api() {
    pass_through_rust_api(&project_vectors(), 100);
}

#[test]
fn project_vectors_cover_every_error_code_and_pattern_kind() {
    let vectors = project_vectors();
    for code in corsgate::Code::ALL
        .iter()
        .filter(|c| c.severity() == corsgate::Severity::Error)
    {
        assert!(
            vectors
                .iter()
                .any(|v| v.config_error_code() == Some(code.as_str())),
            "no project vector asserts config error {code}"
        );
    }
    // Every pattern kind appears in some policy that compiles.
    let mut kinds = std::collections::HashSet::new();
    for v in vectors.iter().filter(|v| !v.config_error()) {
        let policy = corsgate::Policy::from_json(&v.policy_text()).expect(&v.name);
        for p in policy.patterns() {
            kinds.insert(std::mem::discriminant(&p.kind));
        }
    }
    assert_eq!(
        kinds.len(),
        6,
        "project vectors do not exercise all six pattern kinds"
    );
}

#[test]
fn vector_names_are_unique() {
    let mut seen = std::collections::HashSet::new();
    for v in shared_vectors().into_iter().chain(project_vectors()) {
        assert!(seen.insert(v.name.clone()), "duplicate vector {}", v.name);
    }
}

/// The judge must not be vacuous: corrupting a correct answer must make it fail.
#[test]
fn the_judge_rejects_corrupted_answers() {
    use corsgate_conformance::judge;
    let vectors: Vec<_> = shared_vectors()
        .into_iter()
        .chain(project_vectors())
        .filter(|v| !v.config_error())
        .collect();
    let mut mutations = 0;
    for v in &vectors {
        let good = rust_engine(&v.policy_text(), v).unwrap();
        assert!(judge(v, &good).is_ok());
        // 1. The engine's verdict flipped.
        let mut bad = good.clone();
        bad.allowed = !bad.allowed;
        assert!(
            judge(v, &bad).is_err(),
            "{}: flipped verdict accepted",
            v.name
        );
        // 2. For allowed CORS answers: drop ACAO, or replace it by "*" under credentials.
        if good.allowed && good.kind != "not_cors" {
            let mut bad = good.clone();
            bad.headers
                .retain(|(n, _)| n != "Access-Control-Allow-Origin");
            assert!(judge(v, &bad).is_err(), "{}: missing ACAO accepted", v.name);
            let mut bad = good.clone();
            bad.headers.push((
                "Access-Control-Allow-Origin".into(),
                "https://other.example".into(),
            ));
            assert!(
                judge(v, &bad).is_err(),
                "{}: duplicated ACAO accepted",
                v.name
            );
            mutations += 2;
        }
        // 3. The kind changed.
        let mut bad = good.clone();
        bad.kind = if good.kind == "actual" {
            "preflight".into()
        } else {
            "actual".into()
        };
        assert!(judge(v, &bad).is_err(), "{}: wrong kind accepted", v.name);
        mutations += 2;
    }
    assert!(mutations > 500);
}
