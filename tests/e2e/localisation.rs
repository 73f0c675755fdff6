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
