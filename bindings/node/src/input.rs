//! JS values → request bytes, without a JS round trip per header and with one arena
//! allocation per call.
//!
//! Accepted header shapes (see `HeadersInput` in `index.d.ts`):
//! - Node's `IncomingHttpHeaders` object: `{ name: string | string[] | undefined }`;
//! - a flat `rawHeaders` array: `[name, value, name, value, …]`;
//! - an array of `[name, value]` pairs (the conformance vectors' shape);
//! - `undefined` / `null`: no headers.
//!
//! Every string is copied into one byte arena as UTF-8; the spans are then handed to
//! `corsgate::Policy::evaluate` as slices. Nothing here decides anything about CORS:
//! every header line is passed on, in order.

use napi::sys;
use napi::{Error, Result, Status};
use std::ptr;

/// A JS argument could not be read as a request (wrong type). Thrown as a `TypeError`.
pub(crate) fn type_error(msg: impl Into<String>) -> Error {
    Error::new(Status::InvalidArg, msg.into())
}

fn check(status: sys::napi_status, what: &str) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::new(
            Status::from(status),
            format!("corsgate: cannot read {what}"),
        ))
    }
}

/// Byte ranges into [`Arena::bytes`].
type Span = (u32, u32);

/// Request strings copied out of JS, contiguous.
pub(crate) struct Arena {
    bytes: Vec<u8>,
    /// `(name, value)` span pairs, in request order.
    lines: Vec<(Span, Span)>,
}

/// The first guess of how many bytes a string needs; longer strings take a second call.
const FIRST_TRY: usize = 256;

impl Arena {
    pub(crate) fn new() -> Self {
        Arena {
            bytes: Vec::with_capacity(1024),
            lines: Vec::with_capacity(16),
        }
    }

    /// Copies the JS string `value` into the arena as UTF-8 and returns its span, or
    /// `Ok(None)` when `value` is not a string.
    ///
    /// # Safety
    /// `env` and `value` must be live handles of the current call.
    pub(crate) unsafe fn push_str(
        &mut self,
        env: sys::napi_env,
        value: sys::napi_value,
    ) -> Result<Option<Span>> {
        let start = self.bytes.len();
        // SAFETY: forwarded contract.
        match unsafe { append_utf8(env, value, &mut self.bytes) } {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(st) => check(st, "a header string")?,
        }
        let end = self.bytes.len();
        match (u32::try_from(start), u32::try_from(end)) {
            (Ok(s), Ok(e)) => Ok(Some((s, e))),
            _ => Err(type_error("corsgate: request headers larger than 4 GiB")),
        }
    }

    /// As [`Arena::push_str`], but a non-string is a `TypeError` naming `what`.
    ///
    /// # Safety
    /// As [`Arena::push_str`].
    pub(crate) unsafe fn push_required(
        &mut self,
        env: sys::napi_env,
        value: sys::napi_value,
        what: &str,
    ) -> Result<Span> {
        // SAFETY: forwarded contract.
        match unsafe { self.push_str(env, value) }? {
            Some(s) => Ok(s),
            None => Err(type_error(format!("corsgate: {what} must be a string"))),
        }
    }

    pub(crate) fn get(&self, (s, e): Span) -> &[u8] {
        &self.bytes[s as usize..e as usize]
    }

    /// The header lines, as `evaluate` wants them.
    pub(crate) fn lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.lines.iter().map(|&(n, v)| (self.get(n), self.get(v)))
    }

    /// Reads any accepted headers shape (see the module docs).
    ///
    /// # Safety
    /// `env` and `headers` must be live handles of the current call.
    pub(crate) unsafe fn push_headers(
        &mut self,
        env: sys::napi_env,
        headers: sys::napi_value,
    ) -> Result<()> {
        // SAFETY: forwarded contract for all helpers below.
        unsafe {
            match type_of(env, headers)? {
                sys::ValueType::napi_undefined | sys::ValueType::napi_null => Ok(()),
                sys::ValueType::napi_object if is_array(env, headers)? => {
                    self.push_array(env, headers)
                }
                sys::ValueType::napi_object => self.push_object(env, headers),
                _ => Err(type_error(
                    "corsgate: headers must be an IncomingHttpHeaders object, a rawHeaders array or an array of [name, value] pairs",
                )),
            }
        }
    }

    /// `rawHeaders` (`[n, v, n, v]`) or pairs (`[[n, v], …]`), told apart by the first
    /// element.
    unsafe fn push_array(&mut self, env: sys::napi_env, array: sys::napi_value) -> Result<()> {
        // SAFETY: forwarded contract.
        unsafe {
            let len = array_len(env, array)?;
            if len == 0 {
                return Ok(());
            }
            let first = element(env, array, 0)?;
            if type_of(env, first)? == sys::ValueType::napi_object && is_array(env, first)? {
                for i in 0..len {
                    let pair = element(env, array, i)?;
                    if type_of(env, pair)? != sys::ValueType::napi_object
                        || !is_array(env, pair)?
                        || array_len(env, pair)? != 2
                    {
                        return Err(type_error(format!(
                            "corsgate: headers[{i}] must be a [name, value] pair"
                        )));
                    }
                    let name = self.push_required(env, element(env, pair, 0)?, "a header name")?;
                    let value =
                        self.push_required(env, element(env, pair, 1)?, "a header value")?;
                    self.lines.push((name, value));
                }
            } else {
                if len % 2 != 0 {
                    return Err(type_error(
                        "corsgate: a rawHeaders array must alternate names and values (odd length)",
                    ));
                }
                for i in (0..len).step_by(2) {
                    let name = self.push_required(env, element(env, array, i)?, "a header name")?;
                    let value =
                        self.push_required(env, element(env, array, i + 1)?, "a header value")?;
                    self.lines.push((name, value));
                }
            }
            Ok(())
        }
    }

    /// `IncomingHttpHeaders`: own enumerable string keys; a string value is one line,
    /// an array one line per element, `undefined` none.
    unsafe fn push_object(&mut self, env: sys::napi_env, object: sys::napi_value) -> Result<()> {
        // SAFETY: forwarded contract; `keys` is a live array handle.
        unsafe {
            let mut keys = ptr::null_mut();
            check(
                sys::napi_get_property_names(env, object, &mut keys),
                "the headers object",
            )?;
            let n = array_len(env, keys)?;
            for i in 0..n {
                let key = element(env, keys, i)?;
                let mut value = ptr::null_mut();
                check(
                    sys::napi_get_property(env, object, key, &mut value),
                    "a header value",
                )?;
                match type_of(env, value)? {
                    sys::ValueType::napi_undefined => continue,
                    sys::ValueType::napi_string => {
                        let name = self.push_required(env, key, "a header name")?;
                        let v = self.push_required(env, value, "a header value")?;
                        self.lines.push((name, v));
                    }
                    sys::ValueType::napi_object if is_array(env, value)? => {
                        let name = self.push_required(env, key, "a header name")?;
                        for j in 0..array_len(env, value)? {
                            let v =
                                self.push_required(env, element(env, value, j)?, "a header value")?;
                            self.lines.push((name, v));
                        }
                    }
                    _ => {
                        return Err(type_error(
                            "corsgate: a header value must be a string or an array of strings",
                        ));
                    }
                }
            }
            Ok(())
        }
    }
}

/// The longest string (in UTF-16 units) [`append_utf8`] reads through its ASCII path.
const ASCII_TRY: usize = 520;

/// Appends the JS string `value` to `out` as UTF-8. `Ok(false)` (nothing appended)
/// when `value` is not a string; `Err(status)` when N-API fails.
///
/// The bytes are always those of `napi_get_value_string_utf8` (V8's `WriteUtf8`, lone
/// surrogates replaced by U+FFFD). A string of up to [`ASCII_TRY`] - 1 units that is all
/// ASCII (request strings nearly always are) is copied as UTF-16 (`napi_get_value_string_utf16`,
/// a plain copy in V8) and narrowed here, since for ASCII both encodings hold the same
/// values: measured ~15 ns less per string than `WriteUtf8`, which encodes one
/// character at a time (benches/README.md, "noderatio2"). Anything else (a longer
/// string, any unit >= 0x80) is read again through `WriteUtf8`.
///
/// # Safety
/// `env` and `value` must be live handles of the current call.
pub(crate) unsafe fn append_utf8(
    env: sys::napi_env,
    value: sys::napi_value,
    out: &mut Vec<u8>,
) -> std::result::Result<bool, sys::napi_status> {
    let mut units = [std::mem::MaybeUninit::<u16>::uninit(); ASCII_TRY];
    let mut copied: usize = 0;
    // SAFETY: `units` is `ASCII_TRY` writable u16 slots; N-API writes at most
    // `ASCII_TRY - 1` units plus a NUL and reports how many units of text it wrote.
    let st = unsafe {
        sys::napi_get_value_string_utf16(
            env,
            value,
            units.as_mut_ptr().cast(),
            ASCII_TRY,
            &mut copied,
        )
    };
    if st == sys::Status::napi_string_expected {
        return Ok(false);
    }
    if st != sys::Status::napi_ok {
        return Err(st);
    }
    if copied + 1 < ASCII_TRY {
        // SAFETY: N-API initialized the first `copied` units (< `ASCII_TRY`).
        let text = unsafe { std::slice::from_raw_parts(units.as_ptr().cast::<u16>(), copied) };
        if text.iter().fold(0u16, |acc, &u| acc | u) < 0x80 {
            out.extend(text.iter().map(|&u| u as u8));
            return Ok(true);
        }
    }
    // SAFETY: forwarded contract.
    unsafe { append_utf8_v8(env, value, out) }
}

/// [`append_utf8`] of a string through `napi_get_value_string_utf8` alone.
///
/// # Safety
/// `env` and `value` must be live handles of the current call; `value` a string.
unsafe fn append_utf8_v8(
    env: sys::napi_env,
    value: sys::napi_value,
    out: &mut Vec<u8>,
) -> std::result::Result<bool, sys::napi_status> {
    let start = out.len();
    out.reserve(FIRST_TRY + 1);
    let spare = out.capacity() - start;
    let mut copied: usize = 0;
    // SAFETY: the buffer pointer is `spare` writable bytes past the initialized part of
    // `out` (reserved above); N-API writes at most `spare` bytes including the NUL
    // terminator and reports how many bytes of text it wrote in `copied`.
    let st = unsafe {
        sys::napi_get_value_string_utf8(
            env,
            value,
            out.as_mut_ptr().add(start).cast(),
            spare,
            &mut copied,
        )
    };
    if st != sys::Status::napi_ok {
        return Err(st);
    }
    if copied + 1 >= spare {
        // Possibly truncated: ask for the exact length and copy again.
        let mut len: usize = 0;
        // SAFETY: a NULL buffer asks N-API only for the length, written to `len`.
        let st =
            unsafe { sys::napi_get_value_string_utf8(env, value, ptr::null_mut(), 0, &mut len) };
        if st != sys::Status::napi_ok {
            return Err(st);
        }
        out.reserve(len + 1);
        // SAFETY: as above, with `len + 1` reserved bytes past `start`.
        let st = unsafe {
            sys::napi_get_value_string_utf8(
                env,
                value,
                out.as_mut_ptr().add(start).cast(),
                len + 1,
                &mut copied,
            )
        };
        if st != sys::Status::napi_ok {
            return Err(st);
        }
    }
    // SAFETY: N-API initialized `copied` bytes starting at `start` (the capacity holds at
    // least `copied + 1`).
    unsafe { out.set_len(start + copied) };
    Ok(true)
}

/// # Safety
/// Live handles.
pub(crate) unsafe fn type_of(
    env: sys::napi_env,
    v: sys::napi_value,
) -> Result<sys::napi_valuetype> {
    let mut t = 0;
    // SAFETY: live handles per the contract; `t` is a valid out pointer.
    check(unsafe { sys::napi_typeof(env, v, &mut t) }, "a value")?;
    Ok(t)
}

unsafe fn is_array(env: sys::napi_env, v: sys::napi_value) -> Result<bool> {
    let mut b = false;
    // SAFETY: live handles per the contract; `b` is a valid out pointer.
    check(unsafe { sys::napi_is_array(env, v, &mut b) }, "a value")?;
    Ok(b)
}

unsafe fn array_len(env: sys::napi_env, v: sys::napi_value) -> Result<u32> {
    let mut n = 0;
    // SAFETY: live handles per the contract, `v` an array; `n` is a valid out pointer.
    let st = unsafe { sys::napi_get_array_length(env, v, &mut n) };
    check(st, "an array")?;
    Ok(n)
}

unsafe fn element(env: sys::napi_env, v: sys::napi_value, i: u32) -> Result<sys::napi_value> {
    let mut out = ptr::null_mut();
    // SAFETY: live handles per the contract; `out` is a valid out pointer.
    let st = unsafe { sys::napi_get_element(env, v, i, &mut out) };
    check(st, "an array element")?;
    Ok(out)
}
