//! The regex compile path: the first line is a regex pattern (`~…`), alone or beside a
//! fixed one (so several patterns share the one DFA), the other lines are origins.
//! Compile never panics; matching agrees with the reference's separate `meta::Regex`.
#![no_main]

use corsgate::reference::Reference;
use corsgate::{Config, Policy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    corsgate_fuzz::canary(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut lines = text.split('\n');
    let Some(re) = lines.next() else {
        return;
    };
    if re.len() > 128 {
        return;
    }
    let mut origins = vec![format!("~{re}")];
    if re.len() % 2 == 1 {
        origins.push("~^https://pr-[0-9]+\\.preview\\.example\\.com$".to_owned());
    }
    let config = Config::new(origins);
    let Ok(fast) = Policy::new(&config) else {
        return;
    };
    let naive = Reference::new(&config).expect("compiled once, compiles twice");
    for o in lines.take(32) {
        assert_eq!(
            fast.is_origin_allowed(o.as_bytes()),
            naive.origin_allowed(o),
            "regex {re:?} on origin {o:?}"
        );
    }
});
