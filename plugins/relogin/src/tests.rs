use tether_sdk::host::agent::AgentError;
use tether_sdk::host::consent::Outcome;
use tether_sdk::testing::Harness;

use super::*;

const SESSION: &str = "123456789";
const PASSWORD: &str = "Unique-Secret-4711";

fn harness() -> Harness {
    let harness = Harness::new();
    harness.add_participants(
        SESSION,
        &[
            ("p-anna", "Anna", Role::Host),
            ("p-carl", "Carl", Role::Customer),
        ],
    );
    harness
}

fn leaked(harness: &Harness) -> bool {
    let logs = format!("{:?}", harness.logs());
    let report = harness.report(SESSION).join("\n");
    logs.contains(PASSWORD) || report.contains(PASSWORD) || !harness.stored_keys().is_empty()
}

#[test]
fn the_customer_is_asked_first_then_one_grant_covers_logon_and_logoff_and_nothing_leaks() {
    let harness = harness();
    harness.on_agent_call(move |call| match call.capability.as_str() {
        "account.logon" => Ok(json!({ "logged_on": true, "desktop_locked": true }).to_string()),
        _ => Ok(json!({ "restored": true }).to_string()),
    });
    harness.answer_consent(Outcome::Granted);
    let reply = harness
        .command::<Relogin>(Some(SESSION), Some("p-anna"), "ask", Value::Null)
        .expect("asked");
    assert_eq!(reply, json!({ "status": "allowed", "customer": "Carl" }));
    assert_eq!(harness.consent_requests().len(), 1);
    assert_eq!(
        harness.consent_requests()[0].capabilities,
        ["account.logon", "account.logoff"]
    );
    assert!(harness.agent_calls().is_empty(), "asking sends nothing");

    let form = json!({ "user": "admin", "password": PASSWORD, "domain": null });
    let reply = harness
        .command::<Relogin>(Some(SESSION), Some("p-anna"), "logon", form)
        .expect("logged on");
    assert_eq!(
        reply,
        json!({ "status": "logged_on", "customer": "Carl", "desktop_locked": true })
    );
    assert!(
        harness.agent_calls()[0].input.contains(PASSWORD),
        "the password goes to the agent"
    );

    let reply = harness
        .command::<Relogin>(Some(SESSION), Some("p-anna"), "logoff", Value::Null)
        .expect("logged off");
    assert_eq!(reply["status"], "logged_off");
    assert_eq!(harness.consent_requests().len(), 1, "no second prompt");
    assert_eq!(
        harness.report(SESSION),
        [
            "Anna logged on to Carl's computer as another user",
            "Anna logged off; Carl's account is back"
        ]
    );
    assert!(!leaked(&harness));
}

#[test]
fn logging_on_without_the_customers_permission_asks_nobody_and_says_ask_first() {
    let harness = harness();
    harness.on_agent_call(|_| Err(AgentError::NoConsent("no grant".into())));
    let form = json!({ "user": "admin", "password": PASSWORD });
    let reply = harness
        .command::<Relogin>(Some(SESSION), Some("p-anna"), "logon", form)
        .expect("answered");
    assert_eq!(reply, json!({ "status": "ask_first", "customer": "Carl" }));
    assert!(harness.consent_requests().is_empty(), "logon never prompts");
    assert!(harness.report(SESSION).is_empty());
    assert!(!leaked(&harness));
}

#[test]
fn bad_forms_are_refused_without_quoting_them() {
    let harness = harness();
    for form in [
        json!({ "user": "admin" }),
        json!({ "user": "", "password": PASSWORD }),
        json!({ "user": 7, "password": PASSWORD }),
    ] {
        let error = harness
            .command::<Relogin>(Some(SESSION), Some("p-anna"), "logon", form)
            .expect_err("refused");
        assert!(matches!(error, PluginError::InvalidInput(_)));
        assert!(!error.message().contains(PASSWORD), "{error:?}");
    }
    assert!(harness.agent_calls().is_empty());
    assert!(!leaked(&harness));
}

#[test]
fn a_denied_request_changes_nothing() {
    let harness = harness();
    harness.answer_consent(Outcome::Denied);
    let reply = harness
        .command::<Relogin>(Some(SESSION), Some("p-anna"), "ask", Value::Null)
        .expect("answered");
    assert_eq!(reply["status"], "denied");
    assert!(harness.agent_calls().is_empty());
    assert_eq!(
        harness.report(SESSION),
        ["Carl did not allow logging on as another user"]
    );
}
