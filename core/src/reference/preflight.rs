//! The reference's naive preflight checks, each its own step: the requested method, the
//! requested header names, private network access. Each returns the denial reason
//! (`Err`) or what the allowed answer echoes.

use super::RefReason;
use crate::Config;

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(crate::syntax::is_tchar)
}

const SAFELISTED: [&str; 3] = ["GET", "HEAD", "POST"];
const FORBIDDEN: [&str; 3] = ["CONNECT", "TRACE", "TRACK"];
const NORMALIZED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];

/// The policy's methods as Fetch normalizes them (the six standard methods uppercased).
fn listed_methods(c: &Config) -> Vec<String> {
    c.methods
        .iter()
        .map(|m| {
            let up = m.to_ascii_uppercase();
            if NORMALIZED.contains(&up.as_str()) {
                up
            } else {
                m.clone()
            }
        })
        .collect()
}

/// The `Access-Control-Request-Method` lines → the method to echo.
pub fn method(c: &Config, acrm: &[&str]) -> Result<String, RefReason> {
    let [m] = acrm else {
        return Err(RefReason::code("method_malformed"));
    };
    if !is_token(m) {
        return Err(RefReason::code("method_malformed"));
    }
    if FORBIDDEN.iter().any(|f| f.eq_ignore_ascii_case(m)) {
        return Err(RefReason::code("method_forbidden"));
    }
    let listed = listed_methods(c);
    if SAFELISTED.contains(m) || listed.iter().any(|x| x == "*" || x == m) {
        return Ok((*m).to_owned());
    }
    Err(RefReason::with("method_not_allowed", m))
}

/// The `Access-Control-Request-Headers` lines → the trimmed non-empty lines to echo.
pub fn header_names(c: &Config, lines: &[&str]) -> Result<Vec<String>, RefReason> {
    let total: usize = lines.iter().map(|l| l.len()).sum();
    if lines.len() > crate::MAX_ACRH_LINES || total > crate::MAX_ACRH_BYTES {
        return Err(RefReason::code("headers_too_large"));
    }
    let allowed: Vec<String> = c
        .request_headers
        .iter()
        .map(|x| x.to_ascii_lowercase())
        .collect();
    let star = allowed.iter().any(|x| x == "*");
    let mut empties = 0;
    let mut echo = Vec::new();
    for line in lines {
        let line = line.trim_matches([' ', '\t']);
        for name in line.split(',').map(|n| n.trim_matches([' ', '\t'])) {
            if name.is_empty() {
                empties += 1;
                if empties > crate::MAX_ACRH_EMPTY_ELEMENTS {
                    return Err(RefReason::code("headers_too_large"));
                }
                continue;
            }
            if !is_token(name) {
                return Err(RefReason::code("headers_malformed"));
            }
            let lower = name.to_ascii_lowercase();
            if !(allowed.contains(&lower) || (star && lower != "authorization")) {
                return Err(RefReason::with("header_not_allowed", name));
            }
        }
        if !line.is_empty() {
            echo.push(line.to_owned());
        }
    }
    Ok(echo)
}

/// `Access-Control-Request-Private-Network: true` → whether to grant it.
pub fn private_network(c: &Config, acrpn: &[&str]) -> Result<bool, RefReason> {
    let asks = acrpn.contains(&"true");
    if asks && !c.private_network {
        return Err(RefReason::code("private_network_not_allowed"));
    }
    Ok(asks)
}
