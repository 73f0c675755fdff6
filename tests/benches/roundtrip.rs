//! `cargo xtask bench roundtrip`: a CSR console command through a plugin
//! to a pre-granted agent capability and back (console → kernel → echo
//! plugin → agent → plugin → console), thousands of times, against a bare
//! WebSocket echo of the same request served by axum — the kernel's own
//! HTTP and WebSocket stack without the kernel — measured in the same run.
//! The echo runs in a process of its own (`tether-echo`), as the kernel
//! does; the same echo served inside this process is shown too, as it can
//! answer without waking another thread and so varies from run to run.
//! The agent is the test agent, which answers at once: what is measured
//! is the kernel and the plugin, not a capability's own work.

use std::path::Path;
use std::time::Duration;

use tether_tests::bench_summary::{self, Row, readable};
use tether_tests::round_trips::{EchoProcess, GrantedSession, axum_websocket_echo, percentile};

const WARMUP: usize = 200;
/// Calls timed; `BENCH_ROUNDTRIP_CALLS` overrides it for a quick look.
const CALLS: usize = 5_000;
/// The target: the round trip within this many echoes.
const TARGET_RATIO: f64 = 3.0;

fn calls() -> usize {
    std::env::var("BENCH_ROUNDTRIP_CALLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CALLS)
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() {
    let calls = calls();
    let mut session = GrantedSession::start().await;
    let request = session.agent_call_request();
    let mut echo_process = EchoProcess::start(Path::new(env!("CARGO_BIN_EXE_tether-echo"))).await;
    for _ in 0..WARMUP {
        session.agent_call().await;
    }
    echo_process.round_trips(WARMUP, &request).await;
    axum_websocket_echo(WARMUP, &request).await;

    // Interleaved in blocks so a noisy moment on the machine falls on all.
    let mut echoes = Vec::with_capacity(calls);
    let mut in_process = Vec::with_capacity(calls);
    let mut round_trips = Vec::with_capacity(calls);
    let block = 500.min(calls);
    while round_trips.len() < calls {
        let n = block.min(calls - round_trips.len());
        echoes.extend(echo_process.round_trips(n, &request).await);
        in_process.extend(axum_websocket_echo(n, &request).await);
        for _ in 0..n {
            round_trips.push(session.agent_call().await);
        }
    }
    let echo = (percentile(&mut echoes, 0.5), percentile(&mut echoes, 0.99));
    let echo_in_process = (
        percentile(&mut in_process, 0.5),
        percentile(&mut in_process, 0.99),
    );
    let trip = (
        percentile(&mut round_trips, 0.5),
        percentile(&mut round_trips, 0.99),
    );
    println!();
    println!(
        "| {:<58} | {:>5} | {:>9} | {:>9} | {:>9} | {:>9} |",
        "what", "runs", "p50", "p99", "p50 ratio", "p99 ratio"
    );
    println!(
        "|{}|{}|{}|{}|{}|{}|",
        "-".repeat(60),
        "-".repeat(7),
        "-".repeat(11),
        "-".repeat(11),
        "-".repeat(11),
        "-".repeat(11)
    );
    for (what, (p50, p99)) in [
        ("WebSocket echo through axum, own process (baseline)", echo),
        (
            "the same echo inside the benchmark's process",
            echo_in_process,
        ),
        (
            "console → plugin → granted agent capability → console",
            trip,
        ),
    ] {
        println!(
            "| {what:<58} | {calls:>5} | {:>6.3} ms | {:>6.3} ms | {:>8.1}× | {:>8.1}× |",
            millis(p50),
            millis(p99),
            p50.as_secs_f64() / echo.0.as_secs_f64(),
            p99.as_secs_f64() / echo.1.as_secs_f64(),
        );
    }
    println!();
    let ratio = trip.0.as_secs_f64() / echo.0.as_secs_f64();
    bench_summary::add(&Row {
        bench: "roundtrip",
        what: "console → plugin → granted agent capability → console, p50",
        figure: readable(trip.0),
        baseline: format!(
            "WebSocket echo through axum in its own process {}",
            readable(echo.0)
        ),
        ratio,
        target: Some(format!("≤ {TARGET_RATIO}×")),
        met: Some(ratio <= TARGET_RATIO),
    });
    println!(
        "Median round trip {ratio:.1}× the echo's median (target ≤ {TARGET_RATIO}×): {}.",
        if ratio <= TARGET_RATIO {
            "met"
        } else {
            "not met"
        }
    );
}
