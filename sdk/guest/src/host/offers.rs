//! Offering something to CSRs (plugin API 0.2, manifest import `offers`):
//! each recipient's console shows a notification with the plugin's words
//! and Accept / Decline. Answers come to [`crate::Plugin::offer_answered`]
//! (whose reply or error goes to that CSR: the loser of a race is told);
//! an offer still open when its time ends comes to
//! [`crate::Plugin::offer_expired`].

pub use crate::bindings::v0_2::events::OfferId;
pub use crate::bindings::v0_2::offers::{OfferDetails, OfferError};

use super::raw;
use crate::PluginError;

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest text, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
/// Most recipients of one offer.
pub const MAX_RECIPIENTS: usize = 50;
/// Shortest and longest time to answer, in milliseconds.
pub const TIMEOUT_MS: std::ops::RangeInclusive<u32> = 1_000..=600_000;

/// Shows the offer to each CSR in `to` (usernames of the site, each with
/// their console open); every one of them may answer once.
pub fn make(to: &[String], details: &OfferDetails) -> Result<OfferId, OfferError> {
    raw::offers::make(to, details)
}

/// Takes an open offer away from every console still showing it;
/// `reason` is shown to them.
pub fn withdraw(id: OfferId, reason: &str) -> Result<(), OfferError> {
    raw::offers::withdraw(id, reason)
}

impl From<OfferError> for PluginError {
    fn from(error: OfferError) -> Self {
        match error {
            OfferError::UnknownCsr(name) => {
                PluginError::InvalidInput(format!("no CSR `{name}` on this site"))
            }
            OfferError::Offline(name) => {
                PluginError::Denied(format!("{name}'s console is not open"))
            }
            OfferError::UnknownOffer(id) => {
                PluginError::InvalidInput(format!("no open offer {id}"))
            }
            OfferError::Invalid(why) => PluginError::InvalidInput(why),
            OfferError::Unavailable(why) => PluginError::Failed(why),
        }
    }
}
