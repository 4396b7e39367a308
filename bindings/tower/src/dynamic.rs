//! Dynamic origins for the layer: a predicate consulted only when the policy denies (or,
//! under cross-origin protection, refuses) a request whose one well-formed `Origin` it
//! does not list, its answers cached.
//!
//! A "yes" compiles the policy with `origins` replaced by that one exact origin; the
//! core decides the request against it (methods, headers, credentials unchanged). A
//! "no", or an origin the core refuses to compile (`null`, insecure with credentials),
//! keeps the deny. Invariants: at most `max_entries` cached origins (the oldest dropped
//! first), each answer kept `ttl`; the predicate runs outside the cache's lock.

use corsgate::{Config, Decision, Policy, ReasonCode};
use http::HeaderMap;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Predicate = dyn Fn(&str) -> bool + Send + Sync;

/// The predicate, the base configuration and the cache of answers.
pub struct DynamicOrigins {
    predicate: Box<Predicate>,
    config: Config,
    max_entries: usize,
    ttl: Duration,
    cache: Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    answers: HashMap<String, (Instant, Option<Arc<Policy>>)>,
    /// Insertion order, oldest first (an origin may appear again after a refresh; stale
    /// positions are skipped when evicting).
    order: VecDeque<(String, Instant)>,
}

impl fmt::Debug for DynamicOrigins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynamicOrigins")
            .field("max_entries", &self.max_entries)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl DynamicOrigins {
    /// Origins for `policy` from `predicate`; `max_entries` is at least 1.
    pub fn new<F>(policy: &Policy, predicate: F, max_entries: usize, ttl: Duration) -> Self
    where
        F: Fn(&str) -> bool + Send + Sync + 'static,
    {
        DynamicOrigins {
            predicate: Box::new(predicate),
            config: policy.config().clone(),
            max_entries: max_entries.max(1),
            ttl,
            cache: Mutex::new(Cache::default()),
        }
    }

    /// The policy that decides a request `base` decided as `d`: `Some` only when `d`
    /// denied (or, under cross-origin protection, refused) a request whose one `Origin`,
    /// well-formed, `base` does not list, and the predicate allows that origin.
    pub fn policy_for(
        &self,
        base: &Policy,
        d: &Decision<'_>,
        headers: &HeaderMap,
    ) -> Option<Arc<Policy>> {
        let code = d.reason().reason_code();
        if d.allowed()
            || matches!(
                code,
                ReasonCode::OriginMalformed | ReasonCode::OriginMultiple
            )
        {
            return None;
        }
        let mut origins = headers.get_all(http::header::ORIGIN).iter();
        let origin = origins.next()?.to_str().ok()?;
        if origins.next().is_some() || base.is_origin_allowed(origin.as_bytes()) {
            return None;
        }
        self.answer(origin)
    }

    fn answer(&self, origin: &str) -> Option<Arc<Policy>> {
        let now = Instant::now();
        {
            let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((expires, policy)) = cache.answers.get(origin)
                && *expires > now
            {
                return policy.clone();
            }
        }
        let derived = if (self.predicate)(origin) {
            let mut config = self.config.clone();
            config.origins = vec![origin.to_owned()];
            Policy::new(&config).ok().map(Arc::new)
        } else {
            None
        };
        let expires = now + self.ttl;
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .answers
            .insert(origin.to_owned(), (expires, derived.clone()));
        cache.order.push_back((origin.to_owned(), expires));
        while cache.answers.len() > self.max_entries {
            let Some((old, at)) = cache.order.pop_front() else {
                break;
            };
            // Drop it only if this position is the entry's latest.
            if cache.answers.get(&old).is_some_and(|(e, _)| *e == at) {
                cache.answers.remove(&old);
            }
        }
        // Positions of refreshed entries accumulate; keep the queue bounded too.
        if cache.order.len() > 2 * self.max_entries {
            let answers = &cache.answers;
            let kept: VecDeque<(String, Instant)> = cache
                .order
                .iter()
                .filter(|(o, at)| answers.get(o).is_some_and(|(e, _)| e == at))
                .cloned()
                .collect();
            cache.order = kept;
        }
        derived
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn get(policy: &Policy, dynamic: &DynamicOrigins, origin: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::ORIGIN, origin.parse().unwrap());
        let d = policy.evaluate(b"GET", [(&b"Origin"[..], origin.as_bytes())]);
        match dynamic.policy_for(policy, &d, &headers) {
            Some(p) => p
                .evaluate(b"GET", [(&b"Origin"[..], origin.as_bytes())])
                .allowed(),
            None => d.allowed(),
        }
    }

    #[test]
    fn asked_only_on_a_deny_cached_bounded_and_expiring() {
        let policy =
            Policy::from_json(r#"{"origins": ["https://app.example.com"], "credentials": true}"#)
                .unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let dynamic = DynamicOrigins::new(
            &policy,
            move |o| {
                counted.fetch_add(1, Ordering::SeqCst);
                o.ends_with(".example.org")
            },
            2,
            Duration::from_millis(50),
        );
        let asked = || calls.load(Ordering::SeqCst);
        assert!(get(&policy, &dynamic, "https://app.example.com"));
        assert_eq!(asked(), 0, "allowed by the policy: not asked");
        assert!(get(&policy, &dynamic, "https://a.example.org"));
        assert!(get(&policy, &dynamic, "https://a.example.org"));
        assert!(!get(&policy, &dynamic, "https://evil.example.net"));
        assert_eq!(asked(), 2, "one call per origin within the TTL");
        assert!(get(&policy, &dynamic, "https://b.example.org")); // evicts a.example.org
        assert!(get(&policy, &dynamic, "https://a.example.org"));
        assert_eq!(asked(), 4, "evicted, asked again");
        std::thread::sleep(Duration::from_millis(80));
        assert!(get(&policy, &dynamic, "https://a.example.org"));
        assert_eq!(asked(), 5, "expired, asked again");
        // Malformed origins are not asked; insecure ones with credentials stay denied.
        assert!(!get(&policy, &dynamic, "https://c.example.org/"));
        assert_eq!(asked(), 5);
        assert!(!get(&policy, &dynamic, "http://c.example.org"));
        assert!(dynamic.cache.lock().unwrap().answers.len() <= 2);
    }
}
