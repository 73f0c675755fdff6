//! The Tether kernel: sites, sessions, consent, routing, storage and the
//! plugin host. Features live in plugins; nothing here knows about them.

pub mod config;
pub mod plugin_host;
pub mod site;
pub mod storage;
pub mod web;

use std::sync::Arc;

use serde::Serialize;

use config::{ConfigError, KernelConfig};
use plugin_host::PluginHost;
use plugin_host::services::NoSessions;
use storage::MemoryKv;

/// A plugin that was not loaded, and why (shown to operators).
#[derive(Debug, Clone, Serialize)]
pub struct RefusedPlugin {
    pub error: String,
}

/// A running kernel's shared state.
pub struct Kernel {
    pub config: KernelConfig,
    pub plugins: PluginHost,
    pub refused: Vec<RefusedPlugin>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot start the plugin engine: {0}")]
    Engine(String),
    #[error("cannot read the manifests directory {}: {source}", dir.display())]
    Manifests {
        dir: std::path::PathBuf,
        source: std::io::Error,
    },
}

impl Kernel {
    /// Builds the kernel from its configuration: loads every plugin (refused
    /// ones are kept with their reason) and runs their `init` per site.
    pub async fn start(config: KernelConfig) -> Result<Arc<Kernel>, StartError> {
        let sites = Arc::new(config.site_table()?);
        let mut plugins = PluginHost::new(
            config.host_settings(),
            sites,
            Arc::new(NoSessions),
            Arc::new(MemoryKv::default()),
        )
        .map_err(|error| StartError::Engine(format!("{error:#}")))?;
        let dir = config.plugins.manifests_dir.clone();
        let refused = plugins
            .load_dir(&dir)
            .map_err(|source| StartError::Manifests { dir, source })?
            .into_iter()
            .map(|error| RefusedPlugin {
                error: error.to_string(),
            })
            .collect();
        for site in plugins.sites().iter() {
            if let site::PluginSelection::Only(ids) = &site.plugins {
                for id in ids.iter().filter(|id| plugins.plugin(id).is_none()) {
                    tracing::warn!(site = %site.id, plugin = %id, "the site enables a plugin that is not loaded");
                }
            }
        }
        plugins.init_sites().await;
        Ok(Arc::new(Kernel {
            config,
            plugins,
            refused,
        }))
    }
}
