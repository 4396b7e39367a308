//! A deliberately naive evaluator, written straight from DESIGN.md with no cleverness:
//! patterns are tried one by one in order, strings are built freely, origins are split
//! with `split_once` ([`origin`]), each regex is its own `regex_automata::meta::Regex`
//! (a different engine from the fast path's single dense DFA). It exists to be compared
//! with the fast [`crate::Policy`] ([`compare`], used by the property tests and the fuzz
//! targets); it is slow on purpose. Never use it to serve traffic.
//!
//! The pattern normalizer (IDNA, IP canonicalization) is shared with the fast path; it is
//! checked on its own against the `url` crate's WHATWG origin serialization
//! (`tests/normalizer.rs`, fuzz target `normalizer`).

mod compare;
mod origin;
mod preflight;
mod protection;

pub use compare::{Request, check_decision, compare};
pub use origin::well_formed;

use crate::Config;
use crate::ConfigError;
use crate::pattern::{Pattern, PatternKind};
use regex_automata::meta::Regex;

/// Why the reference decided as it did: the reason code of [`crate::Reason::code`], and
/// what it names (the refused method or header name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefReason {
    /// The reason code.
    pub code: &'static str,
    /// The method of `method_not_allowed`, the header name of `header_not_allowed`.
    pub subject: Option<String>,
}

impl RefReason {
    fn code(code: &'static str) -> RefReason {
        RefReason {
            code,
            subject: None,
        }
    }

    fn with(code: &'static str, subject: &str) -> RefReason {
        RefReason {
            code,
            subject: Some(subject.to_owned()),
        }
    }
}

/// The outcome of [`Reference::evaluate`], in plain owned data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefDecision {
    /// `"not_cors"`, `"preflight"`, `"actual"` or `"refused"`.
    pub kind: &'static str,
    /// Whether the response passes the browser's check.
    pub allowed: bool,
    /// Preflight status.
    pub status: Option<u16>,
    /// Response headers, in the same order the fast engine emits them.
    pub headers: Vec<(String, String)>,
    /// Why.
    pub reason: RefReason,
    /// For `origin_allowed`: the index of every pattern that admits the origin (the fast
    /// engine may name any of them).
    pub admitted_by: Vec<usize>,
}

/// The naive evaluator for one policy.
pub struct Reference {
    config: Config,
    patterns: Vec<Pattern>,
    regexes: Vec<Option<Regex>>,
}

const VARY_PREFLIGHT: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
const VARY_PREFLIGHT_PNA: &str = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network";

fn h(n: &str, v: &str) -> (String, String) {
    (n.to_owned(), v.to_owned())
}

/// The reference's own regex for one pattern: anchored, bytes, no Unicode classes.
fn naive_regex(p: &Pattern) -> Option<Regex> {
    let PatternKind::Regex(r) = &p.kind else {
        return None;
    };
    let syntax = regex_automata::util::syntax::Config::new()
        .unicode(false)
        .utf8(false);
    regex_automata::meta::Builder::new()
        .syntax(syntax)
        .build(&format!("^(?:{r})$"))
        .ok()
}

impl Reference {
    /// Builds the reference for a policy, reusing the fast engine's validation and
    /// pattern normalizer (the subject of the comparison is matching and deciding).
    ///
    /// # Errors
    /// The same [`ConfigError`] as [`crate::Policy::new`].
    pub fn new(config: &Config) -> Result<Reference, ConfigError> {
        let policy = crate::Policy::new(config)?;
        let patterns = policy.patterns().to_vec();
        let regexes = patterns.iter().map(naive_regex).collect();
        Ok(Reference {
            config: config.clone(),
            patterns,
            regexes,
        })
    }

    /// Whether `origin` is a serialized origin as a browser sends it.
    pub fn well_formed(origin: &str) -> bool {
        origin::well_formed(origin)
    }

    /// The position in `origins` of every pattern that admits `origin`, in order.
    pub fn admitting(&self, origin: &str) -> Vec<usize> {
        self.patterns
            .iter()
            .zip(&self.regexes)
            .filter(|(p, r)| origin::pattern_admits(p, r.as_ref(), origin))
            .map(|(p, _)| p.index)
            .collect()
    }

    /// Whether any pattern admits `origin`.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        !self.admitting(origin).is_empty()
    }

    fn any(&self) -> bool {
        self.config.origins.iter().any(|o| o == "*")
    }

    /// Decides a request, naively.
    pub fn evaluate(&self, method: &str, headers: &[(&str, &str)]) -> RefDecision {
        let all = |name: &str| -> Vec<&str> {
            headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v)
                .collect()
        };
        let origins = all("Origin");
        if self.config.cross_origin_protection {
            let lines = |name: &str| all(name).into_iter().map(str::to_owned).collect();
            let trusted = match (origins.as_slice(), self.origin_verdict(&origins)) {
                ([origin], Ok(_)) => {
                    !self.any() || *origin == "null" || origin::well_formed(origin)
                }
                _ => false,
            };
            if protection::refused(method, &lines, &origins, trusted) {
                return RefDecision {
                    kind: "refused",
                    allowed: false,
                    status: Some(403),
                    headers: vec![h("Vary", "Origin")],
                    reason: RefReason::code("cross_origin_request_refused"),
                    admitted_by: Vec::new(),
                };
            }
        }
        if origins.is_empty() {
            return self.not_cors();
        }
        let acrm = all("Access-Control-Request-Method");
        if method == "OPTIONS" && !acrm.is_empty() {
            let acrh = all("Access-Control-Request-Headers");
            let acrpn = all("Access-Control-Request-Private-Network");
            return self.preflight(&origins, &acrm, &acrh, &acrpn);
        }
        self.actual(&origins)
    }

    /// The expose-headers value: `*` first when present, then each name once
    /// (case-insensitively), as written.
    fn expose_value(&self) -> Option<String> {
        let expose = &self.config.expose_headers;
        let mut names: Vec<&str> = Vec::new();
        if expose.iter().any(|x| x == "*") {
            names.push("*");
        }
        for x in expose.iter().filter(|x| *x != "*") {
            if !names.iter().any(|n| n.eq_ignore_ascii_case(x)) {
                names.push(x);
            }
        }
        (!names.is_empty()).then(|| names.join(", "))
    }

    fn not_cors(&self) -> RefDecision {
        let mut headers = Vec::new();
        if self.any() {
            headers.push(h("Access-Control-Allow-Origin", "*"));
            if let Some(e) = self.expose_value() {
                headers.push(h("Access-Control-Expose-Headers", &e));
            }
        } else {
            headers.push(h("Vary", "Origin"));
        }
        RefDecision {
            kind: "not_cors",
            allowed: true,
            status: None,
            headers,
            reason: RefReason::code("not_cors"),
            admitted_by: Vec::new(),
        }
    }

    /// The origin step: `Ok((reason, acao, admitting patterns))` or the denial reason.
    fn origin_verdict(
        &self,
        origins: &[&str],
    ) -> Result<(RefReason, String, Vec<usize>), RefReason> {
        if self.any() {
            return Ok((RefReason::code("any_origin"), "*".into(), Vec::new()));
        }
        let [origin] = origins else {
            return Err(RefReason::code("origin_multiple"));
        };
        let admitted_by = self.admitting(origin);
        if !admitted_by.is_empty() {
            return Ok((
                RefReason::code("origin_allowed"),
                (*origin).to_owned(),
                admitted_by,
            ));
        }
        if *origin == "null" || origin::well_formed(origin) {
            Err(RefReason::code("origin_not_allowed"))
        } else {
            Err(RefReason::code("origin_malformed"))
        }
    }

    fn actual(&self, origins: &[&str]) -> RefDecision {
        let verdict = self.origin_verdict(origins);
        let mut headers = Vec::new();
        if let Ok((_, acao, _)) = &verdict {
            headers.push(h("Access-Control-Allow-Origin", acao));
            if self.config.credentials {
                headers.push(h("Access-Control-Allow-Credentials", "true"));
            }
            if let Some(e) = self.expose_value() {
                headers.push(h("Access-Control-Expose-Headers", &e));
            }
        }
        if !self.any() {
            headers.push(h("Vary", "Origin"));
        }
        let allowed = verdict.is_ok();
        let (reason, admitted_by) = match verdict {
            Ok((reason, _, by)) => (reason, by),
            Err(reason) => (reason, Vec::new()),
        };
        RefDecision {
            kind: "actual",
            allowed,
            status: None,
            headers,
            reason,
            admitted_by,
        }
    }

    fn preflight(
        &self,
        origins: &[&str],
        acrm: &[&str],
        acrh: &[&str],
        acrpn: &[&str],
    ) -> RefDecision {
        let c = &self.config;
        let vary = if c.private_network {
            VARY_PREFLIGHT_PNA
        } else {
            VARY_PREFLIGHT
        };
        let checks = self.origin_verdict(origins).and_then(|(reason, acao, by)| {
            let method = preflight::method(c, acrm)?;
            let names = preflight::header_names(c, acrh)?;
            let pna = preflight::private_network(c, acrpn)?;
            Ok((reason, acao, by, method, names, pna))
        });
        let (reason, acao, admitted_by, method, names, pna) = match checks {
            Ok(granted) => granted,
            Err(reason) => {
                return RefDecision {
                    kind: "preflight",
                    allowed: false,
                    status: Some(403),
                    headers: vec![h("Vary", vary)],
                    reason,
                    admitted_by: Vec::new(),
                };
            }
        };
        let mut headers = vec![h("Access-Control-Allow-Origin", &acao)];
        if c.credentials {
            headers.push(h("Access-Control-Allow-Credentials", "true"));
        }
        headers.push(h("Access-Control-Allow-Methods", &method));
        headers.extend(names.iter().map(|v| h("Access-Control-Allow-Headers", v)));
        if let Some(a) = c.max_age {
            headers.push(h("Access-Control-Max-Age", &a.to_string()));
        }
        if pna {
            headers.push(h("Access-Control-Allow-Private-Network", "true"));
        }
        headers.push(h("Vary", vary));
        RefDecision {
            kind: "preflight",
            allowed: true,
            status: Some(c.preflight_status),
            headers,
            reason,
            admitted_by,
        }
    }
}
