//! `corsgate diff --replay REQUESTS.jsonl OLD NEW [--json]`: a policy change tried on a
//! recorded request log (one request per line, the `eval --jsonl` request format).
//! Every request is decided by both policies; a request whose verdict (kind, allowed)
//! changes is listed with both of the core's reasons, and the changes are counted.
//!
//! Exit 0 when no verdict changes, 1 when some do, 2 usage or I/O error (also a log
//! whose every line is malformed), 3 a policy is invalid. Malformed lines are reported
//! on stderr with their line number and skipped.
//!
//! Cost: two evaluations per request and one line of output per changed request;
//! memory holds one request line at a time (plus the listed changes under `--json`).

use crate::{EXIT_INVALID, Fail, compile, parse_request};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;

/// The parsed command line: `--replay FILE`, two policy paths, `--json`.
struct Args {
    log: String,
    old: String,
    new: String,
    as_json: bool,
}

fn parse_args(args: &[String]) -> Result<Args, Fail> {
    let (mut log, mut paths, mut as_json) = (None, Vec::new(), false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--replay" => {
                let file = it.next().ok_or_else(|| {
                    Fail("diff: --replay needs a request log (JSON lines)".into())
                })?;
                if log.replace(file.clone()).is_some() {
                    return Err(Fail("diff: --replay given twice".into()));
                }
            }
            "--json" => as_json = true,
            s if s.starts_with('-') => return Err(Fail(format!("diff: unknown option {s}"))),
            s if paths.len() < 2 => paths.push(s.to_owned()),
            s => return Err(Fail(format!("diff: unexpected argument {s}"))),
        }
    }
    let log = log.ok_or_else(|| Fail("diff: missing --replay FILE".into()))?;
    let [old, new]: [String; 2] = paths
        .try_into()
        .map_err(|_| Fail("diff: missing OLD and NEW policies".into()))?;
    Ok(Args {
        log,
        old,
        new,
        as_json,
    })
}

/// Whether `args` asks for a replay (the `diff` command dispatches on it).
pub(crate) fn wanted(args: &[String]) -> bool {
    args.iter().any(|a| a == "--replay")
}

/// Counts over one replay.
#[derive(Default)]
struct Tally {
    requests: usize,
    newly_allowed: usize,
    newly_denied: usize,
    /// Kind changed with the same `allowed` (e.g. a request newly refused as
    /// not a CORS request): counted as a change, in neither direction.
    other: usize,
    malformed: usize,
}

impl Tally {
    fn changed(&self) -> usize {
        self.newly_allowed + self.newly_denied + self.other
    }
}

/// The `Origin` header of a request line, for the listing ("-" when absent).
fn origin(headers: &[(String, String)]) -> &str {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("origin"))
        .map_or("-", |(_, v)| v.as_str())
}

pub(crate) fn replay(args: &[String]) -> Result<ExitCode, Fail> {
    let a = parse_args(args)?;
    let old = match compile(&a.old, EXIT_INVALID)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let new = match compile(&a.new, EXIT_INVALID)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let file = std::fs::File::open(&a.log).map_err(|e| Fail(format!("diff: {}: {e}", a.log)))?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut tally = Tally::default();
    let mut changes: Vec<Value> = Vec::new();
    for (n, line) in BufReader::new(file).split(b'\n').enumerate() {
        let line = line.map_err(|e| Fail(format!("diff: reading {}: {e}", a.log)))?;
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let req = match parse_request(line) {
            Ok(r) => r,
            Err(e) => {
                tally.malformed += 1;
                eprintln!("{}:{}: skipped: {e}", a.log, n + 1);
                continue;
            }
        };
        tally.requests += 1;
        let ((was, was_json), (now, now_json)) = (req.decide(&old), req.decide(&new));
        if was.kind() == now.kind() && was.allowed() == now.allowed() {
            continue;
        }
        match (was.allowed(), now.allowed()) {
            (false, true) => tally.newly_allowed += 1,
            (true, false) => tally.newly_denied += 1,
            _ => tally.other += 1,
        }
        if a.as_json {
            let parse = |t: String| serde_json::from_str::<Value>(&t).unwrap_or(Value::Null);
            changes.push(json!({
                "line": n + 1,
                "method": req.method,
                "origin": origin(&req.headers),
                "old": parse(was_json),
                "new": parse(now_json),
            }));
        } else {
            let verdict = |d: &corsgate::Decision<'_>| {
                format!(
                    "{} {} ({}: {})",
                    d.kind().as_str(),
                    if d.allowed() { "allowed" } else { "denied" },
                    d.reason().code(),
                    d.reason()
                )
            };
            writeln!(
                out,
                "line {}: {} from {}: {} → {}",
                n + 1,
                req.method,
                origin(&req.headers),
                verdict(&was),
                verdict(&now)
            )
            .map_err(|e| Fail(format!("writing stdout: {e}")))?;
        }
    }
    if tally.requests == 0 && tally.malformed > 0 {
        return Err(Fail(format!(
            "diff: {}: no request line could be read ({} malformed)",
            a.log, tally.malformed
        )));
    }
    let written = if a.as_json {
        writeln!(
            out,
            "{}",
            json!({
                "old": a.old,
                "new": a.new,
                "replay": a.log,
                "requests": tally.requests,
                "changed": tally.changed(),
                "newly_allowed": tally.newly_allowed,
                "newly_denied": tally.newly_denied,
                "malformed": tally.malformed,
                "changes": changes,
            })
        )
    } else {
        writeln!(
            out,
            "{} → {} over {}: {} request{}, {} verdict{} changed ({} newly allowed, {} newly denied){}",
            a.old,
            a.new,
            a.log,
            tally.requests,
            if tally.requests == 1 { "" } else { "s" },
            tally.changed(),
            if tally.changed() == 1 { "" } else { "s" },
            tally.newly_allowed,
            tally.newly_denied,
            if tally.malformed > 0 {
                format!(", {} malformed line(s) skipped", tally.malformed)
            } else {
                String::new()
            }
        )
    };
    written
        .and_then(|()| out.flush())
        .map_err(|e| Fail(format!("writing stdout: {e}")))?;
    Ok(if tally.changed() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
