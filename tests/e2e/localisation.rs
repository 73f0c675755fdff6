//! Tether's own words in the reader's language, over real sockets: the
//! CSR's "waiting for the customer" line in every language the manifest
//! translates, refusals and endings with a detail the UI translates (the
//! values stay as they are), invitation mail sent by the server in the
//! language the CSR chose, through a real SMTP exchange, and the real
//! agent's system information with ids for its own words.

use serde_json::{Value, json};
use tether_tests::agent_process::AgentProcess;
use tether_tests::clients::{Csr, Customer, StartedSession, TestAgent, WsClient, post_json};
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::smtp_sink::SmtpSink;
use tether_tests::{bundled_manifests, fixture_manifests};

const PASSWORD: &str = "correct horse battery";

const CONFIG: &str = r#"
[sessions]
join_attempts_per_minute = 1000
consent_timeout_secs = 20

[sites.default]
name = "Default"
plugins = ["sysinfo"]
"#;

fn accounts() -> [TestAccount; 2] {
    [
        TestAccount::csr("anna", "Anna Berg", "default"),
        TestAccount::csr("bob", "Bo Lind", "default"),
    ]
}

/// `reply`'s error detail: its key and values.
fn detail(body: &Value) -> (&str, &Value) {
    (
        body["detail"]["key"].as_str().unwrap_or_default(),
        &body["detail"]["params"],
    )
}

#[tokio::test]
async fn the_csr_sees_the_customers_question_in_every_language_the_manifest_has() {
    let kernel = KernelProcess::configure(&bundled_manifests(), CONFIG, &accounts()).launch();
    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    let mut host = anna.console(&kernel).await;
    let number = host.start_session().await;
    let mut customer = Customer::join(&kernel, &number, "Carl").await;
    let _agent = TestAgent::start(&kernel, &mut customer, &["sysinfo.collect"]).await;

    let asked = host
        .send_request(
            "plugin.command",
            json!({ "session": number, "plugin": "sysinfo", "name": "collect",
                    "payload": { "participant": customer.participant } }),
        )
        .await;
    let waiting = host.event("consent.waiting").await;
    assert_eq!(waiting["customer"]["display_name"], "Carl");
    assert_eq!(
        waiting["text"],
        "Anna Berg wants to view your system information"
    );
    // The same words as the customer's prompt, with the CSR's name, in
    // each of the other languages.
    assert_eq!(
        waiting["texts"],
        json!({
            "da": "Anna Berg vil gerne se oplysninger om din computer",
            "fr": "Anna Berg souhaite afficher les informations système de votre ordinateur",
            "ja": "Anna Berg があなたのコンピューターのシステム情報を表示しようとしています",
        })
    );
    let prompt = customer.answer_prompt(false).await;
    assert_eq!(prompt["texts"], waiting["texts"]);
    let reply = host.reply_to(asked).await;
    assert_eq!(reply["body"]["status"], "denied", "{reply}");
}

#[tokio::test]
async fn refusals_and_endings_carry_a_detail_with_the_values_as_they_are() {
    let kernel = KernelProcess::configure(&fixture_manifests(), "", &accounts()).launch();

    // Signing in with a wrong password.
    let wrong = Csr::sign_in(&kernel, "anna", "not the password")
        .await
        .err()
        .expect("refused");
    assert_eq!(wrong.status, 403, "{}", wrong.text);
    assert_eq!(detail(&wrong.body), ("wrong_credentials", &Value::Null));
    assert_eq!(wrong.body["error"], "wrong user name or password");

    // Joining a session that is not running, and with a name too long.
    let missing = post_json(
        &kernel,
        "/api/join",
        json!({ "session": "999999999", "display_name": "Carl" }),
    )
    .await;
    assert_eq!(missing.status, 404, "{}", missing.text);
    assert_eq!(
        detail(&missing.body),
        ("unknown_session", &json!({ "number": "999999999" }))
    );

    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    let mut host = anna.console(&kernel).await;
    let number = host.start_session().await;
    let long_name = post_json(
        &kernel,
        "/api/join",
        json!({ "session": number, "display_name": "C".repeat(200) }),
    )
    .await;
    assert_eq!(long_name.status, 400, "{}", long_name.text);
    assert_eq!(
        detail(&long_name.body),
        ("invalid_name", &json!({ "max": 80 }))
    );

    // Over the console's socket: assisting a session that is not running,
    // and an assistant doing what only the host may do.
    let refused = host
        .request("session.assist", json!({ "session": "999999999" }))
        .await;
    assert_eq!(refused["type"], "error");
    assert_eq!(
        detail(&refused["body"]),
        ("unknown_session", &json!({ "number": "999999999" }))
    );
    let bob = Csr::sign_in(&kernel, "bob", PASSWORD)
        .await
        .expect("signs in");
    let mut assistant = bob.console(&kernel).await;
    assistant
        .ok("session.assist", json!({ "session": number }))
        .await;
    let not_host = assistant
        .request("session.end", json!({ "session": number }))
        .await;
    assert_eq!(detail(&not_host["body"]), ("not_host", &Value::Null));
    assert_eq!(
        not_host["body"]["message"],
        "only the CSR in control of the session can do that"
    );

    // A customer the host removes is told by whom; the others, when the
    // host ends the session, by whom too.
    let mut carl = Customer::join(&kernel, &number, "Carl").await;
    host.ok(
        "session.remove_participant",
        json!({ "session": number, "participant": carl.participant }),
    )
    .await;
    let removed = carl.page.event("session.ended").await;
    assert_eq!(
        detail(&removed),
        ("removed_by", &json!({ "name": "Anna Berg" }))
    );
    assert_eq!(removed["reason"], "Anna Berg removed you from the session");
    let mut dora = Customer::join(&kernel, &number, "Dora").await;
    host.ok("session.end", json!({ "session": number })).await;
    let ended = dora.page.event("session.ended").await;
    assert_eq!(
        detail(&ended),
        ("ended_by", &json!({ "name": "Anna Berg" }))
    );
    assert_eq!(ended["reason"], "ended by Anna Berg");
    let told_assistant = assistant.event("session.ended").await;
    assert_eq!(detail(&told_assistant).0, "ended_by");
}

fn kernel_mailing_to(sink: &SmtpSink) -> KernelProcess {
    let config = format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nfrom = \"Tether <tether@example.test>\"\ntls = \"none\"\n",
        sink.port
    );
    KernelProcess::configure(&fixture_manifests(), &config, &accounts()).launch()
}

#[tokio::test]
async fn invitation_mail_is_written_in_the_language_the_csr_chose() {
    let sink = SmtpSink::start().await;
    let kernel = kernel_mailing_to(&sink);
    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    let mut console: WsClient = anna.console(&kernel).await;
    let number = console.start_session().await;
    let spaced = format!("{} {} {}", &number[0..3], &number[3..6], &number[6..9]);
    let path = format!("/api/sessions/{number}/invite");
    let link = format!("{}/join/{number}", kernel.base_url);

    // (language, subject, words of the customer's body)
    let customer = [
        (
            "en",
            "Support session",
            "Anna Berg invites you to a support session.",
        ),
        (
            "da",
            "Supportsession",
            "Anna Berg inviterer dig til en supportsession.",
        ),
        (
            "fr",
            "Session d’assistance",
            "Anna Berg vous invite à une session d’assistance.",
        ),
        (
            "ja",
            "サポートセッション",
            "サポート担当者 Anna Berg より、サポートセッションへのご招待です。",
        ),
    ];
    for (language, subject, words) in customer {
        let sent = anna
            .post(
                &path,
                json!({ "to": "carl@example.test", "invite": "customer", "language": language }),
            )
            .await;
        assert_eq!(sent.status, 200, "{language}: {}", sent.text);
        let mail = sink.mails().pop().expect("a mail");
        assert_eq!(mail.subject(), subject, "{language}");
        let text = mail.text();
        assert!(text.contains(words), "{language}: {text}");
        assert!(text.contains(&link), "{language}: {text}");
        assert!(text.contains(&spaced), "{language}: {text}");
    }

    let assistant = [
        (
            "en",
            "Please assist in a support session",
            "Assist a session",
        ),
        (
            "da",
            "Assister venligst i en supportsession",
            "Assister i en session",
        ),
        (
            "fr",
            "Demande d’aide dans une session d’assistance",
            "Apporter de l’aide dans une session",
        ),
        ("ja", "サポートセッションの支援のお願い", "セッションを支援"),
    ];
    for (language, subject, words) in assistant {
        let sent = anna
            .post(
                &path,
                json!({ "to": "bo@example.test", "invite": "assistant", "language": language }),
            )
            .await;
        assert_eq!(sent.status, 200, "{language}: {}", sent.text);
        let mail = sink.mails().pop().expect("a mail");
        assert_eq!(mail.subject(), subject, "{language}");
        let text = mail.text();
        assert!(text.contains(words), "{language}: {text}");
        assert!(text.contains(&spaced), "{language}: {text}");
    }

    // Without a language: English, as before.
    let plain = anna
        .post(
            &path,
            json!({ "to": "carl@example.test", "invite": "customer" }),
        )
        .await;
    assert_eq!(plain.status, 200, "{}", plain.text);
    assert_eq!(
        sink.mails().pop().expect("a mail").subject(),
        "Support session"
    );
    let mailed = sink.mails().len();

    // A wrong address names what was typed; a language Tether does not
    // speak is refused; neither sends anything.
    let bad = anna
        .post(
            &path,
            json!({ "to": "carl@", "invite": "customer", "language": "fr" }),
        )
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert_eq!(
        detail(&bad.body),
        ("invalid_mail_address", &json!({ "address": "carl@" }))
    );
    let klingon = anna
        .post(
            &path,
            json!({ "to": "carl@example.test", "invite": "customer", "language": "tlh" }),
        )
        .await;
    assert_eq!(klingon.status, 400, "{}", klingon.text);
    assert_eq!(sink.mails().len(), mailed);
}

#[tokio::test]
async fn without_a_mail_server_the_refusal_has_its_detail() {
    let kernel = KernelProcess::configure(&fixture_manifests(), "", &accounts()).launch();
    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    let mut console = anna.console(&kernel).await;
    let number = console.start_session().await;
    let refused = anna
        .post(
            &format!("/api/sessions/{number}/invite"),
            json!({ "to": "carl@example.test", "invite": "customer", "language": "ja" }),
        )
        .await;
    assert_eq!(refused.status, 503, "{}", refused.text);
    assert_eq!(detail(&refused.body), ("no_mail_server", &Value::Null));
}

#[tokio::test]
async fn system_information_names_its_own_words_by_id_and_the_file_follows_the_csrs_language() {
    let kernel = KernelProcess::configure(&bundled_manifests(), CONFIG, &accounts()).launch();
    let mut started = StartedSession::start(&kernel, "anna").await;
    let state = tempfile::tempdir().expect("temp dir");
    let mut agent = AgentProcess::join(state.path(), &started.join_link, "Carl");
    agent
        .wait_for_line(&format!("Connected to support session {}", started.number))
        .await;
    let command = |name: &str, payload: Value| json!({ "session": started.number, "plugin": "sysinfo", "name": name, "payload": payload });
    let seen = agent.prompts_seen();
    let asked = started
        .console
        .send_request("plugin.command", command("collect", Value::Null))
        .await;
    agent.answer_prompt(seen, "y").await;
    let collected = started.console.reply_to(asked).await;
    let categories = collected["body"]["categories"]
        .as_array()
        .expect("categories");
    let system = &categories[0];
    assert_eq!(system["column_ids"], json!(["property", "value"]));
    assert_eq!(system["row_labels"][0], "computer_name");
    assert_eq!(system["rows"][0][0], "Computer name");
    let host_name = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    assert_eq!(system["rows"][0][1], host_name.trim());
    let processes = categories
        .iter()
        .find(|c| c["id"] == "processes")
        .expect("processes");
    assert_eq!(
        processes["column_ids"],
        json!(["pid", "name", "user", "memory"])
    );
    assert!(
        processes["row_labels"]
            .as_array()
            .expect("labels")
            .iter()
            .all(Value::is_null),
        "what the computer reports is never labelled"
    );

    // Save with the panel's Japanese words: Tether's words in Japanese,
    // the computer's values as reported.
    let saved = started
        .console
        .ok(
            "plugin.command",
            command(
                "save",
                json!({ "words": {
                    "collected": "{customer} のシステム情報",
                    "category.system": "システム",
                    "column.property": "項目",
                    "column.value": "値",
                    "label.computer_name": "コンピューター名",
                } }),
            ),
        )
        .await;
    let text = saved["text"].as_str().expect("text");
    assert!(text.starts_with("Carl のシステム情報"), "{text}");
    // Numbers the agent wrote with a unit come as numbers beside its
    // English, and the file writes them in the panel's words.
    let memory = categories
        .iter()
        .find(|c| c["id"] == "memory")
        .expect("memory");
    let total = &memory["quantities"][0][1];
    assert_eq!(total["unit"], "mib", "{memory}");
    let mib = total["amount"].as_u64().expect("an amount");
    assert_eq!(memory["rows"][0][1], format!("{mib} MiB"));
    let up = &system["quantities"][5][1];
    assert!(
        up["unit"] == "seconds" || up["unit"] == "unknown",
        "{system}"
    );
    let french = started
        .console
        .ok(
            "plugin.command",
            command(
                "save",
                json!({ "words": { "quantity.mib": "{amount} Mio", "label.total": "Total" } }),
            ),
        )
        .await;
    let french = french["text"].as_str().expect("text");
    assert!(french.contains(&format!("{mib} Mio")), "{french}");
    for expected in [
        "== システム ==",
        "項目",
        "コンピューター名",
        host_name.trim(),
    ] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }
    drop(agent);
}

const PLUGINS_CONFIG: &str = r#"
[sessions]
join_attempts_per_minute = 1000

[sites.default]
name = "Default"
plugins = ["echo", "panics", "loop-forever"]
"#;

#[tokio::test]
async fn what_a_person_sends_wrong_and_plugins_that_cannot_run_are_said_with_a_detail() {
    let mut accounts = accounts().to_vec();
    accounts.push(TestAccount {
        role: "admin",
        ..TestAccount::csr("lee", "Lee Admin", "default")
    });
    let kernel = KernelProcess::configure(&fixture_manifests(), PLUGINS_CONFIG, &accounts).launch();
    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    let mut host = anna.console(&kernel).await;
    let number = host.start_session().await;
    let mut carl = Customer::join(&kernel, &number, "Carl").await;

    // Chat: empty, too long (counted in characters), too large to take.
    let empty = carl
        .page
        .request("chat.send", json!({ "text": "  " }))
        .await;
    assert_eq!(detail(&empty["body"]), ("message_empty", &Value::Null));
    let long = host
        .request(
            "chat.send",
            json!({ "session": number, "text": "æ".repeat(4001) }),
        )
        .await;
    assert_eq!(
        detail(&long["body"]),
        ("message_too_long", &json!({ "chars": 4001, "limit": 4000 }))
    );
    let huge = json!({ "v": 1, "type": "chat.send", "body": { "text": "x".repeat(70 * 1024) } })
        .to_string();
    let size = huge.len();
    carl.page.send_text(huge).await;
    let refused = loop {
        let message = carl.page.receive().await.expect("a reply");
        if message["type"] == "error" {
            break message;
        }
    };
    assert_eq!(
        detail(&refused["body"]),
        (
            "message_too_large",
            &json!({ "size": size, "limit": 64 * 1024 })
        )
    );
    // The helper the customer let another one replace is told why.
    let mut first = carl.connect_agent(&kernel).await;
    let query = carl.agent_query().await;
    let url = kernel.ws_url(&format!("/ws/agent?{query}"));
    let second = tokio::spawn(async move { WsClient::connect(&url, None, None).await });
    let asked = carl.page.event("agent.second_prompt").await;
    carl.page
        .ok(
            "consent.answer",
            json!({ "request": asked["request"], "granted": true }),
        )
        .await;
    let over = first.event("session.ended").await;
    assert_eq!(detail(&over), ("another_helper_took_over", &Value::Null));
    let mut second = second.await.expect("joined").expect("connected");
    second.event("session.welcome").await;

    // A client's bug, not a person's: English only.
    let unknown = host.request("chat.whisper", json!({})).await;
    assert_eq!(unknown["type"], "error");
    assert!(unknown["body"].get("detail").is_none(), "{unknown}");

    // A plugin that crashes, keeps crashing, runs too long.
    let crashed = host
        .request(
            "plugin.command",
            json!({ "plugin": "panics", "name": "boom" }),
        )
        .await;
    let (key, params) = detail(&crashed["body"]);
    assert_eq!(key, "plugin_crashed", "{crashed}");
    assert_eq!(params["plugin"], "panics");
    assert!(
        params["message"]
            .as_str()
            .is_some_and(|m| m.contains("the fixture panicked on purpose")),
        "the plugin's own words stay as they are: {params}"
    );
    for _ in 0..2 {
        host.request(
            "plugin.command",
            json!({ "plugin": "panics", "name": "boom" }),
        )
        .await;
    }
    let suspended = host
        .request(
            "plugin.command",
            json!({ "plugin": "panics", "name": "ping" }),
        )
        .await;
    let (key, params) = detail(&suspended["body"]);
    assert_eq!(key, "plugin_suspended", "{suspended}");
    assert_eq!(
        (&params["plugin"], &params["site"]),
        (&json!("panics"), &json!("default"))
    );
    assert!(
        params["seconds"].as_u64().is_some_and(|s| s > 0),
        "{params}"
    );
    let spun = host
        .request(
            "plugin.command",
            json!({ "plugin": "loop-forever", "name": "spin" }),
        )
        .await;
    let (key, params) = detail(&spun["body"]);
    assert_eq!(key, "plugin_timed_out", "{spun}");
    assert_eq!(params["plugin"], "loop-forever");
    let missing = anna
        .post("/api/plugins/nope/commands", json!({ "name": "ping" }))
        .await;
    assert_eq!(
        detail(&missing.body),
        ("unknown_plugin", &json!({ "plugin": "nope" }))
    );

    // A page left open from an earlier sign-in: no CSRF token.
    let stale = anna
        .post_with(
            "/api/plugins/echo/commands",
            json!({ "name": "echo" }),
            None,
        )
        .await;
    assert_eq!(stale.status, 403, "{}", stale.text);
    assert_eq!(detail(&stale.body), ("csrf_token_missing", &Value::Null));

    // The site admin's form, as the admin page sends it.
    let lee = Csr::sign_in(&kernel, "lee", PASSWORD)
        .await
        .expect("signs in");
    let form = |name: &str, max: Value, plugins: Value| json!({ "name": name, "session_mode": "single", "max_customers_per_csr": max, "plugins": plugins });
    for (body, key, params) in [
        // The number field left empty (the page sends 0), or a fraction.
        (
            form("Default", json!(0), json!(["echo"])),
            "site_max_customers",
            json!({ "min": 1 }),
        ),
        (
            form("Default", json!(1.5), json!(["echo"])),
            "site_max_customers",
            json!({ "min": 1 }),
        ),
        (
            form("Default", json!(-2), json!(["echo"])),
            "site_max_customers",
            json!({ "min": 1 }),
        ),
        (
            form("   ", json!(3), json!(["echo"])),
            "site_name_missing",
            Value::Null,
        ),
        (
            form(&"x".repeat(81), json!(3), json!(["echo"])),
            "site_name_too_long",
            json!({ "max": 80 }),
        ),
        (
            form("Default", json!(3), json!(["echo", "gone"])),
            "site_plugin_not_loaded",
            json!({ "plugin": "gone" }),
        ),
    ] {
        let refused = lee.put("/api/admin/site", body.clone()).await;
        assert_eq!(refused.status, 400, "{body}: {}", refused.text);
        assert_eq!(detail(&refused.body), (key, &params), "{body}");
    }
    let saved = lee
        .put(
            "/api/admin/site",
            form("Default", json!(4), json!(["echo"])),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    assert_eq!(saved.body["max_customers_per_csr"], 4);
}
