//! The realistic-traffic replay: a deterministic generator of a request log whose
//! origins follow a Zipf law, and its reader.
//!
//! The log is plain text, one request per line: `A <origin>` (an actual `GET`) or
//! `P <origin>` (a preflight for `PUT` with `content-type, x-request-id`). Its first
//! line is a header with the counts the generator knows by construction:
//! `# corsgate-zipf v1 requests=N seed=S exponent=E allowed=A denied=D preflights=P`.
//! Every verdict is known by construction (the generator draws from origins it built as
//! allowed or as denied), so a replay can check each engine against it.

use crate::{Shape, exact_origin, wildcard_base};
use std::fmt::Write as _;

/// The policy the replay runs against: 1k exact origins, 1k wildcard patterns and
/// 10 regexes (the size at which issue 6 compares with tower-http).
pub const REPLAY_SHAPE: Shape = Shape {
    exact: 1_000,
    wildcards: 1_000,
    regexes: 10,
};

/// Default log size.
pub const DEFAULT_REQUESTS: usize = 1_000_000;
/// Default seed.
pub const DEFAULT_SEED: u64 = 0x00c0_75ba_7e00_0001;
/// Default Zipf exponent.
pub const DEFAULT_EXPONENT: f64 = 1.1;
/// Distinct origins in the population.
pub const POPULATION: usize = 20_000;

/// splitmix64: small, deterministic, good enough to draw from a distribution.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// One distinct origin of the population with its verdict.
fn population_origin(rng: &mut Rng, shape: &Shape) -> (String, bool) {
    match rng.below(100) {
        // Most traffic comes from listed sites and tenants.
        0..=44 => (exact_origin(rng.below(shape.exact)), true),
        45..=69 => (
            format!(
                "https://u{}.{}",
                rng.below(1000),
                wildcard_base(rng.below(shape.wildcards))
            ),
            true,
        ),
        70..=74 => (
            format!(
                "https://pr-{}.preview{}.example.dev",
                rng.below(100_000),
                rng.below(shape.regexes)
            ),
            true,
        ),
        // Look-alikes, strangers and garbage.
        75..=84 => (
            format!("https://evil{}", wildcard_base(rng.below(shape.wildcards))),
            false,
        ),
        85..=94 => (
            format!("https://site{}.example.org", rng.below(1 << 20)),
            false,
        ),
        _ => (format!("{}/", exact_origin(rng.below(shape.exact))), false),
    }
}

/// Writes a log of `requests` lines to a string (header line first).
pub fn generate(requests: usize, seed: u64, exponent: f64) -> String {
    let shape = REPLAY_SHAPE;
    let mut rng = Rng::new(seed);
    let population: Vec<(String, bool)> = (0..POPULATION)
        .map(|_| population_origin(&mut rng, &shape))
        .collect();
    // Zipf: rank r (1-based) has weight r^-s; the population is already in random order.
    let mut cdf = Vec::with_capacity(POPULATION);
    let mut total = 0.0;
    for r in 1..=POPULATION {
        total += (r as f64).powf(-exponent);
        cdf.push(total);
    }
    let mut body = String::with_capacity(requests * 40);
    let (mut allowed, mut preflights) = (0usize, 0usize);
    for _ in 0..requests {
        let u = rng.next_f64() * total;
        let idx = cdf.partition_point(|&c| c <= u).min(POPULATION - 1);
        let (origin, ok) = &population[idx];
        let preflight = rng.below(100) < 15;
        allowed += usize::from(*ok);
        preflights += usize::from(preflight);
        let _ = writeln!(body, "{} {origin}", if preflight { 'P' } else { 'A' });
    }
    let mut out = format!(
        "# corsgate-zipf v1 requests={requests} seed={seed} exponent={exponent} allowed={allowed} denied={} preflights={preflights}\n",
        requests - allowed
    );
    out.push_str(&body);
    out
}

/// One request of the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// A preflight (else an actual `GET`).
    pub preflight: bool,
    /// The `Origin` value.
    pub origin: &'a str,
}

/// A parsed log.
#[derive(Debug)]
pub struct Log<'a> {
    /// The requests.
    pub entries: Vec<Entry<'a>>,
    /// Allowed requests, as the generator counted them.
    pub allowed: usize,
    /// Denied requests, as the generator counted them.
    pub denied: usize,
    /// Preflights.
    pub preflights: usize,
}

/// Parses a log written by [`generate`].
///
/// # Errors
/// A message when the header or a line is not in the format.
pub fn parse(text: &str) -> Result<Log<'_>, String> {
    let mut lines = text.lines();
    let head = lines.next().ok_or("empty log")?;
    let field = |key: &str| -> Result<usize, String> {
        head.split(' ')
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
            .ok_or(format!("header lacks {key}"))?
            .parse()
            .map_err(|e| format!("{key}: {e}"))
    };
    if !head.starts_with("# corsgate-zipf v1 ") {
        return Err(format!("not a corsgate-zipf v1 log: {head}"));
    }
    let (requests, allowed, denied, preflights) = (
        field("requests")?,
        field("allowed")?,
        field("denied")?,
        field("preflights")?,
    );
    let mut entries = Vec::with_capacity(requests);
    for line in lines {
        let (kind, origin) = line.split_once(' ').ok_or(format!("bad line: {line}"))?;
        let preflight = match kind {
            "P" => true,
            "A" => false,
            _ => return Err(format!("bad kind: {line}")),
        };
        entries.push(Entry { preflight, origin });
    }
    if entries.len() != requests || allowed + denied != requests {
        return Err(format!(
            "log has {} requests, header says {requests} ({allowed} + {denied})",
            entries.len()
        ));
    }
    Ok(Log {
        entries,
        allowed,
        denied,
        preflights,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_parses() {
        let a = generate(2_000, 7, 1.1);
        assert_eq!(a, generate(2_000, 7, 1.1));
        assert_ne!(a, generate(2_000, 8, 1.1));
        let log = parse(&a).unwrap();
        assert_eq!(log.entries.len(), 2_000);
        assert!(log.allowed > 0 && log.denied > 0 && log.preflights > 0);
        // Zipf: the most frequent origin is far above the average.
        let mut counts = std::collections::HashMap::new();
        for e in &log.entries {
            *counts.entry(e.origin).or_insert(0usize) += 1;
        }
        assert!(*counts.values().max().unwrap() > 100);
    }

    #[test]
    fn counts_match_corsgate() {
        let text = generate(5_000, DEFAULT_SEED, DEFAULT_EXPONENT);
        let log = parse(&text).unwrap();
        let policy = REPLAY_SHAPE.policy();
        let allowed = log
            .entries
            .iter()
            .filter(|e| policy.is_origin_allowed(e.origin.as_bytes()))
            .count();
        assert_eq!(allowed, log.allowed);
    }
}
