//! One place that turns something that happened in a session into its
//! report line, the event its participants see and the event its plugins
//! get (pure), and announces it in that order.

use tether_protocol::{Detail, ServerEvent};

use super::Sessions;
use super::lifecycle::plugin_participant;
use super::live::LiveParticipant;
use crate::plugin_host::services::PluginEvent;
use crate::storage::ParticipantRole;

/// Something the session's participants, report and plugins all learn of.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Announcement<'a> {
    Joined(&'a LiveParticipant),
    Left {
        who: &'a LiveParticipant,
        how: Departure<'a>,
    },
    /// Back as the same participant; `after` says after what.
    Rejoined {
        who: &'a LiveParticipant,
        after: &'a str,
    },
    /// The host (`by`, a participant id) chose the customer to work with.
    CustomerSelected {
        by: &'a str,
        who: &'a LiveParticipant,
    },
}

/// How a participant came to leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Departure<'a> {
    Left,
    /// The host (by display name) removed them.
    RemovedBy(&'a str),
    /// A customer joined but neither their page nor their agent ever
    /// connected, so their place was given back.
    NeverConnected,
    /// The host handed the session to another CSR (by display name), and
    /// left it.
    TransferredTo(&'a str),
    /// A site admin (`by`, display name) disabled or deleted the CSR's
    /// (`csr`) account.
    AccountClosed {
        csr: &'a str,
        by: &'a str,
    },
}

impl Departure<'_> {
    /// What the one who left is told: on their page, and on their agent.
    pub fn told(&self) -> (String, String) {
        let both = |text: String| (text.clone(), text);
        match self {
            Departure::Left => (
                "you left the session".into(),
                "the customer left the session".into(),
            ),
            Departure::RemovedBy(host) => both(format!("{host} removed you from the session")),
            Departure::NeverConnected => {
                both("you did not connect in time; join again with the link".into())
            }
            Departure::TransferredTo(csr) => both(format!("the session was transferred to {csr}")),
            Departure::AccountClosed { csr, by } => both(super::ending::account_closed(csr, by)),
        }
    }

    /// What the page of the one who left says, in its own language.
    pub fn detail(&self) -> Detail {
        match self {
            Departure::Left => Detail::YouLeft,
            Departure::RemovedBy(host) => Detail::RemovedBy {
                name: (*host).to_owned(),
            },
            Departure::NeverConnected => Detail::DidNotConnectInTime,
            Departure::TransferredTo(csr) => Detail::TransferredTo {
                name: (*csr).to_owned(),
            },
            Departure::AccountClosed { csr, by } => Detail::AccountClosed {
                name: (*csr).to_owned(),
                by: (*by).to_owned(),
            },
        }
    }
}

/// A report line: kind, actor, detail.
pub(crate) type ReportLine = (&'static str, String, String);

impl Announcement<'_> {
    pub fn report_line(&self) -> ReportLine {
        match *self {
            Announcement::Joined(who) => (
                "participant.joined",
                who.display_name.clone(),
                who.role.as_str().to_owned(),
            ),
            Announcement::Left { who, how } => (
                "participant.left",
                who.display_name.clone(),
                match how {
                    Departure::Left => who.role.as_str().to_owned(),
                    Departure::RemovedBy(host) => {
                        format!("{}; removed by {host}", who.role.as_str())
                    }
                    Departure::NeverConnected => {
                        format!("{}; the page never connected", who.role.as_str())
                    }
                    Departure::TransferredTo(csr) => {
                        format!("{}; transferred to {csr}", who.role.as_str())
                    }
                    Departure::AccountClosed { by, .. } => {
                        format!("{}; account closed by {by}", who.role.as_str())
                    }
                },
            ),
            Announcement::Rejoined { who, after } => (
                "participant.rejoined",
                who.display_name.clone(),
                after.to_owned(),
            ),
            Announcement::CustomerSelected { by, who } => {
                ("customer.selected", by.to_owned(), who.display_name.clone())
            }
        }
    }

    /// Whom it is about.
    pub fn subject(&self) -> &LiveParticipant {
        match *self {
            Announcement::Joined(who)
            | Announcement::Left { who, .. }
            | Announcement::Rejoined { who, .. }
            | Announcement::CustomerSelected { who, .. } => who,
        }
    }

    pub fn event(&self, number: &str) -> ServerEvent {
        let session = number.to_owned();
        match *self {
            Announcement::Joined(who) => ServerEvent::ParticipantJoined {
                session,
                participant: who.info(),
            },
            Announcement::Left { who, .. } => ServerEvent::ParticipantLeft {
                session,
                participant: who.info(),
            },
            Announcement::Rejoined { who, .. } => ServerEvent::ParticipantRejoined {
                session,
                participant: who.info(),
            },
            Announcement::CustomerSelected { who, .. } => ServerEvent::CustomerSelected {
                session,
                participant: who.id.to_string(),
            },
        }
    }

    /// Plugins hear of customers coming back (a restart), not of a CSR's
    /// console reconnecting.
    pub fn plugin_event(&self, number: &str) -> Option<PluginEvent> {
        let session = number.to_owned();
        Some(match *self {
            Announcement::Joined(who) => PluginEvent::ParticipantJoined {
                session,
                participant: plugin_participant(who),
            },
            Announcement::Left { who, .. } => PluginEvent::ParticipantLeft {
                session,
                participant: plugin_participant(who),
            },
            Announcement::Rejoined { who, .. } if who.role == ParticipantRole::Customer => {
                PluginEvent::ParticipantRejoined {
                    session,
                    participant: plugin_participant(who),
                }
            }
            Announcement::Rejoined { .. } => return None,
            Announcement::CustomerSelected { who, .. } => PluginEvent::CustomerSelected {
                session,
                participant: plugin_participant(who),
            },
        })
    }
}

impl Sessions {
    /// Writes the report line, tells the session's pages and consoles, then
    /// the site's plugins.
    pub(crate) async fn announce(&self, number: &str, site: &str, what: Announcement<'_>) {
        let (kind, actor, detail) = what.report_line();
        self.record(number, kind, &actor, detail).await;
        self.broadcast_about(number, what.subject(), &what.event(number));
        if let Some(event) = what.plugin_event(number) {
            self.notify_plugins(site, event);
        }
        if matches!(what, Announcement::Joined(_) | Announcement::Left { .. }) {
            self.host_load_changed();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::ParticipantId;

    fn participant(role: ParticipantRole) -> LiveParticipant {
        LiveParticipant {
            id: ParticipantId::generate(),
            display_name: "Carl".into(),
            role,
            account_id: None,
            agent_capabilities: None,
            agent_rejoin: None,
            away: None,
            page_seen: true,
            agent_seen: false,
        }
    }

    #[test]
    fn each_announcement_has_its_line_its_event_and_its_plugin_event() {
        let carl = participant(ParticipantRole::Customer);
        let anna = participant(ParticipantRole::Host);
        let cases = [
            (
                Announcement::Joined(&carl),
                "participant.joined",
                "customer",
                "participant.joined",
                true,
            ),
            (
                Announcement::Left {
                    who: &carl,
                    how: Departure::Left,
                },
                "participant.left",
                "customer",
                "participant.left",
                true,
            ),
            (
                Announcement::Left {
                    who: &carl,
                    how: Departure::RemovedBy("Anna"),
                },
                "participant.left",
                "customer; removed by Anna",
                "participant.left",
                true,
            ),
            (
                Announcement::Left {
                    who: &carl,
                    how: Departure::NeverConnected,
                },
                "participant.left",
                "customer; the page never connected",
                "participant.left",
                true,
            ),
            (
                Announcement::Left {
                    who: &anna,
                    how: Departure::TransferredTo("Ben"),
                },
                "participant.left",
                "host; transferred to Ben",
                "participant.left",
                true,
            ),
            (
                Announcement::Rejoined {
                    who: &carl,
                    after: "back after restart",
                },
                "participant.rejoined",
                "back after restart",
                "participant.rejoined",
                true,
            ),
            (
                Announcement::Rejoined {
                    who: &anna,
                    after: "host came back",
                },
                "participant.rejoined",
                "host came back",
                "participant.rejoined",
                false,
            ),
            (
                Announcement::CustomerSelected {
                    by: "Anna",
                    who: &carl,
                },
                "customer.selected",
                "Carl",
                "customer.selected",
                true,
            ),
        ];
        for (what, kind, detail, event, plugins) in cases {
            let (line_kind, _, line_detail) = what.report_line();
            assert_eq!(
                (line_kind, line_detail.as_str()),
                (kind, detail),
                "{what:?}"
            );
            let message = tether_protocol::ServerMessage::event(&what.event("123456789"));
            assert_eq!(message.kind(), event, "{what:?}");
            assert_eq!(
                what.plugin_event("123456789").is_some(),
                plugins,
                "{what:?}"
            );
        }
    }
}
