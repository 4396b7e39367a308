//! Policy sets through the `corsgate` binary: `check` (errors by path, warnings per
//! policy), `eval --host --path`, `audit` per policy and route, `diff` per tenant.

use std::path::PathBuf;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_corsgate");

fn file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("corsgate-cli-sets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(BIN).args(args).output().unwrap();
    (
        status.code(),
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

const SET: &str = r#"{
  "defaults": {"methods": ["PUT"], "max_age": 600},
  "policies": {
    "acme": {"origins": ["https://acme.com", "https://*.acme.com"], "credentials": true},
    "globex": {"origins": ["HTTPS://app.globex.io"]},
    "public": {"origins": ["*"]}
  },
  "routes": [
    {"host": "api.acme.com", "policy": "acme"},
    {"host": "api.globex.io", "path_prefix": "/v2/", "policy": "globex"},
    {"host": "*", "path_prefix": "/public/", "policy": "public"}
  ]
}"#;

#[test]
fn check_reports_errors_by_path_and_warnings_per_policy() {
    let ok = file("ok.json", SET);
    let (code, out, _) = run(&["check", ok.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("policies.globex.origins[0]"), "{out}");
    assert!(out.contains("policy set: 3 policies"), "{out}");
    let bad = file(
        "bad.json",
        r#"{"policies": {"acme": {"origins": ["https://acme.com", "https://acme.com/app"]}},
            "routes": [{"host": "https://api.acme.com", "policy": "acme"},
                       {"host": "api.acme.com", "policy": "nope"}]}"#,
    );
    let (code, out, _) = run(&["check", bad.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}");
    for path in [
        "policies.acme.origins[1]",
        "routes[0].host",
        "routes[1].policy",
    ] {
        assert!(out.contains(path), "{path} missing in {out}");
    }
    let (_, out, _) = run(&["check", bad.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let paths: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "policies.acme.origins[1]",
            "routes[0].host",
            "routes[1].policy"
        ]
    );
}

#[test]
fn eval_selects_by_host_and_path() {
    let p = file("eval.json", SET);
    let p = p.to_str().unwrap();
    let (code, out, err) = run(&[
        "eval",
        p,
        "--host",
        "API.acme.com",
        "--origin",
        "https://x.acme.com",
        "--json",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["policy"].as_str(), v["route"].as_u64()),
        (Some("acme"), Some(0))
    );
    assert_eq!(v["allowed"], true);
    let (_, out, _) = run(&[
        "eval",
        p,
        "--host",
        "api.globex.io",
        "--path",
        "/v1/",
        "--origin",
        "https://app.globex.io",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["reason_code"], "no_policy");
    assert!(v["policy"].is_null() && v["route"].is_null());
    let (_, out, _) = run(&[
        "eval",
        p,
        "--host",
        "api.globex.io",
        "--path",
        "/v2/x",
        "--origin",
        "https://app.globex.io",
    ]);
    assert!(out.contains("policy: globex (routes[1])"), "{out}");
    // --path needs a set.
    let plain = file("plain.json", r#"{"origins": ["https://a.com"]}"#);
    let (code, _, err) = run(&[
        "eval",
        plain.to_str().unwrap(),
        "--path",
        "/x",
        "--origin",
        "https://a.com",
    ]);
    assert_eq!(code, Some(2), "{err}");
}

#[test]
fn audit_names_policy_and_routes() {
    let p = file(
        "audit.json",
        r#"{"policies": {"weak": {"origins": ["~^https://.*example\\.com$"]}, "fine": {"origins": ["https://ok.example.org"]}},
            "routes": [{"host": "api.example.com", "path_prefix": "/v1/", "policy": "weak"}, {"host": "*", "policy": "fine"}]}"#,
    );
    let (code, out, err) = run(&["audit", p.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("policies.weak (selected by routes[0] api.example.com /v1/)"),
        "{out}"
    );
    assert!(!out.contains("policies.fine ("), "{out}");
    let (_, out, _) = run(&["audit", p.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["policies"][0]["policy"], "weak");
    assert_eq!(
        v["policies"][0]["routes"][0],
        "routes[0] api.example.com /v1/"
    );
    assert!(!v["policies"][0]["findings"].as_array().unwrap().is_empty());
    assert!(v["policies"][1]["findings"].as_array().unwrap().is_empty());
}

#[test]
fn diff_names_the_tenant_that_gains() {
    let old = file("old.json", SET);
    let new = file(
        "new.json",
        &SET.replace("\"https://acme.com\", ", "\"https://acme.com\", \"https://partner.io\", ")
            .replace(
                "\"public\": {\"origins\": [\"*\"]}",
                "\"public\": {\"origins\": [\"*\"]}, \"initech\": {\"origins\": [\"https://initech.com\"]}",
            )
            .replace(
                "{\"host\": \"*\", \"path_prefix\": \"/public/\", \"policy\": \"public\"}",
                "{\"host\": \"*\", \"path_prefix\": \"/public/\", \"policy\": \"public\"}, {\"host\": \"api.initech.com\", \"policy\": \"initech\"}",
            ),
    );
    let (code, out, err) = run(&["diff", old.to_str().unwrap(), new.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("policies.acme: newly allowed: origins"),
        "{out}"
    );
    assert!(out.contains("partner.io"), "{out}");
    assert!(
        out.contains("policies.initech: newly allowed: new policy"),
        "{out}"
    );
    assert!(
        out.contains("api.initech.com /: newly allowed: new route to policy initech"),
        "{out}"
    );
    let (code, out, _) = run(&["diff", old.to_str().unwrap(), old.to_str().unwrap()]);
    assert_eq!(code, Some(0));
    assert!(out.contains("no difference"));
    let plain = file("plain2.json", r#"{"origins": ["https://a.com"]}"#);
    let (code, _, _) = run(&["diff", plain.to_str().unwrap(), old.to_str().unwrap()]);
    assert_eq!(code, Some(2));
}
