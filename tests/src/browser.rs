//! The browser's side of CORS: the Fetch standard's checks that decide whether a page may
//! read a response. "CORS check" for an actual request; "CORS-preflight fetch" step 7
//! (ok status, CORS check, method, header names) plus the Private Network Access check
//! for a preflight. Header lists are read as Fetch does: every line of a name joined
//! with `, `, then split on commas; an element that is not a token makes the list
//! unreadable, which fails the check.
//!
//! Each check answers `Ok(())` (the page may read the response) or `Err(why)`.

use crate::vector::values;

const SAFELISTED_METHODS: &[&str] = &["GET", "HEAD", "POST"];

/// What a browser knows about one exchange.
#[derive(Clone, Copy, Debug)]
pub struct Exchange<'a> {
    /// The request's header lines.
    pub request: &'a [(String, String)],
    /// Credentials mode `include` (else `omit`).
    pub credentials: bool,
    /// The response status, when known.
    pub status: Option<u16>,
    /// The response's header lines.
    pub response: &'a [(String, String)],
}

impl Exchange<'_> {
    /// Fetch's header list "get": every line of `name` joined with `, `.
    fn get(&self, name: &str) -> Option<String> {
        let v = values(self.response, name);
        (!v.is_empty()).then(|| v.join(", "))
    }

    /// The single value of a request header (`None` when absent or repeated).
    fn request_single(&self, name: &str) -> Option<&str> {
        match values(self.request, name).as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// Fetch "CORS check".
    pub fn cors_check(&self) -> Result<(), String> {
        // A browser sends one Origin; of a forged request with several, the first.
        let origin = *values(self.request, "Origin")
            .first()
            .ok_or("the request has no Origin")?;
        let acao = self
            .get("Access-Control-Allow-Origin")
            .ok_or("no Access-Control-Allow-Origin")?;
        if !self.credentials && acao == "*" {
            return Ok(());
        }
        if acao != origin {
            return Err(format!(
                "Access-Control-Allow-Origin {acao:?} is not {origin:?}"
            ));
        }
        if self.credentials
            && self.get("Access-Control-Allow-Credentials").as_deref() != Some("true")
        {
            return Err("credentials without Access-Control-Allow-Credentials: true".into());
        }
        Ok(())
    }

    /// Fetch "CORS-preflight fetch" step 7, then Private Network Access.
    pub fn preflight_check(&self) -> Result<(), String> {
        match self.status {
            Some(s) if (200..=299).contains(&s) => {}
            s => return Err(format!("preflight status {s:?} is not ok")),
        }
        self.cors_check()?;
        self.method_check()?;
        self.header_names_check()?;
        self.private_network_check()
    }

    fn method_check(&self) -> Result<(), String> {
        let method = self
            .request_single("Access-Control-Request-Method")
            .unwrap_or("");
        let methods = token_list(self.get("Access-Control-Allow-Methods"))?;
        let star = !self.credentials && methods.iter().any(|m| m == "*");
        if methods.iter().any(|m| m == method) || SAFELISTED_METHODS.contains(&method) || star {
            return Ok(());
        }
        Err(format!(
            "method {method:?} not in Access-Control-Allow-Methods {methods:?}"
        ))
    }

    fn header_names_check(&self) -> Result<(), String> {
        let allowed = token_list(self.get("Access-Control-Allow-Headers"))?;
        for name in requested_names(self.request) {
            if !covers(&allowed, &name, self.credentials, true) {
                return Err(format!(
                    "header {name:?} not covered by Access-Control-Allow-Headers {allowed:?}"
                ));
            }
        }
        Ok(())
    }

    fn private_network_check(&self) -> Result<(), String> {
        // Browsers send exactly `true`; anything else is not asking.
        let asks = values(self.request, "Access-Control-Request-Private-Network") == ["true"];
        if asks && self.get("Access-Control-Allow-Private-Network").as_deref() != Some("true") {
            return Err("private network asked, not granted".into());
        }
        Ok(())
    }

    /// The browser's verdict for a response of `kind`: `not_cors` always passes, a
    /// preflight runs the preflight checks, anything else (`actual`, `refused`) the CORS
    /// check.
    pub fn verdict(&self, kind: &str) -> Result<(), String> {
        match kind {
            "not_cors" => Ok(()),
            "preflight" => self.preflight_check(),
            _ => self.cors_check(),
        }
    }
}

/// Fetch "extract header list values" for a list of tokens: elements trimmed, empties
/// dropped; `Err` when an element is not a token (the browser fails the check).
pub fn token_list(value: Option<String>) -> Result<Vec<String>, String> {
    let items = elements(value.as_slice());
    match items.iter().find(|i| !i.bytes().all(is_tchar)) {
        Some(bad) => Err(format!("list element {bad:?} is not a token")),
        None => Ok(items),
    }
}

/// RFC 9110 `tchar`, written out here so the judge shares nothing with the engine.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether `list` covers `item` under Fetch's rules: listed, or `*` when credentials are
/// off and the item is not `authorization`.
pub fn covers(list: &[String], item: &str, credentials: bool, case_insensitive: bool) -> bool {
    let listed = list.iter().any(|x| {
        if case_insensitive {
            x.eq_ignore_ascii_case(item)
        } else {
            x == item
        }
    });
    listed
        || (!credentials
            && list.iter().any(|x| x == "*")
            && !item.eq_ignore_ascii_case("authorization"))
}

/// The header names a preflight asks for.
pub fn requested_names(request: &[(String, String)]) -> Vec<String> {
    elements(&values(request, "Access-Control-Request-Headers"))
}

/// The comma-separated elements of header lines, trimmed of spaces and tabs, empties
/// dropped.
pub fn elements<S: AsRef<str>>(lines: &[S]) -> Vec<String> {
    lines
        .iter()
        .flat_map(|v| v.as_ref().split(','))
        .map(|s| s.trim_matches([' ', '\t']).to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}
