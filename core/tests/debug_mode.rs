//! Debug mode (`"debug": true`, off by default): a denied preflight carries its reason
//! code in `Corsgate-Debug-Reason`; nothing else changes; compiling warns `debug_on`.

use corsgate::{Policy, names};

const PRE: &[u8] = b"Access-Control-Request-Method";

/// A request's header lines.
type Lines<'a> = &'a [(&'a [u8], &'a [u8])];

fn policy(debug: bool) -> Policy {
    Policy::from_json(&format!(
        r#"{{"origins": ["https://app.example"], "methods": ["PUT"], "debug": {debug}}}"#
    ))
    .unwrap()
}

fn headers(p: &Policy, method: &[u8], lines: &[(&[u8], &[u8])]) -> Vec<(String, String)> {
    p.evaluate(method, lines.iter().copied())
        .headers()
        .map(|h| (h.name.to_owned(), h.value.to_owned()))
        .collect()
}

#[test]
fn denied_preflight_names_its_reason() {
    let on = policy(true);
    for (origin, method, code) in [
        (
            &b"https://evil.example"[..],
            &b"PUT"[..],
            "origin_not_allowed",
        ),
        (b"https://app.example", b"DELETE", "method_not_allowed"),
        (b"https://app.example", b"TRACE", "method_forbidden"),
    ] {
        let d = on.evaluate(b"OPTIONS", [(&b"Origin"[..], origin), (PRE, method)]);
        assert!(!d.allowed());
        assert_eq!(d.header(names::DEBUG_REASON), Some(code));
        assert_eq!(d.reason().code(), code);
        // Vary, then the debug header; never anything that grants access.
        let all = headers(&on, b"OPTIONS", &[(b"Origin", origin), (PRE, method)]);
        assert_eq!(all.len(), 2, "{all:?}");
        assert_eq!(all[1].0, "Corsgate-Debug-Reason");
    }
}

#[test]
fn nothing_else_changes() {
    let (on, off) = (policy(true), policy(false));
    let requests: [(&[u8], Lines<'_>); 4] = [
        (
            b"OPTIONS",
            &[(b"Origin", b"https://app.example"), (PRE, b"PUT")],
        ),
        (b"GET", &[(b"Origin", b"https://evil.example")]),
        (b"GET", &[(b"Origin", b"https://app.example")]),
        (b"GET", &[]),
    ];
    for (method, lines) in requests {
        assert_eq!(headers(&on, method, lines), headers(&off, method, lines));
    }
    let denied: &[(&[u8], &[u8])] = &[(b"Origin", b"https://evil.example"), (PRE, b"PUT")];
    assert!(
        policy(false)
            .evaluate(b"OPTIONS", denied.iter().copied())
            .header(names::DEBUG_REASON)
            .is_none()
    );
}

#[test]
fn debug_on_is_a_warning() {
    let codes: Vec<_> = policy(true)
        .warnings()
        .iter()
        .map(|w| w.code.as_str())
        .collect();
    assert_eq!(codes, ["debug_on"]);
    assert!(policy(false).warnings().is_empty());
    assert!(Policy::from_json(r#"{"origins": ["https://a.example"], "debug": 1}"#).is_err());
}
