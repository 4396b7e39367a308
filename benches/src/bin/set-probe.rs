//! Issue 14's selection cost in about a minute instead of the gate's six:
//! `set-probe TENANTS REQUESTS direct|selected` builds a set of `TENANTS` tenants
//! (`corsgate_benches::tenants`) and decides `REQUESTS` requests spread over them, each
//! with its `Host` and an allowed `Origin`, as `set.direct_100k` / `set.selected_100k`
//! do (the tenant's policy directly, or `PolicySet::evaluate`). Meant to run under
//! callgrind with collection on the measured function only; `scripts/set-probe.sh`
//! runs both modes and prints instructions per request. Over 1,024 requests a hash
//! seed's luck averages out; the gate's batch of 64 is the figure that counts. With
//! `PROBE_PREFIXED` set, each tenant's host also has a `/v2/` route (a host with
//! several prefixes, which selecting finds in a second table).

use corsgate::{Policy, PolicySet};
use corsgate_benches::tenants;
use std::hint::black_box;
use std::process::ExitCode;

/// A request's header lines.
type Headers = Vec<(&'static [u8], &'static [u8])>;

fn leak(s: String) -> &'static [u8] {
    Box::leak(s.into_bytes().into_boxed_slice())
}

/// The measured function's argument, as benches/iai/hot_paths.rs's `SetFixture`.
struct Fixture {
    set: &'static PolicySet,
    requests: Vec<(&'static Policy, Headers)>,
    direct: bool,
}

/// How many of the fixture's requests are allowed, each decided by its tenant's policy
/// (`direct`) or through the set: the body of benches/iai/hot_paths.rs's `set`, with
/// its argument taken by value and both modes in one function as there (the
/// registers and blocks LLVM gives one mode depend on the code around it: with a
/// function per mode, this read 6 fewer per request than the gate).
#[inline(never)]
fn measure(f: Fixture) -> usize {
    let mut allowed = 0;
    for (policy, r) in &f.requests {
        let ok = if f.direct {
            let d = black_box(*policy).evaluate(b"GET", black_box(r).iter().copied());
            black_box(&d).allowed()
        } else {
            let d = black_box(f.set).evaluate(b"GET", b"/", black_box(r).iter().copied());
            black_box(&d).allowed()
        };
        allowed += usize::from(ok);
    }
    std::mem::forget(f);
    allowed
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(Ok(n)), Some(Ok(batch)), Some(mode)) = (
        args.first().map(|s| s.parse::<usize>()),
        args.get(1).map(|s| s.parse::<usize>()),
        args.get(2),
    ) else {
        eprintln!("usage: set-probe TENANTS REQUESTS direct|selected");
        return ExitCode::from(2);
    };
    if n == 0 || !matches!(mode.as_str(), "direct" | "selected") {
        eprintln!("usage: set-probe TENANTS REQUESTS direct|selected");
        return ExitCode::from(2);
    }
    let mut doc = tenants::tenant_set(n, tenants::DEFAULT_SEED, true);
    if std::env::var_os("PROBE_PREFIXED").is_some() {
        // Each tenant's host gets a second route, `/v2/`: its requests (path `/`) then
        // take the path of a host with several prefixes.
        if let Some(routes) = doc.get_mut("routes").and_then(|r| r.as_array_mut()) {
            for t in 0..n {
                routes.push(serde_json::json!({"host": tenants::tenant_host(t),
                    "path_prefix": "/v2/", "policy": format!("t{t}")}));
            }
        }
    }
    let set: &'static PolicySet = match PolicySet::from_value(&doc) {
        Ok(set) => Box::leak(Box::new(set)),
        Err(e) => {
            eprintln!("set-probe: the generated set does not compile: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut requests = Vec::with_capacity(batch);
    for i in 0..batch {
        let t = i * n / batch.max(1);
        let headers: Headers = vec![
            (&b"host"[..], leak(tenants::tenant_host(t))),
            (&b"origin"[..], leak(tenants::tenant_origin(t))),
        ];
        let Some(policy) = set.policy(&format!("t{t}")) else {
            eprintln!("set-probe: no policy t{t}");
            return ExitCode::FAILURE;
        };
        requests.push((policy, headers));
    }
    let allowed = measure(Fixture {
        set,
        requests,
        direct: black_box(mode == "direct"),
    });
    if allowed != batch {
        eprintln!("set-probe: {allowed} of {batch} requests allowed (expected all)");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
