//! `cargo xtask bench [which]`: the benchmarks, each a `harness = false`
//! bench of the `tether-tests` package that prints its own table.

mod share;

use anyhow::Result;

use crate::plugins;
use crate::workspace::{Workspace, cargo, run};

/// Name on the command line, bench target, and what it measures.
const BENCHES: [(&str, &str); 4] = [
    ("plugin", "plugin_event"),
    ("scripts", "scripts_run"),
    ("latency", "round_trips"),
    ("share", "share"),
];

pub fn run_benches(ws: &Workspace, which: Option<&str>) -> Result<()> {
    let chosen: Vec<(&str, &str)> = match which {
        None => BENCHES.to_vec(),
        Some(name) => match BENCHES.iter().find(|(n, _)| *n == name) {
            Some(bench) => vec![*bench],
            None => {
                let known: Vec<&str> = BENCHES.iter().map(|(n, _)| *n).collect();
                anyhow::bail!("unknown benchmark `{name}`; known: {}", known.join(", "))
            }
        },
    };
    plugins::build_and_check(ws)?;
    for (name, target) in chosen {
        let mut command = cargo(ws);
        command.args(["bench", "--package", "tether-tests", "--bench", target]);
        if name == "share" {
            share::prepare(ws, &mut command)?;
        }
        run(&mut command)?;
    }
    Ok(())
}
