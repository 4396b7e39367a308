//! Issue 20: the automaton analysis of a policy with 400 regexes (target < 2 s):
//! `corsgate audit` (every bypass class of every regex) and `corsgate diff` against the
//! same regexes in reverse order (a full product with no change to report). Each
//! verdict is asserted before timing.
//!
//! `cargo bench -p corsgate-benches --bench analysis`

use corsgate::Policy;
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

fn policy(reverse: bool) -> Policy {
    let mut origins: Vec<String> = (0..400)
        .map(|i| format!("~^https://pr-[0-9]+\\.preview{i}\\.example\\.dev$"))
        .collect();
    if reverse {
        origins.reverse();
    }
    Policy::new(&corsgate::Config::new(origins)).expect("valid")
}

fn bench(c: &mut Criterion) {
    let (p, q) = (policy(false), policy(true));
    let report = corsgate::audit::audit(&p);
    assert!(report.findings.is_empty(), "{:?}", report.findings.first());
    assert!(corsgate::diff::diff(&p, &q).unwrap().changes.is_empty());
    let mut g = c.benchmark_group("analysis_400_regexes");
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    g.bench_function("audit", |b| {
        b.iter(|| corsgate::audit::audit(black_box(&p)))
    });
    g.bench_function("diff", |b| {
        b.iter(|| corsgate::diff::diff(black_box(&p), black_box(&q)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
