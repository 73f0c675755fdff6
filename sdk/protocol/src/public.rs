//! A plugin's public page (manifest `location = "public"`): a page anyone
//! may open without signing in — a queue's entry page — whose commands go
//! over REST to `POST /api/public/{plugin}/{site}/commands`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest public command body the kernel reads.
pub const MAX_PUBLIC_COMMAND_BYTES: usize = 8 * 1024;

/// A command from a public page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct PublicCommand {
    /// The command's name, 1 to 64 characters.
    pub name: String,
    /// What follows the page's path in its address (`support` of
    /// `/q/default/support`).
    pub page: String,
    #[serde(default)]
    pub payload: Value,
}

/// The answer to a public command: the plugin's reply, and — when the
/// plugin opened a waiting session for the customer — how their page joins
/// it. The kernel adds `join` itself; the plugin never sees the token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct PublicReply {
    pub reply: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub join: Option<PublicJoin>,
}

/// A waiting session's customer: what the customer page needs to connect,
/// as `POST /api/join` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct PublicJoin {
    pub session: String,
    pub participant: String,
    pub token: String,
}
