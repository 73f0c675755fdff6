//! A node killed mid-session (kill -9), as kernel processes behind a load
//! balancer that sends each connection to the first node that accepts it
//! (a private PostgreSQL and nats-server): another node takes the session
//! over from what is stored, the CSR's console, the customer's page and the
//! real agent reconnect to the load balancer's address and go on in the
//! same session — the customer's permission, the chat, the report and the
//! script library intact — and the script running when the node died is
//! reported as interrupted.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tether_kernel::cluster::{LeaseTiming, Owners};
use tether_kernel::storage::PostgresStorage;
use tether_tests::agent_process::AgentProcess;
use tether_tests::bundled_manifests;
use tether_tests::clients::{Csr, Customer, WsClient};
use tether_tests::kernel_process::{Address, KernelProcess, TestAccount};
use tether_tests::load_balancer::LoadBalancer;
use tether_tests::nats::PrivateNats;
use tether_tests::nodes::cluster_tables;
use tether_tests::postgres::PrivatePostgres;
use tether_tests::script_runs::{add_sleeper, until_running};

const LEASE_SECS: u64 = 3;

fn config(database: &str, nats: &str, node: &str) -> String {
    format!(
        r#"
{tables}
[sessions]
join_attempts_per_minute = 1000
consent_timeout_secs = 20
grace_secs = 60

[sites.default]
name = "Default"
plugins = ["sysinfo", "scripts"]
"#,
        tables = cluster_tables(database, nats, node, Some(LEASE_SECS)),
    )
}

/// How long clients keep retrying while the dead node's lease runs out and
/// another node takes its session over.
struct Patience(Instant);

impl Patience {
    fn new() -> Patience {
        Patience(Instant::now() + Duration::from_secs(LEASE_SECS * 10))
    }

    /// Fails the test once patience ran out; else waits a moment.
    async fn wait(&self, what: &str) {
        assert!(Instant::now() < self.0, "{what} never happened");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn agent_connections(agent: &AgentProcess) -> usize {
    agent
        .output()
        .iter()
        .filter(|line| line.contains("Connected to support session"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_nodes_session_goes_on_on_another_node() {
    let postgres = PrivatePostgres::start().await;
    let database = postgres.new_database().await;
    let nats = PrivateNats::start().await;
    let [balancer_port, a_port, b_port] = [(); 3].map(|()| tether_tests::free_loopback_port());
    let public = format!("public_url = \"http://127.0.0.1:{balancer_port}\"");
    let accounts = [
        TestAccount::csr("anna", "Anna Berg", "default"),
        TestAccount {
            role: "admin",
            ..TestAccount::csr("lee", "Lee Admin", "default")
        },
    ];
    let node_a = KernelProcess::configure(
        &bundled_manifests(),
        &config(&database, &nats.url(), "node-a"),
        &accounts,
    );
    node_a.listen_on(a_port, &public);
    let node_b = KernelProcess::configure(
        &bundled_manifests(),
        &config(&database, &nats.url(), "node-b"),
        &[],
    );
    node_b.listen_on(b_port, &public);
    let (node_a, _node_b) = (node_a.launch(), node_b.launch());
    let balancer = LoadBalancer::start(
        balancer_port,
        vec![
            ([127, 0, 0, 1], a_port).into(),
            ([127, 0, 0, 1], b_port).into(),
        ],
    )
    .await;
    let registry = Owners::new(
        &PostgresStorage::open(&database).await.expect("opens"),
        "observer".parse().expect("a node name"),
        LeaseTiming::new(Duration::from_secs(LEASE_SECS)).expect("a lease"),
    );

    // Everyone comes through the load balancer and reaches node A.
    let anna = Csr::sign_in(&balancer, "anna", "correct horse battery")
        .await
        .expect("anna signs in");
    let mut console = anna.console(&balancer).await;
    let number = console.start_session().await;
    assert_eq!(
        registry.owner(&number).await.expect("reads").as_deref(),
        Some("node-a")
    );
    let host = console
        .ok("session.info", json!({ "session": number }))
        .await["host"]
        .clone();
    let mut carl = Customer::join(&balancer, &number, "Carl").await;
    let state = tempfile::tempdir().expect("temp dir");
    let code = carl.agent_code().await;
    let link = format!("{}/join/{number}", balancer.base_url());
    let agent = AgentProcess::for_page(state.path(), &link, &code);
    agent.wait_for_line("Connected to support session").await;

    // The customer allows system information; they chat; the site's
    // library gets a script, which runs on the customer's computer.
    let collect = json!({ "session": number, "plugin": "sysinfo", "name": "collect" });
    let id = console
        .send_request("plugin.command", collect.clone())
        .await;
    carl.answer_prompt(true).await;
    assert_eq!(console.reply_to(id).await["body"]["status"], "ok");
    carl.page
        .ok("chat.send", json!({ "text": "before the failure" }))
        .await;
    let sleeper = add_sleeper(&balancer, &anna).await;
    let run = json!({ "session": number, "plugin": "scripts", "name": "run",
                      "payload": { "scripts": [sleeper] } });
    console.send_request("plugin.command", run).await;
    carl.answer_prompt(true).await;
    until_running(state.path()).await;

    // Node A dies.
    drop(node_a);

    // The console comes back through the load balancer (to node B) and
    // resumes the session at its first try: node B waits for node A's
    // lease to run out and takes the session over.
    let mut console = anna.console(&balancer).await;
    let resumed = console
        .ok("session.resume", json!({ "session": number }))
        .await;
    assert_eq!(resumed["host"], host, "{resumed}");
    assert_eq!(
        registry.owner(&number).await.expect("reads").as_deref(),
        Some("node-b")
    );
    // The page comes back with its join token, the agent by itself.
    let patience = Patience::new();
    let mut page = WsClient::customer_page(&balancer, &carl.token).await;
    while agent_connections(&agent) < 2 {
        patience.wait("the agent reconnecting").await;
    }

    // The permission holds: system information again, without a question.
    let collected = console.ok("plugin.command", collect).await;
    assert_eq!(collected["status"], "ok", "{collected}");
    page.ok("chat.send", json!({ "text": "after the failure" }))
        .await;
    chat_says(&mut console, "after the failure").await;
    assert!(
        page.pending_events()
            .iter()
            .all(|e| e["type"] != "consent.prompt"),
        "the customer was asked again"
    );

    // The report has what happened before the failure, the take-over, the
    // interrupted script and what came after; the library kept its script.
    let report = anna
        .get(&format!("/api/sessions/{number}/report?format=json"))
        .await;
    assert_eq!(report.status, 200, "{}", report.text);
    let events = report.body["events"].as_array().expect("events").clone();
    let has = |kind: &str, detail: &str| {
        events
            .iter()
            .any(|e| e["kind"] == kind && e["detail"].as_str().is_some_and(|d| d.contains(detail)))
    };
    assert!(has("chat", "before the failure"), "{events:?}");
    assert!(has("consent.granted", "sysinfo"), "{events:?}");
    assert!(has("session.taken_over", "stopped answering"), "{events:?}");
    assert!(
        has("activity.ended", "`script.run` was interrupted"),
        "{events:?}"
    );
    assert!(has("chat", "after the failure"), "{events:?}");
    let library = anna
        .post(
            "/api/plugins/scripts/commands",
            json!({ "name": "library.list", "payload": {} }),
        )
        .await;
    assert!(library.text.contains("Sleeper"), "{}", library.text);

    console
        .ok("session.end", json!({ "session": number }))
        .await;
    page.event("session.ended").await;
    agent.wait_for_line("The support session ended").await;
}

/// Waits for the chat message `text` (other messages may come first).
async fn chat_says(side: &mut WsClient, text: &str) -> Value {
    for _ in 0..10 {
        let message = side.event("chat.message").await;
        if message["text"] == text {
            return message;
        }
    }
    panic!("`{text}` never came by chat");
}
