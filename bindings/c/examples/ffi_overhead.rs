//! Evaluate through the C ABI versus the same Rust call, for `scripts/bench-c.sh`.
//!
//! The extern fns are called through a `black_box`ed function pointer, so LTO cannot
//! inline them: what is measured is what a C caller pays (argument checks, panic
//! boundary, header iteration into the caller's struct). The Rust side does the same
//! work a Rust caller would to learn what the C struct holds: evaluate, then read the
//! kind, verdict, status, reason and every header (`Decision::for_each_header_bytes`,
//! the fastest way: bytes, as the C caller gets them).
//! Expected allow/deny counts are asserted before timing.
#![allow(missing_docs)]

use std::hint::black_box;
use std::mem::MaybeUninit;
use std::time::Instant;

use corsgate::*;
use corsgate_core::Policy;

const POLICY: &str = r#"{"origins": ["https://example.com", "https://*.example.com", "http://localhost:*",
  "~^https://pr-[0-9]+\\.preview\\.example\\.org$"], "credentials": true, "methods": ["PUT", "DELETE"],
  "request_headers": ["authorization", "content-type", "x-request-id"], "expose_headers": ["x-request-id"],
  "max_age": 600}"#;

type Case = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    bool,
);

const CASES: &[Case] = &[
    (
        "actual-exact-allowed",
        "GET",
        &[
            ("Host", "api.example.com"),
            ("Origin", "https://example.com"),
            ("Accept", "*/*"),
        ],
        true,
    ),
    (
        "actual-wildcard-allowed",
        "GET",
        &[("Origin", "https://a.b.example.com")],
        true,
    ),
    (
        "actual-denied",
        "GET",
        &[("Origin", "https://evil.example.net")],
        false,
    ),
    (
        "preflight-allowed",
        "OPTIONS",
        &[
            ("Origin", "https://app.example.com"),
            ("Access-Control-Request-Method", "PUT"),
            (
                "Access-Control-Request-Headers",
                "content-type, x-request-id",
            ),
        ],
        true,
    ),
    (
        "not-cors",
        "GET",
        &[("Host", "api.example.com"), ("Accept", "*/*")],
        true,
    ),
];

type EvalFn = unsafe extern "C" fn(
    *const corsgate_policy,
    *const u8,
    usize,
    *const corsgate_header,
    usize,
    *mut corsgate_decision,
) -> corsgate_result;

fn time_ns(iters: u32, f: &mut impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..iters {
        f();
    }
    t.elapsed().as_nanos() as f64 / f64::from(iters)
}

/// Best of 15 rounds for each side, the two sides interleaved so that load from other
/// processes hits both alike.
fn best_pair(iters: u32, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    let (mut best_a, mut best_b) = (f64::MAX, f64::MAX);
    for _ in 0..15 {
        best_a = best_a.min(time_ns(iters, &mut a));
        best_b = best_b.min(time_ns(iters, &mut b));
    }
    (best_a, best_b)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `ffi_overhead count CASE rust|c N`: run one side N times, untimed, for an
    // instruction count under `valgrind --tool=callgrind` (see scripts/bench-c.sh).
    let count_mode = args.get(1).is_some_and(|a| a == "count");
    let iters: u32 = if count_mode {
        args[4].parse().unwrap()
    } else {
        args.get(1)
            .and_then(|a| a.parse().ok())
            .unwrap_or(1_000_000)
    };
    let core = Policy::from_json(POLICY).unwrap();
    let mut cp = std::ptr::null_mut();
    // SAFETY: valid buffer and out-pointers.
    let r = unsafe {
        corsgate_policy_from_json(POLICY.as_ptr(), POLICY.len(), &mut cp, std::ptr::null_mut())
    };
    assert_eq!(r, corsgate_result::Ok);
    let eval: EvalFn = black_box(corsgate_policy_evaluate);

    if !count_mode {
        println!("case                      rust ns   c-abi ns   overhead ns");
    }
    let mut worst: f64 = 0.0;
    for (i, &(name, method, headers, want)) in CASES.iter().enumerate() {
        let bytes: Vec<(&[u8], &[u8])> = headers
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect();
        let c_headers: Vec<corsgate_header> = headers
            .iter()
            .map(|(n, v)| corsgate_header {
                name: corsgate_slice {
                    data: n.as_ptr(),
                    len: n.len(),
                },
                value: corsgate_slice {
                    data: v.as_ptr(),
                    len: v.len(),
                },
            })
            .collect();
        let rust_once = || {
            let d = core.evaluate(
                black_box(method.as_bytes()),
                black_box(&bytes).iter().copied(),
            );
            // Everything the C struct carries (kind, status, reason), and every header
            // the fastest way a Rust caller can (the C side copies each one into the
            // caller's struct the same way).
            black_box((d.kind(), d.status(), d.reason()));
            let mut n = 0;
            d.for_each_header_bytes(|name, value| {
                black_box((name, value));
                n += 1;
            });
            black_box(n);
            d.allowed()
        };
        let mut out = MaybeUninit::<corsgate_decision>::uninit();
        let mut c_once = || {
            // SAFETY: live policy and buffers; `out` is writable.
            let r = unsafe {
                eval(
                    black_box(cp),
                    method.as_ptr(),
                    method.len(),
                    c_headers.as_ptr(),
                    c_headers.len(),
                    out.as_mut_ptr(),
                )
            };
            assert_eq!(r, corsgate_result::Ok);
            // SAFETY: written by evaluate.
            let d = unsafe { out.assume_init_ref() };
            black_box(d.headers_len);
            d.allowed
        };
        assert_eq!(rust_once(), want, "{name}: rust");
        assert_eq!(c_once(), want, "{name}: c");
        if count_mode {
            if args[2].parse::<usize>().unwrap() == i {
                for _ in 0..iters {
                    if args[3] == "rust" {
                        black_box(rust_once());
                    } else {
                        black_box(c_once());
                    }
                }
            }
            continue;
        }
        let (rust, c) = best_pair(
            iters,
            || {
                black_box(rust_once());
            },
            || {
                black_box(c_once());
            },
        );
        worst = worst.max(c - rust);
        println!("{name:<24} {rust:>8.1} {c:>10.1} {:>13.1}", c - rust);
    }
    if !count_mode {
        println!("worst overhead of the C ABI over the Rust call: {worst:.1} ns");
    }
    // SAFETY: made by from_json, freed once.
    unsafe { corsgate_policy_free(cp) };
}
