//! `corsgate`: check a CORS policy, and evaluate requests against it.
//!
//! ```text
//! corsgate check POLICY [--json]
//! corsgate eval POLICY --origin O [--method M] [--request-method M] [--request-headers H]
//!                      [--header 'Name: value']... [--json]
//! corsgate eval POLICY --jsonl  < requests.jsonl > decisions.jsonl
//! corsgate audit POLICY [--json]
//! corsgate diff OLD NEW [--json]
//! ```
//!
//! Exit codes: 0 success (check: no errors), 1 the policy has errors, 2 usage or I/O error.

#![forbid(unsafe_code)]

mod audit;
mod diff;

use corsgate::{ConfigError, Diagnostic, Policy};
use serde_json::{Value, json};
use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;

const USAGE: &str = "\
corsgate — a CORS policy engine

USAGE:
  corsgate check POLICY [--json]
      Validate and lint a policy file. Exit 0 when it compiles (warnings are shown),
      1 when it has errors (every error is listed with its entry and code).

  corsgate eval POLICY --origin ORIGIN [--method METHOD] [--request-method METHOD]
                [--request-headers NAMES] [--header 'Name: value']... [--json]
      Decide one request and explain the decision. --request-method makes it a
      preflight (method OPTIONS plus Access-Control-Request-Method).

  corsgate eval POLICY --jsonl
      Decide one request per input line:
        {\"method\":\"OPTIONS\",\"headers\":[[\"Origin\",\"https://a.example.com\"],…]}
      and print one decision per line:
        {\"kind\":\"preflight\",\"allowed\":true,\"status\":204,\"headers\":[[…]],\"reason\":\"…\",\"reason_code\":\"…\"}
      A malformed line yields {\"error\":\"…\"} and the stream goes on.

  corsgate audit POLICY [--json]
      Attack every pattern with origins from the known bypass classes (prefix/suffix,
      pre/post-domain, unescaped dots, special characters, scheme downgrade, ports,
      null, case and trailing dot, userinfo/path/query smuggling, IDN look-alikes,
      public-suffix siblings) and report each one allowed beyond what the pattern was
      meant to admit, plus risky configuration. Exit 1 when anything is found.

  corsgate diff OLD NEW [--json]
      State which origins (per pattern), methods, headers and switches become newly
      allowed or newly denied. Exit 1 when anything becomes newly allowed.

  corsgate --version | --help
";

/// A usage or I/O failure: printed, exit 2.
struct Fail(String);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(Fail(msg)) => {
            eprintln!("corsgate: {msg}");
            eprintln!("(run `corsgate --help` for usage)");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, Fail> {
    match args.first().map(String::as_str) {
        None | Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Some("-V" | "--version" | "version") => {
            println!("corsgate {}", corsgate::VERSION);
            Ok(ExitCode::SUCCESS)
        }
        Some("check") => check(&args[1..]),
        Some("eval") => eval(&args[1..]),
        Some("audit") => audit::audit(&args[1..]),
        Some("diff") => diff::diff(&args[1..]),
        Some(other) => Err(Fail(format!("unknown command \"{other}\""))),
    }
}

fn read_policy_text(path: &str) -> Result<Vec<u8>, Fail> {
    std::fs::read(path).map_err(|e| Fail(format!("cannot read policy {path}: {e}")))
}

fn diag_json(d: &Diagnostic) -> Value {
    json!({
        "severity": d.severity().as_str(),
        "code": d.code.as_str(),
        "field": d.field,
        "index": d.index,
        "value": d.value,
        "message": d.message,
    })
}

fn print_diags(path: &str, diags: &[Diagnostic]) {
    for d in diags {
        println!("{path}: {}: {d}", d.severity().as_str());
    }
}

fn check(args: &[String]) -> Result<ExitCode, Fail> {
    let mut path = None;
    let mut as_json = false;
    for a in args {
        match a.as_str() {
            "--json" => as_json = true,
            s if s.starts_with('-') => return Err(Fail(format!("check: unknown option {s}"))),
            s if path.is_none() => path = Some(s.to_owned()),
            s => return Err(Fail(format!("check: unexpected argument {s}"))),
        }
    }
    let path = path.ok_or_else(|| Fail("check: missing POLICY".into()))?;
    let bytes = read_policy_text(&path)?;
    let result = Policy::from_json_bytes(&bytes);
    let (errors, warnings, patterns): (&[Diagnostic], &[Diagnostic], Vec<String>) = match &result {
        Ok(p) => (
            &[],
            p.warnings(),
            p.patterns().iter().map(|p| p.normalized.clone()).collect(),
        ),
        Err(ConfigError { errors, warnings }) => (errors, warnings, Vec::new()),
    };
    if as_json {
        let out = json!({
            "policy": path,
            "ok": errors.is_empty(),
            "errors": errors.iter().map(diag_json).collect::<Vec<_>>(),
            "warnings": warnings.iter().map(diag_json).collect::<Vec<_>>(),
            "patterns": patterns,
        });
        println!("{out}");
    } else {
        print_diags(&path, errors);
        print_diags(&path, warnings);
        if errors.is_empty() {
            println!(
                "{path}: ok — {} origin pattern{} compiled, {} warning{}",
                patterns.len(),
                if patterns.len() == 1 { "" } else { "s" },
                warnings.len(),
                if warnings.len() == 1 { "" } else { "s" }
            );
            for p in &patterns {
                println!("  {p}");
            }
        } else {
            println!(
                "{path}: {} error{}, {} warning{}: the policy is rejected",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" },
                warnings.len(),
                if warnings.len() == 1 { "" } else { "s" }
            );
        }
    }
    Ok(if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn compile(path: &str) -> Result<Result<Policy, ExitCode>, Fail> {
    let bytes = read_policy_text(path)?;
    Ok(match Policy::from_json_bytes(&bytes) {
        Ok(p) => Ok(p),
        Err(e) => {
            for d in &e.errors {
                eprintln!("{path}: error: {d}");
            }
            eprintln!("{path}: the policy is rejected; run `corsgate check {path}`");
            Err(ExitCode::from(1))
        }
    })
}

fn eval(args: &[String]) -> Result<ExitCode, Fail> {
    let mut path = None;
    let (mut origin, mut method, mut acrm, mut acrh) = (None, None, None, None);
    let mut extra: Vec<(String, String)> = Vec::new();
    let (mut as_json, mut jsonl) = (false, false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| Fail(format!("eval: {name} needs a value")))
        };
        match a.as_str() {
            "--origin" => origin = Some(value("--origin")?),
            "--method" => method = Some(value("--method")?),
            "--request-method" => acrm = Some(value("--request-method")?),
            "--request-headers" => acrh = Some(value("--request-headers")?),
            "--header" | "-H" => {
                let h = value("--header")?;
                let (n, v) = h
                    .split_once(':')
                    .ok_or_else(|| Fail(format!("eval: --header \"{h}\" is not 'Name: value'")))?;
                extra.push((n.trim().to_owned(), v.trim_start().to_owned()));
            }
            "--json" => as_json = true,
            "--jsonl" => jsonl = true,
            s if s.starts_with('-') => return Err(Fail(format!("eval: unknown option {s}"))),
            s if path.is_none() => path = Some(s.to_owned()),
            s => return Err(Fail(format!("eval: unexpected argument {s}"))),
        }
    }
    let path = path.ok_or_else(|| Fail("eval: missing POLICY".into()))?;
    let policy = match compile(&path)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    if jsonl {
        if origin.is_some() || method.is_some() || !extra.is_empty() {
            return Err(Fail(
                "eval: --jsonl reads requests from stdin; drop --origin/--method/--header".into(),
            ));
        }
        return eval_stream(&policy);
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    if let Some(o) = origin {
        headers.push(("Origin".into(), o));
    }
    if let Some(m) = &acrm {
        headers.push(("Access-Control-Request-Method".into(), m.clone()));
    }
    if let Some(h) = acrh {
        headers.push(("Access-Control-Request-Headers".into(), h));
    }
    headers.extend(extra);
    let method = method.unwrap_or_else(|| {
        if acrm.is_some() {
            "OPTIONS".into()
        } else {
            "GET".into()
        }
    });
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let d = policy.evaluate_str(&method, &pairs);
    if as_json {
        println!("{}", d.to_json());
    } else {
        print!("{d}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Parses one `--jsonl` request line into a method and header lines.
fn parse_request(line: &str) -> Result<(String, Vec<(String, String)>), String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let obj = v
        .as_object()
        .ok_or("a request line must be a JSON object")?;
    for key in obj.keys() {
        if key != "method" && key != "headers" {
            return Err(format!(
                "unknown key \"{key}\": a request has \"method\" and \"headers\""
            ));
        }
    }
    let method = match obj.get("method") {
        None => "GET".to_owned(),
        Some(Value::String(m)) => m.clone(),
        Some(_) => return Err("\"method\" must be a string".into()),
    };
    let mut headers = Vec::new();
    match obj.get("headers") {
        None => {}
        Some(Value::Array(items)) => {
            for (i, h) in items.iter().enumerate() {
                match h.as_array().map(Vec::as_slice) {
                    Some([Value::String(n), Value::String(v)]) => {
                        headers.push((n.clone(), v.clone()))
                    }
                    _ => {
                        return Err(format!(
                            "headers[{i}] must be a [name, value] pair of strings"
                        ));
                    }
                }
            }
        }
        Some(_) => return Err("\"headers\" must be an array of [name, value] pairs".into()),
    }
    Ok((method, headers))
}

fn eval_stream(policy: &Policy) -> Result<ExitCode, Fail> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for (n, line) in stdin.lock().split(b'\n').enumerate() {
        let line = line.map_err(|e| Fail(format!("reading stdin: {e}")))?;
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let text = match parse_request(line) {
            Ok((method, headers)) => {
                let pairs: Vec<(&[u8], &[u8])> = headers
                    .iter()
                    .map(|(k, v)| (k.as_bytes(), v.as_bytes()))
                    .collect();
                policy
                    .evaluate(method.as_bytes(), pairs.iter().copied())
                    .to_json()
            }
            Err(e) => json!({"error": format!("line {}: {e}", n + 1)}).to_string(),
        };
        writeln!(out, "{text}").map_err(|e| Fail(format!("writing stdout: {e}")))?;
    }
    out.flush()
        .map_err(|e| Fail(format!("writing stdout: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::parse_request;

    #[test]
    fn request_lines_are_checked() {
        let (m, h) =
            parse_request(r#"{"method":"PUT","headers":[["Origin","https://a.com"]]}"#).unwrap();
        assert_eq!((m.as_str(), h.len()), ("PUT", 1));
        assert!(parse_request("[1]").is_err());
        assert!(
            parse_request(r#"{"headers":[["Origin"]]}"#)
                .unwrap_err()
                .contains("headers[0]")
        );
        assert!(
            parse_request(r#"{"verb":"GET"}"#)
                .unwrap_err()
                .contains("unknown key")
        );
        assert!(parse_request("{").unwrap_err().contains("invalid JSON"));
    }
}
