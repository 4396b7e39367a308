//! Policy set tests: the file, merging, errors by path, selection.

use super::*;
use crate::{Code, Kind, ReasonCode};

const SET: &str = r#"{
  "defaults": {"methods": ["PUT", "DELETE"], "request_headers": ["content-type"], "max_age": 600},
  "policies": {
    "public": {"origins": ["*"]},
    "acme": {"origins": ["https://acme.com", "https://*.acme.com"], "credentials": true},
    "partner": {"origins": ["https://partner.io"], "max_age": null},
    "eu": {"origins": ["https://eu.acme.com"]},
    "deep": {"origins": ["https://deep.acme.com"]}
  },
  "routes": [
    {"host": "api.acme.com", "policy": "acme"},
    {"host": "*.tenants.example.com", "path_prefix": "/v2/", "policy": "acme"},
    {"host": "api.acme.com", "path_prefix": "/partner/", "policy": "partner"},
    {"host": "*.acme.com", "policy": "eu"},
    {"host": "*.eu.acme.com", "policy": "deep"},
    {"host": "api.acme.com:8443", "policy": "deep"},
    {"host": "*", "path_prefix": "/public/", "policy": "public"}
  ]
}"#;

fn set() -> PolicySet {
    PolicySet::from_json(SET).unwrap()
}

fn pick(set: &PolicySet, host: Option<&str>, path: &str) -> Option<(String, usize)> {
    set.select(host.map(str::as_bytes), path.as_bytes())
        .map(|(n, _, r)| (n.to_owned(), r))
}

fn sel(host: Option<&str>, path: &str) -> Option<(String, usize)> {
    pick(&set(), host, path)
}

#[test]
fn selects_by_host_then_longest_prefix_then_falls_through() {
    let s = |p: &str, r: usize| Some((p.to_owned(), r));
    assert_eq!(sel(Some("api.acme.com"), "/x"), s("acme", 0));
    assert_eq!(sel(Some("API.ACME.COM."), "/x"), s("acme", 0));
    assert_eq!(sel(Some("api.acme.com:443"), "/partner/a"), s("partner", 2));
    assert_eq!(sel(Some("api.acme.com"), "/partner"), s("acme", 0));
    assert_eq!(sel(Some("api.acme.com:8443"), "/"), s("deep", 5));
    // Wildcards: longest suffix first, never the apex, one or more labels.
    assert_eq!(sel(Some("x.eu.acme.com"), "/"), s("deep", 4));
    assert_eq!(sel(Some("a.b.eu.acme.com"), "/"), s("deep", 4));
    assert_eq!(sel(Some("eu.acme.com"), "/"), s("eu", 3));
    assert_eq!(sel(Some("acme.com"), "/public/x"), s("public", 6));
    assert_eq!(sel(Some("acme.com"), "/"), None);
    // A wildcard without a port matches the default ports only.
    assert_eq!(sel(Some("www.acme.com:8080"), "/"), None);
    // The prefix of a wildcard host falls through to `*`.
    assert_eq!(sel(Some("x.tenants.example.com"), "/v2/a"), s("acme", 1));
    assert_eq!(sel(Some("x.tenants.example.com"), "/v1/a"), None);
    assert_eq!(
        sel(Some("x.tenants.example.com"), "/public/"),
        s("public", 6)
    );
    // Missing or malformed Host: only `*` routes.
    assert_eq!(sel(None, "/public/"), s("public", 6));
    for bad in [
        "user@api.acme.com",
        "x.acme.com:0",
        "x.acme.com/",
        "",
        "a b.acme.com",
        "x.acme.com:",
    ] {
        assert_eq!(sel(Some(bad), "/"), None, "{bad}");
        assert_eq!(sel(Some(bad), "/public/"), s("public", 6), "{bad}");
    }
}

#[test]
fn decisions_name_policy_and_route_and_unrouted_pass_through() {
    let set = set();
    let d = set.evaluate_str(
        "OPTIONS",
        "/partner/x",
        &[
            ("Host", "api.acme.com"),
            ("Origin", "https://partner.io"),
            ("Access-Control-Request-Method", "DELETE"),
        ],
    );
    assert_eq!((d.kind(), d.allowed()), (Kind::Preflight, true));
    assert_eq!((d.policy(), d.route()), (Some("partner"), Some(2)));
    // `max_age: null` in the policy replaces the default.
    assert_eq!(d.header("Access-Control-Max-Age"), None);
    let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    assert_eq!(json["policy"], "partner");
    assert_eq!(json["route"], 2);

    let d = set.evaluate_str(
        "GET",
        "/",
        &[("Host", "other.org"), ("Origin", "https://a.com")],
    );
    assert_eq!((d.kind(), d.allowed()), (Kind::NotCors, true));
    assert_eq!(d.reason().reason_code(), ReasonCode::NoPolicy);
    assert_eq!((d.policy(), d.route()), (None, None));
    assert_eq!(d.header("Vary"), Some("Origin"));
    let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    assert!(json["policy"].is_null() && json["route"].is_null());

    // Two Host lines select only `*` routes.
    let d = set.evaluate_str(
        "GET",
        "/",
        &[("Host", "api.acme.com"), ("host", "api.acme.com")],
    );
    assert_eq!(d.route(), None);
}

#[test]
fn equal_merged_policies_are_compiled_once() {
    let mut policies = serde_json::Map::new();
    let mut routes = Vec::new();
    for i in 0..50 {
        let origins = if i % 2 == 0 {
            "https://a.com"
        } else {
            "https://b.com"
        };
        policies.insert(format!("t{i}"), serde_json::json!({"origins": [origins]}));
        routes.push(
            serde_json::json!({"host": format!("t{i}.example.com"), "policy": format!("t{i}")}),
        );
    }
    let doc = serde_json::json!({"defaults": {"methods": ["PUT"]}, "policies": policies, "routes": routes});
    let set = PolicySet::from_value(&doc).unwrap();
    assert_eq!(set.compiled_len(), 2);
    assert_eq!(set.policies().count(), 50);
    assert_eq!(
        pick(&set, Some("t7.example.com"), "/"),
        Some(("t7".into(), 7))
    );
    let p = set.policy("t7").unwrap();
    assert!(p.is_origin_allowed(b"https://b.com"));
    assert_eq!(p.config().methods, ["PUT"]);
}

fn errors(text: &str) -> Vec<(String, Code)> {
    PolicySet::from_json(text)
        .unwrap_err()
        .errors
        .iter()
        .map(|d| (d.path(), d.code))
        .collect()
}

#[test]
fn every_error_is_named_by_its_path_all_at_once() {
    let got = errors(
        r#"{"defaults": {"credentials": true, "max_agee": 5}, "extra": 1,
            "policies": {"ok": {"origins": ["https://ok.com"]},
                         "acme": {"origins": ["https://acme.com", "https://acme.com/app"]},
                         "pub": {"origins": ["*"]},
                         "a.b": {"origins": []},
                         "bad": 3},
            "routes": [{"host": "https://x.com", "policy": "ok"},
                       {"host": "x.com", "policy": "missing", "path": "/"},
                       {"host": "y.com", "path_prefix": "v2", "policy": "ok"},
                       {"policy": "ok"},
                       {"host": "Y.com.", "policy": "ok", "path_prefix": "/"},
                       {"host": "y.com:443", "policy": "acme"},
                       7]}"#,
    );
    let want = [
        ("", Code::UnknownField),
        ("defaults", Code::UnknownField),
        ("policies.acme.origins[1]", Code::OriginHasPath),
        ("policies.pub.origins[0]", Code::AnyOriginWithCredentials),
        ("policies[\"a.b\"].origins", Code::EmptyOrigins),
        ("policies.bad", Code::InvalidType),
        ("routes[0].host", Code::InvalidHost),
        ("routes[1]", Code::UnknownField),
        ("routes[1].policy", Code::UnknownPolicy),
        ("routes[2].path_prefix", Code::InvalidPathPrefix),
        ("routes[3].host", Code::MissingField),
        ("routes[6]", Code::InvalidType),
        ("routes[5]", Code::DuplicateRoute),
    ];
    for w in &want {
        assert!(
            got.iter().any(|g| (g.0.as_str(), g.1) == *w),
            "missing {w:?} in {got:?}"
        );
    }
    assert_eq!(got.len(), want.len(), "{got:?}");
    let e = PolicySet::from_json(r#"{"policies": {}}"#).unwrap_err();
    assert_eq!(e.errors[0].path(), "routes");
    assert_eq!(e.errors[0].code, Code::MissingField);
    let shown = PolicySet::from_json(
        r#"{"policies": {"a": {"origins": ["https://a.com/x"]}}, "routes": []}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(
        shown.contains("policies.a.origins[0] \"https://a.com/x\": origin_has_path"),
        "{shown}"
    );
}

#[test]
fn value_errors_in_a_policy_name_the_entry_as_written() {
    let got = errors(
        r#"{"defaults": {"methods": [1, "bad method"]},
            "policies": {"x": {"origins": [1, "https://*example.com"]}},
            "routes": [{"host": "*", "policy": "x"}]}"#,
    );
    assert_eq!(
        got,
        [
            ("policies.x.origins[0]".to_owned(), Code::InvalidType),
            ("policies.x.methods[0]".to_owned(), Code::InvalidType),
            ("policies.x.origins[1]".to_owned(), Code::InvalidWildcard),
            ("policies.x.methods[1]".to_owned(), Code::InvalidMethod),
        ]
    );
}

#[test]
fn warnings_are_scoped_per_policy() {
    let set = PolicySet::from_json(
        r#"{"policies": {"a": {"origins": ["HTTPS://A.com"]}, "b": {"origins": ["HTTPS://A.com"]}},
            "routes": [{"host": "*", "policy": "a"}]}"#,
    )
    .unwrap();
    let paths: Vec<String> = set.warnings().iter().map(Diagnostic::path).collect();
    assert_eq!(paths, ["policies.a.origins[0]", "policies.b.origins[0]"]);
    assert_eq!(set.compiled_len(), 1);
}

#[test]
fn sets_are_told_apart_from_policies() {
    assert!(PolicySet::is_set_json(SET));
    assert!(!PolicySet::is_set_json(r#"{"origins": ["*"]}"#));
    assert!(!PolicySet::is_set_json("{"));
    assert!(Policy::from_json(SET).is_err());
}

/// Issue 14: 10,000 tenants whose merged policies differ only in their origins hold one
/// copy of their methods, headers and settings; a tenant whose settings differ holds
/// its own, and each still decides by its own origins and settings.
#[test]
fn tenants_differing_only_in_origins_share_one_copy_of_the_rest() {
    use std::sync::Arc;
    let n = 10_000;
    let mut policies = serde_json::Map::new();
    let mut routes = Vec::new();
    for i in 0..n {
        policies.insert(
            format!("t{i}"),
            serde_json::json!({"origins": [format!("https://t{i}.com")]}),
        );
        routes
            .push(serde_json::json!({"host": format!("api.t{i}.com"), "policy": format!("t{i}")}));
    }
    policies.insert(
        "odd".into(),
        serde_json::json!({"origins": ["https://odd.com"], "max_age": 5}),
    );
    routes.push(serde_json::json!({"host": "api.odd.com", "policy": "odd"}));
    let doc = serde_json::json!({
        "defaults": {"methods": ["PUT", "DELETE"], "request_headers": ["x-a", "content-type"],
                     "expose_headers": ["x-b"], "max_age": 600, "credentials": true},
        "policies": policies,
        "routes": routes,
    });
    let set = PolicySet::from_value(&doc).unwrap();
    assert_eq!(set.compiled_len(), n + 1, "every tenant is its own policy");
    let first = set.policy("t0").unwrap().rules();
    let sharing = set
        .policies()
        .filter(|(_, p)| Arc::ptr_eq(p.rules(), first))
        .count();
    assert_eq!(sharing, n);
    // No other copy is kept (the interner's table is gone once the set is built).
    assert_eq!(Arc::strong_count(first), n);
    let odd = set.policy("odd").unwrap().rules();
    assert!(!Arc::ptr_eq(odd, first));
    // Shared rules, own origins.
    // (allowed, max age, credentials) of a preflight.
    let preflight = |host: &'static str, origin: &'static str| {
        let d = set.evaluate_str(
            "OPTIONS",
            "/",
            &[
                ("Host", host),
                ("Origin", origin),
                ("Access-Control-Request-Method", "PUT"),
                ("Access-Control-Request-Headers", "x-a"),
            ],
        );
        let h = |n| d.header(n).map(str::to_owned);
        (
            d.allowed(),
            h("Access-Control-Max-Age"),
            h("Access-Control-Allow-Credentials"),
        )
    };
    let yes = |age: &str| (true, Some(age.to_owned()), Some("true".to_owned()));
    assert_eq!(preflight("api.t77.com", "https://t77.com"), yes("600"));
    assert!(!preflight("api.t77.com", "https://t78.com").0);
    assert_eq!(preflight("api.odd.com", "https://odd.com"), yes("5"));
    let get = set.evaluate_str(
        "GET",
        "/",
        &[("Host", "api.t9.com"), ("Origin", "https://t9.com")],
    );
    assert_eq!(get.header("Access-Control-Expose-Headers"), Some("x-b"));
}

/// Host keys of every length class the table compares differently: shorter than 16
/// bytes (padded), 16 to 32 (two words), longer than 32 (words and the arena), and long
/// keys equal in their first and last 16 bytes, differing only in the middle.
#[test]
fn host_keys_of_every_length_are_told_apart() {
    let long_a = format!("aaaaaaaaaaaaaaaa{}.example.com", "x".repeat(20));
    let long_b = format!("aaaaaaaaaaaaaaaa{}.example.com", "y".repeat(20));
    let long_c = format!("aaaaaaaaaaaaaaaa{}.example.com", "x".repeat(21));
    let hosts = [
        "a.io".to_owned(),
        "b.io".to_owned(),
        "abcdefghij.k.com".to_owned(),  // 16 bytes
        "abcdefghijk.l.com".to_owned(), // 17 bytes
        "x".repeat(28) + ".com",        // 32 bytes
        "y".repeat(28) + ".com",        // 32 bytes, same tail
        long_a.clone(),
        long_b.clone(),
        long_c.clone(),
        "api.acme.com:8443".to_owned(),
        "[::1]:8080".to_owned(),
        "10.0.0.1".to_owned(),
    ];
    let mut policies = serde_json::Map::new();
    let mut routes = Vec::new();
    for (i, h) in hosts.iter().enumerate() {
        policies.insert(
            format!("p{i}"),
            serde_json::json!({"origins": [format!("https://o{i}.example")]}),
        );
        routes.push(serde_json::json!({"host": h, "policy": format!("p{i}")}));
    }
    let set = PolicySet::from_value(&serde_json::json!({"policies": policies, "routes": routes}))
        .unwrap();
    for (i, h) in hosts.iter().enumerate() {
        let want = Some((format!("p{i}"), i));
        assert_eq!(pick(&set, Some(h), "/"), want, "{h}");
        assert_eq!(pick(&set, Some(&h.to_ascii_uppercase()), "/"), want, "{h}");
        // Through `evaluate` too (the set's own scan of the `Host` line).
        let origin = format!("https://o{i}.example");
        let d = set.evaluate_str("GET", "/", &[("Host", h), ("Origin", &origin)]);
        assert_eq!((d.route(), d.allowed()), (Some(i), true), "{h}");
        // One byte more or less, or another byte in the middle, is another host.
        for other in [format!("{h}x"), h[1..].to_owned(), h.replacen('a', "q", 1)] {
            if other != *h && !hosts.contains(&other) {
                assert_eq!(pick(&set, Some(&other), "/"), None, "{other}");
            }
        }
    }
    assert_eq!(pick(&set, Some("[::1]:8081"), "/"), None);
    assert_eq!(pick(&set, Some("api.acme.com"), "/"), None);
}

/// Hosts as a browser sends them and as other clients may: case, trailing dot, default
/// and explicit ports, surrounding whitespace, through `evaluate`; wildcard suffixes,
/// the longest prefix, and no or two `Host` lines.
#[test]
fn evaluate_selects_by_the_host_line_and_path() {
    let set = set();
    let route = |host: Option<&str>, path: &str| {
        let mut headers = vec![("Origin", "https://acme.com")];
        if let Some(h) = host {
            headers.push(("Host", h));
        }
        set.evaluate_str("GET", path, &headers).route()
    };
    assert_eq!(route(Some("api.acme.com"), "/"), Some(0));
    assert_eq!(route(Some("Api.Acme.Com"), "/"), Some(0));
    assert_eq!(route(Some(" api.acme.com. "), "/"), Some(0));
    assert_eq!(route(Some("api.acme.com:80"), "/"), Some(0));
    assert_eq!(route(Some("api.acme.com:443"), "/partner/x"), Some(2));
    assert_eq!(route(Some("API.acme.com:8443"), "/"), Some(5));
    assert_eq!(route(Some("api.acme.com:8444"), "/"), None);
    assert_eq!(route(Some("x.y.eu.acme.com"), "/"), Some(4));
    assert_eq!(route(Some("X.ACME.COM"), "/"), Some(3));
    assert_eq!(route(Some("t1.tenants.example.com"), "/v2/x"), Some(1));
    assert_eq!(route(Some("t1.tenants.example.com"), "/v3/x"), None);
    assert_eq!(route(None, "/public/x"), Some(6));
    assert_eq!(route(None, "/"), None);
    let two = set.evaluate_str(
        "GET",
        "/public/",
        &[("Host", "api.acme.com"), ("HOST", "api.acme.com")],
    );
    assert_eq!(two.route(), Some(6));
    // An empty `Host` value is no host (`HostLines` keeps "no line" as the empty value):
    // alone, or beside a real line, it selects only `*` routes.
    assert_eq!(route(Some(""), "/public/x"), Some(6));
    assert_eq!(route(Some(""), "/"), None);
    let empty_then_real = set.evaluate_str(
        "GET",
        "/",
        &[
            ("Host", ""),
            ("Host", "api.acme.com"),
            ("Origin", "https://acme.com"),
        ],
    );
    assert_eq!(empty_then_real.route(), None);
}

/// A set without any protected policy reads `Host` alone; one with a protected policy
/// reads `Sec-Fetch-Site` and `Upgrade` too, and refuses as the policy alone does,
/// while its unprotected routes decide as before.
#[test]
fn protection_lines_are_read_when_some_policy_protects() {
    let doc = |protect: bool| {
        format!(
            r#"{{"policies": {{
                "app": {{"origins": ["https://app.example"], "methods": ["POST"],
                         "cross_origin_protection": {protect}}},
                "hooks": {{"origins": ["https://app.example"], "methods": ["POST"]}}}},
              "routes": [{{"host": "api.example", "policy": "app"}},
                         {{"host": "api.example", "path_prefix": "/hooks/", "policy": "hooks"}}]}}"#
        )
    };
    let lines = [
        ("Host", "api.example"),
        ("Origin", "https://evil.example"),
        ("Sec-Fetch-Site", "cross-site"),
    ];
    for protect in [false, true] {
        let set = PolicySet::from_json(&doc(protect)).unwrap();
        assert_eq!(set.protection, protect);
        let d = set.evaluate_str("POST", "/x", &lines);
        let policy = set.policy("app").unwrap();
        assert_eq!(d.to_json(), {
            let mut v: serde_json::Value =
                serde_json::from_str(&policy.evaluate_str("POST", &lines).to_json()).unwrap();
            v["policy"] = "app".into();
            v["route"] = 0.into();
            v.to_string()
        });
        assert_eq!(d.kind() == Kind::Refused, protect);
        let hooks = set.evaluate_str("POST", "/hooks/a", &lines);
        assert_eq!((hooks.kind(), hooks.route()), (Kind::Actual, Some(1)));
        // A WebSocket handshake is checked only under protection.
        let ws = set.evaluate_str(
            "GET",
            "/x",
            &[
                ("Host", "api.example"),
                ("Origin", "https://evil.example"),
                ("Upgrade", "websocket"),
            ],
        );
        assert_eq!(ws.kind() == Kind::Refused, protect);
    }
}

#[test]
fn equal_merged_policies_compile_once_however_written() {
    // `b` restates a default, `c` differs only in a value: a and b merge to the same
    // policy (one compiled copy), c is its own; a distinct tenant in between.
    let set = PolicySet::from_json(
        r#"{"defaults": {"methods": ["PUT"], "max_age": 60},
            "policies": {
              "a": {"origins": ["https://a.com"]},
              "d": {"origins": ["https://d.com"]},
              "b": {"methods": ["PUT"], "origins": ["https://a.com"]},
              "c": {"origins": ["https://a.com"], "max_age": 61}},
            "routes": [{"host": "a.example", "policy": "a"}, {"host": "b.example", "policy": "b"},
                       {"host": "c.example", "policy": "c"}, {"host": "d.example", "policy": "d"}]}"#,
    )
    .unwrap();
    assert_eq!(set.compiled_len(), 3);
    for (host, allowed) in [
        ("a.example", true),
        ("b.example", true),
        ("c.example", true),
        ("d.example", false),
    ] {
        let d = set.evaluate_str("GET", "/", &[("Host", host), ("Origin", "https://a.com")]);
        assert_eq!(d.allowed(), allowed, "{host}");
    }
}

/// Compiles `text` through the typed path (which must read it) and through the `Value`
/// path, and checks that both give the same set: names, policies (as read, their
/// warnings, which share rules), routes, warnings and selection.
fn typed_and_value_paths_agree(text: &str) -> PolicySet {
    use std::sync::Arc;
    let typed = typed::read(text)
        .map(PolicySet::from_parts)
        .expect("read by the typed path");
    let value = PolicySet::from_document(serde_json::from_str(text).unwrap()).unwrap();
    assert_eq!(typed.names, value.names);
    assert_eq!(typed.compiled_of, value.compiled_of);
    assert_eq!(typed.routes, value.routes);
    assert_eq!(typed.warnings, value.warnings);
    assert_eq!(typed.protection, value.protection);
    assert_eq!(typed.policies.len(), value.policies.len());
    for (a, b) in typed.policies.iter().zip(&value.policies) {
        assert_eq!(a.config(), b.config());
        assert_eq!(a.warnings(), b.warnings());
    }
    let sharing = |s: &PolicySet| -> Vec<Option<usize>> {
        s.policies
            .iter()
            .map(|p| {
                s.policies
                    .iter()
                    .position(|q| Arc::ptr_eq(p.rules(), q.rules()))
            })
            .collect()
    };
    assert_eq!(sharing(&typed), sharing(&value));
    for r in typed.routes() {
        let host = r.host.trim_start_matches("*.");
        let path = format!("{}x", r.path_prefix);
        assert_eq!(
            pick(&typed, Some(host), &path),
            pick(&value, Some(host), &path),
            "{host}{path}"
        );
    }
    typed
}

/// Issue 14: valid files are compiled from their text by `typed`, exactly as the
/// `Value` path compiles them: escapes, `defaults` anywhere or `null`, a policy's
/// `null` over a default, warnings, protection, shared and distinct settings.
#[test]
fn the_typed_path_compiles_valid_files_as_the_value_path_does() {
    typed_and_value_paths_agree(SET);
    typed_and_value_paths_agree(r#"{"policies": {}, "routes": []}"#);
    typed_and_value_paths_agree(
        r#"{"routes": [{"host": "a\u002Eexample", "policy": "t\u0031", "path_prefix": "/\u0061/"},
                       {"host": "B.example.", "policy": "w", "path_prefix": null},
                       {"host": "*.c.example:8443", "policy": "p"},
                       {"host": "*", "policy": "t1"}],
            "policies": {
              "t\u0031": {"origins": ["https:\/\/a.com", "HTTPS://B.com"], "methods": ["p\u0075t"]},
              "w": {"origins": ["https://*.w.com", "http://localhost:3000"], "credentials": null,
                    "max_age": null, "request_headers": null},
              "p": {"origins": ["https://p.com"], "cross_origin_protection": true, "debug": true,
                    "expose_headers": ["x-a", "X-A"], "preflight_status": 200,
                    "private_network": true, "max_age": 7201},
              "open": {"origins": ["https://*.github.io"], "credentials": false}},
            "defaults": {"credentials": true, "request_headers": ["x-b"], "max_age": 60,
                         "dangerously_allow_null_origin": false}}"#,
    );
    let set = typed_and_value_paths_agree(
        r#"{"defaults": null,
            "policies": {"a": {"origins": ["https://a.com"]},
                         "b": {"credentials": false, "origins": ["https://a.com"], "preflight_status": 204},
                         "c": {"origins": ["https://a.com"], "methods": []},
                         "d": {"origins": ["https://a.com"], "methods": ["PUT"]}},
            "routes": [{"host": "a.example", "policy": "a"}]}"#,
    );
    // a, b and c are equal as read, however written: one compiled policy.
    assert_eq!(set.compiled_len(), 2);
    let value: serde_json::Value = serde_json::from_str(
        r#"{"policies": {"a": {"origins": ["https://a.com"]},
                         "b": {"origins": ["https://a.com"], "credentials": false}},
            "routes": []}"#,
    )
    .unwrap();
    assert_eq!(PolicySet::from_value(&value).unwrap().compiled_len(), 1);
}

/// What the typed path does not model (a key written twice) is read by the `Value`
/// path, as before: the last value wins.
#[test]
fn files_the_typed_path_refuses_are_read_by_the_value_path() {
    let text = r#"{"policies": {"a": {"origins": ["https://a.com"], "origins": ["https://b.com"]}},
                   "routes": [{"host": "*", "policy": "a"}]}"#;
    assert!(typed::read(text).is_none());
    let set = PolicySet::from_json(text).unwrap();
    let p = set.policy("a").unwrap();
    assert!(p.is_origin_allowed(b"https://b.com") && !p.is_origin_allowed(b"https://a.com"));
    for refused in [
        r#"{"policies": {"a": {"origins": ["https://a.com"]}}, "routes": [], "policies": {}}"#,
        r#"{"policies": {"a": {"origins": ["https://a.com"], "max_age": 1.5}}, "routes": []}"#,
        r#"{"policies": {"a": {"origins": ["https://a.com"]}, "a": {"origins": ["https://b.com"]}}, "routes": []}"#,
        r#"{"policies": {"a": {"origins": ["https://a.com"]}}, "routes": [{"host": "x", "policy": "b"}]}"#,
        r#"{"policies": {"a": {"origins": ["https://a.com"]}}}"#,
        r#"{"policies": {"a": {"origins": ["https://a.com"], "preflight_status": 70000}}, "routes": []}"#,
        r#"{"policies": {"a": {"methods": ["PUT"]}}, "routes": []}"#,
    ] {
        assert!(typed::read(refused).is_none(), "{refused}");
        assert_eq!(
            PolicySet::from_json(refused).map(|s| s.compiled_len()).ok(),
            PolicySet::from_value(&serde_json::from_str(refused).unwrap())
                .map(|s| s.compiled_len())
                .ok(),
            "{refused}"
        );
    }
}
