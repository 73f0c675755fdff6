//! Health and plugin listings.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::json;

use crate::Kernel;
use crate::plugin_host::LoadedPlugin;
use crate::web::auth::SignedIn;

#[derive(Serialize)]
pub struct PluginSummary {
    id: String,
    name: String,
    version: String,
    description: String,
    capabilities: Vec<CapabilitySummary>,
    panels: Vec<PanelSummary>,
}

#[derive(Serialize)]
struct CapabilitySummary {
    name: String,
    consent: String,
}

#[derive(Serialize)]
struct PanelSummary {
    id: String,
    title: String,
    titles: std::collections::BTreeMap<String, String>,
    location: String,
    /// Served at `/plugin-ui/{plugin}/{entry}`.
    entry: String,
    /// A public page's address is `/{path}/{site}/{page}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
}

impl From<&LoadedPlugin> for PluginSummary {
    fn from(plugin: &LoadedPlugin) -> Self {
        let m = &plugin.manifest;
        PluginSummary {
            id: m.id.clone(),
            name: m.name.clone(),
            version: m.version.to_string(),
            description: m.description.clone(),
            capabilities: m
                .capabilities
                .iter()
                .map(|c| CapabilitySummary {
                    name: c.name.clone(),
                    consent: c.consent.clone(),
                })
                .collect(),
            panels: m
                .panels
                .iter()
                .map(|p| PanelSummary {
                    id: p.id.clone(),
                    title: p.title.clone(),
                    titles: p.titles.clone(),
                    location: p.location.clone(),
                    entry: p.entry.clone(),
                    path: p.path.clone(),
                })
                .collect(),
        }
    }
}

/// `503` with what failed when the records cannot be kept, or when a
/// cluster node does not reach NATS (it is about to stop running its
/// sessions), so monitoring and load balancers see it.
pub async fn health(State(kernel): State<Arc<Kernel>>) -> (StatusCode, Json<serde_json::Value>) {
    let cluster = kernel.sessions.ownership.health();
    let (status, code, storage) = match kernel.storage_health.status() {
        Ok(()) if cluster.as_ref().is_some_and(|c| !c.nats_reachable) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "cluster_unreachable",
            json!("ok"),
        ),
        Ok(()) => (StatusCode::OK, "ok", json!("ok")),
        Err(failure) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_failed",
            json!(failure),
        ),
    };
    let body = json!({
        "status": code,
        "storage": storage,
        "cluster": cluster,
        "version": env!("CARGO_PKG_VERSION"),
        "plugins_loaded": kernel.plugins.plugins().count(),
        "plugins_refused": kernel.refused.len(),
        "streams": kernel.sessions.streams.stats(),
    });
    (status, Json(body))
}

/// Every loaded plugin, and every refused one with the reason.
pub async fn all_plugins(State(kernel): State<Arc<Kernel>>) -> Json<serde_json::Value> {
    let loaded: Vec<PluginSummary> = kernel.plugins.plugins().map(PluginSummary::from).collect();
    Json(json!({ "loaded": loaded, "refused": kernel.refused }))
}

/// The signed-in CSR's site with the ids of the plugins it enables. Other
/// sites are not listed: their names are theirs to know.
pub async fn sites(
    State(kernel): State<Arc<Kernel>>,
    SignedIn { account, .. }: SignedIn,
) -> Json<serde_json::Value> {
    let sites: Vec<serde_json::Value> = kernel
        .sites
        .snapshot()
        .iter()
        .filter(|site| site.id == account.site)
        .map(|site| {
            let enabled: Vec<&str> = kernel
                .plugins
                .plugins()
                .filter(|p| site.enables(&p.manifest.id))
                .map(|p| p.manifest.id.as_str())
                .collect();
            json!({ "id": site.id, "name": site.name, "plugins": enabled })
        })
        .collect();
    Json(json!(sites))
}

/// The plugins enabled for one site.
pub async fn site_plugins(
    State(kernel): State<Arc<Kernel>>,
    Path(site): Path<String>,
) -> Result<Json<Vec<PluginSummary>>, (StatusCode, Json<serde_json::Value>)> {
    match kernel.plugins.enabled_for(&site) {
        Some(plugins) => Ok(Json(plugins.into_iter().map(PluginSummary::from).collect())),
        None => Err((
            StatusCode::NOT_FOUND,
            Json(json!({ "error": format!("unknown site `{site}`") })),
        )),
    }
}
