//! The two hot calls as raw N-API callbacks: the public method
//! `policy.isOriginAllowed(origin)`, and the middleware's `decide(policy, method, joined,
//! count)`, a function of the addon's private exports (`binding.js`, which the package's
//! `exports` map does not expose; `index.js` re-exports only the documented API).
//!
//! Why raw: napi-rs's generated glue for a `&Policy` receiver or argument registers a
//! borrow guard per call and converts every argument to an owned `String`;
//! `benches/README.md` ("Node: raw N-API callbacks vs napi-rs glue") measures both forms
//! in one run of `scripts/bench-node.sh`, through [`decide_napi_rs`] and
//! [`is_origin_allowed_napi_rs`], the same bodies behind napi-rs's glue.
//!
//! Soundness: a raw callback accepts a `Policy` only after `napi_check_object_type_tag`
//! confirms napi-rs's own per-class type tag (stamped on every `Policy` instance when
//! napi-rs wraps it, feature `napi8`), then `napi_unwrap`s it: anything else is a
//! `TypeError`, never a type confusion. Every callback runs inside `catch_unwind`;
//! nothing panics into Node.

use crate::Policy;
use crate::registry::Engine;
use crate::set::PolicySet;
use napi::bindgen_prelude::TypeTag;
use napi::sys;
use napi_derive::napi;
use std::ptr;
use std::rc::Rc;
use std::sync::atomic::AtomicI32;

/// A raw N-API callback.
type RawCallback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// A JS exception to throw: `(is_type_error, code, message)`.
type Throw = (bool, &'static str, String);

fn type_error(msg: impl Into<String>) -> Throw {
    (true, "ERR_INVALID_ARG_TYPE", msg.into())
}

/// # Safety
/// Live `env`; throws unless an exception is already pending.
unsafe fn throw(env: sys::napi_env, (is_type, code, msg): Throw) -> sys::napi_value {
    let mut pending = false;
    // SAFETY: live env; all out pointers are valid locals; the strings are `len` bytes.
    unsafe {
        if sys::napi_is_exception_pending(env, &mut pending) != sys::Status::napi_ok || pending {
            return ptr::null_mut();
        }
        let mut c = ptr::null_mut();
        let mut m = ptr::null_mut();
        let mut e = ptr::null_mut();
        if sys::napi_create_string_utf8(env, code.as_ptr().cast(), code.len() as isize, &mut c)
            != sys::Status::napi_ok
            || sys::napi_create_string_utf8(env, msg.as_ptr().cast(), msg.len() as isize, &mut m)
                != sys::Status::napi_ok
        {
            return ptr::null_mut();
        }
        let st = if is_type {
            sys::napi_create_type_error(env, c, m, &mut e)
        } else {
            sys::napi_create_error(env, c, m, &mut e)
        };
        if st == sys::Status::napi_ok {
            sys::napi_throw(env, e);
        }
    }
    ptr::null_mut()
}

fn ok(status: sys::napi_status, what: &str) -> Result<(), Throw> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err((
            false,
            "ERR_CORSGATE_NAPI",
            format!("corsgate: N-API call failed: {what}"),
        ))
    }
}

/// Reads `this` and up to `N` arguments of the current callback.
///
/// # Safety
/// Live `env` and `info` of the current callback.
unsafe fn cb_info<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> Result<(sys::napi_value, [sys::napi_value; N], usize), Throw> {
    let mut argc = N;
    let mut args = [ptr::null_mut(); N];
    let mut this = ptr::null_mut();
    // SAFETY: live env/info; `args` holds `argc` slots; out pointers are locals.
    let st = unsafe {
        sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            args.as_mut_ptr(),
            &mut this,
            ptr::null_mut(),
        )
    };
    ok(st, "napi_get_cb_info")?;
    Ok((this, args, argc))
}

/// Resolves `value` to the `Policy` it wraps, or a `TypeError` saying `role` is not one.
///
/// # Safety
/// Live `env` and `value`. The returned reference is valid for the current callback:
/// `value` is on the JS stack, so its `Policy` cannot be finalized meanwhile.
unsafe fn policy_of<'a>(
    env: sys::napi_env,
    value: sys::napi_value,
    role: &str,
) -> Result<&'a Policy, Throw> {
    // SAFETY: forwarded contract.
    unsafe { wrapped_of::<Policy>(env, value) }?
        .ok_or_else(|| type_error(format!("corsgate: {role} is not a corsgate Policy")))
}

/// The engine of the policy `value` names: its id on this thread (`policyId(policy)`,
/// `registry.rs`: one `napi_get_value_uint32` and a bounds-checked lookup) or the
/// `Policy` object itself (a type-tag check and an unwrap, ~110-170 ns more); a
/// `TypeError` for anything else. The returned `Rc` keeps the engine alive for the call.
///
/// # Safety
/// Live `env` and `value`.
unsafe fn engine_of(env: sys::napi_env, value: sys::napi_value) -> Result<Rc<Engine>, Throw> {
    let mut id = 0u32;
    // SAFETY: live handles; `id` a local. Fails (number expected) for a non-number.
    if unsafe { sys::napi_get_value_uint32(env, value, &mut id) } == sys::Status::napi_ok {
        return crate::registry::get(id)
            .ok_or_else(|| type_error("corsgate: the first argument names no live Policy"));
    }
    // SAFETY: forwarded contract.
    let policy = unsafe { policy_of(env, value, "the first argument") }?;
    Ok(Rc::clone(&policy.engine))
}

/// The `T` (a napi-rs class: `Policy`, `PolicySet`) that `value` wraps, or `None` when
/// `value` is anything else.
///
/// # Safety
/// Live `env` and `value`. The returned reference is valid for the current callback:
/// `value` is on the JS stack, so its `T` cannot be finalized meanwhile.
unsafe fn wrapped_of<'a, T: TypeTag>(
    env: sys::napi_env,
    value: sys::napi_value,
) -> Result<Option<&'a T>, Throw> {
    let mut ty = sys::ValueType::napi_undefined;
    // SAFETY: live handles; `ty` a local. Checked first: the type-tag check would throw
    // its own exception for `null` / `undefined` (ToObject).
    let st = unsafe { sys::napi_typeof(env, value, &mut ty) };
    if st != sys::Status::napi_ok || ty != sys::ValueType::napi_object {
        return Ok(None);
    }
    let mut is_t = false;
    let tag = <T as TypeTag>::type_tag();
    // SAFETY: live handles; `tag` and `is_t` are locals. Non-objects fail.
    let st = unsafe { sys::napi_check_object_type_tag(env, value, &tag, &mut is_t) };
    if st != sys::Status::napi_ok || !is_t {
        return Ok(None);
    }
    let mut raw: *mut std::ffi::c_void = ptr::null_mut();
    // SAFETY: live handles; `raw` a local.
    if unsafe { sys::napi_unwrap(env, value, &mut raw) } != sys::Status::napi_ok || raw.is_null() {
        return Ok(None);
    }
    // SAFETY: napi-rs stamps `T`'s type tag only on objects it wrapped with a boxed `T`
    // (`napi_wrap` of `Box<T>`), so `raw` points to a live `T`.
    Ok(Some(unsafe { &*raw.cast::<T>() }))
}

/// Appends a JS string to `out` as UTF-8; `Ok(false)` if not a string.
///
/// # Safety
/// Live `env` and `v`.
unsafe fn read_string(
    env: sys::napi_env,
    v: sys::napi_value,
    out: &mut Vec<u8>,
) -> Result<bool, Throw> {
    // SAFETY: forwarded contract.
    unsafe { crate::input::append_utf8(env, v, out) }
        .or_else(|st| ok(st, "read string").map(|()| false))
}

/// Strings a request commonly holds, which `evaluateInto` / `respondInto` accept by
/// their index here instead of as a string (`spellings()` gives JavaScript the list):
/// the common methods, then each request header name the core reads as
/// `corsgate::names::REQUEST_HEADERS` spells it and in lower case (HTTP/2). The index
/// stands for exactly these bytes, so the core sees the very bytes the string holds;
/// what it saves is the N-API string copy (~20 ns per string, benches/README.md,
/// "noderatio2").
pub(crate) const SPELLINGS: [&str; 21] = [
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "PATCH",
    "OPTIONS",
    NAMES[0],
    NAMES[1],
    NAMES[2],
    NAMES[3],
    NAMES[4],
    NAMES[5],
    NAMES[6],
    "origin",
    "access-control-request-method",
    "access-control-request-headers",
    "access-control-request-private-network",
    "host",
    "sec-fetch-site",
    "upgrade",
];

/// The request header names the core reads.
const NAMES: [&str; 7] = corsgate::names::REQUEST_HEADERS;

/// Appends the JS string `v` as UTF-8, or [`SPELLINGS`]`[v]` when `v` is a number that
/// indexes it; `Ok(false)` for anything else.
///
/// The number is tried first: a request's method and names mostly cross as spelling
/// numbers (one N-API call each), its values as strings (two: the failed number read,
/// then the string); a request has more of the former (actual: 2 and 1; preflight: 4
/// and 3), so this order makes one N-API call less per request.
///
/// # Safety
/// Live `env` and `v`.
unsafe fn read_string_or_spelling(
    env: sys::napi_env,
    v: sys::napi_value,
    out: &mut Vec<u8>,
) -> Result<bool, Throw> {
    let mut i = 0u32;
    // SAFETY: live handles; `i` a local. Fails (number expected) for a non-number.
    if unsafe { sys::napi_get_value_uint32(env, v, &mut i) } == sys::Status::napi_ok {
        return match SPELLINGS.get(i as usize) {
            Some(text) => {
                out.extend_from_slice(text.as_bytes());
                Ok(true)
            }
            None => Ok(false),
        };
    }
    // SAFETY: forwarded contract.
    unsafe { read_string(env, v, out) }
}

/// Runs a callback body behind a panic boundary and turns its outcome into a return
/// value or a thrown exception.
///
/// # Safety
/// Live `env` and `info` of a JS function callback.
unsafe fn callback(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    body: unsafe fn(sys::napi_env, sys::napi_callback_info) -> Result<sys::napi_value, Throw>,
) -> sys::napi_value {
    // SAFETY: forwarded callback contract.
    let r = std::panic::catch_unwind(|| unsafe { body(env, info) });
    // SAFETY: live env.
    unsafe { finish(env, r) }
}

/// `policy.isOriginAllowed(origin)`: a boolean; non-strings are `false`.
///
/// # Safety
/// Called by Node as a JS function callback.
unsafe extern "C" fn is_origin_allowed(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: forwarded callback contract.
    unsafe { callback(env, info, is_origin_allowed_inner) }
}

/// # Safety
/// Live `env` and `info` of a JS function callback.
unsafe fn is_origin_allowed_inner(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> Result<sys::napi_value, Throw> {
    // SAFETY: forwarded callback contract.
    let (this, args, argc) = unsafe { cb_info::<1>(env, info) }?;
    // SAFETY: live handles of this callback.
    let policy = unsafe { policy_of(env, this, "Illegal invocation: `this`") }?;
    let mut allowed = false;
    if argc >= 1 {
        let mut buf = [0u8; 520];
        let mut copied = 0usize;
        // SAFETY: `buf.len()` writable bytes; live handles.
        let st = unsafe {
            sys::napi_get_value_string_utf8(
                env,
                args[0],
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut copied,
            )
        };
        if st == sys::Status::napi_ok {
            allowed = if copied + 1 < buf.len() {
                policy.engine.inner.is_origin_allowed(&buf[..copied])
            } else {
                let mut v = Vec::new();
                // SAFETY: live handles.
                unsafe { read_string(env, args[0], &mut v) }?;
                policy.engine.inner.is_origin_allowed(&v)
            };
        } else if st != sys::Status::napi_string_expected {
            ok(st, "read origin")?;
        }
    }
    let mut out = ptr::null_mut();
    // SAFETY: live env; `out` a local.
    let st = unsafe { sys::napi_get_boolean(env, allowed, &mut out) };
    ok(st, "boolean")?;
    Ok(out)
}

/// The most request strings (names and values) `decide` splits; larger requests take
/// the array form.
const MAX_STRINGS: usize = 64;

/// Decides a request given as `joined` (`count` strings, names and values alternating,
/// NUL-joined) and returns its compact text form ([`crate::encode_decision`]); `None`
/// when `joined` does not split into exactly `count` strings (a string held a NUL) or
/// `count` is odd or above [`MAX_STRINGS`].
fn decide_joined(policy: &Policy, method: &[u8], joined: &[u8], count: u32) -> Option<String> {
    decide_joined_with(Target::Policy(policy), method, joined, count)
}

/// Splits `joined` at its NUL bytes into exactly `n` byte ranges `ranges[..n]`; `false`
/// when it does not split into exactly `n` strings (a string held a NUL) or `n` is odd or
/// above [`MAX_STRINGS`].
fn split_joined(joined: &[u8], n: usize, ranges: &mut [(usize, usize); MAX_STRINGS]) -> bool {
    if !n.is_multiple_of(2) || n > MAX_STRINGS {
        return false;
    }
    if n == 0 {
        return joined.is_empty();
    }
    // NUL positions (SIMD search).
    let mut found = 0usize;
    let mut start = 0usize;
    for pos in memchr::memchr_iter(0, joined) {
        if found + 1 >= n {
            return false;
        }
        ranges[found] = (start, pos);
        start = pos + 1;
        found += 1;
    }
    if found + 1 != n {
        return false;
    }
    ranges[found] = (start, joined.len());
    true
}

/// What `decide` decides with: a policy, or a policy set and the request path.
#[derive(Clone, Copy)]
enum Target<'a> {
    Policy(&'a Policy),
    Set(&'a PolicySet, &'a [u8]),
}

/// [`decide_joined`] for a policy or a set.
fn decide_joined_with(
    target: Target<'_>,
    method: &[u8],
    joined: &[u8],
    count: u32,
) -> Option<String> {
    let n = count as usize;
    let mut ranges = [(0usize, 0usize); MAX_STRINGS];
    if !split_joined(joined, n, &mut ranges) {
        return None;
    }
    let piece = |k: usize| -> &[u8] { &joined[ranges[k].0..ranges[k].1] };
    let lines = (0..n / 2).map(|i| (piece(2 * i), piece(2 * i + 1)));
    let mut s = String::with_capacity(256);
    match target {
        Target::Policy(p) => {
            crate::encode_decision(&p.engine.inner.evaluate(method, lines), &mut s)
        }
        Target::Set(set, path) => {
            crate::encode_decision(&set.inner.evaluate(method, path, lines).decision(), &mut s)
        }
    }
    Some(s)
}

/// `decide(policy, method, joined, count[, path])`: `policy` a `Policy` or a `PolicySet` (then `path`, the request path, default `/`, selects the route); `joined` is the selected `rawHeaders` lines
/// joined with NUL and `count` their number of strings. Returns
/// `"<kind><allowed><status>\0name\0value…"` (kind 0 not CORS / 1 preflight / 2 actual / 3 refused,
/// allowed 0/1, status digits or nothing), or `null` when `joined` does not split into
/// `count` strings (a value held a NUL byte) or `count` exceeds 64: the caller then uses
/// `decideCompact` with the array.
///
/// # Safety
/// Called by Node as a JS function callback.
unsafe extern "C" fn decide(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: forwarded callback contract.
    unsafe { callback(env, info, decide_inner) }
}

/// # Safety
/// Live `env` and `info` of a JS function callback.
unsafe fn decide_inner(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> Result<sys::napi_value, Throw> {
    // SAFETY: forwarded callback contract.
    let (_, args, argc) = unsafe { cb_info::<5>(env, info) }?;
    if argc < 4 {
        return Err(type_error(
            "corsgate: decide(policy, method, joined, count[, path]) takes 4 or 5 arguments",
        ));
    }
    // SAFETY: live handles of this callback.
    let set = unsafe { wrapped_of::<PolicySet>(env, args[0]) }?;
    let policy = match set {
        Some(_) => None,
        // SAFETY: live handles of this callback.
        None => Some(unsafe { policy_of(env, args[0], "the first argument") }?),
    };
    let mut count = 0u32;
    // SAFETY: live handles; `count` a local.
    if unsafe { sys::napi_get_value_uint32(env, args[3], &mut count) } != sys::Status::napi_ok {
        return Err(type_error("corsgate: count must be a number"));
    }
    let mut bytes = Vec::with_capacity(1024);
    // SAFETY: live handles.
    if !unsafe { read_string(env, args[1], &mut bytes) }? {
        return Err(type_error("corsgate: method must be a string"));
    }
    let method_len = bytes.len();
    // SAFETY: live handles.
    if !unsafe { read_string(env, args[2], &mut bytes) }? {
        return Err(type_error("corsgate: joined headers must be a string"));
    }
    let joined_end = bytes.len();
    if set.is_some() {
        // The request path of a set: a string, or `/` when absent.
        if argc < 5 {
            bytes.push(b'/');
        } else {
            // SAFETY: live handles.
            if !unsafe { read_string(env, args[4], &mut bytes) }? {
                return Err(type_error("corsgate: path must be a string"));
            }
        }
    }
    let (head, path) = bytes.split_at(joined_end);
    let (method, joined) = head.split_at(method_len);
    let target = match (set, policy) {
        (Some(set), _) => Target::Set(set, path),
        (None, Some(p)) => Target::Policy(p),
        (None, None) => {
            return Err(type_error(
                "corsgate: the first argument is not a corsgate Policy",
            ));
        }
    };
    let mut out = ptr::null_mut();
    let Some(s) = decide_joined_with(target, method, joined, count) else {
        // SAFETY: live env; `out` a local.
        ok(unsafe { sys::napi_get_null(env, &mut out) }, "null")?;
        return Ok(out);
    };
    // SAFETY: live env; `s` is `s.len()` bytes of UTF-8 (ASCII for the latin1 form).
    let st = unsafe {
        if s.is_ascii() {
            sys::napi_create_string_latin1(env, s.as_ptr().cast(), s.len() as isize, &mut out)
        } else {
            sys::napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut out)
        }
    };
    ok(st, "result string")?;
    Ok(out)
}

/// The most selected strings (names and values) `evaluateInto` takes as arguments; more
/// take `evaluateJoinedInto`.
const MAX_DIRECT: usize = 8;

/// `evaluateInto(policy, method, name, value, …)` (`policy` a `Policy` or its id,
/// `policyId(policy)`, [`engine_of`]): decides the request made of
/// `method` and up to [`MAX_DIRECT`] strings (names and values alternating; the lines
/// the caller selected; any of them may be given as its index in [`SPELLINGS`]) and writes its numeric form into this thread's slots (`outBuffer()`,
/// `encode.rs`). Returns `undefined`, or the
/// array of new strings the references point into when there are any.
///
/// # Safety
/// Called by Node as a JS function callback.
unsafe extern "C" fn evaluate_into(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: forwarded callback contract.
    unsafe { callback(env, info, evaluate_into_inner) }
}

/// `evaluateJoinedInto(policy, method, joined, count)`: as `evaluateInto` with the
/// strings NUL-joined (`count` of them, as for `decide`); `null` when `joined` does not
/// split into `count` strings (the caller then uses the addon's `evaluate`).
///
/// # Safety
/// Called by Node as a JS function callback.
unsafe extern "C" fn evaluate_joined_into(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: forwarded callback contract.
    unsafe { callback(env, info, evaluate_joined_into_inner) }
}

/// `respondInto(…)`: `evaluateInto` that also writes the lines the core's response rule
/// adds to an application response holding none of its lines (`encode.rs`, `ADDED`): the
/// middleware's form.
///
/// # Safety
/// Called by Node as a JS function callback.
unsafe extern "C" fn respond_into(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: forwarded callback contract.
    unsafe { callback(env, info, respond_into_inner) }
}

/// `respondJoinedInto(…)`: `evaluateJoinedInto` with the response lines (`respondInto`).
///
/// # Safety
/// Called by Node as a JS function callback.
unsafe extern "C" fn respond_joined_into(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: forwarded callback contract.
    unsafe { callback(env, info, respond_joined_into_inner) }
}

thread_local! {
    /// The request bytes of the current `evaluateInto` call (reused; no JS runs while
    /// it is borrowed).
    static BYTES: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(1024));
}

thread_local! {
    /// This thread's decision slots (`encode.rs`): leaked once per thread, so they outlive
    /// every view JavaScript holds on them, whatever it does with the view (a detached
    /// buffer only loses its view; the memory stays).
    static SLOTS_OF_THREAD: &'static [AtomicI32; crate::encode::SLOTS] =
        Box::leak(Box::new([const { AtomicI32::new(0) }; crate::encode::SLOTS]));
}

/// `outBuffer()`: an `ArrayBuffer` over this thread's decision slots (external: the
/// addon owns the memory), which `evaluateInto` fills; JavaScript reads it as an
/// `Int32Array`.
///
/// # Safety
/// Called by Node as a JS function callback.
unsafe extern "C" fn out_buffer(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: forwarded callback contract.
    unsafe { callback(env, info, out_buffer_inner) }
}

/// # Safety
/// Live `env` of a JS function callback.
unsafe fn out_buffer_inner(
    env: sys::napi_env,
    _info: sys::napi_callback_info,
) -> Result<sys::napi_value, Throw> {
    let slots = SLOTS_OF_THREAD.with(|s| *s);
    let mut ab = ptr::null_mut();
    // SAFETY: live env; the memory is `size_of_val(slots)` bytes, leaked (never freed), so
    // no finalizer is needed; `ab` a local. The addon only stores to it atomically, so
    // whatever JavaScript does with the buffer (even transfer it to a worker) is no data
    // race on the Rust side.
    let st = unsafe {
        sys::napi_create_external_arraybuffer(
            env,
            slots.as_ptr() as *mut std::ffi::c_void,
            std::mem::size_of_val(slots),
            None,
            ptr::null_mut(),
            &mut ab,
        )
    };
    ok(st, "external array buffer")?;
    Ok(ab)
}

/// Decides the request whose strings are `pieces` of `bytes` (piece 0 the method) with
/// `policy`, writes it into `out` and returns what the callback returns.
///
/// # Safety
/// Live `env`.
unsafe fn decide_into(
    env: sys::napi_env,
    policy: &Engine,
    bytes: &[u8],
    pieces: &[(usize, usize)],
    out: &[AtomicI32],
    added: bool,
) -> Result<sys::napi_value, Throw> {
    use crate::encode::{Request, encode};
    let piece = |k: usize| -> &[u8] { &bytes[pieces[k].0..pieces[k].1] };
    let n = pieces.len() - 1;
    let d = policy.inner.evaluate(
        piece(0),
        (0..n / 2).map(|i| (piece(1 + 2 * i), piece(2 + 2 * i))),
    );
    let mut fresh = Vec::new();
    encode(
        &d,
        &Request { pieces, bytes },
        &policy.strings,
        out,
        &mut fresh,
        added,
    );
    let mut ret = ptr::null_mut();
    if fresh.is_empty() {
        // SAFETY: live env; `ret` a local.
        let st = unsafe { sys::napi_get_undefined(env, &mut ret) };
        ok(st, "undefined")?;
        return Ok(ret);
    }
    // SAFETY: live env; `ret` a local.
    let st = unsafe { sys::napi_create_array_with_length(env, fresh.len(), &mut ret) };
    ok(st, "array")?;
    for (i, s) in fresh.iter().enumerate() {
        let mut js = ptr::null_mut();
        // SAFETY: live env; `s` is `s.len()` bytes of UTF-8; `js` a local; `ret` the
        // live array created above.
        unsafe {
            ok(
                sys::napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut js),
                "string",
            )?;
            ok(
                sys::napi_set_element(env, ret, i as u32, js),
                "array element",
            )?;
        }
    }
    Ok(ret)
}

/// # Safety
/// Live `env` and `info` of a JS function callback.
unsafe fn evaluate_into_inner(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> Result<sys::napi_value, Throw> {
    // SAFETY: forwarded callback contract.
    unsafe { into_args(env, info, false) }
}

/// # Safety
/// Live `env` and `info` of a JS function callback.
unsafe fn respond_into_inner(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> Result<sys::napi_value, Throw> {
    // SAFETY: forwarded callback contract.
    unsafe { into_args(env, info, true) }
}

/// The body of `evaluateInto` / `respondInto`; `added`: write the response lines too.
///
/// # Safety
/// Live `env` and `info` of a JS function callback.
unsafe fn into_args(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    added: bool,
) -> Result<sys::napi_value, Throw> {
    // SAFETY: forwarded callback contract.
    let (_, args, argc) = unsafe { cb_info::<{ 2 + MAX_DIRECT }>(env, info) }?;
    if !(2..=2 + MAX_DIRECT).contains(&argc) || !argc.is_multiple_of(2) {
        return Err(type_error(
            "corsgate: evaluateInto(policy, method, name, value, …) takes up to 4 lines",
        ));
    }
    // SAFETY: live handles of this callback.
    let policy = unsafe { engine_of(env, args[0]) }?;
    let out: &[AtomicI32] = SLOTS_OF_THREAD.with(|s| *s);
    BYTES.with(|cell| {
        let mut bytes = cell.borrow_mut();
        bytes.clear();
        let mut pieces = [(0usize, 0usize); 1 + MAX_DIRECT];
        for (k, &arg) in args[1..argc].iter().enumerate() {
            let start = bytes.len();
            // SAFETY: live handles.
            if !unsafe { read_string_or_spelling(env, arg, &mut bytes) }? {
                return Err(type_error(
                    "corsgate: the method and header lines must be strings or spelling numbers",
                ));
            }
            pieces[k] = (start, bytes.len());
        }
        // SAFETY: live env.
        unsafe { decide_into(env, &policy, &bytes, &pieces[..argc - 1], out, added) }
    })
}

/// # Safety
/// Live `env` and `info` of a JS function callback.
unsafe fn evaluate_joined_into_inner(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> Result<sys::napi_value, Throw> {
    // SAFETY: forwarded callback contract.
    unsafe { into_joined(env, info, false) }
}

/// # Safety
/// Live `env` and `info` of a JS function callback.
unsafe fn respond_joined_into_inner(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> Result<sys::napi_value, Throw> {
    // SAFETY: forwarded callback contract.
    unsafe { into_joined(env, info, true) }
}

/// The body of `evaluateJoinedInto` / `respondJoinedInto`; `added` as for [`into_args`].
///
/// # Safety
/// Live `env` and `info` of a JS function callback.
unsafe fn into_joined(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    added: bool,
) -> Result<sys::napi_value, Throw> {
    // SAFETY: forwarded callback contract.
    let (_, args, argc) = unsafe { cb_info::<4>(env, info) }?;
    if argc < 4 {
        return Err(type_error(
            "corsgate: evaluateJoinedInto(policy, method, joined, count) takes 4 arguments",
        ));
    }
    // SAFETY: live handles of this callback.
    let policy = unsafe { engine_of(env, args[0]) }?;
    let out: &[AtomicI32] = SLOTS_OF_THREAD.with(|s| *s);
    let mut count = 0u32;
    // SAFETY: live handles; `count` a local.
    if unsafe { sys::napi_get_value_uint32(env, args[3], &mut count) } != sys::Status::napi_ok {
        return Err(type_error("corsgate: count must be a number"));
    }
    BYTES.with(|cell| {
        let mut bytes = cell.borrow_mut();
        bytes.clear();
        // SAFETY: live handles.
        if !unsafe { read_string(env, args[1], &mut bytes) }? {
            return Err(type_error("corsgate: method must be a string"));
        }
        let method_len = bytes.len();
        // SAFETY: live handles.
        if !unsafe { read_string(env, args[2], &mut bytes) }? {
            return Err(type_error("corsgate: joined headers must be a string"));
        }
        let n = count as usize;
        let mut ranges = [(0usize, 0usize); MAX_STRINGS];
        if !split_joined(&bytes[method_len..], n, &mut ranges) {
            let mut null = ptr::null_mut();
            // SAFETY: live env; `null` a local.
            ok(unsafe { sys::napi_get_null(env, &mut null) }, "null")?;
            return Ok(null);
        }
        let mut pieces = [(0usize, 0usize); MAX_STRINGS + 1];
        pieces[0] = (0, method_len);
        for k in 0..n {
            pieces[k + 1] = (ranges[k].0 + method_len, ranges[k].1 + method_len);
        }
        // SAFETY: live env.
        unsafe { decide_into(env, &policy, &bytes, &pieces[..n + 1], out, added) }
    })
}

/// `decide` through napi-rs's generated glue instead of a raw callback (same body). Not
/// used by the package: `scripts/bench-node.sh` times it beside the raw form.
#[napi(js_name = "decideNapiRs", skip_typescript, catch_unwind)]
pub fn decide_napi_rs(
    policy: &Policy,
    method: String,
    joined: String,
    count: u32,
) -> Option<String> {
    decide_joined(policy, method.as_bytes(), joined.as_bytes(), count)
}

/// `isOriginAllowed` through napi-rs's generated glue instead of a raw callback. Not
/// used by the package: `scripts/bench-node.sh` times it beside the raw form.
#[napi(js_name = "isOriginAllowedNapiRs", skip_typescript, catch_unwind)]
pub fn is_origin_allowed_napi_rs(policy: &Policy, origin: String) -> bool {
    policy.engine.inner.is_origin_allowed(origin.as_bytes())
}

/// Turns a callback's outcome into its return value, throwing on error or panic.
///
/// # Safety
/// Live env.
unsafe fn finish(
    env: sys::napi_env,
    r: std::thread::Result<Result<sys::napi_value, Throw>>,
) -> sys::napi_value {
    match r {
        Ok(Ok(v)) => v,
        // SAFETY: live env.
        Ok(Err(t)) => unsafe { throw(env, t) },
        // SAFETY: live env.
        Err(_) => unsafe {
            throw(
                env,
                (
                    false,
                    "ERR_CORSGATE_PANIC",
                    "corsgate: internal error (panic caught)".into(),
                ),
            )
        },
    }
}

/// Creates a JS function for the raw callback `cb` named `name`.
///
/// # Safety
/// Live `env`.
unsafe fn function(
    env: sys::napi_env,
    name: &std::ffi::CStr,
    cb: sys::napi_callback,
) -> Result<sys::napi_value, Throw> {
    let mut f = ptr::null_mut();
    // SAFETY: live env; `name` is NUL-terminated and `len` bytes long; `f` a local.
    let st = unsafe {
        sys::napi_create_function(
            env,
            name.as_ptr(),
            name.to_bytes().len() as isize,
            cb,
            ptr::null_mut(),
            &mut f,
        )
    };
    ok(st, "create function")?;
    Ok(f)
}

/// Installs `isOriginAllowed` on `Policy.prototype` and `decide` on the addon's
/// exports (called once per environment, after napi-rs has registered the class).
///
/// # Safety
/// Live `env` and `exports` of the module initialisation.
pub(crate) unsafe fn install(env: sys::napi_env, exports: sys::napi_value) -> Result<(), Throw> {
    // SAFETY: live handles; names are NUL-terminated literals; out pointers are locals.
    unsafe {
        let mut class = ptr::null_mut();
        ok(
            sys::napi_get_named_property(env, exports, c"Policy".as_ptr(), &mut class),
            "Policy",
        )?;
        let mut proto = ptr::null_mut();
        ok(
            sys::napi_get_named_property(env, class, c"prototype".as_ptr(), &mut proto),
            "prototype",
        )?;
        let f = function(env, c"isOriginAllowed", Some(is_origin_allowed))?;
        ok(
            sys::napi_set_named_property(env, proto, c"isOriginAllowed".as_ptr(), f),
            "install isOriginAllowed",
        )?;
        let f = function(env, c"decide", Some(decide))?;
        ok(
            sys::napi_set_named_property(env, exports, c"decide".as_ptr(), f),
            "install decide",
        )?;
        for (name, cb) in [
            (c"evaluateInto", evaluate_into as RawCallback),
            (c"evaluateJoinedInto", evaluate_joined_into),
            (c"respondInto", respond_into),
            (c"respondJoinedInto", respond_joined_into),
            (c"outBuffer", out_buffer),
        ] {
            let f = function(env, name, Some(cb))?;
            ok(
                sys::napi_set_named_property(env, exports, name.as_ptr(), f),
                "install evaluateInto",
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        let json = r#"{"origins": ["https://example.com"], "methods": ["PUT"]}"#;
        Policy::wrap(corsgate::Policy::from_json(json).expect("valid policy"))
    }

    #[test]
    fn joined_requests_split_exactly_or_not_at_all() {
        let p = policy();
        let origin = b"Origin\0https://example.com";
        assert_eq!(
            decide_joined(&p, b"GET", origin, 2).as_deref(),
            Some("21\0A\0https://example.com\0H\0Origin")
        );
        assert_eq!(
            decide_joined(&p, b"GET", b"", 0).as_deref(),
            Some("01\0H\0Origin")
        );
        // A NUL inside a value makes more strings than announced: refused.
        assert_eq!(decide_joined(&p, b"GET", b"Origin\0a\0b", 2), None);
        assert_eq!(decide_joined(&p, b"GET", b"Origin", 1), None);
        assert_eq!(decide_joined(&p, b"GET", b"x", 0), None);
        let many = vec!["a"; MAX_STRINGS + 2].join("\0");
        assert_eq!(decide_joined(&p, b"GET", many.as_bytes(), 66), None);
    }

    #[test]
    fn the_spellings_are_the_methods_and_names_the_core_reads() {
        let names = corsgate::names::REQUEST_HEADERS;
        let n = names.len();
        let first = SPELLINGS.len() - 2 * n;
        assert_eq!(&SPELLINGS[first..first + n], &names[..]);
        for (lower, name) in SPELLINGS[first + n..].iter().zip(names) {
            assert_eq!(*lower, name.to_ascii_lowercase());
        }
        assert!(
            SPELLINGS[..first]
                .iter()
                .all(|m| m.bytes().all(|b| b.is_ascii_uppercase()))
        );
    }

    #[test]
    fn the_napi_rs_forms_answer_like_the_raw_ones() {
        let p = policy();
        for (method, joined, count) in [
            ("GET", "Origin\0https://example.com", 2),
            ("GET", "Origin\0https://evil.com", 2),
            (
                "OPTIONS",
                "Origin\0https://example.com\0Access-Control-Request-Method\0PUT",
                4,
            ),
            ("GET", "Origin\0a\0b", 2),
        ] {
            assert_eq!(
                decide_napi_rs(&p, method.into(), joined.into(), count),
                decide_joined(&p, method.as_bytes(), joined.as_bytes(), count)
            );
        }
        assert!(is_origin_allowed_napi_rs(&p, "https://example.com".into()));
        assert!(!is_origin_allowed_napi_rs(&p, "https://evil.com".into()));
    }
}
