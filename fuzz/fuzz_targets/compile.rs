//! Policy compile: the raw bytes as a policy document, and an arbitrary `Config` built
//! from the same bytes. Never a panic; errors are complete and well formed; a compiled
//! policy round-trips through its JSON form; normalized patterns are a fixed point of
//! the pattern parser; `audit` and `diff` never panic and see no difference between a
//! policy and its round trip.
#![no_main]

use corsgate::{Config, Policy, Severity};
use libfuzzer_sys::fuzz_target;

fn check(config_result: Result<Config, corsgate::ConfigError>, analyse: bool) {
    let config = match config_result {
        Ok(c) => c,
        Err(e) => {
            assert!(!e.errors.is_empty());
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    match Policy::new(&config) {
        Err(e) => {
            assert!(!e.errors.is_empty(), "an error without errors");
            for d in &e.errors {
                assert_eq!(d.severity(), Severity::Error, "{d}");
                assert_eq!(corsgate::Code::from_name(d.code.as_str()), Some(d.code));
                assert!(!d.message.is_empty());
            }
            for d in &e.warnings {
                assert_eq!(d.severity(), Severity::Warning, "{d}");
            }
            assert!(e.to_string().starts_with("corsgate: invalid policy"));
        }
        Ok(p) => {
            for d in p.warnings() {
                assert_eq!(d.severity(), Severity::Warning, "{d}");
            }
            assert!(p.patterns().len() <= config.origins.len());
            // The JSON form round-trips and compiles to the same patterns.
            let back = Config::from_value(&p.config().to_json_value()).expect("round trip");
            assert_eq!(&back, p.config());
            let again = Policy::new(&back).expect("the round-tripped policy compiles");
            assert_eq!(again.patterns(), p.patterns());
            // Normalization is a fixed point: the normalized form parses to itself.
            for pat in p.patterns() {
                let mut diags = Vec::new();
                let re =
                    corsgate::internals::pattern::parse(0, &pat.normalized, &mut diags).unwrap_or_else(|| {
                        panic!(
                            "{:?} normalized to {:?}, which fails: {diags:?}",
                            pat.source, pat.normalized
                        )
                    });
                assert_eq!(re.normalized, pat.normalized, "from {:?}", pat.source);
                assert_eq!(re.kind, pat.kind, "from {:?}", pat.source);
            }
            // `corsgate audit` and `corsgate diff` never panic, and a policy compared
            // with its own round trip shows no difference (a quarter of the inputs:
            // both send a few hundred probes).
            if analyse {
                let report = corsgate::audit::audit(&p);
                assert!(report.findings.iter().all(|f| !f.message.is_empty()));
                // Too complex to analyse is a bounded refusal, not a difference.
                if let Ok(d) = corsgate::diff::diff(&p, &again) {
                    assert!(
                        d.changes.is_empty(),
                        "a policy differs from itself: {:?}",
                        d.changes
                    );
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    corsgate_fuzz::canary(data);
    let analyse = data.len() % 4 == 0;
    check(Config::from_json_bytes(data), analyse);
    let mut u = arbitrary::Unstructured::new(data);
    if let Ok(c) = corsgate_fuzz::config(&mut u) {
        check(Ok(c), analyse);
    }
});
