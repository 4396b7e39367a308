//! `corsgate-judge`: reads observations of conformance vectors as JSON lines on stdin,
//! answers one JSON line each on stdout, ends with `judge: N passed, N failed` on stderr
//! and exits 0 only when every observation passed (and there was at least one).
//! The protocol is in `tests/src/protocol.rs` and
//! `corsgate_conformance::protocol`; the rules in `corsgate_conformance::judge`.
//!
//! `corsgate-judge --verdict` answers only the browser's verdict on each line (see
//! `corsgate_conformance::protocol::verdict`); it exits 0 when every line was readable.
//!
//! Exit status: 0 all passed, 1 some failed or none was given, 2 the vectors could not
//! be loaded or stdin could not be read.

use corsgate_conformance::protocol::{Judge, verdict};
use corsgate_conformance::vector::{every_file, try_load};
use std::io::{BufRead, Write};
use std::process::ExitCode;

fn load_judge() -> Result<Judge, String> {
    let mut vectors = Vec::new();
    for file in every_file()? {
        vectors.extend(try_load(&file)?);
    }
    Judge::new(vectors)
}

/// Answers every non-empty stdin line with `answer`; counts the answers `passed` accepts.
fn run(
    answer: impl Fn(&str) -> serde_json::Value,
    passed_if: impl Fn(&serde_json::Value) -> bool,
) -> Result<(usize, usize), String> {
    let (mut passed, mut failed) = (0, 0);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| format!("reading stdin: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = answer(&line);
        if passed_if(&answer) {
            passed += 1;
        } else {
            failed += 1;
        }
        writeln!(out, "{answer}").map_err(|e| format!("writing stdout: {e}"))?;
    }
    out.flush().map_err(|e| format!("writing stdout: {e}"))?;
    Ok((passed, failed))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (counted, words) = match args.as_slice() {
        [] => (
            load_judge().and_then(|judge| run(|l| judge.answer(l), |a| a["ok"] == true)),
            ("judge", "passed", "failed"),
        ),
        [flag] if flag == "--verdict" => (
            run(verdict, |a| a.get("error").is_none()),
            ("verdicts", "read", "malformed"),
        ),
        _ => (
            Err("usage: corsgate-judge [--verdict] < observations.jsonl".into()),
            ("", "", ""),
        ),
    };
    match counted {
        Ok((passed, failed)) => {
            let (what, good, bad) = words;
            eprintln!("{what}: {passed} {good}, {failed} {bad}");
            if failed == 0 && passed > 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("corsgate-judge: {e}");
            ExitCode::from(2)
        }
    }
}
