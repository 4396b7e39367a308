//! Selecting a route by host and path: one hash table of the exact hosts whose only
//! route is `/` (the usual tenant), one of the other exact hosts, one of wildcard
//! suffixes (probed once per label suffix, skipping suffix lengths no route has), the
//! `*` routes, and under each host its routes ordered by the longest `path_prefix`.
//!
//! The usual host is found in the first table and its policy reached without a test
//! of which kind of host it is: the table tells. A host with other prefixes pays a
//! probe of the first table before its own (measured with `PROBE_PREFIXED=1 bash
//! scripts/set-probe.sh`: 171 instructions per request against 158 when one table
//! held both kinds and a flag in the slot told them apart; the usual host 58 against
//! 68).
//!
//! Layout: a table ([`table`]) places every host at a slot fixed when the set is
//! compiled (hash and displace: one multiplier per bucket of hosts), so a lookup reads
//! one multiplier and one slot, whatever the key or request. A slot holds its host's
//! group (its `/` route and that route's policy, an `Arc` shared with the set, when
//! that is the host's only route, else the range of its routes in one `entries`
//! array) and its key as four 8-byte words (the first and the last 16 bytes, so that
//! a key of 16 to 32 bytes, the usual host, is compared in four word comparisons
//! without reading anything else). Prefixes, and keys longer than 32 bytes, live in
//! one arena. Nothing per host is allocated on its own: ~83 to 165 bytes per host
//! (slots 0.4 to 0.8 full, see [`table::Table`]). Selecting never allocates.

mod table;

use super::host::{self, MAX_KEY, RouteHost};
use crate::matcher::{Seeds, key_hash};
use crate::policy::Policy;
use hashbrown::HashMap;
use std::sync::Arc;
use table::{Hash, Slot, Table, WORDS_KEY, Words};

/// A host's routes. A host whose only route has the prefix `/` (the usual case) has
/// `len` 0, its policy as `policy` and its route as `route`: selecting reads two fields
/// and reaches the policy without an index (no bounds check, no multiply). Any other
/// host has its routes as `entries[start..start + len]` (`len` at least 1), longest
/// prefix first (so `/`, the shortest a prefix can be, last), and `policy` one of
/// theirs, never read (a placeholder: the field is not an `Option`, whose test every
/// request paid).
#[derive(Clone, Debug)]
struct Group {
    policy: Arc<Policy>,
    route: u32,
    start: u32,
    len: u32,
}

/// Which table a lookup reads: the exact hosts whose only route is `/`, the other
/// exact hosts, or the wildcard suffixes.
#[derive(Clone, Copy)]
enum Which {
    Exact,
    Prefixed,
    Wild,
}

/// What selecting a route yields: the route's index in the file and its policy.
///
/// The policy as the `Arc` of its slot or entry, not the `&Policy` inside it: that
/// address (the `Arc`'s plus 16) was tested again for null when the caller matched on
/// the `Option<Selected>` (+2 per request, set-probe).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Selected<'s> {
    pub(crate) route: u32,
    pub(crate) policy: &'s Arc<Policy>,
}

/// One route under its host, and its policy.
#[derive(Clone, Debug)]
struct Entry {
    prefix_off: u32,
    prefix_len: u32,
    route: u32,
    policy: Arc<Policy>,
}

/// A route as [`Selector::build`] groups them: its prefix, its index and its policy
/// (`None` when its index names no compiled policy).
type Listed<'a> = (&'a str, u32, Option<Arc<Policy>>);

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
    /// Exact hosts whose only route is `/`.
    exact: Table,
    /// Exact hosts with other routes (their groups have entries).
    prefixed: Table,
    wild: Table,
    /// Bit `n` is set when some wildcard key (suffix and port) has `n` bytes
    /// (`n <= MAX_KEY < 320`).
    wild_lengths: [u64; 5],
    star: Option<Group>,
    entries: Vec<Entry>,
    arena: String,
    /// The seeds of [`key_hash`] (keys longer than [`WORDS_KEY`]; shorter ones are
    /// hashed unseeded, [`Words::hash`]).
    seeds: Seeds,
}

const _: () = assert!(MAX_KEY < 5 * 64);

impl Selector {
    /// Builds the tables. Returns the selector and every duplicate as
    /// `(route, earlier route)`: two routes with the same host and prefix.
    ///
    /// `policies` are the set's compiled policies, which each route's `policy` indexes
    /// (a route whose index is out of range, in a set with errors, selects nothing).
    pub(crate) fn build(
        routes: Vec<RouteSpec<'_>>,
        policies: &[Arc<Policy>],
    ) -> (Selector, Vec<(u32, u32)>) {
        // Group by host key, keeping file order inside each group.
        let mut order: Vec<RouteHost> = Vec::new();
        let mut by_host: HashMap<RouteHost, Vec<Listed<'_>>> = HashMap::with_capacity(routes.len());
        for r in routes {
            let list = by_host.entry(r.host.clone()).or_default();
            if list.is_empty() {
                order.push(r.host);
            }
            list.push((r.prefix, r.index, policies.get(r.policy as usize).cloned()));
        }
        let mut s = Selector {
            exact: Table::build(Vec::new()),
            prefixed: Table::build(Vec::new()),
            wild: Table::build(Vec::new()),
            wild_lengths: [0; 5],
            star: None,
            entries: Vec::new(),
            arena: String::new(),
            seeds: Seeds::default(),
        };
        let mut duplicates = Vec::new();
        let (mut exact, mut prefixed, mut wild) = (Vec::new(), Vec::new(), Vec::new());
        for host in order {
            let Some(mut list) = by_host.remove(&host) else {
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
            // A route naming no compiled policy (a set with errors, never returned)
            // selects nothing; a host without another route is left out.
            let list: Vec<(&str, u32, Arc<Policy>)> = list
                .into_iter()
                .filter_map(|(prefix, route, policy)| Some((prefix, route, policy?)))
                .collect();
            let group = match list.as_slice() {
                [] => continue,
                [("/", route, policy)] => Group {
                    policy: Arc::clone(policy),
                    route: *route,
                    start: 0,
                    len: 0,
                },
                [(_, _, first), ..] => {
                    let start = s.entries.len() as u32;
                    for (prefix, route, policy) in &list {
                        let (prefix_off, prefix_len) = s.push(prefix);
                        s.entries.push(Entry {
                            prefix_off,
                            prefix_len,
                            route: *route,
                            policy: Arc::clone(policy),
                        });
                    }
                    Group {
                        policy: Arc::clone(first),
                        route: 0,
                        start,
                        len: list.len() as u32,
                    }
                }
            };
            match host {
                RouteHost::Any => s.star = Some(group),
                RouteHost::Exact(name, port) => {
                    let keyed = s.keyed(&host::route_key(&name, port), group);
                    if keyed.1.group.len > 0 {
                        prefixed.push(keyed);
                    } else {
                        exact.push(keyed);
                    }
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
        s.prefixed = Table::build(prefixed);
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
    fn keyed(&mut self, key: &str, group: Group) -> (Hash, Slot) {
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
    fn hash(&self, words: &Words, key: &[u8]) -> Hash {
        if key.len() <= WORDS_KEY {
            words.hash()
        } else {
            Hash::of_u64(key_hash(self.seeds, key))
        }
    }

    /// One of the tables. (The out-of-line steps take the choice rather than the
    /// table: the caller then computes no table address before it knows it needs one.)
    #[inline(always)]
    fn table(&self, which: Which) -> &Table {
        match which {
            Which::Exact => &self.exact,
            Which::Prefixed => &self.prefixed,
            Which::Wild => &self.wild,
        }
    }

    /// The group of `key` in one of the tables.
    ///
    /// Cost, for a key of 1 to 32 bytes: four word loads, two multiplies (the hash and
    /// the slot), one multiplier and one slot read, and the slot's length and words
    /// compared: the same for every key and request (no probing, see [`Table`]). A
    /// longer (or empty) key goes out of line ([`Selector::find_long`]), and so does
    /// the stash when the slot does not hold the key: the words stay in registers (a
    /// call that took them by reference spilled them to the stack on every request).
    #[inline(always)]
    fn find(&self, which: Which, key: &[u8]) -> Option<&Group> {
        // One range check for the usual 16 to 32 bytes (a browser's `Host`), whose
        // words are four loads; shorter keys next, longer ones out of line.
        // Each case with its own copy of the lookup: merged, the usual case jumped to
        // the shared copy (+1 per request, set-probe).
        if key.len().wrapping_sub(16) <= WORDS_KEY - 16 {
            let (Some(head), Some(tail)) = (key.first_chunk::<16>(), key.last_chunk::<16>()) else {
                return None;
            };
            return self.find_words(which, key, Words::of_halves(head, tail));
        }
        if !key.is_empty() && key.len() < 16 {
            return self.find_words(which, key, Words::of_short(key));
        }
        self.find_long(which, key)
    }

    /// [`Selector::find`] for a key of at most [`WORDS_KEY`] bytes whose words are
    /// `words`.
    #[inline(always)]
    fn find_words(&self, which: Which, key: &[u8], words: Words) -> Option<&Group> {
        let table = self.table(which);
        let hash = words.hash();
        let slot = table.slot(hash)?;
        if self.holds::<false>(slot, key, &words) {
            return Some(&slot.group);
        }
        if table.has_stash() {
            return self.find_stashed(which, key);
        }
        None
    }

    /// [`Selector::find`] for a key longer than [`WORDS_KEY`] bytes (`None` for an
    /// empty one): hashed whole, compared in full.
    #[inline(never)]
    fn find_long(&self, which: Which, key: &[u8]) -> Option<&Group> {
        let table = self.table(which);
        if key.is_empty() {
            return None;
        }
        let words = Words::of(key);
        let hash = self.hash(&words, key);
        let slot = table.slot(hash)?;
        if self.holds::<true>(slot, key, &words) {
            return Some(&slot.group);
        }
        self.find_stashed_by(which, key, hash)
    }

    /// [`Selector::find`] in `table`'s stash: the words and hash recomputed from `key`
    /// (kept for this call, the hash took two more moves on every request).
    #[inline(never)]
    #[cold]
    fn find_stashed(&self, which: Which, key: &[u8]) -> Option<&Group> {
        self.find_stashed_by(which, key, self.hash(&Words::of(key), key))
    }

    /// [`Selector::find_stashed`] for a key of hash `hash`.
    fn find_stashed_by(&self, which: Which, key: &[u8], hash: Hash) -> Option<&Group> {
        let table = self.table(which);
        let words = Words::of(key);
        let long = key.len() > WORDS_KEY;
        table
            .stashed(hash)
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
    /// whose words are `words`. The length first: compared after the words, it had
    /// been spilled, and LLVM rotated nine registers to reload it.
    #[inline(always)]
    fn holds<const LONG: bool>(&self, slot: &Slot, key: &[u8], words: &Words) -> bool {
        slot.key_len == key.len() as u32
            && slot.words.eq(words)
            && (!LONG || bytes(self.arena.as_bytes(), slot.key_off, slot.key_len) == key)
    }

    /// The first route of `g` whose prefix is a byte prefix of `path`.
    #[inline(always)]
    fn in_group<'s>(&'s self, g: &'s Group, path: &[u8]) -> Option<Selected<'s>> {
        if g.len > 0 {
            return self.in_prefixes(g, path);
        }
        // The host's only route, `/` (and no entries).
        (path.first() == Some(&b'/')).then_some(Selected {
            route: g.route,
            policy: &g.policy,
        })
    }

    /// The first of `g`'s entries whose prefix is a byte prefix of `path`.
    fn in_prefixes<'s>(&'s self, g: &'s Group, path: &[u8]) -> Option<Selected<'s>> {
        let arena = self.arena.as_bytes();
        let entries = self
            .entries
            .get(g.start as usize..(g.start + g.len) as usize)?;
        let e = entries
            .iter()
            .find(|e| path.starts_with(bytes(arena, e.prefix_off, e.prefix_len)))?;
        Some(Selected {
            route: e.route,
            policy: &e.policy,
        })
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
    /// read, five comparisons (length and words), two fields of the group and one byte
    /// of the path: ~45 instructions inlined, the same for every host (no probing: see
    /// [`table`]). Otherwise the value is normalized on the stack and
    /// looked up again (when normalizing changed it), then once per label suffix whose
    /// length some wildcard has; then the `*` routes. Per host looked up, one prefix
    /// comparison per route until one matches. Never allocates.
    #[inline(always)]
    pub(crate) fn select(&self, host: Option<&[u8]>, path: &[u8]) -> Option<Selected<'_>> {
        self.select_with(host, path, Some, || None)
    }

    /// [`Selector::select`], handing the route selected to `found` (or calling `none`):
    /// the usual request (an exact host whose only route is `/`) reaches `found` straight
    /// from its slot. (Through an `Option<Selected>`, the answers of every path met in
    /// one value that was tested again for `None`: +2 per request, set-probe.)
    #[inline(always)]
    pub(crate) fn select_with<'s, R>(
        &'s self,
        host: Option<&[u8]>,
        path: &[u8],
        found: impl Fn(Selected<'s>) -> R,
        none: impl FnOnce() -> R,
    ) -> R {
        if let Some(raw) = host {
            // A host of the exact table has one route, `/`: the group is not tested
            // (`in_group`'s `Option` was tested again, +2 per request, set-probe).
            if let Some(group) = self.find(Which::Exact, raw)
                && path.first() == Some(&b'/')
            {
                return found(Selected {
                    route: group.route,
                    policy: &group.policy,
                });
            }
            if let Some(s) = self.select_normalized(raw, path) {
                return found(s);
            }
        }
        match self.star.as_ref().and_then(|g| self.in_group(g, path)) {
            Some(s) => found(s),
            None => none(),
        }
    }

    /// [`Selector::select`] past the fast path: the host's routes with other prefixes,
    /// then the normalized key's exact routes (when it differs from the value as
    /// written), then its wildcard suffixes.
    #[inline(never)]
    fn select_normalized(&self, raw: &[u8], path: &[u8]) -> Option<Selected<'_>> {
        if let Some(g) = self.find(Which::Prefixed, raw)
            && let Some(s) = self.in_group(g, path)
        {
            return Some(s);
        }
        let mut buf = [0u8; MAX_KEY];
        let (name_len, key_len) = host::normalize(raw, &mut buf)?;
        let (key, name) = (buf.get(..key_len)?, buf.get(..name_len)?);
        if key != raw {
            for which in [Which::Exact, Which::Prefixed] {
                if let Some(g) = self.find(which, key)
                    && let Some(s) = self.in_group(g, path)
                {
                    return Some(s);
                }
            }
        }
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
                && let Some(g) = self.find(Which::Wild, suffix)
                && let Some(s) = self.in_group(g, path)
            {
                return Some(s);
            }
        }
        None
    }

    /// Approximate heap bytes of the tables, entries and arena.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.exact.heap_bytes()
            + self.prefixed.heap_bytes()
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

    /// `n` policies (one compiled policy, shared).
    fn policies(n: usize) -> Vec<Arc<Policy>> {
        let p = Arc::new(Policy::from_json(r#"{"origins": ["https://a.example"]}"#).unwrap());
        vec![p; n]
    }

    /// The route selected for `host` and `path`.
    fn route(s: &Selector, host: &[u8], path: &[u8]) -> Option<u32> {
        s.select(Some(host), path).map(|t| t.route)
    }

    /// The selector of one `/` route per name (route `i` for `names[i]`), checked to
    /// select each name's route.
    fn selecting_each(names: &[String]) -> Selector {
        let specs = names
            .iter()
            .enumerate()
            .map(|(i, n)| exact(n, i as u32))
            .collect();
        let (s, duplicates) = Selector::build(specs, &policies(names.len()));
        assert!(duplicates.is_empty());
        for (i, n) in names.iter().enumerate() {
            assert_eq!(route(&s, n.as_bytes(), b"/"), Some(i as u32), "{n}");
        }
        s
    }

    #[test]
    fn hosts_with_and_without_prefixes_select_from_their_own_tables() {
        // `a` has only `/` (the first table), `b` has `/` and `/v2/` (the second),
        // `c` only `/v2/`; `*` catches the rest. Each as written and as a browser would
        // not send it (case, trailing dot, default port: found after normalizing).
        let spec = |host: &str, prefix: &'static str, route: u32| RouteSpec {
            host: if host == "*" {
                RouteHost::Any
            } else {
                RouteHost::Exact(host.to_owned(), 0)
            },
            prefix,
            index: route,
            policy: 0,
        };
        let specs = vec![
            spec("a.example", "/", 0),
            spec("b.example", "/", 1),
            spec("b.example", "/v2/", 2),
            spec("c.example", "/v2/", 3),
            spec("*", "/", 4),
        ];
        let (s, duplicates) = Selector::build(specs, &policies(1));
        assert!(duplicates.is_empty());
        assert_eq!((s.exact.slots_used(), s.prefixed.slots_used()), (1, 2));
        for (a, b, c) in [
            ("a.example", "b.example", "c.example"),
            ("A.example.", "B.EXAMPLE:443", "c.example.:80"),
        ] {
            let a = a.as_bytes();
            let (b, c) = (b.as_bytes(), c.as_bytes());
            assert_eq!(route(&s, a, b"/v2/x"), Some(0));
            assert_eq!(route(&s, b, b"/v2/x"), Some(2));
            assert_eq!(route(&s, b, b"/v1"), Some(1));
            assert_eq!(route(&s, c, b"/v2/x"), Some(3));
            assert_eq!(route(&s, c, b"/v1"), Some(4));
            assert_eq!(
                route(&s, a, b"x"),
                None,
                "a path without `/` matches no prefix"
            );
        }
    }

    #[test]
    fn a_root_route_selects_its_own_policy_and_a_route_without_one_nothing() {
        // Two policies: each host's route reaches its own; a route naming no compiled
        // policy (a set with errors) selects nothing, with or without a longer prefix.
        let a = Arc::new(Policy::from_json(r#"{"origins": ["https://a.example"]}"#).unwrap());
        let b = Arc::new(Policy::from_json(r#"{"origins": ["https://b.example"]}"#).unwrap());
        let mut specs = vec![
            exact("a.example", 0),
            exact("b.example", 1),
            exact("c.example", 7),
        ];
        specs.push(RouteSpec {
            host: RouteHost::Exact("c.example".to_owned(), 0),
            prefix: "/v2/",
            index: 3,
            policy: 7,
        });
        let (s, _) = Selector::build(specs, &[Arc::clone(&a), Arc::clone(&b)]);
        let policy = |h: &[u8]| s.select(Some(h), b"/x").map(|t| Arc::as_ptr(t.policy));
        assert_eq!(policy(b"a.example"), Some(Arc::as_ptr(&a)));
        assert_eq!(policy(b"b.example"), Some(Arc::as_ptr(&b)));
        assert_eq!(route(&s, b"c.example", b"/"), None);
        assert_eq!(route(&s, b"c.example", b"/v2/x"), None);
    }

    #[test]
    fn keys_of_sixteen_bytes_each_get_a_slot() {
        // A 16-byte key's tail words are its head words: the hash must not cancel them
        // (keys with one hash would all go to the stash).
        let names: Vec<String> = (0..20_000).map(|i| format!("h{i:05}.example.c")).collect();
        assert!(names.iter().all(|n| n.len() == 16));
        let s = selecting_each(&names);
        assert_eq!(route(&s, b"h20000.example.c", b"/"), None);
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
            assert_eq!(route(&s, b"nothing.example", b"/"), None);
            assert_eq!(s.exact.stash_len(), 0, "{n} keys");
        }
    }

    #[test]
    fn keys_of_one_hash_go_to_the_stash_and_are_found_there() {
        // Four keys (one long) under one hash no multiplier separates: their bucket
        // goes to the stash (searched out of line, by hash, then compared in full); a
        // key of another hash keeps its slot; a fifth key of the hash is not found.
        let (mut s, _) = Selector::build(Vec::new(), &[]);
        let policy = policies(1).remove(0);
        let keys = ["a.example", "b.example", "c.example", "d.example"];
        let long = format!("{}.example", "l".repeat(40));
        let slot = |k: &str, off: u32, i: usize| Slot {
            words: Words::of(k.as_bytes()),
            key_len: k.len() as u32,
            key_off: off,
            group: Group {
                policy: Arc::clone(&policy),
                route: i as u32,
                start: 0,
                len: 0,
            },
        };
        let (long_off, _) = s.push(&long);
        let hash = |h| Hash::of_u64(h);
        let mut entries: Vec<(Hash, Slot)> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (hash(if i == 3 { 4 } else { 3 }), slot(k, 0, i)))
            .collect();
        entries.push((hash(3), slot(&long, long_off, 9)));
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
        let find = |k: &[u8], hash: Hash| {
            let g = match s.exact.slot(hash) {
                Some(slot) if holds(slot, k) => Some(&slot.group),
                _ => s.find_stashed_by(Which::Exact, k, hash),
            };
            g.map(|g| g.route)
        };
        for (i, k) in keys.iter().enumerate() {
            let h = hash(if i == 3 { 4 } else { 3 });
            assert_eq!(find(k.as_bytes(), h), Some(i as u32), "{k}");
        }
        assert_eq!(find(long.as_bytes(), hash(3)), Some(9));
        assert_eq!(find(b"e.example", hash(3)), None);
        assert_eq!(find(b"e.example", hash(5)), None);
    }
}
