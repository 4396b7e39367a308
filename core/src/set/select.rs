//! Selecting a route by host and path: one hash table of exact hosts, one of wildcard
//! suffixes (probed once per label suffix, skipping suffix lengths no route has), the
//! `*` routes, and under each host its routes ordered by the longest `path_prefix`.
//!
//! Layout: every key and prefix lives in one arena; a table slot names its routes as a
//! range of one `entries` array. Nothing per host is allocated on its own, so 100,000
//! routes cost a few tens of bytes each. Selecting never allocates.

use super::host::{self, HostKey, RouteHost};
use hashbrown::{HashMap, HashTable};
use std::hash::BuildHasher;

/// A host's routes: `entries[start..start + len]`, longest prefix first.
#[derive(Clone, Copy, Debug, Default)]
struct Group {
    key_off: u32,
    key_len: u32,
    port: u16,
    start: u32,
    len: u32,
}

/// One route under its host.
#[derive(Clone, Copy, Debug)]
struct Entry {
    prefix_off: u32,
    prefix_len: u32,
    route: u32,
}

/// A route for [`Selector::build`]: its parsed host, its prefix and its index.
pub(crate) struct RouteSpec<'a> {
    pub(crate) host: RouteHost,
    pub(crate) prefix: &'a str,
    pub(crate) index: u32,
}

/// The compiled routes of a policy set.
///
/// Invariant: every `(off, len)` of a group or entry lies inside `arena`, and every
/// group's range inside `entries`.
#[derive(Clone, Debug)]
pub(crate) struct Selector {
    exact: HashTable<Group>,
    wild: HashTable<Group>,
    /// Bit `n` is set when some wildcard suffix has `n` bytes (`n < 320`).
    wild_lengths: [u64; 5],
    star: Group,
    entries: Vec<Entry>,
    arena: String,
    seed: u64,
}

impl Selector {
    /// Builds the tables. Returns the selector and every duplicate as
    /// `(route, earlier route)`: two routes with the same host and prefix.
    pub(crate) fn build(routes: Vec<RouteSpec<'_>>) -> (Selector, Vec<(u32, u32)>) {
        // Group by host key, keeping file order inside each group.
        let mut order: Vec<RouteHost> = Vec::new();
        let mut groups: HashMap<RouteHost, Vec<(&str, u32)>> = HashMap::with_capacity(routes.len());
        for r in routes {
            let list = groups.entry(r.host.clone()).or_default();
            if list.is_empty() {
                order.push(r.host);
            }
            list.push((r.prefix, r.index));
        }
        let seed = foldhash::fast::RandomState::default().hash_one(0x5e7u32);
        let mut s = Selector {
            exact: HashTable::new(),
            wild: HashTable::new(),
            wild_lengths: [0; 5],
            star: Group::default(),
            entries: Vec::new(),
            arena: String::new(),
            seed,
        };
        let mut duplicates = Vec::new();
        for host in order {
            let Some(mut list) = groups.remove(&host) else {
                continue;
            };
            // Longest prefix first; equal prefixes side by side, the earlier route first.
            list.sort_by(|a, b| {
                b.0.len()
                    .cmp(&a.0.len())
                    .then(a.0.cmp(b.0))
                    .then(a.1.cmp(&b.1))
            });
            list.dedup_by(|later, first| {
                let same = later.0 == first.0;
                if same {
                    duplicates.push((later.1, first.1));
                }
                same
            });
            let start = s.entries.len() as u32;
            for (prefix, route) in &list {
                let (prefix_off, prefix_len) = s.push(prefix);
                s.entries.push(Entry {
                    prefix_off,
                    prefix_len,
                    route: *route,
                });
            }
            let len = list.len() as u32;
            match host {
                RouteHost::Any => {
                    s.star = Group {
                        start,
                        len,
                        ..Group::default()
                    }
                }
                RouteHost::Exact(name, port) => s.insert(false, &name, port, start, len),
                RouteHost::Wildcard(name, port) => {
                    let n = name.len();
                    if let Some(word) = s.wild_lengths.get_mut(n / 64) {
                        *word |= 1 << (n % 64);
                    }
                    s.insert(true, &name, port, start, len);
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

    /// Adds the group of `(name, port)` to the exact or the wildcard table.
    fn insert(&mut self, wild: bool, name: &str, port: u16, start: u32, len: u32) {
        let (key_off, key_len) = self.push(name);
        let g = Group {
            key_off,
            key_len,
            port,
            start,
            len,
        };
        let seed = self.seed;
        let hash = host::fold_hash(name.as_bytes(), port, seed);
        let arena = self.arena.as_bytes();
        let table = if wild {
            &mut self.wild
        } else {
            &mut self.exact
        };
        table.insert_unique(hash, g, |g| {
            host::fold_hash(bytes(arena, g.key_off, g.key_len), g.port, seed)
        });
    }

    /// The group of `(name, port)` in `table`, `name` compared ignoring ASCII case.
    #[inline]
    fn find(&self, table: &HashTable<Group>, name: &[u8], port: u16) -> Option<Group> {
        let hash = host::fold_hash(name, port, self.seed);
        let arena = self.arena.as_bytes();
        table
            .find(hash, |g| {
                g.port == port && host::eq_lower(bytes(arena, g.key_off, g.key_len), name)
            })
            .copied()
    }

    /// The first route of `g` whose prefix is a byte prefix of `path`.
    #[inline]
    fn in_group(&self, g: Group, path: &[u8]) -> Option<u32> {
        let arena = self.arena.as_bytes();
        let entries = self
            .entries
            .get(g.start as usize..(g.start + g.len) as usize)?;
        entries
            .iter()
            .find(|e| {
                let prefix = bytes(arena, e.prefix_off, e.prefix_len);
                match prefix {
                    [b'/'] => path.first() == Some(&b'/'),
                    _ => path.starts_with(prefix),
                }
            })
            .map(|e| e.route)
    }

    /// The route for a request: `host` is its one `Host` line (`None` when missing or
    /// repeated), `path` its path. Exact host first, then wildcard suffixes longest
    /// first, then `*`; within a host the longest matching prefix; a host none of whose
    /// prefixes match falls through to the less specific hosts.
    ///
    /// Cost: one hash probe for the exact host; when that misses, one validation pass
    /// over the host and one probe per label suffix whose length some wildcard has;
    /// then the `*` routes. Per probed host, one prefix comparison per route until one
    /// matches. Never allocates.
    #[inline]
    pub(crate) fn select(&self, host: Option<&[u8]>, path: &[u8]) -> Option<u32> {
        if let Some(HostKey { name, port }) = host.and_then(host::request_key) {
            if let Some(g) = self.find(&self.exact, name, port)
                && let Some(route) = self.in_group(g, path)
            {
                return Some(route);
            }
            if !self.wild.is_empty()
                && let Some(route) = self.select_wildcard(name, port, path)
            {
                return Some(route);
            }
        }
        self.in_group(self.star, path)
    }

    #[inline(never)]
    fn select_wildcard(&self, name: &[u8], port: u16, path: &[u8]) -> Option<u32> {
        if !host::is_valid_name(name) || name.first() == Some(&b'[') {
            return None;
        }
        // Each suffix after a dot, longest first; the first label is never a suffix, so
        // the apex itself is never matched.
        for (dot, _) in name.iter().enumerate().filter(|&(_, &b)| b == b'.') {
            let suffix = &name[dot + 1..];
            let n = suffix.len();
            if self
                .wild_lengths
                .get(n / 64)
                .is_some_and(|w| w & (1 << (n % 64)) != 0)
                && let Some(g) = self.find(&self.wild, suffix, port)
                && let Some(route) = self.in_group(g, path)
            {
                return Some(route);
            }
        }
        None
    }

    /// Approximate heap bytes of the tables, entries and arena.
    pub(crate) fn heap_bytes(&self) -> usize {
        let slot = std::mem::size_of::<Group>() + 1;
        (self.exact.capacity() + self.wild.capacity()) * slot
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
