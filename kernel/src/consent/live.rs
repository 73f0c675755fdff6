//! Consent as it stands right now: prompts waiting for the customer's
//! answer and the live grants of running sessions. The grants are held here
//! so that the check on every agent call reads no database; storage keeps
//! the record (written before a grant counts, revoked after it stopped
//! counting, so a revocation takes effect at once).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::oneshot;

use super::grants::{GrantScope, live_grant};
use crate::storage::{GrantRecord, Millis};

/// A prompt waiting for the customer's answer.
struct PendingPrompt {
    session: String,
    customer: String,
    answer: oneshot::Sender<bool>,
}

/// No prompt with that id is waiting for that participant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no such consent request is waiting (it may have timed out)")]
pub struct NoSuchPrompt;

/// Prompts and grants of every running session.
#[derive(Default)]
pub struct Consent {
    prompts: Mutex<HashMap<String, PendingPrompt>>,
    grants: Mutex<HashMap<String, Vec<GrantRecord>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means a panic elsewhere; the maps are intact.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Consent {
    /// Opens prompt `id`; the receiver gets the customer's answer.
    pub fn open_prompt(&self, id: &str, session: &str, customer: &str) -> oneshot::Receiver<bool> {
        let (answer, answered) = oneshot::channel();
        lock(&self.prompts).insert(
            id.to_owned(),
            PendingPrompt {
                session: session.to_owned(),
                customer: customer.to_owned(),
                answer,
            },
        );
        answered
    }

    /// The prompt is over (answered or timed out).
    pub fn close_prompt(&self, id: &str) {
        lock(&self.prompts).remove(id);
    }

    /// `participant` answers prompt `request`; only the customer asked may.
    pub fn answer(
        &self,
        participant: &str,
        request: &str,
        granted: bool,
    ) -> Result<(), NoSuchPrompt> {
        let mut prompts = lock(&self.prompts);
        match prompts.get(request) {
            Some(p) if p.customer == participant => {}
            _ => return Err(NoSuchPrompt),
        }
        if let Some(prompt) = prompts.remove(request) {
            let _ = prompt.answer.send(granted);
        }
        Ok(())
    }

    /// Makes a stored grant count.
    pub fn add_grant(&self, grant: GrantRecord) {
        lock(&self.grants)
            .entry(grant.session.clone())
            .or_default()
            .push(grant);
    }

    /// Whether a live grant covers `scope` at `now`.
    pub fn covers(&self, scope: GrantScope<'_>, now: Millis) -> bool {
        lock(&self.grants)
            .get(scope.session)
            .is_some_and(|grants| live_grant(grants, scope, now).is_some())
    }

    /// Stops grant `id` of `customer` counting; returns it, or `None` when
    /// the customer has no such live grant.
    pub fn revoke(
        &self,
        session: &str,
        customer: &str,
        id: &str,
        now: Millis,
    ) -> Option<GrantRecord> {
        let mut grants = lock(&self.grants);
        let list = grants.get_mut(session)?;
        let at = list
            .iter()
            .position(|g| g.id == id && g.customer == customer && g.revoked_at.is_none())?;
        let mut grant = list.remove(at);
        grant.revoked_at = Some(now);
        Some(grant)
    }

    /// Everything of a session that ended: its prompts stop waiting (their
    /// askers see a time-out) and its grants are gone.
    pub fn drop_session(&self, session: &str) {
        lock(&self.prompts).retain(|_, p| p.session != session);
        lock(&self.grants).remove(session);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tether_protocol::Capability;

    fn grant(id: &str, customer: &str) -> GrantRecord {
        GrantRecord {
            id: id.into(),
            session: "111111111".into(),
            customer: customer.into(),
            asked_by: "anna".into(),
            plugin: "scripts".into(),
            capability: Capability::ScriptRun.as_str().into(),
            granted_at: 0,
            expires_at: None,
            revoked_at: None,
        }
    }

    fn scope(customer: &str) -> GrantScope<'_> {
        GrantScope {
            session: "111111111",
            customer,
            host: "anna",
            plugin: "scripts",
            capability: Capability::ScriptRun,
        }
    }

    #[test]
    fn a_revoked_grant_stops_counting_at_once_and_only_its_customer_revokes_it() {
        let consent = Consent::default();
        consent.add_grant(grant("g1", "c1"));
        assert!(consent.covers(scope("c1"), 5));
        assert!(!consent.covers(scope("c2"), 5));
        assert!(consent.revoke("111111111", "c2", "g1", 6).is_none());
        assert!(consent.covers(scope("c1"), 6));
        let revoked = consent
            .revoke("111111111", "c1", "g1", 7)
            .expect("own grant");
        assert_eq!(revoked.revoked_at, Some(7));
        assert!(!consent.covers(scope("c1"), 8));
        assert!(consent.revoke("111111111", "c1", "g1", 9).is_none());
    }

    #[test]
    fn only_the_customer_asked_answers_and_an_ended_session_drops_everything() {
        let consent = Consent::default();
        let mut answered = consent.open_prompt("q1", "111111111", "c1");
        assert_eq!(consent.answer("c2", "q1", true), Err(NoSuchPrompt));
        assert_eq!(consent.answer("c1", "q1", true), Ok(()));
        assert_eq!(answered.try_recv(), Ok(true));
        assert_eq!(consent.answer("c1", "q1", false), Err(NoSuchPrompt));

        let mut waiting = consent.open_prompt("q2", "111111111", "c1");
        consent.add_grant(grant("g1", "c1"));
        consent.drop_session("111111111");
        assert!(waiting.try_recv().is_err());
        assert!(!consent.covers(scope("c1"), 0));
    }
}
