//! Telling every connection of a kind to close: one `watch` flag.

use tokio::sync::watch;

/// Resolves once a stop is asked for (or nobody can ask any more).
pub async fn requested(stop: &mut watch::Receiver<bool>) {
    // The guard `wait_for` gives is dropped here, before the caller's
    // next await.
    let _ = stop.wait_for(|stop| *stop).await;
}
