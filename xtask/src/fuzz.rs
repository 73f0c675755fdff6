//! Fuzzing with cargo fuzz (libFuzzer) on the stable toolchain: bounded
//! runs of every target in `fuzz/`, starting from the committed seed
//! corpus. What a run finds new is kept under `target/fuzz-corpus/`; a
//! crash stops the run with the input that caused it (in
//! `fuzz/artifacts/<target>/`, to be added to the seeds once fixed).

use anyhow::{Context, Result, bail};

use crate::workspace::{Workspace, output, run};

/// Every fuzz target, as named in `fuzz/Cargo.toml`.
pub const TARGETS: &[&str] = &[
    "decode_console",
    "decode_customer",
    "decode_agent",
    "decode_stream_frame",
    "decode_server",
    "manifest",
];

/// Installs cargo fuzz when this machine lacks it (a fresh machine).
fn ensure_cargo_fuzz(ws: &Workspace) -> Result<()> {
    let mut probe = std::process::Command::new("cargo");
    probe.current_dir(&ws.root).args(["fuzz", "--version"]);
    if output(&mut probe).is_ok() {
        return Ok(());
    }
    eprintln!("xtask: installing cargo-fuzz (the fuzzing driver; from crates.io) …");
    run(std::process::Command::new("cargo")
        .current_dir(&ws.root)
        .args(["install", "cargo-fuzz", "--locked"]))
}

/// Runs each of `targets` for `seconds`.
pub fn run_targets(ws: &Workspace, targets: &[&str], seconds: u64) -> Result<()> {
    for target in targets {
        if !TARGETS.contains(target) {
            bail!(
                "unknown fuzz target `{target}`; known: {}",
                TARGETS.join(", ")
            );
        }
    }
    ensure_cargo_fuzz(ws)?;
    let fuzz_dir = ws.root.join("fuzz");
    for target in targets {
        let found = ws.target.join("fuzz-corpus").join(target);
        std::fs::create_dir_all(&found).with_context(|| format!("creating {}", found.display()))?;
        let seeds = fuzz_dir.join("corpus").join(target);
        eprintln!("xtask: fuzzing `{target}` for {seconds} s");
        run(std::process::Command::new("cargo")
            .current_dir(&fuzz_dir)
            // libFuzzer's instrumentation flags are accepted by the stable
            // compiler only with this switch; no nightly toolchain needed.
            .env("RUSTC_BOOTSTRAP", "1")
            .env("CARGO_TARGET_DIR", ws.target.join("fuzz"))
            .args(["fuzz", "run", "--sanitizer", "none", target])
            .arg(&found)
            .arg(&seeds)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg("-rss_limit_mb=2048")
            .arg("-print_final_stats=1"))?;
    }
    Ok(())
}
