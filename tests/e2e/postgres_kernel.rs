//! The kernel on PostgreSQL (`[storage] url`): a private server the test
//! starts, the real kernel binary and `tether admin`, real WebSocket
//! clients. What a support session stores lands in PostgreSQL and survives
//! a restart; a database that cannot be reached stops the start with a
//! message naming the server, never the password.

use serde_json::json;
use tether_tests::clients::{Csr, assert_report_has};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::postgres::PrivatePostgres;
use tether_tests::round_trips::GrantedSession;

/// The configuration's `[storage]` table for the database at `url`.
fn storage(url: &str) -> String {
    format!("[storage]\nurl = \"{url}\"\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_support_session_is_stored_in_postgresql_and_survives_a_restart() {
    let postgres = PrivatePostgres::start().await;
    let url = postgres.new_database().await;
    // Anna (created by `tether admin`, in PostgreSQL) signs in, starts a
    // session; a customer joins, grants the echo plugin, and its agent
    // answers a call.
    let mut session = GrantedSession::start_with(&storage(&url)).await;
    session.agent_call().await;
    assert_eq!(session.agent.calls().len(), 1);
    session
        .customer
        .page
        .ok("chat.send", json!({ "text": "It says error 42" }))
        .await;
    session.host.event("chat.message").await;
    session
        .host
        .ok("session.end", json!({ "session": session.number }))
        .await;
    session.customer.page.event("session.ended").await;
    let GrantedSession { kernel, number, .. } = session;
    let anna = Csr::sign_in(&kernel, "anna", "correct horse battery")
        .await
        .expect("signs in");

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
    assert_report_has(
        &report.body,
        &[
            "session.started",
            "participant.joined",
            "consent.granted",
            "agent.call",
            "agent.result",
            "chat",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_stops_the_start_naming_the_server_not_the_password() {
    // A port nothing listens on: bound, then closed.
    let port = tether_tests::free_loopback_port();
    let url = format!("postgres://tether:s3cret-word@127.0.0.1:{port}/desk");
    let stopped = KernelProcess::configure(&fixture_manifests(), &storage(&url), &[]);
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
