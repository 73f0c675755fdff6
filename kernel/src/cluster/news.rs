//! What a node tells every other node at once (DESIGN §11): the support
//! desk's news — CSRs' presence, messages to a CSR's consoles, offers made
//! and closed — on one NATS subject every node listens to. Each message
//! names the node that sent it; a node skips its own. Core NATS keeps no
//! history, so what must survive a lost message is told again: each node
//! repeats its whole presence once a heartbeat (`desk/`).

use axum::body::Bytes;
use futures_util::StreamExt;

use super::relay::{prefixed, split_line};
use super::{Cluster, ClusterError};

/// Every node's news.
const NEWS: &str = "tether.desk.news";

impl Cluster {
    /// Tells the other nodes `news` (written by the desk).
    pub async fn tell_others(&self, news: &[u8]) -> Result<(), ClusterError> {
        let payload = prefixed(format!("{}\n", self.node()).as_bytes(), news);
        self.client
            .publish(NEWS, payload)
            .await
            .map_err(|error| ClusterError::Relay {
                node: self.node().to_string(),
                reason: format!("cannot tell the other nodes: {error}"),
            })
    }

    /// What the other nodes tell, each with the node that told it.
    pub async fn news(
        &self,
    ) -> Result<impl futures_util::Stream<Item = (String, Bytes)> + use<>, ClusterError> {
        let subscriber =
            self.client
                .subscribe(NEWS)
                .await
                .map_err(|error| ClusterError::Relay {
                    node: self.node().to_string(),
                    reason: format!("cannot listen on {NEWS}: {error}"),
                })?;
        let me = self.node().to_string();
        Ok(subscriber.filter_map(move |message| {
            let told = split_line(&message.payload).filter(|(node, _)| *node != me);
            async move { told }
        }))
    }
}
