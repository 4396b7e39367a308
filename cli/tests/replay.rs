//! `corsgate diff --replay REQUESTS.jsonl OLD NEW`: counts and lists the requests of a
//! recorded log whose verdict changes, agrees with two `eval --jsonl` runs, skips
//! malformed lines, and exits 0 / 1 / 2 / 3 as documented.

use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_corsgate");

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("corsgate-replay-test-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes `text` under the test directory (each test uses its own names: tests run in
/// parallel).
fn write(name: &str, text: &str) -> String {
    let path = dir().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().expect("run corsgate");
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn old_new(tag: &str) -> (String, String) {
    (
        write(
            &format!("{tag}-old.json"),
            &json!({"origins": ["https://a.example"], "methods": ["PUT"]}).to_string(),
        ),
        write(
            &format!("{tag}-new.json"),
            &json!({"origins": ["https://a.example", "https://b.example"]}).to_string(),
        ),
    )
}

const PRE: &str = "Access-Control-Request-Method";

fn log(tag: &str) -> String {
    let lines = [
        json!({"method": "GET", "headers": [["Origin", "https://a.example"]]}).to_string(),
        json!({"method": "GET", "headers": [["Origin", "https://b.example"]]}).to_string(),
        json!({"method": "OPTIONS", "headers": [["Origin", "https://a.example"], [PRE, "PUT"]]})
            .to_string(),
        json!({"method": "GET", "headers": []}).to_string(),
        "not json".to_owned(),
        String::new(),
        json!({"method": "OPTIONS", "headers": [["Origin", "https://b.example"], [PRE, "GET"]]})
            .to_string(),
    ];
    write(&format!("{tag}-requests.jsonl"), &(lines.join("\n") + "\n"))
}

#[test]
fn counts_and_lists_changed_verdicts() {
    let (old, new) = old_new("counts");
    let log = log("counts");
    let (code, stdout, stderr) = run(&["diff", "--replay", &log, &old, &new, "--json"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let r: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        (
            &r["requests"],
            &r["changed"],
            &r["newly_allowed"],
            &r["newly_denied"],
            &r["malformed"]
        ),
        (&json!(5), &json!(3), &json!(2), &json!(1), &json!(1)),
        "{r}"
    );
    let changes = r["changes"].as_array().unwrap();
    let lines: Vec<_> = changes
        .iter()
        .map(|c| c["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [2, 3, 7]);
    assert_eq!(changes[1]["old"]["reason_code"], "origin_allowed");
    assert_eq!(changes[1]["new"]["reason_code"], "method_not_allowed");
    assert_eq!(changes[0]["origin"], "https://b.example");
    assert!(stderr.contains(":5: skipped: invalid JSON"), "{stderr}");

    let (code, text, _) = run(&["diff", "--replay", &log, &old, &new]);
    assert_eq!(code, 1);
    assert!(
        text.contains(
            "line 3: OPTIONS from https://a.example: preflight allowed (origin_allowed: origin allowed by origins[0] \"https://a.example\") → preflight denied (method_not_allowed: method \"PUT\" not allowed (methods are case-sensitive))"
        ),
        "{text}"
    );
    assert!(
        text.trim_end().ends_with(
            "5 requests, 3 verdicts changed (2 newly allowed, 1 newly denied), 1 malformed line(s) skipped"
        ),
        "{text}"
    );
}

/// The replay's count equals the number of lines whose (kind, allowed) differ between
/// `eval --jsonl` runs of each policy over the same log.
#[test]
fn agrees_with_two_eval_runs() {
    let (old, new) = old_new("agrees");
    let log = log("agrees");
    let eval = |policy: &str| -> Vec<Value> {
        let out = Command::new(BIN)
            .args(["eval", policy, "--jsonl"])
            .stdin(Stdio::from(std::fs::File::open(&log).unwrap()))
            .output()
            .unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .filter(|v: &Value| v.get("error").is_none())
            .collect()
    };
    let (a, b) = (eval(&old), eval(&new));
    assert_eq!(a.len(), 5);
    let differ = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x["kind"] != y["kind"] || x["allowed"] != y["allowed"])
        .count();
    let (_, stdout, _) = run(&["diff", "--replay", &log, &old, &new, "--json"]);
    let r: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(r["changed"], json!(differ));
}

#[test]
fn same_policy_no_change_exit_0() {
    let (old, _) = old_new("same");
    let (code, stdout, _) = run(&["diff", "--replay", &log("same"), &old, &old]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("0 verdicts changed"), "{stdout}");
}

#[test]
fn errors_exit_2_and_3() {
    let (old, new) = old_new("errors");
    let bad = write("bad.json", r#"{"origins": ["https://*example.com"]}"#);
    assert_eq!(run(&["diff", "--replay", &log("errors"), &old, &bad]).0, 3);
    let (code, _, stderr) = run(&[
        "diff",
        "--replay",
        "/nonexistent/requests.jsonl",
        &old,
        &new,
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("/nonexistent/requests.jsonl"), "{stderr}");
    let junk = write("junk.jsonl", "nope\n{]\n");
    let (code, _, stderr) = run(&["diff", "--replay", &junk, &old, &new]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no request line could be read (2 malformed)"),
        "{stderr}"
    );
    assert_eq!(run(&["diff", "--replay", &log("errors"), &old]).0, 2);
    assert_eq!(run(&["diff", "--replay"]).0, 2);
}
