//! Who drives the session: selecting the customer, passing control, chat,
//! and the checks the console's commands go through.

use serde_json::{Value, json};
use tether_protocol::{Detail, ServerEvent};

use super::announce::Announcement;
use super::error::SessionError;
use super::lifecycle::plugin_participant;
use super::policy::{self, Action};
use super::{ParticipantId, Sessions};
use crate::activity::{EndReason, Scope};
use crate::plugin_host::services::{Participant, PluginEvent};
use crate::storage::{Account, ParticipantRole};

impl Sessions {
    /// The participant id of `account` in session `number`, checked for
    /// `action`.
    pub fn authorize(
        &self,
        account: &Account,
        number: &str,
        action: Action,
    ) -> Result<ParticipantId, SessionError> {
        self.with_live(number, |s| {
            let p = s
                .participant_of_account(account.id)
                .ok_or_else(|| SessionError::UnknownSession(number.to_string()))?;
            policy::check(p.role, action)?;
            Ok(p.id.clone())
        })
    }

    /// Participants, host, mode and selected customer, for the console.
    pub fn info(&self, number: &str) -> Result<Value, SessionError> {
        let mut info = self.with_live(number, |s| {
            Ok(json!({
                "session": s.number,
                "mode": s.mode.as_str(),
                "host": s.host().map(|h| h.id.clone()),
                "selected_customer": s.selected_customer,
                "participants": s.participants.values().map(|p| p.info()).collect::<Vec<_>>(),
                // Who has a helper program connected, and what it offers
                // (the host's console learns its own agent is there).
                "agents": s.participants.values()
                    .filter_map(|p| Some((p.id.to_string(), json!(p.agent_capabilities.as_ref()?))))
                    .collect::<serde_json::Map<String, Value>>(),
            }))
        })?;
        // What is shared now, as `stream.opened` bodies: a console that
        // attaches (assisting, resuming after a reload) routes frames and
        // tells its panels from these.
        let streams: Vec<Value> = self
            .streams_in(number)
            .into_iter()
            .filter_map(|event| serde_json::to_value(event).ok())
            .map(|mut event| event["body"].take())
            .collect();
        info["streams"] = Value::Array(streams);
        Ok(info)
    }

    /// The participants a customer's page or agent is told of: the
    /// session's CSRs and the customer themself (see `broadcast_about`),
    /// so a welcome stays small however many customers share the session.
    pub fn participants_seen_by_customer(
        &self,
        number: &str,
        customer: &str,
    ) -> Result<Vec<tether_protocol::ParticipantInfo>, SessionError> {
        self.with_live(number, |s| {
            let them = s.participant(customer);
            Ok(s.staff().chain(them).map(|p| p.info()).collect())
        })
    }

    /// Participants as plugins see them.
    pub fn plugin_participants(&self, number: &str) -> Result<Vec<Participant>, SessionError> {
        self.with_live(number, |s| {
            Ok(s.participants.values().map(plugin_participant).collect())
        })
    }

    /// The host chooses the customer to work with; anything shared with the
    /// previous one ends.
    pub async fn select_customer(
        &self,
        number: &str,
        by: &str,
        customer: &str,
    ) -> Result<(), SessionError> {
        let (site, previous, chosen) = self.with_live(number, |s| {
            let host = s
                .participant(by)
                .ok_or_else(|| SessionError::UnknownSession(number.to_string()))?;
            policy::check(host.role, Action::Drive)?;
            let chosen = s
                .participant(customer)
                .filter(|p| p.role == ParticipantRole::Customer)
                .cloned()
                .ok_or_else(|| SessionError::NoSuchCustomer(customer.to_owned()))?;
            let previous = s.selected_customer.replace(chosen.id.clone());
            Ok((s.site.clone(), previous, chosen))
        })?;
        if previous.as_deref() == Some(customer) {
            return Ok(());
        }
        // Whatever ran with the previous customer ends first, so the
        // newly selected one starts clean.
        if previous.is_some() {
            self.end_session_activities(number, &site, EndReason::CustomerSelected)
                .await;
        }
        let selected = Announcement::CustomerSelected { by, who: &chosen };
        self.announce(number, &site, selected).await;
        Ok(())
    }

    /// The host gives control to another CSR of the session (an assistant),
    /// who can give it back the same way. Every support activity ends.
    pub async fn pass_control(&self, number: &str, by: &str, to: &str) -> Result<(), SessionError> {
        let (site, from_name, to_name) = self.with_live(number, |s| {
            let from = s
                .participant(by)
                .ok_or_else(|| SessionError::UnknownSession(number.to_string()))?;
            policy::check(from.role, Action::Drive)?;
            let target = s
                .participant(to)
                .ok_or_else(|| SessionError::NoSuchParticipant(to.to_owned()))?;
            if target.role != ParticipantRole::Assistant {
                return Err(SessionError::ControlOnlyToCsr);
            }
            let names = (from.display_name.clone(), target.display_name.clone());
            s.participants.set_role(by, ParticipantRole::Assistant);
            s.participants.set_role(to, ParticipantRole::Host);
            Ok((s.site.clone(), names.0, names.1))
        })?;
        self.storage
            .set_participant_role(by, ParticipantRole::Assistant)
            .await?;
        self.storage
            .set_participant_role(to, ParticipantRole::Host)
            .await?;
        self.record(
            number,
            "control.passed",
            &from_name,
            format!("to {to_name}"),
        )
        .await;
        self.end_session_activities(number, &site, EndReason::ControlPassed)
            .await;
        self.host_load_changed();
        self.broadcast(
            number,
            &ServerEvent::ControlPassed {
                session: number.to_owned(),
                from: by.to_owned(),
                to: to.to_owned(),
            },
            false,
        );
        Ok(())
    }

    /// A session-wide rule ends every support activity: the kernel ends
    /// them itself, then tells everyone and the site's plugins.
    pub(crate) async fn end_session_activities(&self, number: &str, site: &str, reason: EndReason) {
        self.end_activities(Scope::Session { session: number }, reason)
            .await;
        self.broadcast(
            number,
            &ServerEvent::ActivitiesEnded {
                session: number.to_owned(),
                reason: reason.describe().to_owned(),
            },
            true,
        );
        self.notify_plugins(
            site,
            PluginEvent::ActivitiesEnded {
                session: number.to_owned(),
            },
        );
    }

    /// Chat from any participant to everyone in the session.
    pub async fn chat(&self, number: &str, from: &str, text: &str) -> Result<(), SessionError> {
        self.require_storage()?;
        let name = self.with_live(number, |s| {
            let p = s
                .participant(from)
                .ok_or_else(|| SessionError::UnknownSession(number.to_string()))?;
            policy::check(p.role, Action::Chat)?;
            Ok(p.display_name.clone())
        })?;
        self.post_chat(number, from, &name, text).await;
        Ok(())
    }

    /// Puts a line in the chat of everyone in the session, and in the report.
    pub(crate) async fn post_chat(&self, number: &str, from: &str, display_name: &str, text: &str) {
        self.post_chat_line(number, from, display_name, text, None)
            .await;
    }

    /// A chat line; `detail` where the kernel wrote `text` itself, for
    /// each reader to see it in their language (the report keeps `text`).
    pub(crate) async fn post_chat_line(
        &self,
        number: &str,
        from: &str,
        display_name: &str,
        text: &str,
        detail: Option<Detail>,
    ) {
        self.record(number, "chat", display_name, text).await;
        let at = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
        let event = ServerEvent::Chat {
            session: number.to_owned(),
            from: from.to_owned(),
            display_name: display_name.to_owned(),
            text: text.to_owned(),
            at,
            detail,
        };
        self.broadcast(number, &event, false);
    }
}
