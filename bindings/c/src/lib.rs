//! # corsgate-c: the C ABI of corsgate
//!
//! Builds `libcorsgate.a` and `libcorsgate.so`; `include/corsgate.h` is generated from
//! this file by a pinned cbindgen (see `cbindgen.toml`) and committed.
//!
//! The shape follows rustls-ffi: `corsgate_<object>_<verb>` names, opaque handles owned
//! through `Box`, numeric result codes with [`corsgate_result_str`], byte inputs as
//! pointer + length (never NUL-terminated), outputs written only on success, a NULL check
//! and a panic boundary on every export. Nothing here decides anything about CORS: every
//! decision, error code and message comes from the `corsgate` core crate, unchanged.
//!
//! Thread safety: a `corsgate_policy` is immutable once compiled; any number of threads
//! may evaluate with one policy at the same time. A `corsgate_config_error` is read-only
//! too. Freeing an object while another thread uses it is the caller's bug.
//!
//! ## Strings: one convention
//!
//! Every string crossing the ABI, in either direction, is a pointer and a length in
//! bytes, never NUL-terminated:
//! - inputs are `(const uint8_t *x, size_t x_len)` pairs or `corsgate_slice`s; a NULL
//!   pointer is allowed only with length 0;
//! - outputs are `corsgate_slice`s borrowed from the library (each function says how
//!   long they live), or bytes copied into a caller's buffer `(buf, buf_len, *out_len)`;
//! - an empty output slice has `len` 0 and a `data` pointing to a static byte, never a
//!   dangling address; `data` is NULL only for an absent optional field, documented on
//!   that field;
//! - text made by the library is UTF-8; bytes echoed from a request are the request's.
//!
//! Print one with `printf("%.*s", (int)s.len, (const char *)s.data)`.
//!
//! ## Enums: fixed width
//!
//! `corsgate_result`, `corsgate_kind` and `corsgate_reason` are `uint32_t` typedefs with
//! named constants (as in rustls-ffi), so their size never depends on the C compiler.
//! A value outside the named constants is rejected where the library reads one.

#![allow(non_camel_case_types)]

mod set;
pub use set::*;

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use corsgate_core::response::{Line, Merged};
use corsgate_core::{
    ActualAllowed, ConfigError, Decision, DecisionOut, Diagnostic, Kind, Policy, PreflightAllowed,
    Reason, Severity,
};

/// Major version of this library (the `corsgate` crates' version).
pub const CORSGATE_VERSION_MAJOR: u32 = 0;
/// Minor version of this library.
pub const CORSGATE_VERSION_MINOR: u32 = 1;
/// Patch version of this library.
pub const CORSGATE_VERSION_PATCH: u32 = 0;
/// `MAJOR * 1000000 + MINOR * 1000 + PATCH`, for `#if CORSGATE_VERSION_NUMBER >= ...`.
pub const CORSGATE_VERSION_NUMBER: u32 = 1_000;

/// The most response headers one decision holds: the size of
/// `corsgate_decision.headers`.
pub const CORSGATE_MAX_HEADERS: usize = 15;

const _: () = assert!(CORSGATE_MAX_HEADERS == corsgate_core::MAX_HEADERS);
const _: () = assert!(
    CORSGATE_VERSION_NUMBER
        == CORSGATE_VERSION_MAJOR * 1_000_000
            + CORSGATE_VERSION_MINOR * 1_000
            + CORSGATE_VERSION_PATCH
);

/// The outcome of a call (`uint32_t`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum corsgate_result {
    /// Success; the outputs were written.
    Ok = 0,
    /// A required pointer was NULL, or a (pointer, length) pair had a NULL pointer with a
    /// non-zero length.
    NullParameter = 1,
    /// The policy was rejected; see the `corsgate_config_error`.
    InvalidPolicy = 2,
    /// A bug inside the library was caught at the boundary (a Rust panic); nothing
    /// was written.
    Panic = 3,
    /// An index past the end of a list.
    OutOfRange = 4,
    /// The caller's buffer is too small; the needed length was reported.
    BufferTooSmall = 5,
    /// A value the library cannot use (e.g. a `corsgate_decision` not written by
    /// `corsgate_policy_evaluate`).
    InvalidParameter = 6,
}

/// How a request was classified (`uint32_t`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum corsgate_kind {
    /// No `Origin` header: pass the request through and add the headers.
    NotCors = 0,
    /// A CORS preflight: answer it with `status` and the headers; do not call the
    /// application.
    Preflight = 1,
    /// A CORS request other than a preflight: call the application and add the headers
    /// to its response (also to error responses).
    Actual = 2,
    /// Refused by cross-origin protection (`cross_origin_protection`): answer it with
    /// `status` (403) and the headers (`Vary: Origin`); do not call the application.
    Refused = 3,
}

/// Why a decision came out as it did (`uint32_t`). `corsgate_reason_str` gives the
/// core's stable snake_case name; `corsgate_decision_reason_write` the core's sentence.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum corsgate_reason {
    /// No `Origin` header.
    NotCors = 0,
    /// The policy allows any origin (`*`).
    AnyOrigin = 1,
    /// `origins[reason_index]` (text in `reason_detail`) admits the origin.
    OriginAllowed = 2,
    /// The `Origin` value is not a serialized origin a browser would send.
    OriginMalformed = 3,
    /// More than one `Origin` header line.
    OriginMultiple = 4,
    /// No pattern admits the origin.
    OriginNotAllowed = 5,
    /// `Access-Control-Request-Method` is empty, not a token, or repeated.
    MethodMalformed = 6,
    /// The requested method is CONNECT, TRACE or TRACK.
    MethodForbidden = 7,
    /// The requested method (in `reason_detail`) is not allowed.
    MethodNotAllowed = 8,
    /// `Access-Control-Request-Headers` holds something other than header names.
    HeadersMalformed = 9,
    /// `Access-Control-Request-Headers` exceeds the documented bounds.
    HeadersTooLarge = 10,
    /// The first refused request header name is in `reason_detail`.
    HeaderNotAllowed = 11,
    /// Private network access requested but not enabled.
    PrivateNetworkNotAllowed = 12,
    /// Cross-origin protection refused an unsafe request (or WebSocket handshake) from
    /// an origin the policy does not trust.
    CrossOriginRequestRefused = 13,
    /// A policy set selected no route for the request's host and path.
    NoPolicy = 14,
}

// `corsgate_reason` is the core's `ReasonCode` numbering (and `corsgate_kind` the
// core's `Kind` numbering). cbindgen reads only literal
// discriminants (the core's enum is generated by a macro), so the values are spelled out
// above and checked against the core here, at compile time: one C value per core code,
// each equal to the core's number. A code added to or renumbered in the core stops this
// crate from building; names and sentences always come from the core (`reason_from`).
const _: () = {
    use corsgate_core::ReasonCode as R;
    use corsgate_reason as C;
    let pairs = [
        (C::NotCors as u32, R::NotCors as u32),
        (C::AnyOrigin as u32, R::AnyOrigin as u32),
        (C::OriginAllowed as u32, R::OriginAllowed as u32),
        (C::OriginMalformed as u32, R::OriginMalformed as u32),
        (C::OriginMultiple as u32, R::OriginMultiple as u32),
        (C::OriginNotAllowed as u32, R::OriginNotAllowed as u32),
        (C::MethodMalformed as u32, R::MethodMalformed as u32),
        (C::MethodForbidden as u32, R::MethodForbidden as u32),
        (C::MethodNotAllowed as u32, R::MethodNotAllowed as u32),
        (C::HeadersMalformed as u32, R::HeadersMalformed as u32),
        (C::HeadersTooLarge as u32, R::HeadersTooLarge as u32),
        (C::HeaderNotAllowed as u32, R::HeaderNotAllowed as u32),
        (
            C::PrivateNetworkNotAllowed as u32,
            R::PrivateNetworkNotAllowed as u32,
        ),
        (
            C::CrossOriginRequestRefused as u32,
            R::CrossOriginRequestRefused as u32,
        ),
        (C::NoPolicy as u32, R::NoPolicy as u32),
    ];
    assert!(R::ALL.len() == pairs.len());
    assert!(corsgate_kind::NotCors as u32 == Kind::NotCors as u32);
    assert!(corsgate_kind::Preflight as u32 == Kind::Preflight as u32);
    assert!(corsgate_kind::Actual as u32 == Kind::Actual as u32);
    assert!(corsgate_kind::Refused as u32 == Kind::Refused as u32);
    assert!(Kind::ALL.len() == 4);
    let mut i = 0;
    while i < pairs.len() {
        assert!(pairs[i].0 == pairs[i].1);
        i += 1;
    }
};

/// A borrowed run of bytes: `data` points to `len` bytes (not NUL-terminated), the
/// ABI's one form of string. As input, `data` may be NULL only when `len` is 0. As
/// output, `data` is never NULL unless documented (absent optional fields), and an
/// empty slice points to a static byte.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct corsgate_slice {
    /// First byte.
    pub data: *const u8,
    /// Number of bytes.
    pub len: usize,
}

/// One header line: a (name, value) pair of byte slices.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct corsgate_header {
    /// Header name (any case for input; canonical case in decisions).
    pub name: corsgate_slice,
    /// Header value.
    pub value: corsgate_slice,
}

/// The answer to one request, filled by `corsgate_policy_evaluate` into storage the
/// caller provides. Every slice in it borrows from the policy (header names and
/// precomputed values) or from the request buffers passed to evaluate (the echoed
/// origin, method and header names): it stays valid while both are alive and unchanged.
/// It owns nothing and needs no free.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct corsgate_decision {
    /// How the request was classified.
    pub kind: corsgate_kind,
    /// Whether the browser will let the page read the response (always true for
    /// `CORSGATE_KIND_NOT_CORS`).
    pub allowed: bool,
    /// For preflights, the status to answer with (the policy's `preflight_status`, or
    /// 403); 403 for `CORSGATE_KIND_REFUSED`; 0 for other kinds, whose status is the
    /// application's.
    pub status: u16,
    /// Why.
    pub reason: corsgate_reason,
    /// For `CORSGATE_REASON_ORIGIN_ALLOWED`, the position of the matching pattern in
    /// `origins`; 0 otherwise.
    pub reason_index: usize,
    /// The pattern (`ORIGIN_ALLOWED`), method (`METHOD_NOT_ALLOWED`) or header name
    /// (`HEADER_NOT_ALLOWED`) behind the reason; empty (`len` 0) otherwise.
    pub reason_detail: corsgate_slice,
    /// Number of valid entries in `headers`.
    pub headers_len: usize,
    /// The response headers to set, in a fixed order; entries at `headers_len` and
    /// beyond are unspecified. Names are canonical (`Access-Control-Allow-Origin`),
    /// values visible ASCII.
    pub headers: [corsgate_header; CORSGATE_MAX_HEADERS],
}

/// One diagnostic (error or warning) about a policy. Every slice borrows from the object
/// it was read from (`corsgate_config_error` or `corsgate_policy`) and lives as long as
/// that object.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct corsgate_diagnostic {
    /// The core's stable snake_case code, e.g. `invalid_wildcard`.
    pub code: corsgate_slice,
    /// True for errors (the policy is rejected), false for warnings.
    pub is_error: bool,
    /// The policy field (`origins`, `methods` ...); `data` is NULL when the diagnostic
    /// concerns the whole document.
    pub field: corsgate_slice,
    /// Whether `index` is meaningful.
    pub has_index: bool,
    /// Position of the entry inside the list `field`.
    pub index: usize,
    /// The entry's text as written; `data` is NULL when there is none.
    pub value: corsgate_slice,
    /// The core's one-line explanation.
    pub message: corsgate_slice,
    /// The core's full line: `origins[2] "https://a.com/p": origin_has_path: message`.
    pub text: corsgate_slice,
}

/// A compiled, immutable policy. Thread-safe: share one pointer among threads and
/// evaluate concurrently. Create with `corsgate_policy_from_json`, free with
/// `corsgate_policy_free`.
pub struct corsgate_policy {
    inner: Policy,
    warning_texts: Vec<String>,
}

/// Every problem found in a rejected policy (errors and warnings), as produced by the
/// core. Read-only, thread-safe; free with `corsgate_config_error_free`.
pub struct corsgate_config_error {
    inner: ConfigError,
    error_texts: Vec<String>,
    /// Each error's path (`policies.acme.origins[1]`, `origins[1]`).
    error_paths: Vec<String>,
    warning_texts: Vec<String>,
    /// The core's `Display` of the whole error.
    message: String,
}

/// The byte every empty output slice points to: C never receives a dangling address.
static EMPTY_BYTE: u8 = 0;

impl corsgate_slice {
    const EMPTY: corsgate_slice = corsgate_slice {
        data: &EMPTY_BYTE,
        len: 0,
    };
    const ABSENT: corsgate_slice = corsgate_slice {
        data: ptr::null(),
        len: 0,
    };

    /// A slice of `s`; [`corsgate_slice::EMPTY`] when `s` is empty (a Rust empty `str`
    /// may carry a dangling pointer).
    fn of(s: &str) -> corsgate_slice {
        Self::of_bytes(s.as_bytes())
    }

    /// A slice of `b`; [`corsgate_slice::EMPTY`] when `b` is empty.
    fn of_bytes(b: &[u8]) -> corsgate_slice {
        if b.is_empty() {
            Self::EMPTY
        } else {
            corsgate_slice {
                data: b.as_ptr(),
                len: b.len(),
            }
        }
    }

    fn of_opt(s: Option<&str>) -> corsgate_slice {
        s.map_or(Self::ABSENT, Self::of)
    }

    fn is_valid_input(&self) -> bool {
        !(self.data.is_null() && self.len != 0)
    }

    /// # Safety
    /// `self` passed [`corsgate_slice::is_valid_input`] and points to `len` readable
    /// bytes that stay unchanged for `'a`.
    unsafe fn as_bytes<'a>(&self) -> &'a [u8] {
        if self.len == 0 {
            &[]
        } else {
            // SAFETY: non-NULL (checked by `is_valid_input`) and valid for `len` bytes
            // for `'a` by this function's contract.
            unsafe { std::slice::from_raw_parts(self.data, self.len) }
        }
    }
}

/// Runs `f` behind the panic boundary: a panic becomes `on_panic`.
fn guard<R>(on_panic: R, f: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(on_panic)
}

/// # Safety
/// When `len > 0` and `data` is non-NULL, `data` points to `len` readable elements that
/// stay unchanged for `'a`.
unsafe fn input_slice<'a, T>(data: *const T, len: usize) -> Option<&'a [T]> {
    if len == 0 {
        Some(&[])
    } else if data.is_null() {
        None
    } else {
        // SAFETY: non-NULL and valid for `len` elements by this function's contract.
        Some(unsafe { std::slice::from_raw_parts(data, len) })
    }
}

/// The library version, e.g. `"0.1.0"`, as a static slice (never freed). Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn corsgate_version() -> corsgate_slice {
    corsgate_slice::of(env!("CARGO_PKG_VERSION"))
}

/// A static description of a `corsgate_result` value (e.g. `"ok"`, `"null parameter"`);
/// `"unknown result"` for values outside the enum. Never freed. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn corsgate_result_str(result: u32) -> corsgate_slice {
    corsgate_slice::of(match result {
        0 => "ok",
        1 => "null parameter",
        2 => "invalid policy",
        3 => "internal panic caught at the C boundary",
        4 => "index out of range",
        5 => "buffer too small",
        6 => "invalid parameter",
        _ => "unknown result",
    })
}

/// The C fields of a reason spelled out variant by variant: the tests' reference for
/// `write_decision`, which stores `reason_code() as u32`, `index()` and `detail()`.
#[cfg(test)]
fn reason_of(r: &Reason<'_>) -> (corsgate_reason, usize, corsgate_slice) {
    use corsgate_reason as C;
    match *r {
        Reason::NotCors => (C::NotCors, 0, corsgate_slice::EMPTY),
        Reason::AnyOrigin => (C::AnyOrigin, 0, corsgate_slice::EMPTY),
        Reason::OriginAllowed { index, pattern } => {
            (C::OriginAllowed, index, corsgate_slice::of(pattern))
        }
        Reason::OriginMalformed => (C::OriginMalformed, 0, corsgate_slice::EMPTY),
        Reason::OriginMultiple => (C::OriginMultiple, 0, corsgate_slice::EMPTY),
        Reason::OriginNotAllowed => (C::OriginNotAllowed, 0, corsgate_slice::EMPTY),
        Reason::MethodMalformed => (C::MethodMalformed, 0, corsgate_slice::EMPTY),
        Reason::MethodForbidden => (C::MethodForbidden, 0, corsgate_slice::EMPTY),
        Reason::MethodNotAllowed { method } => (C::MethodNotAllowed, 0, corsgate_slice::of(method)),
        Reason::HeadersMalformed => (C::HeadersMalformed, 0, corsgate_slice::EMPTY),
        Reason::HeadersTooLarge => (C::HeadersTooLarge, 0, corsgate_slice::EMPTY),
        Reason::HeaderNotAllowed { name } => (C::HeaderNotAllowed, 0, corsgate_slice::of(name)),
        Reason::PrivateNetworkNotAllowed => (C::PrivateNetworkNotAllowed, 0, corsgate_slice::EMPTY),
        Reason::CrossOriginRequestRefused => {
            (C::CrossOriginRequestRefused, 0, corsgate_slice::EMPTY)
        }
        Reason::NoPolicy => (C::NoPolicy, 0, corsgate_slice::EMPTY),
        // Unreachable while `reason_codes_match_the_core` passes (every core code has
        // its value here); a reason added to the core fails that test first.
        _ => (C::NotCors, 0, corsgate_slice::EMPTY),
    }
}

/// The core's `Reason` back from the C fields (the inverse of [`reason_of`]); `None`
/// for a number that is no core `ReasonCode`.
fn reason_from(code: u32, index: usize, detail: &str) -> Option<Reason<'_>> {
    use corsgate_core::ReasonCode as R;
    Some(match R::from_u32(code)? {
        R::NotCors => Reason::NotCors,
        R::AnyOrigin => Reason::AnyOrigin,
        R::OriginAllowed => Reason::OriginAllowed {
            index,
            pattern: detail,
        },
        R::OriginMalformed => Reason::OriginMalformed,
        R::OriginMultiple => Reason::OriginMultiple,
        R::OriginNotAllowed => Reason::OriginNotAllowed,
        R::MethodMalformed => Reason::MethodMalformed,
        R::MethodForbidden => Reason::MethodForbidden,
        R::MethodNotAllowed => Reason::MethodNotAllowed { method: detail },
        R::HeadersMalformed => Reason::HeadersMalformed,
        R::HeadersTooLarge => Reason::HeadersTooLarge,
        R::HeaderNotAllowed => Reason::HeaderNotAllowed { name: detail },
        R::PrivateNetworkNotAllowed => Reason::PrivateNetworkNotAllowed,
        R::CrossOriginRequestRefused => Reason::CrossOriginRequestRefused,
        R::NoPolicy => Reason::NoPolicy,
        // A code the core added after this list: the compile-time check above fails
        // first, so this is never reached.
        _ => return None,
    })
}

/// The core's stable snake_case name of a `corsgate_kind` value (`"not_cors"`,
/// `"preflight"`, `"actual"`, `"refused"`), as a static slice; `len` 0 for values
/// outside the enum. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn corsgate_kind_str(kind: u32) -> corsgate_slice {
    guard(corsgate_slice::EMPTY, || {
        Kind::ALL
            .iter()
            .find(|k| **k as u32 == kind)
            .map_or(corsgate_slice::EMPTY, |k| corsgate_slice::of(k.as_str()))
    })
}

/// The core's stable snake_case name of a `corsgate_reason` value (e.g.
/// `"origin_not_allowed"`), as a static slice; `len` 0 for values outside the enum.
/// Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn corsgate_reason_str(reason: u32) -> corsgate_slice {
    guard(corsgate_slice::EMPTY, || {
        corsgate_core::ReasonCode::from_u32(reason)
            .map_or(corsgate_slice::EMPTY, |c| corsgate_slice::of(c.as_str()))
    })
}

fn error_box(e: ConfigError) -> Box<corsgate_config_error> {
    let error_texts = e.errors.iter().map(ToString::to_string).collect();
    let error_paths = e.errors.iter().map(Diagnostic::path).collect();
    let warning_texts = e.warnings.iter().map(ToString::to_string).collect();
    let message = e.to_string();
    Box::new(corsgate_config_error {
        inner: e,
        error_texts,
        error_paths,
        warning_texts,
        message,
    })
}

/// Validates and compiles a policy document (JSON, UTF-8, `json_len` bytes, not
/// NUL-terminated).
///
/// On `CORSGATE_RESULT_OK`, `*policy_out` receives a new policy that the caller owns and
/// frees with `corsgate_policy_free`. On `CORSGATE_RESULT_INVALID_POLICY`, when
/// `error_out` is not NULL, `*error_out` receives a new `corsgate_config_error` listing
/// every problem (the caller frees it with `corsgate_config_error_free`). `*error_out` is
/// set to NULL in every other case, `*policy_out` is written only on success. The
/// library keeps no reference to `json`.
///
/// Results: `OK`, `INVALID_POLICY`, `NULL_PARAMETER` (`policy_out` NULL, or `json` NULL
/// with `json_len` > 0), `PANIC`. Thread-safe.
///
/// # Safety
/// `json` points to `json_len` readable bytes (or `json_len` is 0); `policy_out` and
/// `error_out` are NULL or point to writable pointers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_policy_from_json(
    json: *const u8,
    json_len: usize,
    policy_out: *mut *mut corsgate_policy,
    error_out: *mut *mut corsgate_config_error,
) -> corsgate_result {
    // SAFETY: forwarded contract.
    unsafe {
        compile_into(json, json_len, policy_out, error_out, |bytes| {
            Policy::from_json_bytes(bytes).map(|p| corsgate_policy {
                warning_texts: p.warnings().iter().map(ToString::to_string).collect(),
                inner: p,
            })
        })
    }
}

/// The body of `corsgate_policy_from_json` and `corsgate_policy_set_from_json`:
/// `compile` the document and hand the boxed object or the error out.
///
/// # Safety
/// As those functions: `json` valid for `json_len` bytes; `out` and `error_out` NULL or
/// writable.
unsafe fn compile_into<T>(
    json: *const u8,
    json_len: usize,
    out: *mut *mut T,
    error_out: *mut *mut corsgate_config_error,
    compile: impl FnOnce(&[u8]) -> Result<T, ConfigError>,
) -> corsgate_result {
    guard(corsgate_result::Panic, || {
        if !error_out.is_null() {
            // SAFETY: non-NULL, writable by the contract.
            unsafe { error_out.write(ptr::null_mut()) };
        }
        if out.is_null() {
            return corsgate_result::NullParameter;
        }
        // SAFETY: `json` is valid for `json_len` bytes by the contract.
        let Some(bytes) = (unsafe { input_slice(json, json_len) }) else {
            return corsgate_result::NullParameter;
        };
        match compile(bytes) {
            Ok(object) => {
                // SAFETY: non-NULL (checked above), writable by the contract.
                unsafe { out.write(Box::into_raw(Box::new(object))) };
                corsgate_result::Ok
            }
            Err(e) => {
                if !error_out.is_null() {
                    // SAFETY: non-NULL, writable by the contract.
                    unsafe { error_out.write(Box::into_raw(error_box(e))) };
                }
                corsgate_result::InvalidPolicy
            }
        }
    })
}

/// Frees a policy. NULL is a no-op. Every `corsgate_decision` borrowed from it becomes
/// invalid. Not thread-safe with respect to other uses of the same policy: free it when
/// no thread evaluates with it any more.
///
/// # Safety
/// `policy` is NULL or a pointer from `corsgate_policy_from_json` not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_policy_free(policy: *mut corsgate_policy) {
    guard((), || {
        if !policy.is_null() {
            // SAFETY: made by `Box::into_raw` in `corsgate_policy_from_json`, freed once
            // by the contract.
            drop(unsafe { Box::from_raw(policy) });
        }
    });
}

/// Decides one request: `method` (`method_len` bytes) and `headers_len` request header
/// lines in request order (names in any case, repeated names allowed). Writes the
/// decision into `*decision_out`, storage the caller provides; never allocates.
///
/// The decision's slices borrow from `policy` and from the request bytes passed here:
/// keep both alive and unchanged while using it. Bytes a browser would not send give a
/// deny, never an error.
///
/// Results: `OK`; `NULL_PARAMETER` (`policy` or `decision_out` NULL, or a (pointer,
/// length) pair with a NULL pointer and a non-zero length); `PANIC`. Nothing is written
/// unless the result is `OK`. Thread-safe: any number of threads may evaluate with one
/// policy concurrently.
///
/// # Safety
/// `policy` is NULL or a live policy; `method` points to `method_len` bytes; `headers`
/// points to `headers_len` elements whose slices point to their `len` bytes;
/// `decision_out` is NULL or points to writable storage for one `corsgate_decision`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_policy_evaluate(
    policy: *const corsgate_policy,
    method: *const u8,
    method_len: usize,
    headers: *const corsgate_header,
    headers_len: usize,
    decision_out: *mut corsgate_decision,
) -> corsgate_result {
    guard(corsgate_result::Panic, || {
        // SAFETY: NULL or a live policy by the contract.
        let Some(policy) = (unsafe { policy.as_ref() }) else {
            return corsgate_result::NullParameter;
        };
        if decision_out.is_null() {
            return corsgate_result::NullParameter;
        }
        // SAFETY: valid for `method_len` bytes by the contract.
        let Some(method) = (unsafe { input_slice(method, method_len) }) else {
            return corsgate_result::NullParameter;
        };
        // SAFETY: valid for `headers_len` elements by the contract.
        let Some(headers) = (unsafe { input_slice(headers, headers_len) }) else {
            return corsgate_result::NullParameter;
        };
        // Each line's pointers are checked as the core reads it (one pass, not a
        // validation pass first); a bad one makes the result NULL_PARAMETER and nothing
        // is written, the decision taken on the other lines thrown away.
        let bad = std::cell::Cell::new(false);
        // The decision is written straight into `*decision_out` by the core's decide
        // functions (`CWriter`), unless a line was bad (the scan reads every line first).
        // SAFETY: `decision_out` is non-NULL and writable by the contract.
        let out = unsafe { CWriter::new(decision_out, &bad) };
        // SAFETY: each slice points to its `len` bytes for this call by the contract.
        policy.inner.evaluate_into(
            method,
            headers.iter().map(|h| unsafe { line(h, &bad) }),
            out,
        );
        if bad.get() {
            return corsgate_result::NullParameter;
        }
        corsgate_result::Ok
    })
}

/// The `(name, value)` bytes of one request line; `(&[], &[])` with `bad` set when a
/// slice has a NULL pointer and a non-zero length (checked once per slice: a NULL pointer
/// means "empty" or "bad", any other pointer is read as given).
///
/// # Safety
/// Each slice of `h` with a non-NULL `data` points to its `len` readable bytes, unchanged
/// for `'a`.
#[inline(always)]
unsafe fn line<'a>(h: &corsgate_header, bad: &std::cell::Cell<bool>) -> (&'a [u8], &'a [u8]) {
    #[inline(always)]
    unsafe fn bytes<'a>(s: &corsgate_slice, bad: &std::cell::Cell<bool>) -> &'a [u8] {
        if s.data.is_null() {
            if s.len != 0 {
                bad.set(true);
            }
            &[]
        } else {
            // SAFETY: non-NULL; valid for `len` bytes for `'a` by the contract (a
            // non-NULL pointer with `len` 0 is a valid empty slice of `u8`).
            unsafe { std::slice::from_raw_parts(s.data, s.len) }
        }
    }
    // SAFETY: forwarded contract.
    unsafe { (bytes(&h.name, bad), bytes(&h.value, bad)) }
}

/// The request's header lines, when every (pointer, length) pair is valid input.
///
/// # Safety
/// `headers` points to `len` elements whose slices point to their `len` bytes, all
/// unchanged for `'a`.
unsafe fn request_headers<'a>(
    headers: *const corsgate_header,
    len: usize,
) -> Option<&'a [corsgate_header]> {
    // SAFETY: forwarded contract.
    let headers = unsafe { input_slice(headers, len) }?;
    headers
        .iter()
        .all(|h| h.name.is_valid_input() && h.value.is_valid_input())
        .then_some(headers)
}

/// The `(name, value)` byte pairs of lines checked by [`request_headers`].
fn header_pairs<'a>(
    headers: &'a [corsgate_header],
) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
    headers.iter().map(|h| {
        // SAFETY: each slice passed `is_valid_input` in `request_headers` and points to
        // its bytes for `'a` by that function's contract.
        unsafe { (h.name.as_bytes(), h.value.as_bytes()) }
    })
}

/// Writes `d` field by field (only the used header entries), inlined into each export
/// so the decision is read where `evaluate` left it.
///
/// `kind` and `reason` are stored as the core's numbers (`Kind as u32`,
/// `ReasonCode as u32`): every core value is a named C constant with that number
/// (checked at compile time above), so no translation table runs per call.
///
/// # Safety
/// `out` is non-NULL and points to writable storage for one `corsgate_decision` (which
/// may be uninitialized: nothing is read through it).
#[inline(always)]
unsafe fn write_decision(d: &Decision<'_>, out: *mut corsgate_decision) {
    // The common reason first: an allowed origin (actual or preflight) is stored without
    // the jump table over every variant that `reason_code()`, `index()` and `detail()`
    // each compile to; the other reasons take the general path.
    let (code, index, detail) = allowed_reason(d.reason());
    // SAFETY: every write goes to a field of `*out`, in bounds by the contract; `p` stays
    // within `headers` (compared with its end before each write). The `kind` and `reason`
    // fields are `uint32_t` in C and hold only named values: the core's numbers, each a
    // constant of the C enum by the compile-time check above.
    unsafe {
        let slots = ptr::addr_of_mut!((*out).headers).cast::<corsgate_header>();
        let end = slots.add(CORSGATE_MAX_HEADERS);
        let mut p = slots;
        // As bytes: the C caller gets bytes, so the echoed origin of a wildcard hit is
        // never validated as UTF-8 (`for_each_header` would). One pointer bumped per line
        // (no index to scale).
        d.for_each_header_bytes(|name, value| {
            if p < end {
                // Names are the core's non-empty constants (no EMPTY_BYTE select);
                // values are never empty either (the core's invariant), but `of_bytes`
                // keeps the substitution for safety.
                p.write(corsgate_header {
                    name: corsgate_slice {
                        data: name.as_ptr(),
                        len: name.len(),
                    },
                    value: corsgate_slice::of_bytes(value),
                });
                p = p.add(1);
            }
        });
        ptr::addr_of_mut!((*out).kind)
            .cast::<u32>()
            .write(d.kind() as u32);
        ptr::addr_of_mut!((*out).allowed).write(d.allowed());
        ptr::addr_of_mut!((*out).status).write(d.status().unwrap_or(0));
        ptr::addr_of_mut!((*out).reason).cast::<u32>().write(code);
        ptr::addr_of_mut!((*out).reason_index).write(index);
        ptr::addr_of_mut!((*out).reason_detail).write(corsgate_slice::of(detail));
        // `p` is `slots` plus the lines written (at most CORSGATE_MAX_HEADERS).
        ptr::addr_of_mut!((*out).headers_len).write(p.offset_from(slots) as usize);
    }
}

/// The core's [`DecisionOut`] for `corsgate_policy_evaluate`: writes the decision into
/// `*out`, the caller's `corsgate_decision`, straight from the decide functions' parts
/// for an allowed actual request or preflight (no `Decision` in between, nothing read
/// back), through [`write_decision`] for every other outcome. Writes nothing when `bad`
/// is set (a request line with a NULL pointer and a non-zero length: the result is
/// `NULL_PARAMETER` and nothing may be written).
struct CWriter<'b> {
    out: *mut corsgate_decision,
    bad: &'b std::cell::Cell<bool>,
}

impl<'b> CWriter<'b> {
    /// # Safety
    /// `out` is non-NULL and points to writable storage for one `corsgate_decision`
    /// (possibly uninitialized), for as long as the writer lives.
    #[inline(always)]
    unsafe fn new(out: *mut corsgate_decision, bad: &'b std::cell::Cell<bool>) -> Self {
        CWriter { out, bad }
    }

    /// Writes the scalar fields (all but `headers_len`) and returns the first header
    /// slot. Called before the lines are walked: each value is stored as soon as it is
    /// known, so none is kept live across the walk (held until after it, the reason's
    /// three words were spilled to the stack and read back, ~12 instructions per
    /// preflight).
    ///
    /// # Safety
    /// `self.out` as in [`CWriter::new`].
    #[inline(always)]
    unsafe fn start(
        &self,
        kind: Kind,
        status: u16,
        (code, index, detail): (u32, usize, &str),
    ) -> *mut corsgate_header {
        let out = self.out;
        // SAFETY: fields of `*out` (writable by the contract). `kind` and `reason` hold
        // the core's numbers, named C constants by the compile-time check above.
        unsafe {
            ptr::addr_of_mut!((*out).kind)
                .cast::<u32>()
                .write(kind as u32);
            ptr::addr_of_mut!((*out).allowed).write(true);
            ptr::addr_of_mut!((*out).status).write(status);
            ptr::addr_of_mut!((*out).reason).cast::<u32>().write(code);
            ptr::addr_of_mut!((*out).reason_index).write(index);
            ptr::addr_of_mut!((*out).reason_detail).write(corsgate_slice::of(detail));
            ptr::addr_of_mut!((*out).headers).cast::<corsgate_header>()
        }
    }

    /// Writes `headers_len`: `p` is one past the last header line written from
    /// `slots`, the first slot ([`CWriter::start`]).
    ///
    /// # Safety
    /// `self.out` as in [`CWriter::new`]; `slots` is `(*self.out).headers`' first slot
    /// and `p` within the array (or one past its end).
    #[inline(always)]
    unsafe fn finish(&self, slots: *mut corsgate_header, p: *mut corsgate_header) {
        // SAFETY: a field of `*out` (writable by the contract); `p` and `slots` are in
        // one allocation, `p` at or after `slots`.
        unsafe {
            ptr::addr_of_mut!((*self.out).headers_len).write(p.offset_from(slots) as usize);
        }
    }
}

/// Writes one header line at `*p` and moves `p` to the next slot.
///
/// # Safety
/// `*p` is a writable slot of a `corsgate_decision`'s `headers`.
#[inline(always)]
unsafe fn put_line(p: &mut *mut corsgate_header, name: &'static str, value: &[u8]) {
    // SAFETY: forwarded contract. Names are the core's non-empty constants (no
    // EMPTY_BYTE select); values get the substitution for an empty one.
    unsafe {
        p.write(corsgate_header {
            name: corsgate_slice {
                data: name.as_ptr(),
                len: name.len(),
            },
            value: corsgate_slice::of_bytes(value),
        });
        *p = p.add(1);
    }
}

/// The C reason fields of a reason, the common one (`OriginAllowed`, every allowed
/// actual request and preflight) without the general path's jump table.
#[inline(always)]
fn allowed_reason<'a>(r: Reason<'a>) -> (u32, usize, &'a str) {
    match r {
        Reason::OriginAllowed { index, pattern } => {
            (corsgate_reason::OriginAllowed as u32, index, pattern)
        }
        r => reason_parts(&r),
    }
}

// The most lines an allowed outcome writes fit the array: an actual request writes at
// most 4 (ACAO, ACAC, ACEH, Vary), a preflight at most 6 plus its ACAH lines.
const _: () = assert!(6 + corsgate_core::MAX_ACRH_LINES <= CORSGATE_MAX_HEADERS);

impl<'a> DecisionOut<'a> for CWriter<'_> {
    type Output = ();

    #[inline(always)]
    fn decision(self, d: Decision<'a>) {
        if !self.bad.get() {
            // SAFETY: `out` is writable by `CWriter::new`'s contract.
            unsafe { write_decision(&d, self.out) };
        }
    }

    #[inline(always)]
    fn actual_allowed(self, a: ActualAllowed<'a>) {
        if self.bad.get() {
            return;
        }
        // SAFETY: `out` is writable (`CWriter::new`); at most 4 lines are written, within
        // the array (the compile-time check above).
        unsafe {
            let slots = self.start(Kind::Actual, 0, allowed_reason(a.reason));
            let mut p = slots;
            // The lines and their order: the core's rule (`for_each_header_bytes`).
            a.for_each_header_bytes(|name, v| put_line(&mut p, name, v));
            self.finish(slots, p);
        }
    }

    #[inline(always)]
    fn preflight_allowed(self, f: PreflightAllowed<'a>) {
        if self.bad.get() {
            return;
        }
        // SAFETY: `out` is writable (`CWriter::new`); at most 6 + MAX_ACRH_LINES lines
        // are written (`acah_lines` has at most MAX_ACRH_LINES), within the array (the
        // compile-time check above).
        unsafe {
            let slots = self.start(Kind::Preflight, f.status, allowed_reason(f.reason));
            let mut p = slots;
            // The lines and their order: the core's rule (`for_each_header_bytes`).
            f.for_each_header_bytes(|name, v| put_line(&mut p, name, v));
            self.finish(slots, p);
        }
    }
}

/// The C reason fields of any reason (`write_decision`'s general path): the core's
/// number, the `origins` index (0 unless `OriginAllowed`) and the detail text.
#[cold]
#[inline(never)]
fn reason_parts<'a>(r: &Reason<'a>) -> (u32, usize, &'a str) {
    (r.reason_code() as u32, r.index().unwrap_or(0), r.detail())
}

/// Whether a request from `origin` (`origin_len` bytes, the `Origin` header value) would
/// be allowed to read an actual response: the hot path for callers that only need the
/// verdict. Never allocates. Returns false when `policy` is NULL, `origin` is NULL with a
/// non-zero length, or on a caught panic. Thread-safe.
///
/// # Safety
/// `policy` is NULL or a live policy; `origin` points to `origin_len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_policy_is_origin_allowed(
    policy: *const corsgate_policy,
    origin: *const u8,
    origin_len: usize,
) -> bool {
    guard(false, || {
        // SAFETY: NULL or a live policy by the contract.
        let Some(policy) = (unsafe { policy.as_ref() }) else {
            return false;
        };
        // SAFETY: valid for `origin_len` bytes by the contract.
        let Some(origin) = (unsafe { input_slice(origin, origin_len) }) else {
            return false;
        };
        policy.inner.is_origin_allowed(origin)
    })
}

fn diagnostic_out(d: &Diagnostic, text: &str) -> corsgate_diagnostic {
    corsgate_diagnostic {
        code: corsgate_slice::of(d.code.as_str()),
        is_error: d.severity() == Severity::Error,
        field: corsgate_slice::of_opt(d.field),
        has_index: d.index.is_some(),
        index: d.index.unwrap_or(0),
        value: corsgate_slice::of_opt(d.value.as_deref()),
        message: corsgate_slice::of(&d.message),
        text: corsgate_slice::of(text),
    }
}

/// The diagnostics of one list of an object: `(diagnostics, their display lines)`.
type DiagnosticList<T> = fn(&T) -> (&[Diagnostic], &[String]);

/// How many diagnostics `pick` finds in `*owner`; 0 when `owner` is NULL.
///
/// # Safety
/// `owner` is NULL or points to a live object.
unsafe fn diagnostics_len<T>(owner: *const T, pick: DiagnosticList<T>) -> usize {
    guard(0, || {
        // SAFETY: NULL or live by the contract.
        unsafe { owner.as_ref() }.map_or(0, |o| pick(o).0.len())
    })
}

/// Writes diagnostic `index` of the list `pick` finds in `*owner` to `*out`.
///
/// # Safety
/// `owner` is NULL or points to a live object; `out` is NULL or writable.
unsafe fn diagnostic_get<T>(
    owner: *const T,
    pick: DiagnosticList<T>,
    index: usize,
    out: *mut corsgate_diagnostic,
) -> corsgate_result {
    guard(corsgate_result::Panic, || {
        // SAFETY: NULL or live by the contract.
        let Some(o) = (unsafe { owner.as_ref() }) else {
            return corsgate_result::NullParameter;
        };
        if out.is_null() {
            return corsgate_result::NullParameter;
        }
        let (list, texts) = pick(o);
        match (list.get(index), texts.get(index)) {
            (Some(d), Some(t)) => {
                // SAFETY: non-NULL, writable by the contract.
                unsafe { out.write(diagnostic_out(d, t)) };
                corsgate_result::Ok
            }
            _ => corsgate_result::OutOfRange,
        }
    })
}

fn policy_warnings(p: &corsgate_policy) -> (&[Diagnostic], &[String]) {
    (p.inner.warnings(), &p.warning_texts)
}

fn error_errors(e: &corsgate_config_error) -> (&[Diagnostic], &[String]) {
    (&e.inner.errors, &e.error_texts)
}

fn error_warnings(e: &corsgate_config_error) -> (&[Diagnostic], &[String]) {
    (&e.inner.warnings, &e.warning_texts)
}

/// Number of warnings the core raised while compiling `policy` (normalizations, risky
/// but legal choices); 0 when `policy` is NULL. Thread-safe.
///
/// # Safety
/// `policy` is NULL or a live policy.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_policy_warnings_len(policy: *const corsgate_policy) -> usize {
    // SAFETY: forwarded contract.
    unsafe { diagnostics_len(policy, policy_warnings) }
}

/// Reads warning `index` of `policy` into `*out`; its slices live as long as `policy`.
/// Results: `OK`, `NULL_PARAMETER`, `OUT_OF_RANGE`, `PANIC`. Thread-safe.
///
/// # Safety
/// `policy` is NULL or a live policy; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_policy_warning_get(
    policy: *const corsgate_policy,
    index: usize,
    out: *mut corsgate_diagnostic,
) -> corsgate_result {
    // SAFETY: forwarded contract.
    unsafe { diagnostic_get(policy, policy_warnings, index, out) }
}

/// Number of errors in `error` (at least 1 for an error from
/// `corsgate_policy_from_json`); 0 when `error` is NULL. Thread-safe.
///
/// # Safety
/// `error` is NULL or a live error object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_config_error_len(error: *const corsgate_config_error) -> usize {
    // SAFETY: forwarded contract.
    unsafe { diagnostics_len(error, error_errors) }
}

/// Reads error `index` of `error` into `*out` (code, field, entry index, entry text,
/// message, full line); its slices live as long as `error`.
/// Results: `OK`, `NULL_PARAMETER`, `OUT_OF_RANGE`, `PANIC`. Thread-safe.
///
/// # Safety
/// `error` is NULL or a live error object; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_config_error_get(
    error: *const corsgate_config_error,
    index: usize,
    out: *mut corsgate_diagnostic,
) -> corsgate_result {
    // SAFETY: forwarded contract.
    unsafe { diagnostic_get(error, error_errors, index, out) }
}

/// Number of warnings found along with the errors; 0 when `error` is NULL.
/// Thread-safe.
///
/// # Safety
/// `error` is NULL or a live error object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_config_error_warnings_len(
    error: *const corsgate_config_error,
) -> usize {
    // SAFETY: forwarded contract.
    unsafe { diagnostics_len(error, error_warnings) }
}

/// Reads warning `index` of `error` into `*out`; its slices live as long as `error`.
/// Results: `OK`, `NULL_PARAMETER`, `OUT_OF_RANGE`, `PANIC`. Thread-safe.
///
/// # Safety
/// `error` is NULL or a live error object; `out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_config_error_warning_get(
    error: *const corsgate_config_error,
    index: usize,
    out: *mut corsgate_diagnostic,
) -> corsgate_result {
    // SAFETY: forwarded contract.
    unsafe { diagnostic_get(error, error_warnings, index, out) }
}

/// The core's full message for a rejected policy, one error per line:
/// `corsgate: invalid policy (2 errors)\n  origins[0] ...`, exactly the core's text.
/// Borrowed from `error` (valid until it is freed); empty when `error` is NULL.
/// Thread-safe.
///
/// # Safety
/// `error` is NULL or a live error object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_config_error_message(
    error: *const corsgate_config_error,
) -> corsgate_slice {
    guard(corsgate_slice::EMPTY, || {
        // SAFETY: NULL or a live error by the contract.
        unsafe { error.as_ref() }.map_or(corsgate_slice::EMPTY, |e| corsgate_slice::of(&e.message))
    })
}

/// Frees an error object. NULL is a no-op.
///
/// # Safety
/// `error` is NULL or a pointer from `corsgate_policy_from_json` not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_config_error_free(error: *mut corsgate_config_error) {
    guard((), || {
        if !error.is_null() {
            // SAFETY: made by `Box::into_raw` in `corsgate_policy_from_json`, freed once
            // by the contract.
            drop(unsafe { Box::from_raw(error) });
        }
    });
}

/// A `fmt::Write` that only counts bytes.
struct Counter(usize);

impl fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

/// A `fmt::Write` into a caller's buffer; fails (writing nothing more) past its end.
struct BufWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl fmt::Write for BufWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Copies the core's sentence for `decision`'s reason (e.g. `origin allowed by
/// origins[0] "https://example.com"`, UTF-8, not NUL-terminated) into `buf` (capacity
/// `buf_len`), without allocating. `*out_len` receives the text's length in bytes, also
/// on `BUFFER_TOO_SMALL` (then `buf` is untouched: retry with a buffer of `*out_len`
/// bytes). `buf` may be NULL when `buf_len` is 0, to ask for the length.
///
/// Results: `OK`, `NULL_PARAMETER`, `BUFFER_TOO_SMALL`, `INVALID_PARAMETER` (a
/// decision whose reason fields were not written by `corsgate_policy_evaluate`),
/// `PANIC`. Thread-safe.
///
/// # Safety
/// `decision` is NULL or a decision written by `corsgate_policy_evaluate` whose policy
/// and request buffers are still alive; `buf` is writable for `buf_len` bytes (or NULL
/// with `buf_len` 0); `out_len` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_decision_reason_write(
    decision: *const corsgate_decision,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> corsgate_result {
    // SAFETY: the caller's contract is this function's.
    unsafe { write_reason(decision, buf, buf_len, out_len, |r, _, w| write!(w, "{r}")) }
}

/// Copies `decision`'s reason code and detail, the form for logs and metrics: the code
/// alone (`origin_not_allowed`), or the code, `": "` and the detail when the reason has
/// one (`method_not_allowed: PATCH`, `origin_allowed: https://example.com`). The same
/// convention as `corsgate_decision_reason_write`: UTF-8, not NUL-terminated, `*out_len`
/// the length (also on `BUFFER_TOO_SMALL`, `buf` then untouched), `buf` NULL with
/// `buf_len` 0 to ask for the length, no allocation.
///
/// Results: `OK`, `NULL_PARAMETER`, `BUFFER_TOO_SMALL`, `INVALID_PARAMETER`, `PANIC`.
/// Thread-safe.
///
/// # Safety
/// As for `corsgate_decision_reason_write`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_decision_reason_code_write(
    decision: *const corsgate_decision,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> corsgate_result {
    // SAFETY: the caller's contract is this function's.
    unsafe {
        write_reason(decision, buf, buf_len, out_len, |r, detail, w| {
            w.write_str(r.code())?;
            if detail.is_empty() {
                Ok(())
            } else {
                write!(w, ": {detail}")
            }
        })
    }
}

/// The body of the `corsgate_decision_reason*_write` functions: reads the decision's
/// reason fields, measures `form`'s text, then writes it when it fits. Never allocates.
///
/// # Safety
/// As for `corsgate_decision_reason_write`.
unsafe fn write_reason(
    decision: *const corsgate_decision,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
    form: impl Fn(&Reason<'_>, &str, &mut dyn fmt::Write) -> fmt::Result,
) -> corsgate_result {
    guard(corsgate_result::Panic, || {
        if decision.is_null() || (buf.is_null() && buf_len != 0) || out_len.is_null() {
            return corsgate_result::NullParameter;
        }
        // SAFETY: `decision` is non-NULL and readable. The enum field is read as its
        // integer representation (a C caller may have stored any value there).
        let (code, index, detail) = unsafe {
            (
                ptr::addr_of!((*decision).reason).cast::<u32>().read(),
                ptr::addr_of!((*decision).reason_index).read(),
                ptr::addr_of!((*decision).reason_detail).read(),
            )
        };
        if !detail.is_valid_input() {
            return corsgate_result::InvalidParameter;
        }
        // SAFETY: the detail slice borrows from the live policy or request by the
        // contract.
        let Ok(detail) = std::str::from_utf8(unsafe { detail.as_bytes() }) else {
            return corsgate_result::InvalidParameter;
        };
        let Some(reason) = reason_from(code, index, detail) else {
            return corsgate_result::InvalidParameter;
        };
        let mut counter = Counter(0);
        let _ = form(&reason, detail, &mut counter);
        let len = counter.0;
        // SAFETY: `out_len` is non-NULL and writable by the contract.
        unsafe { out_len.write(len) };
        if len > buf_len {
            return corsgate_result::BufferTooSmall;
        }
        // SAFETY: `len` ≤ `buf_len`, so `buf` is writable for `len` bytes by the contract
        // (and non-NULL unless `len` is 0, which `output_bytes` handles).
        let Some(out) = (unsafe { output_bytes(buf, len) }) else {
            return corsgate_result::NullParameter;
        };
        let mut w = BufWriter { buf: out, len: 0 };
        if form(&reason, detail, &mut w).is_err() || w.len != len {
            return corsgate_result::Panic;
        }
        corsgate_result::Ok
    })
}

/// The most lines `corsgate_decision_apply` adds to the application's: size `out` for
/// `app_len + CORSGATE_MAX_ADDED` lines and it never reports `BUFFER_TOO_SMALL`.
pub const CORSGATE_MAX_ADDED: usize = 18;

const _: () = assert!(CORSGATE_MAX_ADDED == corsgate_core::response::MAX_ADDED);

/// One line of a final response, written by `corsgate_decision_apply`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct corsgate_response_line {
    /// True: the application's line `app[app_index]`, kept (its slices are the ones the
    /// caller passed). False: a line the decision adds (`app_index` is 0; its slices
    /// borrow from the decision's policy and request, or from the decision's `Vary`
    /// value).
    pub from_app: bool,
    /// Position of the kept line in the caller's `app` array.
    pub app_index: usize,
    /// The line.
    pub header: corsgate_header,
}

/// Whether the policy owns the response header named `name` (`name_len` bytes): it
/// starts with `Access-Control-` (ASCII case-insensitive). Such a header from the
/// application never reaches the final response (`corsgate_decision_apply` drops it).
/// False when `name` is NULL with a non-zero length. Never allocates. Thread-safe.
///
/// # Safety
/// `name` points to `name_len` readable bytes (or `name_len` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_header_is_owned(name: *const u8, name_len: usize) -> bool {
    guard(false, || {
        // SAFETY: valid for `name_len` bytes by the contract.
        unsafe { input_slice(name, name_len) }.is_some_and(corsgate_core::response::is_owned)
    })
}

/// Applies a decision to the application's response headers: the core's response rule
/// (`corsgate::response`). Every `Access-Control-*` line of `app` is dropped, the
/// decision's headers are added and `Vary` is merged by tokens (the application's lines
/// kept as written; each decision token added once unless already listed, or `*`); for a
/// preflight or a refused request the application's lines are all dropped (it is not
/// called).
///
/// Writes the final response to `out` (capacity `out_cap` lines), in order: the kept
/// application lines (`from_app`, `app_index` naming each), then the added lines.
/// `*out_len` receives the number of lines, also on `BUFFER_TOO_SMALL` (then `out` holds
/// nothing useful; `app_len + CORSGATE_MAX_ADDED` is always enough). Never allocates.
///
/// Lifetimes: the kept lines' slices are the caller's `app` slices; the added lines'
/// slices borrow what the decision borrows (its policy and request buffers). Nothing is
/// owned; nothing needs freeing.
///
/// Results: `OK`; `NULL_PARAMETER` (`decision`, `out_len` NULL, `out` NULL with
/// `out_cap` > 0, `app` NULL with `app_len` > 0, or a slice with a NULL pointer and a
/// non-zero length); `INVALID_PARAMETER` (a decision not written by
/// `corsgate_policy_evaluate`: an unknown kind, or `headers_len` over
/// `CORSGATE_MAX_HEADERS`); `BUFFER_TOO_SMALL`; `PANIC`. Thread-safe.
///
/// # Safety
/// `decision` is NULL or a decision written by `corsgate_policy_evaluate` whose policy
/// and request buffers are still alive; `app` points to `app_len` elements whose slices
/// point to their bytes; `out` is NULL or writable for `out_cap` elements; `out_len` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn corsgate_decision_apply(
    decision: *const corsgate_decision,
    app: *const corsgate_header,
    app_len: usize,
    out: *mut corsgate_response_line,
    out_cap: usize,
    out_len: *mut usize,
) -> corsgate_result {
    guard(corsgate_result::Panic, || {
        if decision.is_null() || out_len.is_null() || (out.is_null() && out_cap > 0) {
            return corsgate_result::NullParameter;
        }
        // SAFETY: valid for `app_len` elements by the contract.
        let Some(app) = (unsafe { input_slice(app, app_len) }) else {
            return corsgate_result::NullParameter;
        };
        if !app
            .iter()
            .all(|h| h.name.is_valid_input() && h.value.is_valid_input())
        {
            return corsgate_result::NullParameter;
        }
        // SAFETY: non-NULL and readable by the contract. The enum field is read as its
        // integer representation (a C caller may have stored any value there).
        let (kind, len) = unsafe {
            (
                ptr::addr_of!((*decision).kind).cast::<u32>().read(),
                ptr::addr_of!((*decision).headers_len).read(),
            )
        };
        let kind = match kind {
            0 => Kind::NotCors,
            1 => Kind::Preflight,
            2 => Kind::Actual,
            3 => Kind::Refused,
            _ => return corsgate_result::InvalidParameter,
        };
        if len > CORSGATE_MAX_HEADERS {
            return corsgate_result::InvalidParameter;
        }
        // SAFETY: readable by the contract; `len` is within the array.
        let decision_headers = unsafe { &(&(*decision).headers)[..len] };
        if !decision_headers
            .iter()
            .all(|h| h.name.is_valid_input() && h.value.is_valid_input())
        {
            return corsgate_result::NullParameter;
        }
        let lines = decision_headers.iter().map(|h| {
            // SAFETY: every slice passed `is_valid_input` above and borrows bytes that
            // stay alive for this call by the contract.
            unsafe { (h.name.as_bytes(), h.value.as_bytes()) }
        });
        let app_lines = app.iter().enumerate().map(|(i, h)| {
            // SAFETY: as above.
            (i, unsafe { (h.name.as_bytes(), h.value.as_bytes()) })
        });
        let mut n = 0;
        for line in corsgate_core::response::merge(kind, lines, app_lines.map(IndexedLine)) {
            if n < out_cap {
                let (from_app, app_index, header) = match line {
                    Merged::App(IndexedLine((i, _))) => (true, i, app[i]),
                    Merged::Added { name, value } => (
                        false,
                        0,
                        corsgate_header {
                            name: corsgate_slice::of_bytes(name),
                            value: corsgate_slice::of_bytes(value),
                        },
                    ),
                };
                // SAFETY: `out` is writable for `out_cap` elements and `n < out_cap`.
                unsafe {
                    out.add(n).write(corsgate_response_line {
                        from_app,
                        app_index,
                        header,
                    })
                };
            }
            n += 1;
        }
        // SAFETY: non-NULL, writable by the contract.
        unsafe { out_len.write(n) };
        if n > out_cap {
            return corsgate_result::BufferTooSmall;
        }
        corsgate_result::Ok
    })
}

/// An application line with its position, as the core's rule reads it.
#[derive(Clone, Copy)]
struct IndexedLine<'a>((usize, (&'a [u8], &'a [u8])));

impl Line for IndexedLine<'_> {
    fn name(&self) -> &[u8] {
        self.0.1.0
    }
    fn value(&self) -> &[u8] {
        self.0.1.1
    }
}

/// The caller's writable buffer as a slice of `len` bytes (`&mut []` when `len` is 0,
/// whatever the pointer).
///
/// # Safety
/// When `len > 0`, `data` is NULL or writable for `len` bytes, unaliased for `'a`.
unsafe fn output_bytes<'a>(data: *mut u8, len: usize) -> Option<&'a mut [u8]> {
    if len == 0 {
        Some(&mut [])
    } else if data.is_null() {
        None
    } else {
        // SAFETY: non-NULL and writable for `len` bytes by this function's contract.
        Some(unsafe { std::slice::from_raw_parts_mut(data, len) })
    }
}

const _: () = assert!(std::mem::size_of::<corsgate_reason>() == std::mem::size_of::<u32>());

#[cfg(test)]
mod tests {
    use super::*;

    const REASON_COUNT: u32 = 15;

    #[test]
    fn version_macros_match_cargo() {
        let major: u32 = env!("CARGO_PKG_VERSION_MAJOR").parse().unwrap();
        let minor: u32 = env!("CARGO_PKG_VERSION_MINOR").parse().unwrap();
        let patch: u32 = env!("CARGO_PKG_VERSION_PATCH").parse().unwrap();
        assert_eq!(CORSGATE_VERSION_MAJOR, major);
        assert_eq!(CORSGATE_VERSION_MINOR, minor);
        assert_eq!(CORSGATE_VERSION_PATCH, patch);
        assert_eq!(
            CORSGATE_VERSION_NUMBER,
            major * 1_000_000 + minor * 1_000 + patch
        );
        assert_eq!(env!("CARGO_PKG_VERSION"), corsgate_core::VERSION);
    }

    #[test]
    fn reason_round_trips_through_the_c_fields() {
        let samples = [
            Reason::NotCors,
            Reason::AnyOrigin,
            Reason::OriginAllowed {
                index: 3,
                pattern: "https://*.example.com",
            },
            Reason::OriginMalformed,
            Reason::OriginMultiple,
            Reason::OriginNotAllowed,
            Reason::MethodMalformed,
            Reason::MethodForbidden,
            Reason::MethodNotAllowed { method: "PATCH" },
            Reason::HeadersMalformed,
            Reason::HeadersTooLarge,
            Reason::HeaderNotAllowed { name: "x-a" },
            Reason::PrivateNetworkNotAllowed,
            Reason::CrossOriginRequestRefused,
            Reason::NoPolicy,
        ];
        assert_eq!(samples.len() as u32, REASON_COUNT);
        for r in samples {
            let (c, index, detail) = reason_of(&r);
            // SAFETY: `detail` was made from a `&'static str` above.
            let detail = std::str::from_utf8(unsafe { detail.as_bytes() }).unwrap();
            assert_eq!(reason_from(c as u32, index, detail), Some(r));
            // `write_decision`'s general path stores the same fields.
            assert_eq!(reason_parts(&r), (c as u32, index, detail));
        }
        assert_eq!(reason_from(REASON_COUNT, 0, ""), None);
    }

    /// The C values are the core's stable numbers and names ([`corsgate_core::ReasonCode`],
    /// [`corsgate_core::Kind`]), and every core value has one here.
    #[test]
    fn reason_codes_match_the_core() {
        assert_eq!(corsgate_core::ReasonCode::ALL.len() as u32, REASON_COUNT);
        for &code in corsgate_core::ReasonCode::ALL {
            let r = reason_from(code as u32, 0, "").expect("every core code");
            assert_eq!(r.reason_code(), code);
            assert_eq!(reason_of(&r).0 as u32, code as u32);
        }
        for &kind in corsgate_core::Kind::ALL {
            let s = corsgate_kind_str(kind as u32);
            // SAFETY: a static slice (or EMPTY).
            assert_eq!(unsafe { s.as_bytes() }, kind.as_str().as_bytes());
        }
    }
}
