//! The reference's naive view of origins: whether a request's `Origin` is a serialized
//! origin as a browser sends it, and whether one parsed pattern admits it. Written from
//! DESIGN.md with string splitting, independent of `syntax::parse_origin`.

use crate::pattern::{Pattern, PatternKind, PortSpec};
use regex_automata::meta::Regex;

/// The default port of a special scheme.
fn default_port(scheme: &str) -> Option<u32> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    }
}

/// A lowercase scheme: a letter, then letters, digits, `+`, `-` or `.`.
fn scheme_ok(scheme: &str) -> bool {
    scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase())
        && scheme
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c))
}

/// An explicit port as serialized: digits without a leading zero, 1..=65535, not the
/// scheme's default.
fn port_ok(scheme: &str, port: &str) -> bool {
    let digits = !port.is_empty() && port.chars().all(|c| c.is_ascii_digit());
    let Ok(n) = port.parse::<u32>() else {
        return false;
    };
    digits && !port.starts_with('0') && (1..=65535).contains(&n) && Some(n) != default_port(scheme)
}

/// A dotted quad exactly as serialized (four decimal bytes, no leading zeros).
fn dotted_quad_ok(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() == 4
        && labels
            .iter()
            .all(|l| l.parse::<u8>().is_ok() && (l.len() == 1 || !l.starts_with('0')))
}

/// A host as serialized: a canonical IPv6 literal, a dotted quad, or lowercase LDH(+`_`)
/// labels with at most one trailing dot.
fn host_ok(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return crate::syntax::is_canonical_ipv6(inner.as_bytes());
    }
    let body = host.strip_suffix('.').unwrap_or(host);
    if body.is_empty() || body.len() > 253 {
        return false;
    }
    let labels: Vec<&str> = body.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    };
    if !labels.iter().all(label_ok) {
        return false;
    }
    let last = labels[labels.len() - 1];
    let numeric = last.chars().all(|c| c.is_ascii_digit())
        || (last.starts_with("0x") && last[2..].chars().all(|c| c.is_ascii_hexdigit()));
    // A numeric last label makes an IPv4 address: only its serialization is well formed.
    !numeric || (host == body && dotted_quad_ok(host))
}

/// Whether `origin` is a serialized origin as a browser sends it.
pub fn well_formed(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    if !scheme_ok(scheme) || origin.len() > crate::syntax::MAX_ORIGIN_LEN {
        return false;
    }
    let (host, port) = split_host_port(rest);
    port.is_none_or(|p| port_ok(scheme, p)) && host_ok(host)
}

/// `host[:port]` → host and the text after `:` (for a bracketed host, `Some("x")` when
/// something other than `:port` follows the bracket, so that the port check fails).
pub fn split_host_port(rest: &str) -> (&str, Option<&str>) {
    if !rest.starts_with('[') {
        return match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        };
    }
    match rest.find(']') {
        Some(i) => {
            let after = &rest[i + 1..];
            let port = after
                .strip_prefix(':')
                .or(if after.is_empty() { None } else { Some("x") });
            (&rest[..=i], port)
        }
        None => (rest, None),
    }
}

/// Whether `ports` admits an origin of `scheme` with explicit `port` text (`None`: the
/// default port).
fn ports_admit(ports: &PortSpec, scheme: &str, port: Option<&str>) -> bool {
    match ports {
        PortSpec::Default => port.is_none(),
        PortSpec::Any => true,
        PortSpec::Ranges(r) => {
            let explicit: Option<u32> = port.and_then(|p| p.parse().ok());
            let effective = explicit.or(default_port(scheme));
            effective.is_some_and(|p| {
                r.iter()
                    .any(|&(lo, hi)| u32::from(lo) <= p && p <= u32::from(hi))
            })
        }
    }
}

/// Scheme, host and port text of a well-formed origin.
fn parts(origin: &str) -> Option<(&str, &str, Option<&str>)> {
    if !well_formed(origin) {
        return None;
    }
    let (scheme, rest) = origin.split_once("://")?;
    let (host, port) = split_host_port(rest);
    Some((scheme, host, port))
}

/// Whether pattern `p` (with `regex`, its own naive regex when it is one) admits
/// `origin`.
pub fn pattern_admits(p: &Pattern, regex: Option<&Regex>, origin: &str) -> bool {
    match &p.kind {
        PatternKind::Any => true,
        PatternKind::Null => origin == "null",
        PatternKind::Exact(s) => origin == s,
        PatternKind::Host {
            scheme,
            host,
            ports,
        } => parts(origin)
            .is_some_and(|(s, h, port)| s == scheme && h == host && ports_admit(ports, s, port)),
        PatternKind::Subdomains {
            scheme,
            base,
            ports,
        } => parts(origin).is_some_and(|(s, h, port)| {
            let dotted = format!(".{base}");
            s == scheme
                && h.len() > dotted.len()
                && h.ends_with(&dotted)
                && ports_admit(ports, s, port)
        }),
        PatternKind::Regex(_) => {
            well_formed(origin) && regex.is_some_and(|r| r.is_match(origin.as_bytes()))
        }
    }
}
