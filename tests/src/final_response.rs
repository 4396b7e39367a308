//! The final-response rules of `shared/conformance/README.md` ("Version 2"): what a
//! response must look like after a decision was applied to the application's headers
//! (DESIGN "Applying a decision to a response").
//!
//! - `actual` / `not_cors`: the `Access-Control-*` headers are exactly the decision's
//!   (every one the application set is gone); the application's other headers are all
//!   kept; the `Vary` tokens are the application's, each kept, plus each of the
//!   decision's not already among them, once — or the application's unchanged when they
//!   hold `*`.
//! - `preflight` / `refused`: the application is not called, the final response is the
//!   decision's own headers.
//!
//! Through an API the decision's headers are known (`Observed::headers`) and compared
//! exactly. Over HTTP (`kind: None`) the response is all there is and the server adds
//! its own headers (`Date`, `Content-Length`): the rules that need the decision apart
//! from the response reduce to the application's lines being kept (or, for a preflight
//! or refusal, absent) and `Vary` holding each token once on top of the application's.

use crate::judge::{Problems, vary_tokens};
use crate::observed::Observed;
use crate::vector::Headers;

/// Applies the rules for a response of `kind` built from `app` (the vector's
/// application headers); `response` is the final response.
pub fn rules(kind: &str, o: &Observed, app: &Headers, response: &Headers, p: &mut Problems) {
    let through_api = o.kind.is_some();
    match (kind, through_api) {
        ("preflight" | "refused", true) => {
            p.want(normalized(response) == normalized(&o.headers), || {
                format!("the application is not called for a {kind}: the final response must be the decision's headers {:?}, got {response:?}", o.headers)
            });
        }
        ("preflight" | "refused", false) => app_lines_absent(kind, app, response, p),
        (_, through) => {
            if through {
                cors_headers_are_the_decisions(o, response, p);
                nothing_else_added(app, response, p);
            }
            app_lines_kept(app, response, p);
            // Over HTTP the decision's own tokens are not apart from the response's.
            let ours = if through { &o.headers } else { response };
            vary_merged(&vary_tokens(app), &vary_tokens(ours), response, p);
        }
    }
}

fn is_ours(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("access-control-") || lower == "vary"
}

fn is_cors(name: &str) -> bool {
    name.to_ascii_lowercase().starts_with("access-control-")
}

/// Lines with lowercase names, sorted; `Vary` as its sorted lowercase tokens (how `Vary`
/// is laid out over lines is free).
fn normalized(headers: &Headers) -> (Vec<(String, String)>, Vec<String>) {
    let mut lines: Vec<(String, String)> = headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("vary"))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .collect();
    lines.sort();
    let mut vary = vary_tokens(headers);
    vary.sort();
    (lines, vary)
}

/// Sorted `(lowercase name, value)` lines whose name satisfies `keep`.
fn lines_where(headers: &Headers, keep: fn(&str) -> bool) -> Vec<(String, String)> {
    let mut lines: Vec<(String, String)> = headers
        .iter()
        .filter(|(n, _)| keep(n))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .collect();
    lines.sort();
    lines
}

fn cors_headers_are_the_decisions(o: &Observed, response: &Headers, p: &mut Problems) {
    let got = lines_where(response, is_cors);
    let want = lines_where(&o.headers, is_cors);
    p.want(got == want, || {
        format!("the final Access-Control-* headers {got:?} are not the decision's {want:?}")
    });
}

/// Through an API the final response is the application's lines plus the decision's.
fn nothing_else_added(app: &Headers, response: &Headers, p: &mut Problems) {
    let got = lines_where(response, |n| !is_ours(n));
    let want = lines_where(app, |n| !is_ours(n));
    p.want(got == want, || {
        format!("the final response's other headers {got:?} are not the application's {want:?}")
    });
}

/// Each application line that is neither `Access-Control-*` nor `Vary` appears in the
/// response at least as often as the application wrote it.
fn app_lines_kept(app: &Headers, response: &Headers, p: &mut Problems) {
    let have = lines_where(response, |n| !is_ours(n));
    for line in dedup(lines_where(app, |n| !is_ours(n))) {
        let want = count(&lines_where(app, |n| !is_ours(n)), &line);
        let got = count(&have, &line);
        p.want(got >= want, || {
            format!("the application's {}: {} is lost", line.0, line.1)
        });
    }
}

/// For a preflight or refusal over HTTP: none of the application's own lines (other than
/// `Access-Control-*` / `Vary`, judged by the expectations) reached the response.
fn app_lines_absent(kind: &str, app: &Headers, response: &Headers, p: &mut Problems) {
    let have = lines_where(response, |n| !is_ours(n));
    for line in lines_where(app, |n| !is_ours(n)) {
        p.want(!have.contains(&line), || {
            format!(
                "the application is not called for a {kind}, yet {}: {} is in the response",
                line.0, line.1
            )
        });
    }
}

/// The `Vary` rule: `app` tokens kept (duplicates included), plus each of `ours` not
/// already among them, once; `app` unchanged when it holds `*`.
fn vary_merged(app: &[String], ours: &[String], response: &Headers, p: &mut Problems) {
    let mut want = app.to_vec();
    if !app.iter().any(|t| t == "*") {
        for t in ours {
            if !want.contains(t) {
                want.push(t.clone());
            }
        }
    }
    want.sort();
    let mut got = vary_tokens(response);
    got.sort();
    p.want(got == want, || {
        format!("final Vary tokens {got:?}, want {want:?} (application {app:?} + ours {ours:?})")
    });
}

fn dedup<T: PartialEq>(mut v: Vec<T>) -> Vec<T> {
    v.dedup();
    v
}

fn count<T: PartialEq>(v: &[T], x: &T) -> usize {
    v.iter().filter(|y| *y == x).count()
}
