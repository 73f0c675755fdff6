//! Taking over a session whose node stopped answering (a node among
//! several): another node claims it once the old lease ran out (exactly
//! one wins, `cluster/owners.rs`) and runs it again from what is stored —
//! the participants still in it with their roles, and the permissions the
//! customers gave. Nobody is connected to it yet: everyone gets the grace
//! period to come back (their consoles, pages and agents reconnect through
//! the load balancer), as after any lost connection. What was running on
//! the old node when it stopped — agent calls, shares — is reported as
//! interrupted.

use std::sync::Arc;

use super::error::SessionError;
use super::ids::{ParticipantId, SessionNumber};
use super::live::{LiveParticipant, LiveSession};
use super::{Sessions, number};
use crate::activity::Scope;
use crate::routing::Endpoint;
use crate::storage::{
    ParticipantRecord, ParticipantRole, SessionRecord, SessionStatus, now_millis, outcome,
};

/// A stored participant, as the session runs again: they had connected
/// (so a join token no longer opens an agent without a code), and have
/// not yet come back.
fn returning(record: &ParticipantRecord) -> LiveParticipant {
    LiveParticipant {
        id: ParticipantId::stored(record.id.clone()),
        display_name: record.display_name.clone(),
        role: record.role,
        account_id: record.account_id,
        agent_capabilities: None,
        agent_rejoin: None,
        away: None,
        page_seen: true,
        agent_seen: true,
    }
}

impl Sessions {
    /// This node lost its claim on `number` (it was cut off from the
    /// others for longer than its lease): it stops running the session
    /// without ending it — the record stays as it is, for the node that
    /// takes it over — and closes the connections of everyone in it, so
    /// they connect again and reach that node.
    pub fn let_go(&self, number: &str) {
        let Some(session) = self.with_all_live(|sessions| sessions.remove(number)) else {
            return;
        };
        let scope = Scope::Session { session: number };
        // What ran here is the next owner's to report, from the record.
        drop(self.activities.take_all(&scope));
        drop(self.streams.take_all(&scope));
        self.consent.drop_session(number);
        self.lock_agent_codes().forget(number, None);
        for id in session.participants.keys() {
            self.router.close(&Endpoint::ui(id));
            self.router.close(&Endpoint::agent(id));
        }
        self.host_load_changed();
        tracing::warn!(
            session = number,
            "lost the claim on a session: no longer running it here"
        );
    }

    /// Runs session `number` (as typed) here if it is active and no live
    /// node owns it; `true` when it runs here now (also when it was being
    /// taken over here already: this waits for that).
    pub async fn take_over(self: &Arc<Self>, number: &str) -> Result<bool, SessionError> {
        let Some(number) = number::parse(number) else {
            return Ok(false);
        };
        if self.runs_here(&number) {
            return Ok(true);
        }
        let _one_at_a_time = self.taking_over.lock().await;
        if self.runs_here(&number) {
            return Ok(true);
        }
        let stored = self.storage.session(&number).await?;
        let Some(stored) = stored.filter(|s| s.status == SessionStatus::Active) else {
            return Ok(false);
        };
        let claimed = self.ownership.claim_new(&number).await.map_err(|error| {
            SessionError::from(crate::storage::StorageError::Backend(error.to_string()))
        })?;
        if !claimed {
            return Ok(false);
        }
        let restored = self.restore(&number, &stored).await;
        if let Err(error) = &restored {
            tracing::error!(session = %number, %error, "a session taken over could not be restored");
            self.ownership.release(&number).await;
        }
        restored.map(|()| self.runs_here(&number))
    }

    async fn restore(
        self: &Arc<Self>,
        number: &SessionNumber,
        stored: &SessionRecord,
    ) -> Result<(), SessionError> {
        let (site, mode) = (stored.site.as_str(), stored.mode);
        let participants: Vec<ParticipantRecord> = self
            .storage
            .participants(number)
            .await?
            .into_iter()
            .filter(|p| p.left_at.is_none())
            .collect();
        let now = now_millis();
        let grants: Vec<_> = self
            .storage
            .grants(number)
            .await?
            .into_iter()
            .filter(|g| g.revoked_at.is_none() && g.expires_at.is_none_or(|at| at > now))
            .collect();
        let report = self.report_lines(number).await?;

        let mut live: Option<LiveSession> = None;
        for record in &participants {
            let participant = returning(record);
            match live.as_mut() {
                None => live = Some(LiveSession::begun(number, site, mode, &participant)),
                Some(session) => session.participants.insert(participant),
            }
        }
        // A session with nobody left in it, or with customers but no CSR
        // any more, cannot go on. One a customer opened from a public page
        // has no CSR yet and goes on waiting: the plugins' records (a
        // WebACD queue's line) are shared by the nodes.
        let waiting = stored.started_by.is_none();
        let Some(live) = live.filter(|s| s.host().is_some() || waiting) else {
            let reason = "the server running the session stopped while no CSR was in it";
            self.storage
                .end_session(number, now, reason, outcome::SERVER_STOPPED)
                .await?;
            self.record(number, "session.ended", "", reason).await;
            self.ownership.release(number).await;
            return Ok(());
        };
        let host = live.host().map(|h| h.id.to_string());
        let staff: Vec<String> = live
            .staff()
            .filter(|p| p.role == ParticipantRole::Assistant)
            .map(|p| p.id.to_string())
            .collect();
        let customers: Vec<String> = live.customers().map(|p| p.id.to_string()).collect();
        self.with_all_live(|sessions| sessions.insert(number.clone(), live));
        for grant in grants {
            self.consent.add_grant(grant);
        }

        let node = self.ownership.health().map(|h| h.node).unwrap_or_default();
        tracing::warn!(session = %number, node, "took over a session whose node stopped answering");
        self.record(
            number,
            "session.taken_over",
            &node,
            "the server running the session stopped answering; another took it over",
        )
        .await;
        self.report_interrupted(number, &report).await;

        // Everyone has the grace period to come back.
        if let Some(host) = host {
            self.wait_for_host(number, &host).await;
        }
        for customer in customers {
            self.leave_if_still_absent(number, &customer);
        }
        let grace = self.settings.grace;
        for assistant in staff {
            let sessions = Arc::clone(self);
            let number = number.to_string();
            tokio::spawn(async move {
                tokio::time::sleep(grace).await;
                if !sessions.router.is_connected(&Endpoint::ui(&assistant)) {
                    let _ = sessions.leave(&number, &assistant).await;
                }
            });
        }
        self.host_load_changed();
        Ok(())
    }
}
