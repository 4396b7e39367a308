//! Policy sets in the CLI: a file is a set when it has a top-level `policies` key
//! (DESIGN "Policy sets"); `check`, `eval`, `audit` and `diff` accept either. This
//! module holds what differs for a set: loading, the `check` summary, per-policy audit
//! and the per-tenant diff.

use crate::{Fail, diag_json, print_diags, read_policy_text};
use corsgate::{ConfigError, Policy, PolicySet};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::process::ExitCode;

/// A compiled policy file or policy set (one lives per command: the size difference
/// does not matter).
#[allow(clippy::large_enum_variant)]
pub(crate) enum Loaded {
    Policy(Policy),
    Set(PolicySet),
}

/// Whether the bytes of a file hold a policy set.
pub(crate) fn is_set(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(PolicySet::is_set_json)
}

/// Compiles the file at `path` as a policy or a set; a rejected file prints its errors
/// and gives `rejected` as the exit code.
pub(crate) fn load(path: &str, rejected: u8) -> Result<Result<Loaded, ExitCode>, Fail> {
    let bytes = read_policy_text(path)?;
    let result = if is_set(&bytes) {
        PolicySet::from_json_bytes(&bytes).map(Loaded::Set)
    } else {
        Policy::from_json_bytes(&bytes).map(Loaded::Policy)
    };
    Ok(result.map_err(|e| {
        for d in &e.errors {
            eprintln!("{path}: error: {d}");
        }
        eprintln!("{path}: the policy is rejected; run `corsgate check {path}`");
        ExitCode::from(rejected)
    }))
}

/// `corsgate check` of a set: every error by its path, warnings per policy, and a
/// summary of the policies and routes.
pub(crate) fn check(path: &str, bytes: &[u8], as_json: bool) -> ExitCode {
    let result = PolicySet::from_json_bytes(bytes);
    let (errors, warnings) = match &result {
        Ok(s) => (&[][..], s.warnings()),
        Err(ConfigError { errors, warnings }) => (&errors[..], &warnings[..]),
    };
    if as_json {
        let routes: Vec<Value> = result
            .as_ref()
            .map(|s| {
                s.routes()
                    .iter()
                    .map(|r| json!({"host": r.host, "path_prefix": r.path_prefix, "policy": r.policy}))
                    .collect()
            })
            .unwrap_or_default();
        let policies: Vec<&str> = result
            .as_ref()
            .map(|s| s.policies().map(|(n, _)| n).collect())
            .unwrap_or_default();
        let out = json!({
            "policy": path,
            "set": true,
            "ok": errors.is_empty(),
            "errors": errors.iter().map(diag_json).collect::<Vec<_>>(),
            "warnings": warnings.iter().map(diag_json).collect::<Vec<_>>(),
            "policies": policies,
            "routes": routes,
        });
        println!("{out}");
    } else {
        print_diags(path, errors);
        print_diags(path, warnings);
        match &result {
            Ok(s) => println!(
                "{path}: ok — policy set: {} {}, {} compiled (equal policies once), {} {}, {} {}",
                s.policies().count(),
                plural(s.policies().count(), "policy", "policies"),
                s.compiled_len(),
                s.routes().len(),
                plural(s.routes().len(), "route", "routes"),
                warnings.len(),
                plural(warnings.len(), "warning", "warnings"),
            ),
            Err(_) => println!(
                "{path}: {} {}, {} {}: the policy set is rejected",
                errors.len(),
                plural(errors.len(), "error", "errors"),
                warnings.len(),
                plural(warnings.len(), "warning", "warnings"),
            ),
        }
    }
    if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// The routes of `set` that select policy `name`, as `routes[i] host path_prefix`.
fn routes_of(set: &PolicySet, name: &str) -> Vec<String> {
    set.routes()
        .iter()
        .enumerate()
        .filter(|(_, r)| r.policy == name)
        .map(|(i, r)| format!("routes[{i}] {} {}", r.host, r.path_prefix))
        .collect()
}

/// `corsgate audit` of a set: each policy audited once (policies equal after merging
/// share the report), findings named by policy and by the routes that select it.
pub(crate) fn audit(path: &str, set: &PolicySet, as_json: bool) -> ExitCode {
    let mut reports: Vec<(*const Policy, corsgate::audit::Report)> = Vec::new();
    let mut out = Vec::new();
    let (mut probes, mut findings) = (0, 0);
    for (name, policy) in set.policies() {
        let key: *const Policy = policy;
        let report = match reports.iter().find(|(k, _)| *k == key) {
            Some((_, r)) => r,
            None => {
                reports.push((key, corsgate::audit::audit(policy)));
                &reports[reports.len() - 1].1
            }
        };
        probes += report.probes;
        findings += report.findings.len();
        let routes = routes_of(set, name);
        if as_json {
            out.push(json!({
                "policy": name,
                "routes": routes,
                "probes": report.probes,
                "findings": report.findings.iter().map(|f| f.to_json_value()).collect::<Vec<_>>(),
            }));
        } else {
            let used = if routes.is_empty() {
                "selected by no route".to_owned()
            } else {
                format!("selected by {}", routes.join(", "))
            };
            for f in &report.findings {
                println!("{path}: policies.{name} ({used}): {f}");
            }
        }
    }
    if as_json {
        println!(
            "{}",
            json!({"policy": path, "set": true, "probes": probes, "policies": out})
        );
    } else {
        println!(
            "{path}: {} policies audited, {probes} attacker origins evaluated, {findings} {}",
            set.policies().count(),
            plural(findings, "finding", "findings")
        );
    }
    if findings == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// One change of a set diff: the tenant (policy or route) it concerns and the change.
struct SetChange {
    scope: String,
    direction: &'static str,
    text: String,
    change: Option<corsgate::diff::Change>,
}

impl SetChange {
    fn widens(&self) -> bool {
        self.direction == "newly_allowed"
    }

    fn to_json(&self) -> Value {
        json!({
            "scope": self.scope,
            "direction": self.direction,
            "text": self.text,
            "change": self.change.as_ref().map(corsgate::diff::Change::to_json_value),
        })
    }
}

/// The route map of a set: `(normalized-as-written host, prefix)` → policy name.
fn route_map(set: &PolicySet) -> BTreeMap<(String, String), (usize, String)> {
    set.routes()
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                (r.host.to_ascii_lowercase(), r.path_prefix.clone()),
                (i, r.policy.clone()),
            )
        })
        .collect()
}

/// Every change from `old` to `new`: per policy name (added, removed, or what it
/// gains and loses), then per route (added, removed, or a different policy).
fn set_changes(old: &PolicySet, new: &PolicySet) -> Result<Vec<SetChange>, Fail> {
    let mut out = Vec::new();
    let old_names: HashSet<&str> = old.policies().map(|(n, _)| n).collect();
    for (name, p) in new.policies() {
        let scope = format!("policies.{name}");
        match old.policy(name) {
            None => out.push(SetChange {
                scope,
                direction: "newly_allowed",
                text: format!(
                    "new policy allowing origins {}",
                    p.config().origins.join(", ")
                ),
                change: None,
            }),
            Some(o) => {
                let d = corsgate::diff::diff(o, p).map_err(|e| {
                    Fail(format!("diff: {scope} is too complex to compare ({})", e.0))
                })?;
                for c in d.changes {
                    out.push(SetChange {
                        scope: scope.clone(),
                        direction: c.direction,
                        text: c.to_string(),
                        change: Some(c),
                    });
                }
            }
        }
    }
    let new_names: HashSet<&str> = new.policies().map(|(n, _)| n).collect();
    for name in old_names.iter().filter(|n| !new_names.contains(*n)) {
        out.push(SetChange {
            scope: format!("policies.{name}"),
            direction: "newly_denied",
            text: "policy removed".into(),
            change: None,
        });
    }
    let (old_routes, new_routes) = (route_map(old), route_map(new));
    for (key, (i, policy)) in &new_routes {
        let scope = format!("routes[{i}] {} {}", key.0, key.1);
        match old_routes.get(key) {
            None => out.push(SetChange {
                scope,
                direction: "newly_allowed",
                text: format!("new route to policy {policy}"),
                change: None,
            }),
            Some((_, was)) if was != policy => out.push(SetChange {
                scope,
                direction: if route_widens(old, was, new, policy)? {
                    "newly_allowed"
                } else {
                    "changed"
                },
                text: format!("policy {was} → {policy}"),
                change: None,
            }),
            Some(_) => {}
        }
    }
    for (key, (i, policy)) in &old_routes {
        if !new_routes.contains_key(key) {
            out.push(SetChange {
                scope: format!("old routes[{i}] {} {}", key.0, key.1),
                direction: "newly_denied",
                text: format!("route to policy {policy} removed (requests fall through)"),
                change: None,
            });
        }
    }
    Ok(out)
}

/// Whether moving a route from policy `was` (of `old`) to `now` (of `new`) allows
/// anything more.
fn route_widens(old: &PolicySet, was: &str, new: &PolicySet, now: &str) -> Result<bool, Fail> {
    let (Some(a), Some(b)) = (old.policy(was), new.policy(now)) else {
        return Ok(true);
    };
    corsgate::diff::diff(a, b).map(|d| d.widens()).map_err(|e| {
        Fail(format!(
            "diff: policies {was} and {now} are too complex to compare ({})",
            e.0
        ))
    })
}

/// `corsgate diff` of two sets.
pub(crate) fn diff(
    (old_path, old): (&str, &PolicySet),
    (new_path, new): (&str, &PolicySet),
    as_json: bool,
) -> Result<ExitCode, Fail> {
    let changes = set_changes(old, new)?;
    let widens = changes.iter().any(SetChange::widens);
    if as_json {
        let out = json!({
            "old": old_path,
            "new": new_path,
            "set": true,
            "widens": widens,
            "changes": changes.iter().map(SetChange::to_json).collect::<Vec<_>>(),
        });
        println!("{out}");
    } else if changes.is_empty() {
        println!("{old_path} → {new_path}: no difference");
    } else {
        for c in &changes {
            match &c.change {
                Some(inner) => println!("{}: {inner}", c.scope),
                None => println!("{}: {}: {}", c.scope, c.direction.replace('_', " "), c.text),
            }
        }
        println!(
            "{old_path} → {new_path}: {} {}{}",
            changes.len(),
            plural(changes.len(), "change", "changes"),
            if widens { ", some newly allowed" } else { "" }
        );
    }
    Ok(if widens {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
