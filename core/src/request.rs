//! Reading a request: the one scan that finds the CORS request headers among a
//! request's header lines, the tokenizer of `Access-Control-Request-Headers`, and the
//! one ASCII case folder they use.
//!
//! Nothing here allocates or panics; each function states its cost. What the values
//! mean for a policy is decided in [`crate::Policy`].

use crate::decision::{MAX_ACRH_LINES, Reason};
use crate::syntax;

/// The most bytes of `Access-Control-Request-Headers`, summed over its lines, that a
/// preflight may carry. Browsers send a few hundred at most; more is a deny, decided
/// after summing the line lengths, without reading the bytes.
pub const MAX_ACRH_BYTES: usize = 8 * 1024;

/// The most empty elements (`a,,b`) tolerated in `Access-Control-Request-Headers`.
pub const MAX_ACRH_EMPTY_ELEMENTS: usize = 16;

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
    /// `acrh[..acrh_len]` are set.
    pub(crate) acrh: [&'a [u8]; MAX_ACRH_LINES],
    pub(crate) acrh_len: usize,
    /// Bytes of every `Access-Control-Request-Headers` line, summed (saturating).
    pub(crate) acrh_bytes: usize,
    /// More than [`MAX_ACRH_LINES`] lines were seen.
    pub(crate) acrh_overflow: bool,
    /// Some `Access-Control-Request-Private-Network` line is exactly `true`.
    pub(crate) acrpn: bool,
    /// The first `Host` value.
    pub(crate) host: Option<&'a [u8]>,
    /// How many `Host` lines (saturating).
    pub(crate) host_lines: u32,
}

impl<'a> RequestHeaders<'a> {
    #[inline(always)]
    pub(crate) fn new() -> Self {
        RequestHeaders {
            origin: None,
            origin_lines: 0,
            acrm: None,
            acrm_lines: 0,
            acrh: [&[]; MAX_ACRH_LINES],
            acrh_len: 0,
            acrh_bytes: 0,
            acrh_overflow: false,
            acrpn: false,
            host: None,
            host_lines: 0,
        }
    }

    /// Reads every header line once. Cost: one length dispatch per line, plus one
    /// word-at-a-time name comparison for lines whose name has a CORS name's length.
    #[inline]
    pub(crate) fn scan<I: IntoIterator<Item = (&'a [u8], &'a [u8])>>(&mut self, headers: I) {
        let r = self;
        for (name, value) in headers {
            match name.len() {
                4 if HOST.matches(name) => {
                    r.host_lines = r.host_lines.saturating_add(1);
                    r.host.get_or_insert(value);
                }
                6 if ORIGIN.matches(name) => {
                    r.origin_lines = r.origin_lines.saturating_add(1);
                    r.origin.get_or_insert(value);
                }
                29 if ACRM.matches(name) => {
                    r.acrm_lines = r.acrm_lines.saturating_add(1);
                    r.acrm.get_or_insert(value);
                }
                30 if ACRH.matches(name) => {
                    r.acrh_bytes = r.acrh_bytes.saturating_add(value.len());
                    if r.acrh_len < MAX_ACRH_LINES {
                        r.acrh[r.acrh_len] = value;
                        r.acrh_len += 1;
                    } else {
                        r.acrh_overflow = true;
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
fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

const HOST: FoldedName<4> = FoldedName::new(b"host");
const ORIGIN: FoldedName<6> = FoldedName::new(b"origin");
const ACRM: FoldedName<29> = FoldedName::new(b"access-control-request-method");
const ACRH: FoldedName<30> = FoldedName::new(b"access-control-request-headers");
const ACRPN: FoldedName<38> = FoldedName::new(b"access-control-request-private-network");
const AUTHORIZATION: FoldedName<13> = FoldedName::new(b"authorization");

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
/// differs.
/// When inlined with a constant length, the loop unrolls into a few word operations.
#[inline(always)]
fn eq_folded(lower: &[u8], mask: &[u8], name: &[u8]) -> bool {
    let n = lower.len();
    if name.len() != n || mask.len() != n {
        return false;
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

    /// Whether `name` equals this name, ignoring ASCII case.
    #[inline(always)]
    fn matches(&self, name: &[u8]) -> bool {
        eq_folded(&self.lower, &self.mask, name)
    }
}

/// A header name of the policy, lowercased and prepared for [`eq_folded`]: one
/// allocation holding the lowercase name followed by its mask (twice the name's bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FoldedBytes(Box<[u8]>);

impl FoldedBytes {
    /// Prepares `name` (lowercased here).
    pub(crate) fn new(name: &[u8]) -> Self {
        let mut both = name.to_ascii_lowercase();
        both.extend(name.iter().map(|b| fold_mask(b.to_ascii_lowercase())));
        FoldedBytes(both.into_boxed_slice())
    }

    /// Whether `name` equals this name, ignoring ASCII case. Never allocates.
    #[inline]
    pub(crate) fn matches(&self, name: &[u8]) -> bool {
        let (lower, mask) = self.0.split_at(self.0.len() / 2);
        eq_folded(lower, mask, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_bytes_agree_with_eq_ignore_ascii_case() {
        let lower = b"x-request-id-0123456789_abcdefghijklmnopqrstuvwxyz~";
        for n in 0..lower.len() {
            let l = &lower[..n];
            let f = FoldedBytes::new(l);
            assert!(f.matches(l) && f.matches(&l.to_ascii_uppercase()));
            assert_eq!(FoldedBytes::new(&l.to_ascii_uppercase()), f);
            for at in 0..n {
                for b in 0..=255u8 {
                    let mut name = l.to_vec();
                    name[at] = b;
                    assert_eq!(f.matches(&name), l.eq_ignore_ascii_case(&name));
                }
            }
        }
        assert!(!FoldedBytes::new(b"ab").matches(b"abc"));
    }

    #[test]
    fn folded_names_agree_with_eq_ignore_ascii_case() {
        fn check<const N: usize>(f: &FoldedName<N>, lower: &[u8; N]) {
            let upper = lower.to_ascii_uppercase();
            assert!(f.matches(lower) && f.matches(&upper));
            assert!(!f.matches(&lower[..N - 1]));
            for at in 0..N {
                for b in 0..=255u8 {
                    let mut name = *lower;
                    name[at] = b;
                    assert_eq!(
                        f.matches(&name),
                        name.eq_ignore_ascii_case(lower),
                        "{at} {b}"
                    );
                }
            }
        }
        check(&ORIGIN, b"origin");
        check(&ACRM, b"access-control-request-method");
        check(&ACRH, b"access-control-request-headers");
        check(&ACRPN, b"access-control-request-private-network");
        check(&AUTHORIZATION, b"authorization");
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
