//! Lexical rules shared by policy validation and request parsing.
//!
//! Everything here works on bytes, never allocates and never panics; the request path
//! relies on both.

use std::net::Ipv6Addr;

/// The longest `Origin` value that can be a browser's serialization: scheme, `://`,
/// a 253-byte host and a port fit with plenty of room. Longer values are denied without
/// being looked at.
pub const MAX_ORIGIN_LEN: usize = 512;

/// Whether `b` is a `tchar` of RFC 9110 (the bytes of methods and header names).
#[inline]
pub const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' |
        b'^' | b'_' | b'`' | b'|' | b'~' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// [`is_tchar`] as a table: one load per byte on the request path.
const TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = is_tchar(i as u8);
        i += 1;
    }
    t
};

/// Whether `s` is a non-empty RFC 9110 token.
#[inline]
pub fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| TCHAR[usize::from(b)])
}

/// The default port of a scheme with one (the URL standard's special schemes).
pub fn default_port(scheme: &[u8]) -> Option<u16> {
    match scheme {
        b"http" | b"ws" => Some(80),
        b"https" | b"wss" => Some(443),
        b"ftp" => Some(21),
        _ => None,
    }
}

/// Whether `s` is a scheme as the URL parser leaves it: `[a-z][a-z0-9+.-]*`.
pub fn is_scheme(s: &[u8]) -> bool {
    match s.split_first() {
        Some((first, rest)) => {
            first.is_ascii_lowercase()
                && rest.iter().all(|&b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.')
                })
        }
        None => false,
    }
}

/// Parses a port exactly as a browser serializes it: 1-5 digits, no leading zero,
/// 1..=65535.
#[inline]
pub fn parse_port(digits: &[u8]) -> Option<u16> {
    if digits.is_empty() || digits.len() > 5 || digits[0] == b'0' {
        return None;
    }
    let mut v: u32 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(d - b'0');
    }
    u16::try_from(v).ok()
}

#[inline]
fn is_label_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
}

/// Whether the URL parser would treat a host whose last label is `label` as IPv4
/// ("ends in a number").
fn ends_in_number(label: &[u8]) -> bool {
    if !label.is_empty() && label.iter().all(u8::is_ascii_digit) {
        return true;
    }
    label.len() >= 2
        && label[0] == b'0'
        && (label[1] == b'x' || label[1] == b'X')
        && label[2..].iter().all(u8::is_ascii_hexdigit)
}

/// Whether `s` is a dotted quad exactly as the URL serializer writes IPv4.
fn is_canonical_ipv4(s: &[u8]) -> bool {
    let mut parts = 0;
    for part in s.split(|&b| b == b'.') {
        parts += 1;
        if parts > 4 || part.is_empty() || part.len() > 3 || (part.len() > 1 && part[0] == b'0') {
            return false;
        }
        let mut v: u32 = 0;
        for &d in part {
            if !d.is_ascii_digit() {
                return false;
            }
            v = v * 10 + u32::from(d - b'0');
        }
        if v > 255 {
            return false;
        }
    }
    parts == 4
}

/// Whether `host` is a domain or IPv4 host exactly as a browser serializes it:
/// lowercase labels of `[a-z0-9_-]`, each 1..=63 bytes, at most 253 bytes (plus an
/// optional trailing dot), and a canonical dotted quad when the last label is numeric.
pub fn is_canonical_domain(host: &[u8]) -> bool {
    let body = host.strip_suffix(b".").unwrap_or(host);
    if body.is_empty() || body.len() > 253 {
        return false;
    }
    let mut last: &[u8] = &[];
    for label in body.split(|&b| b == b'.') {
        if label.is_empty() || label.len() > 63 || !label.iter().all(|&b| is_label_byte(b)) {
            return false;
        }
        last = label;
    }
    if ends_in_number(last) {
        // The URL parser turns such hosts into IPv4 and serializes them without a dot.
        return body.len() == host.len() && is_canonical_ipv4(body);
    }
    true
}

/// Writes `addr` as the URL standard serializes IPv6 (lowercase hex, the first
/// longest run of two or more zero pieces compressed), into `buf`; returns the length.
pub fn write_ipv6(addr: &Ipv6Addr, buf: &mut [u8; 40]) -> usize {
    let pieces = addr.segments();
    // Find the first longest run of zero pieces of length >= 2.
    let (mut best_start, mut best_len) = (usize::MAX, 1);
    let mut i = 0;
    while i < 8 {
        if pieces[i] == 0 {
            let start = i;
            while i < 8 && pieces[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                best_start = start;
                best_len = i - start;
            }
        } else {
            i += 1;
        }
    }
    let mut n = 0;
    let mut push = |b: u8, n: &mut usize| {
        if *n < buf.len() {
            buf[*n] = b;
            *n += 1;
        }
    };
    let mut i = 0;
    let mut ignore0 = false;
    while i < 8 {
        if ignore0 && pieces[i] == 0 {
            i += 1;
            continue;
        }
        ignore0 = false;
        if i == best_start {
            if i == 0 {
                push(b':', &mut n);
            }
            push(b':', &mut n);
            ignore0 = true;
            i += 1;
            continue;
        }
        let p = pieces[i];
        let mut started = false;
        for shift in [12u16, 8, 4, 0] {
            let nib = ((p >> shift) & 0xf) as u8;
            if nib != 0 || started || shift == 0 {
                started = true;
                push(b"0123456789abcdef"[usize::from(nib)], &mut n);
            }
        }
        if i != 7 {
            push(b':', &mut n);
        }
        i += 1;
    }
    n
}

/// Whether `inner` (the text between `[` and `]`) is an IPv6 address in the URL
/// standard's serialization.
pub fn is_canonical_ipv6(inner: &[u8]) -> bool {
    if inner.len() > 39 || !inner.iter().all(|&b| b.is_ascii_hexdigit() || b == b':') {
        return false;
    }
    let Ok(text) = std::str::from_utf8(inner) else {
        return false;
    };
    let Ok(addr) = text.parse::<Ipv6Addr>() else {
        return false;
    };
    let mut buf = [0u8; 40];
    let n = write_ipv6(&addr, &mut buf);
    &buf[..n] == inner
}

/// A request `Origin` split into its parts. Produced only from canonical input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OriginParts<'a> {
    /// The scheme, lowercase.
    pub scheme: &'a [u8],
    /// The host: a domain, a dotted quad, or `[ipv6]` with its brackets.
    pub host: &'a [u8],
    /// The explicit port; `None` when the origin has none (the scheme's default).
    pub port: Option<u16>,
}

impl OriginParts<'_> {
    /// The port the origin uses: the explicit one or the scheme's default.
    pub fn effective_port(&self) -> Option<u16> {
        self.port.or_else(|| default_port(self.scheme))
    }
}

/// Parses a request's `Origin` value, accepting only what a browser would send:
/// `scheme://host[:port]` in the HTML serialization (lowercase, punycode, no default
/// port, no path, no userinfo, no whitespace). `null` is not handled here.
///
/// Cost: one pass over at most [`MAX_ORIGIN_LEN`] bytes. Never allocates or panics.
pub fn parse_origin(b: &[u8]) -> Option<OriginParts<'_>> {
    if b.len() > MAX_ORIGIN_LEN {
        return None;
    }
    let sep = memchr::memmem::find(b, b"://")?;
    let scheme = &b[..sep];
    if !is_scheme(scheme) {
        return None;
    }
    let rest = &b[sep + 3..];
    let (host, port_part) = if rest.first() == Some(&b'[') {
        let close = memchr::memchr(b']', rest)?;
        let inner = &rest[1..close];
        if !is_canonical_ipv6(inner) {
            return None;
        }
        (&rest[..=close], &rest[close + 1..])
    } else {
        let end = memchr::memchr(b':', rest).unwrap_or(rest.len());
        let host = &rest[..end];
        if !is_canonical_domain(host) {
            return None;
        }
        (host, &rest[end..])
    };
    let port = match port_part {
        [] => None,
        [b':', digits @ ..] => {
            let p = parse_port(digits)?;
            if Some(p) == default_port(scheme) {
                return None;
            }
            Some(p)
        }
        _ => return None,
    };
    Some(OriginParts { scheme, host, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tchar_table_is_is_tchar() {
        for b in 0..=255u8 {
            assert_eq!(TCHAR[usize::from(b)], is_tchar(b), "{b}");
            assert_eq!(is_token(&[b]), is_tchar(b), "{b}");
        }
        assert!(!is_token(b""));
    }

    #[test]
    fn ports_are_strict() {
        assert_eq!(parse_port(b"8080"), Some(8080));
        assert_eq!(parse_port(b"65535"), Some(65535));
        for bad in [&b""[..], b"0", b"080", b"65536", b"999999", b"8a", b"+80"] {
            assert_eq!(parse_port(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ipv6_serialization_matches_the_url_standard() {
        let cases = [
            ("::1", "::1"),
            ("0:0:0:0:0:0:0:1", "::1"),
            ("2001:DB8::1", "2001:db8::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("::", "::"),
            ("1::", "1::"),
            ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"),
        ];
        for (input, want) in cases {
            let addr: Ipv6Addr = input.parse().unwrap();
            let mut buf = [0u8; 40];
            let n = write_ipv6(&addr, &mut buf);
            assert_eq!(std::str::from_utf8(&buf[..n]).unwrap(), want, "{input}");
        }
        assert!(is_canonical_ipv6(b"::1"));
        assert!(!is_canonical_ipv6(b"0::1"));
        assert!(!is_canonical_ipv6(b"2001:DB8::1"));
    }

    #[test]
    fn origins_are_parsed_strictly() {
        let ok = parse_origin(b"https://a.example.com:8443").unwrap();
        assert_eq!(
            (ok.scheme, ok.host, ok.port),
            (&b"https"[..], &b"a.example.com"[..], Some(8443))
        );
        assert_eq!(parse_origin(b"http://[::1]:3000").unwrap().host, b"[::1]");
        assert_eq!(
            parse_origin(b"http://127.0.0.1").unwrap().effective_port(),
            Some(80)
        );
        for bad in [
            &b"https://example.com:443"[..],
            b"HTTPS://example.com",
            b"https://Example.com",
            b"https://example.com/",
            b"https://a..b",
            b"https://",
            b"https://:1",
            b"//a.com",
            b"https://a.com ",
            b" https://a.com",
            b"https://a@b.com",
            b"http://127.1",
            b"http://2130706433",
            b"http://0x7f.0.0.1",
            b"http://1.2.3.4.",
            b"http://[::1",
            b"http://[0::1]",
            b"https://a.com:0",
            b"https://a.com:3000:4000",
            b"https://a}.com",
            b"https://a.com\xc3\xa9",
            b"null",
        ] {
            assert_eq!(parse_origin(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        assert!(parse_origin(b"https://example.com.").is_some());
        assert!(parse_origin(b"chrome-extension://abcdef").is_some());
        let long_label = format!("https://{}.com", "a".repeat(64));
        assert_eq!(parse_origin(long_label.as_bytes()), None);
    }
}
