//! Reading a policy set file: its shape, `defaults` merged under each policy, each
//! merged policy compiled (equal ones once), the routes read and checked. Every error
//! is collected, each scoped by its path (`policies.acme`, `routes[3]`, `defaults`).

use super::host::{self, RouteHost};
use super::select::{RouteSpec, Selector};
use super::text;
use crate::config::{Config, DEFAULT_PREFLIGHT_STATUS, FIELDS, type_name};
use crate::diag::{Code, ConfigError, Diagnostic};
use crate::policy::{Interner, Policy};
use hashbrown::HashMap;
use serde_json::{Map, Value};
use std::sync::Arc;

/// The keys of a policy set file.
pub const SET_FIELDS: &[&str] = &["defaults", "policies", "routes"];

/// The keys of a route.
const ROUTE_FIELDS: &[&str] = &["host", "path_prefix", "policy"];

/// The most routes (and the most policies) a set holds: far above any real gateway,
/// low enough that every index fits the selector's `u32`s.
pub const MAX_ROUTES: usize = 1 << 22;

/// A route as written in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// `host` as written.
    pub host: String,
    /// `path_prefix` (`/` when the file has none).
    pub path_prefix: String,
    /// The name of the route's policy.
    pub policy: String,
    /// Index of the policy name in the set's names.
    pub(crate) name: u32,
}

/// What a set file compiles to (see [`super::PolicySet`]).
pub(crate) struct Parts {
    pub(crate) names: Vec<Box<str>>,
    /// For each name, the index of its compiled policy.
    pub(crate) compiled_of: Vec<u32>,
    /// Shared with the selector, which reaches a route's policy without an index.
    pub(crate) policies: Vec<Arc<Policy>>,
    pub(crate) routes: Vec<Route>,
    pub(crate) selector: Selector,
    pub(crate) warnings: Vec<Diagnostic>,
}

/// Whether a parsed document is a policy set: an object with a `policies` key.
pub fn is_set_document(value: &Value) -> bool {
    value
        .as_object()
        .is_some_and(|m| m.contains_key("policies"))
}

/// The scope of policy `name`: `policies.acme`, or `policies["a.b"]` for a name that
/// is not made of letters, digits, `-` and `_`.
pub(crate) fn policy_scope(name: &str) -> String {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        format!("policies.{name}")
    } else {
        format!("policies[{}]", Value::String(name.to_owned()))
    }
}

fn unknown_key(key: &str, known: &[&str], what: &str) -> Diagnostic {
    Diagnostic {
        code: Code::UnknownField,
        scope: None,
        field: None,
        index: None,
        value: Some(key.to_owned()),
        message: format!(
            "unknown key \"{key}\" ({what} has {}); unknown keys are refused so that a typo cannot silently weaken the policy",
            known.join(", ")
        ),
    }
}

/// Reads and compiles a set document. Takes it by value: each policy's part of the
/// document is dropped once it is compiled, so that the peak memory of a large set is
/// not the whole document plus every compiled policy.
pub(crate) fn read(doc: Value) -> Result<Parts, ConfigError> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let found = type_name(&doc);
    let Value::Object(mut top) = doc else {
        return Err(ConfigError {
            errors: vec![Diagnostic::document(
                Code::InvalidJson,
                format!("a policy set must be a JSON object, found {found}"),
            )],
            warnings,
        });
    };
    for key in top.keys().filter(|k| !SET_FIELDS.contains(&k.as_str())) {
        errors.push(unknown_key(key, SET_FIELDS, "a policy set"));
    }
    let defaults = read_defaults(top.get("defaults"), &mut errors);
    let (names, compiled_of, policies) = read_policies(
        top.remove("policies"),
        &defaults,
        &mut errors,
        &mut warnings,
    );
    let routes_doc = top.remove("routes");
    let (routes, specs) = read_routes(routes_doc.as_ref(), &names, &compiled_of, &mut errors);
    let (selector, duplicates) = Selector::build(specs, &policies);
    for (later, earlier) in duplicates {
        errors.push(
            Diagnostic::document(
                Code::DuplicateRoute,
                format!(
                    "routes[{later}] has the same host and path_prefix as routes[{earlier}] (after normalization)"
                ),
            )
            .within(&format!("routes[{later}]")),
        );
    }
    if !errors.is_empty() {
        return Err(ConfigError { errors, warnings });
    }
    Ok(Parts {
        names,
        compiled_of,
        policies,
        routes,
        selector,
        warnings,
    })
}

/// `defaults` without its unknown keys (each reported once).
fn read_defaults(value: Option<&Value>, errors: &mut Vec<Diagnostic>) -> Map<String, Value> {
    match value {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => {
            let mut out = Map::new();
            for (k, v) in m {
                if FIELDS.contains(&k.as_str()) {
                    out.insert(k.clone(), v.clone());
                } else {
                    errors.push(unknown_key(k, FIELDS, "a policy").within("defaults"));
                }
            }
            out
        }
        Some(other) => {
            errors.push(Diagnostic::field(
                Code::InvalidType,
                "defaults",
                format!(
                    "\"defaults\" must be an object of policy fields, found {}",
                    type_name(other)
                ),
            ));
            Map::new()
        }
    }
}

type Policies = (Vec<Box<str>>, Vec<u32>, Vec<Arc<Policy>>);

/// Each policy merged over `defaults` and compiled; equal merged policies share one
/// compiled policy, and policies equal but for their origins share one copy of their
/// methods, headers and settings ([`Interner`]).
fn read_policies(
    value: Option<Value>,
    defaults: &Map<String, Value>,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) -> Policies {
    if top_level(
        value.as_ref(),
        "policies",
        "an object of named policies",
        errors,
    )
    .is_none()
    {
        return Default::default();
    }
    let Some(Value::Object(map)) = value else {
        return Default::default();
    };
    if too_many(map.len(), "policies", errors) {
        return Default::default();
    }
    let mut names = Vec::with_capacity(map.len());
    let mut compiled_of = Vec::with_capacity(map.len());
    // Sized once: growing a vector of policies would copy each one at every doubling.
    let mut policies: Vec<Arc<Policy>> = Vec::with_capacity(map.len());
    // Merged policy, as read → compiled index, or the errors it had. Keyed by the read
    // `Config` (equal configurations compile to equal policies), not by the merged
    // text: serializing every merged policy was a sixth of a large set's compile time.
    // Only policies whose fingerprint (of the configuration as read) another policy
    // shares enter it: holding and then freeing 100,000 `Config`s of distinct tenants
    // cost ~0.2 s of a 100k set's compile (benches/README.md, "Policy sets at scale").
    // Policies equal as read, however written, share one compiled policy (as in
    // `typed`, which compiles valid files).
    let mut seen: hashbrown::HashMap<Config, Result<u32, Vec<Diagnostic>>> =
        hashbrown::HashMap::new();
    let fingerprints: Vec<u64> = map
        .values()
        .map(|own| match own {
            Value::Object(own) => merged_fingerprint(defaults, own),
            _ => 0,
        })
        .collect();
    let mut shared: HashMap<u64, bool> = HashMap::with_capacity(fingerprints.len());
    for &f in &fingerprints {
        shared.entry(f).and_modify(|s| *s = true).or_insert(false);
    }
    // Policies that differ only in their origins share one copy of the rest.
    let mut rules = Interner::default();
    for ((name, own), fingerprint) in map.into_iter().zip(fingerprints) {
        let scope = policy_scope(&name);
        names.push(name.into_boxed_str());
        let Value::Object(own) = own else {
            errors.push(
                Diagnostic::document(
                    Code::InvalidType,
                    format!("a policy must be an object, found {}", type_name(&own)),
                )
                .within(&scope),
            );
            compiled_of.push(u32::MAX);
            continue;
        };
        let mut merged = defaults.clone();
        merged.extend(own);
        let merged = Value::Object(merged);
        let result = match Config::read_value(&merged) {
            (Some(config), shape_errors, _)
                if shape_errors.is_empty() && shared.get(&fingerprint) != Some(&true) =>
            {
                add(&mut policies, &mut rules, Policy::new(&config))
            }
            (Some(config), shape_errors, _) if shape_errors.is_empty() => match seen.get(&config) {
                Some(r) => r.clone(),
                None => {
                    let r = add(&mut policies, &mut rules, Policy::new(&config));
                    seen.insert(config, r.clone());
                    r
                }
            },
            // Ill-shaped: compiled from the document, which reports the shape and value
            // errors together, each entry named as written.
            _ => add(&mut policies, &mut rules, Policy::from_value(&merged)),
        };
        match result {
            Ok(i) => {
                if let Some(p) = policies.get(i as usize) {
                    warnings.extend(p.warnings().iter().map(|w| w.clone().within(&scope)));
                }
                compiled_of.push(i);
            }
            Err(e) => {
                errors.extend(e.into_iter().map(|d| d.within(&scope)));
                compiled_of.push(u32::MAX);
            }
        }
    }
    if policies.len() < policies.capacity() / 2 {
        policies.shrink_to_fit();
    }
    (names, compiled_of, policies)
}

/// A hash of the configuration that `own` merged over `defaults` reads as (each field
/// as [`Config::read_value`] reads it: `null`, absent and the default value alike; the
/// string entries of a list), without building the merged map or the configuration.
/// Equal read configurations have equal fingerprints; unequal ones almost always differ,
/// and [`read_policies`] compares configurations anyway. Cost: one pass over the merged
/// fields' values, no allocation.
fn merged_fingerprint(defaults: &Map<String, Value>, own: &Map<String, Value>) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut h = foldhash::fast::FixedState::with_seed(0).build_hasher();
    for (field, slot) in FIELDS.iter().zip(text::SLOTS) {
        let value = own.get(*field).or_else(|| defaults.get(*field));
        match slot {
            text::Slot::List(_) => {
                let items = value
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice);
                let mut n = 0usize;
                for s in items.iter().filter_map(Value::as_str) {
                    s.hash(&mut h);
                    n += 1;
                }
                h.write_usize(n);
            }
            text::Slot::Switch(_) => h.write_u8(u8::from(value == Some(&Value::Bool(true)))),
            text::Slot::MaxAge => value.and_then(Value::as_u64).hash(&mut h),
            text::Slot::PreflightStatus => {
                let status = value.and_then(Value::as_u64);
                h.write_u64(status.unwrap_or(u64::from(DEFAULT_PREFLIGHT_STATUS)));
            }
        }
    }
    h.finish()
}

/// Adds a compiled policy (its rules shared with an equal earlier one's): its index, or
/// its errors.
fn add(
    policies: &mut Vec<Arc<Policy>>,
    rules: &mut Interner,
    compiled: Result<Policy, ConfigError>,
) -> Result<u32, Vec<Diagnostic>> {
    match compiled {
        Ok(mut p) => {
            rules.share(&mut p);
            policies.push(Arc::new(p));
            Ok(policies.len() as u32 - 1)
        }
        Err(e) => Err(e.errors),
    }
}

/// The routes as written and as the selector takes them.
fn read_routes<'v>(
    value: Option<&'v Value>,
    names: &[Box<str>],
    compiled_of: &[u32],
    errors: &mut Vec<Diagnostic>,
) -> (Vec<Route>, Vec<RouteSpec<'v>>) {
    let Some(Value::Array(list)) = top_level(
        value,
        "routes",
        "a list of {\"host\", \"path_prefix\", \"policy\"}",
        errors,
    ) else {
        return Default::default();
    };
    if too_many(list.len(), "routes", errors) {
        return Default::default();
    }
    let by_name: HashMap<&str, u32> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (&**n, i as u32))
        .collect();
    let mut routes = Vec::with_capacity(list.len());
    let mut specs = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let scope = format!("routes[{i}]");
        let before = errors.len();
        let Value::Object(m) = item else {
            errors.push(
                Diagnostic::document(
                    Code::InvalidType,
                    format!("a route must be an object, found {}", type_name(item)),
                )
                .within(&scope),
            );
            continue;
        };
        for key in m.keys().filter(|k| !ROUTE_FIELDS.contains(&k.as_str())) {
            errors.push(unknown_key(key, ROUTE_FIELDS, "a route").within(&scope));
        }
        let host = required_string(m, "host", &scope, errors);
        let policy = required_string(m, "policy", &scope, errors);
        let prefix = match m.get("path_prefix") {
            None | Some(Value::Null) => "/",
            Some(Value::String(p)) if p.starts_with('/') => p.as_str(),
            Some(Value::String(p)) => {
                errors.push(entry(
                    Code::InvalidPathPrefix,
                    "path_prefix",
                    p,
                    "a path_prefix starts with \"/\" (it is matched byte for byte against the request path)",
                    &scope,
                ));
                "/"
            }
            Some(other) => {
                errors.push(
                    Diagnostic::field(
                        Code::InvalidType,
                        "path_prefix",
                        format!(
                            "\"path_prefix\" must be a string, found {}",
                            type_name(other)
                        ),
                    )
                    .within(&scope),
                );
                "/"
            }
        };
        let parsed_host = host.and_then(|h| match host::parse_route_host(h) {
            Ok(parsed) => Some(parsed),
            Err(why) => {
                errors.push(entry(Code::InvalidHost, "host", h, &why, &scope));
                None
            }
        });
        let name = policy.and_then(|p| match by_name.get(p) {
            Some(&n) => Some(n),
            None => {
                errors.push(entry(
                    Code::UnknownPolicy,
                    "policy",
                    p,
                    &format!("no policy named \"{p}\" in \"policies\""),
                    &scope,
                ));
                None
            }
        });
        if errors.len() > before {
            continue;
        }
        let (Some(host_text), Some(parsed), Some(policy), Some(name)) =
            (host, parsed_host, policy, name)
        else {
            continue;
        };
        let (route, spec) = route(i, host_text, parsed, prefix, policy, name, compiled_of);
        routes.push(route);
        specs.push(spec);
    }
    (routes, specs)
}

/// Route `i` of a set, checked: its host as written and as parsed, its prefix, and its
/// policy's name and index in the set's names (`compiled_of` gives the compiled one).
pub(super) fn route<'v>(
    i: usize,
    host: &str,
    parsed: RouteHost,
    prefix: &'v str,
    policy: &str,
    name: u32,
    compiled_of: &[u32],
) -> (Route, RouteSpec<'v>) {
    let spec = RouteSpec {
        host: parsed,
        prefix,
        index: i as u32,
        policy: compiled_of.get(name as usize).copied().unwrap_or(u32::MAX),
    };
    let route = Route {
        host: host.to_owned(),
        path_prefix: prefix.to_owned(),
        policy: policy.to_owned(),
        name,
    };
    (route, spec)
}

fn entry(code: Code, field: &'static str, value: &str, message: &str, scope: &str) -> Diagnostic {
    Diagnostic {
        code,
        scope: None,
        field: Some(field),
        index: None,
        value: Some(value.to_owned()),
        message: message.to_owned(),
    }
    .within(scope)
}

fn required_string<'v>(
    m: &'v Map<String, Value>,
    field: &'static str,
    scope: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<&'v str> {
    match m.get(field) {
        Some(Value::String(s)) => Some(s),
        None | Some(Value::Null) => {
            errors.push(
                Diagnostic::field(
                    Code::MissingField,
                    field,
                    format!("a route needs \"{field}\""),
                )
                .within(scope),
            );
            None
        }
        Some(other) => {
            errors.push(
                Diagnostic::field(
                    Code::InvalidType,
                    field,
                    format!("\"{field}\" must be a string, found {}", type_name(other)),
                )
                .within(scope),
            );
            None
        }
    }
}

/// The required top-level key `field`, when it is present and of the `what` shape
/// (an object for `policies`, an array for `routes`); else its error is pushed.
fn top_level<'v>(
    value: Option<&'v Value>,
    field: &'static str,
    what: &str,
    errors: &mut Vec<Diagnostic>,
) -> Option<&'v Value> {
    let want_array = field == "routes";
    match value {
        Some(v @ Value::Array(_)) if want_array => Some(v),
        Some(v @ Value::Object(_)) if !want_array => Some(v),
        None => {
            errors.push(Diagnostic::field(
                Code::MissingField,
                field,
                format!("\"{field}\" is required: {what}"),
            ));
            None
        }
        Some(other) => {
            errors.push(Diagnostic::field(
                Code::InvalidType,
                field,
                format!("\"{field}\" must be {what}, found {}", type_name(other)),
            ));
            None
        }
    }
}

/// Whether `len` entries of `field` exceed [`MAX_ROUTES`] (then its error is pushed).
fn too_many(len: usize, field: &'static str, errors: &mut Vec<Diagnostic>) -> bool {
    if len <= MAX_ROUTES {
        return false;
    }
    errors.push(Diagnostic::field(
        Code::InvalidType,
        field,
        format!("a policy set holds at most {MAX_ROUTES} {field}"),
    ));
    true
}
