//! Activities the kernel ends itself (../shared/DESIGN.md §9): a script
//! still running when control passes, when the host selects another
//! customer, or when the customer withdraws the permission is stopped on
//! the customer's computer (its process group killed, its folder removed),
//! and a log-on as another user is undone when control passes — with the
//! real agent, and the chat and the report saying what ended and why.

use std::path::Path;

use serde_json::{Value, json};
use tether_tests::agent_process::AgentProcess;
use tether_tests::bundled_manifests;
use tether_tests::clients::{Csr, Customer, StartedSession, WsClient};
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::script_runs::{add_sleeper, until_cleaned_up, until_running};

const CONFIG: &str = r#"
[sessions]
join_attempts_per_minute = 1000
consent_timeout_secs = 20

[sites.default]
name = "Default"
plugins = ["scripts", "sysinfo", "relogin"]
"#;

fn start_kernel() -> KernelProcess {
    let accounts = [
        TestAccount::csr("anna", "Anna Berg", "default"),
        TestAccount::csr("bob", "Bo Lind", "default"),
        TestAccount {
            role: "admin",
            ..TestAccount::csr("lee", "Lee Admin", "default")
        },
    ];
    KernelProcess::configure(&bundled_manifests(), CONFIG, &accounts).launch()
}

async fn signed_in(kernel: &KernelProcess, username: &str) -> Csr {
    Csr::sign_in(kernel, username, "correct horse battery")
        .await
        .expect("signs in")
}

fn run_command(number: &str, script: &str) -> Value {
    json!({ "session": number, "plugin": "scripts", "name": "run", "payload": { "scripts": [script] } })
}

fn run_command_for(number: &str, script: &str, customer: &str) -> Value {
    json!({ "session": number, "plugin": "scripts", "name": "run",
            "payload": { "scripts": [script], "participant": customer } })
}

async fn chat_line(console: &mut WsClient, text: &str) -> Value {
    loop {
        let message = console.event("chat.message").await;
        if message["text"].as_str().is_some_and(|t| t.contains(text)) {
            return message;
        }
    }
}

async fn report(csr: &Csr, number: &str) -> String {
    csr.get(&format!("/api/sessions/{number}/report?format=text"))
        .await
        .text
}

/// Bob assists Anna's session; returns his console and participant id.
async fn bob_assists(kernel: &KernelProcess, number: &str) -> (WsClient, String) {
    let bob = signed_in(kernel, "bob").await;
    let mut console = bob.console(kernel).await;
    let assisted = console
        .ok("session.assist", json!({ "session": number }))
        .await;
    let id = assisted["participant"]
        .as_str()
        .expect("participant")
        .to_owned();
    (console, id)
}

/// The customer's agent, joined by the session's link (consent in its
/// terminal).
async fn agent_joined(link: &str, state: &Path) -> AgentProcess {
    let agent = AgentProcess::join(state, link, "Carl");
    agent.wait_for_line("Connected to support session").await;
    agent
}

#[tokio::test]
async fn a_running_script_is_stopped_when_control_passes() {
    let kernel = start_kernel();
    let mut anna = StartedSession::start(&kernel, "anna").await;
    let sleeper = add_sleeper(&kernel, &anna.csr).await;
    let (mut bob_console, bob_id) = bob_assists(&kernel, &anna.number).await;
    let state = tempfile::tempdir().expect("temp dir");
    let mut agent = agent_joined(&anna.join_link, state.path()).await;
    let seen = agent.prompts_seen();
    let run = anna
        .console
        .send_request("plugin.command", run_command(&anna.number, &sleeper))
        .await;
    agent.answer_prompt(seen, "y").await;
    until_running(state.path()).await;

    anna.console
        .ok(
            "session.pass_control",
            json!({ "session": anna.number, "to": bob_id }),
        )
        .await;

    until_cleaned_up(state.path()).await;
    agent
        .wait_for_line("Stopped `script.run`: control passed to another CSR.")
        .await;
    // The run the former host started comes back without its output.
    let reply = anna.console.reply_to(run).await;
    assert!(
        reply.to_string().contains("control passed to another CSR"),
        "{reply}"
    );
    let line = chat_line(
        &mut bob_console,
        "Stopped `script.run`: control passed to another CSR.",
    )
    .await;
    assert_eq!(line["from"], "plugin:scripts");
    // The same line for each reader to see in their language.
    assert_eq!(
        line["detail"],
        json!({ "key": "activity_stopped",
                "params": { "capability": "script.run", "reason": "control_passed" } })
    );
    assert_eq!(
        anna.console.event("activities.ended").await["reason"],
        "control passed to another CSR"
    );
    let text = report(&anna.csr, &anna.number).await;
    assert!(
        text.contains("activity.ended")
            && text.contains("Stopped `script.run`: control passed to another CSR."),
        "{text}"
    );
}

#[tokio::test]
async fn a_running_script_is_stopped_when_the_host_selects_another_customer() {
    let kernel = start_kernel();
    let mut anna = StartedSession::start(&kernel, "anna").await;
    let sleeper = add_sleeper(&kernel, &anna.csr).await;

    let state = tempfile::tempdir().expect("temp dir");
    let mut agent = agent_joined(&anna.join_link, state.path()).await;
    let carl = anna.console.event("participant.joined").await["participant"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    anna.console
        .ok(
            "session.select_customer",
            json!({ "session": anna.number, "participant": carl }),
        )
        .await;
    let dora = Customer::join(&kernel, &anna.number, "Dora").await;

    let seen = agent.prompts_seen();
    let run = anna
        .console
        .send_request(
            "plugin.command",
            run_command_for(&anna.number, &sleeper, &carl),
        )
        .await;
    agent.answer_prompt(seen, "y").await;
    until_running(state.path()).await;

    anna.console
        .ok(
            "session.select_customer",
            json!({ "session": anna.number, "participant": dora.participant }),
        )
        .await;
    until_cleaned_up(state.path()).await;
    agent
        .wait_for_line("Stopped `script.run`: another customer was selected.")
        .await;
    let reply = anna.console.reply_to(run).await;
    assert!(
        reply.to_string().contains("another customer was selected"),
        "{reply}"
    );
    chat_line(
        &mut anna.console,
        "Stopped `script.run`: another customer was selected.",
    )
    .await;
    let text = report(&anna.csr, &anna.number).await;
    assert!(
        text.contains("Stopped `script.run`: another customer was selected."),
        "{text}"
    );
}

#[tokio::test]
async fn withdrawing_the_permission_stops_the_running_script() {
    let kernel = start_kernel();
    let mut anna = StartedSession::start(&kernel, "anna").await;
    let sleeper = add_sleeper(&kernel, &anna.csr).await;
    // The customer joins on the page and starts the agent for that page:
    // the page answers the prompt and can withdraw the permission.
    let mut carl = Customer::join(&kernel, &anna.number, "Carl").await;
    let state = tempfile::tempdir().expect("temp dir");
    let code = carl.agent_code().await;
    let agent = AgentProcess::for_page(state.path(), &anna.join_link, &code);
    agent.wait_for_line("Connected to support session").await;

    let run = anna
        .console
        .send_request("plugin.command", run_command(&anna.number, &sleeper))
        .await;
    carl.answer_prompt(true).await;
    let answered = carl.page.event("consent.answered").await;
    let grant = answered["grants"][0].as_str().expect("a grant").to_owned();
    until_running(state.path()).await;

    carl.page
        .ok("consent.revoke", json!({ "grant": grant }))
        .await;
    until_cleaned_up(state.path()).await;
    agent
        .wait_for_line("Stopped `script.run`: the customer withdrew the permission.")
        .await;
    let reply = anna.console.reply_to(run).await;
    assert!(
        reply
            .to_string()
            .contains("the customer withdrew the permission"),
        "{reply}"
    );
    let text = report(&anna.csr, &anna.number).await;
    assert!(
        text.contains("Stopped `script.run`: the customer withdrew the permission."),
        "{text}"
    );
}

#[tokio::test]
async fn a_log_on_as_another_user_is_undone_when_control_passes() {
    let kernel = start_kernel();
    let mut anna = StartedSession::start(&kernel, "anna").await;
    let (mut bob_console, bob_id) = bob_assists(&kernel, &anna.number).await;
    let state = tempfile::tempdir().expect("temp dir");
    let mut agent = agent_joined(&anna.join_link, state.path()).await;
    let seen = agent.prompts_seen();
    let ask = json!({ "session": anna.number, "plugin": "relogin", "name": "ask", "payload": {} });
    let id = anna.console.send_request("plugin.command", ask).await;
    agent.answer_prompt(seen, "y").await;
    let reply = anna.console.reply_to(id).await;
    assert_eq!(reply["body"]["status"], "allowed", "{reply}");
    let logon = json!({ "session": anna.number, "plugin": "relogin", "name": "logon",
                        "payload": { "user": "lee-admin", "password": "Pw-0815", "domain": null } });
    let reply = anna.console.request("plugin.command", logon).await;
    assert_eq!(reply["body"]["status"], "logged_on", "{reply}");

    anna.console
        .ok(
            "session.pass_control",
            json!({ "session": anna.number, "to": bob_id }),
        )
        .await;
    agent
        .wait_for_line("Undoing `account.logon`: control passed to another CSR.")
        .await;
    agent
        .wait_for_line("Logged the other account off; your account is back.")
        .await;
    chat_line(
        &mut bob_console,
        "Undid `account.logon`: control passed to another CSR.",
    )
    .await;

    // The new host sees the customer's own account in use again (after
    // asking for system information themselves).
    let seen = agent.prompts_seen();
    let collect =
        json!({ "session": anna.number, "plugin": "sysinfo", "name": "collect", "payload": null });
    let id = bob_console.send_request("plugin.command", collect).await;
    agent.answer_prompt(seen, "y").await;
    let collected = bob_console.reply_to(id).await;
    let rows = collected["body"]["categories"][0]["rows"]
        .as_array()
        .expect("rows")
        .clone();
    let in_use = rows
        .iter()
        .find(|row| row[0] == "Account in use")
        .and_then(|row| row[1].as_str())
        .expect("the account in use is reported");
    assert_ne!(in_use, "lee-admin");
    let text = report(&anna.csr, &anna.number).await;
    assert!(
        text.contains("Undid `account.logon`: control passed to another CSR."),
        "{text}"
    );
}
