//! Issue 2's `evaluate` bench: policies of 1, 1k and 100k exact origins plus 1k
//! wildcard patterns; an allowed hit, a denied miss, a malformed origin, a preflight with
//! 3 request headers and a 1 MiB `Access-Control-Request-Headers`.
//!
//! `cargo bench -p corsgate-benches --bench evaluate`

use corsgate::{Kind, Policy, Reason};
use corsgate_benches::{Shape, acrh_1mib, exact_origin, human};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

type Pairs = Vec<(&'static [u8], &'static [u8])>;

fn leak(s: String) -> &'static [u8] {
    Box::leak(s.into_boxed_str()).as_bytes()
}

/// (name, method, headers, expected allowed, expected kind)
fn cases(shape: &Shape) -> Vec<(&'static str, &'static [u8], Pairs, bool, Kind)> {
    let mid = shape.exact / 2;
    let hit = leak(exact_origin(mid));
    let acrh = leak(acrh_1mib());
    let preflight = |acrh: &'static [u8]| -> Pairs {
        vec![
            (b"origin", hit),
            (b"access-control-request-method", b"PUT"),
            (b"access-control-request-headers", acrh),
        ]
    };
    vec![
        (
            "allowed_hit",
            b"GET",
            vec![(b"origin", hit)],
            true,
            Kind::Actual,
        ),
        (
            "denied_miss",
            b"GET",
            vec![(b"origin", leak(format!("https://www.customer{mid}.co")))],
            false,
            Kind::Actual,
        ),
        (
            "malformed",
            b"GET",
            vec![(b"origin", leak(format!("https://www.customer{mid}.com/")))],
            false,
            Kind::Actual,
        ),
        (
            "preflight_3_headers",
            b"OPTIONS",
            preflight(b"content-type, x-request-id, authorization"),
            true,
            Kind::Preflight,
        ),
        (
            "acrh_1MiB",
            b"OPTIONS",
            preflight(acrh),
            false,
            Kind::Preflight,
        ),
    ]
}

fn bench(c: &mut Criterion) {
    for exact in [1, 1_000, 100_000] {
        let shape = Shape {
            exact,
            wildcards: 1_000,
            regexes: 0,
        };
        let policy: Policy = shape.policy();
        let mut g = c.benchmark_group(format!("evaluate/{}", human(exact)));
        for (name, method, headers, allowed, kind) in cases(&shape) {
            // A fast wrong answer is not a result.
            let d = policy.evaluate(method, headers.iter().copied());
            assert_eq!(
                (d.allowed(), d.kind()),
                (allowed, kind),
                "{name} at {exact}"
            );
            if name == "acrh_1MiB" {
                assert_eq!(d.reason(), Reason::HeadersTooLarge);
            }
            g.bench_function(name, |b| {
                // The whole decision escapes, so nothing of it can be optimized away.
                b.iter(|| {
                    let d = black_box(&policy)
                        .evaluate(black_box(method), black_box(&headers).iter().copied());
                    black_box(&d);
                })
            });
        }
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
