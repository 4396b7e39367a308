//! `Access-Control-Request-Headers` parsing: the first byte picks one of a few policies,
//! the rest are header lines (split at `\n`) sent as ACRH lines of an otherwise allowed
//! preflight. Compared with the reference; an allowed answer must echo only names the
//! policy admits.
#![no_main]

use corsgate::Config;
use libfuzzer_sys::fuzz_target;

fn policy(selector: u8) -> Config {
    let headers: &[&str] = match selector % 6 {
        0 => &["x-a", "content-type"],
        1 => &["*"],
        2 => &["*", "authorization"],
        3 => &["X-Custom-Header", "x-request-id"],
        4 => &[],
        _ => &["authorization"],
    };
    Config::new(["https://a.example.com", "https://*.example.org"])
        .methods(["PUT"])
        .credentials(selector & 0x40 != 0)
        .private_network(selector & 0x80 != 0)
        .request_headers(headers.iter().copied())
}

fuzz_target!(|data: &[u8]| {
    corsgate_fuzz::canary(data);
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let config = policy(selector);
    // The engine takes bytes; the reference takes strings: lossy conversion keeps the
    // two comparable (a replacement character is not a token either).
    let text = String::from_utf8_lossy(rest);
    let mut headers = vec![
        ("Origin".to_owned(), "https://a.example.com".to_owned()),
        (
            "Access-Control-Request-Method".to_owned(),
            if selector & 0x20 != 0 { "PUT" } else { "GET" }.to_owned(),
        ),
    ];
    for line in text.split('\n').take(64) {
        headers.push(("Access-Control-Request-Headers".to_owned(), line.to_owned()));
    }
    corsgate_fuzz::compare(&config, &[("OPTIONS".to_owned(), headers.clone())]);
    // Raw bytes, straight into the engine: never a panic, and an allowed answer echoes
    // only admitted names.
    let policy = corsgate::Policy::new(&config).expect("fixed policies compile");
    let mut pairs: Vec<(&[u8], &[u8])> = vec![
        (b"Origin", b"https://a.example.com"),
        (b"Access-Control-Request-Method", b"GET"),
    ];
    pairs.extend(
        rest.split(|&b| b == b'\n')
            .take(64)
            .map(|l| (&b"Access-Control-Request-Headers"[..], l)),
    );
    let d = policy.evaluate(b"OPTIONS", pairs.iter().copied());
    if d.allowed() {
        let star = config.request_headers.iter().any(|h| h == "*");
        for line in d
            .headers()
            .filter(|h| h.name == "Access-Control-Allow-Headers")
        {
            for name in line.value.split(',').map(|n| n.trim_matches([' ', '\t'])) {
                if name.is_empty() {
                    continue;
                }
                assert!(
                    corsgate::internals::syntax::is_token(name.as_bytes()),
                    "echoed non-token {name:?}"
                );
                let listed = config
                    .request_headers
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(name));
                assert!(
                    listed || (star && !name.eq_ignore_ascii_case("authorization")),
                    "allowed unlisted header {name:?} under {:?}",
                    config.request_headers
                );
            }
        }
    }
});
