//! The compiled policy: the [`Policy`] type, its lazily rebuilt [`Policy::config`] and
//! [`Policy::patterns`], and `decide`, which answers one request.
//!
//! Compiling lives in [`crate::compile`] (which returns plain parts that [`Policy::new`]
//! assembles), reading the request in [`crate::request`], Fetch's tables in
//! [`crate::fetch`].

use crate::compile::{self, Compiled};
use crate::config::Config;
use crate::decision::{ActualAllowed, AsDecision, Decision, DecisionOut, Kind, Reason};
use crate::diag::{Code, ConfigError, Diagnostic};
use crate::fetch::VARY_ORIGIN;
use crate::matcher::{OriginMatch, OriginMatcher};
use crate::pattern::Pattern;
use crate::protection;
use crate::request::{NoLines, ProtectionLines, RequestHeaders};
use crate::syntax;
pub(crate) use rules::Rules;
use std::sync::{Arc, OnceLock};

mod preflight;
mod rules;

pub(crate) use rules::Interner;

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
    /// Everything but the origins (settings, methods, headers, expose, max_age,
    /// switches), shared by the policies of a set that differ only in their origins;
    /// read through `Deref` (`self.methods`, `self.headers`, ...).
    rules: Arc<Rules>,
    /// Number of `origins` entries.
    origins_len: usize,
    /// The text of every `origins` entry that the matcher does not keep: not an exact
    /// origin written in canonical form (those are keys of the matcher's table, flagged
    /// verbatim), nor a wildcard, host, regex or `null` pattern it holds
    /// ([`OriginMatcher::texts`]); that is, `*`, the other exact origins and duplicates.
    sources: hashbrown::HashMap<u32, Box<str>>,
    /// The whole configuration, for [`Policy::config`]: rebuilt on first use.
    config: OnceLock<Config>,
    /// The parsed patterns, for [`Policy::patterns`]: built on first use, since the hot
    /// path needs only the matcher, and a million parsed patterns would several times
    /// over the memory of a large policy.
    patterns: OnceLock<Vec<Pattern>>,
    matcher: OriginMatcher,
    /// `credentials` (also in the rules): kept inline, an actual request reads it.
    credentials: bool,
    /// `cross_origin_protection` (also in the rules): requests are scanned for `Host`,
    /// `Sec-Fetch-Site` and `Upgrade` too, and may be refused ([`Kind::Refused`]).
    protection: bool,
    warnings: Vec<Diagnostic>,
}

/// The output of an actual request's decision under cross-origin protection: the
/// decision, with whether its origin is trusted written to the flag.
///
/// An origin the policy allows, not through `*`, is trusted, and a trusted origin is
/// never refused ([`protection::refuses`]). `actual_allowed` receives only such origins
/// (`OriginAllowed`, known where the parts are made), so on the common path, an exact
/// origin's hit inlined into `decide`, the flag is a constant and `decide`'s test folds
/// away; `decision` tests the reason (an any-origin policy's allow is `AnyOrigin`;
/// `OriginAllowed` is only ever an allow). A flag, not a `(Decision, bool)` output: the
/// pair was built apart and the decision copied (a `memcpy` per request). Testing the
/// reason of the written [`Decision`] cost two instructions per allowed request and two
/// loads of the lines hoisted above it (benches/README.md, protect7).
struct Trusted<'t>(&'t mut bool);

impl<'a> DecisionOut<'a> for Trusted<'_> {
    type Output = Decision<'a>;

    #[inline(always)]
    fn decision(self, d: Decision<'a>) -> Decision<'a> {
        *self.0 = matches!(d.reason, Reason::OriginAllowed { .. });
        d
    }

    #[inline(always)]
    fn actual_allowed(self, a: ActualAllowed<'a>) -> Decision<'a> {
        // `OriginAllowed` where it is called (folded to `true`).
        *self.0 = matches!(a.reason, Reason::OriginAllowed { .. });
        a.decision()
    }
}

impl Policy {
    /// Validates and compiles `config`.
    ///
    /// # Errors
    /// A [`ConfigError`] with every problem found, each naming its entry.
    pub fn new(config: &Config) -> Result<Policy, ConfigError> {
        compile::compile(config).map(|parts| Policy::assemble(config, parts))
    }

    /// The policy made of `config`'s compiled parts.
    fn assemble(config: &Config, parts: Compiled) -> Policy {
        let Compiled {
            matcher,
            sources,
            methods,
            request_headers,
            expose,
            max_age,
            warnings,
        } = parts;
        let rules = Arc::new(Rules::new(
            config,
            methods,
            request_headers,
            expose,
            max_age,
        ));
        Policy::with_rules(rules, config.origins.len(), matcher, sources, warnings)
    }

    /// The policy of `origins_len` origins compiled into `matcher` and `sources`, whose
    /// settings compiled to `rules` (shared with the other policies of equal settings:
    /// a policy set compiles each distinct settings once), with `warnings`.
    pub(crate) fn with_rules(
        rules: Arc<Rules>,
        origins_len: usize,
        matcher: OriginMatcher,
        sources: hashbrown::HashMap<u32, Box<str>>,
        warnings: Vec<Diagnostic>,
    ) -> Policy {
        Policy {
            credentials: rules.settings.credentials,
            protection: rules.settings.cross_origin_protection,
            rules,
            origins_len,
            sources,
            config: OnceLock::new(),
            patterns: OnceLock::new(),
            matcher,
            warnings,
        }
    }

    /// Reads, validates and compiles a policy document.
    ///
    /// # Errors
    /// A [`ConfigError`] with every problem found (shape and values).
    pub fn from_json(text: &str) -> Result<Policy, ConfigError> {
        Policy::from_value(&Config::parse_document(text)?)
    }

    /// As [`Policy::from_json`], from a parsed document (a binding's object form, a policy set's merged policy): shape
    /// and value errors are reported together, exactly as for the text.
    ///
    /// # Errors
    /// As [`Policy::from_json`].
    pub fn from_value(value: &serde_json::Value) -> Result<Policy, ConfigError> {
        let (config, shape_errors, written) = Config::read_value(value);
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
        // The compiled lists lack the ill-typed entries: name each entry as written.
        let mut errors = shape_errors;
        errors.extend(
            values
                .into_iter()
                .filter(|d| !(missing && d.code == Code::EmptyOrigins))
                .map(|d| written.renumber(d)),
        );
        let warnings = warnings.into_iter().map(|d| written.renumber(d)).collect();
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
            for (id, text) in self.matcher.texts() {
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
        self.patterns
            .get_or_init(|| compile::parse_patterns(self.config()))
    }

    /// The shared part of the policy (for tests of the sharing, and `fuzz/`'s).
    #[cfg(any(test, feature = "internals"))]
    pub(crate) fn rules(&self) -> &Arc<Rules> {
        &self.rules
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
        self.matcher.allows(origin)
    }

    /// Decides one request from its method and header lines.
    ///
    /// `headers` yields `(name, value)` pairs in request order; names are matched
    /// ASCII case-insensitively and may repeat. Bytes that are not a well-formed
    /// value give a deny, never a panic. Work is bounded: one pass over the header
    /// lines, at most [`crate::syntax::MAX_ORIGIN_LEN`] bytes of `Origin` and
    /// [`MAX_ACRH_BYTES`] bytes of `Access-Control-Request-Headers` are read (and,
    /// under cross-origin protection, one `Host` value and at most
    /// [`request::MAX_UPGRADE_BYTES`] of each `Upgrade` line).
    /// Never allocates.
    ///
    /// The method is the request's own (compared case-sensitively). The `Host` line is
    /// read only by a policy with `cross_origin_protection`; a runtime that keeps the
    /// host elsewhere (HTTP/2's `:authority`) passes it as a `Host` line.
    pub fn evaluate<'a, I>(&'a self, method: &'a [u8], headers: I) -> Decision<'a>
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        if self.protection {
            return self.evaluate_protected(method, headers);
        }
        self.evaluate_plain(method, headers, AsDecision)
    }

    /// [`Policy::evaluate`] written into `out` (a binding's own result layout, see
    /// [`DecisionOut`]): the same decision, with the common outcomes (an allowed actual
    /// request or preflight) handed to `out` as their parts, without a [`Decision`] in
    /// between. Under cross-origin protection, `out` receives the [`Decision`].
    /// Never allocates.
    #[inline]
    pub fn evaluate_into<'a, I, O>(&'a self, method: &'a [u8], headers: I, out: O) -> O::Output
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
        O: DecisionOut<'a>,
    {
        if self.protection {
            return out.decision(self.evaluate_protected(method, headers));
        }
        self.evaluate_plain(method, headers, out)
    }

    /// [`Policy::evaluate`] without cross-origin protection. Its own function (as is
    /// [`Policy::evaluate_protected`]): with both paths in one body, a change to the
    /// protected one moved the registers and blocks of the plain one (+5 instructions
    /// per request, measured).
    #[inline(never)]
    fn evaluate_plain<'a, I, O>(&'a self, method: &'a [u8], headers: I, out: O) -> O::Output
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
        O: DecisionOut<'a>,
    {
        // Built in this frame and filled in place: returning the ~200-byte struct by value
        // cost two memcpy calls per request.
        let mut req = RequestHeaders::new();
        req.scan(headers, &mut NoLines);
        self.decide_cors(method, &req, out)
    }

    /// [`Policy::evaluate`] under cross-origin protection: the scan reads the
    /// [`ProtectionLines`] too.
    #[inline(never)]
    fn evaluate_protected<'a, I>(&'a self, method: &'a [u8], headers: I) -> Decision<'a>
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        let mut req = RequestHeaders::new();
        let mut lines = ProtectionLines::new();
        req.scan(headers, &mut lines);
        self.decide(method, &req, Some(&lines))
    }

    /// Decides a request whose header lines were scanned with the protection lines read
    /// too: a policy set's evaluation, which reads `Host` for selection anyway. The same
    /// decision as [`Policy::evaluate`] on those lines.
    #[inline]
    pub(crate) fn decide_scanned<'a>(
        &'a self,
        method: &'a [u8],
        req: &RequestHeaders<'a>,
        lines: &ProtectionLines<'a>,
    ) -> Decision<'a> {
        self.decide(method, req, self.protection.then_some(lines))
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

    /// Decides a request whose CORS lines `req` holds. `protected` holds the protection
    /// lines when the policy has cross-origin protection. The origin is matched once; its
    /// verdict makes the actual decision and, under protection, settles the common case:
    /// an origin the policy allows (not through `*`) is trusted, and a trusted origin is
    /// never refused ([`protection::refuses`]): such a request, when its exact origin's
    /// hit is inlined here, pays no test for it ([`Trusted`]); the rest
    /// ([`Policy::refuses`]) is out of line.
    ///
    /// Inlined into `evaluate` (once per `protected` case, the `None` one folded to
    /// plain CORS): a call and a second frame cost ~20 instructions of an actual
    /// request's ~300. The preflight stays out of line (a preflight is never refused:
    /// `OPTIONS` is not checked).
    #[inline(always)]
    fn decide<'a>(
        &'a self,
        method: &'a [u8],
        req: &RequestHeaders<'a>,
        protected: Option<&ProtectionLines<'a>>,
    ) -> Decision<'a> {
        let Some(lines) = protected else {
            return self.decide_cors(method, req, AsDecision);
        };
        let Some(origin) = req.origin else {
            if self.refuses(method, req, *lines, false) {
                return Self::refused();
            }
            return self.not_cors();
        };
        if method == b"OPTIONS" && req.acrm_lines > 0 {
            return self.decide_preflight(origin, req, AsDecision);
        }
        let mut trusted = true;
        let d = self.decide_actual(origin, req.origin_lines, Trusted(&mut trusted));
        if !trusted && self.refuses(method, req, *lines, d.allowed) {
            return Self::refused();
        }
        d
    }

    /// [`Policy::decide`] without cross-origin protection, written into `out`: not CORS,
    /// a preflight or an actual request. Inlined into `evaluate` for the same reason.
    #[inline(always)]
    fn decide_cors<'a, O: DecisionOut<'a>>(
        &'a self,
        method: &'a [u8],
        req: &RequestHeaders<'a>,
        out: O,
    ) -> O::Output {
        let Some(origin) = req.origin else {
            return out.decision(self.not_cors());
        };
        if method == b"OPTIONS" && req.acrm_lines > 0 {
            return self.decide_preflight(origin, req, out);
        }
        self.decide_actual(origin, req.origin_lines, out)
    }

    /// Whether cross-origin protection refuses a request that its origin's verdict
    /// does not prove trusted: no `Origin`, an origin the policy does not allow
    /// (`allowed` false), or one allowed by `*` (trusted only when well-formed,
    /// [`Policy::trusted_by_any`]). Cold and out of line: an allowed request never gets
    /// here, and inlined, its first test (how many `Sec-Fetch-Site` lines) was hoisted
    /// above the verdict and paid by every allowed request. `lines` comes by value: a
    /// reference made `evaluate` keep them in memory.
    #[cold]
    #[inline(never)]
    fn refuses(
        &self,
        method: &[u8],
        req: &RequestHeaders<'_>,
        lines: ProtectionLines<'_>,
        allowed: bool,
    ) -> bool {
        let trusted = || {
            allowed
                && req
                    .origin
                    .is_some_and(|o| !self.matcher.is_any() || self.trusted_by_any(o, req))
        };
        protection::refuses(method, &lines, req.origin, req.origin_lines, trusted)
    }

    /// A request without `Origin`: passed through.
    #[inline]
    fn not_cors<'a>(&'a self) -> Decision<'a> {
        let mut d = Decision::new(Kind::NotCors, Reason::NotCors);
        d.allowed = true;
        if self.matcher.is_any() {
            d.acao = Some("*");
            d.aceh = self.expose.as_deref();
        } else {
            d.vary = Some(VARY_ORIGIN);
        }
        d
    }

    /// A request that cross-origin protection refuses: 403, no CORS headers.
    #[cold]
    fn refused<'a>() -> Decision<'a> {
        let mut d = Decision::new(Kind::Refused, Reason::CrossOriginRequestRefused);
        d.status = Some(403);
        d.vary = Some(VARY_ORIGIN);
        d
    }

    /// Under an any-origin policy, whose CORS verdict admits every `Origin`, whether
    /// cross-origin protection trusts it: exactly one line holding a serialized origin
    /// or `null` (two lines or a malformed value are never trusted).
    #[cold]
    fn trusted_by_any(&self, origin: &[u8], req: &RequestHeaders<'_>) -> bool {
        req.origin_lines == 1 && (origin == b"null" || syntax::parse_origin(origin).is_some())
    }

    /// Matches the origin of a preflight: `Ok((reason, acao))` when allowed, where
    /// `acao` is the `Access-Control-Allow-Origin` value: `*` for an any-origin policy,
    /// else the origin as text (handed back by the matcher, so the request's bytes are
    /// not re-validated for an exact origin).
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
        let (reason, acao) = self.verdict_of(self.matcher.find(origin))?;
        match acao {
            Some(acao) => Ok((reason, acao)),
            // Never: the checked matcher hands back every origin's text.
            None => Err(Reason::OriginMalformed),
        }
    }

    /// The verdict of a matcher's answer: `Ok((reason, acao))` when allowed, with
    /// `acao` `None` when the `Access-Control-Allow-Origin` value is the origin itself,
    /// all ASCII, not yet made text ([`OriginMatch::Ascii`], from the unchecked
    /// matcher only, which may also answer `NotAllowed` for a malformed origin).
    #[inline(always)]
    fn verdict_of<'a>(
        &'a self,
        found: OriginMatch<'a>,
    ) -> Result<(Reason<'a>, Option<&'a str>), Reason<'a>> {
        // An exact origin not written verbatim: its entry's text is the policy's.
        let pattern = |id: u32, text: Option<&'a str>| match self.source(id) {
            Some(source) => Ok((
                Reason::OriginAllowed {
                    index: id as usize,
                    pattern: source,
                },
                text,
            )),
            None => Err(Reason::OriginNotAllowed),
        };
        match found {
            OriginMatch::Any => Ok((Reason::AnyOrigin, Some("*"))),
            OriginMatch::Verbatim(id, text) => Ok((
                Reason::OriginAllowed {
                    index: id as usize,
                    pattern: text,
                },
                Some(text),
            )),
            OriginMatch::Pattern(id, text, Some(source)) => Ok((
                Reason::OriginAllowed {
                    index: id as usize,
                    pattern: source,
                },
                Some(text),
            )),
            OriginMatch::Pattern(id, text, None) => pattern(id, Some(text)),
            OriginMatch::Ascii(id, source) => Ok((
                Reason::OriginAllowed {
                    index: id as usize,
                    pattern: source,
                },
                None,
            )),
            OriginMatch::NotAllowed => Err(Reason::OriginNotAllowed),
            OriginMatch::Malformed => Err(Reason::OriginMalformed),
        }
    }

    /// An actual request from `origin` (`origin_lines` lines of it). The common case, an
    /// exact origin written verbatim, is decided here, inlined into `evaluate`: one probe
    /// of the exact table and one struct expression written into the caller's slot (the
    /// verdict out of line, handed back through memory and copied into the decision,
    /// cost ~30 instructions of ~280). Everything else is [`Policy::actual_other`]'s, out
    /// of line.
    #[inline(always)]
    fn decide_actual<'a, O: DecisionOut<'a>>(
        &'a self,
        origin: &'a [u8],
        origin_lines: u32,
        out: O,
    ) -> O::Output {
        if self.matcher.is_any() || origin_lines > 1 {
            return out.decision(self.actual_other(origin, origin_lines, None));
        }
        match self.matcher.exact(origin) {
            Some((id, text, true)) => {
                let reason = Reason::OriginAllowed {
                    index: id as usize,
                    pattern: text,
                };
                out.actual_allowed(self.actual_allowed(reason, Some(text), None, Some(VARY_ORIGIN)))
            }
            Some((id, text, false)) => out.decision(self.actual_other(origin, 1, Some((id, text)))),
            None => self.actual_inexact(origin, out),
        }
    }

    /// [`Policy::decide_actual`] for an origin (one line, under a policy that is not
    /// `*`) that the exact table does not hold: matched unchecked
    /// ([`OriginMatcher::find_unchecked_inexact`], without probing the exact table
    /// again). The common case, a wildcard, host or regex pattern's hit
    /// ([`OriginMatch::Ascii`]), is written as one struct expression whose every field
    /// is known here (no second any-origin test, no merged verdict); the rest takes
    /// [`Policy::actual_found`].
    #[inline(never)]
    fn actual_inexact<'a, O: DecisionOut<'a>>(&'a self, origin: &'a [u8], out: O) -> O::Output {
        match self.matcher.find_unchecked_inexact(origin) {
            OriginMatch::Ascii(id, source) => {
                let reason = Reason::OriginAllowed {
                    index: id as usize,
                    pattern: source,
                };
                out.actual_allowed(self.actual_allowed(
                    reason,
                    None,
                    Some(origin),
                    Some(VARY_ORIGIN),
                ))
            }
            found => out.decision(self.actual_found(origin, found)),
        }
    }

    /// [`Policy::decide_actual`]'s rare cases: `*`, several `Origin` lines, an exact
    /// origin written otherwise (`exact`: its id and text); an origin the exact table
    /// does not hold (`exact` `None`) is [`Policy::actual_inexact`]'s.
    ///
    /// A deny `OriginNotAllowed` keeps the origin, so that [`Decision::reason`] tells a
    /// malformed one apart only when asked (the response headers are the same); an
    /// allow whose `Access-Control-Allow-Origin` is the origin not yet made text keeps
    /// it too, made text when the headers are read.
    #[inline(never)]
    fn actual_other<'a>(
        &'a self,
        origin: &'a [u8],
        origin_lines: u32,
        exact: Option<(u32, &'a str)>,
    ) -> Decision<'a> {
        let found = if self.matcher.is_any() {
            OriginMatch::Any
        } else if origin_lines > 1 {
            return self.actual_denied(Reason::OriginMultiple, None);
        } else if let Some((id, text)) = exact {
            OriginMatch::Pattern(id, text, None)
        } else {
            return self.actual_inexact(origin, AsDecision);
        };
        self.actual_found(origin, found)
    }

    /// The actual decision of the matcher's answer `found` for `origin`.
    #[inline(always)]
    fn actual_found<'a>(&'a self, origin: &'a [u8], found: OriginMatch<'a>) -> Decision<'a> {
        match self.verdict_of(found) {
            Ok((reason, acao)) => self
                .actual_allowed(
                    reason,
                    acao,
                    acao.is_none().then_some(origin),
                    self.vary_origin(),
                )
                .decision(),
            Err(reason) => {
                let unchecked = (reason == Reason::OriginNotAllowed).then_some(origin);
                self.actual_denied(reason, unchecked)
            }
        }
    }

    /// An allowed actual request's parts: `acao` as the
    /// `Access-Control-Allow-Origin` value, or `None` with `unchecked` the origin not
    /// yet made text ([`Decision::unchecked_origin`]). `vary`: [`Policy::vary_origin`],
    /// passed in where the caller already knows it. One struct expression, written by
    /// the output ([`DecisionOut::actual_allowed`]) or made a [`Decision`].
    #[inline(always)]
    fn actual_allowed<'a>(
        &'a self,
        reason: Reason<'a>,
        acao: Option<&'a str>,
        unchecked: Option<&'a [u8]>,
        vary: Option<&'static str>,
    ) -> ActualAllowed<'a> {
        ActualAllowed {
            reason,
            acao,
            unchecked_origin: unchecked,
            credentials: self.credentials,
            expose: self.expose.as_deref(),
            vary,
        }
    }

    /// A denied actual request's decision (`unchecked`: the origin, for
    /// `OriginNotAllowed`).
    #[inline]
    fn actual_denied<'a>(
        &'a self,
        reason: Reason<'a>,
        unchecked: Option<&'a [u8]>,
    ) -> Decision<'a> {
        let mut d = Decision::new(Kind::Actual, reason);
        d.unchecked_origin = unchecked;
        d.vary = self.vary_origin();
        d
    }

    /// `Vary: Origin`, except for an any-origin policy (whose headers do not depend on
    /// the origin).
    #[inline(always)]
    fn vary_origin(&self) -> Option<&'static str> {
        if self.matcher.is_any() {
            None
        } else {
            Some(VARY_ORIGIN)
        }
    }

    /// The request header names [`Policy::evaluate`] reads with this policy (matched
    /// ASCII case-insensitively): a prefix of [`crate::names::REQUEST_HEADERS`], the
    /// protection lines (`Host`, `Sec-Fetch-Site`, `Upgrade`) only under
    /// `cross_origin_protection`. Every other line can be left out of a request without
    /// changing its decision, so a runtime may pass only lines with these names.
    ///
    /// Cost: one test; unlike [`Policy::config`], nothing is rebuilt.
    pub fn request_header_names(&self) -> &'static [&'static str] {
        const CORS: usize = 4;
        if self.protection {
            &crate::names::REQUEST_HEADERS
        } else {
            &crate::names::REQUEST_HEADERS[..CORS]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::MAX_ACRH_LINES;
    use crate::fetch::VARY_PREFLIGHT_PNA;

    fn policy(json: &str) -> Policy {
        Policy::from_json(json).unwrap()
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
        assert_eq!(p.patterns(), &compile::parse_patterns(&config)[..]);
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
    fn a_pattern_hit_echoes_the_origin_made_text_when_read() {
        // `evaluate` leaves the text of an origin admitted by a wildcard, host or regex
        // pattern to the reader of the headers: every reader gives the same lines.
        let p = policy(
            r#"{"origins":["https://*.example.com","http://localhost:*",
                "~^https://pr-[0-9]+\\.example\\.dev$","https://a.com"],"credentials":true}"#,
        );
        for (origin, index) in [
            ("https://api.eu.example.com", 0),
            ("http://localhost:8080", 1),
            ("https://pr-12.example.dev", 2),
            ("https://a.com", 3),
        ] {
            let d = p.evaluate_str("GET", &[("Origin", origin)]);
            assert!(d.allowed(), "{origin}");
            assert_eq!(d.reason().index(), Some(index), "{origin}");
            assert_eq!(d.header("access-control-allow-origin"), Some(origin));
            let mut each = Vec::new();
            d.for_each_header(|h| each.push((h.name, h.value)));
            let iter: Vec<(&str, &str)> = d.headers().map(|h| (h.name, h.value)).collect();
            assert_eq!(each, iter, "{origin}");
            assert_eq!(
                iter,
                [
                    ("Access-Control-Allow-Origin", origin),
                    ("Access-Control-Allow-Credentials", "true"),
                    ("Vary", VARY_ORIGIN),
                ],
                "{origin}"
            );
        }
        // A deny keeps the origin for its reason, never as a header.
        for (origin, reason) in [
            ("https://b.com", Reason::OriginNotAllowed),
            ("https://b.com/", Reason::OriginMalformed),
        ] {
            let d = p.evaluate_str("GET", &[("Origin", origin)]);
            assert!(!d.allowed());
            assert_eq!(d.reason(), reason, "{origin}");
            assert_eq!(d.header("access-control-allow-origin"), None);
        }
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

    /// Issue 20: a 1 MiB requested method gave a 1 MiB reason.
    #[test]
    fn a_long_method_gives_a_bounded_reason() {
        let p = policy(r#"{"origins":["https://a.com"]}"#);
        let method = "X".repeat(1 << 20);
        let d = p.evaluate_str(
            "OPTIONS",
            &[
                ("Origin", "https://a.com"),
                ("Access-Control-Request-Method", &method),
            ],
        );
        assert_eq!(
            d.reason().reason_code(),
            crate::ReasonCode::MethodNotAllowed
        );
        assert_eq!(d.reason().detail().len(), 1 << 20, "the detail is not cut");
        let json = d.to_json();
        assert!(json.len() < 1024, "{} bytes", json.len());
        assert!(json.contains("(1048576 bytes) not allowed"), "{json}");
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
mod protection_tests {
    use super::*;

    const POLICY: &str = r#"{"origins":["https://app.example.com"],"credentials":true,
        "methods":["PUT","DELETE"],"cross_origin_protection":true}"#;

    /// (kind, allowed, reason code).
    type Outcome = (Kind, bool, &'static str);
    /// (method, headers, outcome).
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], Outcome);

    /// (method, headers) → its outcome.
    fn decide(p: &Policy, method: &str, headers: &[(&str, &str)]) -> Outcome {
        let d = p.evaluate_str(method, headers);
        (d.kind(), d.allowed(), d.reason().code())
    }

    #[test]
    fn refused_requests_are_answered_with_403_and_vary_origin() {
        let p = Policy::from_json(POLICY).unwrap();
        let d = p.evaluate_str(
            "POST",
            &[
                ("Host", "api.example.com"),
                ("Origin", "https://evil.com"),
                ("Sec-Fetch-Site", "cross-site"),
            ],
        );
        assert_eq!(d.kind(), Kind::Refused);
        assert!(!d.allowed() && !d.calls_application() && !d.is_preflight());
        assert_eq!(d.status(), Some(403));
        assert_eq!(d.reason(), Reason::CrossOriginRequestRefused);
        let h: Vec<(&str, &str)> = d.headers().map(|h| (h.name, h.value)).collect();
        assert_eq!(h, [("Vary", "Origin")]);
        assert!(d.to_json().contains(r#""kind":"refused""#));
        assert!(d.to_string().starts_with("REFUSED"));
    }

    #[test]
    fn the_three_steps_decide() {
        let p = Policy::from_json(POLICY).unwrap();
        let host = ("Host", "api.example.com");
        let evil = ("Origin", "https://evil.com");
        let app = ("Origin", "https://app.example.com");
        let same = ("Origin", "https://api.example.com");
        let ws = ("Upgrade", "websocket");
        use Kind::*;
        let refused = (Refused, false, "cross_origin_request_refused");
        let cases: &[Case] = &[
            // Step 1: safe methods pass (CORS decides as before).
            ("GET", &[host, evil], (Actual, false, "origin_not_allowed")),
            (
                "HEAD",
                &[host, evil, ("Sec-Fetch-Site", "cross-site")],
                (Actual, false, "origin_not_allowed"),
            ),
            (
                "OPTIONS",
                &[host, evil],
                (Actual, false, "origin_not_allowed"),
            ),
            (
                "OPTIONS",
                &[host, evil, ("Access-Control-Request-Method", "PUT")],
                (Preflight, false, "origin_not_allowed"),
            ),
            (
                "HEAD",
                &[host, evil, ws],
                (Actual, false, "origin_not_allowed"),
            ),
            // … except WebSocket handshakes, and methods in another case.
            ("GET", &[host, evil, ws], refused),
            ("GET", &[host, app, ws], (Actual, true, "origin_allowed")),
            (
                "GET",
                &[host, same, ws],
                (Actual, false, "origin_not_allowed"),
            ),
            ("GET", &[host, ws], (NotCors, true, "not_cors")),
            ("get", &[host, evil], refused),
            // Step 2.
            (
                "POST",
                &[host, evil, ("Sec-Fetch-Site", "cross-site")],
                refused,
            ),
            (
                "POST",
                &[host, app, ("Sec-Fetch-Site", "cross-site")],
                (Actual, true, "origin_allowed"),
            ),
            (
                "PUT",
                &[host, same, ("Sec-Fetch-Site", "same-site")],
                refused,
            ),
            (
                "PUT",
                &[host, evil, ("Sec-Fetch-Site", "same-origin")],
                (Actual, false, "origin_not_allowed"),
            ),
            (
                "POST",
                &[host, ("Sec-Fetch-Site", "none")],
                (NotCors, true, "not_cors"),
            ),
            ("POST", &[host, ("Sec-Fetch-Site", "cross-site")], refused),
            (
                "POST",
                &[host, ("Origin", "null"), ("Sec-Fetch-Site", "cross-site")],
                refused,
            ),
            (
                "POST",
                &[host, evil, ("Sec-Fetch-Site", "Same-Origin")],
                refused,
            ),
            (
                "POST",
                &[host, app, app, ("Sec-Fetch-Site", "cross-site")],
                refused,
            ),
            // Step 3.
            ("POST", &[host], (NotCors, true, "not_cors")),
            ("POST", &[host, same], (Actual, false, "origin_not_allowed")),
            (
                "POST",
                &[host, same, ("Sec-Fetch-Site", "")],
                (Actual, false, "origin_not_allowed"),
            ),
            (
                "POST",
                &[("Host", "API.example.com:443"), same],
                (Actual, false, "origin_not_allowed"),
            ),
            ("POST", &[host, app], (Actual, true, "origin_allowed")),
            ("DELETE", &[host, evil], refused),
            (
                "POST",
                &[host, ("Origin", "https://api.example.com:8443")],
                refused,
            ),
            ("POST", &[host, host, same], refused),
            ("POST", &[same], refused),
            ("POST", &[host, same, same], refused),
        ];
        for (method, headers, want) in cases {
            assert_eq!(decide(&p, method, headers), *want, "{method} {headers:?}");
        }
    }

    #[test]
    fn protection_is_off_by_default_and_trusts_any_origin_policies() {
        let off = Policy::from_json(r#"{"origins":["https://app.example.com"]}"#).unwrap();
        let h = [
            ("Host", "api.example.com"),
            ("Origin", "https://evil.com"),
            ("Sec-Fetch-Site", "cross-site"),
        ];
        assert_eq!(
            decide(&off, "POST", &h),
            (Kind::Actual, false, "origin_not_allowed")
        );
        let any = Policy::from_json(r#"{"origins":["*"],"cross_origin_protection":true}"#).unwrap();
        assert_eq!(
            any.warnings()[0].code.as_str(),
            "protection_trusts_any_origin"
        );
        assert_eq!(decide(&any, "POST", &h), (Kind::Actual, true, "any_origin"));
        assert_eq!(
            decide(
                &any,
                "POST",
                &[("Origin", "null"), ("Sec-Fetch-Site", "cross-site")]
            ),
            (Kind::Actual, true, "any_origin")
        );
        // Two lines or a malformed value are never trusted, even by `*`.
        let two = [
            ("Origin", "https://a.com"),
            ("Origin", "https://a.com"),
            ("Sec-Fetch-Site", "cross-site"),
        ];
        assert_eq!(decide(&any, "POST", &two).0, Kind::Refused);
        let bad = [
            ("Origin", "https://A.com"),
            ("Sec-Fetch-Site", "cross-site"),
        ];
        assert_eq!(decide(&any, "POST", &bad).0, Kind::Refused);
    }

    /// Under protection, `Host`, `Sec-Fetch-Site` and `Upgrade` are read too: dropping
    /// any other line changes nothing, dropping one of them changes the decision.
    #[test]
    fn protection_reads_exactly_the_listed_request_headers() {
        let p = Policy::from_json(POLICY).unwrap();
        let keep = |n: &str| {
            crate::names::REQUEST_HEADERS
                .iter()
                .any(|r| r.eq_ignore_ascii_case(n))
        };
        let cases: [&[(&str, &str)]; 3] = [
            &[
                ("X-Other", "1"),
                ("host", "api.example.com"),
                ("Origin", "https://api.example.com"),
            ],
            &[
                ("Origin", "https://api.example.com"),
                ("SEC-FETCH-SITE", "cross-site"),
                ("Host", "api.example.com"),
            ],
            &[
                ("Upgrade", "websocket"),
                ("Origin", "https://evil.com"),
                ("Connection", "Upgrade"),
            ],
        ];
        for (full, method) in cases.iter().zip(["POST", "POST", "GET"]) {
            let filtered: Vec<(&str, &str)> =
                full.iter().copied().filter(|(n, _)| keep(n)).collect();
            let a = p.evaluate_str(method, full).to_json();
            assert_eq!(a, p.evaluate_str(method, &filtered).to_json());
            let read = filtered
                .iter()
                .find(|(n, _)| !n.eq_ignore_ascii_case("origin"))
                .unwrap();
            let without: Vec<_> = filtered.iter().copied().filter(|h| h != read).collect();
            assert_ne!(a, p.evaluate_str(method, &without).to_json(), "{read:?}");
        }
    }

    /// A request's header lines.
    type Lines<'a> = &'a [(&'a str, &'a str)];

    /// `request_header_names` lists every line a policy reads: all seven under
    /// protection, the four CORS lines without it, where the protection lines change
    /// nothing (a wrong `Host`, a cross-site `Sec-Fetch-Site`, a WebSocket `Upgrade`).
    #[test]
    fn request_header_names_are_the_lines_the_policy_reads() {
        let protected = Policy::from_json(POLICY).unwrap();
        assert_eq!(
            protected.request_header_names(),
            &crate::names::REQUEST_HEADERS[..]
        );
        let plain = Policy::from_json(
            r#"{"origins":["https://app.example.com"],"methods":["PUT","DELETE"]}"#,
        )
        .unwrap();
        let names = plain.request_header_names();
        assert_eq!(
            names,
            &[
                "Origin",
                "Access-Control-Request-Method",
                "Access-Control-Request-Headers",
                "Access-Control-Request-Private-Network"
            ]
        );
        let keep = |n: &str| names.iter().any(|r| r.eq_ignore_ascii_case(n));
        let cases: [(&str, Lines<'_>, bool); 3] = [
            (
                "POST",
                &[
                    ("X-Other", "1"),
                    ("host", "api.example.com"),
                    ("Origin", "https://api.example.com"),
                ],
                true,
            ),
            (
                "GET",
                &[("Upgrade", "websocket"), ("Origin", "https://evil.com")],
                true,
            ),
            (
                "DELETE",
                &[
                    ("Origin", "https://app.example.com"),
                    ("Sec-Fetch-Site", "cross-site"),
                ],
                false,
            ),
        ];
        for (method, full, protection_reads) in cases {
            let filtered: Vec<(&str, &str)> =
                full.iter().copied().filter(|(n, _)| keep(n)).collect();
            assert!(filtered.len() < full.len());
            assert_eq!(
                plain.evaluate_str(method, full).to_json(),
                plain.evaluate_str(method, &filtered).to_json()
            );
            // The protected policy reads the lines left out (its answer changes unless the
            // origin is trusted).
            let differs = protected.evaluate_str(method, full).to_json()
                != protected.evaluate_str(method, &filtered).to_json();
            assert_eq!(differs, protection_reads, "{method} {full:?}");
        }
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

    #[test]
    fn value_errors_name_the_entry_as_written_despite_ill_typed_entries() {
        let e = Policy::from_json(
            r#"{"origins": [1, "https://*example.com", null, "https://a.com/x"],
                "methods": [true, "PUT", 2, "bad method"],
                "request_headers": [{}, "bad header"],
                "expose_headers": ["x-a", [], "set-cookie", 3, "content-type"]}"#,
        )
        .unwrap_err();
        let paths = |ds: &[Diagnostic]| -> Vec<String> {
            ds.iter()
                .map(|d| format!("{} {}", d.path(), d.code.as_str()))
                .collect()
        };
        assert_eq!(
            paths(&e.errors),
            [
                "origins[0] invalid_type",
                "origins[2] invalid_type",
                "methods[0] invalid_type",
                "methods[2] invalid_type",
                "request_headers[0] invalid_type",
                "expose_headers[1] invalid_type",
                "expose_headers[3] invalid_type",
                "origins[1] invalid_wildcard",
                "origins[3] origin_has_path",
                "methods[3] invalid_method",
                "request_headers[1] invalid_header_name",
                "expose_headers[2] forbidden_expose_header",
            ]
        );
        assert_eq!(paths(&e.warnings), ["expose_headers[4] redundant_entry"]);
        assert!(
            e.to_string()
                .contains("origins[1] \"https://*example.com\": invalid_wildcard"),
            "{e}"
        );
    }
}
