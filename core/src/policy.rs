//! The compiled policy and the request evaluator.

use crate::config::Config;
use crate::decision::{Decision, Kind, MAX_ACRH_LINES, Reason};
use crate::diag::{Code, ConfigError, Diagnostic, Severity};
use crate::matcher::{MatcherBuilder, OriginMatch, OriginMatcher};
use crate::pattern::{self, Pattern, PatternKind};
use crate::syntax::{self, is_token};
use std::sync::OnceLock;

/// The most bytes of `Access-Control-Request-Headers`, summed over its lines, that a
/// preflight may carry. Browsers send a few hundred at most; more is a deny, decided
/// after summing the line lengths, without reading the bytes.
pub const MAX_ACRH_BYTES: usize = 8 * 1024;

/// The most empty elements (`a,,b`) tolerated in `Access-Control-Request-Headers`.
pub const MAX_ACRH_EMPTY_ELEMENTS: usize = 16;

/// Methods Fetch normalizes to uppercase (`get` → `GET`).
const NORMALIZED_METHODS: &[&str] = &["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
/// CORS-safelisted methods: need no listing.
const SAFELISTED_METHODS: &[&str] = &["GET", "HEAD", "POST"];
/// Methods browsers refuse to send (compared case-insensitively).
const FORBIDDEN_METHODS: &[&str] = &["CONNECT", "TRACE", "TRACK"];

/// Fetch's forbidden request-header names (lowercase); `proxy-` and `sec-` prefixes too.
const FORBIDDEN_REQUEST_HEADERS: &[&str] = &[
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "access-control-request-private-network",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
];
/// Response headers scripts can never read.
const FORBIDDEN_RESPONSE_HEADERS: &[&str] = &["set-cookie", "set-cookie2"];
/// Response headers scripts can always read (listing them changes nothing).
const SAFELISTED_RESPONSE_HEADERS: &[&str] = &[
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
];

const VARY_ORIGIN: &str = "Origin";
const VARY_PREFLIGHT: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
const VARY_PREFLIGHT_PNA: &str = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network";

/// A compiled, immutable CORS policy. `Send + Sync`: share one across threads.
///
/// ```
/// let policy = corsgate::Policy::from_json(r#"{"origins": ["https://*.example.com"],
///                                              "methods": ["PUT"]}"#).unwrap();
/// let d = policy.evaluate(b"OPTIONS", [
///     (&b"Origin"[..], &b"https://app.example.com"[..]),
///     (b"Access-Control-Request-Method", b"PUT"),
/// ]);
/// assert!(d.allowed());
/// assert_eq!(d.status(), Some(204));
/// assert_eq!(d.header("access-control-allow-origin"), Some("https://app.example.com"));
/// ```
#[derive(Clone, Debug)]
pub struct Policy {
    /// The configuration without its `origins` (which `sources` and the matcher's
    /// table hold, without a second copy of each exact origin).
    settings: Config,
    /// Number of `origins` entries.
    origins_len: usize,
    /// The text of every `origins` entry that is not an exact origin written in
    /// canonical form (those are keys of the matcher's table, flagged verbatim).
    sources: hashbrown::HashMap<u32, Box<str>>,
    /// The whole configuration, for [`Policy::config`]: rebuilt on first use.
    config: OnceLock<Config>,
    /// The parsed patterns, for [`Policy::patterns`]: built on first use, since the hot
    /// path needs only the matcher, and a million parsed patterns would several times
    /// over the memory of a large policy.
    patterns: OnceLock<Vec<Pattern>>,
    matcher: OriginMatcher,
    credentials: bool,
    any_method: bool,
    methods: Vec<Box<str>>,
    any_header: bool,
    /// Allowed request header names, lowercase; includes `authorization` only when listed.
    headers: Vec<Box<[u8]>>,
    expose: Option<Box<str>>,
    max_age: Option<Box<str>>,
    preflight_status: u16,
    private_network: bool,
    warnings: Vec<Diagnostic>,
}

impl Policy {
    /// Validates and compiles `config`.
    ///
    /// # Errors
    /// A [`ConfigError`] with every problem found, each naming its entry.
    pub fn new(config: &Config) -> Result<Policy, ConfigError> {
        compile(config)
    }

    /// Reads, validates and compiles a policy document.
    ///
    /// # Errors
    /// A [`ConfigError`] with every problem found (shape and values).
    pub fn from_json(text: &str) -> Result<Policy, ConfigError> {
        let (config, shape_errors) = Config::read_value(&Config::parse_document(text)?);
        let Some(config) = config else {
            return Err(ConfigError {
                errors: shape_errors,
                warnings: Vec::new(),
            });
        };
        if shape_errors.is_empty() {
            return Policy::new(&config);
        }
        // Report shape and value errors together; a missing or mistyped `origins` is not
        // also reported as empty.
        let missing = shape_errors
            .iter()
            .any(|d| d.field == Some("origins") && d.index.is_none());
        let (values, warnings) = match Policy::new(&config) {
            Ok(p) => (Vec::new(), p.warnings),
            Err(e) => (e.errors, e.warnings),
        };
        let mut errors = shape_errors;
        errors.extend(
            values
                .into_iter()
                .filter(|d| !(missing && d.code == Code::EmptyOrigins)),
        );
        Err(ConfigError { errors, warnings })
    }

    /// As [`Policy::from_json`], from bytes that must be UTF-8.
    ///
    /// # Errors
    /// As [`Policy::from_json`].
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Policy, ConfigError> {
        Policy::from_json(Config::decode_document(bytes)?)
    }

    /// The configuration this policy was compiled from, as written.
    ///
    /// Cost: the first call rebuilds `origins` (one pass over the patterns); later
    /// calls are free.
    pub fn config(&self) -> &Config {
        self.config.get_or_init(|| {
            let mut origins: Vec<Option<&str>> = vec![None; self.origins_len];
            for (id, text) in self.matcher.verbatim_exact() {
                if let Some(slot) = origins.get_mut(id as usize) {
                    *slot = Some(text);
                }
            }
            for (&id, text) in &self.sources {
                if let Some(slot) = origins.get_mut(id as usize) {
                    *slot = Some(text);
                }
            }
            debug_assert!(origins.iter().all(Option::is_some), "every entry is kept");
            Config {
                origins: origins
                    .into_iter()
                    .map(|o| o.unwrap_or_default().to_owned())
                    .collect(),
                ..self.settings.without_origins()
            }
        })
    }

    /// The text of `origins[id]`, found without rebuilding the configuration.
    #[inline]
    fn source(&self, id: u32) -> Option<&str> {
        self.sources.get(&id).map(|s| &**s)
    }

    /// The compiled origin patterns, in `origins` order, without duplicates.
    ///
    /// Cost: the first call parses `origins` again (about as long as compiling them);
    /// later calls are free.
    pub fn patterns(&self) -> &[Pattern] {
        self.patterns.get_or_init(|| parse_patterns(self.config()))
    }

    /// Warnings found while compiling (normalizations, risky but legal choices).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Number of exact origins and approximate heap bytes of their table.
    #[doc(hidden)]
    pub fn exact_table_stats(&self) -> (usize, usize) {
        (self.matcher.exact_len(), self.matcher.exact_heap_bytes())
    }

    /// Whether a request from `origin` would be allowed to read an actual response.
    ///
    /// The hot path for callers that only need the verdict: one hash probe for exact
    /// origins. Never allocates or panics.
    #[inline]
    pub fn is_origin_allowed(&self, origin: &[u8]) -> bool {
        matches!(
            self.matcher.find(origin),
            OriginMatch::Any | OriginMatch::Pattern(..) | OriginMatch::Verbatim(..)
        )
    }

    /// Decides one request from its method and header lines.
    ///
    /// `headers` yields `(name, value)` pairs in request order; names are matched
    /// ASCII case-insensitively and may repeat. Bytes that are not a well-formed
    /// value give a deny, never a panic. Work is bounded: one pass over the header
    /// lines, at most [`crate::syntax::MAX_ORIGIN_LEN`] bytes of `Origin` and
    /// [`MAX_ACRH_BYTES`] bytes of `Access-Control-Request-Headers` are read.
    /// Never allocates.
    pub fn evaluate<'a, I>(&'a self, method: &'a [u8], headers: I) -> Decision<'a>
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        // Built in this frame and filled in place: returning the ~200-byte struct by value
        // cost two memcpy calls per request.
        let mut req = RequestHeaders::new();
        req.scan(headers);
        self.decide(method, &req)
    }

    /// [`Policy::evaluate`] for string slices.
    pub fn evaluate_str<'a>(
        &'a self,
        method: &'a str,
        headers: &[(&'a str, &'a str)],
    ) -> Decision<'a> {
        self.evaluate(
            method.as_bytes(),
            headers.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())),
        )
    }

    fn decide<'a>(&'a self, method: &'a [u8], req: &RequestHeaders<'a>) -> Decision<'a> {
        let any = self.matcher.is_any();
        let Some(origin) = req.origin else {
            let mut d = Decision::new(Kind::NotCors, Reason::NotCors);
            d.allowed = true;
            if any {
                d.acao = Some("*");
                d.aceh = self.expose.as_deref();
            } else {
                d.vary = Some(VARY_ORIGIN);
            }
            return d;
        };
        let preflight = method == b"OPTIONS" && req.acrm_lines > 0;
        if preflight {
            self.decide_preflight(origin, req)
        } else {
            self.decide_actual(origin, req)
        }
    }

    /// Matches the origin: `Ok((reason, acao))` when allowed, where `acao` is the
    /// `Access-Control-Allow-Origin` value: `*` for an any-origin policy, else the origin
    /// as text (handed back by the matcher, so the request's bytes are not re-validated).
    #[inline]
    fn origin_verdict<'a>(
        &'a self,
        origin: &'a [u8],
        req: &RequestHeaders<'a>,
    ) -> Result<(Reason<'a>, &'a str), Reason<'a>> {
        if self.matcher.is_any() {
            return Ok((Reason::AnyOrigin, "*"));
        }
        if req.origin_lines > 1 {
            return Err(Reason::OriginMultiple);
        }
        match self.matcher.find(origin) {
            OriginMatch::Any => Ok((Reason::AnyOrigin, "*")),
            OriginMatch::Verbatim(id, text) => Ok((
                Reason::OriginAllowed {
                    index: id as usize,
                    pattern: text,
                },
                text,
            )),
            OriginMatch::Pattern(id, text) => match self.source(id) {
                Some(source) => Ok((
                    Reason::OriginAllowed {
                        index: id as usize,
                        pattern: source,
                    },
                    text,
                )),
                None => Err(Reason::OriginNotAllowed),
            },
            OriginMatch::NotAllowed => Err(Reason::OriginNotAllowed),
            OriginMatch::Malformed => Err(Reason::OriginMalformed),
        }
    }

    fn decide_actual<'a>(&'a self, origin: &'a [u8], req: &RequestHeaders<'a>) -> Decision<'a> {
        let vary = if self.matcher.is_any() {
            None
        } else {
            Some(VARY_ORIGIN)
        };
        match self.origin_verdict(origin, req) {
            Ok((reason, acao)) => {
                let mut d = Decision::new(Kind::Actual, reason);
                d.acao = Some(acao);
                d.allowed = true;
                d.acac = self.credentials;
                d.aceh = self.expose.as_deref();
                d.vary = vary;
                d
            }
            Err(reason) => {
                let mut d = Decision::new(Kind::Actual, reason);
                d.vary = vary;
                d
            }
        }
    }

    fn decide_preflight<'a>(&'a self, origin: &'a [u8], req: &RequestHeaders<'a>) -> Decision<'a> {
        let vary = if self.private_network {
            VARY_PREFLIGHT_PNA
        } else {
            VARY_PREFLIGHT
        };
        let deny = |reason| {
            let mut d = Decision::new(Kind::Preflight, reason);
            d.status = Some(403);
            d.vary = Some(vary);
            d
        };
        let (reason, acao) = match self.origin_verdict(origin, req) {
            Ok(r) => r,
            Err(r) => return deny(r),
        };
        // Method. Listed and safelisted methods are tokens and never forbidden (compile
        // refuses them), so the common case is one comparison per listed method.
        let method = match req.acrm {
            Some(m) if req.acrm_lines == 1 => m,
            _ => return deny(Reason::MethodMalformed),
        };
        let method_str = match self.listed_method(method) {
            Some(listed) => listed,
            None => {
                if !is_token(method) {
                    return deny(Reason::MethodMalformed);
                }
                if FORBIDDEN_METHODS
                    .iter()
                    .any(|f| f.as_bytes().eq_ignore_ascii_case(method))
                {
                    return deny(Reason::MethodForbidden);
                }
                let Ok(method_str) = std::str::from_utf8(method) else {
                    return deny(Reason::MethodMalformed);
                };
                if !self.any_method {
                    return deny(Reason::MethodNotAllowed { method: method_str });
                }
                method_str
            }
        };
        // Request headers.
        if req.acrh_overflow || req.acrh_bytes > MAX_ACRH_BYTES {
            return deny(Reason::HeadersTooLarge);
        }
        let mut acah = [""; MAX_ACRH_LINES];
        let mut acah_len = 0;
        let mut empties = 0;
        for &line in &req.acrh[..req.acrh_len] {
            match self.check_request_headers(line, &mut empties) {
                Ok(Some(value)) => {
                    acah[acah_len] = value;
                    acah_len += 1;
                }
                Ok(None) => {}
                Err(reason) => return deny(reason),
            }
        }
        // Private network access.
        if req.acrpn && !self.private_network {
            return deny(Reason::PrivateNetworkNotAllowed);
        }
        let mut d = Decision::new(Kind::Preflight, reason);
        d.allowed = true;
        d.status = Some(self.preflight_status);
        d.acao = Some(acao);
        d.acac = self.credentials;
        d.acam = Some(method_str);
        d.acah = acah;
        d.acah_len = acah_len as u8;
        d.acma = self.max_age.as_deref();
        d.acapn = req.acrpn;
        d.vary = Some(vary);
        d
    }

    /// The method as the policy or the safelist writes it, when `method` is one of
    /// them (case-sensitive, as Fetch compares).
    #[inline]
    fn listed_method(&self, method: &[u8]) -> Option<&str> {
        if let Some(safe) = SAFELISTED_METHODS.iter().find(|m| m.as_bytes() == method) {
            return Some(safe);
        }
        self.methods
            .iter()
            .find(|m| m.as_bytes() == method)
            .map(|m| &**m)
    }

    /// Checks one `Access-Control-Request-Headers` line in a single pass: its elements
    /// must be tokens (with optional whitespace around them) that the policy allows.
    /// Returns the trimmed line to echo in `Access-Control-Allow-Headers`, or `None` for
    /// a line without names; `empties` counts empty elements across lines.
    ///
    /// Cost: one table load per byte plus one lookup per name. Never allocates.
    #[inline]
    fn check_request_headers<'a>(
        &self,
        line: &'a [u8],
        empties: &mut usize,
    ) -> Result<Option<&'a str>, Reason<'a>> {
        let line = trim_ows(line);
        let n = line.len();
        let mut i = 0;
        loop {
            while i < n && is_ows(line[i]) {
                i += 1;
            }
            let start = i;
            i += syntax::token_len(&line[start..]);
            let name = &line[start..i];
            while i < n && is_ows(line[i]) {
                i += 1;
            }
            if i < n && line[i] != b',' {
                return Err(Reason::HeadersMalformed);
            }
            if name.is_empty() {
                *empties += 1;
                if *empties > MAX_ACRH_EMPTY_ELEMENTS {
                    return Err(Reason::HeadersTooLarge);
                }
            } else if !self.header_allowed(name) {
                // A token is ASCII.
                let name = std::str::from_utf8(name).unwrap_or("");
                return Err(Reason::HeaderNotAllowed { name });
            }
            if i >= n {
                break;
            }
            i += 1;
        }
        if n == 0 {
            return Ok(None);
        }
        // Every byte is a token byte, whitespace or a comma: ASCII.
        match std::str::from_utf8(line) {
            Ok(value) => Ok(Some(value)),
            Err(_) => Err(Reason::HeadersMalformed),
        }
    }

    #[inline]
    fn header_allowed(&self, name: &[u8]) -> bool {
        if self.headers.iter().any(|h| eq_lowercase(h, name)) {
            return true;
        }
        self.any_header && !eq_lowercase(b"authorization", name)
    }
}

/// `lower.eq_ignore_ascii_case(name)` for a `lower` without ASCII uppercase letters,
/// eight bytes at a time: each word of `name` is lowercased with SWAR arithmetic, and
/// the last word overlaps its predecessor instead of falling back to bytes.
#[inline]
fn eq_lowercase(lower: &[u8], name: &[u8]) -> bool {
    let n = lower.len();
    if n != name.len() {
        return false;
    }
    if n < 8 {
        return lower.eq_ignore_ascii_case(name);
    }
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    let fold = |w: u64| -> u64 {
        // High bit of each byte: set when the byte is in b'A'..=b'Z' (and ASCII).
        let low7 = w & !HIGH;
        let ge_a = low7.wrapping_add(ONES * (0x80 - u64::from(b'A')));
        let gt_z = low7.wrapping_add(ONES * (0x7f - u64::from(b'Z')));
        let upper = ge_a & !gt_z & !w & HIGH;
        w | (upper >> 2)
    };
    let word = |s: &[u8], at: usize| -> u64 {
        let mut w = [0u8; 8];
        if let Some(b) = s.get(at..at + 8) {
            w.copy_from_slice(b);
        }
        u64::from_ne_bytes(w)
    };
    let mut at = 0;
    loop {
        let i = at.min(n - 8);
        if word(lower, i) != fold(word(name, i)) {
            return false;
        }
        at += 8;
        if at >= n {
            return true;
        }
    }
}

#[inline(always)]
fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Strips optional whitespace (SP, HTAB) at both ends.
#[inline]
fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// The CORS-relevant request headers, found in one pass without allocating.
struct RequestHeaders<'a> {
    origin: Option<&'a [u8]>,
    origin_lines: u32,
    acrm: Option<&'a [u8]>,
    acrm_lines: u32,
    acrh: [&'a [u8]; MAX_ACRH_LINES],
    acrh_len: usize,
    acrh_bytes: usize,
    acrh_overflow: bool,
    acrpn: bool,
}

impl<'a> RequestHeaders<'a> {
    #[inline(always)]
    fn new() -> Self {
        RequestHeaders {
            origin: None,
            origin_lines: 0,
            acrm: None,
            acrm_lines: 0,
            acrh: [&[]; MAX_ACRH_LINES],
            acrh_len: 0,
            acrh_bytes: 0,
            acrh_overflow: false,
            acrpn: false,
        }
    }

    #[inline]
    fn scan<I: IntoIterator<Item = (&'a [u8], &'a [u8])>>(&mut self, headers: I) {
        let r = self;
        for (name, value) in headers {
            match name.len() {
                6 if ORIGIN.matches(name) => {
                    r.origin_lines = r.origin_lines.saturating_add(1);
                    r.origin.get_or_insert(value);
                }
                29 if ACRM.matches(name) => {
                    r.acrm_lines = r.acrm_lines.saturating_add(1);
                    r.acrm.get_or_insert(value);
                }
                30 if ACRH.matches(name) => {
                    r.acrh_bytes = r.acrh_bytes.saturating_add(value.len());
                    if r.acrh_len < MAX_ACRH_LINES {
                        r.acrh[r.acrh_len] = value;
                        r.acrh_len += 1;
                    } else {
                        r.acrh_overflow = true;
                    }
                }
                38 if ACRPN.matches(name) => {
                    r.acrpn |= value == b"true";
                }
                _ => {}
            }
        }
    }
}

const ORIGIN: FoldedName<6> = FoldedName::new(b"origin");
const ACRM: FoldedName<29> = FoldedName::new(b"access-control-request-method");
const ACRH: FoldedName<30> = FoldedName::new(b"access-control-request-headers");
const ACRPN: FoldedName<38> = FoldedName::new(b"access-control-request-private-network");

/// A lowercase header name prepared for an ASCII case-insensitive comparison a word at
/// a time: `mask` has `0x20` where `lower` has a letter, so `byte | mask == lower` folds
/// case on letters only and compares every other byte exactly (as
/// `eq_ignore_ascii_case` does).
struct FoldedName<const N: usize> {
    lower: [u8; N],
    mask: [u8; N],
}

impl<const N: usize> FoldedName<N> {
    const fn new(lower: &[u8; N]) -> Self {
        let mut mask = [0u8; N];
        let mut i = 0;
        while i < N {
            if lower[i].is_ascii_lowercase() {
                mask[i] = 0x20;
            }
            i += 1;
        }
        FoldedName {
            lower: *lower,
            mask,
        }
    }

    /// Whether `name` equals this name, ignoring ASCII case.
    #[inline(always)]
    fn matches(&self, name: &[u8]) -> bool {
        let Ok(name) = <&[u8; N]>::try_from(name) else {
            return false;
        };
        if N < 8 {
            let mut i = 0;
            let mut diff = 0;
            while i < N {
                diff |= (name[i] | self.mask[i]) ^ self.lower[i];
                i += 1;
            }
            return diff == 0;
        }
        // 8-byte words; the last one overlaps its predecessor when N is not a multiple.
        let word = |b: &[u8; N], at: usize| -> u64 {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[at..at + 8]);
            u64::from_le_bytes(w)
        };
        let mut at = 0;
        let mut diff = 0;
        loop {
            let i = if at + 8 > N { N.saturating_sub(8) } else { at };
            diff |= (word(name, i) | word(&self.mask, i)) ^ word(&self.lower, i);
            at += 8;
            if at >= N {
                break;
            }
        }
        diff == 0
    }
}

/// Validation of the non-origin fields, collecting diagnostics.
struct Checker {
    diags: Vec<Diagnostic>,
}

impl Checker {
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
}

fn compile(config: &Config) -> Result<Policy, ConfigError> {
    let mut c = Checker { diags: Vec::new() };
    let cred = config.credentials;

    // Origins.
    if config.origins.is_empty() {
        c.diags.push(Diagnostic::field(
            Code::EmptyOrigins,
            "origins",
            "\"origins\" lists no pattern: nothing would ever be allowed",
        ));
    }
    // Each entry is parsed, checked and added to the matcher, then dropped: the policy
    // keeps only the matcher and the configuration. Exact origins are deduplicated by the
    // matcher's table; the other kinds (whose canonical forms never equal an exact
    // origin's) by their canonical text.
    let exact_bytes = config.origins.iter().map(String::len).sum();
    let mut builder = MatcherBuilder::with_capacity(config.origins.len(), exact_bytes);
    let mut seen = hashbrown::HashSet::<String>::new();
    let mut sources = hashbrown::HashMap::new();
    let has_any = config.origins.iter().any(|o| o == "*");
    for (i, src) in config.origins.iter().enumerate() {
        let Some(p) = pattern::parse(i, src, &mut c.diags) else {
            continue;
        };
        let id = i as u32;
        let verbatim = matches!(&p.kind, PatternKind::Exact(k) if k == src);
        let new = match p.kind {
            PatternKind::Exact(_) => builder.add(id, &p.kind, verbatim),
            _ => seen.insert(p.normalized.clone()) && builder.add(id, &p.kind, false),
        };
        if !(new && verbatim) {
            sources.insert(id, src.as_str().into());
        }
        if !new {
            c.push(
                Code::DuplicateEntry,
                "origins",
                i,
                src,
                format!("\"{}\" is listed twice", p.normalized),
            );
            continue;
        }
        check_pattern_security(&mut c, config, &p);
        c.diags.extend(crate::lang::credential_errors(config, &p));
        if has_any && p.kind != PatternKind::Any {
            c.push(
                Code::RedundantEntry,
                "origins",
                i,
                src,
                "\"*\" already allows every origin",
            );
        }
    }

    // Methods.
    let mut any_method = false;
    let mut methods: Vec<Box<str>> = Vec::new();
    for (i, m) in config.methods.iter().enumerate() {
        if m == "*" {
            any_method = true;
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
        if FORBIDDEN_METHODS.iter().any(|f| f.eq_ignore_ascii_case(m)) {
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
        if let Some(up) = NORMALIZED_METHODS
            .iter()
            .find(|n| n.eq_ignore_ascii_case(m))
            && *up != m
        {
            c.push(
                Code::NormalizedMethod,
                "methods",
                i,
                m,
                format!("browsers send \"{up}\" (Fetch normalizes it); listed as \"{up}\""),
            );
            name = (*up).to_owned();
        }
        if SAFELISTED_METHODS.contains(&name.as_str()) {
            c.push(
                Code::RedundantEntry,
                "methods",
                i,
                m,
                format!("{name} is CORS-safelisted and always allowed"),
            );
            continue;
        }
        if methods.iter().any(|x| **x == *name) {
            c.push(Code::DuplicateEntry, "methods", i, m, "listed twice");
            continue;
        }
        methods.push(name.into_boxed_str());
    }

    // Request headers.
    let mut any_header = false;
    let mut headers: Vec<Box<[u8]>> = Vec::new();
    for (i, h) in config.request_headers.iter().enumerate() {
        if h == "*" {
            any_header = true;
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
        if FORBIDDEN_REQUEST_HEADERS.contains(&lower.as_str())
            || lower.starts_with("proxy-")
            || lower.starts_with("sec-")
        {
            c.push(Code::ForbiddenRequestHeader, "request_headers", i, h, format!("\"{h}\" is a forbidden request header: scripts cannot set it, so allowing it has no effect"));
            continue;
        }
        if headers.iter().any(|x| **x == *lower.as_bytes()) {
            c.push(
                Code::DuplicateEntry,
                "request_headers",
                i,
                h,
                "listed twice",
            );
            continue;
        }
        headers.push(lower.into_bytes().into_boxed_slice());
    }

    // Exposed headers.
    let mut expose_any = false;
    let mut expose: Vec<&str> = Vec::new();
    for (i, h) in config.expose_headers.iter().enumerate() {
        if h == "*" {
            if cred {
                c.push(Code::AnyExposeWithCredentials, "expose_headers", i, h, "for security reasons, \"*\" cannot be combined with credentials (browsers read it as a literal name); list the headers");
            }
            expose_any = true;
            continue;
        }
        if !is_token(h.as_bytes()) {
            c.push(
                Code::InvalidHeaderName,
                "expose_headers",
                i,
                h,
                "a header name is an HTTP token",
            );
            continue;
        }
        let lower = h.to_ascii_lowercase();
        if FORBIDDEN_RESPONSE_HEADERS.contains(&lower.as_str()) {
            c.push(
                Code::ForbiddenExposeHeader,
                "expose_headers",
                i,
                h,
                format!("\"{h}\" is a forbidden response header: browsers never expose it"),
            );
            continue;
        }
        if SAFELISTED_RESPONSE_HEADERS.contains(&lower.as_str()) {
            c.push(
                Code::RedundantEntry,
                "expose_headers",
                i,
                h,
                format!("\"{h}\" is CORS-safelisted and always readable"),
            );
        }
        if expose.iter().any(|x| x.eq_ignore_ascii_case(h)) {
            c.push(Code::DuplicateEntry, "expose_headers", i, h, "listed twice");
            continue;
        }
        expose.push(h);
    }
    let expose = if expose_any {
        Some(if expose.is_empty() {
            "*".to_owned()
        } else {
            format!("*, {}", expose.join(", "))
        })
    } else if expose.is_empty() {
        None
    } else {
        Some(expose.join(", "))
    };

    // Scalars.
    if let Some(age) = config.max_age {
        if age > 86_400 {
            c.diags.push(Diagnostic::field(
                Code::MaxAgeTooLarge,
                "max_age",
                format!("{age} seconds is above the 86400 (24 h) that any browser honours"),
            ));
        } else if age > 7_200 {
            c.diags.push(Diagnostic::field(
                Code::MaxAgeClamped,
                "max_age",
                format!("{age} seconds: Chromium caps preflight caching at 7200 (2 h)"),
            ));
        }
    }
    if !(200..=299).contains(&config.preflight_status) {
        c.diags.push(Diagnostic::field(
            Code::InvalidPreflightStatus,
            "preflight_status",
            format!(
                "{} is not an ok status: browsers fail preflights answered outside 200..=299",
                config.preflight_status
            ),
        ));
    }

    let (errors, warnings): (Vec<_>, Vec<_>) = c
        .diags
        .into_iter()
        .partition(|d| d.severity() == Severity::Error);
    if !errors.is_empty() {
        return Err(ConfigError { errors, warnings });
    }
    let matcher = builder.finish().map_err(|e| ConfigError {
        errors: vec![Diagnostic::field(
            Code::RegexTooComplex,
            "origins",
            format!(
                "the regexes together exceed the automaton limits ({} MiB DFA, {} MiB NFA: {e}); simplify them or use wildcard patterns",
                crate::matcher::REGEX_SIZE_LIMIT >> 20,
                crate::matcher::REGEX_NFA_SIZE_LIMIT >> 20,
            ),
        )],
        warnings: warnings.clone(),
    })?;
    Ok(Policy {
        settings: config.without_origins(),
        origins_len: config.origins.len(),
        sources,
        config: OnceLock::new(),
        patterns: OnceLock::new(),
        matcher,
        credentials: cred,
        any_method,
        methods,
        any_header,
        headers,
        expose: expose.map(String::into_boxed_str),
        max_age: config.max_age.map(|a| a.to_string().into_boxed_str()),
        preflight_status: config.preflight_status,
        private_network: config.private_network,
        warnings,
    })
}

/// The patterns of a configuration that compiled, in `origins` order, without the
/// duplicates compile reported (the same first-wins rule).
fn parse_patterns(config: &Config) -> Vec<Pattern> {
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
        PatternKind::Exact(_) | PatternKind::Host { .. } | PatternKind::Subdomains { .. } => {
            let (scheme, host, wildcard) = match &p.kind {
                PatternKind::Exact(s) => {
                    let parts = syntax::parse_origin(s.as_bytes());
                    let scheme = parts.map_or("", |o| std::str::from_utf8(o.scheme).unwrap_or(""));
                    let host = parts.map_or("", |o| std::str::from_utf8(o.host).unwrap_or(""));
                    (scheme, host, false)
                }
                PatternKind::Host { scheme, host, .. } => (scheme.as_str(), host.as_str(), false),
                PatternKind::Subdomains { scheme, base, .. } => (scheme.as_str(), base.as_str(), true),
                _ => return,
            };
            if cred && scheme == "http" && !pattern::is_loopback_host(host) && !config.dangerously_allow_insecure_origins {
                c.push(
                    Code::InsecureOrigin,
                    "origins",
                    i,
                    src,
                    "for security reasons, plain http:// origins are refused with credentials: anyone on the network path can impersonate them; use https:// or set dangerously_allow_insecure_origins",
                );
            }
            if wildcard && pattern::is_public_suffix(host) {
                if cred && !config.dangerously_allow_public_suffix_wildcards {
                    c.push(
                        Code::PublicSuffixWildcard,
                        "origins",
                        i,
                        src,
                        format!("for security reasons, a wildcard over the public suffix \"{host}\" is refused with credentials: anyone can register a site below it; set dangerously_allow_public_suffix_wildcards if this is really meant"),
                    );
                } else {
                    c.push(
                        Code::PublicSuffixWildcardUncredentialed,
                        "origins",
                        i,
                        src,
                        format!("\"{host}\" is a public suffix: anyone can register a site below it and read these responses"),
                    );
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(json: &str) -> Policy {
        Policy::from_json(json).unwrap()
    }

    fn codes(json: &str) -> Vec<&'static str> {
        Policy::from_json(json)
            .unwrap_err()
            .errors
            .iter()
            .map(|d| d.code.as_str())
            .collect()
    }

    #[test]
    fn config_and_patterns_are_rebuilt_exactly() {
        // Verbatim exact origins, normalized ones, duplicates of both, and every other
        // kind: the policy keeps each entry's text once and gives all of them back.
        let config = Config::new([
            "https://a.example.com",
            "HTTPS://B.example.com/",
            "https://a.example.com",
            "https://b.example.com",
            "https://*.example.org",
            "https://*.example.org",
            "http://localhost:*",
            "~^https://pr-[0-9]+\\.example\\.dev$",
            "https://c.example.com:8443",
            "null",
        ])
        .dangerously_allow_null_origin(true)
        .methods(["PUT"])
        .max_age(60u64);
        let p = Policy::new(&config).unwrap();
        assert_eq!(p.config(), &config);
        assert_eq!(p.patterns(), &parse_patterns(&config)[..]);
        let indices: Vec<usize> = p.patterns().iter().map(|x| x.index).collect();
        assert_eq!(indices, [0, 1, 4, 6, 7, 8, 9], "duplicates are left out");
        // Reasons name the entry as written, verbatim or not.
        let reason = |origin: &'static str| p.evaluate_str("GET", &[("Origin", origin)]).reason();
        assert_eq!(
            reason("https://a.example.com"),
            Reason::OriginAllowed {
                index: 0,
                pattern: "https://a.example.com"
            }
        );
        assert_eq!(
            reason("https://b.example.com"),
            Reason::OriginAllowed {
                index: 1,
                pattern: "HTTPS://B.example.com/"
            }
        );
        assert_eq!(
            reason("https://x.example.org"),
            Reason::OriginAllowed {
                index: 4,
                pattern: "https://*.example.org"
            }
        );
        assert_eq!(
            reason("https://c.example.com:8443"),
            Reason::OriginAllowed {
                index: 8,
                pattern: "https://c.example.com:8443"
            }
        );
        assert_eq!(
            reason("null"),
            Reason::OriginAllowed {
                index: 9,
                pattern: "null"
            }
        );
        // A clone answers the same, and rebuilds its own copy.
        let q = p.clone();
        assert_eq!(q.config(), &config);
    }

    #[test]
    fn eq_lowercase_is_eq_ignore_ascii_case() {
        let lower = b"x-request-id-0123456789_abcdefghijklmnopqrstuvwxyz~";
        for n in 0..lower.len() {
            let l = &lower[..n];
            assert!(eq_lowercase(l, &l.to_ascii_uppercase()));
            for at in 0..n {
                for b in 0..=255u8 {
                    let mut name = l.to_vec();
                    name[at] = b;
                    assert_eq!(eq_lowercase(l, &name), l.eq_ignore_ascii_case(&name));
                }
            }
        }
        assert!(!eq_lowercase(b"ab", b"abc"));
    }

    #[test]
    fn folded_names_agree_with_eq_ignore_ascii_case() {
        fn check<const N: usize>(f: &FoldedName<N>, lower: &[u8; N]) {
            let upper = lower.to_ascii_uppercase();
            assert!(f.matches(lower) && f.matches(&upper));
            assert!(!f.matches(&lower[..N - 1]));
            for at in 0..N {
                for b in 0..=255u8 {
                    let mut name = *lower;
                    name[at] = b;
                    assert_eq!(
                        f.matches(&name),
                        name.eq_ignore_ascii_case(lower),
                        "{at} {b}"
                    );
                }
            }
        }
        check(&ORIGIN, b"origin");
        check(&ACRM, b"access-control-request-method");
        check(&ACRH, b"access-control-request-headers");
        check(&ACRPN, b"access-control-request-private-network");
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
    fn preflight_headers_are_complete() {
        let p = policy(
            r#"{"origins":["https://a.com"],"credentials":true,"methods":["PUT"],
                "request_headers":["X-A"],"max_age":600,"private_network":true}"#,
        );
        let d = p.evaluate_str(
            "OPTIONS",
            &[
                ("origin", "https://a.com"),
                ("access-control-request-method", "PUT"),
                ("access-control-request-headers", "x-a"),
                ("access-control-request-private-network", "true"),
            ],
        );
        let h: Vec<(&str, &str)> = d.headers().map(|h| (h.name, h.value)).collect();
        assert_eq!(
            h,
            [
                ("Access-Control-Allow-Origin", "https://a.com"),
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Allow-Methods", "PUT"),
                ("Access-Control-Allow-Headers", "x-a"),
                ("Access-Control-Max-Age", "600"),
                ("Access-Control-Allow-Private-Network", "true"),
                ("Vary", VARY_PREFLIGHT_PNA),
            ]
        );
        assert_eq!(d.status(), Some(204));
    }

    #[test]
    fn hostile_acrh_is_bounded() {
        let p = policy(r#"{"origins":["https://a.com"],"request_headers":["*"]}"#);
        let big = "a,".repeat(512 * 1024);
        let d = p.evaluate_str(
            "OPTIONS",
            &[
                ("Origin", "https://a.com"),
                ("Access-Control-Request-Method", "GET"),
                ("Access-Control-Request-Headers", &big),
            ],
        );
        assert_eq!(d.reason(), Reason::HeadersTooLarge);
        let mut many = vec![
            ("Origin", "https://a.com"),
            ("Access-Control-Request-Method", "GET"),
        ];
        many.extend(std::iter::repeat_n(
            ("Access-Control-Request-Headers", "x"),
            MAX_ACRH_LINES + 1,
        ));
        assert_eq!(
            p.evaluate_str("OPTIONS", &many).reason(),
            Reason::HeadersTooLarge
        );
    }

    #[test]
    fn reasons_name_the_check() {
        let p = policy(r#"{"origins":["https://a.com"],"request_headers":["x-a"]}"#);
        let pf = |m: &'static str, h: &'static str| {
            let d = p.evaluate_str(
                "OPTIONS",
                &[
                    ("Origin", "https://a.com"),
                    ("Access-Control-Request-Method", m),
                    ("Access-Control-Request-Headers", h),
                ],
            );
            d.reason().code()
        };
        assert_eq!(pf("GET", "x-a"), "origin_allowed");
        assert_eq!(pf("PUT", ""), "method_not_allowed");
        assert_eq!(pf("TRACE", ""), "method_forbidden");
        assert_eq!(pf("", ""), "method_malformed");
        assert_eq!(pf("GET", "x-a, x-b"), "header_not_allowed");
        assert_eq!(pf("GET", "x a"), "headers_malformed");
        let d = p.evaluate_str("GET", &[("Origin", "https://a.com/")]);
        assert_eq!(d.reason(), Reason::OriginMalformed);
        let d = p.evaluate_str(
            "GET",
            &[("Origin", "https://a.com"), ("Origin", "https://a.com")],
        );
        assert_eq!(d.reason(), Reason::OriginMultiple);
    }
}

#[cfg(test)]
mod document_tests {
    use super::*;

    #[test]
    fn shape_and_value_errors_are_reported_together() {
        let e =
            Policy::from_json(r#"{"origins":["*"],"credentials":true,"max_age":-3,"method":[]}"#)
                .unwrap_err();
        let codes: Vec<&str> = e.errors.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "unknown_field",
                "invalid_type",
                "any_origin_with_credentials"
            ]
        );
        let e = Policy::from_json(r#"{"credentials":1}"#).unwrap_err();
        let codes: Vec<&str> = e.errors.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["missing_origins", "invalid_type"]);
    }
}

#[cfg(test)]
mod request_header_names_tests {
    use super::*;
    use crate::names::REQUEST_HEADERS;

    /// Only the names in `REQUEST_HEADERS` change a decision: dropping every other line
    /// gives the same answer, and each listed name is read.
    #[test]
    fn exactly_the_listed_request_headers_are_read() {
        let p = Policy::from_json(
            r#"{"origins":["https://a.com"],"methods":["PUT"],"request_headers":["x-a"],"private_network":true}"#,
        )
        .unwrap();
        let full = [
            ("X-Other", "1"),
            ("ORIGIN", "https://a.com"),
            ("access-control-request-method", "PUT"),
            ("Access-Control-Request-Headers", "x-a"),
            ("Access-Control-Request-Private-Network", "true"),
            ("Origin-X", "y"),
        ];
        let filtered: Vec<(&str, &str)> = full
            .iter()
            .copied()
            .filter(|(n, _)| REQUEST_HEADERS.iter().any(|r| r.eq_ignore_ascii_case(n)))
            .collect();
        assert_eq!(filtered.len(), 4);
        let a = p.evaluate_str("OPTIONS", &full).to_json();
        let b = p.evaluate_str("OPTIONS", &filtered).to_json();
        assert!(a.contains("\"allowed\":true"), "{a}");
        assert_eq!(a, b);
        // Without each listed line, the decision changes.
        for skip in 0..filtered.len() {
            let fewer: Vec<_> = filtered
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, h)| *h)
                .collect();
            assert_ne!(
                p.evaluate_str("OPTIONS", &fewer).to_json(),
                a,
                "{}",
                filtered[skip].0
            );
        }
    }
}
