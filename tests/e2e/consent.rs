//! Consent, enforced by the kernel on every agent call: without a grant,
//! after the customer revoked it, after a prompt timed out, for a
//! capability the manifest lacks, for a plugin the site does not enable.
//! Each refusal is clear and the agent never sees the call.

use serde_json::{Value, json};
use tether_tests::clients::{Csr, Customer, TestAgent, WsClient};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};

const CONFIG: &str = r#"
[sessions]
consent_timeout_secs = 2
join_attempts_per_minute = 1000

[sites.default]
name = "Default"
plugins = ["echo"]

[sites.other]
name = "Other"
plugins = []
"#;

struct Setup {
    kernel: KernelProcess,
    host: WsClient,
    number: String,
    customer: Customer,
    agent: TestAgent,
}

async fn session_with_agent() -> Setup {
    let accounts = [
        TestAccount::csr("anna", "Anna Berg", "default"),
        TestAccount::csr("olga", "Olga Sand", "other"),
    ];
    let kernel = KernelProcess::configure(&fixture_manifests(), CONFIG, &accounts).launch();
    let anna = Csr::sign_in(&kernel, "anna", "correct horse battery")
        .await
        .expect("signs in");
    let mut host = anna.console(&kernel).await;
    let number = host.start_session().await;
    let mut customer = Customer::join(&kernel, &number, "Carl").await;
    let agent = TestAgent::start(
        &kernel,
        &mut customer,
        &["sysinfo.collect", "account.logoff"],
    )
    .await;
    Setup {
        kernel,
        host,
        number,
        customer,
        agent,
    }
}

fn command(number: &str, name: &str, customer: &str, capability: &str) -> Value {
    json!({ "session": number, "plugin": "echo", "name": name,
            "payload": { "session": number, "participant": customer, "capability": capability, "input": {} } })
}

/// Asks consent and answers the prompt on the customer's page.
async fn ask_and_answer(s: &mut Setup, granted: bool) -> (Value, Value) {
    let ask = s
        .host
        .send_request(
            "plugin.command",
            command(
                &s.number,
                "ask-consent",
                &s.customer.participant,
                "sysinfo.collect",
            ),
        )
        .await;
    s.customer.answer_prompt(granted).await;
    let reply = s.host.reply_to(ask).await;
    let answered = s.customer.page.event("consent.answered").await;
    (reply, answered)
}

async fn refused_call(s: &mut Setup, capability: &str) -> (String, String) {
    s.host
        .refused(
            "plugin.command",
            command(&s.number, "call-agent", &s.customer.participant, capability),
        )
        .await
}

async fn report_kinds(s: &Setup) -> Vec<String> {
    let anna = Csr::sign_in(&s.kernel, "anna", "correct horse battery")
        .await
        .expect("signs in");
    let report = anna
        .get(&format!("/api/sessions/{}/report", s.number))
        .await;
    report.body["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn no_agent_call_without_a_grant_and_denial_is_final() {
    let mut s = session_with_agent().await;
    let (code, message) = refused_call(&mut s, "sysinfo.collect").await;
    assert_eq!(code, "forbidden");
    assert!(
        message.contains("no consent") && message.contains("has not allowed `sysinfo.collect`"),
        "{message}"
    );

    let (reply, answered) = ask_and_answer(&mut s, false).await;
    assert_eq!(reply["body"], "denied");
    assert_eq!(answered["outcome"], "denied");
    assert_eq!(answered["grants"], json!([]));
    let (_, message) = refused_call(&mut s, "sysinfo.collect").await;
    assert!(message.contains("no consent"), "{message}");
    assert!(
        s.agent.calls().is_empty(),
        "the agent must not see refused calls"
    );
    let kinds = report_kinds(&s).await;
    assert!(kinds.contains(&"consent.denied".to_owned()));
    assert_eq!(
        kinds.iter().filter(|k| *k == "agent.refused").count(),
        2,
        "{kinds:?}"
    );
}

#[tokio::test]
async fn a_revoked_grant_stops_further_calls() {
    let mut s = session_with_agent().await;
    let (reply, answered) = ask_and_answer(&mut s, true).await;
    assert_eq!(reply["body"], "granted");
    let grant = answered["grants"][0].as_str().expect("grant id").to_owned();
    s.host
        .ok(
            "plugin.command",
            command(
                &s.number,
                "call-agent",
                &s.customer.participant,
                "sysinfo.collect",
            ),
        )
        .await;
    assert_eq!(s.agent.calls().len(), 1);

    // Only the customer who gave it can revoke it, and only once.
    let (code, _) = s
        .customer
        .page
        .refused("consent.revoke", json!({ "grant": "grant-unknown" }))
        .await;
    assert_eq!(code, "not_found");
    s.customer
        .page
        .ok("consent.revoke", json!({ "grant": grant }))
        .await;
    assert_eq!(
        s.host.event("consent.revoked").await["grant"],
        grant.as_str()
    );
    let (code, _) = s
        .customer
        .page
        .refused("consent.revoke", json!({ "grant": grant }))
        .await;
    assert_eq!(code, "not_found");

    let (_, message) = refused_call(&mut s, "sysinfo.collect").await;
    assert!(message.contains("no consent"), "{message}");
    assert_eq!(s.agent.calls().len(), 1, "no call after revocation");
    assert!(
        report_kinds(&s)
            .await
            .contains(&"consent.revoked".to_owned())
    );
}

#[tokio::test]
async fn an_unanswered_prompt_times_out_and_grants_nothing() {
    let mut s = session_with_agent().await;
    let reply = s
        .host
        .request(
            "plugin.command",
            command(
                &s.number,
                "ask-consent",
                &s.customer.participant,
                "sysinfo.collect",
            ),
        )
        .await;
    assert_eq!(reply["body"], "timed-out", "{reply}");
    let prompt = s.customer.page.event("consent.prompt").await;
    assert_eq!(
        s.customer.page.event("consent.answered").await["outcome"],
        "timed_out"
    );
    // A late answer changes nothing.
    let (code, _) = s
        .customer
        .page
        .refused(
            "consent.answer",
            json!({ "request": prompt["request"], "granted": true }),
        )
        .await;
    assert_eq!(code, "not_found");
    let (_, message) = refused_call(&mut s, "sysinfo.collect").await;
    assert!(message.contains("no consent"), "{message}");
    assert!(s.agent.calls().is_empty());
    assert!(
        report_kinds(&s)
            .await
            .contains(&"consent.timed_out".to_owned())
    );
}

#[tokio::test]
async fn undeclared_capabilities_and_disabled_plugins_are_refused() {
    let mut s = session_with_agent().await;
    // Granted for sysinfo.collect does not cover a capability the manifest lacks,
    // and consent cannot even be asked for it.
    ask_and_answer(&mut s, true).await;
    let (code, message) = refused_call(&mut s, "files.delete").await;
    assert_eq!(code, "plugin_error");
    assert!(
        message.contains("`files.delete` is not declared"),
        "{message}"
    );
    let (_, message) = s
        .host
        .refused(
            "plugin.command",
            command(
                &s.number,
                "ask-consent",
                &s.customer.participant,
                "files.delete",
            ),
        )
        .await;
    assert!(
        message.contains("`files.delete` is not declared"),
        "{message}"
    );
    assert!(s.agent.calls().is_empty());

    // Another customer of the session has not granted anything.
    let other = Customer::join(&s.kernel, &s.number, "Dora").await;
    let (_, message) = s
        .host
        .refused(
            "plugin.command",
            command(
                &s.number,
                "call-agent",
                &other.participant,
                "sysinfo.collect",
            ),
        )
        .await;
    assert!(message.contains("no consent"), "{message}");

    // On a site that does not enable the plugin, it gets no command at all.
    let olga = Csr::sign_in(&s.kernel, "olga", "correct horse battery")
        .await
        .expect("signs in");
    let mut console = olga.console(&s.kernel).await;
    let number = console.start_session().await;
    let customer = Customer::join(&s.kernel, &number, "Eve").await;
    let (code, message) = console
        .refused(
            "plugin.command",
            command(
                &number,
                "call-agent",
                &customer.participant,
                "sysinfo.collect",
            ),
        )
        .await;
    assert_eq!(code, "forbidden");
    assert!(message.contains("not enabled"), "{message}");
}

#[tokio::test]
async fn capabilities_asked_together_get_one_prompt_and_a_grant_each() {
    let mut s = session_with_agent().await;
    let ask = s
        .host
        .send_request(
            "plugin.command",
            command(
                &s.number,
                "ask-consent-all",
                &s.customer.participant,
                "sysinfo.collect,account.logoff",
            ),
        )
        .await;
    let prompt = s.customer.page.event("consent.prompt").await;
    assert_eq!(
        prompt["capabilities"],
        json!(["sysinfo.collect", "account.logoff"])
    );
    assert_eq!(
        prompt["text"],
        "Anna Berg wants to say hello to your computer and to wave at you."
    );
    s.customer
        .page
        .ok(
            "consent.answer",
            json!({ "request": prompt["request"], "granted": true }),
        )
        .await;
    assert_eq!(s.host.reply_to(ask).await["body"], "granted");
    let answered = s.customer.page.event("consent.answered").await;
    assert_eq!(answered["grants"].as_array().expect("grants").len(), 2);
    for capability in ["sysinfo.collect", "account.logoff"] {
        s.host
            .ok(
                "plugin.command",
                command(&s.number, "call-agent", &s.customer.participant, capability),
            )
            .await;
    }
    assert_eq!(s.agent.calls().len(), 2);
    // Only one prompt was shown, and asking for an undeclared one refuses all.
    assert!(
        s.customer
            .page
            .pending_events()
            .iter()
            .all(|e| e["type"] != "consent.prompt")
    );
    let (_, message) = s
        .host
        .refused(
            "plugin.command",
            command(
                &s.number,
                "ask-consent-all",
                &s.customer.participant,
                "sysinfo.collect,files.delete",
            ),
        )
        .await;
    assert!(
        message.contains("`files.delete` is not declared"),
        "{message}"
    );
}

#[tokio::test]
async fn only_the_prompted_customer_answers_and_agents_can_answer_too() {
    let mut s = session_with_agent().await;
    // Carl stops the test agent, starts another, and closes his page: the
    // agent asks in its terminal then.
    drop(s.agent);
    let mut agent_socket = s.customer.connect_agent(&s.kernel).await;
    s.customer.page.close().await;
    let other = Customer::join(&s.kernel, &s.number, "Dora").await;
    let mut other_page = other.page;
    let ask = s
        .host
        .send_request(
            "plugin.command",
            command(
                &s.number,
                "ask-consent",
                &s.customer.participant,
                "sysinfo.collect",
            ),
        )
        .await;
    let prompt = agent_socket.event("consent.prompt").await;
    // Another customer cannot answer for Carl.
    let (code, _) = other_page
        .refused(
            "consent.answer",
            json!({ "request": prompt["request"], "granted": true }),
        )
        .await;
    assert_eq!(code, "not_found");
    // Carl answers in the agent's terminal.
    agent_socket
        .ok(
            "consent.answer",
            json!({ "request": prompt["request"], "granted": true }),
        )
        .await;
    assert_eq!(s.host.reply_to(ask).await["body"], "granted");
}

#[tokio::test]
async fn large_results_and_progress_lines_reach_the_csr() {
    let mut s = session_with_agent().await;
    ask_and_answer(&mut s, true).await;
    // A result far over a control message's 64 KiB comes back whole (the
    // command itself is too big for the console socket, so it goes by REST).
    let anna = Csr::sign_in(&s.kernel, "anna", "correct horse battery")
        .await
        .expect("signs in");
    let pad = "x".repeat(300 * 1024);
    let body = json!({ "session": s.number, "name": "call-agent",
                       "payload": { "session": s.number, "participant": s.customer.participant,
                                    "capability": "sysinfo.collect", "input": { "pad": pad } } });
    let result = anna.post("/api/plugins/echo/commands", body).await;
    assert_eq!(
        result.status,
        200,
        "{}",
        &result.text[..result.text.len().min(300)]
    );
    assert_eq!(
        result.body["input"]["pad"].as_str().map(str::len),
        Some(300 * 1024)
    );

    // An agent that reports progress while it works: the lines appear in the
    // chat as the plugin's, and in the report.
    drop(s.agent);
    let mut agent = s.customer.connect_agent(&s.kernel).await;
    agent
        .ok(
            "agent.hello",
            json!({ "capabilities": ["sysinfo.collect"] }),
        )
        .await;
    let id = s
        .host
        .send_request(
            "plugin.command",
            command(
                &s.number,
                "call-agent",
                &s.customer.participant,
                "sysinfo.collect",
            ),
        )
        .await;
    let call = agent.event("agent.call").await;
    let (code, _) = agent
        .refused(
            "agent.progress",
            json!({ "call": "call-unknown", "text": "nope" }),
        )
        .await;
    assert_eq!(code, "not_found");
    for line in ["step 1 of 2", "step 2 of 2"] {
        agent
            .ok(
                "agent.progress",
                json!({ "call": call["call"], "text": line }),
            )
            .await;
    }
    agent
        .ok(
            "agent.result",
            json!({ "call": call["call"], "output": { "done": true } }),
        )
        .await;
    assert_eq!(s.host.reply_to(id).await["body"], json!({ "done": true }));
    let first = s.host.event("chat.message").await;
    assert_eq!(
        (first["display_name"].as_str(), first["text"].as_str()),
        (Some("echo"), Some("step 1 of 2"))
    );
    assert_eq!(first["from"], "plugin:echo");
    assert_eq!(
        s.customer.page.event("chat.message").await["text"],
        "step 1 of 2"
    );
    let anna = Csr::sign_in(&s.kernel, "anna", "correct horse battery")
        .await
        .expect("signs in");
    let report = anna
        .get(&format!("/api/sessions/{}/report?format=text", s.number))
        .await;
    assert!(report.text.contains("step 2 of 2"), "{}", report.text);
}

fn call_with_consent(number: &str, customer: &str, capability: &str, asked: &[&str]) -> Value {
    json!({ "session": number, "plugin": "echo", "name": "call-agent-with-consent",
            "payload": { "session": number, "participant": customer, "capability": capability,
                         "input": { "n": 1 }, "asked": asked } })
}

#[tokio::test]
async fn a_call_with_consent_asks_only_when_needed_and_calls_in_the_same_round() {
    let mut s = session_with_agent().await;
    let customer = s.customer.participant.clone();
    // No grant yet: one prompt for what belongs together, then the call.
    let asked = ["sysinfo.collect", "account.logoff"];
    let id = s
        .host
        .send_request(
            "plugin.command",
            call_with_consent(&s.number, &customer, "sysinfo.collect", &asked),
        )
        .await;
    let prompt = s.customer.answer_prompt(true).await;
    assert_eq!(prompt["capabilities"], json!(asked));
    assert_eq!(prompt["detail"], "for a test");
    let reply = s.host.reply_to(id).await;
    assert_eq!(reply["type"], "ok", "{reply}");
    assert_eq!(reply["body"]["input"], json!({ "n": 1 }));
    assert_eq!(reply["body"]["machine"], "test agent");
    assert_eq!(s.agent.calls().len(), 1);

    // Granted now: no prompt, straight to the agent.
    let output = s
        .host
        .ok(
            "plugin.command",
            call_with_consent(&s.number, &customer, "account.logoff", &[]),
        )
        .await;
    assert_eq!(output["capability"], "account.logoff");
    assert_eq!(s.agent.calls().len(), 2);
    assert!(
        s.customer
            .page
            .pending_events()
            .iter()
            .all(|e| e["type"] != "consent.prompt")
    );
    // Asking first is a step, not a refusal: the report shows none.
    let kinds = report_kinds(&s).await;
    assert!(!kinds.contains(&"agent.refused".to_owned()), "{kinds:?}");
    assert_eq!(
        kinds.iter().filter(|k| *k == "agent.call").count(),
        2,
        "{kinds:?}"
    );
}

#[tokio::test]
async fn a_call_with_consent_that_is_denied_or_malformed_never_reaches_the_agent() {
    let mut s = session_with_agent().await;
    let customer = s.customer.participant.clone();
    let id = s
        .host
        .send_request(
            "plugin.command",
            call_with_consent(&s.number, &customer, "sysinfo.collect", &[]),
        )
        .await;
    s.customer.answer_prompt(false).await;
    assert_eq!(s.host.reply_to(id).await["body"], "denied");

    // What is called must be among what is asked, and names must be known.
    let (_, message) = s
        .host
        .refused(
            "plugin.command",
            call_with_consent(&s.number, &customer, "sysinfo.collect", &["account.logoff"]),
        )
        .await;
    assert!(
        message.contains("`sysinfo.collect` must be among the capabilities asked for"),
        "{message}"
    );
    let (_, message) = s
        .host
        .refused(
            "plugin.command",
            call_with_consent(&s.number, &customer, "files.delete", &[]),
        )
        .await;
    assert!(
        message.contains("`files.delete` is not declared"),
        "{message}"
    );
    assert!(
        s.agent.calls().is_empty(),
        "the agent must not see refused calls"
    );
    assert!(
        s.customer
            .page
            .pending_events()
            .iter()
            .all(|e| e["type"] != "consent.prompt"),
        "a malformed call asks nobody"
    );
}

#[tokio::test]
async fn a_plugin_posts_in_the_chat_in_its_own_name_within_the_chat_limits() {
    let mut s = session_with_agent().await;
    let chat = |text: &str| json!({ "session": s.number, "plugin": "echo", "name": "chat", "payload": text });
    s.host
        .ok("plugin.command", chat("Script 1 of 1 failed"))
        .await;
    let line = s.customer.page.event("chat.message").await;
    assert_eq!(line["from"], "plugin:echo");
    assert_eq!(line["display_name"], "echo");
    assert_eq!(line["text"], "Script 1 of 1 failed");
    for bad in [
        String::from("   "),
        "x".repeat(tether_protocol::MAX_CHAT_CHARS + 1),
    ] {
        let (_, message) = s.host.refused("plugin.command", chat(&bad)).await;
        assert!(
            message.contains("a chat line has 1 to 4000 characters"),
            "{message}"
        );
    }
    assert!(report_kinds(&s).await.contains(&"chat".to_owned()));
}
