//! The `corsgate` command as a library: [`run`] is the whole CLI, called by the Rust
//! binary (`src/main.rs`), by the Python wheel's `corsgate` console script and by the npm
//! package's `corsgate` bin, so the command behaves the same wherever it was installed
//! from.
//!
//! ```text
//! corsgate check POLICY [--json]
//! corsgate eval POLICY --origin O [--method M] [--request-method M] [--request-headers H]
//!                      [--header 'Name: value']... [--host H] [--path P] [--json]
//! corsgate eval POLICY --jsonl  < requests.jsonl > decisions.jsonl
//! corsgate audit POLICY [--json]
//! corsgate diff OLD NEW [--json]
//! corsgate diff --replay REQUESTS.jsonl OLD NEW [--json]
//! ```
//!
//! Exit codes: 0 success (check: no errors), 1 the policy has errors (audit: findings;
//! diff: something newly allowed), 2 usage or I/O error, 3 (audit, diff) a policy is
//! invalid.
//!
//! POLICY may be a policy file or a policy set (a top-level `policies` key): every
//! command accepts either (module `set`).

#![forbid(unsafe_code)]

mod audit;
mod diff;
mod replay;
mod set;

use corsgate::response::Line as _;
use corsgate::{ConfigError, Diagnostic, Policy};
use serde_json::{Value, json};
use set::Loaded;
use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;

const USAGE: &str = "\
corsgate — a CORS policy engine

USAGE:
  POLICY is a policy file or a policy set (a file with a top-level \"policies\" key:
  named policies, \"defaults\" merged under each, and \"routes\" selecting one by Host
  and path). Every command accepts either.

  corsgate check POLICY [--json]
      Validate and lint a policy file (a set: every error by its path, e.g.
      policies.acme.origins[1] or routes[2].host; warnings per policy). Exit 0 when it compiles (warnings are shown),
      1 when it has errors (every error is listed with its entry and code).

  corsgate eval POLICY --origin ORIGIN [--method METHOD] [--request-method METHOD]
                [--request-headers NAMES] [--header 'Name: value']... [--host HOST]
                [--path PATH] [--json]
      Decide one request and explain the decision. --request-method makes it a
      preflight (method OPTIONS plus Access-Control-Request-Method). --host adds a
      Host header; for a set, --path (default /) and the Host select the route, and
      the answer names the policy and route.

  corsgate eval POLICY --jsonl
      Decide one request per input line:
        {\"method\":\"OPTIONS\",\"headers\":[[\"Origin\",\"https://a.example.com\"],…]}
      and print one decision per line:
        {\"kind\":\"preflight\",\"allowed\":true,\"status\":204,\"headers\":[[…]],\"reason\":\"…\",\"reason_code\":\"…\"}
      A request line may add \"app_headers\" (the application's response headers,
      [[name, value], …]): the decision line then has \"merged_headers\", the final
      response after the decision is applied to them (and \"path\", a string, for
      policy sets).
      Under \"cross_origin_protection\" a decision may be {\"kind\":\"refused\",\"status\":403,…}:
      answer it with 403 and its headers, without calling the application (its
      \"merged_headers\" are the decision's own, as for a preflight).
      A malformed line yields {\"error\":\"…\"} and the stream goes on.

  corsgate audit POLICY [--json]
      Attack every pattern with origins from the known bypass classes (prefix/suffix,
      pre/post-domain, unescaped dots, special characters, scheme downgrade, ports,
      null, case and trailing dot, userinfo/path/query smuggling, IDN look-alikes,
      public-suffix siblings) and report each one allowed beyond what the pattern was
      meant to admit, plus risky configuration. Regexes are decided exactly with
      automata: each finding names the shortest origin that shows it and the fix.
      Exit 0 nothing found, 1 something found, 3 the policy is invalid.

  corsgate diff OLD NEW [--json]
      State which origins (per pattern), methods, headers and switches become newly
      allowed or newly denied. Origins are compared as languages (automata over every
      pattern kind): each change comes with a witness origin, and a rewrite with the
      same meaning reports no change.
      Exit 0 nothing newly allowed, 1 something newly allowed, 2 the policies are
      too complex to compare (the regex automata exceed their bound: never a silent 0),
      3 a policy is invalid.

  corsgate diff --replay REQUESTS.jsonl OLD NEW [--json]
      Replay a recorded request log (one request per line, the eval --jsonl request
      format) through both policies; list every request whose verdict (kind, allowed)
      changes, with both reasons, and count them (newly allowed, newly denied).
      Exit 0 no verdict changes, 1 some change, 3 a policy is invalid.

  corsgate --version | --help   (also COMMAND --help)

Every command exits 2 on a usage or I/O error (a missing file, an unknown option).
";

/// A usage or I/O failure: printed, exit 2.
struct Fail(String);

/// Runs the command line `args` (without the program name) and returns the exit status:
/// 0 success, 1 the policy has errors (or `audit` found something, or `diff` found
/// something newly allowed), 2 usage or I/O error, 3 (`audit`, `diff`) a policy is
/// invalid.
///
/// Output goes to the process's standard output and error (file descriptors 1 and 2),
/// and `eval --jsonl` reads standard input: callers embedding the CLI in another
/// runtime flush that runtime's own buffered streams first.
///
/// # Panics
/// Like `println!`, when standard output is closed (a broken pipe).
pub fn run(args: &[String]) -> u8 {
    match dispatch(args) {
        Ok(code) => status(code),
        Err(Fail(msg)) => {
            eprintln!("corsgate: {msg}");
            eprintln!("(run `corsgate --help` for usage)");
            2
        }
    }
}

/// The number behind an `ExitCode` (the type has no getter, but it is `Eq`); the
/// commands only use 0 to 3.
fn status(code: ExitCode) -> u8 {
    (0..=u8::MAX)
        .find(|&n| ExitCode::from(n) == code)
        .unwrap_or(1)
}

fn dispatch(args: &[String]) -> Result<ExitCode, Fail> {
    // `corsgate audit --help`: no option takes `-h` or `--help` as its value.
    if args.iter().skip(1).any(|a| a == "--help" || a == "-h") {
        print!("{USAGE}");
        return Ok(ExitCode::SUCCESS);
    }
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
        "path": d.path(),
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
    if set::is_set(&bytes) {
        return Ok(set::check(&path, &bytes, as_json));
    }
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

/// Exit code of `audit` and `diff` when a policy is rejected (1 means "found something").
const EXIT_INVALID: u8 = 3;

/// Compiles the policy or set at `path`; a rejected one prints its errors and gives
/// `rejected` as the exit code.
fn compile(path: &str, rejected: u8) -> Result<Result<Loaded, ExitCode>, Fail> {
    set::load(path, rejected)
}

fn eval(args: &[String]) -> Result<ExitCode, Fail> {
    let mut path = None;
    let (mut origin, mut method, mut acrm, mut acrh) = (None, None, None, None);
    let (mut host, mut req_path) = (None, None);
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
            "--host" => host = Some(value("--host")?),
            "--path" => req_path = Some(value("--path")?),
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
    let policy = match compile(&path, 1)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    if jsonl {
        if origin.is_some()
            || method.is_some()
            || !extra.is_empty()
            || host.is_some()
            || req_path.is_some()
        {
            return Err(Fail(
                "eval: --jsonl reads requests from stdin; drop --origin/--method/--header/--host/--path".into(),
            ));
        }
        return eval_stream(&policy);
    }
    if req_path.is_some() && matches!(policy, Loaded::Policy(_)) {
        return Err(Fail(format!(
            "eval: --path selects a route of a policy set; {path} is a policy"
        )));
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    if let Some(h) = host {
        headers.push(("Host".into(), h));
    }
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
    match &policy {
        Loaded::Policy(policy) => {
            let d = policy.evaluate_str(&method, &pairs);
            if as_json {
                println!("{}", d.to_json());
            } else {
                print!("{d}");
            }
        }
        Loaded::Set(set) => {
            let d = set.evaluate_str(&method, req_path.as_deref().unwrap_or("/"), &pairs);
            if as_json {
                println!("{}", d.to_json());
            } else {
                print!("{d}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One `--jsonl` request line: the request, and the application's response headers to
/// apply the decision to.
#[derive(Debug)]
struct RequestLine {
    method: String,
    headers: Vec<(String, String)>,
    /// The request path; used only by policy sets.
    path: String,
    app_headers: Option<Vec<(String, String)>>,
}

/// Reads `[[name, value], ...]` under `key`: `None` when absent.
fn header_pairs(
    obj: &serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<Vec<(String, String)>>, String> {
    let items = match obj.get(key) {
        None => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(format!("\"{key}\" must be an array of [name, value] pairs")),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, h)| match h.as_array().map(Vec::as_slice) {
            Some([Value::String(n), Value::String(v)]) => Ok((n.clone(), v.clone())),
            _ => Err(format!(
                "{key}[{i}] must be a [name, value] pair of strings"
            )),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

impl RequestLine {
    /// The decision of `policy` for this request (a set selects by the `Host` line and
    /// `path`), with its JSON line ([`corsgate::SetDecision::to_json`] names the selected
    /// policy and route).
    fn decide<'p>(&'p self, policy: &'p Loaded) -> (corsgate::Decision<'p>, String) {
        let pairs = self
            .headers
            .iter()
            .map(|(k, v)| (k.as_bytes(), v.as_bytes()));
        let method = self.method.as_bytes();
        match policy {
            Loaded::Policy(p) => {
                let d = p.evaluate(method, pairs);
                (d, d.to_json())
            }
            Loaded::Set(s) => {
                let d = s.evaluate(method, self.path.as_bytes(), pairs);
                (d.decision(), d.to_json())
            }
        }
    }
}

/// Parses one `--jsonl` request line.
fn parse_request(line: &str) -> Result<RequestLine, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let obj = v
        .as_object()
        .ok_or("a request line must be a JSON object")?;
    for key in obj.keys() {
        if !["method", "headers", "path", "app_headers"].contains(&key.as_str()) {
            return Err(format!(
                "unknown key \"{key}\": a request has \"method\", \"headers\", \"path\" and \"app_headers\""
            ));
        }
    }
    let method = match obj.get("method") {
        None => "GET".to_owned(),
        Some(Value::String(m)) => m.clone(),
        Some(_) => return Err("\"method\" must be a string".into()),
    };
    let path = match obj.get("path") {
        None => "/".to_owned(),
        Some(Value::String(p)) => p.clone(),
        Some(_) => return Err("\"path\" must be a string".into()),
    };
    Ok(RequestLine {
        method,
        headers: header_pairs(obj, "headers")?.unwrap_or_default(),
        path,
        app_headers: header_pairs(obj, "app_headers")?,
    })
}

/// The decision line for one request: [`corsgate::Decision::to_json`] (for a set,
/// [`corsgate::SetDecision::to_json`], with `policy` and `route`), plus
/// `merged_headers` (the decision applied to `app_headers`) when the request has them.
fn decide_line(policy: &Loaded, req: &RequestLine) -> String {
    let (d, text) = req.decide(policy);
    let Some(app) = &req.app_headers else {
        return text;
    };
    let merged: Vec<Value> = d
        .apply_to(app)
        .map(|l| json!([l.name_str(), l.value_str()]))
        .collect();
    let mut line: Value = serde_json::from_str(&text).expect("to_json is JSON");
    line["merged_headers"] = Value::Array(merged);
    line.to_string()
}

fn eval_stream(policy: &Loaded) -> Result<ExitCode, Fail> {
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
            Ok(req) => decide_line(policy, &req),
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
        let r =
            parse_request(r#"{"method":"PUT","headers":[["Origin","https://a.com"]]}"#).unwrap();
        assert_eq!((r.method.as_str(), r.headers.len()), ("PUT", 1));
        assert_eq!((r.path.as_str(), r.app_headers), ("/", None));
        let r = parse_request(r#"{"path":"/v2/x","app_headers":[["Vary","A"]]}"#).unwrap();
        assert_eq!(r.path, "/v2/x");
        assert_eq!(r.app_headers, Some(vec![("Vary".into(), "A".into())]));
        for (line, why) in [
            (r#"{"path":7}"#, "\"path\" must be a string"),
            (
                r#"{"app_headers":{"Vary":"A"}}"#,
                "\"app_headers\" must be an array",
            ),
            (r#"{"app_headers":[["Vary",1]]}"#, "app_headers[0]"),
            ("[1]", "must be a JSON object"),
            (r#"{"headers":[["Origin"]]}"#, "headers[0]"),
            (r#"{"verb":"GET"}"#, "unknown key"),
            ("{", "invalid JSON"),
        ] {
            let err = parse_request(line).unwrap_err();
            assert!(err.contains(why), "{line}: {err}");
        }
    }
}
