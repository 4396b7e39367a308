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
    // Most origins are 17 to 31 bytes: one 16-byte pair, then the last 16 (the general
    // path below computes the same, through more branches).
    if key.len() < 32
        && let (Some(first), Some(last)) = (key.first_chunk::<16>(), key.last_chunk::<16>())
    {
        let (a, b) = first.split_at(8);
        let (c, d) = last.split_at(8);
        if let (Some(a), Some(b), Some(c), Some(d)) = (
            a.first_chunk::<8>(),
            b.first_chunk::<8>(),
            c.first_chunk::<8>(),
            d.first_chunk::<8>(),
        ) {
            acc = fold(word(a) ^ acc, word(b) ^ s1);
            return fold(word(c) ^ acc, word(d) ^ s1);
        }
    }
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

/// `a == b`, compared 16 (or 8) bytes at a time inline (keys are short: a `memcmp`
/// call cost more than the comparison).
#[inline(always)]
pub(crate) fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    // From 16 bytes: the last 16, then 16 at a time from the start (two compares up to
    // 32 bytes).
    if let (Some(x), Some(y)) = (a.last_chunk::<16>(), b.last_chunk::<16>()) {
        return x == y
            && a.as_chunks::<16>()
                .0
                .iter()
                .zip(b.as_chunks::<16>().0)
                .all(|(x, y)| x == y);
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

/// `a == b` for `a` and `b` of equal lengths: two 16-byte compares inline for 16 to 32
/// bytes (most origins), [`bytes_eq`] out of line otherwise, so that nothing of its
/// loops is set up on [`ExactSet::get`]'s path.
#[inline(always)]
fn key_eq(a: &[u8], b: &[u8]) -> bool {
    match (
        a.first_chunk::<16>(),
        a.last_chunk::<16>(),
        b.first_chunk::<16>(),
        b.last_chunk::<16>(),
    ) {
        (Some(a0), Some(a1), Some(b0), Some(b1)) if a.len() <= 32 => a0 == b0 && a1 == b1,
        _ => long_key_eq(a, b),
    }
}

/// [`bytes_eq`], out of line for [`key_eq`].
#[cold]
#[inline(never)]
fn long_key_eq(a: &[u8], b: &[u8]) -> bool {
    bytes_eq(a, b)
}

/// A set of byte strings, each mapped to a pattern index and a `verbatim` flag (the
/// policy entry was written exactly as its key).
///
/// Invariant: every `(off, len & LEN_MASK)` slot lies inside `arena`.
#[derive(Clone, Debug, Default)]
pub struct ExactSet {
    table: HashTable<Slot>,
    /// Bit [`shape`] of every key: a key whose bit is clear is not in the set.
    shapes: u64,
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
        // In `usize`: no overflow to check.
        self.off as usize..self.off as usize + (self.len & LEN_MASK) as usize
    }
}

impl ExactSet {
    /// An empty set with room for `keys` keys of `bytes` bytes in all, so that building
    /// it never rehashes or regrows (and wastes no capacity: about 13 bytes of table per
    /// key at a load of 1/2 to 7/8, plus the key itself).
    pub fn with_capacity(keys: usize, bytes: usize) -> Self {
        ExactSet {
            table: HashTable::with_capacity(keys),
            shapes: 0,
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
        self.shapes |= 1 << shape(key.as_bytes());
        let (arena, seeds) = (self.arena.as_bytes(), self.seeds);
        self.table.insert_unique(hash, slot, |s| {
            key_hash(seeds, arena.get(s.range()).unwrap_or(&[]))
        });
        true
    }

    /// The pattern index stored for `key`, the stored key itself as text, and whether
    /// the entry was written verbatim. Always inlined: out of line, its answer went
    /// through memory (`evaluate`'s exact hit, ~10 instructions of ~270).
    ///
    /// A key whose [`shape`] no key has (every key, in an empty set) is a miss without
    /// a hash or probe ([`ExactSet::may_hold`]).
    #[inline(always)]
    pub fn get(&self, key: &[u8]) -> Option<(u32, &str, bool)> {
        if !self.may_hold(key) {
            return None;
        }
        let hash = key_hash(self.seeds, key);
        let arena = self.arena.as_bytes();
        // The length first: most other keys in the probed group differ in it.
        let s = self.table.find(hash, |s| {
            (s.len & LEN_MASK) as usize == key.len()
                && arena.get(s.range()).is_some_and(|k| key_eq(k, key))
        })?;
        // Keys are whole `str`s laid end to end, so their bounds are char boundaries.
        let text = self.arena.get(s.range()).unwrap_or("");
        Some((s.pattern, text, s.len & VERBATIM != 0))
    }

    /// Whether the set may hold `key`: `false` when no key has its [`shape`] (then
    /// `get` is `None`), so that a miss skips the hash and the probe (about 50
    /// instructions) for about 7.
    #[inline(always)]
    pub fn may_hold(&self, key: &[u8]) -> bool {
        self.shapes >> shape(key) & 1 != 0
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

    /// Heap bytes used (table slots, control bytes and the arena).
    pub fn heap_bytes(&self) -> usize {
        self.table.capacity() * (std::mem::size_of::<Slot>() + 1) + self.arena.capacity()
    }
}

/// A key's shape, 0 to 63: its length and last byte, mixed (`len * 7 + last`, mod
/// 64). Origins under one policy's exact entries share few shapes (a few lengths, the
/// last letters of a few top-level domains), and a request the exact table does not
/// hold (a wildcard's subdomain, a near miss) mostly has another one. A filter only:
/// keys of a shape in [`ExactSet::shapes`] are probed as before, so a policy whose
/// exact origins cover every shape pays the 7 instructions for nothing.
#[inline(always)]
fn shape(key: &[u8]) -> u32 {
    let last = key.last().copied().unwrap_or(0);
    (key.len() as u32)
        .wrapping_mul(7)
        .wrapping_add(u32::from(last))
        & 63
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

/// How many more random seeds [`Bases::pick_seeds`] tries.
const SEED_TRIES: usize = 8;

/// No pattern: the "none" of [`BaseSlot::no_port`].
const NO_PATTERN: u32 = u32::MAX;

/// The wildcard base domains: an open-addressing table of [`BaseSlot`]s, probed
/// linearly, over the bases' rules ([`Base`]).
///
/// A slot holds what a probe compares (the base's first and last 8 bytes, its length
/// and its hash's high bits) and what an origin without a port is matched with, so that
/// the quick path of [`OriginMatcher::allows`] reads no other memory for a base of at
/// most 16 bytes. The table is at most half full (a probe always reaches an empty
/// slot), and its length is 0 or a power of two.
#[derive(Clone, Debug, Default)]
struct Bases {
    slots: Vec<BaseSlot>,
    entries: Vec<Base>,
    /// Every base, back to back.
    arena: Vec<u8>,
    seeds: Seeds,
}

/// One slot of [`Bases`]; empty when `entry` is 0.
#[derive(Clone, Copy, Debug, Default)]
struct BaseSlot {
    /// [`base_words`] of the base.
    head: u64,
    tail: u64,
    /// For `http` and `https`: the first rule of the base that admits an origin of that
    /// scheme without a port, or [`NO_PATTERN`].
    no_port: [u32; 2],
    /// The base's length.
    len: u32,
    /// The base's index in [`Bases::entries`], plus 1.
    entry: u32,
}

/// One wildcard base domain and its rules, in policy order.
///
/// Invariant: `off..off + len` lies inside [`Bases::arena`].
#[derive(Clone, Debug)]
struct Base {
    off: u32,
    len: u32,
    rules: Vec<PortRule>,
}

/// The words a [`BaseSlot`] compares: the first and the last 8 bytes of `key`, little
/// endian; a key under 8 bytes is both, zero-extended.
#[inline(always)]
fn base_words(key: &[u8]) -> (u64, u64) {
    match (key.first_chunk::<8>(), key.last_chunk::<8>()) {
        (Some(a), Some(b)) => (word(a), word(b)),
        _ => {
            let w = key.iter().rev().fold(0u64, |w, &b| (w << 8) | u64::from(b));
            (w, w)
        }
    }
}

/// [`base_words`] of a key under 8 bytes, out of line: such bases are rare, and the
/// loop would take registers from [`OriginMatcher::quick`]'s.
#[cold]
#[inline(never)]
fn short_words(key: &[u8]) -> (u64, u64) {
    base_words(key)
}

/// Whether the `dot` bytes of host at `b[start..]` before a wildcard base (more than
/// 16) are labels separated by single dots ([`syntax::short_host_dots`] and
/// [`syntax::dotted_labels`], for under 64 bytes), out of line for the same reason.
#[cold]
#[inline(never)]
fn long_labels(b: &[u8], start: usize, dot: usize) -> bool {
    dot < 64
        && syntax::short_host_dots(b, start, start + dot)
            .is_some_and(|d| syntax::dotted_labels(d, dot))
}

/// The hash of a base of `n` bytes whose [`base_words`] are `head` and `tail`: one
/// folded multiply up to 16 bytes (the words are the whole key), else [`key_hash`].
#[inline(always)]
fn base_hash(seeds: Seeds, head: u64, tail: u64, key: &[u8]) -> u64 {
    let [s0, s1] = seeds.0;
    if key.len() <= 16 {
        fold(head ^ s0.rotate_right(key.len() as u32), tail ^ s1)
    } else {
        key_hash(seeds, key)
    }
}

/// Where the probe of a base of hash `hash` starts (before masking): the hash's high
/// half. Its low bits are a poor index for bases that differ only in a few bytes (the
/// low bits of a multiply depend only on its factors' low bits, and the
/// high half folded into them did not make up for it: `partner0.org` … `partner99.org`
/// probed up to 7 slots per lookup under some seeds); the high half depends on every
/// byte. One shift.
#[inline(always)]
fn base_index(hash: u64) -> usize {
    (hash >> 32) as usize
}

impl Bases {
    /// Appends the rule `scheme` + `ports` → `id` under the base domain `key`.
    fn push(&mut self, key: &str, scheme: &str, ports: &PortSpec, id: u32) {
        let key = key.as_bytes();
        let web = web_scheme(scheme.as_bytes());
        let no_port = web != 0 && ports.admits(scheme.as_bytes(), None);
        let at = match self.slot(key) {
            Some(at) => at,
            None => self.insert(key),
        };
        let Some(slot) = self.slots.get_mut(at) else {
            return;
        };
        if no_port
            && let Some(first) = slot.no_port.get_mut(usize::from(web) - 1)
            && *first == NO_PATTERN
        {
            *first = id;
        }
        let Some(base) = self.entries.get_mut(slot.entry as usize - 1) else {
            return;
        };
        base.rules.push(PortRule {
            scheme: scheme.as_bytes().into(),
            web,
            ports: ports.clone(),
            pattern: id,
        });
    }

    /// Adds `key` (not there yet) with no rules; returns its slot.
    fn insert(&mut self, key: &[u8]) -> usize {
        let (Ok(off), Ok(len)) = (u32::try_from(self.arena.len()), u32::try_from(key.len())) else {
            // Compile bounds the number and size of patterns far below this.
            return usize::MAX;
        };
        self.arena.extend_from_slice(key);
        self.entries.push(Base {
            off,
            len,
            rules: Vec::new(),
        });
        if self.slots.len() < 2 * self.entries.len() {
            let old = std::mem::replace(
                &mut self.slots,
                vec![BaseSlot::default(); (2 * self.entries.len()).next_power_of_two().max(8)],
            );
            for s in old.into_iter().filter(|s| s.entry != 0) {
                let key = self.key(s.entry as usize - 1);
                let hash = base_hash(self.seeds, s.head, s.tail, key);
                self.place(hash, s);
            }
        }
        let (head, tail) = base_words(key);
        let hash = base_hash(self.seeds, head, tail, key);
        self.place(
            hash,
            BaseSlot {
                head,
                tail,
                no_port: [NO_PATTERN; 2],
                len,
                entry: self.entries.len() as u32,
            },
        )
    }

    /// Writes `slot` (of hash `hash`) into the first empty slot of its probe; returns
    /// where.
    fn place(&mut self, hash: u64, slot: BaseSlot) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = base_index(hash);
        // At most half full: an empty slot comes within `slots.len()` steps.
        for _ in 0..self.slots.len() {
            if let Some(s) = self.slots.get_mut(at & mask)
                && s.entry == 0
            {
                *s = slot;
                return at & mask;
            }
            at = at.wrapping_add(1);
        }
        usize::MAX
    }

    /// Redraws the seeds up to [`SEED_TRIES`] times and keeps the layout whose hits
    /// probe the fewest slots in all (the bases are known at compile time; the
    /// requests are not): a random seed gave 100 patterned bases anywhere from ~1.1 to
    /// ~1.4 slots per hit on average, which the wildcard verdict pays at ~13
    /// instructions a slot. The seeds stay random and secret (keyed hashing as before);
    /// only a lucky layout among random ones is kept. Cost: a table rebuild per try
    /// (tens of instructions per base), at compile time only.
    fn pick_seeds(&mut self) {
        if self.entries.len() < 2 {
            return;
        }
        let mut best = self.probe_total();
        for _ in 0..SEED_TRIES {
            if best == 0 {
                break;
            }
            let (old_seeds, old_slots) = (self.seeds, self.slots.clone());
            self.seeds = Seeds::default();
            self.slots.iter_mut().for_each(|s| *s = BaseSlot::default());
            for s in old_slots.iter().filter(|s| s.entry != 0) {
                let key = self.key(s.entry as usize - 1);
                let hash = base_hash(self.seeds, s.head, s.tail, key);
                self.place(hash, *s);
            }
            let total = self.probe_total();
            if total < best {
                best = total;
            } else {
                (self.seeds, self.slots) = (old_seeds, old_slots);
            }
        }
    }

    /// The slots past the first that finding every base probes, in all.
    fn probe_total(&self) -> usize {
        let mask = self.slots.len().wrapping_sub(1);
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.entry != 0)
            .map(|(at, s)| {
                let key = self.key(s.entry as usize - 1);
                let home = base_index(base_hash(self.seeds, s.head, s.tail, key));
                at.wrapping_sub(home) & mask
            })
            .sum()
    }

    /// The bytes of entry `i`.
    fn key(&self, i: usize) -> &[u8] {
        self.entries
            .get(i)
            .and_then(|b| self.arena.get(b.off as usize..(b.off + b.len) as usize))
            .unwrap_or(&[])
    }

    /// The slot of the base `key`, if it is one.
    fn slot(&self, key: &[u8]) -> Option<usize> {
        let (head, tail) = base_words(key);
        let found = self.find(head, tail, key)?;
        self.slots.iter().position(|s| std::ptr::eq(s, found))
    }

    /// The rules of the base `key`, if it is one.
    #[inline]
    fn rules(&self, key: &[u8]) -> Option<&[PortRule]> {
        let (head, tail) = base_words(key);
        let slot = self.find(head, tail, key)?;
        self.entries
            .get((slot.entry as usize).wrapping_sub(1))
            .map(|b| b.rules.as_slice())
    }

    /// The slot of the base `key`, whose [`base_words`] are `head` and `tail`.
    ///
    /// Cost: [`base_hash`] (about 8 instructions up to 16 bytes), then about 10 per
    /// slot probed (one or two, at most half full); the base's bytes are read only past
    /// 16 bytes.
    #[inline(always)]
    fn find(&self, head: u64, tail: u64, key: &[u8]) -> Option<&BaseSlot> {
        let mask = self.slots.len().checked_sub(1)?;
        let hash = base_hash(self.seeds, head, tail, key);
        let mut at = base_index(hash);
        // At most half full: the loop ends at an empty slot long before this bound.
        for _ in 0..self.slots.len() {
            let s = self.slots.get(at & mask)?;
            if s.entry == 0 {
                return None;
            }
            // Up to 16 bytes, equal lengths and words are equal bytes.
            if s.len as usize == key.len()
                && s.head == head
                && s.tail == tail
                && (key.len() <= 16 || bytes_eq(self.key(s.entry as usize - 1), key))
            {
                return Some(s);
            }
            at = at.wrapping_add(1);
        }
        None
    }

    fn is_empty(&self) -> bool {
        self.entries.is_empty()
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
    /// back as text (equal byte for byte to the request's value), with the pattern's
    /// text as written when the matcher keeps it (every kind but an exact origin, whose
    /// entry the policy keeps: `None`).
    Pattern(u32, &'a str, Option<&'a str>),
    /// As `Pattern`, for an exact origin whose entry is written exactly as this text.
    Verbatim(u32, &'a str),
    /// As `Pattern`, from [`OriginMatcher::find_unchecked`] only: the origin matched
    /// a wildcard, host or regex pattern, so it is a serialized origin, all ASCII, and
    /// its text is the request's bytes, not made here (`str::from_utf8` of a 28-byte
    /// origin costs ~100 instructions); [`OriginMatch::text_of`] makes it when asked.
    /// With the pattern's text as written.
    Ascii(u32, &'a str),
    /// Well formed, but no pattern admits it.
    NotAllowed,
    /// Not a serialized origin a browser would send.
    Malformed,
}

impl<'a> OriginMatch<'a> {
    /// `self`, with an [`OriginMatch::Ascii`] hit on `origin` (the value it was found
    /// for) given its text: the `Pattern` that [`OriginMatcher::find`] returns. Cost:
    /// one `str::from_utf8` of the origin for `Ascii`, nothing otherwise.
    pub fn text_of(self, origin: &'a [u8]) -> OriginMatch<'a> {
        match self {
            OriginMatch::Ascii(id, source) => match std::str::from_utf8(origin) {
                Ok(text) => OriginMatch::Pattern(id, text, Some(source)),
                // Never: an `Ascii` origin passed the strict parse, which accepts
                // ASCII only.
                Err(_) => OriginMatch::Malformed,
            },
            other => other,
        }
    }
}

/// The compiled origin patterns of a policy.
#[derive(Clone, Debug, Default)]
pub struct OriginMatcher {
    any: bool,
    /// The `null` pattern's index in [`OriginMatcher::texts`].
    null: Option<u32>,
    /// The id and the text as written of every pattern held that is not an exact
    /// origin, in the order added. What the wildcard, host, regex and `null` structures
    /// hold is an index here (not the id), so that a hit hands back the pattern's text
    /// with one bounds-checked load (the policy's map of entry texts cost a hash probe,
    /// ~35 instructions, per hit).
    texts: Vec<(u32, Box<str>)>,
    exact: ExactSet,
    hosts: RuleMap,
    subdomains: Bases,
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

/// The distinct wildcard base lengths, longest first, then zeros (no base is empty).
#[derive(Clone, Copy, Debug, Default)]
struct QuickLengths([u8; QUICK_LENGTHS]);

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
    /// reports), written as `source`. `verbatim`: an exact origin written exactly as its
    /// canonical form, which a match then reports as [`OriginMatch::Verbatim`]. Returns
    /// `false`, adding nothing, for an exact origin already added. The matcher keeps
    /// `source` for every kind but `*` and an exact origin ([`OriginMatcher::texts`]).
    pub fn add(&mut self, id: u32, kind: &PatternKind, verbatim: bool, source: &str) -> bool {
        let m = &mut self.m;
        match kind {
            PatternKind::Any => {
                m.any = true;
                return true;
            }
            PatternKind::Exact(s) => return m.exact.insert(s, id, verbatim),
            _ => {}
        }
        // Compile bounds the number of patterns far below `u32::MAX`.
        let Ok(k) = u32::try_from(m.texts.len()) else {
            return false;
        };
        m.texts.push((id, source.into()));
        // From here on, `id` is the index in `texts`.
        let id = k;
        match kind {
            PatternKind::Any | PatternKind::Exact(_) => {}
            PatternKind::Null => m.null = m.null.or(Some(id)),
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
        m.subdomains.pick_seeds();
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
            b.add(id, &p.kind, false, &p.source);
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
    /// two apart later, only when asked, with [`OriginMatcher::unmatched_is_malformed`];
    /// and a wildcard, host or regex pattern's hit (`find`'s `Pattern(id, text)` with
    /// the request's bytes as text) comes back as [`OriginMatch::Ascii`]`(id)`, without
    /// the text ([`OriginMatch::text_of`] makes it). `Malformed`, `Verbatim`, `Any` and
    /// the `Pattern` of an exact origin or `null` are as `find`'s.
    ///
    /// Cost: [`OriginMatcher::allows`]'s, plus the id of the pattern on a hit.
    ///
    /// `evaluate` calls it in two halves, [`OriginMatcher::exact`] inlined and then
    /// [`OriginMatcher::find_unchecked_inexact`]; the whole is the tests' reference.
    #[cfg(test)]
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
                OriginMatch::Pattern(id, text, None)
            };
        }
        self.find_inexact::<QUICK, CHECK>(origin)
    }

    /// The exact origin `origin` (at most [`MAX_ORIGIN_LEN`] bytes): its pattern id,
    /// its text (the table's key, equal byte for byte to `origin`) and whether its
    /// entry is written verbatim. What [`OriginMatcher::find`] reports first, without
    /// the any-origin test (the caller makes it).
    ///
    /// Cost: one hash probe of the exact table (inlined: the hot path of an actual
    /// request's `evaluate`).
    #[inline(always)]
    pub fn exact(&self, origin: &[u8]) -> Option<(u32, &str, bool)> {
        if origin.len() > MAX_ORIGIN_LEN {
            return None;
        }
        self.exact.get(origin)
    }

    /// [`OriginMatcher::find_unchecked`] for an origin that [`OriginMatcher::exact`]
    /// did not find, under a policy that is not `*`: everything after the exact probe.
    #[inline]
    pub fn find_unchecked_inexact<'a>(&'a self, origin: &'a [u8]) -> OriginMatch<'a> {
        if origin.len() > MAX_ORIGIN_LEN {
            return OriginMatch::Malformed;
        }
        self.find_inexact::<true, false>(origin)
    }

    /// [`OriginMatcher::find_in`] after the exact probe missed.
    #[inline(always)]
    fn find_inexact<'a, const QUICK: bool, const CHECK: bool>(
        &'a self,
        origin: &'a [u8],
    ) -> OriginMatch<'a> {
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
        // The structures hold indices into `texts` (always in range: never `NotAllowed`).
        let text = |k: u32| self.texts.get(k as usize).map(|(id, t)| (*id, &**t));
        match slow {
            // `parse_origin` (and the quick path's checks) accept ASCII only.
            Slow::Pattern(k) => match text(k) {
                Some((id, source)) if !CHECK => OriginMatch::Ascii(id, source),
                Some((id, source)) => OriginMatch::Ascii(id, source).text_of(origin),
                None => OriginMatch::NotAllowed,
            },
            Slow::Null(k) => match text(k) {
                Some((id, source)) => OriginMatch::Pattern(id, "null", Some(source)),
                None => OriginMatch::NotAllowed,
            },
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
        // Empty (malformed) or over the limit, in one compare: the last byte that the
        // exact table's shape filter reads is then always there.
        if origin.len().wrapping_sub(1) >= MAX_ORIGIN_LEN {
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
        let mut k = 0;
        for n in (1..256).rev() {
            if self.base_lengths[n / 64] & (1 << (n % 64)) != 0 {
                *q.0.get_mut(k)? = u8::try_from(n).ok()?;
                k += 1;
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
    /// Cost: about 25 instructions, plus 6 per base length, plus a probe of about 30
    /// per length whose suffix follows a dot (the suffix's words are read straight from
    /// the value), plus on a hit about 4 per byte before the base (with `CHECK` and no
    /// hit, about 30 per 8 bytes of host).
    #[inline]
    fn quick<const CHECK: bool>(&self, origin: &[u8]) -> Quick {
        let Some(lens) = &self.quick else {
            return Quick::Unknown;
        };
        let (web, start, default) = if origin.starts_with(b"https://") {
            (2u8, 8, 443)
        } else if origin.starts_with(b"http://") {
            (1, 7, 80)
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
        let hl = host.len();
        for &n in &lens.0 {
            // Lengths end at the first 0 (no base is empty).
            if n == 0 {
                break;
            }
            let n = usize::from(n);
            // The dot before the suffix of `n` bytes; never the first byte (the first
            // label is never a base).
            let dot = match hl.checked_sub(n + 1) {
                Some(d) if d > 0 => d,
                _ => continue,
            };
            let Some((&b'.', suffix)) = host.get(dot..).and_then(<[u8]>::split_first) else {
                continue;
            };
            let (head, tail) = match (suffix.first_chunk::<8>(), suffix.last_chunk::<8>()) {
                (Some(first), Some(last)) => (word(first), word(last)),
                _ => short_words(suffix),
            };
            if let Some(slot) = self.subdomains.find(head, tail, suffix)
                && let Some(decided) = self.quick_hit(slot, origin, host, dot, web, port)
            {
                return decided;
            }
        }
        if self.regex.is_some() {
            return Quick::Unknown;
        }
        if CHECK && !(hl < 64 && syntax::short_domain_ok(origin, start, start + hl)) {
            return Quick::Unknown;
        }
        Quick::NotAllowed
    }

    /// [`OriginMatcher::quick`]'s decision once `host`'s suffix after the dot at `dot`
    /// is the base in `slot`: `None` when none of its rules admits the scheme and port
    /// (the next length decides), else the pattern, provided the labels before the base
    /// are canonical and the host at most 253 bytes (plus a trailing dot); otherwise
    /// the full parse decides.
    #[inline(always)]
    fn quick_hit(
        &self,
        slot: &BaseSlot,
        origin: &[u8],
        host: &[u8],
        dot: usize,
        web: u8,
        port: Option<u16>,
    ) -> Option<Quick> {
        let id = match port {
            None => slot.no_port.get(usize::from(web).wrapping_sub(1)).copied(),
            Some(_) => self.port_match(slot, web, host, port),
        };
        let id = id.filter(|&id| id != NO_PATTERN)?;
        // The base is a canonical domain; the labels before it must be too.
        let labels = if dot <= 16 {
            host.get(..dot).is_some_and(syntax::dotted_label_bytes)
        } else {
            long_labels(origin, 6 + usize::from(web), dot)
        };
        let body = host.len() - usize::from(host.last() == Some(&b'.'));
        Some(if labels && body <= 253 {
            Quick::Pattern(id)
        } else {
            Quick::Unknown
        })
    }

    /// The rule of the base in `slot` that admits an `http` (`web` 1) or `https` (`web`
    /// 2) origin with host `host` and the explicit port `port`: [`web_rules_match`], out
    /// of [`OriginMatcher::quick`]'s loop.
    #[cold]
    #[inline(never)]
    fn port_match(&self, slot: &BaseSlot, web: u8, host: &[u8], port: Option<u16>) -> Option<u32> {
        let scheme: &[u8] = if web == 2 { b"https" } else { b"http" };
        let parts = OriginParts { scheme, host, port };
        let base = self
            .subdomains
            .entries
            .get((slot.entry as usize).wrapping_sub(1))?;
        web_rules_match(&base.rules, web, &parts)
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
                    .rules(suffix)
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

    /// Every `(id, text)` of a pattern that is not `*` or an exact origin, as added.
    pub fn texts(&self) -> impl Iterator<Item = (u32, &str)> {
        self.texts.iter().map(|(id, t)| (*id, &**t))
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
                    OriginMatch::Ascii(id, source) => {
                        assert!(o.is_ascii(), "{srcs:?} {}", String::from_utf8_lossy(o));
                        OriginMatch::Ascii(id, source).text_of(o)
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
        // The shape filter has no false negatives; an empty set holds nothing.
        for i in 0..1000u32 {
            let key = format!("https://h{i}.example.com");
            assert!(s.may_hold(key.as_bytes()), "{key}");
            assert_eq!(s.get(key.as_bytes()).map(|(p, ..)| p), Some(i), "{key}");
        }
        let empty = ExactSet::default();
        assert!(!empty.may_hold(b"https://h5.example.com"));
        assert_eq!(empty.get(b"https://h5.example.com"), None);
        assert_eq!(empty.get(b""), None);
        // Origins of few shapes (one length, one last byte): other shapes are filtered.
        let mut few = ExactSet::default();
        few.insert("https://a.com", 0, true);
        assert!(few.may_hold(b"https://b.com"));
        assert!(!few.may_hold(b"https://a.org"));
        assert_eq!(few.get(b"https://a.org"), None);
        assert_eq!(few.get(b""), None);
    }

    #[test]
    fn label_boundaries_hold() {
        let m = matcher(&["https://foo.com", "https://bar.com", "https://*.baz.com"]);
        assert_eq!(m.find(b"https://barfoo.com"), OriginMatch::NotAllowed);
        assert_eq!(m.find(b"https://xbaz.com"), OriginMatch::NotAllowed);
        assert_eq!(m.find(b"https://baz.com"), OriginMatch::NotAllowed);
        assert_eq!(
            m.find(b"https://a.b.baz.com"),
            OriginMatch::Pattern(2, "https://a.b.baz.com", Some("https://*.baz.com"))
        );
        assert_eq!(
            m.find(b"https://foo.com"),
            OriginMatch::Pattern(0, "https://foo.com", None)
        );
        assert_eq!(m.find(b"https://foo.com/"), OriginMatch::Malformed);
    }

    #[test]
    fn ports_and_regexes() {
        const HOST: &str = "https://a.com:[443,8443]";
        const LOCAL: &str = "http://localhost:*";
        const PR: &str = "~^https://pr-[0-9]+\\.preview\\.example\\.com$";
        let m = matcher(&[HOST, LOCAL, PR]);
        assert_eq!(
            m.find(b"https://a.com"),
            OriginMatch::Pattern(0, "https://a.com", Some(HOST))
        );
        assert_eq!(
            m.find(b"https://a.com:8443"),
            OriginMatch::Pattern(0, "https://a.com:8443", Some(HOST))
        );
        assert_eq!(m.find(b"https://a.com:9443"), OriginMatch::NotAllowed);
        assert_eq!(
            m.find(b"http://localhost"),
            OriginMatch::Pattern(1, "http://localhost", Some(LOCAL))
        );
        assert_eq!(
            m.find(b"http://localhost:1"),
            OriginMatch::Pattern(1, "http://localhost:1", Some(LOCAL))
        );
        assert_eq!(m.find(b"https://localhost:1"), OriginMatch::NotAllowed);
        assert_eq!(
            m.find(b"https://pr-12.preview.example.com"),
            OriginMatch::Pattern(2, "https://pr-12.preview.example.com", Some(PR))
        );
        assert_eq!(
            m.find(b"https://pr-12.preview.example.com.evil"),
            OriginMatch::NotAllowed
        );
    }
}
