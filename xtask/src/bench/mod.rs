//! `cargo xtask bench [which]`: the benchmarks, each a `harness = false`
//! bench of the `tether-tests` package that prints its own table, measured
//! on release builds of the kernel and agent (an unoptimised build's
//! figures say little about the product). `bench all` runs every one and
//! writes one table of their headline figures (`summary.rs`).

mod share;
mod summary;

use anyhow::Result;

use crate::plugins;
use crate::workspace::{Workspace, cargo, run};

/// Name on the command line, bench target, and what it measures.
const BENCHES: [(&str, &str); 9] = [
    ("plugin", "plugin_event"),
    ("scripts", "scripts_run"),
    ("latency", "round_trips"),
    ("roundtrip", "roundtrip"),
    ("start", "start"),
    ("load", "load"),
    ("share", "share"),
    ("webacd", "webacd"),
    ("cluster", "cluster"),
];

pub fn run_benches(ws: &Workspace, which: Option<&str>, direction: Option<&str>) -> Result<()> {
    if direction.is_some() && which != Some("share") {
        anyhow::bail!(
            "`--direction` is an option of the `share` benchmark only: `cargo xtask bench share --direction …`"
        );
    }
    let all = matches!(which, None | Some("all"));
    let chosen: Vec<(&str, &str)> = match which {
        None | Some("all") => BENCHES.to_vec(),
        Some(name) => match BENCHES.iter().find(|(n, _)| *n == name) {
            Some(bench) => vec![*bench],
            None => {
                let known: Vec<&str> = BENCHES.iter().map(|(n, _)| *n).collect();
                anyhow::bail!(
                    "unknown benchmark `{name}`; known: {}, or `all`",
                    known.join(", ")
                )
            }
        },
    };
    plugins::build_and_check(ws)?;
    build_release_binaries(ws)?;
    let summary = all.then(|| summary::Summary::start(ws)).transpose()?;
    for (name, target) in chosen {
        let mut command = cargo(ws);
        command
            .args(["bench", "--package", "tether-tests", "--bench", target])
            .env("XTASK_BINARIES_PROFILE", "release");
        if let Some(summary) = &summary {
            command.env("XTASK_BENCH_SUMMARY", summary.rows_file());
        }
        if name == "share" {
            share::prepare(&mut command)?;
            if let Some(direction) = direction {
                command.env("XTASK_SHARE_DIRECTION", direction);
            }
        }
        run(&mut command)?;
    }
    if let Some(summary) = summary {
        summary.write()?;
    }
    Ok(())
}

/// The kernel and agent the benchmarks start, optimised.
fn build_release_binaries(ws: &Workspace) -> Result<()> {
    run(cargo(ws).args([
        "build",
        "--release",
        "--package",
        "tether-kernel",
        "--package",
        "tether-agent",
        "--bins",
    ]))
}
