//! Policy sets through the WebAssembly exports (DESIGN "Policy sets"): a set is a
//! handle of its own (the address of a boxed `corsgate::PolicySet`), beside policies,
//! because evaluating one needs the request path and its answer names the selected
//! route. Same conventions as the policy exports (`lib.rs`): input in the loader's
//! buffer, text out in the output buffer, `0` never a valid handle.

use crate::{
    MODE_JSON, MODE_PREFIXED, MODE_REASON, bytes, drop_handle, emit, handle_or_error, wire,
};

/// Turns a handle back into the set.
///
/// # Safety
/// `h` must be a live handle from [`cg_set_new`].
unsafe fn set<'a>(h: usize) -> &'a corsgate::PolicySet {
    // SAFETY: guaranteed by the caller.
    unsafe { &*(h as *const corsgate::PolicySet) }
}

/// Whether the JSON bytes are a policy set (a top-level `policies` key): 1 or 0.
///
/// # Safety
/// `ptr..ptr+len` must be readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cg_is_set(ptr: *const u8, len: u32) -> u32 {
    // SAFETY: guaranteed by the caller.
    let input = unsafe { bytes(ptr, len) };
    u32::from(std::str::from_utf8(input).is_ok_and(corsgate::PolicySet::is_set_json))
}

/// Compiles a policy set from JSON bytes. Returns the handle, or `0` with the error as
/// JSON in the output buffer (as `cg_policy_new`; each diagnostic also has its `path`).
///
/// # Safety
/// `ptr..ptr+len` must be readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cg_set_new(ptr: *const u8, len: u32) -> usize {
    // SAFETY: guaranteed by the caller.
    let input = unsafe { bytes(ptr, len) };
    handle_or_error(corsgate::PolicySet::from_json_bytes(input))
}

/// Frees a set.
///
/// # Safety
/// `h` must be a live handle from [`cg_set_new`]; it is dead afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cg_set_free(h: usize) {
    // SAFETY: guaranteed by the caller.
    unsafe { drop_handle::<corsgate::PolicySet>(h) }
}

/// Writes `{"warnings": [...], "policies": [names], "routes": [{host, path_prefix,
/// policy}]}`; returns the length.
///
/// # Safety
/// `h` must be a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cg_set_info(h: usize) -> u32 {
    // SAFETY: guaranteed by the caller.
    let s = unsafe { set(h) };
    let routes: Vec<serde_json::Value> = s
        .routes()
        .iter()
        .map(|r| serde_json::json!({"host": r.host, "path_prefix": r.path_prefix, "policy": r.policy}))
        .collect();
    let json = serde_json::json!({
        "warnings": wire::diagnostics_json(s.warnings()),
        "policies": s.policies().map(|(n, _)| n).collect::<Vec<_>>(),
        "routes": routes,
    })
    .to_string();
    emit(|o| o.extend_from_slice(json.as_bytes()))
}

/// Decides one request of a set given as `method, path, name, value, …` (joined or
/// length-prefixed as for `cg_evaluate`; `mode` as there). Modes 0 and 1 write the
/// selected route's index (decimal; empty when no route was selected) and a NUL before
/// the compact decision; mode 2 the JSON line with `policy` and `route`. Returns the
/// length, or `u32::MAX` when the joined input does not hold exactly `count` strings.
///
/// # Safety
/// `h` must be a live handle; `ptr..ptr+len` readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cg_set_evaluate(
    h: usize,
    ptr: *const u8,
    len: u32,
    count: u32,
    mode: u32,
) -> u32 {
    // SAFETY: guaranteed by the caller.
    let (s, input) = unsafe { (set(h), bytes(ptr, len)) };
    let mut parts: Vec<&[u8]> = Vec::with_capacity(count.min(64) as usize);
    if wire::split(input, count as usize, mode & MODE_PREFIXED != 0, &mut parts).is_none() {
        return u32::MAX;
    }
    let d = wire::evaluate_set(s, &parts);
    if mode & 3 == MODE_JSON {
        let json = d.to_json();
        return emit(|o| o.extend_from_slice(json.as_bytes()));
    }
    emit(|o| {
        if let Some(r) = d.route() {
            o.extend_from_slice(r.to_string().as_bytes());
        }
        o.push(0);
        wire::encode_decision(&d.decision(), mode & 3 == MODE_REASON, o);
    })
}
