//! `cargo xtask bench cluster`: three kernel nodes sharing a private
//! PostgreSQL and nats-server (the harness starts both).
//!
//! - Round trip: the round-trip benchmark's pre-granted agent call
//!   (console → plugin → agent → console) with the CSR's console on node A
//!   and the customer's agent on node B (the agent's connection relayed to
//!   node A over NATS), against the same with everyone on node A, measured
//!   in the same run, interleaved in blocks.
//! - Idle agents: the load generator's idle step spread over the three
//!   nodes (a generator per node, each with CSRs of its own, all at once):
//!   each node's resident memory with its agents connected and idle,
//!   against the same number of agents on one node alone measured first
//!   in the same run. (Resident memory, not memory per agent: what the
//!   sign-ins' password hashing left behind is not given back at once, so
//!   a difference between two samples is not the agents' alone.)
//!
//! Quick runs: `BENCH_CLUSTER_CALLS=500`, `BENCH_CLUSTER_AGENTS=300`
//! (agents per node; 0: no idle part). (Not `TETHER_…`: the kernel reads
//! those as its configuration.)

use std::path::Path;
use std::time::Duration;

use tether_tests::bench_summary::{self, Row, readable};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{Address, KernelProcess, StoppedKernel, TestAccount};
use tether_tests::load::accounts;
use tether_tests::load::checkpoint::Checkpoint;
use tether_tests::load::generator::Generator;
use tether_tests::load::process_sample;
use tether_tests::nats::PrivateNats;
use tether_tests::nodes::{cluster_tables, configure_nodes};
use tether_tests::postgres::PrivatePostgres;
use tether_tests::round_trips::{GrantedSession, percentile};

const WARMUP: usize = 200;
const CALLS: usize = 3_000;
const AGENTS_PER_NODE: usize = 1_000;
/// Agents (customers) per session, one CSR hosting each.
const PER_SESSION: usize = 50;
const HOLD_SECS: u64 = 10;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(default)
}

/// Limits that would refuse the load are opened up (as in the load
/// benchmark).
fn config(database: &str, nats: &str, node: &str) -> String {
    format!(
        r#"
{tables}
[sessions]
join_attempts_per_minute = 100000
joins_per_address_per_hour = 1000000
unconnected_join_secs = 600
grace_secs = 2

[sites.default]
name = "Default"
plugins = ["echo"]
session_mode = "single"
max_customers_per_csr = 1000
"#,
        tables = cluster_tables(database, nats, node, None),
    )
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() {
    let calls = setting("BENCH_CLUSTER_CALLS", CALLS);
    let agents = setting("BENCH_CLUSTER_AGENTS", AGENTS_PER_NODE);
    let csrs_per_node = agents.div_ceil(PER_SESSION);

    let postgres = PrivatePostgres::start().await;
    let database = postgres.new_database().await;
    let nats = PrivateNats::start().await;
    let configure = |name: &str| config(&database, &nats.url(), name);
    let stopped = configure_nodes(
        &fixture_manifests(),
        &["node-a", "node-b", "node-c"],
        configure,
        &[],
    );
    let created = stopped[0].admin_create_user(&TestAccount::csr("anna", "Anna Berg", "default"));
    assert!(created.status.success(), "{created:?}");
    if agents > 0 {
        accounts::create_csrs(&stopped[0], csrs_per_node * 3, "default", 4)
            .expect("the load's CSR accounts");
    }
    let nodes: Vec<KernelProcess> = stopped.into_iter().map(StoppedKernel::launch).collect();

    round_trips(&nodes, calls).await;
    if agents > 0 {
        idle_agents(&nodes, agents, csrs_per_node);
    }
    drop(nodes);
    drop(nats);
    drop(postgres);
}

async fn round_trips(nodes: &[KernelProcess], calls: usize) {
    let (a, b) = (&nodes[0], &nodes[1]);
    let mut one_node = GrantedSession::between(a, a).await;
    let mut across = GrantedSession::between(a, b).await;
    for _ in 0..WARMUP {
        one_node.agent_call().await;
        across.agent_call().await;
    }
    // Interleaved in blocks so a noisy moment on the machine falls on both.
    let mut here = Vec::with_capacity(calls);
    let mut relayed = Vec::with_capacity(calls);
    let block = 500.min(calls);
    while relayed.len() < calls {
        let n = block.min(calls - relayed.len());
        for _ in 0..n {
            here.push(one_node.agent_call().await);
        }
        for _ in 0..n {
            relayed.push(across.agent_call().await);
        }
    }
    let here = (percentile(&mut here, 0.5), percentile(&mut here, 0.99));
    let relayed = (
        percentile(&mut relayed, 0.5),
        percentile(&mut relayed, 0.99),
    );
    println!();
    println!(
        "| {:<62} | {:>5} | {:>9} | {:>9} | {:>9} | {:>9} |",
        "console → plugin → granted agent capability → console",
        "runs",
        "p50",
        "p99",
        "p50 ratio",
        "p99 ratio"
    );
    println!(
        "|{}|{}|{}|{}|{}|{}|",
        "-".repeat(64),
        "-".repeat(7),
        "-".repeat(11),
        "-".repeat(11),
        "-".repeat(11),
        "-".repeat(11)
    );
    for (what, (p50, p99)) in [
        ("CSR and agent on node A (baseline)", here),
        (
            "CSR on node A, agent on node B (relayed over NATS)",
            relayed,
        ),
    ] {
        println!(
            "| {what:<62} | {calls:>5} | {:>6.3} ms | {:>6.3} ms | {:>8.2}× | {:>8.2}× |",
            millis(p50),
            millis(p99),
            p50.as_secs_f64() / here.0.as_secs_f64(),
            p99.as_secs_f64() / here.1.as_secs_f64(),
        );
    }
    println!();
    bench_summary::add(&Row {
        bench: "cluster",
        what: "agent call, CSR on node A and agent on node B, p50",
        figure: readable(relayed.0),
        baseline: format!("the same with both on node A {}", readable(here.0)),
        ratio: relayed.0.as_secs_f64() / here.0.as_secs_f64(),
        target: None,
        met: None,
    });
}

/// What one generator's idle step measured on its node.
struct Idle {
    node: String,
    connected: usize,
    failed: usize,
    held_kib: u64,
}

fn idle_agents(nodes: &[KernelProcess], agents: usize, csrs_per_node: usize) {
    // The same number of agents on node A alone first: the baseline.
    let alone = idle_step("node-a", &nodes[0], agents, 0).expect("the idle step on one node");
    let spread: Vec<Idle> = std::thread::scope(|scope| {
        let running: Vec<_> = ["node-a", "node-b", "node-c"]
            .iter()
            .zip(nodes)
            .enumerate()
            .map(|(i, (name, node))| {
                scope.spawn(move || idle_step(name, node, agents, i * csrs_per_node))
            })
            .collect();
        running
            .into_iter()
            .map(|step| {
                step.join()
                    .expect("the idle step's thread")
                    .expect("an idle step on three nodes")
            })
            .collect()
    });
    println!(
        "| {:<46} | {:>9} | {:>6} | {:>16} | {:>9} |",
        "idle agents", "connected", "failed", "node memory held", "ratio"
    );
    println!(
        "|{}|{}|{}|{}|{}|",
        "-".repeat(48),
        "-".repeat(11),
        "-".repeat(8),
        "-".repeat(18),
        "-".repeat(11)
    );
    let row = |what: &str, idle: &Idle| {
        println!(
            "| {what:<46} | {:>9} | {:>6} | {:>12.1} MiB | {:>8.2}× |",
            idle.connected,
            idle.failed,
            idle.held_kib as f64 / 1024.0,
            idle.held_kib as f64 / alone.held_kib as f64
        );
    };
    row(
        &format!("{agents} on {} alone (baseline)", alone.node),
        &alone,
    );
    for idle in &spread {
        row(
            &format!("{agents} on each of three nodes: {}", idle.node),
            idle,
        );
    }
    println!();
    let largest = spread.iter().map(|idle| idle.held_kib).max().unwrap_or(0);
    bench_summary::add(&Row {
        bench: "cluster",
        what: "idle agents spread over three nodes, largest node's memory",
        figure: format!("{:.1} MiB", largest as f64 / 1024.0),
        baseline: format!(
            "the same agents on one node alone {:.1} MiB",
            alone.held_kib as f64 / 1024.0
        ),
        ratio: largest as f64 / alone.held_kib as f64,
        target: None,
        met: None,
    });
}

fn generator_binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_tether-load"))
}

/// One generator's idle step against `node`: `agents` agents in sessions
/// of CSRs from `first_csr` on; the node's memory with the agents held.
fn idle_step(
    name: &str,
    node: &KernelProcess,
    agents: usize,
    first_csr: usize,
) -> Result<Idle, String> {
    let pid = node.pid();
    let resident = |pid| process_sample::resident_kib(pid).map_err(|e| e.to_string());
    let args: Vec<String> = [
        "idle",
        "--server",
        node.base_url(),
        "--agents",
        &agents.to_string(),
        "--per-session",
        &PER_SESSION.to_string(),
        "--hold-secs",
        &HOLD_SECS.to_string(),
        "--first-csr",
        &first_csr.to_string(),
    ]
    .map(str::to_owned)
    .to_vec();
    let within = Duration::from_secs(240 + agents as u64 / 50 + HOLD_SECS);
    let mut generator = Generator::start(generator_binary(), &args, within);
    generator.expect("signed_in", |c| {
        matches!(c, Checkpoint::SignedIn { .. }).then_some(())
    })?;
    generator.go_on();
    generator.expect("sessions_ready", |c| {
        matches!(c, Checkpoint::SessionsReady { .. }).then_some(())
    })?;
    generator.go_on();
    let (connected, failed, first_failure) = generator.expect("agents_connected", |c| match c {
        Checkpoint::AgentsConnected {
            agents,
            failed,
            first_failure,
            ..
        } => Some((agents, failed, first_failure)),
        _ => None,
    })?;
    if let Some(failure) = first_failure {
        return Err(format!(
            "{name}: {failed} agents did not connect; the first: {failure}"
        ));
    }
    generator.go_on();
    generator.expect("agents_held", |c| {
        matches!(c, Checkpoint::AgentsHeld { .. }).then_some(())
    })?;
    let held_kib = resident(pid)?;
    generator.go_on();
    generator.expect("agents_left", |c| {
        matches!(c, Checkpoint::AgentsLeft { .. }).then_some(())
    })?;
    generator.go_on();
    generator.expect("finished", |c| {
        matches!(c, Checkpoint::Finished).then_some(())
    })?;
    generator.go_on();
    generator.finish()?;
    Ok(Idle {
        node: name.to_owned(),
        connected,
        failed,
        held_kib,
    })
}
