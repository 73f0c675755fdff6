//! What the plugin keeps in its store, as JSON: the site admin's queues,
//! and one ticket per session that waits for an agent (a customer from the
//! entry page, or a session being transferred).

use serde::{Deserialize, Serialize};

/// A queue of the site, as its admin set it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queue {
    /// `[a-z0-9-]{1,32}`: the public page is `/q/<site>/<name>`.
    pub name: String,
    /// The name shown to customers and agents.
    pub title: String,
    /// The WebACD agents who take its customers (usernames).
    pub members: Vec<String>,
    /// How long an agent has to accept an offer.
    pub accept_timeout_secs: u32,
}

impl Queue {
    pub fn has_member(&self, username: &str) -> bool {
        self.members.iter().any(|m| m == username)
    }

    pub fn timeout_ms(&self) -> u32 {
        self.accept_timeout_secs.saturating_mul(1000)
    }
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// In its queue's line, offered to one member at a time.
    Queued,
    /// Offered at once to the agents a transferring CSR chose; it goes
    /// into its queue when nobody accepts.
    Agents,
}

/// The CSR who transfers a session away; they stay its host until an
/// agent accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transferrer {
    pub username: String,
    pub display_name: String,
    /// Their participant id in the session (their panel is told what
    /// became of the transfer).
    pub participant: String,
}

/// The offer a ticket has open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenOffer {
    /// The kernel's offer id; 0 while it is being made (the ticket is
    /// reserved so that no other event offers it at the same time).
    pub id: u32,
    /// The usernames it went to.
    pub to: Vec<String>,
    /// Those of them who declined.
    #[serde(default)]
    pub declined: Vec<String>,
    /// When the kernel withdraws it (ms since the Unix epoch): an offer
    /// long past this is forgotten even if its expiry never came (a kernel
    /// restart loses open offers).
    pub expires_ms: u64,
}

/// A session waiting for an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub session: String,
    /// The customers' names, as agents see them.
    pub customer_name: String,
    /// What the customer typed on the entry page (empty for a transfer).
    pub problem: String,
    /// Its queue: the one it waits in, or for a transfer to agents the one
    /// it goes to if nobody accepts.
    pub queue: String,
    pub stage: Stage,
    /// When it entered its queue's line (ms since the Unix epoch): the
    /// line's order, and how long the customer has waited.
    pub entered_ms: u64,
    /// How many customers the session has (an agent's maximum counts them).
    pub customers: u32,
    pub from: Option<Transferrer>,
    /// The transferring CSR's message (may be empty).
    #[serde(default)]
    pub message: String,
    pub offer: Option<OpenOffer>,
    /// Agents who declined or did not answer in this round: the offer goes
    /// to the next one. Cleared when nobody else is left and someone's
    /// presence changes.
    #[serde(default)]
    pub passed: Vec<String>,
}

impl Ticket {
    /// Whether it waits for the distribution to offer it to someone.
    pub fn needs_offer(&self) -> bool {
        self.stage == Stage::Queued && self.offer.is_none()
    }

    pub fn transferring_username(&self) -> Option<&str> {
        self.from.as_ref().map(|f| f.username.as_str())
    }
}

/// `offer/<id>`: which session an offer of ours is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferRef {
    pub session: String,
}

/// `holding/<username>`: an agent holds a queue offer (one at a time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holding {
    pub session: String,
    pub expires_ms: u64,
}

/// `origin/<session>`: an agent took the session from this queue by
/// accepting this offer (a later transfer to agents falls back to the
/// queue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    pub queue: String,
    pub offer: u32,
}
