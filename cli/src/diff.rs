//! `corsgate diff OLD NEW [--json]`: which origins, methods, headers and switches a
//! policy change allows or denies anew. Exit 0 when nothing is newly allowed, 1 when
//! something is, 2 usage or I/O error or policies too complex to compare (never a
//! silent 0 for a CI gate), 3 a policy is invalid.

use crate::audit::paths_and_json;
use crate::set::Loaded;
use crate::{EXIT_INVALID, Fail, compile};
use serde_json::json;
use std::process::ExitCode;

pub(crate) fn diff(args: &[String]) -> Result<ExitCode, Fail> {
    if crate::replay::wanted(args) {
        return crate::replay::replay(args);
    }
    let (paths, as_json) = paths_and_json("diff", args, 2)?;
    let (old_path, new_path) = (&paths[0], &paths[1]);
    let old = match compile(old_path, EXIT_INVALID)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let new = match compile(new_path, EXIT_INVALID)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let (old, new) = match (old, new) {
        (Loaded::Policy(old), Loaded::Policy(new)) => (old, new),
        (Loaded::Set(old), Loaded::Set(new)) => {
            return crate::set::diff((old_path, &old), (new_path, &new), as_json);
        }
        _ => {
            return Err(Fail(
                "diff: compare a policy with a policy, or a policy set with a policy set".into(),
            ));
        }
    };
    let d = corsgate::diff::diff(&old, &new).map_err(|e| {
        Fail(format!(
            "diff: the policies are too complex to compare ({})",
            e.0
        ))
    })?;
    if as_json {
        let out = json!({
            "old": old_path,
            "new": new_path,
            "widens": d.widens(),
            "changes": d.changes.iter().map(|c| c.to_json_value()).collect::<Vec<_>>(),
        });
        println!("{out}");
    } else if d.changes.is_empty() {
        println!("{old_path} → {new_path}: no difference");
    } else {
        for c in &d.changes {
            println!("{c}");
        }
        println!(
            "{old_path} → {new_path}: {} change{}{}",
            d.changes.len(),
            if d.changes.len() == 1 { "" } else { "s" },
            if d.widens() {
                ", some newly allowed"
            } else {
                ""
            }
        );
    }
    Ok(if d.widens() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
