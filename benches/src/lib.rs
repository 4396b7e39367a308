//! Shared fixtures of the corsgate benchmarks.
//!
//! - [`Fixture`]: one policy shape (`n` exact origins, `w` wildcard subdomains, `r`
//!   regexes), compiled for corsgate and configured equivalently for tower-http's
//!   `CorsLayer`, with request origins whose verdict is known by construction;
//! - [`CorsgateService`]: corsgate as a tower middleware, so that both engines are also
//!   timed end to end on the same `http::Request`s;
//! - [`cache`]: issue 15's cache-realistic workload (100k rules, 1M requests over 1M
//!   distinct origins by Zipf);
//! - [`tenants`]: the policy set generator (issue 14: one policy per tenant);
//! - [`zipf`]: the deterministic generator of the replay log (the data is generated,
//!   never committed).
//!
//! Every bench asserts the expected allow/deny verdicts through these helpers before it
//! times anything: a fast wrong answer is not a result.

use corsgate::{Config, Kind, Policy};
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode, header};
use std::convert::Infallible;
use std::future::{Future, Ready, ready};
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use tower::Service;
use tower::util::ServiceFn;
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, Cors, CorsLayer};

pub mod cache;
pub mod tenants;
pub mod zipf;

/// Methods listed by every fixture policy (beyond the safelisted GET/HEAD/POST).
pub const METHODS: [&str; 2] = ["PUT", "DELETE"];
/// Request headers listed by every fixture policy.
pub const REQUEST_HEADERS: [&str; 3] = ["authorization", "content-type", "x-request-id"];
/// `max_age` of every fixture policy.
pub const MAX_AGE: u64 = 600;

/// The `i`-th exact origin of a fixture.
pub fn exact_origin(i: usize) -> String {
    format!("https://www.customer{i}.com")
}

/// The `j`-th wildcard base domain of a fixture (the pattern is `https://*.` + base).
pub fn wildcard_base(j: usize) -> String {
    format!("tenant{j}.example.com")
}

/// The `k`-th regex of a fixture (without the `~`).
pub fn regex_source(k: usize) -> String {
    format!(r"^https://pr-[0-9]+\.preview{k}\.example\.dev$")
}

/// A policy shape: exact origins, wildcard subdomain patterns and regexes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Exact origins.
    pub exact: usize,
    /// Wildcard subdomain patterns.
    pub wildcards: usize,
    /// Regexes.
    pub regexes: usize,
}

impl Shape {
    /// The origins list of the policy, in order: exact, wildcards, regexes.
    pub fn origins(&self) -> Vec<String> {
        let mut v = Vec::with_capacity(self.exact + self.wildcards + self.regexes);
        v.extend((0..self.exact).map(exact_origin));
        v.extend((0..self.wildcards).map(|j| format!("https://*.{}", wildcard_base(j))));
        v.extend((0..self.regexes).map(|k| format!("~{}", regex_source(k))));
        v
    }

    /// The corsgate configuration (credentials on, methods, headers and max age).
    pub fn config(&self) -> Config {
        Config::new(self.origins())
            .credentials(true)
            .methods(METHODS)
            .request_headers(REQUEST_HEADERS)
            .max_age(MAX_AGE)
    }

    /// Compiles the corsgate policy; panics if the fixture is invalid (a bench bug).
    pub fn policy(&self) -> Policy {
        let p = Policy::new(&self.config()).expect("fixture policy compiles");
        assert_eq!(
            p.exact_table_stats().0,
            self.exact,
            "every exact origin kept"
        );
        p
    }

    /// A short label such as `1k` for the exact-origin count.
    pub fn label(&self) -> String {
        human(self.exact)
    }
}

/// `1`, `100`, `1k`, `100k`, `1M`.
pub fn human(n: usize) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1_000 && n.is_multiple_of(1_000) {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}

/// One request origin with the verdict every engine must give.
#[derive(Clone, Debug)]
pub struct Case {
    /// Short name used as the criterion function id.
    pub name: &'static str,
    /// The `Origin` value.
    pub origin: String,
    /// Whether the origin must be allowed.
    pub allowed: bool,
}

/// The origin-decision cases of issue 6 for `shape`: an exact hit (the middle entry, so
/// that a linear scan does half its work), a wildcard hit, a regex hit, a near miss in the
/// style of `barexample.com` (a wildcard base glued to a label), a far miss and a malformed
/// value.
pub fn origin_cases(shape: &Shape) -> Vec<Case> {
    let mid = shape.exact / 2;
    let base = wildcard_base(shape.wildcards / 2);
    let mut v = vec![Case {
        name: "hit",
        origin: exact_origin(mid),
        allowed: shape.exact > 0,
    }];
    if shape.wildcards > 0 {
        v.push(Case {
            name: "wildcard_hit",
            origin: format!("https://app.eu.{base}"),
            allowed: true,
        });
    }
    if shape.regexes > 0 {
        v.push(Case {
            name: "regex_hit",
            origin: format!("https://pr-4242.preview{}.example.dev", shape.regexes - 1),
            allowed: true,
        });
    }
    v.extend([
        Case {
            name: "near_miss",
            origin: format!("https://bar{base}"),
            allowed: false,
        },
        Case {
            name: "far_miss",
            origin: "https://unrelated.example.org".to_owned(),
            allowed: false,
        },
        Case {
            name: "malformed",
            origin: format!("https://www.customer{mid}.com/"),
            allowed: false,
        },
    ]);
    v
}

/// Whether corsgate allows `origin` in an actual request (the full evaluate path).
pub fn corsgate_allows(policy: &Policy, origin: &str) -> bool {
    let d = policy.evaluate(b"GET", [(&b"origin"[..], origin.as_bytes())]);
    assert_eq!(d.kind(), Kind::Actual);
    d.allowed()
}

/// Asserts corsgate's verdict on every case (and `is_origin_allowed` agrees).
pub fn assert_corsgate_cases(policy: &Policy, cases: &[Case]) {
    for c in cases {
        assert_eq!(
            corsgate_allows(policy, &c.origin),
            c.allowed,
            "corsgate verdict for {} ({})",
            c.name,
            c.origin
        );
        assert_eq!(policy.is_origin_allowed(c.origin.as_bytes()), c.allowed);
    }
}

// ---------------------------------------------------------------------------------------
// tower-http

/// The origin matcher a tower-http user writes for the same policy: exact origins with
/// `AllowOrigin::list`'s own test (`Vec::contains`, a linear scan), then each wildcard
/// base as a suffix after `https://` and a dot, then each regex.
#[derive(Clone, Debug)]
pub struct TowerOrigins {
    exact: Vec<HeaderValue>,
    /// `.base` suffixes.
    suffixes: Vec<String>,
    regexes: Vec<regex::bytes::Regex>,
}

impl TowerOrigins {
    /// Builds the matcher data for `shape`.
    pub fn new(shape: &Shape) -> Self {
        TowerOrigins {
            exact: (0..shape.exact)
                .map(|i| HeaderValue::try_from(exact_origin(i)).expect("valid header value"))
                .collect(),
            suffixes: (0..shape.wildcards)
                .map(|j| format!(".{}", wildcard_base(j)))
                .collect(),
            regexes: (0..shape.regexes)
                .map(|k| regex::bytes::Regex::new(&regex_source(k)).expect("valid regex"))
                .collect(),
        }
    }

    /// Whether `origin` is allowed.
    pub fn allows(&self, origin: &HeaderValue) -> bool {
        if self.exact.contains(origin) {
            return true;
        }
        let b = origin.as_bytes();
        if let Some(rest) = b.strip_prefix(b"https://")
            && self
                .suffixes
                .iter()
                .any(|s| rest.len() > s.len() && rest.ends_with(s.as_bytes()))
        {
            return true;
        }
        self.regexes.iter().any(|r| r.is_match(b))
    }
}

/// The innermost application of both middleware stacks: an empty 200.
pub type App = ServiceFn<fn(Request<()>) -> Ready<Result<Response<()>, Infallible>>>;

fn app_fn(_req: Request<()>) -> Ready<Result<Response<()>, Infallible>> {
    ready(Ok(Response::new(())))
}

/// The empty application.
pub fn app() -> App {
    tower::service_fn(app_fn as fn(Request<()>) -> Ready<Result<Response<()>, Infallible>>)
}

/// tower-http's `CorsLayer` configured like [`Shape::config`].
pub fn tower_cors(shape: &Shape) -> Cors<App> {
    let origins = TowerOrigins::new(shape);
    let layer = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |o, _| origins.allows(o)))
        .allow_credentials(true)
        .allow_methods(AllowMethods::list([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::DELETE,
        ]))
        .allow_headers(AllowHeaders::list(
            REQUEST_HEADERS.map(HeaderName::from_static),
        ))
        .max_age(std::time::Duration::from_secs(MAX_AGE));
    tower::Layer::layer(&layer, app())
}

/// Calls a ready-at-once service and returns its response (no runtime needed: the
/// application answers synchronously).
pub fn call<S>(svc: &mut S, req: Request<()>) -> Response<()>
where
    S: Service<Request<()>, Response = Response<()>, Error = Infallible>,
{
    let mut cx = Context::from_waker(Waker::noop());
    match svc.poll_ready(&mut cx) {
        Poll::Ready(Ok(())) => {}
        _ => unreachable!("the benchmark services are always ready"),
    }
    let mut fut = pin!(svc.call(req));
    match fut.as_mut().poll(&mut cx) {
        Poll::Ready(Ok(resp)) => resp,
        _ => unreachable!("the benchmark services answer at once"),
    }
}

/// Whether a response lets the browser read it (carries `Access-Control-Allow-Origin`
/// and, for preflights, a 2xx status).
pub fn response_allows(resp: &Response<()>) -> bool {
    resp.status().is_success()
        && resp
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
}

// ---------------------------------------------------------------------------------------
// corsgate as a tower middleware

/// corsgate behind the same tower interface as tower-http's `Cors`: preflights are
/// answered from the decision, actual requests reach the application and get the
/// decision's headers. Holds no CORS logic of its own.
#[derive(Clone, Debug)]
pub struct CorsgateService<S> {
    policy: std::sync::Arc<Policy>,
    inner: S,
}

impl<S> CorsgateService<S> {
    /// Wraps `inner`.
    pub fn new(policy: std::sync::Arc<Policy>, inner: S) -> Self {
        CorsgateService { policy, inner }
    }
}

fn put_headers(policy_headers: corsgate::Headers<'_>, resp: &mut http::HeaderMap) {
    for h in policy_headers {
        let name = HeaderName::from_static(lower_static(h.name));
        if let Ok(v) = HeaderValue::from_str(h.value) {
            resp.append(name, v);
        }
    }
}

/// corsgate's header names are static and title-cased; `http` wants lowercase statics.
fn lower_static(name: &'static str) -> &'static str {
    match name {
        "Access-Control-Allow-Origin" => "access-control-allow-origin",
        "Access-Control-Allow-Credentials" => "access-control-allow-credentials",
        "Access-Control-Allow-Methods" => "access-control-allow-methods",
        "Access-Control-Allow-Headers" => "access-control-allow-headers",
        "Access-Control-Max-Age" => "access-control-max-age",
        "Access-Control-Allow-Private-Network" => "access-control-allow-private-network",
        "Access-Control-Expose-Headers" => "access-control-expose-headers",
        _ => "vary",
    }
}

impl<S> Service<Request<()>> for CorsgateService<S>
where
    S: Service<Request<()>, Response = Response<()>, Error = Infallible>,
{
    type Response = Response<()>;
    type Error = Infallible;
    type Future = Ready<Result<Response<()>, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<()>) -> Self::Future {
        let policy = std::sync::Arc::clone(&self.policy);
        let d = policy.evaluate(
            req.method().as_str().as_bytes(),
            req.headers()
                .iter()
                .map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes())),
        );
        if d.kind() == Kind::Preflight {
            let mut resp = Response::new(());
            *resp.status_mut() =
                StatusCode::from_u16(d.status().unwrap_or(403)).unwrap_or(StatusCode::FORBIDDEN);
            put_headers(d.headers(), resp.headers_mut());
            return ready(Ok(resp));
        }
        // Actual or not CORS: collect the headers, then call the application (the request
        // moves into it, so the borrowed decision must be used first).
        let mut extra = http::HeaderMap::new();
        put_headers(d.headers(), &mut extra);
        let mut resp = call(&mut self.inner, req);
        for (name, value) in extra {
            if let Some(name) = name {
                resp.headers_mut().append(name, value);
            }
        }
        ready(Ok(resp))
    }
}

/// corsgate's middleware over the fixture's policy.
pub fn corsgate_service(policy: std::sync::Arc<Policy>) -> CorsgateService<App> {
    CorsgateService::new(policy, app())
}

// ---------------------------------------------------------------------------------------
// requests

/// `GET` with an `Origin`.
pub fn actual_request(origin: &str) -> Request<()> {
    Request::builder()
        .method(Method::GET)
        .uri("/")
        .header(header::ORIGIN, origin)
        .body(())
        .expect("valid request")
}

/// The preflight of issue 6: origin + method + 3 request headers.
pub fn preflight_request(origin: &str) -> Request<()> {
    Request::builder()
        .method(Method::OPTIONS)
        .uri("/")
        .header(header::ORIGIN, origin)
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "PUT")
        .header(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            "content-type, x-request-id, authorization",
        )
        .body(())
        .expect("valid request")
}

/// The (name, value) pairs of a request, for `Policy::evaluate`.
pub fn pairs(req: &Request<()>) -> Vec<(&[u8], &[u8])> {
    req.headers()
        .iter()
        .map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes()))
        .collect()
}

/// Hostile inputs of issue 6, each with the verdict both engines must give.
pub struct Hostile {
    /// Short name.
    pub name: &'static str,
    /// The method.
    pub method: Method,
    /// Header lines.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Whether corsgate must allow it.
    pub corsgate_allows: bool,
    /// Whether tower-http's response must carry `Access-Control-Allow-Origin` (tower-http
    /// never reads `Access-Control-Request-Headers`: it leaves that check to the browser).
    pub tower_allows: bool,
}

impl Hostile {
    /// The request as an `http::Request`.
    pub fn request(&self) -> Request<()> {
        let mut req = Request::builder().method(self.method.clone()).uri("/");
        for (n, v) in &self.headers {
            req = req.header(n, v);
        }
        req.body(()).expect("valid request")
    }
}

/// A 1 MiB `Access-Control-Request-Headers` value made of allowed names: a parser that
/// reads it all pays for every byte.
pub fn acrh_1mib() -> String {
    let mut acrh = "content-type, ".repeat((1 << 20) / 14);
    acrh.push_str(&"x".repeat((1 << 20) - acrh.len()));
    acrh
}

/// 1 MiB `Access-Control-Request-Headers`, an 8 KiB origin, 1,000 header lines.
pub fn hostile_cases(shape: &Shape) -> Vec<Hostile> {
    let origin = HeaderValue::try_from(exact_origin(shape.exact / 2)).expect("valid");
    let acrm = (
        header::ACCESS_CONTROL_REQUEST_METHOD,
        HeaderValue::from_static("PUT"),
    );
    let acrh = acrh_1mib();
    let long_origin = format!("https://{}.com", "a".repeat(8 * 1024 - 12));
    let mut many = vec![(header::ORIGIN, origin.clone())];
    for i in 0..999 {
        many.push((
            HeaderName::try_from(format!("x-filler-{i}")).expect("valid"),
            HeaderValue::from_static("some value"),
        ));
    }
    vec![
        Hostile {
            name: "acrh_1MiB",
            method: Method::OPTIONS,
            headers: vec![
                (header::ORIGIN, origin.clone()),
                acrm,
                (
                    header::ACCESS_CONTROL_REQUEST_HEADERS,
                    HeaderValue::try_from(acrh).expect("valid"),
                ),
            ],
            corsgate_allows: false,
            tower_allows: true,
        },
        Hostile {
            name: "origin_8KiB",
            method: Method::GET,
            headers: vec![(
                header::ORIGIN,
                HeaderValue::try_from(long_origin).expect("valid"),
            )],
            corsgate_allows: false,
            tower_allows: false,
        },
        Hostile {
            name: "lines_1000",
            method: Method::GET,
            headers: many,
            corsgate_allows: true,
            tower_allows: true,
        },
    ]
}
