//! Faults under a running kernel: its database taken away (say so, refuse
//! what it cannot record, never start over with an empty database beside
//! the running one), the kernel killed during a script run, an agent's
//! connection cut in the middle of a call.

use std::time::{Duration, Instant};

use serde_json::json;
use tether_tests::agent_process::AgentProcess;
use tether_tests::clients::{Csr, Customer, PATIENCE, StartedSession};
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::script_runs::{add_sleeper, until_cleaned_up, until_running};
use tether_tests::{bundled_manifests, fixture_manifests};

const PASSWORD: &str = "correct horse battery";

/// Waits until `/healthz` reports failed storage (it checks every few
/// seconds), and checks it says what failed.
async fn until_health_says(kernel: &KernelProcess, what_failed: &str) {
    let deadline = Instant::now() + PATIENCE;
    let health = loop {
        let (status, body) = kernel.get_json("/healthz").await;
        if status == 503 {
            break body;
        }
        assert_eq!(status, 200, "{body}");
        assert!(Instant::now() < deadline, "health never noticed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(health["status"], "storage_failed");
    let said = health["storage"].as_str().expect("what failed");
    assert!(said.contains(what_failed), "{health}");
}

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
    until_health_says(&kernel, "was removed or replaced").await;

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

#[tokio::test]
async fn a_kernel_killed_during_a_script_run_says_so_after_restart_and_the_agent_cleans_up() {
    let accounts = [
        TestAccount::csr("anna", "Anna Berg", "default"),
        TestAccount {
            role: "admin",
            ..TestAccount::csr("lee", "Lee Admin", "default")
        },
    ];
    let config = "[sessions]\njoin_attempts_per_minute = 1000\nconsent_timeout_secs = 20\n\n[sites.default]\nname = \"Default\"\nplugins = [\"scripts\"]\n";
    let kernel = KernelProcess::configure(&bundled_manifests(), config, &accounts).launch();
    let mut anna = StartedSession::start(&kernel, "anna").await;
    let sleeper = add_sleeper(&kernel, &anna.csr).await;
    let state = tempfile::tempdir().expect("temp dir");
    let mut agent = AgentProcess::join(state.path(), &anna.join_link, "Carl");
    agent.wait_for_line("Connected to support session").await;
    let seen = agent.prompts_seen();
    let run = json!({ "session": anna.number, "plugin": "scripts", "name": "run",
                      "payload": { "scripts": [sleeper] } });
    anna.console.send_request("plugin.command", run).await;
    agent.answer_prompt(seen, "y").await;
    until_running(state.path()).await;

    // Power loss: no goodbye to anyone.
    let number = anna.number.clone();
    let stopped = kernel.stop();
    // The agent loses the server and stops what it ran, folder and all.
    until_cleaned_up(state.path()).await;

    let kernel = stopped.launch();
    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    let report = anna
        .get(&format!("/api/sessions/{number}/report?format=text"))
        .await
        .text;
    assert!(
        report.contains("`script.run` was interrupted: the server stopped while it ran."),
        "{report}"
    );
    assert!(report.contains("the server restarted"), "{report}");
    // The library is intact.
    let listed = anna
        .post(
            "/api/plugins/scripts/commands",
            json!({ "name": "library.list", "payload": {} }),
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.body[0]["name"], "Sleeper", "{}", listed.text);
}

#[tokio::test]
async fn an_agent_cut_off_in_the_middle_of_a_call_gives_the_plugin_a_clear_error() {
    let accounts = [TestAccount::csr("anna", "Anna Berg", "default")];
    let config = "[sessions]\njoin_attempts_per_minute = 1000\n\n[sites.default]\nname = \"Default\"\nplugins = [\"echo\"]\n";
    let kernel = KernelProcess::configure(&fixture_manifests(), config, &accounts).launch();
    let mut anna = StartedSession::start(&kernel, "anna").await;
    let mut carl = Customer::join(&kernel, &anna.number, "Carl").await;
    let mut agent = carl.connect_agent(&kernel).await;
    agent
        .ok(
            "agent.hello",
            json!({ "capabilities": ["sysinfo.collect"] }),
        )
        .await;
    let (number, participant) = (anna.number.clone(), carl.participant.clone());
    let echo = |name: &str| {
        json!({ "session": number, "plugin": "echo", "name": name,
                "payload": { "session": number, "participant": participant,
                             "capability": "sysinfo.collect", "input": {} } })
    };
    let ask = anna
        .console
        .send_request("plugin.command", echo("ask-consent"))
        .await;
    carl.answer_prompt(true).await;
    assert_eq!(anna.console.reply_to(ask).await["body"], "granted");

    let call = anna
        .console
        .send_request("plugin.command", echo("call-agent"))
        .await;
    agent.event("agent.call").await;
    // The network goes away before the agent answers.
    drop(agent);
    let reply = anna.console.reply_to(call).await;
    assert_eq!(reply["type"], "error", "{reply}");
    let message = reply["body"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("the host agent disconnected"), "{message}");

    let report = anna
        .csr
        .get(&format!("/api/sessions/{}/report?format=text", anna.number))
        .await
        .text;
    let results: Vec<&str> = report
        .lines()
        .filter(|l| l.contains("agent.result"))
        .collect();
    assert_eq!(results.len(), 1, "{report}");
    assert!(
        !results[0].contains(": ok"),
        "reported as done: {}",
        results[0]
    );
    assert!(
        results[0].contains("the host agent disconnected"),
        "{}",
        results[0]
    );
}

#[tokio::test]
async fn a_full_disk_under_the_running_kernel_is_reported_and_nothing_is_done_unrecorded() {
    let accounts = [TestAccount::csr("anna", "Anna Berg", "default")];
    let config = "[sessions]\njoin_attempts_per_minute = 1000\n\n[sites.default]\nname = \"Default\"\nplugins = []\n";
    let kernel = KernelProcess::configure(&fixture_manifests(), config, &accounts)
        .launch_on_own_filesystem();
    let mut anna = StartedSession::start(&kernel, "anna").await;
    let mut carl = Customer::join(&kernel, &anna.number, "Carl").await;
    carl.page.ok("chat.send", json!({ "text": "before" })).await;

    kernel.fill_data_filesystem();

    until_health_says(&kernel, "cannot be written").await;
    let (code, _) = carl
        .page
        .refused("chat.send", json!({ "text": "after" }))
        .await;
    assert_eq!(code, "unavailable");
    let (code, _) = anna.console.refused("session.start", json!({})).await;
    assert_eq!(code, "unavailable");
    let refused = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .err()
        .expect("sign-in refused");
    assert_eq!(refused.status, 503, "{}", refused.text);
    // What was recorded before is still there, and nothing after it.
    let report = anna
        .csr
        .get(&format!("/api/sessions/{}/report?format=text", anna.number))
        .await
        .text;
    assert!(report.contains("before"), "{report}");
    assert!(!report.contains("after"), "{report}");
}
