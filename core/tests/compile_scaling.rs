//! Compile time of long `methods`, `request_headers` and `expose_headers` lists
//! (issue 20: it was quadratic, 20,000 headers took 747 ms and 100,000 took 68 s).
//!
//! Timing, so ignored by default; run in release mode:
//! `cargo test --profile bench -p corsgate --test compile_scaling -- --ignored --nocapture`
//! (`CORSGATE_SCALING_SIZES=20000,100000` picks two other sizes).

use corsgate::{Config, Policy};
use std::time::{Duration, Instant};

fn names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i}")).collect()
}

/// The fastest of three compiles of a policy with `n` entries in each list.
fn compile_time(n: usize) -> Duration {
    let config = Config::new(["https://a.example"])
        .methods(names("M", n))
        .request_headers(names("x-req", n))
        .expose_headers(names("x-exp", n));
    (0..3)
        .map(|_| {
            let t = Instant::now();
            let p = Policy::new(&config).expect("compiles");
            let took = t.elapsed();
            assert!(p.warnings().is_empty());
            took
        })
        .min()
        .unwrap_or_default()
}

#[test]
#[ignore = "timing: run in release mode with --ignored"]
fn long_lists_compile_in_linear_time() {
    let sizes: Vec<usize> = std::env::var("CORSGATE_SCALING_SIZES")
        .unwrap_or_else(|_| "10000,160000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("sizes are numbers"))
        .collect();
    assert_eq!(sizes.len(), 2, "two sizes");
    let mut rows = Vec::new();
    for n in sizes {
        let t = compile_time(n);
        println!("{n:>7} entries in each of methods, request_headers, expose_headers: {t:?}");
        rows.push((n, t));
    }
    // k times the entries: k times the time when linear, k² when quadratic. Measured
    // on a loaded 2-core machine, linear code gave up to 3.6k (caches, preemption of
    // the longer run), so the bound sits at k²/2: it tells linear from quadratic only
    // for k of 16 or more (the default sizes).
    let k = rows[1].0 as f64 / rows[0].0 as f64;
    let ratio = rows[1].1.as_secs_f64() / rows[0].1.as_secs_f64().max(1e-6);
    println!("time ratio {ratio:.1} for {k:.1} times the entries");
    assert!(
        ratio < k * k / 2.0,
        "compile time grows faster than linearly: {ratio:.1}x for {k:.1}x the entries"
    );
}
