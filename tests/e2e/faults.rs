//! Faults under a running kernel: its database taken away, and what it
//! must do then (say so, refuse what it cannot record, never start over
//! with an empty database beside the running one).

use std::time::{Duration, Instant};

use serde_json::json;
use tether_tests::clients::{Csr, Customer, PATIENCE, StartedSession};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};

const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn a_database_deleted_under_the_running_kernel_is_reported_and_nothing_is_done_unrecorded() {
    let accounts = [TestAccount::csr("anna", "Anna Berg", "default")];
    let config = "[sessions]\njoin_attempts_per_minute = 1000\n\n[sites.default]\nname = \"Default\"\nplugins = []\n";
    let kernel = KernelProcess::configure(&fixture_manifests(), config, &accounts).launch();
    let mut anna = StartedSession::start(&kernel, "anna").await;
    let mut carl = Customer::join(&kernel, &anna.number, "Carl").await;
    assert_eq!(kernel.get_json("/healthz").await.0, 200);

    let database = kernel.data_dir().join("tether.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", database.display()));
    }

    // Health says so (it checks every few seconds).
    let deadline = Instant::now() + PATIENCE;
    let health = loop {
        let (status, body) = kernel.get_json("/healthz").await;
        if status == 503 {
            break body;
        }
        assert_eq!(status, 200);
        assert!(Instant::now() < deadline, "health never noticed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(health["status"], "storage_failed");
    assert!(
        health["storage"]
            .as_str()
            .expect("what failed")
            .contains("was removed or replaced"),
        "{health}"
    );

    // Work that must be recorded is refused with a clear error.
    let refused = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .err()
        .expect("sign-in refused");
    assert_eq!(refused.status, 503, "{}", refused.text);
    assert!(
        refused.text.contains("cannot keep its records"),
        "{}",
        refused.text
    );
    let (code, message) = anna.console.refused("session.start", json!({})).await;
    assert_eq!(code, "unavailable", "{message}");
    let (code, _) = carl
        .page
        .refused("chat.send", json!({ "text": "is anyone there?" }))
        .await;
    assert_eq!(code, "unavailable");
    let joined = tether_tests::clients::post_json(
        &kernel,
        "/api/join",
        json!({ "session": anna.number, "display_name": "Dora" }),
    )
    .await;
    assert_eq!(joined.status, 503, "{}", joined.text);

    // And no empty database took the old one's place.
    assert!(
        !database.exists(),
        "a new database file appeared beside the running kernel"
    );
}
