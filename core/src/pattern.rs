//! Origin patterns: parsing and normalizing one entry of `origins`.
//!
//! The output is a [`Pattern`] in the browser's serialization (lowercase scheme and host,
//! punycode, no default port, no trailing slash), so that matching can be byte-exact.
//! Every rewrite is reported as a warning; every problem as an error naming the entry.

use crate::diag::{Code, Diagnostic};
use crate::syntax::{self, MAX_ORIGIN_LEN};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Which ports a host pattern admits.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PortSpec {
    /// No port in the pattern: only origins without an explicit port.
    Default,
    /// `:*`: any port, and no port.
    Any,
    /// `:[8080,8443]`, `:[3000-3999]`: inclusive ranges (a single port is `(p, p)`).
    /// An origin without a port matches when the scheme's default port is listed.
    Ranges(Vec<(u16, u16)>),
}

impl PortSpec {
    /// Whether an origin of `scheme` with explicit port `port` (or none) is admitted.
    #[inline]
    pub fn admits(&self, scheme: &[u8], port: Option<u16>) -> bool {
        match self {
            PortSpec::Default => port.is_none(),
            PortSpec::Any => true,
            PortSpec::Ranges(ranges) => match port.or_else(|| syntax::default_port(scheme)) {
                Some(p) => ranges.iter().any(|&(lo, hi)| lo <= p && p <= hi),
                None => false,
            },
        }
    }

    fn write(&self, out: &mut String) {
        match self {
            PortSpec::Default => {}
            PortSpec::Any => out.push_str(":*"),
            PortSpec::Ranges(ranges) => {
                out.push_str(":[");
                for (i, (lo, hi)) in ranges.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if lo == hi {
                        out.push_str(&lo.to_string());
                    } else {
                        out.push_str(&format!("{lo}-{hi}"));
                    }
                }
                out.push(']');
            }
        }
    }
}

/// What an origin pattern matches.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatternKind {
    /// `*`: every origin, answered with a static `*`.
    Any,
    /// `null` (needs `dangerously_allow_null_origin`).
    Null,
    /// One serialized origin, byte for byte.
    Exact(String),
    /// One host on a set of ports (`http://localhost:*`, `https://a.com:[8443,9443]`).
    Host {
        /// Lowercase scheme.
        scheme: String,
        /// Canonical host (domain, dotted quad or `[ipv6]`).
        host: String,
        /// Admitted ports (never [`PortSpec::Default`]; that is [`PatternKind::Exact`]).
        ports: PortSpec,
    },
    /// `scheme://*.base[:ports]`: one or more labels before `base`, never `base` itself.
    Subdomains {
        /// Lowercase scheme.
        scheme: String,
        /// Canonical domain after `*.`.
        base: String,
        /// Admitted ports.
        ports: PortSpec,
    },
    /// `~regex`: a full match over the whole serialized origin.
    Regex(String),
}

/// One compiled entry of `origins` (see [`crate::Policy::patterns`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pattern {
    /// Position in `origins`.
    pub index: usize,
    /// The entry as written.
    pub source: String,
    /// The entry in canonical form (what `corsgate check` shows).
    pub normalized: String,
    /// What it matches.
    pub kind: PatternKind,
}

/// The longest scheme a pattern may have (`safari-web-extension` is 20 bytes).
pub const MAX_SCHEME_LEN: usize = 64;
const _: () = assert!(MAX_SCHEME_LEN + 3 + 253 + 6 <= MAX_ORIGIN_LEN);

/// Schemes whose origins are opaque: documents of these schemes send `Origin: null`.
const OPAQUE_SCHEMES: &[&str] = &["file", "data", "blob", "about", "javascript", "mailto"];

/// Collects the diagnostics for one entry.
struct Entry<'a> {
    index: usize,
    source: &'a str,
    out: &'a mut Vec<Diagnostic>,
    failed: bool,
}

impl Entry<'_> {
    fn error(&mut self, code: Code, message: impl Into<String>) {
        self.failed = true;
        self.out.push(Diagnostic::entry(
            code,
            "origins",
            self.index,
            self.source,
            message,
        ));
    }
    fn warn(&mut self, code: Code, message: impl Into<String>) {
        self.out.push(Diagnostic::entry(
            code,
            "origins",
            self.index,
            self.source,
            message,
        ));
    }
}

/// Whether `source` is an exact origin already in the browser's serialization that
/// [`parse`] would take as it is, with no diagnostic: then `parse` gives
/// [`PatternKind::Exact`] of `source` itself, and compiling can skip it (and its
/// allocations). Not for hosts with a trailing dot or an `xn--` label (they may get a
/// warning: `trailing_dot_host`, `invalid_punycode`).
///
/// Cost: one [`syntax::parse_origin`] and one scan of the host; never allocates.
pub(crate) fn is_canonical_exact(source: &str) -> bool {
    let Some(parts) = syntax::parse_origin(source.as_bytes()) else {
        return false;
    };
    parts.scheme.len() <= MAX_SCHEME_LEN
        && !OPAQUE_SCHEMES.iter().any(|s| s.as_bytes() == parts.scheme)
        && parts.host.last() != Some(&b'.')
        && !has_punycode_label(parts.host)
}

/// Whether some label of `host` starts with `xn--` (ASCII case-insensitive). Most hosts
/// have no `-` at all: one `memchr` answers for them.
#[inline]
fn has_punycode_label(host: &[u8]) -> bool {
    memchr::memchr(b'-', host).is_some()
        && host
            .split(|&b| b == b'.')
            .any(|l| l.len() >= 4 && l[..4].eq_ignore_ascii_case(b"xn--"))
}

/// Parses entry `index` of `origins`. Pushes errors and warnings to `diags`; returns
/// `None` when the entry has an error.
pub(crate) fn parse(index: usize, source: &str, diags: &mut Vec<Diagnostic>) -> Option<Pattern> {
    let mut e = Entry {
        index,
        source,
        out: diags,
        failed: false,
    };
    let kind = parse_kind(&mut e)?;
    if e.failed {
        return None;
    }
    let normalized = match &kind {
        PatternKind::Any => "*".to_owned(),
        PatternKind::Null => "null".to_owned(),
        PatternKind::Exact(s) => s.clone(),
        PatternKind::Host {
            scheme,
            host,
            ports,
        } => {
            let mut s = format!("{scheme}://{host}");
            ports.write(&mut s);
            s
        }
        PatternKind::Subdomains {
            scheme,
            base,
            ports,
        } => {
            let mut s = format!("{scheme}://*.{base}");
            ports.write(&mut s);
            s
        }
        PatternKind::Regex(r) => format!("~{r}"),
    };
    Some(Pattern {
        index,
        source: source.to_owned(),
        normalized,
        kind,
    })
}

/// Parses one entry, in named steps: the special forms (`*`, `null`, `~regex`), then
/// `scheme://authority`, then host and port, then the kind of host pattern. `None`
/// when a step found an error that makes the rest meaningless.
fn parse_kind(e: &mut Entry<'_>) -> Option<PatternKind> {
    let source = e.source;
    match source {
        "*" => return Some(PatternKind::Any),
        "null" => return Some(PatternKind::Null),
        _ => {}
    }
    if let Some(re) = source.strip_prefix('~') {
        check_regex(e, re);
        return Some(PatternKind::Regex(re.to_owned()));
    }
    check_plain_text(e)?;
    let mut normalized_what: Vec<&'static str> = Vec::new();
    let (scheme, after) = split_scheme(e, &mut normalized_what)?;
    let authority = split_authority(e, after, &mut normalized_what)?;
    let (host_text, port_text) = split_host_port(e, authority)?;
    let ports = parse_ports(e, &scheme, port_text, &mut normalized_what)?;
    if host_text.is_empty() {
        e.error(Code::InvalidHost, "the host is missing");
        return None;
    }
    let kind = if let Some(base) = host_text.strip_prefix("*.") {
        wildcard_kind(e, scheme, base, ports, &mut normalized_what)?
    } else {
        host_kind(e, scheme, host_text, ports, &mut normalized_what)?
    };
    check_exact_len(e, &kind)?;
    if !normalized_what.is_empty() {
        e.warn(
            Code::NormalizedOrigin,
            format!(
                "normalized to the browser's serialization ({})",
                normalized_what.join(", ")
            ),
        );
    }
    Some(kind)
}

/// Refuses an empty entry, whitespace or control characters, and a misspelled `null`.
fn check_plain_text(e: &mut Entry<'_>) -> Option<()> {
    let source = e.source;
    if source.is_empty() {
        e.error(Code::InvalidOrigin, "empty origin pattern");
        return None;
    }
    if source.trim() != source || source.bytes().any(|b| b.is_ascii_control() || b == b' ') {
        e.error(
            Code::InvalidOrigin,
            "origin patterns contain no whitespace or control characters",
        );
        return None;
    }
    if source.eq_ignore_ascii_case("null") {
        e.error(
            Code::InvalidOrigin,
            "the null origin is written exactly \"null\"",
        );
        return None;
    }
    Some(())
}

/// Splits `scheme://rest`: the lowercase scheme (a URL scheme, not too long, not
/// opaque) and everything after `://`.
fn split_scheme<'a>(e: &mut Entry<'a>, what: &mut Vec<&'static str>) -> Option<(String, &'a str)> {
    let source = e.source;
    let Some(sep) = memchr::memmem::find(source.as_bytes(), b"://") else {
        let hint = if source.contains('.') && !source.contains(':') {
            format!(" (did you mean \"https://{source}\"?)")
        } else {
            String::new()
        };
        e.error(
            Code::InvalidOrigin,
            format!("expected scheme://host[:port]{hint}"),
        );
        return None;
    };
    let raw_scheme = &source[..sep];
    let scheme = raw_scheme.to_ascii_lowercase();
    if !syntax::is_scheme(scheme.as_bytes()) {
        e.error(
            Code::InvalidOrigin,
            format!("\"{raw_scheme}\" is not a URL scheme"),
        );
        return None;
    }
    // Keeps every pattern matchable: scheme, "://", a 253-byte host and a port always
    // fit in MAX_ORIGIN_LEN, beyond which request origins are denied unread.
    if scheme.len() > MAX_SCHEME_LEN {
        e.error(
            Code::InvalidOrigin,
            format!("the scheme is longer than {MAX_SCHEME_LEN} bytes: no origin could ever match"),
        );
        return None;
    }
    if OPAQUE_SCHEMES.contains(&scheme.as_str()) {
        e.error(
            Code::InvalidScheme,
            format!("{scheme}: URLs have an opaque origin, which browsers send as \"null\"; list \"null\" (with dangerously_allow_null_origin) if that is really meant"),
        );
        return None;
    }
    if scheme != raw_scheme {
        what.push("scheme lowercased");
    }
    Some((scheme, &source[sep + 3..]))
}

/// The authority (`host[:port]`) of what follows `://`. A trailing `/` is normalized
/// away; a path, query or fragment is an error (reported, parsing goes on); user
/// information is an error that stops parsing.
fn split_authority<'a>(
    e: &mut Entry<'_>,
    after: &'a str,
    what: &mut Vec<&'static str>,
) -> Option<&'a str> {
    let auth_end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, tail) = after.split_at(auth_end);
    match tail {
        "" => {}
        "/" => what.push("trailing slash removed"),
        _ => {
            let t = tail.strip_prefix('/').unwrap_or(tail);
            if t.starts_with('?') {
                e.error(
                    Code::OriginHasQuery,
                    "origins have no query string: remove \"?…\"",
                );
            } else if t.starts_with('#') {
                e.error(
                    Code::OriginHasFragment,
                    "origins have no fragment: remove \"#…\"",
                );
            } else {
                e.error(
                    Code::OriginHasPath,
                    "origins have no path: remove everything after the host and port",
                );
            }
        }
    }
    if authority.contains('@') {
        e.error(
            Code::OriginHasUserinfo,
            "origins have no user information: remove \"user@\"",
        );
        return None;
    }
    Some(authority)
}

/// Splits an authority into the host text (an IPv6 literal keeps its brackets) and
/// the port text (empty, or starting with `:`).
fn split_host_port<'a>(e: &mut Entry<'_>, authority: &'a str) -> Option<(&'a str, &'a str)> {
    if authority.starts_with('[') {
        match authority.find(']') {
            Some(close) => Some((&authority[..=close], &authority[close + 1..])),
            None => {
                e.error(
                    Code::InvalidHost,
                    "unterminated IPv6 literal: missing \"]\"",
                );
                None
            }
        }
    } else {
        match authority.find(':') {
            Some(colon) => Some((&authority[..colon], &authority[colon..])),
            None => Some((authority, "")),
        }
    }
}

/// `scheme://*.base[:ports]`: `base` must be a domain without another `*`.
fn wildcard_kind(
    e: &mut Entry<'_>,
    scheme: String,
    base: &str,
    ports: PortSpec,
    what: &mut Vec<&'static str>,
) -> Option<PatternKind> {
    if base.contains('*') {
        e.error(
            Code::InvalidWildcard,
            "\"*\" may only stand once, as the whole leftmost label (\"https://*.example.com\")",
        );
        return None;
    }
    if base.starts_with('[') || ends_in_number(base) {
        e.error(
            Code::InvalidWildcard,
            "wildcards apply to domain names, not IP addresses",
        );
        return None;
    }
    let base = normalize_domain(e, base, what)?;
    Some(PatternKind::Subdomains {
        scheme,
        base,
        ports,
    })
}

/// A pattern for one host: an exact origin when it admits one port (or the default),
/// else a host pattern over a port set.
fn host_kind(
    e: &mut Entry<'_>,
    scheme: String,
    host_text: &str,
    ports: PortSpec,
    what: &mut Vec<&'static str>,
) -> Option<PatternKind> {
    if host_text.contains('*') {
        let msg = if host_text == "*" {
            "\"*\" must be followed by a domain (\"https://*.example.com\"); for any origin, write \"*\" alone"
        } else {
            "\"*\" must be the whole leftmost label of the host (\"https://*.example.com\")"
        };
        e.error(Code::InvalidWildcard, msg);
        return None;
    }
    let host = if host_text.starts_with('[') {
        normalize_ipv6(e, host_text, what)?
    } else {
        normalize_domain(e, host_text, what)?
    };
    Some(match ports {
        PortSpec::Default => PatternKind::Exact(format!("{scheme}://{host}")),
        PortSpec::Ranges(ref r) if r.len() == 1 && r[0].0 == r[0].1 => {
            let p = r[0].0;
            if Some(p) == syntax::default_port(scheme.as_bytes()) {
                PatternKind::Exact(format!("{scheme}://{host}"))
            } else {
                PatternKind::Exact(format!("{scheme}://{host}:{p}"))
            }
        }
        ports => PatternKind::Host {
            scheme,
            host,
            ports,
        },
    })
}

/// An exact origin longer than [`MAX_ORIGIN_LEN`] could never match.
fn check_exact_len(e: &mut Entry<'_>, kind: &PatternKind) -> Option<()> {
    if let PatternKind::Exact(s) = kind
        && s.len() > MAX_ORIGIN_LEN
    {
        e.error(
            Code::InvalidOrigin,
            format!("longer than {MAX_ORIGIN_LEN} bytes: no browser sends such an origin"),
        );
        return None;
    }
    Some(())
}

/// The URL parser's "ends in a number": the last label is all digits, or `0x` followed
/// by hex digits. Works on bytes, so a Unicode label cannot split a character.
fn ends_in_number(host: &str) -> bool {
    let last = host
        .trim_end_matches('.')
        .rsplit('.')
        .next()
        .unwrap_or("")
        .as_bytes();
    if !last.is_empty() && last.iter().all(u8::is_ascii_digit) {
        return true;
    }
    match last {
        [b'0', b'x' | b'X', hex @ ..] => hex.iter().all(u8::is_ascii_hexdigit),
        _ => false,
    }
}

fn normalize_ipv6(e: &mut Entry<'_>, text: &str, what: &mut Vec<&'static str>) -> Option<String> {
    let inner = &text[1..text.len() - 1];
    let Ok(addr) = inner.parse::<Ipv6Addr>() else {
        e.error(
            Code::InvalidHost,
            format!("\"{inner}\" is not an IPv6 address"),
        );
        return None;
    };
    let mut buf = [0u8; 40];
    let n = syntax::write_ipv6(&addr, &mut buf);
    let canon = format!("[{}]", String::from_utf8_lossy(&buf[..n]));
    if canon != text {
        what.push("IPv6 address written in canonical form");
    }
    Some(canon)
}

fn normalize_domain(e: &mut Entry<'_>, text: &str, what: &mut Vec<&'static str>) -> Option<String> {
    if text.contains('%') {
        e.error(
            Code::InvalidHost,
            "percent-encoded hosts are never sent by browsers; write the host in plain form",
        );
        return None;
    }
    let host = if text.is_ascii() {
        let lower = text.to_ascii_lowercase();
        if lower != text {
            what.push("host lowercased");
        }
        lower
    } else {
        match idna::domain_to_ascii(text) {
            Ok(ascii) if !ascii.is_empty() => {
                what.push("Unicode host converted to punycode");
                ascii
            }
            _ => {
                e.error(
                    Code::InvalidHost,
                    "not a valid internationalized domain name",
                );
                return None;
            }
        }
    };
    if ends_in_number(&host) {
        return match host.trim_end_matches('.').parse::<Ipv4Addr>() {
            Ok(ip) => {
                let canon = ip.to_string();
                if canon != host {
                    what.push("IPv4 address written in canonical form");
                }
                Some(canon)
            }
            Err(_) => {
                e.error(
                    Code::InvalidHost,
                    "a host ending in a number must be a dotted-quad IPv4 address",
                );
                None
            }
        };
    }
    if !syntax::is_canonical_domain(host.as_bytes()) {
        e.error(
            Code::InvalidHost,
            "invalid host: labels of letters, digits, \"-\" and \"_\", 1 to 63 bytes each, at most 253 bytes in all",
        );
        return None;
    }
    if host.ends_with('.') {
        e.warn(
            Code::TrailingDotHost,
            "a host with a trailing dot is a different origin: it matches only requests whose Origin also ends in \".\"",
        );
    }
    if host.split('.').any(|l| l.starts_with("xn--")) && idna::domain_to_ascii(&host).is_err() {
        e.warn(
            Code::InvalidPunycode,
            "an \"xn--\" label that is not valid punycode: browsers refuse such a host (URL standard, UTS 46), so no request carries this origin",
        );
    }
    Some(host)
}

fn parse_ports(
    e: &mut Entry<'_>,
    scheme: &str,
    text: &str,
    what: &mut Vec<&'static str>,
) -> Option<PortSpec> {
    let Some(spec) = text.strip_prefix(':') else {
        if !text.is_empty() {
            e.error(
                Code::InvalidOrigin,
                format!("unexpected \"{text}\" after the host"),
            );
            return None;
        }
        return Some(PortSpec::Default);
    };
    if spec == "*" {
        return Some(PortSpec::Any);
    }
    if let Some(list) = spec.strip_prefix('[') {
        let Some(list) = list.strip_suffix(']') else {
            e.error(
                Code::InvalidPort,
                "a port list is written \":[8080,8443]\" or \":[3000-3999]\"",
            );
            return None;
        };
        let mut ranges = Vec::new();
        for item in list.split(',') {
            let item = item.trim();
            let (lo, hi) = match item.split_once('-') {
                Some((lo, hi)) => (port_number(e, lo.trim())?, port_number(e, hi.trim())?),
                None => {
                    let p = port_number(e, item)?;
                    (p, p)
                }
            };
            if lo > hi {
                e.error(
                    Code::InvalidPort,
                    format!("port range {lo}-{hi} is empty: write the lower bound first"),
                );
                return None;
            }
            ranges.push((lo, hi));
        }
        ranges.sort_unstable();
        return Some(PortSpec::Ranges(ranges));
    }
    let p = port_number(e, spec)?;
    if spec.starts_with('0') {
        what.push("leading zeros removed from the port");
    }
    if Some(p) == syntax::default_port(scheme.as_bytes()) {
        what.push("default port removed");
        return Some(PortSpec::Default);
    }
    Some(PortSpec::Ranges(vec![(p, p)]))
}

fn port_number(e: &mut Entry<'_>, text: &str) -> Option<u16> {
    match text.parse::<u16>() {
        Ok(p) if p >= 1 && text.bytes().all(|b| b.is_ascii_digit()) => Some(p),
        _ => {
            e.error(
                Code::InvalidPort,
                format!("\"{text}\" is not a port from 1 to 65535"),
            );
            None
        }
    }
}

/// Checks one regex's syntax and warns about the classic bypass shapes.
fn check_regex(e: &mut Entry<'_>, re: &str) {
    if re.is_empty() {
        e.error(Code::InvalidRegex, "empty regular expression after \"~\"");
        return;
    }
    if let Err(err) = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(re)
    {
        let text = err.to_string();
        let last = text.lines().last().unwrap_or("").trim();
        let detail = last.strip_prefix("error: ").unwrap_or(last);
        e.error(
            Code::InvalidRegex,
            format!("invalid regular expression: {detail}"),
        );
        return;
    }
    if has_unescaped_dot_before_alnum(re) {
        e.warn(
            Code::RegexUnescapedDot,
            "unescaped \".\" matches any character (\"example.com\" also matches \"exampleXcom\"); write \"\\.\"",
        );
    }
    if re.contains(".*") || re.contains(".+") || re.contains("[^/]") {
        e.warn(
            Code::RegexBroad,
            "\".*\", \".+\" or \"[^/]\" can match across labels and into other domains; spell out the allowed labels",
        );
    }
}

/// A `.` outside a character class, not escaped, followed by a letter or digit: the
/// shape of a domain written without escaping its dots.
fn has_unescaped_dot_before_alnum(re: &str) -> bool {
    let b = re.as_bytes();
    let (mut i, mut in_class) = (0, false);
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' => in_class = true,
            b']' => in_class = false,
            b'.' if !in_class && b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric) => {
                return true;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

/// Whether a host is loopback (`localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`).
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_end_matches('.');
    h == "localhost"
        || h.ends_with(".localhost")
        || h == "[::1]"
        || h.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether `domain` is itself a public suffix listed in the Public Suffix List
/// (`com`, `co.uk`, `github.io`). Unlisted TLDs such as `localhost` or `test` are not.
pub fn is_public_suffix(domain: &str) -> bool {
    let d = domain.trim_end_matches('.');
    match psl::suffix(d.as_bytes()) {
        Some(s) => s.is_known() && s.as_bytes() == d.as_bytes(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> (Pattern, Vec<Diagnostic>) {
        let mut d = Vec::new();
        let p = parse(0, src, &mut d).unwrap_or_else(|| panic!("{src}: {d:?}"));
        (p, d)
    }

    fn err(src: &str) -> Code {
        let mut d = Vec::new();
        assert!(parse(0, src, &mut d).is_none(), "{src} should fail");
        d[0].code
    }

    #[test]
    fn normalizes_to_browser_serialization() {
        for (src, want) in [
            ("https://EXAMPLE.com:443/", "https://example.com"),
            ("HTTP://example.com:80", "http://example.com"),
            ("https://bücher.example", "https://xn--bcher-kva.example"),
            ("http://[0:0::1]:8080", "http://[::1]:8080"),
            ("https://a.com:08443", "https://a.com:8443"),
        ] {
            let (p, d) = ok(src);
            assert_eq!(p.normalized, want);
            assert_eq!(d[0].code, Code::NormalizedOrigin, "{src}");
        }
        let (p, d) = ok("https://example.com");
        assert_eq!(p.kind, PatternKind::Exact("https://example.com".into()));
        assert!(d.is_empty());
    }

    #[test]
    fn warns_about_invalid_punycode() {
        let punycode = |src: &str| ok(src).1.iter().any(|d| d.code == Code::InvalidPunycode);
        for bad in [
            "https://xn--a.example.com",
            "https://*.xn--zz-.com",
            "https://XN--A.com:8443",
            "https://app.xn--abc.com",
        ] {
            assert!(punycode(bad), "{bad}");
        }
        for good in [
            "https://xn--bcher-kva.example",
            "https://bücher.example",
            "https://*.xn--bcher-kva.example",
            "https://example.com",
            "https://xn.example.com",
        ] {
            assert!(!punycode(good), "{good}");
        }
    }

    #[test]
    fn parses_ports_and_wildcards() {
        let (p, _) = ok("https://*.example.com:[8443,9443]");
        assert_eq!(
            p.kind,
            PatternKind::Subdomains {
                scheme: "https".into(),
                base: "example.com".into(),
                ports: PortSpec::Ranges(vec![(8443, 8443), (9443, 9443)])
            }
        );
        let (p, _) = ok("http://127.0.0.1:[3000-3999]");
        assert_eq!(p.normalized, "http://127.0.0.1:[3000-3999]");
        let (p, _) = ok("http://localhost:*");
        assert!(matches!(
            p.kind,
            PatternKind::Host {
                ports: PortSpec::Any,
                ..
            }
        ));
    }

    #[test]
    fn rejects_with_specific_codes() {
        assert_eq!(err("https://*example.com"), Code::InvalidWildcard);
        assert_eq!(err("https://api.*.example.com"), Code::InvalidWildcard);
        assert_eq!(err("https://*"), Code::InvalidWildcard);
        assert_eq!(err("https://*.1.2.3"), Code::InvalidWildcard);
        assert_eq!(err("file://"), Code::InvalidScheme);
        assert_eq!(err("https://a.com/x"), Code::OriginHasPath);
        assert_eq!(err("https://a.com?x"), Code::OriginHasQuery);
        assert_eq!(err("https://a.com#x"), Code::OriginHasFragment);
        assert_eq!(err("https://u@a.com"), Code::OriginHasUserinfo);
        assert_eq!(err("https://a.com:0"), Code::InvalidPort);
        assert_eq!(err("https://a.com:[9-1]"), Code::InvalidPort);
        assert_eq!(err("https://a.com:70000"), Code::InvalidPort);
        assert_eq!(err("https://a}.com"), Code::InvalidHost);
        assert_eq!(err("http://127.1"), Code::InvalidHost);
        assert_eq!(err("example.com"), Code::InvalidOrigin);
        assert_eq!(err("~(unclosed"), Code::InvalidRegex);
        assert_eq!(err("http://*.0x7f"), Code::InvalidWildcard);
    }

    /// Found by fuzzing: a pattern with an 860-byte scheme compiled but could never
    /// match, because request origins over MAX_ORIGIN_LEN are denied unread.
    #[test]
    fn every_accepted_pattern_can_match() {
        let long = format!("{}://*.example.com", "a".repeat(MAX_SCHEME_LEN + 1));
        assert_eq!(err(&long), Code::InvalidOrigin);
        let scheme = "a".repeat(MAX_SCHEME_LEN);
        // A 251-byte base, so that "c." + base is a 253-byte host, the longest there is.
        let base = [
            &"b".repeat(63)[..],
            &"b".repeat(63),
            &"b".repeat(63),
            &"b".repeat(59),
        ]
        .join(".");
        let origin = format!("{scheme}://c.{base}:65535");
        assert!(origin.len() <= MAX_ORIGIN_LEN);
        for src in [
            format!("{scheme}://*.{base}:*"),
            format!("{scheme}://c.{base}:[65535]"),
        ] {
            let (p, _) = ok(&src);
            let m = crate::matcher::OriginMatcher::build(&[p]).unwrap();
            assert!(
                matches!(
                    m.find(origin.as_bytes()),
                    crate::matcher::OriginMatch::Pattern(..)
                ),
                "{src} refuses {origin}"
            );
        }
    }

    /// The shortcut of compile agrees with `parse`: what it takes is an exact origin
    /// equal to its source, without any diagnostic.
    #[test]
    fn canonical_exact_origins_parse_as_themselves() {
        let long_scheme = format!("{}://a.com", "a".repeat(MAX_SCHEME_LEN + 1));
        let mut sources = vec![
            "https://example.com".to_owned(),
            "https://app500.customer500.com".into(),
            "http://localhost:3000".into(),
            "https://a.com:443".into(),
            "https://a.com:08443".into(),
            "https://a.com:8443".into(),
            "https://a.com/".into(),
            "https://A.com".into(),
            "https://a.com.".into(),
            "http://127.0.0.1".into(),
            "http://[::1]:8080".into(),
            "http://[0::1]".into(),
            "file://a.com".into(),
            "chrome-extension://abcdef".into(),
            "https://*.a.com".into(),
            "https://xn--bcher-kva.example".into(),
            "https://a_b.example".into(),
            long_scheme,
        ];
        let more: Vec<String> = sources
            .iter()
            .flat_map(|s| (0..s.len()).map(move |i| format!("{}{}", &s[..i], &s[i + 1..])))
            .collect();
        sources.extend(more);
        for src in &sources {
            if is_canonical_exact(src) {
                let mut d = Vec::new();
                let p = parse(0, src, &mut d);
                assert_eq!(
                    p.map(|p| p.kind),
                    Some(PatternKind::Exact(src.clone())),
                    "{src}"
                );
                assert!(d.is_empty(), "{src}: {d:?}");
            }
        }
        assert!(is_canonical_exact("https://app500.customer500.com"));
        assert!(!is_canonical_exact("https://a.com."));
        assert!(!is_canonical_exact("file://a.com"));
        // Punycode labels take the full parse: it may warn (invalid_punycode).
        assert!(!is_canonical_exact("https://xn--bcher-va.example"));
    }

    /// Found by fuzzing: a Unicode label where a `0x` prefix was looked for panicked.
    #[test]
    fn unicode_labels_never_panic() {
        for src in [
            "https://*.bücher",
            "https://*.ü",
            "https://ü",
            "https://a.üx",
            "http://*.0xü",
        ] {
            let mut d = Vec::new();
            let _ = parse(0, src, &mut d);
        }
        let (p, _) = ok("https://*.bücher.example");
        assert_eq!(p.normalized, "https://*.xn--bcher-kva.example");
    }

    #[test]
    fn recognizes_loopback_and_public_suffixes() {
        assert!(is_loopback_host("localhost") && is_loopback_host("a.localhost"));
        assert!(is_loopback_host("127.0.0.2") && is_loopback_host("[::1]"));
        assert!(!is_loopback_host("example.com"));
        assert!(
            is_public_suffix("com") && is_public_suffix("github.io") && is_public_suffix("co.uk")
        );
        assert!(!is_public_suffix("example.com") && !is_public_suffix("localhost"));
    }

    #[test]
    fn warns_about_regex_shapes() {
        let (_, d) = ok("~^https://api.example\\.com$");
        assert_eq!(d[0].code, Code::RegexUnescapedDot);
        let (_, d) = ok("~https://.*\\.example\\.com");
        assert_eq!(d[0].code, Code::RegexBroad);
    }
}
