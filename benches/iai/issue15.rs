//! Instructions per operation on issue 15's inputs (gungraun / callgrind), gated by
//! `scripts/test-bench.sh` like `hot_paths.rs` (names `issue15.<function>.<case>`).
//!
//! The policy: 1,000 exact origins `https://app{i}.customer{i}.com` (i = 0…999), 100
//! wildcards `https://*.partner{j}.org` (j = 0…99), methods `PUT`, request headers
//! `authorization`, `content-type`, `x-requested-with`.
//!
//! Each benchmark runs one operation `BATCH` times over requests of the issue's exact
//! shape (same lengths, same labels), the issue's own request first: the exact hit
//! `https://app500.customer500.com` and 63 other `app{i}.customer{i}` with three-digit
//! `i`; the wildcard hit `https://api.eu.partner99.org` and 63 other two-digit
//! partners; the near miss `https://www.app999.customer999.com` and 63 others. Spreading
//! the batch over 64 keys averages out what a randomly seeded hash table adds to one
//! key's probe, so the count is reproducible. `*.loop` runs the same loop around a
//! no-op: instructions per operation = (case − loop) / 64, as `benches/README.md`
//! reports them. Compile per exact rule = (`compile.exact_1000` − `compile.exact_1`) / 999.
//!
//! Setup (compiling the policy, building the requests, checking every verdict) is not
//! counted, and fixtures are leaked rather than dropped inside the measured function.

// gungraun's macros generate undocumented items.
#![allow(missing_docs)]

use corsgate::{Config, Kind, Policy, Reason};
use gungraun::{library_benchmark, library_benchmark_group, main};
use std::hint::black_box;

/// Operations per benchmark.
const BATCH: usize = 64;

/// The size of the hostile `Origin` value.
const HUGE_ORIGIN: usize = 64 << 10;

type Headers = Vec<(&'static [u8], &'static [u8])>;

fn leak(s: String) -> &'static [u8] {
    Box::leak(s.into_boxed_str()).as_bytes()
}

fn config(exact: usize, wildcards: usize) -> Config {
    let origins = (0..exact)
        .map(|i| format!("https://app{i}.customer{i}.com"))
        .chain((0..wildcards).map(|j| format!("https://*.partner{j}.org")));
    Config::new(origins).methods(["PUT"]).request_headers([
        "authorization",
        "content-type",
        "x-requested-with",
    ])
}

fn policy() -> Policy {
    Policy::new(&config(1_000, 100)).expect("issue 15's policy compiles")
}

/// Issue 15's policy plus 64 exact origins `https://{host of m bytes}.com` (m = 1…64) whose 64
/// consecutive lengths cover every shape of the exact table's filter (`len × 7 + last
/// byte`, mod 64): no request skips the exact lookup there. For `verdict
/// wildcard_hit_all_shapes`, what a wildcard hit costs when the filter cannot help.
fn policy_all_shapes() -> Policy {
    let mut origins: Vec<String> = (0..1_000)
        .map(|i| format!("https://app{i}.customer{i}.com"))
        .chain((0..100).map(|j| format!("https://*.partner{j}.org")))
        .collect();
    // A host of `m` bytes (labels of at most 63).
    let host = |m: usize| match m {
        ..=63 => "a".repeat(m),
        _ => format!("{}.{}", "a".repeat(31), "a".repeat(m - 32)),
    };
    origins.extend((1..=64).map(|m| format!("https://{}.com", host(m))));
    let config = Config::new(origins).methods(["PUT"]).request_headers([
        "authorization",
        "content-type",
        "x-requested-with",
    ]);
    Policy::new(&config).expect("issue 15's policy with every shape compiles")
}

/// Three-digit `i`, starting at `first` (500 or 999) and spread over 100…999.
fn three_digit(k: usize, first: usize) -> usize {
    100 + (first - 100 + 14 * k) % 900
}

/// The `k`-th origin of a case; `k = 0` is the issue's own request.
fn origin(case: &str, k: usize) -> String {
    match case {
        "exact_hit" => {
            let i = three_digit(k, 500);
            format!("https://app{i}.customer{i}.com")
        }
        "wildcard_hit" | "wildcard_hit_all_shapes" => {
            format!("https://api.eu.partner{}.org", 10 + (89 + k) % 90)
        }
        "near_miss" => {
            let i = three_digit(k, 999);
            format!("https://www.app{i}.customer{i}.com")
        }
        _ => unreachable!("unknown case {case}"),
    }
}

fn allowed(case: &str) -> bool {
    matches!(
        case,
        "exact_hit" | "wildcard_hit" | "wildcard_hit_all_shapes"
    )
}

struct Verdicts {
    policy: Policy,
    origins: Vec<&'static [u8]>,
    allowed: usize,
}

fn setup_verdict(case: &str) -> Verdicts {
    let policy = if case == "wildcard_hit_all_shapes" {
        policy_all_shapes()
    } else {
        policy()
    };
    let origins: Vec<_> = (0..BATCH).map(|k| leak(origin(case, k))).collect();
    for o in &origins {
        assert_eq!(policy.is_origin_allowed(o), allowed(case), "{o:?}");
    }
    let distinct: std::collections::HashSet<_> = origins.iter().collect();
    assert_eq!(distinct.len(), BATCH, "distinct origins");
    Verdicts {
        allowed: if allowed(case) { BATCH } else { 0 },
        policy,
        origins,
    }
}

fn setup_verdict_loop() -> Verdicts {
    let mut v = setup_verdict("exact_hit");
    v.allowed = BATCH;
    v
}

#[library_benchmark]
#[bench::exact_hit(args = ("exact_hit"), setup = setup_verdict)]
#[bench::wildcard_hit(args = ("wildcard_hit"), setup = setup_verdict)]
#[bench::near_miss(args = ("near_miss"), setup = setup_verdict)]
#[bench::wildcard_hit_all_shapes(args = ("wildcard_hit_all_shapes"), setup = setup_verdict)]
fn verdict(v: Verdicts) -> usize {
    let mut n = 0;
    for o in &v.origins {
        n += usize::from(black_box(&v.policy).is_origin_allowed(black_box(o)));
    }
    assert_eq!(n, v.allowed);
    std::mem::forget(v);
    n
}

// The loop of [`verdict`] around a no-op, to subtract.
#[library_benchmark]
#[bench::loop_only(setup = setup_verdict_loop)]
fn verdict_loop(v: Verdicts) -> usize {
    let mut n = 0;
    for o in &v.origins {
        n += usize::from(!black_box(o).is_empty());
    }
    assert_eq!(n, v.allowed);
    std::mem::forget(v);
    n
}

struct Requests {
    policy: Policy,
    method: &'static [u8],
    requests: Vec<Headers>,
    kind: Kind,
    allowed: usize,
}

/// Nine ordinary request header lines and `Origin`, in a browser's order.
fn ten_lines(origin: &'static [u8]) -> Headers {
    vec![
        (b"host", b"api.example.com"),
        (b"connection", b"keep-alive"),
        (
            b"user-agent",
            b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        ),
        (b"accept", b"application/json, text/plain, */*"),
        (b"origin", origin),
        (b"sec-fetch-mode", b"cors"),
        (b"referer", b"https://app500.customer500.com/dashboard"),
        (b"accept-encoding", b"gzip, deflate, br, zstd"),
        (b"accept-language", b"en-US,en;q=0.9"),
        (b"cookie", b"session=0123456789abcdef; theme=dark"),
    ]
}

fn setup_evaluate(case: &str) -> Requests {
    let policy = policy();
    let (method, kind, origin_case) = match case {
        "preflight" => (&b"OPTIONS"[..], Kind::Preflight, "exact_hit"),
        "get_hit" | "get_hit_10_lines" => (&b"GET"[..], Kind::Actual, "exact_hit"),
        "get_wildcard_hit" => (&b"GET"[..], Kind::Actual, "wildcard_hit"),
        "get_near_miss" => (&b"GET"[..], Kind::Actual, "near_miss"),
        "get_origin_64k" => (&b"GET"[..], Kind::Actual, ""),
        _ => unreachable!("unknown case {case}"),
    };
    // One 64 KiB value (a valid origin's prefix, then more host bytes), shared.
    let huge = leak(format!(
        "https://app500.customer500.com{}",
        "a".repeat(HUGE_ORIGIN - 30)
    ));
    let requests: Vec<Headers> = (0..BATCH)
        .map(|k| {
            let o = if origin_case.is_empty() {
                huge
            } else {
                leak(origin(origin_case, k))
            };
            match case {
                "preflight" => vec![
                    (&b"origin"[..], o),
                    (b"access-control-request-method", b"PUT"),
                    (
                        b"access-control-request-headers",
                        b"authorization,content-type,x-requested-with",
                    ),
                ],
                "get_hit_10_lines" => ten_lines(o),
                _ => vec![(&b"origin"[..], o)],
            }
        })
        .collect();
    let ok = !origin_case.is_empty() && allowed(origin_case);
    for r in &requests {
        let d = policy.evaluate(method, r.iter().copied());
        assert_eq!((d.kind(), d.allowed()), (kind, ok), "{case}");
        if origin_case.is_empty() {
            assert_eq!(huge.len(), HUGE_ORIGIN);
            assert_eq!(d.reason(), Reason::OriginMalformed);
        }
    }
    Requests {
        policy,
        method,
        requests,
        kind,
        allowed: if ok { BATCH } else { 0 },
    }
}

#[library_benchmark]
#[bench::get_hit(args = ("get_hit"), setup = setup_evaluate)]
#[bench::get_hit_10_lines(args = ("get_hit_10_lines"), setup = setup_evaluate)]
#[bench::get_wildcard_hit(args = ("get_wildcard_hit"), setup = setup_evaluate)]
#[bench::get_near_miss(args = ("get_near_miss"), setup = setup_evaluate)]
#[bench::get_origin_64k(args = ("get_origin_64k"), setup = setup_evaluate)]
#[bench::preflight(args = ("preflight"), setup = setup_evaluate)]
fn evaluate(r: Requests) -> usize {
    let mut n = 0;
    for h in &r.requests {
        let d = black_box(&r.policy).evaluate(r.method, black_box(h).iter().copied());
        // The whole decision escapes (by reference: no copy), so none of it is elided.
        let d = black_box(&d);
        n += usize::from(d.allowed() && d.kind() == r.kind);
    }
    assert_eq!(n, r.allowed);
    std::mem::forget(r);
    n
}

// The loop of [`evaluate`] around a no-op, to subtract.
#[library_benchmark]
#[bench::loop_only(args = ("get_hit"), setup = setup_evaluate)]
fn evaluate_loop(r: Requests) -> usize {
    let mut n = 0;
    for h in &r.requests {
        let it = black_box(black_box(h).iter().copied());
        n += usize::from(it.len() == 1);
    }
    assert_eq!(n, r.allowed);
    std::mem::forget(r);
    n
}

fn setup_compile(exact: usize) -> Config {
    let c = config(exact, 0);
    let p = Policy::new(&c).expect("compiles");
    assert_eq!(p.exact_table_stats().0, exact);
    c
}

// `Policy::new` over `exact` exact origins (the policy is leaked, not dropped).
#[library_benchmark]
#[bench::exact_1(args = (1), setup = setup_compile)]
#[bench::exact_1000(args = (1_000), setup = setup_compile)]
fn compile(c: Config) -> usize {
    let p = Policy::new(black_box(&c)).map_or(0, |p| {
        let n = p.exact_table_stats().0;
        std::mem::forget(p);
        n
    });
    std::mem::forget(c);
    p
}

library_benchmark_group!(
    name = issue15,
    benchmarks = [verdict, verdict_loop, evaluate, evaluate_loop, compile]
);

main!(library_benchmark_groups = issue15);
