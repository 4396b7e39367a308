//! The `corsgate` binary: every vector through `eval --jsonl`, and `check` on the
//! bundled examples.

use corsgate_conformance::{
    Observed, V2_FEATURES, Vector, all_vectors, pending_feature, run_all, v2_vectors,
};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_corsgate");

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn corsgate");
    // The child may exit before reading (a rejected policy): a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn temp_policy(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("corsgate-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}.json", name.replace('/', "_")));
    std::fs::write(&path, text).unwrap();
    path
}

/// The binary as an engine: `check --json` for the error codes, `eval --jsonl` for the
/// decision.
fn binary_engine(policy_text: &str, v: &Vector) -> Result<Observed, Vec<String>> {
    let path = temp_policy(&v.name, policy_text);
    let p = path.to_str().unwrap();
    let out = run(&["eval", p, "--jsonl"], &(v.request_line() + "\n"));
    if out.status.code() == Some(1) {
        let check = run(&["check", p, "--json"], "");
        let report: serde_json::Value =
            serde_json::from_slice(&check.stdout).expect("check --json output");
        return Err(report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["code"].as_str().unwrap().to_owned())
            .collect());
    }
    assert!(
        out.status.success(),
        "{}: eval failed: {}",
        v.name,
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}: one decision per request line", v.name);
    let decision: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    Ok(Observed::from_json(&decision).unwrap())
}

#[test]
fn every_vector_passes_through_eval_jsonl() {
    let vectors = all_vectors();
    assert!(vectors.len() >= 300);
    let failures = run_all(&vectors, binary_engine);
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The version-2 vectors the core has the features for (cross-origin protection, every
/// `merge-` vector but the one that needs policy sets): `app_headers` in,
/// `merged_headers` out, judged on the final response.
#[test]
fn v2_vectors_pass_through_eval_jsonl_with_merged_headers() {
    let run_now: Vec<Vector> = v2_vectors()
        .into_iter()
        .filter(|v| pending_feature(v, V2_FEATURES).is_none())
        .collect();
    let merge = run_now
        .iter()
        .filter(|v| v.id.starts_with("merge-"))
        .count();
    assert!(merge >= 19, "only {merge} merge- vectors run");
    assert!(
        run_now
            .iter()
            .any(|v| v.id == "merge-refused-app-not-called"),
        "the refused merge vector runs"
    );
    let cop = run_now.iter().filter(|v| v.id.starts_with("cop-")).count();
    assert!(cop >= 27, "only {cop} cop- vectors run");
    let failures = run_all(&run_now, binary_engine);
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `eval POLICY --jsonl` on `input`: it must succeed; its output lines as JSON.
fn eval_jsonl(policy: &Path, input: &str) -> Vec<serde_json::Value> {
    let out = run(&["eval", policy.to_str().unwrap(), "--jsonl"], input);
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The `error` text of an output line (empty when it has none).
fn error_of(line: &serde_json::Value) -> &str {
    line["error"].as_str().unwrap_or("")
}

#[test]
fn jsonl_merged_headers_and_malformed_fields() {
    let path = temp_policy("merge", r#"{"origins":["https://a.example.com"]}"#);
    let input = concat!(
        "{\"headers\":[[\"Origin\",\"https://evil.example\"]],\"app_headers\":[[\"Access-Control-Allow-Origin\",\"*\"],[\"Vary\",\"Accept\"]]}\n",
        "{\"app_headers\":[[\"Vary\"]]}\n",
        "{\"path\":[\"/\"]}\n",
        "{\"headers\":[[\"Origin\",\"https://a.example.com\"]],\"path\":\"/x\"}\n",
    );
    let lines = eval_jsonl(&path, input);
    assert_eq!(lines.len(), 4);
    assert_eq!(
        lines[0]["merged_headers"],
        serde_json::json!([["Vary", "Accept"], ["Vary", "Origin"]])
    );
    assert_eq!(lines[0]["allowed"], false);
    assert!(error_of(&lines[1]).contains("app_headers[0]"));
    assert!(error_of(&lines[2]).contains("\"path\" must be a string"));
    assert_eq!(lines[3]["allowed"], true);
    assert!(lines[3].get("merged_headers").is_none());
}

#[test]
fn jsonl_stream_survives_malformed_lines() {
    let path = temp_policy(
        "stream",
        r#"{"origins":["https://a.example.com"],"methods":["PUT"]}"#,
    );
    let input = concat!(
        "{\"method\":\"OPTIONS\",\"headers\":[[\"Origin\",\"https://a.example.com\"],[\"Access-Control-Request-Method\",\"PUT\"]]}\n",
        "not json\n",
        "\n",
        "{\"method\":7}\n",
        "{\"headers\":[[\"Origin\",\"https://evil.example\"]]}\n",
    );
    let lines = eval_jsonl(&path, input);
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["kind"], "preflight");
    assert_eq!(lines[0]["allowed"], true);
    assert_eq!(lines[0]["status"], 204);
    assert!(error_of(&lines[1]).starts_with("line 2: invalid JSON"));
    assert!(error_of(&lines[2]).contains("\"method\" must be a string"));
    assert_eq!(lines[3]["kind"], "actual");
    assert_eq!(lines[3]["allowed"], false);
    assert_eq!(lines[3]["status"], serde_json::Value::Null);
    assert_eq!(lines[3]["reason_code"], "origin_not_allowed");
}

#[test]
fn check_accepts_the_example_policy() {
    let p = examples().join("policy.json");
    let out = run(&["check", p.to_str().unwrap()], "");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(": ok — "), "{text}");
}

#[test]
fn check_lists_every_error_of_each_broken_example() {
    let mut broken: Vec<PathBuf> = std::fs::read_dir(examples().join("broken"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    broken.sort();
    assert!(broken.len() >= 3);
    for path in broken {
        // Each broken example declares the codes it must produce, in order, in a
        // sibling .expect file.
        let expected: Vec<String> = std::fs::read_to_string(path.with_extension("expect"))
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect();
        let out = run(&["check", path.to_str().unwrap()], "");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert_eq!(out.status.code(), Some(1), "{}: {text}", path.display());
        let error_lines: Vec<&str> = text.lines().filter(|l| l.contains(": error: ")).collect();
        assert_eq!(
            error_lines.len(),
            expected.len(),
            "{}:\n{text}",
            path.display()
        );
        for (line, code) in error_lines.iter().zip(&expected) {
            assert!(
                line.contains(&format!(": {code}: ")),
                "{}: `{line}` lacks {code}",
                path.display()
            );
        }
    }
}

#[test]
fn eval_explains_in_human_form() {
    let p = examples().join("policy.json");
    let p = p.to_str().unwrap();
    let out = run(
        &[
            "eval",
            p,
            "--origin",
            "https://app.example.com",
            "--request-method",
            "PUT",
            "--request-headers",
            "content-type",
        ],
        "",
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.starts_with("ALLOWED — preflight request, answer with status 204"),
        "{text}"
    );
    assert!(
        text.contains("why: origin allowed by origins[1] \"https://*.example.com\""),
        "{text}"
    );
    assert!(
        text.contains("  Access-Control-Allow-Origin: https://app.example.com"),
        "{text}"
    );
    let out = run(
        &["eval", p, "--origin", "https://app.example.com.evil.net"],
        "",
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("DENIED — actual request"), "{text}");
    assert!(
        text.contains("why: origin not allowed by any pattern"),
        "{text}"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(&["frobnicate"], "").status.code(), Some(2));
    assert_eq!(run(&["check"], "").status.code(), Some(2));
    assert_eq!(
        run(&["check", "/nonexistent/policy.json"], "")
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&["eval", "x.json", "--header", "no-colon"], "")
            .status
            .code(),
        Some(2)
    );
    assert!(run(&["--version"], "").status.success());
}

/// A refused request through `eval` (human and `--json`) and `eval --jsonl`: status 403,
/// `Vary: Origin` alone, and with `app_headers` none of the application's headers.
#[test]
fn eval_answers_refused_requests() {
    let path = temp_policy(
        "cop",
        r#"{"origins":["https://app.example.com"],"credentials":true,"cross_origin_protection":true}"#,
    );
    let p = path.to_str().unwrap();
    let args = [
        "eval",
        p,
        "--origin",
        "https://evil.example",
        "--method",
        "POST",
        "--header",
        "Host: api.example.com",
        "--header",
        "Sec-Fetch-Site: cross-site",
    ];
    let out = run(&args, "");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("REFUSED"), "{text}");
    assert!(text.contains("answer with status 403"), "{text}");
    assert!(text.contains("Vary: Origin"), "{text}");
    assert!(text.contains("cross-origin protection"), "{text}");
    let out = run(&[&args[..], &["--json"]].concat(), "");
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["kind"], "refused");
    assert_eq!(d["status"], 403);
    assert_eq!(d["allowed"], false);
    assert_eq!(d["reason_code"], "cross_origin_request_refused");
    assert_eq!(d["headers"], serde_json::json!([["Vary", "Origin"]]));

    let input = concat!(
        // Refused, with application headers: the application is not called.
        "{\"method\":\"POST\",\"headers\":[[\"Host\",\"api.example.com\"],[\"Origin\",\"https://evil.example\"]],",
        "\"app_headers\":[[\"X-Powered-By\",\"app\"],[\"Access-Control-Allow-Origin\",\"*\"],[\"Vary\",\"Cookie\"]]}\n",
        // The same origin as the Host (no Sec-Fetch-Site): passes, CORS denies it.
        "{\"method\":\"POST\",\"headers\":[[\"Host\",\"api.example.com\"],[\"Origin\",\"https://api.example.com\"]]}\n",
        // A trusted origin's WebSocket handshake: passes and is allowed.
        "{\"method\":\"GET\",\"headers\":[[\"Origin\",\"https://app.example.com\"],[\"Upgrade\",\"websocket\"]],",
        "\"app_headers\":[[\"X-Powered-By\",\"app\"]]}\n",
        // An untrusted one: refused.
        "{\"method\":\"GET\",\"headers\":[[\"Origin\",\"https://evil.example\"],[\"Upgrade\",\"websocket\"]]}\n",
    );
    let lines = eval_jsonl(&path, input);
    assert_eq!(lines.len(), 4);
    assert_eq!(
        (lines[0]["kind"].as_str(), lines[0]["status"].as_u64()),
        (Some("refused"), Some(403))
    );
    assert_eq!(
        lines[0]["merged_headers"],
        serde_json::json!([["Vary", "Origin"]])
    );
    assert_eq!(
        (lines[1]["kind"].as_str(), lines[1]["allowed"].as_bool()),
        (Some("actual"), Some(false))
    );
    assert_eq!(lines[1]["status"], serde_json::Value::Null);
    assert_eq!(
        (lines[2]["kind"].as_str(), lines[2]["allowed"].as_bool()),
        (Some("actual"), Some(true))
    );
    let merged = lines[2]["merged_headers"].as_array().unwrap();
    assert_eq!(merged[0], serde_json::json!(["X-Powered-By", "app"]));
    assert_eq!(lines[3]["kind"], "refused");
    assert_eq!(lines[3]["reason_code"], "cross_origin_request_refused");
}
