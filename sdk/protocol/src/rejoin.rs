//! How a customer gets back into their session after their computer
//! restarts, as the host agent reports it: the consent prompt for a restart
//! and the CSR's view must say which it is, truthfully.

use serde::{Deserialize, Serialize};

/// Whether the host agent comes back by itself after the computer restarts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RejoinAfterRestart {
    /// The agent prepared its own start (at boot, or at the customer's next
    /// log-in) and rejoins with its resume token: no number, no link.
    ByItself,
    /// Nothing on this computer can start the agent again: the customer
    /// rejoins with the session link. Also what an agent that does not say
    /// is taken to mean, so nobody is promised what may not happen.
    #[default]
    WithLink,
}

impl RejoinAfterRestart {
    pub fn as_str(self) -> &'static str {
        match self {
            RejoinAfterRestart::ByItself => "by_itself",
            RejoinAfterRestart::WithLink => "with_link",
        }
    }
}
