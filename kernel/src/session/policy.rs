//! Who may do what in a session, and the site's session rules (pure).

use crate::storage::{ParticipantRole, SessionMode};

/// Something a participant asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See who is in the session and what happens in it.
    View,
    /// Plugin commands, selecting a customer, passing control, ending.
    Drive,
    Chat,
    Leave,
}

/// Why an action or a join is refused; the message is for the person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("only the CSR in control of the session can do that")]
    NotHost,
    #[error("the CSR in control cannot leave: pass control to another CSR or end the session")]
    HostCannotLeave,
    #[error("the CSR in control cannot be removed from the session")]
    HostCannotBeRemoved,
    #[error(
        "this session already has its customer; in multi-session mode each customer gets a session of their own, so ask the CSR for a new session number"
    )]
    MultiSessionTaken,
    #[error("the CSR is already assisting {current} customers, the most this site allows at once")]
    TooManyCustomers { current: u32 },
}

pub fn check(role: ParticipantRole, action: Action) -> Result<(), PolicyError> {
    match (action, role) {
        (Action::View | Action::Chat, _) => Ok(()),
        (Action::Drive, ParticipantRole::Host) => Ok(()),
        (Action::Drive, _) => Err(PolicyError::NotHost),
        (Action::Leave, ParticipantRole::Host) => Err(PolicyError::HostCannotLeave),
        (Action::Leave, _) => Ok(()),
    }
}

/// Whether a participant of `by` may remove one of `target`: the host may
/// remove anyone but themselves.
pub fn check_removal(by: ParticipantRole, target: ParticipantRole) -> Result<(), PolicyError> {
    check(by, Action::Drive)?;
    if target == ParticipantRole::Host {
        return Err(PolicyError::HostCannotBeRemoved);
    }
    Ok(())
}

/// Whether one more customer may join a session of `mode` that has
/// `customers_in_session`, hosted by a CSR who assists `customers_of_host`
/// customers in all their sessions, on a site allowing `max_per_csr`.
pub fn check_customer_join(
    mode: SessionMode,
    customers_in_session: u32,
    customers_of_host: u32,
    max_per_csr: u32,
) -> Result<(), PolicyError> {
    if mode == SessionMode::Multi && customers_in_session >= 1 {
        return Err(PolicyError::MultiSessionTaken);
    }
    if customers_of_host >= max_per_csr {
        return Err(PolicyError::TooManyCustomers {
            current: customers_of_host,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ParticipantRole::*;

    #[test]
    fn only_the_host_drives_and_the_host_cannot_just_leave() {
        assert_eq!(check(Host, Action::Drive), Ok(()));
        assert_eq!(check(Assistant, Action::Drive), Err(PolicyError::NotHost));
        assert_eq!(check(Customer, Action::Drive), Err(PolicyError::NotHost));
        assert_eq!(check(Customer, Action::Chat), Ok(()));
        assert_eq!(
            check(Host, Action::Leave),
            Err(PolicyError::HostCannotLeave)
        );
        assert_eq!(check(Assistant, Action::Leave), Ok(()));
    }

    #[test]
    fn the_host_removes_anyone_but_themselves() {
        let table = [
            (Host, Customer, Ok(())),
            (Host, Assistant, Ok(())),
            (Host, Host, Err(PolicyError::HostCannotBeRemoved)),
            (Assistant, Customer, Err(PolicyError::NotHost)),
            (Customer, Customer, Err(PolicyError::NotHost)),
        ];
        for (by, target, expected) in table {
            assert_eq!(
                check_removal(by, target),
                expected,
                "{by:?} removes {target:?}"
            );
        }
    }

    #[test]
    fn joins_follow_the_mode_and_the_site_maximum() {
        assert_eq!(check_customer_join(SessionMode::Single, 3, 3, 5), Ok(()));
        assert_eq!(
            check_customer_join(SessionMode::Multi, 1, 1, 5),
            Err(PolicyError::MultiSessionTaken)
        );
        assert_eq!(check_customer_join(SessionMode::Multi, 0, 1, 5), Ok(()));
        assert_eq!(
            check_customer_join(SessionMode::Single, 2, 2, 2),
            Err(PolicyError::TooManyCustomers { current: 2 })
        );
    }
}
