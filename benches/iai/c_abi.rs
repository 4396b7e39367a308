//! Instructions of one decision through the C ABI against the same decision as a Rust
//! call (gungraun / callgrind), gated by `scripts/test-bench.sh` (names
//! `c_abi.<side>.<case>`): issue 15's "C ABI over the Rust call".
//!
//! The policy and requests are issue 15's (`iai/issue15.rs`): 1,000 exact origins plus
//! 100 wildcards, methods `PUT`, three request headers; 64 requests per case, the issue's
//! own first. Both sides learn the same things: kind, verdict, status, reason and every
//! response header. The Rust side calls `Policy::evaluate` and reads the headers with
//! `Decision::for_each_header_bytes` (the fastest way: bytes, as the C side gets them,
//! with no UTF-8 validation of an echoed origin); the C side calls the exported
//! `corsgate_policy_evaluate` through a function pointer the optimizer cannot see
//! through (as a C caller does), then reads the `corsgate_decision` it filled.
//! Overhead per call = (`c` − `rust`) / 64, printed by `scripts/test-bench.sh`.

// gungraun's macros generate undocumented items.
#![allow(missing_docs)]

use corsgate::{Config, Policy};
use corsgate_c::{corsgate_decision, corsgate_header, corsgate_policy, corsgate_result};
use gungraun::{library_benchmark, library_benchmark_group, main};
use std::hint::black_box;
use std::mem::MaybeUninit;

/// Requests per benchmark.
const BATCH: usize = 64;

type EvalFn = unsafe extern "C" fn(
    *const corsgate_policy,
    *const u8,
    usize,
    *const corsgate_header,
    usize,
    *mut corsgate_decision,
) -> corsgate_result;

fn leak(s: String) -> &'static [u8] {
    Box::leak(s.into_boxed_str()).as_bytes()
}

fn policy_json() -> String {
    let origins: Vec<String> = (0..1_000)
        .map(|i| format!("https://app{i}.customer{i}.com"))
        .chain((0..100).map(|j| format!("https://*.partner{j}.org")))
        .collect();
    let c = Config::new(origins).methods(["PUT"]).request_headers([
        "authorization",
        "content-type",
        "x-requested-with",
    ]);
    c.to_json_value().to_string()
}

/// A request: its method and its header lines.
type Request = (&'static [u8], Vec<(&'static [u8], &'static [u8])>);

/// One request of a case; `k = 0` is issue 15's own.
fn request(case: &str, k: usize) -> Request {
    let i = 100 + (400 + 14 * k) % 900;
    let hit = leak(format!("https://app{i}.customer{i}.com"));
    match case {
        "get_hit" => (b"GET", vec![(b"origin", hit)]),
        "get_wildcard_hit" => (
            b"GET",
            vec![(
                b"origin",
                leak(format!("https://api.eu.partner{}.org", 10 + (89 + k) % 90)),
            )],
        ),
        "preflight" => (
            b"OPTIONS",
            vec![
                (b"origin", hit),
                (b"access-control-request-method", b"PUT"),
                (
                    b"access-control-request-headers",
                    b"authorization,content-type,x-requested-with",
                ),
            ],
        ),
        _ => unreachable!("unknown case {case}"),
    }
}

struct Fixture {
    rust: Policy,
    c: *mut corsgate_policy,
    eval: EvalFn,
    requests: Vec<Request>,
    /// The same requests as C arrays, one `(method, lines)` per request (walked the
    /// way the Rust side walks `requests`: no index, no bounds check).
    c_requests: Vec<(&'static [u8], Vec<corsgate_header>)>,
    /// Response header lines over the batch (the same on both sides).
    lines: usize,
}

fn c_slice(b: &[u8]) -> corsgate_c::corsgate_slice {
    corsgate_c::corsgate_slice {
        data: b.as_ptr(),
        len: b.len(),
    }
}

/// One Rust decision read whole: (allowed, header lines).
fn rust_once(p: &Policy, method: &[u8], h: &[(&'static [u8], &'static [u8])]) -> (bool, usize) {
    let d = p.evaluate(method, h.iter().copied());
    black_box((d.kind(), d.status(), d.reason()));
    let mut n = 0;
    d.for_each_header_bytes(|name, value| {
        black_box((name, value));
        n += 1;
    });
    (d.allowed(), n)
}

/// One C decision read whole: (allowed, header lines).
fn c_once(f: &Fixture, method: &[u8], h: &[corsgate_header]) -> (bool, usize) {
    let mut out = MaybeUninit::<corsgate_decision>::uninit();
    // SAFETY: a live policy, buffers valid for their lengths, `out` writable.
    let r = unsafe {
        (f.eval)(
            f.c,
            method.as_ptr(),
            method.len(),
            h.as_ptr(),
            h.len(),
            out.as_mut_ptr(),
        )
    };
    assert_eq!(r, corsgate_result::Ok);
    // SAFETY: written by `corsgate_policy_evaluate` (result OK).
    let d = unsafe { out.assume_init_ref() };
    black_box((d.kind, d.status, d.reason, d.reason_index, d.reason_detail));
    let n = d.headers_len;
    for h in &d.headers[..n] {
        black_box(h);
    }
    (d.allowed, n)
}

fn setup(case: &str) -> Fixture {
    let json = policy_json();
    let rust = Policy::from_json(&json).expect("issue 15's policy compiles");
    let mut c = std::ptr::null_mut();
    // SAFETY: valid buffer and out-pointers.
    let r = unsafe {
        corsgate_c::corsgate_policy_from_json(
            json.as_ptr(),
            json.len(),
            &mut c,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(r, corsgate_result::Ok);
    let requests: Vec<_> = (0..BATCH).map(|k| request(case, k)).collect();
    let c_requests = requests
        .iter()
        .map(|(m, h)| {
            let lines = h
                .iter()
                .map(|(n, v)| corsgate_header {
                    name: c_slice(n),
                    value: c_slice(v),
                })
                .collect();
            (*m, lines)
        })
        .collect();
    let mut f = Fixture {
        rust,
        c,
        eval: black_box(corsgate_c::corsgate_policy_evaluate),
        requests,
        c_requests,
        lines: 0,
    };
    // A fast wrong answer is not a result: both sides allow every request and produce
    // the same header lines.
    for (k, (m, h)) in f.requests.iter().enumerate() {
        let r = rust_once(&f.rust, m, h);
        assert_eq!(r, c_once(&f, m, &f.c_requests[k].1), "{case} {k}");
        assert!(r.0, "{case} {k} allowed");
        f.lines += r.1;
    }
    f
}

#[library_benchmark]
#[bench::get_hit(args = ("get_hit"), setup = setup)]
#[bench::get_wildcard_hit(args = ("get_wildcard_hit"), setup = setup)]
#[bench::preflight(args = ("preflight"), setup = setup)]
fn rust(f: Fixture) -> usize {
    let mut lines = 0;
    for (m, h) in &f.requests {
        let (ok, n) = rust_once(black_box(&f.rust), m, black_box(h));
        lines += n * usize::from(ok);
    }
    assert_eq!(lines, f.lines);
    std::mem::forget(f);
    lines
}

#[library_benchmark]
#[bench::get_hit(args = ("get_hit"), setup = setup)]
#[bench::get_wildcard_hit(args = ("get_wildcard_hit"), setup = setup)]
#[bench::preflight(args = ("preflight"), setup = setup)]
fn c(f: Fixture) -> usize {
    let mut lines = 0;
    for (m, h) in &f.c_requests {
        let (ok, n) = c_once(black_box(&f), m, black_box(h));
        lines += n * usize::from(ok);
    }
    assert_eq!(lines, f.lines);
    std::mem::forget(f);
    lines
}

library_benchmark_group!(name = c_abi, benchmarks = [rust, c]);

main!(library_benchmark_groups = c_abi);
