//! Origin parsing, both sides: a request `Origin` value (the strict parser against the
//! reference's own well-formedness check) and an `origins` entry (the pattern parser:
//! never a panic; what it compiles admits the origins it was meant to and refuses the
//! classic look-alikes).
#![no_main]

use corsgate::pattern::{PatternKind, PortSpec};
use corsgate::reference::Reference;
use corsgate::internals::syntax::parse_origin;
use corsgate::{Config, Policy};
use libfuzzer_sys::fuzz_target;

fn policy_of(pattern: &str) -> Option<Policy> {
    Policy::new(
        &Config::new([pattern])
            .dangerously_allow_null_origin(true)
            .dangerously_allow_insecure_origins(true)
            .dangerously_allow_public_suffix_wildcards(true),
    )
    .ok()
}

/// A port the spec admits, written as a browser would (None: no port).
fn some_port(scheme: &str, ports: &PortSpec) -> Option<Option<u16>> {
    match ports {
        PortSpec::Default | PortSpec::Any => Some(None),
        PortSpec::Ranges(r) => {
            let (lo, _) = *r.first()?;
            let default = corsgate::internals::syntax::default_port(scheme.as_bytes());
            Some(if Some(lo) == default { None } else { Some(lo) })
        }
        // A port spec added later: no known admitted port.
        _ => None,
    }
}

fn with_port(base: String, port: Option<u16>) -> String {
    match port {
        Some(p) => format!("{base}:{p}"),
        None => base,
    }
}

fuzz_target!(|data: &[u8]| {
    corsgate_fuzz::canary(data);
    // The request side.
    let parsed = parse_origin(data);
    match std::str::from_utf8(data) {
        Ok(s) => assert_eq!(
            parsed.is_some(),
            Reference::well_formed(s),
            "parse_origin and the reference disagree on {s:?}"
        ),
        Err(_) => assert!(parsed.is_none(), "accepted non-UTF-8 {data:?}"),
    }
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    // The pattern side.
    let mut diags = Vec::new();
    let Some(p) = corsgate::internals::pattern::parse(0, src, &mut diags) else {
        assert!(!diags.is_empty(), "{src:?} refused without a diagnostic");
        return;
    };
    // Regexes are the `regex` target's job (their DFA construction dominates the time).
    if !matches!(
        p.kind,
        PatternKind::Exact(_) | PatternKind::Host { .. } | PatternKind::Subdomains { .. }
    ) {
        return;
    }
    let Some(policy) = policy_of(src) else {
        return;
    };
    match &p.kind {
        PatternKind::Exact(o) => {
            assert!(
                parse_origin(o.as_bytes()).is_some(),
                "{src:?} → {o:?} is not an origin"
            );
            assert!(
                policy.is_origin_allowed(o.as_bytes()),
                "{src:?} refuses {o:?}"
            );
            assert!(!policy.is_origin_allowed(format!("{o}.evil.net").as_bytes()));
            assert!(!policy.is_origin_allowed(format!("{o}/").as_bytes()));
        }
        PatternKind::Host {
            scheme,
            host,
            ports,
        } => {
            if let Some(port) = some_port(scheme, ports) {
                let o = with_port(format!("{scheme}://{host}"), port);
                assert!(
                    policy.is_origin_allowed(o.as_bytes()),
                    "{src:?} refuses {o:?}"
                );
            }
            let o = format!("{scheme}://x{host}");
            assert!(
                !policy.is_origin_allowed(o.as_bytes()),
                "{src:?} admits {o:?}"
            );
        }
        PatternKind::Subdomains {
            scheme,
            base,
            ports,
        } => {
            if let Some(port) = some_port(scheme, ports) {
                let o = with_port(format!("{scheme}://a.{base}"), port);
                assert!(
                    policy.is_origin_allowed(o.as_bytes()),
                    "{src:?} refuses {o:?}"
                );
                let apex = with_port(format!("{scheme}://{base}"), port);
                assert!(
                    !policy.is_origin_allowed(apex.as_bytes()),
                    "{src:?} admits the apex {apex:?}"
                );
                let glued = with_port(format!("{scheme}://a{base}"), port);
                assert!(
                    !policy.is_origin_allowed(glued.as_bytes()),
                    "{src:?} admits {glued:?}"
                );
                let other = if scheme == "http" { "https" } else { "http" };
                let downgrade = with_port(format!("{other}://a.{base}"), port);
                assert!(
                    !policy.is_origin_allowed(downgrade.as_bytes()),
                    "{src:?} admits {downgrade:?}"
                );
            }
        }
        // Only host patterns get here (returned above).
        _ => unreachable!(),
    }
});
