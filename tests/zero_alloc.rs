//! Proves that evaluating a request allocates nothing: a counting global allocator
//! watches `evaluate`, header iteration and `is_origin_allowed` for every vector (the
//! version-1 ones and the version-2 ones over a single policy: cross-origin protection,
//! protected and refused decisions included, and the response merge).

use corsgate_conformance::{Vector, all_vectors, project_v2_vectors, v2_vectors};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    // Both the switch and the count are per thread: tests run in parallel, and a shared
    // counter would charge one test's allocations to another measuring at the same time.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: an allocation during thread teardown must never panic in the allocator.
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every method forwards to `System` unchanged; counting has no effect on memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we forward.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (see `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: forwarded contract, as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` and returns how many allocations it made on this thread.
fn allocations_in<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = ALLOCATIONS.with(Cell::get);
    COUNTING.with(|c| c.set(true));
    let r = f();
    COUNTING.with(|c| c.set(false));
    (ALLOCATIONS.with(Cell::get) - before, r)
}

/// Every vector over a single policy that compiles (policy sets are another type).
fn vectors() -> Vec<Vector> {
    let mut vectors = all_vectors();
    vectors.extend(v2_vectors().into_iter().filter(|v| !v.is_policy_set()));
    vectors.retain(|v| !v.config_error());
    vectors
}

#[test]
fn the_counter_sees_allocations() {
    let (n, v) = allocations_in(|| vec![1u8; 64]);
    assert!(n >= 1, "the counting allocator is not counting");
    drop(v);
}

#[test]
fn evaluate_never_allocates() {
    let mut checked = 0;
    let mut protected = [0usize; 2];
    for v in &vectors() {
        let policy = corsgate::Policy::from_json(&v.policy_text()).expect(&v.name);
        let headers = v.header_bytes();
        let origin = v
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("origin"));
        let (n, (count, bytes)) = allocations_in(|| {
            let d = policy.evaluate(v.method.as_bytes(), headers.iter().copied());
            let mut count = 0usize;
            let mut bytes = 0usize;
            for h in d.headers() {
                count += 1;
                bytes += h.name.len() + h.value.len();
            }
            let _ = d.header("vary");
            let _ = d.reason().code();
            if let Some((_, o)) = origin {
                let _ = policy.is_origin_allowed(o.as_bytes());
            }
            (count, bytes)
        });
        assert_eq!(n, 0, "{}: evaluate allocated {n} times", v.name);
        assert!(count <= corsgate::MAX_HEADERS && (count == 0 || bytes > 0));
        checked += 1;
        if policy.config().cross_origin_protection {
            let d = policy.evaluate(v.method.as_bytes(), headers.iter().copied());
            protected[usize::from(d.kind() == corsgate::Kind::Refused)] += 1;
        }
    }
    assert!(checked > 250, "only {checked} vectors checked");
    assert!(
        protected[0] >= 10 && protected[1] >= 5,
        "protected decisions checked: {} passed, {} refused",
        protected[0],
        protected[1]
    );
}

#[test]
fn applying_a_decision_never_allocates() {
    use corsgate::response::Line;
    let app: [(&[u8], &[u8]); 5] = [
        (b"Content-Type", b"text/plain"),
        (b"access-control-allow-origin", b"*"),
        (b"Vary", b"Accept-Encoding, origin"),
        (b"vary", b"Cookie"),
        (b"Set-Cookie", b"a=1"),
    ];
    let mut checked = 0;
    for v in &vectors() {
        let policy = corsgate::Policy::from_json(&v.policy_text()).expect(&v.name);
        let headers = v.header_bytes();
        let (n, lines) = allocations_in(|| {
            let d = policy.evaluate(v.method.as_bytes(), headers.iter().copied());
            let with_app: usize = d.apply_to(&app).map(|l| l.value().len() + 1).sum();
            let alone = d.apply_to(&app[..1]).count();
            with_app + alone
        });
        assert_eq!(n, 0, "{}: apply_to allocated {n} times", v.name);
        assert!(lines > 0, "{}", v.name);
        checked += 1;
    }
    assert!(checked > 250, "only {checked} vectors checked");
}

#[test]
fn evaluating_a_policy_set_never_allocates() {
    let mut checked = 0;
    let mut vectors = v2_vectors();
    vectors.extend(project_v2_vectors());
    for v in vectors
        .iter()
        .filter(|v| v.is_policy_set() && !v.config_error())
    {
        let set = corsgate::PolicySet::from_json(&v.policy_text()).expect(&v.name);
        let headers = v.header_bytes();
        let (n, count) = allocations_in(|| {
            let d = set.evaluate(
                v.method.as_bytes(),
                v.path.as_bytes(),
                headers.iter().copied(),
            );
            let _ = (d.policy(), d.route(), d.reason().code());
            d.headers().count() + d.apply_to(&headers[..]).count()
        });
        assert_eq!(n, 0, "{}: a set's evaluate allocated {n} times", v.name);
        assert!(count > 0, "{}", v.name);
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} set vectors checked");
}
