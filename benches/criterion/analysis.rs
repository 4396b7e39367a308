//! Issue 20: the automaton analysis of a policy with 400 regexes (target < 2 s):
//! `corsgate audit` (every bypass class of every regex) and `corsgate diff` against the
//! same regexes in reverse order (a full product with no change to report), and
//! `corsgate check` of the same policy with credentials (the regex credential rules:
//! three product searches per regex). Each verdict is asserted before timing.
//! `audit_weak`: 400 weak regexes, each over its own domain (`https?`, a prefix class
//! and a port group: three findings each), the case where no class automaton is shared
//! between regexes.
//!
//! `cargo bench -p corsgate-benches --bench analysis`

use corsgate::Policy;
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

fn origins(reverse: bool) -> Vec<String> {
    let mut origins: Vec<String> = (0..400)
        .map(|i| format!("~^https://pr-[0-9]+\\.preview{i}\\.example\\.dev$"))
        .collect();
    if reverse {
        origins.reverse();
    }
    origins
}

/// Regex `i` admits `http://`, `https://aapp{i}.com` and any port.
fn weak() -> Policy {
    let origins: Vec<String> = (0..400)
        .map(|i| format!("~^https?://[a-z]*app{i}\\.com(:[0-9]+)?$"))
        .collect();
    Policy::new(&corsgate::Config::new(origins)).expect("valid")
}

fn policy(reverse: bool) -> Policy {
    Policy::new(&corsgate::Config::new(origins(reverse))).expect("valid")
}

fn bench(c: &mut Criterion) {
    let (p, q) = (policy(false), policy(true));
    let report = corsgate::audit::audit(&p);
    assert!(report.findings.is_empty(), "{:?}", report.findings.first());
    assert!(corsgate::diff::diff(&p, &q).unwrap().changes.is_empty());
    let credentialed = corsgate::Config::new(origins(false)).credentials(true);
    let checked = Policy::new(&credentialed).expect("valid with credentials");
    assert!(checked.warnings().is_empty(), "{:?}", checked.warnings());
    let w = weak();
    let found = corsgate::audit::audit(&w).findings;
    assert_eq!(found.len(), 1200);
    for i in 0..400 {
        for class in ["prefix_suffix", "scheme_downgrade", "port_confusion"] {
            assert!(
                found.iter().any(|f| f.class == Some(class)
                    && f.pattern.as_ref().is_some_and(|p| p.0 == i)),
                "{i} {class}"
            );
        }
    }
    let mut g = c.benchmark_group("analysis_400_regexes");
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    g.bench_function("audit", |b| {
        b.iter(|| corsgate::audit::audit(black_box(&p)))
    });
    g.bench_function("audit_weak", |b| {
        b.iter(|| corsgate::audit::audit(black_box(&w)))
    });
    g.bench_function("diff", |b| {
        b.iter(|| corsgate::diff::diff(black_box(&p), black_box(&q)).unwrap())
    });
    g.bench_function("check_credentials", |b| {
        b.iter(|| Policy::new(black_box(&credentialed)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
