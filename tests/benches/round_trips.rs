//! `cargo xtask bench latency`: what a CSR waits for on a small message,
//! next to a bare WebSocket echo on loopback measured in the same run: a
//! chat message's reply, a pre-granted agent call through a plugin with an
//! agent that answers at once, and a pre-granted system-information
//! refresh with the real agent. Medians and 90th percentiles; the ratio is
//! what to compare.

use std::time::{Duration, Instant};

use serde_json::json;
use tether_tests::agent_process::AgentProcess;
use tether_tests::bundled_manifests;
use tether_tests::clients::{Customer, StartedSession};
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::round_trips::{GrantedSession, bare_websocket_echo, median_and_p90};

const RUNS: usize = 200;
const SYSINFO_RUNS: usize = 30;

async fn sysinfo_refreshes() -> Vec<Duration> {
    let accounts = [TestAccount::csr("anna", "Anna Berg", "default")];
    let config = "[sites.default]\nname = \"Default\"\nplugins = [\"sysinfo\"]\n";
    let kernel = KernelProcess::configure(&bundled_manifests(), config, &accounts).launch();
    let mut session = StartedSession::start(&kernel, "anna").await;
    let mut customer = Customer::join(&kernel, &session.number, "Carl").await;
    let state = tempfile::tempdir().expect("temp dir");
    let code = customer.agent_code().await;
    let agent = AgentProcess::for_page(state.path(), &session.join_link, &code);
    agent.wait_for_line("Connected to support session").await;
    let collect = json!({ "session": session.number, "plugin": "sysinfo", "name": "collect", "payload": null });
    let id = session
        .console
        .send_request("plugin.command", collect)
        .await;
    customer.answer_prompt(true).await;
    session.console.reply_to(id).await;
    let mut times = Vec::new();
    for _ in 0..SYSINFO_RUNS {
        let refresh = json!({ "session": session.number, "plugin": "sysinfo", "name": "refresh", "payload": null });
        let started = Instant::now();
        let reply = session.console.ok("plugin.command", refresh).await;
        times.push(started.elapsed());
        assert!(reply["categories"].is_array(), "{reply}");
    }
    times
}

#[tokio::main]
async fn main() {
    let baseline = median_and_p90(bare_websocket_echo(RUNS).await);
    let mut session = GrantedSession::start().await;
    let mut chats = Vec::new();
    let mut calls = Vec::new();
    for _ in 0..RUNS {
        chats.push(session.chat().await);
        calls.push(session.agent_call().await);
    }
    let rows = [
        ("bare WebSocket echo on loopback (baseline)", baseline, RUNS),
        ("chat.send → reply", median_and_p90(chats), RUNS),
        (
            "granted agent call: console → plugin → agent → console",
            median_and_p90(calls),
            RUNS,
        ),
        (
            "granted sysinfo refresh, real agent (collects)",
            median_and_p90(sysinfo_refreshes().await),
            SYSINFO_RUNS,
        ),
    ];
    println!();
    println!(
        "| {:<56} | {:>4} | {:>10} | {:>10} | {:>8} |",
        "what", "runs", "median", "p90", "ratio"
    );
    println!(
        "|{}|{}|{}|{}|{}|",
        "-".repeat(58),
        "-".repeat(6),
        "-".repeat(12),
        "-".repeat(12),
        "-".repeat(10)
    );
    for (what, (median, p90), runs) in rows {
        let ratio = median.as_secs_f64() / baseline.0.as_secs_f64();
        println!(
            "| {what:<56} | {runs:>4} | {:>7.3} ms | {:>7.3} ms | {ratio:>7.1}× |",
            median.as_secs_f64() * 1e3,
            p90.as_secs_f64() * 1e3
        );
    }
    for (what, (median, _), _) in &rows[1..] {
        tether_tests::bench_summary::add(&tether_tests::bench_summary::Row {
            bench: "latency",
            what,
            figure: tether_tests::bench_summary::readable(*median),
            baseline: format!(
                "bare WebSocket echo {}",
                tether_tests::bench_summary::readable(baseline.0)
            ),
            ratio: median.as_secs_f64() / baseline.0.as_secs_f64(),
            target: None,
            met: None,
        });
    }
    println!();
    println!("Ratios are medians against the bare echo's median, measured in this run.");
}
