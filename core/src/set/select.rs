//! Selecting a route by host and path: one hash table of exact hosts, one of wildcard
//! suffixes (probed once per label suffix, skipping suffix lengths no route has), the
//! `*` routes, and under each host its routes ordered by the longest `path_prefix`.
//!
//! Layout: a table ([`table`]) places every host at a slot fixed when the set is
//! compiled (hash and displace: one multiplier per bucket of hosts), so a lookup reads
//! one multiplier and one slot, whatever the key, seed or request. A slot holds its
//! host's group (its `/` route itself when that is the host's only route, else the
//! range of its routes in one `entries` array) and its key as four 8-byte words (the
//! first and the last 16 bytes, so that a key of 16 to 32 bytes, the usual host, is
//! compared in four word comparisons without reading anything else). Prefixes, and keys
//! longer than 32 bytes, live in one arena. Nothing per host is allocated on its own:
//! ~72 to 145 bytes per host (slots 0.4 to 0.8 full, see [`table::Table`]). Selecting
//! never allocates.

mod table;

use super::host::{self, MAX_KEY, RouteHost};
use crate::matcher::{Seeds, key_hash};
use foldhash::fast::RandomState;
use hashbrown::HashMap;
use std::hash::BuildHasher;
use table::{Slot, Table, WORDS_KEY, Words};

/// No route (a group without a `/` route).
const NONE: u32 = u32::MAX;

/// A host's routes. A host whose only route has the prefix `/` (the usual case) has
/// it as `root`, and no entries: selecting reads one field. Any other host has its
/// routes as `entries[start..start + len]`, longest prefix first (so `/`, the shortest
/// a prefix can be, last), and `root` [`Target::NONE`].
#[derive(Clone, Copy, Debug)]
struct Group {
    start: u32,
    len: u32,
    /// The route of a host whose only route is `/`, or [`Target::NONE`].
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
        for r in routes {
            let list = by_host.entry(r.host.clone()).or_default();
            if list.is_empty() {
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
            exact: Table::build(Vec::new()),
            wild: Table::build(Vec::new()),
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
        let (mut exact, mut wild) = (Vec::new(), Vec::new());
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
            let root = match list.as_slice() {
                &[("/", t)] => {
                    list.clear();
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
                    exact.push(s.keyed(&host::route_key(&name, port), group))
                }
                RouteHost::Wildcard(name, port) => {
                    let key = host::route_key(&name, port);
                    let n = key.len();
                    if let Some(word) = s.wild_lengths.get_mut(n / 64) {
                        *word |= 1 << (n % 64);
                    }
                    wild.push(s.keyed(&key, group));
                }
            }
        }
        s.exact = Table::build(exact);
        s.wild = Table::build(wild);
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

    /// The hash and slot of `group` under `key`, for [`Table::build`] (a key longer than
    /// [`WORDS_KEY`] is copied to the arena).
    fn keyed(&mut self, key: &str, group: Group) -> (u64, Slot) {
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
        (hash, slot)
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

    /// The wildcard table or the exact one. (The out-of-line steps take the choice
    /// rather than the table: the caller then computes no table address before it
    /// knows it needs one.)
    #[inline(always)]
    fn table(&self, wild: bool) -> &Table {
        if wild { &self.wild } else { &self.exact }
    }

    /// The group of `key` in the wildcard table or the exact one.
    ///
    /// Cost, for a key of 1 to 32 bytes: four word loads, two multiplies (the hash and
    /// the slot), one multiplier and one slot read, and the slot's length and words
    /// compared: the same for every key and request (no probing, see [`Table`]). A
    /// longer (or empty) key goes out of line ([`Selector::find_long`]), and so does
    /// the stash when the slot does not hold the key: the words stay in registers (a
    /// call that took them by reference spilled them to the stack on every request).
    #[inline(always)]
    fn find(&self, wild: bool, key: &[u8]) -> Option<&Group> {
        let table = self.table(wild);
        // One range check for the usual 16 to 32 bytes (a browser's `Host`), whose
        // words are four loads; shorter keys next, longer ones out of line.
        let words = if key.len().wrapping_sub(16) <= WORDS_KEY - 16 {
            let (Some(head), Some(tail)) = (key.first_chunk::<16>(), key.last_chunk::<16>()) else {
                return None;
            };
            Words::of_halves(head, tail)
        } else if !key.is_empty() && key.len() < 16 {
            Words::of_short(key)
        } else {
            return self.find_long(wild, key);
        };
        let hash = words.hash(self.words_seeds);
        let slot = table.slot(hash)?;
        if self.holds::<false>(slot, key, &words) {
            return Some(&slot.group);
        }
        if table.has_stash() {
            return self.find_stashed(wild, key, hash);
        }
        None
    }

    /// [`Selector::find`] for a key longer than [`WORDS_KEY`] bytes (`None` for an
    /// empty one): hashed whole, compared in full.
    #[inline(never)]
    fn find_long(&self, wild: bool, key: &[u8]) -> Option<&Group> {
        let table = self.table(wild);
        if key.is_empty() {
            return None;
        }
        let words = Words::of(key);
        let hash = self.hash(&words, key);
        let slot = table.slot(hash)?;
        if self.holds::<true>(slot, key, &words) {
            return Some(&slot.group);
        }
        self.find_stashed(wild, key, hash)
    }

    /// [`Selector::find`] in `table`'s stash: the words recomputed from `key`.
    #[inline(never)]
    #[cold]
    fn find_stashed(&self, wild: bool, key: &[u8], hash: u64) -> Option<&Group> {
        let table = self.table(wild);
        let words = Words::of(key);
        let mut stashed = table.stashed(hash);
        let long = key.len() > WORDS_KEY;
        stashed
            .find(|slot| {
                if long {
                    self.holds::<true>(slot, key, &words)
                } else {
                    self.holds::<false>(slot, key, &words)
                }
            })
            .map(|slot| &slot.group)
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

    /// The first route of `g` whose prefix is a byte prefix of `path`, or
    /// [`Target::NONE`]. A [`Target`] with a sentinel rather than an `Option`: eight
    /// bytes, returned and merged in one register (`Option<Target>`, twelve bytes, went
    /// through the stack on every request).
    #[inline(always)]
    fn in_group(&self, g: &Group, path: &[u8]) -> Target {
        if g.root.is_some() {
            // The host's only route, `/` (and no entries).
            return if path.first() == Some(&b'/') {
                g.root
            } else {
                Target::NONE
            };
        }
        self.in_prefixes(g, path)
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

    /// The route for a request: `host` is its one `Host` line (`None`, or the empty
    /// value, when missing or repeated: no route has the empty host), `path` its path. Exact host first, then wildcard suffixes longest
    /// first, then `*`; within a host the longest matching prefix; a host none of whose
    /// prefixes match falls through to the less specific hosts.
    ///
    /// The value as written is probed first: route keys are normalized, and normalizing
    /// a key gives the key itself, so a value equal to a key selects that key's routes
    /// (this is how browsers send `Host`: lowercase, default port).
    ///
    /// Cost, for such a `Host` of 16 to 32 bytes with an exact route `/`: one range
    /// check, four word loads, the hash (one multiply), one multiplier and one slot
    /// read, five comparisons (length and words), one field of the group and one byte
    /// of the path: ~45 instructions inlined, the same for every host and seed (no
    /// probing: see [`table`]). Otherwise the value is normalized on the stack and
    /// looked up again (when normalizing changed it), then once per label suffix whose
    /// length some wildcard has; then the `*` routes. Per host looked up, one prefix
    /// comparison per route until one matches. Never allocates.
    #[inline(always)]
    pub(crate) fn select(&self, host: Option<&[u8]>, path: &[u8]) -> Option<Target> {
        let t = self.select_target(host, path);
        t.is_some().then_some(t)
    }

    /// [`Selector::select`], [`Target::NONE`] for no route.
    #[inline(always)]
    fn select_target(&self, host: Option<&[u8]>, path: &[u8]) -> Target {
        if let Some(raw) = host {
            if let Some(g) = self.find(false, raw) {
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
            && let Some(g) = self.find(false, key)
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
                && let Some(g) = self.find(true, suffix)
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
        self.exact.heap_bytes()
            + self.wild.heap_bytes()
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

    fn target(i: usize) -> Target {
        Target {
            route: i as u32,
            policy: i as u32,
        }
    }

    /// The selector of one `/` route per name (route `i` for `names[i]`), checked to
    /// select each name's route.
    fn selecting_each(names: &[String]) -> Selector {
        let specs = names
            .iter()
            .enumerate()
            .map(|(i, n)| exact(n, i as u32))
            .collect();
        let (s, duplicates) = Selector::build(specs);
        assert!(duplicates.is_empty());
        for (i, n) in names.iter().enumerate() {
            assert_eq!(s.select(Some(n.as_bytes()), b"/"), Some(target(i)), "{n}");
        }
        s
    }

    #[test]
    fn keys_of_sixteen_bytes_each_get_a_slot() {
        // A 16-byte key's tail words are its head words: the hash must not cancel them
        // (keys with one hash would all go to the stash).
        let names: Vec<String> = (0..20_000).map(|i| format!("h{i:05}.example.c")).collect();
        assert!(names.iter().all(|n| n.len() == 16));
        let s = selecting_each(&names);
        assert_eq!(s.select(Some(b"h20000.example.c"), b"/"), None);
        assert_eq!(s.exact.stash_len(), 0);
    }

    #[test]
    fn every_key_of_any_length_is_found_in_its_slot() {
        // Lengths 1 to 60 (short keys, words, and long keys compared in the arena), at
        // table sizes from 1 key up.
        for n in [1, 2, 3, 5, 17, 1000] {
            let names: Vec<String> = (0..n)
                .map(|i| format!("{i}.{}", "a".repeat(i % 58)))
                .collect();
            let s = selecting_each(&names);
            assert_eq!(s.select(Some(b"nothing.example"), b"/"), None);
            assert_eq!(s.exact.stash_len(), 0, "{n} keys");
        }
    }

    #[test]
    fn keys_of_one_hash_go_to_the_stash_and_are_found_there() {
        // Four keys (one long) under one hash no multiplier separates: their bucket
        // goes to the stash (searched out of line, by hash, then compared in full); a
        // key of another hash keeps its slot; a fifth key of the hash is not found.
        let (mut s, _) = Selector::build(Vec::new());
        let keys = ["a.example", "b.example", "c.example", "d.example"];
        let long = format!("{}.example", "l".repeat(40));
        let slot = |k: &str, off: u32, i: usize| Slot {
            words: Words::of(k.as_bytes()),
            key_len: k.len() as u32,
            key_off: off,
            group: Group {
                start: 0,
                len: 0,
                root: target(i),
            },
        };
        let (long_off, _) = s.push(&long);
        let mut entries: Vec<(u64, Slot)> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (if i == 3 { 4 } else { 3 }, slot(k, 0, i)))
            .collect();
        entries.push((3, slot(&long, long_off, 9)));
        s.exact = Table::build(entries);
        assert_eq!(s.exact.stash_len(), 4);
        // The slot's own comparison, as `find` and `find_long` make it.
        let holds = |slot: &Slot, k: &[u8]| {
            if k.len() > WORDS_KEY {
                s.holds::<true>(slot, k, &Words::of(k))
            } else {
                s.holds::<false>(slot, k, &Words::of(k))
            }
        };
        let find = |k: &[u8], hash: u64| {
            let g = match s.exact.slot(hash) {
                Some(slot) if holds(slot, k) => Some(&slot.group),
                _ => s.find_stashed(false, k, hash),
            };
            g.map(|g| g.root.route)
        };
        for (i, k) in keys.iter().enumerate() {
            let hash = if i == 3 { 4 } else { 3 };
            assert_eq!(find(k.as_bytes(), hash), Some(i as u32), "{k}");
        }
        assert_eq!(find(long.as_bytes(), 3), Some(9));
        assert_eq!(find(b"e.example", 3), None);
        assert_eq!(find(b"e.example", 5), None);
    }
}
