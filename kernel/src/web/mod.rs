//! HTTP: the health endpoint and the plugin listings operators and the UI use.

mod plugins;

use std::sync::Arc;

use axum::Router;
use axum::routing::get;

use crate::Kernel;

/// The kernel's HTTP routes.
pub fn router(kernel: Arc<Kernel>) -> Router {
    Router::new()
        .route("/healthz", get(plugins::health))
        .route("/api/plugins", get(plugins::all_plugins))
        .route("/api/sites", get(plugins::sites))
        .route("/api/sites/{site}/plugins", get(plugins::site_plugins))
        .with_state(kernel)
}
