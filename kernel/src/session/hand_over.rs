//! Handing a session's host role to another CSR (a WebACD transfer, or a
//! waiting customer taken by an agent): the CSR becomes the host — in
//! place if they assist the session, else as a new participant — and the
//! previous host, if any, leaves it. Whatever ran ends and every permission
//! given ends with it (the new host asks again); the customers' pages and
//! agents stay connected.

use std::collections::HashMap;
use std::sync::Arc;

use tether_protocol::ServerEvent;

use super::announce::{Announcement, Departure};
use super::error::SessionError;
use super::lifecycle::{customers_hosted_by, record_of};
use super::live::{LiveParticipant, LiveSession};
use super::{ParticipantId, SessionNumber, Sessions};
use crate::activity::EndReason;
use crate::desk::rules::{HandOverFacts, check_hand_over};
use crate::routing::Endpoint;
use crate::site::SiteTable;
use crate::storage::{Account, ParticipantRole, now_millis};

/// What the rules need to know of the CSR beyond this node's sessions.
#[derive(Debug, Clone, Copy)]
struct HostLoad {
    /// A console of theirs is open (on any node).
    console_open: bool,
    /// Customers they host on the other nodes.
    hosted_elsewhere: u32,
}

/// What a hand-over finds when it is allowed.
struct Allowed {
    /// The CSR's participant when they assist the session already.
    assistant: Option<ParticipantId>,
}

/// Whether session `number` may go to `account` now (the rules of
/// `desk/rules.rs`, with the facts of the live sessions).
fn allowed(
    sessions: &HashMap<SessionNumber, LiveSession>,
    sites: &SiteTable,
    number: &str,
    account: &Account,
    load: HostLoad,
) -> Result<Allowed, SessionError> {
    let session = sessions
        .get(number)
        .ok_or_else(|| SessionError::UnknownSession(number.to_owned()))?;
    let max_per_csr = sites
        .site(&session.site)
        .map(|site| site.settings.max_customers_per_csr)
        .ok_or_else(|| SessionError::UnknownSession(number.to_owned()))?;
    let mine = session.participant_of_account(account.id);
    let facts = HandOverFacts {
        csr: &account.display_name,
        console_open: load.console_open,
        already_host: mine.is_some_and(|p| p.role == ParticipantRole::Host),
        customers_of_csr: customers_hosted_by(sessions.values(), account.id)
            .saturating_add(load.hosted_elsewhere),
        customers_in_session: session.customers().count() as u32,
        max_per_csr,
    };
    check_hand_over(facts)?;
    Ok(Allowed {
        assistant: mine.map(|p| p.id.clone()),
    })
}

impl Sessions {
    /// Makes `account` (a CSR of the session's site; `console_open` says
    /// whether a console of theirs is open on any node) the host of session
    /// `number`. The new host's participant id; a console of theirs on this
    /// node carries the session at once (the desk tells all of their
    /// consoles, wherever they are, with `session.assigned`).
    pub async fn hand_over(
        self: &Arc<Self>,
        number: &str,
        account: &Account,
        console_open: bool,
    ) -> Result<ParticipantId, SessionError> {
        self.require_storage()?;
        let load = HostLoad {
            console_open,
            hosted_elsewhere: self.hosted_elsewhere(account.id),
        };
        let check = |sessions: &HashMap<SessionNumber, LiveSession>| {
            allowed(sessions, &self.sites.snapshot(), number, account, load)
        };
        // Checked first without changing anything, so a new host is
        // recorded only for a hand-over that can happen; checked again as
        // it happens, in one step with the change.
        let first = self.with_all_live(|sessions| check(sessions))?;
        let joining = match first.assistant {
            Some(_) => None,
            None => {
                let host = LiveParticipant::entering(
                    &account.display_name,
                    ParticipantRole::Host,
                    Some(account.id),
                );
                self.storage
                    .add_participant(record_of(number, &host, None))
                    .await?;
                Some(host)
            }
        };
        let changed = self.with_all_live(|sessions| {
            let now = check(sessions)?;
            let session = sessions
                .get_mut(number)
                .ok_or_else(|| SessionError::UnknownSession(number.to_owned()))?;
            let new_host = match (&joining, now.assistant) {
                (Some(host), None) => {
                    session.participants.insert(host.clone());
                    host.clone()
                }
                (None, Some(assistant)) => session
                    .participants
                    .set_role(&assistant, ParticipantRole::Host)
                    .cloned()
                    .ok_or_else(|| SessionError::NoSuchParticipant(assistant.to_string()))?,
                // The CSR came in or went out between the two checks (they
                // assisted, or left): nothing is changed.
                (Some(_), Some(_)) => return Err(SessionError::AlreadyInSession),
                (None, None) => {
                    return Err(SessionError::NoSuchParticipant(
                        account.display_name.clone(),
                    ));
                }
            };
            let previous = session
                .participants
                .staff()
                .find(|p| p.role == ParticipantRole::Host && p.id != new_host.id)
                .map(|p| p.id.clone());
            let previous = previous.and_then(|id| session.participants.remove(&id));
            // A host's grace period ends with them.
            session.host_away = None;
            Ok((session.site.clone(), previous, new_host))
        });
        let (site, previous, new_host) = match changed {
            Ok(changed) => changed,
            Err(error) => {
                if let Some(host) = &joining
                    && let Err(storage) =
                        self.storage.participant_left(&host.id, now_millis()).await
                {
                    tracing::error!(%storage, "could not record that a refused host never came");
                }
                return Err(error);
            }
        };
        self.record_hand_over(&new_host, previous.as_ref(), joining.is_none())
            .await;
        self.record(
            number,
            "session.transferred",
            previous.as_ref().map_or("", |p| p.display_name.as_str()),
            match &previous {
                Some(from) => format!("from {} to {}", from.display_name, new_host.display_name),
                None => format!("waiting → {}", new_host.display_name),
            },
        )
        .await;
        self.end_session_activities(number, &site, EndReason::Transferred)
            .await;
        self.revoke_every_grant(number).await;
        if let Some(previous) = &previous {
            self.previous_host_leaves(number, &site, previous, &new_host.display_name)
                .await;
        }
        if joining.is_some() {
            self.announce(number, &site, Announcement::Joined(&new_host))
                .await;
        }
        // The new host's console carries the session before anyone hears
        // of the change, so it hears it too.
        if let Some(console) = self
            .router
            .newest_account_console(account.id)
            .and_then(|console| console.console.upgrade())
        {
            console.take_part(number, &new_host.id);
        }
        self.broadcast(
            number,
            &ServerEvent::SessionTransferred {
                session: number.to_owned(),
                from: previous.as_ref().map(|p| p.id.to_string()),
                to: new_host.info(),
            },
            false,
        );
        self.host_load_changed();
        tracing::info!(
            session = number,
            csr = %account.username,
            from = previous.as_ref().map(|p| p.display_name.as_str()),
            "session handed over"
        );
        Ok(new_host.id)
    }

    /// Storage follows the roles that changed: the promoted assistant is
    /// the host, the previous host has left. The live session already
    /// changed; a failure here is a gap in the record, reported as one.
    async fn record_hand_over(
        &self,
        new_host: &LiveParticipant,
        previous: Option<&LiveParticipant>,
        promoted: bool,
    ) {
        let mut failures = Vec::new();
        if promoted
            && let Err(error) = self
                .storage
                .set_participant_role(&new_host.id, ParticipantRole::Host)
                .await
        {
            failures.push(error);
        }
        if let Some(previous) = previous
            && let Err(error) = self
                .storage
                .participant_left(&previous.id, now_millis())
                .await
        {
            failures.push(error);
        }
        for error in failures {
            tracing::error!(%error, "could not record a hand-over");
            self.health.failed(error.to_string());
        }
    }

    /// The previous host is out of the session: the others and the plugins
    /// hear they left, and their console and agent that the session ended
    /// for them (transferred to `to`).
    async fn previous_host_leaves(
        &self,
        number: &str,
        site: &str,
        previous: &LiveParticipant,
        to: &str,
    ) {
        self.lock_agent_codes().forget(number, Some(&previous.id));
        let how = Departure::TransferredTo(to);
        self.announce(number, site, Announcement::Left { who: previous, how })
            .await;
        let (to_console, to_agent) = how.told();
        for (endpoint, reason, detail) in [
            (Endpoint::ui(&previous.id), to_console, Some(how.detail())),
            (Endpoint::agent(&previous.id), to_agent, None),
        ] {
            let ended = ServerEvent::SessionEnded {
                session: number.to_owned(),
                reason,
                detail,
            };
            self.send_event(&endpoint, &ended);
        }
    }

    /// Every permission given in the session ends, as if each customer had
    /// withdrawn it: their pages and agents hear `consent.revoked`, the
    /// report says why. Questions still waiting were the previous host's:
    /// they stop waiting (their askers see a time-out).
    async fn revoke_every_grant(&self, number: &str) {
        let stored = match self.storage.grants(number).await {
            Ok(stored) => stored,
            Err(error) => {
                tracing::error!(%error, session = number, "could not read the grants to revoke");
                Vec::new()
            }
        };
        let now = now_millis();
        for grant in stored.into_iter().filter(|g| g.revoked_at.is_none()) {
            let Some(revoked) = self.consent.revoke(number, &grant.customer, &grant.id, now) else {
                continue;
            };
            if let Err(error) = self.storage.revoke_grant(&revoked.id, now).await {
                // It no longer counts here; the record says so at the next write.
                tracing::error!(%error, "could not record a revoked consent grant");
            }
            self.record(
                number,
                "consent.revoked",
                "",
                format!(
                    "{} ({} for {}): the session was transferred",
                    revoked.id, revoked.capability, revoked.plugin
                ),
            )
            .await;
            self.broadcast(
                number,
                &ServerEvent::ConsentRevoked {
                    session: number.to_owned(),
                    grant: revoked.id.clone(),
                },
                true,
            );
        }
        self.consent.drop_session(number);
    }
}
