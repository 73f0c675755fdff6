//! The kernel on PostgreSQL (`[storage] url`): a private server the test
//! starts, the real kernel binary and `tether admin`, real WebSocket
//! clients. What a support session stores lands in PostgreSQL and survives
//! a restart; a database that cannot be reached stops the start with a
//! message naming the server, never the password.

use serde_json::json;
use tether_tests::clients::{Csr, Customer, TestAgent};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::postgres::PrivatePostgres;

fn config(url: &str) -> String {
    format!(
        r#"
[storage]
url = "{url}"

[sessions]
join_attempts_per_minute = 1000

[sites.default]
name = "Default"
plugins = ["echo"]
"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_support_session_is_stored_in_postgresql_and_survives_a_restart() {
    let postgres = PrivatePostgres::start().await;
    let url = postgres.new_database().await;
    let stopped = KernelProcess::configure(
        &fixture_manifests(),
        &config(&url),
        &[TestAccount::csr("anna", "Anna Berg", "default")],
    );
    let kernel = stopped.launch();
    let anna = Csr::sign_in(&kernel, "anna", "correct horse battery")
        .await
        .expect("the account `tether admin` stored in PostgreSQL signs in");
    let mut host = anna.console(&kernel).await;
    let number = host.start_session().await;
    let mut customer = Customer::join(&kernel, &number, "Carl Customer").await;
    host.event("participant.joined").await;
    let agent = TestAgent::start(&kernel, &mut customer, &["sysinfo.collect"]).await;

    let ask = host
        .send_request(
            "plugin.command",
            json!({ "session": number, "plugin": "echo", "name": "ask-consent",
                    "payload": { "session": number, "participant": customer.participant, "capability": "sysinfo.collect" } }),
        )
        .await;
    customer.answer_prompt(true).await;
    assert_eq!(host.reply_to(ask).await["body"], "granted");
    let result = host
        .ok(
            "plugin.command",
            json!({ "session": number, "plugin": "echo", "name": "call-agent",
                    "payload": { "session": number, "participant": customer.participant,
                                 "capability": "sysinfo.collect", "input": { "say": "hello" } } }),
        )
        .await;
    assert_eq!(result["machine"], "test agent");
    assert_eq!(agent.calls().len(), 1);
    customer
        .page
        .ok("chat.send", json!({ "text": "It says error 42" }))
        .await;
    host.event("chat.message").await;
    host.ok("session.end", json!({ "session": number })).await;
    customer.page.event("session.ended").await;

    // Nothing went to an embedded database beside the kernel.
    assert!(
        !kernel.data_dir().join("tether.db").exists(),
        "the kernel on PostgreSQL wrote a SQLite database"
    );

    // Reading the report waits for its last lines to be written; after a
    // restart, PostgreSQL gives back the same report.
    let path = format!("/api/sessions/{number}/report?format=json");
    let before = anna.get(&path).await;
    assert_eq!(before.status, 200, "{}", before.text);
    let restarted = kernel.stop().launch();
    let anna = Csr::sign_in(&restarted, "anna", "correct horse battery")
        .await
        .expect("signs in after the restart");
    let report = anna.get(&path).await;
    assert_eq!(report.status, 200, "{}", report.text);
    assert_eq!(report.body, before.body);
    assert_eq!(report.body["status"], "ended");
    assert_eq!(report.body["end_reason"], "ended by Anna Berg");
    let kinds: Vec<&str> = report.body["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for expected in [
        "session.started",
        "participant.joined",
        "consent.granted",
        "agent.call",
        "agent.result",
        "chat",
    ] {
        assert!(
            kinds.contains(&expected),
            "{expected} missing from {kinds:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_stops_the_start_naming_the_server_not_the_password() {
    // A port nothing listens on: bound, then closed.
    let port = tether_tests::free_loopback_port();
    let url = format!("postgres://tether:s3cret-word@127.0.0.1:{port}/desk");
    let stopped = KernelProcess::configure(&fixture_manifests(), &config(&url), &[]);
    let output = stopped.serve_expecting_failure();
    let said = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(
        said.contains(&format!(
            "cannot connect to PostgreSQL database `desk` on 127.0.0.1:{port}"
        )),
        "{said}"
    );
    assert!(
        !said.contains("s3cret-word"),
        "the password was printed: {said}"
    );

    let created = stopped.admin_create_user(&TestAccount::csr("anna", "Anna Berg", "default"));
    assert!(!created.status.success());
    let said = String::from_utf8_lossy(&created.stderr);
    assert!(said.contains("cannot connect to PostgreSQL"), "{said}");
    assert!(
        !said.contains("s3cret-word"),
        "the password was printed: {said}"
    );
}
