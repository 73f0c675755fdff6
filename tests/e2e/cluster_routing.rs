//! One support session with its participants on different kernel nodes
//! (real processes sharing a private PostgreSQL and nats-server): the CSR
//! on node A, where the session runs, the customer's page and the real
//! host agent on node B, an assistant on node C. Node B and C relay what
//! is about the session to node A, which runs it as if everyone were
//! connected there: consent, system information, a library script, chat,
//! control passed back and forth, the report.

use serde_json::{Value, json};
use tether_protocol::stream::{FrameKind, MAX_PICTURE_BYTES};
use tether_protocol::{AgentRequest, Capability};
use tether_tests::agent_process::AgentProcess;
use tether_tests::clients::{
    Csr, Customer, StartedSession, WsClient, assert_report_has, error_of, post_json,
};
use tether_tests::kernel_process::{KernelProcess, StoppedKernel, TestAccount};
use tether_tests::nats::PrivateNats;
use tether_tests::nodes::{cluster_tables, configure_nodes};
use tether_tests::postgres::PrivatePostgres;
use tether_tests::script_runs::add_script;
use tether_tests::stream_frames::{ack, decoded, frame, input, picture};
use tether_tests::{SYSINFO_CATEGORY_TITLES, bundled_manifests, fixture_manifests};

/// A session's node lets go of it within a lease; short, so the test does
/// not wait long where it must.
const LEASE_SECS: u64 = 3;

fn config(database: &str, nats: &str, node: &str, plugins: &str) -> String {
    format!(
        r#"{tables}
[sessions]
join_attempts_per_minute = 1000
consent_timeout_secs = 20

[sites.default]
name = "Default"
plugins = {plugins}
"#,
        tables = cluster_tables(database, nats, node, Some(LEASE_SECS)),
    )
}

/// Three nodes on fixed free ports, each allowing the others' addresses as
/// browser origins: behind a load balancer all nodes have one public
/// address, here each has its own.
struct Nodes {
    a: KernelProcess,
    b: KernelProcess,
    c: KernelProcess,
    _nats: PrivateNats,
    _postgres: PrivatePostgres,
}

/// The bundled plugins a support desk uses.
fn desk_plugins() -> (std::path::PathBuf, &'static str) {
    (bundled_manifests(), r#"["sysinfo", "scripts"]"#)
}

async fn three_nodes((manifests, plugins): (std::path::PathBuf, &str)) -> Nodes {
    let postgres = PrivatePostgres::start().await;
    let database = postgres.new_database().await;
    let nats = PrivateNats::start().await;
    let accounts = [
        TestAccount::csr("anna", "Anna Berg", "default"),
        TestAccount::csr("bob", "Bo Lind", "default"),
        TestAccount {
            role: "admin",
            ..TestAccount::csr("lee", "Lee Admin", "default")
        },
    ];
    let configure = |name: &str| config(&database, &nats.url(), name, plugins);
    let names = ["node-a", "node-b", "node-c"];
    let mut nodes = configure_nodes(&manifests, &names, configure, &accounts)
        .into_iter()
        .map(StoppedKernel::launch);
    let mut next = || nodes.next().expect("a node for each name");
    Nodes {
        a: next(),
        b: next(),
        c: next(),
        _nats: nats,
        _postgres: postgres,
    }
}

fn command(number: &str, plugin: &str, name: &str, payload: Value) -> Value {
    json!({ "session": number, "plugin": plugin, "name": name, "payload": payload })
}

/// Sends a plugin command from the host's console and answers the consent
/// prompt on the customer's page; the command's reply.
async fn with_consent(host: &mut WsClient, customer: &mut Customer, body: Value) -> Value {
    let id = host.send_request("plugin.command", body).await;
    customer.answer_prompt(true).await;
    let reply = host.reply_to(id).await;
    assert_eq!(reply["type"], "ok", "{reply}");
    reply["body"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_support_session_with_its_people_on_three_nodes() {
    let nodes = three_nodes(desk_plugins()).await;

    // Anna starts the session on node A, which runs it.
    let StartedSession {
        mut console,
        number,
        ..
    } = StartedSession::start(&nodes.a, "anna").await;
    let anna = console
        .ok("session.info", json!({ "session": number }))
        .await["host"]
        .as_str()
        .expect("a host")
        .to_owned();

    // The customer joins by number on node B, and the page there asks for
    // a code for the real agent, which connects to node B as well.
    let mut carl = Customer::join(&nodes.b, &number, "Carl Customer").await;
    assert_eq!(carl.session, number);
    assert_eq!(
        console.event("participant.joined").await["participant"]["display_name"],
        "Carl Customer"
    );
    let state = tempfile::tempdir().expect("temp dir");
    let code = carl.agent_code().await;
    let link_on_b = format!("{}/join/{number}", nodes.b.base_url);
    let agent = AgentProcess::for_page(state.path(), &link_on_b, &code);
    agent
        .wait_for_line(&format!("Connected to support session {number}"))
        .await;

    // System information, with the customer's yes on their page: collected
    // by the agent on node B for Anna on node A.
    let collected = with_consent(
        &mut console,
        &mut carl,
        command(&number, "sysinfo", "collect", Value::Null),
    )
    .await;
    assert_eq!(collected["status"], "ok", "{collected}");
    let titles: Vec<&str> = collected["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .filter_map(|c| c["title"].as_str())
        .collect();
    assert_eq!(titles, SYSINFO_CATEGORY_TITLES);

    // A library script: the category set by the site admin on node C, the
    // script added by Anna on node B, run from her console on node A.
    let anna_on_b = Csr::sign_in(&nodes.b, "anna", "correct horse battery")
        .await
        .expect("anna signs in on node B");
    let id = add_script(
        &nodes.c,
        &anna_on_b,
        "Check",
        "echo checked from $(hostname)\n",
    )
    .await;
    let ran = with_consent(
        &mut console,
        &mut carl,
        command(&number, "scripts", "run", json!({ "scripts": [id] })),
    )
    .await;
    assert_eq!(ran["status"], "done", "{ran}");
    assert!(
        ran["results"][0]["output"]
            .as_str()
            .is_some_and(|o| o.starts_with("checked from ")),
        "{ran}"
    );

    // Bo assists from node C and chats; Anna sees it on node A, the
    // customer on node B.
    let bo = Csr::sign_in(&nodes.c, "bob", "correct horse battery")
        .await
        .expect("bob signs in");
    let mut assistant = bo.console(&nodes.c).await;
    let assisted = assistant
        .ok("session.assist", json!({ "session": number }))
        .await;
    let bo_id = assisted["participant"].as_str().expect("his id").to_owned();
    assert_eq!(assisted["host"], anna);
    console.event("participant.joined").await;
    assistant
        .ok(
            "chat.send",
            json!({ "session": number, "text": "Bo here, from node C" }),
        )
        .await;
    for side in [&mut console, &mut carl.page] {
        chat_says(side, "Bo here, from node C").await;
    }

    // Control passes to Bo and back; each side hears it where it is, and
    // only the CSR in control may drive.
    console
        .ok(
            "session.pass_control",
            json!({ "session": number, "to": bo_id }),
        )
        .await;
    for side in [&mut console, &mut assistant] {
        assert_eq!(side.event("control.passed").await["to"], bo_id);
    }
    let refused = console
        .request(
            "session.pass_control",
            json!({ "session": number, "to": anna }),
        )
        .await;
    assert_eq!(error_of(&refused).0, "forbidden", "{refused}");
    // Bo drives from node C: the customer is asked for him in turn.
    let collected = with_consent(
        &mut assistant,
        &mut carl,
        command(&number, "sysinfo", "collect", Value::Null),
    )
    .await;
    assert_eq!(collected["status"], "ok", "{collected}");
    assistant
        .ok(
            "session.pass_control",
            json!({ "session": number, "to": anna }),
        )
        .await;
    assert_eq!(console.event("control.passed").await["to"], anna);

    // The report, read on node B while the session runs on node A, has it
    // all; after the end the agent says so and exits.
    let report = anna_on_b
        .get(&format!("/api/sessions/{number}/report?format=json"))
        .await;
    assert_eq!(report.status, 200, "{}", report.text);
    assert_report_has(
        &report.body,
        &[
            "session.started",
            "participant.joined",
            "consent.granted",
            "chat",
            "control.passed",
        ],
    );
    console
        .ok("session.end", json!({ "session": number }))
        .await;
    carl.page.event("session.ended").await;
    assistant.event("session.ended").await;
    agent.wait_for_line("The support session ended").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_from_the_running_node_reach_the_client_unchanged() {
    let nodes = three_nodes(desk_plugins()).await;
    let StartedSession {
        mut console,
        number,
        ..
    } = StartedSession::start(&nodes.a, "anna").await;

    // A bad join token on node B: the running node's refusal, not a
    // different one from node B.
    let page = WsClient::connect(
        &nodes.b.ws_url("/ws/customer?token=not-a-token"),
        Some(&nodes.b.base_url),
        None,
    )
    .await;
    assert_eq!(page.err(), Some(401));

    // A real token from a foreign origin: refused as on node A.
    let joined = post_json(
        &nodes.b,
        "/api/join",
        json!({ "session": number, "display_name": "Carl" }),
    )
    .await;
    assert_eq!(joined.status, 200, "{}", joined.text);
    console.event("participant.joined").await;
    let token = joined.body["token"].as_str().expect("token");
    let foreign = WsClient::connect(
        &nodes.b.ws_url(&format!("/ws/customer?token={token}")),
        Some("http://evil.example"),
        None,
    )
    .await;
    assert_eq!(foreign.err(), Some(403));

    // A CSR who is not in the session, from node C: to him it is no
    // running session, as on node A; a display name the rules refuse,
    // joining on node C.
    let bo = Csr::sign_in(&nodes.c, "bob", "correct horse battery")
        .await
        .expect("bob signs in");
    let mut other = bo.console(&nodes.c).await;
    let (code, message) = other
        .refused("session.end", json!({ "session": number }))
        .await;
    assert_eq!(code, "not_found");
    assert_eq!(message, format!("no support session {number} is running"));
    let unnamed = post_json(
        &nodes.c,
        "/api/join",
        json!({ "session": number, "display_name": "   " }),
    )
    .await;
    assert_eq!(unnamed.status, 400, "{}", unnamed.text);

    // Nothing changed: the session runs with its host and one customer.
    let info = console
        .ok("session.info", json!({ "session": number }))
        .await;
    assert_eq!(info["participants"].as_array().expect("list").len(), 2);
}

/// Waits for the chat message `text` (the script's output came by chat
/// before it).
async fn chat_says(side: &mut WsClient, text: &str) {
    for _ in 0..10 {
        if side.event("chat.message").await["text"] == text {
            return;
        }
    }
    panic!("`{text}` never came by chat");
}

/// A customer's application shared across nodes: Anna started the session
/// on node A and gave control to Bo, who assists from node C; the customer
/// and their agent are on node B, where the stream comes from.
struct Sharing {
    _nodes: Nodes,
    /// The customer's page stays open.
    _carl: Customer,
    anna: WsClient,
    bo: WsClient,
    agent: WsClient,
    stream: u32,
}

async fn sharing_across_nodes() -> Sharing {
    let nodes = three_nodes((fixture_manifests(), r#"["stream-opener"]"#)).await;
    let mut anna = Csr::sign_in(&nodes.a, "anna", "correct horse battery")
        .await
        .expect("anna signs in")
        .console(&nodes.a)
        .await;
    let number = anna.start_session().await;
    let mut bo = Csr::sign_in(&nodes.c, "bob", "correct horse battery")
        .await
        .expect("bob signs in")
        .console(&nodes.c)
        .await;
    let bo_id = bo.ok("session.assist", json!({ "session": number })).await["participant"]
        .as_str()
        .expect("his id")
        .to_owned();
    anna.ok(
        "session.pass_control",
        json!({ "session": number, "to": bo_id }),
    )
    .await;
    let mut carl = Customer::join(&nodes.b, &number, "Carl").await;
    let mut agent = carl.connect_agent(&nodes.b).await;
    let hello = AgentRequest::Hello {
        capabilities: vec![Capability::AppShare, Capability::AppControl],
        platform: "test".into(),
        rejoin_after_restart: Default::default(),
    };
    let id = agent.send_typed(&hello).await;
    assert_eq!(agent.reply_to(id).await["type"], "ok");

    let plugin = |name: &str, payload: Value| json!({ "session": number, "plugin": "stream-opener", "name": name, "payload": payload });
    for capability in ["app.share", "app.control"] {
        let asked = plugin(
            "ask",
            json!({ "participant": carl.participant, "capabilities": capability }),
        );
        let answer = with_consent(&mut bo, &mut carl, asked).await;
        assert_eq!(answer, "granted");
    }
    let opened = bo
        .ok(
            "plugin.command",
            plugin(
                "open",
                json!({ "participant": carl.participant, "capability": "app.share", "label": "xterm" }),
            ),
        )
        .await;
    let stream = opened["stream"].as_u64().expect("stream id") as u32;
    for side in [&mut anna, &mut bo, &mut agent] {
        assert_eq!(side.event("stream.opened").await["stream"], stream);
    }
    Sharing {
        _nodes: nodes,
        _carl: carl,
        anna,
        bo,
        agent,
        stream,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_application_crosses_nodes_both_ways() {
    // Bound whole: the nodes and the customer's page must outlive the test.
    let Sharing {
        _nodes,
        _carl,
        mut anna,
        mut bo,
        mut agent,
        stream,
    } = sharing_across_nodes().await;

    // A picture as large as a shared application sends, from node B to
    // viewers on nodes A and C, byte for byte.
    let large = vec![0x5a; MAX_PICTURE_BYTES - 1024];
    let picture = frame(FrameKind::Picture, stream, 1, true, &large);
    agent.send_binary(picture.clone()).await;
    assert!(anna.binary().await == picture, "Anna's picture differs");
    assert!(bo.binary().await == picture, "Bo's picture differs");

    // Acknowledgements and input from node C reach the agent on node B:
    // Bo drives.
    anna.send_binary(ack(stream, 1)).await;
    bo.send_binary(ack(stream, 1)).await;
    assert_eq!(decoded(&agent.binary().await), (FrameKind::Ack, stream, 1));
    let click = input(stream, 2);
    bo.send_binary(click.clone()).await;
    assert_eq!(agent.binary().await, click);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_on_another_node_is_paced_as_on_the_same_node() {
    // Bound whole: the nodes and the customer's page must outlive the test.
    let Sharing {
        _nodes,
        _carl,
        mut anna,
        mut bo,
        mut agent,
        stream,
    } = sharing_across_nodes().await;
    // A keyframe first; then Anna (on the session's node) acknowledges
    // everything and Bo (on node C) nothing: he gets two pictures, then
    // nothing until he catches up, as on one node.
    for sequence in 1..=8 {
        agent
            .send_binary(picture(stream, sequence, sequence == 1))
            .await;
        assert_eq!(decoded(&anna.binary().await).2, sequence);
        anna.send_binary(ack(stream, sequence)).await;
        assert_eq!(
            decoded(&agent.binary().await),
            (FrameKind::Ack, stream, sequence)
        );
    }
    assert_eq!(decoded(&bo.binary().await).2, 1);
    assert_eq!(decoded(&bo.binary().await).2, 2);
    // Bo catches up: a keyframe is asked of the source on node B, and he
    // resumes with it, never with a delta he cannot decode.
    bo.send_binary(ack(stream, 2)).await;
    assert_eq!(
        decoded(&agent.binary().await),
        (FrameKind::KeyframeRequest, stream, 0)
    );
    agent.send_binary(picture(stream, 9, false)).await;
    agent.send_binary(picture(stream, 10, true)).await;
    assert_eq!(decoded(&anna.binary().await).2, 9);
    assert_eq!(decoded(&anna.binary().await).2, 10);
    assert_eq!(
        decoded(&bo.binary().await).2,
        10,
        "Bo resumes at the keyframe"
    );
    assert_eq!(bo.pending_binaries(), 0, "nothing else reached Bo");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_from_a_relayed_page_is_answered_whole_and_in_order() {
    let nodes = three_nodes(desk_plugins()).await;
    let StartedSession {
        mut console,
        number,
        ..
    } = StartedSession::start(&nodes.a, "anna").await;
    // The page is on node B; node A takes its frames a few at a time (the
    // relay's window) and the rest wait on node B, unread, meanwhile.
    let mut carl = Customer::join(&nodes.b, &number, "Carl").await;
    console.event("participant.joined").await;
    const BURST: usize = 60;
    let mut ids = Vec::with_capacity(BURST);
    for n in 0..BURST {
        ids.push(
            carl.page
                .send_request("chat.send", json!({ "text": format!("line {n}") }))
                .await,
        );
    }
    // Every message is answered — sent, or refused by the page's message
    // budget as it would be on node A — and none is lost on the way.
    let mut sent = Vec::new();
    for (n, id) in ids.into_iter().enumerate() {
        let reply = carl.page.reply_to(id).await;
        match reply["type"].as_str() {
            Some("ok") => sent.push(format!("line {n}")),
            _ => assert_eq!(error_of(&reply).0, "rate_limited", "{reply}"),
        }
    }
    assert!(!sent.is_empty(), "the budget let some through");
    // The console hears the ones sent, in the order they were sent.
    for text in &sent {
        chat_says(&mut console, text).await;
    }
}
