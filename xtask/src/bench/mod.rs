//! `cargo xtask bench [which]`: the benchmarks, each a `harness = false`
//! bench of the `tether-tests` package that prints its own table.

mod share;

use anyhow::Result;

use crate::plugins;
use crate::workspace::{Workspace, cargo, run};

/// Name on the command line, bench target, and what it measures.
const BENCHES: [(&str, &str); 5] = [
    ("plugin", "plugin_event"),
    ("scripts", "scripts_run"),
    ("latency", "round_trips"),
    ("share", "share"),
    ("webacd", "webacd"),
];

pub fn run_benches(ws: &Workspace, which: Option<&str>, direction: Option<&str>) -> Result<()> {
    if direction.is_some() && which != Some("share") {
        anyhow::bail!(
            "`--direction` is an option of the `share` benchmark only: `cargo xtask bench share --direction …`"
        );
    }
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
            if let Some(direction) = direction {
                command.env("XTASK_SHARE_DIRECTION", direction);
            }
        }
        run(&mut command)?;
    }
    Ok(())
}
