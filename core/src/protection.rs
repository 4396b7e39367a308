//! Cross-origin protection: whether a request is refused on the server
//! (`cross_origin_protection`, DESIGN "Cross-origin protection").
//!
//! The algorithm of Go's `net/http.CrossOriginProtection` (Go 1.25), extended to
//! WebSocket handshakes:
//! 1. `GET`, `HEAD`, `OPTIONS` pass ([`is_checked`]), except a WebSocket handshake (`GET`
//!    with `Upgrade: websocket`), which is checked like a write. Methods are compared
//!    case-sensitively, as Go does (`get` is checked).
//! 2. `Sec-Fetch-Site: same-origin` or `none` passes; any other value passes only when
//!    the origin is trusted ([`Site`]).
//! 3. Without `Sec-Fetch-Site`: no `Origin` passes; an `Origin` whose host and port equal
//!    the request's `Host` passes ([`host_equals_origin`]); a trusted origin passes;
//!    anything else is refused.
//!
//! "Trusted" is decided by the caller ([`crate::Policy`]): exactly one `Origin` line that
//! the policy's CORS check allows. This module knows nothing of policies: it reads the
//! lines found by [`crate::request::ProtectionLines`] and returns a verdict.
//!
//! Cost: the scan keeps the lines unread ([`ProtectionLines`]); nothing here runs for a
//! request whose origin the policy's verdict allowed (a trusted origin is never
//! refused). Otherwise a few comparisons; the `Host` comparison, done only on the
//! step-3 path of an untrusted origin, reads the `Host` value once (no allocation, no
//! URL parser). Never panics.

#[cfg(test)]
use crate::request::OtherLines;
use crate::request::{ProtectionLines, trim_ows};
use crate::syntax::{self, OriginParts};

/// Whether a request with this method is checked at all (step 1). `websocket` says
/// whether some `Upgrade` line names `websocket`. Cost: at most three slice
/// comparisons.
#[inline(always)]
fn is_checked(method: &[u8], websocket: bool) -> bool {
    match method {
        b"GET" => websocket,
        b"HEAD" | b"OPTIONS" => false,
        _ => true,
    }
}

/// What `Sec-Fetch-Site` says (step 2), compared case-sensitively as Go does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Site {
    /// No line, or one empty line (after optional whitespace): step 3 decides.
    Absent,
    /// `same-origin` or `none`: passes.
    SameOriginOrNone,
    /// Anything else (`same-site`, `cross-site`, unknown values, several lines, which
    /// form one comma-joined value): passes only for a trusted origin.
    Other,
}

/// What the `Sec-Fetch-Site` lines say, classified from what the scan kept
/// ([`ProtectionLines::sites`]): no line is [`Site::Absent`]; several lines form one
/// comma-joined value, never `same-origin` or `none`: [`Site::Other`]; one line is
/// classified by its value. Read only on the path of a request whose origin is not
/// known to be trusted. Cost: the last candidate's name compared whole, a test per end
/// and one comparison of at most 11 bytes.
#[inline(always)]
pub(crate) fn site(lines: &ProtectionLines<'_>) -> Site {
    match lines.sites() {
        (0, _) => Site::Absent,
        (1, Some(value)) => site_value(value),
        _ => Site::Other,
    }
}

/// What one `Sec-Fetch-Site` value says. Cost: a test per end and one comparison of
/// at most 11 bytes; the values browsers send (exact, without whitespace) are compared
/// without trimming.
#[inline(always)]
fn site_value(value: &[u8]) -> Site {
    match value {
        // Neither end is whitespace (nor another byte up to SP, which sends the rare
        // value to the exact path below: one comparison per end): nothing to trim, and
        // any value but the two below is `Other` after one length check.
        [first, .., last] if *first > b' ' && *last > b' ' => {
            if value == b"same-origin" || value == b"none" {
                Site::SameOriginOrNone
            } else {
                Site::Other
            }
        }
        _ => site_trimmed(value),
    }
}

/// [`site_value`] for a value that is empty, one byte, or starts or ends with a byte up
/// to SP (whitespace among them): trimmed first.
#[cold]
fn site_trimmed(value: &[u8]) -> Site {
    match trim_ows(value) {
        b"" => Site::Absent,
        b"same-origin" | b"none" => Site::SameOriginOrNone,
        _ => Site::Other,
    }
}

/// Whether the request is refused (all three steps), given whether its origin is
/// `trusted` (exactly one `Origin` line that the policy allows; asked only when
/// `Sec-Fetch-Site` does not settle it, so `same-origin` and `none` never pay for
/// it). `origin` is the first `Origin` value and `origin_lines` the number of lines.
///
/// A trusted origin is never refused, whatever the method and the other lines say: a
/// caller that already knows the origin is trusted (the policy's verdict allowed it)
/// need not call this at all, which is how an allowed request under protection pays
/// only for the scan's two stores per line ([`crate::Policy`]).
///
/// Cost: constant ([`is_checked`], [`site`]), plus `trusted` when asked, plus
/// [`host_equals_origin`] on the path of an untrusted origin without `Sec-Fetch-Site`.
#[inline(always)]
pub(crate) fn refuses(
    method: &[u8],
    lines: &ProtectionLines<'_>,
    origin: Option<&[u8]>,
    origin_lines: u32,
    trusted: impl FnOnce() -> bool,
) -> bool {
    if !is_checked(method, lines.websocket) {
        return false;
    }
    match site(lines) {
        Site::SameOriginOrNone => false,
        Site::Other => !trusted(),
        Site::Absent => match origin {
            None => false,
            Some(_) if trusted() => false,
            Some(origin) => !(origin_lines == 1 && same_host(lines.single_host(), origin)),
        },
    }
}

/// Step 3's comparison for the request's `Origin` value: exactly one `Host` line, a
/// well-formed origin, equal host and port. Kept out of line: only untrusted origins
/// without `Sec-Fetch-Site` (old browsers, WebSocket handshakes) get here.
#[inline(never)]
fn same_host(host: Option<&[u8]>, origin: &[u8]) -> bool {
    match (host, syntax::parse_origin(origin)) {
        (Some(host), Some(parts)) => host_equals_origin(host, &parts),
        _ => false,
    }
}

/// Whether a `Host` value names the origin's host and port: hosts compared ASCII
/// case-insensitively with one trailing dot ignored on either side; a `Host` without a
/// port equals an origin without an explicit port (on its scheme's default port); a
/// `Host` with a port equals an origin whose explicit port, or whose scheme's default
/// port, is that port. A malformed `Host` (bad port, text after `]`) equals nothing.
///
/// Cost: one pass over the `Host` value. Never allocates.
pub(crate) fn host_equals_origin(host: &[u8], origin: &OriginParts<'_>) -> bool {
    let Some((name, port)) = split_host(trim_ows(host)) else {
        return false;
    };
    let ports_equal = match (port, origin.port) {
        (None, None) => true,
        (None, Some(_)) => false,
        (Some(p), Some(q)) => p == q,
        (Some(p), None) => syntax::default_port(origin.scheme) == Some(p),
    };
    ports_equal && without_dot(name).eq_ignore_ascii_case(without_dot(origin.host))
}

/// Splits a `Host` value into its host and optional port (`[ipv6]` keeps its brackets).
/// `None` when the port is not 1-5 digits in 1..=65535 without a leading zero, or
/// something follows `]` other than a port.
fn split_host(host: &[u8]) -> Option<(&[u8], Option<u16>)> {
    let (name, port) = if host.first() == Some(&b'[') {
        let close = memchr::memchr(b']', host)?;
        let (name, rest) = host.split_at(close + 1);
        match rest {
            [] => return Some((name, None)),
            [b':', port @ ..] => (name, port),
            _ => return None,
        }
    } else {
        match memchr::memrchr(b':', host) {
            None => return Some((host, None)),
            Some(i) => (&host[..i], &host[i + 1..]),
        }
    };
    Some((name, Some(syntax::parse_port(port)?)))
}

/// `host` without one trailing dot.
#[inline]
fn without_dot(host: &[u8]) -> &[u8] {
    host.strip_suffix(b".").unwrap_or(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines as the scan reads them.
    fn lines<'a>(host: &[&'a str], site: &[&'a str]) -> ProtectionLines<'a> {
        let mut p = ProtectionLines::new();
        for h in host {
            p.host(h.as_bytes());
        }
        for s in site {
            p.site(b"sec-fetch-site", s.as_bytes());
        }
        p
    }

    #[test]
    fn safe_methods_pass_but_websocket_handshakes_are_checked() {
        for m in ["GET", "HEAD", "OPTIONS"] {
            assert!(!is_checked(m.as_bytes(), false), "{m}");
        }
        assert!(is_checked(b"GET", true));
        assert!(!is_checked(b"HEAD", true) && !is_checked(b"OPTIONS", true));
        for m in [
            "POST", "PUT", "DELETE", "PATCH", "get", "Get", "head", "options", "",
        ] {
            assert!(
                is_checked(m.as_bytes(), false),
                "{m:?}: compared case-sensitively"
            );
        }
    }

    #[test]
    fn sec_fetch_site_is_read_as_go_does() {
        let s = |v: &[&str]| site(&lines(&[], v));
        assert_eq!(s(&[]), Site::Absent);
        assert_eq!(s(&[""]), Site::Absent);
        assert_eq!(s(&[" \t"]), Site::Absent);
        assert_eq!(s(&["same-origin"]), Site::SameOriginOrNone);
        assert_eq!(s(&["none"]), Site::SameOriginOrNone);
        assert_eq!(s(&[" none "]), Site::SameOriginOrNone);
        assert_eq!(s(&["same-origin\t"]), Site::SameOriginOrNone);
        assert_eq!(s(&[" cross-site"]), Site::Other);
        assert_eq!(s(&["same-site "]), Site::Other);
        assert_eq!(s(&["Same-Origin"]), Site::Other, "case-sensitive");
        assert_eq!(s(&["NONE"]), Site::Other);
        assert_eq!(s(&["same-site"]), Site::Other);
        assert_eq!(s(&["cross-site"]), Site::Other);
        assert_eq!(s(&["same-origin", "same-origin"]), Site::Other, "joined");
        assert_eq!(s(&["", ""]), Site::Other);
    }

    #[test]
    fn host_equals_origin_by_host_and_port() {
        let eq = |host: &str, origin: &str| {
            let parts = syntax::parse_origin(origin.as_bytes()).unwrap();
            host_equals_origin(host.as_bytes(), &parts)
        };
        assert!(eq("api.example.com", "https://api.example.com"));
        assert!(eq("api.example.com", "http://api.example.com"));
        assert!(eq("API.Example.COM", "https://api.example.com"));
        assert!(eq("api.example.com.", "https://api.example.com"));
        assert!(eq("api.example.com", "https://api.example.com."));
        assert!(eq(" api.example.com\t", "https://api.example.com"));
        assert!(eq("api.example.com:443", "https://api.example.com"));
        assert!(eq("api.example.com:80", "http://api.example.com"));
        assert!(eq("api.example.com:80", "ws://api.example.com"));
        assert!(eq("localhost:8080", "http://localhost:8080"));
        assert!(eq("[::1]:8080", "http://[::1]:8080"));
        assert!(eq("[::1]", "http://[::1]"));
        assert!(eq("x:9", "chrome-extension://x:9"));
        assert!(!eq("api.example.com:443", "http://api.example.com"));
        assert!(!eq("api.example.com", "https://api.example.com:8443"));
        assert!(!eq("api.example.com:8443", "https://api.example.com"));
        assert!(!eq("api.example.com:", "https://api.example.com"));
        assert!(!eq("api.example.com:0443", "https://api.example.com"));
        assert!(!eq("api.example.com:99999", "https://api.example.com"));
        assert!(!eq("api.example.com..", "https://api.example.com"));
        assert!(!eq("evil.com", "https://api.example.com"));
        assert!(!eq("user@api.example.com", "https://api.example.com"));
        assert!(!eq("[::1]x", "http://[::1]"));
        assert!(!eq("[::1", "http://[::1]"));
        assert!(!eq("", "https://api.example.com"));
    }

    #[test]
    fn refusal_follows_the_three_steps() {
        let o = Some(&b"https://api.example.com"[..]);
        let other = Some(&b"https://evil.com"[..]);
        let host = ["api.example.com"];
        // Step 2.
        assert!(!refuses(
            b"POST",
            &lines(&host, &["same-origin"]),
            other,
            1,
            || { false }
        ));
        assert!(!refuses(b"POST", &lines(&host, &["none"]), None, 0, || {
            false
        }));
        assert!(refuses(
            b"POST",
            &lines(&host, &["cross-site"]),
            other,
            1,
            || false
        ));
        assert!(!refuses(
            b"POST",
            &lines(&host, &["cross-site"]),
            other,
            1,
            || true
        ));
        assert!(refuses(
            b"POST",
            &lines(&host, &["cross-site"]),
            None,
            0,
            || false
        ));
        // Same host does not help when Sec-Fetch-Site is present.
        assert!(refuses(
            b"POST",
            &lines(&host, &["same-site"]),
            o,
            1,
            || false
        ));
        // Step 3.
        assert!(!refuses(b"POST", &lines(&host, &[]), None, 0, || false));
        assert!(!refuses(b"POST", &lines(&host, &[]), o, 1, || false));
        assert!(!refuses(b"POST", &lines(&host, &[""]), o, 1, || false));
        assert!(refuses(b"POST", &lines(&host, &[]), other, 1, || false));
        assert!(!refuses(b"POST", &lines(&host, &[]), other, 1, || true));
        // Two Origin lines or two Host lines never equal the host.
        assert!(refuses(b"POST", &lines(&host, &[]), o, 2, || false));
        assert!(refuses(
            b"POST",
            &lines(&["api.example.com", "x"], &[]),
            o,
            1,
            || false
        ));
        assert!(refuses(b"POST", &lines(&[], &[]), o, 1, || false));
        // `null` and malformed origins never equal a host.
        assert!(refuses(
            b"POST",
            &lines(&["null"], &[]),
            Some(b"null"),
            1,
            || false
        ));
        assert!(refuses(
            b"POST",
            &lines(&host, &[]),
            Some(b"https://API.example.com"),
            1,
            || false
        ));
    }

    #[test]
    fn step_one_is_part_of_the_refusal() {
        let cross = |websocket: bool| {
            let mut p = lines(&["api.example.com"], &["cross-site"]);
            p.websocket = websocket;
            p
        };
        let evil = Some(&b"https://evil.com"[..]);
        for m in ["GET", "HEAD", "OPTIONS"] {
            assert!(
                !refuses(m.as_bytes(), &cross(false), evil, 1, || false),
                "{m}"
            );
        }
        assert!(
            refuses(b"GET", &cross(true), evil, 1, || false),
            "handshake"
        );
        assert!(!refuses(b"HEAD", &cross(true), evil, 1, || false));
        assert!(refuses(b"get", &cross(false), evil, 1, || false));
        // A trusted origin is never refused, whatever the method and lines say.
        for m in ["GET", "POST", "get"] {
            for ws in [false, true] {
                assert!(!refuses(m.as_bytes(), &cross(ws), evil, 1, || true), "{m}");
            }
        }
    }

    #[test]
    fn several_lines_are_kept_as_several() {
        let same = Some(&b"https://api.example.com"[..]);
        // Several Sec-Fetch-Site lines are one comma-joined value: never same-origin,
        // never absent, whatever their values.
        for two in [
            &["same-origin", "same-origin"][..],
            &["none", ""],
            &["", ""],
            &["cross-site", "same-origin", "none"],
        ] {
            assert_eq!(site(&lines(&[], two)), Site::Other, "{two:?}");
            assert!(refuses(
                b"POST",
                &lines(&["api.example.com"], two),
                same,
                1,
                || false
            ));
        }
        // Several Host lines equal no host, even when all of them would.
        for n in 2..=3 {
            let hosts = vec!["api.example.com"; n];
            let p = lines(&hosts, &[]);
            assert_eq!(p.single_host(), None);
            assert!(refuses(b"POST", &p, same, 1, || false), "{n}");
            assert!(!refuses(b"POST", &p, same, 1, || true), "{n}: trusted");
        }
        // One Host line with a port or in another case is compared as a host.
        for host in [
            "API.Example.COM",
            "api.example.com:443",
            "api.example.com.:443",
        ] {
            assert!(
                !refuses(b"POST", &lines(&[host], &[]), same, 1, || false),
                "{host}"
            );
        }
        for host in [
            "api.example.com:80",
            "api.example.com:8443",
            "api.example.com:",
        ] {
            assert!(
                refuses(b"POST", &lines(&[host], &[]), same, 1, || false),
                "{host}"
            );
        }
    }
}
