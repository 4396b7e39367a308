//! The answer to one request: its kind, the verdict, the status, the response headers
//! and why.
//!
//! A [`Decision`] owns nothing: header values borrow from the policy (precomputed at
//! compile time) or from the request (the echoed origin, method and header names).

use std::fmt;

/// How the request was classified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// No `Origin` header: not a CORS request; pass it through.
    NotCors,
    /// `OPTIONS` with `Origin` and `Access-Control-Request-Method`: answer it, do not
    /// call the application.
    Preflight,
    /// Any other request with `Origin`: call the application and add the headers.
    Actual,
}

impl Kind {
    /// `"not_cors"`, `"preflight"` or `"actual"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NotCors => "not_cors",
            Kind::Preflight => "preflight",
            Kind::Actual => "actual",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a decision came out as it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
}

impl Reason<'_> {
    /// A stable snake_case name for the reason.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::NotCors => "not_cors",
            Reason::AnyOrigin => "any_origin",
            Reason::OriginAllowed { .. } => "origin_allowed",
            Reason::OriginMalformed => "origin_malformed",
            Reason::OriginMultiple => "origin_multiple",
            Reason::OriginNotAllowed => "origin_not_allowed",
            Reason::MethodMalformed => "method_malformed",
            Reason::MethodForbidden => "method_forbidden",
            Reason::MethodNotAllowed { .. } => "method_not_allowed",
            Reason::HeadersMalformed => "headers_malformed",
            Reason::HeadersTooLarge => "headers_too_large",
            Reason::HeaderNotAllowed { .. } => "header_not_allowed",
            Reason::PrivateNetworkNotAllowed => "private_network_not_allowed",
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
            Reason::MethodNotAllowed { method } => {
                write!(f, "method \"{method}\" not allowed (methods are case-sensitive)")
            }
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
        }
    }
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

    /// The request header names `Policy::evaluate` reads (matched ASCII
    /// case-insensitively); every other line can be left out of a request without
    /// changing its decision.
    pub const REQUEST_HEADERS: [&str; 4] = [
        "Origin",
        "Access-Control-Request-Method",
        "Access-Control-Request-Headers",
        "Access-Control-Request-Private-Network",
    ];
}

/// The most `Access-Control-Request-Headers` lines a preflight may carry; more is a deny.
pub const MAX_ACRH_LINES: usize = 8;

/// The most header lines a decision can produce: ACAO, ACAC, ACAM, one ACAH per request
/// line, ACMA, ACAPN, ACEH and Vary.
pub const MAX_HEADERS: usize = 7 + MAX_ACRH_LINES;

/// The answer to one request.
///
/// Cheap to copy around (a few words); [`Decision::headers`] yields the response
/// headers lazily, in a fixed order.
#[derive(Clone, Copy, Debug)]
pub struct Decision<'a> {
    pub(crate) kind: Kind,
    pub(crate) allowed: bool,
    pub(crate) status: Option<u16>,
    pub(crate) reason: Reason<'a>,
    pub(crate) acao: Option<&'a str>,
    pub(crate) acac: bool,
    pub(crate) acam: Option<&'a str>,
    pub(crate) acah: [&'a str; MAX_ACRH_LINES],
    pub(crate) acah_len: u8,
    pub(crate) acma: Option<&'a str>,
    pub(crate) acapn: bool,
    pub(crate) aceh: Option<&'a str>,
    pub(crate) vary: Option<&'static str>,
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
            acah: [""; MAX_ACRH_LINES],
            acah_len: 0,
            acma: None,
            acapn: false,
            aceh: None,
            vary: None,
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

    /// The status to answer a preflight with (`preflight_status` or 403); `None` for
    /// other kinds, whose status is the application's.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// Why.
    pub fn reason(&self) -> Reason<'a> {
        self.reason
    }

    /// Whether the caller must answer the request itself (a preflight) instead of
    /// passing it to the application.
    pub fn is_preflight(&self) -> bool {
        self.kind == Kind::Preflight
    }

    /// The response headers to add, in a fixed order. Never allocates.
    pub fn headers(&self) -> Headers<'a> {
        Headers {
            d: *self,
            step: 0,
            acah_i: 0,
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
            "reason": self.reason.to_string(),
            "reason_code": self.reason.code(),
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
                0 => d.acao.map(|v| Header {
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
                    if self.acah_i < d.acah_len {
                        let v = d.acah[usize::from(self.acah_i)];
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
            (_, true) => "ALLOWED",
            (_, false) => "DENIED",
        };
        write!(f, "{verdict} — {} request", self.kind)?;
        if let Some(s) = self.status {
            write!(f, ", answer with status {s}")?;
        }
        writeln!(f)?;
        writeln!(f, "why: {}", self.reason)?;
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
