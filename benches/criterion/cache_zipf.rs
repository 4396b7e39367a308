//! Issue 15: ns per origin decision when the working set does not fit the caches.
//!
//! A 100,000-rule policy and a stream of 1,000,000 requests over 1,000,000 distinct
//! origins (see `corsgate_benches::cache`: 75 % listed origins by Zipf, 25 % unlisted
//! ones drawn uniformly, ~30 MB of request bytes read in order). Each sample decides the
//! whole stream; ns per decision = time ÷ 1,000,000 (criterion also prints elements/s).
//!
//! Engines, each given the same bytes:
//! - `corsgate-verdict`: `Policy::is_origin_allowed` (parses and validates the origin);
//! - `corsgate-evaluate`: `Policy::evaluate` of a `GET` with that `Origin` (the whole
//!   decision, response headers included);
//! - `hashset-std`: `std::collections::HashSet<Vec<u8>>` (SipHash-1-3), `contains` — the
//!   fair peer: what a hand-written allow-list check costs, no validation at all;
//! - `hashset-foldhash`: the same over `hashbrown` with `foldhash` (corsgate's own table
//!   and hasher), the floor of a hash lookup;
//! - `tower-http-list`: `AllowOrigin::list`'s test (`Vec<HeaderValue>::contains`, a
//!   linear scan; tower-http 0.6 `allow_origin.rs`), the straw man, on the stream's first
//!   [`TOWER_SLICE`] requests only (the whole stream would take minutes).
//!
//! Every engine's allowed count is asserted against the generator's before timing.
//!
//! ```sh
//! cargo bench -p corsgate-benches --bench cache_zipf     # ≈ 2 min
//! ```
//! Not run by CI (the workload's generator is unit-tested on a small slice there).

use corsgate::Policy;
use corsgate_benches::{Shape, cache};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use std::collections::HashSet;
use std::hint::black_box;
use std::time::Duration;

/// Requests of the stream that tower-http's linear scan decides.
const TOWER_SLICE: usize = 2_000;

fn count(origins: impl Iterator<Item = bool>) -> usize {
    origins.filter(|&a| a).count()
}

fn bench(c: &mut Criterion) {
    let policy: Policy = Shape {
        exact: cache::RULES,
        wildcards: 0,
        regexes: 0,
    }
    .policy();
    let rules = cache::rules(cache::RULES);
    let std_set: HashSet<Vec<u8>> = rules.iter().map(|r| r.clone().into_bytes()).collect();
    let fold_set: hashbrown::HashSet<Vec<u8>, foldhash::fast::RandomState> =
        rules.iter().map(|r| r.clone().into_bytes()).collect();
    let tower: Vec<http::HeaderValue> = rules
        .iter()
        .map(|r| http::HeaderValue::from_str(r).expect("valid header value"))
        .collect();
    let s = cache::generate(
        cache::RULES,
        cache::POPULATION,
        cache::REQUESTS,
        cache::SEED,
    );
    let n = s.spans.len();
    // The tower slice as header values, built before timing (a server has them parsed).
    let tower_reqs: Vec<http::HeaderValue> = s
        .origins()
        .take(TOWER_SLICE)
        .map(|o| http::HeaderValue::from_bytes(o).expect("valid header value"))
        .collect();
    let tower_allowed = s
        .origins()
        .take(TOWER_SLICE)
        .filter(|o| std_set.contains(*o))
        .count();

    let verdict = || count(s.origins().map(|o| policy.is_origin_allowed(o)));
    let evaluate = || {
        count(
            s.origins()
                .map(|o| black_box(policy.evaluate(b"GET", [(&b"origin"[..], o)])).allowed()),
        )
    };
    let std_contains = || count(s.origins().map(|o| std_set.contains(o)));
    let fold_contains = || count(s.origins().map(|o| fold_set.contains(o)));
    let tower_list = || count(tower_reqs.iter().map(|o| tower.contains(o)));

    // A fast wrong answer is not a result.
    assert_eq!(verdict(), s.allowed, "corsgate-verdict");
    assert_eq!(evaluate(), s.allowed, "corsgate-evaluate");
    assert_eq!(std_contains(), s.allowed, "hashset-std");
    assert_eq!(fold_contains(), s.allowed, "hashset-foldhash");
    assert_eq!(tower_list(), tower_allowed, "tower-http-list");
    eprintln!(
        "cache_zipf: {} rules, {n} requests ({} allowed) over {} distinct origins, {} MB of origin bytes; tower-http on the first {TOWER_SLICE} ({tower_allowed} allowed)",
        cache::RULES,
        s.allowed,
        s.distinct,
        s.bytes.len() / 1_000_000
    );

    let mut g = c.benchmark_group("cache_zipf");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("corsgate-verdict", |b| b.iter(verdict));
    g.bench_function("corsgate-evaluate", |b| b.iter(evaluate));
    g.bench_function("hashset-std", |b| b.iter(std_contains));
    g.bench_function("hashset-foldhash", |b| b.iter(fold_contains));
    g.throughput(Throughput::Elements(TOWER_SLICE as u64));
    g.bench_function("tower-http-list", |b| b.iter(tower_list));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
