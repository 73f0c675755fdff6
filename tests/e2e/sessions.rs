//! Support sessions end to end: a real kernel process, real WebSocket
//! clients for the CSRs, the customer page and a test agent, and the `echo`
//! fixture plugin asking consent and calling the agent.

use serde_json::{Value, json};
use tether_tests::clients::{Csr, Customer, TestAgent, WsClient, post_json};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};

const CONFIG: &str = r#"
[sessions]
grace_secs = 2
consent_timeout_secs = 3
join_attempts_per_minute = 1000

[sites.default]
name = "Default"
plugins = ["echo"]
max_customers_per_csr = 2

[sites.other]
name = "Other"
plugins = []
"#;

fn accounts() -> Vec<TestAccount> {
    vec![
        TestAccount::csr("anna", "Anna Berg", "default"),
        TestAccount::csr("bob", "Bo Lind", "default"),
        TestAccount {
            session_mode: Some("multi"),
            ..TestAccount::csr("mia", "Mia Holm", "default")
        },
        TestAccount::csr("olga", "Olga Sand", "other"),
    ]
}

fn start_kernel() -> KernelProcess {
    KernelProcess::configure(&fixture_manifests(), CONFIG, &accounts()).launch()
}

async fn signed_in(kernel: &KernelProcess, username: &str) -> (Csr, WsClient) {
    let csr = Csr::sign_in(kernel, username, "correct horse battery")
        .await
        .expect("signs in");
    let console = csr.console(kernel).await;
    (csr, console)
}

fn kinds(report: &Value) -> Vec<String> {
    report["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn full_flow_consent_agent_call_and_report() {
    let kernel = start_kernel();
    let (anna, mut host) = signed_in(&kernel, "anna").await;

    let started = host.ok("session.start", json!({})).await;
    let number = started["session"].as_str().expect("number").to_owned();
    assert_eq!(number.len(), 9);
    assert!(number.chars().all(|c| c.is_ascii_digit()));
    assert_eq!(
        started["join_link"],
        format!("{}/join/{number}", kernel.base_url)
    );
    let mailto = started["invite_customer"]["mailto"]
        .as_str()
        .expect("mailto");
    assert!(
        mailto.starts_with("mailto:?subject=Support%20session&body="),
        "{mailto}"
    );
    assert!(
        started["invite_customer"]["body"]
            .as_str()
            .expect("body")
            .contains(&started["join_link"].as_str().expect("link").to_owned())
    );

    // The customer joins by the number as read out on the phone.
    let spaced = format!("{} {} {}", &number[0..3], &number[3..6], &number[6..9]);
    let mut customer = Customer::join(&kernel, &spaced, "Carl Customer").await;
    let joined = host.event("participant.joined").await;
    assert_eq!(joined["participant"]["display_name"], "Carl Customer");
    assert_eq!(joined["participant"]["role"], "customer");

    // An assistant joins by number.
    let (_bo, mut assistant) = signed_in(&kernel, "bob").await;
    let info = assistant
        .ok("session.assist", json!({ "session": number }))
        .await;
    assert_eq!(info["participants"].as_array().expect("list").len(), 3);
    assert_eq!(
        host.event("participant.joined").await["participant"]["role"],
        "assistant"
    );
    assert_eq!(
        customer.page.event("participant.joined").await["participant"]["display_name"],
        "Bo Lind"
    );

    let agent = TestAgent::start(&kernel, &mut customer, &["sysinfo.collect"]).await;

    // The plugin asks consent; the prompt reaches the customer's page with
    // the manifest's words and the host's name.
    let ask = host
        .send_request(
            "plugin.command",
            json!({ "session": number, "plugin": "echo", "name": "ask-consent",
                    "payload": { "session": number, "participant": customer.participant, "capability": "sysinfo.collect" } }),
        )
        .await;
    let prompt = customer.page.event("consent.prompt").await;
    assert_eq!(
        prompt["text"],
        "Anna Berg wants to say hello to your computer"
    );
    assert_eq!(prompt["capabilities"], json!(["sysinfo.collect"]));
    customer
        .page
        .ok(
            "consent.answer",
            json!({ "request": prompt["request"], "granted": true }),
        )
        .await;
    let asked = host.reply_to(ask).await;
    assert_eq!(asked["body"], "granted", "{asked}");
    let answered = host.event("consent.answered").await;
    assert_eq!(answered["outcome"], "granted");

    // The plugin calls the capability on the agent; the result reaches the CSR.
    let result = host
        .ok(
            "plugin.command",
            json!({ "session": number, "plugin": "echo", "name": "call-agent",
                    "payload": { "session": number, "participant": customer.participant,
                                 "capability": "sysinfo.collect", "input": { "say": "hello" } } }),
        )
        .await;
    assert_eq!(
        result,
        json!({ "capability": "sysinfo.collect", "input": { "say": "hello" }, "machine": "test agent" })
    );
    assert_eq!(agent.calls().len(), 1);
    assert!(agent.errors().is_empty(), "{:?}", agent.errors());

    // Chat reaches everyone, with the sender's name.
    customer
        .page
        .ok("chat.send", json!({ "text": "It says error 42" }))
        .await;
    let chat = host.event("chat.message").await;
    assert_eq!(
        (chat["display_name"].as_str(), chat["text"].as_str()),
        (Some("Carl Customer"), Some("It says error 42"))
    );
    assert_eq!(
        assistant.event("chat.message").await["text"],
        "It says error 42"
    );

    // The report has all of it, in order, as JSON and as text.
    let report = anna
        .get(&format!("/api/sessions/{number}/report?format=json"))
        .await;
    assert_eq!(report.status, 200, "{}", report.text);
    let kinds = kinds(&report.body);
    for expected in [
        "session.started",
        "participant.joined",
        "agent.connected",
        "agent.capabilities",
        "plugin.command",
        "consent.asked",
        "consent.granted",
        "agent.call",
        "agent.result",
        "chat",
    ] {
        assert!(
            kinds.contains(&expected.to_owned()),
            "{expected} missing from {kinds:?}"
        );
    }
    let position = |kind: &str| kinds.iter().position(|k| k == kind).expect("present");
    assert!(position("consent.asked") < position("consent.granted"));
    assert!(position("consent.granted") < position("agent.call"));
    let text = anna
        .get(&format!("/api/sessions/{number}/report?format=text"))
        .await;
    assert_eq!(text.status, 200);
    assert!(
        text.headers["content-disposition"]
            .to_str()
            .expect("header")
            .contains(&format!("session-{number}.txt"))
    );
    assert!(text.text.contains(&format!("Session: {number}")));
    assert!(
        text.text
            .lines()
            .any(|l| l.contains("consent.granted") && l.contains("Carl Customer")),
        "{}",
        text.text
    );

    // The host ends the session; everyone hears it.
    host.ok("session.end", json!({ "session": number })).await;
    assert!(
        customer.page.event("session.ended").await["reason"]
            .as_str()
            .expect("reason")
            .contains("Anna Berg")
    );
    assistant.event("session.ended").await;
    let after = anna
        .get(&format!("/api/sessions/{number}/report?format=json"))
        .await;
    assert_eq!(after.body["status"], "ended");
    assert_eq!(after.body["end_reason"], "ended by Anna Berg");
}

#[tokio::test]
async fn roles_are_enforced_and_refusals_change_nothing() {
    let kernel = start_kernel();
    let (_anna, mut host) = signed_in(&kernel, "anna").await;
    let number = host.start_session().await;
    let mut customer = Customer::join(&kernel, &number, "Carl").await;
    let (_bo, mut assistant) = signed_in(&kernel, "bob").await;
    assistant
        .ok("session.assist", json!({ "session": number }))
        .await;

    // A customer sending CSR commands.
    for (kind, body) in [
        ("session.end", json!({ "session": number })),
        (
            "session.pass_control",
            json!({ "session": number, "to": customer.participant }),
        ),
    ] {
        let (code, message) = customer.page.refused(kind, body).await;
        assert_eq!(code, "forbidden", "{kind}");
        assert!(message.contains("not available to customers"), "{message}");
    }
    // Customers send plugin commands only in their own shape (no session:
    // it is theirs) and only to a plugin with a panel on their page.
    let (code, _) = customer
        .page
        .refused(
            "plugin.command",
            json!({ "session": number, "plugin": "echo", "name": "echo", "payload": 1 }),
        )
        .await;
    assert_eq!(code, "malformed");
    let (code, _) = customer
        .page
        .refused(
            "plugin.command",
            json!({ "plugin": "echo", "name": "echo", "payload": 1 }),
        )
        .await;
    assert_eq!(
        code, "not_found",
        "echo has no panel on the customer's page"
    );

    // An assistant trying to drive.
    for (kind, body) in [
        ("session.end", json!({ "session": number })),
        (
            "plugin.command",
            json!({ "session": number, "plugin": "echo", "name": "echo", "payload": 1 }),
        ),
        (
            "session.select_customer",
            json!({ "session": number, "participant": customer.participant }),
        ),
    ] {
        let (code, message) = assistant.refused(kind, body).await;
        assert_eq!(code, "forbidden", "{kind}");
        assert_eq!(
            message,
            "only the CSR in control of the session can do that"
        );
    }
    // The host cannot leave without passing control.
    let (code, _) = host
        .refused("session.leave", json!({ "session": number }))
        .await;
    assert_eq!(code, "forbidden");

    // Nothing changed: same host, same three participants, still running.
    let info = host.ok("session.info", json!({ "session": number })).await;
    assert_eq!(info["participants"].as_array().expect("list").len(), 3);
    let host_id = info["host"].as_str().expect("host").to_owned();
    assert_eq!(
        info["participants"]
            .as_array()
            .expect("list")
            .iter()
            .find(|p| p["id"] == host_id.as_str())
            .expect("host")["display_name"],
        "Anna Berg"
    );

    // A CSR of another site cannot assist; unknown numbers are unknown.
    let (_olga, mut outsider) = signed_in(&kernel, "olga").await;
    let (code, _) = outsider
        .refused("session.assist", json!({ "session": number }))
        .await;
    assert_eq!(code, "not_found");
    let (code, message) = outsider
        .refused("session.info", json!({ "session": "999999999" }))
        .await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("not_found", "no support session 999999999 is running")
    );
}

#[tokio::test]
async fn passing_control_ends_activities_and_the_former_host_cannot_end() {
    let kernel = start_kernel();
    let (_anna, mut anna) = signed_in(&kernel, "anna").await;
    let number = anna.start_session().await;
    let mut customer = Customer::join(&kernel, &number, "Carl").await;
    let (_bo, mut bo) = signed_in(&kernel, "bob").await;
    let info = bo.ok("session.assist", json!({ "session": number })).await;
    let anna_id = info["host"].as_str().expect("host").to_owned();
    let bo_id = info["participants"]
        .as_array()
        .expect("list")
        .iter()
        .find(|p| p["role"] == "assistant")
        .expect("assistant")["id"]
        .as_str()
        .expect("id")
        .to_owned();

    // Control cannot pass to a customer.
    let (code, _) = anna
        .refused(
            "session.pass_control",
            json!({ "session": number, "to": customer.participant }),
        )
        .await;
    assert_eq!(code, "forbidden");

    anna.ok(
        "session.pass_control",
        json!({ "session": number, "to": bo_id }),
    )
    .await;
    assert_eq!(
        customer.page.event("activities.ended").await["reason"],
        "control passed to another CSR"
    );
    let passed = customer.page.event("control.passed").await;
    assert_eq!(
        (passed["from"].as_str(), passed["to"].as_str()),
        (Some(anna_id.as_str()), Some(bo_id.as_str()))
    );

    // The former host stays but cannot end the session or drive.
    let (code, _) = anna
        .refused("session.end", json!({ "session": number }))
        .await;
    assert_eq!(code, "forbidden");
    // The new host drives: a plugin command works for Bo.
    let echoed = bo
        .ok(
            "plugin.command",
            json!({ "session": number, "plugin": "echo", "name": "echo", "payload": { "n": 1 } }),
        )
        .await;
    assert_eq!(echoed, json!({ "n": 1 }));

    // Control comes back, and Anna can end the session.
    bo.ok(
        "session.pass_control",
        json!({ "session": number, "to": anna_id }),
    )
    .await;
    anna.ok("session.end", json!({ "session": number })).await;
    customer.page.event("session.ended").await;
}

#[tokio::test]
async fn single_session_mode_selects_customers_and_limits_apply() {
    let kernel = start_kernel();
    let (_anna, mut host) = signed_in(&kernel, "anna").await;
    let started = host.ok("session.start", json!({})).await;
    assert_eq!(started["mode"], "single");
    let number = started["session"].as_str().expect("number").to_owned();
    let mut first = Customer::join(&kernel, &number, "First").await;
    let mut second = Customer::join(&kernel, &number, "Second").await;
    let mut agent_socket = first.connect_agent(&kernel).await;
    // Customers are told of the session's CSRs and of themselves, never
    // of one another: the host hears both joins, the first customer's page
    // nothing of the second, and the agent's welcome names the host and
    // its own customer only.
    assert_eq!(
        host.event("participant.joined").await["participant"]["display_name"],
        "First"
    );
    assert_eq!(
        host.event("participant.joined").await["participant"]["display_name"],
        "Second"
    );
    first.page.ok("agent.code", json!({})).await;
    assert!(
        first
            .page
            .pending_events()
            .iter()
            .all(|e| e["type"] != "participant.joined"),
        "{:?}",
        first.page.pending_events()
    );
    let query = second.agent_query().await;
    let mut second_agent =
        WsClient::connect(&kernel.ws_url(&format!("/ws/agent?{query}")), None, None)
            .await
            .expect("the second customer's agent connects");
    let welcome = second_agent.event("session.welcome").await;
    let names: Vec<&str> = welcome["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .filter_map(|p| p["display_name"].as_str())
        .collect();
    assert_eq!(names, ["Anna Berg", "Second"], "{welcome}");

    host.ok(
        "session.select_customer",
        json!({ "session": number, "participant": first.participant }),
    )
    .await;
    assert_eq!(
        first.page.event("customer.selected").await["participant"],
        first.participant.as_str()
    );
    // Selecting another customer ends what was shared with the first, on
    // pages and agents alike.
    host.ok(
        "session.select_customer",
        json!({ "session": number, "participant": second.participant }),
    )
    .await;
    assert_eq!(
        agent_socket.event("activities.ended").await["reason"],
        "another customer was selected"
    );

    // The site allows two customers per CSR.
    let third = post_json(
        &kernel,
        "/api/join",
        json!({ "session": number, "display_name": "Third" }),
    )
    .await;
    assert_eq!(third.status, 409, "{}", third.text);
    assert_eq!(third.body["code"], "limit");
    assert!(
        third.body["error"]
            .as_str()
            .expect("error")
            .contains("most this site allows"),
        "{}",
        third.text
    );
    let info = host.ok("session.info", json!({ "session": number })).await;
    assert_eq!(info["participants"].as_array().expect("list").len(), 3);

    // Mia works in multi-session mode: one customer per session.
    let (_mia, mut mia) = signed_in(&kernel, "mia").await;
    let multi = mia.ok("session.start", json!({})).await;
    assert_eq!(multi["mode"], "multi");
    let multi_number = multi["session"].as_str().expect("number").to_owned();
    Customer::join(&kernel, &multi_number, "Only one").await;
    let refused = post_json(
        &kernel,
        "/api/join",
        json!({ "session": multi_number, "display_name": "Another" }),
    )
    .await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.body["code"], "conflict");
    assert!(
        refused.body["error"]
            .as_str()
            .expect("error")
            .contains("multi-session mode")
    );
}

#[tokio::test]
async fn the_host_has_a_grace_period_then_the_session_ends() {
    let kernel = start_kernel();
    let (anna, mut host) = signed_in(&kernel, "anna").await;
    let number = host.start_session().await;
    let mut customer = Customer::join(&kernel, &number, "Carl").await;
    host.event("participant.joined").await;

    // The console closes and comes back within the grace period.
    host.close().await;
    assert_eq!(
        customer.page.event("session.host_away").await["grace_secs"],
        2
    );
    let mut host = anna.console(&kernel).await;
    host.ok("session.resume", json!({ "session": number }))
        .await;
    assert_eq!(
        customer.page.event("participant.rejoined").await["participant"]["display_name"],
        "Anna Berg"
    );

    // It closes again and stays away: the session ends, and the agent is
    // told so it can put the computer back to normal.
    let mut agent = customer.connect_agent(&kernel).await;
    host.close().await;
    customer.page.event("session.host_away").await;
    let ended = agent.event("session.ended").await;
    assert_eq!(
        ended["reason"],
        "the CSR did not come back within the grace period"
    );
    assert_eq!(
        customer.page.event("session.ended").await["reason"],
        ended["reason"]
    );
    let report = anna.get(&format!("/api/sessions/{number}/report")).await;
    assert_eq!(report.body["status"], "ended");
    assert!(kinds(&report.body).contains(&"host.away".to_owned()));
}
