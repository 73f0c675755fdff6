//! `cargo xtask bench webacd`: 1,000 customers entering a WebACD queue
//! served by 50 agents who accept every offer at once — from entering to
//! the offer reaching an agent's console, and to the session starting
//! (the agent's console told it is the host) — next to the kernel's bare
//! join path measured in the same run (a customer joining a CSR's session
//! by number, until the CSR's console hears of it).
//!
//! The plugin's share is what reaching an agent costs beyond the kernel's
//! own path: entering → offer minus bare join → the CSR's console hearing
//! of it, against the whole time to the session's start. Medians and 99th
//! percentiles; the ratios are what to compare between machines.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tether_tests::bundled_manifests;
use tether_tests::clients::{Csr, WsClient};
use tether_tests::kernel_process::{KernelProcess, TestAccount};

const CUSTOMERS: usize = 1_000;
const AGENTS: usize = 50;
/// Customers entering at the same time.
const ENTERING_AT_ONCE: usize = 10;
const BARE_JOINS: usize = 200;
const PASSWORD: &str = "correct horse battery";

const CONFIG: &str = r#"
[sessions]
join_attempts_per_minute = 100000
joins_per_address_per_hour = 100000
unconnected_join_secs = 3600

[sites.default]
name = "Default"
plugins = ["webacd"]
session_mode = "multi"
max_customers_per_csr = 100
"#;

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn accounts() -> Vec<TestAccount> {
    let mut accounts = vec![
        TestAccount {
            role: "admin",
            ..TestAccount::csr("ada", "Ada Admin", "default")
        },
        TestAccount::csr("bea", "Bea Base", "default"),
    ];
    for n in 0..AGENTS {
        let username = leak(format!("agent{n:02}"));
        let display = leak(format!("Agent {n:02}"));
        accounts.push(TestAccount::csr(username, display, "default").webacd_agent());
    }
    accounts
}

async fn console_of(kernel: &KernelProcess, username: &str) -> WsClient {
    let csr = Csr::sign_in(kernel, username, PASSWORD)
        .await
        .expect("signs in");
    let mut console = csr.console(kernel).await;
    console.event("presence.changed").await;
    console
}

/// When each customer (by session) entered, heard back, was offered and
/// started.
#[derive(Default, Clone, Copy)]
struct Timeline {
    entered: Option<Instant>,
    replied: Option<Instant>,
    offered: Option<Instant>,
    started: Option<Instant>,
}

type Timelines = Arc<Mutex<HashMap<String, Timeline>>>;

fn note(timelines: &Timelines, session: &str, set: impl FnOnce(&mut Timeline)) {
    let mut timelines = timelines.lock().expect("timelines");
    set(timelines.entry(session.to_owned()).or_default());
}

/// One agent's console: accepts every offer the moment it arrives, and
/// notes when offers and sessions reach it.
async fn agent(mut console: WsClient, timelines: Timelines, refused: Arc<AtomicUsize>) {
    while let Some(message) = console.receive().await {
        let at = Instant::now();
        match message["type"].as_str().unwrap_or_default() {
            "offer.made" => {
                let body = &message["body"];
                if let Some(session) = body["session"].as_str() {
                    note(&timelines, session, |t| t.offered = t.offered.or(Some(at)));
                }
                let answer = json!({ "offer": body["offer"], "accept": true });
                console.send_request("offer.answer", answer).await;
            }
            "session.assigned" => {
                if let Some(session) = message["body"]["session"].as_str() {
                    note(&timelines, session, |t| t.started = Some(at));
                }
            }
            "error" => {
                refused.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

/// Customers entering the queue through its public page's command, a few
/// at a time, as a stream of arrivals.
async fn enter_all(kernel: &KernelProcess, timelines: &Timelines) {
    let client = reqwest::Client::new();
    let url = kernel.url("/api/public/webacd/default/commands");
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..ENTERING_AT_ONCE {
        let (client, url, next, timelines) =
            (client.clone(), url.clone(), next.clone(), timelines.clone());
        let origin = kernel.base_url.clone();
        workers.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= CUSTOMERS {
                    break;
                }
                let body = json!({ "name": "enter", "page": "support",
                                   "payload": { "name": format!("Customer {n}"), "problem": "The printer is offline." } });
                let entered = Instant::now();
                let reply: Value = client
                    .post(&url)
                    .header("origin", &origin)
                    .json(&body)
                    .send()
                    .await
                    .expect("enters")
                    .json()
                    .await
                    .expect("JSON reply");
                let replied = Instant::now();
                let session = reply["join"]["session"]
                    .as_str()
                    .unwrap_or_else(|| panic!("entering gives a join: {reply}"))
                    .to_owned();
                note(&timelines, &session, |t| {
                    t.entered = Some(entered);
                    t.replied = Some(replied);
                });
            }
        }));
    }
    for worker in workers {
        worker.await.expect("entering finishes");
    }
}

/// The kernel's bare join path: a customer joins a CSR's session by
/// number; the reply, and the CSR's console hearing of it. The CSR takes
/// each one out again, so the session never fills.
async fn bare_joins(kernel: &KernelProcess) -> (Vec<Duration>, Vec<Duration>) {
    let mut host = console_of(kernel, "bea").await;
    let number = host.start_session().await;
    let client = reqwest::Client::new();
    let (mut replies, mut heard) = (Vec::new(), Vec::new());
    for n in 0..BARE_JOINS {
        let started = Instant::now();
        let joined: Value = client
            .post(kernel.url("/api/join"))
            .json(&json!({ "session": number, "display_name": format!("Walk-in {n}") }))
            .send()
            .await
            .expect("joins")
            .json()
            .await
            .expect("JSON reply");
        replies.push(started.elapsed());
        let participant = joined["participant"]
            .as_str()
            .unwrap_or_else(|| panic!("joined: {joined}"))
            .to_owned();
        loop {
            let event = host.event("participant.joined").await;
            if event["participant"]["id"] == json!(participant) {
                break;
            }
        }
        heard.push(started.elapsed());
        host.ok(
            "session.remove_participant",
            json!({ "session": number, "participant": participant }),
        )
        .await;
    }
    (replies, heard)
}

fn percentiles(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    let at = |fraction: f64| times[((times.len() - 1) as f64 * fraction).round() as usize];
    (at(0.5), at(0.99))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() {
    let kernel = KernelProcess::configure(&bundled_manifests(), CONFIG, &accounts()).launch();

    let (join_replies, join_heard) = bare_joins(&kernel).await;

    let mut admin = console_of(&kernel, "ada").await;
    let members: Vec<String> = (0..AGENTS).map(|n| format!("agent{n:02}")).collect();
    admin
        .ok(
            "plugin.command",
            json!({ "plugin": "webacd", "name": "queues.create",
                    "payload": { "name": "support", "title": "Support", "members": members } }),
        )
        .await;

    let timelines: Timelines = Arc::default();
    let refused = Arc::new(AtomicUsize::new(0));
    let mut agents = Vec::new();
    for username in &members {
        let mut console = console_of(&kernel, username).await;
        console
            .ok("presence.set", json!({ "available": true }))
            .await;
        agents.push(tokio::spawn(agent(
            console,
            timelines.clone(),
            refused.clone(),
        )));
    }

    let began = Instant::now();
    enter_all(&kernel, &timelines).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let started = timelines
            .lock()
            .expect("timelines")
            .values()
            .filter(|t| t.started.is_some())
            .count();
        if started == CUSTOMERS {
            break;
        }
        if Instant::now() >= deadline {
            let timelines = timelines.lock().expect("timelines");
            let offered = timelines.values().filter(|t| t.offered.is_some()).count();
            panic!(
                "only {started} of {CUSTOMERS} sessions started ({offered} offered, {} answers refused)",
                refused.load(Ordering::Relaxed)
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let all_served = began.elapsed();
    for agent in agents {
        agent.abort();
    }

    let timelines: Vec<Timeline> = timelines
        .lock()
        .expect("timelines")
        .values()
        .copied()
        .collect();
    let span = |from: fn(&Timeline) -> Option<Instant>, to: fn(&Timeline) -> Option<Instant>| {
        timelines
            .iter()
            .map(|t| {
                let (Some(from), Some(to)) = (from(t), to(t)) else {
                    panic!("a customer's timeline is incomplete");
                };
                to.saturating_duration_since(from)
            })
            .collect::<Vec<_>>()
    };
    let enter_reply = percentiles(span(|t| t.entered, |t| t.replied));
    let enter_offer = percentiles(span(|t| t.entered, |t| t.offered));
    let enter_start = percentiles(span(|t| t.entered, |t| t.started));
    let join_reply = percentiles(join_replies);
    let join_heard = percentiles(join_heard);

    let baseline = join_heard.0.as_secs_f64();
    let rows = [
        ("bare join: POST /api/join → reply", join_reply, BARE_JOINS),
        (
            "bare join → the CSR's console hears (baseline)",
            join_heard,
            BARE_JOINS,
        ),
        (
            "enter queue: public command → reply",
            enter_reply,
            CUSTOMERS,
        ),
        (
            "enter → offer at an agent's console",
            enter_offer,
            CUSTOMERS,
        ),
        (
            "enter → session starts (agent is host)",
            enter_start,
            CUSTOMERS,
        ),
    ];
    println!();
    println!(
        "| {:<48} | {:>5} | {:>10} | {:>10} | {:>8} |",
        "what", "runs", "p50", "p99", "ratio"
    );
    println!(
        "|{}|{}|{}|{}|{}|",
        "-".repeat(50),
        "-".repeat(7),
        "-".repeat(12),
        "-".repeat(12),
        "-".repeat(10)
    );
    for (what, (p50, p99), runs) in rows {
        println!(
            "| {what:<48} | {runs:>5} | {:>7.2} ms | {:>7.2} ms | {:>7.1}× |",
            ms(p50),
            ms(p99),
            p50.as_secs_f64() / baseline
        );
    }
    // What the kernel's own path costs a customer reaching a CSR's console
    // is the bare join's; everything beyond it on the way to the offer is
    // the plugin's (its events, and the offer it makes).
    let plugin_share = (enter_offer.0.saturating_sub(join_heard.0)).as_secs_f64()
        / enter_start.0.as_secs_f64().max(f64::EPSILON);
    println!();
    println!(
        "{CUSTOMERS} customers, {AGENTS} agents accepting at once, {ENTERING_AT_ONCE} entering at a time: all served in {:.1} s ({:.0} customers/s); {} answers refused.",
        all_served.as_secs_f64(),
        CUSTOMERS as f64 / all_served.as_secs_f64(),
        refused.load(Ordering::Relaxed)
    );
    println!(
        "The plugin's share (entering → offer beyond the bare join → console, p50) is {:.0} % of the time to the session's start.",
        plugin_share * 100.0
    );
    println!(
        "Ratios are p50s against the bare join's p50 until the CSR's console hears, measured in this run."
    );
    for (what, figure) in [
        ("enter → offer at an agent's console, p50", enter_offer.0),
        ("enter → session starts, p50", enter_start.0),
    ] {
        tether_tests::bench_summary::add(&tether_tests::bench_summary::Row {
            bench: "webacd",
            what,
            figure: tether_tests::bench_summary::readable(figure),
            baseline: format!(
                "bare join → console {}",
                tether_tests::bench_summary::readable(join_heard.0)
            ),
            ratio: figure.as_secs_f64() / baseline,
            target: None,
            met: None,
        });
    }
}
