//! The policy set generator of issue 14's scale benches: `n` routes, each its own
//! tenant policy with 1–5 origins (exact and wildcard), shared `defaults` (methods,
//! headers, max_age), deterministic for a seed. The file is generated, never committed
//! (`gen-set`).
//!
//! Tenant `i`: host `api.tenant{i}.example.com`, policy `t{i}` allowing
//! `https://tenant{i}.com`, and then up to four of `https://app.tenant{i}.com`,
//! `https://*.tenant{i}.com`, `https://admin.tenant{i}.io`, `http://localhost:{3000+i%1000}`.
//! Every tenant is distinct, so no two policies are equal after merging.

use serde_json::{Value, json};

/// The seed `gen-set` uses by default.
pub const DEFAULT_SEED: u64 = 14;

/// SplitMix64: a tiny deterministic generator (no dependency, same stream everywhere).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The host of tenant `i`'s route.
pub fn tenant_host(i: usize) -> String {
    format!("api.tenant{i}.example.com")
}

/// The first (always allowed) origin of tenant `i`.
pub fn tenant_origin(i: usize) -> String {
    format!("https://tenant{i}.com")
}

/// The origins of tenant `i`: 1 to 5, the first always [`tenant_origin`].
fn origins(i: usize, rng: &mut SplitMix) -> Vec<String> {
    let extra = [
        format!("https://app.tenant{i}.com"),
        format!("https://*.tenant{i}.com"),
        format!("https://admin.tenant{i}.io"),
        format!("http://localhost:{}", 3000 + i % 1000),
    ];
    let n = (rng.next() % 5) as usize;
    std::iter::once(tenant_origin(i))
        .chain(extra.into_iter().take(n))
        .collect()
}

/// A policy set of `n` tenants (routes and policies), plus a `*` route to a public
/// policy when `catch_all`.
pub fn tenant_set(n: usize, seed: u64, catch_all: bool) -> Value {
    let mut rng = SplitMix(seed);
    let mut policies = serde_json::Map::with_capacity(n + 1);
    let mut routes = Vec::with_capacity(n + 1);
    for i in 0..n {
        policies.insert(
            format!("t{i}"),
            json!({"origins": origins(i, &mut rng), "credentials": true}),
        );
        routes.push(json!({"host": tenant_host(i), "policy": format!("t{i}")}));
    }
    if catch_all {
        policies.insert(
            "public".into(),
            json!({"origins": ["*"], "credentials": false}),
        );
        routes.push(json!({"host": "*", "path_prefix": "/public/", "policy": "public"}));
    }
    json!({
        "defaults": {
            "methods": ["PUT", "DELETE"],
            "request_headers": ["authorization", "content-type", "x-request-id"],
            "max_age": 600
        },
        "policies": policies,
        "routes": routes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tenant_is_selected_and_allows_its_origin() {
        let set = corsgate::PolicySet::from_value(&tenant_set(200, DEFAULT_SEED, true)).unwrap();
        assert_eq!(set.compiled_len(), 201, "tenants are distinct");
        for i in [0, 1, 77, 199] {
            let host = tenant_host(i);
            let origin = tenant_origin(i);
            let d = set.evaluate_str("GET", "/", &[("Host", &host), ("Origin", &origin)]);
            assert!(d.allowed(), "tenant {i}");
            assert_eq!(d.route(), Some(i));
            let other = tenant_origin(i + 1);
            let d = set.evaluate_str("GET", "/", &[("Host", &host), ("Origin", &other)]);
            assert!(!d.allowed(), "tenant {i} must not trust tenant {}", i + 1);
        }
        let counts: Vec<usize> = set
            .policies()
            .map(|(_, p)| p.config().origins.len())
            .collect();
        assert!(counts.iter().all(|&c| (1..=5).contains(&c)));
        assert!(counts.contains(&1) && counts.contains(&5));
    }
}
