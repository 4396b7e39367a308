//! # corsgate
//!
//! A CORS policy engine. A policy — exact origins, wildcard subdomains, port sets and
//! anchored regexes, plus methods, headers and credentials — is validated once and
//! compiled into matchers; each request is then answered with the exact response
//! headers, without allocating and without panicking on hostile input.
//!
//! ## Contents
//! - [`Config`]: the policy file (JSON v1) and a builder.
//! - [`Policy`]: the compiled policy; [`Policy::evaluate`] and [`Policy::is_origin_allowed`].
//! - [`PolicySet`]: many named policies in one file, selected per request by `Host` and
//!   path ([`set`]); its [`SetDecision`] names the policy and route.
//! - [`Decision`]: kind, verdict, status, headers ([`Decision::headers`]) and [`Reason`].
//! - [`ConfigError`] / [`Diagnostic`] / [`Code`]: every problem, each naming its entry.
//! - [`response`]: the response rule — a decision applied to the application's response
//!   headers ([`Decision::apply_to`], [`response::merge`]), and the header names the
//!   policy owns ([`response::is_owned`]).
//!
//! ## Should I use this?
//! If you answer CORS for an API behind a gateway and want the same decisions in Rust,
//! C/nginx, Python and Node from one policy file: yes. If you need per-request dynamic
//! origin logic (a database lookup per origin), compile a new [`Policy`] when the data
//! changes and swap it; evaluation itself is pure.
//!
//! ## Example
//! ```
//! use corsgate::{Kind, Policy};
//!
//! let policy = Policy::from_json(r#"{
//!     "origins": ["https://example.com", "https://*.example.com", "http://localhost:*"],
//!     "credentials": true,
//!     "methods": ["PUT", "DELETE"],
//!     "request_headers": ["authorization", "content-type"]
//! }"#).expect("valid policy");
//!
//! let d = policy.evaluate(b"GET", [(&b"Origin"[..], &b"https://app.example.com"[..])]);
//! assert_eq!(d.kind(), Kind::Actual);
//! assert!(d.allowed());
//! assert_eq!(d.header("Access-Control-Allow-Credentials"), Some("true"));
//!
//! // Label boundaries hold: a suffix is not a subdomain.
//! assert!(!policy.is_origin_allowed(b"https://evilexample.com"));
//! ```
//!
//! ## Origin patterns
//! | pattern | matches |
//! |---|---|
//! | `https://example.com` | that origin, byte for byte (config input is normalized) |
//! | `https://*.example.com` | one or more labels below `example.com`, never the apex |
//! | `http://localhost:*` | any port, and none |
//! | `https://a.example.com:[8443,9443]`, `http://127.0.0.1:[3000-3999]` | listed ports / ranges |
//! | `~^https://pr-[0-9]+\.preview\.example\.com$` | full match over the serialized origin |
//! | `*` | any origin, answered with a static `*` (not with credentials) |
//! | `null` | the opaque origin (needs `dangerously_allow_null_origin`) |
//!
//! ## Where each rule lives
//! One hop from here to the code of any rule (files under `core/src/`):
//!
//! | rule | file |
//! |---|---|
//! | the policy document: fields, JSON shape, unknown keys, the builder | `config.rs` ([`Config`]) |
//! | origin pattern syntax, normalization to the browser's serialization, regex warnings | `pattern.rs` |
//! | per-field validation, security checks (`*` + credentials, `http://`, public suffixes, `null`), duplicates | `compile.rs` |
//! | Fetch's tables: safelisted / forbidden methods and headers, `Vary` values | `fetch.rs` |
//! | matching an origin: exact table, host ports, wildcard subdomains, the regex DFA and its limits | `matcher.rs` |
//! | reading a request: the CORS header lines (and `Host`, `Sec-Fetch-Site`, `Upgrade` under protection), `Access-Control-Request-Headers` tokens, case folding, bounds | `request.rs` |
//! | deciding: not-CORS / actual / preflight / refused, method and header checks, response header values | `policy.rs` ([`Policy`]) |
//! | cross-origin protection (`cross_origin_protection`): safe methods, `Sec-Fetch-Site`, `Host` vs `Origin` | `protection.rs` |
//! | the answer: kinds, reasons and their codes, the header order | `decision.rs` ([`Decision`], [`Reason`]) |
//! | error and warning codes and messages | `diag.rs` ([`Code`]) |
//! | byte-level syntax: tokens, ports, hosts, serialized origins | `syntax.rs` |
//! | a decision applied to the application's response: owned headers dropped, `Vary` merged | `response.rs` ([`response`]) |
//! | origin languages as automata: products, emptiness, shortest witness origins | `lang.rs` |
//! | the credential rules for regexes (by intersection, with a witness) | `lang.rs`, called from `compile.rs` |
//! | what a regex names (registrable domains, hosts, ports) | `named.rs` |
//! | a regex's bypass classes (`evilexample.com`, scheme downgrade, any port, extra labels) | `bypass.rs` |
//! | policy sets: the file, `defaults`, route hosts, selection by `Host` and path | `set/` ([`PolicySet`]) |
//! | what a policy lets through (`corsgate audit`) and how two differ (`corsgate diff`) | `audit.rs`, `diff.rs` |
//! | the naive reference evaluator and the one fast-vs-reference comparison | `reference/` ([`reference::compare`]) |
//!
//! Layers, lowest first: `syntax`, `fetch`, `diag` → `pattern`, `decision`, `config` →
//! `matcher`, `request`, `named` → `protection`, `lang` → `compile` → `policy` → `response`, `bypass`,
//! `audit`, `diff`. A module names only types of the layers below it.
//!
//! ## Limits
//! A policy holds at most [`MAX_ORIGINS`] entries in `origins` (more is a configuration
//! error, never a silently truncated index). Request origins longer than
//! [`MAX_ORIGIN_LEN`] bytes are denied unread.
//!
//! ## Stability
//! Public enums ([`Kind`], [`Reason`], [`ReasonCode`], [`Code`], [`Severity`] and the
//! pattern kinds) and [`Config`] are `#[non_exhaustive]`: match them with a `_` arm and
//! build a `Config` with [`Config::new`] and its builder methods. [`ReasonCode`] and
//! [`Code`] names and numbers never change. The byte-level parsers are not public API;
//! `fuzz/` and `benches/` reach them through the doc-hidden `internals` module of the
//! `internals` cargo feature, which carries no stability promise.
//!
//! ## Cost
//! Compiling is linear in the number of patterns (regexes: one DFA construction).
//! Evaluating reads each header line once, at most [`MAX_ORIGIN_LEN`] bytes of
//! `Origin` and [`MAX_ACRH_BYTES`] of `Access-Control-Request-Headers`; exact origins
//! cost one hash probe, wildcards one probe per label, regexes one DFA pass.

#![forbid(unsafe_code)]

pub mod audit;
pub mod bypass;
mod compile;
mod config;
mod decision;
mod diag;
pub mod diff;
mod fetch;
pub mod lang;
mod matcher;
pub mod named;
pub mod pattern;
mod policy;
mod protection;
#[doc(hidden)]
pub mod reference;
mod request;
pub mod response;
pub mod set;
mod syntax;

pub use compile::MAX_ORIGINS;
pub use config::{Config, DEFAULT_PREFLIGHT_STATUS, FIELDS};
pub use decision::{
    ActualAllowed, AsDecision, Decision, DecisionOut, Header, Headers, Kind, MAX_ACRH_LINES,
    MAX_HEADERS, MAX_REASON_METHOD_LEN, PreflightAllowed, Reason, ReasonCode, names,
};
pub use diag::{Code, ConfigError, Diagnostic, Severity};
pub use policy::Policy;
pub use request::{MAX_ACRH_BYTES, MAX_ACRH_EMPTY_ELEMENTS, MAX_UPGRADE_BYTES};
pub use set::{PolicySet, SetDecision};
pub use syntax::MAX_ORIGIN_LEN;

/// Internals for `fuzz/` and `benches/` (cargo feature `internals`): the byte-level
/// parsers and the single-pattern parser. Not part of the public API: no stability
/// promise, hidden from the docs.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals {
    /// Byte-level syntax: tokens, ports, hosts, serialized origins.
    pub mod syntax {
        pub use crate::syntax::*;
    }
    /// The parser of one `origins` entry.
    pub mod pattern {
        use crate::{Diagnostic, pattern::Pattern};

        /// Parses entry `index` of `origins`, pushing its errors and warnings to
        /// `diags`; `None` when the entry has an error.
        pub fn parse(index: usize, source: &str, diags: &mut Vec<Diagnostic>) -> Option<Pattern> {
            crate::pattern::parse(index, source, diags)
        }
    }
}

/// The version of this crate (`CARGO_PKG_VERSION`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(test)]
mod send_sync {
    fn assert_send_sync<T: Send + Sync>() {}
    #[test]
    fn policy_is_send_and_sync() {
        assert_send_sync::<crate::Policy>();
        assert_send_sync::<crate::PolicySet>();
    }
}
