//! Conformance vectors: loading the JSON-lines files and reading a vector's fields
//! (version 1 and "Version 2" of `shared/conformance/README.md`).

use serde_json::Value;
use std::path::{Path, PathBuf};

/// A header list: `(name, value)` lines in order; a name may repeat.
pub type Headers = Vec<(String, String)>;

/// One conformance vector.
#[derive(Clone, Debug)]
pub struct Vector {
    /// The vector's `id`, unique across every vector file.
    pub id: String,
    /// `{file stem}/{id}`, for messages.
    pub name: String,
    /// The policy document, or a policy set (top-level `policies`).
    pub policy: Value,
    /// Request method.
    pub method: String,
    /// Request header lines, in order.
    pub headers: Headers,
    /// The request path (`"/"` when the vector names none).
    pub path: String,
    /// The headers the application put on its response, when the vector asks for the
    /// final (merged) response.
    pub app_headers: Option<Headers>,
    /// The `expect` object.
    pub expect: Value,
}

impl Vector {
    /// Whether the policy must fail to compile.
    pub fn config_error(&self) -> bool {
        self.expect
            .get("config_error")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// The error code the policy must fail with, when the vector names one.
    pub fn config_error_code(&self) -> Option<&str> {
        self.expect.get("config_error_code").and_then(Value::as_str)
    }

    /// Whether the policy is a policy set (DESIGN "Policy sets").
    pub fn is_policy_set(&self) -> bool {
        self.policy.get("policies").is_some()
    }

    /// The expected kind (`expect.kind`), `""` when the vector has none.
    pub fn expected_kind(&self) -> &str {
        self.expect["kind"].as_str().unwrap_or("")
    }

    /// The browser's credentials mode: `include` (true) when the policy that answers the
    /// request has `credentials: true`. For a policy set that is the selected policy
    /// (`expect.policy`) with `defaults` under it; no policy selected means `omit`.
    pub fn credentials(&self) -> bool {
        let flag = |p: &Value| p.get("credentials").and_then(Value::as_bool);
        if !self.is_policy_set() {
            return flag(&self.policy).unwrap_or(false);
        }
        let Some(name) = self.expect.get("policy").and_then(Value::as_str) else {
            return false;
        };
        flag(&self.policy["policies"][name])
            .or_else(|| flag(&self.policy["defaults"]))
            .unwrap_or(false)
    }

    /// The policy as JSON text.
    pub fn policy_text(&self) -> String {
        self.policy.to_string()
    }

    /// Header lines as byte-slice pairs, for `Policy::evaluate`.
    pub fn header_bytes(&self) -> Vec<(&[u8], &[u8])> {
        self.headers
            .iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .collect()
    }

    /// Every value of request header `name` (ASCII case-insensitive), in order.
    pub fn request_values(&self, name: &str) -> Vec<&str> {
        values(&self.headers, name)
    }

    /// The request as a `corsgate eval --jsonl` input line (`path` and `app_headers`
    /// only when the vector has them).
    pub fn request_line(&self) -> String {
        let mut line = serde_json::json!({"method": self.method, "headers": self.headers});
        if self.path != "/" {
            line["path"] = Value::from(self.path.as_str());
        }
        if let Some(app) = &self.app_headers {
            line["app_headers"] = serde_json::json!(app);
        }
        line.to_string()
    }
}

/// Every value of header `name` in `headers` (ASCII case-insensitive), in order.
pub fn values<'h>(headers: &'h [(String, String)], name: &str) -> Vec<&'h str> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect()
}

/// Reads `[[name, value], ...]`; `None` when `v` is not a list of string pairs.
pub fn header_list(v: &Value) -> Option<Headers> {
    v.as_array()?
        .iter()
        .map(|pair| match pair.as_array()?.as_slice() {
            [n, v] => Some((n.as_str()?.to_owned(), v.as_str()?.to_owned())),
            _ => None,
        })
        .collect()
}

/// Parses one vector line of file `stem`.
///
/// # Errors
/// A message naming what is missing or malformed.
pub fn parse_vector(stem: &str, line: &str) -> Result<Vector, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let id = v["id"].as_str().ok_or("no id")?.to_owned();
    let req = &v["request"];
    let headers =
        header_list(&req["headers"]).ok_or_else(|| format!("{id}: request.headers malformed"))?;
    let app_headers = match req.get("app_headers") {
        None => None,
        Some(a) => {
            Some(header_list(a).ok_or_else(|| format!("{id}: request.app_headers malformed"))?)
        }
    };
    Ok(Vector {
        name: format!("{stem}/{id}"),
        policy: v["policy"].clone(),
        method: req["method"].as_str().unwrap_or("GET").to_owned(),
        headers,
        path: req["path"].as_str().unwrap_or("/").to_owned(),
        app_headers,
        expect: v["expect"].clone(),
        id,
    })
}

/// Reads a JSON-lines vector file; each vector is named `{stem}/{id}`.
///
/// # Errors
/// When the file cannot be read or a line is not a vector (`path:line: why`).
pub fn try_load(path: &Path) -> Result<Vec<Vector>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read vectors {}: {e}", path.display()))?;
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("vectors");
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            parse_vector(stem, line).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))
        })
        .collect()
}

/// [`try_load`] for test suites.
///
/// # Panics
/// When the file cannot be read or a line is not a vector: a broken suite must fail loudly.
pub fn load(path: &Path) -> Vec<Vector> {
    try_load(path).unwrap_or_else(|e| panic!("{e}"))
}

/// The folder of the shared vectors: `$CORSGATE_SHARED/conformance`, else
/// `<workspace>/../shared/conformance`.
pub fn shared_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CORSGATE_SHARED") {
        return Path::new(&dir).join("conformance");
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
}

/// Every `tests/vectors/*.jsonl`, sorted.
pub fn project_files() -> Result<Vec<PathBuf>, String> {
    jsonl_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors"))
}

/// Every `*.jsonl` directly in `dir`, sorted.
fn jsonl_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    Ok(files)
}

/// The files the judge loads: shared `vectors.jsonl`, `vectors-v2.jsonl`, then the
/// project's.
pub fn every_file() -> Result<Vec<PathBuf>, String> {
    let shared = shared_dir();
    let mut files = vec![
        shared.join("vectors.jsonl"),
        shared.join("vectors-v2.jsonl"),
    ];
    files.extend(project_files()?);
    files.extend(project_v2_files()?);
    Ok(files)
}

/// The shared baseline vectors (version 1).
pub fn shared_vectors() -> Vec<Vector> {
    load(&shared_dir().join("vectors.jsonl"))
}

/// The shared version-2 vectors (policy sets, cross-origin protection, response merge).
pub fn v2_vectors() -> Vec<Vector> {
    load(&shared_dir().join("vectors-v2.jsonl"))
}

/// The project's own version-2 vector files: every `tests/vectors/v2/*.jsonl` (policy
/// sets; kept apart so that runtimes without version 2 do not load them as version 1).
pub fn project_v2_files() -> Result<Vec<PathBuf>, String> {
    jsonl_files(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("vectors")
            .join("v2"),
    )
}

/// The project's own version-2 vectors (`tests/vectors/v2/*.jsonl`).
pub fn project_v2_vectors() -> Vec<Vector> {
    let files = project_v2_files().unwrap_or_else(|e| panic!("{e}"));
    files.iter().flat_map(|f| load(f)).collect()
}

/// The strings a config-error vector's error output must contain (`error_contains`).
pub fn error_contains(v: &Vector) -> Vec<&str> {
    v.expect
        .get("error_contains")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The project's own vectors: every `tests/vectors/*.jsonl`.
pub fn project_vectors() -> Vec<Vector> {
    let files = project_files().unwrap_or_else(|e| panic!("{e}"));
    files.iter().flat_map(|f| load(f)).collect()
}

/// The version-1 vectors: shared first, then the project's.
pub fn all_vectors() -> Vec<Vector> {
    let mut v = shared_vectors();
    v.extend(project_vectors());
    v
}

/// Version-2 features not every engine has yet, keyed on the vector id prefix: a suite
/// skips a vector whose id starts with one of these (and prints and counts it) until
/// the feature lands in its runtime.
pub const V2_FEATURES: &[(&str, &str)] = &[
    // Cross-origin protection, policy sets and the response rule are all in the core:
    // every v2 vector runs through the Rust API.
];

/// The feature `v` needs from `pending` (a list of id prefixes like [`V2_FEATURES`]),
/// when it is there.
pub fn pending_feature<'p>(v: &Vector, pending: &'p [(&str, &str)]) -> Option<&'p str> {
    pending
        .iter()
        .find(|(prefix, _)| v.id.starts_with(prefix))
        .map(|(_, why)| *why)
}
