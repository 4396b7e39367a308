//! Conformance vectors and a judge that checks a decision the way a browser would.
//!
//! A vector is one JSON line (see `shared/conformance/README.md`): a policy, a request and
//! what must come out. [`judge`] does not compare header strings: it runs the Fetch
//! standard's CORS check and CORS-preflight checks over the response headers, so that
//! equivalent answers (a listed method or `*`) both pass.

use serde_json::Value;
use std::path::{Path, PathBuf};

/// One conformance vector.
#[derive(Clone, Debug)]
pub struct Vector {
    /// `{file}/{id}`, unique across suites.
    pub name: String,
    /// The policy document.
    pub policy: Value,
    /// Request method.
    pub method: String,
    /// Request header lines, in order.
    pub headers: Vec<(String, String)>,
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

    /// The request as a `corsgate eval --jsonl` input line.
    pub fn request_line(&self) -> String {
        serde_json::json!({"method": self.method, "headers": self.headers}).to_string()
    }
}

/// What an engine answered, in plain data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observed {
    /// `not_cors`, `preflight` or `actual`.
    pub kind: String,
    /// The engine's own verdict.
    pub allowed: bool,
    /// The preflight status.
    pub status: Option<u16>,
    /// Response headers, in order; a name may repeat.
    pub headers: Vec<(String, String)>,
}

impl Observed {
    /// Copies a core decision.
    pub fn from_decision(d: &corsgate::Decision<'_>) -> Observed {
        Observed {
            kind: d.kind().as_str().to_owned(),
            allowed: d.allowed(),
            status: d.status(),
            headers: d
                .headers()
                .map(|h| (h.name.to_owned(), h.value.to_owned()))
                .collect(),
        }
    }

    /// Reads a decision JSON line (`corsgate eval --jsonl` output).
    pub fn from_json(v: &Value) -> Result<Observed, String> {
        let kind = v["kind"].as_str().ok_or("missing kind")?.to_owned();
        let allowed = v["allowed"].as_bool().ok_or("missing allowed")?;
        let status = v["status"].as_u64().map(|s| s as u16);
        let headers = v["headers"]
            .as_array()
            .ok_or("missing headers")?
            .iter()
            .map(|h| {
                Some((
                    h.get(0)?.as_str()?.to_owned(),
                    h.get(1)?.as_str()?.to_owned(),
                ))
            })
            .collect::<Option<Vec<_>>>()
            .ok_or("malformed headers")?;
        Ok(Observed {
            kind,
            allowed,
            status,
            headers,
        })
    }

    fn values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The single value of `name`; `Err` when it appears more than once.
    fn single(&self, name: &str) -> Result<Option<&str>, String> {
        let v = self.values(name);
        match v.len() {
            0 => Ok(None),
            1 => Ok(Some(v[0])),
            _ => Err(format!("{name} appears {} times", v.len())),
        }
    }

    /// Every comma-separated element of every line of `name`, trimmed, empties dropped.
    fn list(&self, name: &str) -> Vec<String> {
        self.values(name)
            .iter()
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

/// The folder of the shared vectors: `$CORSGATE_SHARED/conformance`, else
/// `<workspace>/../shared/conformance`.
pub fn shared_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("CORSGATE_SHARED") {
        return Path::new(&dir).join("conformance");
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
}

/// Reads a JSON-lines vector file; each vector is named `{stem}/{id}`.
///
/// # Panics
/// When the file cannot be read or a line is not a vector: a broken suite must fail loudly.
pub fn load(path: &Path) -> Vec<Vector> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read vectors {}: {e}", path.display()));
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("vectors")
        .to_owned();
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1));
            let id = v["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{}:{}: no id", path.display(), i + 1));
            let req = &v["request"];
            let headers = req["headers"]
                .as_array()
                .unwrap_or_else(|| panic!("{id}: request.headers"))
                .iter()
                .map(|h| {
                    (
                        h[0].as_str().unwrap().to_owned(),
                        h[1].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            Vector {
                name: format!("{stem}/{id}"),
                policy: v["policy"].clone(),
                method: req["method"].as_str().unwrap_or("GET").to_owned(),
                headers,
                expect: v["expect"].clone(),
            }
        })
        .collect()
}

/// The shared baseline vectors.
pub fn shared_vectors() -> Vec<Vector> {
    load(&shared_dir().join("vectors.jsonl"))
}

/// The project's own vectors: every `tests/vectors/*.jsonl`.
pub fn project_vectors() -> Vec<Vector> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    files.iter().flat_map(|f| load(f)).collect()
}

/// Every vector: shared first, then the project's.
pub fn all_vectors() -> Vec<Vector> {
    let mut v = shared_vectors();
    v.extend(project_vectors());
    v
}

const SAFELISTED_METHODS: &[&str] = &["GET", "HEAD", "POST"];

/// The browser's verdict on `o` for request `v`: Fetch's CORS check (and, for a
/// preflight, the preflight checks and Private Network Access), with credentials mode
/// `include` when the policy has `credentials: true`.
pub fn browser_allows(v: &Vector, o: &Observed) -> Result<bool, String> {
    let credentials = v
        .policy
        .get("credentials")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let origin = v
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("origin"))
        .map(|(_, v)| v.as_str());
    let Some(origin) = origin else {
        return Ok(true);
    };
    // CORS check.
    let Some(acao) = o.single("Access-Control-Allow-Origin").unwrap_or(None) else {
        return Ok(false);
    };
    if acao == "*" {
        if credentials {
            return Ok(false);
        }
    } else if acao != origin {
        return Ok(false);
    }
    if credentials && o.single("Access-Control-Allow-Credentials").unwrap_or(None) != Some("true") {
        return Ok(false);
    }
    if o.kind != "preflight" {
        return Ok(true);
    }
    // Preflight: ok status, method, header names, private network.
    match o.status {
        Some(s) if (200..=299).contains(&s) => {}
        _ => return Ok(false),
    }
    let method = v
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("access-control-request-method"))
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let methods = o.list("Access-Control-Allow-Methods");
    let method_ok = methods.iter().any(|m| m == method)
        || SAFELISTED_METHODS.contains(&method)
        || (!credentials && methods.iter().any(|m| m == "*"));
    if !method_ok {
        return Ok(false);
    }
    let allowed_names = o.list("Access-Control-Allow-Headers");
    let star = !credentials && allowed_names.iter().any(|n| n == "*");
    for name in requested_names(v) {
        let listed = allowed_names.iter().any(|n| n.eq_ignore_ascii_case(&name));
        let covered_by_star = star && !name.eq_ignore_ascii_case("authorization");
        if !listed && !covered_by_star {
            return Ok(false);
        }
    }
    let pna = v.headers.iter().any(|(n, val)| {
        n.eq_ignore_ascii_case("access-control-request-private-network") && val == "true"
    });
    if pna
        && o.single("Access-Control-Allow-Private-Network")
            .unwrap_or(None)
            != Some("true")
    {
        return Ok(false);
    }
    Ok(true)
}

/// The header names a preflight asks for.
fn requested_names(v: &Vector) -> Vec<String> {
    v.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("access-control-request-headers"))
        .flat_map(|(_, val)| val.split(','))
        .map(|s| s.trim_matches([' ', '\t']).to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Checks an observed answer against the vector's `expect`. `Err` explains the first
/// mismatch.
pub fn judge(v: &Vector, o: &Observed) -> Result<(), String> {
    let e = &v.expect;
    let credentials = v
        .policy
        .get("credentials")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let want_kind = e["kind"].as_str().unwrap_or("");
    if o.kind != want_kind {
        return Err(format!("kind: got {}, want {want_kind}", o.kind));
    }
    let want_allowed = e["allowed"].as_bool().unwrap_or(false);
    if o.allowed != want_allowed {
        return Err(format!(
            "engine says allowed={}, vector says {want_allowed}",
            o.allowed
        ));
    }
    let browser = browser_allows(v, o)?;
    if want_kind != "not_cors" && browser != want_allowed {
        return Err(format!(
            "a browser would {} this response; want allowed={want_allowed}; headers {:?}",
            if browser { "accept" } else { "reject" },
            o.headers
        ));
    }
    let acao = o.single("Access-Control-Allow-Origin")?;
    let want_acao = e.get("acao").and_then(Value::as_str);
    if acao != want_acao {
        return Err(format!("ACAO: got {acao:?}, want {want_acao:?}"));
    }
    let acac = o.single("Access-Control-Allow-Credentials")? == Some("true");
    if acac != e["acac"].as_bool().unwrap_or(false) {
        return Err(format!("ACAC: got {acac}"));
    }
    let vary: Vec<String> = o
        .list("Vary")
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    for token in strings(e, "vary_contains") {
        if !vary.contains(&token.to_ascii_lowercase()) {
            return Err(format!("Vary {vary:?} lacks {token}"));
        }
    }
    if let Some(s) = e.get("status").and_then(Value::as_u64)
        && o.status != Some(s as u16)
    {
        return Err(format!("status: got {:?}, want {s}", o.status));
    }
    let covered = |list: &[String], item: &str, case_insensitive: bool| {
        list.iter().any(|x| {
            if case_insensitive {
                x.eq_ignore_ascii_case(item)
            } else {
                x == item
            }
        }) || (!credentials
            && list.iter().any(|x| x == "*")
            && !item.eq_ignore_ascii_case("authorization"))
    };
    let acam = o.list("Access-Control-Allow-Methods");
    for m in strings(e, "acam_contains") {
        if !covered(&acam, &m, false) {
            return Err(format!("ACAM {acam:?} does not cover {m}"));
        }
    }
    let acah = o.list("Access-Control-Allow-Headers");
    for h in strings(e, "acah_contains") {
        if !covered(&acah, &h, true) {
            return Err(format!("ACAH {acah:?} does not cover {h}"));
        }
    }
    let aceh = o.list("Access-Control-Expose-Headers");
    for h in strings(e, "aceh_contains") {
        if !covered(&aceh, &h, true) {
            return Err(format!("ACEH {aceh:?} does not cover {h}"));
        }
    }
    if let Some(want) = e.get("acma") {
        let got = o.single("Access-Control-Max-Age")?;
        if got != want.as_str() {
            return Err(format!("Max-Age: got {got:?}, want {want}"));
        }
    }
    if let Some(want) = e.get("acapn").and_then(Value::as_bool) {
        let got = o.single("Access-Control-Allow-Private-Network")? == Some("true");
        if got != want {
            return Err(format!("ACAPN: got {got}, want {want}"));
        }
    }
    Ok(())
}

/// Runs every vector through `engine` and returns the failures as `name: why` lines.
/// `engine` gets the policy text and the vector; it returns `Err(codes)` when the
/// policy does not compile (the error codes), or the observed answer.
pub fn run_all<F>(vectors: &[Vector], mut engine: F) -> Vec<String>
where
    F: FnMut(&str, &Vector) -> Result<Observed, Vec<String>>,
{
    let mut failures = Vec::new();
    for v in vectors {
        let result = engine(&v.policy_text(), v);
        match (v.config_error(), result) {
            (true, Err(codes)) => {
                if let Some(want) = v.config_error_code()
                    && !codes.iter().any(|c| c == want)
                {
                    failures.push(format!("{}: errors {codes:?} lack {want}", v.name));
                }
            }
            (true, Ok(_)) => {
                failures.push(format!("{}: policy compiled but must be rejected", v.name))
            }
            (false, Err(codes)) => failures.push(format!("{}: policy rejected: {codes:?}", v.name)),
            (false, Ok(o)) => {
                if let Err(why) = judge(v, &o) {
                    failures.push(format!("{}: {why}", v.name));
                }
            }
        }
    }
    failures
}

/// The Rust API as an engine for [`run_all`].
pub fn rust_engine(policy_text: &str, v: &Vector) -> Result<Observed, Vec<String>> {
    let policy = corsgate::Policy::from_json(policy_text).map_err(|e| {
        e.errors
            .iter()
            .map(|d| d.code.as_str().to_owned())
            .collect::<Vec<_>>()
    })?;
    let headers = v.header_bytes();
    let d = policy.evaluate(v.method.as_bytes(), headers.iter().copied());
    Ok(Observed::from_decision(&d))
}
