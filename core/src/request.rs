//! Reading a request: the one scan that finds the CORS request headers among a
//! request's header lines (and, for a policy with cross-origin protection, the
//! `Host`, `Sec-Fetch-Site` and `Upgrade` lines: [`ProtectionLines`]), the tokenizer of
//! `Access-Control-Request-Headers`, and the one ASCII case folder they use.
//!
//! Nothing here allocates or panics; each function states its cost. What the values
//! mean for a policy is decided in [`crate::Policy`].

use crate::decision::{MAX_ACRH_LINES, Reason};
use crate::syntax;

mod acrh;
pub(crate) use acrh::HeaderNames;

/// The most bytes of `Access-Control-Request-Headers`, summed over its lines, that a
/// preflight may carry. Browsers send a few hundred at most; more is a deny, decided
/// after summing the line lengths, without reading the bytes.
pub const MAX_ACRH_BYTES: usize = 8 * 1024;

/// The most empty elements (`a,,b`) tolerated in `Access-Control-Request-Headers`.
pub const MAX_ACRH_EMPTY_ELEMENTS: usize = 16;

/// The most bytes of one `Upgrade` line that are read for a `websocket` token. A longer
/// line is taken as a WebSocket handshake unread (browsers send `websocket`): under
/// cross-origin protection that only means the request is checked.
pub const MAX_UPGRADE_BYTES: usize = 256;

/// The CORS-relevant request headers, found in one pass without allocating.
pub(crate) struct RequestHeaders<'a> {
    /// The first `Origin` value.
    pub(crate) origin: Option<&'a [u8]>,
    /// How many `Origin` lines (saturating).
    pub(crate) origin_lines: u32,
    /// The first `Access-Control-Request-Method` value.
    pub(crate) acrm: Option<&'a [u8]>,
    /// How many `Access-Control-Request-Method` lines (saturating).
    pub(crate) acrm_lines: u32,
    /// The first [`MAX_ACRH_LINES`] `Access-Control-Request-Headers` values;
    /// `acrh[..acrh_len]` are set ([`RequestHeaders::acrh_lines`]). `None` until the
    /// first line: a request without one (every actual request) does not pay for
    /// initializing the array (sixteen stores).
    acrh: Option<[&'a [u8]; MAX_ACRH_LINES]>,
    acrh_len: usize,
    /// Bytes of every `Access-Control-Request-Headers` line, summed (saturating).
    pub(crate) acrh_bytes: usize,
    /// More than [`MAX_ACRH_LINES`] lines were seen.
    pub(crate) acrh_overflow: bool,
    /// Some `Access-Control-Request-Private-Network` line is exactly `true`.
    pub(crate) acrpn: bool,
}

impl<'a> RequestHeaders<'a> {
    #[inline(always)]
    pub(crate) fn new() -> Self {
        RequestHeaders {
            origin: None,
            origin_lines: 0,
            acrm: None,
            acrm_lines: 0,
            acrh: None,
            acrh_len: 0,
            acrh_bytes: 0,
            acrh_overflow: false,
            acrpn: false,
        }
    }

    /// The `Access-Control-Request-Headers` values kept (at most [`MAX_ACRH_LINES`]),
    /// in request order.
    #[inline]
    pub(crate) fn acrh_lines(&self) -> &[&'a [u8]] {
        match &self.acrh {
            Some(lines) => lines.get(..self.acrh_len).unwrap_or_default(),
            None => &[],
        }
    }

    /// Reads every header line once, handing the `Host`, `Sec-Fetch-Site` and
    /// `Upgrade` lines to `other` when it reads them ([`NoLines`] does not;
    /// [`ProtectionLines`] does). Cost: one length dispatch per line (for both sets of
    /// names), plus one word-at-a-time name comparison for lines whose name has a read
    /// name's length, plus `other`'s.
    #[inline]
    pub(crate) fn scan<I, X>(&mut self, headers: I, other: &mut X)
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
        X: OtherLines<'a>,
    {
        let r = self;
        for (name, value) in headers {
            // Most lines have a name no arm reads: one test of a bit of the read
            // lengths skips them, before the value is read. The bit of `n % 64`
            // (one `bt`, no range check): a length 64 above a read one passes the test,
            // and the arms below, which compare the whole length, refuse it.
            let n = name.len();
            if (X::READ_LENGTHS >> (n % 64)) & 1 == 0 {
                continue;
            }
            // When the protection names are read (a constant `X::READS` removes these
            // arms from the scan that ignores them, and a name whose length is not in
            // `X::READ_LENGTHS` is not tested): `Origin`, `Host` and `Sec-Fetch-Site`
            // by one length test each, ahead of the groups below, which they then do
            // not pay (`Origin` behind the other two and the group test paid four
            // more instructions per request; benches/README.md, protect5).
            if X::READS {
                if n == ORIGIN_LEN {
                    if ORIGIN.matches(name) {
                        count_line(&mut r.origin, &mut r.origin_lines, value);
                    }
                    continue;
                }
                if n == HOST.len() {
                    if HOST.matches(name) {
                        other.host(value);
                    }
                    continue;
                }
                if X::READ_LENGTHS & SEC_FETCH_SITE.length_bit() != 0 && n == SEC_FETCH_SITE.len() {
                    // By its last word only: the rest of the name is compared when
                    // read ([`ProtectionLines::sites`]), which an allowed request never does.
                    if let Some(name) = site_candidate(name) {
                        other.site(name, value);
                    }
                    continue;
                }
            }
            // Two groups, told apart by one compare, so that no jump table is needed:
            // the short names (`Origin`, `Upgrade`), then the `Access-Control-Request-*`
            // names (29 bytes and more). A line whose name has `Origin`'s length
            // (`accept`, `cookie`) then costs that compare, one more and one word
            // compare.
            if n < ACRM_LEN {
                if n == ORIGIN_LEN {
                    if ORIGIN.matches(name) {
                        count_line(&mut r.origin, &mut r.origin_lines, value);
                    }
                } else if X::READ_LENGTHS & UPGRADE.length_bit() != 0
                    && UPGRADE.matches_prefix_suffix(name)
                {
                    // `Upgrade` by its words alone (no fourth equality test of `n`,
                    // which would turn these tests into a jump table).
                    other.upgrade(value);
                }
                continue;
            }
            match n {
                29 if ACRM.matches(name) => count_line(&mut r.acrm, &mut r.acrm_lines, value),
                30 if ACRH.matches(name) => {
                    r.acrh_bytes = r.acrh_bytes.saturating_add(value.len());
                    let lines = r.acrh.get_or_insert([&[]; MAX_ACRH_LINES]);
                    match lines.get_mut(r.acrh_len) {
                        Some(slot) => {
                            *slot = value;
                            r.acrh_len += 1;
                        }
                        None => r.acrh_overflow = true,
                    }
                }
                38 if ACRPN.matches(name) => {
                    r.acrpn |= value == b"true";
                }
                _ => {}
            }
        }
    }
}

/// One more line of a header read as "the first value and how many lines": keeps
/// `first` if set, counts (saturating).
#[inline(always)]
fn count_line<'a>(first: &mut Option<&'a [u8]>, lines: &mut u32, value: &'a [u8]) {
    *lines = lines.saturating_add(1);
    first.get_or_insert(value);
}

/// What [`RequestHeaders::scan`] does with the `Host`, `Sec-Fetch-Site` and `Upgrade`
/// lines, whose names it matches in its one length dispatch only when `READS` holds.
pub(crate) trait OtherLines<'a> {
    /// Whether the scan reads these names at all (a constant: `false` costs nothing).
    const READS: bool;
    /// Bit `n` set for each length `n` of a name the scan reads: the CORS names', and
    /// with [`OtherLines::READS`] also `Host`'s, `Sec-Fetch-Site`'s and `Upgrade`'s.
    const READ_LENGTHS: u64 = CORS_LENGTHS
        | if Self::READS {
            HOST.length_bit() | SEC_FETCH_SITE.length_bit() | UPGRADE.length_bit()
        } else {
            0
        };
    /// One `Host` line, in request order.
    fn host(&mut self, value: &'a [u8]);
    /// One line whose name has `Sec-Fetch-Site`'s length and last word ([`site_candidate`]),
    /// in request order: whether the rest of the name matches is not yet known.
    fn site(&mut self, name: &'a [u8; SITE_LEN], value: &'a [u8]);
    /// One `Upgrade` line, in request order.
    fn upgrade(&mut self, value: &'a [u8]);
}

/// Ignores the other lines: the scan of a policy without cross-origin protection,
/// which costs nothing more than the CORS names.
pub(crate) struct NoLines;

impl<'a> OtherLines<'a> for NoLines {
    const READS: bool = false;
    #[inline(always)]
    fn host(&mut self, _: &'a [u8]) {}
    #[inline(always)]
    fn site(&mut self, _: &'a [u8; SITE_LEN], _: &'a [u8]) {}
    #[inline(always)]
    fn upgrade(&mut self, _: &'a [u8]) {}
}

/// The request headers cross-origin protection reads, found by the same pass as the
/// CORS ones ([`RequestHeaders::scan`]): kept as the scan found them, read only when
/// the origin's verdict does not settle the request ([`crate::protection::refuses`]).
/// Never allocates.
///
/// Invariants: `host` is the last `Host` line's value (`None` iff `hosts` is 0) and
/// `hosts` counts the lines (a `u64` that a request cannot wrap); the value is read only
/// when there is exactly one line (two lines equal no host,
/// [`ProtectionLines::single_host`]). Keeping the last value is a plain store and the
/// count an add: no test per line. `Sec-Fetch-Site` lines are kept as candidates, lines
/// whose name has its length and last word `site` ([`site_candidate`]): with one
/// candidate, `candidate` is it, its name not yet compared whole; when another arrives
/// (rare: browsers send one line), both are compared whole, `several` is set if both
/// are `Sec-Fetch-Site`, and `candidate` keeps a real one if there is one.
/// So the request has no `Sec-Fetch-Site` line iff `candidate` is `None` or not one,
/// two or more iff `several`, else exactly `candidate` ([`ProtectionLines::sites`]).
/// `websocket` is set once any `Upgrade` line lists the `websocket` token (or is longer
/// than [`MAX_UPGRADE_BYTES`]).
///
/// Why candidates: the name's last word is one 4-byte compare where the whole name was
/// two 8-byte ones with three 64-bit constants (~7 instructions per request under
/// protection), and only a request whose origin is not trusted reads the lines. A
/// browser's other 14-byte names (`sec-fetch-dest`, `-mode`, `-user`, `content-length`,
/// `accept-charset`) are no candidates.
///
/// `Copy`, and handed by value to the out-of-line code that reads it: taking its
/// address in the function that scans kept it in memory and copied every field after
/// the scan (~25 instructions per request).
#[derive(Clone, Copy)]
pub(crate) struct ProtectionLines<'a> {
    /// The last `Host` value.
    pub(crate) host: Option<&'a [u8]>,
    /// How many `Host` lines.
    pub(crate) hosts: u64,
    /// A `Sec-Fetch-Site` candidate (name and value), see the invariants.
    candidate: Option<(&'a [u8; SITE_LEN], &'a [u8])>,
    /// Two or more `Sec-Fetch-Site` lines were seen.
    several: bool,
    /// Some `Upgrade` line names `websocket` (ASCII case-insensitive).
    pub(crate) websocket: bool,
}

impl<'a> ProtectionLines<'a> {
    /// No line read yet.
    #[inline(always)]
    pub(crate) const fn new() -> Self {
        ProtectionLines {
            host: None,
            hosts: 0,
            candidate: None,
            several: false,
            websocket: false,
        }
    }

    /// The `Host` value when there is exactly one line (what step 3 and a policy set's
    /// route selection read), else `None`. Cost: one test.
    #[inline]
    pub(crate) fn single_host(&self) -> Option<&'a [u8]> {
        if self.hosts == 1 { self.host } else { None }
    }

    /// The `Sec-Fetch-Site` lines: how many, 0, 1 or 2 (two or more), and the value
    /// when there is exactly one. Cost: one whole-name comparison (two 8-byte words);
    /// read only for a request whose origin is not trusted.
    #[inline]
    pub(crate) fn sites(&self) -> (u8, Option<&'a [u8]>) {
        if self.several {
            return (2, None);
        }
        match self.real_candidate() {
            Some(value) => (1, Some(value)),
            None => (0, None),
        }
    }

    /// The candidate's value if its name is `Sec-Fetch-Site`.
    #[inline(always)]
    fn real_candidate(&self) -> Option<&'a [u8]> {
        match self.candidate {
            Some((name, value)) if SEC_FETCH_SITE.matches(name) => Some(value),
            _ => None,
        }
    }
}

/// Cost: the [`OtherLines::READ_LENGTHS`] bit test per line (lengths 4, 6, 7, 14, 29,
/// 30, 38 pass), then `Host` after one length compare and a `Sec-Fetch-Site` candidate
/// after two, each one 4-byte word compare (`host`; the candidate's last word), then
/// two stores and an add (`Host`) or a test and three stores (a candidate); the value
/// is not read. `Upgrade` by its two 4-byte words, its value at most
/// [`MAX_UPGRADE_BYTES`] bytes.
///
/// With the protection names tested ahead of the scan's groups as a chain of compares
/// (no jump table), the length filter pays again: a line of no read length costs the
/// one bit test, as in the unprotected scan (benches/README.md, protect4).
impl<'a> OtherLines<'a> for ProtectionLines<'a> {
    const READS: bool = true;
    #[inline(always)]
    fn host(&mut self, value: &'a [u8]) {
        self.hosts = self.hosts.wrapping_add(1);
        self.host = Some(value);
    }
    /// A first candidate is only stored; a later one (rare: browsers send one line)
    /// is compared whole with the one kept (see the invariants).
    #[inline(always)]
    fn site(&mut self, name: &'a [u8; SITE_LEN], value: &'a [u8]) {
        if self.candidate.is_some() && self.real_candidate().is_some() {
            if SEC_FETCH_SITE.matches(name) {
                self.several = true;
            }
            // Keeps the real line.
            return;
        }
        self.candidate = Some((name, value));
    }
    #[inline(always)]
    fn upgrade(&mut self, value: &'a [u8]) {
        self.websocket |= upgrades_to_websocket(value);
    }
}

/// Reads only the `Host` lines: the scan of a policy set none of whose policies has
/// cross-origin protection, which reads `Host` to select the policy and nothing else.
/// `Sec-Fetch-Site` and `Upgrade` are not even matched (their name lengths are not in
/// [`OtherLines::READ_LENGTHS`]); a policy without protection never reads them.
///
/// Invariant: `host` is the last `Host` value (empty when `hosts` is 0), `hosts` counts
/// the lines, as in [`ProtectionLines`]. The value is a plain slice, not an `Option`:
/// [`HostLines::single_host`] then needs one test, not two (`None` also tested the
/// pointer), and the empty value it gives for no or several lines is a host no route
/// has. Measured: 5 instructions per request fewer in `bash scripts/set-probe.sh`
/// (81.0 -> 76.0), 1 in the gate's `set.selected_100k`. Its own small struct, not a
/// [`ProtectionLines`]: its two fields stay in registers through the scan (the
/// protection lines, handed by reference to the decision, were kept in memory).
///
/// Cost: one word-at-a-time name comparison per line whose name has length 4 (in the
/// scan's own length dispatch), then a store and an add per `Host`.
#[derive(Clone, Copy)]
pub(crate) struct HostLines<'a> {
    host: &'a [u8],
    hosts: u64,
}

impl<'a> HostLines<'a> {
    #[inline(always)]
    pub(crate) fn new() -> Self {
        HostLines {
            host: &[],
            hosts: 0,
        }
    }

    /// The `Host` value when there is exactly one line, else the empty value (which no
    /// route host equals: a request with no or several `Host` lines selects only `*`
    /// routes, as [`ProtectionLines::single_host`]'s `None` does). Cost: one test.
    #[inline(always)]
    pub(crate) fn single_host(&self) -> &'a [u8] {
        if self.hosts == 1 { self.host } else { &[] }
    }
}

impl<'a> OtherLines<'a> for HostLines<'a> {
    const READS: bool = true;
    const READ_LENGTHS: u64 = CORS_LENGTHS | HOST.length_bit();
    #[inline(always)]
    fn host(&mut self, value: &'a [u8]) {
        self.hosts = self.hosts.wrapping_add(1);
        self.host = value;
    }
    #[inline(always)]
    fn site(&mut self, _: &'a [u8; SITE_LEN], _: &'a [u8]) {}
    #[inline(always)]
    fn upgrade(&mut self, _: &'a [u8]) {}
}

/// Whether one `Upgrade` line lists the `websocket` protocol: a comma-separated element
/// whose name (before an optional `/version`), optional whitespace trimmed, is
/// `websocket` in any case. A line longer than [`MAX_UPGRADE_BYTES`] counts as one,
/// unread.
///
/// Cost: at most [`MAX_UPGRADE_BYTES`] bytes, one pass. Never allocates.
#[inline]
pub(crate) fn upgrades_to_websocket(value: &[u8]) -> bool {
    if value.len() > MAX_UPGRADE_BYTES {
        return true;
    }
    value.split(|&b| b == b',').any(|element| {
        let name = element.split(|&b| b == b'/').next().unwrap_or_default();
        WEBSOCKET.matches(trim_ows(name))
    })
}

/// Checks one `Access-Control-Request-Headers` line in a single pass: its elements
/// must be tokens (with optional whitespace around them) for which `allowed` holds.
/// Returns the trimmed line to echo in `Access-Control-Allow-Headers`, or `None` for
/// a line without names; `empties` counts empty elements across lines.
///
/// Cost: one table load per byte plus one `allowed` call per name. Never allocates.
#[inline]
pub(crate) fn check_acrh_line<'a>(
    line: &'a [u8],
    empties: &mut usize,
    allowed: impl Fn(&[u8]) -> bool,
) -> Result<Option<&'a str>, Reason<'a>> {
    let line = trim_ows(line);
    let n = line.len();
    let mut i = 0;
    loop {
        while i < n && is_ows(line[i]) {
            i += 1;
        }
        let start = i;
        i += syntax::token_len(&line[start..]);
        let name = &line[start..i];
        while i < n && is_ows(line[i]) {
            i += 1;
        }
        if i < n && line[i] != b',' {
            return Err(Reason::HeadersMalformed);
        }
        if name.is_empty() {
            *empties += 1;
            if *empties > MAX_ACRH_EMPTY_ELEMENTS {
                return Err(Reason::HeadersTooLarge);
            }
        } else if !allowed(name) {
            // A token is ASCII.
            let name = std::str::from_utf8(name).unwrap_or("");
            return Err(Reason::HeaderNotAllowed { name });
        }
        if i >= n {
            break;
        }
        i += 1;
    }
    if n == 0 {
        return Ok(None);
    }
    // Every byte is a token byte, whitespace or a comma: ASCII.
    match std::str::from_utf8(line) {
        Ok(value) => Ok(Some(value)),
        Err(_) => Err(Reason::HeadersMalformed),
    }
}

#[inline(always)]
fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Strips optional whitespace (SP, HTAB) at both ends.
#[inline]
pub(crate) fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// The lengths of the CORS request header names the scan reads, as bits.
const CORS_LENGTHS: u64 =
    ORIGIN.length_bit() | ACRM.length_bit() | ACRH.length_bit() | ACRPN.length_bit();

const ORIGIN: FoldedName<6> = FoldedName::new(b"origin");
const ORIGIN_LEN: usize = ORIGIN.len();
/// The shortest `Access-Control-Request-*` name (`-Method`); every other read name
/// is shorter.
const ACRM_LEN: usize = ACRM.len();
const ACRM: FoldedName<29> = FoldedName::new(b"access-control-request-method");
const ACRH: FoldedName<30> = FoldedName::new(b"access-control-request-headers");
const ACRPN: FoldedName<38> = FoldedName::new(b"access-control-request-private-network");
const AUTHORIZATION: FoldedName<13> = FoldedName::new(b"authorization");
const HOST: FoldedName<4> = FoldedName::new(b"host");
const SEC_FETCH_SITE: FoldedName<SITE_LEN> = FoldedName::new(b"sec-fetch-site");
/// The length of `Sec-Fetch-Site`.
pub(crate) const SITE_LEN: usize = 14;
/// `Sec-Fetch-Site`'s last word, which a candidate's name ends with.
const SITE_WORD: FoldedName<4> = FoldedName::new(b"site");

/// `name` as a `Sec-Fetch-Site` candidate: `SITE_LEN` bytes ending with `site` (ASCII
/// case-insensitive). Cost: one 4-byte word compare (the length is the scan's).
#[inline(always)]
fn site_candidate(name: &[u8]) -> Option<&[u8; SITE_LEN]> {
    let name: &[u8; SITE_LEN] = name.try_into().ok()?;
    SITE_WORD.matches(&name[SITE_LEN - 4..]).then_some(name)
}
const UPGRADE: FoldedName<7> = FoldedName::new(b"upgrade");
const WEBSOCKET: FoldedName<9> = FoldedName::new(b"websocket");

/// Whether a request header name is `Authorization` (ASCII case-insensitive), which a
/// `"*"` in `request_headers` does not cover.
#[inline]
pub(crate) fn is_authorization(name: &[u8]) -> bool {
    AUTHORIZATION.matches(name)
}

/// The case folder's mask byte for one byte of a lowercase name: `0x20` on a letter,
/// so that `byte | mask == lower` folds case on letters only and compares every other
/// byte exactly (as `eq_ignore_ascii_case` does: only `A` and `a` OR `0x20` to `a`).
#[inline(always)]
const fn fold_mask(lower: u8) -> u8 {
    if lower.is_ascii_lowercase() { 0x20 } else { 0 }
}

/// The one ASCII case folder: whether `name` equals `lower` (which has no ASCII
/// uppercase letters) ignoring ASCII case, given `mask[i] == fold_mask(lower[i])`.
///
/// Eight bytes at a time (`name | mask == lower` per word, the last word overlapping
/// its predecessor instead of falling back to bytes), stopping at the first word that
/// differs; names of 4 to 7 bytes as two overlapping 4-byte words, shorter ones by byte.
/// When inlined with a constant length, the loop unrolls into a few word operations.
#[inline(always)]
fn eq_folded(lower: &[u8], mask: &[u8], name: &[u8]) -> bool {
    let n = lower.len();
    if name.len() != n || mask.len() != n {
        return false;
    }
    if (4..8).contains(&n) {
        // Two overlapping 4-byte words (`host`, `origin`, `upgrade`).
        let word = |b: &[u8], at: usize| -> u32 {
            let mut w = [0u8; 4];
            if let Some(s) = b.get(at..at + 4) {
                w.copy_from_slice(s);
            }
            u32::from_le_bytes(w)
        };
        let i = n - 4;
        return (word(name, 0) | word(mask, 0)) == word(lower, 0)
            && (word(name, i) | word(mask, i)) == word(lower, i);
    }
    if n < 8 {
        let mut diff = 0;
        for i in 0..n {
            diff |= (name[i] | mask[i]) ^ lower[i];
        }
        return diff == 0;
    }
    let word = |b: &[u8], at: usize| -> u64 {
        let mut w = [0u8; 8];
        if let Some(s) = b.get(at..at + 8) {
            w.copy_from_slice(s);
        }
        u64::from_le_bytes(w)
    };
    let mut at = 0;
    loop {
        let i = at.min(n - 8);
        if (word(name, i) | word(mask, i)) != word(lower, i) {
            return false;
        }
        at += 8;
        if at >= n {
            return true;
        }
    }
}

/// A constant lowercase header name prepared for [`eq_folded`].
struct FoldedName<const N: usize> {
    lower: [u8; N],
    mask: [u8; N],
}

impl<const N: usize> FoldedName<N> {
    const fn new(lower: &[u8; N]) -> Self {
        let mut mask = [0u8; N];
        let mut i = 0;
        while i < N {
            mask[i] = fold_mask(lower[i]);
            i += 1;
        }
        FoldedName {
            lower: *lower,
            mask,
        }
    }

    /// Bit `N` (every read name is under 64 bytes: a longer one fails to compile).
    /// The name's length.
    const fn len(&self) -> usize {
        N
    }

    const fn length_bit(&self) -> u64 {
        assert!(N < 64);
        1 << N
    }

    /// Whether `name` equals this name, ignoring ASCII case.
    #[inline(always)]
    fn matches(&self, name: &[u8]) -> bool {
        eq_folded(&self.lower, &self.mask, name)
    }

    /// [`FoldedName::matches`] for `4 <= N < 8`: the first and last four bytes (which
    /// cover the name) compared as words, the length tested as `n >= N` (by the `get`s)
    /// and `n <= N` rather than as one equality, which LLVM would join with the scan's
    /// chain of length tests into a jump table.
    #[inline(always)]
    fn matches_prefix_suffix(&self, name: &[u8]) -> bool {
        const { assert!(N >= 4 && N < 8) };
        let word = |b: &[u8], at: usize| -> Option<u32> {
            Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
        };
        let (Some(a), Some(b)) = (word(name, 0), word(name, N - 4)) else {
            return false;
        };
        let lw = |at| word(&self.lower, at).unwrap_or_default();
        let mw = |at| word(&self.mask, at).unwrap_or_default();
        (a | mw(0)) == lw(0) && (b | mw(N - 4)) == lw(N - 4) && name.len() <= N
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_names_agree_with_eq_ignore_ascii_case() {
        fn check<const N: usize>(f: &FoldedName<N>, lower: &[u8; N]) {
            check_with(|name| f.matches(name), lower);
        }
        fn check_with<const N: usize>(matches: impl Fn(&[u8]) -> bool, lower: &[u8; N]) {
            let upper = lower.to_ascii_uppercase();
            assert!(matches(lower) && matches(&upper));
            assert!(!matches(&lower[..N - 1]));
            let mut longer = lower.to_vec();
            longer.push(lower[N - 1]);
            assert!(!matches(&longer));
            for at in 0..N {
                for b in 0..=255u8 {
                    let mut name = *lower;
                    name[at] = b;
                    assert_eq!(matches(&name), name.eq_ignore_ascii_case(lower), "{at} {b}");
                }
            }
        }
        check(&ORIGIN, b"origin");
        check(&ACRM, b"access-control-request-method");
        check(&ACRH, b"access-control-request-headers");
        check(&ACRPN, b"access-control-request-private-network");
        check(&AUTHORIZATION, b"authorization");
        check(&HOST, b"host");
        check(&SEC_FETCH_SITE, b"sec-fetch-site");
        check(&UPGRADE, b"upgrade");
        check(&WEBSOCKET, b"websocket");
        // The scan's `Upgrade` test, without a length equality.
        check_with(|name| UPGRADE.matches_prefix_suffix(name), b"upgrade");
        assert!(!UPGRADE.matches_prefix_suffix(b""));
    }

    #[test]
    fn upgrade_lines_are_read_for_websocket() {
        for yes in [
            &b"websocket"[..],
            b"WebSocket",
            b" websocket ",
            b"h2c, websocket",
            b"websocket/13",
            b"foo,\tWEBSOCKET\t,bar",
        ] {
            assert!(
                upgrades_to_websocket(yes),
                "{:?}",
                String::from_utf8_lossy(yes)
            );
        }
        for no in [
            &b""[..],
            b"h2c",
            b"websockets",
            b"web socket",
            b"x/websocket",
            b"websocket2",
        ] {
            assert!(
                !upgrades_to_websocket(no),
                "{:?}",
                String::from_utf8_lossy(no)
            );
        }
        // Bounded: a line longer than the bound counts as a handshake, unread.
        let long = vec![b'a'; MAX_UPGRADE_BYTES + 1];
        assert!(upgrades_to_websocket(&long));
        assert!(!upgrades_to_websocket(&long[..MAX_UPGRADE_BYTES]));
    }

    #[test]
    fn protection_lines_are_found_by_the_same_pass() {
        let lines: [(&[u8], &[u8]); 7] = [
            (b"HOST", b"a.example"),
            (b"Origin", b"https://b.example"),
            (b"host", b"second"),
            (b"Sec-Fetch-Site", b"cross-site"),
            (b"sec-fetch-site", b"same-origin"),
            (b"Upgrade", b"h2c"),
            (b"upgrade", b"websocket"),
        ];
        let mut req = RequestHeaders::new();
        let mut p = ProtectionLines::new();
        req.scan(lines, &mut p);
        assert_eq!(req.origin, Some(&b"https://b.example"[..]));
        // The last value and how many lines (a value is read only with one line).
        assert_eq!((p.host, p.hosts), (Some(&b"second"[..]), 2));
        assert_eq!(p.single_host(), None, "two Host lines name no host");
        assert_eq!(p.sites(), (2, None));
        assert!(p.websocket);
        // The CORS scan alone leaves them unread.
        let mut req = RequestHeaders::new();
        req.scan(lines, &mut NoLines);
        assert_eq!(req.origin_lines, 1);
    }

    #[test]
    fn one_line_of_each_is_kept_as_is() {
        let mut p = ProtectionLines::new();
        assert_eq!(
            (p.single_host(), p.sites(), p.websocket),
            (None, (0, None), false)
        );
        RequestHeaders::new().scan(
            [
                (&b"Host"[..], &b"API.Example.com:8443"[..]),
                (b"Sec-Fetch-Site", b" none "),
                (b"Upgrade", b"WebSocket"),
            ],
            &mut p,
        );
        assert_eq!(p.single_host(), Some(&b"API.Example.com:8443"[..]));
        assert_eq!(p.sites(), (1, Some(&b" none "[..])));
        assert!(p.websocket);
        // Three lines stay "several".
        let mut p = ProtectionLines::new();
        let host: (&[u8], &[u8]) = (b"host", b"a");
        RequestHeaders::new().scan([host, host, host], &mut p);
        assert_eq!((p.host, p.hosts), (Some(&b"a"[..]), 3));
        assert_eq!(p.single_host(), None);
    }

    #[test]
    fn sec_fetch_site_candidates_are_compared_whole_when_read() {
        let sites = |lines: &[(&'static str, &'static str)]| {
            let mut p = ProtectionLines::new();
            RequestHeaders::new().scan(
                lines.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())),
                &mut p,
            );
            p.sites()
        };
        let real = ("SEC-FETCH-SITE", "none");
        // Same length and last word, another name: a candidate that is not counted.
        let other14 = ("xxx-fetch-SITE", "b");
        let other = ("x-sec-fetch-site", "a");
        let mixed = ("sec-fetch-sitE", "c"); // the name itself, in another case
        assert_eq!(sites(&[]), (0, None));
        assert_eq!(sites(&[other14]), (0, None));
        assert_eq!(sites(&[other]), (0, None));
        assert_eq!(sites(&[real]), (1, Some(&b"none"[..])));
        assert_eq!(sites(&[mixed]), (1, Some(&b"c"[..])));
        assert_eq!(sites(&[real, other14]), (1, Some(&b"none"[..])));
        assert_eq!(sites(&[other14, real]), (1, Some(&b"none"[..])));
        assert_eq!(
            sites(&[other14, real, other14, other]),
            (1, Some(&b"none"[..]))
        );
        assert_eq!(sites(&[other14, other14, other14]), (0, None));
        assert_eq!(sites(&[real, other14, mixed]), (2, None));
        assert_eq!(sites(&[mixed, real, real]), (2, None));
        assert_eq!(sites(&[other14, mixed, other, other14, real]), (2, None));
        // A browser's other 14-byte names are no candidates at all.
        for name in [
            "sec-fetch-dest",
            "sec-fetch-mode",
            "sec-fetch-user",
            "content-length",
        ] {
            assert_eq!(name.len(), SITE_LEN);
            assert_eq!(site_candidate(name.as_bytes()), None, "{name}");
        }
        assert!(site_candidate(b"sec-fetch-site").is_some());
        assert!(site_candidate(b"sec-fetch-sit").is_none());
    }

    #[test]
    fn acrh_lines_are_tokenized_in_one_pass() {
        let any = |_: &[u8]| true;
        let mut empties = 0;
        assert_eq!(
            check_acrh_line(b" a , b\t", &mut empties, any),
            Ok(Some("a , b"))
        );
        assert_eq!(check_acrh_line(b"  ", &mut empties, any), Ok(None));
        assert_eq!(empties, 1);
        assert_eq!(
            check_acrh_line(b"a b", &mut empties, any),
            Err(Reason::HeadersMalformed)
        );
        let only_a = |n: &[u8]| n == b"a";
        assert_eq!(
            check_acrh_line(b"a,b", &mut empties, only_a),
            Err(Reason::HeaderNotAllowed { name: "b" })
        );
        let mut empties = 0;
        let many = ",".repeat(MAX_ACRH_EMPTY_ELEMENTS + 1);
        assert_eq!(
            check_acrh_line(many.as_bytes(), &mut empties, any),
            Err(Reason::HeadersTooLarge)
        );
    }
}

#[cfg(test)]
mod request_header_names_tests {
    use crate::Policy;
    use crate::names::REQUEST_HEADERS;

    /// Only the names in `REQUEST_HEADERS` change a decision: dropping every other line
    /// gives the same answer, and each listed name is read.
    #[test]
    fn exactly_the_listed_request_headers_are_read() {
        let p = Policy::from_json(
            r#"{"origins":["https://a.com"],"methods":["PUT"],"request_headers":["x-a"],"private_network":true}"#,
        )
        .unwrap();
        let full = [
            ("X-Other", "1"),
            ("ORIGIN", "https://a.com"),
            ("access-control-request-method", "PUT"),
            ("Access-Control-Request-Headers", "x-a"),
            ("Access-Control-Request-Private-Network", "true"),
            ("Origin-X", "y"),
        ];
        let filtered: Vec<(&str, &str)> = full
            .iter()
            .copied()
            .filter(|(n, _)| REQUEST_HEADERS.iter().any(|r| r.eq_ignore_ascii_case(n)))
            .collect();
        assert_eq!(filtered.len(), 4);
        let a = p.evaluate_str("OPTIONS", &full).to_json();
        let b = p.evaluate_str("OPTIONS", &filtered).to_json();
        assert!(a.contains("\"allowed\":true"), "{a}");
        assert_eq!(a, b);
        // Without each listed line, the decision changes.
        for skip in 0..filtered.len() {
            let fewer: Vec<_> = filtered
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, h)| *h)
                .collect();
            assert_ne!(
                p.evaluate_str("OPTIONS", &fewer).to_json(),
                a,
                "{}",
                filtered[skip].0
            );
        }
    }
}
