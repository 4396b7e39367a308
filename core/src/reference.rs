//! A deliberately naive evaluator, written straight from DESIGN.md with no cleverness:
//! patterns are tried one by one in order, strings are built freely, each regex is its own
//! `regex_automata::meta::Regex` (a different engine from the fast path's single dense
//! DFA). It exists to be compared with the fast
//! [`crate::Policy`] by property tests and fuzzers; it is slow on purpose. Never use it
//! to serve traffic.

use crate::config::Config;
use crate::diag::ConfigError;
use crate::pattern::{Pattern, PatternKind, PortSpec};
use regex_automata::meta::Regex;

/// The outcome of [`Reference::evaluate`], in plain owned data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefDecision {
    /// `"not_cors"`, `"preflight"` or `"actual"`.
    pub kind: &'static str,
    /// Whether the response passes the browser's check.
    pub allowed: bool,
    /// Preflight status.
    pub status: Option<u16>,
    /// Response headers, in the same order the fast engine emits them.
    pub headers: Vec<(String, String)>,
}

/// The naive evaluator for one policy.
pub struct Reference {
    config: Config,
    patterns: Vec<Pattern>,
    regexes: Vec<Option<Regex>>,
}

impl Reference {
    /// Builds the reference for a policy, reusing the fast engine's validation (the
    /// subject of the comparison is matching and deciding, not parsing the config).
    ///
    /// # Errors
    /// The same [`ConfigError`] as [`crate::Policy::new`].
    pub fn new(config: &Config) -> Result<Reference, ConfigError> {
        let policy = crate::Policy::new(config)?;
        let patterns = policy.patterns().to_vec();
        let regexes = patterns
            .iter()
            .map(|p| match &p.kind {
                PatternKind::Regex(r) => regex_automata::meta::Builder::new()
                    .syntax(
                        regex_automata::util::syntax::Config::new()
                            .unicode(false)
                            .utf8(false),
                    )
                    .build(&format!("^(?:{r})$"))
                    .ok(),
                _ => None,
            })
            .collect();
        Ok(Reference {
            config: config.clone(),
            patterns,
            regexes,
        })
    }

    /// Whether `origin` is a serialized origin as a browser sends it.
    pub fn well_formed(origin: &str) -> bool {
        let Some((scheme, rest)) = origin.split_once("://") else {
            return false;
        };
        let scheme_ok = !scheme.is_empty()
            && scheme
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase())
            && scheme
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c));
        if !scheme_ok || origin.len() > crate::syntax::MAX_ORIGIN_LEN {
            return false;
        }
        let (host, port) = split_host_port(rest);
        if let Some(p) = port {
            let Ok(n) = p.parse::<u32>() else {
                return false;
            };
            let default = match scheme {
                "http" | "ws" => Some(80),
                "https" | "wss" => Some(443),
                "ftp" => Some(21),
                _ => None,
            };
            if p.is_empty()
                || p.starts_with('0')
                || !p.chars().all(|c| c.is_ascii_digit())
                || n == 0
                || n > 65535
                || Some(n) == default
            {
                return false;
            }
        }
        if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            return crate::syntax::is_canonical_ipv6(inner.as_bytes());
        }
        let body = host.strip_suffix('.').unwrap_or(host);
        if body.is_empty() || body.len() > 253 {
            return false;
        }
        let labels: Vec<&str> = body.split('.').collect();
        for l in &labels {
            if l.is_empty()
                || l.len() > 63
                || !l
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
            {
                return false;
            }
        }
        let last = labels[labels.len() - 1];
        let numeric = last.chars().all(|c| c.is_ascii_digit())
            || (last.starts_with("0x") && last[2..].chars().all(|c| c.is_ascii_hexdigit()));
        if numeric {
            // Must be a dotted quad exactly as serialized, with no trailing dot.
            return host == body
                && labels.len() == 4
                && labels
                    .iter()
                    .all(|l| l.parse::<u8>().is_ok() && (l.len() == 1 || !l.starts_with('0')));
        }
        true
    }

    fn pattern_admits(&self, i: usize, origin: &str) -> bool {
        let p = &self.patterns[i];
        match &p.kind {
            PatternKind::Any => true,
            PatternKind::Null => origin == "null",
            PatternKind::Exact(s) => origin == s,
            PatternKind::Host {
                scheme,
                host,
                ports,
            } => {
                Self::well_formed(origin) && {
                    let (s, rest) = origin.split_once("://").unwrap_or_default();
                    let (h, port) = split_host_port(rest);
                    s == scheme && h == host && ports_admit(ports, s, port)
                }
            }
            PatternKind::Subdomains {
                scheme,
                base,
                ports,
            } => {
                Self::well_formed(origin) && {
                    let (s, rest) = origin.split_once("://").unwrap_or_default();
                    let (h, port) = split_host_port(rest);
                    let dotted = format!(".{base}");
                    s == scheme
                        && h.len() > dotted.len()
                        && h.ends_with(&dotted)
                        && ports_admit(ports, s, port)
                }
            }
            PatternKind::Regex(_) => {
                Self::well_formed(origin)
                    && self.regexes[i]
                        .as_ref()
                        .is_some_and(|r| r.is_match(origin.as_bytes()))
            }
        }
    }

    /// Whether any pattern admits `origin`.
    pub fn origin_allowed(&self, origin: &str) -> bool {
        (0..self.patterns.len()).any(|i| self.pattern_admits(i, origin))
    }

    /// Decides a request, naively.
    pub fn evaluate(&self, method: &str, headers: &[(&str, &str)]) -> RefDecision {
        let c = &self.config;
        let any = c.origins.iter().any(|o| o == "*");
        let get_all = |name: &str| -> Vec<&str> {
            headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| *v)
                .collect()
        };
        let h = |n: &str, v: &str| (n.to_owned(), v.to_owned());
        let origins = get_all("Origin");
        let expose = expose_value(c);
        if origins.is_empty() {
            let mut headers = Vec::new();
            if any {
                headers.push(h("Access-Control-Allow-Origin", "*"));
                if let Some(e) = &expose {
                    headers.push(h("Access-Control-Expose-Headers", e));
                }
            } else {
                headers.push(h("Vary", "Origin"));
            }
            return RefDecision {
                kind: "not_cors",
                allowed: true,
                status: None,
                headers,
            };
        }
        let origin = origins[0];
        let origin_ok = any || (origins.len() == 1 && self.origin_allowed(origin));
        let acao = if any {
            "*".to_owned()
        } else {
            origin.to_owned()
        };
        let acrm = get_all("Access-Control-Request-Method");
        if method == "OPTIONS" && !acrm.is_empty() {
            let vary = if c.private_network {
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network"
            } else {
                "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
            };
            let denied = RefDecision {
                kind: "preflight",
                allowed: false,
                status: Some(403),
                headers: vec![h("Vary", vary)],
            };
            if !origin_ok {
                return denied;
            }
            let m = acrm[0];
            let is_token = |s: &str| !s.is_empty() && s.bytes().all(crate::syntax::is_tchar);
            if acrm.len() != 1 || !is_token(m) {
                return denied;
            }
            if ["CONNECT", "TRACE", "TRACK"]
                .iter()
                .any(|f| f.eq_ignore_ascii_case(m))
            {
                return denied;
            }
            let listed: Vec<String> = c
                .methods
                .iter()
                .map(|x| {
                    let up = x.to_ascii_uppercase();
                    if ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"].contains(&up.as_str()) {
                        up
                    } else {
                        x.clone()
                    }
                })
                .collect();
            if !(["GET", "HEAD", "POST"].contains(&m) || listed.iter().any(|x| x == "*" || x == m))
            {
                return denied;
            }
            let lines = get_all("Access-Control-Request-Headers");
            let total: usize = lines.iter().map(|l| l.len()).sum();
            if lines.len() > crate::decision::MAX_ACRH_LINES || total > crate::MAX_ACRH_BYTES {
                return denied;
            }
            let allowed_names: Vec<String> = c
                .request_headers
                .iter()
                .map(|x| x.to_ascii_lowercase())
                .collect();
            let star = allowed_names.iter().any(|x| x == "*");
            let mut empties = 0;
            let mut acah = Vec::new();
            for line in &lines {
                let line = line.trim_matches([' ', '\t']);
                if line.is_empty() {
                    empties += 1;
                    continue;
                }
                for name in line.split(',') {
                    let name = name.trim_matches([' ', '\t']);
                    if name.is_empty() {
                        empties += 1;
                        continue;
                    }
                    let lower = name.to_ascii_lowercase();
                    let ok = is_token(name)
                        && (allowed_names.contains(&lower) || (star && lower != "authorization"));
                    if !ok {
                        return denied;
                    }
                }
                acah.push(line.to_owned());
            }
            if empties > crate::MAX_ACRH_EMPTY_ELEMENTS {
                return denied;
            }
            let pna = get_all("Access-Control-Request-Private-Network").contains(&"true");
            if pna && !c.private_network {
                return denied;
            }
            let mut out = vec![h("Access-Control-Allow-Origin", &acao)];
            if c.credentials {
                out.push(h("Access-Control-Allow-Credentials", "true"));
            }
            out.push(h("Access-Control-Allow-Methods", m));
            for v in acah {
                out.push(h("Access-Control-Allow-Headers", &v));
            }
            if let Some(a) = c.max_age {
                out.push(h("Access-Control-Max-Age", &a.to_string()));
            }
            if pna {
                out.push(h("Access-Control-Allow-Private-Network", "true"));
            }
            out.push(h("Vary", vary));
            return RefDecision {
                kind: "preflight",
                allowed: true,
                status: Some(c.preflight_status),
                headers: out,
            };
        }
        let mut out = Vec::new();
        if origin_ok {
            out.push(h("Access-Control-Allow-Origin", &acao));
            if c.credentials {
                out.push(h("Access-Control-Allow-Credentials", "true"));
            }
            if let Some(e) = &expose {
                out.push(h("Access-Control-Expose-Headers", e));
            }
        }
        if !any {
            out.push(h("Vary", "Origin"));
        }
        RefDecision {
            kind: "actual",
            allowed: origin_ok,
            status: None,
            headers: out,
        }
    }
}

fn expose_value(c: &Config) -> Option<String> {
    let star = c.expose_headers.iter().any(|x| x == "*");
    let mut names: Vec<&str> = Vec::new();
    for x in c.expose_headers.iter().filter(|x| *x != "*") {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(x)) {
            names.push(x);
        }
    }
    match (star, names.is_empty()) {
        (true, true) => Some("*".into()),
        (true, false) => Some(format!("*, {}", names.join(", "))),
        (false, true) => None,
        (false, false) => Some(names.join(", ")),
    }
}

fn split_host_port(rest: &str) -> (&str, Option<&str>) {
    if rest.starts_with('[') {
        match rest.find(']') {
            Some(i) => {
                let after = &rest[i + 1..];
                (
                    &rest[..=i],
                    after
                        .strip_prefix(':')
                        .or(if after.is_empty() { None } else { Some("x") }),
                )
            }
            None => (rest, None),
        }
    } else {
        match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        }
    }
}

fn ports_admit(ports: &PortSpec, scheme: &str, port: Option<&str>) -> bool {
    let explicit: Option<u16> = port.and_then(|p| p.parse().ok());
    match ports {
        PortSpec::Default => port.is_none(),
        PortSpec::Any => true,
        PortSpec::Ranges(r) => {
            let eff = explicit.or(match scheme {
                "http" | "ws" => Some(80),
                "https" | "wss" => Some(443),
                "ftp" => Some(21),
                _ => None,
            });
            eff.is_some_and(|p| r.iter().any(|&(lo, hi)| lo <= p && p <= hi))
        }
    }
}
