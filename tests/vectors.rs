//! Every conformance vector through the Rust API, judged as a browser would.

use corsgate_conformance::{
    Observed, V2_FEATURES, judge, pending_feature, project_v2_vectors, project_vectors, run_all,
    rust_engine, shared_vectors, v2_vectors,
};

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

/// The version-2 vectors through the Rust API, but for the features the core does not
/// have yet ([`V2_FEATURES`]): those are skipped by id prefix, printed and counted.
#[test]
fn v2_vectors_pass_through_the_rust_api_or_are_skipped_by_feature() {
    let mut all = v2_vectors();
    assert!(all.len() >= 80, "only {} v2 vectors", all.len());
    let project = project_v2_vectors();
    assert!(
        project.len() >= 9,
        "only {} project v2 vectors",
        project.len()
    );
    all.extend(project);
    let (skipped, run): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|v| pending_feature(v, V2_FEATURES).is_some());
    for v in &skipped {
        println!(
            "skip {} (needs {})",
            v.id,
            pending_feature(v, V2_FEATURES).unwrap_or("")
        );
    }
    println!("v2: {} run, {} skipped", run.len(), skipped.len());
    let failures = run_all(&run, rust_engine);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn project_vectors_cover_every_error_code_and_pattern_kind() {
    let mut vectors = project_vectors();
    vectors.extend(project_v2_vectors());
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
    for v in vectors
        .iter()
        .filter(|v| !v.config_error() && !v.is_policy_set())
    {
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

/// The judge must not be vacuous: corrupting a correct answer in any way a rule covers
/// must make it fail. (Version-2 rules: `tests/judge_rules.rs`.)
#[test]
fn the_judge_rejects_corrupted_answers() {
    let vectors: Vec<_> = shared_vectors()
        .into_iter()
        .chain(project_vectors())
        .collect();
    let mut caught = std::collections::BTreeMap::<&str, usize>::new();
    for v in &vectors {
        let good = match rust_engine(&v.policy_text(), v) {
            Ok(o) => o,
            Err(_) => Observed::config_error(),
        };
        assert!(
            judge(v, &good).is_empty(),
            "{}: {:?}",
            v.name,
            judge(v, &good)
        );
        for (rule, bad) in mutations(&good) {
            if bad == good || !constrained(v, rule) {
                continue;
            }
            assert!(
                !judge(v, &bad).is_empty(),
                "{}: mutation {rule} accepted: {:?}",
                v.name,
                bad
            );
            *caught.entry(rule).or_default() += 1;
        }
    }
    println!("mutations caught: {caught:?}");
    for rule in [
        "config_error flipped",
        "verdict flipped",
        "kind changed",
        "status changed",
        "reason_code dropped",
        "ACAO dropped",
        "ACAO duplicated",
        "ACAC flipped",
        "Vary dropped",
        "ACAM emptied",
        "ACAH emptied",
        "ACEH dropped",
        "Max-Age changed",
        "ACAPN dropped",
    ] {
        assert!(
            caught.get(rule).copied().unwrap_or(0) > 0,
            "no vector catches {rule}"
        );
    }
}

/// Whether vector `v` says enough for `rule`'s mutation to be wrong: the list rules only
/// when the vector names items, the others always.
fn constrained(v: &corsgate_conformance::Vector, rule: &str) -> bool {
    let e = &v.expect;
    let names = |key: &str| {
        e.get(key)
            .and_then(|x| x.as_array())
            .is_some_and(|a| !a.is_empty())
    };
    match rule {
        "Vary dropped" => names("vary_contains"),
        "ACAM emptied" => names("acam_contains"),
        "ACAH emptied" => names("acah_contains"),
        "ACEH dropped" => names("aceh_contains"),
        "Max-Age changed" => e.get("acma").is_some_and(|x| !x.is_null()),
        "ACAPN dropped" => e.get("acapn").and_then(|x| x.as_bool()) == Some(true),
        _ => true,
    }
}

/// Ways to corrupt a correct observation, each named by the rule that must catch it.
fn mutations(good: &Observed) -> Vec<(&'static str, Observed)> {
    let mut out = Vec::new();
    let mut push = |rule, f: &dyn Fn(&mut Observed)| {
        let mut bad = good.clone();
        f(&mut bad);
        out.push((rule, bad));
    };
    push("config_error flipped", &|o| {
        o.config_error = !o.config_error
    });
    if good.config_error {
        return out;
    }
    push("verdict flipped", &|o| o.allowed = o.allowed.map(|a| !a));
    push("kind changed", &|o| {
        o.kind = Some(
            if o.kind.as_deref() == Some("actual") {
                "preflight"
            } else {
                "actual"
            }
            .into(),
        )
    });
    push("status changed", &|o| {
        o.status = match o.status {
            Some(200) => Some(201),
            Some(_) => Some(200),
            None => None,
        }
    });
    push("reason_code dropped", &|o| o.reason_code = None);
    let drop = |name: &'static str| {
        move |o: &mut Observed| o.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name))
    };
    let has = |name: &str| {
        good.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    if has("Access-Control-Allow-Origin") && good.kind.as_deref() != Some("not_cors") {
        push("ACAO dropped", &drop("Access-Control-Allow-Origin"));
        push("ACAO duplicated", &|o| {
            o.headers.push((
                "Access-Control-Allow-Origin".into(),
                "https://other.example".into(),
            ))
        });
    }
    push("ACAC flipped", &|o| {
        if o.headers
            .iter()
            .any(|(n, _)| n == "Access-Control-Allow-Credentials")
        {
            drop("Access-Control-Allow-Credentials")(o)
        } else {
            o.headers
                .push(("Access-Control-Allow-Credentials".into(), "true".into()))
        }
    });
    if has("Vary") {
        push("Vary dropped", &drop("Vary"));
    }
    let empty = |name: &'static str| {
        move |o: &mut Observed| {
            for (n, v) in &mut o.headers {
                if n == name {
                    *v = "x-unrelated".into();
                }
            }
        }
    };
    push("ACAM emptied", &empty("Access-Control-Allow-Methods"));
    push("ACAH emptied", &empty("Access-Control-Allow-Headers"));
    push("ACEH dropped", &drop("Access-Control-Expose-Headers"));
    push("Max-Age changed", &|o| {
        for (n, v) in &mut o.headers {
            if n == "Access-Control-Max-Age" {
                v.push('0');
            }
        }
    });
    push(
        "ACAPN dropped",
        &drop("Access-Control-Allow-Private-Network"),
    );
    out
}
