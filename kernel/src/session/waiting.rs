//! Sessions waiting for a CSR: a customer who came through a plugin's
//! public page (a queue's entry page) is put in a session of their own with
//! no host, and waits there until a hand-over gives it one
//! (`hand_over.rs`), or leaves — and the session ends with them.
//!
//! Until then nobody else may come in: customers cannot join it by number
//! and CSRs cannot assist it (`lifecycle.rs`); it counts as no CSR's
//! customers.

use std::net::IpAddr;
use std::sync::Arc;

use super::Sessions;
use super::announce::Announcement;
use super::error::SessionError;
use super::lifecycle::{JoinedCustomer, check_display_name, record_of};
use super::live::{LiveParticipant, LiveSession};
use crate::storage::{ParticipantRole, now_millis, outcome};
use crate::token::{hash_token, random_token};

impl Sessions {
    /// Opens a session on `site` without a host, with the customer named
    /// `display_name` as its one participant, for a public page's caller at
    /// `client` (counted as a join from that address). `plugin` is the
    /// plugin that opened it, for the report. The token is the customer's,
    /// as `POST /api/join` gives it.
    pub async fn open_waiting(
        self: &Arc<Self>,
        site: &str,
        plugin: &str,
        display_name: &str,
        client: IpAddr,
    ) -> Result<JoinedCustomer, SessionError> {
        self.require_storage()?;
        let display_name = check_display_name(display_name)?;
        let mode = self
            .sites
            .snapshot()
            .site(site)
            .map(|site| site.settings.session_mode)
            .ok_or_else(|| SessionError::SiteNotConfigured(site.to_owned()))?;
        self.count_successful_join(client)?;
        let number = self.create_session_record(site, mode, None).await?;
        let customer = LiveParticipant::entering(display_name, ParticipantRole::Customer, None);
        let token = random_token();
        let stored = self
            .storage
            .add_participant(record_of(&number, &customer, Some(hash_token(&token))))
            .await;
        if let Err(error) = stored {
            // The session record stays, ended: nobody can be in it.
            let _ = self
                .storage
                .end_session(
                    &number,
                    now_millis(),
                    "the customer could not be recorded",
                    outcome::NOT_RECORDED,
                )
                .await;
            return Err(error.into());
        }
        let live = LiveSession::begun(&number, site, mode, &customer);
        self.with_all_live(|sessions| sessions.insert(number.clone(), live));
        crate::telemetry::session_started(crate::telemetry::Started::Waiting);
        self.record(
            &number,
            "session.waiting",
            &customer.display_name,
            format!(
                "mode: {mode}; site: {site}; from the public page of {plugin}; waiting for a CSR"
            ),
        )
        .await;
        self.announce(&number, site, Announcement::Joined(&customer))
            .await;
        tracing::info!(session = %number, participant = %customer.id, plugin, "a customer is waiting for a CSR");
        self.expire_if_never_connected(&number, &customer.id);
        Ok(JoinedCustomer {
            session: number,
            participant: customer.id,
            token,
        })
    }
}
