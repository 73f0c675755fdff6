//! The kernel as one node among several (DESIGN §11), above the NATS
//! plumbing of `cluster/`: what a node tells the others of its support
//! desk, and what it asks the node running a session or holding an offer.
//!
//! * `calls.rs` — the questions one node asks another (typed, answered
//!   there by the desk or the sessions);
//! * `link.rs` — the desk's view of the other nodes ([`OtherNodes`]);
//! * `plugin_sessions.rs` — plugins' calls about a session another node
//!   runs, sent there;
//! * here — starting to listen.
//!
//! [`OtherNodes`]: crate::desk::news::OtherNodes

mod calls;
mod link;
mod plugin_sessions;

pub use link::NodeLink;
pub use plugin_sessions::PluginSessions;

use std::sync::Arc;

use futures_util::StreamExt;

use crate::cluster::Cluster;
use crate::cluster::relay::Question;
use crate::desk::Desk;
use crate::desk::news::DeskNews;
use crate::session::Sessions;

/// Listens to the other nodes for as long as the kernel runs: their desks'
/// news go to `desk`; their calls are answered by `desk` and `sessions`.
pub async fn listen(cluster: Arc<Cluster>, desk: Arc<Desk>, sessions: Arc<Sessions>) {
    let news = match cluster.news().await {
        Ok(news) => news,
        Err(error) => {
            tracing::error!(%error, "the other nodes' news cannot be heard");
            return;
        }
    };
    let questions = match cluster.questions(Question::Call).await {
        Ok(questions) => questions,
        Err(error) => {
            tracing::error!(%error, "the other nodes' calls cannot be answered");
            return;
        }
    };
    let hearing = {
        let desk = desk.clone();
        async move {
            let mut news = std::pin::pin!(news);
            // One at a time, in the order each node told them.
            while let Some((node, told)) = news.next().await {
                match serde_json::from_slice::<DeskNews>(&told) {
                    Ok(told) => desk.heard(&node, told).await,
                    Err(error) => {
                        tracing::warn!(%node, %error, "unreadable news from another node")
                    }
                }
            }
        }
    };
    let answering = async move {
        let mut questions = std::pin::pin!(questions);
        while let Some((question, reply)) = questions.next().await {
            let (desk, sessions, cluster) = (desk.clone(), sessions.clone(), cluster.clone());
            tokio::spawn(async move {
                let answer = calls::answer(&desk, &sessions, &question).await;
                cluster.answer(reply, answer).await;
            });
        }
    };
    tokio::join!(hearing, answering);
}
