//! The policy file (JSON, version 1) and its Rust builder.
//!
//! [`Config`] is the raw, uncompiled policy exactly as written. It is checked and compiled
//! by [`crate::Policy::new`]; reading JSON here only checks the document's shape (types,
//! unknown keys), so that every error of every kind can be reported in one pass.

use crate::diag::{Code, ConfigError, Diagnostic};
use serde_json::{Map, Value};

/// The default status of an allowed preflight response.
pub const DEFAULT_PREFLIGHT_STATUS: u16 = 204;

/// A CORS policy as written, before validation.
///
/// Build one from JSON with [`Config::from_json`], or in code:
///
/// ```
/// let config = corsgate::Config::new(["https://example.com", "https://*.example.com"])
///     .credentials(true)
///     .methods(["PUT", "DELETE"])
///     .request_headers(["authorization", "content-type"])
///     .max_age(600);
/// let policy = corsgate::Policy::new(&config).unwrap();
/// assert!(policy.is_origin_allowed(b"https://api.example.com"));
/// ```
///
/// `#[non_exhaustive]`: later versions may add fields, so build one with
/// [`Config::new`] (or [`Config::default`]) and the builder methods, or set the public
/// fields of one; a struct literal does not compile outside this crate.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Config {
    /// Origin patterns (required, non-empty). See the crate docs for the pattern language.
    pub origins: Vec<String>,
    /// Send `Access-Control-Allow-Credentials: true` (cookies, client certificates).
    pub credentials: bool,
    /// Methods allowed beyond the safelisted GET, HEAD and POST; `"*"` allows any.
    pub methods: Vec<String>,
    /// Request header names allowed in preflights; `"*"` allows any but `authorization`.
    pub request_headers: Vec<String>,
    /// Response header names scripts may read (`Access-Control-Expose-Headers`).
    pub expose_headers: Vec<String>,
    /// `Access-Control-Max-Age` in seconds; `None` omits the header.
    pub max_age: Option<u64>,
    /// Status of an allowed preflight response (200..=299, default 204).
    pub preflight_status: u16,
    /// Answer Private Network Access preflights (`Access-Control-Allow-Private-Network`).
    pub private_network: bool,
    /// Allow the `null` origin pattern (sandboxed iframes, `file:` pages).
    pub dangerously_allow_null_origin: bool,
    /// Allow plain `http://` origins other than loopback together with credentials.
    pub dangerously_allow_insecure_origins: bool,
    /// Allow wildcards over public suffixes (`*.github.io`) together with credentials.
    pub dangerously_allow_public_suffix_wildcards: bool,
    /// Refuse, on the server, unsafe requests and WebSocket handshakes from origins the
    /// policy does not trust (cross-origin protection, Go's `CrossOriginProtection`
    /// algorithm): decisions of kind [`crate::Kind::Refused`].
    pub cross_origin_protection: bool,
    /// Debug mode (off by default; never in production): a denied preflight carries its
    /// reason code in a `Corsgate-Debug-Reason` response header, for a developer's
    /// network panel. `corsgate check` warns (`debug_on`).
    pub debug: bool,
}

impl Config {
    /// A copy of every field but `origins`, which is left empty (without cloning it).
    pub(crate) fn without_origins(&self) -> Config {
        // Destructured exhaustively, so that a new field cannot be forgotten here.
        let Config {
            origins: _,
            credentials,
            methods,
            request_headers,
            expose_headers,
            max_age,
            preflight_status,
            private_network,
            dangerously_allow_null_origin,
            dangerously_allow_insecure_origins,
            dangerously_allow_public_suffix_wildcards,
            cross_origin_protection,
            debug,
        } = self;
        Config {
            origins: Vec::new(),
            credentials: *credentials,
            methods: methods.clone(),
            request_headers: request_headers.clone(),
            expose_headers: expose_headers.clone(),
            max_age: *max_age,
            preflight_status: *preflight_status,
            private_network: *private_network,
            dangerously_allow_null_origin: *dangerously_allow_null_origin,
            dangerously_allow_insecure_origins: *dangerously_allow_insecure_origins,
            dangerously_allow_public_suffix_wildcards: *dangerously_allow_public_suffix_wildcards,
            cross_origin_protection: *cross_origin_protection,
            debug: *debug,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            origins: Vec::new(),
            credentials: false,
            methods: Vec::new(),
            request_headers: Vec::new(),
            expose_headers: Vec::new(),
            max_age: None,
            preflight_status: DEFAULT_PREFLIGHT_STATUS,
            private_network: false,
            dangerously_allow_null_origin: false,
            dangerously_allow_insecure_origins: false,
            dangerously_allow_public_suffix_wildcards: false,
            cross_origin_protection: false,
            debug: false,
        }
    }
}

/// The keys of policy version 1, in documentation order.
pub const FIELDS: &[&str] = &[
    "origins",
    "credentials",
    "methods",
    "request_headers",
    "expose_headers",
    "max_age",
    "preflight_status",
    "private_network",
    "dangerously_allow_null_origin",
    "dangerously_allow_insecure_origins",
    "dangerously_allow_public_suffix_wildcards",
    "cross_origin_protection",
    "debug",
];

fn strings<I, S>(items: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    items.into_iter().map(Into::into).collect()
}

impl Config {
    /// A policy allowing `origins`, everything else at its default.
    #[must_use]
    pub fn new<I, S>(origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Config {
            origins: strings(origins),
            ..Config::default()
        }
    }

    /// Sets `credentials`.
    #[must_use]
    pub fn credentials(mut self, on: bool) -> Self {
        self.credentials = on;
        self
    }
    /// Sets `methods`.
    #[must_use]
    pub fn methods<I: IntoIterator<Item = S>, S: Into<String>>(mut self, m: I) -> Self {
        self.methods = strings(m);
        self
    }
    /// Sets `request_headers`.
    #[must_use]
    pub fn request_headers<I: IntoIterator<Item = S>, S: Into<String>>(mut self, h: I) -> Self {
        self.request_headers = strings(h);
        self
    }
    /// Sets `expose_headers`.
    #[must_use]
    pub fn expose_headers<I: IntoIterator<Item = S>, S: Into<String>>(mut self, h: I) -> Self {
        self.expose_headers = strings(h);
        self
    }
    /// Sets `max_age` in seconds.
    #[must_use]
    pub fn max_age(mut self, seconds: u64) -> Self {
        self.max_age = Some(seconds);
        self
    }
    /// Sets `preflight_status`.
    #[must_use]
    pub fn preflight_status(mut self, status: u16) -> Self {
        self.preflight_status = status;
        self
    }
    /// Sets `debug` (see the field).
    #[must_use]
    pub fn debug(mut self, on: bool) -> Self {
        self.debug = on;
        self
    }
    /// Sets `private_network`.
    #[must_use]
    pub fn private_network(mut self, on: bool) -> Self {
        self.private_network = on;
        self
    }
    /// Sets `dangerously_allow_null_origin`.
    #[must_use]
    pub fn dangerously_allow_null_origin(mut self, on: bool) -> Self {
        self.dangerously_allow_null_origin = on;
        self
    }
    /// Sets `dangerously_allow_insecure_origins`.
    #[must_use]
    pub fn dangerously_allow_insecure_origins(mut self, on: bool) -> Self {
        self.dangerously_allow_insecure_origins = on;
        self
    }
    /// Sets `dangerously_allow_public_suffix_wildcards`.
    #[must_use]
    pub fn dangerously_allow_public_suffix_wildcards(mut self, on: bool) -> Self {
        self.dangerously_allow_public_suffix_wildcards = on;
        self
    }
    /// Sets `cross_origin_protection`.
    #[must_use]
    pub fn cross_origin_protection(mut self, on: bool) -> Self {
        self.cross_origin_protection = on;
        self
    }

    /// Reads a policy document.
    ///
    /// Only the document's shape is checked here (JSON syntax, types, unknown keys,
    /// `origins` present); the values are checked by [`crate::Policy::new`].
    ///
    /// # Errors
    /// A [`ConfigError`] listing every shape problem: `invalid_json`, `invalid_type`,
    /// `unknown_field`, `missing_origins`.
    pub fn from_json(text: &str) -> Result<Config, ConfigError> {
        Config::from_value(&Config::parse_document(text)?)
    }

    /// Reads a policy document from bytes (which must be UTF-8).
    ///
    /// # Errors
    /// As [`Config::from_json`], plus `invalid_json` for bytes that are not UTF-8.
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Config, ConfigError> {
        Config::from_json(Config::decode_document(bytes)?)
    }

    /// Reads a policy from an already parsed JSON value.
    ///
    /// # Errors
    /// As [`Config::from_json`].
    pub fn from_value(value: &Value) -> Result<Config, ConfigError> {
        let (config, errors, _) = Config::read_value(value);
        match config {
            Some(config) if errors.is_empty() => Ok(config),
            _ => Err(ConfigError {
                errors,
                warnings: Vec::new(),
            }),
        }
    }

    /// Reads as much of a policy document as its shape allows: fields of the wrong type
    /// keep their defaults and are reported, ill-typed list entries are left out (their
    /// [`Written`] positions let later errors name the entry as written). `None` when the
    /// document is not an object. Lets [`crate::Policy::from_json`] report shape and
    /// value errors together.
    pub(crate) fn read_value(value: &Value) -> (Option<Config>, Vec<Diagnostic>, Written) {
        let Some(map) = value.as_object() else {
            let error = Diagnostic::document(
                Code::InvalidJson,
                format!(
                    "the policy must be a JSON object, found {}",
                    type_name(value)
                ),
            );
            return (None, vec![error], Written::default());
        };
        let mut reader = Reader {
            map,
            errors: Vec::new(),
            written: Written::default(),
        };
        /// The top-level keys of a policy-set file (`crate::set`).
        const SET_KEYS: [&str; 3] = ["policies", "routes", "defaults"];
        let mut config = Config::default();
        for key in map.keys() {
            if !FIELDS.contains(&key.as_str()) {
                let hint = match closest_field(key) {
                    _ if map.contains_key("policies") && SET_KEYS.contains(&key.as_str()) => {
                        " (the top-level \"policies\" key makes this file a policy set: load it as a set, not as a single policy)".to_owned()
                    }
                    Some(f) => format!(" (did you mean \"{f}\"?)"),
                    None => format!(" (policy version 1 defines {})", FIELDS.join(", ")),
                };
                reader.errors.push(Diagnostic {
                    code: Code::UnknownField,
                    scope: None,
                    field: None,
                    index: None,
                    value: Some(key.clone()),
                    message: format!(
                        "unknown key \"{key}\"{hint}; unknown keys are refused so that a typo cannot silently weaken the policy"
                    ),
                });
            }
        }
        match map.get("origins") {
            None => reader.errors.push(Diagnostic::field(
                Code::MissingOrigins,
                "origins",
                "\"origins\" is required: list the origins allowed to read responses",
            )),
            Some(_) => config.origins = reader.string_list("origins"),
        }
        config.credentials = reader.boolean("credentials");
        config.methods = reader.string_list("methods");
        config.request_headers = reader.string_list("request_headers");
        config.expose_headers = reader.string_list("expose_headers");
        config.max_age = reader.max_age();
        config.preflight_status = reader.status();
        config.private_network = reader.boolean("private_network");
        config.dangerously_allow_null_origin = reader.boolean("dangerously_allow_null_origin");
        config.dangerously_allow_insecure_origins =
            reader.boolean("dangerously_allow_insecure_origins");
        config.dangerously_allow_public_suffix_wildcards =
            reader.boolean("dangerously_allow_public_suffix_wildcards");
        config.cross_origin_protection = reader.boolean("cross_origin_protection");
        config.debug = reader.boolean("debug");
        (Some(config), reader.errors, reader.written)
    }

    /// Parses JSON text into a value, or the `invalid_json` error.
    pub(crate) fn parse_document(text: &str) -> Result<Value, ConfigError> {
        serde_json::from_str(text).map_err(|e| ConfigError {
            errors: vec![Diagnostic::document(
                Code::InvalidJson,
                format!("the policy is not valid JSON: {e}"),
            )],
            warnings: Vec::new(),
        })
    }

    /// Decodes bytes as UTF-8, or the `invalid_json` error.
    pub(crate) fn decode_document(bytes: &[u8]) -> Result<&str, ConfigError> {
        std::str::from_utf8(bytes).map_err(|e| ConfigError {
            errors: vec![Diagnostic::document(
                Code::InvalidJson,
                format!("the policy is not UTF-8: {e}"),
            )],
            warnings: Vec::new(),
        })
    }

    /// The policy as a JSON document (the inverse of [`Config::from_json`]).
    pub fn to_json_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("origins".into(), self.origins.clone().into());
        m.insert("credentials".into(), self.credentials.into());
        m.insert("methods".into(), self.methods.clone().into());
        m.insert(
            "request_headers".into(),
            self.request_headers.clone().into(),
        );
        m.insert("expose_headers".into(), self.expose_headers.clone().into());
        m.insert(
            "max_age".into(),
            self.max_age.map(Value::from).unwrap_or(Value::Null),
        );
        m.insert("preflight_status".into(), self.preflight_status.into());
        m.insert("private_network".into(), self.private_network.into());
        m.insert(
            "dangerously_allow_null_origin".into(),
            self.dangerously_allow_null_origin.into(),
        );
        m.insert(
            "dangerously_allow_insecure_origins".into(),
            self.dangerously_allow_insecure_origins.into(),
        );
        m.insert(
            "dangerously_allow_public_suffix_wildcards".into(),
            self.dangerously_allow_public_suffix_wildcards.into(),
        );
        m.insert(
            "cross_origin_protection".into(),
            self.cross_origin_protection.into(),
        );
        m.insert("debug".into(), self.debug.into());
        Value::Object(m)
    }
}

/// How an error message names a JSON value's type (`a string`, `an array` …).
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The known field closest to a misspelled key (edit distance ≤ 3).
fn closest_field(key: &str) -> Option<&'static str> {
    FIELDS
        .iter()
        .map(|f| (edit_distance(key, f), *f))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, f)| f)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Where the entries of the read lists were in the document: for each list field that
/// lost ill-typed entries, the document index of each kept entry (empty when every entry
/// was a string, the common case: nothing is allocated then).
#[derive(Debug, Default)]
pub(crate) struct Written(Vec<(&'static str, Vec<usize>)>);

impl Written {
    /// Renumbers a diagnostic about entry `i` of the read list `field` (as compiled from
    /// the read [`Config`]) to the entry's index in the document.
    pub(crate) fn renumber(&self, mut d: Diagnostic) -> Diagnostic {
        if let (Some(field), Some(i)) = (d.field, d.index)
            && let Some((_, at)) = self.0.iter().find(|(f, _)| *f == field)
        {
            d.index = Some(at.get(i).copied().unwrap_or(i));
        }
        d
    }
}

/// Reads typed fields out of the document, collecting every type error.
struct Reader<'a> {
    map: &'a Map<String, Value>,
    errors: Vec<Diagnostic>,
    written: Written,
}

impl Reader<'_> {
    fn wrong_type(&mut self, field: &'static str, expected: &str, found: &Value) {
        self.errors.push(Diagnostic::field(
            Code::InvalidType,
            field,
            format!("\"{field}\" must be {expected}, found {}", type_name(found)),
        ));
    }

    fn boolean(&mut self, field: &'static str) -> bool {
        match self.map.get(field) {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                self.wrong_type(field, "true or false", other);
                false
            }
        }
    }

    fn string_list(&mut self, field: &'static str) -> Vec<String> {
        match self.map.get(field) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                let mut at = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) => {
                            out.push(s.clone());
                            at.push(i);
                        }
                        other => self.errors.push(Diagnostic {
                            code: Code::InvalidType,
                            scope: None,
                            field: Some(field),
                            index: Some(i),
                            value: Some(other.to_string()),
                            message: format!(
                                "each entry of \"{field}\" must be a string, found {}",
                                type_name(other)
                            ),
                        }),
                    }
                }
                if out.len() < items.len() {
                    self.written.0.push((field, at));
                }
                out
            }
            Some(other) => {
                self.wrong_type(field, "an array of strings", other);
                Vec::new()
            }
        }
    }

    fn max_age(&mut self) -> Option<u64> {
        match self.map.get("max_age") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_u64() {
                Some(v) => Some(v),
                None => {
                    self.wrong_type(
                        "max_age",
                        "a whole number of seconds, 0 or more",
                        &Value::Number(n.clone()),
                    );
                    None
                }
            },
            Some(other) => {
                self.wrong_type("max_age", "a whole number of seconds or null", other);
                None
            }
        }
    }

    fn status(&mut self) -> u16 {
        match self.map.get("preflight_status") {
            None | Some(Value::Null) => DEFAULT_PREFLIGHT_STATUS,
            Some(Value::Number(n)) => match n.as_u64().and_then(|v| u16::try_from(v).ok()) {
                Some(v) => v,
                None => {
                    self.errors.push(Diagnostic::field(
                        Code::InvalidPreflightStatus,
                        "preflight_status",
                        format!("\"preflight_status\" must be a status from 200 to 299, found {n}"),
                    ));
                    DEFAULT_PREFLIGHT_STATUS
                }
            },
            Some(other) => {
                self.wrong_type("preflight_status", "a status from 200 to 299", other);
                DEFAULT_PREFLIGHT_STATUS
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_field() {
        let c = Config::from_json(
            r#"{"origins":["https://a.com"],"credentials":true,"methods":["PUT"],
                "request_headers":["x-a"],"expose_headers":["x-b"],"max_age":60,
                "preflight_status":200,"private_network":true,
                "dangerously_allow_null_origin":true,"dangerously_allow_insecure_origins":true,
                "dangerously_allow_public_suffix_wildcards":true,"cross_origin_protection":true,
                "debug":true}"#,
        )
        .unwrap();
        assert!(c.debug);
        assert_eq!(c.origins, ["https://a.com"]);
        assert!(c.credentials && c.private_network && c.cross_origin_protection);
        assert_eq!(c.max_age, Some(60));
        assert_eq!(c.preflight_status, 200);
        assert_eq!(Config::from_value(&c.to_json_value()).unwrap(), c);
    }

    #[test]
    fn a_policy_set_read_as_a_policy_says_so() {
        let e =
            Config::from_json(r#"{"policies":{"a":{"origins":["*"]}},"routes":[]}"#).unwrap_err();
        let unknown: Vec<&Diagnostic> = e
            .errors
            .iter()
            .filter(|d| d.code == Code::UnknownField)
            .collect();
        assert_eq!(unknown.len(), 2);
        assert!(
            unknown
                .iter()
                .all(|d| d.message.contains("load it as a set"))
        );
        // Without `policies`, `routes` is an ordinary unknown key.
        let e = Config::from_json(r#"{"origins":["*"],"routes":[]}"#).unwrap_err();
        assert!(!e.errors[0].message.contains("policy set"));
    }

    #[test]
    fn collects_every_shape_error() {
        let e = Config::from_json(
            r#"{"credential":true,"methods":"PUT","max_age":-1,"request_headers":[1]}"#,
        )
        .unwrap_err();
        let codes: Vec<&str> = e.errors.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "unknown_field",
                "missing_origins",
                "invalid_type",
                "invalid_type",
                "invalid_type"
            ]
        );
        assert!(e.errors[0].message.contains("did you mean \"credentials\""));
        assert_eq!(e.errors[4].field, Some("max_age"));
    }

    #[test]
    fn cross_origin_protection_is_a_checked_boolean() {
        let c = Config::from_json(r#"{"origins":["https://a.com"]}"#).unwrap();
        assert!(!c.cross_origin_protection, "off by default");
        assert!(
            Config::new(["https://a.com"])
                .cross_origin_protection(true)
                .cross_origin_protection
        );
        let e =
            Config::from_json(r#"{"origins":["https://a.com"],"cross_origin_protection":"yes"}"#)
                .unwrap_err();
        assert_eq!(e.errors.len(), 1);
        assert_eq!(e.errors[0].code, Code::InvalidType);
        assert_eq!(e.errors[0].field, Some("cross_origin_protection"));
        let e = Config::from_json(r#"{"origins":["https://a.com"],"cross_origin_protect":true}"#)
            .unwrap_err();
        assert!(
            e.errors[0]
                .message
                .contains("did you mean \"cross_origin_protection\"")
        );
    }

    #[test]
    fn rejects_non_objects_and_bad_json() {
        assert_eq!(
            Config::from_json("[1]").unwrap_err().code(),
            Code::InvalidJson
        );
        assert_eq!(
            Config::from_json("{").unwrap_err().code(),
            Code::InvalidJson
        );
        assert_eq!(
            Config::from_json_bytes(b"\xff").unwrap_err().code(),
            Code::InvalidJson
        );
    }
}
