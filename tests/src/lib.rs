//! Conformance vectors and the one judge that checks an engine's answers the way a
//! browser would.
//!
//! A vector is one JSON line (see `shared/conformance/README.md`, version 1 and
//! "Version 2"): a policy, a request and what must come out. Every runtime's suite feeds
//! its observations to the `corsgate-judge` binary (protocol in [`protocol`]); the Rust
//! suites call [`judge`] directly. Neither compares header strings: the Fetch standard's
//! CORS and preflight checks run over the response, so equivalent answers (a listed
//! method or `*`) both pass.
//!
//! - [`vector`]: loading vectors and reading their fields;
//! - [`observed`]: what an engine answered;
//! - [`browser`]: Fetch's checks;
//! - [`mod@judge`]: an observation against a vector's `expect`;
//! - [`final_response`]: the rules for a response after a decision was applied to it;
//! - [`protocol`]: the JSON-lines protocol of `corsgate-judge`.

pub mod browser;
pub mod final_response;
pub mod judge;
pub mod observed;
pub mod protocol;
pub mod vector;

pub use judge::judge;
pub use observed::Observed;
pub use vector::{
    V2_FEATURES, Vector, all_vectors, error_contains, load, pending_feature, project_v2_vectors,
    project_vectors, shared_dir, shared_vectors, v2_vectors,
};

/// Runs every vector through `engine` and returns the failures as `name: why` lines.
/// `engine` gets the policy text and the vector; it returns `Err(codes)` when the
/// policy does not compile (the error codes), or the observed answer.
pub fn run_all<F>(vectors: &[Vector], mut engine: F) -> Vec<String>
where
    F: FnMut(&str, &Vector) -> Result<Observed, Vec<String>>,
{
    let mut failures = Vec::new();
    for v in vectors {
        let observed = match engine(&v.policy_text(), v) {
            Ok(o) => o,
            Err(codes) => {
                if let Some(want) = v.config_error_code()
                    && !codes.iter().any(|c| c == want)
                {
                    failures.push(format!("{}: errors {codes:?} lack {want}", v.name));
                }
                for want in error_contains(v) {
                    if !codes.iter().any(|c| c.contains(want)) {
                        failures.push(format!("{}: errors {codes:?} do not name {want}", v.name));
                    }
                }
                Observed::config_error()
            }
        };
        let problems = judge(v, &observed);
        if !problems.is_empty() {
            failures.push(format!("{}: {}", v.name, problems.join("; ")));
        }
    }
    failures
}

/// The Rust API as an engine for [`run_all`]: the decision, and the final response
/// ([`corsgate::Decision::apply_to`]) when the vector has application headers.
pub fn rust_engine(policy_text: &str, v: &Vector) -> Result<Observed, Vec<String>> {
    // Each error as its code and as its text (which names its path).
    let codes = |e: corsgate::ConfigError| {
        e.errors
            .iter()
            .flat_map(|d| [d.code.as_str().to_owned(), d.to_string()])
            .collect::<Vec<_>>()
    };
    let headers = v.header_bytes();
    if corsgate::PolicySet::is_set_json(policy_text) {
        let set = corsgate::PolicySet::from_json(policy_text).map_err(codes)?;
        let d = set.evaluate(
            v.method.as_bytes(),
            v.path.as_bytes(),
            headers.iter().copied(),
        );
        let mut observed = Observed::from_decision(&d);
        observed.policy = d.policy().map(str::to_owned);
        observed.route = d.route().map(|r| r as u64);
        if let Some(app) = &v.app_headers {
            observed.final_headers = Some(final_headers(&d, app));
        }
        return Ok(observed);
    }
    let policy = corsgate::Policy::from_json(policy_text).map_err(codes)?;
    let d = policy.evaluate(v.method.as_bytes(), headers.iter().copied());
    let mut observed = Observed::from_decision(&d);
    if let Some(app) = &v.app_headers {
        observed.final_headers = Some(final_headers(&d, app));
    }
    Ok(observed)
}

/// The application's headers `app` with decision `d` applied, as text pairs.
fn final_headers(d: &corsgate::Decision<'_>, app: &[(String, String)]) -> Vec<(String, String)> {
    use corsgate::response::Line as _;
    d.apply_to(app)
        .map(|l| (l.name_str().into_owned(), l.value_str().into_owned()))
        .collect()
}
