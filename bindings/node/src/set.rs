//! Policy sets in Node (DESIGN "Policy sets"): `new PolicySet(config)`,
//! `PolicySet.fromJson(text)`, `PolicySet.fromFile(path)`, `set.evaluate(method,
//! headers, path)`. A set is a class of its own, beside `Policy`: evaluating one needs
//! the request path, and its answer names the selected policy and route. Everything is
//! [`corsgate::PolicySet`]'s: the selection by the `Host` line (read from `headers`) and
//! `path`, the decision, the errors (each named by its path, all at once).
//!
//! Internal helpers for the middleware (not in the `.d.ts`, not re-exported by
//! `index.js`): `decideSetCompact(set, method, headers, path)` (the compact array of
//! `decideCompact`) and `isPolicySet(text)`; the raw `decide` of `fast.rs` also takes a
//! set.

use crate::input::Arena;
use crate::{
    Config, Decision, Diagnostic, config_error, io_error, read_config, read_request, type_err,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;

/// The answer to one request of a policy set: a `Decision` plus which policy and route
/// gave it (the JSON line of `corsgate eval --jsonl` for a set).
#[napi(object, use_nullable = true)]
pub struct SetDecision {
    /// How the request was classified.
    #[napi(ts_type = "'not_cors' | 'preflight' | 'actual' | 'refused'")]
    pub kind: String,
    /// Whether the browser will let the page read the response (true for `not_cors`).
    pub allowed: bool,
    /// The status to answer with when the decision answers the request itself; `null`
    /// for other kinds.
    pub status: Option<u32>,
    /// The response headers to add, in order, as `[name, value]` pairs.
    #[napi(ts_type = "Array<[string, string]>")]
    pub headers: Vec<Vec<String>>,
    /// Why, in words (the core's text).
    pub reason: String,
    /// Why, as a stable snake_case code; `no_policy` when no route was selected.
    pub reason_code: String,
    /// The text behind the reason (see `Decision`).
    pub reason_detail: String,
    /// The name of the selected policy; `null` when no route was selected (then the
    /// request is `not_cors`, allowed, with `Vary: Origin`).
    pub policy: Option<String>,
    /// The index in `routes` of the selected route; `null` when none was.
    pub route: Option<u32>,
}

impl From<corsgate::SetDecision<'_>> for SetDecision {
    fn from(d: corsgate::SetDecision<'_>) -> Self {
        let base = Decision::from(d.decision());
        SetDecision {
            kind: base.kind,
            allowed: base.allowed,
            status: base.status,
            headers: base.headers,
            reason: base.reason,
            reason_code: base.reason_code,
            reason_detail: base.reason_detail,
            policy: d.policy().map(str::to_owned),
            route: d.route().map(|r| u32::try_from(r).unwrap_or(u32::MAX)),
        }
    }
}

/// One route of a set, as written (`path_prefix` is `/` when the file has none).
#[napi(object)]
pub struct SetRoute {
    /// The route's host as written: exact (optionally `:port`), `*.example.com` or `*`.
    pub host: String,
    /// The path prefix the request path must start with (byte for byte).
    #[napi(js_name = "path_prefix")]
    pub path_prefix: String,
    /// The name of the route's policy.
    pub policy: String,
}

/// A compiled, immutable policy set: named policies, each request answered by the
/// policy of the route its `Host` line and path select. Compile once, evaluate many
/// times; to reload, compile a new one and swap the reference.
#[napi]
pub struct PolicySet {
    pub(crate) inner: corsgate::PolicySet,
}

/// Compiles a set from a configuration argument.
fn compile(env: &Env, config: Config) -> Result<PolicySet> {
    let compiled = match config {
        Config::Text(s) => corsgate::PolicySet::from_json(&s),
        Config::Bytes(b) => corsgate::PolicySet::from_json_bytes(&b),
        Config::Value(v) => corsgate::PolicySet::from_value(&v),
    };
    compiled
        .map(|inner| PolicySet { inner })
        .map_err(|e| config_error(env, &e))
}

/// A byte range of an [`Arena`].
type Span = (u32, u32);

/// Reads the optional `path` argument: a string, or `/` when absent.
fn read_path(env: &Env, arena: &mut Arena, path: Option<Unknown>) -> Result<Option<Span>> {
    let Some(p) = path else { return Ok(None) };
    if matches!(p.get_type()?, ValueType::Undefined) {
        return Ok(None);
    }
    // SAFETY: `p` is a live handle of the current call.
    unsafe { arena.push_required(env.raw(), p.value().value, "path") }
        .map(Some)
        .map_err(|e| type_err(env, &e.reason))
}

/// Reads a request and its path; returns the method's and the path's spans.
fn read_set_request(
    env: &Env,
    arena: &mut Arena,
    method: Unknown,
    headers: Option<Unknown>,
    path: Option<Unknown>,
) -> Result<(Span, Option<Span>)> {
    let m = read_request(env, arena, method, headers)?;
    let p = read_path(env, arena, path)?;
    Ok((m, p))
}

impl PolicySet {
    /// Decides a request read into `arena`.
    fn decide<'a>(
        &'a self,
        arena: &'a Arena,
        m: Span,
        p: Option<Span>,
    ) -> corsgate::SetDecision<'a> {
        let path = p.map_or(&b"/"[..], |p| arena.get(p));
        self.inner.evaluate(arena.get(m), path, arena.lines())
    }
}

#[napi]
impl PolicySet {
    /// Compiles a policy set from a set object (`defaults`, `policies`, `routes`), its
    /// JSON text, or a `Buffer` of JSON.
    ///
    /// Throws an `Error` with `code` (the first error's code) and `errors` / `warnings`
    /// arrays when the set is invalid, every error named by its `path`
    /// (`policies.acme.origins[1]`, `routes[2].host`); a `TypeError` for other types.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        env: Env,
        #[napi(ts_arg_type = "PolicySetConfig | string | Buffer")] config: Unknown,
    ) -> Result<Self> {
        let c = read_config(&env, config, "new PolicySet(config)", "policy set")?;
        compile(&env, c)
    }

    /// Compiles a policy set from JSON text.
    #[napi(factory, catch_unwind)]
    pub fn from_json(env: Env, text: String) -> Result<Self> {
        compile(&env, Config::Text(text))
    }

    /// Reads and compiles a policy set file. A file that cannot be read throws an
    /// `Error` with the system's code (`ENOENT`, …); an invalid set as `new PolicySet`.
    #[napi(factory, catch_unwind)]
    pub fn from_file(env: Env, path: String) -> Result<Self> {
        let bytes = std::fs::read(&path).map_err(|e| io_error(&env, &path, &e))?;
        compile(&env, Config::Bytes(bytes))
    }

    /// Decides one request: the route is selected by the request's `Host` line (in
    /// `headers`) and `path` (the request path without the query string; default
    /// `/`), then the route's policy decides exactly as `Policy.evaluate` does.
    #[napi(ts_return_type = "SetDecision", catch_unwind)]
    pub fn evaluate(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] method: Unknown,
        #[napi(ts_arg_type = "HeadersInput")] headers: Option<Unknown>,
        #[napi(ts_arg_type = "string")] path: Option<Unknown>,
    ) -> Result<SetDecision> {
        let mut arena = Arena::new();
        let (m, p) = read_set_request(&env, &mut arena, method, headers, path)?;
        Ok(SetDecision::from(self.decide(&arena, m, p)))
    }

    /// Decides one request and returns the decision as one JSON line, exactly the
    /// format of `corsgate eval --jsonl` for a set (with `policy` and `route`).
    #[napi(js_name = "evaluateJson", catch_unwind)]
    pub fn evaluate_json(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] method: Unknown,
        #[napi(ts_arg_type = "HeadersInput")] headers: Option<Unknown>,
        #[napi(ts_arg_type = "string")] path: Option<Unknown>,
    ) -> Result<String> {
        let mut arena = Arena::new();
        let (m, p) = read_set_request(&env, &mut arena, method, headers, path)?;
        Ok(self.decide(&arena, m, p).to_json())
    }

    /// Warnings of every policy, each named by its path (`policies.acme.…`).
    #[napi(getter, catch_unwind)]
    pub fn warnings(&self) -> Vec<Diagnostic> {
        self.inner.warnings().iter().map(Diagnostic::from).collect()
    }

    /// The policy names, in file order.
    #[napi(getter, catch_unwind)]
    pub fn policy_names(&self) -> Vec<String> {
        self.inner.policies().map(|(n, _)| n.to_owned()).collect()
    }

    /// The routes, in file order (a decision's `route` is an index in this list).
    #[napi(getter, catch_unwind)]
    pub fn routes(&self) -> Vec<SetRoute> {
        self.inner
            .routes()
            .iter()
            .map(|r| SetRoute {
                host: r.host.clone(),
                path_prefix: r.path_prefix.clone(),
                policy: r.policy.clone(),
            })
            .collect()
    }
}

/// The middleware's fallback form of a set's decision (internal): the compact array of
/// `decideCompact` (`[kind, allowed, status, name, value, …]`).
#[napi(js_name = "decideSetCompact", skip_typescript, catch_unwind)]
pub fn decide_set_compact<'e>(
    env: &'e Env,
    set: &PolicySet,
    method: Unknown,
    headers: Option<Unknown>,
    path: Option<Unknown>,
) -> Result<Array<'e>> {
    let mut arena = Arena::new();
    let (m, p) = read_set_request(env, &mut arena, method, headers, path)?;
    let d = set.decide(&arena, m, p);
    // SAFETY: `env` is the live env of this call.
    unsafe { crate::compact(env, &d.decision()) }
}

/// Whether JSON text (or a `Buffer` of it) is a policy set (a top-level `policies`
/// key) rather than a policy: the core's rule. Internal (`lib/shared.js`).
#[napi(js_name = "isPolicySet", skip_typescript, catch_unwind)]
pub fn is_policy_set(
    #[napi(ts_arg_type = "string | Buffer")] text: Either<String, Buffer>,
) -> bool {
    match text {
        Either::A(s) => corsgate::PolicySet::is_set_json(&s),
        Either::B(b) => std::str::from_utf8(&b).is_ok_and(corsgate::PolicySet::is_set_json),
    }
}
