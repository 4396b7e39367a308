//! Policy compile time and heap bytes per rule.
//!
//! Memory is measured with a counting global allocator (live bytes after compiling minus
//! before), so this bench has its own binary. It prints, per size, the heap of the whole
//! `Policy` and of its exact-origin table alone. The policy keeps no second copy of an
//! exact origin written in canonical form: the table's key is also its source text, and
//! `policy.config()` / `policy.patterns()` are rebuilt on first use (so they are not
//! called here). For scale, the size of the `Config` itself is printed too.
//!
//! `cargo bench -p corsgate-benches --bench compile`

use corsgate::{Config, Policy};
use corsgate_benches::{Shape, TowerOrigins, human};
use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every method forwards to `System` unchanged; the counter has no effect on memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we forward.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout` (see `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: forwarded contract, as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn exact_only(n: usize) -> Shape {
    Shape {
        exact: n,
        wildcards: 0,
        regexes: 0,
    }
}

fn mixed(n: usize) -> Shape {
    Shape {
        exact: n,
        wildcards: 1_000,
        regexes: 10,
    }
}

/// Heap bytes that `Policy::new` leaves alive for `config`.
fn policy_heap(config: &Config) -> (Policy, isize) {
    let before = LIVE.load(Ordering::Relaxed);
    let p = Policy::new(config).expect("fixture compiles");
    (p, LIVE.load(Ordering::Relaxed) - before)
}

fn memory_report() {
    for n in [1_000, 100_000, 1_000_000] {
        let shape = exact_only(n);
        let config = shape.config();
        let (p, bytes) = policy_heap(&config);
        let (len, table) = p.exact_table_stats();
        assert_eq!(len, n, "every exact origin in the table");
        let cases = corsgate_benches::origin_cases(&shape);
        corsgate_benches::assert_corsgate_cases(&p, &cases);
        let config_bytes = {
            let before = LIVE.load(Ordering::Relaxed);
            let c = black_box(config.clone());
            let b = LIVE.load(Ordering::Relaxed) - before;
            drop(c);
            b
        };
        println!(
            "memory/{}: policy {bytes} B = {:.1} B/rule; exact table {table} B = {:.1} B/rule (the Config compiled from: {:.1} B/rule, not retained)",
            human(n),
            bytes as f64 / n as f64,
            table as f64 / n as f64,
            config_bytes as f64 / n as f64,
        );
        let before = LIVE.load(Ordering::Relaxed);
        let t = black_box(TowerOrigins::new(&shape));
        let tower = LIVE.load(Ordering::Relaxed) - before;
        println!(
            "memory/{}: tower-http origin list {tower} B = {:.1} B/rule",
            human(n),
            tower as f64 / n as f64
        );
        drop(t);
    }
}

fn bench(c: &mut Criterion) {
    memory_report();
    for (label, make) in [
        ("exact", exact_only as fn(usize) -> Shape),
        ("mixed", mixed),
    ] {
        let mut g = c.benchmark_group(format!("compile-{label}"));
        // Up to a second per compile at 1M: same iteration count in every sample.
        g.sampling_mode(SamplingMode::Flat);
        for n in [1_000, 10_000, 100_000, 1_000_000] {
            let config = make(n).config();
            if n >= 100_000 {
                g.sample_size(10);
            }
            g.bench_with_input(BenchmarkId::new("corsgate", n), &config, |b, cfg| {
                // Freeing the previous policy is not part of compiling one.
                b.iter_with_large_drop(|| Policy::new(black_box(cfg)).expect("compiles"))
            });
            g.bench_with_input(BenchmarkId::new("tower-http", n), &make(n), |b, s| {
                b.iter_with_large_drop(|| TowerOrigins::new(black_box(s)))
            });
            g.sample_size(100);
        }
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
