//! WebACD end to end (issue 16, DESIGN §10): the bundled `webacd` plugin
//! on a real kernel process, with real WebSocket clients for consoles,
//! customer pages and a customer's agent, and real headless Chromium for
//! the screens — customers entering a queue and being offered to the agent
//! idle longest, the next one on a decline, two agents accepting at the
//! same instant, transferring a session to agents (with a message counted
//! as a person counts characters) and to a queue, CSRs who are not WebACD
//! agents refused, and plugins of API 0.1 working beside it.
//!
//! The kernel's primitives underneath (presence, offers, waiting sessions,
//! hand-over) are tested on their own with a probe plugin in `desk.rs`,
//! which also shows that a plugin API 0.1 manifest importing `desk` is
//! refused; this file does not repeat that.
//!
//! Every browser screen is audited with axe-core; screenshots go to
//! `target/screenshots/`.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use fantoccini::key::Key;
use serde_json::{Value, json};
use tether_tests::browser::{Browser, BrowserContext, Dictionary, test_id};
use tether_tests::clients::{Answer, Csr, Customer, PATIENCE, WsClient, error_of};
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::{bundled_manifests, fixture_manifests};

const CONFIG: &str = r#"
[sessions]
grace_secs = 2
consent_timeout_secs = 30
join_attempts_per_minute = 1000
joins_per_address_per_hour = 1000

[sites.default]
name = "Default"
plugins = ["webacd", "sysinfo", "echo", "api-0-1-0", "event-log-0-1"]
max_customers_per_csr = 3
"#;

const PASSWORD: &str = "correct horse battery";
const PLUGIN: &str = "webacd";
const TAKEN: &str = "Another agent has already taken this customer.";
const NOT_AN_AGENT: &str = "Only WebACD agents may transfer sessions.";
const TRANSFER_MENU: &str = "csr-menu-webacd-transfer";
const TRANSFER_DIALOG: &str = "csr-menu-dialog-webacd-transfer";
const TRANSFER_PANEL: &str = "iframe[data-plugin=\"webacd\"][data-panel=\"transfer\"]";
const ENTRY_PANEL: &str = "[data-test=\"public-panel\"] iframe";
const QUEUE_PANEL: &str = "iframe[data-plugin=\"webacd\"][data-panel=\"queue\"]";

fn accounts() -> Vec<TestAccount> {
    vec![
        TestAccount::csr("anna", "Anna Berg", "default").webacd_agent(),
        TestAccount::csr("bert", "Bert Ek", "default").webacd_agent(),
        TestAccount::csr("dora", "Dora Lund", "default").webacd_agent(),
        TestAccount::csr("cara", "Cara Dahl", "default"),
        TestAccount {
            role: "admin",
            ..TestAccount::csr("ada", "Ada Admin", "default")
        },
    ]
}

/// The kernel with the bundled `webacd` and `sysinfo` plugins, and beside
/// them the fixtures `echo` (calls the customer's agent with or without
/// asking), `api-0-1-0` (built against the released plugin API 0.1.0)
/// and `event-log-0-1` (a plugin API 0.1 plugin that logs what it hears),
/// all enabled on one site; and its site admin, signed in.
struct Desk {
    kernel: KernelProcess,
    admin: Csr,
    _manifests: tempfile::TempDir,
}

impl Desk {
    async fn start() -> Desk {
        let manifests = tempfile::tempdir().expect("temp dir");
        let copies = [
            (bundled_manifests(), "webacd.toml"),
            (bundled_manifests(), "sysinfo.toml"),
            (fixture_manifests(), "echo.toml"),
            (fixture_manifests(), "api-0-1-0.toml"),
            (fixture_manifests(), "event-log-0-1.toml"),
        ];
        for (dir, name) in copies {
            std::fs::copy(dir.join(name), manifests.path().join(name)).expect("copy manifest");
        }
        let kernel = KernelProcess::configure(manifests.path(), CONFIG, &accounts()).launch();
        let admin = signed_in(&kernel, "ada").await;
        Desk {
            kernel,
            admin,
            _manifests: manifests,
        }
    }

    /// The site admin creates a queue in the admin panel.
    async fn queue(&self, name: &str, title: &str, members: &[&str], timeout_secs: u32) -> Value {
        let payload = json!({ "name": name, "title": title, "members": members,
                              "accept_timeout_secs": timeout_secs });
        admin_command(&self.admin, "queues.create", payload).await
    }

    /// A console of `username`, past the presence it is told on opening.
    async fn console(&self, username: &str) -> WsClient {
        let mut console = signed_in(&self.kernel, username)
            .await
            .console(&self.kernel)
            .await;
        console.event("presence.changed").await;
        console
    }

    /// A customer enters `queue` as the entry page does; their page then
    /// connects.
    async fn enter(&self, queue: &str, name: &str, problem: &str) -> (Value, Customer) {
        let entered = public_command(
            &self.kernel,
            json!({ "name": "enter", "page": queue,
                    "payload": { "name": name, "problem": problem } }),
        )
        .await;
        assert_eq!(entered.status, 200, "enter: {}", entered.text);
        let join = &entered.body["join"];
        let token = join["token"].as_str().expect("join token").to_owned();
        let customer = Customer {
            session: join["session"].as_str().expect("session").to_owned(),
            participant: join["participant"]
                .as_str()
                .expect("participant")
                .to_owned(),
            page: WsClient::customer_page(&self.kernel, &token).await,
            token,
        };
        (entered.body["reply"].clone(), customer)
    }

    async fn report(&self, number: &str) -> String {
        let answer = self
            .admin
            .get(&format!("/api/sessions/{number}/report?format=text"))
            .await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.text
    }

    /// Waits until the session's report has `line`.
    async fn report_until(&self, number: &str, line: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let text = self.report(number).await;
            if text.contains(line) {
                return text;
            }
            assert!(Instant::now() < deadline, "no `{line}` in:\n{text}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn signed_in(kernel: &KernelProcess, username: &str) -> Csr {
    Csr::sign_in(kernel, username, PASSWORD)
        .await
        .expect("signs in")
}

async fn admin_command(admin: &Csr, name: &str, payload: Value) -> Value {
    let answer = admin
        .post(
            "/api/plugins/webacd/commands",
            json!({ "name": name, "payload": payload }),
        )
        .await;
    assert_eq!(answer.status, 200, "{name}: {}", answer.text);
    answer.body
}

/// A public command as the kernel's public page sends it (same origin).
async fn public_command(kernel: &KernelProcess, body: Value) -> Answer {
    let response = reqwest::Client::new()
        .post(kernel.url("/api/public/webacd/default/commands"))
        .header("origin", &kernel.base_url)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
        headers,
    }
}

async fn set_available(console: &mut WsClient, available: bool) {
    console
        .ok("presence.set", json!({ "available": available }))
        .await;
}

/// Lets the clock move on, so two CSRs who become available one after the
/// other have different idle times (kept in milliseconds).
async fn separate_instants() {
    tokio::time::sleep(Duration::from_millis(20)).await;
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

fn command_in(session: &str, name: &str, payload: Value) -> Value {
    json!({ "session": session, "plugin": PLUGIN, "name": name, "payload": payload })
}

fn to_agents(session: &str, agents: &[&str], message: &str) -> Value {
    command_in(
        session,
        "transfer",
        json!({ "to": "agents", "agents": agents, "message": message }),
    )
}

fn to_queue(session: &str, queue: &str, message: &str) -> Value {
    command_in(
        session,
        "transfer",
        json!({ "to": "queue", "queue": queue, "message": message }),
    )
}

/// An `echo` fixture command calling `sysinfo.collect` on the customer's
/// agent (`call-agent` without asking, `ask-consent` to ask).
fn echo(session: &str, name: &str, customer: &str) -> Value {
    json!({ "session": session, "plugin": "echo", "name": name,
            "payload": { "session": session, "participant": customer,
                         "capability": "sysinfo.collect", "input": {} } })
}

/// `console` has `echo` call the customer's agent; the agent answers the
/// call it gets.
async fn call_answered(
    console: &mut WsClient,
    agent: &mut WsClient,
    session: &str,
    customer: &str,
) -> Value {
    let id = console
        .send_request("plugin.command", echo(session, "call-agent", customer))
        .await;
    let call = agent.event("agent.call").await;
    answer_call(agent, &call, json!({ "machine": "Carl's" })).await;
    let reply = console.reply_to(id).await;
    assert_eq!(reply["type"], "ok", "{reply}");
    reply["body"].clone()
}

async fn answer_call(agent: &mut WsClient, call: &Value, output: Value) {
    let result = tether_protocol::AgentRequest::Result {
        call: call["call"].as_str().expect("call id").to_owned(),
        output: Some(tether_protocol::RawJson::from_value(&output).expect("JSON")),
        error: None,
        lasting: false,
    };
    agent.send_typed(&result).await;
}

/// The customer's agent, connected with a code from their page and
/// offering `sysinfo.collect`.
async fn agent_of(kernel: &KernelProcess, customer: &mut Customer) -> WsClient {
    let mut agent = customer.connect_agent(kernel).await;
    let hello = tether_protocol::AgentRequest::Hello {
        capabilities: vec![tether_protocol::Capability::SysinfoCollect],
        platform: "test".into(),
        rejoin_after_restart: Default::default(),
    };
    let id = agent.send_typed(&hello).await;
    assert_eq!(agent.reply_to(id).await["type"], "ok");
    agent
}

/// The customer allows what `console` asks in `echo`'s name; the grant.
async fn consent_given(console: &mut WsClient, customer: &mut Customer) -> String {
    let asking = console
        .send_request(
            "plugin.command",
            echo(&customer.session, "ask-consent", &customer.participant),
        )
        .await;
    customer.answer_prompt(true).await;
    assert_eq!(console.reply_to(asking).await["body"], "granted");
    let answered = customer.page.event("consent.answered").await;
    answered["grants"][0].as_str().expect("grant").to_owned()
}

/// The next message of `webacd` to a panel (in a session) that `check`
/// accepts.
async fn plugin_message_until(ws: &mut WsClient, check: impl Fn(&Value) -> bool) -> Value {
    loop {
        let body = ws.event("plugin.message").await;
        if body["plugin"] == PLUGIN && check(&body["message"]) {
            return body["message"].clone();
        }
    }
}

/// Ids of the session's participants, as its host's console sees them.
fn participant_ids(info: &Value) -> Vec<String> {
    info["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .filter_map(|p| p["id"].as_str().map(str::to_owned))
        .collect()
}

/// One character each as a person counts them (grapheme clusters): kana,
/// kanji, punctuation, a kana written with a combining voiced sound mark
/// (two code points) and an emoji sequence (three).
const GRAPHEMES: [&str; 16] = [
    "サ",
    "ポ",
    "ー",
    "ト",
    "を",
    "お",
    "願",
    "い",
    "し",
    "ま",
    "す",
    "か\u{3099}",
    "漢",
    "字",
    "👩\u{200d}💻",
    "。",
];

/// A Japanese message of `characters` characters as a person counts them;
/// it has more code points than that.
fn japanese_message(characters: usize) -> String {
    let message: String = GRAPHEMES.iter().cycle().take(characters).copied().collect();
    assert!(message.chars().count() > characters);
    message
}

#[tokio::test]
async fn a_waiting_customer_goes_to_the_agent_idle_longest_then_the_next_and_the_one_who_accepts_hosts()
 {
    let desk = Desk::start().await;
    desk.queue("support", "Support", &["bert", "dora"], 30)
        .await;
    // Bert came online first, but Dora became available first: she has
    // been idle longest.
    let mut bert = desk.console("bert").await;
    let mut dora = desk.console("dora").await;
    set_available(&mut dora, true).await;
    separate_instants().await;
    set_available(&mut bert, true).await;

    let (reply, mut carl) = desk.enter("support", "Carl", "The printer jams").await;
    assert_eq!(
        reply,
        json!({ "queued": true, "queue": "support", "title": "Support",
                "session": carl.session, "position": 1 })
    );

    let first = offer_for(&mut dora, &carl.session).await;
    assert_eq!(
        (&first["plugin"], &first["title"], &first["text"]),
        (
            &json!(PLUGIN),
            &json!("Carl · Support"),
            &json!("The printer jams")
        )
    );
    let declined = dora
        .ok(
            "offer.answer",
            json!({ "offer": first["offer"], "accept": false }),
        )
        .await;
    assert_eq!(declined, json!({ "declined": true }));

    // Declined: the offer passes to the other agent.
    let second = offer_for(&mut bert, &carl.session).await;
    assert_ne!(second["offer"], first["offer"]);
    assert_eq!(second["title"], "Carl · Support");
    let won = bert
        .ok(
            "offer.answer",
            json!({ "offer": second["offer"], "accept": true }),
        )
        .await;
    let bert_id = won["participant"].as_str().expect("participant").to_owned();
    assert_eq!(
        won,
        json!({ "accepted": true, "session": carl.session, "participant": bert_id })
    );
    // Dora's offer is over: she cannot take it back.
    let (code, _) = dora
        .refused(
            "offer.answer",
            json!({ "offer": first["offer"], "accept": true }),
        )
        .await;
    assert_eq!(code, "not_found");

    assert_eq!(
        bert.event("session.assigned").await,
        json!({ "session": carl.session, "participant": bert_id })
    );
    let info = bert
        .ok("session.info", json!({ "session": carl.session }))
        .await;
    assert_eq!(info["host"], bert_id);
    let mut ids = participant_ids(&info);
    ids.sort();
    let mut expected = vec![bert_id.clone(), carl.participant.clone()];
    expected.sort();
    assert_eq!(ids, expected, "{info}");
    // Carl's page, still the same connection, hears who helps him now.
    assert_eq!(
        carl.page.event("session.transferred").await,
        json!({ "session": carl.session,
                "to": { "id": bert_id, "display_name": "Bert Ek", "role": "host" } })
    );
    carl.page
        .ok("chat.send", json!({ "text": "Hello Bert" }))
        .await;
    assert_eq!(bert.event("chat.message").await["text"], "Hello Bert");

    let text = desk
        .report_until(&carl.session, "Bert Ek accepted and took the session.")
        .await;
    for line in [
        "Carl entered the queue Support. Problem: “The printer jams”",
        "Offered to Dora Lund (queue Support).",
        "Dora Lund declined.",
        "Offered to Bert Ek (queue Support).",
        "waiting → Bert Ek",
    ] {
        assert!(text.contains(line), "no `{line}` in:\n{text}");
    }
}

#[tokio::test]
async fn of_two_agents_accepting_one_transfer_at_the_same_instant_exactly_one_takes_it() {
    const ROUNDS: usize = 20;
    let desk = Desk::start().await;
    desk.queue("support", "Support", &["anna", "bert", "dora"], 60)
        .await;
    let names = ["anna", "bert", "dora"];
    let display = ["Anna Berg", "Bert Ek", "Dora Lund"];
    let mut consoles = [
        desk.console("anna").await,
        desk.console("bert").await,
        desk.console("dora").await,
    ];
    let number = consoles[0].start_session().await;
    let mut carl = Customer::join(&desk.kernel, &number, "Carl").await;
    let mut host = 0;
    let (mut plugin_refusals, mut kernel_refusals) = (0, 0);
    for round in 1..=ROUNDS {
        let others: Vec<usize> = (0..3).filter(|&i| i != host).collect();
        let (x, y) = (others[0], others[1]);
        let asked = to_agents(&number, &[names[x], names[y]], &format!("Round {round}"));
        let reply = consoles[host].ok("plugin.command", asked).await;
        let offer = reply["offer"].clone();
        for i in [x, y] {
            assert_eq!(offer_for(&mut consoles[i], &number).await["offer"], offer);
        }
        let [first, second] = consoles.get_disjoint_mut([x, y]).expect("two consoles");
        let accept = json!({ "offer": offer, "accept": true });
        let (a, b) = tokio::join!(
            first.request("offer.answer", accept.clone()),
            second.request("offer.answer", accept.clone())
        );
        let (winner, won, lost) = match (a["type"].as_str(), b["type"].as_str()) {
            (Some("ok"), Some("error")) => (x, a, b),
            (Some("error"), Some("ok")) => (y, b, a),
            _ => panic!("round {round}: exactly one must win:\n{a}\n{b}"),
        };
        // The loser is told plainly: by the plugin (the customer is taken),
        // or, when the winner's hand-over already withdrew the offer, by
        // the kernel (the offer is no longer open, maybe taken).
        match error_of(&lost) {
            (code, message) if code == "forbidden" && message == TAKEN => plugin_refusals += 1,
            (code, message) if code == "not_found" && message.contains("may have been taken") => {
                kernel_refusals += 1
            }
            other => panic!("round {round}: unclear refusal {other:?}"),
        }
        let participant = won["body"]["participant"]
            .as_str()
            .expect("participant")
            .to_owned();
        assert_eq!(
            consoles[winner].event("session.assigned").await,
            json!({ "session": number, "participant": participant })
        );
        let ended = consoles[host].event("session.ended").await;
        assert_eq!(
            (&ended["session"], &ended["reason"]),
            (
                &json!(number),
                &json!(format!(
                    "the session was transferred to {}",
                    display[winner]
                ))
            )
        );
        assert_eq!(
            carl.page.event("session.transferred").await["to"]["id"],
            participant
        );
        let info = consoles[winner]
            .ok("session.info", json!({ "session": number }))
            .await;
        assert_eq!(info["host"], participant, "round {round}");
        assert_eq!(participant_ids(&info).len(), 2, "round {round}: {info}");
        host = winner;
    }
    println!(
        "{ROUNDS} rounds: the plugin refused the loser {plugin_refusals} times, the kernel {kernel_refusals} times"
    );
    carl.page
        .ok("chat.send", json!({ "text": "Still here" }))
        .await;
    assert_eq!(
        consoles[host].event("chat.message").await["text"],
        "Still here"
    );
}

#[tokio::test]
async fn a_transfer_moves_the_host_keeps_the_customer_connected_and_ends_what_they_allowed() {
    let desk = Desk::start().await;
    desk.queue("support", "Support", &["anna", "bert", "dora"], 60)
        .await;
    desk.queue("billing", "Billing", &["dora"], 60).await;
    let mut anna = desk.console("anna").await;
    let mut bert = desk.console("bert").await;
    let mut dora = desk.console("dora").await;
    set_available(&mut dora, true).await;
    separate_instants().await;
    set_available(&mut anna, true).await;

    // Carl waits; Dora declines, Anna takes him.
    let (_, mut carl) = desk.enter("support", "Carl", "No sound").await;
    let number = carl.session.clone();
    let offered = offer_for(&mut dora, &number).await;
    dora.ok(
        "offer.answer",
        json!({ "offer": offered["offer"], "accept": false }),
    )
    .await;
    set_available(&mut dora, false).await;
    let offered = offer_for(&mut anna, &number).await;
    let taken = anna
        .ok(
            "offer.answer",
            json!({ "offer": offered["offer"], "accept": true }),
        )
        .await;
    let anna_id = taken["participant"]
        .as_str()
        .expect("participant")
        .to_owned();
    anna.event("session.assigned").await;
    carl.page.event("session.transferred").await;
    let carl_id = carl.participant.clone();

    // Carl's agent connects; he allows Anna's call, which works.
    let mut agent = agent_of(&desk.kernel, &mut carl).await;
    let grant = consent_given(&mut anna, &mut carl).await;
    assert_eq!(
        call_answered(&mut anna, &mut agent, &number, &carl_id).await,
        json!({ "machine": "Carl's" })
    );

    // 346 characters: refused, and nothing changes.
    let info_before = anna.ok("session.info", json!({ "session": number })).await;
    let report_before = desk.report(&number).await;
    let (code, message) = anna
        .refused(
            "plugin.command",
            to_agents(&number, &["bert"], &japanese_message(346)),
        )
        .await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "plugin_error",
            "The message has 346 characters; at most 345 are allowed."
        )
    );
    let info_after = anna.ok("session.info", json!({ "session": number })).await;
    assert_eq!(info_after, info_before);
    let report_after = desk.report(&number).await;
    let added: Vec<&str> = report_after
        .lines()
        .filter(|line| !report_before.lines().any(|before| before == *line))
        .collect();
    assert!(
        added
            .iter()
            .all(|line| line.contains("plugin.command") || line.contains("plugin.error")),
        "only the refused command itself is recorded: {added:?}"
    );
    let options = anna
        .ok(
            "plugin.command",
            command_in(&number, "transfer.options", json!({})),
        )
        .await;
    assert_eq!(options["allowed"], true, "{options}");
    assert_eq!(options["pending"], Value::Null, "{options}");

    // Offered to Bert, who lets the time pass: Carl waits in the queue he
    // came from, and Anna is told. (Bert's first offer is this one: the
    // refused transfer offered nothing.)
    admin_command(
        &desk.admin,
        "queues.update",
        json!({ "name": "support", "accept_timeout_secs": 5 }),
    )
    .await;
    let sent = anna
        .ok(
            "plugin.command",
            to_agents(&number, &["bert"], "Please take over"),
        )
        .await;
    assert_eq!(
        (&sent["transferring"], &sent["agents"], &sent["queue"]),
        (&json!(true), &json!(["Bert Ek"]), &json!("support"))
    );
    let silent = bert.event("offer.made").await;
    assert_eq!(
        (&silent["session"], &silent["offer"], &silent["text"]),
        (
            &json!(number),
            &sent["offer"],
            &json!("Anna Berg: Please take over")
        )
    );
    assert_eq!(silent["title"], "Carl · from Anna Berg");
    let transferring = plugin_message_until(&mut carl.page, |m| m["state"] == "transferring").await;
    assert_eq!(transferring["to"], json!(["Bert Ek"]));
    let gone = bert.event("offer.withdrawn").await;
    assert_eq!(
        (&gone["offer"], &gone["expired"]),
        (&silent["offer"], &json!(true))
    );
    let told = plugin_message_until(&mut anna, |m| m["type"] == "transfer_result").await;
    assert_eq!(
        told,
        json!({ "type": "transfer_result", "outcome": "queued", "reason": "timed_out",
                "queue": "support", "title": "Support" })
    );
    admin_command(
        &desk.admin,
        "queues.update",
        json!({ "name": "support", "accept_timeout_secs": 60 }),
    )
    .await;
    let cancelled = anna
        .ok(
            "plugin.command",
            command_in(&number, "transfer.cancel", json!({})),
        )
        .await;
    assert_eq!(cancelled, json!({ "cancelled": true }));

    // 345 characters as a person counts them (more code points than
    // that): Bert accepts.
    let long_message = japanese_message(345);
    let sent = anna
        .ok(
            "plugin.command",
            to_agents(&number, &["bert"], &long_message),
        )
        .await;
    let offered = offer_for(&mut bert, &number).await;
    assert_eq!(offered["offer"], sent["offer"]);
    assert_eq!(offered["text"], format!("Anna Berg: {long_message}"));
    let taken = bert
        .ok(
            "offer.answer",
            json!({ "offer": offered["offer"], "accept": true }),
        )
        .await;
    let bert_id = taken["participant"]
        .as_str()
        .expect("participant")
        .to_owned();
    assert_eq!(
        bert.event("session.assigned").await,
        json!({ "session": number, "participant": bert_id })
    );

    // Anna is out of the session, told so.
    let ended = anna.event("session.ended").await;
    assert_eq!(
        (&ended["session"], &ended["reason"]),
        (
            &json!(number),
            &json!("the session was transferred to Bert Ek")
        )
    );
    let info = bert.ok("session.info", json!({ "session": number })).await;
    assert_eq!(info["host"], bert_id);
    let ids = participant_ids(&info);
    assert!(
        ids.contains(&carl_id) && ids.contains(&bert_id) && !ids.contains(&anna_id),
        "{info}"
    );
    // What Carl allowed ended; his page and his agent hear it on the
    // connections they had (the agent was never welcomed again).
    assert_eq!(carl.page.event("consent.revoked").await["grant"], grant);
    assert_eq!(
        carl.page.event("session.transferred").await,
        json!({ "session": number, "from": anna_id,
                "to": { "id": bert_id, "display_name": "Bert Ek", "role": "host" } })
    );
    assert_eq!(agent.event("consent.revoked").await["grant"], grant);
    assert!(
        agent
            .pending_events()
            .iter()
            .all(|e| e["type"] != "session.welcome"),
        "{:?}",
        agent.pending_events()
    );

    // Bert's call on what Carl allowed Anna is refused; asked in his own
    // name, it works over the same agent connection.
    let (code, message) = bert
        .refused("plugin.command", echo(&number, "call-agent", &carl_id))
        .await;
    assert_eq!(code, "forbidden");
    assert!(message.contains("no consent"), "{message}");
    consent_given(&mut bert, &mut carl).await;
    assert_eq!(
        call_answered(&mut bert, &mut agent, &number, &carl_id).await,
        json!({ "machine": "Carl's" })
    );
    assert!(
        agent
            .pending_events()
            .iter()
            .all(|e| e["type"] != "agent.call" && e["type"] != "session.welcome"),
        "the refused call never reached the agent: {:?}",
        agent.pending_events()
    );

    // To a queue: Dora, its agent, takes Carl; Bert leaves.
    set_available(&mut dora, true).await;
    let queued = bert
        .ok(
            "plugin.command",
            to_queue(&number, "billing", "Refund of the March bill"),
        )
        .await;
    assert_eq!(
        queued,
        json!({ "transferring": true, "to": "queue", "queue": "billing", "title": "Billing",
                "position": 1 })
    );
    let offered = offer_for(&mut dora, &number).await;
    assert_eq!(
        (&offered["title"], &offered["text"]),
        (
            &json!("Carl · Billing · from Bert Ek"),
            &json!("Bert Ek: Refund of the March bill")
        )
    );
    let taken = dora
        .ok(
            "offer.answer",
            json!({ "offer": offered["offer"], "accept": true }),
        )
        .await;
    let dora_id = taken["participant"]
        .as_str()
        .expect("participant")
        .to_owned();
    assert_eq!(
        bert.event("session.ended").await["reason"],
        "the session was transferred to Dora Lund"
    );
    let moved = carl.page.event("session.transferred").await;
    assert_eq!(
        (&moved["from"], &moved["to"]["id"]),
        (&json!(bert_id), &json!(dora_id))
    );

    // Into a queue nobody can take him from now; Carl leaves while
    // waiting.
    set_available(&mut anna, false).await;
    dora.ok("plugin.command", to_queue(&number, "support", ""))
        .await;
    carl.page.ok("session.leave", json!({})).await;

    let text = desk
        .report_until(&number, "Carl left while waiting in the queue Support.")
        .await;
    for line in [
        "Carl entered the queue Support. Problem: “No sound”".to_owned(),
        "Offered to Dora Lund (queue Support).".to_owned(),
        "Dora Lund declined.".to_owned(),
        "Anna Berg accepted and took the session.".to_owned(),
        "Anna Berg transferred the session to Bert Ek. Message: “Please take over”".to_owned(),
        "Offered to Bert Ek.".to_owned(),
        "Bert Ek did not answer within 5 s.".to_owned(),
        "Nobody accepted the transfer in time; the session now waits in the queue Support."
            .to_owned(),
        "Anna Berg cancelled the transfer.".to_owned(),
        format!("Anna Berg transferred the session to Bert Ek. Message: “{long_message}”"),
        "Bert Ek accepted and took the session.".to_owned(),
        "from Anna Berg to Bert Ek".to_owned(),
        "Bert Ek transferred the session to the queue Billing. Message: “Refund of the March bill”"
            .to_owned(),
        "Offered to Dora Lund (queue Billing).".to_owned(),
        "Dora Lund accepted and took the session.".to_owned(),
        "from Bert Ek to Dora Lund".to_owned(),
        "Dora Lund transferred the session to the queue Support.".to_owned(),
    ] {
        assert!(text.contains(&line), "no `{line}` in:\n{text}");
    }
    assert!(
        !text.contains(&japanese_message(346)),
        "the refused message is not kept:\n{text}"
    );
}

#[tokio::test]
async fn a_csr_who_is_not_a_webacd_agent_cannot_transfer_and_nothing_changes() {
    let desk = Desk::start().await;
    desk.queue("support", "Support", &["bert"], 60).await;
    let mut bert = desk.console("bert").await;
    set_available(&mut bert, true).await;
    let mut cara = desk.console("cara").await;
    let number = cara.start_session().await;
    let _dan = Customer::join(&desk.kernel, &number, "Dan").await;
    let info_before = cara.ok("session.info", json!({ "session": number })).await;

    let options = cara
        .ok(
            "plugin.command",
            command_in(&number, "transfer.options", json!({})),
        )
        .await;
    assert_eq!(
        options,
        json!({ "allowed": false, "why": "not_agent", "reason": NOT_AN_AGENT })
    );
    for asked in [
        to_queue(&number, "support", "Over to you"),
        to_agents(&number, &["bert"], "Over to you"),
    ] {
        let (code, message) = cara.refused("plugin.command", asked.clone()).await;
        assert_eq!(
            (code.as_str(), message.as_str()),
            ("forbidden", NOT_AN_AGENT),
            "{asked}"
        );
    }
    assert_eq!(
        cara.ok("session.info", json!({ "session": number })).await,
        info_before
    );
    // Bert, available and a member of the queue, was offered nothing.
    bert.ok(
        "plugin.command",
        json!({ "plugin": PLUGIN, "name": "console.view", "payload": {} }),
    )
    .await;
    assert!(
        bert.pending_events()
            .iter()
            .all(|e| e["type"] != "offer.made"),
        "{:?}",
        bert.pending_events()
    );
    let text = desk.report(&number).await;
    assert!(
        !text.contains("transferred the session") && !text.contains("Offered to"),
        "{text}"
    );
}

#[tokio::test]
async fn plugins_of_api_0_1_work_beside_webacd_on_one_site_and_hear_nothing_of_the_desk() {
    let desk = Desk::start().await;
    let (status, plugins) = desk.kernel.get_json("/api/plugins").await;
    assert_eq!(status, 200);
    let mut loaded: Vec<&str> = plugins["loaded"]
        .as_array()
        .expect("loaded")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    loaded.sort();
    assert_eq!(
        loaded,
        ["api-0-1-0", "echo", "event-log-0-1", "sysinfo", "webacd"]
    );
    assert_eq!(plugins["refused"], json!([]));

    let mut anna = desk.console("anna").await;
    // The plugin built against the released 0.1.0 API works.
    let remember =
        |value: &str| json!({ "plugin": "api-0-1-0", "name": "remember", "payload": value });
    assert_eq!(
        anna.ok("plugin.command", remember("first")).await,
        Value::Null
    );
    assert_eq!(anna.ok("plugin.command", remember("second")).await, "first");

    // WebACD works beside it: a customer enters, Anna takes him.
    desk.queue("support", "Support", &["anna"], 60).await;
    set_available(&mut anna, true).await;
    let (_, mut carl) = desk.enter("support", "Carl", "Slow computer").await;
    let offered = offer_for(&mut anna, &carl.session).await;
    anna.ok(
        "offer.answer",
        json!({ "offer": offered["offer"], "accept": true }),
    )
    .await;
    anna.event("session.assigned").await;

    // So does `sysinfo`, in the session WebACD handed over.
    let mut agent = agent_of(&desk.kernel, &mut carl).await;
    let collecting = anna
        .send_request(
            "plugin.command",
            json!({ "session": carl.session, "plugin": "sysinfo", "name": "collect", "payload": null }),
        )
        .await;
    carl.answer_prompt(true).await;
    let call = agent.event("agent.call").await;
    assert_eq!(call["capability"], "sysinfo.collect");
    let categories = json!({ "categories": [{
        "id": "system", "title": "System", "columns": ["Item", "Value"],
        "rows": [["Host name", "carls-pc"]],
    }] });
    answer_call(&mut agent, &call, categories).await;
    let collected = anna.reply_to(collecting).await;
    assert_eq!(collected["type"], "ok", "{collected}");
    assert_eq!(collected["body"]["status"], "ok");
    assert_eq!(
        collected["body"]["categories"][0]["rows"][0],
        json!(["Host name", "carls-pc"])
    );

    // The 0.1 plugin heard what plugin API 0.1 has — commands, customers
    // joining and leaving — and nothing of public pages, presence or
    // offers, which WebACD was busy with all along.
    carl.page.ok("session.leave", json!({})).await;
    let deadline = Instant::now() + PATIENCE;
    loop {
        let heard = anna
            .ok(
                "plugin.command",
                json!({ "plugin": "event-log-0-1", "name": "events", "payload": {} }),
            )
            .await;
        let kinds: Vec<&str> = heard
            .as_array()
            .expect("list")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            kinds.iter().all(|k| [
                "command",
                "participant-joined",
                "participant-left",
                "participant-rejoined",
                "customer-selected",
                "activities-ended",
                "session-ended",
                "timer"
            ]
            .contains(k)),
            "{kinds:?}"
        );
        if kinds.contains(&"participant-left") {
            break;
        }
        assert!(Instant::now() < deadline, "{kinds:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------------
// In the browser
// ---------------------------------------------------------------------

/// Runs `script` inside the iframe `frame` (shown or not: a menu's panel
/// waits in its closed dialog) and returns its value; back at the page
/// after.
async fn in_frame(context: &BrowserContext, frame: &str, script: &str, args: Vec<Value>) -> Value {
    context
        .client
        .find(Locator::Css(frame))
        .await
        .expect("the panel's frame")
        .enter_frame()
        .await
        .expect("enter frame");
    let value = context
        .client
        .execute(script, args)
        .await
        .expect("script runs");
    context.leave_frame().await;
    value
}

/// Waits until `script` (run inside `frame`) returns something other
/// than `null`.
async fn in_frame_until(context: &BrowserContext, frame: &str, script: &str) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let value = in_frame(context, frame, script, Vec::new()).await;
        if !value.is_null() {
            return value;
        }
        assert!(Instant::now() < deadline, "nothing from {script}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clicks `css` in a panel that may render it again meanwhile (a reply
/// it was waiting for): a click on the element it just replaced is tried
/// again on the new one.
async fn click_settled(context: &BrowserContext, css: &str) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        match context.find(css).await.click().await {
            Ok(()) => return,
            Err(error) => assert!(Instant::now() < deadline, "{css}: {error}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until `script` (in the current frame) returns `true`.
async fn until_true(context: &BrowserContext, script: &str) {
    let deadline = Instant::now() + PATIENCE;
    while context.eval(script).await != json!(true) {
        assert!(Instant::now() < deadline, "never true: {script}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the page's address is the customer page of a session;
/// returns the session's number.
async fn joined_session(context: &BrowserContext) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let url = context.client.current_url().await.expect("url");
        if let Some(number) = url.path().strip_prefix("/join/")
            && !number.is_empty()
        {
            return number.to_owned();
        }
        assert!(Instant::now() < deadline, "still at {url}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The words a customer and a queue have in each language's test.
struct Words {
    language: &'static str,
    customer: &'static str,
    problem: &'static str,
    queue_title: &'static str,
    /// What the queue's panel says to the first in line.
    first_in_line: &'static str,
}

async fn an_offer_is_taken_in_the_console(words: Words) {
    let desk = Desk::start().await;
    desk.queue("support", words.queue_title, &["bert", "dora"], 60)
        .await;
    let ui = Dictionary::load(words.language);
    let browser = Browser::start().await;
    let language = words.language;

    // Dora (a console of her own) becomes available first; Bert, in the
    // browser, after her.
    let mut dora = desk.console("dora").await;
    set_available(&mut dora, true).await;
    let console = browser
        .context(&format!("webacd-offer-{language}-bert"), language)
        .await;
    console
        .sign_in_to_console(&desk.kernel, ("bert", PASSWORD), "Bert Ek", &ui)
        .await;
    console.click("#presence-available").await;
    console
        .wait_text(
            &test_id("presence-status"),
            &ui.fill("presence.summary", &[("customers", "0"), ("max", "3")]),
        )
        .await;
    console.screen("available").await;

    // The customer enters through the queue's entry page.
    let customer = browser
        .context(&format!("webacd-offer-{language}-customer"), language)
        .await;
    customer.goto(&desk.kernel.url("/q/default/support")).await;
    customer.enter_frame(ENTRY_PANEL).await;
    customer
        .wait_text(&test_id("entry-title"), words.queue_title)
        .await;
    customer.fill(&test_id("entry-name"), words.customer).await;
    customer
        .fill(&test_id("entry-problem"), words.problem)
        .await;
    assert_eq!(customer.value(&test_id("entry-name")).await, words.customer);
    customer.leave_frame().await;
    customer.screen("entry").await;
    customer.enter_frame(ENTRY_PANEL).await;
    // The page leaves for the customer page: clicked from the page itself,
    // so the driver is not left inside a frame that goes away.
    customer
        .eval("setTimeout(() => document.querySelector('[data-test=\"entry-enter\"]').click(), 0); return null;")
        .await;
    customer.leave_frame().await;
    let number = joined_session(&customer).await;
    customer
        .wait_text(&test_id("customer-waiting"), &ui.get("customer.waiting"))
        .await;
    // The queue's panel says where in line they are, in their language.
    customer.enter_frame(QUEUE_PANEL).await;
    assert_eq!(
        customer
            .attribute(&test_id("queue-status"), "data-state")
            .await,
        "waiting"
    );
    customer
        .wait_text(&test_id("queue-position"), words.first_in_line)
        .await;
    customer.leave_frame().await;
    customer.screen("waiting").await;

    // Dora, idle longest, is offered him first and declines.
    let first = offer_for(&mut dora, &number).await;
    let title = format!("{} · {}", words.customer, words.queue_title);
    assert_eq!(first["title"], title);
    dora.ok(
        "offer.answer",
        json!({ "offer": first["offer"], "accept": false }),
    )
    .await;

    // Bert's console shows the offer, in his language.
    console.wait_text(&test_id("offer-title"), &title).await;
    assert_eq!(
        console.attribute(&test_id("offer"), "role").await,
        "alertdialog"
    );
    console
        .wait_text(&test_id("offer-text"), words.problem)
        .await;
    console
        .wait_text(
            &test_id("offer-plugin"),
            &ui.fill("offer.from", &[("plugin", "WebACD")]),
        )
        .await;
    console
        .wait_text(&test_id("offer-accept"), &ui.get("offer.accept"))
        .await;
    console
        .wait_text(&test_id("offer-decline"), &ui.get("offer.decline"))
        .await;
    console.screen("offer").await;
    console.click(&test_id("offer-accept")).await;

    // Accepted: his session view opens with the customer in it.
    console
        .wait_text(
            &test_id("offers-status"),
            &ui.fill("offer.accepted", &[("title", &title)]),
        )
        .await;
    console
        .wait_text(&test_id("session-notice"), &ui.get("session.assigned"))
        .await;
    console
        .wait_text(&test_id("participant-name"), words.customer)
        .await;
    console.screen("session").await;
    customer
        .wait_text(
            &test_id("customer-helped-by"),
            &ui.fill("customer.helped_by", &[("name", "Bert Ek")]),
        )
        .await;
    customer.screen("helped").await;

    let text = desk
        .report_until(&number, "Bert Ek accepted and took the session.")
        .await;
    assert!(
        text.contains(&format!(
            "{} entered the queue {}. Problem: “{}”",
            words.customer, words.queue_title, words.problem
        )),
        "{text}"
    );
    assert!(text.contains("Dora Lund declined."), "{text}");
    console.close().await;
    customer.close().await;
}

#[tokio::test]
async fn in_the_browser_an_agent_takes_a_customer_from_the_queue_in_english() {
    an_offer_is_taken_in_the_console(Words {
        language: "en",
        customer: "Carl Jensen",
        problem: "The printer jams",
        queue_title: "Support",
        first_in_line: "You are next in line for Support.",
    })
    .await;
}

#[tokio::test]
async fn in_the_browser_an_agent_takes_a_customer_from_the_queue_in_japanese() {
    an_offer_is_taken_in_the_console(Words {
        language: "ja",
        customer: "山田 花子",
        problem: "プリンターが動きません",
        queue_title: "サポート窓口",
        first_in_line: "サポート窓口 の順番待ちで次があなたの番です。",
    })
    .await;
}

/// A CSR signed in to the console in the browser who started a session
/// that `name` joined; the session's number.
async fn hosting_in_browser(
    desk: &Desk,
    context: &BrowserContext,
    (username, display_name): (&str, &str),
    name: &str,
) -> (String, Customer) {
    let ui = Dictionary::load("en");
    context
        .sign_in_to_console(&desk.kernel, (username, PASSWORD), display_name, &ui)
        .await;
    context.click(&test_id("start-session")).await;
    let link = context.value(&test_id("join-link")).await;
    let number = link.rsplit('/').next().expect("number").to_owned();
    let customer = Customer::join(&desk.kernel, &number, name).await;
    context.wait_text(&test_id("participant-name"), name).await;
    (number, customer)
}

#[tokio::test]
async fn in_the_browser_the_transfer_menu_counts_the_message_and_refuses_346_characters() {
    let desk = Desk::start().await;
    desk.queue("support", "Support", &["anna", "bert"], 60)
        .await;
    let mut bert = desk.console("bert").await;
    let browser = Browser::start().await;
    let anna = browser.context("webacd-transfer-anna", "en").await;
    let (number, mut carl) = hosting_in_browser(&desk, &anna, ("anna", "Anna Berg"), "Carl").await;

    // Anna is a WebACD agent and the host: her menu shows.
    anna.click(&test_id(TRANSFER_MENU)).await;
    anna.find(&test_id(TRANSFER_DIALOG)).await;
    anna.enter_frame(TRANSFER_PANEL).await;
    click_settled(&anna, &test_id("transfer-mode-agents")).await;
    click_settled(&anna, "[data-test=\"transfer-agent\"][value=\"bert\"]").await;
    until_true(
        &anna,
        "return document.querySelector('[data-test=\"transfer-agent\"][value=\"bert\"]').checked;",
    )
    .await;
    // 345 characters as a person counts them; the counter follows.
    let message = japanese_message(345);
    anna.client
        .execute(
            "const box = document.querySelector('[data-test=\"transfer-message\"]');
             box.value = arguments[0];
             box.dispatchEvent(new Event('input', { bubbles: true }));
             return null;",
            vec![json!(message)],
        )
        .await
        .expect("script runs");
    anna.wait_text(&test_id("transfer-counter"), "345 of 345 characters")
        .await;
    assert!(
        anna.find(&test_id("transfer-submit"))
            .await
            .is_enabled()
            .await
            .expect("enabled")
    );
    // One more, typed: too long, and Transfer cannot be used.
    anna.find(&test_id("transfer-message"))
        .await
        .send_keys("。")
        .await
        .expect("type");
    anna.wait_text(
        &test_id("transfer-counter"),
        "346 of 345 characters: too long, remove 1.",
    )
    .await;
    assert_eq!(
        anna.attribute(&test_id("transfer-message"), "aria-invalid")
            .await,
        "true"
    );
    let submit = anna.find(&test_id("transfer-submit")).await;
    assert!(!submit.is_enabled().await.expect("enabled"));
    let _ = submit.click().await;
    anna.leave_frame().await;
    anna.screen("transfer-too-long").await;

    // Back to 345: sent, and Bert is offered exactly that message — the
    // first offer he sees, so the 346 was never sent.
    anna.enter_frame(TRANSFER_PANEL).await;
    anna.find(&test_id("transfer-message"))
        .await
        .send_keys(&Key::Backspace.to_string())
        .await
        .expect("type");
    anna.wait_text(&test_id("transfer-counter"), "345 of 345 characters")
        .await;
    anna.click(&test_id("transfer-submit")).await;
    anna.wait_text(&test_id("transfer-status"), "Offered to Bert Ek.")
        .await;
    anna.leave_frame().await;
    anna.screen("transfer-offered").await;
    let offered = bert.event("offer.made").await;
    assert_eq!(offered["session"], number);
    assert_eq!(offered["text"], format!("Anna Berg: {message}"));
    bert.ok(
        "offer.answer",
        json!({ "offer": offered["offer"], "accept": true }),
    )
    .await;
    // Anna's view says the session went to Bert; Carl stayed connected.
    anna.wait_text(&test_id("session-notice"), "Bert Ek").await;
    anna.screen("transferred").await;
    let moved = carl.page.event("session.transferred").await;
    assert_eq!(moved["to"]["display_name"], "Bert Ek");
    anna.close().await;
}

#[tokio::test]
async fn in_the_browser_a_csr_who_is_not_a_webacd_agent_is_not_shown_the_transfer_menu() {
    let desk = Desk::start().await;
    desk.queue("support", "Support", &["bert"], 60).await;
    let _bert = desk.console("bert").await;
    let browser = Browser::start().await;
    let cara = browser.context("webacd-not-agent-cara", "en").await;
    let (_number, _dan) = hosting_in_browser(&desk, &cara, ("cara", "Cara Dahl"), "Dan").await;
    // The menu's panel has loaded and said no; its button stays hidden.
    let said = in_frame_until(
        &cara,
        TRANSFER_PANEL,
        "const refused = document.querySelector('[data-test=\"transfer-refused\"]');
         return refused ? refused.textContent : null;",
    )
    .await;
    assert_eq!(said, NOT_AN_AGENT);
    let hidden = cara
        .eval(&format!(
            "return document.querySelector('[data-test=\"{TRANSFER_MENU}\"]').hidden;"
        ))
        .await;
    assert_eq!(hidden, true);
    cara.screen("no-transfer-menu").await;
    cara.close().await;
}
