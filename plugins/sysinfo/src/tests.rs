use tether_sdk::host::agent::AgentError;
use tether_sdk::host::consent::Outcome;
use tether_sdk::testing::Harness;

use super::*;

const SESSION: &str = "123456789";

fn harness() -> Harness {
    let harness = Harness::new();
    harness.add_participants(
        SESSION,
        &[
            ("p-host", "Anna", Role::Host),
            ("p-carl", "Carl", Role::Customer),
        ],
    );
    harness
}

fn agent_output() -> String {
    json!({ "categories": [
        { "id": "system", "title": "System", "columns": ["Property", "Value"], "rows": [["Operating system", "Debian\u{1b}[31m 12"]] },
        { "id": "processes", "title": "Running processes", "columns": ["PID", "Name"], "rows": [] },
    ]})
    .to_string()
}

fn command(harness: &Harness, name: &str) -> Result<Value, PluginError> {
    harness.command::<Sysinfo>(Some(SESSION), Some("p-host"), name, Value::Null)
}

#[test]
fn consent_is_asked_once_then_collect_and_save_every_category() {
    let harness = harness();
    // Like the kernel: no grant until the customer agreed to the first prompt.
    let calls = std::rc::Rc::new(std::cell::Cell::new(0));
    let seen = calls.clone();
    harness.on_agent_call(move |_| {
        seen.set(seen.get() + 1);
        if seen.get() == 1 {
            Err(AgentError::NoConsent("not yet".into()))
        } else {
            Ok(agent_output())
        }
    });
    harness.answer_consent(Outcome::Granted);
    let collected = command(&harness, "collect").expect("collected");
    assert_eq!(collected["status"], "ok");
    assert_eq!(collected["categories"][0]["title"], "System");
    assert_eq!(harness.consent_requests().len(), 1);
    assert_eq!(
        harness.consent_requests()[0].capabilities,
        ["sysinfo.collect"]
    );

    // Refresh uses the grant; no second prompt.
    assert_eq!(
        command(&harness, "refresh").expect("refreshed")["status"],
        "ok"
    );
    assert_eq!(harness.consent_requests().len(), 1);
    assert_eq!(calls.get(), 3);

    let saved = command(&harness, "save").expect("saved");
    let text = saved["text"].as_str().expect("text");
    assert!(
        text.contains("== System ==") && text.contains("== Running processes =="),
        "{text}"
    );
    assert!(text.contains("(nothing reported)"));
    assert!(!text.contains('\u{1b}'), "control characters are removed");
    assert_eq!(saved["file_name"], "system-information-123456789.txt");
    assert!(
        harness
            .report(SESSION)
            .iter()
            .any(|l| l.contains("System information of Carl viewed (2 categories)"))
    );
}

#[test]
fn denial_and_timeout_are_outcomes_for_the_csr() {
    let harness = harness();
    harness.on_agent_call(|_| Err(AgentError::NoConsent("not allowed".into())));
    harness.answer_consent(Outcome::Denied);
    assert_eq!(
        command(&harness, "collect").expect("answered")["status"],
        "denied"
    );
    // No answer queued: the prompt times out.
    assert_eq!(
        command(&harness, "collect").expect("answered")["status"],
        "timed_out"
    );
    assert!(matches!(
        command(&harness, "save"),
        Err(PluginError::InvalidInput(_))
    ));
}

#[test]
fn the_snapshot_is_deleted_when_the_session_ends() {
    let harness = harness();
    harness.on_agent_call(|_| Ok(agent_output()));
    command(&harness, "collect").expect("collected");
    assert_eq!(harness.stored_keys().len(), 1);
    harness
        .event::<Sysinfo>(Event::SessionEnded(SESSION.into()))
        .expect("handled");
    assert!(harness.stored_keys().is_empty());
}
