//! The one comparison of the fast engine with the reference, used by the property test
//! (`tests/differential.rs`) and the fuzz targets (`fuzz/`): the same compile verdict
//! and errors, then for every request the same kind, verdict, status, headers and
//! reason (the reason code; the refused method or header name; for an allowed origin,
//! a pattern that does admit it), the hot path `is_origin_allowed` agreeing, and the
//! invariants every decision keeps ([`check_decision`]).
//!
//! Each check answers `Err(what differs)`; the callers turn that into a test failure or
//! a fuzzer crash.

use super::{RefDecision, Reference};
use crate::{Config, Decision, Kind, MAX_HEADERS, Policy, Reason};

/// One request: method and header lines.
pub type Request = (String, Vec<(String, String)>);

/// Compares the fast engine with the reference on `config` and every request. Returns
/// how many requests were compared (0 when both engines rejected the policy alike).
///
/// # Errors
/// The first disagreement or broken invariant, with the request and the policy's origins.
pub fn compare(config: &Config, requests: &[Request]) -> Result<usize, String> {
    let (fast, naive) = match (Policy::new(config), Reference::new(config)) {
        (Ok(f), Ok(n)) => (f, n),
        (Err(a), Err(b)) if a == b && !a.errors.is_empty() => return Ok(0),
        (f, n) => {
            return Err(format!(
                "the engines compiled differently: {:?} / {:?}",
                f.err(),
                n.err()
            ));
        }
    };
    for (method, headers) in requests {
        let pairs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let ctx = |why: String| format!("{why}: {method} {headers:?} under {:?}", config.origins);
        let d = fast.evaluate_str(method, &pairs);
        check_decision(&fast, &d, &pairs).map_err(ctx)?;
        let r = naive.evaluate(method, &pairs);
        same_decision(config, &d, &r).map_err(ctx)?;
        same_hot_path(config, &fast, &naive, &pairs).map_err(ctx)?;
    }
    Ok(requests.len())
}

fn same<T: PartialEq + std::fmt::Debug>(what: &str, fast: T, naive: T) -> Result<(), String> {
    if fast == naive {
        Ok(())
    } else {
        Err(format!("{what}: fast {fast:?}, reference {naive:?}"))
    }
}

/// Kind, verdict, status, headers and reason.
fn same_decision(config: &Config, d: &Decision<'_>, r: &RefDecision) -> Result<(), String> {
    same("kind", d.kind().as_str(), r.kind)?;
    same("allowed", d.allowed(), r.allowed)?;
    same("status", d.status(), r.status)?;
    let headers: Vec<(String, String)> = d
        .headers()
        .map(|h| (h.name.to_owned(), h.value.to_owned()))
        .collect();
    same("headers", &headers, &r.headers)?;
    same_reason(config, d.reason(), r)
}

/// The reason code, what it names, and for an allowed origin a pattern that admits it.
fn same_reason(config: &Config, fast: Reason<'_>, r: &RefDecision) -> Result<(), String> {
    same("reason code", fast.code(), r.reason.code)?;
    match fast {
        Reason::MethodNotAllowed { method } => {
            same("refused method", Some(method), r.reason.subject.as_deref())
        }
        Reason::HeaderNotAllowed { name } => {
            same("refused header", Some(name), r.reason.subject.as_deref())
        }
        Reason::OriginAllowed { index, pattern } => {
            same(
                "pattern text",
                Some(pattern),
                config.origins.get(index).map(String::as_str),
            )?;
            if r.admitted_by.contains(&index) {
                Ok(())
            } else {
                Err(format!(
                    "the fast engine names origins[{index}] {pattern:?}, which the reference says does not admit the origin (it admits by {:?})",
                    r.admitted_by
                ))
            }
        }
        _ => Ok(()),
    }
}

/// `is_origin_allowed` agrees with the reference for every `Origin` line.
fn same_hot_path(
    config: &Config,
    fast: &Policy,
    naive: &Reference,
    headers: &[(&str, &str)],
) -> Result<(), String> {
    let any = config.origins.iter().any(|p| p == "*");
    for (_, o) in headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("origin"))
    {
        same(
            &format!("is_origin_allowed({o:?})"),
            fast.is_origin_allowed(o.as_bytes()),
            any || naive.origin_allowed(o),
        )?;
    }
    Ok(())
}

fn ensure(ok: bool, why: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(why()) }
}

/// Invariants of every decision, whatever the policy: a bounded number of headers, no
/// byte that could split a response header, a status exactly for preflights and refused
/// requests (403, `Vary: Origin` alone, only under cross-origin protection), an echoed
/// origin that is exactly the request's and well formed, `allowed` consistent with the
/// headers, a JSON rendering that says the same.
///
/// # Errors
/// The first broken invariant.
pub fn check_decision(
    policy: &Policy,
    d: &Decision<'_>,
    headers: &[(&str, &str)],
) -> Result<(), String> {
    header_invariants(d)?;
    let origins: Vec<&str> = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("origin"))
        .map(|(_, v)| *v)
        .collect();
    match d.kind() {
        Kind::NotCors => {
            ensure(origins.is_empty(), || "not_cors with an Origin".into())?;
            ensure(d.allowed() && d.status().is_none(), || {
                "not_cors denied or with a status".into()
            })?;
        }
        Kind::Actual => {
            ensure(!origins.is_empty(), || "actual without Origin".into())?;
            ensure(d.status().is_none(), || "actual with a status".into())?;
            echo_invariants(policy, d, &origins)?;
        }
        Kind::Preflight => {
            ensure(!origins.is_empty(), || "preflight without Origin".into())?;
            preflight_status(policy, d)?;
            echo_invariants(policy, d, &origins)?;
        }
        Kind::Refused => {
            ensure(policy.config().cross_origin_protection, || {
                "refused without cross_origin_protection".into()
            })?;
            ensure(!d.allowed() && d.status() == Some(403), || {
                format!("refused but allowed or status {:?}", d.status())
            })?;
            let headers: Vec<(&str, &str)> = d.headers().map(|h| (h.name, h.value)).collect();
            ensure(headers == [("Vary", "Origin")], || {
                format!("refused with headers {headers:?}")
            })?;
            ensure(
                d.reason() == Reason::CrossOriginRequestRefused && !d.calls_application(),
                || format!("refused for {:?}", d.reason()),
            )?;
        }
    }
    json_invariants(d)
}

fn header_invariants(d: &Decision<'_>) -> Result<(), String> {
    let count = d.headers().count();
    ensure(count <= MAX_HEADERS, || {
        format!("{count} headers > MAX_HEADERS")
    })?;
    for h in d.headers() {
        ensure(
            !h.value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0),
            || format!("header {} carries a control byte: {:?}", h.name, h.value),
        )?;
        ensure(d.header(h.name).is_some(), || {
            format!("header({}) finds nothing", h.name)
        })?;
    }
    ensure(!d.reason().to_string().is_empty(), || {
        "empty reason text".into()
    })
}

fn preflight_status(policy: &Policy, d: &Decision<'_>) -> Result<(), String> {
    let Some(s) = d.status() else {
        return Err("a preflight without a status".into());
    };
    if d.allowed() {
        ensure(
            s == policy.config().preflight_status && (200..=299).contains(&s),
            || format!("allowed preflight status {s}"),
        )
    } else {
        ensure(s == 403, || format!("denied preflight status {s}"))
    }
}

/// `allowed` iff ACAO; a non-`*` ACAO echoes the single, well-formed, allowed Origin.
fn echo_invariants(policy: &Policy, d: &Decision<'_>, origins: &[&str]) -> Result<(), String> {
    let acao = d.header("Access-Control-Allow-Origin");
    ensure(d.allowed() == acao.is_some(), || {
        "allowed iff ACAO is present".into()
    })?;
    let Some(a) = acao.filter(|a| *a != "*") else {
        return Ok(());
    };
    ensure(a == origins[0] && origins.len() == 1, || {
        format!("ACAO {a:?} is not the single Origin {origins:?}")
    })?;
    ensure(
        a == "null" || crate::syntax::parse_origin(a.as_bytes()).is_some(),
        || format!("allowed a malformed origin {a:?}"),
    )?;
    ensure(policy.is_origin_allowed(a.as_bytes()), || {
        format!("is_origin_allowed({a:?}) is false for an allowed origin")
    })
}

fn json_invariants(d: &Decision<'_>) -> Result<(), String> {
    let json: serde_json::Value = serde_json::from_str(&d.to_json())
        .map_err(|e| format!("Decision::to_json is not JSON: {e}"))?;
    ensure(
        json["allowed"] == d.allowed() && json["kind"] == d.kind().as_str(),
        || format!("to_json says otherwise: {json}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The comparison can fail on each part of a reason.
    #[test]
    fn a_different_reason_is_a_disagreement() {
        let config = Config::new(["https://a.example", "https://*.a.example"]).methods(["PUT"]);
        let fast = Policy::new(&config).unwrap();
        let naive = Reference::new(&config).unwrap();
        let cases: [(&str, &[(&str, &str)]); 3] = [
            ("GET", &[("Origin", "https://x.a.example")]),
            (
                "OPTIONS",
                &[
                    ("Origin", "https://a.example"),
                    ("Access-Control-Request-Method", "PATCH"),
                ],
            ),
            ("GET", &[("Origin", "https://evil.example")]),
        ];
        for (method, headers) in cases {
            let d = fast.evaluate_str(method, headers);
            let r = naive.evaluate(method, headers);
            same_decision(&config, &d, &r).unwrap();
            let mut bad = r.clone();
            bad.reason.code = "origin_malformed";
            assert!(same_decision(&config, &d, &bad).is_err());
            if r.reason.subject.is_some() {
                let mut bad = r.clone();
                bad.reason.subject = Some("DELETE".into());
                assert!(same_decision(&config, &d, &bad).is_err());
            }
            if !r.admitted_by.is_empty() {
                let mut bad = r.clone();
                bad.admitted_by.clear();
                assert!(same_decision(&config, &d, &bad).is_err());
            }
        }
    }
}
