//! The answer to one request: its kind, the verdict, the status, the response headers
//! and why.
//!
//! A [`Decision`] owns nothing: header values borrow from the policy (precomputed at
//! compile time) or from the request (the echoed origin, method and header names).

use std::fmt;

mod out;
pub use out::{ActualAllowed, AsDecision, DecisionOut, PreflightAllowed};

/// How the request was classified.
///
/// The discriminants are stable (`kind as u32`: 0, 1, 2, 3), the values of the C ABI's
/// `corsgate_kind` and the positions in [`Kind::ALL`]. New kinds may be added
/// (`#[non_exhaustive]`), with the next discriminant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
#[non_exhaustive]
pub enum Kind {
    /// No `Origin` header: not a CORS request; pass it through.
    NotCors = 0,
    /// `OPTIONS` with `Origin` and `Access-Control-Request-Method`: answer it, do not
    /// call the application.
    Preflight = 1,
    /// Any other request with `Origin`: call the application and add the headers.
    Actual = 2,
    /// Refused by cross-origin protection (`cross_origin_protection`): answer it
    /// yourself with status 403 and the decision's headers (`Vary: Origin`); do not call
    /// the application.
    Refused = 3,
}

impl Kind {
    /// Every kind, in discriminant order.
    pub const ALL: &'static [Kind] = &[Kind::NotCors, Kind::Preflight, Kind::Actual, Kind::Refused];

    /// `"not_cors"`, `"preflight"`, `"actual"` or `"refused"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NotCors => "not_cors",
            Kind::Preflight => "preflight",
            Kind::Actual => "actual",
            Kind::Refused => "refused",
        }
    }

    /// The kind named `name` (the inverse of [`Kind::as_str`]), if any.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.as_str() == name)
    }

    /// Whether the request is passed to the application (not CORS, actual) rather than
    /// answered by the caller from the decision alone (preflight, refused).
    pub const fn calls_application(self) -> bool {
        match self {
            Kind::NotCors | Kind::Actual => true,
            Kind::Preflight | Kind::Refused => false,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! reason_codes {
    ($( $(#[$doc:meta])* $variant:ident = $value:literal, $text:literal; )*) => {
        /// A stable identifier for each kind of [`Reason`], without the reason's data.
        ///
        /// Like [`crate::Code`] for configuration problems: the snake_case name
        /// ([`ReasonCode::as_str`]) and the number (`code as u32`, explicit and never
        /// reused; the C ABI's `corsgate_reason` values) are part of every binding's
        /// contract. New codes may be added, existing ones are never renamed or
        /// renumbered.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u32)]
        #[non_exhaustive]
        pub enum ReasonCode {
            $( $(#[$doc])* $variant = $value, )*
        }

        impl ReasonCode {
            /// Every code, in discriminant order.
            pub const ALL: &'static [ReasonCode] = &[ $( ReasonCode::$variant, )* ];

            /// The stable snake_case name of this code (`"origin_not_allowed"` …).
            pub const fn as_str(self) -> &'static str {
                match self { $( ReasonCode::$variant => $text, )* }
            }

            /// The code numbered `value` (`code as u32` is the inverse), if any.
            pub const fn from_u32(value: u32) -> Option<ReasonCode> {
                match value { $( $value => Some(ReasonCode::$variant), )* _ => None }
            }

            /// Looks a code up by its snake_case name.
            pub fn from_name(name: &str) -> Option<ReasonCode> {
                match name { $( $text => Some(ReasonCode::$variant), )* _ => None }
            }
        }
    };
}

reason_codes! {
    /// No `Origin` header.
    NotCors = 0, "not_cors";
    /// The policy allows any origin (`*`).
    AnyOrigin = 1, "any_origin";
    /// An `origins` entry admits the origin.
    OriginAllowed = 2, "origin_allowed";
    /// The `Origin` value is not a serialized origin a browser would send.
    OriginMalformed = 3, "origin_malformed";
    /// The request carries more than one `Origin` header line.
    OriginMultiple = 4, "origin_multiple";
    /// No pattern admits the origin.
    OriginNotAllowed = 5, "origin_not_allowed";
    /// `Access-Control-Request-Method` is empty, not a token, or repeated.
    MethodMalformed = 6, "method_malformed";
    /// The requested method is CONNECT, TRACE or TRACK.
    MethodForbidden = 7, "method_forbidden";
    /// The requested method is not in `methods`.
    MethodNotAllowed = 8, "method_not_allowed";
    /// `Access-Control-Request-Headers` holds something other than header names.
    HeadersMalformed = 9, "headers_malformed";
    /// `Access-Control-Request-Headers` exceeds the documented bounds.
    HeadersTooLarge = 10, "headers_too_large";
    /// A requested header name is not in `request_headers`.
    HeaderNotAllowed = 11, "header_not_allowed";
    /// The preflight asks for private network access and the policy does not grant it.
    PrivateNetworkNotAllowed = 12, "private_network_not_allowed";
    /// Cross-origin protection refused an unsafe request (or WebSocket handshake) from
    /// an origin the policy does not trust.
    CrossOriginRequestRefused = 13, "cross_origin_request_refused";
    /// A policy set selected no route for the request's host and path.
    NoPolicy = 14, "no_policy";
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a decision came out as it did: a [`ReasonCode`] ([`Reason::reason_code`]) and
/// the data that names the cause. New reasons may be added (`#[non_exhaustive]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason<'a> {
    /// No `Origin` header.
    NotCors,
    /// The policy allows any origin (`*`).
    AnyOrigin,
    /// `origins[index]` (written as `pattern`) admits the origin.
    OriginAllowed {
        /// Position of the pattern in `origins`.
        index: usize,
        /// The pattern as written in the policy.
        pattern: &'a str,
    },
    /// The `Origin` value is not a serialized origin a browser would send.
    OriginMalformed,
    /// The request carries more than one `Origin` header line.
    OriginMultiple,
    /// No pattern admits the origin.
    OriginNotAllowed,
    /// `Access-Control-Request-Method` is empty, not a token, or repeated.
    MethodMalformed,
    /// The requested method is CONNECT, TRACE or TRACK.
    MethodForbidden,
    /// The requested method is not in `methods`.
    MethodNotAllowed {
        /// The requested method.
        method: &'a str,
    },
    /// `Access-Control-Request-Headers` holds something other than header names.
    HeadersMalformed,
    /// `Access-Control-Request-Headers` exceeds the documented bounds.
    HeadersTooLarge,
    /// A requested header name is not in `request_headers`.
    HeaderNotAllowed {
        /// The first refused name, as the request wrote it.
        name: &'a str,
    },
    /// The preflight asks for private network access and the policy does not grant it.
    PrivateNetworkNotAllowed,
    /// Cross-origin protection refused an unsafe request (or WebSocket handshake) from
    /// an origin the policy does not trust.
    CrossOriginRequestRefused,
    /// A policy set selected no route for the request's host and path.
    NoPolicy,
}

impl Reason<'_> {
    /// The stable identifier of this reason (its number is the C ABI's
    /// `corsgate_reason`).
    pub const fn reason_code(&self) -> ReasonCode {
        match self {
            Reason::NotCors => ReasonCode::NotCors,
            Reason::AnyOrigin => ReasonCode::AnyOrigin,
            Reason::OriginAllowed { .. } => ReasonCode::OriginAllowed,
            Reason::OriginMalformed => ReasonCode::OriginMalformed,
            Reason::OriginMultiple => ReasonCode::OriginMultiple,
            Reason::OriginNotAllowed => ReasonCode::OriginNotAllowed,
            Reason::MethodMalformed => ReasonCode::MethodMalformed,
            Reason::MethodForbidden => ReasonCode::MethodForbidden,
            Reason::MethodNotAllowed { .. } => ReasonCode::MethodNotAllowed,
            Reason::HeadersMalformed => ReasonCode::HeadersMalformed,
            Reason::HeadersTooLarge => ReasonCode::HeadersTooLarge,
            Reason::HeaderNotAllowed { .. } => ReasonCode::HeaderNotAllowed,
            Reason::PrivateNetworkNotAllowed => ReasonCode::PrivateNetworkNotAllowed,
            Reason::CrossOriginRequestRefused => ReasonCode::CrossOriginRequestRefused,
            Reason::NoPolicy => ReasonCode::NoPolicy,
        }
    }

    /// A stable snake_case name for the reason: `self.reason_code().as_str()`.
    pub const fn code(&self) -> &'static str {
        self.reason_code().as_str()
    }
}

impl<'a> Reason<'a> {
    /// The `origins` index of [`Reason::OriginAllowed`]; `None` for other reasons.
    pub const fn index(&self) -> Option<usize> {
        match self {
            Reason::OriginAllowed { index, .. } => Some(*index),
            _ => None,
        }
    }

    /// The text a reason carries: the pattern of [`Reason::OriginAllowed`], the method
    /// of [`Reason::MethodNotAllowed`], the name of [`Reason::HeaderNotAllowed`]; `""`
    /// for the others.
    pub const fn detail(&self) -> &'a str {
        match self {
            Reason::OriginAllowed { pattern, .. } => pattern,
            Reason::MethodNotAllowed { method } => method,
            Reason::HeaderNotAllowed { name } => name,
            _ => "",
        }
    }

    /// The reason made of its parts, the inverse of ([`Reason::reason_code`],
    /// [`Reason::index`], [`Reason::detail`]): `index` is used only by
    /// [`ReasonCode::OriginAllowed`], `detail` only by the reasons that carry text.
    /// Lets a binding store a reason as plain fields and rebuild it.
    pub const fn from_parts(code: ReasonCode, index: usize, detail: &'a str) -> Reason<'a> {
        match code {
            ReasonCode::NotCors => Reason::NotCors,
            ReasonCode::AnyOrigin => Reason::AnyOrigin,
            ReasonCode::OriginAllowed => Reason::OriginAllowed {
                index,
                pattern: detail,
            },
            ReasonCode::OriginMalformed => Reason::OriginMalformed,
            ReasonCode::OriginMultiple => Reason::OriginMultiple,
            ReasonCode::OriginNotAllowed => Reason::OriginNotAllowed,
            ReasonCode::MethodMalformed => Reason::MethodMalformed,
            ReasonCode::MethodForbidden => Reason::MethodForbidden,
            ReasonCode::MethodNotAllowed => Reason::MethodNotAllowed { method: detail },
            ReasonCode::HeadersMalformed => Reason::HeadersMalformed,
            ReasonCode::HeadersTooLarge => Reason::HeadersTooLarge,
            ReasonCode::HeaderNotAllowed => Reason::HeaderNotAllowed { name: detail },
            ReasonCode::PrivateNetworkNotAllowed => Reason::PrivateNetworkNotAllowed,
            ReasonCode::CrossOriginRequestRefused => Reason::CrossOriginRequestRefused,
            ReasonCode::NoPolicy => Reason::NoPolicy,
        }
    }
}

impl fmt::Display for Reason<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NotCors => f.write_str("no Origin header: not a CORS request"),
            Reason::AnyOrigin => f.write_str("the policy allows any origin (\"*\")"),
            Reason::OriginAllowed { index, pattern } => {
                write!(f, "origin allowed by origins[{index}] \"{pattern}\"")
            }
            Reason::OriginMalformed => f.write_str(
                "origin malformed: not a serialized origin as a browser sends it",
            ),
            Reason::OriginMultiple => f.write_str("more than one Origin header line"),
            Reason::OriginNotAllowed => f.write_str("origin not allowed by any pattern"),
            Reason::MethodMalformed => f.write_str(
                "Access-Control-Request-Method is empty, repeated or not a method token",
            ),
            Reason::MethodForbidden => {
                f.write_str("method forbidden: CONNECT, TRACE and TRACK are never allowed")
            }
            Reason::MethodNotAllowed { method } => match capped(method) {
                Some(shown) => write!(
                    f,
                    "method \"{shown}…\" ({} bytes) not allowed (methods are case-sensitive)",
                    method.len()
                ),
                None => write!(f, "method \"{method}\" not allowed (methods are case-sensitive)"),
            },
            Reason::HeadersMalformed => {
                f.write_str("Access-Control-Request-Headers is not a list of header names")
            }
            Reason::HeadersTooLarge => f.write_str(
                "Access-Control-Request-Headers exceeds the bounds (bytes, lines or empty elements)",
            ),
            Reason::HeaderNotAllowed { name } => {
                write!(f, "request header \"{name}\" not allowed")
            }
            Reason::PrivateNetworkNotAllowed => {
                f.write_str("private network access requested but not enabled")
            }
            Reason::CrossOriginRequestRefused => f.write_str(
                "cross-origin protection: an unsafe request (or WebSocket handshake) from an origin the policy does not trust",
            ),
            Reason::NoPolicy => {
                f.write_str("no route of the policy set matches the host and path: passed through")
            }
        }
    }
}

/// The most bytes of a requested method that a reason's text ([`Reason`]'s `Display`,
/// hence `Decision::to_json` and every binding's reason string) echoes: a longer method
/// is cut there and followed by `…` and its length. The method itself
/// ([`Reason::detail`]) is not cut: it borrows the request's bytes.
pub const MAX_REASON_METHOD_LEN: usize = 64;

/// The first [`MAX_REASON_METHOD_LEN`] bytes of `text` (at a character boundary) when
/// it is longer; `None` when it fits.
fn capped(text: &str) -> Option<&str> {
    if text.len() <= MAX_REASON_METHOD_LEN {
        return None;
    }
    let mut end = MAX_REASON_METHOD_LEN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end)
}

/// One response header: a canonical name and a value borrowed from the policy or the
/// request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// Canonical name, e.g. `Access-Control-Allow-Origin`.
    pub name: &'static str,
    /// The value; always visible ASCII.
    pub value: &'a str,
}

/// Header names, in the order decisions emit them.
pub mod names {
    /// `Access-Control-Allow-Origin`
    pub const ACAO: &str = "Access-Control-Allow-Origin";
    /// `Access-Control-Allow-Credentials`
    pub const ACAC: &str = "Access-Control-Allow-Credentials";
    /// `Access-Control-Allow-Methods`
    pub const ACAM: &str = "Access-Control-Allow-Methods";
    /// `Access-Control-Allow-Headers`
    pub const ACAH: &str = "Access-Control-Allow-Headers";
    /// `Access-Control-Max-Age`
    pub const ACMA: &str = "Access-Control-Max-Age";
    /// `Access-Control-Allow-Private-Network`
    pub const ACAPN: &str = "Access-Control-Allow-Private-Network";
    /// `Access-Control-Expose-Headers`
    pub const ACEH: &str = "Access-Control-Expose-Headers";
    /// `Vary`
    pub const VARY: &str = "Vary";
    /// `Corsgate-Debug-Reason`: a denied preflight's reason code, only under a policy's
    /// `debug` (never in production).
    pub const DEBUG_REASON: &str = "Corsgate-Debug-Reason";

    /// The request header names `Policy::evaluate` reads (matched ASCII
    /// case-insensitively); every other line can be left out of a request without
    /// changing its decision. The last three (`Host`, `Sec-Fetch-Site`, `Upgrade`) are
    /// read only by a policy with `cross_origin_protection`.
    pub const REQUEST_HEADERS: [&str; 7] = [
        "Origin",
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
        "Access-Control-Request-Private-Network",
        "Host",
        "Sec-Fetch-Site",
        "Upgrade",
    ];
}

/// The most `Access-Control-Request-Headers` lines a preflight may carry; more is a deny.
pub const MAX_ACRH_LINES: usize = 8;

/// The most header lines a decision can produce: ACAO, ACAC, ACAM, one ACAH per request
/// line, ACMA, ACAPN, ACEH and Vary. (`Corsgate-Debug-Reason` comes only with a denied
/// preflight, which carries `Vary` alone besides it.)
pub const MAX_HEADERS: usize = 7 + MAX_ACRH_LINES;

/// The answer to one request.
///
/// Cheap to copy around (a few words); [`Decision::headers`] yields the response
/// headers lazily, in a fixed order.
#[derive(Clone, Copy, Debug)]
#[must_use = "a decision only takes effect when its status and headers are applied"]
pub struct Decision<'a> {
    pub(crate) kind: Kind,
    pub(crate) allowed: bool,
    pub(crate) status: Option<u16>,
    pub(crate) reason: Reason<'a>,
    pub(crate) acao: Option<&'a str>,
    pub(crate) acac: bool,
    pub(crate) acam: Option<&'a str>,
    /// The `Access-Control-Allow-Headers` lines, `acah[..acah_len]`; `None` (one
    /// store, not sixteen) unless a preflight echoes a line.
    pub(crate) acah: Option<[&'a str; MAX_ACRH_LINES]>,
    pub(crate) acah_len: u8,
    pub(crate) acma: Option<&'a str>,
    pub(crate) acapn: bool,
    pub(crate) aceh: Option<&'a str>,
    pub(crate) vary: Option<&'static str>,
    /// `Corsgate-Debug-Reason` (the reason code), under a policy's `debug` only.
    pub(crate) debug: Option<&'static str>,
    /// The request's origin, on an actual request only, in two cases told apart by
    /// `allowed`:
    /// - denied, with `reason` [`Reason::OriginNotAllowed`]: the origin may be malformed
    ///   instead ([`crate::matcher::OriginMatcher::find_unchecked_inexact`]).
    ///   [`Decision::reason`] tells the two apart when asked, by one parse; the response
    ///   headers do not depend on it.
    /// - allowed, with `acao` `None`: the `Access-Control-Allow-Origin` value is this
    ///   origin, which a wildcard, host or regex pattern admitted (so all ASCII), made
    ///   text when the headers are read ([`Decision::acao`]), not by `evaluate`.
    ///
    /// `None` otherwise.
    pub(crate) unchecked_origin: Option<&'a [u8]>,
}

impl<'a> Decision<'a> {
    pub(crate) fn new(kind: Kind, reason: Reason<'a>) -> Self {
        Decision {
            kind,
            allowed: false,
            status: None,
            reason,
            acao: None,
            acac: false,
            acam: None,
            acah: None,
            acah_len: 0,
            acma: None,
            acapn: false,
            aceh: None,
            vary: None,
            debug: None,
            unchecked_origin: None,
        }
    }

    /// How the request was classified.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Whether the browser will let the page read the response (always true for
    /// [`Kind::NotCors`]).
    pub fn allowed(&self) -> bool {
        self.allowed
    }

    /// The status to answer with when the caller answers the request itself: a
    /// preflight's (`preflight_status` or 403), or 403 for [`Kind::Refused`]; `None`
    /// for the kinds whose status is the application's.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Why.
    ///
    /// Cost: a load, except for an actual request whose origin no pattern admits: one
    /// parse of the origin, to tell [`Reason::OriginNotAllowed`] from
    /// [`Reason::OriginMalformed`] (`evaluate` leaves that to this call).
    #[inline]
    pub fn reason(&self) -> Reason<'a> {
        match self.unchecked_origin {
            Some(origin)
                if !self.allowed
                    && crate::matcher::OriginMatcher::unmatched_is_malformed(origin) =>
            {
                Reason::OriginMalformed
            }
            _ => self.reason,
        }
    }

    /// The `Access-Control-Allow-Origin` value, if any.
    ///
    /// Cost: a load, except for an actual request that a wildcard, host or regex
    /// pattern allowed: one `str::from_utf8` of the origin (`evaluate` leaves making
    /// its text to the reader of the headers).
    #[inline(always)]
    fn acao(&self) -> Option<&'a str> {
        match (self.acao, self.unchecked_origin) {
            (Some(v), _) => Some(v),
            // The origin passed the strict parse, which accepts ASCII only: this never
            // fails.
            (None, Some(origin)) if self.allowed => std::str::from_utf8(origin).ok(),
            _ => None,
        }
    }

    /// Whether the request is a CORS preflight (answered by the caller itself). A
    /// [`Kind::Refused`] decision is answered by the caller too: test
    /// [`Decision::calls_application`] to know whether to call the application.
    pub fn is_preflight(&self) -> bool {
        self.kind == Kind::Preflight
    }

    /// Whether the request goes on to the application (not CORS, actual); false when the
    /// caller answers it with [`Decision::status`] and [`Decision::headers`] alone
    /// (preflight, refused).
    pub fn calls_application(&self) -> bool {
        self.kind.calls_application()
    }

    /// The response headers to add, in a fixed order. Never allocates.
    pub fn headers(&self) -> Headers<'a> {
        Headers {
            d: *self,
            step: 0,
            acah_i: 0,
        }
    }

    /// Calls `f` with each response header, the lines and order of
    /// [`Decision::headers`]. For bindings that copy every line out (the Python and Node
    /// decisions): it reads the fields in place, where the iterator first copies the
    /// whole decision and then steps a state machine. Never allocates.
    ///
    /// Cost: [`Decision::for_each_header_bytes`]'s, plus one `str::from_utf8` of the
    /// origin when a wildcard, host or regex pattern allowed an actual request (its
    /// `Access-Control-Allow-Origin` value is the request's origin, made text here).
    #[inline(always)]
    pub fn for_each_header(&self, mut f: impl FnMut(Header<'a>)) {
        self.visit_headers(
            |v| v,
            // The origin passed the strict parse, which accepts ASCII only: this never
            // fails.
            |origin| std::str::from_utf8(origin).ok(),
            |name, value| f(Header { name, value }),
        );
    }

    /// Calls `f(name, value)` with each response header as bytes, the lines and order
    /// of [`Decision::headers`] (the same bytes: every value is visible ASCII). For
    /// callers that write the lines out as bytes (the C ABI, a server's header map):
    /// nothing is validated as UTF-8, so a wildcard hit's echoed origin costs no
    /// `str::from_utf8`. Reads the fields in place; never allocates.
    #[inline(always)]
    pub fn for_each_header_bytes(&self, f: impl FnMut(&'static str, &'a [u8])) {
        self.visit_headers(str::as_bytes, Some, f);
    }

    /// The walk behind [`Decision::for_each_header`] and
    /// [`Decision::for_each_header_bytes`]: each present field, in header order, its
    /// value made a `V` by `text` (values held as text) or `origin` (the echoed origin
    /// held as bytes, see `unchecked_origin`; `None` skips the line).
    #[inline(always)]
    fn visit_headers<V>(
        &self,
        text: impl Fn(&'a str) -> V,
        origin: impl FnOnce(&'a [u8]) -> Option<V>,
        mut put: impl FnMut(&'static str, V),
    ) {
        use names::*;
        match (self.acao, self.unchecked_origin) {
            (Some(v), _) => put(ACAO, text(v)),
            (None, Some(o)) if self.allowed => {
                if let Some(v) = origin(o) {
                    put(ACAO, v);
                }
            }
            _ => {}
        }
        if self.acac {
            put(ACAC, text("true"));
        }
        if let Some(v) = self.acam {
            put(ACAM, text(v));
        }
        if let Some(acah) = &self.acah {
            // A plain slice loop (`acah_len` is at most MAX_ACRH_LINES; `min` makes that
            // visible to the compiler): flattening the `Option` kept two more registers
            // live through every reader's walk.
            for &v in &acah[..usize::from(self.acah_len).min(MAX_ACRH_LINES)] {
                put(ACAH, text(v));
            }
        }
        if let Some(v) = self.acma {
            put(ACMA, text(v));
        }
        if self.acapn {
            put(ACAPN, text("true"));
        }
        if let Some(v) = self.aceh {
            put(ACEH, text(v));
        }
        if let Some(v) = self.vary {
            put(VARY, text(v));
        }
        if let Some(v) = self.debug {
            put(DEBUG_REASON, text(v));
        }
    }

    /// The value of the first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    }

    /// The decision as one JSON line, the format of `corsgate eval --jsonl` and of
    /// every binding's debug output:
    /// `{"kind":…,"allowed":…,"status":…,"headers":[[name,value],…],"reason":…}`.
    pub fn to_json(&self) -> String {
        let headers: Vec<serde_json::Value> = self
            .headers()
            .map(|h| serde_json::json!([h.name, h.value]))
            .collect();
        let v = serde_json::json!({
            "kind": self.kind.as_str(),
            "allowed": self.allowed,
            "status": self.status,
            "headers": headers,
            "reason": self.reason().to_string(),
            "reason_code": self.reason().code(),
        });
        v.to_string()
    }
}

/// Iterator over a decision's response headers. See [`Decision::headers`].
#[derive(Clone, Debug)]
pub struct Headers<'a> {
    d: Decision<'a>,
    step: u8,
    acah_i: u8,
}

impl<'a> Iterator for Headers<'a> {
    type Item = Header<'a>;

    fn next(&mut self) -> Option<Header<'a>> {
        use names::*;
        loop {
            let d = &self.d;
            let item = match self.step {
                0 => d.acao().map(|v| Header {
                    name: ACAO,
                    value: v,
                }),
                1 => d.acac.then_some(Header {
                    name: ACAC,
                    value: "true",
                }),
                2 => d.acam.map(|v| Header {
                    name: ACAM,
                    value: v,
                }),
                3 => {
                    let line = d.acah.as_ref().and_then(|a| {
                        a.get(..usize::from(d.acah_len))?
                            .get(usize::from(self.acah_i))
                    });
                    if let Some(&v) = line {
                        self.acah_i += 1;
                        return Some(Header {
                            name: ACAH,
                            value: v,
                        });
                    }
                    None
                }
                4 => d.acma.map(|v| Header {
                    name: ACMA,
                    value: v,
                }),
                5 => d.acapn.then_some(Header {
                    name: ACAPN,
                    value: "true",
                }),
                6 => d.aceh.map(|v| Header {
                    name: ACEH,
                    value: v,
                }),
                7 => d.vary.map(|v| Header {
                    name: VARY,
                    value: v,
                }),
                8 => d.debug.map(|v| Header {
                    name: DEBUG_REASON,
                    value: v,
                }),
                _ => return None,
            };
            self.step += 1;
            if item.is_some() {
                return item;
            }
        }
    }
}

impl fmt::Display for Decision<'_> {
    /// Human-readable: the verdict, the status, the headers and why.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = match (self.kind, self.allowed) {
            (Kind::NotCors, _) => "NOT CORS (passed through)",
            (Kind::Refused, _) => {
                "REFUSED (cross-origin protection; the application is not called)"
            }
            (_, true) => "ALLOWED",
            (_, false) => "DENIED",
        };
        write!(f, "{verdict} — {} request", self.kind)?;
        if let Some(s) = self.status {
            write!(f, ", answer with status {s}")?;
        }
        writeln!(f)?;
        writeln!(f, "why: {}", self.reason())?;
        let mut any = false;
        for h in self.headers() {
            if !any {
                writeln!(f, "response headers:")?;
                any = true;
            }
            writeln!(f, "  {}: {}", h.name, h.value)?;
        }
        if !any {
            writeln!(f, "response headers: none")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes_are_stable() {
        // The names and numbers every binding carries (the C ABI's corsgate_reason).
        let want = [
            "not_cors",
            "any_origin",
            "origin_allowed",
            "origin_malformed",
            "origin_multiple",
            "origin_not_allowed",
            "method_malformed",
            "method_forbidden",
            "method_not_allowed",
            "headers_malformed",
            "headers_too_large",
            "header_not_allowed",
            "private_network_not_allowed",
            "cross_origin_request_refused",
            "no_policy",
        ];
        let names: Vec<&str> = ReasonCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names, want);
        for (i, &c) in ReasonCode::ALL.iter().enumerate() {
            assert_eq!(c as u32, u32::try_from(i).unwrap());
            assert_eq!(ReasonCode::from_u32(c as u32), Some(c));
            assert_eq!(ReasonCode::from_name(c.as_str()), Some(c));
        }
        assert_eq!(ReasonCode::from_u32(15), None);
        assert_eq!(ReasonCode::from_name("nope"), None);
        let r = Reason::MethodNotAllowed { method: "PATCH" };
        assert_eq!(r.reason_code(), ReasonCode::MethodNotAllowed);
        assert_eq!(r.code(), "method_not_allowed");
    }

    #[test]
    fn reasons_round_trip_through_their_parts() {
        for &code in ReasonCode::ALL {
            let r = Reason::from_parts(code, 3, "x-a");
            assert_eq!(r.reason_code(), code);
            let back = Reason::from_parts(r.reason_code(), r.index().unwrap_or(0), r.detail());
            assert_eq!(back, r);
        }
        let r = Reason::from_parts(ReasonCode::OriginAllowed, 3, "https://a.com");
        assert_eq!((r.index(), r.detail()), (Some(3), "https://a.com"));
        assert_eq!(Reason::NotCors.detail(), "");
    }

    #[test]
    fn reason_text_echoes_a_bounded_method() {
        let long = "A".repeat(1 << 20);
        let text = Reason::MethodNotAllowed { method: &long }.to_string();
        assert!(
            text.len() < MAX_REASON_METHOD_LEN + 100,
            "{} bytes",
            text.len()
        );
        let shown = "A".repeat(MAX_REASON_METHOD_LEN);
        assert_eq!(
            text,
            format!("method \"{shown}…\" (1048576 bytes) not allowed (methods are case-sensitive)")
        );
        // At the cap, the method is echoed whole.
        let text = Reason::MethodNotAllowed { method: &shown }.to_string();
        assert_eq!(
            text,
            format!("method \"{shown}\" not allowed (methods are case-sensitive)")
        );
        // Cut at a character boundary (methods are tokens, but the type is any str).
        let wide = "é".repeat(100);
        let text = Reason::MethodNotAllowed { method: &wide }.to_string();
        assert!(text.starts_with(&format!("method \"{}…\"", "é".repeat(32))));
    }

    /// `for_each_header` yields exactly the lines of `headers()`, in order, for every
    /// combination of present fields and every number of ACAH lines.
    #[test]
    fn for_each_header_matches_the_iterator() {
        let acah = ["a", "b", "c", "d", "e", "f", "g", "h"];
        for bits in 0u32..(1 << 8) {
            for n in 0..=MAX_ACRH_LINES {
                let on = |i: u32| bits & (1 << i) != 0;
                let mut d = Decision::new(Kind::Preflight, Reason::NotCors);
                d.acao = on(0).then_some("https://a.com");
                d.acac = on(1);
                d.acam = on(2).then_some("PUT");
                d.acah = Some(acah);
                d.acah_len = u8::try_from(n).unwrap();
                d.acma = on(3).then_some("600");
                d.acapn = on(4);
                d.aceh = on(5).then_some("x-e");
                d.vary = on(6).then_some("Origin");
                d.debug = on(7).then_some("origin_not_allowed");
                let mut got = Vec::new();
                d.for_each_header(|h| got.push(h));
                assert_eq!(
                    got,
                    d.headers().collect::<Vec<_>>(),
                    "bits {bits:08b}, {n} acah"
                );
                let mut bytes = Vec::new();
                d.for_each_header_bytes(|name, value| bytes.push((name, value)));
                let want: Vec<_> = got.iter().map(|h| (h.name, h.value.as_bytes())).collect();
                assert_eq!(bytes, want, "bits {bits:08b}, {n} acah (bytes)");
            }
        }
    }

    /// The echoed origin (an allowed actual request whose value is not precomputed) is
    /// read as the request's bytes by `for_each_header_bytes` and as text by the other
    /// readers; a denied one is never a header.
    #[test]
    fn echoed_origin_reads_the_same_as_bytes_and_text() {
        for allowed in [true, false] {
            let mut d = Decision::new(Kind::Actual, Reason::OriginNotAllowed);
            d.allowed = allowed;
            d.unchecked_origin = Some(b"https://api.eu.partner9.org");
            d.vary = Some("Origin");
            let mut bytes = Vec::new();
            d.for_each_header_bytes(|name, value| bytes.push((name, value)));
            let mut text = Vec::new();
            d.for_each_header(|h| text.push((h.name, h.value.as_bytes())));
            assert_eq!(bytes, text);
            let iter: Vec<_> = d.headers().map(|h| (h.name, h.value.as_bytes())).collect();
            assert_eq!(bytes, iter);
            let want: &[(&str, &[u8])] = if allowed {
                &[
                    (names::ACAO, b"https://api.eu.partner9.org"),
                    (names::VARY, b"Origin"),
                ]
            } else {
                &[(names::VARY, b"Origin")]
            };
            assert_eq!(bytes, want);
        }
    }

    #[test]
    fn kinds_are_stable() {
        let got: Vec<(u32, &str)> = Kind::ALL.iter().map(|&k| (k as u32, k.as_str())).collect();
        assert_eq!(
            got,
            [
                (0, "not_cors"),
                (1, "preflight"),
                (2, "actual"),
                (3, "refused")
            ]
        );
        for (i, &k) in Kind::ALL.iter().enumerate() {
            assert_eq!(k as usize, i, "Kind::ALL is in discriminant order");
            assert_eq!(Kind::from_name(k.as_str()), Some(k));
            assert_eq!(
                k.calls_application(),
                matches!(k, Kind::NotCors | Kind::Actual)
            );
        }
        assert_eq!(Kind::from_name("nope"), None);
    }
}
