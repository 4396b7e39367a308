//! Issue 12, "Design card packages": the measurement behind two choices of the core.
//!
//! 1. The hasher of the exact-origin table: `foldhash` (what the core uses) vs `ahash`
//!    (what the design card named), both over `hashbrown`, 100,000 origin keys, hits and
//!    misses.
//! 2. Wildcard subdomains over 10,000 bases: the core's per-label hash probes (one probe
//!    per dot of the host, skipping suffix lengths no base has, `foldhash`) vs an
//!    Aho-Corasick automaton over the reversed `.base` strings, searched anchored on the
//!    reversed host (`aho-corasick`, DFA and the crate's default choice).
//!
//! Every engine's answers are asserted equal (and equal to the core's own
//! `Policy::is_origin_allowed`) on every probe before anything is timed. Run:
//! `cargo bench -p corsgate-benches --bench design_card` (short measurement times are
//! set below); results in `benches/README.md`.

use aho_corasick::{AhoCorasick, AhoCorasickKind, Anchored, Input, MatchKind, StartKind};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hash::BuildHasher;
use std::hint::black_box;
use std::time::Duration;

/// A named membership test: `(name, does the set hold this key / host?)`.
type Engine<'a> = (&'static str, &'a dyn Fn(&[u8]) -> bool);

const EXACT: usize = 100_000;
const BASES: usize = 10_000;

fn origin(i: usize) -> String {
    format!("https://app-{i}.tenant-{}.example.com", i % 97)
}

fn base(i: usize) -> String {
    format!("tenant-{i}.example{}.com", i % 7)
}

/// The exact-origin table with hasher `S` (keys borrowed from `keys`).
fn exact_set<S: BuildHasher + Default>(keys: &[String]) -> hashbrown::HashSet<&[u8], S> {
    let mut set = hashbrown::HashSet::with_capacity_and_hasher(keys.len(), S::default());
    set.extend(keys.iter().map(|k| k.as_bytes()));
    set
}

/// The core's wildcard strategy, as in `core/src/matcher.rs` (`find_subdomain`): a hash
/// set of bases, probed with each suffix after a dot (longest first) whose length some
/// base has.
struct PerLabel {
    bases: hashbrown::HashSet<Vec<u8>, foldhash::fast::RandomState>,
    lengths: [u64; 4],
}

impl PerLabel {
    fn new(bases: &[String]) -> Self {
        let mut lengths = [0u64; 4];
        for b in bases {
            lengths[b.len() / 64] |= 1 << (b.len() % 64);
        }
        PerLabel {
            bases: bases.iter().map(|b| b.as_bytes().to_vec()).collect(),
            lengths,
        }
    }

    fn matches(&self, host: &[u8]) -> bool {
        host.iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'.')
            .any(|(dot, _)| {
                let suffix = &host[dot + 1..];
                let n = suffix.len();
                n < 256
                    && self.lengths[n / 64] & (1 << (n % 64)) != 0
                    && self.bases.contains(suffix)
            })
    }
}

/// The reversed-label automaton: patterns are `reverse(".base")`; a host matches when
/// one of them is a prefix of the reversed host (so the host ends with `.base` and has
/// at least one label before it).
struct Reversed {
    ac: AhoCorasick,
}

impl Reversed {
    fn new(bases: &[String], kind: Option<AhoCorasickKind>) -> Self {
        let patterns: Vec<Vec<u8>> = bases
            .iter()
            .map(|b| {
                let mut p: Vec<u8> = format!(".{b}").into_bytes();
                p.reverse();
                p
            })
            .collect();
        let ac = AhoCorasick::builder()
            .kind(kind)
            .match_kind(MatchKind::LeftmostFirst)
            .start_kind(StartKind::Anchored)
            .build(&patterns)
            .expect("automaton builds");
        Reversed { ac }
    }

    fn matches(&self, host: &[u8]) -> bool {
        let mut rev = [0u8; 256];
        let Some(rev) = rev.get_mut(..host.len()) else {
            return false;
        };
        for (d, s) in rev.iter_mut().zip(host.iter().rev()) {
            *d = *s;
        }
        // A pattern equal to the whole reversed host would be the apex `.base` with an
        // empty first label, which no valid host has.
        self.ac
            .find(Input::new(&*rev).anchored(Anchored::Yes))
            .is_some()
    }
}

/// Times each engine on the hits and on the misses, one key per iteration in turn.
fn time_engines(
    c: &mut Criterion,
    group: &str,
    engines: &[Engine<'_>],
    hits: &[&[u8]],
    misses: &[&[u8]],
) {
    let mut g = c.benchmark_group(group);
    for (name, f) in engines {
        for (case, set) in [("hit", hits), ("miss", misses)] {
            let mut i = 0usize;
            g.bench_function(format!("{name}/{case}"), |b| {
                b.iter(|| {
                    i = (i + 1) % set.len();
                    f(black_box(set[i]))
                })
            });
        }
    }
    g.finish();
}

fn hashers(c: &mut Criterion) {
    let keys: Vec<String> = (0..EXACT).map(origin).collect();
    let fold = exact_set::<foldhash::fast::RandomState>(&keys);
    let ahash = exact_set::<ahash::RandomState>(&keys);
    let hits: Vec<&[u8]> = keys.iter().step_by(97).map(|k| k.as_bytes()).collect();
    let misses: Vec<String> = (0..hits.len())
        .map(|i| format!("https://app-{i}.tenant-{}.example.org", i % 97))
        .collect();
    // Answers first: every key is found by both tables, no miss by either.
    for k in &keys {
        assert!(fold.contains(k.as_bytes()) && ahash.contains(k.as_bytes()));
    }
    for m in &misses {
        assert!(!fold.contains(m.as_bytes()) && !ahash.contains(m.as_bytes()));
    }
    let engines: [Engine<'_>; 2] = [
        ("foldhash", &|k| fold.contains(k)),
        ("ahash", &|k| ahash.contains(k)),
    ];
    let misses: Vec<&[u8]> = misses.iter().map(|m| m.as_bytes()).collect();
    time_engines(c, "origin-keys-100k", &engines, &hits, &misses);
}

fn wildcards(c: &mut Criterion) {
    let bases: Vec<String> = (0..BASES).map(base).collect();
    let per_label = PerLabel::new(&bases);
    let dfa = Reversed::new(&bases, Some(AhoCorasickKind::DFA));
    let auto = Reversed::new(&bases, None);
    // Probes: hits one and two labels below a base, near misses (a base's apex, another
    // TLD, a base as a label's tail), far misses.
    let mut probes: Vec<(String, bool)> = Vec::new();
    for i in (0..BASES).step_by(101) {
        let b = base(i);
        probes.push((format!("app.{b}"), true));
        probes.push((format!("a.b.{b}"), true));
        probes.push((b.clone(), false));
        probes.push((format!("app.{}", b.replace(".com", ".net")), false));
        probes.push((format!("app.x{b}"), false));
        probes.push((format!("www.unrelated-{i}.org"), false));
    }
    let policy = corsgate::Policy::from_json(
        &serde_json::json!({
            "origins": bases.iter().map(|b| format!("https://*.{b}")).collect::<Vec<_>>()
        })
        .to_string(),
    )
    .expect("10k wildcards compile");
    for (host, want) in &probes {
        let h = host.as_bytes();
        assert_eq!(per_label.matches(h), *want, "per-label {host}");
        assert_eq!(dfa.matches(h), *want, "aho-corasick dfa {host}");
        assert_eq!(auto.matches(h), *want, "aho-corasick auto {host}");
        let o = format!("https://{host}");
        assert_eq!(policy.is_origin_allowed(o.as_bytes()), *want, "core {o}");
    }
    let hits: Vec<&[u8]> = probes
        .iter()
        .filter(|p| p.1)
        .map(|p| p.0.as_bytes())
        .collect();
    let misses: Vec<&[u8]> = probes
        .iter()
        .filter(|p| !p.1)
        .map(|p| p.0.as_bytes())
        .collect();
    let engines: [Engine<'_>; 3] = [
        ("per-label-probes", &|h| per_label.matches(h)),
        ("aho-corasick-dfa", &|h| dfa.matches(h)),
        ("aho-corasick-auto", &|h| auto.matches(h)),
    ];
    time_engines(c, "wildcards-10k", &engines, &hits, &misses);
}

criterion_group! {
    name = design_card;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = hashers, wildcards
}
criterion_main!(design_card);
