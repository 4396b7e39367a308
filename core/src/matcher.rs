//! The compiled origin matcher: one strategy per pattern kind.
//!
//! - exact origins: one open-addressing hash table over an arena of bytes
//!   ([`ExactSet`], 12 bytes per slot plus the origin's bytes);
//! - host patterns with port sets: a hash map from host to port rules;
//! - wildcard subdomains: a hash map from base domain to port rules, probed once per
//!   dot of the request host, skipping suffix lengths no base has;
//! - regexes: all of them in one dense DFA, searched anchored at both ends.
//!
//! Matching never allocates and never panics.

#[cfg(test)]
use crate::pattern::Pattern;
use crate::pattern::{PatternKind, PortSpec};
use crate::syntax::{self, HostDots, MAX_ORIGIN_LEN, OriginParts};
use foldhash::fast::RandomState;
use hashbrown::HashTable;
use regex_automata::dfa::{Automaton, dense};
use regex_automata::{Anchored, Input};
use std::hash::BuildHasher;

/// The size limit of the regex automaton (and of the determinizer's working memory);
/// policies above it fail with `regex_too_complex`. It bounds compile time as well as
/// memory: determinization work grows with the memory it builds, so a pathological set
/// of regexes is refused after at most a few hundred milliseconds (fuzzing found 1.3 s
/// at the former 16 MiB). Hundreds of typical origin regexes fit (400 of
/// `^https://pr-[0-9]+\.previewN\.example\.dev$` take 1.4 MiB).
pub const REGEX_SIZE_LIMIT: usize = 4 << 20;

/// The size limit of the regexes' NFA, checked before determinization starts.
pub const REGEX_NFA_SIZE_LIMIT: usize = 1 << 20;

/// The regex builder every origin automaton uses: bytes, not Unicode, and the NFA
/// limit [`REGEX_NFA_SIZE_LIMIT`].
pub(crate) fn dfa_builder() -> dense::Builder {
    let mut b = dense::Builder::new();
    b.syntax(
        regex_automata::util::syntax::Config::new()
            .unicode(false)
            .utf8(false),
    )
    .thompson(
        regex_automata::nfa::thompson::Config::new()
            .utf8(false)
            .nfa_size_limit(Some(REGEX_NFA_SIZE_LIMIT)),
    );
    b
}

/// The DFA limits every origin automaton uses ([`REGEX_SIZE_LIMIT`]).
pub(crate) fn dfa_config() -> dense::Config {
    dense::Config::new()
        .dfa_size_limit(Some(REGEX_SIZE_LIMIT))
        .determinize_size_limit(Some(REGEX_SIZE_LIMIT))
}

/// The random seeds of [`key_hash`], drawn per table.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Seeds([u64; 2]);

impl Default for Seeds {
    fn default() -> Self {
        let r = RandomState::default();
        Seeds([r.hash_one(1u64), r.hash_one(2u64)])
    }
}

/// The folded 64×64→128-bit multiply of foldhash.
#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let f = u128::from(a) * u128::from(b);
    (f as u64) ^ ((f >> 64) as u64)
}

#[inline(always)]
fn word(b: &[u8; 8]) -> u64 {
    u64::from_le_bytes(*b)
}

/// The hash of an origin key (or host, or base domain): foldhash's construction (a
/// seeded, length-rotated accumulator folded with 16 bytes per multiply, the last 16
/// bytes read overlapping), inlined and without the `Hasher` calls around it.
///
/// Cost: about 10 instructions per 16 bytes plus 10.
#[inline(always)]
pub(crate) fn key_hash(seeds: Seeds, key: &[u8]) -> u64 {
    let [s0, s1] = seeds.0;
    let mut acc = s0.rotate_right(key.len() as u32);
    let (lo, hi) = match (key.first_chunk::<8>(), key.last_chunk::<8>()) {
        (Some(first), Some(last)) => {
            if let Some(last16) = key.last_chunk::<16>() {
                let (pairs, _) = key.as_chunks::<16>();
                for p in pairs {
                    let (a, b) = p.split_at(8);
                    let (Some(a), Some(b)) = (a.first_chunk::<8>(), b.first_chunk::<8>()) else {
                        continue;
                    };
                    acc = fold(word(a) ^ acc, word(b) ^ s1);
                }
                let (a, b) = last16.split_at(8);
                match (a.first_chunk::<8>(), b.first_chunk::<8>()) {
                    (Some(a), Some(b)) => (word(a), word(b)),
                    _ => (0, 0),
                }
            } else {
                (word(first), word(last))
            }
        }
        _ => match (key.first_chunk::<4>(), key.last_chunk::<4>()) {
            (Some(a), Some(b)) => (
                u64::from(u32::from_le_bytes(*a)),
                u64::from(u32::from_le_bytes(*b)),
            ),
            _ => match (key.first(), key.last()) {
                (Some(&a), Some(&b)) => {
                    let mid = key.get(key.len() / 2).copied().unwrap_or(0);
                    (u64::from(a), u64::from(b) << 8 | u64::from(mid))
                }
                _ => (0, 0),
            },
        },
    };
    fold(lo ^ acc, hi ^ s1)
}

/// `a == b`, compared 8 bytes at a time inline (keys are short: a `memcmp` call cost
/// more than the comparison).
#[inline(always)]
pub(crate) fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    match (a.last_chunk::<8>(), b.last_chunk::<8>()) {
        (Some(x), Some(y)) => {
            x == y
                && a.as_chunks::<8>()
                    .0
                    .iter()
                    .zip(b.as_chunks::<8>().0)
                    .all(|(x, y)| x == y)
        }
        _ => a.iter().zip(b).all(|(x, y)| x == y),
    }
}

/// A set of byte strings, each mapped to a pattern index and a `verbatim` flag (the
/// policy entry was written exactly as its key).
///
/// Invariant: every `(off, len & LEN_MASK)` slot lies inside `arena`.
#[derive(Clone, Debug, Default)]
pub struct ExactSet {
    table: HashTable<Slot>,
    /// Every key, back to back. A `String`, so that a hit hands out the matched origin
    /// as `&str` without validating the request's bytes again.
    arena: String,
    seeds: Seeds,
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    off: u32,
    /// The key's length, with [`VERBATIM`] set when the entry was written as the key.
    len: u32,
    pattern: u32,
}

/// The most bytes of exact origins one set holds, so that every `off + len` fits in a
/// `u32` (compile's `MAX_ORIGINS` origins of at most `MAX_ORIGIN_LEN` bytes fit).
pub const MAX_EXACT_BYTES: usize = 1 << 31;

/// The flag bit of [`Slot::len`]; keys are far shorter than `2^31` bytes.
const VERBATIM: u32 = 1 << 31;
const LEN_MASK: u32 = VERBATIM - 1;

impl Slot {
    #[inline]
    fn range(self) -> std::ops::Range<usize> {
        self.off as usize..(self.off + (self.len & LEN_MASK)) as usize
    }
}

impl ExactSet {
    /// An empty set with room for `keys` keys of `bytes` bytes in all, so that building
    /// it never rehashes or regrows (and wastes no capacity: about 13 bytes of table per
    /// key at a load of 1/2 to 7/8, plus the key itself).
    pub fn with_capacity(keys: usize, bytes: usize) -> Self {
        ExactSet {
            table: HashTable::with_capacity(keys),
            arena: String::with_capacity(bytes),
            seeds: Seeds::default(),
        }
    }

    /// Inserts `key`; keeps the first pattern index on duplicates, and returns whether
    /// `key` was new. A key that would take the set past [`MAX_EXACT_BYTES`] is not
    /// inserted (`false`); compile's bound on the number of origins rules that out.
    pub fn insert(&mut self, key: &str, pattern: u32, verbatim: bool) -> bool {
        let hash = key_hash(self.seeds, key.as_bytes());
        let arena = self.arena.as_bytes();
        let found = self.table.find(hash, |s| {
            arena
                .get(s.range())
                .is_some_and(|k| bytes_eq(k, key.as_bytes()))
        });
        if found.is_some() {
            return false;
        }
        let end = self.arena.len().saturating_add(key.len());
        let (Ok(off), Ok(len)) = (u32::try_from(self.arena.len()), u32::try_from(key.len())) else {
            debug_assert!(false, "bounded by MAX_EXACT_BYTES");
            return false;
        };
        if end > MAX_EXACT_BYTES {
            debug_assert!(false, "bounded by MAX_ORIGINS");
            return false;
        }
        let slot = Slot {
            off,
            len: len | if verbatim { VERBATIM } else { 0 },
            pattern,
        };
        self.arena.push_str(key);
        let (arena, seeds) = (self.arena.as_bytes(), self.seeds);
        self.table.insert_unique(hash, slot, |s| {
            key_hash(seeds, arena.get(s.range()).unwrap_or(&[]))
        });
        true
    }

    /// The pattern index stored for `key`, the stored key itself as text, and whether
    /// the entry was written verbatim.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<(u32, &str, bool)> {
        if self.is_empty() {
            return None;
        }
        let hash = key_hash(self.seeds, key);
        let arena = self.arena.as_bytes();
        // The length first: most other keys in the probed group differ in it.
        let s = self.table.find(hash, |s| {
            (s.len & LEN_MASK) as usize == key.len()
                && arena.get(s.range()).is_some_and(|k| bytes_eq(k, key))
        })?;
        // Keys are whole `str`s laid end to end, so their bounds are char boundaries.
        let text = self.arena.get(s.range()).unwrap_or("");
        Some((s.pattern, text, s.len & VERBATIM != 0))
    }

    /// Every `(pattern, key)` whose entry was written verbatim, in no particular order.
    pub fn verbatim_keys(&self) -> impl Iterator<Item = (u32, &str)> {
        self.table
            .iter()
            .filter(|s| s.len & VERBATIM != 0)
            .map(|s| (s.pattern, self.arena.get(s.range()).unwrap_or("")))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Heap bytes used (table slots, control bytes and the arena).
    pub fn heap_bytes(&self) -> usize {
        self.table.capacity() * (std::mem::size_of::<Slot>() + 1) + self.arena.capacity()
    }
}

/// A scheme + port set admitted for one host or base domain.
#[derive(Clone, Debug)]
struct PortRule {
    scheme: Box<[u8]>,
    /// [`web_scheme`] of `scheme`.
    web: u8,
    ports: PortSpec,
    pattern: u32,
}

/// Port rules by host or base domain, probed with [`key_hash`].
#[derive(Clone, Debug, Default)]
struct RuleMap {
    table: HashTable<(Box<[u8]>, Vec<PortRule>)>,
    seeds: Seeds,
}

impl RuleMap {
    /// Appends the rule `scheme` + `ports` → `id` under `key` (a host or a base domain).
    fn push(&mut self, key: &str, scheme: &str, ports: &PortSpec, id: u32) {
        let seeds = self.seeds;
        let key = key.as_bytes();
        let rule = PortRule {
            scheme: scheme.as_bytes().into(),
            web: web_scheme(scheme.as_bytes()),
            ports: ports.clone(),
            pattern: id,
        };
        let hash = key_hash(seeds, key);
        match self.table.find_mut(hash, |(k, _)| bytes_eq(k, key)) {
            Some((_, rules)) => rules.push(rule),
            None => {
                self.table
                    .insert_unique(hash, (key.into(), vec![rule]), |(k, _)| key_hash(seeds, k));
            }
        }
    }

    /// The rules under `key`.
    #[inline]
    fn get(&self, key: &[u8]) -> Option<&[PortRule]> {
        let hash = key_hash(self.seeds, key);
        self.table
            .find(hash, |(k, _)| bytes_eq(k, key))
            .map(|(_, rules)| rules.as_slice())
    }

    fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

/// `http` → 1, `https` → 2, any other scheme → 0: what [`OriginMatcher::quick`]
/// compares instead of the scheme's bytes.
fn web_scheme(scheme: &[u8]) -> u8 {
    match scheme {
        b"http" => 1,
        b"https" => 2,
        _ => 0,
    }
}

/// [`rules_match`] for an `http` (`web` 1) or `https` (`web` 2) origin.
#[inline(always)]
fn web_rules_match(rules: &[PortRule], web: u8, origin: &OriginParts<'_>) -> Option<u32> {
    rules
        .iter()
        .find(|r| r.web == web && r.ports.admits(origin.scheme, origin.port))
        .map(|r| r.pattern)
}

#[inline]
fn rules_match(rules: &[PortRule], origin: &OriginParts<'_>) -> Option<u32> {
    rules
        .iter()
        .find(|r| bytes_eq(&r.scheme, origin.scheme) && r.ports.admits(origin.scheme, origin.port))
        .map(|r| r.pattern)
}

/// All regex patterns in one dense DFA.
#[derive(Clone, Debug)]
struct RegexSet {
    dfa: dense::DFA<Vec<u32>>,
    /// DFA pattern id → index in `origins`.
    patterns: Vec<u32>,
}

/// What [`OriginMatcher::find_slow`] found.
#[derive(Clone, Copy, Debug)]
enum Slow {
    /// The pattern with this id admits the (well-formed, ASCII) origin.
    Pattern(u32),
    /// `null`, admitted by the pattern with this id.
    Null(u32),
    NotAllowed,
    Malformed,
}

/// The result of matching an origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OriginMatch<'a> {
    /// The policy is `*`.
    Any,
    /// The pattern with this id (its position in `origins`) admits the origin, given
    /// back as text (equal byte for byte to the request's value).
    Pattern(u32, &'a str),
    /// As `Pattern`, for an exact origin whose entry is written exactly as this text.
    Verbatim(u32, &'a str),
    /// Well formed, but no pattern admits it.
    NotAllowed,
    /// Not a serialized origin a browser would send.
    Malformed,
}

/// The compiled origin patterns of a policy.
#[derive(Clone, Debug, Default)]
pub struct OriginMatcher {
    any: bool,
    null: Option<u32>,
    exact: ExactSet,
    hosts: RuleMap,
    subdomains: RuleMap,
    /// Bit `n` set when some base domain is `n` bytes long (all are ≤ 255).
    base_lengths: [u64; 4],
    /// Boxed: the DFA is about a kilobyte inline, and most policies have no regex (a
    /// policy set holds one matcher per tenant).
    regex: Option<Box<RegexSet>>,
    /// The wildcard base lengths for [`OriginMatcher::quick`], longest first; `None`
    /// when that path is off (more than [`QUICK_LENGTHS`] lengths, a regex, or a base
    /// whose last label is a number).
    quick: Option<QuickLengths>,
    /// Some base's last label is a number (never, from `pattern::parse`): the quick
    /// path's reasoning does not hold for it.
    numeric_base: bool,
}

/// The most distinct wildcard base lengths [`OriginMatcher::quick`] tries one by one.
const QUICK_LENGTHS: usize = 6;

/// The distinct wildcard base lengths, longest first.
#[derive(Clone, Copy, Debug, Default)]
struct QuickLengths {
    lens: [u8; QUICK_LENGTHS],
    n: u8,
}

impl QuickLengths {
    fn as_slice(&self) -> &[u8] {
        self.lens.get(..usize::from(self.n)).unwrap_or(&[])
    }
}

/// What [`OriginMatcher::quick`] decided.
#[derive(Clone, Copy, Debug)]
enum Quick {
    /// A wildcard pattern admits the origin, which is canonical.
    Pattern(u32),
    /// No pattern admits the origin (checked canonical when asked to).
    NotAllowed,
    /// Not decided: the full parse decides.
    Unknown,
}

/// Builds an [`OriginMatcher`] one pattern at a time, so that a policy's patterns need
/// not all be held at once.
#[derive(Debug)]
pub struct MatcherBuilder {
    m: OriginMatcher,
    regexes: Vec<String>,
    regex_ids: Vec<u32>,
}

impl MatcherBuilder {
    /// A builder whose exact-origin table has room for `exact_keys` keys of
    /// `exact_bytes` bytes in all (upper bounds are fine: they only size the table).
    pub fn with_capacity(exact_keys: usize, exact_bytes: usize) -> Self {
        MatcherBuilder {
            m: OriginMatcher {
                exact: ExactSet::with_capacity(exact_keys, exact_bytes),
                ..OriginMatcher::default()
            },
            regexes: Vec::new(),
            regex_ids: Vec::new(),
        }
    }

    /// Adds a pattern under `id` (the entry's position in `origins`, which a match
    /// reports). `verbatim`: an exact origin written exactly as its canonical form, which
    /// a match then reports as [`OriginMatch::Verbatim`]. Returns `false`, adding
    /// nothing, for an exact origin already added.
    pub fn add(&mut self, id: u32, kind: &PatternKind, verbatim: bool) -> bool {
        let m = &mut self.m;
        match kind {
            PatternKind::Any => m.any = true,
            PatternKind::Null => m.null = m.null.or(Some(id)),
            PatternKind::Exact(s) => return m.exact.insert(s, id, verbatim),
            PatternKind::Host {
                scheme,
                host,
                ports,
            } => {
                m.hosts.push(host, scheme, ports, id);
            }
            PatternKind::Subdomains {
                scheme,
                base,
                ports,
            } => {
                let n = base.len().min(255);
                m.base_lengths[n / 64] |= 1 << (n % 64);
                let b = base.as_bytes();
                let body = b.strip_suffix(b".").unwrap_or(b);
                let last = body.rsplit(|&c| c == b'.').next().unwrap_or(body);
                m.numeric_base |= syntax::ends_in_number(last);
                m.subdomains.push(base, scheme, ports, id);
            }
            PatternKind::Regex(r) => {
                self.regexes.push(format!("^(?:{r})$"));
                self.regex_ids.push(id);
            }
        }
        true
    }

    /// Adds the exact origin `key` (canonical) under `id`, as [`MatcherBuilder::add`]
    /// does for [`PatternKind::Exact`], without a [`PatternKind`] to build.
    pub fn add_exact(&mut self, id: u32, key: &str, verbatim: bool) -> bool {
        self.m.exact.insert(key, id, verbatim)
    }

    /// Compiles the regexes into one DFA. Fails only when the automaton exceeds its
    /// limits.
    pub fn finish(self) -> Result<OriginMatcher, String> {
        let MatcherBuilder {
            mut m,
            regexes,
            regex_ids,
        } = self;
        if !regexes.is_empty() {
            let dfa = dfa_builder()
                .configure(dfa_config())
                .build_many(&regexes)
                .map_err(|e| match std::error::Error::source(&e) {
                    Some(cause) => format!("{e}: {cause}"),
                    None => e.to_string(),
                })?;
            m.regex = Some(Box::new(RegexSet {
                dfa,
                patterns: regex_ids,
            }));
        }
        m.quick = m.quick_lengths();
        Ok(m)
    }
}

impl OriginMatcher {
    /// Compiles `patterns`, each under its `index`. Fails only when the regex automaton
    /// exceeds its limits.
    #[cfg(test)]
    pub fn build(patterns: &[Pattern]) -> Result<OriginMatcher, String> {
        let (keys, bytes) = patterns
            .iter()
            .filter_map(|p| match &p.kind {
                PatternKind::Exact(s) => Some(s.len()),
                _ => None,
            })
            .fold((0, 0), |(n, b), len| (n + 1, b + len));
        let mut b = MatcherBuilder::with_capacity(keys, bytes);
        for p in patterns {
            let id = u32::try_from(p.index).expect("test patterns are few");
            b.add(id, &p.kind, false);
        }
        b.finish()
    }

    /// Matches a request's `Origin` value.
    ///
    /// Cost: values over [`MAX_ORIGIN_LEN`] bytes are malformed unread; one hash probe
    /// for exact origins; then, only for origins not found there, one strict parse that
    /// also finds the host's dots, one probe per dot whose suffix length some wildcard
    /// base has, and one DFA pass.
    #[inline]
    pub fn find<'a>(&'a self, origin: &'a [u8]) -> OriginMatch<'a> {
        self.find_in::<true, true>(origin)
    }

    /// [`OriginMatcher::find`], except that an origin no pattern admits may come back
    /// as [`OriginMatch::NotAllowed`] without having been checked well formed (the
    /// quick path's check, ~150 instructions on a 26-byte host, is skipped): tell the
    /// two apart later, only when asked, with [`OriginMatcher::unmatched_is_malformed`].
    /// `Malformed`, `Pattern`, `Verbatim` and `Any` are as `find`'s.
    ///
    /// Cost: [`OriginMatcher::allows`]'s, plus the origin as text on a pattern hit.
    #[inline]
    pub fn find_unchecked<'a>(&'a self, origin: &'a [u8]) -> OriginMatch<'a> {
        self.find_in::<true, false>(origin)
    }

    /// For an origin that [`OriginMatcher::find_unchecked`] gave back as `NotAllowed`:
    /// whether [`OriginMatcher::find`] says `Malformed` (else `NotAllowed`). Cost: one
    /// strict parse of the origin.
    pub fn unmatched_is_malformed(origin: &[u8]) -> bool {
        origin.len() > MAX_ORIGIN_LEN
            || (origin != b"null" && syntax::parse_origin(origin).is_none())
    }

    /// [`OriginMatcher::find`], with the quick path (`QUICK`) or without it (the
    /// reference its tests compare with); without `CHECK`, as
    /// [`OriginMatcher::find_unchecked`].
    #[inline(always)]
    fn find_in<'a, const QUICK: bool, const CHECK: bool>(
        &'a self,
        origin: &'a [u8],
    ) -> OriginMatch<'a> {
        if self.any {
            return OriginMatch::Any;
        }
        if origin.len() > MAX_ORIGIN_LEN {
            return OriginMatch::Malformed;
        }
        if let Some((id, text, verbatim)) = self.exact.get(origin) {
            return if verbatim {
                OriginMatch::Verbatim(id, text)
            } else {
                OriginMatch::Pattern(id, text)
            };
        }
        let quick = if QUICK && self.quick.is_some() {
            self.quick::<CHECK>(origin)
        } else {
            Quick::Unknown
        };
        let slow = match quick {
            Quick::Pattern(id) => Slow::Pattern(id),
            Quick::NotAllowed => Slow::NotAllowed,
            Quick::Unknown => self.find_slow(origin),
        };
        match slow {
            Slow::Pattern(id) => match std::str::from_utf8(origin) {
                // `parse_origin` accepts ASCII only, so this never fails.
                Ok(text) => OriginMatch::Pattern(id, text),
                Err(_) => OriginMatch::Malformed,
            },
            Slow::Null(id) => OriginMatch::Pattern(id, "null"),
            Slow::NotAllowed => OriginMatch::NotAllowed,
            Slow::Malformed => OriginMatch::Malformed,
        }
    }

    /// Whether [`OriginMatcher::find`] would allow `origin` (`Any`, `Pattern` or
    /// `Verbatim`), without handing back the origin as text.
    #[inline]
    pub fn allows(&self, origin: &[u8]) -> bool {
        if self.any {
            return true;
        }
        if origin.len() > MAX_ORIGIN_LEN {
            return false;
        }
        if self.exact.get(origin).is_some() {
            return true;
        }
        if self.quick.is_none() {
            return matches!(self.find_slow(origin), Slow::Pattern(_) | Slow::Null(_));
        }
        match self.quick::<false>(origin) {
            Quick::Pattern(_) => true,
            Quick::NotAllowed => false,
            Quick::Unknown => matches!(self.find_slow(origin), Slow::Pattern(_) | Slow::Null(_)),
        }
    }

    /// The lengths [`OriginMatcher::quick`] tries, or `None` to leave every origin to
    /// [`OriginMatcher::find_slow`].
    fn quick_lengths(&self) -> Option<QuickLengths> {
        // With regexes, every origin no wildcard admits is parsed anyway (the DFA needs
        // a well-formed origin): the quick path would only add to it.
        if self.numeric_base || self.regex.is_some() {
            return None;
        }
        let mut q = QuickLengths::default();
        for n in (0..256).rev() {
            if self.base_lengths[n / 64] & (1 << (n % 64)) != 0 {
                *q.lens.get_mut(usize::from(q.n))? = u8::try_from(n).ok()?;
                q.n += 1;
            }
        }
        Some(q)
    }

    /// The wildcard patterns of an `http(s)` origin with a domain host, without parsing
    /// it first: the port is read from the end, then for each base length (longest
    /// first) whose suffix of the host follows a dot, one probe; only on a hit are the
    /// labels before the base checked (the base's own bytes are canonical). With
    /// `CHECK`, an origin no pattern admits is checked canonical before it is
    /// [`Quick::NotAllowed`] (else it is [`Quick::Unknown`]); without it, it is
    /// `NotAllowed` unchecked, which only [`OriginMatcher::allows`] may use (a malformed
    /// origin is not allowed either).
    ///
    /// Decides exactly as [`OriginMatcher::find_slow`] where it decides: when the value
    /// is canonical, the split host and port are the parse's, and the probes are
    /// `find_subdomain`'s; host patterns and regexes leave the decision to it.
    ///
    /// Cost: about 10 instructions, plus 5 per base length, plus a probe per length
    /// whose suffix follows a dot, plus (on a hit, or with `CHECK`) about 30 per 8
    /// bytes checked.
    #[inline]
    fn quick<const CHECK: bool>(&self, origin: &[u8]) -> Quick {
        let Some(lens) = &self.quick else {
            return Quick::Unknown;
        };
        let (scheme, web, start, default) = if origin.starts_with(b"https://") {
            (&b"https"[..], 2, 8, 443)
        } else if origin.starts_with(b"http://") {
            (&b"http"[..], 1, 7, 80)
        } else {
            return Quick::Unknown;
        };
        let Some((host, port)) = origin
            .get(start..)
            .and_then(|rest| syntax::split_port(rest, default))
        else {
            return Quick::Unknown;
        };
        if !self.hosts.is_empty() && self.hosts.get(host).is_some() {
            return Quick::Unknown;
        }
        let parts = OriginParts { scheme, host, port };
        let hl = host.len();
        for &n in lens.as_slice() {
            // The dot before the suffix of `n` bytes; never the first byte (the first
            // label is never a base).
            let dot = match hl.checked_sub(usize::from(n) + 1) {
                Some(d) if d > 0 => d,
                _ => continue,
            };
            if host.get(dot) != Some(&b'.') {
                continue;
            }
            let Some(id) = host
                .get(dot + 1..)
                .and_then(|suffix| self.subdomains.get(suffix))
                .and_then(|rules| web_rules_match(rules, web, &parts))
            else {
                continue;
            };
            // The base is a canonical domain; the labels before it must be too, and
            // the whole host at most 253 bytes (plus a trailing dot).
            let labels = dot < 64
                && syntax::short_host_dots(origin, start, start + dot)
                    .is_some_and(|d| syntax::dotted_labels(d, dot));
            let body = hl - usize::from(host.last() == Some(&b'.'));
            return if labels && body <= 253 {
                Quick::Pattern(id)
            } else {
                Quick::Unknown
            };
        }
        if self.regex.is_some() {
            return Quick::Unknown;
        }
        if CHECK && !(hl < 64 && syntax::short_domain_ok(origin, start, start + hl)) {
            return Quick::Unknown;
        }
        Quick::NotAllowed
    }

    /// Everything after the exact-origin probe, kept out of line so that the hot path
    /// stays small.
    #[inline(never)]
    fn find_slow(&self, origin: &[u8]) -> Slow {
        if origin == b"null" {
            return match self.null {
                Some(id) => Slow::Null(id),
                None => Slow::NotAllowed,
            };
        }
        let Some((parts, dots)) = syntax::parse_origin_dots(origin) else {
            return Slow::Malformed;
        };
        if !self.hosts.is_empty()
            && let Some(rules) = self.hosts.get(parts.host)
            && let Some(id) = rules_match(rules, &parts)
        {
            return Slow::Pattern(id);
        }
        if !self.subdomains.is_empty()
            && let Some(id) = self.find_subdomain(&parts, dots)
        {
            return Slow::Pattern(id);
        }
        if let Some(set) = &self.regex {
            let input = Input::new(origin).anchored(Anchored::Yes);
            if let Ok(Some(hm)) = set.dfa.try_search_fwd(&input)
                && hm.offset() == origin.len()
                && let Some(&id) = set.patterns.get(hm.pattern().as_usize())
            {
                return Slow::Pattern(id);
            }
        }
        Slow::NotAllowed
    }

    /// The first wildcard base that the host is below, longest first.
    #[inline]
    fn find_subdomain(&self, parts: &OriginParts<'_>, dots: HostDots) -> Option<u32> {
        let host = parts.host;
        if host.first() == Some(&b'[') {
            return None;
        }
        // Each suffix after a dot, longest first; the first label is never a base,
        // so the apex itself is never admitted. Only lengths some base has are probed.
        let probe = |dot: usize| {
            let suffix = host.get(dot + 1..).unwrap_or(&[]);
            let n = suffix.len();
            if n < 256 && self.base_lengths[n / 64] & (1 << (n % 64)) != 0 {
                self.subdomains
                    .get(suffix)
                    .and_then(|rules| rules_match(rules, parts))
            } else {
                None
            }
        };
        if let Some(mut d) = dots.short(host.len()) {
            while d != 0 {
                let dot = d.trailing_zeros() as usize;
                d &= d - 1;
                if let Some(id) = probe(dot) {
                    return Some(id);
                }
            }
            return None;
        }
        dots.positions().find_map(probe)
    }

    /// Number of exact origins.
    pub fn exact_len(&self) -> usize {
        self.exact.len()
    }

    /// The exact origins written verbatim, as `(id, text)`.
    pub fn verbatim_exact(&self) -> impl Iterator<Item = (u32, &str)> {
        self.exact.verbatim_keys()
    }

    /// Approximate heap bytes of the exact-origin table.
    pub fn exact_heap_bytes(&self) -> usize {
        self.exact.heap_bytes()
    }

    /// Whether the policy is `*`.
    pub fn is_any(&self) -> bool {
        self.any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern;

    fn matcher(srcs: &[&str]) -> OriginMatcher {
        let mut d = Vec::new();
        let pats: Vec<Pattern> = srcs
            .iter()
            .enumerate()
            .map(|(i, s)| pattern::parse(i, s, &mut d).unwrap())
            .collect();
        OriginMatcher::build(&pats).unwrap()
    }

    /// `find` and `allows` (with the quick path) decide exactly as the full parse, on
    /// origins near every boundary the quick path reads: the port read from the end,
    /// the dot before each base, the labels before it, host lengths, odd bytes.
    #[test]
    fn the_quick_path_is_the_slow_path() {
        let wild = [
            "https://*.partner99.org",
            "https://*.b.com:[8443]",
            "http://*.x.io:*",
            "https://*.t.example.",
            "https://*.a.1b",
            "https://exact.com",
        ];
        let mut many = wild.to_vec();
        many.extend([
            "https://*.c5.com",
            "https://*.d66.com",
            "https://*.e777.com",
        ]);
        let mut hosts = wild.to_vec();
        hosts.push("https://h.partner99.org:[1-100]");
        let mut regex = wild.to_vec();
        regex.push("~^https://[a-z]+\\.r\\.com$");
        let policies: [&[&str]; 6] = [
            &wild,
            &many,
            &hosts,
            &regex,
            &["https://exact.com", "null"],
            &["http://*.a.b", "https://*.a.b"],
        ];
        let label63 = "q".repeat(63);
        let mut seeds: Vec<String> = [
            "https://api.eu.partner99.org",
            "https://partner99.org",
            "https://.partner99.org",
            "https://a.b.com:8443",
            "https://a.b.com",
            "http://q.x.io:1",
            "http://q.x.io:65535",
            "https://a.t.example.",
            "https://a.t.example",
            "https://x.a.1b",
            "https://exact.com",
            "https://h.partner99.org:50",
            "https://z.r.com",
            "http://1.2.3.4",
            "http://1.2.3.4.a.b",
            "https://[::1]:8443",
            "null",
            "ws://a.partner99.org",
            "https://x.c5.com",
            "https://x.d66.com:443",
            "http://a.a.b:80",
            "https://a.a.b:12345",
        ]
        .map(String::from)
        .to_vec();
        for n in [40, 48, 49, 50, 51, 62, 63, 64, 70] {
            seeds.push(format!("https://{}.partner99.org", "p".repeat(n)));
        }
        seeds.push(format!(
            "https://{label63}.{label63}.{label63}.{}.a.b",
            "r".repeat(58)
        ));
        seeds.push(format!(
            "https://{label63}.{label63}.{label63}.{}.a.b",
            "r".repeat(59)
        ));
        seeds.push(format!(
            "https://{label63}.{label63}.{label63}.{}.a.b.",
            "r".repeat(57)
        ));
        let odd = [
            b'.', b':', b'/', b'A', b'_', b'-', b'0', b'9', b'[', b']', b' ', 0, 0xc3, b'z',
        ];
        let mut origins: Vec<Vec<u8>> = Vec::new();
        for seed in &seeds {
            let b = seed.as_bytes();
            origins.push(b.to_vec());
            for i in 0..b.len() {
                for &o in &odd {
                    let mut m = b.to_vec();
                    m[i] = o;
                    origins.push(m.clone());
                    m[i] = b[i];
                    m.insert(i, o);
                    origins.push(m);
                }
                origins.push(b[..i].to_vec());
                let mut m = b.to_vec();
                m.remove(i);
                origins.push(m);
            }
            for port in [
                ":1", ":80", ":443", ":8443", ":65535", ":65536", ":0", ":", ":08", ":123456",
                "::1", ":1:2",
            ] {
                origins.push(format!("{seed}{port}").into_bytes());
            }
        }
        for srcs in policies {
            let m = matcher(srcs);
            for o in &origins {
                let want = m.find_in::<false, true>(o);
                assert_eq!(m.find(o), want, "{srcs:?} {}", String::from_utf8_lossy(o));
                // Unchecked: the same, once an unmatched origin is resolved.
                let lazy = match m.find_unchecked(o) {
                    OriginMatch::NotAllowed if OriginMatcher::unmatched_is_malformed(o) => {
                        OriginMatch::Malformed
                    }
                    other => other,
                };
                assert_eq!(lazy, want, "{srcs:?} {}", String::from_utf8_lossy(o));
                let allowed = matches!(
                    want,
                    OriginMatch::Any | OriginMatch::Pattern(..) | OriginMatch::Verbatim(..)
                );
                assert_eq!(
                    m.allows(o),
                    allowed,
                    "{srcs:?} {}",
                    String::from_utf8_lossy(o)
                );
            }
        }
    }

    #[test]
    fn exact_set_round_trips() {
        let mut s = ExactSet::default();
        for i in 0..1000u32 {
            s.insert(&format!("https://h{i}.example.com"), i, i % 2 == 0);
        }
        assert!(!s.insert("https://h5.example.com", 99, true));
        assert_eq!(s.len(), 1000);
        assert_eq!(
            s.get(b"https://h5.example.com"),
            Some((5, "https://h5.example.com", false))
        );
        assert_eq!(s.get(b"https://h5.example.co"), None);
    }

    #[test]
    fn label_boundaries_hold() {
        let m = matcher(&["https://foo.com", "https://bar.com", "https://*.baz.com"]);
        assert_eq!(m.find(b"https://barfoo.com"), OriginMatch::NotAllowed);
        assert_eq!(m.find(b"https://xbaz.com"), OriginMatch::NotAllowed);
        assert_eq!(m.find(b"https://baz.com"), OriginMatch::NotAllowed);
        assert_eq!(
            m.find(b"https://a.b.baz.com"),
            OriginMatch::Pattern(2, "https://a.b.baz.com")
        );
        assert_eq!(
            m.find(b"https://foo.com"),
            OriginMatch::Pattern(0, "https://foo.com")
        );
        assert_eq!(m.find(b"https://foo.com/"), OriginMatch::Malformed);
    }

    #[test]
    fn ports_and_regexes() {
        let m = matcher(&[
            "https://a.com:[443,8443]",
            "http://localhost:*",
            "~^https://pr-[0-9]+\\.preview\\.example\\.com$",
        ]);
        assert_eq!(
            m.find(b"https://a.com"),
            OriginMatch::Pattern(0, "https://a.com")
        );
        assert_eq!(
            m.find(b"https://a.com:8443"),
            OriginMatch::Pattern(0, "https://a.com:8443")
        );
        assert_eq!(m.find(b"https://a.com:9443"), OriginMatch::NotAllowed);
        assert_eq!(
            m.find(b"http://localhost"),
            OriginMatch::Pattern(1, "http://localhost")
        );
        assert_eq!(
            m.find(b"http://localhost:1"),
            OriginMatch::Pattern(1, "http://localhost:1")
        );
        assert_eq!(m.find(b"https://localhost:1"), OriginMatch::NotAllowed);
        assert_eq!(
            m.find(b"https://pr-12.preview.example.com"),
            OriginMatch::Pattern(2, "https://pr-12.preview.example.com")
        );
        assert_eq!(
            m.find(b"https://pr-12.preview.example.com.evil"),
            OriginMatch::NotAllowed
        );
    }
}
