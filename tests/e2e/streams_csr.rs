//! Streams the other way, through a running kernel: the host CSR shows the
//! customers an application from their own agent (joined with a code the
//! host's console asked for) or a screen from their console. A real plugin
//! API 0.2 plugin (`stream-opener`) opens the streams and gives and takes
//! control. A customer's page is told of what is shown, gets no picture
//! before it asks (its first keyframe request) and every picture after;
//! input reaches the CSR's agent only from the customer given control, and
//! no longer once the plugin, the CSR's computer or the customer leaving
//! ends it; the host's agent runs only what shows applications; a
//! customer's own share keeps its rules; selecting another customer ends
//! what the CSR shows.

use serde_json::{Value, json};
use tether_protocol::stream::{FrameKind, StreamId};
use tether_protocol::{AgentRequest, Capability, RawJson};
use tether_tests::clients::{Csr, Customer, PATIENCE, WsClient, connect_agent, host_agent_query};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::stream_frames::{
    ack, decoded, input, keyframe_request, picture, refused_so_far, wait_for_refused,
};

const CONFIG: &str = r#"
[sessions]
consent_timeout_secs = 20
join_attempts_per_minute = 1000

[sites.default]
name = "Default"
plugins = ["stream-opener"]
"#;

const PASSWORD: &str = "correct horse battery";

struct Setup {
    kernel: KernelProcess,
    number: String,
    anna: WsClient,
    anna_id: String,
    bob: WsClient,
    bob_id: String,
    carl: Customer,
    /// The host's own agent (Anna's computer).
    host_agent: WsClient,
}

/// Anna hosts, Bob assists, Carl joins; Anna's own agent joins with a code
/// from her console and offers the application capabilities (and system
/// information, which the kernel must never ask of it).
async fn setup() -> Setup {
    let accounts = [
        TestAccount::csr("anna", "Anna Berg", "default"),
        TestAccount::csr("bob", "Bob Lind", "default"),
        TestAccount::csr("cleo", "Cleo Falk", "default"),
    ];
    let kernel = KernelProcess::configure(&fixture_manifests(), CONFIG, &accounts).launch();
    let mut anna = console(&kernel, "anna").await;
    let started = anna.ok("session.start", json!({})).await;
    let number = started["session"].as_str().expect("number").to_owned();
    let anna_id = started["participant"].as_str().expect("id").to_owned();
    let mut bob = console(&kernel, "bob").await;
    let assisted = bob.ok("session.assist", json!({ "session": number })).await;
    let bob_id = assisted["participant"].as_str().expect("id").to_owned();
    let carl = Customer::join(&kernel, &number, "Carl").await;

    let query = host_agent_query(&mut anna, &number).await;
    let mut host_agent = connect_agent(&kernel, &query).await;
    let hello = AgentRequest::Hello {
        capabilities: vec![
            Capability::AppList,
            Capability::AppInstalled,
            Capability::AppLaunch,
            Capability::AppShare,
            Capability::SysinfoCollect,
        ],
        platform: "test".into(),
        rejoin_after_restart: Default::default(),
    };
    let id = host_agent.send_typed(&hello).await;
    assert_eq!(host_agent.reply_to(id).await["type"], "ok");
    Setup {
        kernel,
        number,
        anna,
        anna_id,
        bob,
        bob_id,
        carl,
        host_agent,
    }
}

async fn console(kernel: &KernelProcess, username: &str) -> WsClient {
    Csr::sign_in(kernel, username, PASSWORD)
        .await
        .expect("signs in")
        .console(kernel)
        .await
}

/// A command to `stream-opener` from the host's console; its reply.
async fn plugin(s: &mut Setup, name: &str, payload: Value) -> Value {
    let body =
        json!({ "session": s.number, "plugin": "stream-opener", "name": name, "payload": payload });
    let reply = s.anna.request("plugin.command", body).await;
    assert_eq!(reply["type"], "ok", "{name}: {reply}");
    reply["body"].clone()
}

fn refusal(reply: &Value) -> &str {
    reply["refused"]
        .as_str()
        .unwrap_or_else(|| panic!("refused: {reply}"))
}

/// Anna shows `label` from her own agent; the stream's id.
async fn show(s: &mut Setup, label: &str) -> u32 {
    let anna_id = s.anna_id.clone();
    let opened = plugin(
        s,
        "open",
        json!({ "participant": anna_id, "capability": "app.share", "label": label }),
    )
    .await;
    opened["stream"]
        .as_u64()
        .unwrap_or_else(|| panic!("opened: {opened}")) as u32
}

async fn give(s: &mut Setup, stream: u32, to: &str) -> Value {
    plugin(s, "give", json!({ "stream": stream, "to": to })).await
}

/// The plugin's record of its kernel events, once it has at least `count`.
async fn plugin_events(s: &mut Setup, count: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let seen = plugin(s, "closed", json!({})).await;
        if let Some(list) = seen.as_array().filter(|list| list.len() >= count) {
            return list.clone();
        }
        assert!(std::time::Instant::now() < deadline, "no plugin event");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Checks that nothing of what was sent before reached the agent: the
/// next frame it gets is the acknowledgement `sequence` from Bob.
async fn agent_got_nothing_before(s: &mut Setup, stream: u32, sequence: u32) {
    s.host_agent
        .send_binary(picture(stream, sequence, true))
        .await;
    assert_eq!(decoded(&s.bob.binary().await).2, sequence);
    s.bob.send_binary(ack(stream, sequence)).await;
    assert_eq!(
        decoded(&s.host_agent.binary().await),
        (FrameKind::Ack, stream, sequence),
        "nothing else reached the CSR's agent first"
    );
}

async fn report(kernel: &KernelProcess, number: &str) -> String {
    let anna = Csr::sign_in(kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    anna.get(&format!("/api/sessions/{number}/report?format=text"))
        .await
        .text
}

#[tokio::test]
async fn the_host_shows_an_application_and_gives_one_customer_control() {
    let mut s = setup().await;
    // Anna's console learns that her own agent is there, and what it offers.
    let agent = s.anna.event("participant.agent").await;
    assert_eq!(agent["participant"], s.anna_id.as_str(), "{agent}");
    assert!(
        agent["capabilities"]
            .as_array()
            .expect("capabilities")
            .contains(&json!("app.share"))
    );
    let info = s
        .anna
        .ok("session.info", json!({ "session": s.number }))
        .await;
    assert!(
        info["agents"][&s.anna_id]
            .as_array()
            .is_some_and(|offered| offered.contains(&json!("app.list"))),
        "{info}"
    );

    let stream = show(&mut s, "Calculator").await;
    // Everyone hears of it: the customers' pages and the assistant to see
    // it, Anna's console to list it, her agent to send it.
    for listener in [&mut s.carl.page, &mut s.bob, &mut s.anna, &mut s.host_agent] {
        let opened = listener.event("stream.opened").await;
        assert_eq!(opened["stream"], stream, "{opened}");
        assert_eq!(opened["origin"], "csr_agent", "{opened}");
        assert_eq!(opened["source"], s.anna_id.as_str());
        assert_eq!(opened["controller"], Value::Null);
    }
    // A customer who joins now is told of it on connecting.
    let mut dora = Customer::join(&s.kernel, &s.number, "Dora").await;
    let opened = dora.page.event("stream.opened").await;
    assert_eq!(
        (opened["stream"].as_u64(), opened["origin"].as_str()),
        (Some(u64::from(stream)), Some("csr_agent"))
    );
    let listed = plugin(&mut s, "list", json!({})).await;
    assert_eq!(listed[0]["origin"], "StreamOrigin::CsrAgent", "{listed}");

    // The assistant sees it at once; the customers only once they ask.
    s.host_agent.send_binary(picture(stream, 1, true)).await;
    assert_eq!(decoded(&s.bob.binary().await).2, 1);
    s.bob.send_binary(ack(stream, 1)).await;
    assert_eq!(
        decoded(&s.host_agent.binary().await),
        (FrameKind::Ack, stream, 1)
    );
    // Carl's View: his first keyframe request, which reaches the agent.
    s.carl.page.send_binary(keyframe_request(stream)).await;
    assert_eq!(
        s.host_agent.binary().await,
        keyframe_request(stream),
        "the request reaches the source"
    );
    s.host_agent.send_binary(picture(stream, 2, true)).await;
    assert_eq!(
        decoded(&s.carl.page.binary().await).2,
        2,
        "Carl's first picture is the keyframe after he asked (none before)"
    );
    assert_eq!(decoded(&s.bob.binary().await).2, 2);
    s.carl.page.send_binary(ack(stream, 2)).await;
    assert_eq!(
        decoded(&s.host_agent.binary().await),
        (FrameKind::Ack, stream, 2)
    );
    dora.page.send_binary(keyframe_request(stream)).await;
    assert_eq!(s.host_agent.binary().await, keyframe_request(stream));

    // Input: nobody has control yet. Carl and Dora (viewers), Bob (an
    // assistant), Anna's console (it shows, it does not view), and a
    // customer of another session are all refused and counted.
    let mut cleo = console(&s.kernel, "cleo").await;
    let other = cleo.start_session().await;
    let mut eve = Customer::join(&s.kernel, &other, "Eve").await;
    let before = refused_so_far(&s.kernel).await;
    s.carl.page.send_binary(input(stream, 1)).await;
    dora.page.send_binary(input(stream, 2)).await;
    s.bob.send_binary(input(stream, 3)).await;
    s.anna.send_binary(input(stream, 4)).await;
    eve.page.send_binary(input(stream, 5)).await;
    wait_for_refused(&s.kernel, before + 5).await;
    agent_got_nothing_before(&mut s, stream, 3).await;

    // Errors change nothing: an unknown stream, a CSR, a stranger.
    let bob_id = s.bob_id.clone();
    for (to, words) in [
        (bob_id.as_str(), "Invalid"),
        ("p-nobody", "UnknownParticipant"),
    ] {
        let refused = give(&mut s, stream, to).await;
        assert!(refusal(&refused).contains(words), "{refused}");
    }
    let carl_id = s.carl.participant.clone();
    let refused = give(&mut s, stream ^ 0x5a5a, &carl_id).await;
    assert!(refusal(&refused).contains("UnknownStream"), "{refused}");

    // Control to Carl: everyone hears of it, and his input reaches the agent.
    assert_eq!(give(&mut s, stream, &carl_id).await["given"], stream);
    for listener in [
        &mut s.carl.page,
        &mut dora.page,
        &mut s.bob,
        &mut s.anna,
        &mut s.host_agent,
    ] {
        let control = listener.event("stream.control").await;
        assert_eq!(control["stream"], stream);
        assert_eq!(control["controller"], carl_id.as_str(), "{control}");
    }
    let click = input(stream, 10);
    s.carl.page.send_binary(click.clone()).await;
    assert_eq!(
        s.host_agent.binary().await,
        click,
        "Carl's input, in control"
    );
    let before = refused_so_far(&s.kernel).await;
    dora.page.send_binary(input(stream, 11)).await;
    s.bob.send_binary(input(stream, 12)).await;
    wait_for_refused(&s.kernel, before + 2).await;
    let info = s
        .bob
        .ok("session.info", json!({ "session": s.number }))
        .await;
    assert_eq!(info["streams"][0]["controller"], carl_id.as_str(), "{info}");
    assert_eq!(info["streams"][0]["origin"], "csr_agent");

    // Given to Dora instead: Carl's input no longer counts.
    let dora_id = dora.participant.clone();
    give(&mut s, stream, &dora_id).await;
    assert_eq!(
        s.carl.page.event("stream.control").await["controller"],
        dora_id.as_str()
    );
    let before = refused_so_far(&s.kernel).await;
    s.carl.page.send_binary(input(stream, 13)).await;
    wait_for_refused(&s.kernel, before + 1).await;
    let key = input(stream, 14);
    dora.page.send_binary(key.clone()).await;
    assert_eq!(s.host_agent.binary().await, key, "Dora's input");

    // The plugin takes it back.
    assert_eq!(
        plugin(&mut s, "take", json!({ "stream": stream })).await["taken"],
        stream
    );
    for listener in [&mut s.carl.page, &mut s.host_agent] {
        // Carl's page heard of Dora's control first.
        let control = listener.event("stream.control").await;
        let control = if control["controller"].is_null() {
            control
        } else {
            listener.event("stream.control").await
        };
        assert_eq!(control["controller"], Value::Null, "{control}");
    }
    let before = refused_so_far(&s.kernel).await;
    dora.page.send_binary(input(stream, 15)).await;
    wait_for_refused(&s.kernel, before + 1).await;
    agent_got_nothing_before(&mut s, stream, 4).await;

    // Anna takes it back on her computer (the indicator): only for a
    // stream her agent sends.
    give(&mut s, stream, &carl_id).await;
    s.carl.page.event("stream.control").await;
    s.host_agent.event("stream.control").await;
    let elsewhere = AgentRequest::StreamTakeBack {
        stream: StreamId::new(stream ^ 0x5a5a).expect("not 0"),
    };
    let id = s.host_agent.send_typed(&elsewhere).await;
    assert_eq!(s.host_agent.reply_to(id).await["type"], "error");
    let take_back = AgentRequest::StreamTakeBack {
        stream: StreamId::new(stream).expect("not 0"),
    };
    let id = s.host_agent.send_typed(&take_back).await;
    assert_eq!(s.host_agent.reply_to(id).await["type"], "ok");
    for listener in [&mut s.carl.page, &mut s.host_agent] {
        let control = listener.event("stream.control").await;
        assert_eq!(control["controller"], Value::Null, "{control}");
    }
    let before = refused_so_far(&s.kernel).await;
    s.carl.page.send_binary(input(stream, 16)).await;
    wait_for_refused(&s.kernel, before + 1).await;
    agent_got_nothing_before(&mut s, stream, 5).await;
    let events = plugin_events(&mut s, 1).await;
    assert_eq!(events[0]["stream"], stream, "{events:?}");
    assert_eq!(
        events[0]["control_cause"],
        "ControlCause::TakenBackOnComputer"
    );
    assert_eq!(events[0]["controller"], Value::Null);

    // Carl in control leaves: nobody controls it, the stream goes on.
    give(&mut s, stream, &carl_id).await;
    s.host_agent.event("stream.control").await;
    s.carl.page.ok("session.leave", json!({})).await;
    let control = s.host_agent.event("stream.control").await;
    assert_eq!(control["controller"], Value::Null, "{control}");
    let events = plugin_events(&mut s, 2).await;
    assert_eq!(events[1]["control_cause"], "ControlCause::ControllerLeft");
    assert_eq!(plugin(&mut s, "list", json!({})).await[0]["stream"], stream);
    agent_got_nothing_before(&mut s, stream, 6).await;

    let report = report(&s.kernel, &s.number).await;
    for words in [
        "Anna Berg shows \"Calculator\" from their computer",
        "control of \"Calculator\" given to Carl",
        "control of \"Calculator\" given to Dora",
        "control of \"Calculator\" taken back from Dora",
        "taken back from Carl on Anna Berg's computer",
        "taken back: Carl left the session",
    ] {
        assert!(report.contains(words), "{words}: {report}");
    }
}

#[tokio::test]
async fn the_hosts_agent_runs_only_what_shows_applications() {
    let mut s = setup().await;
    let anna_id = s.anna_id.clone();
    // What shows applications reaches Anna's agent, without any consent.
    let body = json!({ "session": s.number, "plugin": "stream-opener", "name": "call",
                       "payload": { "participant": anna_id, "capability": "app.list", "input": {} } });
    let id = s.anna.send_request("plugin.command", body).await;
    let call = s.host_agent.event("agent.call").await;
    assert_eq!(call["capability"], "app.list");
    let result = AgentRequest::Result {
        call: call["call"].as_str().expect("call").to_owned(),
        output: Some(RawJson::from_value(&json!({ "applications": [] })).expect("JSON")),
        error: None,
        lasting: false,
    };
    s.host_agent.send_typed(&result).await;
    let reply = s.anna.reply_to(id).await;
    assert_eq!(reply["body"], json!({ "applications": [] }), "{reply}");

    // Anything else is refused before it reaches the agent.
    let refused = plugin(
        &mut s,
        "call",
        json!({ "participant": anna_id, "capability": "sysinfo.collect", "input": {} }),
    )
    .await;
    let words = refusal(&refused);
    assert!(
        words.contains("NoConsent") && words.contains("never runs on a CSR's computer"),
        "{refused}"
    );
    // No prompt can be put to a CSR either.
    let asked = s
        .anna
        .request(
            "plugin.command",
            json!({ "session": s.number, "plugin": "stream-opener", "name": "ask",
                    "payload": { "participant": anna_id, "capabilities": "sysinfo.collect" } }),
        )
        .await;
    assert_eq!(asked["type"], "error", "{asked}");

    // An assistant asks for no agent code; once Anna passes control to
    // Bob, her agent is an assistant's and runs nothing.
    let bob_id = s.bob_id.clone();
    let (code, _) = s
        .bob
        .refused("agent.code", json!({ "session": s.number }))
        .await;
    assert_eq!(code, "forbidden");
    s.anna
        .ok(
            "session.pass_control",
            json!({ "session": s.number, "to": bob_id }),
        )
        .await;
    let body = json!({ "session": s.number, "plugin": "stream-opener", "name": "call",
                       "payload": { "participant": anna_id, "capability": "app.list", "input": {} } });
    let reply = s.bob.ok("plugin.command", body).await;
    let words = refusal(&reply);
    assert!(
        words.contains("NoConsent") && words.contains("not the session's host"),
        "{reply}"
    );
    let body = json!({ "session": s.number, "plugin": "stream-opener", "name": "open",
                       "payload": { "participant": anna_id, "capability": "app.share", "label": "x" } });
    let reply = s.bob.ok("plugin.command", body).await;
    assert!(refusal(&reply).contains("NoConsent"), "{reply}");

    // Control back to Anna: her agent runs what shows applications again,
    // and the first call it gets is this one (none of the refused ones).
    s.bob
        .ok(
            "session.pass_control",
            json!({ "session": s.number, "to": anna_id }),
        )
        .await;
    let body = json!({ "session": s.number, "plugin": "stream-opener", "name": "call",
                       "payload": { "participant": anna_id, "capability": "app.installed", "input": {} } });
    s.anna.send_request("plugin.command", body).await;
    let call = s.host_agent.event("agent.call").await;
    assert_eq!(call["capability"], "app.installed", "{call}");
    let report = report(&s.kernel, &s.number).await;
    assert!(
        report.contains("sysinfo.collect without consent"),
        "{report}"
    );
}

#[tokio::test]
async fn the_host_shows_a_screen_from_the_console() {
    let mut s = setup().await;
    let anna_id = s.anna_id.clone();
    let opened = plugin(
        &mut s,
        "open_from_browser",
        json!({ "participant": anna_id, "label": "Screen 1" }),
    )
    .await;
    let stream = opened["stream"].as_u64().expect("stream") as u32;
    for listener in [&mut s.carl.page, &mut s.bob, &mut s.anna] {
        let opened = listener.event("stream.opened").await;
        assert_eq!(opened["stream"], stream);
        assert_eq!(opened["origin"], "csr_browser", "{opened}");
        assert_eq!(opened["capability"], "app.share");
    }
    // Only the host's console sends it.
    let bob_id = s.bob_id.clone();
    let carl_id = s.carl.participant.clone();
    for source in [&bob_id, &carl_id] {
        let refused = plugin(
            &mut s,
            "open_from_browser",
            json!({ "participant": source, "label": "x" }),
        )
        .await;
        assert!(refusal(&refused).contains("NoConsent"), "{refused}");
    }

    // The console's pictures go to Bob at once and to Carl once he asks;
    // what the viewers send goes back to the console.
    s.anna.send_binary(picture(stream, 1, true)).await;
    assert_eq!(decoded(&s.bob.binary().await).2, 1);
    s.bob.send_binary(ack(stream, 1)).await;
    assert_eq!(decoded(&s.anna.binary().await), (FrameKind::Ack, stream, 1));
    s.carl.page.send_binary(keyframe_request(stream)).await;
    assert_eq!(s.anna.binary().await, keyframe_request(stream));
    let keyframe = picture(stream, 2, true);
    s.anna.send_binary(keyframe.clone()).await;
    assert_eq!(s.carl.page.binary().await, keyframe, "byte for byte");
    assert_eq!(decoded(&s.bob.binary().await).2, 2);
    s.carl.page.send_binary(ack(stream, 2)).await;
    assert_eq!(decoded(&s.anna.binary().await), (FrameKind::Ack, stream, 2));

    // A page that comes back (a reload) is told of it and asks again
    // before it gets pictures.
    s.carl.page.close().await;
    s.carl.page = WsClient::customer_page(&s.kernel, &s.carl.token).await;
    assert_eq!(s.carl.page.event("stream.opened").await["stream"], stream);
    s.anna.send_binary(picture(stream, 3, true)).await;
    assert_eq!(decoded(&s.bob.binary().await).2, 3);
    s.bob.send_binary(ack(stream, 3)).await;
    assert_eq!(decoded(&s.anna.binary().await), (FrameKind::Ack, stream, 3));
    s.carl.page.send_binary(keyframe_request(stream)).await;
    assert_eq!(s.anna.binary().await, keyframe_request(stream));
    s.anna.send_binary(picture(stream, 4, true)).await;
    assert_eq!(
        decoded(&s.carl.page.binary().await).2,
        4,
        "the first picture after the page came back is the one after it asked"
    );

    // Nobody controls a browser's stream; the host's agent does not send it.
    let refused = give(&mut s, stream, &carl_id).await;
    assert!(refusal(&refused).contains("Invalid"), "{refused}");
    let before = refused_so_far(&s.kernel).await;
    s.carl.page.send_binary(input(stream, 1)).await;
    s.host_agent.send_binary(picture(stream, 5, true)).await;
    wait_for_refused(&s.kernel, before + 2).await;

    // The agent leaving ends what it shows, not what the console shows.
    let shown = show(&mut s, "Editor").await;
    assert_eq!(
        s.host_agent.event("stream.opened").await["stream"],
        shown,
        "the agent was never told of the console's stream"
    );
    s.host_agent.close().await;
    let closed = s.carl.page.event("stream.closed").await;
    assert_eq!(
        (closed["stream"].as_u64(), closed["reason"].as_str()),
        (Some(u64::from(shown)), Some("the host agent disconnected"))
    );
    let listed = plugin(&mut s, "list", json!({})).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["stream"], stream);

    // The console closing ends it, for everyone and the plugin.
    s.anna.close().await;
    for listener in [&mut s.carl.page, &mut s.bob] {
        let closed = loop {
            let closed = listener.event("stream.closed").await;
            if closed["stream"] == stream {
                break closed;
            }
        };
        assert_eq!(closed["reason"], "the CSR's console closed", "{closed}");
    }
}

#[tokio::test]
async fn a_customers_share_keeps_its_rules_next_to_what_the_host_shows() {
    let mut s = setup().await;
    let mut carl_agent = s.carl.connect_agent(&s.kernel).await;
    let hello = AgentRequest::Hello {
        capabilities: vec![Capability::AppShare, Capability::AppControl],
        platform: "test".into(),
        rejoin_after_restart: Default::default(),
    };
    let id = carl_agent.send_typed(&hello).await;
    assert_eq!(carl_agent.reply_to(id).await["type"], "ok");
    let mut dora = Customer::join(&s.kernel, &s.number, "Dora").await;
    let carl_id = s.carl.participant.clone();
    let body = json!({ "session": s.number, "plugin": "stream-opener", "name": "ask",
                       "payload": { "participant": carl_id, "capabilities": "app.share" } });
    let id = s.anna.send_request("plugin.command", body).await;
    s.carl.answer_prompt(true).await;
    assert_eq!(s.anna.reply_to(id).await["body"], "granted");
    let opened = plugin(
        &mut s,
        "open",
        json!({ "participant": carl_id, "capability": "app.share", "label": "xterm" }),
    )
    .await;
    let stream = opened["stream"].as_u64().expect("stream") as u32;
    for listener in [&mut s.anna, &mut s.bob, &mut s.carl.page, &mut carl_agent] {
        let opened = listener.event("stream.opened").await;
        assert_eq!(opened["origin"], "customer_agent", "{opened}");
    }

    // To the CSRs only: another customer asking is refused, and so is
    // giving control of it.
    let before = refused_so_far(&s.kernel).await;
    dora.page.send_binary(keyframe_request(stream)).await;
    s.carl.page.send_binary(keyframe_request(stream)).await;
    wait_for_refused(&s.kernel, before + 2).await;
    carl_agent.send_binary(picture(stream, 1, true)).await;
    assert_eq!(decoded(&s.anna.binary().await).2, 1);
    assert_eq!(decoded(&s.bob.binary().await).2, 1);
    let refused = give(&mut s, stream, &carl_id).await;
    assert!(refusal(&refused).contains("Invalid"), "{refused}");
    // The host's input still needs the customer's control permission.
    let before = refused_so_far(&s.kernel).await;
    s.anna.send_binary(input(stream, 1)).await;
    wait_for_refused(&s.kernel, before + 1).await;
    s.anna.send_binary(ack(stream, 1)).await;
    assert_eq!(
        decoded(&carl_agent.binary().await),
        (FrameKind::Ack, stream, 1)
    );
    // Only Carl's own agent hears of his share, not the host's agent, nor
    // Dora's page: the first they hear of is what the host shows next.
    let shown = show(&mut s, "Calculator").await;
    assert_eq!(s.host_agent.event("stream.opened").await["stream"], shown);
    assert_eq!(dora.page.event("stream.opened").await["stream"], shown);
    assert_eq!(dora.page.pending_binaries(), 0);
    assert_eq!(s.carl.page.pending_binaries(), 0);
}

#[tokio::test]
async fn selecting_another_customer_ends_what_the_host_shows() {
    let mut s = setup().await;
    let dora = Customer::join(&s.kernel, &s.number, "Dora").await;
    let carl_id = s.carl.participant.clone();
    s.anna
        .ok(
            "session.select_customer",
            json!({ "session": s.number, "participant": carl_id }),
        )
        .await;
    let shown = show(&mut s, "Calculator").await;
    let anna_id = s.anna_id.clone();
    let screen = plugin(
        &mut s,
        "open_from_browser",
        json!({ "participant": anna_id, "label": "Screen" }),
    )
    .await["stream"]
        .as_u64()
        .expect("stream") as u32;
    s.anna
        .ok(
            "session.select_customer",
            json!({ "session": s.number, "participant": dora.participant }),
        )
        .await;
    let mut ended = Vec::new();
    while ended.len() < 2 {
        let closed = s.carl.page.event("stream.closed").await;
        assert_eq!(closed["reason"], "another customer was selected");
        ended.push(closed["stream"].as_u64().expect("stream") as u32);
    }
    ended.sort_unstable();
    let mut expected = vec![shown, screen];
    expected.sort_unstable();
    assert_eq!(ended, expected);
    let closed = s.host_agent.event("stream.closed").await;
    assert_eq!(closed["stream"], shown, "the agent stops sending");
    assert_eq!(plugin(&mut s, "list", json!({})).await, json!([]));
}
