//! # corsgate-wasm
//!
//! The corsgate core compiled for `wasm32-unknown-unknown`, with hand-written exports
//! (no wasm-bindgen) driven by the small loader in `lib/core.js`. It translates bytes;
//! it decides nothing: every verdict, header, reason, error code and message comes from
//! the `corsgate` crate unchanged.
//!
//! Calling convention (all integers are `u32`/`i32`, pointers are offsets into the
//! module's memory):
//! - the loader owns one input buffer, obtained with [`cg_alloc`] and released with
//!   [`cg_free`]; it writes UTF-8 there and passes `(ptr, len)`;
//! - every export that produces text writes it to one output buffer owned by this
//!   module and returns its length; [`cg_out_ptr`] gives its address, valid until the
//!   next call;
//! - a policy is a handle (the address of a boxed `corsgate::Policy`), released with
//!   [`cg_policy_free`]; `0` is never a valid handle.
//!
//! Nothing here panics on any input: lengths are checked, handles are only ever the
//! loader's own (it keeps them private), and the core's evaluator does not panic. A
//! panic would trap (abort) the instance; the loader reports that as an `Error` and
//! refuses further calls on that instance.
//!
//! The module is single-threaded (one instance per isolate/worker), so the output
//! buffer and scratch vectors are plain thread-locals.

pub mod set;
pub mod wire;

use std::cell::RefCell;

thread_local! {
    /// The output buffer every text-producing export writes to.
    static OUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Replaces the output buffer's content with `f`'s and returns its length.
pub(crate) fn emit(f: impl FnOnce(&mut Vec<u8>)) -> u32 {
    OUT.with(|o| {
        let mut o = o.borrow_mut();
        o.clear();
        f(&mut o);
        o.len() as u32
    })
}

/// The address of the output buffer (valid until the next export call).
#[unsafe(no_mangle)]
pub extern "C" fn cg_out_ptr() -> *const u8 {
    OUT.with(|o| o.borrow().as_ptr())
}

/// Allocates `len` bytes for the loader's input buffer; `0` if `len` is 0 or the
/// allocation fails.
#[unsafe(no_mangle)]
pub extern "C" fn cg_alloc(len: u32) -> *mut u8 {
    if len == 0 {
        return std::ptr::null_mut();
    }
    let mut v: Vec<u8> = Vec::new();
    if v.try_reserve_exact(len as usize).is_err() {
        return std::ptr::null_mut();
    }
    let mut v = std::mem::ManuallyDrop::new(v);
    v.as_mut_ptr()
}

/// Frees a buffer from [`cg_alloc`] with the same `len`.
///
/// # Safety
/// `ptr` must come from `cg_alloc(len)` and not be freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cg_free(ptr: *mut u8, len: u32) {
    if !ptr.is_null() && len > 0 {
        // SAFETY: the caller passes a buffer of capacity `len` from `cg_alloc`.
        drop(unsafe { Vec::from_raw_parts(ptr, 0, len as usize) });
    }
}

/// Reads `len` bytes at `ptr` (an empty slice for `len == 0`).
///
/// # Safety
/// `ptr..ptr+len` must be readable memory of this module for the returned lifetime.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: u32) -> &'a [u8] {
    if len == 0 || ptr.is_null() {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(ptr, len as usize) }
    }
}

/// Turns a handle back into the policy.
///
/// # Safety
/// `h` must be a live handle from [`cg_policy_new`].
unsafe fn policy<'a>(h: usize) -> &'a corsgate::Policy {
    // SAFETY: guaranteed by the caller.
    unsafe { &*(h as *const corsgate::Policy) }
}

/// Compiles a policy from JSON bytes. Returns the handle, or `0` with the error as
/// JSON in the output buffer (`{"message","code","errors","warnings"}`; the length via
/// [`cg_out_len`]).
///
/// # Safety
/// `ptr..ptr+len` must be readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cg_policy_new(ptr: *const u8, len: u32) -> usize {
    // SAFETY: guaranteed by the caller.
    let input = unsafe { bytes(ptr, len) };
    handle_or_error(corsgate::Policy::from_json_bytes(input))
}

/// A compiled value as a handle (the address of its box), or `0` with the error as JSON
/// in the output buffer (`{"message","code","errors","warnings"}`).
pub(crate) fn handle_or_error<T>(compiled: Result<T, corsgate::ConfigError>) -> usize {
    match compiled {
        Ok(p) => Box::into_raw(Box::new(p)) as usize,
        Err(e) => {
            let json = wire::config_error_json(&e);
            emit(|o| o.extend_from_slice(json.as_bytes()));
            0
        }
    }
}

/// The current length of the output buffer.
#[unsafe(no_mangle)]
pub extern "C" fn cg_out_len() -> u32 {
    OUT.with(|o| o.borrow().len() as u32)
}

/// Frees a policy.
///
/// # Safety
/// `h` must be a live handle from [`cg_policy_new`]; it is dead afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cg_policy_free(h: usize) {
    // SAFETY: guaranteed by the caller.
    unsafe { drop_handle::<corsgate::Policy>(h) }
}

/// Drops the boxed `T` behind a handle from [`handle_or_error`]; `0` is ignored.
///
/// # Safety
/// `h` is `0` or a live handle of a boxed `T`; it is dead afterwards.
pub(crate) unsafe fn drop_handle<T>(h: usize) {
    if h != 0 {
        // SAFETY: guaranteed by the caller.
        drop(unsafe { Box::from_raw(h as *mut T) });
    }
}

/// Writes the policy's warnings as a JSON array; returns the length.
///
/// # Safety
/// `h` must be a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cg_policy_warnings(h: usize) -> u32 {
    // SAFETY: guaranteed by the caller.
    let p = unsafe { policy(h) };
    let json = wire::diagnostics_json(p.warnings()).to_string();
    emit(|o| o.extend_from_slice(json.as_bytes()))
}

/// Writes the policy as written, every field present, as JSON; returns the length.
///
/// # Safety
/// `h` must be a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cg_policy_config(h: usize) -> u32 {
    // SAFETY: guaranteed by the caller.
    let p = unsafe { policy(h) };
    let json = p.config().to_json_value().to_string();
    emit(|o| o.extend_from_slice(json.as_bytes()))
}

/// Whether `origin` would be allowed to read an actual response: 1 or 0.
///
/// # Safety
/// `h` must be a live handle; `ptr..ptr+len` readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cg_origin_allowed(h: usize, ptr: *const u8, len: u32) -> u32 {
    // SAFETY: guaranteed by the caller.
    let (p, origin) = unsafe { (policy(h), bytes(ptr, len)) };
    u32::from(p.is_origin_allowed(origin))
}

/// What [`cg_evaluate`] writes, chosen by its `mode` argument.
pub(crate) const MODE_COMPACT: u32 = 0;
pub(crate) const MODE_REASON: u32 = 1;
pub(crate) const MODE_JSON: u32 = 2;
/// Bit of `mode`: the input is length-prefixed instead of NUL-joined.
pub(crate) const MODE_PREFIXED: u32 = 4;

/// Decides one request and writes the decision; returns its length, or `u32::MAX`
/// when the joined input does not hold exactly `count` strings (a string held a NUL:
/// the loader then retries with the length-prefixed layout, `mode | 4`).
///
/// `mode & 3`: 0 the compact form without the reason text, 1 with it (see
/// [`wire::encode_decision`]), 2 the JSON line of `corsgate eval --jsonl`.
///
/// # Safety
/// `h` must be a live handle; `ptr..ptr+len` readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cg_evaluate(
    h: usize,
    ptr: *const u8,
    len: u32,
    count: u32,
    mode: u32,
) -> u32 {
    // SAFETY: guaranteed by the caller.
    let (p, input) = unsafe { (policy(h), bytes(ptr, len)) };
    let mut parts: Vec<&[u8]> = Vec::with_capacity(count.min(64) as usize);
    if wire::split(input, count as usize, mode & MODE_PREFIXED != 0, &mut parts).is_none() {
        return u32::MAX;
    }
    let d = wire::evaluate(p, &parts);
    match mode & 3 {
        MODE_JSON => {
            let json = d.to_json();
            emit(|o| o.extend_from_slice(json.as_bytes()))
        }
        m => emit(|o| wire::encode_decision(&d, m == MODE_REASON, o)),
    }
}

/// Applies the core's response rule (DESIGN "Applying a decision to a response") to a
/// decision of kind `kind` (0 not CORS, 1 preflight, 2 actual) and an application's
/// response. The input is `count` strings: the decision's `2 * decision_lines` header
/// strings (`name, value, …`), then the application's (`name, value, …`), NUL-joined or,
/// with `prefixed` = 1, length-prefixed. Writes [`wire::encode_merge`]'s output and returns
/// its length; `u32::MAX` when the input does not split into `count` strings (the loader
/// retries length-prefixed), `u32::MAX - 1` for an unknown kind.
///
/// # Safety
/// `ptr..ptr+len` must be readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cg_merge(
    kind: u32,
    ptr: *const u8,
    len: u32,
    count: u32,
    decision_lines: u32,
    prefixed: u32,
) -> u32 {
    let Some(kind) = wire::kind_from_code(kind) else {
        return u32::MAX - 1;
    };
    // SAFETY: guaranteed by the caller.
    let input = unsafe { bytes(ptr, len) };
    let mut parts: Vec<&[u8]> = Vec::with_capacity(count.min(256) as usize);
    let ok = wire::split(input, count as usize, prefixed != 0, &mut parts);
    let split = (2 * decision_lines as usize).min(parts.len());
    if ok.is_none() {
        return u32::MAX;
    }
    let (decision, app) = parts.split_at(split);
    emit(|o| wire::encode_merge(kind, decision, app, o))
}

/// Writes the core's version (`corsgate::VERSION`); returns the length.
#[unsafe(no_mangle)]
pub extern "C" fn cg_version() -> u32 {
    emit(|o| o.extend_from_slice(corsgate::VERSION.as_bytes()))
}

/// Writes the request header names the core reads, NUL-separated; returns the length.
#[unsafe(no_mangle)]
pub extern "C" fn cg_request_header_names() -> u32 {
    emit(|o| {
        for (i, n) in corsgate::names::REQUEST_HEADERS.iter().enumerate() {
            if i > 0 {
                o.push(0);
            }
            o.extend_from_slice(n.as_bytes());
        }
    })
}

const _: () = assert!(MODE_COMPACT == 0);
