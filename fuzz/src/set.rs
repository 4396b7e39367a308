//! The `set_paths` target's pieces: a generator of policy-set files (a JSON tree from
//! the token alphabet of the crate, written out with random escapes, whitespace, key
//! orders, duplicate and unknown keys, `null`s, odd number forms and wrong types), and
//! the oracle: the typed set reader against the `Value` reader on the same text.
//!
//! Oracle: when the typed path reads a file, the `Value` path must read it too and give
//! the same set: names, compiled policies (configuration, patterns, warnings), which
//! names share a compiled policy and which policies share rules, routes, warnings, and
//! the same decision (every header, reason, policy and route) for requests built from
//! the file's routes and origins. When the `Value` path refuses a file, so must the
//! typed path.

use super::{HEADER_NAMES, METHODS, pattern, pick};
use arbitrary::{Result, Unstructured};
use corsgate::PolicySet;
use std::fmt::Write as _;

/// A JSON value as generated; numbers keep the text they are written with.
#[derive(Clone, Debug)]
pub enum Json {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

/// Policy names: plain, needing a quoted scope, empty, non-ASCII, a field's name.
const NAMES: &[&str] = &[
    "a", "b", "acme", "t1", "a.b", "", "t\u{e9}", "x y", "origins", "A",
];

/// Keys that are no field of anything here (or nearly one).
const UNKNOWN_KEYS: &[&str] = &["origin", "Origins", "host ", "extra", "route", "policy"];

/// Route hosts; `{}` is replaced by a generated host.
const ROUTE_HOSTS: &[&str] = &[
    "*",
    "{}",
    "*.{}",
    "{}:8443",
    "*.{}:8443",
    "{}:443",
    "{}.",
    "API.{}",
    "*.*.{}",
    "{}:0",
    "",
    "a b",
    "[::1]",
    "[::1]:8080",
    "127.0.0.1",
];

/// Route path prefixes (`None`: absent).
const PREFIXES: &[Option<&str>] = &[
    None,
    None,
    Some("/"),
    Some("/v1/"),
    Some("/v1"),
    Some("/v1/a"),
    Some("v1"),
    Some(""),
    Some("/\u{e9}/"),
];

/// Extra method and header tokens, some of them invalid.
const ODD_TOKENS: &[&str] = &["", "*", "GET ", "get", "x\u{e9}", "a,b"];

/// The number forms of `v`: plain most of the time, else forms serde_json reads
/// differently (`-0`, a fraction, an exponent, a sign, beyond `u64`).
fn number(u: &mut Unstructured<'_>, v: u64, chaos: u8) -> Result<Json> {
    if chaos == 0 || u.ratio(3, 4)? {
        return Ok(Json::Num(v.to_string()));
    }
    Ok(Json::Num(match u.int_in_range(0..=9u8)? {
        0 => "-0".to_owned(),
        1 => format!("{v}.0"),
        2 => format!("{v}e0"),
        3 => format!("-{v}"),
        4 => "18446744073709551615".to_owned(),
        5 => "18446744073709551616".to_owned(),
        6 => "1e2".to_owned(),
        7 => "0.5".to_owned(),
        8 => "-9223372036854775808".to_owned(),
        _ => format!("{v}00000000000000000000"),
    }))
}

/// A value of a random type (for the wrong-type perturbation).
fn any_value(u: &mut Unstructured<'_>) -> Result<Json> {
    Ok(match u.int_in_range(0..=5u8)? {
        0 => Json::Null,
        1 => Json::Bool(u.arbitrary()?),
        2 => Json::Num(u.int_in_range(0..=300u64)?.to_string()),
        3 => Json::Str(pick(u, NAMES)?.to_owned()),
        4 => Json::Arr(vec![Json::Str("https://a.com".to_owned()), Json::Null]),
        _ => Json::Obj(vec![("x".to_owned(), Json::Null)]),
    })
}

/// `v` as plain JSON text (no perturbation).
fn plain(v: &Json) -> String {
    let mut out = String::new();
    plain_into(v, &mut out);
    out
}

fn plain_into(v: &Json, out: &mut String) {
    let key = |s: &str| serde_json::Value::from(s).to_string();
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Num(n) => out.push_str(n),
        Json::Str(s) => out.push_str(&key(s)),
        Json::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                plain_into(item, out);
            }
            out.push(']');
        }
        Json::Obj(fields) => {
            out.push('{');
            for (i, (k, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&key(k));
                out.push(':');
                plain_into(item, out);
            }
            out.push('}');
        }
    }
}

/// Whether policy `own` merged over `defaults` compiles (the generator retries a
/// policy that does not at the low chaos levels, so that most files are valid).
fn compiles(defaults: Option<&Json>, own: &Json) -> bool {
    let none = Vec::new();
    let d = match defaults {
        Some(Json::Obj(d)) => d,
        None | Some(Json::Null) => &none,
        Some(_) => return false,
    };
    let Json::Obj(o) = own else {
        return false;
    };
    let mut merged: Vec<(String, Json)> = d
        .iter()
        .filter(|(k, _)| !o.iter().any(|(ok, _)| ok == k))
        .cloned()
        .collect();
    merged.extend(o.iter().cloned());
    corsgate::Policy::from_json(&plain(&Json::Obj(merged))).is_ok()
}

/// Whether an `origins` entry compiles under the risky switches.
fn pattern_compiles(p: &str) -> bool {
    let config = corsgate::Config::new(vec![p.to_owned()])
        .dangerously_allow_null_origin(true)
        .dangerously_allow_insecure_origins(true)
        .dangerously_allow_public_suffix_wildcards(true);
    corsgate::Policy::new(&config).is_ok()
}

/// Whether `routes` are valid routes to policies `names` (each a policy that compiles).
fn routes_valid(names: &[String], routes: &[Json]) -> bool {
    let policies = names
        .iter()
        .map(|n| {
            (
                n.clone(),
                Json::Obj(vec![(
                    "origins".to_owned(),
                    Json::Arr(vec![Json::Str("*".to_owned())]),
                )]),
            )
        })
        .collect();
    let doc = Json::Obj(vec![
        ("policies".to_owned(), Json::Obj(policies)),
        ("routes".to_owned(), Json::Arr(routes.to_vec())),
    ]);
    PolicySet::from_json_value_path(&plain(&doc)).is_ok()
}

/// How many times a low-chaos document retries a policy or route that is invalid.
const RETRIES: usize = 4;

/// A list of `n` tokens from `pool` (and the odd ones).
fn tokens(u: &mut Unstructured<'_>, pool: &[&str], chaos: u8) -> Result<Json> {
    let n = u.int_in_range(0..=3usize)?;
    let mut items = Vec::with_capacity(n);
    for _ in 0..n {
        items.push(if chaos > 0 && u.ratio(1, 10)? {
            Json::Str(pick(u, ODD_TOKENS)?.to_owned())
        } else {
            Json::Str(pick(u, pool)?.to_owned())
        });
    }
    Ok(Json::Arr(items))
}

/// The value of policy field `field`.
fn field_value(
    u: &mut Unstructured<'_>,
    field: &str,
    origins: &[String],
    chaos: u8,
) -> Result<Json> {
    if (chaos > 1 || field != "origins") && u.ratio(1, 10)? {
        return Ok(Json::Null);
    }
    if chaos > 1 && u.ratio(1, 24)? {
        return any_value(u);
    }
    Ok(match field {
        "origins" => {
            let n = u.int_in_range(usize::from(chaos < 2)..=3)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(if origins.is_empty() || (chaos > 1 && u.ratio(1, 6)?) {
                    Json::Str(pattern(u)?)
                } else {
                    Json::Str(u.choose(origins)?.clone())
                });
            }
            Json::Arr(items)
        }
        "methods" => tokens(u, METHODS, chaos)?,
        "request_headers" | "expose_headers" => tokens(u, HEADER_NAMES, chaos)?,
        "max_age" => {
            let v = match u.int_in_range(0..=3u8)? {
                0 => 0,
                1 => 600,
                2 => u.int_in_range(0..=86_400u64)?,
                _ if chaos > 1 => u.arbitrary()?,
                _ => 86_400,
            };
            number(u, v, chaos)?
        }
        "preflight_status" => {
            let v = match u.int_in_range(0..=5u8)? {
                0 => 200,
                1 => 204,
                2 => u.int_in_range(200..=299u64)?,
                3 => 100,
                4 => 70_000,
                _ => u.int_in_range(0..=1000u64)?,
            };
            number(u, v, chaos)?
        }
        // The risky switches are on more often, so that more patterns compile.
        f if f.starts_with("dangerously") => Json::Bool(!u.ratio(1, 4)?),
        _ => Json::Bool(u.arbitrary()?),
    })
}

/// A policy object (or `defaults`): a subset of the fields, now and then an unknown key.
fn policy(u: &mut Unstructured<'_>, origins: &[String], chaos: u8, defaults: bool) -> Result<Json> {
    let mut fields = Vec::new();
    for &f in corsgate::FIELDS {
        let p = match (f, defaults) {
            ("origins", false) => 15,
            ("origins", true) => 3,
            (f, _) if f.starts_with("dangerously") => 10,
            _ => 4,
        };
        if u.int_in_range(0..=15u8)? < p {
            fields.push((f.to_owned(), field_value(u, f, origins, chaos)?));
        }
    }
    if chaos > 1 && u.ratio(1, 16)? {
        fields.push((pick(u, UNKNOWN_KEYS)?.to_owned(), any_value(u)?));
    }
    Ok(Json::Obj(fields))
}

/// A route object.
fn route(u: &mut Unstructured<'_>, hosts: &[String], names: &[String], chaos: u8) -> Result<Json> {
    let mut fields = Vec::new();
    let base = u.choose(hosts)?;
    let host = pick(u, ROUTE_HOSTS)?.replace("{}", base);
    if chaos == 0 || !u.ratio(1, 24)? {
        fields.push(("host".to_owned(), Json::Str(host)));
    }
    match pick_prefix(u)? {
        Some(p) => fields.push(("path_prefix".to_owned(), Json::Str(p.to_owned()))),
        None if u.ratio(1, 4)? => fields.push(("path_prefix".to_owned(), Json::Null)),
        None => {}
    }
    let policy = if names.is_empty() || (chaos > 0 && u.ratio(1, 16)?) {
        pick(u, NAMES)?.to_owned()
    } else {
        u.choose(names)?.clone()
    };
    if chaos == 0 || !u.ratio(1, 24)? {
        fields.push(("policy".to_owned(), Json::Str(policy)));
    }
    if chaos > 1 && u.ratio(1, 16)? {
        fields.push((pick(u, UNKNOWN_KEYS)?.to_owned(), any_value(u)?));
    }
    Ok(Json::Obj(fields))
}

fn pick_prefix(u: &mut Unstructured<'_>) -> Result<Option<&'static str>> {
    u.choose(PREFIXES).copied()
}

/// A policy set document: `defaults` (absent, `null` or an object), one to six named
/// policies (a later one now and then a copy of an earlier one, to reach the sharing
/// of equal policies and of equal settings), and up to six routes to them.
pub fn document(u: &mut Unstructured<'_>, chaos: u8) -> Result<Json> {
    // A few origins and hosts per file, so that policies and routes repeat them.
    let mut origins = Vec::new();
    for _ in 0..u.int_in_range(1..=3usize)? {
        let mut p = pattern(u)?;
        for _ in 0..RETRIES {
            if chaos > 1 || pattern_compiles(&p) {
                break;
            }
            p = pattern(u)?;
        }
        origins.push(p);
    }
    let mut hosts = Vec::new();
    for _ in 0..u.int_in_range(1..=3usize)? {
        hosts.push(super::host(u)?);
    }
    let mut top = Vec::new();
    match u.int_in_range(0..=3u8)? {
        0 => {}
        1 => top.push(("defaults".to_owned(), Json::Null)),
        _ => top.push(("defaults".to_owned(), policy(u, &origins, chaos, true)?)),
    }
    let mut pool: Vec<&str> = NAMES.to_vec();
    let mut names: Vec<String> = Vec::new();
    let mut policies: Vec<(String, Json)> = Vec::new();
    for _ in 0..u.int_in_range(0..=6usize)? {
        let name = if chaos > 1 && !names.is_empty() && u.ratio(1, 16)? {
            // A name written twice.
            u.choose(&names)?.clone()
        } else {
            if pool.is_empty() {
                break;
            }
            let i = u.choose_index(pool.len())?;
            pool.swap_remove(i).to_owned()
        };
        let defaults = top.first().map(|(_, d)| d);
        let body = if !policies.is_empty() && u.ratio(1, 4)? {
            u.choose(&policies)?.1.clone()
        } else if chaos > 1 && u.ratio(1, 32)? {
            any_value(u)?
        } else {
            let mut body = policy(u, &origins, chaos, false)?;
            for _ in 0..RETRIES {
                if chaos > 1 || compiles(defaults, &body) {
                    break;
                }
                body = policy(u, &origins, chaos, false)?;
            }
            body
        };
        names.push(name.clone());
        policies.push((name, body));
    }
    if chaos < 3 || !u.ratio(1, 16)? {
        top.push(("policies".to_owned(), Json::Obj(policies)));
    }
    let mut routes = Vec::new();
    for _ in 0..u.int_in_range(0..=6usize)? {
        let mut r = route(u, &hosts, &names, chaos)?;
        for _ in 0..RETRIES {
            if chaos > 1 || {
                let mut with = routes.clone();
                with.push(r.clone());
                routes_valid(&names, &with)
            } {
                break;
            }
            r = route(u, &hosts, &names, chaos)?;
        }
        routes.push(r);
    }
    if chaos < 3 || !u.ratio(1, 16)? {
        top.push(("routes".to_owned(), Json::Arr(routes)));
    }
    if chaos > 1 && u.ratio(1, 16)? {
        top.push((pick(u, UNKNOWN_KEYS)?.to_owned(), any_value(u)?));
    }
    Ok(Json::Obj(top))
}

/// Writes `v` as JSON text with random perturbations that keep its meaning (whitespace,
/// escapes, key order) and, when `chaos` > 1, some that change it (a key written twice).
pub fn write(u: &mut Unstructured<'_>, v: &Json, chaos: u8, out: &mut String) -> Result<()> {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Num(n) => out.push_str(n),
        Json::Str(s) => string(u, s, out)?,
        Json::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                space(u, out)?;
                write(u, item, chaos, out)?;
                space(u, out)?;
            }
            out.push(']');
        }
        Json::Obj(fields) => {
            let mut order: Vec<usize> = (0..fields.len()).collect();
            if u.ratio(1, 6)? {
                for i in (1..order.len()).rev() {
                    let j = u.int_in_range(0..=i)?;
                    order.swap(i, j);
                }
            }
            if chaos > 1 && !fields.is_empty() && u.ratio(1, 24)? {
                // A key written twice (its value again, or another).
                order.push(u.choose_index(fields.len())?);
            }
            out.push('{');
            for (n, &i) in order.iter().enumerate() {
                let Some((k, val)) = fields.get(i) else {
                    continue;
                };
                if n > 0 {
                    out.push(',');
                }
                space(u, out)?;
                string(u, k, out)?;
                space(u, out)?;
                out.push(':');
                space(u, out)?;
                if n >= fields.len() && u.ratio(1, 2)? {
                    write(u, &Json::Null, chaos, out)?;
                } else {
                    write(u, val, chaos, out)?;
                }
                space(u, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// JSON whitespace, mostly none.
fn space(u: &mut Unstructured<'_>, out: &mut String) -> Result<()> {
    if u.ratio(1, 8)? {
        out.push_str(pick(u, &[" ", "\n", "\t", "\r\n  ", "  "])?);
    }
    Ok(())
}

/// A JSON string: plain, or with some or every character escaped (`\u` and four hex
/// digits in either case, surrogate pairs, `\/`).
fn string(u: &mut Unstructured<'_>, s: &str, out: &mut String) -> Result<()> {
    let mode = u.int_in_range(0..=9u8)?;
    out.push('"');
    for c in s.chars() {
        let escape = match mode {
            0..=6 => false,
            7 | 8 => u.ratio(1, 3)?,
            _ => true,
        };
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if escape && u.arbitrary()? => out.push_str("\\/"),
            c if escape || (c as u32) < 0x20 => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    if u.arbitrary()? {
                        let _ = write!(out, "\\u{unit:04X}");
                    } else {
                        let _ = write!(out, "\\u{unit:04x}");
                    }
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(())
}

/// A set file from fuzzer bytes: the text itself when it reads as a JSON object (the
/// seed corpus: the conformance sets), else a generated document written out.
pub fn case(data: &[u8]) -> Option<String> {
    if let Ok(text) = std::str::from_utf8(data)
        && text.trim_start().starts_with('{')
    {
        return Some(text.to_owned());
    }
    let mut u = Unstructured::new(data);
    let chaos = u.int_in_range(0..=3u8).ok()?;
    let doc = document(&mut u, chaos).ok()?;
    let mut out = String::new();
    write(&mut u, &doc, chaos, &mut out).ok()?;
    if chaos > 2 && u.ratio(1, 16).ok()? {
        out.push_str(pick(&mut u, &[" ", "\n", "x", "{}", ","]).ok()?);
    }
    Some(out)
}

/// The typed set reader against the `Value` reader on `text` (see the module docs):
/// panics on any difference. A file the typed path refuses is not compared: `from_json`
/// reads it through the `Value` path alone.
pub fn compare(text: &str) {
    let value = PolicySet::from_json_value_path(text);
    // Refused by the typed path: `from_json` gives the `Value` path's answer.
    let Some(typed) = PolicySet::from_json_typed_path(text) else {
        return;
    };
    let value = match value {
        Ok(v) => v,
        Err(e) => panic!("the typed path read a file the Value path refuses: {text:?}\n{e}"),
    };
    same_sets(&typed, &value, text);
}

/// Panics unless `a` (typed) and `b` (`Value`) are the same set.
fn same_sets(a: &PolicySet, b: &PolicySet, text: &str) {
    let describe = |s: &PolicySet| {
        let policies: Vec<_> = s
            .policies()
            .map(|(n, p)| {
                (
                    n.to_owned(),
                    p.config().clone(),
                    p.patterns().to_vec(),
                    p.warnings().to_vec(),
                )
            })
            .collect();
        (
            policies,
            s.compiled_len(),
            s.rules_sharing(),
            s.routes().to_vec(),
            s.warnings().to_vec(),
        )
    };
    let (da, db) = (describe(a), describe(b));
    assert_eq!(da.0, db.0, "policies differ: {text:?}");
    assert_eq!(da.1, db.1, "compiled policies differ: {text:?}");
    assert_eq!(da.2, db.2, "rule sharing differs: {text:?}");
    assert_eq!(da.3, db.3, "routes differ: {text:?}");
    assert_eq!(da.4, db.4, "warnings differ: {text:?}");
    // Which names share a compiled policy.
    let shared = |s: &PolicySet| -> Vec<Option<usize>> {
        let list: Vec<_> = s.policies().map(|(_, p)| p as *const _).collect();
        list.iter()
            .map(|p| list.iter().position(|q| q == p))
            .collect()
    };
    assert_eq!(shared(a), shared(b), "policy sharing differs: {text:?}");
    for (method, path, headers) in requests(b) {
        let h: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let da = a.evaluate_str(method, &path, &h);
        let db = b.evaluate_str(method, &path, &h);
        // The decision's every field (headers, reason, status) by `Debug`: cheaper
        // than `to_json`, and it holds all that `to_json` is made from.
        assert_eq!(
            (da.policy(), da.route(), format!("{:?}", da.decision())),
            (db.policy(), db.route(), format!("{:?}", db.decision())),
            "{method} {path} {headers:?} decided differently: {text:?}"
        );
    }
}

type SetRequest = (&'static str, String, Vec<(&'static str, String)>);

/// Requests from a set's routes and origins: each route's host (a wildcard's with a
/// label in front, one case changed, with a port), missing `Host`; its prefix and
/// around it; each origin pattern made concrete and a stranger; a GET, a preflight and
/// a cross-site POST with `Sec-Fetch-Site` (protection).
fn requests(set: &PolicySet) -> Vec<SetRequest> {
    let mut hosts: Vec<Option<String>> = vec![None];
    let mut paths = vec!["/".to_owned()];
    for r in set.routes().iter().take(6) {
        let h = r.host.replacen("*.", "x.", 1);
        hosts.push(Some(h.to_ascii_uppercase()));
        hosts.push(Some(format!("{h}:443")));
        hosts.push(Some(h));
        paths.push(format!("{}x", r.path_prefix));
        let mut shorter = r.path_prefix.clone();
        shorter.pop();
        paths.push(shorter);
    }
    let mut origins = vec!["https://evil.example".to_owned(), "null".to_owned()];
    for (_, p) in set.policies().take(6) {
        for pat in p.patterns().iter().take(3) {
            origins.push(
                pat.normalized
                    .replacen("*.", "a.", 1)
                    .trim_start_matches('~')
                    .to_owned(),
            );
        }
    }
    origins.sort();
    origins.dedup();
    hosts.dedup();
    paths.sort();
    paths.dedup();
    let mut out = Vec::new();
    for (hi, host) in hosts.iter().take(8).enumerate() {
        for (pi, path) in paths.iter().take(4).enumerate() {
            // Two origins per host and path, a different pair each time.
            for k in 0..2 {
                let Some(origin) = origins.get((hi + pi * 3 + k) % origins.len()) else {
                    continue;
                };
                let mut base: Vec<(&'static str, String)> = vec![("Origin", origin.clone())];
                if let Some(h) = host {
                    base.push(("Host", h.clone()));
                }
                out.push(("GET", path.clone(), base.clone()));
                let mut pre = base.clone();
                pre.push(("Access-Control-Request-Method", "PUT".to_owned()));
                pre.push((
                    "Access-Control-Request-Headers",
                    "content-type,x-a".to_owned(),
                ));
                pre.push(("Access-Control-Request-Private-Network", "true".to_owned()));
                out.push(("OPTIONS", path.clone(), pre));
                let mut post = base;
                post.push(("Sec-Fetch-Site", "cross-site".to_owned()));
                out.push(("POST", path.clone(), post));
            }
        }
    }
    out
}
