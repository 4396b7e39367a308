//! Policy sets: many named policies in one file, each request answered by the policy of
//! the route its `Host` line and path select (DESIGN "Policy sets").
//!
//! - `file`: the document (`defaults`, `policies`, `routes`), merging and validation,
//!   every error named by its path;
//! - `host`: route hosts and request `Host` lines reduced to one key;
//! - `select`: the exact-host table, the wildcard-suffix table, `*`, longest prefix.
//!
//! A set wraps [`Policy`]: selecting adds a hash probe and a prefix comparison to the
//! chosen policy's own evaluation, which is unchanged.

mod file;
mod host;
mod select;
mod text;
mod typed;

pub use file::{MAX_ROUTES, Route, SET_FIELDS, is_set_document};

use crate::config::Config;
use crate::decision::{Decision, Kind, Reason};
use crate::diag::{ConfigError, Diagnostic};
use crate::fetch::VARY_ORIGIN;
use crate::policy::Policy;
use crate::request::{HostLines, ProtectionLines, RequestHeaders};
use select::Selector;
use std::fmt;
use std::sync::Arc;

/// A compiled policy set. `Send + Sync`: share one across threads.
///
/// ```
/// let set = corsgate::PolicySet::from_json(r#"{
///   "defaults": {"methods": ["PUT"]},
///   "policies": {"acme": {"origins": ["https://*.acme.com"], "credentials": true},
///                "public": {"origins": ["*"]}},
///   "routes": [{"host": "api.acme.com", "policy": "acme"},
///              {"host": "*", "policy": "public"}]
/// }"#).unwrap();
/// let d = set.evaluate(b"GET", b"/users", [
///     (&b"Host"[..], &b"API.acme.com"[..]),
///     (b"Origin", b"https://app.acme.com"),
/// ]);
/// assert!(d.allowed());
/// assert_eq!((d.policy(), d.route()), (Some("acme"), Some(0)));
/// assert_eq!(d.header("Access-Control-Allow-Credentials"), Some("true"));
/// ```
///
/// `repr(C)` with the selector first: its address is the set's, which selecting
/// then does not compute (61 -> 58 per request, set-probe; the register it took was
/// missed by the caller's scan).
#[derive(Clone, Debug)]
#[repr(C)]
pub struct PolicySet {
    selector: Selector,
    names: Vec<Box<str>>,
    compiled_of: Vec<u32>,
    /// The compiled policies, shared with the selector's routes.
    policies: Vec<Arc<Policy>>,
    routes: Vec<Route>,
    warnings: Vec<Diagnostic>,
    /// Some policy has cross-origin protection: requests are scanned for
    /// `Sec-Fetch-Site` and `Upgrade` too, not only `Host`.
    protection: bool,
}

/// A decision of a [`PolicySet`]: the selected policy's [`Decision`] (which it
/// dereferences to) and which policy and route gave it.
#[derive(Clone, Copy, Debug)]
#[must_use = "a decision only takes effect when its status and headers are applied"]
pub struct SetDecision<'a> {
    decision: Decision<'a>,
    /// The set when a route was selected, `None` when none was. The policy's name is
    /// looked up only when asked for.
    set: Option<&'a PolicySet>,
    /// The selected route's index; 0 when none was. A field of its own, always written
    /// (not the payload of an `Option`, left undefined when `None`): a reader that
    /// copies the pair out, such as the C ABI's `corsgate_selection`, then never reads
    /// bytes nobody wrote (valgrind flagged such a read, masked but real, in the C build).
    route: u32,
}

impl<'a> SetDecision<'a> {
    /// The decision when no route is selected: not CORS, allowed, `Vary: Origin`,
    /// reason `no_policy` (applying it still removes the application's
    /// `Access-Control-*` headers).
    fn unrouted() -> SetDecision<'a> {
        let mut d = Decision::new(Kind::NotCors, Reason::NoPolicy);
        d.allowed = true;
        d.vary = Some(VARY_ORIGIN);
        SetDecision {
            decision: d,
            set: None,
            route: 0,
        }
    }

    /// The decision itself.
    pub fn decision(&self) -> Decision<'a> {
        self.decision
    }

    /// The name of the selected policy; `None` when no route was selected.
    pub fn policy(&self) -> Option<&'a str> {
        let set = self.set?;
        set.routes
            .get(self.route as usize)
            .map(|r| r.policy.as_str())
    }

    /// The index in `routes` of the selected route; `None` when none was.
    pub fn route(&self) -> Option<usize> {
        self.set.map(|_| self.route as usize)
    }

    /// [`Decision::to_json`] plus `"policy"` and `"route"` (the format of
    /// `corsgate eval --jsonl` for a set).
    pub fn to_json(&self) -> String {
        let mut v: serde_json::Value =
            serde_json::from_str(&self.decision.to_json()).unwrap_or_default();
        if let Some(m) = v.as_object_mut() {
            m.insert("policy".into(), self.policy().into());
            m.insert("route".into(), self.route().into());
        }
        v.to_string()
    }
}

impl<'a> std::ops::Deref for SetDecision<'a> {
    type Target = Decision<'a>;
    fn deref(&self) -> &Decision<'a> {
        &self.decision
    }
}

impl fmt::Display for SetDecision<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.policy(), self.route()) {
            (Some(p), Some(r)) => writeln!(f, "policy: {p} (routes[{r}])")?,
            _ => writeln!(f, "policy: none (no route matches)")?,
        }
        self.decision.fmt(f)
    }
}

impl PolicySet {
    /// Reads, validates and compiles a policy set document.
    ///
    /// # Errors
    /// A [`ConfigError`] with every problem found, each scoped by its path
    /// ([`Diagnostic::path`]: `policies.acme.origins[1]`, `routes[2].host`).
    pub fn from_json(text: &str) -> Result<PolicySet, ConfigError> {
        // A valid file is compiled straight from its text; any other is read again
        // through a `Value`, which names every problem.
        if let Some(parts) = typed::read(text) {
            return Ok(PolicySet::from_parts(parts));
        }
        PolicySet::from_document(Config::parse_document(text)?)
    }

    /// As [`PolicySet::from_json`], from bytes that must be UTF-8.
    ///
    /// # Errors
    /// As [`PolicySet::from_json`].
    pub fn from_json_bytes(bytes: &[u8]) -> Result<PolicySet, ConfigError> {
        PolicySet::from_json(Config::decode_document(bytes)?)
    }

    /// As [`PolicySet::from_json`], from a parsed document.
    ///
    /// # Errors
    /// As [`PolicySet::from_json`].
    pub fn from_value(value: &serde_json::Value) -> Result<PolicySet, ConfigError> {
        PolicySet::from_document(value.clone())
    }

    /// Compiles a parsed document it owns (dropping each policy's part once compiled).
    fn from_document(value: serde_json::Value) -> Result<PolicySet, ConfigError> {
        file::read(value).map(PolicySet::from_parts)
    }

    /// The set of compiled parts.
    fn from_parts(p: file::Parts) -> PolicySet {
        let protection = p
            .policies
            .iter()
            .any(|p| p.config().cross_origin_protection);
        PolicySet {
            protection,
            names: p.names,
            compiled_of: p.compiled_of,
            policies: p.policies,
            routes: p.routes,
            selector: p.selector,
            warnings: p.warnings,
        }
    }

    /// Whether JSON text is a policy set (an object with a top-level `policies` key)
    /// rather than a policy. Text that is not JSON is neither: `false`.
    pub fn is_set_json(text: &str) -> bool {
        serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| is_set_document(&v))
    }

    /// Decides one request: selects the route by the request's `Host` line and `path`,
    /// then evaluates the route's policy exactly as [`Policy::evaluate`] does.
    ///
    /// `headers` as for [`Policy::evaluate`]; the `Host` line is read in the same pass.
    /// A missing, repeated or malformed `Host` selects only `*` routes. No route
    /// selected gives [`Kind::NotCors`], allowed, `Vary: Origin`, reason `no_policy`.
    ///
    /// Cost: the policy's own evaluation plus one table lookup (one per label suffix
    /// when only a wildcard matches) and one prefix comparison per route of the host:
    /// about 58 instructions for a browser's `Host` with an exact route at 100,000
    /// routes, the same for every host (`benches/`, `set.selected_100k` −
    /// `set.direct_100k`). Never allocates.
    #[inline]
    pub fn evaluate<'a, I>(&'a self, method: &'a [u8], path: &[u8], headers: I) -> SetDecision<'a>
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        if self.protection {
            return self.evaluate_protected(method, path, headers);
        }
        let mut req = RequestHeaders::new();
        let mut host = HostLines::new();
        req.scan(headers, &mut host);
        self.decide_selected(method, path, Some(host.single_host()), &req, &NO_LINES)
    }

    /// [`PolicySet::evaluate`] for a set some of whose policies have cross-origin
    /// protection: the scan reads `Sec-Fetch-Site` and `Upgrade` too. Out of line, so
    /// that the common scan for `Host` alone keeps its lines in registers.
    #[inline(never)]
    fn evaluate_protected<'a, I>(
        &'a self,
        method: &'a [u8],
        path: &[u8],
        headers: I,
    ) -> SetDecision<'a>
    where
        I: IntoIterator<Item = (&'a [u8], &'a [u8])>,
    {
        let mut req = RequestHeaders::new();
        let mut lines = ProtectionLines::new();
        req.scan(headers, &mut lines);
        self.decide_selected(method, path, lines.single_host(), &req, &lines)
    }

    /// Selects the route of a scanned request and decides it with the route's policy:
    /// `lines` are read only by a policy with cross-origin protection.
    #[inline(always)]
    fn decide_selected<'a>(
        &'a self,
        method: &'a [u8],
        path: &[u8],
        host: Option<&'a [u8]>,
        req: &RequestHeaders<'a>,
        lines: &ProtectionLines<'a>,
    ) -> SetDecision<'a> {
        self.selector.select_with(
            host,
            path,
            |selected| SetDecision {
                decision: decide(selected.policy, method, req, lines),
                set: Some(self),
                route: selected.route,
            },
            SetDecision::unrouted,
        )
    }

    /// [`PolicySet::evaluate`] for string slices.
    pub fn evaluate_str<'a>(
        &'a self,
        method: &'a str,
        path: &str,
        headers: &[(&'a str, &'a str)],
    ) -> SetDecision<'a> {
        self.evaluate(
            method.as_bytes(),
            path.as_bytes(),
            headers.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())),
        )
    }

    /// The route a request selects, as `(policy name, policy, route index)`: `host` is
    /// the value of the request's one `Host` line (`None` when it has none or several).
    /// For callers that read the host themselves (nginx's `Host` line).
    #[inline]
    pub fn select(&self, host: Option<&[u8]>, path: &[u8]) -> Option<(&str, &Policy, usize)> {
        self.selected(host, path)
    }

    #[inline]
    fn selected(&self, host: Option<&[u8]>, path: &[u8]) -> Option<(&str, &Policy, usize)> {
        let selected = self.selector.select(host, path)?;
        let route = selected.route as usize;
        let name = &self.routes.get(route)?.policy;
        Some((name, selected.policy, route))
    }

    /// The policy named `name`.
    pub fn policy(&self, name: &str) -> Option<&Policy> {
        let i = self.names.iter().position(|n| &**n == name)?;
        self.policies
            .get(*self.compiled_of.get(i)? as usize)
            .map(|p| &**p)
    }

    /// Every policy as `(name, policy)`, in file order (policies equal after merging
    /// are the same compiled [`Policy`]).
    pub fn policies(&self) -> impl Iterator<Item = (&str, &Policy)> {
        self.names
            .iter()
            .zip(&self.compiled_of)
            .filter_map(|(n, &c)| Some((&**n, &**self.policies.get(c as usize)?)))
    }

    /// How many distinct policies were compiled (policies equal after merging count
    /// once).
    pub fn compiled_len(&self) -> usize {
        self.policies.len()
    }

    /// The routes, in file order.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// Warnings of every policy, each scoped by its policy (`policies.acme`).
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Approximate heap bytes of the route tables (the policies not included).
    #[doc(hidden)]
    pub fn selector_heap_bytes(&self) -> usize {
        self.selector.heap_bytes()
    }
}

/// The protection lines of a set none of whose policies has cross-origin protection:
/// never read ([`Policy::decide_scanned`] reads them only under protection), so the
/// scan's own `Host` lines need not be kept in memory for the decision.
static NO_LINES: ProtectionLines<'static> = ProtectionLines::new();

/// [`Policy::decide_scanned`], not inlined: its result is then written straight into
/// the caller's [`SetDecision`] (inlined, its two branches met in a temporary that was
/// copied, 256 bytes, at every request).
#[inline(never)]
fn decide<'a>(
    policy: &'a Policy,
    method: &'a [u8],
    req: &RequestHeaders<'a>,
    lines: &ProtectionLines<'a>,
) -> Decision<'a> {
    policy.decide_scanned(method, req, lines)
}

/// Test hooks for `fuzz/` (cargo feature `internals`, no stability promise): each read
/// path alone, so that the `set_paths` target can compare them on the same text.
#[cfg(feature = "internals")]
impl PolicySet {
    /// The typed path alone ([`typed::read`]); `None` when it does not read the file.
    #[doc(hidden)]
    pub fn from_json_typed_path(text: &str) -> Option<PolicySet> {
        typed::read(text).map(PolicySet::from_parts)
    }

    /// The `Value` path alone (what [`PolicySet::from_json`] falls back to).
    ///
    /// # Errors
    /// As [`PolicySet::from_json`].
    #[doc(hidden)]
    pub fn from_json_value_path(text: &str) -> Result<PolicySet, ConfigError> {
        PolicySet::from_document(Config::parse_document(text)?)
    }

    /// For each compiled policy, the index of the first compiled policy sharing its
    /// methods, headers and settings (one `Arc`).
    #[doc(hidden)]
    pub fn rules_sharing(&self) -> Vec<usize> {
        let rules = |p: &Policy| std::sync::Arc::as_ptr(p.rules());
        self.policies
            .iter()
            .map(|p| {
                self.policies
                    .iter()
                    .position(|q| rules(q) == rules(p))
                    .unwrap_or(usize::MAX)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
