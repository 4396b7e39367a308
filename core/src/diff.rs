//! `corsgate diff`: what changes between two policies, stated per origin pattern
//! ("newly allowed: any subdomain of example.org on any port") and per setting
//! (methods, request headers, exposed headers, credentials, private network).
//!
//! Origins are compared as languages: every pattern kind compiles to an automaton
//! ([`crate::lang`]), and a pattern of the new policy is newly allowed exactly when the
//! product of its automaton with the old policy's (and the valid-origin language)
//! accepts something; the shortest such origin is the change's example, allowed by
//! the new policy and denied by the old one ([`Policy::is_origin_allowed`]). A rewrite
//! with the same language (exact origin → regex, reordering, `[0-9]` → `\d`) reports no
//! change. Non-regex patterns are also described in words (per scheme, host or base
//! domain, and effective ports).
//!
//! ```
//! use corsgate::Policy;
//! let old = Policy::from_json(r#"{"origins": ["https://*.example.org"]}"#).unwrap();
//! let new = Policy::from_json(r#"{"origins": ["https://*.example.org:*"]}"#).unwrap();
//! let d = corsgate::diff::diff(&old, &new).unwrap();
//! assert!(d.widens());
//! assert_eq!(
//!     d.changes[0].text,
//!     "any subdomain of example.org (https://*.example.org) on any port except the default"
//! );
//! ```

use crate::lang::{self, Dfa, TooComplex};
use crate::pattern::{Pattern, PatternKind, PortSpec};
use crate::syntax;
use crate::{Config, Policy};
use serde_json::{Value, json};

/// One change between two policies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// `newly_allowed` or `newly_denied` (origins, methods, headers, credentials …) or
    /// `changed` (settings that neither widen nor narrow: max_age, debug, preflight_status).
    pub direction: &'static str,
    /// `origins`, `methods`, `request_headers`, `expose_headers`, `credentials`,
    /// `cross_origin_protection`, `private_network`, `max_age`, `debug`, `preflight_status`.
    pub field: &'static str,
    /// The pattern concerned (`old` or `new` policy's entry, index and text).
    pub pattern: Option<(usize, String)>,
    /// The statement, e.g. `any subdomain of example.org on any port`.
    pub text: String,
    /// Concrete origins that show it (for origin changes).
    pub examples: Vec<String>,
}

impl Change {
    /// The change as a JSON object (the `--json` form of `corsgate diff`).
    pub fn to_json_value(&self) -> Value {
        json!({
            "direction": self.direction,
            "field": self.field,
            "index": self.pattern.as_ref().map(|p| p.0),
            "pattern": self.pattern.as_ref().map(|p| p.1.clone()),
            "text": self.text,
            "examples": self.examples,
        })
    }
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let dir = self.direction.replace('_', " ");
        write!(f, "{dir}: {}: {}", self.field, self.text)?;
        if let Some((i, p)) = &self.pattern {
            write!(f, " (origins[{i}] {})", Value::String(p.clone()))?;
        }
        if !self.examples.is_empty() {
            write!(f, ", e.g. {}", self.examples.join(", "))?;
        }
        Ok(())
    }
}

/// The result of [`diff`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// Every change, origins first.
    pub changes: Vec<Change>,
}

impl Diff {
    /// Whether anything becomes newly allowed (the CI gate: `corsgate diff` exits 1).
    pub fn widens(&self) -> bool {
        self.changes.iter().any(|c| c.direction == "newly_allowed")
    }
}

/// Effective ports as inclusive intervals; 0 stands for "no port" of a scheme without
/// a default port. For schemes with a default port, "no port" is that port.
type Ports = Vec<(u32, u32)>;

fn ports_of(scheme: &str, spec: &PortSpec) -> Ports {
    let default = syntax::default_port(scheme.as_bytes()).map(u32::from);
    match spec {
        PortSpec::Default => vec![(default.unwrap_or(0), default.unwrap_or(0))],
        PortSpec::Any => vec![(if default.is_some() { 1 } else { 0 }, 65535)],
        PortSpec::Ranges(r) => normalize(
            r.iter()
                .map(|&(a, b)| (u32::from(a), u32::from(b)))
                .collect(),
        ),
    }
}

fn normalize(mut v: Ports) -> Ports {
    v.sort_unstable();
    let mut out: Ports = Vec::with_capacity(v.len());
    for (a, b) in v {
        match out.last_mut() {
            Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn subtract(a: &Ports, b: &Ports) -> Ports {
    let mut out = Vec::new();
    for &(mut lo, hi) in a {
        for &(blo, bhi) in b {
            if bhi < lo || blo > hi {
                continue;
            }
            if blo > lo {
                out.push((lo, blo - 1));
            }
            lo = bhi + 1;
            if lo > hi {
                break;
            }
        }
        if lo <= hi {
            out.push((lo, hi));
        }
    }
    out
}

fn describe_ports(scheme: &str, p: &Ports) -> String {
    let default = syntax::default_port(scheme.as_bytes()).map(u32::from);
    let full = ports_of(scheme, &PortSpec::Any);
    if *p == full {
        return "on any port".into();
    }
    if let Some(d) = default {
        if *p == vec![(d, d)] {
            return "on the default port".into();
        }
        if subtract(&full, p) == vec![(d, d)] {
            return "on any port except the default".into();
        }
    }
    let items: Vec<String> = p
        .iter()
        .map(|&(a, b)| {
            let one = |x: u32| {
                if x == 0 {
                    "none".to_owned()
                } else {
                    x.to_string()
                }
            };
            if a == b {
                one(a)
            } else {
                format!("{}-{}", one(a), one(b))
            }
        })
        .collect();
    let n: u32 = p.iter().map(|(a, b)| b - a + 1).sum();
    format!(
        "on port{} {}",
        if n == 1 { "" } else { "s" },
        items.join(", ")
    )
}

/// A non-regex pattern as a set.
#[derive(Clone, Debug)]
struct Shape {
    scheme: String,
    host: String,
    wildcard: bool,
    ports: Ports,
}

fn shape(kind: &PatternKind) -> Option<Shape> {
    match kind {
        PatternKind::Exact(s) => {
            let o = syntax::parse_origin(s.as_bytes())?;
            let scheme = String::from_utf8_lossy(o.scheme).into_owned();
            let spec = match o.port {
                Some(p) => PortSpec::Ranges(vec![(p, p)]),
                None => PortSpec::Default,
            };
            Some(Shape {
                ports: ports_of(&scheme, &spec),
                host: String::from_utf8_lossy(o.host).into_owned(),
                scheme,
                wildcard: false,
            })
        }
        PatternKind::Host {
            scheme,
            host,
            ports,
        } => Some(Shape {
            scheme: scheme.clone(),
            host: host.clone(),
            wildcard: false,
            ports: ports_of(scheme, ports),
        }),
        PatternKind::Subdomains {
            scheme,
            base,
            ports,
        } => Some(Shape {
            scheme: scheme.clone(),
            host: base.clone(),
            wildcard: true,
            ports: ports_of(scheme, ports),
        }),
        _ => None,
    }
}

/// Whether every host of `inner` is a host of `outer`.
fn hosts_within(inner: &Shape, outer: &Shape) -> bool {
    let below = inner.host.ends_with(&format!(".{}", outer.host));
    match (outer.wildcard, inner.wildcard) {
        (false, false) => inner.host == outer.host,
        (false, true) => false,
        (true, false) => below,
        (true, true) => below || inner.host == outer.host,
    }
}

fn describe_shape(s: &Shape) -> String {
    let hosts = if s.wildcard {
        format!("any subdomain of {} ({}://*.{})", s.host, s.scheme, s.host)
    } else {
        format!("{}://{}", s.scheme, s.host)
    };
    format!("{hosts} {}", describe_ports(&s.scheme, &s.ports))
}

/// What `p` admits that no pattern of `others` admits, as a sentence; `None` when
/// nothing is left.
fn remainder(p: &Pattern, others: &[Pattern]) -> Option<String> {
    match &p.kind {
        PatternKind::Any => (!others.iter().any(|o| o.kind == PatternKind::Any))
            .then(|| "any origin (\"*\")".to_owned()),
        PatternKind::Null => (!others.iter().any(|o| o.kind == PatternKind::Null))
            .then(|| "the null origin (sandboxed iframes, file: pages)".to_owned()),
        PatternKind::Regex(re) => (!others
            .iter()
            .any(|o| o.kind == p.kind || o.kind == PatternKind::Any))
        .then(|| format!("every origin the regex {re} matches")),
        _ => {
            if others.iter().any(|o| o.kind == PatternKind::Any) {
                return None;
            }
            let mut s = shape(&p.kind)?;
            for o in others {
                if let Some(os) = shape(&o.kind) {
                    if os.scheme == s.scheme && hosts_within(&s, &os) {
                        s.ports = subtract(&s.ports, &os.ports);
                    }
                } else if let PatternKind::Regex(_) = o.kind {
                    // An exact origin a regex of the other side matches is covered.
                    if let PatternKind::Exact(e) = &p.kind
                        && single(o).is_some_and(|q| q.is_origin_allowed(e.as_bytes()))
                    {
                        s.ports.clear();
                    }
                }
            }
            (!s.ports.is_empty()).then(|| describe_shape(&s))
        }
    }
}

/// A policy of one pattern, every risky switch on (it only serves to match).
fn single(p: &Pattern) -> Option<Policy> {
    Policy::new(
        &Config::new([p.normalized.clone()])
            .dangerously_allow_null_origin(true)
            .dangerously_allow_insecure_origins(true)
            .dangerously_allow_public_suffix_wildcards(true),
    )
    .ok()
}

/// The shortest origin `to_lang` (restricted by `extra`) admits and `from` does not,
/// checked with both policies.
fn newly(
    to: &Policy,
    from: &Policy,
    to_lang: &Dfa,
    from_lang: &Dfa,
) -> Result<Option<String>, TooComplex> {
    let terms = lang::within_valid(vec![(to_lang, true), (from_lang, false)]);
    lang::witness(&terms, |o| {
        to.is_origin_allowed(o.as_bytes()) && !from.is_origin_allowed(o.as_bytes())
    })
}

/// The origins `to` allows and `from` does not, per pattern of `to`, each with its
/// shortest witness.
fn origin_changes(
    from: &Policy,
    to: &Policy,
    direction: &'static str,
    out: &mut Vec<Change>,
) -> Result<(), TooComplex> {
    if to.is_origin_allowed(b"null") && !from.is_origin_allowed(b"null") {
        let p = to.patterns().iter().find(|p| p.kind == PatternKind::Null);
        out.push(Change {
            direction,
            field: "origins",
            pattern: p.map(|p| (p.index, p.source.clone())),
            text: "the null origin (sandboxed iframes, file: pages)".to_owned(),
            examples: vec!["null".to_owned()],
        });
    }
    let (to_lang, from_lang) = (
        lang::patterns_language(to.patterns())?,
        lang::patterns_language(from.patterns())?,
    );
    if newly(to, from, &to_lang, &from_lang)?.is_none() {
        return Ok(());
    }
    for p in to.patterns() {
        let Some(re) = lang::pattern_regex(&p.kind) else {
            continue;
        };
        let Some(w) = newly(to, from, &Dfa::new(&[re])?, &from_lang)? else {
            continue;
        };
        // Words per shape are exact only when neither side has a regex.
        let regexes = to
            .patterns()
            .iter()
            .chain(from.patterns())
            .any(|q| matches!(q.kind, PatternKind::Regex(_)));
        let text = (!regexes)
            .then(|| remainder(p, from.patterns()))
            .flatten()
            .unwrap_or_else(|| {
                let (verb, other) = if direction == "newly_allowed" {
                    ("admits", "old")
                } else {
                    ("admitted", "new")
                };
                format!(
                    "origins that {} {verb} and the {other} policy does not",
                    p.normalized
                )
            });
        out.push(Change {
            direction,
            field: "origins",
            pattern: Some((p.index, p.source.clone())),
            text,
            examples: vec![w],
        });
    }
    Ok(())
}

fn method_set(c: &Config) -> (bool, Vec<String>) {
    let mut any = false;
    let mut v = Vec::new();
    for m in &c.methods {
        if m == "*" {
            any = true;
            continue;
        }
        let up = m.to_ascii_uppercase();
        let name = if ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"].contains(&up.as_str()) {
            up
        } else {
            m.clone()
        };
        if !["GET", "HEAD", "POST"].contains(&name.as_str()) && !v.contains(&name) {
            v.push(name);
        }
    }
    (any, v)
}

fn header_set(list: &[String]) -> (bool, Vec<String>) {
    let mut any = false;
    let mut v = Vec::new();
    for h in list {
        if h == "*" {
            any = true;
            continue;
        }
        let l = h.to_ascii_lowercase();
        if !v.contains(&l) {
            v.push(l);
        }
    }
    (any, v)
}

/// Compares two sets with a `*` member; `except` names what `*` does not cover.
fn set_changes(
    field: &'static str,
    old: (bool, Vec<String>),
    new: (bool, Vec<String>),
    except: &[&str],
    out: &mut Vec<Change>,
) {
    let covered = |set: &(bool, Vec<String>), x: &str| {
        set.1.iter().any(|y| y == x) || (set.0 && !except.contains(&x))
    };
    for (direction, from, to) in [("newly_allowed", &old, &new), ("newly_denied", &new, &old)] {
        let mut names: Vec<String> = to.1.iter().filter(|x| !covered(from, x)).cloned().collect();
        if to.0 && !from.0 {
            names.insert(0, "any (\"*\")".to_owned());
        }
        if !names.is_empty() {
            out.push(Change {
                direction,
                field,
                pattern: None,
                text: names.join(", "),
                examples: Vec::new(),
            });
        }
    }
}

fn flag_change(field: &'static str, old: bool, new: bool, on: &str, out: &mut Vec<Change>) {
    if old != new {
        out.push(Change {
            direction: if new { "newly_allowed" } else { "newly_denied" },
            field,
            pattern: None,
            text: if new {
                on.to_owned()
            } else {
                format!("no longer: {on}")
            },
            examples: Vec::new(),
        });
    }
}

/// Compares `old` with `new`.
///
/// # Errors
/// When the policies' automata or their product exceed the limits.
pub fn diff(old: &Policy, new: &Policy) -> Result<Diff, TooComplex> {
    let mut changes = Vec::new();
    origin_changes(old, new, "newly_allowed", &mut changes)?;
    origin_changes(new, old, "newly_denied", &mut changes)?;
    let (oc, nc) = (old.config(), new.config());
    set_changes("methods", method_set(oc), method_set(nc), &[], &mut changes);
    set_changes(
        "request_headers",
        header_set(&oc.request_headers),
        header_set(&nc.request_headers),
        &["authorization"],
        &mut changes,
    );
    set_changes(
        "expose_headers",
        header_set(&oc.expose_headers),
        header_set(&nc.expose_headers),
        &[],
        &mut changes,
    );
    flag_change(
        "credentials",
        oc.credentials,
        nc.credentials,
        "credentialed requests (cookies, client certificates) may read responses",
        &mut changes,
    );
    // Protection refuses: switching it off lets requests through (newly allowed).
    flag_change(
        "cross_origin_protection",
        !oc.cross_origin_protection,
        !nc.cross_origin_protection,
        "unsafe requests and WebSocket handshakes from origins outside \"origins\" reach the application (cross-origin protection off)",
        &mut changes,
    );
    flag_change(
        "private_network",
        oc.private_network,
        nc.private_network,
        "public sites may reach this private-network server (Access-Control-Allow-Private-Network)",
        &mut changes,
    );
    if oc.max_age != nc.max_age {
        let show = |a: Option<u64>| a.map_or("none".to_owned(), |a| format!("{a} s"));
        changes.push(Change {
            direction: "changed",
            field: "max_age",
            pattern: None,
            text: format!("{} → {}", show(oc.max_age), show(nc.max_age)),
            examples: Vec::new(),
        });
    }
    if oc.debug != nc.debug {
        // Neither widens nor narrows what is allowed, but `debug` discloses why a
        // preflight was denied to any caller: a reviewer must see it switched on.
        changes.push(Change {
            direction: "changed",
            field: "debug",
            pattern: None,
            text: if nc.debug {
                "debug on: denied preflights carry Corsgate-Debug-Reason (turn it off in production)"
            } else {
                "debug off: denied preflights no longer carry Corsgate-Debug-Reason"
            }
            .to_owned(),
            examples: Vec::new(),
        });
    }
    if oc.preflight_status != nc.preflight_status {
        changes.push(Change {
            direction: "changed",
            field: "preflight_status",
            pattern: None,
            text: format!("{} → {}", oc.preflight_status, nc.preflight_status),
            examples: Vec::new(),
        });
    }
    Ok(Diff { changes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protection_switched_off_is_newly_allowed() {
        let on =
            Policy::new(&Config::new(["https://a.com"]).cross_origin_protection(true)).unwrap();
        let off = Policy::new(&Config::new(["https://a.com"])).unwrap();
        let d = diff(&on, &off).unwrap();
        assert!(d.widens());
        assert_eq!(d.changes.len(), 1);
        assert_eq!(d.changes[0].field, "cross_origin_protection");
        assert_eq!(d.changes[0].direction, "newly_allowed");
        let d = diff(&off, &on).unwrap();
        assert!(!d.widens());
        assert_eq!(d.changes[0].direction, "newly_denied");
        assert!(d.changes[0].text.starts_with("no longer: unsafe requests"));
        assert!(diff(&on, &on).unwrap().changes.is_empty());
    }

    #[test]
    fn debug_switched_is_a_change_that_does_not_widen() {
        let off = Policy::new(&Config::new(["https://a.com"])).unwrap();
        let mut config = Config::new(["https://a.com"]);
        config.debug = true;
        let on = Policy::new(&config).unwrap();
        let d = diff(&off, &on).unwrap();
        assert!(!d.widens());
        assert_eq!(d.changes.len(), 1);
        assert_eq!(
            (d.changes[0].field, d.changes[0].direction),
            ("debug", "changed")
        );
        assert!(d.changes[0].text.starts_with("debug on"));
        assert!(
            diff(&on, &off).unwrap().changes[0]
                .text
                .starts_with("debug off")
        );
        assert!(diff(&on, &on).unwrap().changes.is_empty());
    }

    #[test]
    fn port_sets_subtract_and_describe() {
        let any = ports_of("https", &PortSpec::Any);
        let def = ports_of("https", &PortSpec::Default);
        assert_eq!(describe_ports("https", &any), "on any port");
        assert_eq!(describe_ports("https", &def), "on the default port");
        assert_eq!(
            describe_ports("https", &subtract(&any, &def)),
            "on any port except the default"
        );
        let r = ports_of("https", &PortSpec::Ranges(vec![(443, 443), (8443, 8443)]));
        assert_eq!(describe_ports("https", &subtract(&r, &def)), "on port 8443");
        assert_eq!(
            subtract(&vec![(1, 10)], &vec![(3, 4), (6, 6)]),
            vec![(1, 2), (5, 5), (7, 10)]
        );
    }
}
