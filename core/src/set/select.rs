//! Selecting a route by host and path: one hash table of exact hosts, one of wildcard
//! suffixes (probed once per label suffix, skipping suffix lengths no route has), the
//! `*` routes, and under each host its routes ordered by the longest `path_prefix`.
//!
//! Layout: a table is an array of 4-byte positions (at most a quarter full) into a dense
//! array of hosts; a host holds its key as two 16-byte words (the first and the last 16
//! bytes, so that a key of 16 to 32 bytes, the usual host, is compared in two word
//! comparisons without reading anything else) and its group: the range of its longer
//! prefixes in one `entries` array and its `/` route itself. Prefixes, and keys longer
//! than 32 bytes, live in one arena. Nothing per host is allocated on its own, so
//! 100,000 routes cost a few tens of bytes each. Selecting never allocates.

use super::host::{self, MAX_KEY, RouteHost};
use crate::matcher::{Seeds, key_hash};
use foldhash::fast::RandomState;
use hashbrown::HashMap;
use std::hash::BuildHasher;

/// No route (a group without a `/` route).
const NONE: u32 = u32::MAX;

/// A host's routes: the routes whose prefix is longer than `/` as
/// `entries[start..start + len]` (longest prefix first), and the route whose prefix is
/// `/` (the shortest a prefix can be, so always tried last), if any.
#[derive(Clone, Copy, Debug)]
struct Group {
    start: u32,
    len: u32,
    /// The `/` route's index, or [`NONE`].
    root: Target,
}

impl Group {
    const EMPTY: Group = Group {
        start: 0,
        len: 0,
        root: Target::NONE,
    };
}

/// What selecting a route yields: the route's index in the file and the index of its
/// compiled policy. Aligned to 8 so that it travels as one `u64` register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, align(8))]
pub(crate) struct Target {
    pub(crate) route: u32,
    pub(crate) policy: u32,
}

impl Target {
    /// No route: what [`Selector::select`]'s steps return for "not here" (a sentinel
    /// rather than an `Option`, so that a step's answer fits one register).
    const NONE: Target = Target {
        route: NONE,
        policy: NONE,
    };

    /// Whether this names a route (is not [`Target::NONE`]).
    #[inline(always)]
    fn is_some(self) -> bool {
        self.route != NONE
    }
}

/// One route under its host, with a prefix longer than `/`.
#[derive(Clone, Copy, Debug)]
struct Entry {
    prefix_off: u32,
    prefix_len: u32,
    target: Target,
}

/// A route for [`Selector::build`]: its parsed host, its prefix, its index and its
/// compiled policy's index.
pub(crate) struct RouteSpec<'a> {
    pub(crate) host: RouteHost,
    pub(crate) prefix: &'a str,
    pub(crate) index: u32,
    pub(crate) policy: u32,
}

/// A host key as a table compares it: its first 16 bytes and its last 16 bytes
/// (overlapping for keys shorter than 32 bytes), as four little-endian words. A key
/// shorter than 16 bytes is its bytes padded with zeros in the first two words, the
/// last two zero. With equal lengths, equal words mean equal keys up to [`WORDS_KEY`]
/// bytes; a longer key is compared in full too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Words([u64; 4]);

impl Words {
    /// The words of `key`. Cost: four 8-byte loads for a key of 16 bytes or more.
    #[inline(always)]
    fn of(key: &[u8]) -> Words {
        let word = |b: &[u8; 16], at: usize| {
            let mut w = [0u8; 8];
            if let Some(s) = b.get(at..at + 8) {
                w.copy_from_slice(s);
            }
            u64::from_le_bytes(w)
        };
        match (key.first_chunk::<16>(), key.last_chunk::<16>()) {
            (Some(head), Some(tail)) => {
                Words([word(head, 0), word(head, 8), word(tail, 0), word(tail, 8)])
            }
            _ => {
                let mut head = [0u8; 16];
                for (d, s) in head.iter_mut().zip(key) {
                    *d = *s;
                }
                Words([word(&head, 0), word(&head, 8), 0, 0])
            }
        }
    }

    /// All four words equal.
    #[inline(always)]
    fn eq(&self, other: &Words) -> bool {
        let [a, b, c, d] = self.0;
        let [e, f, g, h] = other.0;
        ((a ^ e) | (b ^ f) | (c ^ g) | (d ^ h)) == 0
    }

    /// The hash of a key of at most [`WORDS_KEY`] bytes from its words, without reading
    /// the key again: one folded multiply (foldhash's mixing step) of two halves, each
    /// the xor of a head word and a tail word, seeded per set. Cost: one multiply.
    /// The second tail word is rotated: for a 16-byte key, whose tail words are its
    /// head words, `b ^ c` would be 0 for every key; `b ^ rotl(a, 29)` with `a ^ b`
    /// leaves at most two keys of that length per pair of halves (`a` and `!a`).
    ///
    /// Why a single fold is enough: the hash only spreads the route keys over the
    /// table; a host is always compared in full (length and words) before it is
    /// selected, so a collision costs a probe, never a wrong route. The table's keys
    /// come from the set file (trusted configuration), not from requests: a request
    /// chooses only where its probe starts, so the work of any probe is bounded by the
    /// longest run of occupied positions, which the file alone fixes (at most a
    /// quarter full, see [`Table`]). The seed keeps that run length independent of how the
    /// hosts are spelled (structured names such as `api.tenant{i}.example.com`).
    #[inline(always)]
    fn hash(&self, seeds: [u64; 2]) -> u64 {
        let [a, b, c, d] = self.0;
        let [s0, s1] = seeds;
        fold(a ^ d ^ s0, b ^ c.rotate_left(29) ^ s1)
    }
}

/// The folded 64×64→128-bit multiply of foldhash.
#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let f = u128::from(a) * u128::from(b);
    (f as u64) ^ ((f >> 64) as u64)
}

/// The longest key that [`Words`] compare in full.
const WORDS_KEY: usize = 32;

/// One host of a table: its key's length (`0`: the empty host at index 0), words and,
/// for a key longer than [`WORDS_KEY`], its offset in the arena; and its routes.
#[derive(Clone, Copy, Debug)]
struct Slot {
    words: Words,
    key_len: u32,
    key_off: u32,
    group: Group,
}

impl Slot {
    const EMPTY: Slot = Slot {
        words: Words([0; 4]),
        key_len: 0,
        key_off: 0,
        group: Group::EMPTY,
    };
}

/// An open-addressing table of hosts: `index` holds, at the position of a key's hash
/// (linear probing), the key's position in `hosts`, whose entry 0 is the empty host
/// ([`Slot::EMPTY`], which no key equals) that an empty position names. At most a
/// quarter full, so that a probe usually reads one position and one host, whose words
/// decide: a key not at its hash's own position costs an out-of-line probe
/// ([`Selector::probe_on`], ~50 instructions). Half full, 14 of the bench's 64 requests
/// (`set.selected_100k`) took it; a quarter full halves that, for 4 more bytes per host.
///
/// Two arrays rather than one of whole hosts: a position costs 4 bytes instead of the
/// 56 of a host, so the table costs ~16 bytes per host for its positions instead of
/// ~224 (100,000 hosts: 2 MB of positions and 5.6 MB of hosts instead of 29 MB), for
/// one more load per probe.
///
/// Invariant: `index.len()` is a power of two (`mask + 1`) with at least one 0, so
/// every probe ends; every position is `< hosts.len()`.
#[derive(Clone, Debug)]
struct Table {
    index: Box<[u32]>,
    hosts: Vec<Slot>,
    mask: usize,
}

impl Table {
    fn with_capacity(keys: usize) -> Table {
        let n = (keys.max(1) * 4).next_power_of_two();
        let mut hosts = Vec::with_capacity(keys + 1);
        hosts.push(Slot::EMPTY);
        Table {
            index: vec![0; n].into_boxed_slice(),
            hosts,
            mask: n - 1,
        }
    }

    /// Adds `slot` under `hash` (keys are unique: the caller groups routes by host).
    fn insert(&mut self, hash: u64, slot: Slot) {
        let at = self.hosts.len() as u32;
        let mut i = hash as usize & self.mask;
        while let Some(s) = self.index.get_mut(i) {
            if *s == 0 {
                *s = at;
                self.hosts.push(slot);
                return;
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// The compiled routes of a policy set.
///
/// Invariant: every `(off, len)` of an entry, and of a slot whose key is longer than
/// [`WORDS_KEY`], lies inside `arena`; every group's range inside `entries`.
#[derive(Clone, Debug)]
pub(crate) struct Selector {
    exact: Table,
    wild: Table,
    /// Bit `n` is set when some wildcard key (suffix and port) has `n` bytes
    /// (`n <= MAX_KEY < 320`).
    wild_lengths: [u64; 5],
    star: Group,
    entries: Vec<Entry>,
    arena: String,
    /// The seeds of [`Words::hash`] (keys up to [`WORDS_KEY`] bytes) and of
    /// [`key_hash`] (longer keys).
    words_seeds: [u64; 2],
    seeds: Seeds,
}

const _: () = assert!(MAX_KEY < 5 * 64);

impl Selector {
    /// Builds the tables. Returns the selector and every duplicate as
    /// `(route, earlier route)`: two routes with the same host and prefix.
    pub(crate) fn build(routes: Vec<RouteSpec<'_>>) -> (Selector, Vec<(u32, u32)>) {
        // Group by host key, keeping file order inside each group.
        let mut order: Vec<RouteHost> = Vec::new();
        let mut by_host: HashMap<RouteHost, Vec<(&str, Target)>> =
            HashMap::with_capacity(routes.len());
        let (mut exact_hosts, mut wild_hosts) = (0, 0);
        for r in routes {
            let list = by_host.entry(r.host.clone()).or_default();
            if list.is_empty() {
                match r.host {
                    RouteHost::Exact(..) => exact_hosts += 1,
                    RouteHost::Wildcard(..) => wild_hosts += 1,
                    RouteHost::Any => {}
                }
                order.push(r.host);
            }
            list.push((
                r.prefix,
                Target {
                    route: r.index,
                    policy: r.policy,
                },
            ));
        }
        let mut s = Selector {
            exact: Table::with_capacity(exact_hosts),
            wild: Table::with_capacity(wild_hosts),
            wild_lengths: [0; 5],
            star: Group::EMPTY,
            entries: Vec::new(),
            arena: String::new(),
            words_seeds: {
                let r = RandomState::default();
                [r.hash_one(1u64), r.hash_one(2u64)]
            },
            seeds: Seeds::default(),
        };
        let mut duplicates = Vec::new();
        for host in order {
            let Some(mut list) = by_host.remove(&host) else {
                continue;
            };
            // Longest prefix first; equal prefixes side by side, the earlier route first.
            list.sort_by(|a, b| {
                b.0.len()
                    .cmp(&a.0.len())
                    .then(a.0.cmp(b.0))
                    .then(a.1.route.cmp(&b.1.route))
            });
            list.dedup_by(|later, first| {
                let same = later.0 == first.0;
                if same {
                    duplicates.push((later.1.route, first.1.route));
                }
                same
            });
            let root = match list.last() {
                Some(&("/", t)) => {
                    list.pop();
                    t
                }
                _ => Target::NONE,
            };
            let start = s.entries.len() as u32;
            for &(prefix, target) in &list {
                let (prefix_off, prefix_len) = s.push(prefix);
                s.entries.push(Entry {
                    prefix_off,
                    prefix_len,
                    target,
                });
            }
            let group = Group {
                start,
                len: list.len() as u32,
                root,
            };
            match host {
                RouteHost::Any => s.star = group,
                RouteHost::Exact(name, port) => {
                    s.insert(false, &host::route_key(&name, port), group)
                }
                RouteHost::Wildcard(name, port) => {
                    let key = host::route_key(&name, port);
                    let n = key.len();
                    if let Some(word) = s.wild_lengths.get_mut(n / 64) {
                        *word |= 1 << (n % 64);
                    }
                    s.insert(true, &key, group);
                }
            }
        }
        s.entries.shrink_to_fit();
        s.arena.shrink_to_fit();
        (s, duplicates)
    }

    /// Appends `text` to the arena: its `(offset, length)`.
    fn push(&mut self, text: &str) -> (u32, u32) {
        let off = self.arena.len() as u32;
        self.arena.push_str(text);
        (off, text.len() as u32)
    }

    /// Adds `group` under `key` to the exact or the wildcard table.
    fn insert(&mut self, wild: bool, key: &str, group: Group) {
        let key_off = if key.len() > WORDS_KEY {
            self.push(key).0
        } else {
            0
        };
        let words = Words::of(key.as_bytes());
        let hash = self.hash(&words, key.as_bytes());
        let slot = Slot {
            words,
            key_len: key.len() as u32,
            key_off,
            group,
        };
        let table = if wild {
            &mut self.wild
        } else {
            &mut self.exact
        };
        table.insert(hash, slot);
    }

    /// The hash of `key`, whose words are `words`.
    #[inline(always)]
    fn hash(&self, words: &Words, key: &[u8]) -> u64 {
        if key.len() <= WORDS_KEY {
            words.hash(self.words_seeds)
        } else {
            key_hash(self.seeds, key)
        }
    }

    /// The group of `key` in `table`.
    ///
    /// Cost: for a key of 1 to 32 bytes, four word loads, two multiplies, and usually
    /// one position and one host read: its words and length compared. A longer (or
    /// empty) key goes out of line ([`Selector::find_long`]), so that the common probe
    /// keeps its words in registers (inlined with the long keys' full comparison, a
    /// `bcmp` call, it spilled them all before the loop).
    #[inline(always)]
    fn find<'s>(&'s self, table: &'s Table, key: &[u8]) -> Option<&'s Group> {
        if key.is_empty() || key.len() > WORDS_KEY {
            return self.find_long(table, key);
        }
        let words = Words::of(key);
        self.probe::<false>(table, key, &words, words.hash(self.words_seeds))
    }

    /// [`Selector::find`] for a key longer than [`WORDS_KEY`] bytes (`None` for an
    /// empty one): hashed whole, compared in full.
    #[inline(never)]
    fn find_long<'s>(&'s self, table: &'s Table, key: &[u8]) -> Option<&'s Group> {
        if key.is_empty() {
            return None;
        }
        let words = Words::of(key);
        self.probe::<true>(table, key, &words, self.hash(&words, key))
    }

    /// The probe of [`Selector::find`] from `hash`: positions from the hash's on, until
    /// `key`'s host (its words and length equal, and with `LONG` its bytes in the arena)
    /// or an empty position.
    #[inline(always)]
    fn probe<'s, const LONG: bool>(
        &'s self,
        table: &'s Table,
        key: &[u8],
        words: &Words,
        hash: u64,
    ) -> Option<&'s Group> {
        // The first position, peeled: at most a quarter full, the table usually answers
        // there, and this straight line keeps fewer values live than the loop (which,
        // inlined, spilled a word and rotated nine registers around its compare).
        let at = *table.index.get(hash as usize & table.mask)?;
        let slot = table.hosts.get(at as usize)?;
        if self.holds::<LONG>(slot, key, words) {
            return Some(&slot.group);
        }
        if at == 0 {
            return None;
        }
        self.probe_on::<LONG>(table, key, words, hash as usize)
    }

    /// Whether `slot` holds `key` (of at most [`WORDS_KEY`] bytes unless `LONG`),
    /// whose words are `words`. The length first: compared after the words, it had been
    /// spilled, and LLVM rotated nine registers to reload it.
    #[inline(always)]
    fn holds<const LONG: bool>(&self, slot: &Slot, key: &[u8], words: &Words) -> bool {
        slot.key_len == key.len() as u32
            && slot.words.eq(words)
            && (!LONG || bytes(self.arena.as_bytes(), slot.key_off, slot.key_len) == key)
    }

    /// [`Selector::probe`] past the first position `first`: the positions after it,
    /// until `key`'s host or an empty position. Out of line: a collision is the
    /// uncommon case.
    #[inline(never)]
    #[cold]
    fn probe_on<'s, const LONG: bool>(
        &'s self,
        table: &'s Table,
        key: &[u8],
        words: &Words,
        first: usize,
    ) -> Option<&'s Group> {
        let mut i = first;
        loop {
            i = i.wrapping_add(1);
            let at = *table.index.get(i & table.mask)?;
            let slot = table.hosts.get(at as usize)?;
            if self.holds::<LONG>(slot, key, words) {
                return Some(&slot.group);
            }
            if at == 0 {
                return None;
            }
        }
    }

    /// The first route of `g` whose prefix is a byte prefix of `path`, or
    /// [`Target::NONE`]. A [`Target`] with a sentinel rather than an `Option`: eight
    /// bytes, returned and merged in one register (`Option<Target>`, twelve bytes, went
    /// through the stack on every request).
    #[inline(always)]
    fn in_group(&self, g: &Group, path: &[u8]) -> Target {
        if g.len != 0 {
            let t = self.in_prefixes(g, path);
            if t.is_some() {
                return t;
            }
        }
        // `root` is `Target::NONE` when the host has no `/` route.
        if path.first() == Some(&b'/') {
            g.root
        } else {
            Target::NONE
        }
    }

    /// The first of `g`'s longer prefixes that is a byte prefix of `path`, or
    /// [`Target::NONE`].
    fn in_prefixes(&self, g: &Group, path: &[u8]) -> Target {
        let arena = self.arena.as_bytes();
        let Some(entries) = self
            .entries
            .get(g.start as usize..(g.start + g.len) as usize)
        else {
            return Target::NONE;
        };
        entries
            .iter()
            .find(|e| path.starts_with(bytes(arena, e.prefix_off, e.prefix_len)))
            .map_or(Target::NONE, |e| e.target)
    }

    /// The route for a request: `host` is its one `Host` line (`None` when missing or
    /// repeated), `path` its path. Exact host first, then wildcard suffixes longest
    /// first, then `*`; within a host the longest matching prefix; a host none of whose
    /// prefixes match falls through to the less specific hosts.
    ///
    /// The value as written is probed first: route keys are normalized, and normalizing
    /// a key gives the key itself, so a value equal to a key selects that key's routes
    /// (this is how browsers send `Host`: lowercase, default port).
    ///
    /// Cost, for such a `Host` with an exact route: one hash of the value, usually one
    /// slot read, one byte of the path for a `/` route. Otherwise the value is
    /// normalized on the stack and probed again (when normalizing changed it), then once per label suffix whose length some wildcard has;
    /// then the `*` routes. Per probed host, one prefix comparison per route until one
    /// matches. Never allocates.
    #[inline(always)]
    pub(crate) fn select(&self, host: Option<&[u8]>, path: &[u8]) -> Option<Target> {
        let t = self.select_target(host, path);
        t.is_some().then_some(t)
    }

    /// [`Selector::select`], [`Target::NONE`] for no route.
    #[inline(always)]
    pub(crate) fn select_target(&self, host: Option<&[u8]>, path: &[u8]) -> Target {
        if let Some(raw) = host {
            if let Some(g) = self.find(&self.exact, raw) {
                let t = self.in_group(g, path);
                if t.is_some() {
                    return t;
                }
            }
            let t = self.select_normalized(raw, path);
            if t.is_some() {
                return t;
            }
        }
        self.in_group(&self.star, path)
    }

    /// [`Selector::select`] past the fast path: the normalized key's exact routes (when
    /// it differs from the value as written), then its wildcard suffixes.
    #[inline(never)]
    fn select_normalized(&self, raw: &[u8], path: &[u8]) -> Target {
        let mut buf = [0u8; MAX_KEY];
        let Some((name_len, key_len)) = host::normalize(raw, &mut buf) else {
            return Target::NONE;
        };
        let (Some(key), Some(name)) = (buf.get(..key_len), buf.get(..name_len)) else {
            return Target::NONE;
        };
        if key != raw
            && let Some(g) = self.find(&self.exact, key)
        {
            let t = self.in_group(g, path);
            if t.is_some() {
                return t;
            }
        }
        if self.wild_lengths == [0; 5]
            || !host::is_valid_lower_name(name)
            || name.first() == Some(&b'[')
        {
            return Target::NONE;
        }
        // Each suffix after a dot (with the port), longest first; the first label is
        // never a suffix, so the apex itself is never matched.
        for (dot, _) in name.iter().enumerate().filter(|&(_, &b)| b == b'.') {
            let Some(suffix) = key.get(dot + 1..) else {
                return Target::NONE;
            };
            let n = suffix.len();
            if self
                .wild_lengths
                .get(n / 64)
                .is_some_and(|w| w & (1 << (n % 64)) != 0)
                && let Some(g) = self.find(&self.wild, suffix)
            {
                let t = self.in_group(g, path);
                if t.is_some() {
                    return t;
                }
            }
        }
        Target::NONE
    }

    /// Approximate heap bytes of the tables, entries and arena.
    pub(crate) fn heap_bytes(&self) -> usize {
        [&self.exact, &self.wild]
            .iter()
            .map(|t| {
                t.index.len() * std::mem::size_of::<u32>()
                    + t.hosts.capacity() * std::mem::size_of::<Slot>()
            })
            .sum::<usize>()
            + self.entries.capacity() * std::mem::size_of::<Entry>()
            + self.arena.capacity()
    }
}

/// `arena[off..off + len]`, empty when out of bounds (never, by the invariant).
#[inline(always)]
fn bytes(arena: &[u8], off: u32, len: u32) -> &[u8] {
    arena
        .get(off as usize..off as usize + len as usize)
        .unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(name: &str, route: u32) -> RouteSpec<'static> {
        RouteSpec {
            host: RouteHost::Exact(name.to_owned(), 0),
            prefix: "/",
            index: route,
            policy: route,
        }
    }

    /// The longest run of occupied entries in `t` (what bounds any probe's work).
    fn longest_run(t: &Table) -> usize {
        let (mut run, mut longest) = (0, 0);
        // Twice round, for a run that wraps past the end.
        for e in t.index.iter().chain(t.index.iter()) {
            run = if *e == 0 { 0 } else { run + 1 };
            longest = longest.max(run);
        }
        longest
    }

    #[test]
    fn keys_of_sixteen_bytes_spread_over_the_table() {
        // A 16-byte key's tail words are its head words: the hash must not cancel them.
        let names: Vec<String> = (0..20_000).map(|i| format!("h{i:05}.example.c")).collect();
        assert!(names.iter().all(|n| n.len() == 16));
        let specs = names
            .iter()
            .enumerate()
            .map(|(i, n)| exact(n, i as u32))
            .collect();
        let (s, duplicates) = Selector::build(specs);
        assert!(duplicates.is_empty());
        for (i, n) in names.iter().enumerate() {
            let want = Target {
                route: i as u32,
                policy: i as u32,
            };
            assert_eq!(s.select(Some(n.as_bytes()), b"/"), Some(want), "{n}");
        }
        assert_eq!(s.select(Some(b"h20000.example.c"), b"/"), None);
        let run = longest_run(&s.exact);
        assert!(run < 128, "longest run {run}");
    }

    #[test]
    fn probes_go_past_other_keys_and_stop_at_an_empty_position() {
        // Three keys under one hash (one position), a fourth under the next one: each is
        // found past the others (out of line past the first); another key is not.
        let (s, _) = Selector::build(Vec::new());
        let keys = ["a.example", "b.example", "c.example", "d.example"];
        let mut t = Table::with_capacity(8);
        let hash = 3_u64;
        for (i, k) in keys.iter().enumerate() {
            let group = Group {
                start: 0,
                len: 0,
                root: Target {
                    route: i as u32,
                    policy: 0,
                },
            };
            let h = if i == 3 { hash + 1 } else { hash };
            t.insert(
                h,
                Slot {
                    words: Words::of(k.as_bytes()),
                    key_len: k.len() as u32,
                    key_off: 0,
                    group,
                },
            );
        }
        for (i, k) in keys.iter().enumerate() {
            let words = Words::of(k.as_bytes());
            let g = s.probe::<false>(&t, k.as_bytes(), &words, hash);
            assert_eq!(g.map(|g| g.root.route), Some(i as u32), "{k}");
        }
        let other = b"e.example";
        assert!(
            s.probe::<false>(&t, other, &Words::of(other), hash)
                .is_none()
        );
    }
}
