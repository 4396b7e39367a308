//! Selecting a route by host and path: one hash table of exact hosts, one of wildcard
//! suffixes (probed once per label suffix, skipping suffix lengths no route has), the
//! `*` routes, and under each host its routes ordered by the longest `path_prefix`.
//!
//! Layout: every key and prefix lives in one arena; a table slot is one `u64` naming a
//! group, which names its longer prefixes as a range of one `entries` array and holds
//! its `/` route itself. Nothing per host is allocated on its own, so 100,000 routes
//! cost a few tens of bytes each. Selecting never allocates.

use super::host::{self, MAX_KEY, RouteHost};
use crate::matcher::{Seeds, key_hash};
use hashbrown::HashMap;

/// No route (a group without a `/` route).
const NONE: u32 = u32::MAX;

/// A host's routes: its key `arena[key_off..key_off + key_len]`, the routes whose prefix
/// is longer than `/` as `entries[start..start + len]` (longest prefix first), and the
/// route whose prefix is `/` (the shortest a prefix can be, so always tried last), if any.
#[derive(Clone, Copy, Debug)]
struct Group {
    key_off: u32,
    key_len: u32,
    start: u32,
    len: u32,
    /// The `/` route's index, or [`NONE`].
    root: Target,
}

/// What selecting a route yields: the route's index in the file and the index of its
/// compiled policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) route: u32,
    pub(crate) policy: u32,
}

impl Target {
    const NONE: Target = Target {
        route: NONE,
        policy: NONE,
    };
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

/// An open-addressing table from a key's hash to its group: each slot is `0` (empty)
/// or the hash's high 32 bits beside the group's index + 1. At most half full, so that
/// a probe usually reads one slot; linear probing.
///
/// Invariant: `slots.len()` is a power of two (`mask + 1`), and at least one slot is
/// empty, so every probe ends.
#[derive(Clone, Debug)]
struct Table {
    slots: Box<[u64]>,
    mask: usize,
}

impl Table {
    fn with_capacity(keys: usize) -> Table {
        let n = (keys.max(1) * 2).next_power_of_two();
        Table {
            slots: vec![0; n].into_boxed_slice(),
            mask: n - 1,
        }
    }

    /// Adds `group` under `hash` (keys are unique: the caller groups routes by host).
    fn insert(&mut self, hash: u64, group: u32) {
        let mut i = hash as usize & self.mask;
        while let Some(slot) = self.slots.get_mut(i) {
            if *slot == 0 {
                *slot = (hash & !0xffff_ffff) | (u64::from(group) + 1);
                return;
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// The compiled routes of a policy set.
///
/// Invariant: every `(off, len)` of a group or entry lies inside `arena`, every group's
/// range inside `entries`, every table slot's group inside `groups`.
#[derive(Clone, Debug)]
pub(crate) struct Selector {
    exact: Table,
    wild: Table,
    /// The groups of both tables.
    groups: Vec<Group>,
    /// Bit `n` is set when some wildcard key (suffix and port) has `n` bytes
    /// (`n <= MAX_KEY < 320`).
    wild_lengths: [u64; 5],
    star: Group,
    entries: Vec<Entry>,
    arena: String,
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
            groups: Vec::with_capacity(exact_hosts + wild_hosts),
            wild_lengths: [0; 5],
            star: Group {
                key_off: 0,
                key_len: 0,
                start: 0,
                len: 0,
                root: Target::NONE,
            },
            entries: Vec::new(),
            arena: String::new(),
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
                key_off: 0,
                key_len: 0,
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
    fn insert(&mut self, wild: bool, key: &str, mut group: Group) {
        (group.key_off, group.key_len) = self.push(key);
        let hash = key_hash(self.seeds, key.as_bytes());
        let index = self.groups.len() as u32;
        self.groups.push(group);
        let table = if wild {
            &mut self.wild
        } else {
            &mut self.exact
        };
        table.insert(hash, index);
    }

    /// The group of `key` in `table`.
    ///
    /// Cost: one hash of the key, usually one slot read, one key comparison.
    #[inline(always)]
    fn find(&self, table: &Table, key: &[u8]) -> Option<&Group> {
        let hash = key_hash(self.seeds, key);
        let tag = hash & !0xffff_ffff;
        let mut i = hash as usize & table.mask;
        loop {
            let slot = *table.slots.get(i)?;
            if slot == 0 {
                return None;
            }
            if slot & !0xffff_ffff == tag {
                let g = self.groups.get((slot as u32).wrapping_sub(1) as usize)?;
                if key_eq(bytes(self.arena.as_bytes(), g.key_off, g.key_len), key) {
                    return Some(g);
                }
            }
            i = (i + 1) & table.mask;
        }
    }

    /// The first route of `g` whose prefix is a byte prefix of `path`.
    #[inline(always)]
    fn in_group(&self, g: &Group, path: &[u8]) -> Option<Target> {
        if g.len != 0
            && let Some(t) = self.in_prefixes(g, path)
        {
            return Some(t);
        }
        (g.root.route != NONE && path.first() == Some(&b'/')).then_some(g.root)
    }

    /// The first of `g`'s longer prefixes that is a byte prefix of `path`.
    fn in_prefixes(&self, g: &Group, path: &[u8]) -> Option<Target> {
        let arena = self.arena.as_bytes();
        let entries = self
            .entries
            .get(g.start as usize..(g.start + g.len) as usize)?;
        entries
            .iter()
            .find(|e| path.starts_with(bytes(arena, e.prefix_off, e.prefix_len)))
            .map(|e| e.target)
    }

    /// The route for a request: `host` is its one `Host` line (`None` when missing or
    /// repeated), `path` its path. Exact host first, then wildcard suffixes longest
    /// first, then `*`; within a host the longest matching prefix; a host none of whose
    /// prefixes match falls through to the less specific hosts.
    ///
    /// Cost, for a `Host` as browsers send it (lowercase, default port) with an exact
    /// route: one hash of the value, usually one slot read and one key comparison, one
    /// byte of the path for a `/` route. Otherwise the value is normalized on the stack
    /// and probed again, then once per label suffix whose length some wildcard has;
    /// then the `*` routes. Per probed host, one prefix comparison per route until one
    /// matches. Never allocates.
    #[inline(always)]
    pub(crate) fn select(&self, host: Option<&[u8]>, path: &[u8]) -> Option<Target> {
        if let Some(raw) = host {
            if let Some(key) = host::as_written_key(raw)
                && let Some(g) = self.find(&self.exact, key)
                && let Some(t) = self.in_group(g, path)
            {
                return Some(t);
            }
            if let Some(t) = self.select_normalized(raw, path) {
                return Some(t);
            }
        }
        self.in_group(&self.star, path)
    }

    /// [`Selector::select`] past the fast path: the normalized key's exact routes (when
    /// it differs from the value as written), then its wildcard suffixes.
    #[inline(never)]
    fn select_normalized(&self, raw: &[u8], path: &[u8]) -> Option<Target> {
        let mut buf = [0u8; MAX_KEY];
        let (name_len, key_len) = host::normalize(raw, &mut buf)?;
        let key = buf.get(..key_len)?;
        if host::as_written_key(raw) != Some(key)
            && let Some(g) = self.find(&self.exact, key)
            && let Some(t) = self.in_group(g, path)
        {
            return Some(t);
        }
        let name = key.get(..name_len)?;
        if self.wild_lengths == [0; 5]
            || !host::is_valid_lower_name(name)
            || name.first() == Some(&b'[')
        {
            return None;
        }
        // Each suffix after a dot (with the port), longest first; the first label is
        // never a suffix, so the apex itself is never matched.
        for (dot, _) in name.iter().enumerate().filter(|&(_, &b)| b == b'.') {
            let suffix = key.get(dot + 1..)?;
            let n = suffix.len();
            if self
                .wild_lengths
                .get(n / 64)
                .is_some_and(|w| w & (1 << (n % 64)) != 0)
                && let Some(g) = self.find(&self.wild, suffix)
                && let Some(t) = self.in_group(g, path)
            {
                return Some(t);
            }
        }
        None
    }

    /// Approximate heap bytes of the tables, groups, entries and arena.
    pub(crate) fn heap_bytes(&self) -> usize {
        (self.exact.slots.len() + self.wild.slots.len()) * std::mem::size_of::<u64>()
            + self.groups.capacity() * std::mem::size_of::<Group>()
            + self.entries.capacity() * std::mem::size_of::<Entry>()
            + self.arena.capacity()
    }
}

/// `a == b` for host keys: 16 bytes from each end compared as four words (so a key of
/// 16 to 32 bytes, the usual host, costs four comparisons), the middle 16 at a time.
#[inline(always)]
fn key_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let pairs = |x: &[u8; 16], y: &[u8; 16]| u128::from_ne_bytes(*x) == u128::from_ne_bytes(*y);
    match (
        a.first_chunk::<16>(),
        b.first_chunk::<16>(),
        a.last_chunk::<16>(),
        b.last_chunk::<16>(),
    ) {
        (Some(fa), Some(fb), Some(la), Some(lb)) => {
            pairs(fa, fb)
                && pairs(la, lb)
                && a.as_chunks::<16>()
                    .0
                    .iter()
                    .zip(b.as_chunks::<16>().0)
                    .skip(1)
                    .all(|(x, y)| pairs(x, y))
        }
        _ => a == b,
    }
}

/// `arena[off..off + len]`, empty when out of bounds (never, by the invariant).
#[inline(always)]
fn bytes(arena: &[u8], off: u32, len: u32) -> &[u8] {
    arena
        .get(off as usize..off as usize + len as usize)
        .unwrap_or(&[])
}
