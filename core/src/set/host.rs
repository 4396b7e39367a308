//! Hosts of a policy set: a route's `host` as written in the file, and a request's `Host`
//! line, both reduced to the same key (DESIGN "Policy sets").
//!
//! A key is a host name (lowercase, one trailing dot removed) and a port (`0` for none
//! or a default port, 80 and 443 being dropped). The request side never allocates and
//! never copies the host: it splits the line in place, and the selector hashes and
//! compares it folding ASCII case on the fly ([`fold_hash`], [`eq_lower`]); whether a
//! request host is well formed ([`is_valid_name`]) is checked only when the exact
//! probe missed, since an exact hit equals a route host, which is well formed.

use crate::syntax::{is_canonical_domain, is_canonical_ipv6, parse_port};

/// A request host split in place: the name, as sent (any case, trailing dot removed),
/// and the port (`0`: none, 80 or 443).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HostKey<'a> {
    pub(crate) name: &'a [u8],
    pub(crate) port: u16,
}

/// The longest host name a key holds: a 253-byte domain and its trailing dot.
const MAX_NAME: usize = 254;

/// Splits a request's `Host` value (one line) into its key, or `None` when it is not
/// `host[:port]` (empty, a bad port, too long). Surrounding whitespace is trimmed.
/// The name is not validated here (see [`is_valid_name`]).
///
/// Cost: constant for hosts that do not end in a digit; otherwise at most six bytes
/// are read back from the end (IPv6 literals: one `]` search). Never allocates.
#[inline]
pub(crate) fn request_key(raw: &[u8]) -> Option<HostKey<'_>> {
    let raw = trim_ows(raw);
    let (name, port) = if raw.first() == Some(&b'[') {
        let close = memchr::memchr(b']', raw)?;
        let (name, rest) = raw.split_at(close + 1);
        match rest {
            [] => (name, 0),
            [b':', digits @ ..] => (name, parse_port(digits)?),
            _ => return None,
        }
    } else {
        let n = raw.len();
        let mut i = n;
        while i > 0 && n - i <= 5 && raw[i - 1].is_ascii_digit() {
            i -= 1;
        }
        if i > 0 && i < n && raw[i - 1] == b':' {
            (&raw[..i - 1], parse_port(&raw[i..])?)
        } else {
            (raw, 0)
        }
    };
    let port = if port == 80 || port == 443 { 0 } else { port };
    let name = match name {
        [rest @ .., b'.'] => rest,
        _ => name,
    };
    if name.is_empty() || name.len() > MAX_NAME {
        return None;
    }
    Some(HostKey { name, port })
}

/// Whether a request host name (any case, trailing dot already removed) is a domain,
/// a dotted quad or a bracketed IPv6 literal as a browser serializes it.
///
/// Cost: one pass over the name, copied lowercase to the stack. Called only on the
/// slow path (no exact route matched).
pub(crate) fn is_valid_name(name: &[u8]) -> bool {
    let mut buf = [0u8; MAX_NAME];
    let Some(lower) = buf.get_mut(..name.len()) else {
        return false;
    };
    for (d, s) in lower.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    match lower {
        [b'[', inner @ .., b']'] => is_canonical_ipv6(inner),
        [.., b'.'] => false,
        _ => is_canonical_domain(lower),
    }
}

/// A route's `host` as the selector keys it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum RouteHost {
    /// `*`: every host and port, and requests without a usable `Host`.
    Any,
    /// An exact host: its lowercase name and port (`0`: the default ports).
    Exact(String, u16),
    /// `*.suffix`: one or more labels below the lowercase `suffix`, on that port.
    Wildcard(String, u16),
}

/// Reads a route's `host`: `*`, `*.example.com[:port]` or `host[:port]` (a domain, a
/// dotted quad or `[ipv6]`), normalized as requests are (lowercase, one trailing dot
/// removed, `:80`/`:443` dropped).
///
/// # Errors
/// A sentence saying what is wrong, for the `invalid_host` diagnostic.
pub(crate) fn parse_route_host(text: &str) -> Result<RouteHost, String> {
    if text == "*" {
        return Ok(RouteHost::Any);
    }
    if text.contains("://") || text.contains('/') {
        return Err(format!(
            "a route host is a host name with an optional port, not a URL: \"{text}\""
        ));
    }
    if text.bytes().any(|b| b.is_ascii_whitespace()) || text.is_empty() {
        return Err("a route host has no whitespace and is not empty".to_owned());
    }
    let (wildcard, rest) = match text.strip_prefix("*.") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if rest.contains('*') {
        return Err(format!(
            "\"{text}\": a wildcard is a leading \"*.\" before a domain (\"*.example.com\"), or \"*\" alone"
        ));
    }
    let key = request_key(rest.as_bytes())
        .ok_or_else(|| format!("\"{text}\" is not host[:port] with a port from 1 to 65535"))?;
    if !is_valid_name(key.name) {
        return Err(format!(
            "\"{text}\" is not a host name a browser would send (labels of letters, digits, \"-\" and \"_\", a canonical IPv4 or [IPv6] address)"
        ));
    }
    let name = String::from_utf8_lossy(key.name).to_ascii_lowercase();
    if wildcard {
        if name.starts_with('[')
            || crate::syntax::is_canonical_domain(name.as_bytes()) && ends_in_digit(&name)
        {
            return Err(format!(
                "\"{text}\": a wildcard covers the labels below a domain, not an address"
            ));
        }
        Ok(RouteHost::Wildcard(name, key.port))
    } else {
        Ok(RouteHost::Exact(name, key.port))
    }
}

/// Whether the last label of a (valid) domain is numeric, i.e. it is a dotted quad.
fn ends_in_digit(name: &str) -> bool {
    name.bytes().last().is_some_and(|b| b.is_ascii_digit())
}

#[inline(always)]
fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// `w` with its ASCII uppercase letters made lowercase, every other byte unchanged
/// (SWAR: no carry crosses a byte, since only 7-bit values are added to).
#[inline(always)]
fn fold_word(w: u64) -> u64 {
    let low7 = w & !HI;
    let ge_a = low7.wrapping_add(LO * u64::from(0x80 - b'A'));
    let gt_z = low7.wrapping_add(LO * u64::from(0x80 - b'Z' - 1));
    let upper = ge_a & !gt_z & !w & HI;
    w | (upper >> 2)
}

/// The bytes of `s` as little-endian words: each full 8-byte chunk, then the tail
/// zero-padded. `f` receives each folded word.
#[inline(always)]
fn for_each_folded_word(s: &[u8], mut f: impl FnMut(u64)) {
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        let mut b = [0u8; 8];
        b.copy_from_slice(c);
        f(fold_word(u64::from_le_bytes(b)));
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let mut b = [0u8; 8];
        b[..tail.len()].copy_from_slice(tail);
        f(fold_word(u64::from_le_bytes(b)));
    }
}

/// A hash of `(name, port)` that ignores ASCII case in `name`, keyed by `seed`.
///
/// Cost: a few operations per 8 bytes. Hash flooding does not apply: the table's keys
/// come from the set file, so a request chooses only which chain it walks, and chains
/// are as short as the table's load factor keeps them.
#[inline]
pub(crate) fn fold_hash(name: &[u8], port: u16, seed: u64) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h = seed ^ (name.len() as u64) ^ (u64::from(port) << 32);
    for_each_folded_word(name, |w| {
        h = (h ^ w).wrapping_mul(K).rotate_left(29);
    });
    (h ^ (h >> 32)).wrapping_mul(K)
}

/// Whether `name` (any case) equals `lower` (lowercase) ignoring ASCII case.
#[inline]
pub(crate) fn eq_lower(lower: &[u8], name: &[u8]) -> bool {
    if lower.len() != name.len() {
        return false;
    }
    let mut a = lower.chunks_exact(8);
    let mut b = name.chunks_exact(8);
    for (x, y) in (&mut a).zip(&mut b) {
        let (mut wx, mut wy) = ([0u8; 8], [0u8; 8]);
        wx.copy_from_slice(x);
        wy.copy_from_slice(y);
        if u64::from_le_bytes(wx) != fold_word(u64::from_le_bytes(wy)) {
            return false;
        }
    }
    a.remainder()
        .iter()
        .zip(b.remainder())
        .all(|(x, y)| *x == y.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Option<(String, u16)> {
        request_key(s.as_bytes()).map(|k| (String::from_utf8_lossy(k.name).into_owned(), k.port))
    }

    #[test]
    fn request_hosts_split_into_name_and_port() {
        assert_eq!(key("api.acme.com"), Some(("api.acme.com".into(), 0)));
        assert_eq!(key(" API.acme.com:443 "), Some(("API.acme.com".into(), 0)));
        assert_eq!(key("api.acme.com.:80"), Some(("api.acme.com".into(), 0)));
        assert_eq!(
            key("api.acme.com:8443"),
            Some(("api.acme.com".into(), 8443))
        );
        assert_eq!(key("10.0.0.1"), Some(("10.0.0.1".into(), 0)));
        assert_eq!(key("[::1]:8080"), Some(("[::1]".into(), 8080)));
        assert_eq!(key("a.com:0"), None);
        assert_eq!(key("a.com:99999"), None);
        assert_eq!(key("[::1]x"), None);
        assert_eq!(key(""), None);
        assert_eq!(key("."), None);
        // A bare colon leaves the name malformed, which validation catches.
        assert!(!is_valid_name(b"a.com:"));
    }

    #[test]
    fn names_are_validated_case_insensitively() {
        assert!(is_valid_name(b"API.Acme.COM"));
        assert!(is_valid_name(b"[::1]"));
        assert!(!is_valid_name(b"user@a.com"));
        assert!(!is_valid_name(b"a.com."));
        assert!(!is_valid_name(b"a..com"));
        assert!(!is_valid_name(b"1.2.3.04"));
        assert!(!is_valid_name(&[b'a'; 300]));
    }

    #[test]
    fn route_hosts_are_normalized_and_checked() {
        use RouteHost::*;
        assert_eq!(parse_route_host("*"), Ok(Any));
        assert_eq!(
            parse_route_host("API.acme.com."),
            Ok(Exact("api.acme.com".into(), 0))
        );
        assert_eq!(
            parse_route_host("api.acme.com:443"),
            Ok(Exact("api.acme.com".into(), 0))
        );
        assert_eq!(
            parse_route_host("*.Acme.com:8443"),
            Ok(Wildcard("acme.com".into(), 8443))
        );
        for bad in [
            "https://api.a.com",
            "a.com/x",
            "*.*.a.com",
            "a*.com",
            "",
            " a.com",
            "*.1.2.3.4",
            "*.[::1]",
            "a.com:0",
        ] {
            assert!(parse_route_host(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn folding_hash_and_compare_ignore_case_only() {
        for (a, b) in [
            ("api.acme.com", "API.ACME.COM"),
            ("x.y", "X.y"),
            (
                "a-very-long-host-name.example.org",
                "A-VERY-long-HOST-name.example.ORG",
            ),
        ] {
            assert_eq!(fold_hash(a.as_bytes(), 0, 7), fold_hash(b.as_bytes(), 0, 7));
            assert!(eq_lower(a.as_bytes(), b.as_bytes()));
        }
        assert_ne!(fold_hash(b"a.com", 0, 7), fold_hash(b"a.com", 8080, 7));
        assert!(!eq_lower(b"a_com", b"a\x7fcom"));
        assert!(!eq_lower(b"a.com", b"a.con"));
        // Every byte: only A-Z fold.
        for b in 0..=255u8 {
            let w = fold_word(u64::from(b));
            assert_eq!(w, u64::from(b.to_ascii_lowercase()), "{b}");
        }
    }
}
