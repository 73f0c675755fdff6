//! Delivers session events (joins, leaves, customer selected, activities
//! ended, session ended) to every plugin the session's site enables.

use std::sync::Weak;

use tokio::sync::mpsc;
use tracing::Instrument;

use crate::Kernel;
use crate::session::SiteEvent;

/// Runs until the kernel is gone. Each event is delivered to the site's
/// plugins one after another, in the order the events happened; a failing
/// plugin is logged and does not keep the others from the event.
pub(crate) async fn deliver(kernel: Weak<Kernel>, mut queue: mpsc::UnboundedReceiver<SiteEvent>) {
    while let Some(SiteEvent { site, only, event }) = queue.recv().await {
        let Some(kernel) = kernel.upgrade() else {
            return;
        };
        let plugins: Vec<String> = kernel
            .plugins
            .enabled_for(&site)
            .map(|list| list.iter().map(|p| p.manifest.id.clone()).collect())
            .unwrap_or_default();
        let plugins = plugins
            .into_iter()
            .filter(|p| only.as_ref().is_none_or(|only| only == p));
        for plugin in plugins {
            let span = tracing::info_span!("session_event", %site, %plugin);
            if let Err(error) = kernel
                .plugins
                .dispatch(&site, &plugin, event.clone())
                .instrument(span)
                .await
            {
                tracing::warn!(%site, %plugin, %error, "a plugin failed to handle a session event");
            }
        }
    }
}
