//! `corsgate diff OLD NEW`: widened wildcards, added ports, credentials switched on,
//! narrowing, and an identical policy written differently (no difference).

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_corsgate");

fn write(name: &str, policy: &Value) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("corsgate-diff-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(policy).unwrap()).unwrap();
    path
}

/// Runs `corsgate diff OLD NEW --json`: (exit code, changes).
fn diff(name: &str, old: Value, new: Value) -> (i32, Vec<Value>) {
    let (o, n) = (
        write(&format!("{name}-old"), &old),
        write(&format!("{name}-new"), &new),
    );
    let out = Command::new(BIN)
        .args(["diff", o.to_str().unwrap(), n.to_str().unwrap(), "--json"])
        .output()
        .expect("run corsgate");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{name}: not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let code = out.status.code().unwrap();
    assert_eq!(
        report["widens"].as_bool().unwrap(),
        code == 1,
        "{name}: exit code and widens disagree"
    );
    (code, report["changes"].as_array().unwrap().clone())
}

fn find<'a>(changes: &'a [Value], direction: &str, field: &str) -> Vec<&'a Value> {
    changes
        .iter()
        .filter(|c| c["direction"] == direction && c["field"] == field)
        .collect()
}

fn examples(c: &Value) -> Vec<&str> {
    c["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect()
}

#[test]
fn widened_wildcard_on_any_port() {
    let (code, changes) = diff(
        "widened",
        json!({"origins": ["https://example.org", "https://*.app.example.org"]}),
        json!({"origins": ["https://example.org", "https://*.example.org:*"]}),
    );
    assert_eq!(code, 1);
    let added = find(&changes, "newly_allowed", "origins");
    assert_eq!(added.len(), 1, "{changes:#?}");
    assert_eq!(
        added[0]["text"],
        "any subdomain of example.org (https://*.example.org) on any port"
    );
    assert_eq!(added[0]["index"], 1);
    assert!(!examples(added[0]).is_empty());
    for e in examples(added[0]) {
        assert!(
            e.starts_with("https://") && e.contains("example.org"),
            "{e}"
        );
    }
    // The narrower wildcard it replaces is covered: nothing is newly denied.
    assert!(
        find(&changes, "newly_denied", "origins").is_empty(),
        "{changes:#?}"
    );
}

#[test]
fn added_ports_are_stated() {
    let (code, changes) = diff(
        "ports",
        json!({"origins": ["https://api.example.com", "http://localhost:[3000-3999]"]}),
        json!({"origins": ["https://api.example.com:[443,8443]", "http://localhost:[3000-4999]"]}),
    );
    assert_eq!(code, 1);
    let added = find(&changes, "newly_allowed", "origins");
    let texts: Vec<&str> = added.iter().map(|c| c["text"].as_str().unwrap()).collect();
    assert_eq!(
        texts,
        [
            "https://api.example.com on port 8443",
            "http://localhost on ports 4000-4999"
        ]
    );
    assert!(examples(added[0]).contains(&"https://api.example.com:8443"));
    assert!(
        examples(added[1]).contains(&"http://localhost:4000"),
        "{:?}",
        examples(added[1])
    );
    assert!(find(&changes, "newly_denied", "origins").is_empty());
}

#[test]
fn credentials_switched_on_and_off() {
    let base = json!({"origins": ["https://app.example.com"]});
    let on = json!({"origins": ["https://app.example.com"], "credentials": true});
    let (code, changes) = diff("cred-on", base.clone(), on.clone());
    assert_eq!(code, 1);
    assert_eq!(find(&changes, "newly_allowed", "credentials").len(), 1);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let (code, changes) = diff("cred-off", on, base);
    assert_eq!(code, 0);
    assert_eq!(find(&changes, "newly_denied", "credentials").len(), 1);
}

#[test]
fn identical_policy_written_differently() {
    let (code, changes) = diff(
        "same",
        json!({
            "origins": ["https://Example.com:443/", "https://*.example.org:[8443,443]",
                        "http://localhost:*", "~^https://pr-[0-9]+\\.preview\\.example\\.com$"],
            "methods": ["put", "DELETE", "GET"],
            "request_headers": ["X-Request-Id", "content-type", "Content-Type"],
            "expose_headers": ["X-Total"],
            "max_age": 600
        }),
        json!({
            "origins": ["~^https://pr-[0-9]+\\.preview\\.example\\.com$", "http://localhost:*",
                        "https://*.example.org:[443,8443]", "https://example.com"],
            "methods": ["DELETE", "PUT"],
            "request_headers": ["content-type", "x-request-id"],
            "expose_headers": ["x-total"],
            "max_age": 600,
            "credentials": false,
            "preflight_status": 204
        }),
    );
    assert_eq!(changes, Vec::<Value>::new());
    assert_eq!(code, 0);
}

#[test]
fn narrowing_is_newly_denied_and_passes_the_gate() {
    let (code, changes) = diff(
        "narrow",
        json!({"origins": ["https://*.example.com", "https://other.net"], "methods": ["PUT", "DELETE"],
               "request_headers": ["*"]}),
        json!({"origins": ["https://*.example.com"], "methods": ["PUT"], "request_headers": ["x-a"]}),
    );
    assert_eq!(code, 0, "{changes:#?}");
    let denied = find(&changes, "newly_denied", "origins");
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0]["text"], "https://other.net on the default port");
    assert_eq!(
        find(&changes, "newly_denied", "methods")[0]["text"],
        "DELETE"
    );
    assert_eq!(
        find(&changes, "newly_denied", "request_headers")[0]["text"],
        "any (\"*\")"
    );
}

#[test]
fn methods_headers_and_regexes_widening() {
    let (code, changes) = diff(
        "methods",
        json!({"origins": ["~^https://a\\.example\\.com$"], "methods": ["PUT"], "request_headers": ["x-a"]}),
        json!({"origins": ["~^https://(a|b)\\.example\\.com$"], "methods": ["put", "PATCH"],
               "request_headers": ["x-a", "Authorization"], "expose_headers": ["x-total"],
               "private_network": true}),
    );
    assert_eq!(code, 1);
    assert_eq!(
        find(&changes, "newly_allowed", "methods")[0]["text"],
        "PATCH"
    );
    assert_eq!(
        find(&changes, "newly_allowed", "request_headers")[0]["text"],
        "authorization"
    );
    assert_eq!(
        find(&changes, "newly_allowed", "expose_headers")[0]["text"],
        "x-total"
    );
    assert_eq!(find(&changes, "newly_allowed", "private_network").len(), 1);
    let origins = find(&changes, "newly_allowed", "origins");
    assert_eq!(origins.len(), 1);
    assert!(origins[0]["text"].as_str().unwrap().contains("(a|b)"));
}

#[test]
fn text_output_and_usage() {
    let p = write("text", &json!({"origins": ["https://a.com"]}));
    let out = Command::new(BIN)
        .args(["diff", p.to_str().unwrap(), p.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no difference"));
    let out = Command::new(BIN)
        .args(["diff", p.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `(old origins, new origins, newly allowed witnesses, newly denied witnesses)`: the
/// exact answers, one witness (the shortest) per pattern that changes.
/// Old origins, new origins, newly allowed witnesses, newly denied witnesses.
type Pair = (
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

const PAIRS: &[Pair] = &[
    // Equivalent rewrites: no change.
    (
        &["https://example.com"],
        &[r"~^https://example\.com$"],
        &[],
        &[],
    ),
    (
        &["https://a.com", "https://b.com"],
        &["https://b.com", "https://a.com"],
        &[],
        &[],
    ),
    (
        &[r"~^https://pr-[0-9]+\.example\.com$"],
        &[r"~^https://pr-\d+\.example\.com$"],
        &[],
        &[],
    ),
    (
        &["https://*.example.com"],
        &[r"~^https://(?:[a-z0-9_-]+\.)+example\.com$"],
        &[],
        &[],
    ),
    (
        &["https://example.com:[443,8443]"],
        &["https://example.com", "https://example.com:8443"],
        &[],
        &[],
    ),
    (
        &["http://localhost:*"],
        &[r"~^http://localhost(:[0-9]+)?$"],
        &[],
        &[],
    ),
    (
        &[r"~^https://(app|www)\.example\.com$"],
        &["https://app.example.com", "https://www.example.com"],
        &[],
        &[],
    ),
    (
        &["https://a.example.com", "https://*.example.com"],
        &["https://*.example.com"],
        &[],
        &[],
    ),
    (
        &[r"~^https://example\.(com|org)$"],
        &["https://example.com", "https://example.org"],
        &[],
        &[],
    ),
    (
        &["http://127.0.0.1:[3000-3999]"],
        &[r"~^http://127\.0\.0\.1:3[0-9]{3}$"],
        &[],
        &[],
    ),
    // Narrowing only.
    (
        &["https://*.example.com"],
        &[r"~^https://[a-z0-9.-]+\.example\.com$"],
        &[],
        &["https://_.example.com"],
    ),
    (
        &["https://*.example.com"],
        &["https://app.example.com"],
        &[],
        &["https://a.example.com"],
    ),
    (
        &[r"~^https://(app|www)\.example\.com$"],
        &["https://app.example.com"],
        &[],
        &["https://www.example.com"],
    ),
    (
        &["https://*.example.com"],
        &["https://*.a.example.com", "https://*.b.example.com"],
        &[],
        &["https://a.example.com"],
    ),
    // Widening.
    (
        &["https://example.com"],
        &[r"~^https?://example\.com$"],
        &["http://example.com"],
        &[],
    ),
    (
        &[r"~^https://[a-z]+\.example\.com$"],
        &["https://*.example.com"],
        &["https://0.example.com"],
        &[],
    ),
    (
        &["https://example.com"],
        &["https://example.com:[443,8443]"],
        &["https://example.com:8443"],
        &[],
    ),
    (
        &["https://*.example.org"],
        &["https://*.example.org:*"],
        &["https://a.example.org:1"],
        &[],
    ),
    (
        &[r"~^https://[a-z]*example\.com$"],
        &[r"~^https://([a-z]+\.)?example\.com$"],
        &["https://a.example.com"],
        &["https://aexample.com"],
    ),
    (
        &["http://127.0.0.1:[3000-3999]"],
        &[r"~^http://127\.0\.0\.1:3[0-9]{2,3}$"],
        &["http://127.0.0.1:300"],
        &[],
    ),
    (&["https://a.com"], &["*"], &["null", "a://a"], &[]),
];

#[test]
fn diff_pairs_have_exact_answers() {
    assert!(PAIRS.len() >= 20);
    for (n, (old, new, added, removed)) in PAIRS.iter().enumerate() {
        let (code, changes) = diff(
            &format!("pair-{n}"),
            json!({ "origins": old }),
            json!({ "origins": new }),
        );
        let witnesses = |dir: &str| -> Vec<String> {
            find(&changes, dir, "origins")
                .iter()
                .flat_map(|c| examples(c).into_iter().map(str::to_owned))
                .collect()
        };
        assert_eq!(witnesses("newly_allowed"), *added, "{old:?} -> {new:?}");
        assert_eq!(witnesses("newly_denied"), *removed, "{old:?} -> {new:?}");
        assert_eq!(code, i32::from(!added.is_empty()), "{old:?} -> {new:?}");
        let (o, p) = (
            corsgate::Policy::from_json(&json!({ "origins": old }).to_string()).unwrap(),
            corsgate::Policy::from_json(&json!({ "origins": new }).to_string()).unwrap(),
        );
        for w in *added {
            assert!(p.is_origin_allowed(w.as_bytes()) && !o.is_origin_allowed(w.as_bytes()));
        }
        for w in *removed {
            assert!(o.is_origin_allowed(w.as_bytes()) && !p.is_origin_allowed(w.as_bytes()));
        }
    }
}

#[test]
fn an_invalid_policy_exits_3() {
    let ok = write("valid", &json!({"origins": ["https://a.com"]}));
    let bad = write("invalid", &json!({"origins": ["null"]}));
    let out = Command::new(BIN)
        .args(["diff", ok.to_str().unwrap(), bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn protection_switched_off_is_newly_allowed() {
    let on = json!({"origins": ["https://app.example.com"], "cross_origin_protection": true});
    let off = json!({"origins": ["https://app.example.com"]});
    let (code, changes) = diff("cop-off", on.clone(), off.clone());
    assert_eq!(code, 1, "switching protection off widens: the gate fails");
    let c = find(&changes, "newly_allowed", "cross_origin_protection");
    assert_eq!(c.len(), 1, "{changes:#?}");
    assert!(
        c[0]["text"]
            .as_str()
            .unwrap()
            .contains("reach the application")
    );
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let (code, changes) = diff("cop-on", off, on);
    assert_eq!(code, 0, "switching protection on narrows");
    assert_eq!(
        find(&changes, "newly_denied", "cross_origin_protection").len(),
        1
    );
    // The text form names the switch.
    let (o, n) = (
        write(
            "cop-text-old",
            &json!({"origins": ["https://a.com"], "cross_origin_protection": true}),
        ),
        write("cop-text-new", &json!({"origins": ["https://a.com"]})),
    );
    let out = Command::new(BIN)
        .args(["diff", o.to_str().unwrap(), n.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("newly allowed: cross_origin_protection: unsafe requests"),
        "{text}"
    );
    assert!(text.contains("some newly allowed"), "{text}");
}
