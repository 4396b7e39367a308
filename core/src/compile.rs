//! Compiling a [`Config`]: one validator per field, the security checks, and the
//! compiled parts they produce.
//!
//! [`compile`] checks every field (collecting *all* diagnostics, in document order:
//! origins, methods, request headers, exposed headers, scalars) and returns plain
//! [`Compiled`] parts — the origin matcher, the method and header lists, the header
//! values precomputed for responses. It never builds a [`crate::Policy`]: the policy
//! assembles itself from these parts (layers, not circles).
//!
//! Cost: linear in the number of origins (regexes: one DFA construction) and in the
//! lengths of the method and header lists (deduplicated with a hash set each).

use crate::config::Config;
use crate::diag::{Code, ConfigError, Diagnostic, Severity};
use crate::fetch;
use crate::matcher::{self, MatcherBuilder, OriginMatcher};
use crate::pattern::{self, Pattern, PatternKind};
use crate::syntax::{self, MAX_ORIGIN_LEN, is_token};

/// The most entries `origins` may hold (4,194,304). Pattern indices are stored as
/// `u32` and exact origins (at most [`MAX_ORIGIN_LEN`] bytes each) share one arena
/// addressed by 31-bit offsets; this bound keeps both in range. A longer list is the
/// configuration error `invalid_origin` on the field `origins`.
pub const MAX_ORIGINS: usize = 1 << 22;
const _: () = assert!(MAX_ORIGINS <= u32::MAX as usize);
const _: () = assert!(MAX_ORIGINS * MAX_ORIGIN_LEN <= matcher::MAX_EXACT_BYTES);

/// A configuration's compiled parts, from which [`crate::Policy`] is assembled.
#[derive(Debug)]
pub(crate) struct Compiled {
    /// Every origin pattern, compiled.
    pub(crate) matcher: OriginMatcher,
    /// The text of every `origins` entry that is not an exact origin written in
    /// canonical form (those are keys of the matcher's table, flagged verbatim).
    pub(crate) sources: hashbrown::HashMap<u32, Box<str>>,
    /// `methods`, with `"*"` and the safelisted methods taken out.
    pub(crate) methods: Methods,
    /// `request_headers`, lowercase, with `"*"` taken out.
    pub(crate) request_headers: RequestHeaderNames,
    /// The `Access-Control-Expose-Headers` value, if any.
    pub(crate) expose: Option<Box<str>>,
    /// The `Access-Control-Max-Age` value, if any.
    pub(crate) max_age: Option<Box<str>>,
    /// Every warning found.
    pub(crate) warnings: Vec<Diagnostic>,
}

/// The allowed methods beyond the safelisted ones.
#[derive(Debug, Default)]
pub(crate) struct Methods {
    /// `"*"` was listed.
    pub(crate) any: bool,
    /// The listed methods as browsers send them (Fetch-normalized), without duplicates.
    pub(crate) listed: Vec<Box<str>>,
}

/// The allowed request header names.
#[derive(Debug, Default)]
pub(crate) struct RequestHeaderNames {
    /// `"*"` was listed (every name but `authorization`).
    pub(crate) any: bool,
    /// The listed names, lowercase, without duplicates; `authorization` only when listed.
    pub(crate) lower: Vec<Box<[u8]>>,
}

/// Validates and compiles `config`.
///
/// # Errors
/// A [`ConfigError`] with every error found (and the warnings), each naming its entry.
pub(crate) fn compile(config: &Config) -> Result<Compiled, ConfigError> {
    let settings = compile_settings(config);
    let CompiledOrigins {
        matcher,
        sources,
        warnings,
    } = compile_origins_with(config, &config.origins, &settings.diags)?;
    Ok(Compiled {
        matcher,
        sources,
        methods: settings.methods,
        request_headers: settings.request_headers,
        expose: settings.expose,
        max_age: settings.max_age,
        warnings,
    })
}

/// What a configuration's settings (every field but `origins`) compile to: the same
/// for every configuration with equal settings, so that a policy set compiles them
/// once per distinct settings ([`compile_origins_with`] then compiles each tenant's
/// origins).
#[derive(Debug)]
pub(crate) struct Settings {
    /// `methods`, with `"*"` and the safelisted methods taken out.
    pub(crate) methods: Methods,
    /// `request_headers`, lowercase, with `"*"` taken out.
    pub(crate) request_headers: RequestHeaderNames,
    /// The `Access-Control-Expose-Headers` value, if any.
    pub(crate) expose: Option<Box<str>>,
    /// The `Access-Control-Max-Age` value, if any.
    pub(crate) max_age: Option<Box<str>>,
    /// The diagnostics of `methods`, `request_headers`, `expose_headers`, `max_age` and
    /// `preflight_status`, in that order (errors and warnings).
    pub(crate) diags: Vec<Diagnostic>,
}

impl Settings {
    /// Whether a diagnostic of the settings is an error.
    pub(crate) fn has_error(&self) -> bool {
        self.diags.iter().any(|d| d.severity() == Severity::Error)
    }
}

/// Validates and compiles the settings of `config` (its `origins` are not read).
pub(crate) fn compile_settings(config: &Config) -> Settings {
    let mut c = Checker::default();
    let methods = compile_methods(&mut c, &config.methods);
    let request_headers = compile_request_headers(&mut c, &config.request_headers);
    let expose = compile_expose_headers(&mut c, &config.expose_headers, config.credentials);
    check_max_age(&mut c, config.max_age);
    check_preflight_status(&mut c, config.preflight_status);
    Settings {
        methods,
        request_headers,
        expose: expose.map(String::into_boxed_str),
        max_age: config.max_age.map(|a| a.to_string().into_boxed_str()),
        diags: c.diags,
    }
}

/// A policy's compiled origins, and the warnings of the whole policy.
#[derive(Debug)]
pub(crate) struct CompiledOrigins {
    /// Every origin pattern, compiled.
    pub(crate) matcher: OriginMatcher,
    /// As [`Compiled::sources`].
    pub(crate) sources: hashbrown::HashMap<u32, Box<str>>,
    /// Every warning of the policy (origins and settings).
    pub(crate) warnings: Vec<Diagnostic>,
}

/// Validates and compiles `origins` under the switches of `config` (whose own
/// `origins` are not read), with `settings_diags` ([`Settings::diags`] of `config`'s
/// settings) in their place among the diagnostics: the matcher, the entry texts it does
/// not keep, and the warnings, as [`compile`] gives them for `config` with these
/// origins.
///
/// # Errors
/// As [`compile`]: every error (of the origins and of `settings_diags`), with the
/// warnings.
pub(crate) fn compile_origins_with<S: AsRef<str>>(
    config: &Config,
    origins: &[S],
    settings_diags: &[Diagnostic],
) -> Result<CompiledOrigins, ConfigError> {
    let mut c = Checker::default();
    let compiled = compile_origins(&mut c, config, origins);
    c.diags.extend_from_slice(settings_diags);
    check_protection(&mut c, config, origins);
    if config.debug {
        c.field(
            Code::DebugOn,
            "debug",
            "debug mode: denied preflights carry their reason in a Corsgate-Debug-Reason header; turn it off in production",
        );
    }
    let warnings = c.finish()?;
    let matcher = compiled.builder.finish().map_err(|e| ConfigError {
        errors: vec![Diagnostic::field(
            Code::RegexTooComplex,
            "origins",
            format!(
                "the regexes together exceed the automaton limits ({} MiB DFA, {} MiB NFA: {e}); simplify them or use wildcard patterns",
                matcher::REGEX_SIZE_LIMIT >> 20,
                matcher::REGEX_NFA_SIZE_LIMIT >> 20,
            ),
        )],
        warnings: warnings.clone(),
    })?;
    Ok(CompiledOrigins {
        matcher,
        sources: compiled.sources,
        warnings,
    })
}

/// The patterns of a configuration that compiled, in `origins` order, without the
/// duplicates [`compile`] reported (the same first-wins rule).
pub(crate) fn parse_patterns(config: &Config) -> Vec<Pattern> {
    let mut diags = Vec::new();
    let mut seen = hashbrown::HashSet::<String>::new();
    config
        .origins
        .iter()
        .enumerate()
        .filter_map(|(i, src)| pattern::parse(i, src, &mut diags))
        .filter(|p| seen.insert(p.normalized.clone()))
        .collect()
}

/// Collects the diagnostics of every field, in the order they are found.
#[derive(Default)]
struct Checker {
    diags: Vec<Diagnostic>,
}

impl Checker {
    /// A diagnostic for entry `index` of list field `field`.
    fn push(
        &mut self,
        code: Code,
        field: &'static str,
        index: usize,
        value: &str,
        msg: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::entry(code, field, index, value, msg));
    }

    /// A diagnostic for a whole field.
    fn field(&mut self, code: Code, field: &'static str, msg: impl Into<String>) {
        self.diags.push(Diagnostic::field(code, field, msg));
    }

    /// The warnings, or every error (with the warnings) when there is one.
    fn finish(self) -> Result<Vec<Diagnostic>, ConfigError> {
        let (errors, warnings): (Vec<_>, Vec<_>) = self
            .diags
            .into_iter()
            .partition(|d| d.severity() == Severity::Error);
        if errors.is_empty() {
            Ok(warnings)
        } else {
            Err(ConfigError { errors, warnings })
        }
    }
}

/// The origin patterns added to a matcher builder, and the entries' texts to keep.
struct Origins {
    builder: MatcherBuilder,
    sources: hashbrown::HashMap<u32, Box<str>>,
}

/// Parses, checks and adds each entry of `origins` to a matcher builder, then drops
/// it: the policy keeps only the matcher and the configuration. Exact origins are
/// deduplicated by the matcher's table; the other kinds (whose canonical forms never
/// equal an exact origin's) by their canonical text.
fn compile_origins<S: AsRef<str>>(c: &mut Checker, config: &Config, origins: &[S]) -> Origins {
    if origins.is_empty() {
        c.field(
            Code::EmptyOrigins,
            "origins",
            "\"origins\" lists no pattern: nothing would ever be allowed",
        );
    }
    if origins.len() > MAX_ORIGINS {
        c.field(
            Code::InvalidOrigin,
            "origins",
            format!(
                "\"origins\" lists {} entries, more than the {MAX_ORIGINS} a policy can hold; use wildcard or regex patterns",
                origins.len()
            ),
        );
        return Origins {
            builder: MatcherBuilder::with_capacity(0, 0),
            sources: hashbrown::HashMap::new(),
        };
    }
    let exact_bytes = origins.iter().map(|o| o.as_ref().len()).sum();
    let mut builder = MatcherBuilder::with_capacity(origins.len(), exact_bytes);
    let mut seen = hashbrown::HashSet::<String>::new();
    let mut sources = hashbrown::HashMap::new();
    let has_any = origins.iter().any(|o| o.as_ref() == "*");
    let mut shared = crate::lang::Shared::default();
    for (i, src) in origins.iter().enumerate() {
        let src = src.as_ref();
        // The common case, without a `Pattern`: an exact origin written canonically,
        // about which no check below could say anything (not plain http with
        // credentials, no "*" in the list).
        if !(has_any || (config.credentials && src.starts_with("http:")))
            && pattern::is_canonical_exact(src)
            && let Ok(id) = u32::try_from(i)
        {
            if !builder.add_exact(id, src, true) {
                sources.insert(id, src.into());
                let msg = format!("\"{src}\" is listed twice");
                c.push(Code::DuplicateEntry, "origins", i, src, msg);
            }
            continue;
        }
        let Some(p) = pattern::parse(i, src, &mut c.diags) else {
            continue;
        };
        // In range: there are at most MAX_ORIGINS entries (checked above).
        let Ok(id) = u32::try_from(i) else {
            break;
        };
        let verbatim = matches!(&p.kind, PatternKind::Exact(k) if k == src);
        let new = match p.kind {
            PatternKind::Exact(_) => builder.add(id, &p.kind, verbatim, src),
            _ => seen.insert(p.normalized.clone()) && builder.add(id, &p.kind, false, src),
        };
        // The matcher keeps the text of a verbatim exact origin (its key) and of every
        // pattern it holds but `*` (`OriginMatcher::texts`); the policy keeps the rest.
        let held = match p.kind {
            PatternKind::Exact(_) => verbatim,
            PatternKind::Any => false,
            _ => true,
        };
        if !(new && held) {
            sources.insert(id, src.into());
        }
        if !new {
            let msg = format!("\"{}\" is listed twice", p.normalized);
            c.push(Code::DuplicateEntry, "origins", i, src, msg);
            continue;
        }
        check_pattern_security(c, config, &p);
        c.diags
            .extend(crate::lang::credential_errors(config, &p, &mut shared));
        if has_any && p.kind != PatternKind::Any {
            let msg = "\"*\" already allows every origin";
            c.push(Code::RedundantEntry, "origins", i, src, msg);
        }
    }
    Origins { builder, sources }
}

/// The checks that depend on `credentials` and the `dangerously_*` switches.
fn check_pattern_security(c: &mut Checker, config: &Config, p: &Pattern) {
    let cred = config.credentials;
    let (i, src) = (p.index, p.source.as_str());
    match &p.kind {
        PatternKind::Any if cred => c.push(
            Code::AnyOriginWithCredentials,
            "origins",
            i,
            src,
            "for security reasons, \"*\" cannot be combined with credentials: it would let every site read authenticated responses; list the origins",
        ),
        PatternKind::Null if !config.dangerously_allow_null_origin => c.push(
            Code::NullOriginNotAllowed,
            "origins",
            i,
            src,
            "for security reasons, the null origin is refused: any sandboxed iframe or file: page sends it; set dangerously_allow_null_origin if this is really meant",
        ),
        _ => {
            if let Some((scheme, host, wildcard)) = scheme_and_host(&p.kind) {
                check_insecure_origin(c, config, p, scheme, host);
                if wildcard {
                    check_public_suffix_wildcard(c, config, p, host);
                }
            }
        }
    }
}

/// The scheme and host (or wildcard base) of a host-based pattern, and whether it is a
/// wildcard; `None` for `*`, `null` and regexes.
fn scheme_and_host(kind: &PatternKind) -> Option<(&str, &str, bool)> {
    match kind {
        PatternKind::Exact(s) => {
            let parts = syntax::parse_origin(s.as_bytes());
            let scheme = parts.map_or("", |o| std::str::from_utf8(o.scheme).unwrap_or(""));
            let host = parts.map_or("", |o| std::str::from_utf8(o.host).unwrap_or(""));
            Some((scheme, host, false))
        }
        PatternKind::Host { scheme, host, .. } => Some((scheme, host, false)),
        PatternKind::Subdomains { scheme, base, .. } => Some((scheme, base, true)),
        PatternKind::Any | PatternKind::Null | PatternKind::Regex(_) => None,
    }
}

/// Plain `http://` (not loopback) with credentials, unless dangerously allowed.
fn check_insecure_origin(c: &mut Checker, config: &Config, p: &Pattern, scheme: &str, host: &str) {
    if config.credentials
        && scheme == "http"
        && !pattern::is_loopback_host(host)
        && !config.dangerously_allow_insecure_origins
    {
        c.push(
            Code::InsecureOrigin,
            "origins",
            p.index,
            &p.source,
            "for security reasons, plain http:// origins are refused with credentials: anyone on the network path can impersonate them; use https:// or set dangerously_allow_insecure_origins",
        );
    }
}

/// A wildcard over a public suffix: an error with credentials (unless dangerously
/// allowed), a warning without.
fn check_public_suffix_wildcard(c: &mut Checker, config: &Config, p: &Pattern, host: &str) {
    if !pattern::is_public_suffix(host) {
        return;
    }
    if config.credentials && !config.dangerously_allow_public_suffix_wildcards {
        c.push(
            Code::PublicSuffixWildcard,
            "origins",
            p.index,
            &p.source,
            format!("for security reasons, a wildcard over the public suffix \"{host}\" is refused with credentials: anyone can register a site below it; set dangerously_allow_public_suffix_wildcards if this is really meant"),
        );
    } else {
        c.push(
            Code::PublicSuffixWildcardUncredentialed,
            "origins",
            p.index,
            &p.source,
            format!("\"{host}\" is a public suffix: anyone can register a site below it and read these responses"),
        );
    }
}

/// Validates `methods`: tokens, not forbidden, Fetch-normalized, not safelisted,
/// without duplicates.
fn compile_methods(c: &mut Checker, methods: &[String]) -> Methods {
    let mut out = Methods::default();
    let mut seen = hashbrown::HashSet::<String>::new();
    for (i, m) in methods.iter().enumerate() {
        if m == "*" {
            out.any = true;
            continue;
        }
        if !is_token(m.as_bytes()) {
            c.push(
                Code::InvalidMethod,
                "methods",
                i,
                m,
                "a method is an HTTP token (letters, digits and !#$%&'*+-.^_`|~)",
            );
            continue;
        }
        if fetch::is_forbidden_method(m.as_bytes()) {
            c.push(
                Code::ForbiddenMethod,
                "methods",
                i,
                m,
                "CONNECT, TRACE and TRACK are forbidden methods: browsers never send them",
            );
            continue;
        }
        let mut name = m.clone();
        if let Some(up) = fetch::normalized_method(m)
            && up != m
        {
            let msg = format!("browsers send \"{up}\" (Fetch normalizes it); listed as \"{up}\"");
            c.push(Code::NormalizedMethod, "methods", i, m, msg);
            name = up.to_owned();
        }
        if fetch::SAFELISTED_METHODS.contains(&name.as_str()) {
            let msg = format!("{name} is CORS-safelisted and always allowed");
            c.push(Code::RedundantEntry, "methods", i, m, msg);
            continue;
        }
        if !seen.insert(name.clone()) {
            c.push(Code::DuplicateEntry, "methods", i, m, "listed twice");
            continue;
        }
        out.listed.push(name.into_boxed_str());
    }
    out
}

/// Validates `request_headers`: tokens, not forbidden, without duplicates (ignoring
/// case).
fn compile_request_headers(c: &mut Checker, headers: &[String]) -> RequestHeaderNames {
    let mut out = RequestHeaderNames::default();
    let mut seen = hashbrown::HashSet::<String>::new();
    for (i, h) in headers.iter().enumerate() {
        if h == "*" {
            out.any = true;
            continue;
        }
        if !is_token(h.as_bytes()) {
            c.push(
                Code::InvalidHeaderName,
                "request_headers",
                i,
                h,
                "a header name is an HTTP token (letters, digits and !#$%&'*+-.^_`|~)",
            );
            continue;
        }
        let lower = h.to_ascii_lowercase();
        if fetch::is_forbidden_request_header(&lower) {
            let msg = format!(
                "\"{h}\" is a forbidden request header: scripts cannot set it, so allowing it has no effect"
            );
            c.push(Code::ForbiddenRequestHeader, "request_headers", i, h, msg);
            continue;
        }
        if !seen.insert(lower.clone()) {
            c.push(
                Code::DuplicateEntry,
                "request_headers",
                i,
                h,
                "listed twice",
            );
            continue;
        }
        out.lower.push(lower.into_bytes().into_boxed_slice());
    }
    out
}

/// Validates `expose_headers` and returns the `Access-Control-Expose-Headers` value:
/// tokens, not forbidden, `"*"` not with credentials, without duplicates (ignoring case).
fn compile_expose_headers(c: &mut Checker, headers: &[String], cred: bool) -> Option<String> {
    let mut any = false;
    let mut expose: Vec<&str> = Vec::new();
    // Lowercase names seen: tokens are ASCII, so this is `eq_ignore_ascii_case`.
    let mut seen = hashbrown::HashSet::<String>::new();
    for (i, h) in headers.iter().enumerate() {
        if h == "*" {
            if cred {
                c.push(Code::AnyExposeWithCredentials, "expose_headers", i, h, "for security reasons, \"*\" cannot be combined with credentials (browsers read it as a literal name); list the headers");
            }
            any = true;
            continue;
        }
        if !is_token(h.as_bytes()) {
            let msg = "a header name is an HTTP token";
            c.push(Code::InvalidHeaderName, "expose_headers", i, h, msg);
            continue;
        }
        let lower = h.to_ascii_lowercase();
        if fetch::FORBIDDEN_RESPONSE_HEADERS.contains(&lower.as_str()) {
            let msg = format!("\"{h}\" is a forbidden response header: browsers never expose it");
            c.push(Code::ForbiddenExposeHeader, "expose_headers", i, h, msg);
            continue;
        }
        if fetch::SAFELISTED_RESPONSE_HEADERS.contains(&lower.as_str()) {
            let msg = format!("\"{h}\" is CORS-safelisted and always readable");
            c.push(Code::RedundantEntry, "expose_headers", i, h, msg);
        }
        if !seen.insert(lower) {
            c.push(Code::DuplicateEntry, "expose_headers", i, h, "listed twice");
            continue;
        }
        expose.push(h);
    }
    match (any, expose.is_empty()) {
        (true, true) => Some("*".to_owned()),
        (true, false) => Some(format!("*, {}", expose.join(", "))),
        (false, true) => None,
        (false, false) => Some(expose.join(", ")),
    }
}

/// `max_age`: an error above 24 h, a warning above Chromium's 2 h cap.
fn check_max_age(c: &mut Checker, max_age: Option<u64>) {
    match max_age {
        Some(age) if age > 86_400 => c.field(
            Code::MaxAgeTooLarge,
            "max_age",
            format!("{age} seconds is above the 86400 (24 h) that any browser honours"),
        ),
        Some(age) if age > 7_200 => c.field(
            Code::MaxAgeClamped,
            "max_age",
            format!("{age} seconds: Chromium caps preflight caching at 7200 (2 h)"),
        ),
        _ => {}
    }
}

/// `preflight_status`: browsers fail preflights answered outside 200..=299.
fn check_preflight_status(c: &mut Checker, status: u16) {
    if !(200..=299).contains(&status) {
        c.field(
            Code::InvalidPreflightStatus,
            "preflight_status",
            format!(
                "{status} is not an ok status: browsers fail preflights answered outside 200..=299"
            ),
        );
    }
}

/// `cross_origin_protection` trusts the policy's own origins: with `*` among them it
/// refuses nothing (a warning, not an error: the switch is harmless, only useless).
fn check_protection<S: AsRef<str>>(c: &mut Checker, config: &Config, origins: &[S]) {
    if config.cross_origin_protection && origins.iter().any(|o| o.as_ref() == "*") {
        c.field(
            Code::ProtectionTrustsAnyOrigin,
            "cross_origin_protection",
            "cross-origin protection trusts the policy's origins, and \"*\" trusts every origin: nothing is refused; list the origins that may send unsafe requests",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(json: &str) -> Vec<&'static str> {
        let config = Config::from_json(json).unwrap();
        compile(&config)
            .unwrap_err()
            .errors
            .iter()
            .map(|d| d.code.as_str())
            .collect()
    }

    fn warnings(config: &Config) -> Vec<(&'static str, &'static str, Option<usize>)> {
        compile(config)
            .unwrap()
            .warnings
            .iter()
            .map(|d| (d.field.unwrap_or(""), d.code.as_str(), d.index))
            .collect()
    }

    #[test]
    fn every_error_is_reported_at_once() {
        let got = codes(
            r#"{"origins":["*","https://*x.com","null","http://a.com"],"credentials":true,
                "methods":["TRACE","P T"],"request_headers":["Cookie","a b"],
                "expose_headers":["*","Set-Cookie"],"max_age":90000,"preflight_status":302}"#,
        );
        assert_eq!(
            got,
            [
                "any_origin_with_credentials",
                "invalid_wildcard",
                "null_origin_not_allowed",
                "insecure_origin",
                "forbidden_method",
                "invalid_method",
                "forbidden_request_header",
                "invalid_header_name",
                "any_expose_with_credentials",
                "forbidden_expose_header",
                "max_age_too_large",
                "invalid_preflight_status",
            ]
        );
    }

    #[test]
    fn protection_on_any_origin_is_a_warning() {
        let config = Config::new(["*"]).cross_origin_protection(true);
        assert_eq!(
            warnings(&config),
            [(
                "cross_origin_protection",
                "protection_trusts_any_origin",
                None
            )]
        );
        assert!(warnings(&Config::new(["*"])).is_empty());
        let listed = Config::new(["https://a.com"]).cross_origin_protection(true);
        assert!(warnings(&listed).is_empty());
    }

    #[test]
    fn lists_are_normalized_and_deduplicated() {
        let config = Config::new(["https://a.com"])
            .methods(["put", "PUT", "get", "PATCH", "*"])
            .request_headers(["X-A", "x-a", "*", "Authorization"])
            .expose_headers(["X-B", "x-b", "Content-Type"])
            .max_age(7_201u64);
        let parts = compile(&config).unwrap();
        assert!(parts.methods.any);
        assert_eq!(parts.methods.listed, ["PUT".into(), "PATCH".into()]);
        assert!(parts.request_headers.any);
        let lower: Vec<&[u8]> = parts.request_headers.lower.iter().map(|h| &**h).collect();
        assert_eq!(lower, [&b"x-a"[..], b"authorization"]);
        assert_eq!(parts.expose.as_deref(), Some("X-B, Content-Type"));
        assert_eq!(parts.max_age.as_deref(), Some("7201"));
        assert_eq!(
            warnings(&config),
            [
                ("methods", "normalized_method", Some(0)),
                ("methods", "duplicate_entry", Some(1)),
                ("methods", "normalized_method", Some(2)),
                ("methods", "redundant_entry", Some(2)),
                ("request_headers", "duplicate_entry", Some(1)),
                ("expose_headers", "duplicate_entry", Some(1)),
                ("expose_headers", "redundant_entry", Some(2)),
                ("max_age", "max_age_clamped", None),
            ]
        );
    }

    #[test]
    fn wildcards_over_public_suffixes_depend_on_credentials() {
        let open = Config::new(["https://*.github.io"]);
        assert_eq!(
            warnings(&open),
            [("origins", "public_suffix_wildcard_uncredentialed", Some(0))]
        );
        let cred = open.clone().credentials(true);
        assert_eq!(
            compile(&cred).unwrap_err().code(),
            Code::PublicSuffixWildcard
        );
        let allowed = cred.dangerously_allow_public_suffix_wildcards(true);
        assert_eq!(
            warnings(&allowed),
            [("origins", "public_suffix_wildcard_uncredentialed", Some(0))]
        );
    }

    #[test]
    fn too_many_origins_is_a_config_error() {
        // Empty strings do not allocate: this list costs 24 bytes per entry.
        let mut config = Config::new(["https://a.com"]).methods(["TRACE"]);
        config.origins = vec![String::new(); MAX_ORIGINS + 1];
        let e = compile(&config).unwrap_err();
        let got: Vec<(&str, Option<&str>, Option<usize>)> = e
            .errors
            .iter()
            .map(|d| (d.code.as_str(), d.field, d.index))
            .collect();
        // One error for the list (no entry is parsed), then the other fields' errors.
        assert_eq!(
            got,
            [
                ("invalid_origin", Some("origins"), None),
                ("forbidden_method", Some("methods"), Some(0)),
            ]
        );
        assert!(e.errors[0].message.contains("4194304"), "{}", e.errors[0]);
    }

    #[test]
    fn insecure_origins_need_the_switch_with_credentials() {
        let cred = Config::new(["http://a.com", "http://localhost:3000"]).credentials(true);
        let e = compile(&cred).unwrap_err();
        assert_eq!(e.errors.len(), 1, "loopback is fine: {e}");
        assert_eq!(e.errors[0].index, Some(0));
        assert!(compile(&cred.dangerously_allow_insecure_origins(true)).is_ok());
    }
}
