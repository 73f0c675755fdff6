//! `cargo xtask bench all`'s one table: each benchmark appends its headline
//! rows (JSON lines, see `tether_tests::bench_summary`) to a file xtask
//! names; once all ran, xtask writes them as one markdown table with the
//! machine it ran on, prints it, and keeps it in `target/bench/latest.md`.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::workspace::Workspace;

#[derive(Deserialize)]
struct Row {
    bench: String,
    what: String,
    figure: String,
    baseline: String,
    ratio: f64,
    target: Option<String>,
    met: Option<bool>,
}

pub struct Summary {
    dir: PathBuf,
}

impl Summary {
    pub fn start(ws: &Workspace) -> Result<Summary> {
        let dir = ws.target.join("bench");
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let summary = Summary { dir };
        // Rows of an earlier run do not belong in this one.
        let _ = std::fs::remove_file(summary.rows_file());
        Ok(summary)
    }

    pub fn rows_file(&self) -> PathBuf {
        self.dir.join("rows.jsonl")
    }

    pub fn write(&self) -> Result<()> {
        let text = std::fs::read_to_string(self.rows_file()).unwrap_or_default();
        let rows: Vec<Row> = text
            .lines()
            .map(serde_json::from_str)
            .collect::<Result<_, _>>()
            .context("a benchmark wrote a summary row xtask cannot read")?;
        let table = render(&rows, &machine());
        let path = self.dir.join("latest.md");
        std::fs::write(&path, &table)
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("\n{table}");
        eprintln!("xtask: the table is in {}", path.display());
        Ok(())
    }
}

fn render(rows: &[Row], machine: &str) -> String {
    let mut out = String::new();
    out.push_str(&format!("Measured {} on {machine}.\n\n", today()));
    out.push_str("| benchmark | what | figure | baseline (same run) | ratio | target | met |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for row in rows {
        let met = match row.met {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.1}× | {} | {met} |\n",
            row.bench,
            row.what,
            row.figure,
            row.baseline,
            row.ratio,
            row.target.as_deref().unwrap_or("")
        ));
    }
    out
}

/// Cores, memory and processor, as the README's table says them.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib / 1024.0 / 1024.0)
        })
        .unwrap_or(0.0);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("model name"))?;
            Some(line.split(':').nth(1)?.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown processor".into());
    format!("{cores} cores ({cpu}), {memory_gib:.0} GiB")
}

fn today() -> String {
    Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_one_table() {
        let rows = [Row {
            bench: "start".into(),
            what: "warm".into(),
            figure: "30.0 ms".into(),
            baseline: "`tether --version` 3.6 ms".into(),
            ratio: 8.33,
            target: Some("≤ 200 ms".into()),
            met: Some(true),
        }];
        let table = render(&rows, "2 cores");
        assert!(
            table.contains(
                "| start | warm | 30.0 ms | `tether --version` 3.6 ms | 8.3× | ≤ 200 ms | yes |"
            ),
            "{table}"
        );
    }
}
