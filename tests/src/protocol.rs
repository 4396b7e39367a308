//! The judge protocol, as `corsgate-judge` speaks it. The judge loads every vector itself
//! (the shared `vectors.jsonl` and `vectors-v2.jsonl`, and `tests/vectors/*.jsonl`) and
//! reads one observation per input line:
//!
//! ```text
//! {"id": "<vector id>", "via": "<free label, e.g. python-asgi-http>",
//!  "observed": {"kind": "preflight|actual|not_cors|refused" | null,
//!               "allowed": bool | null, "status": int | null,
//!               "headers": [[name, value], ...],
//!               "final_headers": [[name, value], ...],
//!               "reason_code": str | null, "policy": str | null, "route": int | null,
//!               "config_error": bool}}
//! ```
//!
//! `null` means "not observable" (over HTTP the kind is inferred from the request);
//! `headers` are the decision's (or the response's) headers; `final_headers` (absent when
//! not applicable) the response after the decision was applied to the vector's
//! `app_headers` (over HTTP, simply the response); `merged_headers` is read as a synonym,
//! so `corsgate eval --jsonl` output can be fed as it is. Each line is answered by
//! `{"id": …, "via": …, "ok": bool, "problems": [...]}` on stdout; the last stderr line is
//! `judge: N passed, N failed`, and the exit status is 0 only when every observation
//! passed. The rules are the conformance README's (v1 and "Version 2"), judged as a
//! browser would (the Fetch CORS check and preflight checks), not by string equality.
//!
//! `corsgate-judge --verdict` answers the browser's verdict alone, for suites that compare
//! another CORS library's answers with ours on requests that are not vectors: input
//! `{"credentials": bool, "request": [[name, value], ...], "kind": "preflight|actual",
//! "status": int|null, "headers": [[name, value], ...]}`, output
//! `{"allowed": bool, "why": str|null}` (`why`: the failed check), or
//! `{"error": "…"}` for a malformed line.

use crate::browser::Exchange;
use crate::judge::judge;
use crate::observed::Observed;
use crate::vector::{Vector, header_list};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The vectors by id.
pub struct Judge {
    vectors: HashMap<String, Vector>,
}

impl Judge {
    /// Indexes `vectors` by id.
    ///
    /// # Errors
    /// When two vectors share an id.
    pub fn new(vectors: Vec<Vector>) -> Result<Judge, String> {
        let mut by_id = HashMap::with_capacity(vectors.len());
        for v in vectors {
            if let Some(old) = by_id.insert(v.id.clone(), v) {
                return Err(format!("two vectors have the id {}", old.id));
            }
        }
        Ok(Judge { vectors: by_id })
    }

    /// How many vectors the judge knows.
    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    /// Whether the judge knows no vector.
    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    /// Judges one input line; the answer line is `ok` only when the line is a
    /// well-formed observation of a known vector that passes.
    pub fn answer(&self, line: &str) -> Value {
        let parsed: Result<Value, String> = serde_json::from_str(line).map_err(|e| e.to_string());
        let (id, via) = match &parsed {
            Ok(v) => (v.get("id").cloned(), v.get("via").cloned()),
            Err(_) => (None, None),
        };
        let problems = match parsed.and_then(|v| self.problems(&v)) {
            Ok(problems) => problems,
            Err(why) => vec![format!("malformed observation: {why}")],
        };
        json!({
            "id": id.unwrap_or(Value::Null),
            "via": via.unwrap_or(Value::Null),
            "ok": problems.is_empty(),
            "problems": problems,
        })
    }

    fn problems(&self, line: &Value) -> Result<Vec<String>, String> {
        let id = line
            .get("id")
            .and_then(Value::as_str)
            .ok_or("no string id")?;
        let vector = self
            .vectors
            .get(id)
            .ok_or_else(|| format!("no vector has the id {id:?}"))?;
        let observed = Observed::from_json(line.get("observed").ok_or("no observed")?)?;
        Ok(judge(vector, &observed))
    }
}

/// Answers one `--verdict` line (see the module docs).
pub fn verdict(line: &str) -> Value {
    match verdict_of(line) {
        Ok(Ok(())) => json!({"allowed": true, "why": null}),
        Ok(Err(why)) => json!({"allowed": false, "why": why}),
        Err(e) => json!({"error": e}),
    }
}

fn verdict_of(line: &str) -> Result<Result<(), String>, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let request = header_list(&v["request"]).ok_or("request is not a list of [name, value]")?;
    let response = header_list(&v["headers"]).ok_or("headers is not a list of [name, value]")?;
    let kind = v["kind"].as_str().ok_or("kind is not a string")?;
    let status = match &v["status"] {
        Value::Null => None,
        s => Some(
            s.as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .ok_or("status is not a status code")?,
        ),
    };
    let exchange = Exchange {
        request: &request,
        credentials: v["credentials"].as_bool().unwrap_or(false),
        status,
        response: &response,
    };
    Ok(exchange.verdict(kind))
}
