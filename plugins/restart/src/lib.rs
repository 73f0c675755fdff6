//! Plugin `restart`: with the customer's consent, restarts their computer.
//! The agent keeps a resume token and, where it can, prepares its own start
//! after the restart, so the customer comes back to the same session by
//! itself; where it cannot, the customer rejoins with the session link. The
//! CSR's panel and the consent prompt say which (the agent reports it), and
//! this plugin tells the CSRs when the customer is back.

use tether_sdk::host::agent::{AgentError, Consented, Rejoin, call_with_consent};
use tether_sdk::prelude::*;

pub struct Restart;

const CAPABILITY: Capability = Capability::PowerRestart;

/// How the customer comes back, as the panel and the report name it.
fn rejoin_word(rejoin: Rejoin) -> &'static str {
    match rejoin {
        Rejoin::ByItself => "by_itself",
        Rejoin::WithLink => "with_link",
    }
}

/// What the panel shows before a restart: how the selected customer would
/// come back, or that no helper program is running for them.
fn status(command: &Command) -> Result<Value, PluginError> {
    let (session, customer) = command.customer()?;
    let rejoin = match host::agent::rejoin_after_restart(session, &customer.id) {
        Ok(rejoin) => rejoin_word(rejoin),
        Err(AgentError::Unavailable(_)) => "no_agent",
        Err(error) => return Err(error.into()),
    };
    Ok(json!({ "customer": customer.display_name, "rejoin": rejoin }))
}

fn restart(command: &Command) -> Result<Value, PluginError> {
    let (session, customer) = command.customer()?;
    let name = &customer.display_name;
    match call_with_consent(session, &customer.id, CAPABILITY, "{}", None)? {
        Consented::Done(output) => {
            // How the agent prepared to come back; an agent that does not
            // say is taken to need the link.
            let rejoin = output
                .parse::<Value>()
                .ok()
                .and_then(|output| output["rejoin"].as_str().map(str::to_owned))
                .filter(|word| word == "by_itself")
                .unwrap_or_else(|| "with_link".to_owned());
            let how = if rejoin == "by_itself" {
                format!("{name} rejoins by themselves after logging in")
            } else {
                format!("{name} has to rejoin with the session link")
            };
            host::session::report(
                session,
                &format!("Restart of {name}'s computer started; {how}"),
            )?;
            Ok(json!({ "status": "restarting", "customer": name, "rejoin": rejoin }))
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
            "status" => status(&command),
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
                Ok(json!({ "restarting": true, "rejoin": "by_itself" }).to_string())
            } else {
                Err(AgentError::NoConsent("no".into()))
            }
        });
        harness.answer_consent(Outcome::Granted);
        let reply = harness
            .command::<Restart>(Some(SESSION), Some("p-anna"), "restart", Value::Null)
            .expect("restarting");
        assert_eq!(
            reply,
            json!({ "status": "restarting", "customer": "Carl", "rejoin": "by_itself" })
        );
        assert_eq!(
            harness.report(SESSION),
            ["Restart of Carl's computer started; Carl rejoins by themselves after logging in"]
        );
    }

    #[test]
    fn an_agent_that_could_not_prepare_its_return_sends_the_customer_to_the_link() {
        for output in [
            json!({ "restarting": true, "rejoin": "with_link" }),
            // An agent from before it said so.
            json!({ "restarting": true }),
        ] {
            let harness = harness();
            let answer = output.to_string();
            harness.on_agent_call(move |_| Ok(answer.clone()));
            let reply = harness
                .command::<Restart>(Some(SESSION), Some("p-anna"), "restart", Value::Null)
                .expect("restarting");
            assert_eq!(reply["rejoin"], "with_link", "{output}");
            assert_eq!(
                harness.report(SESSION),
                ["Restart of Carl's computer started; Carl has to rejoin with the session link"]
            );
        }
    }

    #[test]
    fn the_panel_learns_how_the_customer_would_come_back() {
        let harness = harness();
        let ask = || {
            harness
                .command::<Restart>(
                    Some(SESSION),
                    Some("p-anna"),
                    "status",
                    json!({ "participant": "p-carl" }),
                )
                .expect("answered")
        };
        assert_eq!(ask(), json!({ "customer": "Carl", "rejoin": "no_agent" }));
        harness.agent_rejoins("p-carl", Rejoin::WithLink);
        assert_eq!(ask()["rejoin"], "with_link");
        harness.agent_rejoins("p-carl", Rejoin::ByItself);
        assert_eq!(ask()["rejoin"], "by_itself");
        assert!(
            harness.agent_calls().is_empty() && harness.consent_requests().is_empty(),
            "knowing how asks nobody and touches nothing"
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
