//! Configuration diagnostics: the one error vocabulary every binding carries.
//!
//! Errors are made here, once. The C, Python and Node bindings expose the same
//! [`Code`] strings and the same messages; they never rewrite them.

use std::fmt;

/// How serious a [`Diagnostic`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// The policy is rejected.
    Error,
    /// The policy compiles, but something was normalized or looks risky.
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, $sev:ident; )*) => {
        /// A stable, snake_case identifier for each kind of configuration problem.
        ///
        /// The string form ([`Code::as_str`]) is part of the public contract of every
        /// binding: new codes may be added, existing ones are never renamed.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable snake_case name of this code.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $text, )* }
            }

            /// Whether this code is an error or a warning.
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }

            /// Looks a code up by its snake_case name.
            pub fn from_name(name: &str) -> Option<Code> {
                match name { $( $text => Some(Code::$variant), )* _ => None }
            }
        }
    };
}

codes! {
    /// The policy text is not valid JSON, or not a JSON object.
    InvalidJson = "invalid_json", Error;
    /// A field has the wrong JSON type.
    InvalidType = "invalid_type", Error;
    /// A key that policy version 1 does not define (a typo must not weaken a policy).
    UnknownField = "unknown_field", Error;
    /// `origins` is absent.
    MissingOrigins = "missing_origins", Error;
    /// `origins` is an empty list.
    EmptyOrigins = "empty_origins", Error;
    /// An origin pattern that cannot be parsed as `scheme://host[:port]`.
    InvalidOrigin = "invalid_origin", Error;
    /// A scheme whose origins are opaque (`file:`, `data:` …) and serialize as `null`.
    InvalidScheme = "invalid_scheme", Error;
    /// An origin pattern with `user@` before the host.
    OriginHasUserinfo = "origin_has_userinfo", Error;
    /// An origin pattern with a path (origins have none).
    OriginHasPath = "origin_has_path", Error;
    /// An origin pattern with a `?query`.
    OriginHasQuery = "origin_has_query", Error;
    /// An origin pattern with a `#fragment`.
    OriginHasFragment = "origin_has_fragment", Error;
    /// A host that no browser would serialize (bad label, bad IP literal, too long).
    InvalidHost = "invalid_host", Error;
    /// A port, port list or port range that is malformed or out of 1..=65535.
    InvalidPort = "invalid_port", Error;
    /// A `*` that is not the whole leftmost label of the host.
    InvalidWildcard = "invalid_wildcard", Error;
    /// A `~` pattern that is not a valid regular expression.
    InvalidRegex = "invalid_regex", Error;
    /// The regexes together compile into an automaton above the size limit.
    RegexTooComplex = "regex_too_complex", Error;
    /// `null` without `dangerously_allow_null_origin`.
    NullOriginNotAllowed = "null_origin_not_allowed", Error;
    /// `*` together with `credentials: true`.
    AnyOriginWithCredentials = "any_origin_with_credentials", Error;
    /// A plain `http://` origin (not loopback) with credentials.
    InsecureOrigin = "insecure_origin", Error;
    /// A wildcard over a public suffix (`*.com`, `*.github.io`) with credentials.
    PublicSuffixWildcard = "public_suffix_wildcard", Error;
    /// A method that is not an HTTP token.
    InvalidMethod = "invalid_method", Error;
    /// CONNECT, TRACE or TRACK, which browsers never send.
    ForbiddenMethod = "forbidden_method", Error;
    /// A header name that is not an HTTP token.
    InvalidHeaderName = "invalid_header_name", Error;
    /// A forbidden request header (`Cookie`, `Host`, `Sec-*` …): scripts cannot set it.
    ForbiddenRequestHeader = "forbidden_request_header", Error;
    /// A forbidden response header name in `expose_headers` (`Set-Cookie`).
    ForbiddenExposeHeader = "forbidden_expose_header", Error;
    /// `expose_headers: ["*"]` together with credentials.
    AnyExposeWithCredentials = "any_expose_with_credentials", Error;
    /// `max_age` above 86400 seconds.
    MaxAgeTooLarge = "max_age_too_large", Error;
    /// `preflight_status` outside 200..=299 (browsers require an ok status).
    InvalidPreflightStatus = "invalid_preflight_status", Error;
    /// A policy set lacks a required key (`policies`, `routes`, a route's `host` or
    /// `policy`).
    MissingField = "missing_field", Error;
    /// A policy set's route names a policy that `policies` does not define.
    UnknownPolicy = "unknown_policy", Error;
    /// Two routes of a policy set have the same (normalized) host and `path_prefix`.
    DuplicateRoute = "duplicate_route", Error;
    /// A route's `path_prefix` that does not start with `/`.
    InvalidPathPrefix = "invalid_path_prefix", Error;
    /// An origin pattern was rewritten into the browser's serialization.
    NormalizedOrigin = "normalized_origin", Warning;
    /// A host ending in `.`: a distinct origin that matches only trailing-dot requests.
    TrailingDotHost = "trailing_dot_host", Warning;
    /// A host with an `xn--` label that is not valid punycode: browsers refuse the host.
    InvalidPunycode = "invalid_punycode", Warning;
    /// A method was rewritten as Fetch normalizes it (`get` → `GET`).
    NormalizedMethod = "normalized_method", Warning;
    /// `max_age` above 7200: Chromium caps preflights at 2 hours.
    MaxAgeClamped = "max_age_clamped", Warning;
    /// The same entry appears twice.
    DuplicateEntry = "duplicate_entry", Warning;
    /// An entry that has no effect (a safelisted method, `*` next to other origins …).
    RedundantEntry = "redundant_entry", Warning;
    /// A regex with a `.` that is not escaped: it matches any character.
    RegexUnescapedDot = "regex_unescaped_dot", Warning;
    /// A regex that can match across the host boundary (`.*`, `.+`, `[^/]*` …).
    RegexBroad = "regex_broad", Warning;
    /// A wildcard over a public suffix without credentials: anyone can register below it.
    PublicSuffixWildcardUncredentialed = "public_suffix_wildcard_uncredentialed", Warning;
    /// `cross_origin_protection` on a policy whose origins include `*`: every origin is
    /// trusted, so nothing is refused.
    ProtectionTrustsAnyOrigin = "protection_trusts_any_origin", Warning;
    /// `debug` is on: denied preflights tell any page why (`Corsgate-Debug-Reason`).
    DebugOn = "debug_on", Warning;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found in a policy: which entry, what kind, and why.
///
/// Made only by the core (its constructors are crate-private, and it is
/// `#[non_exhaustive]`), so that every binding shows the same codes and messages.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Diagnostic {
    /// The kind of problem (stable snake_case name via [`Code::as_str`]).
    pub code: Code,
    /// Where in a policy set the policy or route lies (`policies.acme`, `routes[3]`,
    /// `defaults`); `None` in a plain policy file. [`Diagnostic::path`] joins it with
    /// `field` and `index`.
    pub scope: Option<String>,
    /// The policy field it concerns (`"origins"`, `"methods"` …), or `None` for the
    /// document as a whole.
    pub field: Option<&'static str>,
    /// The position of the entry inside a list field.
    pub index: Option<usize>,
    /// The entry's text as written in the policy.
    pub value: Option<String>,
    /// A one-line explanation.
    pub message: String,
}

impl Diagnostic {
    /// Builds a diagnostic for a whole field (no list index).
    pub(crate) fn field(code: Code, field: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            scope: None,
            field: Some(field),
            index: None,
            value: None,
            message: message.into(),
        }
    }

    /// Builds a diagnostic for entry `index` of list field `field`.
    pub(crate) fn entry(
        code: Code,
        field: &'static str,
        index: usize,
        value: &str,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            scope: None,
            field: Some(field),
            index: Some(index),
            value: Some(value.to_owned()),
            message: message.into(),
        }
    }

    /// Builds a diagnostic about the document as a whole.
    pub(crate) fn document(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            scope: None,
            field: None,
            index: None,
            value: None,
            message: message.into(),
        }
    }

    /// Error or warning.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    /// The path of the entry: `origins[2]`, `max_age`, in a policy set
    /// `policies.acme.origins[1]` or `routes[3].host`; `""` for a whole plain policy.
    pub fn path(&self) -> String {
        let mut out = self.scope.clone().unwrap_or_default();
        if let Some(field) = self.field {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(field);
        }
        if let Some(i) = self.index {
            out.push_str(&format!("[{i}]"));
        }
        out
    }

    /// The same problem found inside `scope` of a policy set (`policies.acme`): the
    /// scope is put in front of any scope it already has.
    pub(crate) fn within(mut self, scope: &str) -> Self {
        self.scope = Some(match self.scope.take() {
            Some(inner) => format!("{scope}.{inner}"),
            None => scope.to_owned(),
        });
        self
    }

    /// Where the problem is, e.g. `origins[2] "https://*example.com"`, `max_age` or
    /// `policies.acme.origins[1] "https://acme.com/app"`.
    pub fn location(&self) -> String {
        let mut out = self.path();
        if let Some(v) = &self.value {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&serde_json::Value::String(v.clone()).to_string());
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    /// `origins[2] "https://*example.com": invalid_wildcard: …message…`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let loc = self.location();
        if loc.is_empty() {
            write!(f, "{}: {}", self.code, self.message)
        } else {
            write!(f, "{}: {}: {}", loc, self.code, self.message)
        }
    }
}

/// A rejected policy: every error found (never just the first), plus the warnings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// All errors, in document order. Never empty.
    pub errors: Vec<Diagnostic>,
    /// Warnings found along the way.
    pub warnings: Vec<Diagnostic>,
}

impl ConfigError {
    /// The code of the first error, a convenient summary for callers that want one.
    pub fn code(&self) -> Code {
        self.errors
            .first()
            .map(|d| d.code)
            .unwrap_or(Code::InvalidJson)
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        write!(
            f,
            "corsgate: invalid policy ({n} error{})",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.errors {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for &c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate code {c}");
            assert_eq!(Code::from_name(c.as_str()), Some(c));
            assert!(
                c.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_')
            );
        }
        assert_eq!(Code::from_name("nope"), None);
    }

    #[test]
    fn display_names_the_entry() {
        let d = Diagnostic::entry(Code::InvalidWildcard, "origins", 2, "https://*x.com", "bad");
        assert_eq!(
            d.to_string(),
            "origins[2] \"https://*x.com\": invalid_wildcard: bad"
        );
        let d = Diagnostic::field(Code::MaxAgeTooLarge, "max_age", "too big");
        assert_eq!(d.to_string(), "max_age: max_age_too_large: too big");
    }
}
