//! Shared pieces of the corsgate fuzz targets: generators of policies and requests from
//! a small alphabet of CORS tokens (driven by `arbitrary`), a text form that the seed
//! corpora use (one policy JSON line, then one request JSON line per request, as
//! `corsgate eval --jsonl` reads them), and the oracle: `corsgate::reference::compare`,
//! the one comparison of the fast engine with the naive reference (reasons and every
//! decision's invariants included), shared with the property test.
//!
//! Every check panics on failure, which libFuzzer reports as a crash.

use arbitrary::{Result, Unstructured};

/// The pattern normalizer against the `url` crate (shared with `tests/normalizer.rs`).
#[path = "../../tests/normalizer_check.rs"]
pub mod normalizer;
/// Policy-set files and the typed-vs-`Value` reader oracle (target `set_paths`).
pub mod set;
use corsgate::Config;
pub use corsgate::reference::Request;

/// Schemes, including ones that are errors or odd in patterns.
pub const SCHEMES: &[&str] = &[
    "https",
    "http",
    "chrome-extension",
    "ws",
    "wss",
    "HTTPS",
    "ftp",
    "file",
    "moz-extension",
];

/// Host labels chosen for label-boundary, public-suffix, IP and IDN traps.
pub const LABELS: &[&str] = &[
    "a",
    "b",
    "foo",
    "bar",
    "barfoo",
    "foobar",
    "example",
    "examplecom",
    "com",
    "net",
    "io",
    "github",
    "co",
    "uk",
    "localhost",
    "xn--bcher-kva",
    "b\u{fc}cher",
    "EXAMPLE",
    "x-y",
    "a_b",
    "-a",
    "1",
    "127",
    "0",
    "255",
    "256",
    "0x7f",
    "010",
    "evil",
    "*",
];

/// Port suffixes of patterns.
pub const PATTERN_PORTS: &[&str] = &[
    "",
    "",
    ":*",
    ":8080",
    ":443",
    ":80",
    ":08443",
    ":[8080,8443]",
    ":[3000-3999]",
    ":[80,443]",
    ":[443]",
    ":[1-65535]",
    ":0",
    ":65535",
    ":[9-1]",
];

/// Port suffixes of request origins.
pub const ORIGIN_PORTS: &[&str] = &[
    "", "", "", ":8080", ":8443", ":3000", ":3999", ":4000", ":443", ":80", ":0", ":08080",
    ":65535", ":65536", ":",
];

/// IPv6 hosts, canonical and not.
pub const IPV6: &[&str] = &[
    "[::1]",
    "[0::1]",
    "[2001:db8::1]",
    "[2001:DB8::1]",
    "[::]",
    "[::1",
];

/// Methods for `methods` and for requests.
pub const METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "put", "DELETE", "PATCH", "patch", "PURGE", "OPTIONS", "TRACE",
    "CONNECT", "*", "", "P T", "get",
];

/// Header names for `request_headers`, `expose_headers` and requests.
pub const HEADER_NAMES: &[&str] = &[
    "x-a",
    "X-B",
    "authorization",
    "Authorization",
    "content-type",
    "*",
    "x-request-id",
    "cookie",
    "sec-x",
    "x-total",
    "set-cookie",
    "a b",
    "",
];

/// `Access-Control-Request-Headers` values.
pub const ACRH_VALUES: &[&str] = &[
    "x-a",
    "x-a, x-b",
    "X-B",
    "authorization",
    "",
    ",,",
    "x a",
    "content-type,x-a",
    " x-a ,\tx-b ",
    "x-request-id",
    "x-a,",
    "x-a\u{e9}",
];

fn pick<'a>(u: &mut Unstructured<'_>, items: &[&'a str]) -> Result<&'a str> {
    u.choose(items).copied()
}

/// Free text, short: the fuzzer's own bytes where the alphabet runs out.
fn text(u: &mut Unstructured<'_>, max: usize) -> Result<String> {
    let s: String = u.arbitrary()?;
    Ok(s.chars().take(max).collect())
}

/// A host of one to four labels (now and then an IPv6 literal or free text).
pub fn host(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=15u8)? {
        0 => pick(u, IPV6)?.to_owned(),
        1 => text(u, 24)?,
        _ => {
            let n = u.int_in_range(1..=4usize)?;
            let mut labels = Vec::with_capacity(n);
            for _ in 0..n {
                labels.push(pick(u, LABELS)?);
            }
            let mut h = labels.join(".");
            if u.ratio(1, 16)? {
                h.push('.');
            }
            h
        }
    })
}

fn regex_escape(s: &str) -> String {
    s.replace('.', "\\.")
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('*', "\\*")
}

/// One entry of `origins`.
pub fn pattern(u: &mut Unstructured<'_>) -> Result<String> {
    let scheme = pick(u, SCHEMES)?;
    Ok(match u.int_in_range(0..=19u8)? {
        0..=6 => format!("{scheme}://{}{}", host(u)?, pick(u, PATTERN_PORTS)?),
        7..=11 => format!("{scheme}://*.{}{}", host(u)?, pick(u, PATTERN_PORTS)?),
        12 => format!("~^https://[a-z]+\\.{}$", regex_escape(&host(u)?)),
        13 => format!(
            "~https?://(foo|bar)\\.{}(:[0-9]+)?",
            regex_escape(&host(u)?)
        ),
        14 => format!("~^https://{}$", host(u)?),
        15 => format!("~{}", text(u, 40)?),
        16 => "*".to_owned(),
        17 => "null".to_owned(),
        18 => text(u, 40)?,
        _ => format!("{scheme}://{}{}/", host(u)?, pick(u, PATTERN_PORTS)?),
    })
}

/// A request `Origin` value: plausible, or a hostile mutation of a plausible one.
pub fn origin(u: &mut Unstructured<'_>) -> Result<String> {
    let base = format!(
        "{}://{}{}",
        pick(u, SCHEMES)?,
        host(u)?,
        pick(u, ORIGIN_PORTS)?
    );
    Ok(match u.int_in_range(0..=19u8)? {
        0 => base.to_ascii_uppercase(),
        1 => format!("{base}/"),
        2 => format!("{base}."),
        3 => format!(" {base}"),
        4 => base.replacen("://", "://user@", 1),
        5 => format!("{base}, https://foo.com"),
        6 => "null".to_owned(),
        7 => String::new(),
        8 => text(u, 40)?,
        9 => format!("{base}{}", text(u, 4)?),
        _ => base,
    })
}

/// A policy from the alphabet above. Risky switches are on most of the time so that
/// most generated policies compile and get compared.
pub fn config(u: &mut Unstructured<'_>) -> Result<Config> {
    let n = u.int_in_range(1..=5usize)?;
    let mut origins = Vec::with_capacity(n);
    for _ in 0..n {
        origins.push(pattern(u)?);
    }
    let list = |u: &mut Unstructured<'_>, pool: &[&str]| -> Result<Vec<String>> {
        let n = u.int_in_range(0..=3usize)?;
        (0..n).map(|_| pick(u, pool).map(str::to_owned)).collect()
    };
    let methods = list(u, METHODS)?;
    let request_headers = list(u, HEADER_NAMES)?;
    let expose_headers = list(u, HEADER_NAMES)?;
    let mut c = Config::new(origins)
        .credentials(u.ratio(1, 3)?)
        .methods(methods)
        .request_headers(request_headers)
        .expose_headers(expose_headers)
        .private_network(u.arbitrary()?)
        .dangerously_allow_null_origin(!u.ratio(1, 8)?)
        .dangerously_allow_insecure_origins(!u.ratio(1, 4)?)
        .dangerously_allow_public_suffix_wildcards(!u.ratio(1, 4)?);
    c.max_age = if u.arbitrary()? {
        Some(u.int_in_range(0..=90_000u64)?)
    } else {
        None
    };
    if u.ratio(1, 16)? {
        c.preflight_status = u.arbitrary()?;
    }
    Ok(c)
}

fn case_name(u: &mut Unstructured<'_>, name: &str) -> Result<String> {
    Ok(match u.int_in_range(0..=3u8)? {
        0 => name.to_ascii_lowercase(),
        1 => name.to_ascii_uppercase(),
        _ => name.to_owned(),
    })
}

/// One request, mostly CORS-shaped.
pub fn request(u: &mut Unstructured<'_>) -> Result<Request> {
    let method = if u.ratio(1, 2)? {
        "OPTIONS".to_owned()
    } else {
        pick(u, METHODS)?.to_owned()
    };
    let mut headers = Vec::new();
    let origin_lines = match u.int_in_range(0..=9u8)? {
        0 => 0,
        1 => 2,
        _ => 1,
    };
    for _ in 0..origin_lines {
        headers.push((case_name(u, "Origin")?, origin(u)?));
    }
    if u.ratio(3, 4)? {
        headers.push((
            case_name(u, "Access-Control-Request-Method")?,
            pick(u, METHODS)?.to_owned(),
        ));
    }
    let acrh_lines = u.int_in_range(0..=3usize)?;
    for _ in 0..acrh_lines {
        let v = if u.ratio(1, 6)? {
            text(u, 30)?
        } else {
            pick(u, ACRH_VALUES)?.to_owned()
        };
        headers.push((case_name(u, "Access-Control-Request-Headers")?, v));
    }
    if u.ratio(1, 4)? {
        let v = pick(u, &["true", "false", "TRUE", ""])?.to_owned();
        headers.push((case_name(u, "Access-Control-Request-Private-Network")?, v));
    }
    if u.ratio(1, 8)? {
        headers.push((text(u, 12)?, text(u, 20)?));
    }
    Ok((method, headers))
}

/// A policy and one to six requests from fuzzer bytes.
pub fn structured_case(data: &[u8]) -> Option<(Config, Vec<Request>)> {
    let mut u = Unstructured::new(data);
    let c = config(&mut u).ok()?;
    let n = u.int_in_range(1..=6usize).ok()?;
    let mut requests = Vec::with_capacity(n);
    for _ in 0..n {
        requests.push(request(&mut u).ok()?);
    }
    Some((c, requests))
}

/// Parses one `corsgate eval --jsonl` request line.
pub fn parse_request_line(line: &str) -> Option<Request> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let method = v.get("method").and_then(|m| m.as_str()).unwrap_or("GET");
    let headers = v
        .get("headers")?
        .as_array()?
        .iter()
        .map(|h| {
            Some((
                h.get(0)?.as_str()?.to_owned(),
                h.get(1)?.as_str()?.to_owned(),
            ))
        })
        .collect::<Option<Vec<_>>>()?;
    Some((method.to_owned(), headers))
}

/// The text form: a policy JSON line, then request lines. `None` when the bytes are not
/// in that form.
pub fn text_case(data: &[u8]) -> Option<(Config, Vec<Request>)> {
    let text = std::str::from_utf8(data).ok()?;
    let mut lines = text.lines();
    let config = Config::from_json(lines.next()?).ok()?;
    let requests: Vec<Request> = lines.filter_map(parse_request_line).take(16).collect();
    Some((config, requests))
}

/// The one comparison, `corsgate::reference::compare` (decisions, reasons, the hot path
/// and every decision's invariants), as a crash on any disagreement.
pub fn compare(config: &Config, requests: &[Request]) {
    if let Err(why) = corsgate::reference::compare(config, requests) {
        panic!("{why}");
    }
}

/// The crash canary of `scripts/test-fuzz.sh`: when `CORSGATE_FUZZ_CANARY` is set in the
/// environment, an input starting with `CORSGATE-CANARY` panics, so that the script
/// proves it notices a crashing target. Without the variable it does nothing.
pub fn canary(data: &[u8]) {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *ON.get_or_init(|| std::env::var_os("CORSGATE_FUZZ_CANARY").is_some())
        && data.starts_with(b"CORSGATE-CANARY")
    {
        panic!("canary input: the harness must report this crash");
    }
}
