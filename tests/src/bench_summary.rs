//! The rows a benchmark adds to `cargo xtask bench all`'s one table: each
//! bench prints its own detailed table and, when xtask asks (the
//! `XTASK_BENCH_SUMMARY` file), appends its headline figures there as JSON
//! lines, which xtask gathers into one table.

use std::io::Write;
use std::time::Duration;

use serde::Serialize;

/// One headline figure: what was measured, against which baseline of the
/// same run, and the target for the ratio when there is one.
#[derive(Debug, Serialize)]
pub struct Row<'a> {
    pub bench: &'a str,
    pub what: &'a str,
    pub figure: String,
    pub baseline: String,
    pub ratio: f64,
    /// The ratio (or absolute figure, as `target` says) the issue asks for.
    pub target: Option<String>,
    pub met: Option<bool>,
}

/// Appends `row` to the summary file when xtask collects one; otherwise
/// does nothing (the bench's own table is what a single run shows).
pub fn add(row: &Row<'_>) {
    let Some(path) = std::env::var_os("XTASK_BENCH_SUMMARY") else {
        return;
    };
    let line = match serde_json::to_string(row) {
        Ok(line) => line,
        Err(error) => return eprintln!("bench summary: {error}"),
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| writeln!(file, "{line}"));
    if let Err(error) = written {
        eprintln!("bench summary {}: {error}", path.to_string_lossy());
    }
}

/// A duration as people read it: µs below a millisecond, ms below ten
/// seconds, else seconds.
pub fn readable(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds < 1e-3 {
        format!("{:.1} µs", seconds * 1e6)
    } else if seconds < 10.0 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{seconds:.1} s")
    }
}
