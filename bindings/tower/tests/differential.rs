//! corsgate-tower against tower-http's `CorsLayer` over real HTTP: the same settings, the
//! shared requests of tests/dropin/requests.json sent to two axum servers (127.0.0.1,
//! ephemeral ports), the browser's verdict on each answer from the one judge
//! (`corsgate_conformance::protocol::verdict`, what `corsgate-judge --verdict` answers).
//! Every verdict difference must carry a tag naming a README migration-table row.

use axum::Router;
use axum::routing::any;
use corsgate_tower::CorsgateLayer;
use http::{HeaderName, HeaderValue, Method};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower_http::cors::{AllowHeaders, AllowOrigin, Any, CorsLayer};

const A: &str = "https://app.example.com";

fn example_org(origin: &str) -> bool {
    origin
        .strip_prefix("https://")
        .and_then(|h| h.strip_suffix(".example.org"))
        .is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric()))
}

struct Request {
    method: String,
    headers: Vec<(String, String)>,
}

fn requests() -> Vec<Request> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/dropin/requests.json"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| Request {
            method: r["method"].as_str().unwrap().to_owned(),
            headers: r["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| {
                    (
                        h[0].as_str().unwrap().to_owned(),
                        h[1].as_str().unwrap().to_owned(),
                    )
                })
                .collect(),
        })
        .collect()
}

async fn serve(router: Router) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    port
}

fn app() -> Router {
    Router::new().route("/", any(|| async { "app" }))
}

/// One raw HTTP/1.1 exchange: (status, header lines).
async fn exchange(port: u16, r: &Request) -> (u16, Vec<(String, String)>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let mut head = format!("{} / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n", r.method);
    for (n, v) in &r.headers {
        head += &format!("{n}: {v}\r\n");
    }
    head += "Connection: close\r\n\r\n";
    s.write_all(head.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&raw);
    let head = text.split("\r\n\r\n").next().unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_owned(), v.trim().to_owned()))
        .collect();
    (status, headers)
}

fn kind(r: &Request) -> &'static str {
    let has = |n: &str| r.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(n));
    if !has("origin") {
        "not_cors"
    } else if r.method == "OPTIONS" && has("access-control-request-method") {
        "preflight"
    } else {
        "actual"
    }
}

fn cors_headers(lines: &[(String, String)]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::<String, String>::new();
    for (n, v) in lines {
        let k = n.to_ascii_lowercase();
        if k.starts_with("access-control-") || k == "vary" {
            out.entry(k)
                .and_modify(|x| *x = format!("{x}, {v}"))
                .or_insert_with(|| v.clone());
        }
    }
    out
}

fn allowed(credentials: bool, r: &Request, status: u16, headers: &[(String, String)]) -> bool {
    let line = json!({"credentials": credentials, "request": r.headers, "kind": kind(r),
                      "status": status, "headers": headers})
    .to_string();
    let v = corsgate_conformance::protocol::verdict(&line);
    assert!(v.get("error").is_none(), "{v}");
    v["allowed"].as_bool().unwrap()
}

/// Why corsgate's verdict may differ from tower-http's: the README row's tag.
fn explain(r: &Request, ours: bool, theirs: bool) -> Option<&'static str> {
    let acrm = r
        .headers
        .iter()
        .find(|(n, _)| n == "Access-Control-Request-Method")
        .map(|(_, v)| v.as_str());
    // tower-http answers only the listed methods; GET, HEAD and POST need no listing (Fetch).
    if ours && !theirs && matches!(acrm, Some("GET" | "HEAD" | "POST")) {
        return Some("safelisted-methods");
    }
    None
}

/// Serves `app()` behind each layer and compares them.
async fn differential(label: &str, credentials: bool, ours: CorsgateLayer, theirs: CorsLayer) {
    let (p1, p2) = (
        serve(app().layer(ours)).await,
        serve(app().layer(theirs)).await,
    );
    let mut diffs = 0;
    let mut explained = BTreeMap::<&str, usize>::new();
    let mut unexplained = Vec::new();
    let mut header_diffs = BTreeMap::<String, usize>::new();
    let reqs = requests();
    for r in &reqs {
        let (sa, ha) = exchange(p1, r).await;
        let (sb, hb) = exchange(p2, r).await;
        let (ca, cb) = (cors_headers(&ha), cors_headers(&hb));
        let names: std::collections::BTreeSet<&String> = ca.keys().chain(cb.keys()).collect();
        for k in names {
            if ca.get(k) != cb.get(k) {
                *header_diffs.entry(k.clone()).or_default() += 1;
            }
        }
        let (va, vb) = (
            allowed(credentials, r, sa, &ha),
            allowed(credentials, r, sb, &hb),
        );
        if va != vb {
            diffs += 1;
            match explain(r, va, vb) {
                Some(tag) => *explained.entry(tag).or_default() += 1,
                None => unexplained.push(format!(
                    "{} {:?}: corsgate {va}, tower-http {vb}",
                    r.method, r.headers
                )),
            }
        }
    }
    println!(
        "dropin tower-http [{label}]: {} requests, {diffs} verdict differences (explained {explained:?}), header differences {header_diffs:?}",
        reqs.len()
    );
    assert!(unexplained.is_empty(), "{unexplained:#?}");
}

#[tokio::test]
async fn list_with_credentials() {
    let theirs = CorsLayer::new()
        .allow_origin([HeaderValue::from_static(A)])
        .allow_methods([Method::GET, Method::PUT])
        .allow_headers([
            http::header::CONTENT_TYPE,
            HeaderName::from_static("x-token"),
        ])
        .allow_credentials(true)
        .expose_headers([HeaderName::from_static("x-request-id")])
        .max_age(Duration::from_secs(600));
    let ours = CorsgateLayer::from_json(
        r#"{"origins": ["https://app.example.com"], "credentials": true, "methods": ["PUT"],
            "request_headers": ["content-type", "x-token"], "expose_headers": ["x-request-id"],
            "max_age": 600}"#,
    )
    .unwrap();
    differential("list+credentials", true, ours, theirs).await;
}

#[tokio::test]
async fn permissive() {
    let ours = CorsgateLayer::from_json(
        r#"{"origins": ["*"], "methods": ["*"], "request_headers": ["*"], "expose_headers": ["*"]}"#,
    )
    .unwrap();
    differential("permissive", false, ours, CorsLayer::permissive()).await;
}

#[tokio::test]
async fn predicate_with_mirrored_headers() {
    let theirs = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(|o, _| {
            o.to_str().is_ok_and(|o| o == A || example_org(o))
        }))
        .allow_methods([Method::GET, Method::PUT, Method::DELETE])
        .allow_headers(AllowHeaders::mirror_request())
        .allow_credentials(true);
    let ours = CorsgateLayer::from_json(
        r#"{"origins": ["https://app.example.com"], "credentials": true,
            "methods": ["PUT", "DELETE"], "request_headers": ["*", "authorization"]}"#,
    )
    .unwrap()
    .origin_predicate(example_org, 100, Duration::from_secs(60));
    differential("predicate", true, ours, theirs).await;
}

#[tokio::test]
async fn any_origin_listed_headers() {
    let theirs = CorsLayer::new()
        .allow_origin(Any)
        .allow_headers([http::header::AUTHORIZATION]);
    let ours =
        CorsgateLayer::from_json(r#"{"origins": ["*"], "request_headers": ["authorization"]}"#)
            .unwrap();
    differential("any+authorization", false, ours, theirs).await;
}

/// The inner service never sees a preflight; its own CORS headers are replaced.
#[tokio::test]
async fn preflight_answered_and_app_headers_replaced() {
    let layer = CorsgateLayer::from_json(r#"{"origins": ["https://app.example.com"]}"#).unwrap();
    let router = Router::new()
        .route(
            "/",
            any(|| async {
                (
                    [
                        ("access-control-allow-origin", "*"),
                        ("vary", "Accept-Encoding"),
                    ],
                    "app",
                )
            }),
        )
        .layer(layer);
    let port = serve(router).await;
    let get = Request {
        method: "GET".into(),
        headers: vec![("Origin".into(), "https://evil.example.net".into())],
    };
    let (status, h) = exchange(port, &get).await;
    assert_eq!(status, 200);
    let c = cors_headers(&h);
    assert_eq!(c.get("access-control-allow-origin"), None);
    assert_eq!(
        c.get("vary").map(String::as_str),
        Some("Accept-Encoding, Origin")
    );
    let pf = Request {
        method: "OPTIONS".into(),
        headers: vec![
            ("Origin".into(), A.into()),
            ("Access-Control-Request-Method".into(), "PUT".into()),
        ],
    };
    let (status, _) = exchange(port, &pf).await;
    assert_eq!(status, 403, "PUT is not listed");
}
