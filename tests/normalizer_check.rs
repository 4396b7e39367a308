//! The pattern normalizer against the `url` crate's WHATWG origin serialization: one
//! comparison, included by `tests/normalizer.rs` (proptest) and by the fuzz target
//! `normalizer` (`fuzz/src/lib.rs`), each of which depends on `url` (never a shipped
//! crate).

use corsgate::pattern::{PatternKind, PortSpec};

/// corsgate's normalized form of `source` when it reads it as one origin (a host
/// pattern of a special scheme with its default port or one explicit port), as the only entry of a policy
/// that allows insecure origins; `None` when it rejects it or reads something else
/// (wildcards, port lists, regexes, opaque schemes).
pub fn corsgate_normalized(source: &str) -> Option<String> {
    let config = corsgate::Config::new([source]).dangerously_allow_insecure_origins(true);
    let policy = corsgate::Policy::new(&config).ok()?;
    let p = policy.patterns().first()?;
    let one_origin = match &p.kind {
        PatternKind::Exact(s) => ["http://", "https://", "ws://", "wss://"]
            .iter()
            .any(|scheme| s.starts_with(scheme)),
        PatternKind::Host { ports, .. } => match ports {
            PortSpec::Default => true,
            PortSpec::Ranges(r) => matches!(r.as_slice(), [(lo, hi)] if lo == hi),
            _ => false,
        },
        _ => false,
    };
    one_origin.then(|| p.normalized.clone())
}

/// The browser's serialization of the origin of `source` parsed as a URL.
pub fn url_origin(source: &str) -> Option<String> {
    let url = url::Url::parse(source).ok()?;
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// The one known divergence: corsgate accepts a label `xn--…` that is not valid
/// Punycode (`https://xn--a.com`), which the URL parser rejects. Such a pattern can never
/// match an origin a browser sends (a browser cannot serialize that host), so it admits
/// nothing extra; `corsgate check` could warn about it (not done yet).
fn invalid_punycode_label(source: &str) -> bool {
    source.split("://").nth(1).is_some_and(|rest| {
        rest.split(['.', ':'])
            .any(|l| l.to_ascii_lowercase().starts_with("xn--"))
    })
}

/// `Err` when corsgate and the URL parser disagree on `source`. corsgate may refuse more
/// than the URL parser (deliberately: non-canonical IPv4 forms, insecure or public-suffix
/// patterns; DESIGN "Origin patterns"); it must never accept a pattern the parser
/// rejects, nor normalize one differently.
pub fn agree(source: &str) -> Result<(), String> {
    if source.contains(":[") {
        // corsgate's own port-list syntax (`:[443]`) is not a URL.
        return Ok(());
    }
    let ours = corsgate_normalized(source);
    let theirs = url_origin(source);
    match (&ours, &theirs) {
        (Some(a), Some(b)) if a == b => Ok(()),
        (None, _) => Ok(()),
        (Some(_), None) if invalid_punycode_label(source) => Ok(()),
        _ => Err(format!("{source:?}: corsgate {ours:?}, url {theirs:?}")),
    }
}
