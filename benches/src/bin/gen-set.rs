//! Writes a policy set of many tenants: `gen-set [OUT] [TENANTS] [SEED]`.
//! Defaults: `build/set-100k.json`, 100,000 tenants, the fixed seed of
//! `corsgate_benches::tenants`. The file is generated, never committed.

use corsgate_benches::tenants;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = args.first().map_or("build/set-100k.json", String::as_str);
    let (Ok(n), Ok(seed)) = (
        args.get(1).map_or(Ok(100_000), |s| s.parse::<usize>()),
        args.get(2)
            .map_or(Ok(tenants::DEFAULT_SEED), |s| s.parse::<u64>()),
    ) else {
        eprintln!("usage: gen-set [OUT] [TENANTS] [SEED]");
        return ExitCode::from(2);
    };
    let text = tenants::tenant_set(n, seed, true).to_string();
    if let Some(dir) = std::path::Path::new(out).parent()
        && !dir.as_os_str().is_empty()
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("gen-set: {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    if let Err(e) = std::fs::write(out, &text) {
        eprintln!("gen-set: {out}: {e}");
        return ExitCode::FAILURE;
    }
    eprintln!("gen-set: {out}: {n} tenants, {} bytes", text.len());
    ExitCode::SUCCESS
}
