//! `corsgate audit`: attacks a compiled policy with origins from the known bypass
//! classes and reports every one it admits beyond what its patterns were meant to admit,
//! plus risky configuration.
//!
//! What a pattern was *meant* to admit:
//! - exact, host-with-ports and wildcard patterns: their documented meaning, decided by
//!   the naive [`crate::reference::Reference`] (independent of the fast matcher);
//! - `*` and `null`: what they say (both are reported as risky configuration);
//! - a regex: its *strict reading*, in which every unescaped `.` is a literal dot and
//!   `.*`, `.+`, `[^/]*` stand for whole DNS labels (`(?:[a-z0-9_-]+\.)*`), anchored at
//!   both ends. An origin the regex admits but its strict reading does not is a bypass
//!   (`https://apixexample.com` for `^https://api.example\.com$`).
//!
//! ```
//! let policy = corsgate::Policy::from_json(
//!     r#"{"origins": ["~^https://api.example\\.com$"]}"#).unwrap();
//! let report = corsgate::audit::audit(&policy);
//! assert!(report.findings.iter().any(|f| f.code == "bypass"
//!     && f.origin.as_deref() == Some("https://apixexample.com")));
//! ```

use crate::diag::Code;
use crate::pattern::{self, PatternKind, PortSpec};
use crate::reference::Reference;
use crate::{Config, Policy};
use regex_automata::meta::Regex;
use regex_syntax::ast::{self, Ast, RepetitionKind, RepetitionRange};
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
    /// `regex_unanchored` or `credentials_broad_wildcard`.
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
        write!(f, ": {}", self.message)
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
            let schemes = regex_schemes(re);
            let mut out = Vec::new();
            for host in regex_literal_hosts(re) {
                for scheme in &schemes {
                    out.push(Target {
                        scheme: scheme.clone(),
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

/// Schemes a regex names literally (`https?` gives both); `https` when none.
fn regex_schemes(re: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if re.contains("https?") {
        out.extend(["https".to_owned(), "http".to_owned()]);
    }
    let mut rest = re;
    while let Some(at) = rest.find("://") {
        let before = &rest[..at];
        let start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)))
            .map_or(0, |i| i + 1);
        let s = before[start..].to_ascii_lowercase();
        if crate::syntax::is_scheme(s.as_bytes()) && !out.contains(&s) {
            out.push(s);
        }
        rest = &rest[at + 3..];
    }
    if out.is_empty() {
        out.push("https".to_owned());
    }
    out
}

/// Domain-like literal runs of a regex (`\.` read as a dot, and so is a bare `.`):
/// `^https://pr-[0-9]+\.preview\.example\.com$` gives `preview.example.com`.
fn regex_literal_hosts(re: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut cur = String::new();
    let b = re.as_bytes();
    let mut i = 0;
    let mut flush = |cur: &mut String| {
        let run = cur.trim_matches('.').to_ascii_lowercase();
        let tld_like = run
            .rsplit('.')
            .next()
            .is_some_and(|l| !l.is_empty() && l.bytes().all(|c| c.is_ascii_alphabetic()));
        if run.contains('.') && tld_like && !runs.contains(&run) {
            runs.push(run);
        }
        cur.clear();
    };
    while i < b.len() {
        match b[i] {
            b'\\' if b.get(i + 1) == Some(&b'.') => {
                cur.push('.');
                i += 2;
                continue;
            }
            b'\\' => {
                flush(&mut cur);
                i += 2;
                continue;
            }
            c if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.' => {
                cur.push(c as char)
            }
            _ => flush(&mut cur),
        }
        i += 1;
    }
    flush(&mut cur);
    runs
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

/// The strict reading of a regex (see the module docs), anchored; `None` when the regex
/// does not parse (the policy would not have compiled).
pub fn strict_reading(re: &str) -> Option<String> {
    let parsed = ast::parse::Parser::new().parse(re).ok()?;
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    collect_edits(&parsed, re, &mut edits);
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(re.len() + 16);
    let mut at = 0;
    for (start, end, text) in edits {
        if start < at {
            continue;
        }
        out.push_str(&re[at..start]);
        out.push_str(&text);
        at = end;
    }
    out.push_str(&re[at..]);
    Some(format!("^(?:{out})$"))
}

/// Whether `a` matches any byte but few (`.` or a negated class such as `[^/]`).
fn is_any_char(a: &Ast) -> bool {
    match a {
        Ast::Dot(_) => true,
        Ast::ClassBracketed(c) => c.negated,
        Ast::Group(g) => is_any_char(&g.ast),
        _ => false,
    }
}

const LABELS_THEN_DOT: &str = "(?:[a-z0-9_-]+\\.)";
const LABELS_NO_DOT: &str = "[a-z0-9_-]+(?:\\.[a-z0-9_-]+)*";

fn collect_edits(a: &Ast, src: &str, edits: &mut Vec<(usize, usize, String)>) {
    match a {
        Ast::Dot(span) => edits.push((span.start.offset, span.end.offset, "\\.".to_owned())),
        Ast::Repetition(rep) if is_any_char(&rep.ast) => {
            let (start, end) = (rep.span.start.offset, rep.span.end.offset);
            let optional = match &rep.op.kind {
                RepetitionKind::ZeroOrOne | RepetitionKind::ZeroOrMore => true,
                RepetitionKind::OneOrMore => false,
                RepetitionKind::Range(r) => match r {
                    RepetitionRange::Exactly(n) | RepetitionRange::AtLeast(n) => *n == 0,
                    RepetitionRange::Bounded(n, _) => *n == 0,
                },
            };
            // Followed by an escaped dot: whole labels without their last dot.
            let text = if src[end..].starts_with("\\.") {
                if optional {
                    format!("(?:{LABELS_NO_DOT})?")
                } else {
                    LABELS_NO_DOT.to_owned()
                }
            } else if optional {
                format!("{LABELS_THEN_DOT}*")
            } else {
                format!("{LABELS_THEN_DOT}+")
            };
            edits.push((start, end, text));
        }
        Ast::Repetition(rep) => collect_edits(&rep.ast, src, edits),
        Ast::Group(g) => collect_edits(&g.ast, src, edits),
        Ast::Alternation(alt) => alt.asts.iter().for_each(|x| collect_edits(x, src, edits)),
        Ast::Concat(c) => c.asts.iter().for_each(|x| collect_edits(x, src, edits)),
        _ => {}
    }
}

fn build_regex(re: &str) -> Option<Regex> {
    regex_automata::meta::Builder::new()
        .syntax(
            regex_automata::util::syntax::Config::new()
                .unicode(false)
                .utf8(false),
        )
        .build(re)
        .ok()
}

/// Whether a regex is anchored at both ends with no top-level alternation escaping
/// the anchors.
fn is_anchored(re: &str) -> bool {
    let Ok(parsed) = ast::parse::Parser::new().parse(re) else {
        return true;
    };
    let starts = |a: &Ast| matches!(a, Ast::Assertion(x) if matches!(x.kind, ast::AssertionKind::StartLine | ast::AssertionKind::StartText));
    let ends = |a: &Ast| matches!(a, Ast::Assertion(x) if matches!(x.kind, ast::AssertionKind::EndLine | ast::AssertionKind::EndText));
    let branch_ok = |a: &Ast| match a {
        Ast::Concat(c) => {
            // Leading flag groups such as `(?i)` may come before the anchor.
            let mut items = c.asts.iter().skip_while(|a| matches!(a, Ast::Flags(_)));
            items.next().is_some_and(starts) && c.asts.last().is_some_and(ends)
        }
        _ => false,
    };
    match &parsed {
        Ast::Alternation(alt) => alt.asts.iter().all(branch_ok),
        other => branch_ok(other),
    }
}

/// What each pattern was meant to admit (see the module docs).
struct Intent {
    reference: Option<Reference>,
    regexes: Vec<Regex>,
    any: bool,
    null: bool,
}

impl Intent {
    fn new(policy: &Policy) -> Intent {
        let mut literal = Vec::new();
        let mut regexes = Vec::new();
        let (mut any, mut null) = (false, false);
        for p in policy.patterns() {
            match &p.kind {
                PatternKind::Any => any = true,
                PatternKind::Null => null = true,
                PatternKind::Regex(re) => {
                    if let Some(r) = strict_reading(re).as_deref().and_then(build_regex) {
                        regexes.push(r);
                    }
                }
                _ => literal.push(p.normalized.clone()),
            }
        }
        let reference = (!literal.is_empty()).then(|| {
            Reference::new(
                &Config::new(literal)
                    .dangerously_allow_insecure_origins(true)
                    .dangerously_allow_public_suffix_wildcards(true),
            )
            .ok()
        });
        Intent {
            reference: reference.flatten(),
            regexes,
            any,
            null,
        }
    }

    fn admits(&self, origin: &str) -> bool {
        if self.any || (self.null && origin == "null") {
            return true;
        }
        if self
            .reference
            .as_ref()
            .is_some_and(|r| r.origin_allowed(origin))
        {
            return true;
        }
        Reference::well_formed(origin) && self.regexes.iter().any(|r| r.is_match(origin))
    }
}

/// Audits a compiled policy: attacker origins first, then configuration.
pub fn audit(policy: &Policy) -> Report {
    let mut report = Report::default();
    let intent = Intent::new(policy);
    let probes = probes(policy);
    report.probes = probes.len();
    for probe in &probes {
        let d = policy.evaluate(b"GET", [(&b"Origin"[..], probe.origin.as_bytes())]);
        if !d.allowed() || intent.admits(&probe.origin) {
            continue;
        }
        let pattern = match d.reason() {
            crate::Reason::OriginAllowed { index, pattern } => Some((index, pattern.to_owned())),
            _ => None,
        };
        let why = match &pattern {
            Some((i, _)) => match policy.patterns().iter().find(|p| p.index == *i) {
                Some(p) => match &p.kind {
                    PatternKind::Regex(re) => format!(
                        "the regex admits it, but its strict reading {} does not",
                        strict_reading(re).unwrap_or_default()
                    ),
                    _ => "the pattern admits it, but its documented meaning does not (an engine bug: please report it)".to_owned(),
                },
                None => String::new(),
            },
            None => String::new(),
        };
        report.findings.push(Finding {
            code: "bypass",
            severity: "high",
            class: Some(probe.class),
            pattern,
            origin: Some(probe.origin.clone()),
            message: format!("allows the attacker origin {}: {why}", probe.origin),
        });
    }
    config_findings(policy, &mut report.findings);
    report
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
    }
}

fn config_findings(policy: &Policy, out: &mut Vec<Finding>) {
    let cfg = policy.config();
    let cred = cfg.credentials;
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
            PatternKind::Regex(re) => {
                let warned = |code: Code| {
                    policy
                        .warnings()
                        .iter()
                        .any(|w| w.code == code && w.index == Some(p.index))
                };
                if warned(Code::RegexUnescapedDot) {
                    out.push(risk(
                        "regex_unescaped_dot",
                        "high",
                        Some(p),
                        "an unescaped \".\" matches any character; write \"\\.\"".into(),
                    ));
                }
                if warned(Code::RegexBroad) {
                    out.push(risk(
                        if cred { "credentials_broad_regex" } else { "regex_broad" },
                        if cred { "high" } else { "medium" },
                        Some(p),
                        "\".*\", \".+\" or \"[^/]\" match across labels and into other domains; spell out the allowed labels".into(),
                    ));
                }
                if !is_anchored(re) {
                    out.push(risk(
                        "regex_unanchored",
                        "low",
                        Some(p),
                        "not anchored with ^…$ in every branch: corsgate full-matches, but the same regex in a search-style engine (JavaScript test(), Python re.search, nginx ~) admits https://example.com.evil.net-style origins".into(),
                    ));
                }
            }
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
mod tests {
    use super::*;

    #[test]
    fn strict_reading_escapes_dots_and_reads_wildcards_as_labels() {
        assert_eq!(
            strict_reading("^https://api.example\\.com$").unwrap(),
            "^(?:^https://api\\.example\\.com$)$"
        );
        assert_eq!(
            strict_reading("^https://.*\\.example\\.com$").unwrap(),
            "^(?:^https://(?:[a-z0-9_-]+(?:\\.[a-z0-9_-]+)*)?\\.example\\.com$)$"
        );
        assert_eq!(
            strict_reading("^https://[^/]+example\\.com$").unwrap(),
            "^(?:^https://(?:[a-z0-9_-]+\\.)+example\\.com$)$"
        );
        // Dots inside classes are literal already.
        assert_eq!(
            strict_reading("^https://[a.]$").unwrap(),
            "^(?:^https://[a.]$)$"
        );
    }

    #[test]
    fn anchoring_and_literal_hosts() {
        assert!(is_anchored("^https://a\\.com$"));
        assert!(is_anchored("(?i)^https://a\\.com$"));
        assert!(is_anchored("^https://a\\.com$|^https://b\\.com$"));
        assert!(!is_anchored("^https://a\\.com$|https://b\\.com"));
        assert!(!is_anchored("https://(alpha|beta)\\.example\\.org"));
        assert_eq!(
            regex_literal_hosts("^https://pr-[0-9]+\\.preview\\.example\\.com$"),
            ["preview.example.com"]
        );
        assert_eq!(regex_schemes("^https?://a\\.com$"), ["https", "http"]);
        assert_eq!(regex_schemes("^wss://a\\.com$"), ["wss"]);
    }
}
