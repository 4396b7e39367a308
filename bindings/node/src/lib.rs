//! # corsgate-node
//!
//! The napi-rs addon behind the npm package `corsgate`. It translates between
//! JavaScript values and [`corsgate`]; it decides nothing itself. Every verdict,
//! header, reason, error code and error message comes from the core crate unchanged.
//!
//! Public JS surface (`index.js` re-exports it; `index.d.ts` is generated from this file):
//! - `new Policy(config)` — a policy object, its JSON text, or a `Buffer` of it;
//!   `Policy.fromFile(path)`, `Policy.fromJson(text)`;
//! - `policy.evaluate(method, headers)` → a plain `Decision` object;
//! - `policy.isOriginAllowed(origin)`: a raw N-API callback installed on the prototype
//!   (`fast.rs`), typed in `types.d.ts`;
//! - `policy.warnings`, `policy.config`, `policy.evaluateJson(…)`;
//! - `version()`, `requestHeaderNames()`;
//! - config errors are thrown as an `Error` with `code` and `errors` / `warnings`
//!   arrays of `{ code, field, index, value, message }`.
//!
//! The middleware's helpers are functions of the addon's exports that the package's
//! public entry does not re-export and the `.d.ts` does not declare (`skip_typescript`):
//! `decide(policy, …)` (raw, `fast.rs`), `decideCompact(policy, …)`, `headerNames()`,
//! and `runCli(args)` (the package's `corsgate` bin, `cli.js`).
//! The middleware reaches them through `binding.js` (the generated loader), which the
//! package's `exports` map keeps private.
//!
//! No panic crosses into Node: every conversion returns a `napi::Result` (napi-rs
//! catches panics in its callbacks; the raw ones in `fast.rs` run in `catch_unwind`),
//! and the evaluator itself never panics.

#![deny(clippy::all)]

mod encode;
mod fast;
mod input;
mod registry;
pub mod set;

use input::Arena;
use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;
use std::ptr;

/// The version of the corsgate core this addon was built with.
#[napi(catch_unwind)]
pub fn version() -> &'static str {
    corsgate::VERSION
}

/// Runs the `corsgate` command line (`args` without the program name) and returns its
/// exit status: the package's `corsgate` bin (`cli.js`). Output goes to the process's
/// stdout and stderr directly; blocks the event loop until the command ends. Internal
/// (reached through `binding.js`, not declared in the `.d.ts`).
#[napi(skip_typescript, catch_unwind)]
pub fn run_cli(args: Vec<String>) -> u32 {
    u32::from(corsgate_cli::run(&args))
}

/// The policy file (JSON, version 1), as accepted by `new Policy(config)`.
///
/// Only `origins` is required; unknown keys are errors. Field names are the policy
/// file's own (snake_case), so one file serves every runtime.
#[napi(object)]
pub struct PolicyConfig {
    /// Origin patterns: exact, `https://*.example.com`, ports `:*` / `:[8080,8443]` /
    /// `:[3000-3999]`, `~regex` (full match), `*`, `null`.
    pub origins: Vec<String>,
    /// Send `Access-Control-Allow-Credentials: true`.
    pub credentials: Option<bool>,
    /// Methods allowed beyond GET, HEAD and POST; `"*"` allows any.
    pub methods: Option<Vec<String>>,
    /// Request header names allowed in preflights; `"*"` allows any but `authorization`.
    #[napi(js_name = "request_headers")]
    pub request_headers: Option<Vec<String>>,
    /// Response header names scripts may read.
    #[napi(js_name = "expose_headers")]
    pub expose_headers: Option<Vec<String>>,
    /// `Access-Control-Max-Age` in seconds (at most 86400); `null` omits it.
    #[napi(js_name = "max_age", ts_type = "number | null")]
    pub max_age: Option<u32>,
    /// Status of an allowed preflight (200..=299, default 204).
    #[napi(js_name = "preflight_status")]
    pub preflight_status: Option<u32>,
    /// Answer Private Network Access preflights.
    #[napi(js_name = "private_network")]
    pub private_network: Option<bool>,
    /// Refuse, with 403, unsafe requests and WebSocket handshakes that a browser sent
    /// from an origin the policy does not allow (cross-site request forgery, WebSocket
    /// hijacking); the middleware answers them and the application is not called.
    #[napi(js_name = "cross_origin_protection")]
    pub cross_origin_protection: Option<bool>,
    /// Allow the `null` origin pattern.
    #[napi(js_name = "dangerously_allow_null_origin")]
    pub dangerously_allow_null_origin: Option<bool>,
    /// Allow plain `http://` origins (not loopback) with credentials.
    #[napi(js_name = "dangerously_allow_insecure_origins")]
    pub dangerously_allow_insecure_origins: Option<bool>,
    /// Allow wildcards over public suffixes with credentials.
    #[napi(js_name = "dangerously_allow_public_suffix_wildcards")]
    pub dangerously_allow_public_suffix_wildcards: Option<bool>,
    /// Debug mode (never in production): a denied preflight carries its reason code in
    /// a `Corsgate-Debug-Reason` header.
    pub debug: Option<bool>,
}

/// One configuration problem, as reported by the core (`corsgate::Diagnostic`).
#[napi(object, use_nullable = true)]
pub struct Diagnostic {
    /// Stable snake_case code, e.g. `invalid_wildcard`.
    pub code: String,
    /// `"error"` or `"warning"`.
    #[napi(ts_type = "'error' | 'warning'")]
    pub severity: String,
    /// The policy field concerned, or `null` for the whole document.
    pub field: Option<String>,
    /// The entry's position in a list field.
    pub index: Option<u32>,
    /// The entry's text as written.
    pub value: Option<String>,
    /// One-line explanation (the core's message, unchanged).
    pub message: String,
    /// Where the entry is: `origins[2]`, `max_age`; in a policy set the full path,
    /// `policies.acme.origins[1]` or `routes[3].host`; `""` for a whole plain policy.
    pub path: String,
    /// The whole line as the core writes it: `origins[2] "https://*example.com":
    /// invalid_wildcard: …message…` (what nginx and Python's `str()` show).
    pub text: String,
}

impl From<&corsgate::Diagnostic> for Diagnostic {
    fn from(d: &corsgate::Diagnostic) -> Self {
        Diagnostic {
            code: d.code.as_str().to_owned(),
            severity: d.severity().as_str().to_owned(),
            field: d.field.map(str::to_owned),
            index: d.index.map(|i| u32::try_from(i).unwrap_or(u32::MAX)),
            value: d.value.clone(),
            message: d.message.clone(),
            path: d.path(),
            text: d.to_string(),
        }
    }
}

/// The answer to one request (the JSON line format of `corsgate eval --jsonl`).
#[napi(object, use_nullable = true)]
pub struct Decision {
    /// How the request was classified.
    #[napi(ts_type = "'not_cors' | 'preflight' | 'actual' | 'refused'")]
    pub kind: String,
    /// Whether the browser will let the page read the response (true for `not_cors`).
    pub allowed: bool,
    /// The status to answer with when the decision answers the request itself: a
    /// preflight's, or 403 for a request refused by cross-origin protection (kind
    /// `refused`: do not call the application); `null` for other kinds.
    pub status: Option<u32>,
    /// The response headers to add, in order, as `[name, value]` pairs.
    #[napi(ts_type = "Array<[string, string]>")]
    pub headers: Vec<Vec<String>>,
    /// Why, in words (the core's text).
    pub reason: String,
    /// Why, as a stable snake_case code (`origin_not_allowed` …).
    pub reason_code: String,
    /// The text behind the reason: the `origins` pattern that admitted the origin, the
    /// method or the request header name refused; `""` for the other reasons.
    pub reason_detail: String,
}

impl From<corsgate::Decision<'_>> for Decision {
    fn from(d: corsgate::Decision<'_>) -> Self {
        Decision {
            kind: d.kind().as_str().to_owned(),
            allowed: d.allowed(),
            status: d.status().map(u32::from),
            headers: d
                .headers()
                .map(|h| vec![h.name.to_owned(), h.value.to_owned()])
                .collect(),
            reason: d.reason().to_string(),
            reason_code: d.reason().code().to_owned(),
            reason_detail: d.reason().detail().to_owned(),
        }
    }
}

/// A compiled, immutable CORS policy. Compile once, evaluate many times; to reload,
/// compile a new one and swap the reference.
#[napi]
pub struct Policy {
    /// The compiled policy and its string table, shared with this policy's slot in
    /// `registry.rs`.
    engine: std::rc::Rc<registry::Engine>,
    /// This policy's id on its thread (`registry.rs`); `None` when it got none.
    id: Option<u32>,
}

impl Policy {
    fn wrap(inner: corsgate::Policy) -> Self {
        let engine = std::rc::Rc::new(registry::Engine {
            inner,
            strings: Default::default(),
        });
        let id = registry::register(&engine);
        Policy { engine, id }
    }
}

impl Drop for Policy {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            registry::unregister(id);
        }
    }
}

#[napi]
impl Policy {
    /// Compiles a policy from a policy object, its JSON text, or a `Buffer` of JSON.
    ///
    /// Throws an `Error` with `code` (the first error's code) and `errors` /
    /// `warnings` arrays when the policy is invalid; a `TypeError` for other types.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        env: Env,
        #[napi(ts_arg_type = "PolicyConfig | string | Buffer")] config: Unknown,
    ) -> Result<Self> {
        let compiled = match read_config(&env, config, "new Policy(config)", "policy")? {
            Config::Text(s) => corsgate::Policy::from_json(&s),
            Config::Bytes(b) => corsgate::Policy::from_json_bytes(&b),
            Config::Value(v) => corsgate::Policy::from_value(&v),
        };
        match compiled {
            Ok(inner) => Ok(Policy::wrap(inner)),
            Err(e) => Err(config_error(&env, &e)),
        }
    }

    /// Compiles a policy from JSON text.
    #[napi(factory, catch_unwind)]
    pub fn from_json(env: Env, text: String) -> Result<Self> {
        corsgate::Policy::from_json(&text)
            .map(Policy::wrap)
            .map_err(|e| config_error(&env, &e))
    }

    /// Reads and compiles a policy file. A file that cannot be read throws an `Error`
    /// with the system's code (`ENOENT`, `EACCES`, …); an invalid policy as `new Policy`.
    #[napi(factory, catch_unwind)]
    pub fn from_file(env: Env, path: String) -> Result<Self> {
        let bytes = std::fs::read(&path).map_err(|e| io_error(&env, &path, &e))?;
        corsgate::Policy::from_json_bytes(&bytes)
            .map(Policy::wrap)
            .map_err(|e| config_error(&env, &e))
    }

    /// Decides one request. `headers` is Node's `req.headers` object, a `req.rawHeaders`
    /// array, or an array of `[name, value]` pairs (names may repeat).
    #[napi(ts_return_type = "Decision", catch_unwind)]
    pub fn evaluate(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] method: Unknown,
        #[napi(ts_arg_type = "HeadersInput")] headers: Option<Unknown>,
    ) -> Result<Decision> {
        let mut arena = Arena::new();
        let m = read_request(&env, &mut arena, method, headers)?;
        Ok(Decision::from(
            self.engine.inner.evaluate(arena.get(m), arena.lines()),
        ))
    }

    /// Decides one request and returns the decision as one JSON line, exactly the
    /// format of `corsgate eval --jsonl` (with `reason_code`).
    #[napi(js_name = "evaluateJson", catch_unwind)]
    pub fn evaluate_json(
        &self,
        env: Env,
        #[napi(ts_arg_type = "string")] method: Unknown,
        #[napi(ts_arg_type = "HeadersInput")] headers: Option<Unknown>,
    ) -> Result<String> {
        let mut arena = Arena::new();
        let m = read_request(&env, &mut arena, method, headers)?;
        Ok(self
            .engine
            .inner
            .evaluate(arena.get(m), arena.lines())
            .to_json())
    }

    /// Warnings found while compiling (normalizations, risky but legal choices).
    #[napi(getter, catch_unwind)]
    pub fn warnings(&self) -> Vec<Diagnostic> {
        self.engine
            .inner
            .warnings()
            .iter()
            .map(Diagnostic::from)
            .collect()
    }

    /// The policy as written, with every field present (defaults filled in).
    #[napi(getter, ts_return_type = "Required<PolicyConfig>", catch_unwind)]
    pub fn config(&self) -> serde_json::Value {
        self.engine.inner.config().to_json_value()
    }

    /// The policy as JSON text (every field present).
    #[napi(
        js_name = "toJSON",
        ts_return_type = "Required<PolicyConfig>",
        catch_unwind
    )]
    pub fn to_json(&self) -> serde_json::Value {
        self.engine.inner.config().to_json_value()
    }
}

/// The middleware's form of `evaluate` (internal: not in the `.d.ts`, not re-exported by
/// `index.js`): one flat array `[kind, allowed, status, name, value, name, value, …]`
/// with `kind` the core's kind number (0 not CORS, 1 preflight, 2 actual, 3 refused) and
/// `status` `null` unless a preflight or a refusal. Fewer allocations than a `Decision`
/// object; same answer.
#[napi(js_name = "decideCompact", skip_typescript, catch_unwind)]
pub fn decide_compact<'e>(
    env: &'e Env,
    policy: &Policy,
    method: Unknown,
    headers: Option<Unknown>,
) -> Result<Array<'e>> {
    let mut arena = Arena::new();
    let m = read_request(env, &mut arena, method, headers)?;
    let d = policy.engine.inner.evaluate(arena.get(m), arena.lines());
    // SAFETY: `env` is the live env of this call.
    unsafe { compact(env, &d) }
}

/// Entry `index` of `policy`'s string table (`encode.rs`), for the JavaScript cache of
/// `evaluate`'s numeric form; `null` past the end. Internal (not in the `.d.ts`).
#[napi(js_name = "internedString", skip_typescript, catch_unwind)]
pub fn interned_string(policy: &Policy, index: u32) -> Option<String> {
    policy.engine.strings.borrow().get(index).map(str::to_owned)
}

/// `policy`'s id on this thread (`registry.rs`), which `evaluateInto` / `respondInto`
/// accept in place of the policy; `null` when it has none. Internal (not in the `.d.ts`).
#[napi(js_name = "policyId", skip_typescript, catch_unwind)]
pub fn policy_id(policy: &Policy) -> Option<u32> {
    policy.id
}

/// The request header names `policy` reads (`corsgate::Policy::request_header_names`:
/// the protection lines only under `cross_origin_protection`); `evaluate` passes only
/// lines with these names. Internal (not in the `.d.ts`).
#[napi(js_name = "policyRequestHeaderNames", skip_typescript, catch_unwind)]
pub fn policy_request_header_names(policy: &Policy) -> Vec<&'static str> {
    policy.engine.inner.request_header_names().to_vec()
}

/// Installs the raw callbacks: `isOriginAllowed` on `Policy.prototype`, `decide` on the
/// addon's exports (see `fast.rs`).
#[napi(module_exports)]
pub fn init(exports: Object, env: Env) -> Result<()> {
    // SAFETY: live env and exports object of the module initialisation.
    unsafe { fast::install(env.raw(), exports.raw()) }
        .map_err(|(_, _, msg)| Error::new(Status::GenericFailure, msg))
}

/// The response header names a decision can carry, in the core's order
/// (`corsgate::names`). The compact forms refer to them by position.
const HEADER_NAMES: [&str; 8] = [
    corsgate::names::ACAO,
    corsgate::names::ACAC,
    corsgate::names::ACAM,
    corsgate::names::ACAH,
    corsgate::names::ACMA,
    corsgate::names::ACAPN,
    corsgate::names::ACEH,
    corsgate::names::VARY,
];

/// The request header names `corsgate::Policy::evaluate` reads (ASCII
/// case-insensitively); every other line is ignored by the core.
///
/// The core does not export this list, so it is kept here: the middleware passes only
/// lines whose name has one of these lengths (a cheap pre-filter; the core still
/// compares the names). The test suite checks, for every shared vector plus unrelated
/// header lines, that the filtered request gets the same decision as the full one.
const REQUEST_HEADER_NAMES: [&str; 7] = corsgate::names::REQUEST_HEADERS;

/// The request header names the core reads (see the middleware's pre-filter).
#[napi(catch_unwind)]
pub fn request_header_names() -> Vec<&'static str> {
    REQUEST_HEADER_NAMES.to_vec()
}

/// The strings `evaluateInto` / `respondInto` also take by index (`fast.rs`,
/// `SPELLINGS`). Internal (not in the `.d.ts`).
#[napi(skip_typescript, catch_unwind)]
pub fn spellings() -> Vec<&'static str> {
    fast::SPELLINGS.to_vec()
}

/// The response header names the middleware's compact form refers to by letter: `A`
/// is the first, `B` the second, … (internal: not in the `.d.ts`, not re-exported by
/// `index.js`).
#[napi(skip_typescript, catch_unwind)]
pub fn header_names() -> Vec<&'static str> {
    HEADER_NAMES.to_vec()
}

/// What the core's response rule (`corsgate::response`) reads in an application's
/// response, for the middleware's shortcut (add the decision's lines when the response
/// holds none of these): `[owned name prefix, Vary, kind numbers that call the
/// application…]`, names in lower case. Taken from the core, so the shortcut cannot
/// drift from the rule. Internal (not in the `.d.ts`, not re-exported by `index.js`).
#[napi(skip_typescript, catch_unwind)]
pub fn response_rule_names() -> Vec<String> {
    let mut out = vec![
        corsgate::response::OWNED_PREFIX.to_ascii_lowercase(),
        corsgate::response::VARY.to_ascii_lowercase(),
    ];
    out.extend(
        corsgate::Kind::ALL
            .iter()
            .filter(|k| corsgate::response::calls_application(**k))
            .map(|k| (*k as u32).to_string()),
    );
    out
}

/// The core's response rule (`corsgate::response`): the final response headers when a
/// decision of `kind` (the core's kind number, as in the compact form)
/// whose headers are `decision` (flat `[name, value, …]`) meets the application's
/// headers `app` (flat, in order, any case). Every `Access-Control-*` line of `app` is
/// dropped, the decision's are added and `Vary` is merged by tokens; for a preflight or a
/// refusal the result is the decision's own headers. Returns a new flat `[name, value, …]` array.
/// Throws on an unknown kind or an odd-length list. Internal (the middleware's; not in the
/// `.d.ts`, not re-exported by `index.js`).
#[napi(skip_typescript, catch_unwind)]
pub fn apply_response(kind: u32, decision: Vec<String>, app: Vec<String>) -> Result<Vec<String>> {
    // The core's stable kind numbers are the positions in `Kind::ALL`.
    let Some(&kind) = usize::try_from(kind)
        .ok()
        .and_then(|k| corsgate::Kind::ALL.get(k))
    else {
        return Err(Error::new(
            Status::InvalidArg,
            "corsgate: unknown decision kind",
        ));
    };
    if !decision.len().is_multiple_of(2) || !app.len().is_multiple_of(2) {
        return Err(Error::new(
            Status::InvalidArg,
            "corsgate: header lists are flat [name, value, ...] arrays of even length",
        ));
    }
    let lines = decision
        .chunks_exact(2)
        .map(|p| (p[0].as_bytes(), p[1].as_bytes()));
    let app_lines = app.chunks_exact(2).map(|p| (p[0].as_str(), p[1].as_str()));
    let mut out = Vec::with_capacity(app.len() + decision.len());
    for line in corsgate::response::merge(kind, lines, app_lines) {
        use corsgate::response::Line as _;
        out.push(line.name_str().into_owned());
        out.push(line.value_str().into_owned());
    }
    Ok(out)
}

/// The compact text form of a decision used by the middleware:
/// `"<kind><allowed><status>\0name\0value…"` with kind the core's kind number (`0` not
/// CORS, `1` preflight, `2` actual, `3` refused); allowed `0`/`1`; the status digits only
/// for preflights and refusals. A name is one
/// letter (`A` + its position in `headerNames()`), or written out if the core ever
/// emits a name outside that list.
pub(crate) fn encode_decision(d: &corsgate::Decision<'_>, out: &mut String) {
    // The core's stable kind numbers (0 not CORS, 1 preflight, 2 actual, 3 refused).
    out.push(char::from_digit(d.kind() as u32, 10).unwrap_or('?'));
    out.push(if d.allowed() { '1' } else { '0' });
    if let Some(s) = d.status() {
        use std::fmt::Write;
        let _ = write!(out, "{s}");
    }
    for h in d.headers() {
        out.push('\0');
        match HEADER_NAMES.iter().position(|n| *n == h.name) {
            Some(i) => out.push(char::from(b'A' + i as u8)),
            None => out.push_str(h.name),
        }
        out.push('\0');
        out.push_str(h.value);
    }
}

/// A configuration argument as JavaScript passed it.
pub(crate) enum Config {
    /// JSON text.
    Text(String),
    /// A `Buffer` of JSON (its bytes copied).
    Bytes(Vec<u8>),
    /// An object, read as JSON.
    Value(serde_json::Value),
}

/// Reads a `config` argument of `call` (`new Policy(config)`): a `what` object, its
/// JSON text, or a `Buffer` of it; anything else is a `TypeError`.
pub(crate) fn read_config(env: &Env, config: Unknown, call: &str, what: &str) -> Result<Config> {
    match config.get_type()? {
        ValueType::String => {
            // SAFETY: the type was checked just above.
            let s: String = unsafe { config.cast() }?;
            Ok(Config::Text(s))
        }
        ValueType::Object if config.is_buffer()? => {
            let b = BufferSlice::from_unknown(config)?;
            Ok(Config::Bytes(b.to_vec()))
        }
        ValueType::Object => {
            // SAFETY: `config` is a live handle of this call, and an object.
            let v: serde_json::Value =
                unsafe { serde_json::Value::from_napi_value(env.raw(), config.value().value) }
                    .map_err(|e| {
                        type_err(
                            env,
                            &format!(
                                "corsgate: the {what} object cannot be read as JSON: {}",
                                e.reason
                            ),
                        )
                    })?;
            Ok(Config::Value(v))
        }
        _ => Err(type_err(
            env,
            &format!("corsgate: {call} takes a {what} object, its JSON text or a Buffer"),
        )),
    }
}

/// Reads `method` and `headers` into `arena`; returns the method's span.
pub(crate) fn read_request(
    env: &Env,
    arena: &mut Arena,
    method: Unknown,
    headers: Option<Unknown>,
) -> Result<(u32, u32)> {
    // SAFETY: `method` and `headers` are live handles of the current call.
    let r = unsafe {
        arena
            .push_required(env.raw(), method.value().value, "method")
            .and_then(|m| match headers {
                Some(h) => arena.push_headers(env.raw(), h.value().value).map(|()| m),
                None => Ok(m),
            })
    };
    r.map_err(|e| {
        if e.status == Status::InvalidArg {
            type_err(env, &e.reason)
        } else {
            e
        }
    })
}

/// Builds the compact array of [`Policy::decide_compact`].
///
/// # Safety
/// `env` must be the live env of the current call.
pub(crate) unsafe fn compact<'e>(env: &'e Env, d: &corsgate::Decision<'_>) -> Result<Array<'e>> {
    // The core's stable kind numbers (0 not CORS, 1 preflight, 2 actual, 3 refused).
    let kind: u32 = d.kind() as u32;
    let n = 3 + 2 * d.headers().count() as u32;
    let mut arr = env.create_array(n)?;
    arr.set(0, kind)?;
    arr.set(1, d.allowed())?;
    match d.status() {
        Some(s) => arr.set(2, u32::from(s))?,
        None => arr.set(2, Null)?,
    }
    let raw_env = env.raw();
    let raw_arr = arr.raw();
    let mut i = 3;
    for h in d.headers() {
        for s in [h.name, h.value] {
            // SAFETY: live env; `s` is valid UTF-8 (and ASCII for the latin1 form, where
            // Latin-1 and UTF-8 agree) of `s.len()` bytes; `raw_arr` is the live array
            // created above with `n` slots.
            unsafe {
                let mut js = ptr::null_mut();
                let st = if s.is_ascii() {
                    sys::napi_create_string_latin1(
                        raw_env,
                        s.as_ptr().cast(),
                        s.len() as isize,
                        &mut js,
                    )
                } else {
                    sys::napi_create_string_utf8(
                        raw_env,
                        s.as_ptr().cast(),
                        s.len() as isize,
                        &mut js,
                    )
                };
                if st != sys::Status::napi_ok {
                    return Err(Error::new(
                        Status::from(st),
                        "corsgate: cannot create a string",
                    ));
                }
                let st = sys::napi_set_element(raw_env, raw_arr, i, js);
                if st != sys::Status::napi_ok {
                    return Err(Error::new(
                        Status::from(st),
                        "corsgate: cannot fill an array",
                    ));
                }
            }
            i += 1;
        }
    }
    Ok(arr)
}

/// Builds a JS error object (`napi_create_error` / `napi_create_type_error`) with
/// `code`, then the extra properties, and returns it as a `napi::Error` that napi-rs
/// throws verbatim.
fn js_error(
    env: &Env,
    type_error: bool,
    code: &str,
    message: &str,
    extra: impl FnOnce(&mut Object) -> Result<()>,
) -> Error {
    let build = || -> Result<Error> {
        let raw = env.raw();
        let code_js = env.create_string(code)?;
        let msg_js = env.create_string(message)?;
        let mut out = ptr::null_mut();
        // SAFETY: live env and two live string handles; `out` is a valid out pointer.
        let st = unsafe {
            if type_error {
                sys::napi_create_type_error(raw, code_js.raw(), msg_js.raw(), &mut out)
            } else {
                sys::napi_create_error(raw, code_js.raw(), msg_js.raw(), &mut out)
            }
        };
        if st != sys::Status::napi_ok {
            return Err(Error::new(Status::from(st), message.to_owned()));
        }
        // SAFETY: `out` is the live error object just created.
        let mut obj = unsafe { Object::from_napi_value(raw, out) }?;
        extra(&mut obj)?;
        Ok(Error::from(obj.to_unknown()))
    };
    build().unwrap_or_else(|e| e)
}

/// A `TypeError` with `code: 'ERR_INVALID_ARG_TYPE'`.
pub(crate) fn type_err(env: &Env, msg: &str) -> Error {
    js_error(env, true, "ERR_INVALID_ARG_TYPE", msg, |_| Ok(()))
}

/// The core's `ConfigError` as a JS `Error`: `message` is the core's text, `code` the
/// first error's code, `errors` and `warnings` the core's diagnostics.
pub(crate) fn config_error(env: &Env, err: &corsgate::ConfigError) -> Error {
    js_error(env, false, err.code().as_str(), &err.to_string(), |e| {
        let errors: Vec<Diagnostic> = err.errors.iter().map(Diagnostic::from).collect();
        let warnings: Vec<Diagnostic> = err.warnings.iter().map(Diagnostic::from).collect();
        e.set_named_property("errors", errors)?;
        e.set_named_property("warnings", warnings)
    })
}

/// A file that cannot be read: an `Error` with Node's usual `code` and the `path`.
pub(crate) fn io_error(env: &Env, path: &str, err: &std::io::Error) -> Error {
    use std::io::ErrorKind::*;
    let code = match err.kind() {
        NotFound => "ENOENT",
        PermissionDenied => "EACCES",
        IsADirectory => "EISDIR",
        _ => "EIO",
    };
    let msg = format!("corsgate: cannot read policy file \"{path}\": {err}");
    js_error(env, false, code, &msg, |e| {
        e.set_named_property("path", path)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(policy: &str, method: &str, headers: &[(&str, &str)]) -> String {
        let p = corsgate::Policy::from_json(policy).expect("valid policy");
        let mut s = String::new();
        encode_decision(&p.evaluate_str(method, headers), &mut s);
        s
    }

    #[test]
    fn compact_text_form() {
        let policy = r#"{"origins": ["https://example.com"], "methods": ["PUT"]}"#;
        assert_eq!(encoded(policy, "GET", &[]), "01\0H\0Origin");
        assert_eq!(
            encoded(policy, "GET", &[("Origin", "https://example.com")]),
            "21\0A\0https://example.com\0H\0Origin"
        );
        assert_eq!(
            encoded(
                policy,
                "OPTIONS",
                &[
                    ("Origin", "https://evil.com"),
                    ("Access-Control-Request-Method", "PUT")
                ]
            ),
            "10403\0H\0Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
        );
    }

    #[test]
    fn header_letters_cover_every_emitted_name() {
        assert_eq!(HEADER_NAMES.len(), 8);
        assert_eq!(HEADER_NAMES[7], "Vary");
        let policy = r#"{"origins": ["https://example.com"], "credentials": true, "methods": ["PUT"],
            "request_headers": ["x-a"], "expose_headers": ["x-b"], "max_age": 60, "private_network": true}"#;
        let p = corsgate::Policy::from_json(policy).expect("valid policy");
        let pf = p.evaluate_str(
            "OPTIONS",
            &[
                ("Origin", "https://example.com"),
                ("Access-Control-Request-Method", "PUT"),
                ("Access-Control-Request-Headers", "x-a"),
                ("Access-Control-Request-Private-Network", "true"),
            ],
        );
        let actual = p.evaluate_str("GET", &[("Origin", "https://example.com")]);
        for h in pf.headers().chain(actual.headers()) {
            assert!(HEADER_NAMES.contains(&h.name), "{} has no letter", h.name);
        }
    }
}
