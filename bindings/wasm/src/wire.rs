//! The byte formats between the JavaScript loader and the exports (pure Rust, no
//! WebAssembly specifics, so the host tests cover them).
//!
//! Request input, two layouts of the same list of strings `method, name, value, …`:
//! - joined: the strings separated by one NUL byte (`method\0name\0value…`), with the
//!   number of strings given by the caller; when a string itself holds a NUL the count
//!   does not match and the caller falls back to
//! - length-prefixed: each string as a little-endian `u32` byte length then its bytes.
//!
//! Decision output (`encode_decision`): ASCII header `<kind><allowed><n>[status]` where
//! kind is the kind's position in `Kind::ALL` (`0` not CORS, `1` preflight, `2` actual,
//! `3` refused); allowed `0`/`1`; `n` the number of headers as the letter `a` + n; status
//! digits for preflights and refusals only. Then, NUL-separated,
//! the reason code, each header name and value, and (when asked for) the reason text last,
//! which may itself hold NUL bytes (it quotes request bytes). Header values never hold a
//! NUL: they are tokens and serialized origins the core has validated, or the policy's own
//! strings.
//!
//! Cost: one pass over the input, one pass over the output buffer; no allocation beyond
//! the reused output buffer and, when asked for, the reason's text.

use corsgate::{Decision, Kind};
use std::fmt::Write as _;

/// Splits `joined` into exactly `count` NUL-separated byte strings (`count` ≥ 1).
/// `None` when the number of pieces differs (a string held a NUL byte) or `count` is 0.
pub fn split_joined<'a>(joined: &'a [u8], count: usize, out: &mut Vec<&'a [u8]>) -> Option<()> {
    if count == 0 {
        return None;
    }
    out.clear();
    let mut start = 0;
    for i in memchr::memchr_iter(0, joined) {
        if out.len() + 1 == count {
            return None;
        }
        out.push(&joined[start..i]);
        start = i + 1;
    }
    out.push(&joined[start..]);
    (out.len() == count).then_some(())
}

/// Splits the loader's input in either layout: length-prefixed when `prefixed`, else
/// exactly `count` NUL-joined strings. `None` when it does not split so.
pub fn split<'a>(
    input: &'a [u8],
    count: usize,
    prefixed: bool,
    out: &mut Vec<&'a [u8]>,
) -> Option<()> {
    if prefixed {
        split_prefixed(input, out)
    } else {
        split_joined(input, count, out)
    }
}

/// Splits the length-prefixed layout. `None` when a length runs past the end.
pub fn split_prefixed<'a>(mut buf: &'a [u8], out: &mut Vec<&'a [u8]>) -> Option<()> {
    out.clear();
    while !buf.is_empty() {
        let (len, rest) = buf.split_first_chunk::<4>()?;
        let len = u32::from_le_bytes(*len) as usize;
        if rest.len() < len {
            return None;
        }
        out.push(&rest[..len]);
        buf = &rest[len..];
    }
    (!out.is_empty()).then_some(())
}

/// Evaluates a request given as `[method, name, value, …]` (an odd number of strings;
/// a trailing unpaired name is ignored).
pub fn evaluate<'a>(policy: &'a corsgate::Policy, parts: &[&'a [u8]]) -> Decision<'a> {
    let (method, rest) = parts
        .split_first()
        .map_or((&b""[..], &[][..]), |(m, r)| (*m, r));
    policy.evaluate(method, rest.chunks_exact(2).map(|p| (p[0], p[1])))
}

/// Evaluates a policy set's request given as `[method, path, name, value, …]` (a
/// trailing unpaired name is ignored; a missing path is `/`).
pub fn evaluate_set<'a>(
    set: &'a corsgate::PolicySet,
    parts: &[&'a [u8]],
) -> corsgate::SetDecision<'a> {
    let (method, rest) = parts
        .split_first()
        .map_or((&b""[..], &[][..]), |(m, r)| (*m, r));
    let (path, rest) = rest
        .split_first()
        .map_or((&b"/"[..], &[][..]), |(p, r)| (*p, r));
    set.evaluate(method, path, rest.chunks_exact(2).map(|p| (p[0], p[1])))
}

/// Appends the decision in the output format described in the module docs.
pub fn encode_decision(d: &Decision<'_>, with_reason: bool, out: &mut Vec<u8>) {
    // The kind's position in `Kind::ALL` (its discriminant: 0 not_cors, 1 preflight,
    // 2 actual, 3 refused), one digit.
    let kind = Kind::ALL.iter().position(|&k| k == d.kind()).unwrap_or(0);
    out.push(b'0' + kind as u8);
    out.push(if d.allowed() { b'1' } else { b'0' });
    let n = d.headers().count();
    // At most corsgate::MAX_HEADERS (15) headers: one letter.
    out.push(b'a' + n as u8);
    if let Some(s) = d.status() {
        out.extend_from_slice(s.to_string().as_bytes());
    }
    out.push(0);
    out.extend_from_slice(d.reason().code().as_bytes());
    for h in d.headers() {
        out.push(0);
        out.extend_from_slice(h.name.as_bytes());
        out.push(0);
        out.extend_from_slice(h.value.as_bytes());
    }
    if with_reason {
        out.push(0);
        let mut s = String::new();
        let _ = write!(s, "{}", d.reason());
        out.extend_from_slice(s.as_bytes());
    }
}

/// One application response line with its position, so the output can name the lines
/// the response rule drops.
struct Indexed<'a> {
    at: usize,
    name: &'a [u8],
    value: &'a [u8],
}

impl corsgate::response::Line for Indexed<'_> {
    fn name(&self) -> &[u8] {
        self.name
    }
    fn value(&self) -> &[u8] {
        self.value
    }
}

/// Kind code of the compact output (the position in `Kind::ALL`: `0` not CORS,
/// `1` preflight, `2` actual, `3` refused) back to a [`Kind`]; `None` for anything else.
pub fn kind_from_code(code: u32) -> Option<Kind> {
    usize::try_from(code)
        .ok()
        .and_then(|i| Kind::ALL.get(i))
        .copied()
}

/// Applies the core's response rule ([`corsgate::response::merge`]) to a decision of
/// `kind` whose header lines are `decision` (`name, value, …`) and the application's
/// lines `app` (`name, value, …`; a trailing unpaired string is ignored). Writes
/// `<i>,<j>,…` (the positions, in `app` lines, of the lines the final response drops;
/// empty when none), then, NUL-separated, each line the decision adds (name, value).
/// The final response is the application's lines without the dropped ones, in order,
/// then the added lines.
pub fn encode_merge(kind: Kind, decision: &[&[u8]], app: &[&[u8]], out: &mut Vec<u8>) {
    let app_lines: Vec<Indexed<'_>> = app
        .chunks_exact(2)
        .enumerate()
        .map(|(at, p)| Indexed {
            at,
            name: p[0],
            value: p[1],
        })
        .collect();
    let dec = decision.chunks_exact(2).map(|p| (p[0], p[1]));
    let mut kept = vec![false; app_lines.len()];
    let mut added: Vec<(&[u8], &[u8])> = Vec::new();
    for line in corsgate::response::merge(kind, dec, &app_lines) {
        match line {
            corsgate::response::Merged::App(a) => kept[a.at] = true,
            corsgate::response::Merged::Added { name, value } => added.push((name, value)),
        }
    }
    let mut first = true;
    for (i, k) in kept.iter().enumerate() {
        if !k {
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(i.to_string().as_bytes());
        }
    }
    for (n, v) in added {
        out.push(0);
        out.extend_from_slice(n);
        out.push(0);
        out.extend_from_slice(v);
    }
}

/// The core's `ConfigError` as JSON: `{"message", "code", "errors", "warnings"}`.
pub fn config_error_json(e: &corsgate::ConfigError) -> String {
    serde_json::json!({
        "message": e.to_string(),
        "code": e.code().as_str(),
        "errors": diagnostics_json(&e.errors),
        "warnings": diagnostics_json(&e.warnings),
    })
    .to_string()
}

/// Diagnostics as a JSON array of `{code, severity, field, index, value, message}`.
pub fn diagnostics_json(list: &[corsgate::Diagnostic]) -> serde_json::Value {
    list.iter()
        .map(|d| {
            serde_json::json!({
                "code": d.code.as_str(),
                "severity": d.severity().as_str(),
                "field": d.field,
                "index": d.index,
                "value": d.value,
                "message": d.message,
                "path": d.path(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_split_counts_pieces() {
        let mut v = Vec::new();
        assert!(split_joined(b"GET\0Origin\0https://a.com", 3, &mut v).is_some());
        assert_eq!(v, [&b"GET"[..], b"Origin", b"https://a.com"]);
        assert!(split_joined(b"GET", 1, &mut v).is_some());
        assert!(split_joined(b"", 1, &mut v).is_some());
        assert_eq!(v, [&b""[..]]);
        // A NUL inside a value: four pieces, three expected.
        assert!(split_joined(b"GET\0Origin\0a\0b", 3, &mut v).is_none());
        assert!(split_joined(b"GET\0Origin", 3, &mut v).is_none());
        assert!(split_joined(b"GET", 0, &mut v).is_none());
    }

    #[test]
    fn prefixed_split_checks_lengths() {
        let mut buf = Vec::new();
        for s in [&b"GET"[..], b"Origin", b"a\0b"] {
            buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
            buf.extend_from_slice(s);
        }
        let mut v = Vec::new();
        assert!(split_prefixed(&buf, &mut v).is_some());
        assert_eq!(v, [&b"GET"[..], b"Origin", b"a\0b"]);
        assert!(split_prefixed(&buf[..buf.len() - 1], &mut v).is_none());
        assert!(split_prefixed(&[1, 0], &mut v).is_none());
        assert!(split_prefixed(&[], &mut v).is_none());
    }

    #[test]
    fn merge_encoding_names_dropped_lines_and_added_ones() {
        let decision: [&[u8]; 4] = [
            b"Access-Control-Allow-Origin",
            b"https://a.com",
            b"Vary",
            b"Origin",
        ];
        let app: [&[u8]; 6] = [
            b"content-type",
            b"text/plain",
            b"access-control-allow-origin",
            b"*",
            b"vary",
            b"accept-encoding",
        ];
        let mut out = Vec::new();
        encode_merge(Kind::Actual, &decision, &app, &mut out);
        assert_eq!(
            out,
            b"1\0Access-Control-Allow-Origin\0https://a.com\0Vary\0Origin"
        );
        out.clear();
        let app: [&[u8]; 2] = [b"Vary", b"origin"];
        encode_merge(Kind::Actual, &decision, &app, &mut out);
        assert_eq!(out, b"\0Access-Control-Allow-Origin\0https://a.com");
        out.clear();
        // A preflight: the application's lines are all dropped.
        encode_merge(Kind::Preflight, &decision, &app, &mut out);
        assert_eq!(
            out,
            b"0\0Access-Control-Allow-Origin\0https://a.com\0Vary\0Origin"
        );
    }

    #[test]
    fn set_requests_carry_the_path_second() {
        let set = corsgate::PolicySet::from_json(
            r#"{"policies": {"a": {"origins": ["https://a.com"]}, "b": {"origins": ["https://b.com"]}},
                "routes": [{"host": "api.x.com", "policy": "a"}, {"host": "api.x.com", "path_prefix": "/b/", "policy": "b"}]}"#,
        )
        .expect("valid set");
        let parts: [&[u8]; 6] = [
            b"GET",
            b"/b/1",
            b"Host",
            b"api.x.com",
            b"Origin",
            b"https://b.com",
        ];
        let d = evaluate_set(&set, &parts);
        assert_eq!(
            (d.policy(), d.route(), d.allowed()),
            (Some("b"), Some(1), true)
        );
        let d = evaluate_set(&set, &parts[..1]);
        assert_eq!(
            (d.policy(), d.decision().reason().code()),
            (None, "no_policy")
        );
    }

    #[test]
    fn decision_encoding() {
        let p =
            corsgate::Policy::from_json(r#"{"origins": ["https://a.com"], "methods": ["PUT"]}"#)
                .expect("valid policy");
        let mut out = Vec::new();
        let parts: [&[u8]; 3] = [b"GET", b"Origin", b"https://a.com"];
        encode_decision(&evaluate(&p, &parts), false, &mut out);
        assert_eq!(
            out,
            b"21c\0origin_allowed\0Access-Control-Allow-Origin\0https://a.com\0Vary\0Origin"
        );
        out.clear();
        let parts: [&[u8]; 5] = [
            b"OPTIONS",
            b"Origin",
            b"https://b.com",
            b"Access-Control-Request-Method",
            b"PUT",
        ];
        encode_decision(&evaluate(&p, &parts), true, &mut out);
        let text = String::from_utf8(out).expect("utf-8");
        assert!(
            text.starts_with("10b403\0origin_not_allowed\0Vary\0"),
            "{text}"
        );
        assert!(
            text.ends_with("\0origin not allowed by any pattern"),
            "{text}"
        );
    }
}
