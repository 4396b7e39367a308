//! What an engine answered, in plain data: the `observed` object of the judge protocol
//! (`tests/src/protocol.rs`). A `None` field was not observable (over
//! HTTP the kind, the verdict, the reason and the selected policy are not).

use crate::vector::{Headers, header_list};
use serde_json::Value;

/// One observation of one vector.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    /// `not_cors`, `preflight`, `actual` or `refused`; `None` over HTTP (the judge then
    /// infers the kind from the request).
    pub kind: Option<String>,
    /// The engine's own verdict.
    pub allowed: Option<bool>,
    /// The response status (the preflight or refusal status through an API).
    pub status: Option<u16>,
    /// The decision's headers (over HTTP: the response's), in order.
    pub headers: Headers,
    /// The response after the decision was applied to the vector's `app_headers`.
    pub final_headers: Option<Headers>,
    /// The decision's reason code.
    pub reason_code: Option<String>,
    /// The name of the selected policy of a policy set.
    pub policy: Option<String>,
    /// The index of the selected route of a policy set.
    pub route: Option<u64>,
    /// The engine rejected the policy.
    pub config_error: bool,
}

impl Observed {
    /// Copies a core decision (an API observation: every field is known).
    pub fn from_decision(d: &corsgate::Decision<'_>) -> Observed {
        Observed {
            kind: Some(d.kind().as_str().to_owned()),
            allowed: Some(d.allowed()),
            status: d.status(),
            headers: d
                .headers()
                .map(|h| (h.name.to_owned(), h.value.to_owned()))
                .collect(),
            reason_code: Some(d.reason().code().to_owned()),
            ..Observed::default()
        }
    }

    /// A rejected policy.
    pub fn config_error() -> Observed {
        Observed {
            config_error: true,
            ..Observed::default()
        }
    }

    /// Reads an `observed` object of the judge protocol, or a `corsgate eval --jsonl`
    /// decision line (whose `merged_headers` is the final response).
    ///
    /// # Errors
    /// The first field that is present but of the wrong type.
    pub fn from_json(v: &Value) -> Result<Observed, String> {
        if !v.is_object() {
            return Err("observed is not an object".into());
        }
        let status = match opt(v, "status") {
            None => None,
            Some(s) => Some(
                s.as_u64()
                    .and_then(|s| u16::try_from(s).ok())
                    .ok_or("status is not a status code")?,
            ),
        };
        let headers = match opt(v, "headers") {
            None => Vec::new(),
            Some(h) => header_list(h).ok_or("headers is not a list of [name, value]")?,
        };
        let final_headers = match opt(v, "final_headers").or_else(|| opt(v, "merged_headers")) {
            None => None,
            Some(h) => Some(header_list(h).ok_or("final_headers is not a list of [name, value]")?),
        };
        Ok(Observed {
            kind: string(v, "kind")?,
            allowed: typed(v, "allowed", Value::as_bool, "a boolean")?,
            status,
            headers,
            final_headers,
            reason_code: string(v, "reason_code")?,
            policy: string(v, "policy")?,
            route: typed(v, "route", Value::as_u64, "an index")?,
            config_error: typed(v, "config_error", Value::as_bool, "a boolean")?.unwrap_or(false),
        })
    }

    /// The headers the browser sees: the final response when the vector has
    /// application headers, else the decision's.
    pub fn response(&self, has_app_headers: bool) -> Option<&Headers> {
        if has_app_headers {
            self.final_headers.as_ref()
        } else {
            Some(&self.headers)
        }
    }
}

/// `v[key]` unless absent or null.
fn opt<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    v.get(key).filter(|x| !x.is_null())
}

fn typed<T>(
    v: &Value,
    key: &str,
    read: impl Fn(&Value) -> Option<T>,
    what: &str,
) -> Result<Option<T>, String> {
    opt(v, key)
        .map(|x| read(x).ok_or_else(|| format!("{key} is not {what}")))
        .transpose()
}

fn string(v: &Value, key: &str) -> Result<Option<String>, String> {
    typed(v, key, |x| x.as_str().map(str::to_owned), "a string")
}
