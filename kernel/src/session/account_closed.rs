//! A CSR whose account a site admin disabled or deleted leaves every
//! session this node runs at once: the sessions they host end, the others
//! go on without them. Each report says who closed the account.

use super::Sessions;
use super::announce::Departure;
use super::ending::Ending;
use super::ids::{ParticipantId, SessionNumber};
use crate::storage::ParticipantRole;

impl Sessions {
    /// Takes the CSR of `account` (display name `csr`) out of every
    /// session here, as closed by the site admin `by`.
    pub async fn account_closed(&self, account: i64, csr: &str, by: &str) {
        let parts: Vec<(SessionNumber, ParticipantId, bool)> = self.with_all_live(|live| {
            live.iter()
                .filter_map(|(number, session)| {
                    session.participant_of_account(account).map(|p| {
                        (
                            number.clone(),
                            p.id.clone(),
                            p.role == ParticipantRole::Host,
                        )
                    })
                })
                .collect()
        });
        for (number, participant, hosts) in parts {
            let done = if hosts {
                let ending = Ending::AccountClosed {
                    csr: csr.to_owned(),
                    by: by.to_owned(),
                };
                self.end(&number, ending).await
            } else {
                let how = Departure::AccountClosed { csr, by };
                self.depart(&number, &participant, how, |_| Ok(())).await
            };
            if let Err(error) = done {
                // Ended or left meanwhile: nothing of theirs is left there.
                tracing::info!(session = %number, %error, "a closed account's session had already changed");
            }
        }
    }
}
