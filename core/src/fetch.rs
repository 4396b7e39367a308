//! Fetch's tables: which methods and headers the Fetch standard safelists, forbids or
//! normalizes, and the `Vary` values a CORS response carries.
//!
//! Data only, no policy: [`crate::compile`] checks a configuration against these
//! tables, and the evaluator ([`crate::Policy`]) consults the method tables per request.
//! Every lookup is a scan of a short constant list (at most 22 entries).

/// Methods Fetch normalizes to uppercase (`get` → `GET`).
pub(crate) const NORMALIZED_METHODS: &[&str] = &["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
/// CORS-safelisted methods: need no listing.
pub(crate) const SAFELISTED_METHODS: &[&str] = &["GET", "HEAD", "POST"];
/// Methods browsers refuse to send (compared case-insensitively).
pub(crate) const FORBIDDEN_METHODS: &[&str] = &["CONNECT", "TRACE", "TRACK"];

/// Fetch's forbidden request-header names (lowercase); `proxy-` and `sec-` prefixes too
/// (see [`is_forbidden_request_header`]).
pub(crate) const FORBIDDEN_REQUEST_HEADERS: &[&str] = &[
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "access-control-request-private-network",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "via",
];
/// Response headers scripts can never read.
pub(crate) const FORBIDDEN_RESPONSE_HEADERS: &[&str] = &["set-cookie", "set-cookie2"];
/// Response headers scripts can always read (listing them changes nothing).
pub(crate) const SAFELISTED_RESPONSE_HEADERS: &[&str] = &[
    "cache-control",
    "content-language",
    "content-length",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
];

/// `Vary` of an actual response (and of a non-CORS one, unless any origin is allowed).
pub(crate) const VARY_ORIGIN: &str = "Origin";
/// `Vary` of a preflight response.
pub(crate) const VARY_PREFLIGHT: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
/// `Vary` of a preflight response when the policy answers Private Network Access.
pub(crate) const VARY_PREFLIGHT_PNA: &str = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network";

/// Whether `method` is CONNECT, TRACE or TRACK in any case.
#[inline]
pub(crate) fn is_forbidden_method(method: &[u8]) -> bool {
    FORBIDDEN_METHODS
        .iter()
        .any(|f| f.as_bytes().eq_ignore_ascii_case(method))
}

/// The safelisted method equal to `method` (case-sensitive, as Fetch compares).
#[inline]
pub(crate) fn safelisted_method(method: &[u8]) -> Option<&'static str> {
    SAFELISTED_METHODS
        .iter()
        .find(|m| m.as_bytes() == method)
        .copied()
}

/// The uppercase form Fetch normalizes `method` to, when it is one of
/// [`NORMALIZED_METHODS`] in any case.
pub(crate) fn normalized_method(method: &str) -> Option<&'static str> {
    NORMALIZED_METHODS
        .iter()
        .find(|n| n.eq_ignore_ascii_case(method))
        .copied()
}

/// Whether a lowercase request header name is forbidden (scripts cannot set it).
pub(crate) fn is_forbidden_request_header(lower: &str) -> bool {
    FORBIDDEN_REQUEST_HEADERS.contains(&lower)
        || lower.starts_with("proxy-")
        || lower.starts_with("sec-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_as_fetch_writes_them() {
        for table in [NORMALIZED_METHODS, SAFELISTED_METHODS, FORBIDDEN_METHODS] {
            assert!(
                table
                    .iter()
                    .all(|m| m.bytes().all(|b| b.is_ascii_uppercase()))
            );
        }
        for table in [
            FORBIDDEN_REQUEST_HEADERS,
            FORBIDDEN_RESPONSE_HEADERS,
            SAFELISTED_RESPONSE_HEADERS,
        ] {
            assert!(
                table
                    .iter()
                    .all(|h| !h.bytes().any(|b| b.is_ascii_uppercase()))
            );
            assert!(table.is_sorted(), "kept sorted for review");
        }
        assert!(
            SAFELISTED_METHODS
                .iter()
                .all(|m| NORMALIZED_METHODS.contains(m))
        );
    }

    #[test]
    fn lookups_fold_case_where_fetch_does() {
        assert!(is_forbidden_method(b"trace") && is_forbidden_method(b"Connect"));
        assert!(!is_forbidden_method(b"TRACES"));
        assert_eq!(safelisted_method(b"GET"), Some("GET"));
        assert_eq!(safelisted_method(b"get"), None, "case-sensitive");
        assert_eq!(normalized_method("delete"), Some("DELETE"));
        assert_eq!(normalized_method("PATCH"), None);
        assert!(is_forbidden_request_header("sec-fetch-mode"));
        assert!(is_forbidden_request_header("proxy-authorization"));
        assert!(is_forbidden_request_header("cookie"));
        assert!(!is_forbidden_request_header("authorization"));
    }
}
