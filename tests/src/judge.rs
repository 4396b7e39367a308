//! The judge: one observation against one vector's `expect`, by the rules of
//! `shared/conformance/README.md` (version 1 and "Version 2"), judged as a browser would
//! (see [`crate::browser`]) rather than by comparing header strings.
//!
//! An observation through an API says its kind; over HTTP (`kind: None`) the kind is
//! inferred from the request's shape, except that a refusal and an unrouted request of a
//! policy set look like their request: for those the expected kind is taken and the
//! response must show it (status 403 and no CORS headers; no CORS headers).

use crate::browser::{Exchange, covers, elements, token_list};
use crate::final_response;
use crate::observed::Observed;
use crate::vector::{Vector, values};
use serde_json::Value;

/// Every way `o` misses `v`'s expectations; empty when it passes.
pub fn judge(v: &Vector, o: &Observed) -> Vec<String> {
    let mut p = Problems::default();
    if config_rules(v, o, &mut p) {
        return p.0;
    }
    let kind = judged_kind(v, o, &mut p);
    verdict_rules(v, o, &kind, &mut p);
    status_rules(v, o, &kind, &mut p);
    selection_rules(v, o, &mut p);
    let Some(response) = o.response(v.app_headers.is_some()) else {
        p.add("the vector has app_headers but the observation has no final_headers");
        return p.0;
    };
    browser_rules(v, o, &kind, response, &mut p);
    refusal_rules(&kind, response, &mut p);
    header_rules(v, response, &mut p);
    if let Some(app) = &v.app_headers {
        final_response::rules(&kind, o, app, response, &mut p);
    }
    p.0
}

/// Problems found so far.
#[derive(Default)]
pub struct Problems(pub Vec<String>);

impl Problems {
    /// Records a problem.
    pub fn add(&mut self, why: impl Into<String>) {
        self.0.push(why.into());
    }

    /// Records `why` unless `ok`.
    pub fn want(&mut self, ok: bool, why: impl FnOnce() -> String) {
        if !ok {
            self.0.push(why());
        }
    }
}

/// Config errors. Returns true when the vector or the observation is about a rejected
/// policy (nothing else is judged then).
fn config_rules(v: &Vector, o: &Observed, p: &mut Problems) -> bool {
    match (v.config_error(), o.config_error) {
        (true, true) => true,
        (true, false) => {
            p.add("the policy compiled but must be rejected");
            true
        }
        (false, true) => {
            p.add("the policy was rejected but must compile");
            true
        }
        (false, false) => false,
    }
}

/// The kind a request of this shape gets: no `Origin`: `not_cors`; `OPTIONS` with
/// `Access-Control-Request-Method`: `preflight`; else `actual`.
pub fn request_shape(v: &Vector) -> &'static str {
    if v.request_values("Origin").is_empty() {
        "not_cors"
    } else if v.method == "OPTIONS" && !v.request_values("Access-Control-Request-Method").is_empty()
    {
        "preflight"
    } else {
        "actual"
    }
}

/// The kind the rest of the judgement uses (see the module docs).
fn judged_kind(v: &Vector, o: &Observed, p: &mut Problems) -> String {
    let want = v.expected_kind();
    if let Some(kind) = &o.kind {
        p.want(kind == want, || format!("kind {kind}, want {want}"));
        return kind.clone();
    }
    let unrouted = want == "not_cors" && v.is_policy_set();
    if want == "refused" || unrouted {
        return want.to_owned();
    }
    let shape = request_shape(v);
    p.want(shape == want, || {
        format!("the request is shaped as {shape}, the vector wants {want}")
    });
    shape.to_owned()
}

/// The engine's own verdict, and the refusal invariant.
fn verdict_rules(v: &Vector, o: &Observed, kind: &str, p: &mut Problems) {
    let want = v.expect["allowed"].as_bool().unwrap_or(false);
    if let Some(allowed) = o.allowed {
        p.want(allowed == want, || {
            format!("the engine says allowed={allowed}, want {want}")
        });
        p.want(!(kind == "refused" && allowed), || {
            "a refused request must never be allowed".into()
        });
    }
}

/// Status: the vector's, 403 for a refusal, and through an API a status exactly for
/// preflights and refusals.
fn status_rules(v: &Vector, o: &Observed, kind: &str, p: &mut Problems) {
    let want = v.expect.get("status").and_then(Value::as_u64);
    if let Some(s) = want {
        p.want(o.status.map(u64::from) == Some(s), || {
            format!("status {:?}, want {s}", o.status)
        });
    }
    if kind == "refused" {
        p.want(o.status == Some(403), || {
            format!("a refusal has status {:?}, not 403", o.status)
        });
    }
    if o.kind.is_some() {
        let has_status = matches!(kind, "preflight" | "refused");
        p.want(o.status.is_some() == has_status, || {
            format!("status {:?} for kind {kind}", o.status)
        });
    }
}

/// Policy sets: the selected policy and route; the reason code.
fn selection_rules(v: &Vector, o: &Observed, p: &mut Problems) {
    let through_api = o.kind.is_some();
    if let Some(want) = v.expect.get("reason_code") {
        let want = want.as_str();
        if through_api || o.reason_code.is_some() {
            p.want(o.reason_code.as_deref() == want, || {
                format!("reason_code {:?}, want {want:?}", o.reason_code)
            });
        }
    }
    if through_api {
        p.want(o.reason_code.is_some(), || "no reason_code".into());
    }
    if !v.is_policy_set() {
        return;
    }
    let want_policy = v.expect.get("policy").and_then(Value::as_str);
    if through_api || o.policy.is_some() {
        p.want(o.policy.as_deref() == want_policy, || {
            format!("policy {:?}, want {want_policy:?}", o.policy)
        });
    }
    let want_route = v.expect.get("route").and_then(Value::as_u64);
    if through_api || o.route.is_some() {
        p.want(o.route == want_route, || {
            format!("route {:?}, want {want_route:?}", o.route)
        });
    }
}

/// The browser's checks on the response must reach the vector's verdict.
fn browser_rules(
    v: &Vector,
    o: &Observed,
    kind: &str,
    response: &[(String, String)],
    p: &mut Problems,
) {
    if kind == "not_cors" {
        return;
    }
    let want = v.expect["allowed"].as_bool().unwrap_or(false);
    let exchange = Exchange {
        request: &v.headers,
        credentials: v.credentials(),
        status: o.status,
        response,
    };
    let verdict = exchange.verdict(kind);
    p.want(verdict.is_ok() == want, || match &verdict {
        Ok(()) => {
            format!("a browser would accept this response, want allowed={want}: {response:?}")
        }
        Err(why) => format!("a browser would reject this response ({why}), want allowed={want}"),
    });
}

/// A refusal is answered by corsgate alone (DESIGN "Cross-origin protection": 403,
/// `Vary: Origin`): no `Access-Control-*` header at all, whatever a vector lists.
fn refusal_rules(kind: &str, response: &[(String, String)], p: &mut Problems) {
    if kind != "refused" {
        return;
    }
    for (name, _) in response {
        p.want(!corsgate::response::is_owned(name.as_bytes()), || {
            format!("a refusal carries {name}")
        });
    }
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The lowercase `Vary` tokens of every line.
pub fn vary_tokens(headers: &[(String, String)]) -> Vec<String> {
    let mut tokens = elements(&values(headers, "Vary"));
    tokens.iter_mut().for_each(|t| t.make_ascii_lowercase());
    tokens
}

/// The header expectations: exact single-valued headers, covered lists, `Vary` tokens
/// and headers that must be absent.
fn header_rules(v: &Vector, response: &[(String, String)], p: &mut Problems) {
    let e = &v.expect;
    exact(response, "Access-Control-Allow-Origin", e.get("acao"), p);
    let acac = values(response, "Access-Control-Allow-Credentials");
    let want_acac = e["acac"].as_bool().unwrap_or(false);
    p.want((acac == ["true"]) == want_acac, || {
        format!("Access-Control-Allow-Credentials {acac:?}, want present={want_acac}")
    });
    if let Some(want) = e.get("acma") {
        exact(response, "Access-Control-Max-Age", Some(want), p);
    }
    if let Some(want) = e.get("acapn").and_then(Value::as_bool) {
        let got = values(response, "Access-Control-Allow-Private-Network") == ["true"];
        p.want(got == want, || {
            format!("Access-Control-Allow-Private-Network {got}, want {want}")
        });
    }
    let vary = vary_tokens(response);
    for token in strings(e, "vary_contains") {
        p.want(vary.contains(&token.to_ascii_lowercase()), || {
            format!("Vary {vary:?} lacks {token}")
        });
    }
    let credentials = v.credentials();
    for (key, name, ci) in [
        ("acam_contains", "Access-Control-Allow-Methods", false),
        ("acah_contains", "Access-Control-Allow-Headers", true),
        ("aceh_contains", "Access-Control-Expose-Headers", true),
    ] {
        covered(response, name, &strings(e, key), credentials, ci, p);
    }
    for name in strings(e, "final_exclude") {
        p.want(values(response, &name).is_empty(), || {
            format!("{name} must not be in the response")
        });
    }
}

/// Header `name` appears exactly once with value `want`, or not at all when `want` is
/// null or absent.
fn exact(response: &[(String, String)], name: &str, want: Option<&Value>, p: &mut Problems) {
    let got = values(response, name);
    let want = want.and_then(Value::as_str);
    p.want(got == want.into_iter().collect::<Vec<_>>(), || {
        format!("{name} {got:?}, want {want:?}")
    });
}

/// Every item of `wanted` is covered by list header `name` under Fetch's rules.
fn covered(
    response: &[(String, String)],
    name: &str,
    wanted: &[String],
    credentials: bool,
    case_insensitive: bool,
    p: &mut Problems,
) {
    if wanted.is_empty() {
        return;
    }
    let joined = values(response, name);
    let list = token_list((!joined.is_empty()).then(|| joined.join(", ")));
    match list {
        Err(why) => p.add(format!("{name}: {why}")),
        Ok(list) => {
            for item in wanted {
                p.want(covers(&list, item, credentials, case_insensitive), || {
                    format!("{name} {list:?} does not cover {item}")
                });
            }
        }
    }
}
