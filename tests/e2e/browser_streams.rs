//! Plugin panels and streams in a real headless Chromium against a real
//! kernel, with the fixture plugins `customer-panel` (a panel on the
//! customer's page) and `stream-opener` (two console panels), both plugin
//! API 0.2 with their panels in `tests/fixtures/plugins/<id>/ui/`:
//!
//! * the customer's page shows the customer panels its welcome lists; their
//!   commands reach the plugin as the customer's, the plugin's messages to
//!   the customer reach them, and they learn what their plugin shares;
//! * the customer's page lists what is shared now, with Stop: a refusal is
//!   said in the page's language, Stop (from the keyboard) ends the stream
//!   for the CSR, the agent and the plugin;
//! * the console hands its panels their plugin's streams and frames (each
//!   panel of the plugin gets every frame), keeps them while another view
//!   is shown, and sends out only the viewer frames a panel may send on its
//!   plugin's own streams.
//!
//! Every screen is audited with axe-core, panels included.

use fantoccini::key::Key;
use serde_json::{Value, json};
use tether_protocol::stream::{FrameFlags, FrameKind, StreamFrame, StreamId};
use tether_protocol::{AgentRequest, Capability};
use tether_tests::browser::{Browser, BrowserContext, Dictionary, test_id};
use tether_tests::clients::{Csr, Customer, PATIENCE, WsClient};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};

const CONFIG: &str = r#"
[sessions]
consent_timeout_secs = 30
join_attempts_per_minute = 1000

[sites.default]
name = "Default"
plugins = ["stream-opener", "customer-panel"]
"#;

const PASSWORD: &str = "correct horse battery";
/// The plugin with console panels.
const PLUGIN: &str = "stream-opener";
/// The plugin with a panel on the customer's page.
const CUSTOMER_PLUGIN: &str = "customer-panel";

fn launch() -> KernelProcess {
    KernelProcess::configure(
        &fixture_manifests(),
        CONFIG,
        &[TestAccount::csr("anna", "Anna Berg", "default")],
    )
    .launch()
}

/// A raw agent for the customer, with the one-time code `code`, offering
/// application sharing.
async fn connect_agent(kernel: &KernelProcess, number: &str, code: &str) -> WsClient {
    let code = code.replace(' ', "");
    let url = kernel.ws_url(&format!("/ws/agent?session={number}&code={code}"));
    let mut agent = WsClient::connect(&url, None, None)
        .await
        .expect("the agent connects");
    agent.event("session.welcome").await;
    let hello = AgentRequest::Hello {
        capabilities: vec![Capability::AppShare, Capability::AppControl],
        platform: "test".into(),
        rejoin_after_restart: Default::default(),
    };
    let id = agent.send_typed(&hello).await;
    assert_eq!(agent.reply_to(id).await["type"], "ok");
    agent
}

fn picture(stream: u32, sequence: u32, keyframe: bool) -> Vec<u8> {
    let payload = [
        &[2u8, 0, 0, 4, 0, 3][..],
        format!("picture {sequence}").as_bytes(),
    ]
    .concat();
    StreamFrame {
        kind: FrameKind::Picture,
        flags: FrameFlags { keyframe },
        stream: StreamId::new(stream).expect("not 0"),
        sequence,
        payload: &payload,
    }
    .encode()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Waits until `script` (run in the current frame) returns other than `null`.
async fn wait_for_value(context: &BrowserContext, script: &str) -> Value {
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let value = context.eval(script).await;
        if !value.is_null() {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no value from {script}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn refused_so_far(kernel: &KernelProcess) -> u64 {
    let (_, health) = kernel.get_json("/healthz").await;
    health["streams"]["frames_refused"]
        .as_u64()
        .expect("frames_refused")
}

/// The next frame the agent gets that is not a keyframe request of the
/// kernel's own (it asks for one when a viewer catches up).
async fn next_viewer_frame(agent: &mut WsClient) -> Vec<u8> {
    loop {
        let frame = agent.binary().await;
        let decoded = StreamFrame::decode(&frame).expect("a stream frame");
        if decoded.kind == FrameKind::KeyframeRequest && decoded.payload.is_empty() {
            continue;
        }
        return frame;
    }
}

#[tokio::test]
async fn customer_panels_speak_for_the_customer_and_shared_now_stops_a_stream() {
    let words = Dictionary::load("ja");
    let kernel = launch();
    let mut anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("anna signs in")
        .console(&kernel)
        .await;
    let number = anna.start_session().await;

    let browser = Browser::start().await;
    let customer = browser.context("ja-customer", "ja").await;
    customer.goto(&kernel.url(&format!("/join/{number}"))).await;
    customer.fill(&test_id("join-name"), "Carl").await;
    customer.click(&test_id("join-submit")).await;
    let carl = anna.event("participant.joined").await["participant"]["id"]
        .as_str()
        .expect("Carl's participant id")
        .to_owned();

    // The welcome's customer panel, titled in the page's language, in the
    // same sandbox as the console's panels.
    let frame = format!("iframe[data-plugin=\"{CUSTOMER_PLUGIN}\"][data-panel=\"customer\"]");
    customer
        .wait_text(
            &format!("{} h2", test_id("customer-panel")),
            "お客様向けテストパネル",
        )
        .await;
    assert_eq!(
        customer.attribute(&frame, "sandbox").await,
        "allow-scripts allow-downloads allow-modals"
    );
    assert_eq!(
        customer.attribute(&frame, "title").await,
        "お客様向けテストパネル"
    );
    // Only the plugins with a panel there have one (stream-opener has none).
    assert_eq!(
        customer
            .eval("return document.querySelectorAll('[data-test=\"customer-panel\"]').length")
            .await,
        1
    );
    // Nothing is shared yet.
    customer
        .wait_text(
            &test_id("shared-now-empty"),
            &words.get("customer.shared_none"),
        )
        .await;

    // The panel's context names the customer; its command reaches the
    // plugin as the customer's (no CSR account).
    customer.enter_frame(&frame).await;
    customer
        .wait_text(
            &test_id("fixture-context"),
            &format!("role customer, customer Carl ({carl}), user none, language ja"),
        )
        .await;
    customer.click(&test_id("fixture-whoami")).await;
    customer
        .wait_text(
            &test_id("fixture-answer"),
            &format!("sender {carl}, account none"),
        )
        .await;
    customer.leave_frame().await;

    // A plugin message to the customer reaches the panel.
    let told = anna
        .ok(
            "plugin.command",
            json!({ "session": number, "plugin": CUSTOMER_PLUGIN, "name": "tell",
                    "payload": { "participant": carl, "text": "hello from the plugin" } }),
        )
        .await;
    assert_eq!(told["told"], carl.as_str());
    customer.enter_frame(&frame).await;
    customer
        .wait_text(&test_id("fixture-message"), "told: hello from the plugin")
        .await;
    customer.leave_frame().await;
    customer.screen("customer-panel").await;

    // The helper runs; Carl allows sharing on the page; the plugin opens a
    // stream from his computer.
    customer.click(&test_id("agent-show-code")).await;
    let code = customer
        .find(&test_id("agent-code"))
        .await
        .text()
        .await
        .expect("the code");
    let mut agent = connect_agent(&kernel, &number, &code).await;
    let asked = anna
        .send_request(
            "plugin.command",
            json!({ "session": number, "plugin": CUSTOMER_PLUGIN, "name": "ask",
                    "payload": { "participant": carl, "capabilities": "app.share" } }),
        )
        .await;
    customer.click(&test_id("consent-allow")).await;
    assert_eq!(anna.reply_to(asked).await["body"], "granted");
    let opened = anna
        .ok(
            "plugin.command",
            json!({ "session": number, "plugin": CUSTOMER_PLUGIN, "name": "open",
                    "payload": { "participant": carl, "label": "Fixture window" } }),
        )
        .await;
    let stream = opened["stream"].as_u64().expect("a stream id");
    assert_eq!(anna.event("stream.opened").await["stream"], stream);
    assert_eq!(agent.event("stream.opened").await["stream"], stream);

    // "Shared now" lists it, says so, and the panel knows it too.
    customer
        .wait_text(&test_id("shared-label"), "Fixture window")
        .await;
    customer
        .wait_text(
            &test_id("customer-notice"),
            &words.fill("customer.shared_started", &[("label", "Fixture window")]),
        )
        .await;
    let stop = format!(
        "[data-test=\"shared-stream\"][data-stream=\"{stream}\"] {}",
        test_id("stop-sharing")
    );
    // The button is named by what it stops.
    let name = customer
        .eval(&format!(
            "const b = document.querySelector({}); \
             return b.getAttribute('aria-labelledby').split(' ') \
               .map((id) => document.getElementById(id).textContent).join(' ');",
            serde_json::to_string(&stop).expect("JSON")
        ))
        .await;
    assert_eq!(
        name,
        format!("{} Fixture window", words.get("customer.shared_stop"))
    );
    customer.enter_frame(&frame).await;
    customer
        .wait_text(&test_id("fixture-stream"), "Fixture window")
        .await;
    customer.leave_frame().await;
    customer.screen("shared-now").await;

    // A refusal (here: the stream asked for is not Carl's any more) is said
    // in the page's language, and the entry stays.
    customer
        .eval(
            "window.realSend = WebSocket.prototype.send; \
             WebSocket.prototype.send = function (data) { \
               return window.realSend.call(this, typeof data === 'string' \
                 ? data.replace(/\"stream\":\\d+/, '\"stream\":4000000000') : data); };",
        )
        .await;
    let button = customer.find(&stop).await;
    button
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("Enter");
    let expected = format!(
        "{} ({})",
        words.get("error.not_found"),
        words.get("detail.no_such_stream")
    );
    customer
        .wait_text(&test_id("stop-sharing-error"), &expected)
        .await;
    customer.screen("stop-refused").await;

    // Stop, from the keyboard: the CSR and the agent hear that it ended, the
    // plugin has it no more, and the entry goes.
    customer
        .eval("WebSocket.prototype.send = window.realSend; return null;")
        .await;
    let button = customer.find(&stop).await;
    button
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("Enter");
    let closed = anna.event("stream.closed").await;
    assert_eq!(closed["stream"], stream);
    let reason = closed["reason"].as_str().expect("reason");
    assert!(reason.contains("Carl stopped sharing"), "{reason}");
    assert_eq!(agent.event("stream.closed").await["stream"], stream);
    customer
        .wait_text(
            &test_id("shared-now-empty"),
            &words.get("customer.shared_none"),
        )
        .await;
    customer
        .wait_text(
            &test_id("customer-notice"),
            &words.fill("customer.shared_stopped", &[("label", "Fixture window")]),
        )
        .await;
    assert_eq!(
        customer
            .eval("return document.querySelectorAll('[data-test=\"shared-stream\"]').length")
            .await,
        0
    );
    // Focus stays in the list's section rather than falling to the page.
    assert_eq!(
        customer.eval("return document.activeElement.id").await,
        "shared-now-title"
    );
    let open = anna
        .ok(
            "plugin.command",
            json!({ "session": number, "plugin": CUSTOMER_PLUGIN, "name": "list", "payload": {} }),
        )
        .await;
    assert_eq!(open, json!([]), "the plugin has nothing open any more");
    customer.enter_frame(&frame).await;
    customer
        .wait_text_where(&test_id("fixture-streams"), "no stream", |text| {
            text.trim().is_empty()
        })
        .await;
    customer.leave_frame().await;
    customer.screen("shared-now-stopped").await;

    // Another language: the panel's title and context follow, and so does
    // "Shared now".
    customer
        .eval(
            "const s = document.querySelector('[data-test=\"language\"]'); \
             s.value = 'fr'; s.dispatchEvent(new Event('change'));",
        )
        .await;
    let french = Dictionary::load("fr");
    customer
        .wait_text(
            &format!("{} h2", test_id("customer-panel")),
            "Panneau de test pour les clients",
        )
        .await;
    assert_eq!(
        customer.attribute(&frame, "title").await,
        "Panneau de test pour les clients"
    );
    customer
        .wait_text(
            &format!("{} h2", test_id("shared-now")),
            &french.get("customer.shared_title"),
        )
        .await;
    customer.enter_frame(&frame).await;
    customer
        .wait_text(&test_id("fixture-context"), "language fr")
        .await;
    customer.leave_frame().await;

    customer.close().await;
}

#[tokio::test]
async fn console_panels_get_their_streams_frames_and_send_only_on_them() {
    let words = Dictionary::load("en");
    let kernel = launch();
    let browser = Browser::start().await;
    let csr = browser.context("en-csr", "en").await;
    csr.goto(&kernel.url("/")).await;
    csr.fill(&test_id("signin-user"), "anna").await;
    csr.fill(&test_id("signin-password"), PASSWORD).await;
    csr.click(&test_id("signin-submit")).await;
    csr.wait_text(
        "h1",
        &words.fill("console.welcome", &[("name", "Anna Berg")]),
    )
    .await;
    csr.click(&test_id("start-session")).await;
    let link = csr.value(&test_id("join-link")).await;
    let number = link.rsplit('/').next().expect("number").to_owned();

    let mut carl = Customer::join(&kernel, &number, "Carl").await;
    let mut agent = carl.connect_agent(&kernel).await;
    let hello = AgentRequest::Hello {
        capabilities: vec![Capability::AppShare, Capability::AppControl],
        platform: "test".into(),
        rejoin_after_restart: Default::default(),
    };
    let id = agent.send_typed(&hello).await;
    assert_eq!(agent.reply_to(id).await["type"], "ok");
    csr.wait_text(&test_id("participant-name"), "Carl").await;

    // Through the panel: ask Carl, then open a stream from his computer.
    let panel = format!("iframe[data-plugin=\"{PLUGIN}\"][data-panel=\"streams\"]");
    let copy = format!("iframe[data-plugin=\"{PLUGIN}\"][data-panel=\"streams-copy\"]");
    csr.click(&test_id(&format!("panel-tab-{PLUGIN}-streams")))
        .await;
    csr.enter_frame(&panel).await;
    csr.eval(
        "fixture.panel.customerCommand('ask', { capabilities: 'app.share' }) \
           .then((r) => { fixture.asked = r; }, (e) => { fixture.asked = 'refused ' + e.message; });",
    )
    .await;
    carl.answer_prompt(true).await;
    assert_eq!(
        wait_for_value(&csr, "return fixture.asked || null;").await,
        "granted"
    );
    csr.eval(
        "fixture.panel.customerCommand('open', { capability: 'app.share', label: 'Fixture window' }) \
           .then((r) => { fixture.opened = r; });",
    )
    .await;
    let stream = wait_for_value(
        &csr,
        "return fixture.opened ? fixture.opened.stream : null;",
    )
    .await
    .as_u64()
    .expect("a stream id") as u32;
    csr.wait_text(&test_id("fixture-stream"), "Fixture window (0 frames)")
        .await;
    let events = csr.eval("return fixture.events;").await;
    assert_eq!(
        events,
        json!([{ "type": "opened", "stream": stream, "source": carl.participant,
                 "capability": "app.share", "label": "Fixture window",
                 "origin": "customer_agent", "controller": null }])
    );
    csr.leave_frame().await;
    assert_eq!(agent.event("stream.opened").await["stream"], stream);

    // A picture reaches each panel of the plugin, byte for byte.
    let first = picture(stream, 1, true);
    agent.send_binary(first.clone()).await;
    for frame in [&panel, &copy] {
        if frame == &copy {
            csr.click(&test_id(&format!("panel-tab-{PLUGIN}-streams-copy")))
                .await;
        }
        csr.enter_frame(frame).await;
        let got = wait_for_value(&csr, "return fixture.frames[0] || null;").await;
        assert_eq!(got["hex"], hex(&first), "{frame}");
        assert_eq!(got["sequence"], 1);
        csr.wait_text(&test_id("fixture-stream"), "Fixture window (1 frames)")
            .await;
        csr.leave_frame().await;
    }
    csr.screen("stream-panel").await;
    csr.click(&test_id(&format!("panel-tab-{PLUGIN}-streams")))
        .await;

    // What a panel may send goes out; anything else is dropped in the
    // console, before the kernel sees it.
    let refused_before = refused_so_far(&kernel).await;
    let dropped_before = csr
        .eval("return window.tetherBridge.framesDropped;")
        .await
        .as_u64()
        .expect("a counter");
    csr.enter_frame(&panel).await;
    csr.eval(&format!(
        "const f = TetherPanel.frames; \
         fixture.panel.sendFrame(f.encode({{ kind: 'ack', stream: {stream}, sequence: 1 }})); \
         fixture.panel.sendFrame(f.encode({{ kind: 'ack', stream: {other}, sequence: 1 }})); \
         fixture.panel.sendFrame(f.encode({{ kind: 'picture', stream: {stream}, sequence: 9, payload: new Uint8Array([2, 0, 0, 1, 0, 1]) }})); \
         fixture.panel.sendFrame(f.encode({{ kind: 'input', stream: {stream}, payload: new Uint8Array(1025) }})); \
         window.parent.postMessage({{ tether: 1, type: 'frame', data: 'not a frame' }}, '*'); \
         fixture.panel.sendFrame(f.encode({{ kind: 'keyframeRequest', stream: {stream}, payload: new Uint8Array([3]) }}));",
        other = stream + 1000
    ))
    .await;
    csr.leave_frame().await;
    let ack = StreamFrame::decode(&next_viewer_frame(&mut agent).await)
        .expect("a frame")
        .header();
    assert_eq!(
        ack,
        StreamFrame {
            kind: FrameKind::Ack,
            flags: FrameFlags::default(),
            stream: StreamId::new(stream).expect("not 0"),
            sequence: 1,
            payload: &[],
        }
        .header()
    );
    let request = next_viewer_frame(&mut agent).await;
    let decoded = StreamFrame::decode(&request).expect("a frame");
    assert_eq!(
        (decoded.kind, decoded.stream.get(), decoded.payload),
        (FrameKind::KeyframeRequest, stream, &[3u8][..]),
        "the keyframe request came next: nothing dropped went out"
    );
    let counters = csr.eval("return window.tetherBridge;").await;
    assert_eq!(
        counters["framesDropped"].as_u64(),
        Some(dropped_before + 4),
        "{counters}"
    );
    for reason in ["stream", "kind", "too_large", "not_a_buffer"] {
        assert_eq!(counters["dropped"][reason], 1, "{reason}: {counters}");
    }
    assert_eq!(refused_so_far(&kernel).await, refused_before);

    // Another view shown: the panels are gone meanwhile; back in the
    // session, they are told the stream is still open and get frames again.
    csr.click(&test_id("dashboard")).await;
    csr.find(&test_id("dashboard-view")).await;
    agent.send_binary(picture(stream, 2, false)).await;
    csr.click(&test_id("session-tab")).await;
    csr.enter_frame(&panel).await;
    csr.wait_text(&test_id("fixture-stream"), "Fixture window (0 frames)")
        .await;
    csr.leave_frame().await;
    let third = picture(stream, 3, true);
    agent.send_binary(third.clone()).await;
    csr.enter_frame(&panel).await;
    let got = wait_for_value(&csr, "return fixture.frames[0] || null;").await;
    assert_eq!(got["hex"], hex(&third));

    // The plugin closes it: the panel is told.
    csr.eval(&format!(
        "fixture.panel.command('close', {{ stream: {stream}, reason: 'done' }});"
    ))
    .await;
    let closed = wait_for_value(
        &csr,
        "return fixture.events.find((e) => e.type === 'closed') || null;",
    )
    .await;
    assert_eq!(closed["stream"], stream);
    assert_eq!(closed["label"], "Fixture window");
    csr.wait_text_where(&test_id("fixture-streams"), "no stream", |text| {
        text.trim().is_empty()
    })
    .await;
    csr.leave_frame().await;
    assert_eq!(agent.event("stream.closed").await["stream"], stream);
    csr.screen("stream-closed").await;

    csr.close().await;
}
