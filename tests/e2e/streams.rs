//! Streams through a running kernel: a real plugin API 0.2 plugin
//! (`stream-opener`) opens a stream under the customer's permission; the
//! customer's agent connection sends pictures as binary frames, which reach
//! every CSR of the session unchanged and never a plugin; input goes back
//! from the host only, under a live control permission; viewers pace the
//! source; frames a socket may not send are dropped and counted; and the
//! events that end activities close the stream at once.

use serde_json::{Value, json};
use tether_protocol::stream::{FrameKind, StreamId};
use tether_protocol::{AgentRequest, Capability};
use tether_tests::clients::{Csr, Customer, WsClient};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::stream_frames::{
    ack, decoded, frame, input, malformed_input, picture, refused_so_far, wait_for_refused,
};

const CONFIG: &str = r#"
[sessions]
consent_timeout_secs = 20
join_attempts_per_minute = 1000

[sites.default]
name = "Default"
plugins = ["stream-opener"]
"#;

struct Setup {
    kernel: KernelProcess,
    anna: WsClient,
    bob: WsClient,
    bob_id: String,
    number: String,
    customer: Customer,
    agent: WsClient,
}

async fn setup() -> Setup {
    let accounts = [
        TestAccount::csr("anna", "Anna Berg", "default"),
        TestAccount::csr("bob", "Bob Lind", "default"),
    ];
    let kernel = KernelProcess::configure(&fixture_manifests(), CONFIG, &accounts).launch();
    let mut anna = Csr::sign_in(&kernel, "anna", "correct horse battery")
        .await
        .expect("anna signs in")
        .console(&kernel)
        .await;
    let number = anna.start_session().await;
    let mut bob = Csr::sign_in(&kernel, "bob", "correct horse battery")
        .await
        .expect("bob signs in")
        .console(&kernel)
        .await;
    let assisted = bob.ok("session.assist", json!({ "session": number })).await;
    let bob_id = assisted["participant"]
        .as_str()
        .expect("participant")
        .to_owned();
    let mut customer = Customer::join(&kernel, &number, "Carl").await;
    let mut agent = customer.connect_agent(&kernel).await;
    let hello = AgentRequest::Hello {
        capabilities: vec![Capability::AppShare, Capability::AppControl],
        platform: "test".into(),
        rejoin_after_restart: Default::default(),
    };
    let id = agent.send_typed(&hello).await;
    assert_eq!(agent.reply_to(id).await["type"], "ok");
    Setup {
        kernel,
        anna,
        bob,
        bob_id,
        number,
        customer,
        agent,
    }
}

async fn plugin(s: &mut Setup, name: &str, payload: Value) -> Value {
    let body =
        json!({ "session": s.number, "plugin": "stream-opener", "name": name, "payload": payload });
    let reply = s.anna.request("plugin.command", body).await;
    assert_eq!(reply["type"], "ok", "{name}: {reply}");
    reply["body"].clone()
}

/// Asks the customer for `capabilities` and answers on their page; returns
/// the grant ids.
async fn granted(s: &mut Setup, capabilities: &str) -> Vec<String> {
    let body = json!({ "session": s.number, "plugin": "stream-opener", "name": "ask",
                       "payload": { "participant": s.customer.participant, "capabilities": capabilities } });
    let id = s.anna.send_request("plugin.command", body).await;
    let prompt = s.customer.page.event("consent.prompt").await;
    s.customer
        .page
        .ok(
            "consent.answer",
            json!({ "request": prompt["request"], "granted": true }),
        )
        .await;
    assert_eq!(s.anna.reply_to(id).await["body"], "granted");
    let answered = s.customer.page.event("consent.answered").await;
    serde_json::from_value(answered["grants"].clone()).expect("grant ids")
}

async fn open(s: &mut Setup, label: &str) -> Value {
    let participant = s.customer.participant.clone();
    plugin(
        s,
        "open",
        json!({ "participant": participant, "capability": "app.share", "label": label }),
    )
    .await
}

#[tokio::test]
async fn pictures_reach_every_csr_input_only_from_the_host_under_control() {
    let mut s = setup().await;

    // Without the customer's permission there is no stream.
    let refused = open(&mut s, "xterm").await;
    assert!(
        refused["refused"]
            .as_str()
            .expect("refused")
            .contains("NoConsent"),
        "{refused}"
    );
    let view = granted(&mut s, "app.share").await.remove(0);
    // A label with control characters is refused.
    let participant = s.customer.participant.clone();
    let bad = plugin(
        &mut s,
        "open",
        json!({ "participant": participant, "capability": "app.share", "label": "x\u{7}" }),
    )
    .await;
    assert!(
        bad["refused"]
            .as_str()
            .expect("refused")
            .contains("Invalid"),
        "{bad}"
    );

    let opened = open(&mut s, "xterm").await;
    let stream = opened["stream"].as_u64().expect("stream id") as u32;
    for viewer in [&mut s.anna, &mut s.bob] {
        let event = viewer.event("stream.opened").await;
        assert_eq!(event["stream"], stream);
        assert_eq!(event["label"], "xterm");
        assert_eq!(event["capability"], "app.share");
    }
    assert_eq!(s.agent.event("stream.opened").await["stream"], stream);
    let listed = plugin(&mut s, "list", json!({})).await;
    assert_eq!(listed[0]["stream"], stream, "{listed}");

    // A picture reaches both CSRs byte for byte.
    let first = picture(stream, 1, true);
    s.agent.send_binary(first.clone()).await;
    assert_eq!(s.anna.binary().await, first);
    assert_eq!(s.bob.binary().await, first);

    // Acknowledgements pace the source: each sequence reaches it once.
    s.anna.send_binary(ack(stream, 1)).await;
    s.bob.send_binary(ack(stream, 1)).await;
    assert_eq!(
        decoded(&s.agent.binary().await),
        (FrameKind::Ack, stream, 1)
    );

    // Input: not from an assistant, not without control, not malformed.
    let before = refused_so_far(&s.kernel).await;
    s.bob.send_binary(input(stream, 1)).await;
    s.anna.send_binary(input(stream, 2)).await;
    s.anna.send_binary(malformed_input(stream, 3)).await;
    // Then the host acknowledges the next picture: it is the first thing
    // the agent gets, so none of the input above went through.
    s.agent.send_binary(picture(stream, 2, false)).await;
    s.anna.binary().await;
    s.bob.binary().await;
    s.anna.send_binary(ack(stream, 2)).await;
    assert_eq!(
        decoded(&s.agent.binary().await),
        (FrameKind::Ack, stream, 2)
    );

    granted(&mut s, "app.control").await;
    s.anna.send_binary(malformed_input(stream, 4)).await;
    let good = input(stream, 5);
    s.anna.send_binary(good.clone()).await;
    assert_eq!(
        s.agent.binary().await,
        good,
        "the host's input, under control"
    );
    s.bob.send_binary(input(stream, 6)).await;

    // Forged frames: the customer's page, a CSR sending pictures, the
    // agent sending input, a stream that does not exist, a broken header.
    s.customer.page.send_binary(picture(stream, 9, true)).await;
    s.customer.page.send_binary(input(stream, 9)).await;
    s.anna.send_binary(picture(stream, 9, true)).await;
    s.agent.send_binary(input(stream, 9)).await;
    s.agent.send_binary(picture(stream ^ 0x5a5a, 9, true)).await;
    s.agent.send_binary(vec![1, 2, 3]).await;
    s.anna
        .ok(
            "chat.send",
            json!({ "session": s.number, "text": "still here" }),
        )
        .await;
    // Bob (input), Anna (input twice, malformed once more, picture), the
    // page (2), the agent (input, unknown stream, broken header).
    wait_for_refused(&s.kernel, before + 3 + 1 + 1 + 1 + 2 + 3).await;
    assert_eq!(
        s.anna.pending_binaries(),
        0,
        "no forged picture reached a CSR"
    );
    assert_eq!(s.bob.pending_binaries(), 0);

    // Withdrawing the permission to view closes the stream at once, for
    // everyone, and the plugin hears of it.
    s.customer
        .page
        .ok("consent.revoke", json!({ "grant": view }))
        .await;
    for viewer in [&mut s.anna, &mut s.bob, &mut s.agent] {
        let closed = viewer.event("stream.closed").await;
        assert_eq!(closed["stream"], stream);
        assert_eq!(closed["reason"], "the customer withdrew the permission");
    }
    s.agent.send_binary(picture(stream, 3, true)).await;
    let closed = wait_for_closed(&mut s, 2).await;
    assert_eq!(closed[0]["stream"], stream, "{closed}");
    assert_eq!(closed[0]["reason"], "the customer withdrew the permission");
    assert_eq!(closed[0]["cause"], "CloseCause::ConsentWithdrawn");
    // Then the plugin hears of the withdrawn permission itself.
    assert_eq!(closed[1]["withdrawn"], "app.share", "{closed}");
    assert_eq!(closed[1]["customer"], s.customer.participant.as_str());
    assert_eq!(s.anna.pending_binaries(), 0, "nothing after the close");
    assert_eq!(plugin(&mut s, "list", json!({})).await, json!([]));

    let anna = Csr::sign_in(&s.kernel, "anna", "correct horse battery")
        .await
        .expect("signs in");
    let report = anna
        .get(&format!("/api/sessions/{}/report?format=text", s.number))
        .await;
    assert!(report.text.contains("stream.opened"), "{}", report.text);
    assert!(report.text.contains("Carl's \"xterm\""), "{}", report.text);
    assert!(report.text.contains("stream.closed"), "{}", report.text);
}

/// The plugin's record of `stream-closed` and `consent-withdrawn`
/// events, once there are at least `count`.
async fn wait_for_closed(s: &mut Setup, count: usize) -> Value {
    let deadline = std::time::Instant::now() + tether_tests::clients::PATIENCE;
    loop {
        let closed = plugin(s, "closed", json!({})).await;
        if closed.as_array().is_some_and(|list| list.len() >= count) {
            return closed;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no stream-closed event"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_viewer_that_does_not_acknowledge_is_dropped_to_keyframes() {
    let mut s = setup().await;
    granted(&mut s, "app.share").await;
    let stream = open(&mut s, "clock").await["stream"].as_u64().expect("id") as u32;
    s.anna.event("stream.opened").await;
    s.bob.event("stream.opened").await;

    // A first delta picture: nobody can decode it yet, so the kernel asks
    // for a keyframe and acknowledges the picture itself.
    s.agent.send_binary(picture(stream, 1, false)).await;
    let seen = [
        decoded(&s.agent.binary().await),
        decoded(&s.agent.binary().await),
    ];
    assert!(seen.contains(&(FrameKind::Ack, stream, 1)), "{seen:?}");
    assert!(
        seen.contains(&(FrameKind::KeyframeRequest, stream, 0)),
        "{seen:?}"
    );

    // Anna acknowledges everything; Bob nothing. Bob gets two pictures,
    // then nothing until he catches up.
    for sequence in 2..=8 {
        s.agent
            .send_binary(picture(stream, sequence, sequence == 2))
            .await;
        let got = s.anna.binary().await;
        assert_eq!(decoded(&got).2, sequence);
        s.anna.send_binary(ack(stream, sequence)).await;
        assert_eq!(
            decoded(&s.agent.binary().await),
            (FrameKind::Ack, stream, sequence)
        );
    }
    assert_eq!(decoded(&s.bob.binary().await).2, 2);
    assert_eq!(decoded(&s.bob.binary().await).2, 3);
    assert_eq!(s.bob.pending_binaries(), 0);

    // Bob catches up: the kernel asks the source for a keyframe, and Bob
    // resumes with it, never with a delta he cannot decode.
    s.bob.send_binary(ack(stream, 3)).await;
    assert_eq!(
        decoded(&s.agent.binary().await),
        (FrameKind::KeyframeRequest, stream, 0)
    );
    s.agent.send_binary(picture(stream, 9, false)).await;
    s.agent.send_binary(picture(stream, 10, true)).await;
    assert_eq!(decoded(&s.anna.binary().await).2, 9);
    assert_eq!(decoded(&s.anna.binary().await).2, 10);
    assert_eq!(
        decoded(&s.bob.binary().await).2,
        10,
        "Bob resumes at the keyframe"
    );
    let (_, health) = s.kernel.get_json("/healthz").await;
    assert!(
        health["streams"]["frames_skipped"]
            .as_u64()
            .expect("skipped")
            >= 5,
        "{health}"
    );
    // `/metrics` (no token configured here) counts the same frames, and
    // their bytes: every frame is a header of several bytes at least.
    let metrics = reqwest::get(s.kernel.url("/metrics"))
        .await
        .expect("scrape")
        .text()
        .await
        .expect("text");
    let samples = prometheus_parse::Scrape::parse(std::io::BufRead::lines(metrics.as_bytes()))
        .expect("Prometheus text")
        .samples;
    let counted = |metric: &str, outcome: Option<&str>| {
        samples
            .iter()
            .find(|x| x.metric == metric && x.labels.get("outcome") == outcome)
            .and_then(|x| match x.value {
                prometheus_parse::Value::Counter(v) => Some(v),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no {metric} {outcome:?} in {metrics}"))
    };
    let relayed = counted("tether_stream_frames_total", Some("relayed"));
    let at_health = health["streams"]["frames_relayed"]
        .as_u64()
        .expect("relayed") as f64;
    assert!(relayed >= at_health && relayed >= 10.0, "{relayed}");
    assert!(counted("tether_stream_frames_total", Some("skipped")) >= 5.0);
    assert!(counted("tether_stream_bytes_total", None) >= relayed * 4.0);
}

#[tokio::test]
async fn the_plugin_closing_and_control_passing_close_streams() {
    let mut s = setup().await;
    granted(&mut s, "app.share").await;
    let first = open(&mut s, "one").await["stream"].as_u64().expect("id");
    let second = open(&mut s, "two").await["stream"].as_u64().expect("id");
    assert_ne!(first, second);

    // The plugin closes one itself; the other stays.
    let closed = plugin(
        &mut s,
        "close",
        json!({ "stream": first, "reason": "the CSR stopped viewing" }),
    )
    .await;
    assert_eq!(closed["closed"], first);
    let event = s.anna.event("stream.closed").await;
    assert_eq!(
        (event["stream"].as_u64(), event["reason"].as_str()),
        (Some(first), Some("the CSR stopped viewing"))
    );
    let again = plugin(
        &mut s,
        "close",
        json!({ "stream": first, "reason": "again" }),
    )
    .await;
    assert!(
        again["refused"]
            .as_str()
            .expect("refused")
            .contains("UnknownStream"),
        "{again}"
    );
    assert_eq!(plugin(&mut s, "list", json!({})).await[0]["stream"], second);

    // Passing control ends every activity of the session, streams too.
    let bob_id = s.bob_id.clone();
    s.anna
        .ok(
            "session.pass_control",
            json!({ "session": s.number, "to": bob_id }),
        )
        .await;
    for viewer in [&mut s.anna, &mut s.bob, &mut s.agent] {
        // Bob and the agent heard of the first one closing too.
        let event = loop {
            let event = viewer.event("stream.closed").await;
            if event["stream"].as_u64() != Some(first) {
                break event;
            }
        };
        assert_eq!(event["stream"].as_u64(), Some(second));
        assert_eq!(event["reason"], "control passed to another CSR");
    }
}

#[tokio::test]
async fn the_agent_leaving_closes_its_streams() {
    let mut s = setup().await;
    granted(&mut s, "app.share").await;
    let stream = open(&mut s, "one").await["stream"].as_u64().expect("id");
    s.agent.close().await;
    let event = s.anna.event("stream.closed").await;
    assert_eq!(event["stream"].as_u64(), Some(stream));
    assert_eq!(event["reason"], "the host agent disconnected");
    // Nothing to stream from any more.
    let refused = open(&mut s, "again").await;
    assert!(
        refused["refused"]
            .as_str()
            .expect("refused")
            .contains("Unavailable"),
        "{refused}"
    );
}

#[tokio::test]
async fn customers_stop_only_what_comes_from_their_computer() {
    let mut s = setup().await;
    granted(&mut s, "app.share").await;
    let first = open(&mut s, "one").await["stream"].as_u64().expect("id");
    let second = open(&mut s, "two").await["stream"].as_u64().expect("id");
    // The customer's page is told what is shared, to list it with Stop.
    for stream in [first, second] {
        let opened = s.customer.page.event("stream.opened").await;
        assert_eq!(opened["stream"].as_u64(), Some(stream));
        assert_eq!(opened["source"], s.customer.participant.as_str());
    }

    // A console that attaches now (assisting, resuming after a reload)
    // learns of them from the session's info.
    let info = s
        .bob
        .ok("session.info", json!({ "session": s.number }))
        .await;
    let listed: Vec<(u64, String)> = info["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .map(|st| {
            (
                st["stream"].as_u64().expect("id"),
                st["label"].as_str().expect("label").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [(first, "one".to_owned()), (second, "two".to_owned())]
    );
    assert_eq!(info["streams"][0]["plugin"], "stream-opener");

    // Another customer of the session cannot stop Carl's share, nor can a
    // stream id that is not open; nothing changes.
    let mut dora = Customer::join(&s.kernel, &s.number, "Dora").await;
    for (page, stream) in [(&mut dora.page, first), (&mut s.customer.page, 999_999)] {
        let refused = page
            .request("stream.stop", json!({ "stream": stream }))
            .await;
        assert_eq!(refused["type"], "error", "{refused}");
        assert_eq!(refused["body"]["code"], "not_found", "{refused}");
        assert_eq!(refused["body"]["detail"]["key"], "no_such_stream");
    }
    let zero = s
        .customer
        .page
        .request("stream.stop", json!({ "stream": 0 }))
        .await;
    assert_eq!(zero["type"], "error", "{zero}");
    assert_eq!(
        plugin(&mut s, "list", json!({}))
            .await
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    // Carl stops the first on his page: everyone hears why, the plugin too.
    s.customer
        .page
        .ok("stream.stop", json!({ "stream": first }))
        .await;
    for viewer in [&mut s.anna, &mut s.bob, &mut s.agent, &mut s.customer.page] {
        let closed = viewer.event("stream.closed").await;
        assert_eq!(closed["stream"].as_u64(), Some(first));
        assert_eq!(closed["reason"], "Carl stopped sharing: on their page");
    }
    let closed = wait_for_closed(&mut s, 1).await;
    assert_eq!(closed[0]["stream"].as_u64(), Some(first), "{closed}");
    assert_eq!(closed[0]["cause"], "CloseCause::CustomerStopped");

    // The agent stops the second (the on-screen Stop sharing).
    let stop = AgentRequest::StreamStop {
        stream: StreamId::new(second as u32).expect("not 0"),
        reason: "with Stop sharing on their screen".into(),
    };
    let id = s.agent.send_typed(&stop).await;
    assert_eq!(s.agent.reply_to(id).await["type"], "ok");
    let closed = s.anna.event("stream.closed").await;
    assert_eq!(closed["stream"].as_u64(), Some(second));
    assert_eq!(
        closed["reason"],
        "Carl stopped sharing: with Stop sharing on their screen"
    );
    assert_eq!(plugin(&mut s, "list", json!({})).await, json!([]));
    // Stopping it again is refused.
    let id = s.agent.send_typed(&stop).await;
    assert_eq!(s.agent.reply_to(id).await["type"], "error");
}

#[tokio::test]
async fn customers_command_only_plugins_with_a_panel_on_their_page() {
    let mut s = setup().await;
    // stream-opener has no customer panel: the page gets none and its
    // commands do not reach the plugin.
    let refused = s
        .customer
        .page
        .request(
            "plugin.command",
            json!({ "plugin": "stream-opener", "name": "list", "payload": {} }),
        )
        .await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["body"]["code"], "not_found", "{refused}");
    let unknown = s
        .customer
        .page
        .request(
            "plugin.command",
            json!({ "plugin": "no-such-plugin", "name": "x" }),
        )
        .await;
    assert_eq!(unknown["body"]["code"], "not_found", "{unknown}");
    let nameless = s
        .customer
        .page
        .request(
            "plugin.command",
            json!({ "plugin": "stream-opener", "name": "" }),
        )
        .await;
    assert_eq!(nameless["type"], "error", "{nameless}");
}

#[tokio::test]
async fn a_keyframe_request_says_what_the_viewer_decodes_or_is_refused() {
    let mut s = setup().await;
    granted(&mut s, "app.share").await;
    let stream = open(&mut s, "one").await["stream"].as_u64().expect("id") as u32;
    s.anna.event("stream.opened").await;
    let before = refused_so_far(&s.kernel).await;
    // Unknown decoder bits, "decodes nothing", two bytes: refused.
    for payload in [&[0b100u8][..], &[0], &[1, 2]] {
        s.anna
            .send_binary(frame(FrameKind::KeyframeRequest, stream, 0, false, payload))
            .await;
    }
    // JPEG only: reaches the source as sent.
    let jpeg_only = frame(FrameKind::KeyframeRequest, stream, 0, false, &[0b10]);
    s.anna.send_binary(jpeg_only.clone()).await;
    assert_eq!(s.agent.binary().await, jpeg_only);
    assert_eq!(s.agent.pending_binaries(), 0);
    assert_eq!(refused_so_far(&s.kernel).await, before + 3);
}

#[tokio::test]
async fn a_burst_of_input_reaches_the_source_whole() {
    let mut s = setup().await;
    granted(&mut s, "app.share").await;
    granted(&mut s, "app.control").await;
    let stream = open(&mut s, "editor").await["stream"].as_u64().expect("id") as u32;
    s.anna.event("stream.opened").await;
    // A paste's worth of keys at once: none may be lost on the way to the
    // agent (a lost key is a wrong command in the customer's application).
    let keys: Vec<Vec<u8>> = (0..200u32)
        .map(|i| {
            let event = format!(
                r#"{{"type":"key","keysym":{},"pressed":true}}"#,
                0x61 + i % 26
            );
            frame(FrameKind::Input, stream, i, false, event.as_bytes())
        })
        .collect();
    for key in &keys {
        s.anna.send_binary(key.clone()).await;
    }
    for key in &keys {
        assert_eq!(&s.agent.binary().await, key);
    }
}
