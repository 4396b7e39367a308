//! Policy sets through the C ABI: a `corsgate_policy_set` handle of its own (a set and a
//! policy differ in what evaluating one needs: the request path, and an answer naming
//! the selected policy and route), made by `corsgate_policy_set_from_json` and freed by
//! `corsgate_policy_set_free`. `corsgate_is_policy_set` tells the two documents apart
//! (a top-level `policies` key), so a host that reads "a policy file" can accept either.
//! Errors are the same `corsgate_config_error`, each error's path from
//! `corsgate_config_error_path`.

use super::{
    DiagnosticList, compile_into, corsgate_config_error, corsgate_decision, corsgate_diagnostic,
    corsgate_header, corsgate_result, corsgate_slice, diagnostic_get, diagnostics_len, guard,
    header_pairs, input_slice, request_headers, write_decision,
};
use corsgate_core::{Diagnostic, PolicySet};

/// A compiled, immutable policy set: named policies, each request answered by the
/// policy of the route its `Host` line and path select. Thread-safe like
/// `corsgate_policy`. Create with `corsgate_policy_set_from_json`, free with
/// `corsgate_policy_set_free`.
pub struct corsgate_policy_set {
    inner: PolicySet,
    warning_texts: Vec<String>,
}

/// Which route of a policy set answered a request, filled by
/// `corsgate_policy_set_evaluate`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct corsgate_selection {
    /// Whether a route was selected; when false the decision is not CORS, allowed, with
    /// `Vary: Origin` and reason `CORSGATE_REASON_NO_POLICY`.
    pub has_route: bool,
    /// The index in `routes` of the selected route; 0 when `has_route` is false.
    pub route: usize,
    /// The name of the selected policy, borrowed from the set; `data` is NULL when
    /// `has_route` is false.
    pub policy: corsgate_slice,
}

/// Whether a JSON document (`json_len` bytes) is a policy set (an object with a
/// top-level `policies` key) rather than a policy. False for NULL with a non-zero
/// length, for text that is not JSON, and on a caught panic. Thread-safe.
///
/// # Safety
/// `json` points to `json_len` readable bytes (or `json_len` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_is_policy_set(json: *const u8, json_len: usize) -> bool {
    guard(false, || {
        // SAFETY: valid for `json_len` bytes by the contract.
        let Some(bytes) = (unsafe { input_slice(json, json_len) }) else {
            return false;
        };
        std::str::from_utf8(bytes).is_ok_and(PolicySet::is_set_json)
    })
}

/// Validates and compiles a policy set document, exactly as
/// `corsgate_policy_from_json` does a policy: on `CORSGATE_RESULT_OK`, `*set_out`
/// receives a new set (free it with `corsgate_policy_set_free`); on
/// `CORSGATE_RESULT_INVALID_POLICY`, `*error_out` (when not NULL) receives every
/// problem, each error named by its path (`corsgate_config_error_path`:
/// `policies.acme.origins[1]`, `routes[2].host`). `*error_out` is NULL in every other
/// case. The library keeps no reference to `json`.
///
/// Results: `OK`, `INVALID_POLICY`, `NULL_PARAMETER`, `PANIC`. Thread-safe.
///
/// # Safety
/// `json` points to `json_len` readable bytes (or `json_len` is 0); `set_out` and
/// `error_out` are NULL or point to writable pointers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_policy_set_from_json(
    json: *const u8,
    json_len: usize,
    set_out: *mut *mut corsgate_policy_set,
    error_out: *mut *mut corsgate_config_error,
) -> corsgate_result {
    // SAFETY: forwarded contract.
    unsafe {
        compile_into(json, json_len, set_out, error_out, |bytes| {
            PolicySet::from_json_bytes(bytes).map(|s| corsgate_policy_set {
                warning_texts: s.warnings().iter().map(ToString::to_string).collect(),
                inner: s,
            })
        })
    }
}

/// Frees a policy set. NULL is a no-op. Every decision and selection borrowed from it
/// becomes invalid. Free it when no thread evaluates with it any more.
///
/// # Safety
/// `set` is NULL or a pointer from `corsgate_policy_set_from_json` not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_policy_set_free(set: *mut corsgate_policy_set) {
    guard((), || {
        if !set.is_null() {
            // SAFETY: made by `Box::into_raw` in `corsgate_policy_set_from_json`, freed
            // once by the contract.
            drop(unsafe { Box::from_raw(set) });
        }
    });
}

/// Decides one request with a policy set: the route is selected by the request's one
/// `Host` line among `headers` (missing, repeated or malformed: only `*` routes) and by
/// `path` (`path_len` bytes, matched byte for byte against each `path_prefix`), then
/// its policy decides exactly as `corsgate_policy_evaluate` does. Writes the decision
/// to `*decision_out` and, when `selection_out` is not NULL, the selected route and
/// policy name to `*selection_out`. Never allocates.
///
/// Results: `OK`; `NULL_PARAMETER` (`set` or `decision_out` NULL, or a (pointer,
/// length) pair with a NULL pointer and a non-zero length); `PANIC`. Nothing is written
/// unless the result is `OK`. Thread-safe.
///
/// # Safety
/// As `corsgate_policy_evaluate`, plus: `path` points to `path_len` bytes;
/// `selection_out` is NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn corsgate_policy_set_evaluate(
    set: *const corsgate_policy_set,
    method: *const u8,
    method_len: usize,
    path: *const u8,
    path_len: usize,
    headers: *const corsgate_header,
    headers_len: usize,
    decision_out: *mut corsgate_decision,
    selection_out: *mut corsgate_selection,
) -> corsgate_result {
    guard(corsgate_result::Panic, || {
        // SAFETY: NULL or a live set by the contract.
        let Some(set) = (unsafe { set.as_ref() }) else {
            return corsgate_result::NullParameter;
        };
        if decision_out.is_null() {
            return corsgate_result::NullParameter;
        }
        // SAFETY: valid for their lengths by the contract.
        let (Some(method), Some(path), Some(headers)) = (unsafe {
            (
                input_slice(method, method_len),
                input_slice(path, path_len),
                request_headers(headers, headers_len),
            )
        }) else {
            return corsgate_result::NullParameter;
        };
        let d = set.inner.evaluate(method, path, header_pairs(headers));
        // SAFETY: `decision_out` is non-NULL and writable by the contract.
        unsafe { write_decision(&d, decision_out) };
        if !selection_out.is_null() {
            let selection = corsgate_selection {
                has_route: d.route().is_some(),
                route: d.route().unwrap_or(0),
                policy: corsgate_slice::of_opt(d.policy()),
            };
            // SAFETY: non-NULL, writable by the contract.
            unsafe { selection_out.write(selection) };
        }
        corsgate_result::Ok
    })
}

fn set_warnings(s: &corsgate_policy_set) -> (&[Diagnostic], &[String]) {
    (s.inner.warnings(), &s.warning_texts)
}

const SET_WARNINGS: DiagnosticList<corsgate_policy_set> = set_warnings;

/// Number of warnings of `set` (each policy's, scoped by its path); 0 when `set` is
/// NULL. Thread-safe.
///
/// # Safety
/// `set` is NULL or a live set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_policy_set_warnings_len(
    set: *const corsgate_policy_set,
) -> usize {
    // SAFETY: forwarded contract.
    unsafe { diagnostics_len(set, SET_WARNINGS) }
}

/// Reads warning `index` of `set` into `*out` (its `text` starts with the path,
/// `policies.acme.origins[0] ...`); its slices live as long as `set`.
/// Results: `OK`, `NULL_PARAMETER`, `OUT_OF_RANGE`, `PANIC`. Thread-safe.
///
/// # Safety
/// `set` is NULL or a live set; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_policy_set_warning_get(
    set: *const corsgate_policy_set,
    index: usize,
    out: *mut corsgate_diagnostic,
) -> corsgate_result {
    // SAFETY: forwarded contract.
    unsafe { diagnostic_get(set, SET_WARNINGS, index, out) }
}

/// The path of error `index` of `error`: `policies.acme.origins[1]`, `routes[2].host`
/// for a policy set, `origins[1]` or `max_age` for a policy; empty for an error about
/// the whole document or an index out of range (or NULL `error`). Borrowed from
/// `error`. Thread-safe.
///
/// # Safety
/// `error` is NULL or a live error object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_config_error_path(
    error: *const corsgate_config_error,
    index: usize,
) -> corsgate_slice {
    guard(corsgate_slice::EMPTY, || {
        // SAFETY: NULL or a live error by the contract.
        unsafe { error.as_ref() }
            .and_then(|e| e.error_paths.get(index))
            .map_or(corsgate_slice::EMPTY, |p| corsgate_slice::of(p))
    })
}
