//! A native test harness: runs a [`Plugin`]'s logic with `cargo test`, no wasm
//! involved. It stands in for the kernel's side of every interface with the
//! same limits the kernel applies, and records what the plugin did so a test
//! can assert on it.
//!
//! State is per thread (each `#[test]` runs on its own thread), and
//! [`Harness::new`] starts from empty.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};

use serde_json::Value;

use crate::host::agent::AgentError;
use crate::host::consent::{ConsentError, Outcome};
use crate::host::log::Level;
use crate::host::session::SessionError;
use crate::host::store::StoreError;
use crate::{Command, Event, Participant, Plugin, PluginError, dispatch};

/// One message a plugin sent to a participant's panel.
#[derive(Debug, Clone, PartialEq)]
pub struct SentMessage {
    pub session: String,
    pub to: String,
    pub message: String,
}

/// One consent request a plugin made.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentRequest {
    pub session: String,
    pub customer: String,
    /// The capabilities of the prompt (one for `consent::request`).
    pub capabilities: Vec<String>,
    pub detail: Option<String>,
}

/// One agent call a plugin made.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentCall {
    pub session: String,
    pub participant: String,
    pub capability: String,
    pub input: String,
}

type AgentHandler = Box<dyn FnMut(&AgentCall) -> Result<String, AgentError>>;

#[derive(Default)]
struct State {
    store: BTreeMap<String, Vec<u8>>,
    logs: Vec<(Level, String)>,
    participants: HashMap<String, Vec<Participant>>,
    sent: Vec<SentMessage>,
    reports: HashMap<String, Vec<String>>,
    chat: HashMap<String, Vec<String>>,
    consent_answers: VecDeque<Outcome>,
    consent_requests: Vec<ConsentRequest>,
    agent_calls: Vec<AgentCall>,
    agent_handler: Option<AgentHandler>,
    /// What each participant's agent said of rejoining after a restart.
    agent_rejoin: HashMap<String, crate::host::agent::Rejoin>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn with<R>(f: impl FnOnce(&mut State) -> R) -> R {
    STATE.with(|state| f(&mut state.borrow_mut()))
}

/// Handle to this thread's harness state.
pub struct Harness {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

impl Harness {
    /// A harness with an empty store, no sessions and no queued answers.
    pub fn new() -> Self {
        with(|state| *state = State::default());
        Harness {
            _not_send: std::marker::PhantomData,
        }
    }

    /// Makes `participant` part of `session`.
    pub fn add_participant(&self, session: &str, participant: Participant) {
        with(|state| {
            state
                .participants
                .entry(session.to_owned())
                .or_default()
                .push(participant)
        });
    }

    /// Puts `(id, display name, role)` participants in `session`.
    pub fn add_participants(&self, session: &str, participants: &[(&str, &str, crate::Role)]) {
        for (id, display_name, role) in participants {
            self.add_participant(
                session,
                Participant {
                    id: (*id).to_owned(),
                    display_name: (*display_name).to_owned(),
                    role: *role,
                },
            );
        }
    }

    /// Queues the customer's answer to the next consent request. A request
    /// with no queued answer times out, as an unanswered prompt would.
    pub fn answer_consent(&self, outcome: Outcome) {
        with(|state| state.consent_answers.push_back(outcome));
    }

    /// Answers agent calls. Without a handler every call reports that no
    /// agent is connected.
    pub fn on_agent_call(
        &self,
        handler: impl FnMut(&AgentCall) -> Result<String, AgentError> + 'static,
    ) {
        with(|state| state.agent_handler = Some(Box::new(handler)));
    }

    /// `participant` has an agent connected that said how it rejoins after
    /// a restart. Without this, `rejoin_after_restart` reports that no agent
    /// is connected.
    pub fn agent_rejoins(&self, participant: &str, rejoin: crate::host::agent::Rejoin) {
        with(|state| {
            state.agent_rejoin.insert(participant.to_owned(), rejoin);
        });
    }

    pub fn init<P: Plugin>(&self) -> Result<(), PluginError> {
        P::init()
    }

    /// Delivers a raw event, as the kernel would.
    pub fn event<P: Plugin>(&self, event: Event) -> Result<String, PluginError> {
        dispatch::<P>(event)
    }

    /// Sends a command with a JSON payload and decodes the JSON reply.
    pub fn command<P: Plugin>(
        &self,
        session: Option<&str>,
        sender: Option<&str>,
        name: &str,
        payload: Value,
    ) -> Result<Value, PluginError> {
        let command = Command {
            session: session.map(str::to_owned),
            sender: sender.map(str::to_owned),
            account: None,
            name: name.to_owned(),
            payload: payload.to_string(),
        };
        self.send_command::<P>(command)
    }

    /// A command from a signed-in CSR's console, outside any session.
    pub fn command_as<P: Plugin>(
        &self,
        account: &crate::Account,
        name: &str,
        payload: Value,
    ) -> Result<Value, PluginError> {
        let command = Command {
            session: None,
            sender: None,
            account: Some(account.clone()),
            name: name.to_owned(),
            payload: payload.to_string(),
        };
        self.send_command::<P>(command)
    }

    fn send_command<P: Plugin>(&self, command: Command) -> Result<Value, PluginError> {
        let reply = self.event::<P>(Event::Command(command))?;
        serde_json::from_str(&reply)
            .map_err(|error| PluginError::Failed(format!("reply is not JSON: {error}")))
    }

    pub fn stored(&self, key: &str) -> Option<Vec<u8>> {
        with(|state| state.store.get(key).cloned())
    }

    pub fn stored_keys(&self) -> Vec<String> {
        with(|state| state.store.keys().cloned().collect())
    }

    pub fn logs(&self) -> Vec<(Level, String)> {
        with(|state| state.logs.clone())
    }

    pub fn sent(&self) -> Vec<SentMessage> {
        with(|state| state.sent.clone())
    }

    pub fn report(&self, session: &str) -> Vec<String> {
        with(|state| state.reports.get(session).cloned().unwrap_or_default())
    }

    /// The lines the plugin posted in the session chat.
    pub fn chat(&self, session: &str) -> Vec<String> {
        with(|state| state.chat.get(session).cloned().unwrap_or_default())
    }

    pub fn consent_requests(&self) -> Vec<ConsentRequest> {
        with(|state| state.consent_requests.clone())
    }

    pub fn agent_calls(&self) -> Vec<AgentCall> {
        with(|state| state.agent_calls.clone())
    }
}

fn known_participant(state: &State, session: &str, participant: &str) -> Result<(), String> {
    match state.participants.get(session) {
        None => Err(format!("unknown session {session}")),
        Some(list) if list.iter().any(|p| p.id == participant) => Ok(()),
        Some(_) => Err(format!("unknown participant {participant}")),
    }
}

/// The harness's side of each interface, with the signatures of the
/// generated imports.
pub(crate) mod raw {
    pub mod log {
        use super::super::with;
        use crate::host::log::Level;

        pub fn log(level: Level, message: &str) {
            with(|state| state.logs.push((level, message.to_owned())));
        }
    }

    pub mod store {
        use tether_protocol::plugin_store::{self, StoreLimit};

        use super::super::{StoreError, with};

        /// The kernel's own limits, from the crate both share.
        fn refused(limit: StoreLimit) -> StoreError {
            match limit {
                StoreLimit::ValueSize(_) => StoreError::TooLarge(limit.to_string()),
                _ => StoreError::InvalidKey(limit.to_string()),
            }
        }

        pub fn get(key: &str) -> Result<Option<Vec<u8>>, StoreError> {
            plugin_store::check_key(key).map_err(refused)?;
            Ok(with(|state| state.store.get(key).cloned()))
        }

        pub fn set(key: &str, value: &[u8]) -> Result<(), StoreError> {
            plugin_store::check_key(key).map_err(refused)?;
            plugin_store::check_value(value).map_err(refused)?;
            with(|state| state.store.insert(key.to_owned(), value.to_vec()));
            Ok(())
        }

        pub fn delete(key: &str) -> Result<bool, StoreError> {
            plugin_store::check_key(key).map_err(refused)?;
            Ok(with(|state| state.store.remove(key).is_some()))
        }

        pub fn list_keys(prefix: &str) -> Result<Vec<String>, StoreError> {
            plugin_store::check_prefix(prefix).map_err(refused)?;
            Ok(with(|state| {
                state
                    .store
                    .keys()
                    .filter(|key| key.starts_with(prefix))
                    .cloned()
                    .collect()
            }))
        }
    }

    pub mod session {
        use super::super::{SentMessage, SessionError, known_participant, with};
        use crate::Participant;

        pub fn participants(session: &str) -> Result<Vec<Participant>, SessionError> {
            with(|state| {
                state
                    .participants
                    .get(session)
                    .cloned()
                    .ok_or_else(|| SessionError::UnknownSession(session.to_owned()))
            })
        }

        pub fn send(session: &str, to: &str, message: &str) -> Result<(), SessionError> {
            if serde_json::from_str::<serde_json::Value>(message).is_err() {
                return Err(SessionError::Invalid("message is not JSON".to_owned()));
            }
            with(|state| {
                known_participant(state, session, to).map_err(|_| {
                    if state.participants.contains_key(session) {
                        SessionError::UnknownParticipant(to.to_owned())
                    } else {
                        SessionError::UnknownSession(session.to_owned())
                    }
                })?;
                state.sent.push(SentMessage {
                    session: session.to_owned(),
                    to: to.to_owned(),
                    message: message.to_owned(),
                });
                Ok(())
            })
        }

        pub fn report(session: &str, entry: &str) -> Result<(), SessionError> {
            with(|state| {
                if !state.participants.contains_key(session) {
                    return Err(SessionError::UnknownSession(session.to_owned()));
                }
                state
                    .reports
                    .entry(session.to_owned())
                    .or_default()
                    .push(entry.to_owned());
                Ok(())
            })
        }

        /// As the kernel: a chat line is also a report line.
        pub fn chat(session: &str, text: &str) -> Result<(), SessionError> {
            if text.trim().is_empty() || text.chars().count() > tether_protocol::MAX_CHAT_CHARS {
                return Err(SessionError::Invalid(format!(
                    "a chat line has 1 to {} characters",
                    tether_protocol::MAX_CHAT_CHARS
                )));
            }
            report(session, text)?;
            with(|state| {
                state
                    .chat
                    .entry(session.to_owned())
                    .or_default()
                    .push(text.to_owned());
            });
            Ok(())
        }
    }

    pub mod consent {
        use super::super::{ConsentError, ConsentRequest, Outcome, known_participant, with};

        pub fn request(
            session: &str,
            customer: &str,
            capability: &str,
            detail: Option<&str>,
        ) -> Result<Outcome, ConsentError> {
            request_all(session, customer, &[capability.to_owned()], detail)
        }

        pub fn request_all(
            session: &str,
            customer: &str,
            capabilities: &[String],
            detail: Option<&str>,
        ) -> Result<Outcome, ConsentError> {
            with(|state| {
                known_participant(state, session, customer).map_err(|_| {
                    if state.participants.contains_key(session) {
                        ConsentError::UnknownParticipant(customer.to_owned())
                    } else {
                        ConsentError::UnknownSession(session.to_owned())
                    }
                })?;
                state.consent_requests.push(ConsentRequest {
                    session: session.to_owned(),
                    customer: customer.to_owned(),
                    capabilities: capabilities.to_vec(),
                    detail: detail.map(str::to_owned),
                });
                Ok(state
                    .consent_answers
                    .pop_front()
                    .unwrap_or(Outcome::TimedOut))
            })
        }
    }

    pub mod agent {
        use super::super::{AgentCall, AgentError, with};
        use crate::bindings::tether::plugin::agent::ConsentedCall;
        use crate::host::consent::{ConsentError, Outcome};

        /// As the kernel does it: the call, and only when it is refused for
        /// want of consent, one prompt and the call again.
        pub fn call_with_consent(
            session: &str,
            participant: &str,
            capability: &str,
            input: &str,
            asked: &[String],
            detail: Option<&str>,
        ) -> Result<ConsentedCall, AgentError> {
            let mut asked = asked.to_vec();
            if asked.is_empty() {
                asked.push(capability.to_owned());
            } else if !asked.iter().any(|a| a == capability) {
                return Err(AgentError::Failed(format!(
                    "`{capability}` must be among the capabilities asked for"
                )));
            }
            match call(session, participant, capability, input) {
                Err(AgentError::NoConsent(_)) => {}
                done => return done.map(ConsentedCall::Done),
            }
            let outcome = super::consent::request_all(session, participant, &asked, detail)
                .map_err(|error| match error {
                    ConsentError::UnknownSession(s) => AgentError::UnknownSession(s),
                    ConsentError::UnknownParticipant(p) => AgentError::UnknownParticipant(p),
                    ConsentError::UndeclaredCapability(c) => AgentError::UndeclaredCapability(c),
                    ConsentError::Invalid(m) => {
                        AgentError::Failed(format!("invalid consent request: {m}"))
                    }
                })?;
            match outcome {
                Outcome::Granted => {
                    call(session, participant, capability, input).map(ConsentedCall::Done)
                }
                Outcome::Denied => Ok(ConsentedCall::Denied),
                Outcome::TimedOut => Ok(ConsentedCall::TimedOut),
            }
        }

        pub fn rejoin_after_restart(
            _session: &str,
            participant: &str,
        ) -> Result<crate::host::agent::Rejoin, AgentError> {
            with(|state| state.agent_rejoin.get(participant).copied()).ok_or_else(|| {
                AgentError::Unavailable(format!("no agent is connected for {participant}"))
            })
        }

        pub fn call(
            session: &str,
            participant: &str,
            capability: &str,
            input: &str,
        ) -> Result<String, AgentError> {
            let call = AgentCall {
                session: session.to_owned(),
                participant: participant.to_owned(),
                capability: capability.to_owned(),
                input: input.to_owned(),
            };
            // The handler runs outside the borrow so it may use the harness.
            let mut handler = with(|state| {
                state.agent_calls.push(call.clone());
                state.agent_handler.take()
            });
            let result = match handler.as_mut() {
                Some(handler) => handler(&call),
                None => Err(AgentError::Unavailable(format!(
                    "no agent is connected for {participant}"
                ))),
            };
            with(|state| {
                if state.agent_handler.is_none() {
                    state.agent_handler = handler;
                }
            });
            result
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host;
    use crate::{ParticipantChange, Role, json};

    struct Greeter;

    impl Plugin for Greeter {
        fn command(command: Command) -> Result<Value, PluginError> {
            match command.name.as_str() {
                "greet" => {
                    let session = command.require_session()?.to_owned();
                    let who: String = command.payload_json()?;
                    host::consent::require(
                        &session,
                        &who,
                        crate::Capability::SysinfoCollect,
                        None,
                    )?;
                    let answer =
                        host::agent::call(&session, &who, crate::Capability::SysinfoCollect, "{}")?;
                    host::store::set("last", who.as_bytes())?;
                    host::session::report(&session, &format!("greeted {who}"))?;
                    Ok(json!({ "agent": answer }))
                }
                _ => Err(PluginError::InvalidInput(format!(
                    "unknown command `{}`",
                    command.name
                ))),
            }
        }

        fn participant_joined(change: ParticipantChange) -> Result<(), PluginError> {
            host::log::info(&format!("{} joined", change.participant.display_name));
            Ok(())
        }
    }

    fn customer() -> Participant {
        Participant {
            id: "c1".into(),
            display_name: "Anna".into(),
            role: Role::Customer,
        }
    }

    #[test]
    fn a_granted_command_calls_the_agent_and_records_everything() {
        let harness = Harness::new();
        harness.add_participant("123456789", customer());
        harness.answer_consent(Outcome::Granted);
        harness.on_agent_call(|call| Ok(format!("\"hello from {}\"", call.participant)));

        let reply = harness
            .command::<Greeter>(Some("123456789"), None, "greet", json!("c1"))
            .expect("command succeeds");

        assert_eq!(reply, json!({ "agent": "\"hello from c1\"" }));
        assert_eq!(harness.stored("last"), Some(b"c1".to_vec()));
        assert_eq!(harness.report("123456789"), vec!["greeted c1".to_owned()]);
        assert_eq!(harness.consent_requests().len(), 1);
        assert_eq!(harness.agent_calls()[0].capability, "sysinfo.collect");
    }

    #[test]
    fn an_unanswered_consent_request_times_out_and_calls_nothing() {
        let harness = Harness::new();
        harness.add_participant("123456789", customer());

        let error = harness
            .command::<Greeter>(Some("123456789"), None, "greet", json!("c1"))
            .expect_err("no answer queued");

        assert_eq!(
            error,
            PluginError::Denied("the customer did not answer in time".into())
        );
        assert!(harness.agent_calls().is_empty());
        assert!(harness.stored_keys().is_empty());
    }

    #[test]
    fn unknown_commands_and_bad_payloads_are_invalid_input() {
        let harness = Harness::new();
        let unknown = harness.command::<Greeter>(None, None, "nope", json!({}));
        assert_eq!(
            unknown,
            Err(PluginError::InvalidInput("unknown command `nope`".into()))
        );
        let bad = harness.command::<Greeter>(Some("1"), None, "greet", json!(42));
        assert!(matches!(bad, Err(PluginError::InvalidInput(m)) if m.contains("bad payload")));
    }

    #[test]
    fn non_command_events_reach_their_method() {
        let harness = Harness::new();
        let reply = harness
            .event::<Greeter>(Event::ParticipantJoined(ParticipantChange {
                session: "1".into(),
                participant: customer(),
            }))
            .expect("handled");
        assert_eq!(reply, "null");
        assert_eq!(
            harness.logs(),
            vec![(Level::Info, "Anna joined".to_owned())]
        );
    }

    #[test]
    fn the_store_enforces_the_kernel_limits() {
        let _harness = Harness::new();
        assert!(matches!(
            host::store::set("", b"x"),
            Err(StoreError::InvalidKey(_))
        ));
        // Control characters, as the kernel refuses them.
        assert!(matches!(
            host::store::set("a\nb", b"x"),
            Err(StoreError::InvalidKey(_))
        ));
        let big = vec![0u8; crate::host::store::MAX_VALUE_LEN + 1];
        assert!(matches!(
            host::store::set("k", &big),
            Err(StoreError::TooLarge(_))
        ));
        assert!(host::store::list_keys("").expect("listable").is_empty());
    }
}
