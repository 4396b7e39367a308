//! Hosts of a policy set: a route's `host` as written in the file, and a request's `Host`
//! line, both reduced to the same key (DESIGN "Policy sets").
//!
//! A key is the host name (lowercase, one trailing dot removed), followed by `:port`
//! when the port is not a default one (80 and 443 are dropped): `api.acme.com`,
//! `api.acme.com:8443`. The selector's tables are keyed by that text.
//!
//! The request side never allocates. The selector probes the `Host` value as written
//! first (how browsers send it): a route key is normalized, and [`normalize`] gives a
//! key back unchanged, so a hit on the value as written is the hit its normalized form
//! would give. Anything else (uppercase, a port, whitespace) is normalized into a stack
//! buffer ([`normalize`]).

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
/// Cost: one pass over the name, copied lowercase to the stack.
pub(crate) fn is_valid_name(name: &[u8]) -> bool {
    let mut buf = [0u8; MAX_NAME];
    let Some(lower) = buf.get_mut(..name.len()) else {
        return false;
    };
    for (d, s) in lower.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    is_valid_lower_name(lower)
}

/// [`is_valid_name`] for a name already lowercase.
pub(crate) fn is_valid_lower_name(lower: &[u8]) -> bool {
    match lower {
        [b'[', inner @ .., b']'] => is_canonical_ipv6(inner),
        [.., b'.'] => false,
        _ => is_canonical_domain(lower),
    }
}

/// The longest key: a [`MAX_NAME`]-byte name, `:` and five digits.
pub(crate) const MAX_KEY: usize = MAX_NAME + 6;

/// A request's `Host` value normalized into `out` as a key: `(name length, key
/// length)`, the name being `out[..name length]` (lowercase), followed by `:port` for a
/// port other than 80 and 443. `None` when the value is not `host[:port]` (see
/// [`request_key`]); the name is not validated here.
///
/// Cost: one pass over the value. Never allocates.
pub(crate) fn normalize(raw: &[u8], out: &mut [u8; MAX_KEY]) -> Option<(usize, usize)> {
    let HostKey { name, port } = request_key(raw)?;
    let lower = out.get_mut(..name.len())?;
    for (d, s) in lower.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    let mut len = name.len();
    if port != 0 {
        let text = port_text(port);
        let digits = text.trim_ascii_start();
        let tail = out.get_mut(len..len + 1 + digits.len())?;
        tail[0] = b':';
        tail[1..].copy_from_slice(digits);
        len += 1 + digits.len();
    }
    Some((name.len(), len))
}

/// A route's key from its lowercase name and port (`0`: a default port), the same text
/// [`normalize`] gives a request for that host.
pub(crate) fn route_key(name: &str, port: u16) -> String {
    if port == 0 {
        name.to_owned()
    } else {
        format!("{name}:{port}")
    }
}

/// `port` in decimal, right-aligned in five bytes padded with spaces.
fn port_text(mut port: u16) -> [u8; 5] {
    let mut text = [b' '; 5];
    for d in text.iter_mut().rev() {
        *d = b'0' + (port % 10) as u8;
        port /= 10;
        if port == 0 {
            break;
        }
    }
    text
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
    fn request_hosts_normalize_to_route_keys() {
        let norm = |s: &str| {
            let mut buf = [0u8; MAX_KEY];
            normalize(s.as_bytes(), &mut buf).map(|(n, k)| {
                (
                    String::from_utf8_lossy(&buf[..n]).into_owned(),
                    String::from_utf8_lossy(&buf[..k]).into_owned(),
                )
            })
        };
        assert_eq!(
            norm(" API.Acme.com.:443 "),
            Some(("api.acme.com".into(), "api.acme.com".into()))
        );
        assert_eq!(
            norm("Api.acme.com:8443"),
            Some(("api.acme.com".into(), route_key("api.acme.com", 8443)))
        );
        assert_eq!(
            norm("[::1]:8080"),
            Some(("[::1]".into(), "[::1]:8080".into()))
        );
        assert_eq!(norm("a.com:1"), Some(("a.com".into(), "a.com:1".into())));
        assert_eq!(
            norm("a.com:65535"),
            Some(("a.com".into(), "a.com:65535".into()))
        );
        assert_eq!(norm("a.com:08080"), None);
        let longest = format!("{}:65535", "a".repeat(MAX_NAME));
        assert_eq!(
            norm(&longest).map(|(n, k)| (n.len(), k.len())),
            Some((MAX_NAME, MAX_KEY))
        );
        // A route key normalizes to itself: the selector probes a `Host` value as
        // written first, and a hit on a key must select what its normalized form does.
        for key in [
            "api.acme.com",
            "a.com:8080",
            "[::1]",
            "[::1]:8080",
            "10.0.0.1",
            "a.b1234",
        ] {
            assert_eq!(norm(key).map(|(_, k)| k), Some(key.to_owned()), "{key}");
        }
    }
}
