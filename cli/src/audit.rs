//! `corsgate audit POLICY [--json]`: attacker origins from the known bypass classes
//! against every pattern, plus risky configuration. Exit 0 clean, 1 findings, 2 usage or
//! I/O error, 3 the policy is invalid.

use crate::set::Loaded;
use crate::{EXIT_INVALID, Fail, compile};
use serde_json::json;
use std::process::ExitCode;

pub(crate) fn audit(args: &[String]) -> Result<ExitCode, Fail> {
    let (paths, as_json) = paths_and_json("audit", args, 1)?;
    let path = &paths[0];
    let policy = match compile(path, EXIT_INVALID)? {
        Ok(Loaded::Policy(p)) => p,
        Ok(Loaded::Set(s)) => return Ok(crate::set::audit(path, &s, as_json)),
        Err(code) => return Ok(code),
    };
    let report = corsgate::audit::audit(&policy);
    if as_json {
        let out = json!({
            "policy": path,
            "probes": report.probes,
            "findings": report.findings.iter().map(|f| f.to_json_value()).collect::<Vec<_>>(),
        });
        println!("{out}");
    } else {
        for f in &report.findings {
            println!("{path}: {f}");
        }
        let n = report.findings.len();
        println!(
            "{path}: {} attacker origin{} evaluated, {n} finding{}",
            report.probes,
            if report.probes == 1 { "" } else { "s" },
            if n == 1 { "" } else { "s" }
        );
    }
    Ok(if report.findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Reads exactly `n` paths and an optional `--json` (shared with `diff`).
pub(crate) fn paths_and_json(
    command: &str,
    args: &[String],
    n: usize,
) -> Result<(Vec<String>, bool), Fail> {
    let mut paths = Vec::new();
    let mut as_json = false;
    for a in args {
        match a.as_str() {
            "--json" => as_json = true,
            s if s.starts_with('-') => {
                return Err(Fail(format!("{command}: unknown option {s}")));
            }
            s if paths.len() < n => paths.push(s.to_owned()),
            s => return Err(Fail(format!("{command}: unexpected argument {s}"))),
        }
    }
    if paths.len() < n {
        let what = if n == 1 {
            "POLICY"
        } else {
            "OLD and NEW policies"
        };
        return Err(Fail(format!("{command}: missing {what}")));
    }
    Ok((paths, as_json))
}
