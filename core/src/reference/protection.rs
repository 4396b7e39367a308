//! Cross-origin protection, naively, straight from DESIGN "Cross-origin protection":
//! every header is collected into vectors of strings, the `Host` is split with
//! `rsplit_once`, ports are compared as numbers after reading them with `str::parse`
//! (and re-serialized to refuse what a browser would not write).

/// Whether the request is refused. `origins` are every `Origin` value, `trusted` says
/// whether the policy's CORS check allows the single origin (the caller's).
pub(super) fn refused(
    method: &str,
    header: &dyn Fn(&str) -> Vec<String>,
    origins: &[&str],
    trusted: bool,
) -> bool {
    // Step 1.
    let safe = method == "GET" || method == "HEAD" || method == "OPTIONS";
    let websocket = header("Upgrade").iter().any(|line| lists_websocket(line));
    if safe && !(method == "GET" && websocket) {
        return false;
    }
    // Step 2: the lines joined with ", " (one line stays itself), optional whitespace
    // trimmed; empty means absent.
    let site = header("Sec-Fetch-Site").join(", ");
    let site = site.trim_matches([' ', '\t']);
    if !site.is_empty() {
        return !(site == "same-origin" || site == "none" || trusted);
    }
    // Step 3.
    if origins.is_empty() || trusted {
        return false;
    }
    let hosts = header("Host");
    let same = match (origins, hosts.as_slice()) {
        ([origin], [host]) => same_host(host, origin),
        _ => false,
    };
    !same
}

fn lists_websocket(line: &str) -> bool {
    if line.len() > crate::MAX_UPGRADE_BYTES {
        return true;
    }
    line.split(',').any(|element| {
        let name = element.split('/').next().unwrap_or("");
        name.trim_matches([' ', '\t'])
            .eq_ignore_ascii_case("websocket")
    })
}

/// The host and effective port of a well-formed origin.
fn origin_authority(origin: &str) -> Option<(String, Option<u16>, Option<u16>)> {
    if !super::origin::well_formed(origin) {
        return None;
    }
    let (scheme, rest) = origin.split_once("://")?;
    let default = match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        _ => None,
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') => (h.to_owned(), Some(p.parse::<u16>().ok()?)),
        _ => (rest.to_owned(), None),
    };
    Some((host, port, default))
}

/// A port as a browser writes it: digits without a leading zero, 1..=65535.
fn port(text: &str) -> Option<u16> {
    let p: u16 = text.parse().ok()?;
    (p != 0 && p.to_string() == text).then_some(p)
}

fn same_host(host: &str, origin: &str) -> bool {
    let Some((origin_host, explicit, default)) = origin_authority(origin) else {
        return false;
    };
    let host = host.trim_matches([' ', '\t']);
    let (name, host_port) = if let Some(inner) = host.strip_prefix('[') {
        match inner.split_once(']') {
            Some((addr, "")) => (format!("[{addr}]"), None),
            Some((addr, rest)) => match rest.strip_prefix(':').map(port) {
                Some(Some(p)) => (format!("[{addr}]"), Some(p)),
                _ => return false,
            },
            None => return false,
        }
    } else {
        match host.rsplit_once(':') {
            None => (host.to_owned(), None),
            Some((name, p)) => match port(p) {
                Some(p) => (name.to_owned(), Some(p)),
                None => return false,
            },
        }
    };
    let ports_equal = match host_port {
        None => explicit.is_none(),
        Some(p) => explicit == Some(p) || (explicit.is_none() && default == Some(p)),
    };
    let strip = |h: &str| h.strip_suffix('.').unwrap_or(h).to_ascii_lowercase();
    ports_equal && strip(&name) == strip(&origin_host)
}
