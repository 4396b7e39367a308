//! `corsgate`: check a CORS policy, and evaluate requests against it.
//!
//! The command itself is the library [`corsgate_cli::run`] (shared with the Python and
//! Node packages' `corsgate` commands); see its documentation and `corsgate --help`.

#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    ExitCode::from(corsgate_cli::run(&args))
}
