//! The system-information answer load agents give. A thousand real agent
//! processes do not fit on one machine beside the kernel, so each load
//! agent answers `sysinfo.collect` with one answer recorded from the real
//! `tether-agent` (Linux backend, this machine) at the start of the run.
//!
//! Recorded on a kernel of its own with the `echo` fixture plugin, whose
//! `call-agent` command gives back the agent's output as the agent sent it
//! (the `sysinfo` plugin would give its own rendering of it). The customer
//! allows it in the agent's terminal, as there is no page.

use serde_json::{Value, json};

use crate::agent_process::AgentProcess;
use crate::clients::StartedSession;
use crate::fixture_manifests;
use crate::kernel_process::{KernelProcess, TestAccount};

const CONFIG: &str = r#"
[sessions]
consent_timeout_secs = 30

[sites.default]
name = "Default"
plugins = ["echo"]
"#;

/// Asks the real agent once; panics (this is a bench's set-up) when the
/// agent cannot be run or answers something else than categories.
pub async fn record_from_the_real_agent() -> Value {
    let kernel = KernelProcess::configure(
        &fixture_manifests(),
        CONFIG,
        &[TestAccount::csr("rita", "Rita Recorder", "default")],
    )
    .launch();
    let mut started = StartedSession::start(&kernel, "rita").await;
    let state = tempfile::tempdir().expect("temp dir");
    let mut agent = AgentProcess::spawn(
        state.path(),
        "linux",
        &["join", &started.join_link, "--name", "Recorded Computer"],
    );
    agent
        .wait_for_line(&format!("Connected to support session {}", started.number))
        .await;
    let joined = started.console.event("participant.joined").await;
    let target = |command: &str| {
        json!({ "session": started.number, "plugin": "echo", "name": command,
                "payload": { "session": started.number, "participant": joined["participant"]["id"],
                             "capability": "sysinfo.collect", "input": {} } })
    };

    let seen = agent.prompts_seen();
    let asked = target("ask-consent");
    let id = started.console.send_request("plugin.command", asked).await;
    agent.answer_prompt(seen, "y").await;
    let granted = started.console.reply_to(id).await;
    assert_eq!(granted["body"], "granted", "consent: {granted}");

    let answer = started
        .console
        .ok("plugin.command", target("call-agent"))
        .await;
    assert!(
        answer["categories"]
            .as_array()
            .is_some_and(|c| !c.is_empty()),
        "the agent's answer has no categories: {answer}"
    );
    answer
}
