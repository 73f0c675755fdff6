//! Plugin `restart`: with the customer's consent, restarts their computer.
//! The agent keeps a resume token, so the customer comes back to the same
//! session by itself; this plugin tells the CSRs when they do.

use tether_sdk::host::agent::{Consented, call_with_consent};
use tether_sdk::prelude::*;

pub struct Restart;

const CAPABILITY: Capability = Capability::PowerRestart;

fn restart(command: &Command) -> Result<Value, PluginError> {
    let (session, customer) = command.customer()?;
    let name = &customer.display_name;
    match call_with_consent(session, &customer.id, CAPABILITY, "{}", None)? {
        Consented::Done(_) => {
            host::session::report(session, &format!("Restart of {name}'s computer started"))?;
            Ok(json!({ "status": "restarting", "customer": name }))
        }
        Consented::Denied => {
            host::session::report(session, &format!("{name} did not allow the restart"))?;
            Ok(json!({ "status": "denied", "customer": name }))
        }
        Consented::TimedOut => Ok(json!({ "status": "timed_out", "customer": name })),
    }
}

impl Plugin for Restart {
    fn command(command: Command) -> Result<Value, PluginError> {
        match command.name.as_str() {
            "restart" => restart(&command),
            other => Err(PluginError::InvalidInput(format!(
                "unknown command `{other}`"
            ))),
        }
    }

    /// The customer is back after the restart: tell every CSR's panel.
    fn participant_rejoined(change: ParticipantChange) -> Result<(), PluginError> {
        let message = json!({
            "type": "rejoined",
            "participant": change.participant.id,
            "display_name": change.participant.display_name,
            "text": format!("{} rejoined the session after the restart", change.participant.display_name),
        });
        for csr in host::session::csrs(&change.session)? {
            host::session::send_json(&change.session, &csr.id, &message)?;
        }
        Ok(())
    }
}

tether_sdk::export_plugin!(Restart);

#[cfg(test)]
mod tests {
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
                ("p-anna", "Anna", Role::Host),
                ("p-bo", "Bo", Role::Assistant),
                ("p-carl", "Carl", Role::Customer),
            ],
        );
        harness
    }

    #[test]
    fn restart_asks_first_and_reports() {
        let harness = harness();
        let asked = std::rc::Rc::new(std::cell::Cell::new(false));
        let flag = asked.clone();
        harness.on_agent_call(move |call| {
            assert_eq!(call.capability, "power.restart");
            if flag.replace(true) {
                Ok(json!({ "restarting": true }).to_string())
            } else {
                Err(AgentError::NoConsent("no".into()))
            }
        });
        harness.answer_consent(Outcome::Granted);
        let reply = harness
            .command::<Restart>(Some(SESSION), Some("p-anna"), "restart", Value::Null)
            .expect("restarting");
        assert_eq!(reply, json!({ "status": "restarting", "customer": "Carl" }));
        assert_eq!(
            harness.report(SESSION),
            ["Restart of Carl's computer started"]
        );
    }

    #[test]
    fn a_denied_restart_does_nothing() {
        let harness = harness();
        harness.on_agent_call(|_| Err(AgentError::NoConsent("no".into())));
        harness.answer_consent(Outcome::Denied);
        let reply = harness
            .command::<Restart>(Some(SESSION), Some("p-anna"), "restart", Value::Null)
            .expect("answered");
        assert_eq!(reply["status"], "denied");
        assert_eq!(
            harness.agent_calls().len(),
            1,
            "only the call that found no grant"
        );
    }

    #[test]
    fn csrs_hear_about_the_rejoin() {
        let harness = harness();
        let carl = Participant {
            id: "p-carl".into(),
            display_name: "Carl".into(),
            role: Role::Customer,
        };
        harness
            .event::<Restart>(Event::ParticipantRejoined(ParticipantChange {
                session: SESSION.into(),
                participant: carl,
            }))
            .expect("handled");
        let sent = harness.sent();
        let receivers: Vec<&str> = sent.iter().map(|m| m.to.as_str()).collect();
        assert_eq!(receivers, ["p-anna", "p-bo"]);
        assert!(
            sent[0]
                .message
                .contains("Carl rejoined the session after the restart")
        );
    }
}
