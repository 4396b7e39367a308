//! The numeric form of a decision behind `policy.evaluate` and the middleware: the core's
//! `Decision` written as small integers into a caller's `Int32Array`, every string in it
//! a *reference* the JavaScript side resolves without a new string per call.
//!
//! Why: building the `Decision` object natively (napi-rs's `#[napi(object)]`) creates
//! seven properties, a `[name, value]` array per header and a string for every field
//! through N-API, which cost ~20× `isOriginAllowed` (issue 15). Most of those strings
//! are either the request's own strings (the `Origin` value echoed in
//! `Access-Control-Allow-Origin`) or the policy's (`Access-Control-Allow-Methods`, the
//! admitting pattern, a reason's text): JavaScript already holds the first, and caches
//! the second once per policy.
//!
//! Layout of the slots ([`SLOTS`] of them):
//! `[kind, allowed, status, kindRef, codeRef, reasonRef, detailRef, n, (nameRef, valueRef) × n]`
//! with `kind` the core's kind number, `allowed` 0/1, `status` or -1; then at [`ADDED`]:
//! `[m, (nameRef, valueRef) × m]`, the lines `corsgate::response` adds to an application
//! response that holds none of the rule's lines (`Decision::apply_to` an empty response,
//! for the decision's own kind), or `m = -1` when they do not fit.
//!
//! A reference `r`:
//! - `r >= 0`: entry `r` of the policy's string table ([`Strings`]; JavaScript caches
//!   entry `r` after asking for it once, `internedString(policy, r)`);
//! - `r < 0`, `x = -1 - r`, `x` even: the request's own string `x / 2` (0 the method,
//!   then the selected header names and values in order), returned unchanged;
//! - `r < 0`, `x` odd: element `x / 2` of the array of new strings the call returns
//!   (a string that is neither the request's nor cached: a text built from request bytes,
//!   or any string once the table is full).
//!
//! Invariants: a table entry is only ever a string that does not borrow the request —
//! the policy's own text (immutable for the policy's life, so its address identifies
//! it), a `'static` text, or a reason's text built from the policy alone — so the table
//! is bounded by the policy, and hard-capped at [`MAX_STRINGS`] entries.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicI32, Ordering};

/// The header lines a decision has at most: the core's `MAX_HEADERS` plus
/// `Corsgate-Debug-Reason`.
const HEADER_LINES: usize = corsgate::MAX_HEADERS + 1;

/// Where the response lines start: the lines the core's response rule adds when the
/// application's response holds none of its own (`ADDED`, then two slots per line).
pub(crate) const ADDED: usize = 8 + 2 * HEADER_LINES;

/// The slots a decision needs at most: 8 fixed, two per header, then the count and two
/// per line of the response rule's output for an empty application response.
pub(crate) const SLOTS: usize = ADDED + 1 + 2 * (corsgate::response::MAX_ADDED + 1);

/// The most entries one policy's table holds (about 200 bytes each, both sides, for a
/// reason text: ~0.8 MiB at most). A policy with more distinct admitting patterns in
/// use gets the rest as new strings per call.
pub(crate) const MAX_STRINGS: usize = 4096;

/// What identifies a table entry.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    /// A string the policy (or the program) owns, by address and length.
    Text(usize, usize),
    /// The text of a data-less reason, by its code number.
    Reason(u32),
    /// The text of `OriginAllowed` for `origins[index]` (its pattern, by address).
    Allowed(usize, usize, usize),
}

/// Multiply-rotate hashing of a few words (the keys are addresses and small numbers).
#[derive(Default)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
}

/// Slots of [`Strings::recent`].
const RECENT: usize = 64;

/// Slots of [`Strings::reasons`]: reason code numbers below this have a direct slot.
const REASON_SLOTS: usize = 32;

/// No entry yet (in the direct caches of [`Strings`]).
const NONE: u32 = u32::MAX;

/// One policy's string table: the strings a decision refers to by number.
pub(crate) struct Strings {
    index: HashMap<Key, u32, BuildHasherDefault<WordHasher>>,
    texts: Vec<Box<str>>,
    /// A direct-mapped cache in front of `index` for [`Key::Text`]: `(address, length,
    /// entry)`, entry [`NONE`] when empty (the same few texts come back every call).
    recent: [(usize, usize, u32); RECENT],
    /// The entry of the empty string, or [`NONE`].
    empty: u32,
    /// The entry of [`Key::Reason`] `c` at `c`, or [`NONE`] (a hash probe per call
    /// otherwise: measured ~8 % of a decision without `Origin`).
    reasons: [u32; REASON_SLOTS],
    /// A direct-mapped cache in front of `index` for [`Key::Allowed`]: `(index, address,
    /// length, entry)`, entry [`NONE`] when empty.
    allowed: [(usize, usize, usize, u32); RECENT],
    /// The text last seen at each slot of the numeric form (`(address, length, entry)`,
    /// entry [`NONE`] when empty), checked before [`Strings::recent`]: a decision of the
    /// same shape as the previous one (the common case: a policy answers a few kinds of
    /// request) finds each of its texts with two compares. `recent` alone missed 5 of a
    /// preflight's ~12 texts on every call (its slots are by address, and some of those
    /// texts shared a slot): ~820 of a preflight's ~6,300 instructions, benches/README.md
    /// "nodepf".
    at_slot: Box<[(usize, usize, u32); SLOTS]>,
}

impl Default for Strings {
    fn default() -> Self {
        Strings {
            index: HashMap::default(),
            texts: Vec::new(),
            recent: [(0, 0, NONE); RECENT],
            empty: NONE,
            reasons: [NONE; REASON_SLOTS],
            allowed: [(0, 0, 0, NONE); RECENT],
            at_slot: Box::new([(0, 0, NONE); SLOTS]),
        }
    }
}

impl Strings {
    /// The entry of the policy-owned or `'static` text `s`; `None` when the table is full.
    #[inline(never)]
    fn text(&mut self, s: &str) -> Option<u32> {
        if s.is_empty() {
            if self.empty == NONE {
                self.empty = self.intern(Key::Text(0, 0), String::new)?;
            }
            return Some(self.empty);
        }
        let (p, l) = (s.as_ptr() as usize, s.len());
        let slot = ((p >> 3) ^ (p >> 9) ^ l) % RECENT;
        let (rp, rl, ri) = self.recent[slot];
        if rp == p && rl == l && ri != NONE {
            return Some(ri);
        }
        let i = self.intern(Key::Text(p, l), || s.to_owned())?;
        self.recent[slot] = (p, l, i);
        Some(i)
    }

    /// [`Strings::text`] of `s` written at slot `at` of the numeric form (any `at`;
    /// those past [`SLOTS`] skip the slot cache).
    #[inline(always)]
    fn text_at(&mut self, at: usize, s: &str) -> Option<u32> {
        let (p, l) = (s.as_ptr() as usize, s.len());
        if let Some(&(sp, sl, e)) = self.at_slot.get(at)
            && sp == p
            && sl == l
            && e != NONE
        {
            return Some(e);
        }
        let e = self.text(s)?;
        if let Some(slot) = self.at_slot.get_mut(at) {
            *slot = (p, l, e);
        }
        Some(e)
    }

    /// The entry for `key` (a reason's text), made from `text()` when new, through the
    /// direct caches; `None` when the table is full.
    fn reason(&mut self, key: Key, text: impl FnOnce() -> String) -> Option<u32> {
        match key {
            Key::Reason(c) if (c as usize) < REASON_SLOTS => {
                let at = c as usize;
                if self.reasons[at] == NONE {
                    self.reasons[at] = self.intern(key, text)?;
                }
                Some(self.reasons[at])
            }
            Key::Allowed(i, p, l) => {
                let slot = (i ^ (p >> 3) ^ l) % RECENT;
                let (ri, rp, rl, e) = self.allowed[slot];
                if ri == i && rp == p && rl == l && e != NONE {
                    return Some(e);
                }
                let e = self.intern(key, text)?;
                self.allowed[slot] = (i, p, l, e);
                Some(e)
            }
            _ => self.intern(key, text),
        }
    }

    /// The entry for `key`, made from `text()` when new; `None` when the table is full.
    fn intern(&mut self, key: Key, text: impl FnOnce() -> String) -> Option<u32> {
        if let Some(&i) = self.index.get(&key) {
            return Some(i);
        }
        if self.texts.len() >= MAX_STRINGS {
            return None;
        }
        let i = self.texts.len() as u32;
        self.texts.push(text().into_boxed_str());
        self.index.insert(key, i);
        Some(i)
    }

    /// Entry `i` (for JavaScript's cache).
    pub(crate) fn get(&self, i: u32) -> Option<&str> {
        self.texts.get(i as usize).map(|s| &**s)
    }

    /// How many entries the table holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.texts.len()
    }
}

/// The request as the native call read it: the method, then the selected strings
/// (names and values), as byte ranges of one buffer.
pub(crate) struct Request<'r> {
    /// Byte ranges of the request's strings in `bytes`: piece 0 the method.
    pub(crate) pieces: &'r [(usize, usize)],
    pub(crate) bytes: &'r [u8],
}

impl Request<'_> {
    /// Which request string `s` is, when it is one of them exactly (by address).
    fn piece_of(&self, s: &str) -> Option<usize> {
        let base = self.bytes.as_ptr() as usize;
        let p = s.as_ptr() as usize;
        if p < base || p > base + self.bytes.len() {
            return None;
        }
        let start = p - base;
        self.pieces
            .iter()
            .position(|&(a, b)| a == start && b == start + s.len())
    }

    /// Whether `s` borrows the request's bytes.
    fn holds(&self, s: &str) -> bool {
        let base = self.bytes.as_ptr() as usize;
        let p = s.as_ptr() as usize;
        p >= base && p <= base + self.bytes.len()
    }
}

/// Stores one slot. Atomic (relaxed, a plain store on common targets) because JavaScript
/// owns a view of the slots: nothing it does with that view can make a data race here.
fn put(slot: &AtomicI32, v: i32) {
    slot.store(v, Ordering::Relaxed);
}

/// Writes decision `d` into `out` (see the module docs), with new strings appended to
/// `fresh`; the response lines only `with_added` (else `m = -1`). `out` must hold [`SLOTS`] slots.
pub(crate) fn encode<'d>(
    d: &corsgate::Decision<'d>,
    req: &Request<'_>,
    table: &RefCell<Strings>,
    out: &[AtomicI32],
    fresh: &mut Vec<std::borrow::Cow<'d, str>>,
    with_added: bool,
) {
    let mut table = table.borrow_mut();
    // `at`: the slot the reference is written to (the table's per-slot cache).
    let mut text_ref = |at: usize, s: &'d str, fresh: &mut Vec<std::borrow::Cow<'d, str>>| -> i32 {
        if !s.is_empty() && req.holds(s) {
            if let Some(k) = req.piece_of(s) {
                return -1 - 2 * k as i32;
            }
        } else if let Some(i) = table.text_at(at, s) {
            return i as i32;
        }
        fresh.push(std::borrow::Cow::Borrowed(s));
        -2 * fresh.len() as i32
    };
    put(&out[0], d.kind() as i32);
    put(&out[1], i32::from(d.allowed()));
    put(&out[2], d.status().map_or(-1, i32::from));
    put(&out[3], text_ref(3, d.kind().as_str(), fresh));
    let reason = d.reason();
    put(&out[4], text_ref(4, reason.code(), fresh));
    put(&out[6], text_ref(6, reason.detail(), fresh));
    let mut n = 0usize;
    // Each written line's name and value: a response line with the same bytes (the rule
    // passes the decision's own lines through) reuses its references instead of looking
    // them up again (the lookups were ~40 % of `respondInto` for a one-origin actual
    // request, benches/README.md "nodemw").
    let mut seen: [(&[u8], &[u8]); HEADER_LINES] = [(&[], &[]); HEADER_LINES];
    d.for_each_header(|h| {
        let at = 8 + 2 * n;
        if at + 1 < out.len() {
            put(&out[at], text_ref(at, h.name, fresh));
            put(&out[at + 1], text_ref(at + 1, h.value, fresh));
            if n < seen.len() {
                seen[n] = (h.name.as_bytes(), h.value.as_bytes());
            }
            n += 1;
        }
    });
    put(&out[7], n as i32);
    // The response rule's lines for an application response without any line it reads.
    let mut m = 0usize;
    let mut fits = with_added;
    let added = with_added.then(|| d.apply_to(std::iter::empty::<(&[u8], &[u8])>()));
    for line in added.into_iter().flatten() {
        let corsgate::response::Merged::Added { name, value } = line else {
            fits = false;
            break;
        };
        let at = ADDED + 1 + 2 * m;
        // The same bytes as the decision's line `k`: its references name strings with
        // exactly these bytes.
        let same = seen[..n.min(seen.len())]
            .iter()
            .position(|&(sn, sv)| sn == name && sv == value);
        if let (Some(k), true) = (same, at + 1 < out.len()) {
            put(&out[at], out[8 + 2 * k].load(Ordering::Relaxed));
            put(&out[at + 1], out[9 + 2 * k].load(Ordering::Relaxed));
            m += 1;
            continue;
        }
        match (std::str::from_utf8(name), std::str::from_utf8(value)) {
            (Ok(name), Ok(value)) if at + 1 < out.len() => {
                put(&out[at], text_ref(at, name, fresh));
                put(&out[at + 1], text_ref(at + 1, value, fresh));
                m += 1;
            }
            _ => {
                fits = false;
                break;
            }
        }
    }
    put(&out[ADDED], if fits { m as i32 } else { -1 });
    // The reason's text: cached when it is a function of the policy alone.
    use corsgate::Reason as R;
    let key = match reason {
        R::OriginAllowed { index, pattern } if !req.holds(pattern) => Some(Key::Allowed(
            index,
            pattern.as_ptr() as usize,
            pattern.len(),
        )),
        R::NotCors
        | R::AnyOrigin
        | R::OriginMalformed
        | R::OriginMultiple
        | R::OriginNotAllowed
        | R::MethodMalformed
        | R::MethodForbidden
        | R::HeadersMalformed
        | R::HeadersTooLarge
        | R::PrivateNetworkNotAllowed
        | R::CrossOriginRequestRefused
        | R::NoPolicy => Some(Key::Reason(reason.reason_code() as u32)),
        // Reasons whose text holds request bytes, and any reason added later.
        _ => None,
    };
    put(
        &out[5],
        match key.and_then(|k| table.reason(k, || reason.to_string())) {
            Some(i) => i as i32,
            None => {
                fresh.push(std::borrow::Cow::Owned(reason.to_string()));
                -2 * fresh.len() as i32
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Resolves the references of `out` back to strings, as the JavaScript side does.
    fn resolve(
        r: i32,
        strings: &Strings,
        req: &[&str],
        fresh: &[std::borrow::Cow<'_, str>],
    ) -> String {
        if r >= 0 {
            return strings.get(r as u32).expect("entry").to_owned();
        }
        let x = (-1 - r) as usize;
        if x.is_multiple_of(2) {
            req[x / 2].to_owned()
        } else {
            fresh[x / 2].to_string()
        }
    }

    #[test]
    fn references_resolve_to_the_core_decision() {
        let p = corsgate::Policy::from_json(
            r#"{"origins": ["https://a.example", "https://*.b.example"], "methods": ["PUT"], "max_age": 60}"#,
        )
        .expect("valid policy");
        let table = RefCell::new(Strings::default());
        let cases: &[(&str, &[&str])] = &[
            ("GET", &["Origin", "https://a.example"]),
            ("GET", &["Origin", "https://x.b.example"]),
            ("GET", &["Origin", "https://evil.example"]),
            ("GET", &[]),
            (
                "OPTIONS",
                &[
                    "Origin",
                    "https://a.example",
                    "Access-Control-Request-Method",
                    "PUT",
                ],
            ),
            (
                "OPTIONS",
                &[
                    "Origin",
                    "https://a.example",
                    "Access-Control-Request-Method",
                    "PATCH",
                ],
            ),
            (
                "OPTIONS",
                &[
                    "Origin",
                    "https://a.example",
                    "Access-Control-Request-Method",
                    "PUT",
                    "Access-Control-Request-Headers",
                    "x-a",
                ],
            ),
        ];
        for _ in 0..2 {
            for (method, lines) in cases {
                let mut bytes = Vec::new();
                let mut pieces = Vec::new();
                for s in std::iter::once(method).chain(lines.iter()) {
                    pieces.push((bytes.len(), bytes.len() + s.len()));
                    bytes.extend_from_slice(s.as_bytes());
                }
                let req = Request {
                    pieces: &pieces,
                    bytes: &bytes,
                };
                let piece = |k: usize| &bytes[pieces[k].0..pieces[k].1];
                let d = p.evaluate(
                    piece(0),
                    (0..lines.len() / 2).map(|i| (piece(1 + 2 * i), piece(2 + 2 * i))),
                );
                let out: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];
                let mut fresh = Vec::new();
                encode(&d, &req, &table, &out, &mut fresh, true);
                let out: Vec<i32> = out.iter().map(|a| a.load(Ordering::Relaxed)).collect();
                let all: Vec<&str> = std::iter::once(*method)
                    .chain(lines.iter().copied())
                    .collect();
                let t = table.borrow();
                let s = |r: i32| resolve(r, &t, &all, &fresh);
                assert_eq!(out[0], d.kind() as i32);
                assert_eq!(s(out[3]), d.kind().as_str());
                assert_eq!(out[1] == 1, d.allowed());
                assert_eq!(out[2], d.status().map_or(-1, i32::from));
                assert_eq!(s(out[4]), d.reason().code());
                assert_eq!(s(out[5]), d.reason().to_string());
                assert_eq!(s(out[6]), d.reason().detail());
                let headers: Vec<(String, String)> = d
                    .headers()
                    .map(|h| (h.name.to_owned(), h.value.to_owned()))
                    .collect();
                let got: Vec<(String, String)> = (0..out[7] as usize)
                    .map(|i| (s(out[8 + 2 * i]), s(out[9 + 2 * i])))
                    .collect();
                assert_eq!(got, headers, "{method} {lines:?}");
                let added: Vec<(String, String)> = d
                    .apply_to(std::iter::empty::<(&[u8], &[u8])>())
                    .map(|l| {
                        use corsgate::response::Line;
                        (l.name_str().into_owned(), l.value_str().into_owned())
                    })
                    .collect();
                let m = out[ADDED] as usize;
                let got: Vec<(String, String)> = (0..m)
                    .map(|i| (s(out[ADDED + 1 + 2 * i]), s(out[ADDED + 2 + 2 * i])))
                    .collect();
                assert_eq!(got, added, "{method} {lines:?}");
            }
        }
        // The refused method's reason holds request bytes: a new string each time, never
        // a table entry; the table holds only policy and static texts.
        let t = table.borrow();
        assert!(t.len() < 32, "{} entries", t.len());
        assert!((0..t.len() as u32).all(|i| !t.get(i).unwrap_or("").contains("PATCH")));
    }

    #[test]
    fn the_response_lines_start_where_javascript_reads_them() {
        // lib/evaluate.js: `const ADDED = 40`.
        assert_eq!(ADDED, 40);
    }

    #[test]
    fn a_full_table_falls_back_to_new_strings() {
        let mut t = Strings::default();
        for i in 0..MAX_STRINGS {
            assert!(t.intern(Key::Reason(i as u32), || i.to_string()).is_some());
        }
        assert_eq!(t.intern(Key::Reason(u32::MAX), String::new), None);
        assert_eq!(t.intern(Key::Reason(7), String::new), Some(7));
        assert_eq!(t.get(7), Some("7"));
    }
}
