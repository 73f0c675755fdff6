//! `cargo xtask bench start`: from starting the `tether` process to its
//! `/healthz` answering, with every bundled plugin enabled — warm (the
//! plugins' precompiled code and the database already there, as on any
//! restart) and cold (an empty plugin cache: every component compiled) —
//! next to starting the same binary for `--version`, which measures what
//! starting any process of that size costs on this machine, in the same run.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tether_tests::bench_summary::{self, Row, readable};
use tether_tests::{artifacts_dir, bundled_manifests, kernel_binary};

const WARM_RUNS: usize = 15;
const COLD_RUNS: usize = 2;
const BASELINE_RUNS: usize = 15;
/// The target for a warm start.
const WARM_TARGET: Duration = Duration::from_millis(200);

fn config(data: &Path, cache: &Path) -> String {
    format!(
        "[server]\nlisten = \"127.0.0.1:0\"\ndata_dir = {data:?}\n\n[plugins]\nmanifests_dir = {manifests:?}\nartifacts_dir = {artifacts:?}\ncache_dir = {cache:?}\n\n[sites.default]\nname = \"Default\"\nplugins = [\"*\"]\n",
        manifests = bundled_manifests(),
        artifacts = artifacts_dir(),
    )
}

/// Starts the kernel with `config_path` and returns how long it took until
/// `/healthz` answered 200; the kernel is stopped afterwards.
fn time_start(config_path: &Path) -> Duration {
    let started = Instant::now();
    let mut child = Command::new(kernel_binary())
        .arg("--config")
        .arg(config_path)
        .arg("serve")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kernel starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut address = None;
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if let Some(url) = line.strip_prefix("Tether listening on http://") {
            address = Some(url.to_owned());
            break;
        }
    }
    let address = address.expect("the kernel said where it listens");
    let deadline = Instant::now() + Duration::from_secs(120);
    let elapsed = loop {
        if healthz_ok(&address) {
            break started.elapsed();
        }
        assert!(Instant::now() < deadline, "/healthz never answered");
        std::thread::sleep(Duration::from_millis(1));
    };
    let _ = child.kill();
    let _ = child.wait();
    elapsed
}

/// One plain HTTP/1.1 request (a client library would add its own start-up
/// to the figure).
fn healthz_ok(address: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(address) else {
        return false;
    };
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}

fn time_version() -> Duration {
    let started = Instant::now();
    let status = Command::new(kernel_binary())
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .expect("runs");
    assert!(status.success());
    started.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let home = tempfile::tempdir().expect("temp dir");
    let baseline = median((0..BASELINE_RUNS).map(|_| time_version()).collect());

    let cold: Vec<Duration> = (0..COLD_RUNS)
        .map(|run| {
            let dir = home.path().join(format!("cold-{run}"));
            let config_path = dir.join("tether.toml");
            std::fs::create_dir_all(&dir).expect("dir");
            std::fs::write(&config_path, config(&dir.join("data"), &dir.join("cache")))
                .expect("config");
            time_start(&config_path)
        })
        .collect();

    // Warm: the data directory and plugin cache of one earlier start.
    let dir = home.path().join("warm");
    let config_path = dir.join("tether.toml");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(&config_path, config(&dir.join("data"), &dir.join("cache"))).expect("config");
    time_start(&config_path);
    let warm: Vec<Duration> = (0..WARM_RUNS).map(|_| time_start(&config_path)).collect();

    let plugins = std::fs::read_dir(bundled_manifests())
        .map(|entries| entries.count())
        .unwrap_or(0);
    let rows = [
        (
            "`tether --version`: starting the binary (baseline)",
            BASELINE_RUNS,
            baseline,
        ),
        (
            "start → /healthz, warm (plugins precompiled, data there)",
            WARM_RUNS,
            median(warm),
        ),
        (
            "start → /healthz, cold (empty plugin cache)",
            COLD_RUNS,
            median(cold),
        ),
    ];
    println!();
    println!("{plugins} bundled plugins enabled.");
    println!();
    println!(
        "| {:<58} | {:>4} | {:>10} | {:>8} |",
        "what", "runs", "median", "ratio"
    );
    println!(
        "|{}|{}|{}|{}|",
        "-".repeat(60),
        "-".repeat(6),
        "-".repeat(12),
        "-".repeat(10)
    );
    for (what, runs, time) in rows {
        println!(
            "| {what:<58} | {runs:>4} | {:>7.1} ms | {:>7.1}× |",
            time.as_secs_f64() * 1e3,
            time.as_secs_f64() / baseline.as_secs_f64()
        );
    }
    println!();
    for (what, _, time) in &rows[1..] {
        let warm = what.contains("warm");
        bench_summary::add(&Row {
            bench: "start",
            what,
            figure: readable(*time),
            baseline: format!("`tether --version` {}", readable(baseline)),
            ratio: time.as_secs_f64() / baseline.as_secs_f64(),
            target: warm.then(|| format!("≤ {} ms", WARM_TARGET.as_millis())),
            met: warm.then_some(*time <= WARM_TARGET),
        });
    }
    let warm = rows[1].2;
    println!(
        "Warm start {:.0} ms (target ≤ {} ms): {}.",
        warm.as_secs_f64() * 1e3,
        WARM_TARGET.as_millis(),
        if warm <= WARM_TARGET {
            "met"
        } else {
            "not met"
        }
    );
}
