//! The C ABI with arbitrary bytes: the first line is the policy document, the second the
//! method, each further line a `name:value` header (raw bytes, any encoding). Every
//! call must return a result code, never crash; a decision must equal the core's, its
//! slices must point to readable bytes (AddressSanitizer checks each read), the reason
//! text must fit the size reported, and every object is freed exactly once.
#![no_main]

use corsgate_c::*;
use libfuzzer_sys::fuzz_target;
use std::mem::MaybeUninit;
use std::ptr;

/// Reads a slice the library returned (ASan flags it if it is not readable).
fn bytes(s: &corsgate_slice) -> Vec<u8> {
    if s.len == 0 {
        return Vec::new();
    }
    assert!(!s.data.is_null(), "non-empty slice with a NULL pointer");
    // SAFETY: the library promises `len` readable bytes at `data` while the policy and
    // the request buffers live; both do here.
    unsafe { std::slice::from_raw_parts(s.data, s.len) }.to_vec()
}

fn slice(b: &[u8], null_when_empty: bool) -> corsgate_slice {
    corsgate_slice {
        data: if b.is_empty() && null_when_empty {
            ptr::null()
        } else {
            b.as_ptr()
        },
        len: b.len(),
    }
}

fn check_diagnostics(n: usize, get: impl Fn(usize, *mut corsgate_diagnostic) -> corsgate_result) {
    for i in 0..=n {
        let mut d = MaybeUninit::<corsgate_diagnostic>::uninit();
        let r = get(i, d.as_mut_ptr());
        if i == n {
            assert_eq!(r, corsgate_result::OutOfRange);
            continue;
        }
        assert_eq!(r, corsgate_result::Ok);
        // SAFETY: written on OK.
        let d = unsafe { d.assume_init() };
        assert!(!bytes(&d.code).is_empty());
        let text = bytes(&d.text);
        assert!(std::str::from_utf8(&text).is_ok());
        let _ = (bytes(&d.field), bytes(&d.value), bytes(&d.message));
    }
}

fuzz_target!(|data: &[u8]| {
    corsgate_fuzz::canary(data);
    let mut lines = data.split(|&b| b == b'\n');
    let json = lines.next().unwrap_or(&[]);
    let method = lines.next().unwrap_or(b"GET");
    let lines: Vec<&[u8]> = lines.take(24).collect();
    // Long regexes are the `regex` target's subject: their DFA construction can take a
    // few hundred milliseconds (seconds under ASan, twice here: core and C), which would
    // drown the ABI checks in slow units.
    // Read loosely: a document with shape errors (an unknown key) still compiles its
    // regexes, for the error report (fuzz/regressions/c_abi/timeout-d2726c81…).
    let long_regex = |v: &serde_json::Value| {
        v.get("origins")
            .and_then(serde_json::Value::as_array)
            .is_some_and(|a| {
                a.iter()
                    .filter_map(serde_json::Value::as_str)
                    .any(|o| o.starts_with('~') && o.len() > 64)
            })
    };
    if serde_json::from_slice::<serde_json::Value>(json).is_ok_and(|v| long_regex(&v)) {
        return;
    }
    let core = corsgate::Policy::from_json_bytes(json);

    let mut policy: *mut corsgate_policy = ptr::null_mut();
    let mut error: *mut corsgate_config_error = ptr::null_mut();
    let json_ptr = if json.is_empty() && data.len() % 3 == 0 {
        ptr::null()
    } else {
        json.as_ptr()
    };
    // SAFETY: valid (pointer, length) pair and writable out-pointers.
    let r = unsafe { corsgate_policy_from_json(json_ptr, json.len(), &mut policy, &mut error) };
    match &core {
        Err(e) => {
            assert_eq!(r, corsgate_result::InvalidPolicy);
            assert!(policy.is_null());
            assert!(!error.is_null());
            // SAFETY: a live error object from the call above.
            unsafe {
                let n = corsgate_config_error_len(error);
                assert_eq!(n, e.errors.len());
                check_diagnostics(n, |i, out| corsgate_config_error_get(error, i, out));
                let w = corsgate_config_error_warnings_len(error);
                assert_eq!(w, e.warnings.len());
                check_diagnostics(w, |i, out| corsgate_config_error_warning_get(error, i, out));
                let msg = corsgate_config_error_message(error);
                assert!(!msg.data.is_null());
                assert_eq!(bytes(&msg), e.to_string().as_bytes());
                corsgate_config_error_free(error);
            }
            return;
        }
        Ok(core) => {
            assert_eq!(r, corsgate_result::Ok);
            assert!(!policy.is_null());
            assert!(error.is_null());
            // SAFETY: a live policy.
            let w = unsafe { corsgate_policy_warnings_len(policy) };
            assert_eq!(w, core.warnings().len());
            // SAFETY: a live policy.
            check_diagnostics(w, |i, out| unsafe {
                corsgate_policy_warning_get(policy, i, out)
            });
        }
    }
    let core = core.expect("checked above");

    let mut pairs: Vec<(&[u8], &[u8])> = Vec::new();
    let mut headers: Vec<corsgate_header> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(c) => (&line[..c], &line[c + 1..]),
            None => (*line, &line[line.len()..]),
        };
        pairs.push((name, value));
        headers.push(corsgate_header {
            name: slice(name, i % 2 == 0),
            value: slice(value, i % 2 == 1),
        });
    }
    let want = core.evaluate(method, pairs.iter().copied());
    let mut out = MaybeUninit::<corsgate_decision>::uninit();
    let headers_ptr = if headers.is_empty() {
        ptr::null()
    } else {
        headers.as_ptr()
    };
    // SAFETY: every slice points to live bytes of `data`; `out` is writable.
    let r = unsafe {
        corsgate_policy_evaluate(
            policy,
            method.as_ptr(),
            method.len(),
            headers_ptr,
            headers.len(),
            out.as_mut_ptr(),
        )
    };
    assert_eq!(r, corsgate_result::Ok);
    // SAFETY: written on OK.
    let d = unsafe { out.assume_init() };
    assert_eq!(d.allowed, want.allowed());
    assert_eq!(d.status, want.status().unwrap_or(0));
    let kind = match want.kind() {
        corsgate::Kind::NotCors => corsgate_kind::NotCors,
        corsgate::Kind::Preflight => corsgate_kind::Preflight,
        corsgate::Kind::Actual => corsgate_kind::Actual,
        corsgate::Kind::Refused => corsgate_kind::Refused,
        other => panic!("a kind the C ABI does not know: {other:?}"),
    };
    assert!(d.kind == kind);
    assert!(d.headers_len <= d.headers.len());
    let got: Vec<(Vec<u8>, Vec<u8>)> = d.headers[..d.headers_len]
        .iter()
        .map(|h| (bytes(&h.name), bytes(&h.value)))
        .collect();
    let expect: Vec<(Vec<u8>, Vec<u8>)> = want
        .headers()
        .map(|h| (h.name.as_bytes().to_vec(), h.value.as_bytes().to_vec()))
        .collect();
    assert_eq!(got, expect);
    let _ = bytes(&d.reason_detail);
    // The reason text: size query, then a buffer of the reported size.
    let mut len = 0usize;
    // SAFETY: a decision written above; NULL with length 0 asks for the length.
    let r = unsafe { corsgate_decision_reason_write(&d, ptr::null_mut(), 0, &mut len) };
    assert_eq!(r, corsgate_result::BufferTooSmall);
    let mut one = [0xABu8; 1];
    // SAFETY: a decision written above; `one` is writable for 1 byte.
    let r = unsafe { corsgate_decision_reason_write(&d, one.as_mut_ptr(), 1, &mut len) };
    assert_eq!(r, corsgate_result::BufferTooSmall);
    assert_eq!(one[0], 0xAB, "a too-small buffer is left untouched");
    let mut buf = vec![0xABu8; len + 1];
    // SAFETY: `buf` is writable for its length.
    let r = unsafe { corsgate_decision_reason_write(&d, buf.as_mut_ptr(), len, &mut len) };
    assert_eq!(r, corsgate_result::Ok);
    assert_eq!(&buf[..len], want.reason().to_string().as_bytes());
    assert_eq!(buf[len], 0xAB, "no NUL is written");
    if let Some((_, origin)) = pairs
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(b"origin"))
    {
        // SAFETY: a live policy and a valid (pointer, length) pair.
        let c = unsafe { corsgate_policy_is_origin_allowed(policy, origin.as_ptr(), origin.len()) };
        assert_eq!(c, core.is_origin_allowed(origin));
    }
    // NULL arguments are errors, not crashes.
    // SAFETY: NULL is allowed for every pointer here.
    unsafe {
        assert_eq!(
            corsgate_policy_evaluate(ptr::null(), ptr::null(), 0, ptr::null(), 0, ptr::null_mut()),
            corsgate_result::NullParameter
        );
        assert_eq!(
            corsgate_policy_evaluate(policy, ptr::null(), 1, ptr::null(), 0, out.as_mut_ptr()),
            corsgate_result::NullParameter
        );
        assert!(!corsgate_policy_is_origin_allowed(
            ptr::null(),
            ptr::null(),
            0
        ));
        corsgate_policy_free(policy);
    }
});
