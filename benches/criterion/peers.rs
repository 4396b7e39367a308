//! Issue 6: corsgate and tower-http's `CorsLayer` side by side, same inputs, same run.
//!
//! - `origin-<case>`: origin decisions for 1, 100, 10k, 100k and 1M exact origins, each
//!   with 1k wildcard patterns and 10 regexes (ids `<engine>/<rules>`);
//! - `request-1k`: a full preflight (origin + method + 3 request headers) and an actual
//!   request;
//! - `hostile`: 1 MiB `Access-Control-Request-Headers`, an 8 KiB origin, 1,000 lines;
//! - `replay`: a Zipf-distributed log of 1M requests (`gen-zipf` writes it; generated in
//!   memory when `CORSGATE_ZIPF_LOG` / `build/zipf-1m.log` is absent).
//!
//! Engines: `corsgate-verdict` (the origin decision alone: `Policy::is_origin_allowed`,
//! origin groups only), `corsgate` (the decision: `Policy::evaluate`), `corsgate-mw` (corsgate as a
//! tower middleware writing an `http::Response`) and `tower-http` (its `Cors` service).
//! The middleware rows include building the response, so they compare like with like.
//!
//! `CORSGATE_BENCH_SIZES=1,100,1000` limits the sizes. Every case first asserts each
//! engine's verdict.

use corsgate::Policy;
use corsgate_benches::{
    Shape, actual_request, assert_corsgate_cases, call, corsgate_service, hostile_cases,
    origin_cases, pairs, preflight_request, response_allows, tower_cors, zipf,
};
use criterion::{
    BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Builds a request from an origin.
type MakeRequest = fn(&str) -> http::Request<()>;

fn sizes() -> Vec<usize> {
    match std::env::var("CORSGATE_BENCH_SIZES") {
        Ok(s) => s
            .split(',')
            .map(|n| n.trim().parse().expect("CORSGATE_BENCH_SIZES: numbers"))
            .collect(),
        Err(_) => vec![1, 100, 10_000, 100_000, 1_000_000],
    }
}

fn shape(exact: usize) -> Shape {
    Shape {
        exact,
        wildcards: 1_000,
        regexes: 10,
    }
}

fn origins(c: &mut Criterion) {
    let fixtures: Vec<(Shape, Arc<Policy>)> = sizes()
        .into_iter()
        .map(|n| {
            let s = shape(n);
            (s, Arc::new(s.policy()))
        })
        .collect();
    let case_names: Vec<&str> = origin_cases(&shape(1)).iter().map(|c| c.name).collect();
    for name in case_names {
        let mut g = c.benchmark_group(format!("origin-{name}"));
        for (s, policy) in &fixtures {
            let cases = origin_cases(s);
            let case = cases.iter().find(|c| c.name == name).expect("same cases");
            assert_corsgate_cases(policy, &cases);
            let n = s.exact as u64;
            // corsgate-verdict: `is_origin_allowed`, the origin decision alone.
            let origin = case.origin.as_bytes();
            assert_eq!(
                policy.is_origin_allowed(origin),
                case.allowed,
                "verdict for {name}"
            );
            g.bench_with_input(BenchmarkId::new("corsgate-verdict", n), origin, |b, o| {
                b.iter(|| black_box(&**policy).is_origin_allowed(black_box(o)))
            });
            // corsgate: the decision for an actual request.
            let req = actual_request(&case.origin);
            let headers = pairs(&req);
            g.bench_with_input(BenchmarkId::new("corsgate", n), &headers, |b, h| {
                b.iter(|| {
                    let d = black_box(&**policy).evaluate(b"GET", h.iter().copied());
                    black_box(&d);
                })
            });
            // Both middlewares, on the same http::Request.
            let mut mw = corsgate_service(Arc::clone(policy));
            let mut tower = tower_cors(s);
            assert_eq!(
                response_allows(&call(&mut mw, actual_request(&case.origin))),
                case.allowed
            );
            assert_eq!(
                response_allows(&call(&mut tower, actual_request(&case.origin))),
                case.allowed,
                "tower-http verdict for {name}"
            );
            g.bench_function(BenchmarkId::new("corsgate-mw", n), |b| {
                b.iter_batched(
                    || actual_request(&case.origin),
                    |r| call(&mut mw, r),
                    BatchSize::SmallInput,
                )
            });
            if s.exact >= 100_000 {
                // A linear scan of 100k+ entries: keep its sample count small.
                g.sample_size(10);
            }
            g.bench_function(BenchmarkId::new("tower-http", n), |b| {
                b.iter_batched(
                    || actual_request(&case.origin),
                    |r| call(&mut tower, r),
                    BatchSize::SmallInput,
                )
            });
            g.sample_size(100);
        }
        g.finish();
    }
}

fn requests(c: &mut Criterion) {
    let s = shape(1_000);
    let policy = Arc::new(s.policy());
    let origin = corsgate_benches::exact_origin(s.exact / 2);
    let mut g = c.benchmark_group("request-1k");
    let kinds: [(&str, MakeRequest); 2] =
        [("preflight", preflight_request), ("actual", actual_request)];
    for (kind, make) in kinds {
        let req = make(&origin);
        let headers = pairs(&req);
        let method = req.method().as_str().as_bytes();
        let d = policy.evaluate(method, headers.iter().copied());
        assert!(d.allowed(), "corsgate {kind}: {}", d.reason());
        let mut mw = corsgate_service(Arc::clone(&policy));
        let mut tower = tower_cors(&s);
        assert!(response_allows(&call(&mut mw, make(&origin))));
        assert!(response_allows(&call(&mut tower, make(&origin))));
        g.bench_function(BenchmarkId::new("corsgate", kind), |b| {
            b.iter(|| {
                let d = black_box(&*policy).evaluate(method, headers.iter().copied());
                black_box(&d);
            })
        });
        g.bench_function(BenchmarkId::new("corsgate-mw", kind), |b| {
            b.iter_batched(
                || make(&origin),
                |r| call(&mut mw, r),
                BatchSize::SmallInput,
            )
        });
        g.bench_function(BenchmarkId::new("tower-http", kind), |b| {
            b.iter_batched(
                || make(&origin),
                |r| call(&mut tower, r),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn hostile(c: &mut Criterion) {
    let s = shape(1_000);
    let policy = Arc::new(s.policy());
    let mut g = c.benchmark_group("hostile");
    for h in hostile_cases(&s) {
        let req = h.request();
        let headers = pairs(&req);
        let method = req.method().as_str().as_bytes();
        assert_eq!(
            policy.evaluate(method, headers.iter().copied()).allowed(),
            h.corsgate_allows,
            "corsgate {}",
            h.name
        );
        let mut mw = corsgate_service(Arc::clone(&policy));
        let mut tower = tower_cors(&s);
        assert_eq!(
            response_allows(&call(&mut mw, h.request())),
            h.corsgate_allows
        );
        assert_eq!(
            response_allows(&call(&mut tower, h.request())),
            h.tower_allows,
            "tower-http {}",
            h.name
        );
        g.bench_function(BenchmarkId::new("corsgate", h.name), |b| {
            b.iter(|| {
                let d = black_box(&*policy).evaluate(method, headers.iter().copied());
                black_box(&d);
            })
        });
        g.bench_function(BenchmarkId::new("corsgate-mw", h.name), |b| {
            b.iter_batched(|| h.request(), |r| call(&mut mw, r), BatchSize::LargeInput)
        });
        g.bench_function(BenchmarkId::new("tower-http", h.name), |b| {
            b.iter_batched(
                || h.request(),
                |r| call(&mut tower, r),
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

fn replay(c: &mut Criterion) {
    let path = std::env::var("CORSGATE_ZIPF_LOG").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../build/zipf-1m.log").to_owned()
    });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        eprintln!("replay: {path} not found; generating the default log in memory");
        zipf::generate(
            zipf::DEFAULT_REQUESTS,
            zipf::DEFAULT_SEED,
            zipf::DEFAULT_EXPONENT,
        )
    });
    let log = zipf::parse(&text).expect("a corsgate-zipf log");
    let s = zipf::REPLAY_SHAPE;
    let policy = Arc::new(s.policy());
    let n = log.entries.len();
    let acrh: &[u8] = b"content-type, x-request-id";
    let decide = |p: &Policy| -> usize {
        let mut allowed = 0;
        for e in &log.entries {
            let o = e.origin.as_bytes();
            let d = if e.preflight {
                p.evaluate(
                    b"OPTIONS",
                    [
                        (&b"origin"[..], o),
                        (b"access-control-request-method", b"PUT"),
                        (b"access-control-request-headers", acrh),
                    ],
                )
            } else {
                p.evaluate(b"GET", [(&b"origin"[..], o)])
            };
            allowed += usize::from(black_box(d).allowed());
        }
        allowed
    };
    let make = |e: &zipf::Entry<'_>| {
        if e.preflight {
            let mut r = preflight_request(e.origin);
            r.headers_mut().insert(
                http::header::ACCESS_CONTROL_REQUEST_HEADERS,
                http::HeaderValue::from_static("content-type, x-request-id"),
            );
            r
        } else {
            actual_request(e.origin)
        }
    };
    let mut mw = corsgate_service(Arc::clone(&policy));
    let mut tower = tower_cors(&s);
    let run_mw = |svc: &mut dyn FnMut(http::Request<()>) -> http::Response<()>| -> usize {
        log.entries
            .iter()
            .filter(|e| response_allows(&svc(make(e))))
            .count()
    };
    // A fast wrong answer is not a result: every engine matches the generator's counts.
    assert_eq!(decide(&policy), log.allowed, "corsgate replay count");
    assert_eq!(run_mw(&mut |r| call(&mut mw, r)), log.allowed);
    assert_eq!(run_mw(&mut |r| call(&mut tower, r)), log.allowed);
    eprintln!(
        "replay: {n} requests, {} allowed, {} denied, {} preflights",
        log.allowed, log.denied, log.preflights
    );
    let mut g = c.benchmark_group("replay");
    g.throughput(Throughput::Elements(n as u64));
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("corsgate", |b| b.iter(|| decide(&policy)));
    let timed = |svc: &mut dyn FnMut(http::Request<()>) -> http::Response<()>, iters: u64| {
        let start = Instant::now();
        for _ in 0..iters {
            black_box(run_mw(svc));
        }
        start.elapsed()
    };
    g.bench_function("corsgate-mw", |b| {
        b.iter_custom(|iters| timed(&mut |r| call(&mut mw, r), iters))
    });
    g.bench_function("tower-http", |b| {
        b.iter_custom(|iters| timed(&mut |r| call(&mut tower, r), iters))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    targets = origins, requests, hostile, replay
}
criterion_main!(benches);
