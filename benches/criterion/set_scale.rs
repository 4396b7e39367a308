//! Issue 14's scale bench: a policy set of 100,000 tenants (one route and one policy of
//! 1–5 origins each, `corsgate_benches::tenants`) compiled from its JSON text. Prints
//! the compile time (best of 3, JSON parsing included), the peak heap while compiling,
//! and the heap the compiled set keeps, per tenant. Targets: under 1 s and under 300 MB.
//!
//! A counting global allocator measures live and peak bytes, so this bench has its own
//! binary. `cargo bench -p corsgate-benches --bench set_scale [-- TENANTS]`

use corsgate::PolicySet;
use corsgate_benches::tenants;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Instant;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);
/// Allocations made (`alloc` and `realloc` calls), for allocations per tenant.
static ALLOCS: AtomicIsize = AtomicIsize::new(0);

fn grow(by: isize) {
    ALLOCS.fetch_add(1, Ordering::Relaxed);
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` unchanged; the counters have no effect on
// memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grow(layout.size() as isize);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we forward.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout` (see `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        grow(new_size as isize - layout.size() as isize);
        // SAFETY: forwarded contract, as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// CPU seconds this thread has used (user + system, from `/proc/thread-self/stat`, in
/// clock ticks of 10 ms): on a loaded machine the wall time overstates the work, the
/// CPU time does not. `None` where `/proc` is unavailable.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name (which ends with the last ')'): utime is the 12th,
    // stime the 13th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn mb(bytes: isize) -> f64 {
    bytes as f64 / 1e6
}

fn main() {
    // `cargo bench` passes `--bench`; the first number is the tenant count.
    let n = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(100_000);
    let text = tenants::tenant_set(n, tenants::DEFAULT_SEED, true).to_string();
    let mut best = f64::INFINITY;
    let mut best_cpu = f64::INFINITY;
    let (mut peak, mut kept, mut allocs) = (0, 0, 0);
    for _ in 0..3 {
        let before = LIVE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let allocs_before = ALLOCS.load(Ordering::Relaxed);
        let (start, cpu_start) = (Instant::now(), cpu_seconds());
        let set = PolicySet::from_json(&text).expect("the generated set compiles");
        let secs = start.elapsed().as_secs_f64();
        best = best.min(secs);
        if let (Some(a), Some(b)) = (cpu_start, cpu_seconds()) {
            best_cpu = best_cpu.min(b - a);
        }
        peak = PEAK.load(Ordering::Relaxed) - before;
        kept = LIVE.load(Ordering::Relaxed) - before;
        allocs = ALLOCS.load(Ordering::Relaxed) - allocs_before;
        // The verdicts, before any number counts.
        for i in [0, n / 2, n - 1] {
            let (host, origin) = (tenants::tenant_host(i), tenants::tenant_origin(i));
            let d = set.evaluate_str("GET", "/", &[("Host", &host), ("Origin", &origin)]);
            assert!(d.allowed() && d.route() == Some(i), "tenant {i}");
        }
        assert_eq!(set.compiled_len(), n + 1);
        drop(set);
    }
    println!(
        "set_scale: {n} tenants ({:.1} MB of JSON): compile {:.3} s wall, {:.2} s CPU (best of 3), peak heap {:.1} MB, kept {:.1} MB = {} bytes per tenant, {:.1} allocations per tenant while compiling",
        mb(text.len() as isize),
        best,
        best_cpu,
        mb(peak),
        mb(kept),
        kept / n as isize,
        allocs as f64 / n as f64
    );
    let ok = best_cpu < 1.0 && peak < 300_000_000;
    println!(
        "set_scale: targets < 1 s (CPU) and < 300 MB: {}",
        if ok { "met" } else { "NOT met" }
    );
}
