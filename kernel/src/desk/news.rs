//! The desk among several nodes: what one node's desk tells the others
//! ([`DeskNews`], to every node at once) and what it asks of one of them
//! ([`OtherNodes`]). A CSR's console stays on the node it reached, which
//! keeps their desk there; the others tell it what it must know — the CSR's
//! presence on them, messages to the CSR's consoles, offers made to the
//! CSR — and take the answers to offers they made.
//!
//! Who tells what: a change is told by the node where it happens — the
//! node where a console opened, a CSR said they are available, a session's
//! customers changed, an offer was made — to the CSR's consoles on every
//! node and to the plugins there (the plugins' records are shared, so they
//! hear each change once, as on a kernel of its own).

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use tether_protocol::ServerEvent;

use super::presence::NodeCsr;
use super::rules::AnswerRefused;
use crate::plugin_host::services::{DeskError, PluginScope};

/// What a node's desk tells every other node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum DeskNews {
    /// The sender's part of CSRs' presence: of those that changed, or of
    /// all it has seen (`full`, once a heartbeat).
    Presence { full: bool, csrs: Vec<NodeCsr> },
    /// An event for the account's consoles on the nodes it reaches.
    ToAccount { account: i64, event: ServerEvent },
    /// The sender made an offer (`made`) to `recipients`.
    OfferMade {
        offer: u32,
        recipients: Vec<i64>,
        made: ServerEvent,
    },
    /// `account` answered offer `offer`: their consoles drop it.
    OfferAnswered { offer: u32, account: i64 },
    /// Offer `offer` closed (`withdrawn` says how): consoles still
    /// showing it drop it.
    OfferClosed { offer: u32, withdrawn: ServerEvent },
    /// The account's sign-ins ended (its password changed), all but
    /// `except` (a token hash): their consoles close as signed out.
    SignedOut {
        account: i64,
        except: Option<String>,
    },
    /// A site admin (`by`) disabled or deleted the account of CSR `name`:
    /// its consoles close as signed out and it leaves every session.
    AccountClosed {
        account: i64,
        name: String,
        by: String,
    },
}

/// The other nodes as the desk reaches them.
#[async_trait]
pub trait OtherNodes: Send + Sync + 'static {
    /// Tells every other node `news` (best effort: what must hold is told
    /// again, see [`DeskNews::Presence`]).
    async fn tell(&self, news: &DeskNews);

    /// An offer id no open offer on any node has.
    async fn offer_id(&self) -> Result<u32, String>;

    /// Gives `account`'s answer to offer `offer` to `node`, which made it;
    /// the plugin that made it.
    async fn answer_offer(
        &self,
        node: &str,
        offer: u32,
        account: i64,
    ) -> Result<PluginScope, AnswerRefused>;

    /// The node running `session`, when it is another node.
    async fn running_elsewhere(&self, session: &str) -> Option<String>;

    /// Asks `node`, which runs `session`, to make `username` its host (as
    /// [`DeskServices::hand_over`](crate::plugin_host::services::DeskServices::hand_over)).
    async fn hand_over(
        &self,
        node: &str,
        scope: &PluginScope,
        session: &str,
        username: &str,
    ) -> Result<String, DeskError>;

    /// How long a node may be silent before it counts as stopped.
    fn silence(&self) -> Duration;
}
