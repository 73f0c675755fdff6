//! Kernel nodes sharing a PostgreSQL database and a NATS server (both
//! private servers the test starts), as real processes: each node owns the
//! sessions it starts through a lease; a node starting leaves alone the
//! sessions another live node owns, and takes over those whose node is
//! gone (its lease lapsed); a node cut off from NATS stops running its
//! sessions once its leases run out and closes their connections, and
//! they go on once a node on NATS takes them over; guesses spread over the
//! nodes meet one limit. A node that cannot reach NATS does not start.

use std::time::{Duration, Instant};

use serde_json::json;
use tether_kernel::cluster::{LeaseTiming, Owners};
use tether_kernel::storage::PostgresStorage;
use tether_tests::clients::{Csr, Customer, WsClient, post_json};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, StoppedKernel, TestAccount};
use tether_tests::nats::{CuttableLink, PrivateNats};
use tether_tests::nodes::cluster_tables;
use tether_tests::postgres::PrivatePostgres;

const LEASE_SECS: u64 = 3;
/// How long a session taken over waits for its CSR.
const GRACE_SECS: u64 = 2;
/// Failed joins allowed per address and minute, on all nodes together.
const JOIN_ATTEMPTS: usize = 6;
/// Failed sign-ins allowed per account and address and minute
/// (`accounts/sign_in_limit.rs`).
const SIGN_IN_ATTEMPTS: usize = 10;

fn config(database: &str, nats: &str, node: &str) -> String {
    format!(
        r#"
{tables}
[sessions]
join_attempts_per_minute = {JOIN_ATTEMPTS}
grace_secs = {GRACE_SECS}

[sites.default]
name = "Default"
plugins = ["echo"]
"#,
        tables = cluster_tables(database, nats, node, Some(LEASE_SECS)),
    )
}

/// The registry as the test reads it (any node name: it only looks).
async fn registry(database: &str) -> Owners {
    let storage = PostgresStorage::open(database)
        .await
        .expect("PostgreSQL opens");
    Owners::new(
        &storage,
        "observer".parse().expect("a node name"),
        LeaseTiming::new(Duration::from_secs(LEASE_SECS)).expect("a valid lease"),
    )
}

/// Node A, on NATS at `nats_url`, with Anna's account, signed in at her
/// console there.
async fn node_a_with_anna(database: &str, nats_url: &str) -> (KernelProcess, Csr, WsClient) {
    let node_a = KernelProcess::configure(
        &fixture_manifests(),
        &config(database, nats_url, "node-a"),
        &[TestAccount::csr("anna", "Anna Berg", "default")],
    )
    .launch();
    let anna = Csr::sign_in(&node_a, "anna", "correct horse battery")
        .await
        .expect("signs in");
    let console = anna.console(&node_a).await;
    (node_a, anna, console)
}

async fn report_status(kernel: &KernelProcess, number: &str) -> String {
    let anna = Csr::sign_in(kernel, "anna", "correct horse battery")
        .await
        .expect("signs in");
    let report = anna
        .get(&format!("/api/sessions/{number}/report?format=json"))
        .await;
    assert_eq!(report.status, 200, "{}", report.text);
    report.body["status"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_starting_node_leaves_a_live_nodes_sessions_and_takes_over_a_dead_nodes() {
    let postgres = PrivatePostgres::start().await;
    let database = postgres.new_database().await;
    let nats = PrivateNats::start().await;
    let owners = registry(&database).await;

    let (node_a, _anna, mut console) = node_a_with_anna(&database, &nats.url()).await;
    let first = console.start_session().await;
    assert_eq!(
        owners.owner(&first).await.expect("reads"),
        Some("node-a".into())
    );

    // Node B starts while node A runs: the session stays node A's and goes on.
    let node_b = KernelProcess::configure(
        &fixture_manifests(),
        &config(&database, &nats.url(), "node-b"),
        &[],
    )
    .launch();
    // Longer than a lease: node A keeps renewing.
    tokio::time::sleep(Duration::from_secs(LEASE_SECS * 2)).await;
    assert_eq!(report_status(&node_b, &first).await, "active");
    assert_eq!(
        owners.owner(&first).await.expect("reads"),
        Some("node-a".into())
    );
    Customer::join(&node_a, &first, "Carl Customer").await;
    console.event("participant.joined").await;

    // Ending it gives the session up at once.
    console.ok("session.end", json!({ "session": first })).await;
    assert_eq!(owners.owner(&first).await.expect("reads"), None);

    // Node A dies with a session running while no other node runs; once
    // its lease lapsed, a node starting takes that session over, saying
    // so, and it ends when its CSR does not come back within the grace
    // period.
    let second = console.start_session().await;
    drop(console);
    let stopped_b = node_b.stop();
    let stopped_a = node_a.stop();
    let deadline = Instant::now() + Duration::from_secs(LEASE_SECS * 5);
    while owners.owner(&second).await.expect("reads").is_some() {
        assert!(Instant::now() < deadline, "node A's lease never lapsed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let node_b = stopped_b.launch();
    while owners.owner(&second).await.expect("reads").as_deref() != Some("node-b") {
        assert!(
            Instant::now() < deadline,
            "node B never took the session over"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(GRACE_SECS * 5);
    while report_status(&node_b, &second).await != "ended" {
        assert!(Instant::now() < deadline, "the session never ended");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let anna = Csr::sign_in(&node_b, "anna", "correct horse battery")
        .await
        .expect("signs in");
    let report = anna
        .get(&format!("/api/sessions/{second}/report?format=json"))
        .await;
    assert_eq!(
        report.body["end_reason"],
        "the CSR did not come back within the grace period"
    );
    let taken_over = report.body["events"]
        .as_array()
        .expect("events")
        .iter()
        .any(|e| e["kind"] == "session.taken_over" && e["actor"] == "node-b");
    assert!(taken_over, "{}", report.text);
    assert_eq!(owners.owner(&second).await.expect("reads"), None);
    drop(stopped_a);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_that_cannot_reach_nats_does_not_start() {
    let postgres = PrivatePostgres::start().await;
    let database = postgres.new_database().await;
    let port = tether_tests::free_loopback_port();
    let stopped: StoppedKernel = KernelProcess::configure(
        &fixture_manifests(),
        &config(
            &database,
            &format!("nats://tether:s3cret@127.0.0.1:{port}"),
            "node-a",
        ),
        &[],
    );
    let output = stopped.serve_expecting_failure();
    let said = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(
        said.contains(&format!(
            "cannot join the other nodes: cannot connect to NATS at nats://127.0.0.1:{port}"
        )),
        "{said}"
    );
    assert!(!said.contains("s3cret"), "the password was printed: {said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_spread_over_three_nodes_meet_one_limit() {
    let postgres = PrivatePostgres::start().await;
    let database = postgres.new_database().await;
    let nats = PrivateNats::start().await;
    let mut nodes = Vec::new();
    for (n, name) in ["node-a", "node-b", "node-c"].into_iter().enumerate() {
        let accounts = if n == 0 {
            vec![TestAccount::csr("anna", "Anna Berg", "default")]
        } else {
            Vec::new()
        };
        nodes.push(
            KernelProcess::configure(
                &fixture_manifests(),
                &config(&database, &nats.url(), name),
                &accounts,
            )
            .launch(),
        );
    }

    // Session numbers guessed from one address, one node after another:
    // each node alone would allow JOIN_ATTEMPTS, together they allow that.
    let mut statuses = Vec::new();
    for guess in 0..JOIN_ATTEMPTS * 3 {
        let node = &nodes[guess % 3];
        let joined = post_json(
            node,
            "/api/join",
            json!({ "session": format!("{:09}", 111_111_111 + guess), "display_name": "Mallory" }),
        )
        .await;
        statuses.push(joined.status);
    }
    assert!(
        statuses[..JOIN_ATTEMPTS].iter().all(|s| *s != 429),
        "{statuses:?}"
    );
    assert!(
        statuses[JOIN_ATTEMPTS..].iter().all(|s| *s == 429),
        "{statuses:?}"
    );

    // Passwords guessed for one account, one node after another.
    let sign_in = |node: &KernelProcess, password: &str| {
        let url = node.url("/api/auth/signin");
        let body = json!({ "username": "anna", "password": password });
        async move {
            reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .expect("request")
                .status()
                .as_u16()
        }
    };
    let mut statuses = Vec::new();
    for guess in 0..SIGN_IN_ATTEMPTS * 2 {
        statuses.push(sign_in(&nodes[guess % 3], "guess").await);
    }
    assert!(
        statuses[..SIGN_IN_ATTEMPTS].iter().all(|s| *s == 403),
        "{statuses:?}"
    );
    assert!(
        statuses[SIGN_IN_ATTEMPTS..].iter().all(|s| *s == 429),
        "{statuses:?}"
    );
    // Refused before the password is looked at, on every node.
    for node in &nodes {
        assert_eq!(sign_in(node, "correct horse battery").await, 429);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_cut_off_from_nats_lets_its_sessions_go_and_they_go_on_once_it_is_back() {
    let postgres = PrivatePostgres::start().await;
    let database = postgres.new_database().await;
    let nats = PrivateNats::start().await;
    let link = CuttableLink::start(nats.address()).await;
    let owners = registry(&database).await;
    let (node_a, anna, mut console) = node_a_with_anna(&database, &link.url()).await;
    let number = console.start_session().await;
    let mut customer = Customer::join(&node_a, &number, "Carl Customer").await;
    console.event("participant.joined").await;
    let (status, health) = node_a.get_json("/healthz").await;
    assert_eq!(status, 200, "{health}");
    assert_eq!(
        health["cluster"],
        json!({ "node": "node-a", "nats_reachable": true, "sessions_owned": 1 })
    );

    link.cut();
    // Node A lets the session go without ending it: its console and the
    // customer's page are closed so they connect again (1012: the service
    // restarts).
    assert_eq!(customer.page.close_code().await, Some(1012));
    assert_eq!(console.close_code().await, Some(1012));
    // It stopped a margin before its lease ran out in the database; then
    // no node owns the session, and none takes it over while the only one
    // is cut off.
    let deadline = Instant::now() + Duration::from_secs(LEASE_SECS);
    while owners.owner(&number).await.expect("reads").is_some() {
        assert!(
            Instant::now() < deadline,
            "the lease outlived node A's stop by a whole lease"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A load balancer checking /healthz stops sending people there...
    let (status, health) = node_a.get_json("/healthz").await;
    assert_eq!(status, 503, "{health}");
    assert_eq!(health["status"], "cluster_unreachable");
    assert_eq!(health["cluster"]["sessions_owned"], 0);
    // ...until it is back on NATS, where it finds the session without a
    // node and takes it over from the record: the console and the page
    // come back to it.
    link.mend();
    let deadline = Instant::now() + Duration::from_secs(LEASE_SECS * 5);
    while node_a.get_json("/healthz").await.0 != 200
        || owners.owner(&number).await.expect("reads").is_none()
    {
        assert!(Instant::now() < deadline, "the session was not taken back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut console = anna.console(&node_a).await;
    console
        .ok("session.resume", json!({ "session": number }))
        .await;
    let page = WsClient::customer_page(&node_a, &customer.token).await;
    drop(page);
    let report = anna
        .get(&format!("/api/sessions/{number}/report?format=json"))
        .await;
    assert_eq!(report.body["status"], "active", "{}", report.text);
    let taken_over = report.body["events"]
        .as_array()
        .expect("events")
        .iter()
        .any(|e| e["kind"] == "session.taken_over" && e["actor"] == "node-a");
    assert!(taken_over, "{}", report.text);
}
