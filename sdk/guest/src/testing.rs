//! A native test harness: runs a [`Plugin`]'s logic with `cargo test`, no wasm
//! involved. It stands in for the kernel's side of every interface with the
//! same limits the kernel applies, and records what the plugin did so a test
//! can assert on it.
//!
//! State is per thread (each `#[test]` runs on its own thread), and
//! [`Harness::new`] starts from empty.

mod kernel_desk;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use serde_json::Value;

use crate::host::agent::AgentError;
use crate::host::consent::{ConsentError, Outcome};
use crate::host::log::Level;
use crate::host::session::SessionError;
use crate::host::store::StoreError;
use crate::host::streams::{StreamError, StreamId, StreamInfo, StreamOrigin};
use crate::{
    Capability, CloseCause, Command, ConsentWithdrawn, ControlCause, Event, Participant, Plugin,
    PluginError, StreamClosed, StreamControl, dispatch,
};

/// The kernel's words when a withdrawn permission ends a stream.
pub const CONSENT_WITHDRAWN: &str = "the customer withdrew the permission";
/// The kernel's words when the customer leaving ends a stream.
pub const PARTICIPANT_LEFT: &str = "the customer left the session";
/// The kernel's words when the console a browser's stream came from
/// closes.
pub const CONSOLE_CLOSED: &str = "the CSR's console closed";
pub use kernel_desk::{MadeOffer, csr};

/// What a host CSR's own agent may show the customers: the applications
/// of their own computer, and nothing else runs there for a plugin.
pub const OWN_COMPUTER_CAPABILITIES: [Capability; 4] = [
    Capability::AppList,
    Capability::AppInstalled,
    Capability::AppLaunch,
    Capability::AppShare,
];

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
    /// The files it carried (`agent_files::call_with_files`), stored ones
    /// read as the kernel reads them; empty for other calls.
    pub files: Vec<Vec<u8>>,
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
    /// Live grants: (session, customer, capability).
    grants: BTreeSet<(String, String, String)>,
    /// Open streams by id.
    streams: BTreeMap<StreamId, StreamInfo>,
    last_stream: StreamId,
    /// Every close, in order: (stream, reason).
    closed_streams: Vec<(StreamId, String)>,
    /// Events of the kernel's (streams closed, permissions withdrawn) the
    /// plugin has not been told of yet.
    kernel_events: VecDeque<Event>,
    /// Agent calls need a live grant, as in the kernel.
    calls_need_grants: bool,
    /// CSRs whose console is closed: (session, participant). Every other
    /// CSR's console is connected.
    consoles_closed: BTreeSet<(String, String)>,
    /// How often the plugin called the store.
    store_calls: StoreCalls,
}

/// How many times the plugin called each store function since the
/// harness started: a test checks that an event's work stays bounded
/// (e.g. the same number of reads for a line of ten and of a thousand).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreCalls {
    pub get: usize,
    pub set: usize,
    pub delete: usize,
    pub list_keys: usize,
    pub compare_and_swap: usize,
}

impl StoreCalls {
    /// The calls made after `earlier` was taken.
    pub fn since(&self, earlier: &StoreCalls) -> StoreCalls {
        StoreCalls {
            get: self.get - earlier.get,
            set: self.set - earlier.set,
            delete: self.delete - earlier.delete,
            list_keys: self.list_keys - earlier.list_keys,
            compare_and_swap: self.compare_and_swap - earlier.compare_and_swap,
        }
    }
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
        kernel_desk::reset();
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

    /// From now on an agent call needs a live grant of its capability
    /// (from [`Harness::grant`] or a granted prompt), as in the kernel;
    /// without one it fails with `no-consent` before the handler sees it.
    /// Off by default: the handler alone decides.
    pub fn calls_need_grants(&self) {
        with(|state| state.calls_need_grants = true);
    }

    /// `participant` has an agent connected that said how it rejoins after
    /// a restart. Without this, `rejoin_after_restart` reports that no agent
    /// is connected.
    pub fn agent_rejoins(&self, participant: &str, rejoin: crate::host::agent::Rejoin) {
        with(|state| {
            state.agent_rejoin.insert(participant.to_owned(), rejoin);
        });
    }

    /// `customer` allows `capabilities` in `session` without a prompt, as a
    /// grant from an earlier prompt would. (A granted consent request
    /// records its grants too.)
    pub fn grant(&self, session: &str, customer: &str, capabilities: &[Capability]) {
        with(|state| {
            for capability in capabilities {
                state.grants.insert((
                    session.to_owned(),
                    customer.to_owned(),
                    capability.as_str().to_owned(),
                ));
            }
        });
    }

    /// Whether a grant of `capability` by `customer` is live.
    pub fn has_grant(&self, session: &str, customer: &str, capability: Capability) -> bool {
        with(|state| {
            state.grants.contains(&(
                session.to_owned(),
                customer.to_owned(),
                capability.as_str().to_owned(),
            ))
        })
    }

    /// The customer withdraws a grant: as the kernel, every stream that
    /// ran under it closes (the plugin hears of it through
    /// [`Harness::deliver_kernel_events`]).
    pub fn revoke(&self, session: &str, customer: &str, capability: Capability) {
        with(|state| {
            state.grants.remove(&(
                session.to_owned(),
                customer.to_owned(),
                capability.as_str().to_owned(),
            ));
            let ended: Vec<StreamId> = state
                .streams
                .values()
                .filter(|s| {
                    s.session == session
                        && s.source == customer
                        && s.capability == capability.as_str()
                })
                .map(|s| s.id)
                .collect();
            for id in ended {
                close_stream(state, id, CloseCause::ConsentWithdrawn, CONSENT_WITHDRAWN);
            }
            state
                .kernel_events
                .push_back(Event::ConsentWithdrawn(ConsentWithdrawn {
                    session: session.to_owned(),
                    customer: customer.to_owned(),
                    capability: capability.as_str().to_owned(),
                }));
        });
    }

    /// `session` ends: it, its participants, grants and streams are gone.
    /// The plugin is not told (a test that wants it to hear sends
    /// `Event::SessionEnded`), as when it missed the event.
    pub fn end_session(&self, session: &str) {
        with(|state| {
            state.participants.remove(session);
            state.grants.retain(|(s, _, _)| s != session);
            state.streams.retain(|_, stream| stream.session != session);
        });
    }

    /// `participant` leaves `session`: as the kernel, the streams from
    /// their computer close, their grants end, and what they controlled is
    /// theirs no more (`stream-control` with cause `controller-left`).
    pub fn remove_participant(&self, session: &str, participant: &str) {
        with(|state| {
            clear_controller(
                state,
                |s| s.session == session && s.controller.as_deref() == Some(participant),
                ControlCause::ControllerLeft,
            );
            if let Some(list) = state.participants.get_mut(session) {
                list.retain(|p| p.id != participant);
            }
            state
                .grants
                .retain(|(s, customer, _)| !(s == session && customer == participant));
            let ended: Vec<StreamId> = state
                .streams
                .values()
                .filter(|s| s.session == session && s.source == participant)
                .map(|s| s.id)
                .collect();
            for id in ended {
                close_stream(state, id, CloseCause::ParticipantLeft, PARTICIPANT_LEFT);
            }
        });
    }

    /// The CSR's computer takes control of a stream back (the indicator's
    /// button or its hot key): the controller is cleared and the plugin
    /// hears `stream-control` with cause `taken-back-on-computer`, as from
    /// the kernel. `false` when nobody controlled it (nothing happens).
    pub fn take_back_on_computer(&self, id: StreamId) -> bool {
        with(|state| clear_controller(state, |s| s.id == id, ControlCause::TakenBackOnComputer) > 0)
    }

    /// Who controls stream `id` now.
    pub fn controller(&self, id: StreamId) -> Option<String> {
        with(|state| state.streams.get(&id).and_then(|s| s.controller.clone()))
    }

    /// The CSR's console in `session` closes: as the kernel, every stream
    /// it sent from the browser ends (cause `agent-disconnected`, reason
    /// [`CONSOLE_CLOSED`]), and `open-from-browser` for them is
    /// unavailable until [`Harness::open_console`].
    pub fn close_console(&self, session: &str, participant: &str) {
        with(|state| {
            state
                .consoles_closed
                .insert((session.to_owned(), participant.to_owned()));
            let ended: Vec<StreamId> = state
                .streams
                .values()
                .filter(|s| {
                    s.session == session
                        && s.source == participant
                        && s.origin == StreamOrigin::CsrBrowser
                })
                .map(|s| s.id)
                .collect();
            for id in ended {
                close_stream(state, id, CloseCause::AgentDisconnected, CONSOLE_CLOSED);
            }
        });
    }

    /// The CSR's console in `session` is connected again.
    pub fn open_console(&self, session: &str, participant: &str) {
        with(|state| {
            state
                .consoles_closed
                .remove(&(session.to_owned(), participant.to_owned()))
        });
    }

    /// The kernel ends an open stream (the customer pressed Stop sharing,
    /// the agent left…): `false` when no such stream is open.
    pub fn end_stream(&self, id: StreamId, cause: CloseCause, reason: &str) -> bool {
        with(|state| close_stream(state, id, cause, reason))
    }

    /// The streams open now, whichever session.
    pub fn open_streams(&self) -> Vec<StreamInfo> {
        with(|state| state.streams.values().cloned().collect())
    }

    /// Every stream closed so far, with its reason, in order.
    pub fn closed_streams(&self) -> Vec<(StreamId, String)> {
        with(|state| state.closed_streams.clone())
    }

    /// Delivers the kernel's events the plugin has not heard of yet
    /// (`stream-closed` for every close, `consent-withdrawn` for every
    /// revocation, `stream-control` for every change of controller the
    /// plugin did not make), in order, as the kernel does; returns how
    /// many.
    pub fn deliver_kernel_events<P: Plugin>(&self) -> Result<usize, PluginError> {
        let mut delivered = 0;
        while let Some(event) = with(|state| state.kernel_events.pop_front()) {
            self.event::<P>(event)?;
            delivered += 1;
        }
        Ok(delivered)
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

    /// How many times the plugin called each store function so far.
    pub fn store_calls(&self) -> StoreCalls {
        with(|state| state.store_calls)
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

/// Closes a stream as the kernel does: gone from the table, recorded, and
/// an event queued for the plugin.
fn close_stream(state: &mut State, id: StreamId, cause: CloseCause, reason: &str) -> bool {
    let Some(stream) = state.streams.remove(&id) else {
        return false;
    };
    state.closed_streams.push((id, reason.to_owned()));
    state
        .kernel_events
        .push_back(Event::StreamClosed(StreamClosed {
            session: stream.session,
            id,
            cause,
            reason: reason.to_owned(),
        }));
    true
}

/// Clears the controller of every stream `which` picks that has one, and
/// queues `stream-control` for each; returns how many changed.
fn clear_controller(
    state: &mut State,
    which: impl Fn(&StreamInfo) -> bool,
    cause: ControlCause,
) -> usize {
    let mut changed = 0;
    for stream in state.streams.values_mut() {
        if stream.controller.is_none() || !which(stream) {
            continue;
        }
        stream.controller = None;
        changed += 1;
        state
            .kernel_events
            .push_back(Event::StreamControl(StreamControl {
                session: stream.session.clone(),
                stream: stream.id,
                controller: None,
                cause,
            }));
    }
    changed
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
    pub(crate) use super::kernel_desk::{csrs, desk, offers};

    pub mod atomic_store {
        use tether_protocol::plugin_store;

        use super::super::{StoreError, with};
        use super::store::refused;

        /// As the kernel: the keys and values of `store`, and the check and
        /// the write in one step.
        pub fn compare_and_swap(
            key: &str,
            expected: Option<&[u8]>,
            value: Option<&[u8]>,
        ) -> Result<bool, StoreError> {
            plugin_store::check_key(key).map_err(refused)?;
            if let Some(value) = value {
                plugin_store::check_value(value).map_err(refused)?;
            }
            Ok(with(|state| {
                state.store_calls.compare_and_swap += 1;
                if state.store.get(key).map(Vec::as_slice) != expected {
                    return false;
                }
                match value {
                    Some(value) => state.store.insert(key.to_owned(), value.to_vec()),
                    None => state.store.remove(key),
                };
                true
            }))
        }
    }

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
        pub(super) fn refused(limit: StoreLimit) -> StoreError {
            match limit {
                StoreLimit::ValueSize(_) => StoreError::TooLarge(limit.to_string()),
                _ => StoreError::InvalidKey(limit.to_string()),
            }
        }

        pub fn get(key: &str) -> Result<Option<Vec<u8>>, StoreError> {
            plugin_store::check_key(key).map_err(refused)?;
            Ok(with(|state| {
                state.store_calls.get += 1;
                state.store.get(key).cloned()
            }))
        }

        pub fn set(key: &str, value: &[u8]) -> Result<(), StoreError> {
            plugin_store::check_key(key).map_err(refused)?;
            plugin_store::check_value(value).map_err(refused)?;
            with(|state| {
                state.store_calls.set += 1;
                state.store.insert(key.to_owned(), value.to_vec())
            });
            Ok(())
        }

        pub fn delete(key: &str) -> Result<bool, StoreError> {
            plugin_store::check_key(key).map_err(refused)?;
            Ok(with(|state| {
                state.store_calls.delete += 1;
                state.store.remove(key).is_some()
            }))
        }

        pub fn list_keys(prefix: &str) -> Result<Vec<String>, StoreError> {
            plugin_store::check_prefix(prefix).map_err(refused)?;
            Ok(with(|state| {
                state.store_calls.list_keys += 1;
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
                let outcome = state
                    .consent_answers
                    .pop_front()
                    .unwrap_or(Outcome::TimedOut);
                if outcome == Outcome::Granted {
                    for capability in capabilities {
                        state.grants.insert((
                            session.to_owned(),
                            customer.to_owned(),
                            capability.clone(),
                        ));
                    }
                }
                Ok(outcome)
            })
        }
    }

    pub mod agent {
        use super::super::{AgentCall, AgentError, with};
        use crate::bindings::v0_1::agent::ConsentedCall;
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
            call_carrying(session, participant, capability, input, Vec::new())
        }

        /// A call with the files it carries (already checked).
        pub(crate) fn call_carrying(
            session: &str,
            participant: &str,
            capability: &str,
            input: &str,
            files: Vec<Vec<u8>>,
        ) -> Result<String, AgentError> {
            let call = AgentCall {
                session: session.to_owned(),
                participant: participant.to_owned(),
                capability: capability.to_owned(),
                input: input.to_owned(),
                files,
            };
            let grant = (
                session.to_owned(),
                participant.to_owned(),
                capability.to_owned(),
            );
            let refused = with(|state| {
                state.agent_calls.push(call.clone());
                state.calls_need_grants && !state.grants.contains(&grant)
            });
            if refused {
                return Err(AgentError::NoConsent(format!(
                    "no live grant of `{capability}` from {participant}"
                )));
            }
            // The handler runs outside the borrow so it may use the harness.
            let mut handler = with(|state| state.agent_handler.take());
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
    pub mod agent_files {
        use tether_protocol::file_frame::{FileFrameError, check_file_count, check_file_size};
        use tether_protocol::plugin_store;

        use super::super::{AgentError, with};
        use crate::host::agent_files::CallFile;

        /// As the kernel: at most so many files, each at most so large, a
        /// stored file read from the plugin's store (and nothing there is
        /// an error); then the call, with the live grant it needs.
        pub fn call_with_files(
            session: &str,
            participant: &str,
            capability: &str,
            input: &str,
            files: &[CallFile],
        ) -> Result<String, AgentError> {
            let refused = |error: FileFrameError| AgentError::Failed(error.to_string());
            check_file_count(files.len()).map_err(refused)?;
            let mut ready = Vec::with_capacity(files.len());
            for (index, file) in files.iter().enumerate() {
                let bytes = match file {
                    CallFile::Bytes(bytes) => bytes.clone(),
                    CallFile::Stored(key) => {
                        plugin_store::check_key(key)
                            .map_err(|why| AgentError::Failed(format!("file {index}: {why}")))?;
                        with(|state| state.store.get(key).cloned()).ok_or_else(|| {
                            AgentError::Failed(format!(
                                "file {index}: the plugin's store holds nothing at `{key}`"
                            ))
                        })?
                    }
                };
                check_file_size(index, bytes.len()).map_err(refused)?;
                ready.push(bytes);
            }
            super::agent::call_carrying(session, participant, capability, input, ready)
        }
    }

    pub mod streams {
        use super::super::{
            OWN_COMPUTER_CAPABILITIES, State, StreamError, StreamId, StreamInfo, StreamOrigin,
            close_stream, with,
        };
        use crate::host::streams::{MAX_LABEL_CHARS, MAX_REASON_BYTES};
        use crate::{Capability, CloseCause, Role};

        fn check_label(label: &str) -> Result<&str, StreamError> {
            let label = label.trim();
            if label.chars().count() > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
                return Err(StreamError::Invalid(format!(
                    "the label must be at most {MAX_LABEL_CHARS} characters, without control characters"
                )));
            }
            Ok(label)
        }

        /// The role of `participant` in `session`, or the error for an
        /// unknown session or participant.
        fn role_of(state: &State, session: &str, participant: &str) -> Result<Role, StreamError> {
            state
                .participants
                .get(session)
                .ok_or_else(|| StreamError::UnknownSession(session.to_owned()))?
                .iter()
                .find(|p| p.id == participant)
                .map(|p| p.role)
                .ok_or_else(|| StreamError::UnknownParticipant(participant.to_owned()))
        }

        fn insert(state: &mut State, info: impl FnOnce(StreamId) -> StreamInfo) -> StreamId {
            state.last_stream += 1;
            let id = state.last_stream;
            state.streams.insert(id, info(id));
            id
        }

        /// As the kernel: the label is checked; the source is a customer
        /// of the session with a live grant of the capability, or the
        /// session's host with a capability of their own computer (no
        /// grant: the host consents by commanding); either with an agent
        /// (here: an agent-call handler) connected.
        pub fn open(
            session: &str,
            source: &str,
            capability: &str,
            label: &str,
        ) -> Result<StreamId, StreamError> {
            let label = check_label(label)?;
            let Ok(known) = capability.parse::<Capability>() else {
                return Err(StreamError::UndeclaredCapability(capability.to_owned()));
            };
            with(|state| {
                let origin = match role_of(state, session, source)? {
                    Role::Customer => {
                        let grant = (session.to_owned(), source.to_owned(), capability.to_owned());
                        if !state.grants.contains(&grant) {
                            return Err(StreamError::NoConsent(format!(
                                "no live grant of `{capability}` from {source}"
                            )));
                        }
                        StreamOrigin::CustomerAgent
                    }
                    Role::Host if OWN_COMPUTER_CAPABILITIES.contains(&known) => {
                        StreamOrigin::CsrAgent
                    }
                    Role::Host => {
                        return Err(StreamError::NoConsent(format!(
                            "`{capability}` never runs on a CSR's computer"
                        )));
                    }
                    Role::Assistant => {
                        return Err(StreamError::NoConsent(format!(
                            "{source} is not the session's host"
                        )));
                    }
                };
                if state.agent_handler.is_none() {
                    return Err(StreamError::Unavailable(format!(
                        "no agent is connected for {source}"
                    )));
                }
                Ok(insert(state, |id| StreamInfo {
                    id,
                    session: session.to_owned(),
                    source: source.to_owned(),
                    capability: capability.to_owned(),
                    label: label.to_owned(),
                    origin,
                    controller: None,
                }))
            })
        }

        /// As the kernel: the source is the session's host with a console
        /// connected (see `Harness::close_console`); the stream runs under
        /// `app.share`.
        pub fn open_from_browser(
            session: &str,
            source: &str,
            label: &str,
        ) -> Result<StreamId, StreamError> {
            let label = check_label(label)?;
            with(|state| {
                if role_of(state, session, source)? != Role::Host {
                    return Err(StreamError::NoConsent(format!(
                        "{source} is not the session's host"
                    )));
                }
                if state
                    .consoles_closed
                    .contains(&(session.to_owned(), source.to_owned()))
                {
                    return Err(StreamError::Unavailable(format!(
                        "{source} has no console connected"
                    )));
                }
                Ok(insert(state, |id| StreamInfo {
                    id,
                    session: session.to_owned(),
                    source: source.to_owned(),
                    capability: Capability::AppShare.as_str().to_owned(),
                    label: label.to_owned(),
                    origin: StreamOrigin::CsrBrowser,
                    controller: None,
                }))
            })
        }

        /// The open stream `id`, if a CSR's agent shows it.
        fn controllable(state: &mut State, id: StreamId) -> Result<&mut StreamInfo, StreamError> {
            if id == 0 {
                return Err(StreamError::Invalid("stream id 0 is never a stream".into()));
            }
            let stream = state
                .streams
                .get_mut(&id)
                .ok_or(StreamError::UnknownStream(id))?;
            if stream.origin != StreamOrigin::CsrAgent {
                return Err(StreamError::Invalid(format!(
                    "stream {id} does not show a CSR's application: nobody can control it"
                )));
            }
            Ok(stream)
        }

        pub fn give_control(id: StreamId, to: &str) -> Result<(), StreamError> {
            with(|state| {
                let session = controllable(state, id)?.session.clone();
                if role_of(state, &session, to)? != Role::Customer {
                    return Err(StreamError::Invalid(format!("{to} is not a customer")));
                }
                controllable(state, id)?.controller = Some(to.to_owned());
                Ok(())
            })
        }

        pub fn take_control(id: StreamId) -> Result<(), StreamError> {
            with(|state| {
                controllable(state, id)?.controller = None;
                Ok(())
            })
        }

        pub fn close(id: StreamId, reason: &str) -> Result<(), StreamError> {
            if id == 0 {
                return Err(StreamError::Invalid("stream id 0 is never a stream".into()));
            }
            if reason.len() > MAX_REASON_BYTES {
                return Err(StreamError::Invalid(format!(
                    "the reason is at most {MAX_REASON_BYTES} bytes"
                )));
            }
            with(|state| {
                if close_stream(state, id, CloseCause::PluginClosed, reason) {
                    Ok(())
                } else {
                    Err(StreamError::UnknownStream(id))
                }
            })
        }

        pub fn open_streams(session: &str) -> Result<Vec<StreamInfo>, StreamError> {
            with(|state| {
                if !state.participants.contains_key(session) {
                    return Err(StreamError::UnknownSession(session.to_owned()));
                }
                Ok(state
                    .streams
                    .values()
                    .filter(|s| s.session == session)
                    .cloned()
                    .collect())
            })
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
    fn files_go_with_a_call_as_the_kernel_sends_them_and_within_its_limits() {
        use crate::host::agent_files::{
            CallFile, MAX_CALL_FILE_BYTES, MAX_CALL_FILES, call_with_files,
        };
        let harness = Harness::new();
        harness.on_agent_call(|call| Ok(format!("{}", call.files.len())));
        harness.calls_need_grants();
        harness.grant("123456789", "c1", &[Capability::ScriptRun]);
        host::store::set("file/1/script", b"echo stored").expect("set");
        let calls_before = harness.store_calls();
        let files = [
            CallFile::Stored("file/1/script".into()),
            CallFile::Bytes(b"input bytes".to_vec()),
        ];
        let answer = call_with_files("123456789", "c1", Capability::ScriptRun, "{}", &files);
        assert_eq!(answer, Ok("2".to_owned()));
        let call = &harness.agent_calls()[0];
        assert_eq!(
            call.files,
            [b"echo stored".to_vec(), b"input bytes".to_vec()]
        );
        // The kernel reads a stored file, not the plugin.
        assert_eq!(
            harness.store_calls().since(&calls_before),
            StoreCalls::default()
        );

        // Refused before the agent is asked: too many files, one too
        // large, a stored key that holds nothing or is no key.
        let refusals = [
            (
                vec![CallFile::Bytes(Vec::new()); MAX_CALL_FILES + 1],
                "at most 4 files",
            ),
            (
                vec![CallFile::Bytes(vec![0; MAX_CALL_FILE_BYTES + 1])],
                "file 0 is 1048577 bytes",
            ),
            (
                vec![
                    CallFile::Bytes(Vec::new()),
                    CallFile::Stored("file/2/script".into()),
                ],
                "file 1: the plugin's store holds nothing at `file/2/script`",
            ),
            (vec![CallFile::Stored(String::new())], "file 0: "),
        ];
        for (files, words) in refusals {
            let refused = call_with_files("123456789", "c1", Capability::ScriptRun, "{}", &files);
            assert!(
                matches!(&refused, Err(AgentError::Failed(m)) if m.contains(words)),
                "{words}: {refused:?}"
            );
        }
        assert_eq!(harness.agent_calls().len(), 1);
        // And a call with files needs the grant any call needs.
        let no_grant = call_with_files("123456789", "c2", Capability::ScriptRun, "{}", &[]);
        assert!(matches!(no_grant, Err(AgentError::NoConsent(_))));
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

    #[test]
    fn the_store_counts_the_calls_that_reach_it() {
        let harness = Harness::new();
        host::store::set("a", b"1").expect("set");
        let before = harness.store_calls();
        host::store::get("a").expect("get");
        host::store::get("b").expect("get");
        host::store::list_keys("").expect("list");
        host::atomic_store::claim("c", "anna").expect("swap");
        host::store::delete("a").expect("delete");
        // A refused key never reaches the store.
        assert!(host::store::get("").is_err());
        assert_eq!(
            harness.store_calls().since(&before),
            StoreCalls {
                get: 2,
                set: 0,
                delete: 1,
                list_keys: 1,
                compare_and_swap: 1,
            }
        );
        assert_eq!(harness.store_calls().set, 1);
    }

    #[test]
    fn an_ended_session_is_unknown() {
        let harness = Harness::new();
        harness.add_participant("1", customer());
        harness.end_session("1");
        assert!(matches!(
            host::session::participants("1"),
            Err(SessionError::UnknownSession(_))
        ));
    }

    /// Remembers every close it hears of, as a plugin keeping state would.
    struct Sharer;

    impl Plugin for Sharer {
        fn stream_closed(closed: StreamClosed) -> Result<(), PluginError> {
            host::store::set(&format!("closed/{}", closed.id), closed.reason.as_bytes())?;
            host::store::set(
                &format!("cause/{}", closed.id),
                format!("{:?}", closed.cause).as_bytes(),
            )?;
            Ok(())
        }

        fn consent_withdrawn(withdrawn: ConsentWithdrawn) -> Result<(), PluginError> {
            host::store::set(
                &format!("withdrawn/{}", withdrawn.customer),
                withdrawn.capability.as_bytes(),
            )?;
            Ok(())
        }
    }

    fn sharing_session() -> Harness {
        let harness = Harness::new();
        harness.add_participants(
            "123456789",
            &[("h1", "Anna", Role::Host), ("c1", "Carl", Role::Customer)],
        );
        harness.on_agent_call(|_| Ok("{}".to_owned()));
        harness
    }

    #[test]
    fn a_customers_stream_opens_only_under_a_live_grant() {
        let harness = sharing_session();
        let open = |source| host::streams::open("123456789", source, Capability::AppShare, "xterm");
        assert!(matches!(open("c1"), Err(StreamError::NoConsent(_))));
        harness.grant("123456789", "c1", &[Capability::AppShare]);
        assert_eq!(
            open("x9"),
            Err(StreamError::UnknownParticipant("x9".into()))
        );
        assert_eq!(
            host::streams::open("999999999", "c1", Capability::AppShare, "x"),
            Err(StreamError::UnknownSession("999999999".into()))
        );
        let long = "x".repeat(host::streams::MAX_LABEL_CHARS + 1);
        assert!(matches!(
            host::streams::open("123456789", "c1", Capability::AppShare, &long),
            Err(StreamError::Invalid(_))
        ));
        assert!(harness.open_streams().is_empty(), "refusals open nothing");

        let first = open("c1").expect("granted");
        let second = open("c1").expect("several at once");
        assert_eq!((first, second), (1, 2));
        let listed = host::streams::open_streams("123456789").expect("listed");
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].label, "xterm");
        assert_eq!(listed[0].origin, StreamOrigin::CustomerAgent);
        assert_eq!(listed[0].capability, "app.share");
    }

    #[test]
    fn a_stream_needs_a_connected_agent() {
        let harness = Harness::new();
        harness.add_participant("123456789", customer());
        harness.grant("123456789", "c1", &[Capability::AppShare]);
        assert!(matches!(
            host::streams::open("123456789", "c1", Capability::AppShare, "xterm"),
            Err(StreamError::Unavailable(_))
        ));
    }

    #[test]
    fn every_close_reaches_the_plugin_whoever_closed() {
        let harness = sharing_session();
        harness.answer_consent(Outcome::Granted);
        let outcome = host::consent::request_all(
            "123456789",
            "c1",
            &[Capability::AppShare, Capability::AppList],
            None,
        );
        assert_eq!(outcome, Ok(Outcome::Granted));
        assert!(harness.has_grant("123456789", "c1", Capability::AppList));
        let mine = host::streams::open("123456789", "c1", Capability::AppShare, "a").expect("a");
        let stopped = host::streams::open("123456789", "c1", Capability::AppShare, "b").expect("b");
        let withdrawn =
            host::streams::open("123456789", "c1", Capability::AppShare, "c").expect("c");

        host::streams::close(mine, "done").expect("closed by the plugin");
        assert_eq!(
            host::streams::close(mine, "again"),
            Err(StreamError::UnknownStream(mine))
        );
        assert!(matches!(
            host::streams::close(0, "zero"),
            Err(StreamError::Invalid(_))
        ));
        assert!(harness.end_stream(stopped, CloseCause::CustomerStopped, "Carl stopped sharing"));
        assert!(!harness.end_stream(stopped, CloseCause::CustomerStopped, "twice"));
        harness.revoke("123456789", "c1", Capability::AppShare);
        assert!(harness.open_streams().is_empty());
        assert!(!harness.has_grant("123456789", "c1", Capability::AppShare));

        // Three closes, then the withdrawn permission itself.
        assert_eq!(harness.deliver_kernel_events::<Sharer>(), Ok(4));
        assert_eq!(
            harness.stored(&format!("closed/{mine}")),
            Some(b"done".to_vec())
        );
        let cause = |id: StreamId| harness.stored(&format!("cause/{id}"));
        assert_eq!(cause(mine), Some(b"CloseCause::PluginClosed".to_vec()));
        assert_eq!(
            cause(stopped),
            Some(b"CloseCause::CustomerStopped".to_vec())
        );
        assert_eq!(
            cause(withdrawn),
            Some(b"CloseCause::ConsentWithdrawn".to_vec())
        );
        assert_eq!(harness.stored("withdrawn/c1"), Some(b"app.share".to_vec()));
        assert_eq!(
            harness.stored(&format!("closed/{withdrawn}")),
            Some(CONSENT_WITHDRAWN.as_bytes().to_vec())
        );
        assert_eq!(harness.closed_streams().len(), 3);
        assert_eq!(harness.deliver_kernel_events::<Sharer>(), Ok(0));
    }

    #[test]
    fn a_leaving_customer_takes_their_streams_and_grants() {
        let harness = sharing_session();
        harness.grant("123456789", "c1", &[Capability::AppShare]);
        let id = host::streams::open("123456789", "c1", Capability::AppShare, "a").expect("a");
        harness.remove_participant("123456789", "c1");
        assert_eq!(
            harness.closed_streams(),
            vec![(id, PARTICIPANT_LEFT.to_owned())]
        );
        assert!(!harness.has_grant("123456789", "c1", Capability::AppShare));
    }

    /// Remembers every change of controller it hears of.
    struct Shower;

    impl Plugin for Shower {
        fn stream_control(control: StreamControl) -> Result<(), PluginError> {
            host::store::set(
                &format!("control/{}", control.stream),
                format!("{:?} {:?}", control.cause, control.controller).as_bytes(),
            )?;
            Ok(())
        }
    }

    fn showing_session() -> Harness {
        let harness = sharing_session();
        harness.add_participants(
            "123456789",
            &[
                ("a1", "Bert", Role::Assistant),
                ("c2", "Dora", Role::Customer),
            ],
        );
        harness
    }

    #[test]
    fn the_host_shows_from_their_own_agent_without_a_grant_and_only_applications() {
        let _harness = showing_session();
        let open =
            |source, capability| host::streams::open("123456789", source, capability, "Calc");
        let id = open("h1", Capability::AppShare).expect("the host consents by commanding");
        let listed = host::streams::open_streams("123456789").expect("listed");
        assert_eq!(listed[0].id, id);
        assert_eq!(listed[0].origin, StreamOrigin::CsrAgent);
        assert_eq!(listed[0].controller, None);
        assert!(matches!(
            open("h1", Capability::SysinfoCollect),
            Err(StreamError::NoConsent(m)) if m.contains("CSR's computer")
        ));
        assert!(matches!(
            open("a1", Capability::AppShare),
            Err(StreamError::NoConsent(m)) if m.contains("not the session's host")
        ));
        assert!(matches!(
            open("c1", Capability::AppShare),
            Err(StreamError::NoConsent(_))
        ));
        assert_eq!(
            host::streams::open_streams("123456789").map(|l| l.len()),
            Ok(1)
        );
    }

    #[test]
    fn a_browsers_stream_needs_the_hosts_connected_console_and_is_never_controlled() {
        let harness = showing_session();
        assert!(matches!(
            host::streams::open_from_browser("123456789", "a1", "screen"),
            Err(StreamError::NoConsent(_))
        ));
        assert_eq!(
            host::streams::open_from_browser("123456789", "x9", "screen"),
            Err(StreamError::UnknownParticipant("x9".into()))
        );
        let long = "x".repeat(host::streams::MAX_LABEL_CHARS + 1);
        assert!(matches!(
            host::streams::open_from_browser("123456789", "h1", &long),
            Err(StreamError::Invalid(_))
        ));
        let id = host::streams::open_from_browser("123456789", "h1", " screen ").expect("opened");
        let info = &harness.open_streams()[0];
        assert_eq!(
            (info.origin, info.label.as_str(), info.capability.as_str()),
            (StreamOrigin::CsrBrowser, "screen", "app.share")
        );
        assert!(matches!(
            host::streams::give_control(id, "c1"),
            Err(StreamError::Invalid(_))
        ));
        assert!(matches!(
            host::streams::take_control(id),
            Err(StreamError::Invalid(_))
        ));

        harness.close_console("123456789", "h1");
        assert_eq!(
            harness.closed_streams(),
            vec![(id, CONSOLE_CLOSED.to_owned())]
        );
        assert!(matches!(
            host::streams::open_from_browser("123456789", "h1", "again"),
            Err(StreamError::Unavailable(_))
        ));
        harness.open_console("123456789", "h1");
        assert!(host::streams::open_from_browser("123456789", "h1", "again").is_ok());
    }

    #[test]
    fn control_goes_to_one_customer_at_a_time_and_comes_back() {
        let harness = showing_session();
        let shown =
            host::streams::open("123456789", "h1", Capability::AppShare, "Calc").expect("shown");
        harness.grant("123456789", "c1", &[Capability::AppShare]);
        let shared =
            host::streams::open("123456789", "c1", Capability::AppShare, "xterm").expect("shared");

        assert!(matches!(
            host::streams::give_control(shared, "c1"),
            Err(StreamError::Invalid(_))
        ));
        assert!(matches!(
            host::streams::give_control(shown, "a1"),
            Err(StreamError::Invalid(_))
        ));
        assert_eq!(
            host::streams::give_control(shown, "zz"),
            Err(StreamError::UnknownParticipant("zz".into()))
        );
        assert_eq!(
            host::streams::give_control(99, "c1"),
            Err(StreamError::UnknownStream(99))
        );
        assert_eq!(harness.controller(shown), None, "refusals change nothing");

        host::streams::give_control(shown, "c1").expect("given");
        host::streams::give_control(shown, "c2").expect("given to another instead");
        assert_eq!(harness.controller(shown), Some("c2".into()));
        host::streams::take_control(shown).expect("taken");
        host::streams::take_control(shown).expect("taking nothing is no error");
        assert_eq!(harness.controller(shown), None);
        // The plugin's own calls are not reported back to it.
        assert_eq!(harness.deliver_kernel_events::<Shower>(), Ok(0));

        host::streams::give_control(shown, "c1").expect("given");
        assert!(harness.take_back_on_computer(shown));
        assert!(!harness.take_back_on_computer(shown), "nobody has it now");
        host::streams::give_control(shown, "c2").expect("given again");
        harness.remove_participant("123456789", "c2");
        assert_eq!(harness.controller(shown), None);
        assert_eq!(harness.open_streams().len(), 2, "the stream goes on");

        assert_eq!(harness.deliver_kernel_events::<Shower>(), Ok(2));
        assert_eq!(
            harness.stored(&format!("control/{shown}")),
            Some(b"ControlCause::ControllerLeft None".to_vec())
        );
    }

    #[test]
    fn labels_are_fitted_to_what_the_kernel_accepts() {
        assert_eq!(host::streams::fit_label("  a\tb\n "), "a b");
        let long = "é".repeat(300);
        assert_eq!(
            host::streams::fit_label(&long).chars().count(),
            host::streams::MAX_LABEL_CHARS
        );
    }
}
