//! Issue 15's cache-realistic workload: a large policy and a request stream whose
//! origins spread over far more bytes than the CPU caches hold.
//!
//! - The policy: [`RULES`] exact origins `https://www.customer{i}.com` (the fixtures'
//!   [`exact_origin`]).
//! - The population: [`POPULATION`] distinct origins, the `RULES` listed ones and
//!   `POPULATION - RULES` unlisted ones of the same shape (`customer{i}` past the list),
//!   so every miss is a full hash and probe, never an early reject.
//! - The stream: each request is allowed with probability [`ALLOWED_PCT`] %, its origin
//!   then drawn by Zipf (exponent [`EXPONENT`]) over the listed origins in a random rank
//!   order (popular origins scattered over the table, as in life); otherwise a uniformly
//!   drawn unlisted origin (scanners, stale tabs, strangers: nearly all distinct).
//!
//! The stream's origin bytes are laid out one after another in request order, as request
//! buffers arrive, so reading them is sequential while each engine's table is touched at
//! random: ~30 MB of request bytes pass through a 32 MiB L3 on the way, evicting the
//! table's lines, which is where the cache misses come from. Deterministic for a seed.

use crate::exact_origin;
use crate::zipf::Rng;

/// Exact origins in the policy.
pub const RULES: usize = 100_000;
/// Distinct origins the stream draws from.
pub const POPULATION: usize = 1_000_000;
/// Requests in the stream.
pub const REQUESTS: usize = 1_000_000;
/// Zipf exponent of the listed origins' popularity.
pub const EXPONENT: f64 = 1.0;
/// Share of requests from a listed origin, in percent.
pub const ALLOWED_PCT: usize = 75;
/// Default seed.
pub const SEED: u64 = 0x00c0_75ba_7e00_0015;

/// A generated request stream.
#[derive(Debug)]
pub struct Stream {
    /// Every request's `Origin` bytes, back to back, in request order.
    pub bytes: Vec<u8>,
    /// Each request's `(start, end)` in `bytes`.
    pub spans: Vec<(u32, u32)>,
    /// Requests whose origin is listed (known by construction).
    pub allowed: usize,
    /// Distinct origins among the requests.
    pub distinct: usize,
}

impl Stream {
    /// The origins in request order.
    pub fn origins(&self) -> impl ExactSizeIterator<Item = &[u8]> + Clone {
        self.spans
            .iter()
            .map(|&(a, b)| &self.bytes[a as usize..b as usize])
    }
}

/// The policy's origins (`RULES` of them for the bench).
pub fn rules(n: usize) -> Vec<String> {
    (0..n).map(exact_origin).collect()
}

/// Generates `requests` requests over a policy of `rules` origins and a population of
/// `population` distinct origins (`population > rules`).
pub fn generate(rules: usize, population: usize, requests: usize, seed: u64) -> Stream {
    assert!(population > rules && rules > 0);
    let mut rng = Rng::new(seed);
    // Rank r (0-based) of the listed origins is `rank_to_rule[r]`: a random permutation.
    let mut rank_to_rule: Vec<u32> = (0..rules as u32).collect();
    for i in (1..rules).rev() {
        rank_to_rule.swap(i, rng.below(i + 1));
    }
    let mut cdf = Vec::with_capacity(rules);
    let mut total = 0.0;
    for r in 1..=rules {
        total += (r as f64).powf(-EXPONENT);
        cdf.push(total);
    }
    let mut seen = vec![false; population];
    let mut s = Stream {
        bytes: Vec::with_capacity(requests * 32),
        spans: Vec::with_capacity(requests),
        allowed: 0,
        distinct: 0,
    };
    for _ in 0..requests {
        let i = if rng.below(100) < ALLOWED_PCT {
            let u = rng.next_f64() * total;
            let rank = cdf.partition_point(|&c| c <= u).min(rules - 1);
            s.allowed += 1;
            rank_to_rule[rank] as usize
        } else {
            rules + rng.below(population - rules)
        };
        s.distinct += usize::from(!std::mem::replace(&mut seen[i], true));
        let start = s.bytes.len();
        s.bytes.extend_from_slice(exact_origin(i).as_bytes());
        let span = (
            u32::try_from(start).expect("stream under 4 GiB"),
            u32::try_from(s.bytes.len()).expect("stream under 4 GiB"),
        );
        s.spans.push(span);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Shape;

    /// A tiny slice of the workload: deterministic, the counts known by construction
    /// equal corsgate's verdicts and a `HashSet`'s.
    #[test]
    fn small_stream_counts_match_engines() {
        let (n, pop, req) = (1_000, 10_000, 20_000);
        let a = generate(n, pop, req, SEED);
        let b = generate(n, pop, req, SEED);
        assert_eq!((a.bytes.len(), a.allowed), (b.bytes.len(), b.allowed));
        assert_eq!(a.spans.len(), req);
        let share = a.allowed * 100 / req;
        assert!((70..=80).contains(&share), "allowed share {share} %");
        assert!(a.distinct > n / 2 && a.distinct < pop, "{}", a.distinct);
        let policy = Shape {
            exact: n,
            wildcards: 0,
            regexes: 0,
        }
        .policy();
        let set: std::collections::HashSet<Vec<u8>> =
            rules(n).into_iter().map(String::into_bytes).collect();
        let by_policy = a.origins().filter(|o| policy.is_origin_allowed(o)).count();
        let by_set = a.origins().filter(|o| set.contains(*o)).count();
        assert_eq!((by_policy, by_set), (a.allowed, a.allowed));
    }
}
