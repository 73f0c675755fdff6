//! A live session's participants, CSRs and customers kept apart: how many
//! customers a session holds, who hosts it and whom a customer's page is
//! told about are answered without walking every customer, however many
//! share the session.

use std::collections::BTreeMap;

use super::ids::ParticipantId;
use super::live::LiveParticipant;
use crate::storage::ParticipantRole;

#[derive(Debug, Clone, Default)]
pub struct Participants {
    /// Hosts and assistants (a session has a handful at most).
    staff: BTreeMap<ParticipantId, LiveParticipant>,
    customers: BTreeMap<ParticipantId, LiveParticipant>,
}

impl Participants {
    fn side(&mut self, role: ParticipantRole) -> &mut BTreeMap<ParticipantId, LiveParticipant> {
        match role {
            ParticipantRole::Customer => &mut self.customers,
            ParticipantRole::Host | ParticipantRole::Assistant => &mut self.staff,
        }
    }

    pub fn insert(&mut self, participant: LiveParticipant) {
        self.side(participant.role)
            .insert(participant.id.clone(), participant);
    }

    pub fn remove(&mut self, id: &str) -> Option<LiveParticipant> {
        self.staff.remove(id).or_else(|| self.customers.remove(id))
    }

    pub fn get(&self, id: &str) -> Option<&LiveParticipant> {
        self.staff.get(id).or_else(|| self.customers.get(id))
    }

    /// For changes other than the role, which goes through [`Self::set_role`].
    pub fn get_mut(&mut self, id: &str) -> Option<&mut LiveParticipant> {
        match self.staff.get_mut(id) {
            Some(participant) => Some(participant),
            None => self.customers.get_mut(id),
        }
    }

    /// Gives a participant another role; `None` when they are not here.
    pub fn set_role(&mut self, id: &str, role: ParticipantRole) -> Option<&LiveParticipant> {
        let mut participant = self.remove(id)?;
        participant.role = role;
        let id = participant.id.clone();
        self.insert(participant);
        self.get(&id)
    }

    /// Everyone: the CSRs first, then the customers.
    pub fn values(&self) -> impl Iterator<Item = &LiveParticipant> {
        self.staff.values().chain(self.customers.values())
    }

    pub fn keys(&self) -> impl Iterator<Item = &ParticipantId> {
        self.staff.keys().chain(self.customers.keys())
    }

    /// The session's CSRs: host and assistants.
    pub fn staff(&self) -> impl Iterator<Item = &LiveParticipant> {
        self.staff.values()
    }

    pub fn customers(&self) -> impl Iterator<Item = &LiveParticipant> {
        self.customers.values()
    }

    pub fn customer_count(&self) -> usize {
        self.customers.len()
    }

    pub fn host(&self) -> Option<&LiveParticipant> {
        self.staff
            .values()
            .find(|p| p.role == ParticipantRole::Host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn someone(role: ParticipantRole) -> LiveParticipant {
        LiveParticipant::entering("Carl", role, None)
    }

    #[test]
    fn customers_are_counted_and_kept_apart_from_csrs() {
        let mut participants = Participants::default();
        let host = someone(ParticipantRole::Host);
        let carl = someone(ParticipantRole::Customer);
        let dora = someone(ParticipantRole::Customer);
        participants.insert(host.clone());
        participants.insert(carl.clone());
        participants.insert(dora.clone());
        assert_eq!(participants.customer_count(), 2);
        assert_eq!(participants.staff().count(), 1);
        assert_eq!(participants.values().count(), 3);
        assert_eq!(participants.host().map(|p| &p.id), Some(&host.id));
        assert_eq!(
            participants.remove(&carl.id).map(|p| p.id),
            Some(carl.id.clone())
        );
        assert_eq!(participants.customer_count(), 1);
        assert!(participants.remove(&carl.id).is_none(), "gone already");
        assert!(participants.get(&dora.id).is_some());
    }

    #[test]
    fn a_role_change_moves_the_participant() {
        let mut participants = Participants::default();
        let host = someone(ParticipantRole::Host);
        let assistant = someone(ParticipantRole::Assistant);
        participants.insert(host.clone());
        participants.insert(assistant.clone());
        participants.set_role(&host.id, ParticipantRole::Assistant);
        participants.set_role(&assistant.id, ParticipantRole::Host);
        assert_eq!(participants.host().map(|p| &p.id), Some(&assistant.id));
        assert_eq!(participants.customer_count(), 0);
        assert!(
            participants
                .set_role("nobody", ParticipantRole::Host)
                .is_none()
        );
        assert!(participants.host().is_some_and(|p| p.id == assistant.id));
    }
}
