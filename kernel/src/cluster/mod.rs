//! Several kernel nodes (DESIGN §11): they share one PostgreSQL database
//! and reach each other over NATS. A live session has one owning node,
//! found through a registry with leases in the database (`owners.rs`; the
//! timing rules in `lease.rs`); a node holds its leases only while it is
//! on NATS, where the others reach it.
//!
//! Without `[cluster]` in the configuration the kernel is one node with
//! in-process routing, and nothing here runs.

pub mod attempts;
pub mod lease;
pub mod news;
pub mod offer_ids;
pub mod owners;
pub mod ownership;
pub mod relay;

use std::sync::Arc;
use std::time::Duration;

pub use attempts::{Counter, DatabaseAttempts, NodeOnly, SharedAttempts};
pub use lease::LeaseTiming;
pub use offer_ids::OfferIds;
pub use owners::{Claim, Lease, Owners, RenewError};
pub use ownership::{ClusterHealth, ClusterOwnership, Ownership, SingleNode};

use crate::storage::PostgresStorage;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClusterError {
    #[error("cannot connect to NATS at {server}: {reason}")]
    Connect { server: String, reason: String },
    #[error("session owners: {0}")]
    Registry(String),
    #[error("node {node} cannot be reached for a relayed connection: {reason}")]
    Relay { node: String, reason: String },
}

/// A node's name, unique among the nodes sharing one NATS and database:
/// letters, digits, `-` and `_`, at most 64.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NodeName(String);

impl NodeName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for NodeName {
    type Err = String;

    fn from_str(name: &str) -> Result<NodeName, String> {
        let fits = (1..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if fits {
            Ok(NodeName(name.to_owned()))
        } else {
            Err("must be 1 to 64 letters, digits, `-` or `_`".to_owned())
        }
    }
}

impl std::fmt::Display for NodeName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a node shares with the others, as the session layer uses it: the
/// sessions it owns and the failed attempts counted together. A kernel on
/// its own shares nothing ([`Shared::alone`]).
#[derive(Clone)]
pub struct Shared {
    pub ownership: Arc<dyn Ownership>,
    pub attempts: Arc<dyn SharedAttempts>,
}

impl Shared {
    pub fn alone() -> Shared {
        Shared {
            ownership: Arc::new(SingleNode),
            attempts: Arc::new(NodeOnly),
        }
    }
}

/// This node's link to the others.
pub struct Cluster {
    pub client: async_nats::Client,
    pub owners: Owners,
    pub offer_ids: OfferIds,
}

/// The largest message a relay carries: a picture of a shared application
/// and its headers.
const NEEDED_PAYLOAD: usize = tether_protocol::stream::MAX_PICTURE_BYTES + 64 * 1024;

/// How long a connection to NATS may take before the start fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl Cluster {
    /// Connects to NATS at `url` as node `node`, with the session owners'
    /// registry in `storage`. Errors name the server without the URL's
    /// credentials.
    pub async fn connect(
        url: &str,
        node: NodeName,
        timing: LeaseTiming,
        storage: &PostgresStorage,
    ) -> Result<Cluster, ClusterError> {
        let server = without_credentials(url);
        let client = async_nats::ConnectOptions::new()
            .name(format!("tether-{node}"))
            // A server that is not there fails the start with the reason
            // (no retrying in `connect`, the client's default).
            .connection_timeout(CONNECT_TIMEOUT)
            .connect(url)
            .await
            .map_err(|error| ClusterError::Connect {
                server: server.clone(),
                reason: error.to_string(),
            })?;
        let max_payload = client.server_info().max_payload;
        if max_payload < NEEDED_PAYLOAD {
            tracing::warn!(
                max_payload,
                needed = NEEDED_PAYLOAD,
                "the NATS server's max_payload is smaller than the largest picture of a shared application: set `max_payload: 8MB` in its configuration, or such pictures are lost between nodes"
            );
        }
        Ok(Cluster {
            client,
            owners: Owners::new(storage, node, timing),
            offer_ids: OfferIds::new(storage),
        })
    }

    /// Whether this node reaches NATS now: a round trip to the server
    /// (a ping), so a link that went silent without closing counts as cut.
    pub async fn reaches_nats(&self) -> bool {
        let wait = self.owners.timing().lease() / 6;
        matches!(
            tokio::time::timeout(wait, self.client.flush()).await,
            Ok(Ok(()))
        )
    }

    /// Renews `lease` while this node reaches NATS. A node cut off from
    /// NATS cannot be reached by the others for the session, so it lets
    /// the lease run out and another node takes the session over.
    pub async fn renew(&self, lease: &Lease) -> Result<Lease, RenewError> {
        if !self.reaches_nats().await {
            return Err(RenewError::Unavailable {
                session: lease.session.clone(),
                reason: "this node is cut off from NATS".to_owned(),
            });
        }
        self.owners.renew(lease).await
    }
}

/// `nats://user:password@host:4222` as `nats://host:4222`.
fn without_credentials(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            format!("{scheme}://{host}")
        }
        None => url
            .rsplit_once('@')
            .map_or(url, |(_, host)| host)
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names_are_short_and_plain() {
        for good in ["a", "node-1", "eu_west_2", &"n".repeat(64)] {
            assert!(good.parse::<NodeName>().is_ok(), "{good}");
        }
        for bad in ["", "node 1", "node.1", "nöde", "a/b", &"n".repeat(65)] {
            assert!(bad.parse::<NodeName>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn errors_name_the_server_without_credentials() {
        for (url, shown) in [
            (
                "nats://tether:s3cret@nats.example.com:4222",
                "nats://nats.example.com:4222",
            ),
            ("nats://127.0.0.1:4222", "nats://127.0.0.1:4222"),
            ("token@host:4222", "host:4222"),
            ("host:4222", "host:4222"),
        ] {
            assert_eq!(without_credentials(url), shown);
        }
    }
}
