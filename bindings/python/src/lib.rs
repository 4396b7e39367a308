//! Python bindings for corsgate: the `corsgate._corsgate` extension module of the
//! `corsgate` wheel.
//!
//! This crate translates and decides nothing: every verdict, header, reason, error code
//! and message comes from the `corsgate` core crate unchanged. It converts Python
//! arguments into what the core takes, and the core's answers into Python objects.
//!
//! The GIL is released only while a policy is compiled (milliseconds for large
//! allow-lists and regex sets). `evaluate` and `is_origin_allowed` keep it: they cost
//! tens of nanoseconds, less than releasing and re-acquiring the GIL (see
//! `benches/python/bench.py`, which measures both).

use std::path::PathBuf;

use corsgate::response::{self, Indexed, Merged};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use serde_json::{Map, Value};

mod borrow;
mod layout;
mod lent;
mod owned;
mod recycle;
mod set;
pub use set::PolicySet;

pyo3::create_exception!(
    corsgate,
    ConfigError,
    PyValueError,
    "A policy was rejected. `errors` lists every problem (`Diagnostic`s: code, field, index, \
     value, message), `warnings` the warnings found along the way, `code` the first error's code. \
     The text, codes and messages are the core's, unchanged."
);

/// One problem found in a policy: which entry, what kind, and why.
#[pyclass(frozen, module = "corsgate")]
#[derive(Clone)]
pub struct Diagnostic {
    inner: corsgate::Diagnostic,
}

#[pymethods]
impl Diagnostic {
    /// Stable snake_case code, e.g. `"invalid_wildcard"`.
    #[getter]
    fn code(&self) -> &'static str {
        self.inner.code.as_str()
    }
    /// `"error"` or `"warning"`.
    #[getter]
    fn severity(&self) -> &'static str {
        self.inner.severity().as_str()
    }
    /// Where the problem lies, as one path: `origins[1]` in a policy,
    /// `policies.acme.origins[1]` or `routes[2].host` in a policy set; `""` for the
    /// whole document.
    #[getter]
    fn path(&self) -> String {
        self.inner.path()
    }
    /// The policy field concerned (`"origins"` …), or None for the whole document.
    #[getter]
    fn field(&self) -> Option<&'static str> {
        self.inner.field
    }
    /// The position of the entry in a list field, or None.
    #[getter]
    fn index(&self) -> Option<usize> {
        self.inner.index
    }
    /// The entry as written in the policy, or None.
    #[getter]
    fn value(&self) -> Option<&str> {
        self.inner.value.as_deref()
    }
    /// A one-line explanation.
    #[getter]
    fn message(&self) -> &str {
        &self.inner.message
    }
    fn __str__(&self) -> String {
        self.inner.to_string()
    }
    fn __repr__(&self) -> String {
        format!(
            "Diagnostic(code={:?}, field={}, index={}, value={}, message={:?})",
            self.inner.code.as_str(),
            py_opt(self.inner.field.map(|f| format!("{f:?}"))),
            py_opt(self.inner.index.map(|i| i.to_string())),
            py_opt(self.inner.value.as_ref().map(|v| format!("{v:?}"))),
            self.inner.message
        )
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Diagnostic>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }
    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.inner.code.hash(&mut h);
        self.inner.index.hash(&mut h);
        self.inner.value.hash(&mut h);
        self.inner.message.hash(&mut h);
        h.finish()
    }
}

/// `None` or the value's repr, as Python would print it.
fn py_opt(v: Option<String>) -> String {
    v.unwrap_or_else(|| "None".to_owned())
}

fn diagnostics<'py>(
    py: Python<'py>,
    list: &[corsgate::Diagnostic],
) -> PyResult<Bound<'py, PyList>> {
    PyList::new(py, list.iter().map(|d| Diagnostic { inner: d.clone() }))
}

/// The boolean arguments of `Policy(...)`, each read so that a wrong type is a
/// `TypeError` naming the argument (`credentials must be a bool, not str`).
mod flag {
    use pyo3::exceptions::PyTypeError;
    use pyo3::prelude::*;
    use pyo3::types::PyBool;

    fn read(name: &str, v: &Bound<'_, PyAny>) -> PyResult<bool> {
        match v.cast::<PyBool>() {
            Ok(b) => Ok(b.is_true()),
            Err(_) => Err(PyTypeError::new_err(format!(
                "{name} must be a bool, not {}",
                v.get_type()
                    .name()
                    .map_or_else(|_| "?".to_owned(), |n| n.to_string())
            ))),
        }
    }

    macro_rules! flags {
        ($($name:ident),*) => {$(
            pub(super) fn $name(v: &Bound<'_, PyAny>) -> PyResult<bool> {
                read(stringify!($name), v)
            }
        )*};
    }
    flags!(
        credentials,
        private_network,
        cross_origin_protection,
        dangerously_allow_null_origin,
        dangerously_allow_insecure_origins,
        dangerously_allow_public_suffix_wildcards,
        debug
    );
}

/// Turns the core's `ConfigError` into `corsgate.ConfigError` with its structured parts.
fn config_error(py: Python<'_>, e: &corsgate::ConfigError) -> PyErr {
    let err = ConfigError::new_err(e.to_string());
    let value = err.value(py);
    let attach = || -> PyResult<()> {
        value.setattr("errors", diagnostics(py, &e.errors)?)?;
        value.setattr("warnings", diagnostics(py, &e.warnings)?)?;
        value.setattr("code", e.code().as_str())?;
        Ok(())
    };
    match attach() {
        Ok(()) => err,
        Err(other) => other,
    }
}

/// Compiles with the GIL released: compiling is the one step that can take long enough
/// (large allow-lists, regex automata) for other threads to want the interpreter.
fn compile(py: Python<'_>, config: corsgate::Config) -> PyResult<Policy> {
    py.detach(move || corsgate::Policy::new(&config))
        .map(|inner| Policy { inner })
        .map_err(|e| config_error(py, &e))
}

fn compile_json(py: Python<'_>, bytes: Vec<u8>) -> PyResult<Policy> {
    py.detach(move || corsgate::Policy::from_json_bytes(&bytes))
        .map(|inner| Policy { inner })
        .map_err(|e| config_error(py, &e))
}

/// Bytes of a `str` (UTF-8) or `bytes` argument; bytes are borrowed, not copied.
enum Raw<'py> {
    Bytes(Bound<'py, PyBytes>),
    Text(String),
}

impl Raw<'_> {
    fn as_bytes(&self) -> &[u8] {
        match self {
            Raw::Bytes(b) => b.as_bytes(),
            Raw::Text(s) => s.as_bytes(),
        }
    }
}

fn raw<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<Raw<'py>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Raw::Bytes(b.clone()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        // abi3 on 3.9 has no borrowed UTF-8 view of a str: this copies.
        // A str that is not valid UTF-8 (a lone surrogate) is a wrong type of input
        // like any other: TypeError, not UnicodeEncodeError.
        return match s.to_cow() {
            Ok(text) => Ok(Raw::Text(text.into_owned())),
            Err(_) => Err(PyTypeError::new_err(format!(
                "{what} must be str without lone surrogates (encodable as UTF-8), or bytes"
            ))),
        };
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be str or bytes, not {}",
        obj.get_type().name()?
    )))
}

/// Reads `headers`: any iterable of 2-item (name, value) pairs of str or bytes, e.g. a
/// list of tuples or an ASGI scope's `headers`.
fn header_pairs<'py>(headers: &Bound<'py, PyAny>) -> PyResult<Vec<(Raw<'py>, Raw<'py>)>> {
    const MSG: &str = "headers must be an iterable of (name, value) pairs of str or bytes";
    if headers.is_instance_of::<PyString>() || headers.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(MSG));
    }
    let pair = |item: Bound<'py, PyAny>| -> PyResult<(Raw<'py>, Raw<'py>)> {
        if let Ok(t) = item.cast::<PyTuple>() {
            if t.len() == 2 {
                return Ok((
                    raw(&*t.get_borrowed_item(0)?, "a header name")?,
                    raw(&*t.get_borrowed_item(1)?, "a header value")?,
                ));
            }
            return Err(PyTypeError::new_err(MSG));
        }
        if item.is_instance_of::<PyString>() || item.is_instance_of::<PyBytes>() {
            return Err(PyTypeError::new_err(MSG));
        }
        let mut it = item.try_iter().map_err(|_| PyTypeError::new_err(MSG))?;
        let (Some(n), Some(v), None) = (it.next(), it.next(), it.next()) else {
            return Err(PyTypeError::new_err(MSG));
        };
        Ok((raw(&n?, "a header name")?, raw(&v?, "a header value")?))
    };
    if let Ok(list) = headers.cast::<PyList>() {
        let mut out = Vec::with_capacity(list.len());
        for item in list.iter() {
            out.push(pair(item)?);
        }
        return Ok(out);
    }
    let iter = headers.try_iter().map_err(|_| PyTypeError::new_err(MSG))?;
    let mut out = Vec::new();
    for item in iter {
        out.push(pair(item?)?);
    }
    Ok(out)
}

/// The `path` argument of `Policy.from_file`: str or os.PathLike, else a `TypeError`
/// naming it.
fn path_arg(v: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    v.extract::<PathBuf>().map_err(|_| {
        PyTypeError::new_err(format!(
            "path must be str or os.PathLike, not {}",
            v.get_type()
                .name()
                .map_or_else(|_| "?".to_owned(), |n| n.to_string())
        ))
    })
}

/// `OSError(errno, strerror, filename)` for a failed read of `path`: Python picks the
/// subclass from the errno (`FileNotFoundError` ...). Without an errno, the message.
fn os_error(e: std::io::Error, path: &std::path::Path) -> PyErr {
    match e.raw_os_error() {
        Some(code) => {
            let text = e.to_string();
            let strerror = text
                .strip_suffix(&format!(" (os error {code})"))
                .unwrap_or(&text)
                .to_owned();
            pyo3::exceptions::PyOSError::new_err((
                code,
                strerror,
                path.to_string_lossy().into_owned(),
            ))
        }
        None => pyo3::exceptions::PyOSError::new_err(format!("{}: {e}", path.display())),
    }
}

/// The answer to one request. Immutable.
///
/// Made by `Policy.evaluate`'s fast path, it keeps the core's decision as is, with the
/// objects it borrows from (`lent.rs`); otherwise (the general argument reader, a policy
/// set, a request handing the core many lines) a compact copy of it (`owned.rs`: no
/// allocation for an ordinary policy). Python objects are made only for the attributes
/// read. The fast path reuses its last object once the caller has dropped it
/// (`recycle.rs`: a middleware makes and drops one per request); otherwise a free list
/// keeps the memory of a few dropped decisions for the next ones.
#[pyclass(frozen, freelist = 32, module = "corsgate")]
pub struct Decision {
    /// Replaced only by `recycle::decision` while nothing else refers to the object.
    d: recycle::Content,
}

/// What a [`Decision`] holds.
pub(crate) enum Held {
    Lent(lent::Lent),
    Owned(owned::Owned),
}

/// A decision's response headers, `(name, value)` in the core's order, gathered in place.
struct HeaderList<'s> {
    items: [(&'s str, &'s str); corsgate::MAX_HEADERS],
    n: usize,
}

impl<'s> HeaderList<'s> {
    fn iter(&self) -> impl ExactSizeIterator<Item = (&'s str, &'s str)> + '_ {
        self.items.iter().take(self.n).copied()
    }
}

impl Decision {
    fn from_core(d: &corsgate::Decision<'_>) -> Decision {
        Decision {
            d: recycle::Content::new(Held::Owned(owned::Owned::new(d))),
        }
    }

    /// A policy set's decision: the decision itself, and the selected policy's name.
    fn from_set(d: &corsgate::SetDecision<'_>) -> Decision {
        Decision {
            d: recycle::Content::new(Held::Owned(owned::Owned::from_set(d))),
        }
    }

    fn kind_(&self) -> corsgate::Kind {
        match self.d.get() {
            Held::Lent(l) => l.get().kind(),
            Held::Owned(o) => o.kind,
        }
    }

    fn allowed_(&self) -> bool {
        match self.d.get() {
            Held::Lent(l) => l.get().allowed(),
            Held::Owned(o) => o.allowed,
        }
    }

    fn status_(&self) -> Option<u16> {
        match self.d.get() {
            Held::Lent(l) => l.get().status(),
            Held::Owned(o) => o.status,
        }
    }

    fn reason_(&self) -> corsgate::Reason<'_> {
        match self.d.get() {
            Held::Lent(l) => l.get().reason(),
            Held::Owned(o) => o.reason(),
        }
    }

    /// The selected policy's name and route index, for a policy set's decision.
    fn selected(&self) -> Option<(&str, usize)> {
        match self.d.get() {
            Held::Lent(_) => None,
            Held::Owned(o) => o.selected.map(|(name, route)| (o.text.get(name), route)),
        }
    }

    fn lines<'s>(&'s self) -> HeaderList<'s> {
        let mut list = HeaderList {
            items: [("", ""); corsgate::MAX_HEADERS],
            n: 0,
        };
        let mut put = |line: (&'s str, &'s str)| {
            if let Some(slot) = list.items.get_mut(list.n) {
                *slot = line;
                list.n += 1;
            }
        };
        match self.d.get() {
            Held::Lent(l) => l.get().for_each_header(|h| put((h.name, h.value))),
            Held::Owned(o) => o.headers().for_each(put),
        }
        list
    }
}

/// Lower-case header names as bytes, for ASGI (whose header names are lower case).
fn lower_name<'py>(py: Python<'py>, name: &str) -> Bound<'py, PyBytes> {
    use corsgate::names::*;
    static LOWER: [PyOnceLock<Py<PyBytes>>; 8] = [const { PyOnceLock::new() }; 8];
    let all = [ACAO, ACAC, ACAM, ACAH, ACMA, ACAPN, ACEH, VARY];
    let i = all.iter().position(|n| *n == name).unwrap_or(all.len() - 1);
    if all[i] != name {
        // A header the core may add in a later version: no cache slot, still correct.
        return PyBytes::new(py, name.to_ascii_lowercase().as_bytes());
    }
    LOWER[i]
        .get_or_init(py, || {
            PyBytes::new(py, name.to_ascii_lowercase().as_bytes()).unbind()
        })
        .bind(py)
        .clone()
}

#[pymethods]
impl Decision {
    /// `"not_cors"`, `"preflight"`, `"actual"` or `"refused"` (cross-origin protection).
    #[getter]
    fn kind<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        match self.kind_() {
            corsgate::Kind::NotCors => pyo3::intern!(py, "not_cors"),
            corsgate::Kind::Preflight => pyo3::intern!(py, "preflight"),
            corsgate::Kind::Actual => pyo3::intern!(py, "actual"),
            corsgate::Kind::Refused => pyo3::intern!(py, "refused"),
            // A kind added to the core later: its stable name, not interned.
            other => return PyString::new(py, other.as_str()),
        }
        .clone()
    }
    /// Whether the browser will let the page read the response (always True for not_cors).
    #[getter]
    fn allowed(&self) -> bool {
        self.allowed_()
    }
    /// The status to answer with when the decision answers the request itself (a
    /// preflight, or 403 for a refusal); None for other kinds.
    #[getter]
    fn status(&self) -> Option<u16> {
        self.status_()
    }
    /// True for a preflight: answer it yourself, do not call the application.
    #[getter]
    fn is_preflight(&self) -> bool {
        self.kind_() == corsgate::Kind::Preflight
    }
    /// True for a request refused by cross-origin protection (kind `"refused"`): answer it
    /// yourself with `status` (403) and `headers`, do not call the application.
    #[getter]
    fn is_refused(&self) -> bool {
        self.kind_() == corsgate::Kind::Refused
    }
    /// Whether the application is called (the core's rule,
    /// `corsgate::response::calls_application`): False for a preflight or a refusal,
    /// which the middleware answers itself with `status` and `headers`.
    #[getter]
    fn calls_application(&self) -> bool {
        response::calls_application(self.kind_())
    }
    /// The response headers to add, as `(name, value)` str pairs in the core's order.
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.lines().iter())
    }
    /// The response headers as a new list of `(lower-case name, value)` bytes pairs,
    /// ready for an ASGI `http.response.start` message.
    #[getter]
    fn raw_headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for (n, v) in self.lines().iter() {
            list.append((lower_name(py, n), PyBytes::new(py, v.as_bytes())))?;
        }
        Ok(list)
    }
    /// The final response headers when this decision meets the application's
    /// `app_headers` (an iterable of `(name, value)` pairs of str or bytes): the core's
    /// response rule. Every `Access-Control-*` pair of the application is dropped, the
    /// decision's headers are added and `Vary` is merged by tokens; for a preflight the
    /// result is the decision's own headers. Kept pairs are the caller's own objects, in
    /// order; added pairs are `(str, str)`, or with `raw=True` `(lower-case name, value)`
    /// bytes as in :attr:`raw_headers` (for ASGI). Returns a new list.
    #[pyo3(signature = (app_headers, *, raw = false))]
    fn apply_to<'py>(
        &self,
        py: Python<'py>,
        app_headers: &Bound<'py, PyAny>,
        raw: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let items = match app_headers.cast::<PyList>() {
            Ok(list) => list.clone(),
            Err(_) => {
                if app_headers.is_instance_of::<PyString>()
                    || app_headers.is_instance_of::<PyBytes>()
                {
                    return Err(PyTypeError::new_err(
                        "app_headers must be an iterable of (name, value) pairs of str or bytes",
                    ));
                }
                PyList::new(py, app_headers.try_iter()?.collect::<PyResult<Vec<_>>>()?)?
            }
        };
        let pairs = header_pairs(items.as_any())?;
        let list = self.lines();
        let lines = list.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes()));
        let app = pairs
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .enumerate()
            .map(Indexed::from);
        let out = PyList::empty(py);
        for line in response::merge(self.kind_(), lines, app) {
            match line {
                Merged::App(Indexed { index, .. }) => out.append(items.get_item(index)?)?,
                Merged::Added { name, value } => {
                    // Decision lines are visible ASCII (the core's invariant).
                    let name = std::str::from_utf8(name).unwrap_or_default();
                    let value = std::str::from_utf8(value).unwrap_or_default();
                    if raw {
                        out.append((lower_name(py, name), PyBytes::new(py, value.as_bytes())))?
                    } else {
                        out.append((name, value))?
                    }
                }
            }
        }
        Ok(out)
    }
    /// Why, in words (the core's text).
    #[getter]
    fn reason(&self) -> String {
        self.reason_().to_string()
    }
    /// Why, as a stable snake_case code (`"origin_not_allowed"` …).
    #[getter]
    fn reason_code(&self) -> &'static str {
        self.reason_().code()
    }
    /// The text behind the reason (the core's `Reason::detail`): the `origins` pattern
    /// that admitted the origin, the method or the request header name refused; `""`
    /// for the other reasons.
    #[getter]
    fn reason_detail(&self) -> &str {
        self.reason_().detail()
    }
    /// The name of the policy a `PolicySet` selected; None when no route was selected,
    /// and for a `Policy`'s decision.
    #[getter]
    fn policy(&self) -> Option<&str> {
        self.selected().map(|(name, _)| name)
    }
    /// The index in the set's `routes` of the route a `PolicySet` selected; None when no
    /// route was selected, and for a `Policy`'s decision.
    #[getter]
    fn route(&self) -> Option<usize> {
        self.selected().map(|(_, route)| route)
    }
    /// The value of the first header named `name` (case-insensitive), or None.
    fn header(&self, name: &str) -> Option<&str> {
        self.lines()
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }
    fn __repr__(&self) -> String {
        let selected = self.selected().map_or(String::new(), |(name, route)| {
            format!(", policy={name:?}, route={route}")
        });
        format!(
            "Decision(kind={:?}, allowed={}, status={}, headers={:?}, reason_code={:?}{selected})",
            self.kind_().as_str(),
            if self.allowed_() { "True" } else { "False" },
            self.status_().map_or("None".to_owned(), |s| s.to_string()),
            self.lines().iter().collect::<Vec<_>>(),
            self.reason_code()
        )
    }
}

/// Converts a Python value made of None/bool/int/str/list/tuple into JSON for the core's
/// document reader, which then reports type problems in its own words.
fn to_json(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<pyo3::types::PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<pyo3::types::PyInt>() {
        if let Ok(v) = obj.extract::<u64>() {
            return Ok(v.into());
        }
        if let Ok(v) = obj.extract::<i64>() {
            return Ok(v.into());
        }
        return Err(PyValueError::new_err(format!(
            "integer out of range: {}",
            obj.repr()?
        )));
    }
    if let Ok(f) = obj.cast::<pyo3::types::PyFloat>() {
        return Ok(serde_json::Number::from_f64(f.value()).map_or(Value::Null, Value::Number));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if obj.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err("policy fields take str, not bytes"));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let items: PyResult<Vec<Value>> = obj.try_iter()?.map(|i| to_json(&i?)).collect();
        return Ok(Value::Array(items?));
    }
    Err(PyTypeError::new_err(format!(
        "policy fields take str, bool, int, None or a list/tuple of str, not {}",
        obj.get_type().name()?
    )))
}

impl Policy {
    /// Runs the core's `evaluate` on Python arguments and hands the decision to `f`,
    /// which must not call Python (it may borrow the arguments' own bytes).
    fn decide<R>(
        &self,
        method: &Bound<'_, PyAny>,
        headers: &Bound<'_, PyAny>,
        f: impl FnOnce(&corsgate::Decision<'_>) -> R,
    ) -> PyResult<R> {
        // The fast path: arguments borrowed in place (see borrow.rs).
        if let Some(m) = borrow::text_arg(method) {
            // SAFETY: from here to the end of `f` (a pure copy of the decision into Rust
            // values) no Python code runs and the GIL stays held.
            if let Some(mut lines) = unsafe { borrow::Lines::new(headers) } {
                let d = self.inner.evaluate(m, &mut lines);
                if lines.finish().is_some() {
                    return Ok(f(&d));
                }
            }
        }
        self.decide_general(method, headers, f)
    }

    /// [`Policy::decide`] with the general argument reader (owned copies, any iterable).
    fn decide_general<R>(
        &self,
        method: &Bound<'_, PyAny>,
        headers: &Bound<'_, PyAny>,
        f: impl FnOnce(&corsgate::Decision<'_>) -> R,
    ) -> PyResult<R> {
        let method = raw(method, "method")?;
        let pairs = header_pairs(headers)?;
        let d = self.inner.evaluate(
            method.as_bytes(),
            pairs.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())),
        );
        Ok(f(&d))
    }
}

/// A compiled, immutable CORS policy. Thread-safe: share one across threads; to change
/// the policy, build a new one and swap the reference.
#[pyclass(frozen, module = "corsgate")]
pub struct Policy {
    inner: corsgate::Policy,
}

#[pymethods]
impl Policy {
    /// Validates and compiles a policy from the fields of the policy file.
    ///
    /// Raises `ConfigError` listing every problem.
    #[new]
    #[pyo3(signature = (
        origins,
        *,
        credentials = false,
        methods = None,
        request_headers = None,
        expose_headers = None,
        max_age = None,
        preflight_status = None,
        private_network = false,
        cross_origin_protection = false,
        dangerously_allow_null_origin = false,
        dangerously_allow_insecure_origins = false,
        dangerously_allow_public_suffix_wildcards = false,
        debug = false,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        origins: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = flag::credentials)] credentials: bool,
        methods: Option<&Bound<'_, PyAny>>,
        request_headers: Option<&Bound<'_, PyAny>>,
        expose_headers: Option<&Bound<'_, PyAny>>,
        max_age: Option<&Bound<'_, PyAny>>,
        preflight_status: Option<&Bound<'_, PyAny>>,
        #[pyo3(from_py_with = flag::private_network)] private_network: bool,
        #[pyo3(from_py_with = flag::cross_origin_protection)] cross_origin_protection: bool,
        #[pyo3(from_py_with = flag::dangerously_allow_null_origin)]
        dangerously_allow_null_origin: bool,
        #[pyo3(from_py_with = flag::dangerously_allow_insecure_origins)]
        dangerously_allow_insecure_origins: bool,
        #[pyo3(from_py_with = flag::dangerously_allow_public_suffix_wildcards)]
        dangerously_allow_public_suffix_wildcards: bool,
        #[pyo3(from_py_with = flag::debug)] debug: bool,
    ) -> PyResult<Policy> {
        if origins.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "origins must be a list of str, not a single str (write [\"...\"])",
            ));
        }
        let fields: [(&str, Option<&Bound<'_, PyAny>>); 6] = [
            ("origins", Some(origins)),
            ("methods", methods),
            ("request_headers", request_headers),
            ("expose_headers", expose_headers),
            ("max_age", max_age),
            ("preflight_status", preflight_status),
        ];
        let flags = [
            ("credentials", credentials),
            ("private_network", private_network),
            ("cross_origin_protection", cross_origin_protection),
            (
                "dangerously_allow_null_origin",
                dangerously_allow_null_origin,
            ),
            (
                "dangerously_allow_insecure_origins",
                dangerously_allow_insecure_origins,
            ),
            (
                "dangerously_allow_public_suffix_wildcards",
                dangerously_allow_public_suffix_wildcards,
            ),
            ("debug", debug),
        ];
        let mut map = Map::new();
        for (name, on) in flags {
            map.insert(name.to_owned(), Value::Bool(on));
        }
        for (name, value) in fields {
            if let Some(v) = value {
                // Sets and other iterables of str are accepted as lists.
                let v = if v.is_instance_of::<PyString>()
                    || v.is_instance_of::<PyBytes>()
                    || v.is_instance_of::<PyList>()
                    || v.is_instance_of::<PyTuple>()
                    || v.is_none()
                    || v.is_instance_of::<pyo3::types::PyInt>()
                {
                    to_json(v)?
                } else if let Ok(it) = v.try_iter() {
                    let items: PyResult<Vec<Value>> = it.map(|i| to_json(&i?)).collect();
                    Value::Array(items?)
                } else {
                    to_json(v)?
                };
                map.insert(name.to_owned(), v);
            }
        }
        let config =
            corsgate::Config::from_value(&Value::Object(map)).map_err(|e| config_error(py, &e))?;
        compile(py, config)
    }

    /// Reads, validates and compiles a policy document (JSON text as str or UTF-8 bytes).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<Policy> {
        let bytes = raw(text, "the policy text")?.as_bytes().to_vec();
        compile_json(py, bytes)
    }

    /// Reads, validates and compiles a policy file. OSError if it cannot be read, with
    /// `errno`, `strerror` and `filename` set (so `FileNotFoundError` and friends).
    #[staticmethod]
    fn from_file(
        py: Python<'_>,
        #[pyo3(from_py_with = path_arg)] path: PathBuf,
    ) -> PyResult<Policy> {
        let bytes = py
            .detach(|| std::fs::read(&path))
            .map_err(|e| os_error(e, &path))?;
        compile_json(py, bytes)
    }

    /// Decides one request from its method and header lines.
    ///
    /// `headers` is any iterable of (name, value) pairs of str or bytes, in request
    /// order; names may repeat. str is encoded as UTF-8. Malformed values are a deny.
    fn evaluate<'py>(
        slf: &Bound<'py, Self>,
        method: &Bound<'py, PyAny>,
        headers: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Decision>> {
        let this = slf.get();
        // The fast path: arguments read in place (borrow.rs), the decision kept as the
        // core made it with the objects it borrows from (lent.rs).
        if let Some(m) = borrow::text_arg(method) {
            // An ASGI scope's lines, gathered in one pass (borrow.rs, `gather`).
            let mut g = borrow::Gathered::new();
            // SAFETY: from here to `Kept::new`, which takes a reference to every object
            // the lines borrow from, no Python code runs and the GIL stays held.
            if unsafe { borrow::gather(headers, &mut g) } {
                let d = this.inner.evaluate(m, g.lines().iter().copied());
                // SAFETY: the tuples are live items of `headers`, unchanged (above); at
                // most `KEEP` of them (`gather`), so `Kept::new` returns Some.
                if let Some(kept) = unsafe { lent::Kept::new(slf.as_any(), method, g.tuples()) } {
                    // SAFETY: as below: `d` was made by `this.inner` from the bytes of
                    // `method` and of the tuples `kept` holds.
                    let lent = unsafe { lent::Lent::new(d, kept) };
                    return recycle::decision(slf.py(), Held::Lent(lent));
                }
                return Bound::new(slf.py(), Decision::from_core(&d));
            }
            // SAFETY: as above.
            if let Some(mut lines) = unsafe { borrow::Lines::new(headers) } {
                let d = this.inner.evaluate(m, &mut lines);
                if let Some(passed) = lines.finish() {
                    // SAFETY: the lines are live items of `headers`, unchanged (above).
                    let kept = passed
                        .lines()
                        .and_then(|lines| unsafe { lent::Kept::new(slf.as_any(), method, lines) });
                    let Some(kept) = kept else {
                        return Bound::new(slf.py(), Decision::from_core(&d));
                    };
                    // SAFETY: `d` was made by `this.inner` (owned by `slf`, frozen) from
                    // the bytes of `method` and of the line tuples handed to the core,
                    // all of which `kept` holds; `str`, `bytes` and `tuple` are immutable.
                    let lent = unsafe { lent::Lent::new(d, kept) };
                    // Made into the Python object here: one move of the decision less
                    // than returning it for pyo3 to wrap.
                    return recycle::decision(slf.py(), Held::Lent(lent));
                }
            }
        }
        Bound::new(
            slf.py(),
            this.decide_general(method, headers, Decision::from_core)?,
        )
    }

    /// As `evaluate`, returning the core's JSON line (the `corsgate eval --jsonl` format).
    fn evaluate_json(
        &self,
        method: &Bound<'_, PyAny>,
        headers: &Bound<'_, PyAny>,
    ) -> PyResult<String> {
        self.decide(method, headers, |d| d.to_json())
    }

    /// Whether a request from `origin` (str or bytes) may read an actual response.
    fn is_origin_allowed(&self, origin: &Bound<'_, PyAny>) -> PyResult<bool> {
        if let Ok(b) = origin.cast::<PyBytes>() {
            return Ok(self.inner.is_origin_allowed(b.as_bytes()));
        }
        Ok(self
            .inner
            .is_origin_allowed(raw(origin, "origin")?.as_bytes()))
    }

    /// `is_origin_allowed` with the GIL released around the call: kept only so the
    /// benchmark can show what releasing the GIL would cost on this path.
    fn _is_origin_allowed_detached(&self, py: Python<'_>, origin: &Bound<'_, PyBytes>) -> bool {
        let origin = origin.as_bytes();
        let inner = &self.inner;
        py.detach(|| inner.is_origin_allowed(origin))
    }

    /// Warnings found while compiling (normalizations, risky but legal choices).
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        diagnostics(py, self.inner.warnings())
    }

    /// The policy as a JSON document (every field, as written).
    fn to_json(&self) -> String {
        self.inner.config().to_json_value().to_string()
    }

    fn __repr__(&self) -> String {
        format!("Policy.from_json({:?})", self.to_json())
    }
}

/// CORS decisions from the corsgate core, for Python.
#[pymodule(name = "_corsgate")]
pub mod corsgate_module {
    use pyo3::prelude::*;

    #[pymodule_export]
    use super::{Decision, Diagnostic, Policy, PolicySet};

    #[pymodule_export]
    use super::set::{is_policy_set, load};

    #[pymodule_export]
    use super::ConfigError;

    /// The version of the corsgate core this module was built with.
    #[pymodule_export]
    const VERSION: &str = corsgate::VERSION;

    /// The most header lines a decision can produce.
    #[pymodule_export]
    const MAX_HEADERS: usize = corsgate::MAX_HEADERS;

    /// Runs the `corsgate` command line (`args` without the program name) and returns
    /// its exit status: the `corsgate` console script of the wheel. Output goes to the
    /// process's stdout and stderr; the GIL is released while it runs (`eval --jsonl`
    /// reads stdin until it ends).
    #[pyfunction]
    fn _cli_main(py: Python<'_>, args: Vec<String>) -> u8 {
        py.detach(move || corsgate_cli::run(&args))
    }

    /// The request header names the core reads (matched case-insensitively); every other
    /// request line can be left out without changing a decision.
    #[pymodule_export]
    const REQUEST_HEADERS: [&str; corsgate::names::REQUEST_HEADERS.len()] =
        corsgate::names::REQUEST_HEADERS;

    /// The prefix of every response header name the policy owns (`Access-Control-`):
    /// such a header set by the application never reaches the final response.
    #[pymodule_export]
    const OWNED_PREFIX: &str = corsgate::response::OWNED_PREFIX;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", corsgate::VERSION)?;
        // Enables `evaluate`'s in-place reads if this interpreter's layout allows them.
        super::layout::verify(m.py());
        // For the tests: whether it did (the answers are the same either way); not in
        // `__all__`.
        m.setattr("_direct_reads", super::layout::verified())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The owned copy of a decision renders exactly what the core's decision does.
    #[test]
    fn owned_decision_matches_core() {
        let p = corsgate::Policy::from_json(
            r#"{"origins":["https://a.com","https://*.b.com"],"credentials":true,
                "methods":["PUT"],"request_headers":["x-a"],"expose_headers":["x-e"],"max_age":60}"#,
        )
        .expect("valid policy");
        let acrm = "Access-Control-Request-Method";
        let acrh = "Access-Control-Request-Headers";
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("GET", &[]),
            ("GET", &[("Origin", "https://a.com")]),
            ("GET", &[("Origin", "https://x.b.com")]),
            ("GET", &[("Origin", "https://c.com")]),
            (
                "GET",
                &[("Origin", "https://a.com"), ("Origin", "https://a.com")],
            ),
            ("OPTIONS", &[("Origin", "https://a.com"), (acrm, "PATCH")]),
            (
                "OPTIONS",
                &[
                    ("Origin", "https://a.com"),
                    (acrm, "PUT"),
                    (acrh, "x-a"),
                    (acrh, "X-A"),
                ],
            ),
            (
                "OPTIONS",
                &[("Origin", "https://a.com"), (acrm, "PUT"), (acrh, "x-b")],
            ),
            ("OPTIONS", &[("Origin", "https://a.com"), (acrm, "TRACE")]),
        ];
        for (method, headers) in cases {
            let d = p.evaluate_str(method, headers);
            let owned = Decision::from_core(&d);
            assert_eq!(owned.reason_(), d.reason());
            let core: Vec<(&str, &str)> = d.headers().map(|h| (h.name, h.value)).collect();
            assert_eq!(owned.lines().iter().collect::<Vec<_>>(), core);
            assert_eq!(
                (owned.kind_(), owned.allowed_(), owned.status_()),
                (d.kind(), d.allowed(), d.status())
            );
        }
    }
}
