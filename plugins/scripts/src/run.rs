//! Running chosen library scripts on the customer's computer: one consent
//! prompt lists them in order; the agent runs them one after another (its
//! output streams into the chat meanwhile); each result goes into the
//! session details report with exit status and duration.

use serde::Deserialize;
use tether_sdk::host::agent::AgentError;
use tether_sdk::host::agent_files::CallFile;
use tether_sdk::host::consent::Outcome;
use tether_sdk::prelude::*;

use crate::library;
use crate::model::Script;

const CAPABILITY: Capability = Capability::ScriptRun;
/// Scripts in one run, at most.
pub const MAX_SCRIPTS_PER_RUN: usize = 20;
/// Time each script may take unless the CSR says otherwise, and the most.
pub const DEFAULT_TIMEOUT_SECS: u64 = 300;
pub const MAX_TIMEOUT_SECS: u64 = 600;
/// Output of one script kept in the report.
const MAX_REPORTED_OUTPUT: usize = 12 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunRequest {
    /// Script ids, in the order to run them.
    scripts: Vec<String>,
    /// Read by [`Command::customer`]; declared so the request is checked whole.
    #[serde(default, rename = "participant")]
    _participant: Option<String>,
    #[serde(default)]
    timeout_secs: Option<u64>,
}

#[derive(Deserialize)]
struct AgentResult {
    exit_code: Option<i32>,
    timed_out: bool,
    duration_ms: u64,
    output: String,
    truncated: bool,
}

fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// How a script that ran ended: `ok`, `failed` or `timed_out`, and in words.
fn outcome_of(done: &AgentResult, timeout_secs: u64) -> (&'static str, String) {
    match (done.timed_out, done.exit_code) {
        (true, _) => (
            "timed_out",
            format!("stopped after {timeout_secs} s (time limit)"),
        ),
        (false, Some(0)) => ("ok", "finished, exit status 0".to_owned()),
        (false, Some(code)) => ("failed", format!("failed, exit status {code}")),
        (false, None) => ("failed", "failed, ended by a signal".to_owned()),
    }
}

/// The agent's input for `script` and the files it carries: the library's
/// own stored files, which the kernel reads and sends to the agent as they
/// are (never encoded, never through the plugin).
fn agent_call(script: &Script, timeout_secs: u64) -> (String, Vec<CallFile>) {
    let mut input = json!({
        "name": script.name,
        "script": { "file_name": script.script_file.file_name, "file": 0 },
        "timeout_secs": timeout_secs,
    });
    let mut files = vec![CallFile::Stored(library::file_key(&script.id, "script"))];
    if let Some(file) = &script.input_file {
        input["input"] = json!({ "file_name": file.file_name, "file": 1 });
        files.push(CallFile::Stored(library::file_key(&script.id, "input")));
    }
    (input.to_string(), files)
}

pub fn run(command: &Command, account: &Account) -> Result<Value, PluginError> {
    let request: RunRequest = command.payload_json()?;
    if request.scripts.is_empty() || request.scripts.len() > MAX_SCRIPTS_PER_RUN {
        return Err(PluginError::InvalidInput(format!(
            "scripts: choose 1 to {MAX_SCRIPTS_PER_RUN} scripts"
        )));
    }
    let timeout_secs = request
        .timeout_secs
        .unwrap_or(DEFAULT_TIMEOUT_SECS)
        .clamp(1, MAX_TIMEOUT_SECS);
    let scripts = request
        .scripts
        .iter()
        .map(|id| library::visible(&account.username, id))
        .collect::<Result<Vec<Script>, PluginError>>()?;
    let (session, customer) = command.customer()?;
    let listed: Vec<String> = scripts
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. {}", i + 1, s.name))
        .collect();
    // The prompt's detail has room for 20 names of up to 60 characters.
    let shown: Vec<String> = scripts
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let name: String = s.name.chars().take(60).collect();
            let cut = if s.name.chars().count() > 60 {
                "…"
            } else {
                ""
            };
            format!("{}. {name}{cut}", i + 1)
        })
        .collect();
    let detail = format!("In this order:\n{}", shown.join("\n"));
    let name = &customer.display_name;
    match host::consent::request(session, &customer.id, CAPABILITY, Some(&detail))? {
        Outcome::Granted => {}
        Outcome::Denied => {
            host::session::report(
                session,
                &format!("{name} did not allow running {}", listed.join(", ")),
            )?;
            return Ok(json!({ "status": "denied", "customer": name }));
        }
        Outcome::TimedOut => return Ok(json!({ "status": "timed_out", "customer": name })),
    }
    host::session::report(
        session,
        &format!(
            "{} runs scripts on {name}'s computer: {}",
            account.display_name,
            listed.join(", ")
        ),
    )?;

    let mut results = Vec::new();
    for (position, script) in scripts.iter().enumerate() {
        let label = format!(
            "Script {} of {} `{}`",
            position + 1,
            scripts.len(),
            script.name
        );
        let (input, files) = agent_call(script, timeout_secs);
        let outcome =
            host::agent_files::call_with_files(session, &customer.id, CAPABILITY, &input, &files);
        let result = match outcome.map(|output| serde_json::from_str::<AgentResult>(&output)) {
            Ok(Ok(done)) => {
                let (kind, status) = outcome_of(&done, timeout_secs);
                let seconds = done.duration_ms as f64 / 1000.0;
                // The chat tells everyone how each script ended; the report
                // keeps its output too.
                host::session::chat(session, &format!("{label}: {status}, after {seconds:.1} s"))?;
                let mut entry = format!("{label}: {status}, {} ms", done.duration_ms);
                if !done.output.is_empty() {
                    entry.push('\n');
                    entry.push_str(cut(&done.output, MAX_REPORTED_OUTPUT));
                }
                if done.truncated || done.output.len() > MAX_REPORTED_OUTPUT {
                    entry.push_str("\n(output cut)");
                }
                host::session::report(session, &entry)?;
                json!({ "id": script.id, "name": script.name, "outcome": kind, "exit_code": done.exit_code,
                        "timed_out": done.timed_out, "duration_ms": done.duration_ms, "output": done.output })
            }
            Ok(Err(_)) => {
                let reason = "the agent's answer is not understood";
                host::session::chat(session, &format!("{label} could not run: {reason}"))?;
                json!({ "id": script.id, "name": script.name, "outcome": "error", "error": reason })
            }
            Err(error) => {
                let reason = tether_sdk::host::agent::describe(&error);
                host::session::chat(session, &format!("{label} could not run: {reason}"))?;
                results.push(json!({ "id": script.id, "name": script.name, "outcome": "error", "error": reason }));
                // The agent is gone or the kernel ended the run (control
                // passed, consent withdrawn…): the scripts after it do not run.
                if matches!(error, AgentError::Unavailable(_)) {
                    let rest = &scripts[position + 1..];
                    if !rest.is_empty() {
                        let names: Vec<&str> = rest.iter().map(|s| s.name.as_str()).collect();
                        host::session::chat(session, &format!("Not run: {}", names.join(", ")))?;
                        results.extend(
                            rest.iter().map(
                                |s| json!({ "id": s.id, "name": s.name, "outcome": "not_run" }),
                            ),
                        );
                    }
                    break;
                }
                continue;
            }
        };
        results.push(result);
    }
    Ok(json!({ "status": "done", "customer": name, "results": results }))
}
