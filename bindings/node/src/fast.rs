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
use crate::set::PolicySet;
use napi::bindgen_prelude::TypeTag;
use napi::sys;
use napi_derive::napi;
use std::ptr;

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
                policy.inner.is_origin_allowed(&buf[..copied])
            } else {
                let mut v = Vec::new();
                // SAFETY: live handles.
                unsafe { read_string(env, args[0], &mut v) }?;
                policy.inner.is_origin_allowed(&v)
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
    // NUL positions (SIMD search); `joined` must split into exactly `n` strings.
    let mut cuts = [0usize; MAX_STRINGS];
    let mut found = 0usize;
    for pos in memchr::memchr_iter(0, joined) {
        if let Some(slot) = cuts.get_mut(found) {
            *slot = pos;
        }
        found += 1;
    }
    let fits = n.is_multiple_of(2)
        && n <= MAX_STRINGS
        && if n == 0 {
            joined.is_empty()
        } else {
            found + 1 == n
        };
    if !fits {
        return None;
    }
    let piece = |k: usize| -> &[u8] {
        let start = if k == 0 { 0 } else { cuts[k - 1] + 1 };
        let end = if k + 1 == n { joined.len() } else { cuts[k] };
        &joined[start..end]
    };
    let lines = (0..n / 2).map(|i| (piece(2 * i), piece(2 * i + 1)));
    let mut s = String::with_capacity(256);
    match target {
        Target::Policy(p) => crate::encode_decision(&p.inner.evaluate(method, lines), &mut s),
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
    policy.inner.is_origin_allowed(origin.as_bytes())
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
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        let json = r#"{"origins": ["https://example.com"], "methods": ["PUT"]}"#;
        Policy {
            inner: corsgate::Policy::from_json(json).expect("valid policy"),
        }
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
