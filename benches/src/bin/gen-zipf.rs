//! Writes the Zipf replay log: `gen-zipf [OUT] [REQUESTS] [SEED] [EXPONENT]`.
//! Defaults: `build/zipf-1m.log` (relative to the current directory), 1,000,000
//! requests, the fixed seed of `corsgate_benches::zipf`, exponent 1.1.

use corsgate_benches::zipf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = args.first().map_or("build/zipf-1m.log", String::as_str);
    let parse_or = |i: usize, default: &str| args.get(i).map_or(default.to_owned(), Clone::clone);
    let (Ok(requests), Ok(seed), Ok(exponent)) = (
        parse_or(1, &zipf::DEFAULT_REQUESTS.to_string()).parse::<usize>(),
        parse_or(2, &zipf::DEFAULT_SEED.to_string()).parse::<u64>(),
        parse_or(3, &zipf::DEFAULT_EXPONENT.to_string()).parse::<f64>(),
    ) else {
        eprintln!("usage: gen-zipf [OUT] [REQUESTS] [SEED] [EXPONENT]");
        return ExitCode::from(2);
    };
    let text = zipf::generate(requests, seed, exponent);
    if let Some(dir) = std::path::Path::new(out).parent()
        && !dir.as_os_str().is_empty()
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("gen-zipf: {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    if let Err(e) = std::fs::write(out, &text) {
        eprintln!("gen-zipf: {out}: {e}");
        return ExitCode::FAILURE;
    }
    println!("{}", text.lines().next().unwrap_or(""));
    ExitCode::SUCCESS
}
