//! `corsgate-tower`: a [`tower`](https://docs.rs/tower) layer (axum, hyper, tonic) that
//! answers CORS from a corsgate [`Policy`].
//!
//! ```
//! use corsgate_tower::CorsgateLayer;
//!
//! let layer = CorsgateLayer::from_json(r#"{"origins": ["https://app.example.com"],
//!                                          "methods": ["PUT"]}"#).unwrap();
//! // axum: Router::new().route(...).layer(layer)
//! # let _ = layer;
//! ```
//!
//! Built like `tower_http::cors::CorsLayer`, but nothing is decided here: each request is
//! evaluated by the core ([`Policy::evaluate`]); a decision that answers the request itself
//! (a preflight, [`corsgate::response::calls_application`] false) is answered with its
//! status and headers, the inner service not called; any other response gets the core's
//! response rule ([`corsgate::response::merge`]): the application's `Access-Control-*`
//! headers dropped, the decision's added, `Vary` merged by tokens.
//!
//! Dynamic origins ([`CorsgateLayer::origin_predicate`], like tower-http's
//! `AllowOrigin::predicate`): a predicate consulted only when the policy denies an origin
//! it does not list, its answers cached ([`DynamicOrigins`]).
//!
//! Cost per request: one [`Policy::evaluate`] (allocation-free), the decision's headers
//! copied into owned `http` values (a few small allocations), and for a response one
//! rebuild of its header map.

mod dynamic;

use corsgate::response::{self, Merged};
use corsgate::{ConfigError, Decision, Kind, Policy};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tower_layer::Layer;
use tower_service::Service;

pub use dynamic::DynamicOrigins;

/// The policy a layer answers from, with its optional dynamic origins.
#[derive(Debug)]
struct Shared {
    policy: Policy,
    dynamic: Option<DynamicOrigins>,
}

/// A [`Layer`] answering CORS from a corsgate [`Policy`]. Cheap to clone (one `Arc`).
#[derive(Clone, Debug)]
pub struct CorsgateLayer {
    shared: Arc<Shared>,
}

impl CorsgateLayer {
    /// A layer for `policy`.
    pub fn new(policy: Policy) -> CorsgateLayer {
        CorsgateLayer {
            shared: Arc::new(Shared {
                policy,
                dynamic: None,
            }),
        }
    }

    /// A layer for a policy document.
    ///
    /// # Errors
    /// The core's [`ConfigError`] (every problem, each naming its entry).
    pub fn from_json(text: &str) -> Result<CorsgateLayer, ConfigError> {
        Policy::from_json(text).map(CorsgateLayer::new)
    }

    /// Adds dynamic origins: `predicate(origin)` is asked when the policy denies a
    /// well-formed origin; a `true` lets the core decide the request as if the policy
    /// listed that origin. At most `max_entries` answers are cached, each for `ttl`.
    pub fn origin_predicate<F>(self, predicate: F, max_entries: usize, ttl: Duration) -> Self
    where
        F: Fn(&str) -> bool + Send + Sync + 'static,
    {
        let policy = match Arc::try_unwrap(self.shared) {
            Ok(shared) => shared.policy,
            Err(shared) => shared.policy.clone(),
        };
        let dynamic = DynamicOrigins::new(&policy, predicate, max_entries, ttl);
        CorsgateLayer {
            shared: Arc::new(Shared {
                policy,
                dynamic: Some(dynamic),
            }),
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.shared.policy
    }
}

impl<S> Layer<S> for CorsgateLayer {
    type Service = Corsgate<S>;

    fn layer(&self, inner: S) -> Corsgate<S> {
        Corsgate {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The service of [`CorsgateLayer`].
#[derive(Clone, Debug)]
pub struct Corsgate<S> {
    inner: S,
    shared: Arc<Shared>,
}

/// A decision copied out of the request's lifetime: kind, status, header lines.
#[derive(Debug)]
struct Owned {
    kind: Kind,
    status: Option<u16>,
    lines: Vec<(HeaderName, HeaderValue)>,
}

impl Owned {
    fn of(d: &Decision<'_>) -> Owned {
        let lines = d
            .headers()
            .filter_map(|h| {
                // Every name and value the core emits is a valid header; a value that
                // `http` refused would be dropped rather than panic.
                let name = HeaderName::from_bytes(h.name.as_bytes()).ok()?;
                let value = HeaderValue::from_str(h.value).ok()?;
                Some((name, value))
            })
            .collect();
        Owned {
            kind: d.kind(),
            status: d.status(),
            lines,
        }
    }

    /// Replaces `headers` by the final response the core's rule gives.
    fn apply(&self, headers: &mut HeaderMap) {
        let mut app: Vec<(HeaderName, HeaderValue)> = Vec::with_capacity(headers.len());
        let mut last: Option<HeaderName> = None;
        for (name, value) in headers.drain() {
            if let Some(n) = name {
                last = Some(n);
            }
            if let Some(n) = &last {
                app.push((n.clone(), value));
            }
        }
        let decision = self
            .lines
            .iter()
            .map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes()));
        for m in response::merge(self.kind, decision, app.iter()) {
            match m {
                Merged::App((n, v)) => {
                    headers.append(n.clone(), v.clone());
                }
                Merged::Added { name, value } => {
                    if let (Ok(n), Ok(v)) =
                        (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
                    {
                        headers.append(n, v);
                    }
                }
            }
        }
    }
}

impl Shared {
    fn decide<B>(&self, req: &Request<B>) -> Owned {
        let method = req.method().as_str().as_bytes();
        let lines = || {
            req.headers()
                .iter()
                .map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes()))
        };
        let d = self.policy.evaluate(method, lines());
        if let Some(dynamic) = &self.dynamic
            && let Some(derived) = dynamic.policy_for(&self.policy, &d, req.headers())
        {
            return Owned::of(&derived.evaluate(method, lines()));
        }
        Owned::of(&d)
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Corsgate<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let decision = self.shared.decide(&req);
        if !response::calls_application(decision.kind) {
            let status = decision.status.unwrap_or(403);
            let mut res = Response::new(ResBody::default());
            *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
            decision.apply(res.headers_mut());
            if status != 204 {
                res.headers_mut()
                    .insert(http::header::CONTENT_LENGTH, HeaderValue::from_static("0"));
            }
            return ResponseFuture {
                state: State::Answered { res: Some(res) },
            };
        }
        ResponseFuture {
            state: State::Inner {
                fut: self.inner.call(req),
                decision: Some(decision),
            },
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Corsgate`]: the answer, or the inner response with the rule applied.
    pub struct ResponseFuture<F, B> {
        #[pin]
        state: State<F, B>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<F, B> {
        Answered { res: Option<Response<B>>, },
        Inner { #[pin] fut: F, decision: Option<Owned>, },
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<B>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Answered { res } => match res.take() {
                Some(r) => Poll::Ready(Ok(r)),
                None => panic!("ResponseFuture polled after completion"),
            },
            StateProj::Inner { fut, decision } => {
                let mut res = match fut.poll(cx) {
                    Poll::Ready(Ok(r)) => r,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => return Poll::Pending,
                };
                if let Some(d) = decision.take() {
                    d.apply(res.headers_mut());
                }
                Poll::Ready(Ok(res))
            }
        }
    }
}
