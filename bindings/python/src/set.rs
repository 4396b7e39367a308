//! Policy sets for Python: `corsgate.PolicySet`, the set counterpart of `Policy`
//! (DESIGN "Policy sets"), and `corsgate.load`, which compiles a file as whichever of the
//! two it holds (the core tells them apart by the top-level `policies` key).
//!
//! As for `Policy`, nothing is decided here: the core selects the route by the request's
//! `Host` line and path and decides with the route's policy; this module converts the
//! arguments and copies the answer into the same `Decision` type, which then also names
//! the selected policy and route. A set's decision costs what a policy's does plus the
//! core's selection (a hash probe and a prefix comparison) and the copy of the policy
//! name into the decision's one buffer: no extra allocation in the common case.

use std::path::{Path, PathBuf};

use pyo3::prelude::*;
use pyo3::types::PyList;

use super::{
    Decision, Policy, borrow, config_error, diagnostics, header_pairs, os_error, path_arg, raw,
};

/// A compiled, immutable policy set: named policies, each request answered by the
/// policy of the route its `Host` line and path select. Thread-safe: share one across
/// threads; to change it, build a new one and swap the reference.
#[pyclass(frozen, module = "corsgate")]
pub struct PolicySet {
    inner: corsgate::PolicySet,
}

/// Compiles a set document with the GIL released (100,000 routes take up to a second).
fn compile_set(py: Python<'_>, bytes: Vec<u8>) -> PyResult<PolicySet> {
    py.detach(move || corsgate::PolicySet::from_json_bytes(&bytes))
        .map(|inner| PolicySet { inner })
        .map_err(|e| config_error(py, &e))
}

/// Reads a file with the GIL released; `OSError` as for `Policy.from_file`.
fn read_file(py: Python<'_>, path: &Path) -> PyResult<Vec<u8>> {
    py.detach(|| std::fs::read(path))
        .map_err(|e| os_error(e, path))
}

/// Whether document bytes hold a policy set (text that is not UTF-8 JSON is not).
fn is_set(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(corsgate::PolicySet::is_set_json)
}

impl PolicySet {
    /// Runs the core's set `evaluate` on Python arguments and hands the decision to `f`,
    /// which must not call Python (it may borrow the arguments' own bytes).
    fn decide<R>(
        &self,
        method: &Bound<'_, PyAny>,
        headers: &Bound<'_, PyAny>,
        path: Option<&Bound<'_, PyAny>>,
        f: impl FnOnce(&corsgate::SetDecision<'_>) -> R,
    ) -> PyResult<R> {
        // The fast path: arguments borrowed in place (see borrow.rs).
        let fast_path = path.map_or(Some(&b"/"[..]), borrow::text_arg);
        if let (Some(m), Some(p)) = (borrow::text_arg(method), fast_path) {
            // SAFETY: from here to the end of `f` (a pure copy of the decision into Rust
            // values) no Python code runs and the GIL stays held.
            if let Some(mut lines) = unsafe { borrow::Lines::new(headers) } {
                let d = self.inner.evaluate(m, p, &mut lines);
                if lines.finish().is_some() {
                    return Ok(f(&d));
                }
            }
        }
        let method = raw(method, "method")?;
        let path = path.map(|p| raw(p, "path")).transpose()?;
        let pairs = header_pairs(headers)?;
        let d = self.inner.evaluate(
            method.as_bytes(),
            path.as_ref().map_or(&b"/"[..], |p| p.as_bytes()),
            pairs.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())),
        );
        Ok(f(&d))
    }
}

#[pymethods]
impl PolicySet {
    /// Reads, validates and compiles a policy set document (JSON text as str or UTF-8
    /// bytes). Raises `ConfigError` listing every problem, each named by its path
    /// (`Diagnostic.path`: `policies.acme.origins[1]`, `routes[2].host`).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<PolicySet> {
        let bytes = raw(text, "the policy set text")?.as_bytes().to_vec();
        compile_set(py, bytes)
    }

    /// Reads, validates and compiles a policy set file. OSError if it cannot be read
    /// (as `Policy.from_file`), `ConfigError` if it is rejected.
    #[staticmethod]
    fn from_file(
        py: Python<'_>,
        #[pyo3(from_py_with = path_arg)] path: PathBuf,
    ) -> PyResult<PolicySet> {
        let bytes = read_file(py, &path)?;
        compile_set(py, bytes)
    }

    /// Decides one request: the route is selected by the request's one `Host` line among
    /// `headers` (missing, repeated or malformed: only `*` routes) and by `path` (str or
    /// bytes, compared byte for byte with each `path_prefix`; str as UTF-8; default
    /// `"/"`, also for None), then its
    /// policy decides exactly as `Policy.evaluate` does. The decision names the selected
    /// policy and route (`Decision.policy`, `Decision.route`); with no route selected it
    /// is not CORS, allowed, `Vary: Origin`, reason `no_policy`, policy and route None.
    #[pyo3(signature = (method, headers, path = None))]
    fn evaluate(
        &self,
        method: &Bound<'_, PyAny>,
        headers: &Bound<'_, PyAny>,
        path: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Decision> {
        self.decide(method, headers, path, Decision::from_set)
    }

    /// As `evaluate`, returning the core's JSON line (the `corsgate eval --jsonl` format
    /// of a set: with `"policy"` and `"route"`).
    #[pyo3(signature = (method, headers, path = None))]
    fn evaluate_json(
        &self,
        method: &Bound<'_, PyAny>,
        headers: &Bound<'_, PyAny>,
        path: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        self.decide(method, headers, path, |d| d.to_json())
    }

    /// Warnings of every policy, each scoped by its path (`Diagnostic.path`:
    /// `policies.acme.origins[0]`).
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        diagnostics(py, self.inner.warnings())
    }

    /// The policy names, in file order.
    #[getter]
    fn policies(&self) -> Vec<&str> {
        self.inner.policies().map(|(name, _)| name).collect()
    }

    /// The routes, in file order, as `(host, path_prefix, policy name)`.
    #[getter]
    fn routes(&self) -> Vec<(&str, &str, &str)> {
        self.inner
            .routes()
            .iter()
            .map(|r| (r.host.as_str(), r.path_prefix.as_str(), r.policy.as_str()))
            .collect()
    }

    /// The policy named `name` (after `defaults` were merged), or None.
    fn policy(&self, name: &str) -> Option<Policy> {
        self.inner.policy(name).map(|p| Policy { inner: p.clone() })
    }

    /// How many distinct policies were compiled (policies equal after merging count
    /// once).
    #[getter]
    fn compiled_len(&self) -> usize {
        self.inner.compiled_len()
    }

    fn __repr__(&self) -> String {
        format!(
            "<corsgate.PolicySet: {} policies ({} compiled), {} routes>",
            self.inner.policies().count(),
            self.inner.compiled_len(),
            self.inner.routes().len()
        )
    }
}

/// Whether a JSON document (str or UTF-8 bytes) is a policy set (an object with a
/// top-level `policies` key) rather than a policy. Text that is not JSON: False.
#[pyfunction]
pub fn is_policy_set(text: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(is_set(raw(text, "the policy text")?.as_bytes()))
}

/// Reads a policy file and compiles it as what it holds: a `PolicySet` when it has a
/// top-level `policies` key, else a `Policy`. Errors as `Policy.from_file`.
#[pyfunction]
pub fn load(py: Python<'_>, #[pyo3(from_py_with = path_arg)] path: PathBuf) -> PyResult<Py<PyAny>> {
    let bytes = read_file(py, &path)?;
    if is_set(&bytes) {
        Ok(Py::new(py, compile_set(py, bytes)?)?.into_any())
    } else {
        Ok(Py::new(py, super::compile_json(py, bytes)?)?.into_any())
    }
}

#[cfg(test)]
mod tests {
    use super::super::Decision;

    /// The owned copy of a set's decision names the core's policy and route and renders
    /// the same headers and reason.
    #[test]
    fn owned_set_decision_matches_core() {
        let set = corsgate::PolicySet::from_json(
            r#"{"policies": {"acme": {"origins": ["https://*.acme.com"], "credentials": true},
                             "open": {"origins": ["*"]}},
                "routes": [{"host": "api.acme.com", "policy": "acme"},
                           {"host": "*", "path_prefix": "/pub/", "policy": "open"}]}"#,
        )
        .expect("valid set");
        let cases: &[(&str, &[(&str, &str)])] = &[
            (
                "/",
                &[("Host", "api.acme.com"), ("Origin", "https://a.acme.com")],
            ),
            (
                "/pub/x",
                &[("Host", "other.org"), ("Origin", "https://a.acme.com")],
            ),
            (
                "/",
                &[("Host", "other.org"), ("Origin", "https://a.acme.com")],
            ),
        ];
        for (path, headers) in cases {
            let d = set.evaluate_str("GET", path, headers);
            let owned = Decision::from_set(&d);
            assert_eq!(owned.policy(), d.policy());
            assert_eq!(owned.route(), d.route());
            assert_eq!(owned.reason_(), d.reason());
            let core: Vec<(&str, &str)> = d.headers().map(|h| (h.name, h.value)).collect();
            assert_eq!(owned.lines().iter().collect::<Vec<_>>(), core);
        }
    }
}
