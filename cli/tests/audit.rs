//! `corsgate audit`: a table of weak policies, each with the finding and the exact
//! witness origin audit must report (every bypass class of the README's list, as a
//! regex and, where a host pattern can be weak at all, as a host pattern), a table of
//! safe policies audit must pass silently, and the example policies.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_corsgate");

fn example(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(rel)
}

fn write(name: &str, policy: &Value) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("corsgate-audit-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, policy.to_string()).unwrap();
    path
}

/// Runs `corsgate audit --json` on `path`: (exit code, findings).
fn audit_path(path: &Path) -> (i32, Vec<Value>) {
    let out = Command::new(BIN)
        .args(["audit", path.to_str().unwrap(), "--json"])
        .output()
        .expect("run corsgate");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: not JSON ({e}): {} {}",
            path.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        out.status.code().unwrap(),
        report["findings"].as_array().unwrap().clone(),
    )
}

fn audit(rel: &str) -> (i32, Vec<Value>) {
    audit_path(&example(rel))
}

fn has(findings: &[Value], code: &str, index: Option<u64>) -> bool {
    findings
        .iter()
        .any(|f| f["code"] == code && index.is_none_or(|i| f["index"].as_u64() == Some(i)))
}

/// `(origins, finding code, bypass class, witness)`, for policies without credentials
/// (check refuses most of them with credentials).
const WEAK: &[(&[&str], &str, &str, &str)] = &[
    // The issue's examples.
    (
        &[r"~^https://[a-z0-9.-]+$"],
        "bypass",
        "foreign_domain",
        "https://a",
    ),
    (
        &[r"~https://[a-z]*example\.com"],
        "bypass",
        "prefix_suffix",
        "https://aexample.com",
    ),
    (
        &[r"~^https?://(www\.)?example\.com$"],
        "bypass",
        "scheme_downgrade",
        "http://example.com",
    ),
    // prefix_suffix
    (
        &[r"~^https://api.example\.com$"],
        "bypass",
        "prefix_suffix",
        "https://apiaexample.com",
    ),
    (
        &[r"~^https://.*example\.com$"],
        "bypass",
        "prefix_suffix",
        "https://aexample.com",
    ),
    (
        &[r"~^https://[^/]*example\.com$"],
        "bypass",
        "prefix_suffix",
        "https://aexample.com",
    ),
    (
        &[r"~^https://example\.com_?[a-z]*$"],
        "bypass",
        "prefix_suffix",
        "https://example.coma",
    ),
    // special_character
    (
        &[r"~^https://example\.com[^.]*$"],
        "bypass",
        "special_character",
        "https://example.com-",
    ),
    (
        &[r"~^https://[a-z-]*example\.com$"],
        "bypass",
        "special_character",
        "https://-example.com",
    ),
    // post_domain
    (
        &[r"~^https://example\.com.*$"],
        "bypass",
        "post_domain",
        "https://example.com.a",
    ),
    (
        &[r"~^https://example\.com\..*$"],
        "bypass",
        "post_domain",
        "https://example.com.a",
    ),
    (
        &[r"~^https://[a-z]+\.example\.com\.?.*$"],
        "bypass",
        "post_domain",
        "https://a.example.com.a",
    ),
    (
        &[r"~^https://example\.com[./].*$"],
        "bypass",
        "post_domain",
        "https://example.com.a",
    ),
    // unescaped_dot
    (
        &[r"~^https://(www\.)?example.com$"],
        "bypass",
        "unescaped_dot",
        "https://exampleacom",
    ),
    // pre_domain: more labels than a label class should admit
    (
        &[r"~^https://[a-z.]+\.example\.com$"],
        "bypass",
        "pre_domain",
        "https://a.a.example.com",
    ),
    (
        &[r"~^https://[a-z0-9.]+\.example\.co\.uk$"],
        "bypass",
        "pre_domain",
        "https://a.a.example.co.uk",
    ),
    (
        &[r"~^https://[\w.-]+\.example\.com$"],
        "bypass",
        "pre_domain",
        "https://a.a.example.com",
    ),
    // idn_lookalike
    (
        &[r"~^https://(www\.example\.com|xn--[a-z0-9]+\.com)$"],
        "bypass",
        "idn_lookalike",
        "https://xn--a.com",
    ),
    // public suffix siblings and foreign domains
    (
        &[r"~^https://example\.(com|net|[a-z]+)$"],
        "bypass",
        "foreign_domain",
        "https://example.a",
    ),
    (
        &[r"~^https://(?:www|api)\.example\.(?:com|[a-z]{2,3})$"],
        "bypass",
        "foreign_domain",
        "https://api.example.aa",
    ),
    (
        &[r"~^https://[a-z]+\.com$"],
        "bypass",
        "foreign_domain",
        "https://a.com",
    ),
    (
        &[r"~^https://example-[a-z]+\.com$"],
        "bypass",
        "foreign_domain",
        "https://example-a.com",
    ),
    (&[r"~^https://.+$"], "bypass", "foreign_domain", "https://a"),
    (
        &[r"~^https://[a-z]+\.github\.io$"],
        "bypass",
        "foreign_domain",
        "https://a.github.io",
    ),
    // scheme_downgrade
    (
        &[r"~^http://app\.example\.com$"],
        "bypass",
        "scheme_downgrade",
        "http://app.example.com",
    ),
    (
        &[r"~^(https|http)://example\.com$"],
        "bypass",
        "scheme_downgrade",
        "http://example.com",
    ),
    (
        &[r"~^[a-z]+://example\.com$"],
        "bypass",
        "scheme_downgrade",
        "http://example.com",
    ),
    (
        &[r"~^https?://localhost(:\d+)?$|^https?://example\.com$"],
        "bypass",
        "scheme_downgrade",
        "http://example.com",
    ),
    // port_confusion
    (
        &[r"~^https://example\.com(:[0-9]+)?$"],
        "bypass",
        "port_confusion",
        "https://example.com:1",
    ),
    (
        &[r"~^https://example\.com:\d+$"],
        "bypass",
        "port_confusion",
        "https://example.com:1",
    ),
    (
        &[r"~^https://app\.example\.com:(443|8443|\d{4})$"],
        "bypass",
        "port_confusion",
        "https://app.example.com:1000",
    ),
    (
        &[r"~^https://[a-z]+\.example\.com(:\d+)?$"],
        "bypass",
        "port_confusion",
        "https://a.example.com:1",
    ),
    // Host patterns: label-exact, so only their configuration can be weak.
    (&["http://app.example.com"], "insecure_origin", "", ""),
    (
        &[
            r"~^https://app\.example\.com$",
            "http://example.com:[80,8080]",
        ],
        "insecure_origin",
        "",
        "",
    ),
    (&["https://*.com"], "public_suffix_wildcard", "", ""),
    (
        &["https://*.example.com", "https://app.example.com"],
        "shadowed_pattern",
        "",
        "",
    ),
    (&["*"], "any_origin", "", ""),
];

#[test]
fn every_weak_policy_is_reported_with_its_witness() {
    assert!(WEAK.len() >= 30);
    for (n, (origins, code, class, witness)) in WEAK.iter().enumerate() {
        let policy = json!({ "origins": origins });
        let (exit, f) = audit_path(&write(&format!("weak-{n}"), &policy));
        assert_eq!(exit, 1, "{origins:?}: {f:#?}");
        let hit = f
            .iter()
            .find(|x| x["code"] == *code && (class.is_empty() || x["class"] == *class));
        let Some(hit) = hit else {
            panic!("{origins:?}: no {code} {class}: {f:#?}");
        };
        if !witness.is_empty() {
            assert_eq!(hit["origin"], *witness, "{origins:?}: {f:#?}");
            assert!(hit["fix"].is_string(), "{origins:?}: no fix");
            let p = corsgate::Policy::from_json(&policy.to_string()).unwrap();
            assert!(
                p.is_origin_allowed(witness.as_bytes()),
                "{witness} is not allowed"
            );
        }
    }
}

/// Policies audit must pass silently: every regex exactly as narrow as an exact or
/// wildcard pattern, and the host patterns that correspond to the weak regexes.
const SAFE: &[&[&str]] = &[
    &["https://example.com"],
    &[r"~^https://example\.com$"],
    &[r"~^https://(?:[a-z0-9-]+\.)+example\.com$"],
    &[r"~^https://.*\.example\.com$"],
    &[r"~^https://[^/]+\.example\.com$"],
    &[r"~^https://pr-[0-9]+\.preview\.example\.com$"],
    &[r"~^https://(?:app|www)\.example\.com:8443$"],
    &[r"~^http://localhost:[0-9]+$"],
    &["https://*.example.com"],
    &["https://app.example.com:[8443,9443]"],
    &["http://localhost:*"],
    &[r"~^https://(www|api)\.example\.(com|org)$"],
    &[r"~(?i)^https://APP\.example\.com$"],
    &[r"~^https://[a-z0-9-]+\.example\.co\.uk$"],
    &[r"~^https://example\.com$|^https://example\.org$"],
    // Unanchored: regexes always full-match here.
    &[r"~https://(alpha|beta)\.example\.org"],
    &["https://example.com", r"~^https://[a-z]+\.example\.com$"],
];

#[test]
fn safe_policies_pass_silently() {
    assert!(SAFE.len() >= 15);
    for (n, origins) in SAFE.iter().enumerate() {
        let (exit, f) = audit_path(&write(&format!("safe-{n}"), &json!({ "origins": origins })));
        assert_eq!(f, Vec::<Value>::new(), "{origins:?}");
        assert_eq!(exit, 0, "{origins:?}");
    }
}

#[test]
fn the_example_policy_is_clean() {
    let (code, findings) = audit("policy.json");
    assert_eq!(findings, Vec::<Value>::new());
    assert_eq!(code, 0);
}

#[test]
fn the_weak_examples() {
    let (code, f) = audit("weak/unescaped-dot.json");
    assert_eq!(code, 1);
    assert!(
        f.iter()
            .any(|x| x["origin"] == "https://apiaexample.com" && x["index"] == 0)
    );
    assert!(!f.iter().any(|x| x["index"] == 1), "{f:?}");
    let (code, f) = audit("weak/broad-regex-credentials.json");
    assert_eq!(code, 1);
    assert!(f.iter().any(|x| x["origin"] == "https://aexample.com"));
    let (code, f) = audit("weak/credentials-public-suffix.json");
    assert_eq!(code, 1);
    assert!(has(&f, "credentials_broad_wildcard", Some(0)));
    assert!(has(&f, "public_suffix_wildcard", Some(0)));
    assert!(!has(&f, "bypass", None));
    let (code, f) = audit("weak/any-origin.json");
    assert_eq!(code, 1);
    assert!(has(&f, "any_origin", Some(0)));
    let (code, f) = audit("weak/null-insecure.json");
    assert_eq!(code, 1);
    assert!(has(&f, "null_origin", Some(0)));
    assert!(has(&f, "insecure_origin", Some(1)));
    assert!(!has(&f, "insecure_origin", Some(2)));
    let (code, f) = audit("weak/suffix-sharing.json");
    assert_eq!(code, 1);
    assert!(has(&f, "shadowed_pattern", Some(1)));
    assert!(has(&f, "shadowed_pattern", Some(2)));
    assert!(!has(&f, "shadowed_pattern", Some(0)));
}

#[test]
fn every_bypass_class_is_probed() {
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
    for class in &corsgate::audit::CLASSES[..12] {
        assert!(probes.iter().any(|p| p.class == *class), "no {class} probe");
    }
}

#[test]
fn check_applies_the_credential_rules_to_regexes() {
    for (origins, code, witness) in [
        (
            r"~^http://app\.example\.com$",
            "insecure_origin",
            "http://app.example.com",
        ),
        (
            r"~^https?://(www\.)?example\.com$",
            "insecure_origin",
            "http://example.com",
        ),
        (
            r"~^https://[a-z0-9.-]+$",
            "public_suffix_wildcard",
            "https://a",
        ),
        (
            r"~^https://[a-z]+\.github\.io$",
            "public_suffix_wildcard",
            "https://a.github.io",
        ),
        (r"~.*", "any_origin_with_credentials", ""),
    ] {
        let policy = json!({ "origins": [origins], "credentials": true });
        let e = corsgate::Policy::from_json(&policy.to_string()).unwrap_err();
        let d = e
            .errors
            .iter()
            .find(|d| d.code.as_str() == code)
            .unwrap_or_else(|| panic!("{origins}: {e:?}"));
        assert!(d.message.contains(witness), "{origins}: {}", d.message);
    }
    // The switches still apply, and loopback and named domains pass.
    for policy in [
        json!({"origins": [r"~^http://app\.example\.com$"], "credentials": true,
               "dangerously_allow_insecure_origins": true}),
        json!({"origins": [r"~^https://[a-z]+\.github\.io$"], "credentials": true,
               "dangerously_allow_public_suffix_wildcards": true}),
        json!({"origins": [r"~^http://localhost:[0-9]+$", r"~^https://[a-z]+\.example\.com$"],
               "credentials": true}),
    ] {
        corsgate::Policy::from_json(&policy.to_string()).unwrap();
    }
}

#[test]
fn rejected_policies_and_bad_usage() {
    let out = Command::new(BIN)
        .args(["audit", example("broken/typos.json").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let out = Command::new(BIN).args(["audit"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(BIN)
        .args(["audit", "/nonexistent/x.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A credentialed policy without cross-origin protection is a finding, with its fix; the
/// same policy with protection is not (the example policy has it on).
#[test]
fn credentials_without_protection_is_a_finding() {
    let code = "credentials_without_protection";
    let cred = json!({"origins": ["https://app.example.com"], "credentials": true});
    let (exit, f) = audit_path(&write("cred-no-cop", &cred));
    assert_eq!(exit, 1, "{f:#?}");
    let found: Vec<&Value> = f.iter().filter(|x| x["code"] == code).collect();
    assert_eq!(found.len(), 1, "{f:#?}");
    assert_eq!(found[0]["severity"], "medium");
    assert!(
        found[0]["fix"]
            .as_str()
            .unwrap()
            .contains("\"cross_origin_protection\": true"),
        "{f:#?}"
    );
    let protected = json!({"origins": ["https://app.example.com"], "credentials": true,
                           "cross_origin_protection": true});
    let (exit, f) = audit_path(&write("cred-cop", &protected));
    assert_eq!((exit, f.len()), (0, 0), "{f:#?}");
    let (exit, f) = audit_path(&write(
        "no-cred",
        &json!({"origins": ["https://app.example.com"]}),
    ));
    assert_eq!((exit, f.len()), (0, 0), "{f:#?}");
    // The text form: the finding and its fix on one line.
    let out = Command::new(BIN)
        .args(["audit", write("cred-no-cop-text", &cred).to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("medium: credentials_without_protection: credentials are on")
            && text.contains("; fix: set \"cross_origin_protection\": true"),
        "{text}"
    );
}

#[test]
fn command_help_states_the_exit_codes() {
    for args in [
        &["audit", "--help"][..],
        &["diff", "-h"],
        &["audit", "p.json", "--help"],
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("Exit 0 nothing found, 1 something found, 3 the policy is invalid")
                && text.contains("1 something newly allowed, 2 the policies are")
                && text.contains("3 a policy is invalid.")
                && text.contains("exits 2 on a usage or I/O error"),
            "{args:?}: {text}"
        );
    }
}
