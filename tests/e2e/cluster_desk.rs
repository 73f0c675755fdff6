//! The support desk among several kernel nodes (real processes sharing a
//! private PostgreSQL and nats-server, the bundled `webacd` plugin): a
//! customer waits in a WebACD queue on node A while the agent's console is
//! on node B. Node A's plugin sees the agent available through the CSRs'
//! presence the nodes share, offers the customer to them on node B, and the
//! agent's answer there hands the session (run by node A) to them; their
//! console opens it over its relay, the customers they host are counted on
//! every node, and the site's limit of customers per CSR holds across
//! nodes. And when the node running a waiting customer's session dies,
//! another takes the session over and the customer, back through the load
//! balancer, still waits in the queue and is offered to the agent. A CSR
//! a site admin disables on one node is signed out and out of their
//! sessions on the others at once.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tether_tests::clients::{Answer, Csr, Customer, PATIENCE, WsClient, post_json};
use tether_tests::kernel_process::{KernelProcess, StoppedKernel, TestAccount};
use tether_tests::load_balancer::LoadBalancer;
use tether_tests::nats::PrivateNats;
use tether_tests::nodes::{cluster_tables, configure_nodes};
use tether_tests::postgres::PrivatePostgres;
use tether_tests::{bundled_manifests, fixture_manifests};

const PASSWORD: &str = "correct horse battery";
const LEASE_SECS: u64 = 3;

/// The bundled WebACD plugin.
const WEBACD: &str = r#"["webacd"]"#;
/// The fixture that calls the desk's primitives on command.
const PROBE: &str = r#"["desk-probe"]"#;

fn config(database: &str, nats: &str, node: &str, plugins: &str) -> String {
    format!(
        r#"{tables}
[sessions]
join_attempts_per_minute = 1000
joins_per_address_per_hour = 1000

[sites.default]
name = "Default"
plugins = {plugins}
max_customers_per_csr = 1
"#,
        tables = cluster_tables(database, nats, node, Some(LEASE_SECS)),
    )
}

struct Nodes {
    a: KernelProcess,
    b: KernelProcess,
    _nats: PrivateNats,
    _postgres: PrivatePostgres,
}

fn accounts() -> [TestAccount; 4] {
    [
        TestAccount::csr("anna", "Anna Berg", "default").webacd_agent(),
        TestAccount::csr("bert", "Bert Ek", "default").webacd_agent(),
        TestAccount::csr("cara", "Cara Dahl", "default"),
        TestAccount {
            role: "admin",
            ..TestAccount::csr("ada", "Ada Admin", "default")
        },
    ]
}

async fn two_nodes(manifests: &std::path::Path, plugins: &str) -> Nodes {
    let postgres = PrivatePostgres::start().await;
    let database = postgres.new_database().await;
    let nats = PrivateNats::start().await;
    let accounts = accounts();
    let configure = |name: &str| config(&database, &nats.url(), name, plugins);
    let mut nodes = configure_nodes(manifests, &["node-a", "node-b"], configure, &accounts)
        .into_iter()
        .map(StoppedKernel::launch);
    let mut next = || nodes.next().expect("a node for each name");
    Nodes {
        a: next(),
        b: next(),
        _nats: nats,
        _postgres: postgres,
    }
}

async fn signed_in(kernel: &KernelProcess, username: &str) -> Csr {
    Csr::sign_in(kernel, username, PASSWORD)
        .await
        .expect("signs in")
}

async fn create_queue(admin: &Csr) {
    webacd(
        admin,
        "queues.create",
        json!({ "name": "support", "title": "Support", "members": ["anna", "bert"],
                "accept_timeout_secs": 30 }),
    )
    .await;
}

async fn webacd(csr: &Csr, name: &str, payload: Value) -> Value {
    let answer = csr
        .post(
            "/api/plugins/webacd/commands",
            json!({ "name": name, "payload": payload }),
        )
        .await;
    assert_eq!(answer.status, 200, "{name}: {}", answer.text);
    answer.body
}

/// A customer enters `queue` through node `kernel`'s public page; their
/// page connects there.
async fn enter(kernel: &KernelProcess, queue: &str, name: &str) -> Customer {
    let response = reqwest::Client::new()
        .post(kernel.url("/api/public/webacd/default/commands"))
        .header("origin", &kernel.base_url)
        .json(&json!({ "name": "enter", "page": queue,
                       "payload": { "name": name, "problem": "The printer jams" } }))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(status, 200, "enter: {body}");
    let join = &body["join"];
    let token = join["token"].as_str().expect("join token").to_owned();
    Customer {
        session: join["session"].as_str().expect("session").to_owned(),
        participant: join["participant"]
            .as_str()
            .expect("participant")
            .to_owned(),
        page: WsClient::customer_page(kernel, &token).await,
        token,
    }
}

/// The queue as WebACD agent `csr` sees it on the node they reached.
async fn queue_seen_by(csr: &Csr) -> Value {
    let view = webacd(csr, "console.view", Value::Null).await;
    view["queues"][0].clone()
}

/// Waits until `check` holds for what `csr` sees of the queue.
async fn queue_until(csr: &Csr, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let queue = queue_seen_by(csr).await;
        if check(&queue) {
            return queue;
        }
        assert!(Instant::now() < deadline, "never so: {queue}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The next offer a console is shown for `session`.
async fn offer_for(console: &mut WsClient, session: &str) -> Value {
    loop {
        let offer = console.event("offer.made").await;
        if offer["session"] == session {
            return offer;
        }
    }
}

/// The next presence a console hears that `check` accepts.
async fn presence_until(console: &mut WsClient, check: impl Fn(&Value) -> bool) -> Value {
    loop {
        let presence = console.event("presence.changed").await;
        if check(&presence) {
            return presence;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_waiting_on_one_node_goes_to_an_agent_on_another() {
    let nodes = two_nodes(&bundled_manifests(), WEBACD).await;
    create_queue(&signed_in(&nodes.a, "ada").await).await;

    // Anna's console is on node B; Bert, on node A, sees her come online
    // and become available there: the plugin on node A lists her presence.
    let anna = signed_in(&nodes.b, "anna").await;
    let mut console = anna.console(&nodes.b).await;
    console.event("presence.changed").await;
    let bert = signed_in(&nodes.a, "bert").await;
    let seen = queue_until(&bert, |q| q["agents_online"] == 1).await;
    assert_eq!(seen["agents_available"], 0, "{seen}");
    console
        .ok("presence.set", json!({ "available": true }))
        .await;
    queue_until(&bert, |q| q["agents_available"] == 1).await;

    // Carl enters the queue on node A, which runs his waiting session; the
    // offer reaches Anna's console on node B.
    let mut carl = enter(&nodes.a, "support", "Carl").await;
    let offer = offer_for(&mut console, &carl.session).await;
    assert_eq!(offer["title"], "Carl · Support");
    let seen = queue_seen_by(&bert).await;
    assert_eq!(
        seen["waiting"][0]["offered_to"],
        json!(["Anna Berg"]),
        "{seen}"
    );

    // She accepts on node B: node A takes the answer, the plugin hands the
    // session (on node A) to her, and her console opens it over its relay.
    let won = console
        .ok(
            "offer.answer",
            json!({ "offer": offer["offer"], "accept": true }),
        )
        .await;
    let anna_id = won["participant"].as_str().expect("participant").to_owned();
    assert_eq!(
        won,
        json!({ "accepted": true, "session": carl.session, "participant": anna_id })
    );
    // Answered once: a second answer is refused, as on one node.
    let (code, message) = console
        .refused(
            "offer.answer",
            json!({ "offer": offer["offer"], "accept": true }),
        )
        .await;
    assert_eq!(
        (code.as_str(), message),
        (
            "conflict",
            format!("you have already answered offer {}", offer["offer"])
        )
    );
    assert_eq!(
        console.event("session.assigned").await,
        json!({ "session": carl.session, "participant": anna_id })
    );
    let info = console
        .ok("session.resume", json!({ "session": carl.session }))
        .await;
    assert_eq!(info["host"], anna_id, "{info}");
    assert_eq!(
        carl.page.event("session.transferred").await,
        json!({ "session": carl.session,
                "to": { "id": anna_id, "display_name": "Anna Berg", "role": "host" } })
    );
    carl.page
        .ok("chat.send", json!({ "text": "Hello Anna" }))
        .await;
    assert_eq!(console.event("chat.message").await["text"], "Hello Anna");

    // Counted on every node: her console on node B hears she hosts one
    // customer (in node A's session), and node A's plugin no longer counts
    // her as free.
    presence_until(&mut console, |p| p["customers"] == 1).await;
    queue_until(&bert, |q| {
        q["agents_available"] == 0 && q["waiting"] == json!([])
    })
    .await;

    // The site allows one customer per CSR, counted on every node: a
    // session Anna starts on node B cannot take a customer while she hosts
    // Carl on node A.
    let second = console.start_session().await;
    let refused = post_json(
        &nodes.b,
        "/api/join",
        json!({ "session": second, "display_name": "Dan" }),
    )
    .await;
    assert_refused_as_too_many(&refused);
    // Nor through node A, which sends the join on to node B.
    let refused = post_json(
        &nodes.a,
        "/api/join",
        json!({ "session": second, "display_name": "Dan" }),
    )
    .await;
    assert_refused_as_too_many(&refused);

    // The report, read on node B, tells the hand-over.
    let report = anna
        .get(&format!(
            "/api/sessions/{}/report?format=text",
            carl.session
        ))
        .await;
    assert_eq!(report.status, 200, "{}", report.text);
    assert!(
        report.text.contains("waiting → Anna Berg"),
        "{}",
        report.text
    );
}

fn assert_refused_as_too_many(answer: &Answer) {
    assert_eq!(answer.status, 409, "{}", answer.text);
    assert_eq!(answer.body["code"], "limit", "{}", answer.text);
    assert_eq!(
        answer.body["detail"],
        json!({ "key": "too_many_customers", "params": { "current": 1 } }),
        "{}",
        answer.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_waiting_on_a_node_that_dies_still_waits_and_is_taken() {
    let postgres = PrivatePostgres::start().await;
    let database = postgres.new_database().await;
    let nats = PrivateNats::start().await;
    let [balancer_port, a_port, b_port] = [(); 3].map(|()| tether_tests::free_loopback_port());
    // Behind the load balancer; the test also reaches each node directly.
    let server_keys = format!(
        "public_url = \"http://127.0.0.1:{balancer_port}\"\n\
         allowed_origins = [\"http://127.0.0.1:{a_port}\", \"http://127.0.0.1:{b_port}\"]"
    );
    let node = |name: &str, port: u16, accounts: &[TestAccount]| {
        let stopped = KernelProcess::configure(
            &bundled_manifests(),
            &config(&database, &nats.url(), name, WEBACD),
            accounts,
        );
        stopped.listen_on(port, &server_keys);
        stopped.launch()
    };
    let node_a = node("node-a", a_port, &accounts());
    let node_b = node("node-b", b_port, &[]);
    let balancer = LoadBalancer::start(
        balancer_port,
        vec![
            ([127, 0, 0, 1], a_port).into(),
            ([127, 0, 0, 1], b_port).into(),
        ],
    )
    .await;
    create_queue(&signed_in(&node_a, "ada").await).await;

    // Anna's console is on node B, away; Carl waits in the queue on node A.
    let anna = signed_in(&node_b, "anna").await;
    let mut console = anna.console(&node_b).await;
    console.event("presence.changed").await;
    let carl = enter(&node_a, "support", "Carl").await;
    let bert = signed_in(&node_b, "bert").await;
    queue_until(&bert, |q| {
        q["waiting"][0]["session"] == carl.session.as_str()
    })
    .await;

    // Node A dies. Carl's page comes back through the load balancer, to
    // node B, which takes his session over once node A's lease runs out.
    drop(node_a);
    let mut page = WsClient::customer_page(&balancer, &carl.token).await;
    page.ok("chat.send", json!({ "text": "still here" })).await;

    // He is still in the queue: when Anna becomes available, she is
    // offered him and takes him.
    console
        .ok("presence.set", json!({ "available": true }))
        .await;
    let offer = offer_for(&mut console, &carl.session).await;
    let won = console
        .ok(
            "offer.answer",
            json!({ "offer": offer["offer"], "accept": true }),
        )
        .await;
    assert_eq!(won["accepted"], true, "{won}");
    console
        .ok("session.resume", json!({ "session": carl.session }))
        .await;
    assert_eq!(
        page.event("session.transferred").await["to"]["display_name"],
        "Anna Berg"
    );
    let report = anna
        .get(&format!(
            "/api/sessions/{}/report?format=text",
            carl.session
        ))
        .await;
    assert!(
        report.text.contains("session.taken_over"),
        "{}",
        report.text
    );
    assert!(report.text.contains("still here"), "{}", report.text);
    assert!(
        report.text.contains("waiting → Anna Berg"),
        "{}",
        report.text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_from_another_node_is_answered_there_and_dropped_when_that_node_stops() {
    let Nodes {
        a,
        b,
        _nats,
        _postgres,
    } = two_nodes(&fixture_manifests(), PROBE).await;
    let mut anna = signed_in(&b, "anna").await.console(&b).await;
    anna.event("presence.changed").await;
    let mut cara = signed_in(&a, "cara").await.console(&a).await;
    cara.event("presence.changed").await;
    let probe =
        |payload: Value| json!({ "plugin": "desk-probe", "name": "offer", "payload": payload });
    let offer = json!({ "to": ["anna"], "title": "Carl waits", "text": "", "timeout_ms": 60000 });

    // Node A's plugin offers Anna (console on node B) something; she sees
    // it, and so does a console of hers opening later.
    let made = cara.ok("plugin.command", probe(offer.clone())).await;
    let id = made["offer"].as_u64().expect("offer id");
    assert_eq!(anna.event("offer.made").await["offer"], id);
    let mut later = signed_in(&b, "anna").await.console(&b).await;
    assert_eq!(later.event("offer.made").await["offer"], id);

    // Her answer on node B is taken by node A, which made the offer, and
    // the plugin's reply (on node B: its records are shared) is the
    // answer's; a second answer is refused by node A.
    let declined = anna
        .ok("offer.answer", json!({ "offer": id, "accept": false }))
        .await;
    assert_eq!(declined, json!({ "declined": id }));
    let (code, _) = later
        .refused("offer.answer", json!({ "offer": id, "accept": true }))
        .await;
    assert_eq!(code, "conflict");

    // Another offer; node A stops. Once node B stops hearing from it, her
    // consoles drop the offer, which nobody can answer any more.
    let made = cara.ok("plugin.command", probe(offer)).await;
    let second = made["offer"].as_u64().expect("offer id");
    assert_ne!(second, id, "ids are never reused while open");
    assert_eq!(anna.event("offer.made").await["offer"], second);
    drop(a);
    let withdrawn = anna.event("offer.withdrawn").await;
    assert_eq!(
        withdrawn,
        json!({ "offer": second, "expired": false,
                "reason": "the server that made the offer stopped" })
    );
    let (code, _) = anna
        .refused("offer.answer", json!({ "offer": second, "accept": true }))
        .await;
    assert_eq!(code, "not_found");
}

/// A site admin on node A disables a CSR working on node B: their consoles
/// on both nodes close at once as signed out, and the session they host
/// on node B ends with the reason — the desk's news carries it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csr_disabled_on_one_node_is_signed_out_and_out_of_their_sessions_on_every_node() {
    // The servers bound by name: `..` would stop them at once.
    let Nodes {
        a,
        b,
        _nats,
        _postgres,
    } = two_nodes(&fixture_manifests(), PROBE).await;
    let ada = signed_in(&a, "ada").await;
    let cara = signed_in(&b, "cara").await;
    let mut console_b = cara.console(&b).await;
    let mut console_a = cara.console(&a).await;
    let number = console_b.start_session().await;
    let mut customer = Customer::join(&b, &number, "Carl Customer").await;
    console_b.event("participant.joined").await;

    let disabled = ada
        .put(
            "/api/admin/accounts/cara/disabled",
            json!({ "disabled": true }),
        )
        .await;
    assert_eq!(disabled.status, 200, "{}", disabled.text);
    let signed_out = Some(tether_protocol::SIGNED_OUT_CLOSE_CODE);
    assert_eq!(console_a.close_code().await, signed_out);
    assert_eq!(console_b.close_code().await, signed_out);
    let ended = customer.page.event("session.ended").await;
    assert_eq!(
        ended["reason"],
        "Cara Dahl's account was closed by Ada Admin"
    );
    for node in [&a, &b] {
        let refused = Csr::sign_in(node, "cara", PASSWORD)
            .await
            .err()
            .expect("refused");
        assert_eq!(refused.body["detail"]["key"], "account_disabled");
    }
}
