//! The C ABI called from Rust: evaluate into a caller-provided struct allocates nothing
//! (a counting global allocator proves it), and what C sees equals what the core says —
//! the same decisions for every shared vector, the same error codes and messages.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::mem::MaybeUninit;
use std::ptr;

use corsgate::*;
use corsgate_core::response::{Indexed, Merged};
use corsgate_core::{ConfigError, Policy};

/// Counts allocations made by the current thread (the test harness runs other tests on
/// other threads).
struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> usize {
    ALLOCS.with(Cell::get)
}

fn vectors() -> Vec<serde_json::Value> {
    let path = std::env::var("CORSGATE_VECTORS").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/conformance/vectors.jsonl"
        )
        .to_owned()
    });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Vec<_> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        v.len() >= 200,
        "expected the shared vectors, got {}",
        v.len()
    );
    v
}

fn slice(b: &[u8]) -> corsgate_slice {
    corsgate_slice {
        data: b.as_ptr(),
        len: b.len(),
    }
}

fn bytes<'a>(s: corsgate_slice) -> &'a [u8] {
    if s.len == 0 {
        return &[];
    }
    // SAFETY: slices written by the library point to `len` live bytes (policy or request
    // buffers kept alive by the caller of this helper).
    unsafe { std::slice::from_raw_parts(s.data, s.len) }
}

fn compile(json: &[u8]) -> Result<*mut corsgate_policy, *mut corsgate_config_error> {
    let mut p = ptr::null_mut();
    let mut e = ptr::null_mut();
    // SAFETY: valid buffers and out-pointers.
    let r = unsafe { corsgate_policy_from_json(json.as_ptr(), json.len(), &mut p, &mut e) };
    if r == corsgate_result::Ok {
        Ok(p)
    } else {
        Err(e)
    }
}

struct Req {
    method: Vec<u8>,
    headers: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Application response headers for the apply check: an owned line in odd case, a Vary
/// that lists Origin in lowercase, another Vary, an unrelated line.
const APP_HEADERS: [(&[u8], &[u8]); 5] = [
    (b"Content-Type", b"text/plain"),
    (b"access-control-ALLOW-origin", b"*"),
    (b"Vary", b"Accept-Encoding"),
    (b"vary", b"cookie, origin"),
    (b"X-Id", b"1"),
];

fn request(v: &serde_json::Value) -> Req {
    let r = &v["request"];
    Req {
        method: r["method"].as_str().unwrap().as_bytes().to_vec(),
        headers: r["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h[0].as_str().unwrap().as_bytes().to_vec(),
                    h[1].as_str().unwrap().as_bytes().to_vec(),
                )
            })
            .collect(),
    }
}

#[test]
fn evaluate_through_the_c_abi_allocates_nothing_and_matches_the_core() {
    // The counter is live: compiling a policy does allocate on this thread.
    let before = allocs();
    let p = compile(br#"{"origins":["https://example.com"]}"#).unwrap();
    assert!(allocs() > before, "the counting allocator saw nothing");
    // SAFETY: made by `compile`, freed once.
    unsafe { corsgate_policy_free(p) };

    let mut evaluated = 0;
    for v in vectors() {
        let json = serde_json::to_vec(&v["policy"]).unwrap();
        let Ok(p) = compile(&json) else { continue };
        let core = Policy::from_json_bytes(&json).unwrap();
        let req = request(&v);
        let c_headers: Vec<corsgate_header> = req
            .headers
            .iter()
            .map(|(n, val)| corsgate_header {
                name: slice(n),
                value: slice(val),
            })
            .collect();
        // The response rule, on application headers that exercise every part of it.
        let app_c: Vec<corsgate_header> = APP_HEADERS
            .iter()
            .map(|(n, val)| corsgate_header {
                name: slice(n),
                value: slice(val),
            })
            .collect();
        let mut out = MaybeUninit::<corsgate_decision>::uninit();

        let before = allocs();
        // SAFETY: live policy and buffers; `out` is writable storage.
        let r = unsafe {
            corsgate_policy_evaluate(
                p,
                req.method.as_ptr(),
                req.method.len(),
                c_headers.as_ptr(),
                c_headers.len(),
                out.as_mut_ptr(),
            )
        };
        let origin = req
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(b"origin"))
            .map_or(&b""[..], |(_, v)| v);
        // SAFETY: as above.
        let hot = unsafe { corsgate_policy_is_origin_allowed(p, origin.as_ptr(), origin.len()) };
        let mut text = [0u8; 512];
        let mut text_len = 0;
        assert_eq!(r, corsgate_result::Ok, "{}", v["id"]);
        // SAFETY: written by evaluate (result OK).
        let d = unsafe { out.assume_init() };
        // SAFETY: `d` was written by evaluate; buffers are live.
        let rr = unsafe {
            corsgate_decision_reason_write(&d, text.as_mut_ptr(), text.len(), &mut text_len)
        };
        let mut lines = [MaybeUninit::<corsgate_response_line>::uninit(); 5 + CORSGATE_MAX_ADDED];
        let mut lines_len = 0;
        // SAFETY: written by evaluate (result OK checked below before use); `lines` is
        // writable for its length.
        let ra = unsafe {
            corsgate_decision_apply(
                out.as_ptr(),
                app_c.as_ptr(),
                app_c.len(),
                lines.as_mut_ptr().cast(),
                lines.len(),
                &mut lines_len,
            )
        };
        let after = allocs();
        assert_eq!(
            after - before,
            0,
            "{}: evaluate/is_origin_allowed/reason_write/apply allocated",
            v["id"]
        );
        assert_eq!(ra, corsgate_result::Ok, "{}", v["id"]);
        assert_eq!(rr, corsgate_result::Ok);

        let want = core.evaluate(
            &req.method,
            req.headers
                .iter()
                .map(|(n, v)| (n.as_slice(), v.as_slice())),
        );
        assert_eq!(d.allowed, want.allowed(), "{}", v["id"]);
        // Every output slice points to real memory, also when empty (never Rust's
        // dangling address): one byte at `data` is readable.
        for sl in d.headers[..d.headers_len]
            .iter()
            .flat_map(|h| [h.name, h.value])
            .chain([d.reason_detail])
        {
            assert!(!sl.data.is_null(), "{}", v["id"]);
            // SAFETY: a non-NULL output slice points to at least one readable byte (a
            // static byte when empty), by the library's string convention.
            let _ = unsafe { sl.data.read_volatile() };
        }
        assert_eq!(d.status, want.status().unwrap_or(0));
        assert_eq!(
            bytes(corsgate_kind_str(d.kind as u32)),
            want.kind().as_str().as_bytes()
        );
        assert_eq!(
            bytes(corsgate_reason_str(d.reason as u32)),
            want.reason().code().as_bytes()
        );
        assert_eq!(&text[..text_len], want.reason().to_string().as_bytes());
        let got: Vec<(&[u8], &[u8])> = d.headers[..d.headers_len]
            .iter()
            .map(|h| (bytes(h.name), bytes(h.value)))
            .collect();
        let expect: Vec<(&[u8], &[u8])> = want
            .headers()
            .map(|h| (h.name.as_bytes(), h.value.as_bytes()))
            .collect();
        assert_eq!(got, expect, "{}", v["id"]);
        assert_eq!(hot, core.is_origin_allowed(origin));
        // SAFETY: the first `lines_len` entries were written by apply.
        let got: Vec<(bool, usize, &[u8], &[u8])> = lines[..lines_len]
            .iter()
            .map(|l| unsafe { l.assume_init() })
            .map(|l| {
                (
                    l.from_app,
                    l.app_index,
                    bytes(l.header.name),
                    bytes(l.header.value),
                )
            })
            .collect();
        let expect: Vec<(bool, usize, &[u8], &[u8])> = want
            .apply_to(APP_HEADERS.iter().copied().enumerate().map(Indexed::from))
            .map(|m| match m {
                Merged::App(Indexed {
                    index,
                    line: (n, v),
                }) => (true, index, n, v),
                Merged::Added { name, value } => (false, 0, name, value),
            })
            .collect();
        assert_eq!(got, expect, "{}", v["id"]);
        evaluated += 1;
        // SAFETY: made by `compile`, freed once.
        unsafe { corsgate_policy_free(p) };
    }
    assert!(evaluated >= 190, "only {evaluated} vectors evaluated");
}

fn diag_matches(c: &corsgate_diagnostic, d: &corsgate_core::Diagnostic) {
    assert_eq!(bytes(c.code), d.code.as_str().as_bytes());
    assert_eq!(c.is_error, d.severity() == corsgate_core::Severity::Error);
    assert_eq!(c.field.data.is_null(), d.field.is_none());
    assert_eq!(bytes(c.field), d.field.unwrap_or("").as_bytes());
    assert_eq!(c.has_index, d.index.is_some());
    assert_eq!(c.index, d.index.unwrap_or(0));
    assert_eq!(c.value.data.is_null(), d.value.is_none());
    assert_eq!(bytes(c.value), d.value.as_deref().unwrap_or("").as_bytes());
    assert_eq!(bytes(c.message), d.message.as_bytes());
    assert_eq!(bytes(c.text), d.to_string().as_bytes());
}

fn errors_match(e: *mut corsgate_config_error, want: &ConfigError) {
    // SAFETY: `e` is a live error object for all calls below.
    unsafe {
        assert_eq!(corsgate_config_error_len(e), want.errors.len());
        assert_eq!(corsgate_config_error_warnings_len(e), want.warnings.len());
        let mut c = MaybeUninit::uninit();
        for (i, d) in want.errors.iter().enumerate() {
            assert_eq!(
                corsgate_config_error_get(e, i, c.as_mut_ptr()),
                corsgate_result::Ok
            );
            diag_matches(&c.assume_init(), d);
        }
        for (i, d) in want.warnings.iter().enumerate() {
            assert_eq!(
                corsgate_config_error_warning_get(e, i, c.as_mut_ptr()),
                corsgate_result::Ok
            );
            diag_matches(&c.assume_init(), d);
        }
        let msg = bytes(corsgate_config_error_message(e));
        assert_eq!(msg, want.to_string().as_bytes());
    }
}

#[test]
fn config_errors_and_warnings_carry_the_cores_codes_and_messages() {
    let mut rejected = 0;
    let mut extra = vec![
        br#"{"origins":["https://*example.com","HTTPS://A.com","https://a.com/p"],"methods":["TRACE"],"max_age":100000}"#.to_vec(),
        b"{".to_vec(),
        br#"{"origins":["https://a.com"],"bogus":1}"#.to_vec(),
    ];
    let mut docs: Vec<Vec<u8>> = vectors()
        .iter()
        .map(|v| serde_json::to_vec(&v["policy"]).unwrap())
        .collect();
    docs.append(&mut extra);
    for json in docs {
        match (compile(&json), Policy::from_json_bytes(&json)) {
            (Err(e), Err(want)) => {
                errors_match(e, &want);
                rejected += 1;
                // SAFETY: made by `compile`, freed once.
                unsafe { corsgate_config_error_free(e) };
            }
            (Ok(p), Ok(want)) => {
                // SAFETY: `p` is a live policy.
                unsafe {
                    assert_eq!(corsgate_policy_warnings_len(p), want.warnings().len());
                    let mut c = MaybeUninit::uninit();
                    for (i, d) in want.warnings().iter().enumerate() {
                        assert_eq!(
                            corsgate_policy_warning_get(p, i, c.as_mut_ptr()),
                            corsgate_result::Ok
                        );
                        diag_matches(&c.assume_init(), d);
                    }
                    corsgate_policy_free(p);
                }
            }
            (c, core) => panic!(
                "C and core disagree on {}: C ok={}, core ok={}",
                String::from_utf8_lossy(&json),
                c.is_ok(),
                core.is_ok()
            ),
        }
    }
    assert!(rejected >= 17, "only {rejected} rejected policies checked");
}

#[test]
fn apply_checks_its_arguments_and_reports_the_needed_length() {
    let p = compile(br#"{"origins":["https://a.example"]}"#).unwrap();
    let (method, origin) = (b"GET", b"https://a.example");
    let req = [corsgate_header {
        name: slice(b"Origin"),
        value: slice(origin),
    }];
    let mut d = MaybeUninit::<corsgate_decision>::uninit();
    // SAFETY: live policy and buffers; `d` is writable.
    let r =
        unsafe { corsgate_policy_evaluate(p, method.as_ptr(), 3, req.as_ptr(), 1, d.as_mut_ptr()) };
    assert_eq!(r, corsgate_result::Ok);
    // SAFETY: written by evaluate.
    let d = unsafe { d.assume_init() };
    let app = [corsgate_header {
        name: slice(b"Access-Control-Allow-Origin"),
        value: slice(b"*"),
    }];
    let mut out = [MaybeUninit::<corsgate_response_line>::uninit(); 4];
    let mut n = 0;
    // SAFETY: every pointer below is live (or NULL where a case says so).
    unsafe {
        // Too small: the needed length is reported (ACAO + Vary; the app's ACAO dropped).
        let r = corsgate_decision_apply(&d, app.as_ptr(), 1, out.as_mut_ptr().cast(), 1, &mut n);
        assert_eq!((r, n), (corsgate_result::BufferTooSmall, 2));
        let r = corsgate_decision_apply(&d, app.as_ptr(), 1, ptr::null_mut(), 0, &mut n);
        assert_eq!((r, n), (corsgate_result::BufferTooSmall, 2));
        let r = corsgate_decision_apply(&d, app.as_ptr(), 1, out.as_mut_ptr().cast(), 4, &mut n);
        assert_eq!((r, n), (corsgate_result::Ok, 2));
        let first = out[0].assume_init();
        assert!(!first.from_app);
        assert_eq!(bytes(first.header.value), origin);
        // NULLs.
        let null = |r| assert_eq!(r, corsgate_result::NullParameter);
        null(corsgate_decision_apply(
            ptr::null(),
            app.as_ptr(),
            1,
            out.as_mut_ptr().cast(),
            4,
            &mut n,
        ));
        null(corsgate_decision_apply(
            &d,
            ptr::null(),
            1,
            out.as_mut_ptr().cast(),
            4,
            &mut n,
        ));
        null(corsgate_decision_apply(
            &d,
            app.as_ptr(),
            1,
            ptr::null_mut(),
            4,
            &mut n,
        ));
        null(corsgate_decision_apply(
            &d,
            app.as_ptr(),
            1,
            out.as_mut_ptr().cast(),
            4,
            ptr::null_mut(),
        ));
        let bad_app = [corsgate_header {
            name: corsgate_slice {
                data: ptr::null(),
                len: 3,
            },
            value: slice(b""),
        }];
        null(corsgate_decision_apply(
            &d,
            bad_app.as_ptr(),
            1,
            out.as_mut_ptr().cast(),
            4,
            &mut n,
        ));
        // A decision not written by evaluate.
        let mut bad = d;
        bad.headers_len = CORSGATE_MAX_HEADERS + 1;
        let r = corsgate_decision_apply(&bad, ptr::null(), 0, out.as_mut_ptr().cast(), 4, &mut n);
        assert_eq!(r, corsgate_result::InvalidParameter);
        let mut bad = d;
        ptr::addr_of_mut!(bad.kind).cast::<u32>().write(7);
        let r = corsgate_decision_apply(&bad, ptr::null(), 0, out.as_mut_ptr().cast(), 4, &mut n);
        assert_eq!(r, corsgate_result::InvalidParameter);
        // The owned-name predicate.
        assert!(corsgate_header_is_owned(
            b"access-control-max-age".as_ptr(),
            22
        ));
        assert!(!corsgate_header_is_owned(b"Vary".as_ptr(), 4));
        assert!(!corsgate_header_is_owned(ptr::null(), 4));
        assert!(!corsgate_header_is_owned(ptr::null(), 0));
        corsgate_policy_free(p);
    }
}

#[test]
fn a_bad_line_beside_an_allowed_origin_writes_nothing() {
    let p = compile(br#"{"origins":["https://example.com"],"methods":["PUT"]}"#).unwrap();
    let good = [
        corsgate_header {
            name: slice(b"Origin"),
            value: slice(b"https://example.com"),
        },
        corsgate_header {
            name: slice(b"Access-Control-Request-Method"),
            value: slice(b"PUT"),
        },
    ];
    let bad = corsgate_header {
        name: slice(b"X-A"),
        value: corsgate_slice {
            data: ptr::null(),
            len: 1,
        },
    };
    // GET: an allowed actual request; OPTIONS: an allowed preflight (the writer's two
    // direct paths).
    for method in [&b"GET"[..], &b"OPTIONS"[..]] {
        let mut out = MaybeUninit::<corsgate_decision>::uninit();
        // SAFETY: live policy and buffers; `out` is writable storage.
        let r = unsafe {
            corsgate_policy_evaluate(
                p,
                method.as_ptr(),
                method.len(),
                good.as_ptr(),
                good.len(),
                out.as_mut_ptr(),
            )
        };
        assert_eq!(r, corsgate_result::Ok);
        // SAFETY: written by evaluate (result OK).
        assert!(unsafe { out.assume_init_ref() }.allowed);
        let lines = [good[0], good[1], bad];
        let size = std::mem::size_of::<corsgate_decision>();
        // SAFETY: `out` is `size` writable bytes.
        unsafe { out.as_mut_ptr().cast::<u8>().write_bytes(0xAB, size) };
        // SAFETY: as above; the third line is the bad one under test.
        let r = unsafe {
            corsgate_policy_evaluate(
                p,
                method.as_ptr(),
                method.len(),
                lines.as_ptr(),
                lines.len(),
                out.as_mut_ptr(),
            )
        };
        assert_eq!(r, corsgate_result::NullParameter);
        // SAFETY: every byte was set above.
        let bytes = unsafe { std::slice::from_raw_parts(out.as_ptr().cast::<u8>(), size) };
        assert!(
            bytes.iter().all(|&b| b == 0xAB),
            "written despite NULL_PARAMETER"
        );
    }
    // SAFETY: made by `compile`, freed once.
    unsafe { corsgate_policy_free(p) };
}
