//! `tether:plugin/atomic-store@0.2.0`, `csrs`, `offers` and `desk`.

use super::tether::plugin0_2_0::{atomic_store, csrs, desk, events, offers};
use crate::plugin_host::interfaces;
use crate::plugin_host::services::{
    Availability, CsrPresence, CsrsError, DeskError, OfferDetails, OfferError,
};
use crate::plugin_host::state::PluginState;
use crate::plugin_host::wit::since_v0_1::tether::plugin::store::StoreError;

impl atomic_store::Host for PluginState {
    async fn compare_and_swap(
        &mut self,
        key: String,
        expected: Option<Vec<u8>>,
        value: Option<Vec<u8>>,
    ) -> Result<bool, StoreError> {
        Ok(interfaces::store::compare_and_swap(self, key, expected, value).await?)
    }
}

impl csrs::Host for PluginState {
    async fn presence(&mut self) -> Result<Vec<events::CsrPresence>, csrs::CsrsError> {
        Ok(interfaces::desk::presence(self)
            .await?
            .into_iter()
            .map(presence)
            .collect())
    }

    async fn csr(&mut self, username: String) -> Result<events::CsrPresence, csrs::CsrsError> {
        Ok(presence(interfaces::desk::csr(self, username).await?))
    }

    async fn send(&mut self, username: String, message: String) -> Result<(), csrs::CsrsError> {
        Ok(interfaces::desk::send_to_csr(self, username, message).await?)
    }
}

impl offers::Host for PluginState {
    async fn make(
        &mut self,
        to: Vec<String>,
        details: offers::OfferDetails,
    ) -> Result<u32, offers::OfferError> {
        let details = OfferDetails {
            session: details.session,
            title: details.title,
            text: details.text,
            timeout_ms: details.timeout_ms,
        };
        Ok(interfaces::desk::make_offer(self, to, details).await?)
    }

    async fn withdraw(&mut self, id: u32, reason: String) -> Result<(), offers::OfferError> {
        Ok(interfaces::desk::withdraw_offer(self, id, reason).await?)
    }
}

impl desk::Host for PluginState {
    async fn open_waiting(
        &mut self,
        display_name: String,
    ) -> Result<desk::WaitingSession, desk::DeskError> {
        let waiting = interfaces::desk::open_waiting(self, display_name).await?;
        Ok(desk::WaitingSession {
            session: waiting.session,
            customer: waiting.customer,
        })
    }

    async fn hand_over(
        &mut self,
        session: String,
        username: String,
    ) -> Result<String, desk::DeskError> {
        Ok(interfaces::desk::hand_over(self, session, username).await?)
    }
}

/// A CSR's presence as 0.2 has it.
pub(super) fn presence(csr: CsrPresence) -> events::CsrPresence {
    events::CsrPresence {
        username: csr.username,
        display_name: csr.display_name,
        webacd_agent: csr.webacd_agent,
        online: csr.online,
        availability: match csr.availability {
            Availability::Available => events::Availability::Available,
            Availability::Away => events::Availability::Away,
        },
        customers: csr.customers,
        max_customers: csr.max_customers,
        idle_since: csr.idle_since,
    }
}

impl From<CsrsError> for csrs::CsrsError {
    fn from(error: CsrsError) -> Self {
        match error {
            CsrsError::UnknownCsr(name) => csrs::CsrsError::UnknownCsr(name),
            CsrsError::Invalid(why) => csrs::CsrsError::Invalid(why),
            CsrsError::Unavailable(why) => csrs::CsrsError::Unavailable(why),
        }
    }
}

impl From<OfferError> for offers::OfferError {
    fn from(error: OfferError) -> Self {
        match error {
            OfferError::UnknownCsr(name) => offers::OfferError::UnknownCsr(name),
            OfferError::Offline(name) => offers::OfferError::Offline(name),
            OfferError::UnknownOffer(id) => offers::OfferError::UnknownOffer(id),
            OfferError::Invalid(why) => offers::OfferError::Invalid(why),
            OfferError::Unavailable(why) => offers::OfferError::Unavailable(why),
        }
    }
}

impl From<DeskError> for desk::DeskError {
    fn from(error: DeskError) -> Self {
        match error {
            DeskError::UnknownSession(session) => desk::DeskError::UnknownSession(session),
            DeskError::UnknownCsr(name) => desk::DeskError::UnknownCsr(name),
            DeskError::Refused(why) => desk::DeskError::Refused(why),
            DeskError::Invalid(why) => desk::DeskError::Invalid(why),
            DeskError::Unavailable(why) => desk::DeskError::Unavailable(why),
        }
    }
}
