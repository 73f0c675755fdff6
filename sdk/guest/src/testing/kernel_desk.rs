//! The harness's desk (plugin API 0.2): the site's CSRs and their presence,
//! offers and their answers, waiting sessions opened by public commands,
//! and hand-overs — with the kernel's rules, so a plugin's distribution and
//! transfer logic is tested natively.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Harness, with};
use crate::host::csrs::{CsrPresence, CsrsError};
use crate::host::desk::{DeskError, WaitingSession};
use crate::host::offers::{
    MAX_RECIPIENTS, MAX_TEXT_CHARS, MAX_TITLE_CHARS, OfferDetails, OfferError, OfferId, TIMEOUT_MS,
};
use crate::{
    Event, OfferAnswer, OfferAnswered, Participant, Plugin, PluginError, PublicCommand, Role,
};

/// Longest display name of a waiting customer, as the kernel's.
const MAX_DISPLAY_NAME_CHARS: usize = 80;

/// One offer a plugin made, and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct MadeOffer {
    pub id: OfferId,
    pub to: Vec<String>,
    pub details: OfferDetails,
    /// Who answered, in order, and how.
    pub answers: Vec<(String, OfferAnswer)>,
    /// The plugin took it back, for this reason.
    pub withdrawn: Option<String>,
    /// Its time ran out while open.
    pub expired: bool,
}

impl MadeOffer {
    /// Still shown to someone: not withdrawn, not expired.
    pub fn is_open(&self) -> bool {
        self.withdrawn.is_none() && !self.expired
    }
}

#[derive(Default)]
struct DeskState {
    csrs: BTreeMap<String, CsrPresence>,
    console_messages: Vec<(String, Value)>,
    offers: BTreeMap<OfferId, MadeOffer>,
    last_offer: OfferId,
    /// While a public command is handled: whether it opened its waiting
    /// session yet.
    public_command: Option<bool>,
    waiting: Vec<WaitingSession>,
    hand_overs: Vec<(String, String)>,
}

thread_local! {
    static DESK: RefCell<DeskState> = RefCell::new(DeskState::default());
}

fn desk<R>(f: impl FnOnce(&mut DeskState) -> R) -> R {
    DESK.with(|state| f(&mut state.borrow_mut()))
}

pub(super) fn reset() {
    desk(|state| *state = DeskState::default());
}

/// A CSR of the site as a test wants them: online, available, free, not a
/// WebACD agent, idle since `idle_since`.
pub fn csr(username: &str, idle_since: u64) -> CsrPresence {
    CsrPresence {
        username: username.to_owned(),
        display_name: username.to_owned(),
        webacd_agent: false,
        online: true,
        availability: crate::Availability::Available,
        customers: 0,
        max_customers: 2,
        idle_since,
    }
}

impl Harness {
    /// Adds (or replaces) a CSR of the site.
    pub fn add_csr(&self, presence: CsrPresence) {
        desk(|state| state.csrs.insert(presence.username.clone(), presence));
    }

    /// Changes a CSR's presence; `false` for an unknown CSR.
    pub fn update_csr(&self, username: &str, change: impl FnOnce(&mut CsrPresence)) -> bool {
        desk(|state| state.csrs.get_mut(username).map(change).is_some())
    }

    /// A CSR's presence as the harness has it now.
    pub fn csr_presence(&self, username: &str) -> Option<CsrPresence> {
        desk(|state| state.csrs.get(username).cloned())
    }

    /// Every offer made, by id.
    pub fn offers(&self) -> Vec<MadeOffer> {
        desk(|state| state.offers.values().cloned().collect())
    }

    /// Messages sent to CSRs' console panels: (username, message).
    pub fn console_messages(&self) -> Vec<(String, Value)> {
        desk(|state| state.console_messages.clone())
    }

    /// Hand-overs done: (session, username).
    pub fn hand_overs(&self) -> Vec<(String, String)> {
        desk(|state| state.hand_overs.clone())
    }

    /// Waiting sessions opened by public commands.
    pub fn waiting_sessions(&self) -> Vec<WaitingSession> {
        desk(|state| state.waiting.clone())
    }

    /// A command from the plugin's public page `page`.
    pub fn public_command<P: Plugin>(
        &self,
        name: &str,
        page: &str,
        payload: Value,
    ) -> Result<Value, PluginError> {
        let command = PublicCommand {
            name: name.to_owned(),
            payload: payload.to_string(),
            page: page.to_owned(),
        };
        desk(|state| state.public_command = Some(false));
        let reply = self.event::<P>(Event::PublicCommand(command));
        desk(|state| state.public_command = None);
        parse_reply(reply?)
    }

    /// `username` answers offer `id` as the kernel lets them: a recipient,
    /// once, while it is open. The plugin's reply or error comes back.
    pub fn answer_offer<P: Plugin>(
        &self,
        id: OfferId,
        username: &str,
        accept: bool,
    ) -> Result<Value, PluginError> {
        let answer = if accept {
            OfferAnswer::Accepted
        } else {
            OfferAnswer::Declined
        };
        let display_name = desk(|state| {
            let offer = state
                .offers
                .get_mut(&id)
                .filter(|offer| offer.is_open())
                .ok_or_else(|| PluginError::InvalidInput(format!("no open offer {id}")))?;
            if !offer.to.iter().any(|to| to == username) {
                return Err(PluginError::Denied(format!(
                    "offer {id} is not for {username}"
                )));
            }
            if offer.answers.iter().any(|(who, _)| who == username) {
                return Err(PluginError::Denied(format!(
                    "{username} answered offer {id} already"
                )));
            }
            offer.answers.push((username.to_owned(), answer));
            Ok(state
                .csrs
                .get(username)
                .map(|csr| csr.display_name.clone())
                .unwrap_or_else(|| username.to_owned()))
        })?;
        let answered = OfferAnswered {
            id,
            username: username.to_owned(),
            display_name,
            answer,
        };
        parse_reply(self.event::<P>(Event::OfferAnswered(answered))?)
    }

    /// Offer `id`'s time runs out; `false` when it was not open.
    pub fn expire_offer<P: Plugin>(&self, id: OfferId) -> Result<bool, PluginError> {
        let was_open = desk(|state| match state.offers.get_mut(&id) {
            Some(offer) if offer.is_open() => {
                offer.expired = true;
                true
            }
            _ => false,
        });
        if was_open {
            self.event::<P>(Event::OfferExpired(id))?;
        }
        Ok(was_open)
    }

    /// Tells the plugin that `username`'s presence changed (after
    /// [`Harness::update_csr`]).
    pub fn presence_changed<P: Plugin>(&self, username: &str) -> Result<(), PluginError> {
        let presence = self
            .csr_presence(username)
            .ok_or_else(|| PluginError::InvalidInput(format!("no CSR `{username}`")))?;
        self.event::<P>(Event::PresenceChanged(presence))?;
        Ok(())
    }
}

fn parse_reply(reply: String) -> Result<Value, PluginError> {
    serde_json::from_str(&reply)
        .map_err(|error| PluginError::Failed(format!("reply is not JSON: {error}")))
}

fn known_csr(state: &DeskState, username: &str) -> Option<CsrPresence> {
    state.csrs.get(username).cloned()
}

pub(crate) mod csrs {
    use super::*;

    pub fn presence() -> Result<Vec<CsrPresence>, CsrsError> {
        Ok(desk(|state| state.csrs.values().cloned().collect()))
    }

    pub fn csr(username: &str) -> Result<CsrPresence, CsrsError> {
        desk(|state| known_csr(state, username))
            .ok_or_else(|| CsrsError::UnknownCsr(username.into()))
    }

    pub fn send(username: &str, message: &str) -> Result<(), CsrsError> {
        let message: Value = serde_json::from_str(message)
            .map_err(|error| CsrsError::Invalid(format!("the message is not JSON: {error}")))?;
        desk(|state| {
            known_csr(state, username).ok_or_else(|| CsrsError::UnknownCsr(username.into()))?;
            state.console_messages.push((username.to_owned(), message));
            Ok(())
        })
    }
}

pub(crate) mod offers {
    use super::*;

    /// As the kernel: 1 to 50 distinct recipients of the site, each with
    /// their console open; title and text within their limits; a time
    /// within range.
    pub fn make(to: &[String], details: &OfferDetails) -> Result<OfferId, OfferError> {
        let distinct: BTreeSet<&String> = to.iter().collect();
        if to.is_empty() || to.len() > MAX_RECIPIENTS || distinct.len() != to.len() {
            return Err(OfferError::Invalid(format!(
                "an offer goes to 1 to {MAX_RECIPIENTS} different CSRs"
            )));
        }
        if details.title.trim().is_empty()
            || details.title.chars().count() > MAX_TITLE_CHARS
            || details.title.chars().any(char::is_control)
        {
            return Err(OfferError::Invalid(format!(
                "the title is 1 to {MAX_TITLE_CHARS} characters on one line"
            )));
        }
        if details.text.chars().count() > MAX_TEXT_CHARS
            || details.text.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err(OfferError::Invalid(format!(
                "the text is at most {MAX_TEXT_CHARS} characters"
            )));
        }
        if !TIMEOUT_MS.contains(&details.timeout_ms) {
            return Err(OfferError::Invalid(format!(
                "the time to answer is {} to {} ms",
                TIMEOUT_MS.start(),
                TIMEOUT_MS.end()
            )));
        }
        if let Some(session) = &details.session
            && !with(|state| state.participants.contains_key(session))
        {
            return Err(OfferError::Invalid(format!("unknown session {session}")));
        }
        desk(|state| {
            for username in to {
                let csr = known_csr(state, username)
                    .ok_or_else(|| OfferError::UnknownCsr(username.clone()))?;
                if !csr.online {
                    return Err(OfferError::Offline(username.clone()));
                }
            }
            state.last_offer += 1;
            let id = state.last_offer;
            state.offers.insert(
                id,
                MadeOffer {
                    id,
                    to: to.to_vec(),
                    details: details.clone(),
                    answers: Vec::new(),
                    withdrawn: None,
                    expired: false,
                },
            );
            Ok(id)
        })
    }

    pub fn withdraw(id: OfferId, reason: &str) -> Result<(), OfferError> {
        desk(|state| match state.offers.get_mut(&id) {
            Some(offer) if offer.is_open() => {
                offer.withdrawn = Some(reason.to_owned());
                Ok(())
            }
            _ => Err(OfferError::UnknownOffer(id)),
        })
    }
}

pub(crate) mod desk {
    use super::*;

    /// As the kernel: only during a public command, once, with a name of
    /// 1 to 80 characters without control characters.
    pub fn open_waiting(display_name: &str) -> Result<WaitingSession, DeskError> {
        let name = display_name.trim();
        if name.is_empty()
            || name.chars().count() > MAX_DISPLAY_NAME_CHARS
            || name.chars().any(char::is_control)
        {
            return Err(DeskError::Invalid(format!(
                "the name is 1 to {MAX_DISPLAY_NAME_CHARS} characters"
            )));
        }
        let number = desk(|state| match state.public_command {
            None => Err(DeskError::Refused(
                "a waiting session is opened only for a customer's public page".into(),
            )),
            Some(true) => Err(DeskError::Refused(
                "this command has opened its waiting session already".into(),
            )),
            Some(false) => {
                state.public_command = Some(true);
                Ok(state.waiting.len() + 1)
            }
        })?;
        let waiting = WaitingSession {
            session: format!("{:09}", 700_000_000 + number),
            customer: format!("waiting-customer-{number}"),
        };
        with(|state| {
            state.participants.insert(
                waiting.session.clone(),
                vec![Participant {
                    id: waiting.customer.clone(),
                    display_name: name.to_owned(),
                    role: Role::Customer,
                }],
            )
        });
        desk(|state| state.waiting.push(waiting.clone()));
        Ok(waiting)
    }

    /// As the kernel: the CSR is of the site with their console open, not
    /// the host already, and within the site's maximum with the session's
    /// customers; the previous host leaves.
    pub fn hand_over(session: &str, username: &str) -> Result<String, DeskError> {
        let (previous, customers) = with(|state| {
            let people = state
                .participants
                .get(session)
                .ok_or_else(|| DeskError::UnknownSession(session.to_owned()))?;
            let previous = people.iter().find(|p| p.role == Role::Host).cloned();
            let customers = people.iter().filter(|p| p.role == Role::Customer).count() as u32;
            Ok::<_, DeskError>((previous, customers))
        })?;
        let host_id = format!("host-{username}");
        desk(|state| {
            let csr = known_csr(state, username)
                .ok_or_else(|| DeskError::UnknownCsr(username.to_owned()))?;
            if !csr.online {
                return Err(DeskError::Refused(format!(
                    "{username}'s console is not open"
                )));
            }
            if previous.as_ref().is_some_and(|p| p.id == host_id) {
                return Err(DeskError::Refused(format!(
                    "{username} is the host already"
                )));
            }
            if csr.customers + customers > csr.max_customers {
                return Err(DeskError::Refused(format!(
                    "{username} would have more than the site's {} customers",
                    csr.max_customers
                )));
            }
            if let Some(new_host) = state.csrs.get_mut(username) {
                new_host.customers += customers;
            }
            if let Some(previous) = &previous
                && let Some(name) = previous.id.strip_prefix("host-")
                && let Some(old_host) = state.csrs.get_mut(name)
            {
                old_host.customers = old_host.customers.saturating_sub(customers);
            }
            state
                .hand_overs
                .push((session.to_owned(), username.to_owned()));
            Ok(())
        })?;
        let display_name = desk(|state| {
            state
                .csrs
                .get(username)
                .map(|csr| csr.display_name.clone())
                .unwrap_or_default()
        });
        with(|state| {
            if let Some(people) = state.participants.get_mut(session) {
                people.retain(|p| p.role != Role::Host);
                people.push(Participant {
                    id: host_id.clone(),
                    display_name,
                    role: Role::Host,
                });
            }
        });
        Ok(host_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host;
    use crate::json;

    /// Opens a waiting session for every public `enter`, offers it to the
    /// CSRs named in the payload, and hands it to the first who accepts.
    struct Desk;

    impl Plugin for Desk {
        fn public_command(command: PublicCommand) -> Result<Value, PluginError> {
            let payload: Value = command.payload_json()?;
            let waiting = host::desk::open_waiting(payload["name"].as_str().unwrap_or_default())?;
            let to: Vec<String> = serde_json::from_value(payload["to"].clone())
                .map_err(|error| PluginError::InvalidInput(error.to_string()))?;
            let details = OfferDetails {
                session: Some(waiting.session.clone()),
                title: "A customer is waiting".into(),
                text: String::new(),
                timeout_ms: 30_000,
            };
            let offer = host::offers::make(&to, &details)?;
            host::store::set(&format!("offer/{offer}"), waiting.session.as_bytes())?;
            Ok(json!({ "session": waiting.session }))
        }

        fn offer_answered(answer: OfferAnswered) -> Result<Value, PluginError> {
            if answer.answer == OfferAnswer::Declined {
                return Ok(json!({ "declined": true }));
            }
            let session = host::store::get(&format!("offer/{}", answer.id))?
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| PluginError::Failed("lost the offer".into()))?;
            if !host::atomic_store::claim(&format!("claim/{session}"), &answer.username)? {
                return Err(PluginError::Denied("another CSR took it".into()));
            }
            let host = host::desk::hand_over(&session, &answer.username)?;
            host::offers::withdraw(answer.id, "taken")?;
            Ok(json!({ "host": host }))
        }
    }

    #[test]
    fn a_public_entry_waits_until_a_csr_accepts_it() {
        let harness = Harness::new();
        harness.add_csr(csr("anna", 1));
        harness.add_csr(csr("ben", 2));
        let reply = harness
            .public_command::<Desk>(
                "enter",
                "support",
                json!({ "name": "Chris", "to": ["anna", "ben"] }),
            )
            .expect("entered");
        let session = reply["session"].as_str().expect("session").to_owned();
        let offer = harness.offers()[0].id;
        assert_eq!(
            harness
                .answer_offer::<Desk>(offer, "ben", false)
                .expect("declined"),
            json!({ "declined": true })
        );
        let accepted = harness
            .answer_offer::<Desk>(offer, "anna", true)
            .expect("accepted");
        assert_eq!(accepted, json!({ "host": "host-anna" }));
        assert_eq!(harness.hand_overs(), vec![(session, "anna".to_owned())]);
        assert_eq!(harness.csr_presence("anna").expect("anna").customers, 1);
        assert!(!harness.offers()[0].is_open());
        assert!(
            harness.answer_offer::<Desk>(offer, "anna", true).is_err(),
            "a withdrawn offer takes no answer"
        );
    }

    #[test]
    fn waiting_sessions_open_only_for_a_public_command_and_once() {
        let harness = Harness::new();
        assert!(matches!(
            desk::open_waiting("Chris"),
            Err(DeskError::Refused(_))
        ));
        harness.add_csr(csr("anna", 1));
        desk(|state| state.public_command = Some(false));
        assert!(desk::open_waiting("Chris").is_ok());
        assert!(matches!(
            desk::open_waiting("Dana"),
            Err(DeskError::Refused(_))
        ));
        assert!(matches!(
            desk::open_waiting(" "),
            Err(DeskError::Invalid(_))
        ));
    }

    #[test]
    fn offers_follow_the_kernel_rules() {
        let harness = Harness::new();
        harness.add_csr(csr("anna", 1));
        harness.update_csr("anna", |anna| anna.online = false);
        let details = OfferDetails {
            session: None,
            title: "t".into(),
            text: String::new(),
            timeout_ms: 30_000,
        };
        let to = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(
            offers::make(&to(&["anna"]), &details),
            Err(OfferError::Offline("anna".into()))
        );
        assert!(matches!(
            offers::make(&to(&[]), &details),
            Err(OfferError::Invalid(_))
        ));
        assert_eq!(
            offers::make(&to(&["zoe"]), &details),
            Err(OfferError::UnknownCsr("zoe".into()))
        );
        let too_soon = OfferDetails {
            timeout_ms: 10,
            ..details
        };
        harness.update_csr("anna", |anna| anna.online = true);
        assert!(matches!(
            offers::make(&to(&["anna"]), &too_soon),
            Err(OfferError::Invalid(_))
        ));
    }

    #[test]
    fn compare_and_swap_takes_a_key_once() {
        let _harness = Harness::new();
        assert!(host::atomic_store::claim("claim/1", "anna").expect("swap"));
        assert!(!host::atomic_store::claim("claim/1", "ben").expect("swap"));
        assert!(
            host::atomic_store::compare_and_swap("claim/1", Some(b"anna"), None).expect("swap")
        );
        assert_eq!(host::store::get("claim/1").expect("get"), None);
    }
}
