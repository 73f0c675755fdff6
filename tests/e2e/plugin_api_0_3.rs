//! Plugin API 0.3.0 as released, on a real kernel: the fixture `api-0-3-0`
//! (built with wit-bindgen against a never-edited copy of the released
//! WIT) loads, and its call with files — a file of bytes and one of its
//! own store — reaches the customer's agent as file frames after the call,
//! and the agent's answer comes back to the CSR. The kernel's side of the
//! files' limits is in `plugin_host.rs`; the agent's side in
//! `scripts/agent_files.rs`.

use serde_json::{Value, json};
use tether_protocol::file_frame::FileFrame;
use tether_protocol::{AgentRequest, Capability, RawJson};
use tether_tests::clients::{Customer, StartedSession, WsClient};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};

const CONFIG: &str = r#"
[sessions]
join_attempts_per_minute = 1000

[sites.default]
name = "Default"
plugins = ["api-0-3-0"]
"#;

const PLUGIN: &str = "api-0-3-0";

/// The script the plugin sends as bytes, and the input file it keeps in
/// its store.
const SCRIPT: &str = "cat \"$TETHER_INPUT_FILE\"\n";
const STORED: &str = "host-a\nhost-b\n";

/// A customer's agent, connected with the code from their page, offering
/// `script.run`.
async fn agent_offering_scripts(kernel: &KernelProcess, customer: &mut Customer) -> WsClient {
    let mut agent = customer.connect_agent(kernel).await;
    let hello = AgentRequest::Hello {
        capabilities: vec![Capability::ScriptRun],
        platform: "test".into(),
        rejoin_after_restart: Default::default(),
    };
    let id = agent.send_typed(&hello).await;
    let reply = agent.reply_to(id).await;
    assert_eq!(reply["type"], "ok", "agent.hello: {reply}");
    agent
}

/// A `plugin.command` to the fixture, in the session.
fn command(number: &str, name: &str, payload: Value) -> Value {
    json!({ "session": number, "plugin": PLUGIN, "name": name, "payload": payload })
}

/// What the fixture's `call-with-files` sends: `script.run` with the
/// script as bytes and the input from its store.
fn call_with_files(number: &str, participant: &str, stored: &str) -> Value {
    command(
        number,
        "call-with-files",
        json!({ "session": number, "participant": participant, "capability": "script.run",
                "input": script_input(), "bytes": SCRIPT, "stored": stored }),
    )
}

fn script_input() -> Value {
    json!({ "name": "Hosts", "script": { "file_name": "run.sh", "file": 0 },
            "input": { "file_name": "hosts.txt", "file": 1 } })
}

#[tokio::test]
async fn a_plugin_built_against_the_released_0_3_0_api_sends_files_to_an_agent_and_gets_its_answer()
{
    let kernel = KernelProcess::configure(
        &fixture_manifests(),
        CONFIG,
        &[TestAccount::csr("anna", "Anna Berg", "default")],
    )
    .launch();
    let mut started = StartedSession::start(&kernel, "anna").await;
    let mut customer = Customer::join(&kernel, &started.number, "Carl").await;
    let mut agent = agent_offering_scripts(&kernel, &mut customer).await;
    let number = started.number.clone();
    let participant = customer.participant.clone();

    // Like any agent call, a call with files needs the customer's grant:
    // refused without one, and the agent never hears of it.
    let (code, message) = started
        .console
        .refused(
            "plugin.command",
            call_with_files(&number, &participant, "never sent\n"),
        )
        .await;
    assert_eq!(code, "forbidden");
    assert!(message.contains("no consent"), "{message}");

    let target =
        json!({ "session": number, "participant": participant, "capability": "script.run" });
    let ask = started
        .console
        .send_request("plugin.command", command(&number, "ask", target))
        .await;
    let prompt = customer.answer_prompt(true).await;
    assert!(
        prompt.to_string().contains("wants to run a script"),
        "{prompt}"
    );
    let granted = started.console.reply_to(ask).await;
    assert_eq!(granted["body"], "granted", "{granted}");

    // The call announces its two files; they follow it as file frames, in
    // order, byte for byte (the first call, refused, is not among them).
    let calling = started
        .console
        .send_request(
            "plugin.command",
            call_with_files(&number, &participant, STORED),
        )
        .await;
    let call = agent.event("agent.call").await;
    assert_eq!(call["capability"], "script.run", "{call}");
    assert_eq!(call["input"], script_input(), "{call}");
    assert_eq!(
        call["files"],
        json!([{ "bytes": SCRIPT.len() }, { "bytes": STORED.len() }]),
        "{call}"
    );
    let call_id = call["call"].as_str().expect("a call id").to_owned();
    let mut files = Vec::new();
    for index in 0..2 {
        let frame = agent.binary().await;
        let file = FileFrame::decode(&frame).expect("a file frame");
        assert_eq!((file.call, file.index), (call_id.as_str(), index));
        files.push(String::from_utf8(file.file.to_vec()).expect("text"));
    }
    assert_eq!(files, [SCRIPT, STORED]);

    // The agent's answer is the plugin's reply to the CSR.
    let output = json!({ "exit_code": 0, "output": files[1], "files": files });
    let answer = AgentRequest::Result {
        call: call_id,
        output: Some(RawJson::from_value(&output).expect("an answer is JSON")),
        error: None,
        lasting: false,
    };
    agent.send_typed(&answer).await;
    let reply = started.console.reply_to(calling).await;
    assert_eq!(reply["type"], "ok", "{reply}");
    assert_eq!(reply["body"], output);
}
