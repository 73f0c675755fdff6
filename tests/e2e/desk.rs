//! The desk's kernel primitives end to end (plugin API 0.2, issue 16): a
//! real kernel process, real WebSocket clients for consoles, customer
//! pages and agents, and the `desk-probe` fixture plugin calling each
//! primitive — CSRs' presence, offers and their answers (and the race of
//! two CSRs accepting at once, settled by compare-and-swap), public pages
//! and the sessions their customers wait in, and handing a session to
//! another CSR — with a plugin API 0.1 plugin (`event-log-0-1`) beside it
//! that never hears any of it.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tether_tests::clients::{Answer, Csr, Customer, PATIENCE, WsClient, post_json};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};

const CONFIG: &str = r#"
[sessions]
grace_secs = 2
consent_timeout_secs = 10
join_attempts_per_minute = 1000
joins_per_address_per_hour = 1000

[sites.default]
name = "Default"
plugins = ["desk-probe", "event-log-0-1"]
max_customers_per_csr = 2

[sites.other]
name = "Other"
plugins = ["event-log-0-1"]
"#;

const PROBE: &str = "desk-probe";
const TAKEN: &str = "Another CSR has already taken this.";

fn accounts() -> Vec<TestAccount> {
    vec![
        TestAccount::csr("anna", "Anna Berg", "default"),
        TestAccount::csr("ben", "Ben Ek", "default").webacd_agent(),
        TestAccount::csr("cara", "Cara Dahl", "default"),
        TestAccount {
            role: "admin",
            ..TestAccount::csr("ada", "Ada Admin", "default")
        },
        TestAccount::csr("olga", "Olga Sand", "other"),
    ]
}

fn start_kernel(config: &str) -> KernelProcess {
    KernelProcess::configure(&fixture_manifests(), config, &accounts()).launch()
}

async fn signed_in(kernel: &KernelProcess, username: &str) -> Csr {
    Csr::sign_in(kernel, username, "correct horse battery")
        .await
        .expect("signs in")
}

/// A console of `username`, past the presence it is told on opening.
async fn console(kernel: &KernelProcess, username: &str) -> WsClient {
    let mut console = signed_in(kernel, username).await.console(kernel).await;
    console.event("presence.changed").await;
    console
}

/// The probe's reply to a command sent from `console` outside a session.
async fn probe(console: &mut WsClient, name: &str, payload: Value) -> Value {
    let body = json!({ "plugin": PROBE, "name": name, "payload": payload });
    console.ok("plugin.command", body).await
}

/// The probe's reply to a command in `session`.
async fn probe_in(console: &mut WsClient, session: &str, name: &str, payload: Value) -> Value {
    let body = json!({ "session": session, "plugin": PROBE, "name": name, "payload": payload });
    console.ok("plugin.command", body).await
}

/// The kind of refusal the probe reported (`Refused("…")` and the like,
/// without the error type's name).
fn refusal(reply: &Value) -> String {
    let refused = reply["refused"]
        .as_str()
        .unwrap_or_else(|| panic!("refused: {reply}"));
    match refused.split_once("::") {
        Some((_, variant)) => variant.to_owned(),
        None => refused.to_owned(),
    }
}

/// Waits until `check` finds what it looks for in what the probe
/// remembered under `prefix`.
async fn remembered_until(
    console: &mut WsClient,
    prefix: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let remembered = probe(console, "remembered", json!({ "prefix": prefix })).await;
        if check(&remembered) {
            return remembered;
        }
        assert!(Instant::now() < deadline, "never remembered: {remembered}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The next `presence.changed` a console hears that satisfies `check`.
async fn presence_until(console: &mut WsClient, check: impl Fn(&Value) -> bool) -> Value {
    loop {
        let presence = console.event("presence.changed").await;
        if check(&presence) {
            return presence;
        }
    }
}

/// A public command as the kernel's public page sends it (same origin).
async fn public_command(kernel: &KernelProcess, plugin: &str, site: &str, body: Value) -> Answer {
    public_command_from(kernel, plugin, site, body, Some(&kernel.base_url)).await
}

async fn public_command_from(
    kernel: &KernelProcess,
    plugin: &str,
    site: &str,
    body: Value,
    origin: Option<&str>,
) -> Answer {
    let mut request = reqwest::Client::new()
        .post(kernel.url(&format!("/api/public/{plugin}/{site}/commands")))
        .json(&body);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let response = request.send().await.expect("request");
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

/// A customer who entered through the probe's public page, their page
/// connected: the welcome they got, and the customer.
async fn entered(kernel: &KernelProcess, name: &str) -> (Value, Customer) {
    let entered = public_command(
        kernel,
        PROBE,
        "default",
        json!({ "name": "enter", "page": "support", "payload": { "name": name } }),
    )
    .await;
    assert_eq!(entered.status, 200, "{}", entered.text);
    let join = &entered.body["join"];
    let token = join["token"].as_str().expect("token").to_owned();
    // The plugin's reply names the session, never the token.
    assert_eq!(entered.body["reply"]["session"], join["session"]);
    assert_eq!(entered.body["reply"]["customer"], join["participant"]);
    assert!(!entered.body["reply"].to_string().contains(&token));
    let mut page = WsClient::connect(
        &kernel.ws_url(&format!("/ws/customer?token={token}")),
        Some(&kernel.base_url),
        None,
    )
    .await
    .expect("the customer page connects");
    let welcome = page.event("session.welcome").await;
    let customer = Customer {
        session: join["session"].as_str().expect("session").to_owned(),
        participant: join["participant"]
            .as_str()
            .expect("participant")
            .to_owned(),
        token,
        page,
    };
    (welcome, customer)
}

async fn report(csr: &Csr, number: &str) -> String {
    let answer = csr
        .get(&format!("/api/sessions/{number}/report?format=text"))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.text
}

/// Waits until the session's report (read by a site admin) has `line`.
async fn report_until(admin: &Csr, number: &str, line: &str) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let text = report(admin, number).await;
        if text.contains(line) {
            return text;
        }
        assert!(Instant::now() < deadline, "no `{line}` in:\n{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn presence_follows_consoles_availability_and_customers() {
    let kernel = start_kernel(CONFIG);
    let mut ben = console(&kernel, "ben").await;
    let anna_csr = signed_in(&kernel, "anna").await;
    let mut anna = anna_csr.console(&kernel).await;
    // Told on opening: away (the default), no customers, the site's most.
    assert_eq!(
        anna.event("presence.changed").await,
        json!({ "available": false, "customers": 0, "max_customers": 2 })
    );
    let seen = probe(&mut ben, "csr", json!({ "username": "anna" })).await;
    assert_eq!(
        (
            &seen["online"],
            &seen["available"],
            &seen["customers"],
            &seen["max_customers"]
        ),
        (&json!(true), &json!(false), &json!(0), &json!(2))
    );
    assert_eq!(
        (&seen["display_name"], &seen["webacd_agent"]),
        (&json!("Anna Berg"), &json!(false))
    );
    let online_since = seen["idle_since"].as_u64().expect("idle since");
    assert!(online_since > 0);
    let ben_seen = probe(&mut ben, "csr", json!({ "username": "ben" })).await;
    assert_eq!(ben_seen["webacd_agent"], true);
    let cara = probe(&mut ben, "csr", json!({ "username": "cara" })).await;
    assert_eq!(
        (&cara["online"], &cara["idle_since"]),
        (&json!(false), &json!(0))
    );
    // Every CSR of the site, by user name; none of another site's.
    let everyone = probe(&mut ben, "presence", json!({})).await;
    let names: Vec<&str> = everyone
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|p| p["username"].as_str())
        .collect();
    assert_eq!(names, ["ada", "anna", "ben", "cara"]);
    for unknown in ["olga", "nobody"] {
        let reply = probe(&mut ben, "csr", json!({ "username": unknown })).await;
        assert_eq!(refusal(&reply), format!("UnknownCsr(\"{unknown}\")"));
    }

    // Available: the reply, the CSR's consoles and the plugin hear it.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let set = anna.ok("presence.set", json!({ "available": true })).await;
    assert_eq!(
        set,
        json!({ "available": true, "customers": 0, "max_customers": 2 })
    );
    presence_until(&mut anna, |p| p["available"] == true).await;
    let remembered = remembered_until(&mut ben, "presence/anna", |r| {
        r["presence/anna"]["available"] == true
    })
    .await;
    assert!(remembered["presence/anna"]["idle_since"].as_u64() > Some(online_since));

    // Bad requests change nothing.
    for bad in [
        json!({}),
        json!({ "available": "yes" }),
        json!({ "available": true, "x": 1 }),
    ] {
        let (code, _) = anna.refused("presence.set", bad.clone()).await;
        assert_eq!(code, "malformed", "{bad}");
    }
    let seen = probe(&mut ben, "csr", json!({ "username": "anna" })).await;
    assert_eq!(seen["available"], true);

    // Customers in the sessions she hosts count, and she hears it.
    let number = anna.start_session().await;
    let mut carl = Customer::join(&kernel, &number, "Carl").await;
    presence_until(&mut anna, |p| p["customers"] == 1).await;
    let seen = probe(&mut ben, "csr", json!({ "username": "anna" })).await;
    assert_eq!(seen["customers"], 1);
    let busy_since = seen["idle_since"].as_u64().expect("idle since");
    remembered_until(&mut ben, "presence/anna", |r| {
        r["presence/anna"]["customers"] == 1
    })
    .await;
    carl.page.ok("session.leave", json!({})).await;
    presence_until(&mut anna, |p| p["customers"] == 0).await;
    let seen = probe(&mut ben, "csr", json!({ "username": "anna" })).await;
    assert_eq!(seen["customers"], 0);
    assert!(
        seen["idle_since"].as_u64() > Some(busy_since),
        "free again since then"
    );

    // Away again; then her console closes and she is offline.
    anna.ok("presence.set", json!({ "available": false })).await;
    presence_until(&mut anna, |p| p["available"] == false).await;
    anna.close().await;
    remembered_until(&mut ben, "presence/anna", |r| {
        r["presence/anna"]["online"] == false
    })
    .await;
    let seen = probe(&mut ben, "csr", json!({ "username": "anna" })).await;
    assert_eq!(
        (&seen["online"], &seen["available"]),
        (&json!(false), &json!(false))
    );

    // Availability lasts while the kernel runs, until a new sign-in.
    let mut anna = anna_csr.console(&kernel).await;
    anna.event("presence.changed").await;
    anna.ok("presence.set", json!({ "available": true })).await;
    anna.close().await;
    let mut again = anna_csr.console(&kernel).await;
    assert_eq!(again.event("presence.changed").await["available"], true);
    let _second_sign_in = signed_in(&kernel, "anna").await;
    presence_until(&mut again, |p| p["available"] == false).await;
}

#[tokio::test]
async fn plugins_message_csrs_consoles_outside_sessions() {
    let kernel = start_kernel(CONFIG);
    let mut anna = console(&kernel, "anna").await;
    let mut second = console(&kernel, "anna").await;
    let ben_csr = signed_in(&kernel, "ben").await;
    let mut ben = ben_csr.console(&kernel).await;
    ben.event("presence.changed").await;
    let sent = probe(
        &mut ben,
        "send",
        json!({ "username": "anna", "message": "{\"queue\":\"support\",\"waiting\":3}" }),
    )
    .await;
    assert_eq!(sent, json!({ "sent": true }));
    for console in [&mut anna, &mut second] {
        assert_eq!(
            console.event("plugin.console_message").await,
            json!({ "plugin": PROBE, "message": { "queue": "support", "waiting": 3 } })
        );
    }
    // Over 64 KiB: sent over REST, as a console sends large commands.
    let too_large = format!("\"{}\"", "x".repeat(64 * 1024));
    let body = json!({ "name": "send", "payload": { "username": "anna", "message": too_large } });
    let reply = ben_csr
        .post(&format!("/api/plugins/{PROBE}/commands"), body)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        refusal(&reply.body),
        "Invalid(\"the message is over 65536 bytes\")"
    );
    for (username, message, expected) in [
        ("anna", "{not json", "Invalid(\"the message is not JSON"),
        ("olga", "{}", "UnknownCsr(\"olga\")"),
        ("nobody", "{}", "UnknownCsr(\"nobody\")"),
    ] {
        let reply = probe(
            &mut ben,
            "send",
            json!({ "username": username, "message": message }),
        )
        .await;
        assert!(refusal(&reply).starts_with(expected), "{reply}");
    }
    // Nothing of those reached her: the next message is the next one sent.
    probe(
        &mut ben,
        "send",
        json!({ "username": "anna", "message": "2" }),
    )
    .await;
    assert_eq!(anna.event("plugin.console_message").await["message"], 2);
    // A closed console misses it, and nothing fails.
    let cara = probe(
        &mut ben,
        "send",
        json!({ "username": "cara", "message": "1" }),
    )
    .await;
    assert_eq!(cara, json!({ "sent": true }));
}

#[tokio::test]
async fn offers_are_answered_once_and_expire_or_are_withdrawn() {
    let kernel = start_kernel(CONFIG);
    let mut anna = console(&kernel, "anna").await;
    let mut ben = console(&kernel, "ben").await;
    let mut cara = console(&kernel, "cara").await;

    let made = probe(
        &mut cara,
        "offer",
        json!({ "to": ["anna", "ben"], "title": "Carl waits", "text": "Printer\nbroken", "timeout_ms": 20000 }),
    )
    .await;
    let id = made["offer"].as_u64().expect("offer id");
    assert!(id > 0);
    for console in [&mut anna, &mut ben] {
        let shown = console.event("offer.made").await;
        assert_eq!(
            (
                &shown["offer"],
                &shown["plugin"],
                &shown["title"],
                &shown["text"]
            ),
            (
                &json!(id),
                &json!(PROBE),
                &json!("Carl waits"),
                &json!("Printer\nbroken")
            )
        );
        assert!(shown.get("session").is_none(), "{shown}");
        let left = shown["expires_in_ms"].as_u64().expect("time left");
        assert!((15_000..=20_000).contains(&left), "{left}");
    }
    // A decline reaches the plugin, whose reply is the answer's.
    let declined = anna
        .ok("offer.answer", json!({ "offer": id, "accept": false }))
        .await;
    assert_eq!(declined, json!({ "declined": id }));
    let (code, message) = anna
        .refused("offer.answer", json!({ "offer": id, "accept": true }))
        .await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "conflict",
            &*format!("you have already answered offer {id}")
        )
    );
    // Not made to Cara: for her it is not open.
    let (code, message) = cara
        .refused("offer.answer", json!({ "offer": id, "accept": true }))
        .await;
    assert_eq!(code, "not_found", "{message}");
    assert!(
        message.contains(&format!("offer {id} is not open for you")),
        "{message}"
    );
    let won = ben
        .ok("offer.answer", json!({ "offer": id, "accept": true }))
        .await;
    assert_eq!(won, json!({ "won": id }));
    let (code, _) = ben
        .refused("offer.answer", json!({ "offer": id, "accept": true }))
        .await;
    assert_eq!(code, "conflict");
    let remembered = probe(
        &mut cara,
        "remembered",
        json!({ "prefix": format!("answered/{id}/") }),
    )
    .await;
    assert_eq!(
        remembered,
        json!({ format!("answered/{id}/anna"): "declined", format!("answered/{id}/ben"): "accepted" })
    );
    for bad in [
        json!({ "offer": 0, "accept": true }),
        json!({ "offer": 424242, "accept": false }),
    ] {
        let (code, _) = ben.refused("offer.answer", bad.clone()).await;
        assert_eq!(code, "not_found", "{bad}");
    }
    for bad in [
        json!({ "offer": "x", "accept": true }),
        json!({ "offer": id }),
        json!({ "offer": -1, "accept": true }),
    ] {
        let (code, _) = ben.refused("offer.answer", bad.clone()).await;
        assert_eq!(code, "malformed", "{bad}");
    }

    // Its time runs out: dropped from the consoles, then the plugin hears.
    let short = probe(
        &mut cara,
        "offer",
        json!({ "to": ["anna"], "title": "Quick", "timeout_ms": 1000 }),
    )
    .await["offer"]
        .as_u64()
        .expect("offer id");
    assert_ne!(short, id);
    assert_eq!(anna.event("offer.made").await["offer"], short);
    let gone = anna.event("offer.withdrawn").await;
    assert_eq!(
        (&gone["offer"], &gone["expired"]),
        (&json!(short), &json!(true))
    );
    remembered_until(&mut cara, &format!("expired/{short}"), |r| {
        !r.as_object().is_some_and(|o| o.is_empty())
    })
    .await;
    let (code, _) = anna
        .refused("offer.answer", json!({ "offer": short, "accept": true }))
        .await;
    assert_eq!(code, "not_found");

    // Withdrawn: only the consoles still showing it are told why.
    let taken_back = probe(
        &mut cara,
        "offer",
        json!({ "to": ["anna", "ben"], "title": "Dora waits", "timeout_ms": 30000 }),
    )
    .await["offer"]
        .as_u64()
        .expect("offer id");
    anna.event("offer.made").await;
    ben.event("offer.made").await;
    anna.ok(
        "offer.answer",
        json!({ "offer": taken_back, "accept": false }),
    )
    .await;
    let withdrawn = probe(
        &mut cara,
        "withdraw",
        json!({ "offer": taken_back, "reason": "Dora left" }),
    )
    .await;
    assert_eq!(withdrawn, json!({ "withdrawn": true }));
    assert_eq!(
        ben.event("offer.withdrawn").await,
        json!({ "offer": taken_back, "expired": false, "reason": "Dora left" })
    );
    let again = probe(
        &mut cara,
        "withdraw",
        json!({ "offer": taken_back, "reason": "Dora left" }),
    )
    .await;
    assert_eq!(refusal(&again), format!("UnknownOffer({taken_back})"));
    let (code, _) = ben
        .refused(
            "offer.answer",
            json!({ "offer": taken_back, "accept": true }),
        )
        .await;
    assert_eq!(code, "not_found");
    // Anna had answered: she was not told (the next event she gets is
    // the next offer).
    let next = probe(
        &mut cara,
        "offer",
        json!({ "to": ["anna"], "title": "Next", "timeout_ms": 30000 }),
    )
    .await;
    let next_event = loop {
        let message = anna.receive().await.expect("open");
        if message["type"] == "offer.withdrawn" || message["type"] == "offer.made" {
            break message;
        }
    };
    assert_eq!(
        (&next_event["type"], &next_event["body"]["offer"]),
        (&json!("offer.made"), &next["offer"])
    );
    let bad_reason = probe(
        &mut cara,
        "withdraw",
        json!({ "offer": next["offer"], "reason": "two\nlines" }),
    )
    .await;
    assert!(refusal(&bad_reason).starts_with("Invalid("), "{bad_reason}");

    // A console that opens while an offer is open is shown it; a CSR whose
    // last console closed is no longer asked.
    let mut ben_again = console(&kernel, "ben").await;
    let for_ben = probe(
        &mut cara,
        "offer",
        json!({ "to": ["ben"], "title": "For Ben", "timeout_ms": 30000 }),
    )
    .await;
    ben.event("offer.made").await;
    assert_eq!(
        ben_again.event("offer.made").await["offer"],
        for_ben["offer"]
    );
    let mut ben_third = console(&kernel, "ben").await;
    assert_eq!(
        ben_third.event("offer.made").await["offer"],
        for_ben["offer"]
    );
    ben.close().await;
    ben_again.close().await;
    ben_third.close().await;
    let cara_sees = |p: &Value| p["presence/ben"]["online"] == false;
    remembered_until(&mut cara, "presence/ben", cara_sees).await;
    let mut ben = console(&kernel, "ben").await;
    let (code, _) = ben
        .refused(
            "offer.answer",
            json!({ "offer": for_ben["offer"], "accept": true }),
        )
        .await;
    assert_eq!(code, "not_found");
}

#[tokio::test]
async fn malformed_offers_are_refused_and_shown_to_nobody() {
    let kernel = start_kernel(CONFIG);
    let mut anna = console(&kernel, "anna").await;
    let mut cara = console(&kernel, "cara").await;
    let fifty_one: Vec<String> = (0..51).map(|n| format!("csr{n}")).collect();
    let offer = |to: Value, title: &str, text: &str, timeout: u32| json!({ "to": to, "title": title, "text": text, "timeout_ms": timeout });
    let cases = [
        (
            offer(json!([]), "t", "", 5000),
            "Invalid(\"an offer goes to 1 to 50 CSRs",
        ),
        (
            offer(json!(fifty_one), "t", "", 5000),
            "Invalid(\"an offer goes to 1 to 50 CSRs",
        ),
        (
            offer(json!(["anna", "ANNA"]), "t", "", 5000),
            "Invalid(\"`ANNA` is named twice",
        ),
        (
            offer(json!(["anna"]), "", "", 5000),
            "Invalid(\"the title must be",
        ),
        (
            offer(json!(["anna"]), &"t".repeat(201), "", 5000),
            "Invalid(\"the title must be",
        ),
        (
            offer(json!(["anna"]), "a\tb", "", 5000),
            "Invalid(\"the title must be",
        ),
        (
            offer(json!(["anna"]), "t", &"x".repeat(2001), 5000),
            "Invalid(\"the text must be",
        ),
        (
            offer(json!(["anna"]), "t", "bell\u{7}", 5000),
            "Invalid(\"the text must be",
        ),
        (
            offer(json!(["anna"]), "t", "", 999),
            "Invalid(\"the time to answer must be 1000 to 600000 ms",
        ),
        (
            offer(json!(["anna"]), "t", "", 600_001),
            "Invalid(\"the time to answer",
        ),
        (
            offer(json!(["olga"]), "t", "", 5000),
            "UnknownCsr(\"olga\")",
        ),
        (
            offer(json!(["anna", "nobody"]), "t", "", 5000),
            "UnknownCsr(\"nobody\")",
        ),
        (
            offer(json!(["anna", "ada"]), "t", "", 5000),
            "Offline(\"ada\")",
        ),
        (
            json!({ "to": ["anna"], "title": "t", "timeout_ms": 5000, "session": "123456789" }),
            "Invalid(\"no support session 123456789 is running on this site",
        ),
    ];
    for (payload, expected) in cases {
        let reply = probe(&mut cara, "offer", payload.clone()).await;
        assert!(refusal(&reply).starts_with(expected), "{payload}: {reply}");
    }
    // A session of another site is not one to offer either.
    let mut olga = console(&kernel, "olga").await;
    let elsewhere = olga.start_session().await;
    let reply = probe(
        &mut cara,
        "offer",
        json!({ "to": ["anna"], "title": "t", "timeout_ms": 5000, "session": elsewhere }),
    )
    .await;
    assert!(
        refusal(&reply).starts_with("Invalid(\"no support session"),
        "{reply}"
    );
    // Within the limits it is made (2,000 Japanese characters are 2,000),
    // and it is the first Anna sees.
    let long = "待".repeat(2000);
    let made = probe(
        &mut cara,
        "offer",
        json!({ "to": ["anna"], "title": "t".repeat(200), "text": long, "timeout_ms": 600_000 }),
    )
    .await;
    let shown = anna.event("offer.made").await;
    assert_eq!(shown["offer"], made["offer"]);
    assert_eq!(
        shown["text"].as_str().map(|t| t.chars().count()),
        Some(2000)
    );
}

#[tokio::test]
async fn of_two_csrs_accepting_at_the_same_instant_exactly_one_wins() {
    let kernel = start_kernel(CONFIG);
    let mut anna = console(&kernel, "anna").await;
    let mut ben = console(&kernel, "ben").await;
    let mut cara = console(&kernel, "cara").await;
    let mut wins = [0, 0];
    for round in 0..25 {
        let made = probe(
            &mut cara,
            "offer",
            json!({ "to": ["anna", "ben"], "title": format!("Customer {round}"), "timeout_ms": 30000 }),
        )
        .await;
        let offer = made["offer"].clone();
        assert_eq!(anna.event("offer.made").await["offer"], offer);
        assert_eq!(ben.event("offer.made").await["offer"], offer);
        let body = json!({ "offer": offer, "accept": true });
        let (a, b) = tokio::join!(
            anna.request("offer.answer", body.clone()),
            ben.request("offer.answer", body.clone())
        );
        let replies = [a, b];
        let winners: Vec<usize> = (0..2).filter(|i| replies[*i]["type"] == "ok").collect();
        assert_eq!(winners.len(), 1, "round {round}: {replies:?}");
        let winner = winners[0];
        wins[winner] += 1;
        assert_eq!(replies[winner]["body"], json!({ "won": offer }));
        let loser = &replies[1 - winner];
        assert_eq!(
            (&loser["body"]["code"], &loser["body"]["message"]),
            (&json!("forbidden"), &json!(TAKEN)),
            "round {round}"
        );
        // The store has the one claim.
        let claim = probe(
            &mut cara,
            "remembered",
            json!({ "prefix": format!("claim/{offer}") }),
        )
        .await;
        assert_eq!(claim.as_object().map(|o| o.len()), Some(1), "{claim}");
    }
    assert_eq!(wins[0] + wins[1], 25);
}

#[tokio::test]
async fn public_pages_are_served_only_where_their_plugin_is_enabled() {
    let kernel = start_kernel(CONFIG);
    let page = reqwest::get(kernel.url("/probe/default/support"))
        .await
        .expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let policy = page
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let html = page.text().await.expect("html");
    let start =
        html.find("id=\"tether-public\">").expect("data block") + "id=\"tether-public\">".len();
    let end = start + html[start..].find("</script>").expect("block end");
    let context: Value = serde_json::from_str(&html[start..end]).expect("context JSON");
    assert_eq!(
        context,
        json!({ "location": "public", "plugin": PROBE, "site": "default", "page": "support",
                "entry": "public.html", "title": "Probe entry",
                "titles": { "da": "Probe-indgang", "fr": "Entrée de la sonde", "ja": "プローブの入口" } })
    );
    // Listed with its path, for pages that link to it.
    let (_, listed) = kernel.get_json("/api/sites/default/plugins").await;
    let probe_panels = listed
        .as_array()
        .expect("list")
        .iter()
        .find(|p| p["id"] == PROBE)
        .map(|p| p["panels"].clone())
        .expect("the probe is enabled");
    assert_eq!(
        (&probe_panels[0]["location"], &probe_panels[0]["path"]),
        (&json!("public"), &json!("probe"))
    );
    // The panel itself is the plugin's, served as panels are.
    let panel = reqwest::get(kernel.url("/plugin-ui/desk-probe/public.html"))
        .await
        .expect("panel");
    assert_eq!(panel.status().as_u16(), 200);
    for missing in [
        "/probe/other/support",   // a site that does not enable it
        "/probe/nowhere/support", // no such site
        "/nope/default/support",  // no such page
        "/probe/default/a.b",     // not a page name
        "/echo/default/support",  // a plugin without a public page
    ] {
        let status = reqwest::get(kernel.url(missing))
            .await
            .expect("answer")
            .status();
        assert_eq!(status.as_u16(), 404, "{missing}");
    }
    // The kernel's own pages are where they were.
    let join = reqwest::get(kernel.url("/join/123456789"))
        .await
        .expect("join page");
    assert_eq!(join.status().as_u16(), 200);
}

#[tokio::test]
async fn a_public_command_opens_one_waiting_session_the_customer_page_then_joins() {
    let kernel = start_kernel(CONFIG);
    let admin = signed_in(&kernel, "ada").await;
    let mut anna = console(&kernel, "anna").await;

    let hello = public_command(
        &kernel,
        PROBE,
        "default",
        json!({ "name": "hello", "page": "support", "payload": { "x": 1 } }),
    )
    .await;
    assert_eq!(hello.status, 200, "{}", hello.text);
    assert_eq!(
        hello.body,
        json!({ "reply": { "page": "support", "payload": { "x": 1 } } })
    );

    let (welcome, mut carl) = entered(&kernel, " Carl Jensen ").await;
    assert_eq!(welcome["session"], carl.session);
    assert_eq!(
        welcome["participants"],
        json!([{ "id": carl.participant, "display_name": "Carl Jensen", "role": "customer" }])
    );
    // Nobody else comes in while it waits.
    let (code, message) = anna
        .refused("session.assist", json!({ "session": carl.session }))
        .await;
    assert_eq!(code, "conflict", "{message}");
    assert!(message.contains("waiting for a CSR"), "{message}");
    let (code, _) = anna
        .refused("session.resume", json!({ "session": carl.session }))
        .await;
    assert_eq!(code, "not_found");
    let join = post_json(
        &kernel,
        "/api/join",
        json!({ "session": carl.session, "display_name": "Eve" }),
    )
    .await;
    assert_eq!(join.status, 404, "{}", join.text);
    let (code, _) = carl.page.refused("chat.send", json!({ "text": "" })).await;
    assert_eq!(code, "malformed");
    carl.page
        .ok("chat.send", json!({ "text": "Is anyone there?" }))
        .await;

    // Not outside a public command, and once per command.
    let outside = probe(&mut anna, "open_waiting", json!({ "name": "Carl" })).await;
    assert!(
        refusal(&outside).starts_with("Refused(\"a waiting session is opened only"),
        "{outside}"
    );
    let twice = public_command(
        &kernel,
        PROBE,
        "default",
        json!({ "name": "enter-twice", "page": "support", "payload": { "name": "Dora" } }),
    )
    .await;
    assert_eq!(twice.status, 200, "{}", twice.text);
    let first = &twice.body["reply"]["first"];
    assert_eq!(twice.body["join"]["session"], first["session"]);
    let second = refusal(&twice.body["reply"]["second"]);
    assert!(
        second.starts_with("Refused(\"this public command has opened its waiting session already"),
        "{second}"
    );
    for bad_name in ["", "a\u{7}b", &"n".repeat(81)] {
        let refused = public_command(
            &kernel,
            PROBE,
            "default",
            json!({ "name": "enter", "page": "support", "payload": { "name": bad_name } }),
        )
        .await;
        assert_eq!(refused.status, 200, "{}", refused.text);
        assert!(refused.body.get("join").is_none(), "{}", refused.text);
        let why = refusal(&refused.body["reply"]);
        assert!(
            why.starts_with("Invalid(\"your name must be 1 to 80 characters"),
            "{why}"
        );
    }

    // A plugin that fails after opening one: the caller gets the failure,
    // the customer who can never come is gone, and so is the session.
    let failed = public_command(
        &kernel,
        PROBE,
        "default",
        json!({ "name": "enter-then-fail", "page": "support", "payload": { "name": "Finn" } }),
    )
    .await;
    assert_eq!(failed.status, 422, "{}", failed.text);
    assert!(
        failed.text.contains("the queue is closed"),
        "{}",
        failed.text
    );
    assert!(!failed.text.contains("token"), "{}", failed.text);

    // Requests the endpoint refuses, each changing nothing.
    let good = json!({ "name": "hello", "page": "support", "payload": {} });
    let refusals = [
        (None, PROBE, "default", good.clone(), 403),
        (
            Some("http://evil.example"),
            PROBE,
            "default",
            good.clone(),
            403,
        ),
        (
            Some(kernel.base_url.as_str()),
            PROBE,
            "default",
            json!({ "name": "hello", "page": "support", "extra": 1 }),
            400,
        ),
        (
            Some(kernel.base_url.as_str()),
            PROBE,
            "default",
            json!({ "page": "support" }),
            400,
        ),
        (
            Some(kernel.base_url.as_str()),
            PROBE,
            "default",
            json!({ "name": "", "page": "support" }),
            400,
        ),
        (
            Some(kernel.base_url.as_str()),
            PROBE,
            "default",
            json!({ "name": "hello", "page": "a/b" }),
            400,
        ),
        (
            Some(kernel.base_url.as_str()),
            PROBE,
            "default",
            json!({ "name": "hello", "page": "" }),
            400,
        ),
        (
            Some(kernel.base_url.as_str()),
            PROBE,
            "default",
            json!({ "name": "hello", "page": "p", "payload": "x".repeat(9000) }),
            413,
        ),
        (
            Some(kernel.base_url.as_str()),
            "echo",
            "default",
            good.clone(),
            404,
        ),
        (
            Some(kernel.base_url.as_str()),
            "nothing",
            "default",
            good.clone(),
            404,
        ),
        (
            Some(kernel.base_url.as_str()),
            PROBE,
            "other",
            good.clone(),
            404,
        ),
        (
            Some(kernel.base_url.as_str()),
            PROBE,
            "nowhere",
            good.clone(),
            404,
        ),
        (
            Some(kernel.base_url.as_str()),
            PROBE,
            "default",
            json!({ "name": "nonsense", "page": "p" }),
            422,
        ),
    ];
    for (origin, plugin, site, body, status) in refusals {
        let answer = public_command_from(&kernel, plugin, site, body.clone(), origin).await;
        assert_eq!(
            answer.status, status,
            "{origin:?} {plugin} {site} {body}: {}",
            answer.text
        );
        assert!(answer.body["code"].is_string(), "{}", answer.text);
    }

    // Carl leaves: with no CSR and no customer, his session ends.
    carl.page.ok("session.leave", json!({})).await;
    let text = report_until(
        &admin,
        &carl.session,
        "the customer left before a CSR took the session",
    )
    .await;
    assert!(text.contains("session.waiting"), "{text}");
    assert!(
        text.contains("from the public page of desk-probe; waiting for a CSR"),
        "{text}"
    );
    assert!(text.contains("Is anyone there?"), "{text}");
    let (code, _) = anna
        .refused("session.assist", json!({ "session": carl.session }))
        .await;
    assert_eq!(code, "not_found");
    let gone = WsClient::connect(
        &kernel.ws_url(&format!("/ws/customer?token={}", carl.token)),
        Some(&kernel.base_url),
        None,
    )
    .await;
    assert!(gone.is_err(), "the ended session's token opens nothing");
}

#[tokio::test]
async fn a_waiting_session_ends_when_its_customer_never_comes_or_their_page_goes() {
    let config = CONFIG.replace(
        "grace_secs = 2",
        "grace_secs = 1\nunconnected_join_secs = 1",
    );
    let kernel = start_kernel(&config);
    let admin = signed_in(&kernel, "ada").await;
    // Entered, but the page never connected: the place is given back.
    let entered_only = public_command(
        &kernel,
        PROBE,
        "default",
        json!({ "name": "enter", "page": "support", "payload": { "name": "Gus" } }),
    )
    .await;
    let never = entered_only.body["join"]["session"]
        .as_str()
        .expect("session")
        .to_owned();
    let text = report_until(
        &admin,
        &never,
        "the customer left before a CSR took the session",
    )
    .await;
    assert!(
        text.contains("customer; the page never connected"),
        "{text}"
    );
    // The page came and went, and did not come back within the grace.
    let (_, mut hana) = entered(&kernel, "Hana").await;
    hana.page.close().await;
    let text = report_until(
        &admin,
        &hana.session,
        "the customer left before a CSR took the session",
    )
    .await;
    assert!(text.contains("page.disconnected"), "{text}");
}

#[tokio::test]
async fn public_commands_and_waiting_sessions_are_limited_per_address() {
    let config = CONFIG
        .replace(
            "join_attempts_per_minute = 1000",
            "join_attempts_per_minute = 4",
        )
        .replace(
            "joins_per_address_per_hour = 1000",
            "joins_per_address_per_hour = 2",
        );
    let kernel = start_kernel(&config);
    let enter = json!({ "name": "enter", "page": "support", "payload": { "name": "Carl" } });
    for _ in 0..2 {
        let entered = public_command(&kernel, PROBE, "default", enter.clone()).await;
        assert!(
            entered.body["join"]["token"].is_string(),
            "{}",
            entered.text
        );
    }
    let third = public_command(&kernel, PROBE, "default", enter.clone()).await;
    assert_eq!(third.status, 200, "{}", third.text);
    assert!(third.body.get("join").is_none(), "{}", third.text);
    let why = refusal(&third.body["reply"]);
    assert!(
        why.starts_with("Refused(\"too many customers came from this address recently"),
        "{why}"
    );
    let hello = json!({ "name": "hello", "page": "support" });
    assert_eq!(
        public_command(&kernel, PROBE, "default", hello.clone())
            .await
            .status,
        200
    );
    let limited = public_command(&kernel, PROBE, "default", hello).await;
    assert_eq!(limited.status, 429, "{}", limited.text);
    assert_eq!(limited.body["code"], "rate_limited");
    assert_eq!(limited.body["detail"]["key"], "too_many_join_attempts");
}

/// Anna hosts a session with Carl, whose agent is connected; Carl allowed
/// the probe `sysinfo.collect` for Anna.
struct Handed {
    kernel: KernelProcess,
    anna: WsClient,
    anna_id: String,
    number: String,
    carl: Customer,
    agent: WsClient,
    grant: String,
}

async fn anna_with_carl(config: &str) -> Handed {
    let kernel = start_kernel(config);
    let mut anna = console(&kernel, "anna").await;
    let started = anna.ok("session.start", json!({})).await;
    let number = started["session"].as_str().expect("number").to_owned();
    let anna_id = started["participant"]
        .as_str()
        .expect("participant")
        .to_owned();
    let mut carl = Customer::join(&kernel, &number, "Carl").await;
    let mut agent = carl.connect_agent(&kernel).await;
    let hello = tether_protocol::AgentRequest::Hello {
        capabilities: vec![tether_protocol::Capability::SysinfoCollect],
        platform: "test".into(),
        rejoin_after_restart: Default::default(),
    };
    let id = agent.send_typed(&hello).await;
    assert_eq!(agent.reply_to(id).await["type"], "ok");
    let asked = json!({ "session": number, "participant": carl.participant, "capability": "sysinfo.collect" });
    let asking = anna
        .send_request(
            "plugin.command",
            json!({ "session": number, "plugin": PROBE, "name": "ask", "payload": asked }),
        )
        .await;
    carl.answer_prompt(true).await;
    assert_eq!(anna.reply_to(asking).await["body"], "granted");
    let answered = carl.page.event("consent.answered").await;
    let grant = answered["grants"][0].as_str().expect("grant").to_owned();
    Handed {
        kernel,
        anna,
        anna_id,
        number,
        carl,
        agent,
        grant,
    }
}

/// The probe calls `sysinfo.collect` on Carl's agent from `console`; the
/// agent answers the call it gets.
async fn call_answered(
    console: &mut WsClient,
    agent: &mut WsClient,
    number: &str,
    carl: &str,
) -> Value {
    let body = json!({ "session": number, "plugin": PROBE, "name": "call",
                       "payload": { "participant": carl, "capability": "sysinfo.collect" } });
    let id = console.send_request("plugin.command", body).await;
    let call = agent.event("agent.call").await;
    let result = tether_protocol::AgentRequest::Result {
        call: call["call"].as_str().expect("call id").to_owned(),
        output: Some(
            tether_protocol::RawJson::from_value(&json!({ "machine": "Carl's" })).expect("JSON"),
        ),
        error: None,
        lasting: false,
    };
    agent.send_typed(&result).await;
    console.reply_to(id).await["body"].clone()
}

#[tokio::test]
async fn a_hand_over_moves_the_host_and_ends_what_ran_without_reconnecting_anyone() {
    let Handed {
        kernel,
        mut anna,
        anna_id,
        number,
        mut carl,
        mut agent,
        grant,
    } = anna_with_carl(CONFIG).await;
    let admin = signed_in(&kernel, "ada").await;
    let mut ben = console(&kernel, "ben").await;
    let carl_id = carl.participant.clone();
    assert_eq!(
        call_answered(&mut anna, &mut agent, &number, &carl_id).await,
        json!({ "machine": "Carl's" })
    );
    // A call still running when the session changes hands.
    let running = anna
        .send_request(
            "plugin.command",
            json!({ "session": number, "plugin": PROBE, "name": "call",
                    "payload": { "participant": carl_id, "capability": "sysinfo.collect" } }),
        )
        .await;
    let pending = agent.event("agent.call").await;

    let handed = probe_in(
        &mut anna,
        &number,
        "hand_over",
        json!({ "session": number, "username": "ben" }),
    )
    .await;
    let ben_id = handed["host"].as_str().expect("host").to_owned();

    // Ben's console is told, and carries the session already.
    assert_eq!(
        ben.event("session.assigned").await,
        json!({ "session": number, "participant": ben_id })
    );
    // Anna is out of it.
    let ended = anna.event("session.ended").await;
    assert_eq!(
        (&ended["session"], &ended["reason"]),
        (
            &json!(number),
            &json!("the session was transferred to Ben Ek")
        )
    );
    // What ran ended, and the agent was told to stop it.
    let cancelled = agent.event("agent.cancel").await;
    assert_eq!(
        (&cancelled["call"], &cancelled["reason"]),
        (&pending["call"], &json!("the session was transferred"))
    );
    let stopped = anna.reply_to(running).await;
    assert!(
        stopped
            .to_string()
            .contains("the call was ended: the session was transferred"),
        "{stopped}"
    );
    // Carl's page hears the permission end and who helps now, on the same
    // connection; so does his agent.
    assert_eq!(carl.page.event("consent.revoked").await["grant"], grant);
    assert_eq!(agent.event("consent.revoked").await["grant"], grant);
    let transferred = carl.page.event("session.transferred").await;
    assert_eq!(
        transferred,
        json!({ "session": number, "from": anna_id,
                "to": { "id": ben_id, "display_name": "Ben Ek", "role": "host" } })
    );
    assert_eq!(ben.event("session.transferred").await["to"]["id"], ben_id);
    carl.page
        .ok("chat.send", json!({ "text": "Hello Ben" }))
        .await;
    assert_eq!(ben.event("chat.message").await["text"], "Hello Ben");

    let info = ben.ok("session.info", json!({ "session": number })).await;
    assert_eq!(info["host"], ben_id);
    let ids: Vec<&str> = info["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert!(
        ids.contains(&carl_id.as_str())
            && ids.contains(&ben_id.as_str())
            && !ids.contains(&anna_id.as_str()),
        "{info}"
    );
    let (code, _) = anna
        .refused("session.resume", json!({ "session": number }))
        .await;
    assert_eq!(code, "not_found");

    // The permission Carl gave Anna's work does not carry over: Ben asks
    // again, then it works, with the same agent connection.
    let body = json!({ "session": number, "plugin": PROBE, "name": "call",
                       "payload": { "participant": carl_id, "capability": "sysinfo.collect" } });
    let refused = ben.ok("plugin.command", body).await;
    assert!(refusal(&refused).starts_with("NoConsent("), "{refused}");
    let asked =
        json!({ "session": number, "participant": carl_id, "capability": "sysinfo.collect" });
    let asking = ben
        .send_request(
            "plugin.command",
            json!({ "session": number, "plugin": PROBE, "name": "ask", "payload": asked }),
        )
        .await;
    carl.answer_prompt(true).await;
    assert_eq!(ben.reply_to(asking).await["body"], "granted");
    assert_eq!(
        call_answered(&mut ben, &mut agent, &number, &carl_id).await,
        json!({ "machine": "Carl's" })
    );

    let text = report_until(&admin, &number, "session.transferred").await;
    for line in [
        "from Anna Berg to Ben Ek",
        "Stopped `sysinfo.collect`: the session was transferred.",
        "the session was transferred",
        "host; transferred to Ben Ek",
    ] {
        assert!(text.contains(line), "no `{line}` in:\n{text}");
    }
    // Ben's customers count now, Anna's do not.
    let seen = probe(&mut ben, "csr", json!({ "username": "ben" })).await;
    assert_eq!(seen["customers"], 1);
    let seen = probe(&mut ben, "csr", json!({ "username": "anna" })).await;
    assert_eq!(seen["customers"], 0);

    // An assistant takes the session in place: the same participant
    // becomes the host, and the previous host leaves.
    let mut cara = console(&kernel, "cara").await;
    let assisted = cara
        .ok("session.assist", json!({ "session": number }))
        .await;
    let cara_id = assisted["participant"]
        .as_str()
        .expect("participant")
        .to_owned();
    let handed = probe_in(
        &mut ben,
        &number,
        "hand_over",
        json!({ "session": number, "username": "cara" }),
    )
    .await;
    assert_eq!(handed["host"], cara_id);
    assert_eq!(cara.event("session.assigned").await["participant"], cara_id);
    assert_eq!(
        ben.event("session.ended").await["reason"],
        "the session was transferred to Cara Dahl"
    );
    let transferred = carl.page.event("session.transferred").await;
    assert_eq!(
        (&transferred["from"], &transferred["to"]["id"]),
        (&json!(ben_id), &json!(cara_id))
    );
}

#[tokio::test]
async fn a_hand_over_is_refused_when_a_rule_says_no_and_nothing_changes() {
    let Handed {
        kernel,
        mut anna,
        anna_id,
        number,
        carl: _carl,
        agent: _agent,
        ..
    } = anna_with_carl(CONFIG).await;
    // Ben hosts two customers already, the site's most.
    let mut ben = console(&kernel, "ben").await;
    let his = ben.start_session().await;
    let _dora = Customer::join(&kernel, &his, "Dora").await;
    let _eve = Customer::join(&kernel, &his, "Eve").await;
    let hand_over =
        |username: &str, session: &str| json!({ "session": session, "username": username });
    let cases = [
        (
            hand_over("ben", &number),
            "Refused(\"Ben Ek would assist 3 customers, more than the 2 this site allows at once\")",
        ),
        (
            hand_over("cara", &number),
            "Refused(\"Cara Dahl's console is not open\")",
        ),
        (
            hand_over("anna", &number),
            "Refused(\"Anna Berg is the host of this session already\")",
        ),
        (hand_over("olga", &number), "UnknownCsr(\"olga\")"),
        (hand_over("nobody", &number), "UnknownCsr(\"nobody\")"),
        (
            hand_over("ben", "987654321"),
            "UnknownSession(\"987654321\")",
        ),
    ];
    for (payload, expected) in cases {
        let reply = probe_in(&mut anna, &number, "hand_over", payload.clone()).await;
        assert_eq!(refusal(&reply), expected, "{payload}");
    }
    // A session of another site is unknown to this site's plugin.
    let mut olga = console(&kernel, "olga").await;
    let elsewhere = olga.start_session().await;
    let reply = probe_in(
        &mut anna,
        &number,
        "hand_over",
        hand_over("ben", &elsewhere),
    )
    .await;
    assert_eq!(refusal(&reply), format!("UnknownSession(\"{elsewhere}\")"));
    let info = anna.ok("session.info", json!({ "session": number })).await;
    assert_eq!(info["host"], anna_id);
    assert_eq!(info["participants"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn a_waiting_customer_goes_to_the_first_csr_who_accepts() {
    let kernel = start_kernel(CONFIG);
    let admin = signed_in(&kernel, "ada").await;
    let mut anna = console(&kernel, "anna").await;
    let mut ben = console(&kernel, "ben").await;
    let mut cara = console(&kernel, "cara").await;
    let (_, mut carl) = entered(&kernel, "Carl").await;
    let made = probe(
        &mut cara,
        "offer",
        json!({ "to": ["anna", "ben"], "title": "Carl waits", "text": "Printer broken",
                "timeout_ms": 30000, "session": carl.session, "hand_over": true }),
    )
    .await;
    let offer = made["offer"].clone();
    assert_eq!(anna.event("offer.made").await["session"], carl.session);
    ben.event("offer.made").await;

    let won = anna
        .ok("offer.answer", json!({ "offer": offer, "accept": true }))
        .await;
    let anna_id = won["host"].as_str().expect("host").to_owned();
    let (code, message) = ben
        .refused("offer.answer", json!({ "offer": offer, "accept": true }))
        .await;
    assert_eq!((code.as_str(), message.as_str()), ("forbidden", TAKEN));
    assert_eq!(
        anna.event("session.assigned").await,
        json!({ "session": carl.session, "participant": anna_id })
    );
    // A waiting session had nobody to come from.
    assert_eq!(
        carl.page.event("session.transferred").await,
        json!({ "session": carl.session, "to": { "id": anna_id, "display_name": "Anna Berg", "role": "host" } })
    );
    carl.page
        .ok("chat.send", json!({ "text": "Hi Anna" }))
        .await;
    assert_eq!(anna.event("chat.message").await["text"], "Hi Anna");
    anna.ok(
        "chat.send",
        json!({ "session": carl.session, "text": "Hi Carl" }),
    )
    .await;
    loop {
        let line = carl.page.event("chat.message").await;
        if line["text"] == "Hi Carl" {
            break;
        }
    }
    let info = anna
        .ok("session.info", json!({ "session": carl.session }))
        .await;
    assert_eq!(info["host"], anna_id);
    presence_until(&mut anna, |p| p["customers"] == 1).await;
    let text = report_until(&admin, &carl.session, "session.transferred").await;
    assert!(text.contains("waiting → Anna Berg"), "{text}");

    // Now hosted, it is an ordinary session: Carl leaving does not end it.
    carl.page.ok("session.leave", json!({})).await;
    presence_until(&mut anna, |p| p["customers"] == 0).await;
    let info = anna
        .ok("session.info", json!({ "session": carl.session }))
        .await;
    assert_eq!(info["host"], anna_id);
}

/// What the 0.1 plugin `event-log-0-1` has heard, by kind (commands
/// aside).
async fn event_log(console: &mut WsClient) -> Value {
    let body = json!({ "plugin": "event-log-0-1", "name": "events", "payload": {} });
    console.ok("plugin.command", body).await
}

#[tokio::test]
async fn a_plugin_of_api_0_1_never_hears_of_the_desk_and_cannot_import_it() {
    let kernel = start_kernel(CONFIG);
    let mut anna = console(&kernel, "anna").await;
    let mut cara = console(&kernel, "cara").await;
    assert_eq!(event_log(&mut anna).await, json!([]));
    // Presence, offers, answers, expiries, public commands and waiting
    // sessions: the 0.2 plugin hears of them, the 0.1 plugin of none.
    anna.ok("presence.set", json!({ "available": true })).await;
    let made = probe(
        &mut cara,
        "offer",
        json!({ "to": ["anna"], "title": "t", "timeout_ms": 1000 }),
    )
    .await;
    anna.event("offer.made").await;
    let expired = format!("expired/{}", made["offer"]);
    remembered_until(&mut cara, &expired, |r| {
        r.as_object().is_some_and(|o| !o.is_empty())
    })
    .await;
    let made = probe(
        &mut cara,
        "offer",
        json!({ "to": ["anna"], "title": "t", "timeout_ms": 30000 }),
    )
    .await;
    anna.ok(
        "offer.answer",
        json!({ "offer": made["offer"], "accept": false }),
    )
    .await;
    let hello = public_command(
        &kernel,
        PROBE,
        "default",
        json!({ "name": "hello", "page": "p" }),
    )
    .await;
    assert_eq!(hello.status, 200);
    remembered_until(&mut cara, "presence/anna", |r| {
        r["presence/anna"]["available"] == true
    })
    .await;
    assert_eq!(event_log(&mut anna).await, json!([]));
    // It hears what 0.1 has: a waiting customer joining, and leaving.
    let (_, mut carl) = entered(&kernel, "Carl").await;
    carl.page.ok("session.leave", json!({})).await;
    let deadline = Instant::now() + PATIENCE;
    loop {
        let events = event_log(&mut anna).await;
        let kinds: Vec<&str> = events
            .as_array()
            .expect("list")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        if kinds.contains(&"session-ended") {
            assert_eq!(
                kinds,
                ["participant-joined", "participant-left", "session-ended"]
            );
            break;
        }
        assert!(Instant::now() < deadline, "{kinds:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A plugin API 0.1 manifest that imports `desk` is refused, naming why.
    let manifests = tempfile::tempdir().expect("temp dir");
    for name in ["desk-probe.toml", "event-log-0-1.toml"] {
        std::fs::copy(fixture_manifests().join(name), manifests.path().join(name)).expect("copy");
    }
    std::fs::copy(
        fixture_manifests().join("refused/desk-in-0-1.toml"),
        manifests.path().join("desk-in-0-1.toml"),
    )
    .expect("copy");
    let beside = KernelProcess::configure(manifests.path(), CONFIG, &[]).launch();
    let (status, plugins) = beside.get_json("/api/plugins").await;
    assert_eq!(status, 200);
    let loaded: Vec<&str> = plugins["loaded"]
        .as_array()
        .expect("loaded")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(loaded, ["desk-probe", "event-log-0-1"]);
    let refused = plugins["refused"].to_string();
    assert!(refused.contains("desk-in-0-1.toml"), "{refused}");
    assert!(refused.contains("unknown interface `desk`"), "{refused}");
}
