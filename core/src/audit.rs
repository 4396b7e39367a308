//! `corsgate audit`: reports every origin a compiled policy admits beyond what its
//! patterns were meant to admit, plus risky configuration.
//!
//! - Regexes are decided exactly, by automata ([`crate::bypass`]): each bypass class
//!   is a language, intersected with the regex's; a non-empty intersection is a
//!   finding with its shortest witness origin (allowed by the policy, checked with
//!   [`Policy::is_origin_allowed`]) and the rewrite that fixes it. A regex exactly as
//!   narrow as an exact or wildcard pattern has no finding.
//! - Every pattern kind is also attacked with known bypass origins ([`probes`]): for
//!   exact, host-with-ports and wildcard patterns, what they admit is compared with
//!   their documented meaning, decided by the naive [`crate::reference::Reference`]
//!   (independent of the fast matcher); for a regex, an admitted probe outside the
//!   domains it names is reported if the automata did not already.
//!
//! ```
//! let policy = corsgate::Policy::from_json(
//!     r#"{"origins": ["~^https://api.example\\.com$"]}"#).unwrap();
//! let report = corsgate::audit::audit(&policy);
//! assert!(report.findings.iter().any(|f| f.class == Some("prefix_suffix")
//!     && f.origin.as_deref() == Some("https://apiaexample.com")));
//! ```

use crate::pattern::{self, PatternKind, PortSpec};
use crate::reference::Reference;
use crate::{Config, Policy};
use serde_json::{Value, json};

/// The bypass classes, in the order probes are generated.
pub const CLASSES: &[&str] = &[
    "prefix_suffix",
    "pre_domain",
    "post_domain",
    "unescaped_dot",
    "special_character",
    "scheme_downgrade",
    "port_confusion",
    "null",
    "case_trailing_dot",
    "smuggling",
    "idn_lookalike",
    "public_suffix_sibling",
    "foreign_domain",
    "pre_domain",
];

/// One attacker origin, with the bypass class that produced it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    /// One of [`CLASSES`].
    pub class: &'static str,
    /// The `Origin` value sent.
    pub origin: String,
}

/// One problem found by [`audit`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Stable snake_case kind: `bypass`, or a risky-configuration code such as
    /// `insecure_origin`, `credentials_broad_wildcard` or
    /// `credentials_without_protection`.
    pub code: &'static str,
    /// `high`, `medium` or `low`.
    pub severity: &'static str,
    /// For `bypass`: the class of the attacker origin (one of [`CLASSES`]).
    pub class: Option<&'static str>,
    /// The `origins` entry concerned (index, text as written), when there is one.
    pub pattern: Option<(usize, String)>,
    /// For `bypass`: the attacker origin the policy allows.
    pub origin: Option<String>,
    /// One sentence.
    pub message: String,
    /// The rewrite that removes the finding, when there is one.
    pub fix: Option<String>,
}

impl Finding {
    /// The finding as a JSON object (the `--json` form of `corsgate audit`).
    pub fn to_json_value(&self) -> Value {
        json!({
            "code": self.code,
            "severity": self.severity,
            "class": self.class,
            "index": self.pattern.as_ref().map(|p| p.0),
            "pattern": self.pattern.as_ref().map(|p| p.1.clone()),
            "origin": self.origin,
            "message": self.message,
            "fix": self.fix,
        })
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.severity, self.code)?;
        if let Some(c) = self.class {
            write!(f, " ({c})")?;
        }
        if let Some((i, p)) = &self.pattern {
            write!(f, ": origins[{i}] {}", Value::String(p.clone()))?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(fix) = &self.fix {
            write!(f, "; fix: {fix}")?;
        }
        Ok(())
    }
}

/// The result of [`audit`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Every finding: bypasses first, then risky configuration.
    pub findings: Vec<Finding>,
    /// How many distinct attacker origins were evaluated.
    pub probes: usize,
}

/// What one pattern is about, for probing: a scheme, a host (or a wildcard's base) and
/// the ports it names.
#[derive(Clone, Debug)]
struct Target {
    scheme: String,
    host: String,
    wildcard: bool,
    ports: PortSpec,
}

fn targets(kind: &PatternKind) -> Vec<Target> {
    match kind {
        PatternKind::Exact(s) => match crate::syntax::parse_origin(s.as_bytes()) {
            Some(o) => vec![Target {
                scheme: String::from_utf8_lossy(o.scheme).into_owned(),
                host: String::from_utf8_lossy(o.host).into_owned(),
                wildcard: false,
                ports: match o.port {
                    Some(p) => PortSpec::Ranges(vec![(p, p)]),
                    None => PortSpec::Default,
                },
            }],
            None => Vec::new(),
        },
        PatternKind::Host {
            scheme,
            host,
            ports,
        } => vec![Target {
            scheme: scheme.clone(),
            host: host.clone(),
            wildcard: false,
            ports: ports.clone(),
        }],
        PatternKind::Subdomains {
            scheme,
            base,
            ports,
        } => vec![Target {
            scheme: scheme.clone(),
            host: base.clone(),
            wildcard: true,
            ports: ports.clone(),
        }],
        PatternKind::Regex(re) => {
            let named = crate::named::named_hosts(re);
            let mut out = Vec::new();
            for host in named.domains.iter().chain(&named.hosts) {
                for scheme in ["https", "http"] {
                    out.push(Target {
                        scheme: scheme.to_owned(),
                        host: host.clone(),
                        wildcard: false,
                        ports: PortSpec::Default,
                    });
                }
            }
            out
        }
        PatternKind::Any | PatternKind::Null => Vec::new(),
    }
}

/// The first label below a public suffix, and the suffix (`example`, `co.uk`).
fn registrable_split(host: &str) -> Option<(String, String)> {
    let d = psl::domain(host.as_bytes())?;
    let reg = std::str::from_utf8(d.as_bytes()).ok()?;
    let suffix = std::str::from_utf8(d.suffix().as_bytes()).ok()?;
    let label = reg.strip_suffix(suffix)?.strip_suffix('.')?;
    Some((label.to_owned(), suffix.to_owned()))
}

/// Replaces the first letter that has a Cyrillic twin and converts to punycode.
fn homoglyph(host: &str) -> Option<String> {
    const TWINS: &[(char, char)] = &[
        ('a', '\u{430}'),
        ('e', '\u{435}'),
        ('o', '\u{43e}'),
        ('c', '\u{441}'),
        ('p', '\u{440}'),
        ('i', '\u{456}'),
    ];
    let (at, twin) = host
        .char_indices()
        .find_map(|(i, c)| TWINS.iter().find(|t| t.0 == c).map(|t| (i, t.1)))?;
    let mut s = String::with_capacity(host.len() + 2);
    s.push_str(&host[..at]);
    s.push(twin);
    s.push_str(&host[at + 1..]);
    idna::domain_to_ascii(&s).ok()
}

/// Attacker origins for one target, by class.
fn probes_for(t: &Target, out: &mut Vec<Probe>) {
    let s = t.scheme.as_str();
    let h = t.host.as_str();
    let is_ip = h.starts_with('[') || h.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    // A host the pattern is meant to admit: the host, or a subdomain of the base.
    let sub = if t.wildcard {
        format!("a.{h}")
    } else {
        h.to_owned()
    };
    let port = match &t.ports {
        PortSpec::Ranges(r) => r
            .first()
            .filter(|r| Some(r.0) != crate::syntax::default_port(s.as_bytes()))
            .map(|r| format!(":{}", r.0))
            .unwrap_or_default(),
        _ => String::new(),
    };
    let mut add = |class: &'static str, origin: String| out.push(Probe { class, origin });
    if !is_ip {
        add("prefix_suffix", format!("{s}://evil{h}{port}"));
        add("prefix_suffix", format!("{s}://evil-{h}{port}"));
        add("prefix_suffix", format!("{s}://{h}evil.net{port}"));
        add("prefix_suffix", format!("{s}://{h}-evil.net{port}"));
        add("pre_domain", format!("{s}://evil.{h}{port}"));
        add(
            "pre_domain",
            format!("{s}://{}{port}", sub.replacen('.', "-", 1)),
        );
    }
    add("post_domain", format!("{s}://{sub}.evil.net{port}"));
    add("post_domain", format!("{s}://{h}.evil.net{port}"));
    for (i, _) in sub.match_indices('.') {
        let mut v = sub.clone().into_bytes();
        v[i] = b'x';
        add(
            "unescaped_dot",
            format!("{s}://{}{port}", String::from_utf8_lossy(&v)),
        );
    }
    for c in [
        "_", "-", "!", "$", "&", "'", "(", "*", "+", ",", ";", "=", "`", "{", "|", "~", "%60",
    ] {
        add(
            "special_character",
            format!("{s}://{sub}{c}.evil.net{port}"),
        );
    }
    for other in ["http", "ws", "ftp"] {
        if other != s {
            add("scheme_downgrade", format!("{other}://{sub}{port}"));
        }
    }
    let mut ports: Vec<u32> = vec![1, 80, 443, 3000, 8080, 8443, 65535];
    if let PortSpec::Ranges(r) = &t.ports {
        for &(lo, hi) in r {
            ports.extend([u32::from(lo) - 1, u32::from(hi) + 1]);
        }
    }
    for p in ports {
        add("port_confusion", format!("{s}://{sub}:{p}"));
    }
    add("null", "null".to_owned());
    add(
        "case_trailing_dot",
        format!("{s}://{}{port}", sub.to_ascii_uppercase()),
    );
    add("case_trailing_dot", format!("{s}://{sub}.{port}"));
    add(
        "case_trailing_dot",
        format!("{}://{sub}{port}", s.to_ascii_uppercase()),
    );
    for (fmt_before, fmt_after) in [
        ("", "@evil.net"),
        ("evil.net@", ""),
        ("evil.net/", ""),
        ("evil.net?", ""),
        ("evil.net#", ""),
        ("", "/.evil.net"),
        ("", "%2f.evil.net"),
        ("", "\\@evil.net"),
    ] {
        add(
            "smuggling",
            format!("{s}://{fmt_before}{sub}{fmt_after}{port}"),
        );
    }
    if !is_ip {
        if let Some(twin) = homoglyph(&sub) {
            add("idn_lookalike", format!("{s}://{twin}{port}"));
        }
        if pattern::is_public_suffix(h) {
            add("public_suffix_sibling", format!("{s}://evil.{h}{port}"));
        } else if let Some((label, suffix)) = registrable_split(h) {
            let prefix = sub.strip_suffix(h).unwrap_or("");
            for other in ["com", "net", "org", "co.uk", "io", "dev", "com.au"] {
                if other != suffix {
                    add(
                        "public_suffix_sibling",
                        format!("{s}://{prefix}{label}.{other}{port}"),
                    );
                }
            }
        }
    }
}

/// Every attacker origin [`audit`] sends for `policy`, deduplicated, in class order per
/// pattern. Also used by [`crate::diff`] as probes.
pub fn probes(policy: &Policy) -> Vec<Probe> {
    let mut out = Vec::new();
    for p in policy.patterns() {
        for t in targets(&p.kind) {
            probes_for(&t, &mut out);
        }
    }
    out.push(Probe {
        class: "null",
        origin: "null".to_owned(),
    });
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.origin.clone()));
    out
}

/// What the exact, host and wildcard patterns were meant to admit.
fn reference(policy: &Policy) -> Option<Reference> {
    let literal: Vec<String> = policy
        .patterns()
        .iter()
        .filter(|p| {
            matches!(
                p.kind,
                PatternKind::Exact(_) | PatternKind::Host { .. } | PatternKind::Subdomains { .. }
            )
        })
        .map(|p| p.normalized.clone())
        .collect();
    if literal.is_empty() {
        return None;
    }
    Reference::new(
        &Config::new(literal)
            .dangerously_allow_insecure_origins(true)
            .dangerously_allow_public_suffix_wildcards(true),
    )
    .ok()
}

/// Audits a compiled policy: regexes by automata, then the replay of attacker
/// origins, then configuration.
pub fn audit(policy: &Policy) -> Report {
    let mut report = Report::default();
    for p in policy.patterns() {
        if let PatternKind::Regex(re) = &p.kind {
            regex_findings(policy, p, re, &mut report.findings);
        }
    }
    replay(policy, &mut report);
    config_findings(policy, &mut report.findings);
    report
}

/// The bypass classes of one regex, as findings.
fn regex_findings(policy: &Policy, p: &pattern::Pattern, re: &str, out: &mut Vec<Finding>) {
    let allowed = |o: &str| policy.is_origin_allowed(o.as_bytes());
    match crate::bypass::classify(re, allowed) {
        Ok(found) => out.extend(found.into_iter().map(|b| Finding {
            code: "bypass",
            severity: "high",
            class: Some(b.class),
            pattern: Some((p.index, p.source.clone())),
            message: format!("allows the attacker origin {}: {}", b.witness, b.why),
            origin: Some(b.witness),
            fix: Some(b.fix),
        })),
        Err(e) => out.push(risk(
            "analysis_refused",
            "medium",
            Some(p),
            format!("the regex is too complex to analyse ({}); simplify it", e.0),
        )),
    }
}

/// Replays the known bypass origins against every pattern.
fn replay(policy: &Policy, report: &mut Report) {
    let reference = reference(policy);
    let probes = probes(policy);
    report.probes = probes.len();
    for probe in &probes {
        let d = policy.evaluate(b"GET", [(&b"Origin"[..], probe.origin.as_bytes())]);
        let crate::Reason::OriginAllowed { index, pattern } = d.reason() else {
            continue;
        };
        let Some(p) = policy.patterns().iter().find(|p| p.index == index) else {
            continue;
        };
        let why = match &p.kind {
            PatternKind::Regex(re) => {
                let reported = report.findings.iter().any(|f| {
                    f.code == "bypass" && f.pattern.as_ref().is_some_and(|x| x.0 == index)
                });
                if reported || !outside_named(re, &probe.origin) {
                    continue;
                }
                "its registrable domain is none the regex names".to_owned()
            }
            PatternKind::Null | PatternKind::Any => continue,
            _ => {
                if reference
                    .as_ref()
                    .is_none_or(|r| r.origin_allowed(&probe.origin))
                {
                    continue;
                }
                "the pattern admits it, but its documented meaning does not (an engine bug: please report it)".to_owned()
            }
        };
        report.findings.push(Finding {
            code: "bypass",
            severity: "high",
            class: Some(probe.class),
            pattern: Some((index, pattern.to_owned())),
            origin: Some(probe.origin.clone()),
            message: format!("allows the attacker origin {}: {why}", probe.origin),
            fix: None,
        });
    }
}

/// Whether `origin` lies outside the hosts regex `re` names (and is not loopback).
fn outside_named(re: &str, origin: &str) -> bool {
    let b = origin.as_bytes();
    crate::named::named_hosts(re)
        .dfa()
        .is_ok_and(|d| !d.accepts(b) && !crate::lang::loopback().accepts(b))
}

fn risk(
    code: &'static str,
    severity: &'static str,
    p: Option<&pattern::Pattern>,
    message: String,
) -> Finding {
    Finding {
        code,
        severity,
        class: None,
        pattern: p.map(|p| (p.index, p.source.clone())),
        origin: None,
        message,
        fix: None,
    }
}

fn config_findings(policy: &Policy, out: &mut Vec<Finding>) {
    let cfg = policy.config();
    let cred = cfg.credentials;
    if cred && !cfg.cross_origin_protection {
        out.push(Finding {
            fix: Some("set \"cross_origin_protection\": true: unsafe requests and WebSocket handshakes from origins outside \"origins\" are then refused with 403 before the application runs".into()),
            ..risk(
                "credentials_without_protection",
                "medium",
                None,
                "credentials are on but cross-origin protection is off: a cross-site form POST or no-cors fetch still reaches the application with the user's cookies (CSRF), and a WebSocket handshake from any site is accepted; CORS only hides the response".into(),
            )
        });
    }
    for p in policy.patterns() {
        match &p.kind {
            PatternKind::Any => out.push(risk(
                "any_origin",
                "medium",
                Some(p),
                "every site can read responses: right only for public, unauthenticated data".into(),
            )),
            PatternKind::Null => out.push(risk(
                "null_origin",
                if cred { "high" } else { "medium" },
                Some(p),
                "any sandboxed iframe, data: or file: document sends Origin: null and can read responses".into(),
            )),
            // Regexes are decided by automata (see `regex_findings`).
            PatternKind::Regex(_) => {}
            PatternKind::Exact(_) | PatternKind::Host { .. } | PatternKind::Subdomains { .. } => {
                let Some(t) = targets(&p.kind).into_iter().next() else {
                    continue;
                };
                if t.scheme == "http" && !pattern::is_loopback_host(&t.host) {
                    out.push(risk(
                        "insecure_origin",
                        if cred { "high" } else { "medium" },
                        Some(p),
                        "plain http: anyone on the network path can impersonate this origin".into(),
                    ));
                }
                if t.wildcard {
                    let suffix = pattern::is_public_suffix(&t.host);
                    if suffix {
                        out.push(risk(
                            "public_suffix_wildcard",
                            "high",
                            Some(p),
                            format!("\"{}\" is a public suffix: anyone can register a site below it", t.host),
                        ));
                    }
                    if cred && (suffix || !t.host.contains('.')) {
                        out.push(risk(
                            "credentials_broad_wildcard",
                            "high",
                            Some(p),
                            "credentials together with a wildcard this broad let sites you do not control read authenticated responses".into(),
                        ));
                    }
                }
            }
        }
    }
    // Narrow patterns already covered by a broader one: the narrow one suggests a
    // restriction the broad one overrides (a suffix-sharing pair).
    for p in policy.patterns() {
        for q in policy.patterns() {
            if p.index != q.index && covers(&q.kind, &p.kind) {
                out.push(risk(
                    "shadowed_pattern",
                    "low",
                    Some(p),
                    format!(
                        "has no effect: origins[{}] \"{}\" already admits every origin it does, so the narrower entry restricts nothing",
                        q.index, q.source
                    ),
                ));
                break;
            }
        }
    }
}

/// Whether pattern `q` admits every origin `p` admits (wildcards and port sets only;
/// regexes are never said to cover anything).
fn covers(q: &PatternKind, p: &PatternKind) -> bool {
    let (Some(tq), Some(tp)) = (targets(q).into_iter().next(), targets(p).into_iter().next())
    else {
        return false;
    };
    if matches!(q, PatternKind::Regex(_)) || matches!(p, PatternKind::Regex(_)) {
        return false;
    }
    if !tq.wildcard || tq.scheme != tp.scheme {
        return false;
    }
    let host_inside = tp.host.ends_with(&format!(".{}", tq.host));
    let ports_inside = matches!(
        (&tq.ports, &tp.ports),
        (PortSpec::Any, _) | (PortSpec::Default, PortSpec::Default)
    );
    host_inside && ports_inside
}

#[cfg(test)]
mod protection_tests {
    use super::*;

    #[test]
    fn credentials_without_protection_is_a_finding_with_its_fix() {
        let code = "credentials_without_protection";
        let audited = |c: Config| audit(&Policy::new(&c).unwrap()).findings;
        let f = audited(Config::new(["https://a.com"]).credentials(true));
        let found = f.iter().find(|f| f.code == code).expect("a finding");
        assert!(
            found
                .fix
                .as_deref()
                .unwrap()
                .contains("\"cross_origin_protection\": true")
        );
        assert_eq!(found.to_json_value()["code"], code);
        assert!(found.to_string().contains("; fix: set"));
        let on = Config::new(["https://a.com"])
            .credentials(true)
            .cross_origin_protection(true);
        assert!(!audited(on).iter().any(|f| f.code == code));
        let plain = Config::new(["https://a.com"]);
        assert!(!audited(plain).iter().any(|f| f.code == code));
    }
}
