//! The fast engine against the naive reference evaluator on generated policies and
//! requests, through the one comparison `corsgate::reference::compare` (the fuzz target
//! `differential` runs the same). Origins are drawn from a small alphabet of labels chosen to produce
//! label-boundary traps (`foo.com` + `bar.com` vs `barfoo.com`, apexes, suffixes),
//! scheme and port confusion, and malformed variants of allowed origins.
//!
//! Policies with `cross_origin_protection` get requests with `Host` (often the origin's
//! own host, in another case, with a trailing dot or an explicit port), `Sec-Fetch-Site`
//! and `Upgrade` lines, repeated lines and unsafe methods in any case.
//!
//! `CORSGATE_DIFF_CASES` sets the number of generated cases (default 100,000).

use corsgate::reference::{Request, compare};
use corsgate::{Config, Policy};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};

const LABELS: &[&str] = &[
    "a",
    "b",
    "foo",
    "bar",
    "barfoo",
    "foobar",
    "x-y",
    "a_b",
    "xn--bcher-kva",
    "1",
    "localhost",
    "example",
    "com",
    "net",
    "io",
    "github",
];
const SCHEMES: &[&str] = &["https", "http", "chrome-extension"];
const PATTERN_PORTS: &[&str] = &[
    "",
    "",
    "",
    ":*",
    ":8080",
    ":443",
    ":[8080,8443]",
    ":[3000-3999]",
    ":[80,443]",
];
const ORIGIN_PORTS: &[&str] = &[
    "", "", "", ":8080", ":8443", ":3000", ":3999", ":4000", ":443", ":80", ":0", ":08080",
];

fn host() -> impl Strategy<Value = String> + Clone {
    prop::collection::vec(prop::sample::select(LABELS), 1..=3).prop_map(|l| l.join("."))
}

fn pattern() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(SCHEMES);
    let ports = prop::sample::select(PATTERN_PORTS);
    prop_oneof![
        4 => (scheme.clone(), host(), ports.clone()).prop_map(|(s, h, p)| format!("{s}://{h}{p}")),
        3 => (scheme.clone(), host(), ports).prop_map(|(s, h, p)| format!("{s}://*.{h}{p}")),
        1 => host().prop_map(|h| format!("~^https://[a-z]+\\.{}$", h.replace('.', "\\."))),
        1 => host().prop_map(|h| format!("~https?://(foo|bar)\\.{}(:[0-9]+)?", h.replace('.', "\\."))),
        1 => Just("*".to_owned()),
        1 => Just("null".to_owned()),
    ]
}

/// Origins: plausible ones from the same alphabet, plus hostile mutations.
fn origin() -> impl Strategy<Value = String> {
    let base = (
        prop::sample::select(SCHEMES),
        host(),
        prop::sample::select(ORIGIN_PORTS),
    )
        .prop_map(|(s, h, p)| format!("{s}://{h}{p}"));
    prop_oneof![
        8 => base.clone(),
        1 => base.clone().prop_map(|o| o.to_ascii_uppercase()),
        1 => base.clone().prop_map(|o| format!("{o}/")),
        1 => base.clone().prop_map(|o| format!("{o}.")),
        1 => base.clone().prop_map(|o| format!(" {o}")),
        1 => base.clone().prop_map(|o| o.replacen("://", "://user@", 1)),
        1 => base.clone().prop_map(|o| format!("{o}, https://foo.com")),
        1 => Just("null".to_owned()),
        1 => Just(String::new()),
        1 => "[ -~]{0,20}",
    ]
}

/// The lines cross-origin protection reads, drawn to hit each branch of its steps.
#[derive(Debug, Clone)]
struct ProtectionLines {
    /// Replaces the method when set (unsafe methods, case variants).
    method: Option<&'static str>,
    /// A second, identical `Origin` line.
    twice: bool,
    /// How the `Host` lines are made from the origin (or not).
    host: u8,
    /// An explicit port on the derived host.
    port: &'static str,
    site: Vec<&'static str>,
    upgrade: Option<&'static str>,
}

type Resolved = (String, bool, Vec<String>, Vec<String>, Option<String>);

impl ProtectionLines {
    fn resolve(self, method: &str, origin: &str) -> Resolved {
        let authority = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        let bare = authority
            .rsplit_once(':')
            .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
            .map_or(authority, |(h, _)| h);
        let host = match self.host {
            0 => vec![],
            1 | 2 => vec![authority.to_owned()],
            3 => vec![format!("{bare}{}", self.port)],
            4 => vec![authority.to_ascii_uppercase()],
            5 => vec![format!("{bare}.{}", self.port)],
            6 => vec![authority.to_owned(), authority.to_owned()],
            _ => vec!["api.example.com".to_owned()],
        };
        let method = self.method.unwrap_or(method).to_owned();
        let site = self.site.iter().map(|s| (*s).to_owned()).collect();
        (
            method,
            self.twice,
            host,
            site,
            self.upgrade.map(str::to_owned),
        )
    }
}

fn protection_lines() -> impl Strategy<Value = ProtectionLines> {
    (
        prop::option::of(prop::sample::select(vec![
            "POST", "DELETE", "PATCH", "get", "GET", "HEAD",
        ])),
        prop::bool::weighted(0.1),
        0u8..=7,
        prop::sample::select(vec!["", ":443", ":80", ":8080", ":0", ":08080", ":"]),
        prop::collection::vec(
            prop::sample::select(vec![
                "cross-site",
                "same-site",
                "same-origin",
                "none",
                "",
                " ",
                "Same-Origin",
            ]),
            0..=2,
        ),
        prop::option::of(prop::sample::select(vec!["websocket", "WebSocket", "h2c"])),
    )
        .prop_map(
            |(method, twice, host, port, site, upgrade)| ProtectionLines {
                method,
                twice,
                host,
                port,
                site,
                upgrade,
            },
        )
}

#[derive(Debug, Clone)]
struct Case {
    config: Config,
    requests: Vec<Request>,
}

fn case() -> impl Strategy<Value = Case> {
    let config = (
        prop::collection::vec(pattern(), 1..=5),
        prop::bool::weighted(0.3),
        prop::sample::subsequence(vec!["PUT", "DELETE", "PATCH", "*", "get", "PURGE"], 0..=3),
        prop::sample::subsequence(
            vec!["x-a", "X-B", "authorization", "*", "content-type"],
            0..=3,
        ),
        any::<bool>(),
        prop::option::of(0u64..=7200),
        prop::sample::subsequence(vec!["x-total", "*"], 0..=2),
        any::<bool>(),
    )
        .prop_map(
            |(origins, credentials, methods, headers, pna, max_age, expose, protect)| {
                let mut c = Config::new(origins)
                    .credentials(credentials)
                    .methods(methods)
                    .request_headers(headers)
                    .expose_headers(expose)
                    .private_network(pna)
                    .dangerously_allow_null_origin(true)
                    .cross_origin_protection(protect);
                c.max_age = max_age;
                c
            },
        );
    let request = (
        origin(),
        prop::sample::select(vec!["GET", "POST", "OPTIONS", "OPTIONS", "OPTIONS", "PUT"]),
        prop::option::of(prop::sample::select(vec![
            "GET", "PUT", "put", "PATCH", "DELETE", "PURGE", "TRACE", "",
        ])),
        prop::option::of(prop::sample::select(vec![
            "x-a",
            "x-a, x-b",
            "X-B",
            "authorization",
            "",
            ",,",
            "x a",
            "content-type,x-a",
        ])),
        prop::option::of(prop::sample::select(vec!["true", "false", "TRUE"])),
        any::<bool>(),
        protection_lines(),
    )
        .prop_map(|(origin, method, acrm, acrh, pna, with_origin, extra)| {
            let mut headers = Vec::new();
            let (method, twice, host, site, upgrade) = extra.resolve(method, &origin);
            if with_origin {
                headers.push(("Origin".to_owned(), origin.clone()));
                if twice {
                    headers.push(("Origin".to_owned(), origin));
                }
            }
            headers.extend(host.into_iter().map(|h| ("Host".to_owned(), h)));
            headers.extend(site.into_iter().map(|v| ("Sec-Fetch-Site".to_owned(), v)));
            headers.extend(upgrade.map(|v| ("Upgrade".to_owned(), v)));
            if let Some(m) = acrm {
                headers.push(("Access-Control-Request-Method".to_owned(), m.to_owned()));
            }
            if let Some(h) = acrh {
                headers.push(("access-control-request-headers".to_owned(), h.to_owned()));
            }
            if let Some(p) = pna {
                headers.push((
                    "Access-Control-Request-Private-Network".to_owned(),
                    p.to_owned(),
                ));
            }
            (method, headers)
        });
    (config, prop::collection::vec(request, 1..=6))
        .prop_map(|(config, requests)| Case { config, requests })
}

/// The one comparison (`corsgate::reference::compare`: decisions, reasons, the hot path
/// and every decision's invariants); returns whether the policy compiled.
fn check(case: &Case) -> Result<bool, TestCaseError> {
    let compared = compare(&case.config, &case.requests).map_err(TestCaseError::fail)?;
    Ok(compared > 0)
}

#[test]
fn fast_engine_agrees_with_the_reference() {
    let cases: u32 = std::env::var("CORSGATE_DIFF_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let mut runner = TestRunner::new(RunnerConfig {
        cases,
        failure_persistence: None,
        ..RunnerConfig::default()
    });
    let compiled = std::cell::Cell::new(0u32);
    runner
        .run(&case(), |c| {
            if check(&c)? {
                compiled.set(compiled.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    // Most generated policies must compile, or the comparison says little.
    assert!(
        compiled.get() > cases / 2,
        "only {} of {cases} generated policies compiled",
        compiled.get()
    );
    println!(
        "differential: {cases} generated cases, {} compiled policies compared",
        compiled.get()
    );
}

/// The generator reaches every kind, refusals included, and protected requests that
/// pass by `Host` equality: the comparison covers each step of cross-origin protection.
#[test]
fn generated_requests_reach_every_kind() {
    let mut runner = TestRunner::deterministic();
    let mut kinds = std::collections::HashSet::new();
    let mut by_host = 0;
    for _ in 0..3000 {
        let case = case().new_tree(&mut runner).unwrap().current();
        let Ok(policy) = Policy::new(&case.config) else {
            continue;
        };
        for (method, headers) in &case.requests {
            let pairs: Vec<(&str, &str)> = headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let d = policy.evaluate_str(method, &pairs);
            kinds.insert(d.kind());
            let has = |n: &str| pairs.iter().any(|(k, _)| k.eq_ignore_ascii_case(n));
            if case.config.cross_origin_protection
                && !["GET", "HEAD", "OPTIONS"].contains(&method.as_str())
                && !has("Sec-Fetch-Site")
                && d.kind() == corsgate::Kind::Actual
                && !d.allowed()
            {
                by_host += 1;
            }
        }
    }
    assert_eq!(kinds.len(), corsgate::Kind::ALL.len(), "{kinds:?}");
    assert!(
        by_host > 10,
        "only {by_host} requests passed by Host equality"
    );
}

#[test]
fn label_boundary_traps() {
    let p = Policy::new(&Config::new([
        "https://foo.com",
        "https://bar.com",
        "https://*.example.com",
    ]))
    .unwrap();
    for o in [
        "https://barfoo.com",
        "https://foobar.com",
        "https://xfoo.com",
        "https://example.com",
        "https://xexample.com",
        "https://example.com.evil.net",
    ] {
        assert!(!p.is_origin_allowed(o.as_bytes()), "{o}");
    }
    for o in [
        "https://foo.com",
        "https://bar.com",
        "https://a.example.com",
        "https://a.b.example.com",
    ] {
        assert!(p.is_origin_allowed(o.as_bytes()), "{o}");
    }
}
