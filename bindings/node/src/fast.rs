//! The two hot methods, `policy.isOriginAllowed(origin)` and the middleware's
//! `policy._decide(method, joined, count)`, as raw N-API callbacks.
//!
//! Why raw: a napi-derive `&self` method pays napi-rs's per-call borrow bookkeeping (a
//! global mutex-protected map, an `Arc`, allocations), about 300 ns per call here,
//! more than the whole CORS decision. These callbacks read `this` with `napi_unwrap`
//! and accept the pointer only if it is in [`LIVE`], the set of `Policy` values that
//! napi-rs itself has verified (see [`Policy::register`](crate::Policy)): a receiver
//! that is not a live `Policy` of this addon is a `TypeError`, never a type confusion.
//! Every callback runs inside `catch_unwind`; nothing panics into Node.

use crate::Policy;
use napi::sys;
use std::cell::RefCell;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::ptr;

/// Identity hasher for pointer keys (addresses are already well spread).
#[derive(Default)]
pub(crate) struct PtrHasher(u64);

impl Hasher for PtrHasher {
    fn finish(&self) -> u64 {
        // Drop the alignment bits, mix once.
        (self.0 >> 4).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = n as u64;
    }
}

thread_local! {
    /// Addresses of the live `Policy` values of this thread's Node environment, each
    /// inserted by napi-rs-checked `Policy::register` and removed by `Drop`.
    pub(crate) static LIVE: RefCell<HashSet<usize, BuildHasherDefault<PtrHasher>>> =
        RefCell::new(HashSet::default());
}

fn is_live(addr: usize) -> bool {
    LIVE.with(|s| s.try_borrow().map(|s| s.contains(&addr)).unwrap_or(false))
}

/// A JS exception to throw: `(is_type_error, code, message)`.
type Throw = (bool, &'static str, String);

fn type_error(msg: impl Into<String>) -> Throw {
    (true, "ERR_INVALID_ARG_TYPE", msg.into())
}

/// # Safety
/// Live `env`; throws unless an exception is already pending.
unsafe fn throw(env: sys::napi_env, (is_type, code, msg): Throw) -> sys::napi_value {
    let mut pending = false;
    // SAFETY: live env; all out pointers are valid locals.
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

/// Reads `this` and up to `N` arguments, and resolves `this` to a verified `Policy`.
///
/// # Safety
/// Live `env` and `info` of the current callback. The returned reference is valid for
/// the callback (the receiver is on the JS stack, so it cannot be finalized).
unsafe fn receiver<'a, const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> Result<(&'a Policy, [sys::napi_value; N], usize), Throw> {
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
    let wrong = || type_error("corsgate: Illegal invocation: `this` is not a corsgate Policy");
    let mut raw: *mut std::ffi::c_void = ptr::null_mut();
    // SAFETY: live env; `this` is the receiver handle. A non-wrapped object fails.
    if unsafe { sys::napi_unwrap(env, this, &mut raw) } != sys::Status::napi_ok || raw.is_null() {
        return Err(wrong());
    }
    let addr = raw as usize;
    if !is_live(addr) {
        // First use of this object by a fast method: let napi-rs verify it is a Policy
        // (its class identity check), which records the address in LIVE.
        // SAFETY: live handles; the property read and the call may run JS, which is fine.
        unsafe {
            let mut f = ptr::null_mut();
            ok(
                sys::napi_get_named_property(env, this, c"_corsgateRegister".as_ptr(), &mut f),
                "register lookup",
            )?;
            let mut out = ptr::null_mut();
            if sys::napi_call_function(env, this, f, 0, ptr::null(), &mut out)
                != sys::Status::napi_ok
            {
                return Err(wrong());
            }
        }
        if !is_live(addr) {
            return Err(wrong());
        }
    }
    // SAFETY: `addr` is in LIVE: napi-rs verified it as the address of a `Policy`
    // wrapped by this addon, and it leaves LIVE when that value is dropped.
    Ok((unsafe { &*(raw as *const Policy) }, args, argc))
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
pub(crate) unsafe extern "C" fn is_origin_allowed(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: forwarded callback contract.
    unsafe { callback(env, info, is_origin_allowed_inner) }
}

unsafe fn is_origin_allowed_inner(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> Result<sys::napi_value, Throw> {
    // SAFETY: forwarded callback contract.
    let (policy, args, argc) = unsafe { receiver::<1>(env, info) }?;
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

/// `policy._decide(method, joined, count)`: `joined` is `rawHeaders.join('\0')` and
/// `count` the array's length. Returns `"<kind><allowed><status>\0name\0value…"` (kind
/// 0 not CORS / 1 preflight / 2 actual, allowed 0/1, status digits or nothing), or `null`
/// when `joined` does not split into `count` strings (a value held a NUL byte) or
/// `count` exceeds 64: the caller then uses `decideCompact` with the array.
///
/// # Safety
/// Called by Node as a JS function callback.
pub(crate) unsafe extern "C" fn decide(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: forwarded callback contract.
    unsafe { callback(env, info, decide_inner) }
}

unsafe fn decide_inner(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> Result<sys::napi_value, Throw> {
    // SAFETY: forwarded callback contract.
    let (policy, args, argc) = unsafe { receiver::<3>(env, info) }?;
    if argc < 3 {
        return Err(type_error(
            "corsgate: _decide(method, joined, count) takes 3 arguments",
        ));
    }
    let mut count = 0u32;
    // SAFETY: live handles; `count` a local.
    if unsafe { sys::napi_get_value_uint32(env, args[2], &mut count) } != sys::Status::napi_ok {
        return Err(type_error("corsgate: count must be a number"));
    }
    let mut bytes = Vec::with_capacity(1024);
    // SAFETY: live handles.
    if !unsafe { read_string(env, args[0], &mut bytes) }? {
        return Err(type_error("corsgate: method must be a string"));
    }
    let method_len = bytes.len();
    // SAFETY: live handles.
    if !unsafe { read_string(env, args[1], &mut bytes) }? {
        return Err(type_error("corsgate: joined headers must be a string"));
    }
    let (method, joined) = bytes.split_at(method_len);
    let n = count as usize;
    // NUL positions (SIMD search); `joined` must split into exactly `n` strings.
    let mut cuts = [0usize; 64];
    let mut found = 0usize;
    for pos in memchr::memchr_iter(0, joined) {
        if found < cuts.len() {
            cuts[found] = pos;
        }
        found += 1;
    }
    let mut out = ptr::null_mut();
    let fits = n.is_multiple_of(2)
        && n <= cuts.len()
        && if n == 0 {
            joined.is_empty()
        } else {
            found + 1 == n
        };
    if !fits {
        // SAFETY: live env; `out` a local.
        ok(unsafe { sys::napi_get_null(env, &mut out) }, "null")?;
        return Ok(out);
    }
    let piece = |k: usize| -> &[u8] {
        let start = if k == 0 { 0 } else { cuts[k - 1] + 1 };
        let end = if k + 1 == n { joined.len() } else { cuts[k] };
        &joined[start..end]
    };
    let lines = (0..n / 2).map(|i| (piece(2 * i), piece(2 * i + 1)));
    let d = policy.inner.evaluate(method, lines);
    let mut s = String::with_capacity(256);
    crate::encode_decision(&d, &mut s);
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

/// Installs the fast methods on `Policy.prototype` (called once per environment, after
/// napi-rs has registered the class).
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
        let methods: [(&std::ffi::CStr, sys::napi_callback); 2] = [
            (c"isOriginAllowed", Some(is_origin_allowed)),
            (c"_decide", Some(decide)),
        ];
        for (name, cb) in methods {
            let mut f = ptr::null_mut();
            ok(
                sys::napi_create_function(
                    env,
                    name.as_ptr(),
                    name.to_bytes().len() as isize,
                    cb,
                    ptr::null_mut(),
                    &mut f,
                ),
                "create function",
            )?;
            ok(
                sys::napi_set_named_property(env, proto, name.as_ptr(), f),
                "install method",
            )?;
        }
    }
    Ok(())
}
