//! `corsgate audit`: every example policy, and each deliberately weak policy of
//! `examples/weak/`, with the exact finding it must produce.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_corsgate");

fn example(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(rel)
}

/// Runs `corsgate audit --json` on `rel`: (exit code, findings).
fn audit(rel: &str) -> (i32, Vec<Value>) {
    let out = Command::new(BIN)
        .args(["audit", example(rel).to_str().unwrap(), "--json"])
        .output()
        .expect("run corsgate");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{rel}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert!(
        report["probes"].as_u64().unwrap() >= 1,
        "{rel}: no probe sent"
    );
    (
        out.status.code().unwrap(),
        report["findings"].as_array().unwrap().clone(),
    )
}

fn has(findings: &[Value], code: &str, index: Option<u64>) -> bool {
    findings
        .iter()
        .any(|f| f["code"] == code && index.is_none_or(|i| f["index"].as_u64() == Some(i)))
}

fn bypass_origins(findings: &[Value]) -> Vec<&str> {
    findings
        .iter()
        .filter(|f| f["code"] == "bypass")
        .map(|f| f["origin"].as_str().unwrap())
        .collect()
}

#[test]
fn the_example_policy_is_clean() {
    let (code, findings) = audit("policy.json");
    assert_eq!(findings, Vec::<Value>::new());
    assert_eq!(code, 0);
}

#[test]
fn an_unescaped_dot_is_bypassed() {
    let (code, f) = audit("weak/unescaped-dot.json");
    assert_eq!(code, 1);
    let origins = bypass_origins(&f);
    assert!(origins.contains(&"https://apixexample.com"), "{origins:?}");
    assert!(origins.contains(&"https://api-example.com"), "{origins:?}");
    assert!(
        f.iter()
            .any(|x| x["class"] == "unescaped_dot" && x["index"] == 0)
    );
    assert!(has(&f, "regex_unescaped_dot", Some(0)));
    // The exact entry beside it is sound: no finding names it.
    assert!(!f.iter().any(|x| x["index"] == 1), "{f:?}");
}

#[test]
fn an_unanchored_regex_is_reported() {
    let (code, f) = audit("weak/unanchored-regex.json");
    assert_eq!(code, 1);
    assert!(has(&f, "regex_unanchored", Some(0)));
    // corsgate full-matches: no origin gets through.
    assert_eq!(bypass_origins(&f), Vec::<&str>::new());
}

#[test]
fn a_broad_regex_with_credentials_admits_glued_domains() {
    let (code, f) = audit("weak/broad-regex-credentials.json");
    assert_eq!(code, 1);
    assert!(bypass_origins(&f).contains(&"https://evilexample.com"));
    assert!(f.iter().any(|x| x["class"] == "prefix_suffix"));
    assert!(has(&f, "credentials_broad_regex", Some(0)));
}

#[test]
fn credentials_with_a_public_suffix_wildcard() {
    // "*" with credentials is a config error, so the broadest wildcard the config
    // accepts (behind its dangerously_ switch) stands in for it.
    let (code, f) = audit("weak/credentials-public-suffix.json");
    assert_eq!(code, 1);
    assert!(has(&f, "credentials_broad_wildcard", Some(0)));
    assert!(has(&f, "public_suffix_wildcard", Some(0)));
    assert!(!has(&f, "bypass", None));
}

#[test]
fn any_origin_null_and_http_are_risky() {
    let (code, f) = audit("weak/any-origin.json");
    assert_eq!(code, 1);
    assert!(has(&f, "any_origin", Some(0)));
    let (code, f) = audit("weak/null-insecure.json");
    assert_eq!(code, 1);
    assert!(has(&f, "null_origin", Some(0)));
    assert!(has(&f, "insecure_origin", Some(1)));
    assert!(!has(&f, "insecure_origin", Some(2)));
}

#[test]
fn a_suffix_sharing_pair_is_shadowed() {
    let (code, f) = audit("weak/suffix-sharing.json");
    assert_eq!(code, 1);
    assert!(has(&f, "shadowed_pattern", Some(1)));
    assert!(has(&f, "shadowed_pattern", Some(2)));
    assert!(!has(&f, "shadowed_pattern", Some(0)));
}

#[test]
fn every_bypass_class_is_probed() {
    // The example policy draws a probe of every class, and the text output counts them.
    let out = Command::new(BIN)
        .args(["audit", example("policy.json").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("attacker origins evaluated, 0 findings"),
        "{text}"
    );
    let policy =
        corsgate::Policy::from_json(&std::fs::read_to_string(example("policy.json")).unwrap())
            .unwrap();
    let probes = corsgate::audit::probes(&policy);
    for class in corsgate::audit::CLASSES {
        assert!(probes.iter().any(|p| p.class == *class), "no {class} probe");
    }
}

#[test]
fn rejected_policies_and_bad_usage() {
    let out = Command::new(BIN)
        .args(["audit", example("broken/typos.json").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = Command::new(BIN).args(["audit"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(BIN)
        .args(["audit", "/nonexistent/x.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
