//! Origin languages as finite automata: every pattern kind compiles to a small regex,
//! every regex to a dense DFA (the matcher's builder and size limits), and questions
//! about what a policy admits become searches over products of those DFAs.
//!
//! - [`Dfa`]: the full-match language of one or more regexes.
//! - [`witness`]: the shortest string accepted by a boolean combination of DFAs (a
//!   breadth-first search over their product), checked by a caller's predicate.
//! - [`valid`]: the origins a browser sends, as the origin parser accepts them (the
//!   language every question is asked within; matching refuses the rest unread).
//! - [`credential_errors`]: the credential rules of `check` for regex patterns.
//! - [`Shared`]: the automata an analysis of one policy builds once and reuses for
//!   every regex (the class languages of a domain, the named-host languages).
//!
//! Cost: building a DFA is bounded by [`crate::matcher::REGEX_SIZE_LIMIT`]; a search
//! visits each reachable product state at most [`REVISITS`] times and gives up after
//! [`MAX_PRODUCT_NODES`] nodes (reported as `regex_too_complex`). A search allocates
//! once per new product state, never per step.

use crate::Config;
use crate::diag::{Code, Diagnostic};
use crate::pattern::{Pattern, PatternKind, PortSpec};
use crate::syntax;
use regex_automata::dfa::{Automaton, StartKind, dense};
use regex_automata::util::primitives::StateID;
use regex_automata::{Anchored, MatchKind};
use std::rc::Rc;
use std::sync::OnceLock;

/// The most product nodes one search may create before it is refused.
pub const MAX_PRODUCT_NODES: usize = 1 << 21;

/// How often a search may reach the same product state by different paths (the later
/// paths are only needed when the caller's predicate refuses the earlier ones).
const REVISITS: u32 = 3;

/// The order in which a search tries bytes, so that witnesses read naturally.
const PREFERRED: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789.-:_/[]";

/// A search or build that exceeds the automaton limits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TooComplex(pub String);

/// The full-match language of a set of regexes (their union), as one dense DFA.
#[derive(Clone, Debug)]
pub struct Dfa {
    dfa: dense::DFA<Vec<u32>>,
    start: StateID,
}

impl Dfa {
    /// The union of `regexes`, each matched against the whole input (as the matcher
    /// does). An empty list is the empty language.
    ///
    /// # Errors
    /// When the automaton exceeds the matcher's limits.
    pub fn new<S: AsRef<str>>(regexes: &[S]) -> Result<Dfa, TooComplex> {
        let anchored: Vec<String> = if regexes.is_empty() {
            vec![r"(?-u:[^\x00-\xFF])".to_owned()]
        } else {
            regexes
                .iter()
                .map(|r| format!("^(?:{})$", r.as_ref()))
                .collect()
        };
        let dfa = crate::matcher::dfa_builder()
            .configure(
                crate::matcher::dfa_config()
                    .match_kind(MatchKind::All)
                    .start_kind(StartKind::Anchored)
                    // Searches step byte by byte (`next_state`); acceleration only
                    // serves `find`, and computing it is part of every build.
                    .accelerate(false),
            )
            .build_many(&anchored)
            .map_err(|e| TooComplex(e.to_string()))?;
        let start = dfa
            .start_state(&regex_automata::util::start::Config::new().anchored(Anchored::Yes))
            .map_err(|e| TooComplex(e.to_string()))?;
        Ok(Dfa { dfa, start })
    }

    /// Whether the language contains `input`.
    pub fn accepts(&self, input: &[u8]) -> bool {
        let mut s = self.start;
        for &b in input {
            s = self.dfa.next_state(s, b);
        }
        self.accepting(s)
    }

    fn accepting(&self, s: StateID) -> bool {
        self.dfa.is_match_state(self.dfa.next_eoi_state(s))
    }
}

/// Escapes `text` for use inside a regex.
pub fn escape(text: &str) -> String {
    regex_syntax::escape(text)
}

/// A decimal range `lo..=hi` (no leading zeros) as a regex.
pub fn range_regex(lo: u32, hi: u32) -> String {
    let mut parts = Vec::new();
    let mut lo = lo;
    while lo <= hi {
        let digits = lo.to_string().len() as u32;
        let top = 10u32.pow(digits) - 1;
        let end = hi.min(top);
        parts.push(same_length(&lo.to_string(), &end.to_string()));
        lo = end + 1;
    }
    parts.join("|")
}

/// `lo..=hi`, both of the same number of digits.
fn same_length(lo: &str, hi: &str) -> String {
    let (l, h) = (lo.as_bytes(), hi.as_bytes());
    if l.len() == 1 {
        return format!("[{}-{}]", l[0] as char, h[0] as char);
    }
    let rest = l.len() - 1;
    if l[0] == h[0] {
        return format!("{}(?:{})", l[0] as char, same_length(&lo[1..], &hi[1..]));
    }
    if lo[1..].bytes().all(|b| b == b'0') && hi[1..].bytes().all(|b| b == b'9') {
        return format!("[{}-{}][0-9]{{{rest}}}", l[0] as char, h[0] as char);
    }
    let mut out = vec![format!(
        "{}(?:{})",
        l[0] as char,
        same_length(&lo[1..], &"9".repeat(rest))
    )];
    if l[0] + 1 < h[0] {
        out.push(format!(
            "[{}-{}][0-9]{{{rest}}}",
            (l[0] + 1) as char,
            (h[0] - 1) as char
        ));
    }
    out.push(format!(
        "{}(?:{})",
        h[0] as char,
        same_length(&"0".repeat(rest), &hi[1..])
    ));
    out.join("|")
}

/// Any scheme as the URL parser leaves it.
pub const SCHEME: &str = "[a-z][a-z0-9+.-]*";
/// A label of a domain, as the origin parser accepts it.
pub const LABEL: &str = "[a-z0-9_-]+";
/// An optional explicit port (1..=65535 is left to [`valid`]).
pub const ANY_PORT: &str = "(?::[0-9]+)?";

/// The last label of a domain that does not "end in a number" (such hosts must be a
/// dotted quad): not all digits, and not `0x` followed by hex digits only.
const LAST_LABEL: &str = "(?:[a-z_-][a-z0-9_-]*|[1-9][0-9]*[a-z_-][a-z0-9_-]*|0[0-9]+[a-z_-][a-z0-9_-]*|0[a-wyz_-][a-z0-9_-]*|0x[0-9a-f]*[g-z_-][a-z0-9_-]*)";
const OCTET: &str = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";

/// The origins the parser accepts, up to label and host lengths and the canonical form
/// of IPv6 literals (which [`witness`] callers check with [`syntax::parse_origin`]).
fn valid_regex() -> String {
    let host = format!(
        r"(?:{LABEL}\.)*{LAST_LABEL}\.?|{OCTET}\.{OCTET}\.{OCTET}\.{OCTET}|\[[0-9a-f:]{{2,39}}\]"
    );
    format!("{SCHEME}://(?:{host})(?::(?:{}))?", range_regex(1, 65535))
}

/// Origins with their scheme's default port written out (browsers never send them).
const DEFAULT_PORT_RE: &str = "(?:http|ws)://[^/]*:80|(?:https|wss)://[^/]*:443|ftp://[^/]*:21";

/// Loopback origins (`localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`), as
/// [`crate::pattern::is_loopback_host`] reads their hosts.
pub fn loopback_regex() -> String {
    format!(
        r"{SCHEME}://(?:(?:{LABEL}\.)*localhost\.?|127\.[0-9]+\.[0-9]+\.[0-9]+|\[::1\]){ANY_PORT}"
    )
}

/// The language of valid origins: `(valid, explicit default port)`; an origin is
/// valid when the first accepts it and the second does not.
pub fn valid() -> &'static (Dfa, Dfa) {
    static VALID: OnceLock<(Dfa, Dfa)> = OnceLock::new();
    VALID.get_or_init(|| {
        let v = Dfa::new(&[valid_regex()]).expect("the valid-origin automaton is small");
        let d = Dfa::new(&[DEFAULT_PORT_RE]).expect("the default-port automaton is small");
        (v, d)
    })
}

/// Loopback origins, built once.
pub fn loopback() -> &'static Dfa {
    static LOOPBACK: OnceLock<Dfa> = OnceLock::new();
    LOOPBACK.get_or_init(|| Dfa::new(&[loopback_regex()]).expect("small automaton"))
}

/// Plain `http://` origins, built once.
pub fn plain_http() -> &'static Dfa {
    static HTTP: OnceLock<Dfa> = OnceLock::new();
    HTTP.get_or_init(|| Dfa::new(&["http://.*"]).expect("small automaton"))
}

/// `https://` origins (any string after the scheme), built once.
pub fn https() -> &'static Dfa {
    static HTTPS: OnceLock<Dfa> = OnceLock::new();
    HTTPS.get_or_init(|| Dfa::new(&["https://.*"]).expect("small automaton"))
}

/// The automata one analysis builds, each once per distinct regex: the bypass-class
/// languages of a set of named domains and the named-host languages are the same for
/// every regex that names the same domains, so a policy of 400 regexes under one
/// domain builds them once rather than 400 times.
///
/// Invariant: `dfas[r]` is `Dfa::new(&[r])`. Memory: the automata of the distinct
/// regexes asked for; drop the value to free them (it lives for one analysis).
#[derive(Debug, Default)]
pub struct Shared {
    dfas: hashbrown::HashMap<String, Rc<Dfa>>,
    empty: Option<Rc<Dfa>>,
}

impl Shared {
    /// The full-match language of `regex` (the empty language for `None`), built on
    /// the first request.
    ///
    /// # Errors
    /// When the automaton exceeds the limits (not cached: each request reports it).
    pub fn dfa(&mut self, regex: Option<String>) -> Result<Rc<Dfa>, TooComplex> {
        let Some(regex) = regex else {
            if let Some(e) = &self.empty {
                return Ok(Rc::clone(e));
            }
            let e = Rc::new(Dfa::new::<String>(&[])?);
            self.empty = Some(Rc::clone(&e));
            return Ok(e);
        };
        if let Some(d) = self.dfas.get(&regex) {
            return Ok(Rc::clone(d));
        }
        let d = Rc::new(Dfa::new(&[&regex])?);
        self.dfas.insert(regex, Rc::clone(&d));
        Ok(d)
    }
}

/// Whether `origin` is one the origin parser accepts (the check every witness passes).
pub fn is_valid_origin(origin: &[u8]) -> bool {
    syntax::parse_origin(origin).is_some()
}

/// The port part of a host pattern as a regex (after the host).
fn ports_regex(scheme: &str, ports: &PortSpec) -> String {
    match ports {
        PortSpec::Default => String::new(),
        PortSpec::Any => ANY_PORT.to_owned(),
        PortSpec::Ranges(r) => {
            let alts: Vec<String> = r
                .iter()
                .map(|&(lo, hi)| range_regex(u32::from(lo), u32::from(hi)))
                .collect();
            let default_listed = syntax::default_port(scheme.as_bytes())
                .is_some_and(|d| r.iter().any(|&(lo, hi)| lo <= d && d <= hi));
            let body = format!("(?::(?:{}))", alts.join("|"));
            if default_listed {
                format!("{body}?")
            } else {
                body
            }
        }
    }
}

/// The regex of one pattern's language (`None` for `null`, which is no origin the
/// parser accepts and is compared separately).
pub fn pattern_regex(kind: &PatternKind) -> Option<String> {
    Some(match kind {
        PatternKind::Any => "(?s-u:.)*".to_owned(),
        PatternKind::Null => return None,
        PatternKind::Exact(s) => escape(s),
        PatternKind::Host {
            scheme,
            host,
            ports,
        } => format!(
            "{}{}",
            escape(&format!("{scheme}://{host}")),
            ports_regex(scheme, ports)
        ),
        PatternKind::Subdomains {
            scheme,
            base,
            ports,
        } => format!(
            r"{}://(?:{LABEL}\.)+{}{}",
            escape(scheme),
            escape(base),
            ports_regex(scheme, ports)
        ),
        PatternKind::Regex(r) => format!("(?:{r})"),
    })
}

/// One operand of a [`witness`] search: a DFA and whether the witness must be in its
/// language (`true`) or outside it (`false`).
pub type Term<'a> = (&'a Dfa, bool);

/// Adds the valid-origin terms to `terms`.
pub fn within_valid<'a>(mut terms: Vec<Term<'a>>) -> Vec<Term<'a>> {
    let (v, d) = valid();
    terms.push((v, true));
    terms.push((d, false));
    terms
}

/// The shortest string (first in [`PREFERRED`] byte order among the shortest) that
/// every term accepts or refuses as it asks, and that `check` accepts; `None` when the
/// combination is empty (or every candidate the search tried was refused by `check`).
///
/// # Errors
/// When the product grows past [`MAX_PRODUCT_NODES`].
pub fn witness(
    terms: &[Term<'_>],
    check: impl FnMut(&str) -> bool,
) -> Result<Option<String>, TooComplex> {
    search(terms, REVISITS, check)
}

/// [`witness`], with each product state reached at most `revisits` times.
///
/// Breadth first: nodes are appended in visiting order, so the node list is the queue.
/// Node `i`'s product state is `states[i * k..][..k]` (one flat arena, `k` terms), its
/// parent and the byte that led to it `links[i]`.
fn search(
    terms: &[Term<'_>],
    revisits: u32,
    mut check: impl FnMut(&str) -> bool,
) -> Result<Option<String>, TooComplex> {
    let reps = representatives(terms);
    let k = terms.len();
    let mut states: Vec<StateID> = terms.iter().map(|(d, _)| d.start).collect();
    let mut links: Vec<(u32, u8)> = vec![(u32::MAX, 0)];
    let mut seen: hashbrown::HashMap<Box<[StateID]>, u32> = hashbrown::HashMap::new();
    seen.insert(states.clone().into_boxed_slice(), 1);
    let mut next: Vec<StateID> = Vec::with_capacity(k);
    let mut at = 0usize;
    while at < links.len() {
        if satisfied(terms, &states[at * k..][..k]) {
            let text = spell(&links, at);
            if let Ok(text) = String::from_utf8(text)
                && check(&text)
            {
                return Ok(Some(text));
            }
        }
        'bytes: for &b in &reps {
            next.clear();
            for ((d, want), &s) in terms.iter().zip(&states[at * k..][..k]) {
                let n = d.dfa.next_state(s, b);
                if *want && d.dfa.is_dead_state(n) {
                    continue 'bytes;
                }
                next.push(n);
            }
            match seen.get_mut(&next[..]) {
                Some(count) if *count >= revisits => continue,
                Some(count) => *count += 1,
                None => {
                    seen.insert(next.clone().into_boxed_slice(), 1);
                }
            }
            if links.len() >= MAX_PRODUCT_NODES {
                return Err(TooComplex(format!(
                    "the analysis needs more than {MAX_PRODUCT_NODES} automaton states"
                )));
            }
            states.extend_from_slice(&next);
            links.push((at as u32, b));
        }
        at += 1;
    }
    Ok(None)
}

/// Whether every term's acceptance at end of input is as asked.
fn satisfied(terms: &[Term<'_>], state: &[StateID]) -> bool {
    terms
        .iter()
        .zip(state)
        .all(|((d, want), &s)| d.accepting(s) == *want)
}

/// The string spelled by the path from the root to node `at`.
fn spell(links: &[(u32, u8)], mut at: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while at != 0 {
        let (parent, b) = links[at];
        out.push(b);
        at = parent as usize;
    }
    out.reverse();
    out
}

/// One byte per class of the terms' joint alphabet, preferred bytes first.
fn representatives(terms: &[Term<'_>]) -> Vec<u8> {
    let mut seen: hashbrown::HashSet<Vec<u8>> = hashbrown::HashSet::new();
    let mut key = Vec::with_capacity(terms.len());
    let mut out = Vec::new();
    for b in PREFERRED.iter().copied().chain(0..=255u8) {
        key.clear();
        key.extend(terms.iter().map(|(d, _)| d.dfa.byte_classes().get(b)));
        if !seen.contains(&key[..]) {
            seen.insert(key.clone());
            out.push(b);
        }
    }
    out
}

/// The language of a list of patterns: the union of their regexes (`null` aside).
///
/// # Errors
/// When the automaton exceeds the limits.
pub fn patterns_language(patterns: &[Pattern]) -> Result<Dfa, TooComplex> {
    let regexes: Vec<String> = patterns
        .iter()
        .filter_map(|p| pattern_regex(&p.kind))
        .collect();
    Dfa::new(&regexes)
}

/// Up to `count` distinct strings the terms accept as asked, shortest first: a
/// breadth-first enumeration of the product that may revisit each state up to
/// `count` times. For tests that compare two policies on origins drawn from their own
/// automata.
pub fn sample(terms: &[Term<'_>], count: usize) -> Vec<String> {
    let mut out = Vec::new();
    let revisits = u32::try_from(count).unwrap_or(u32::MAX);
    let _ = search(terms, revisits, |t| {
        out.push(t.to_owned());
        out.len() >= count
    });
    out
}

/// The credential rules of `check` for one regex pattern: with credentials, a regex
/// may admit no plain `http://` origin but loopback (unless
/// `dangerously_allow_insecure_origins`), may not be effectively `*`, and may admit no
/// host under a registrable domain it does not name, as a wildcard over a public
/// suffix would (unless `dangerously_allow_public_suffix_wildcards`). Each error names
/// the shortest origin that breaks the rule.
///
/// Cost: nothing without credentials; otherwise one DFA build and up to three product
/// searches per regex, plus one build per distinct set of named domains (in `shared`).
pub fn credential_errors(config: &Config, p: &Pattern, shared: &mut Shared) -> Vec<Diagnostic> {
    let PatternKind::Regex(re) = &p.kind else {
        return Vec::new();
    };
    if !config.credentials {
        return Vec::new();
    }
    let error =
        |code: Code, msg: String| Diagnostic::entry(code, "origins", p.index, &p.source, msg);
    let too_complex = |e: TooComplex| {
        vec![error(
            Code::RegexTooComplex,
            format!("the regex is too complex to analyse ({})", e.0),
        )]
    };
    // Regexes that exceed the limits are refused by the matcher build.
    let Ok(dfa) = Dfa::new(&[re]) else {
        return Vec::new();
    };
    let admitted = |o: &str| is_valid_origin(o.as_bytes()) && dfa.accepts(o.as_bytes());
    let mut out = Vec::new();
    if !config.dangerously_allow_insecure_origins {
        let terms = within_valid(vec![
            (&dfa, true),
            (plain_http(), true),
            (loopback(), false),
        ]);
        match witness(&terms, admitted) {
            Ok(Some(w)) => out.push(error(
                Code::InsecureOrigin,
                format!("for security reasons, plain http:// origins are refused with credentials: this regex admits {w}, and anyone on the network path can impersonate it; require https:// or set dangerously_allow_insecure_origins"),
            )),
            Ok(None) => {}
            Err(e) => return too_complex(e),
        }
    }
    match witness(&within_valid(vec![(https(), true), (&dfa, false)]), |o| {
        is_valid_origin(o.as_bytes())
    }) {
        Ok(None) => {
            out.push(error(
                Code::AnyOriginWithCredentials,
                "for security reasons, a regex that admits every https:// origin is \"*\" and cannot be combined with credentials; list the origins".to_owned(),
            ));
            return out;
        }
        Ok(Some(_)) => {}
        Err(e) => return too_complex(e),
    }
    if !config.dangerously_allow_public_suffix_wildcards {
        let named = crate::named::named_hosts(re);
        let under = match shared.dfa(named.regex()) {
            Ok(d) => d,
            Err(e) => return too_complex(e),
        };
        let terms = within_valid(vec![(&dfa, true), (&under, false), (loopback(), false)]);
        match witness(&terms, admitted) {
            Ok(Some(w)) => out.push(error(
                Code::PublicSuffixWildcard,
                format!("for security reasons, a regex that admits hosts under registrable domains it does not name is refused with credentials, as a wildcard over a public suffix is: it admits {w}{}; name the domain (\"\\.example\\.com$\") or set dangerously_allow_public_suffix_wildcards", named.describe()),
            )),
            Ok(None) => {}
            Err(e) => return too_complex(e),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_exact() {
        for (lo, hi) in [
            (1, 65535),
            (3000, 3999),
            (80, 80),
            (7, 1234),
            (99, 100),
            (1, 9),
        ] {
            let d = Dfa::new(&[range_regex(lo, hi)]).unwrap();
            for n in 0..70000u32 {
                assert_eq!(
                    d.accepts(n.to_string().as_bytes()),
                    (lo..=hi).contains(&n),
                    "{lo}-{hi}: {n}"
                );
            }
            assert!(!d.accepts(b"01"));
        }
    }

    #[test]
    fn the_valid_language_is_the_parser() {
        let (v, d) = valid();
        let ok = |o: &str| v.accepts(o.as_bytes()) && !d.accepts(o.as_bytes());
        for o in [
            "https://a.com",
            "http://1.2.3.4:8080",
            "https://0a",
            "https://0x1g",
            "https://a.",
            "https://1a.com",
            "http://[::1]",
            "https://a.com:65535",
            "ws://a.b:443",
            "https://00a",
            "https://_x",
        ] {
            assert!(ok(o) && is_valid_origin(o.as_bytes()), "{o}");
        }
        for o in [
            "https://1.2.3",
            "https://a.1",
            "https://0x1f",
            "https://a.0x",
            "https://1.2.3.4.",
            "https://a.com:443",
            "http://a:80",
            "https://a.com:0",
            "https://a.com:65536",
            "https://A.com",
            "https://a..com",
            "null",
            "https://a.com/",
            "https://01.2.3.4",
        ] {
            assert!(!ok(o) && !is_valid_origin(o.as_bytes()), "{o}");
        }
        // Every short label: the last-label rule is the parser's "ends in a number".
        let chars = b"0x9af_z-";
        let mut labels = vec![String::new()];
        for _ in 0..3 {
            let prev = labels.clone();
            for l in prev {
                for &c in chars {
                    labels.push(format!("{l}{}", c as char));
                }
            }
        }
        for l in labels.iter().filter(|l| !l.is_empty()) {
            let o = format!("https://a.{l}");
            assert_eq!(ok(&o), is_valid_origin(o.as_bytes()), "{o}");
        }
    }

    #[test]
    fn witnesses_are_shortest() {
        let r = Dfa::new(&["https://[a-z]*example\\.com"]).unwrap();
        let e =
            Dfa::new(&[pattern_regex(&PatternKind::Exact("https://example.com".into())).unwrap()])
                .unwrap();
        let w = witness(&within_valid(vec![(&r, true), (&e, false)]), |_| true).unwrap();
        assert_eq!(w.as_deref(), Some("https://aexample.com"));
        let w = witness(&within_valid(vec![(&e, true), (&r, false)]), |_| true).unwrap();
        assert_eq!(w, None);
    }

    #[test]
    fn host_patterns_compile_to_their_meaning() {
        let p = PatternKind::Host {
            scheme: "https".into(),
            host: "a.com".into(),
            ports: PortSpec::Ranges(vec![(443, 443), (8000, 8999)]),
        };
        let d = Dfa::new(&[pattern_regex(&p).unwrap()]).unwrap();
        assert!(d.accepts(b"https://a.com") && d.accepts(b"https://a.com:8443"));
        assert!(!d.accepts(b"https://a.com:9000") && !d.accepts(b"https://b.a.com"));
        let p = PatternKind::Subdomains {
            scheme: "http".into(),
            base: "a.com".into(),
            ports: PortSpec::Ranges(vec![(8080, 8080)]),
        };
        let d = Dfa::new(&[pattern_regex(&p).unwrap()]).unwrap();
        assert!(d.accepts(b"http://x.y.a.com:8080") && !d.accepts(b"http://x.a.com"));
        assert!(!d.accepts(b"http://a.com:8080"));
    }
}
