//! The Tether kernel: sites, sessions, consent, routing, storage and the
//! plugin host. Features live in plugins; nothing here knows about them.

pub mod accounts;
pub mod activity;
pub mod audit;
pub mod cluster;
pub mod config;
pub mod consent;
pub mod desk;
mod events;
pub mod mail;
pub mod nodes;
pub mod plugin_host;
pub mod retention;
pub mod routing;
pub mod session;
pub mod site;
pub mod storage;
pub mod streams;
pub mod telemetry;
pub mod token;
pub mod web;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use accounts::Accounts;
use cluster::{Cluster, ClusterError, ClusterOwnership, DatabaseAttempts, Shared};
use config::{ConfigError, KernelConfig};
use desk::Desk;
use mail::Mailer;
use plugin_host::PluginHost;
use routing::InProcessRouter;
use session::{SessionSettings, Sessions};
use site::{SeedError, Sites};
use storage::{PostgresStorage, Storage, StorageError, StorageHealth, StorageLocation};

/// A plugin that was not loaded, and why (shown to operators).
#[derive(Debug, Clone, Serialize)]
pub struct RefusedPlugin {
    pub error: String,
}

/// A running kernel's shared state.
pub struct Kernel {
    pub config: KernelConfig,
    /// Whether the records can be kept (see `storage/health.rs`).
    pub storage_health: Arc<StorageHealth>,
    /// The address join links and allowed WebSocket origins are made from.
    pub public_url: String,
    pub plugins: PluginHost,
    pub refused: Vec<RefusedPlugin>,
    /// The sites as stored; site admins change them at run time.
    pub sites: Arc<Sites>,
    pub storage: Arc<dyn Storage>,
    pub accounts: Accounts,
    pub sessions: Arc<Sessions>,
    /// CSRs' presence and offers (plugin API 0.2's support desk).
    pub desk: Arc<Desk>,
    /// Plugins' public pages by the first segment of their address.
    pub public_pages: web::public::PublicPages,
    /// `None` when no SMTP server is configured.
    pub mailer: Option<Mailer>,
    /// This node's link to the others; `None` for a kernel on its own.
    pub cluster: Option<Arc<Cluster>>,
    /// What `/metrics` shows.
    pub telemetry: telemetry::Telemetry,
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
    #[error("cannot create the data directory {}: {source}", dir.display())]
    DataDir {
        dir: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database: {0}")]
    Storage(#[from] StorageError),
    #[error("cannot join the other nodes: {0}")]
    Cluster(#[from] ClusterError),
    #[error(transparent)]
    Sites(#[from] SeedError),
    #[error("smtp: {0}")]
    Mail(#[from] mail::MailError),
}

impl Kernel {
    /// Builds the kernel from its configuration: opens the database, seeds
    /// the configured sites it does not have yet (stored sites keep their
    /// stored values) and runs with the stored ones, ends sessions a
    /// previous run left behind, loads every plugin (refused ones are kept
    /// with their reason) and runs their `init` per site. `bound` is the
    /// address the server listens on.
    pub async fn start(config: KernelConfig, bound: SocketAddr) -> Result<Arc<Kernel>, StartError> {
        let configured = config.site_table()?;
        let data_dir = config.server.data_dir.clone();
        std::fs::create_dir_all(&data_dir).map_err(|source| StartError::DataDir {
            dir: data_dir.clone(),
            source,
        })?;
        let telemetry = telemetry::Telemetry::install();
        let (storage, shared, cluster) = open_storage_and_cluster(&config).await?;
        let storage_health = Arc::new(StorageHealth::default());
        storage_health.watch(storage.clone());
        let stored = site::seed_and_load(storage.as_ref(), &configured).await?;
        let sites = Arc::new(Sites::new(stored, storage.clone()));

        let public_url = config.public_url(bound);
        let s = &config.sessions;
        let settings = SessionSettings {
            public_url: public_url.clone(),
            grace: Duration::from_secs(s.grace_secs),
            consent_timeout: Duration::from_secs(s.consent_timeout_secs),
            grant_ttl: (s.grant_ttl_secs > 0).then(|| Duration::from_secs(s.grant_ttl_secs)),
            agent_timeout: Duration::from_secs(s.agent_timeout_secs),
            join_attempts_per_minute: s.join_attempts_per_minute,
            rejoin_window: Duration::from_secs(s.rejoin_window_secs),
            unconnected_join: Duration::from_secs(s.unconnected_join_secs),
            joins_per_address_per_hour: s.joins_per_address_per_hour,
            report_budget_bytes: usize::try_from(s.report_budget_kib.saturating_mul(1024))
                .unwrap_or(usize::MAX),
        };
        let (plugin_events, plugin_event_queue) = tokio::sync::mpsc::unbounded_channel();
        let sessions = Sessions::new(
            storage.clone(),
            Arc::new(InProcessRouter::default()),
            sites.clone(),
            settings,
            plugin_events,
            storage_health.clone(),
            shared.clone(),
        );
        let ended = sessions.end_sessions_left_running().await?;
        if ended > 0 {
            tracing::warn!(
                sessions = ended,
                "ended support sessions left running by the previous start"
            );
        }

        let desk = Desk::new(sessions.clone());
        // Among several nodes the desk hears the others, and plugins' calls
        // about a session another node runs go there.
        let plugin_sessions: Arc<dyn plugin_host::services::SessionServices> = match &cluster {
            Some(cluster) => {
                let link = Arc::new(nodes::NodeLink::new(cluster.clone()));
                desk.join_others(link.clone());
                tokio::spawn(nodes::listen(
                    cluster.clone(),
                    desk.clone(),
                    sessions.clone(),
                ));
                Arc::new(nodes::PluginSessions::new(sessions.clone(), link))
            }
            None => sessions.clone(),
        };
        let mut plugins = PluginHost::new(
            config.host_settings(),
            sites.clone(),
            plugin_sessions,
            storage.clone(),
        )
        .map_err(|error| StartError::Engine(format!("{error:#}")))?;
        plugins.set_desk(desk.clone());
        let dir = config.plugins.manifests_dir.clone();
        let mut refused: Vec<RefusedPlugin> = plugins
            .load_dir(&dir)
            .map_err(|source| StartError::Manifests { dir, source })?
            .into_iter()
            .map(|error| RefusedPlugin {
                error: error.to_string(),
            })
            .collect();
        let (public_pages, conflicts) = web::public::PublicPages::of(plugins.plugins());
        for conflict in conflicts {
            tracing::error!(%conflict, "public page refused");
            refused.push(RefusedPlugin {
                error: conflict.to_string(),
            });
        }
        for site in sites.snapshot().iter() {
            if let site::PluginSelection::Only(ids) = &site.plugins {
                for id in ids.iter().filter(|id| plugins.plugin(id).is_none()) {
                    tracing::warn!(site = %site.id, plugin = %id, "the site enables a plugin that is not loaded");
                }
            }
        }
        plugins.init_sites().await;

        let mailer = config.smtp.as_ref().map(Mailer::new).transpose()?;
        let kernel = Arc::new(Kernel {
            accounts: Accounts::new(storage.clone(), storage_health.clone())
                .counting_with(shared.attempts),
            storage_health,
            config,
            public_url,
            plugins,
            refused,
            sites,
            storage,
            sessions,
            desk,
            public_pages,
            mailer,
            cluster,
            telemetry,
        });
        tokio::spawn(events::deliver(Arc::downgrade(&kernel), plugin_event_queue));
        retention::run(&kernel);
        Ok(kernel)
    }
}

/// Where a session runs, as a node among several sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// This node runs it (it may just have taken it over).
    Here,
    /// Another live node runs it.
    Elsewhere(String),
    /// No node runs it: it ended, or it is no session at all.
    Nowhere,
}

impl Kernel {
    /// Where `session` (as typed) runs. A session still active whose node
    /// stopped answering (its lease ran out) is taken over here, so the
    /// client asking goes on in it. On a kernel of its own a session runs
    /// here or nowhere.
    pub async fn locate(&self, session: &str) -> Located {
        if self.sessions.runs_here(session) {
            return Located::Here;
        }
        let (Some(cluster), Some(number)) = (&self.cluster, session::number::parse(session)) else {
            return Located::Nowhere;
        };
        for _ in 0..2 {
            match cluster.owners.owner(&number).await {
                // This node's: running, or being taken over right now
                // (which this waits for).
                Ok(Some(node)) if node == cluster.node().as_str() => {
                    return match self.sessions.take_over(&number).await {
                        Ok(true) => Located::Here,
                        _ => Located::Nowhere,
                    };
                }
                Ok(Some(node)) => return Located::Elsewhere(node),
                Ok(None) => match self.sessions.take_over(&number).await {
                    Ok(true) => return Located::Here,
                    // Another node won it meanwhile, or it is no session.
                    Ok(false) => continue,
                    Err(error) => {
                        tracing::warn!(%error, session = %number, "a session could not be taken over");
                        return Located::Nowhere;
                    }
                },
                Err(error) => {
                    tracing::warn!(%error, session = %number, "the owner of a session could not be found");
                    return Located::Nowhere;
                }
            }
        }
        Located::Nowhere
    }
}

impl Kernel {
    /// Where `session` runs once `silent` — the node that ran it, which
    /// does not answer — is given up: its lease runs out within a lease
    /// and a node takes the session over (this one, if no other is
    /// quicker). Waits at most a lease and a little more.
    pub async fn locate_after_silence(&self, session: &str, silent: &str) -> Located {
        let Some(cluster) = &self.cluster else {
            return Located::Nowhere;
        };
        let patience = cluster.owners.timing().lease() + std::time::Duration::from_secs(1);
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            match self.locate(session).await {
                Located::Elsewhere(node) if node == silent => {}
                located => return located,
            }
            if tokio::time::Instant::now() >= deadline {
                return Located::Elsewhere(silent.to_owned());
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
}

/// What came of doing something at the node running a session
/// ([`Kernel::at_owner`]).
#[derive(Debug)]
pub enum AtOwner<T> {
    /// This node runs it (it may just have taken it over): do it here.
    Here,
    /// No node runs it.
    Nowhere,
    /// The node running it answered.
    Done(T),
    /// The node running it does not answer, and nobody took the session
    /// over within its lease.
    Unreachable,
}

impl Kernel {
    /// Does `attempt` at the node running `session` when another node runs
    /// it: `attempt` gets that node's name and gives `None` when the node
    /// did not answer. A node that does not answer has most likely
    /// stopped: once its lease runs out the session is taken over (here,
    /// or by another node), and the attempt is made once more there (or
    /// left to the caller, here).
    pub async fn at_owner<T, Attempt>(
        &self,
        session: &str,
        mut attempt: impl FnMut(String) -> Attempt,
    ) -> AtOwner<T>
    where
        Attempt: std::future::Future<Output = Option<T>>,
    {
        let mut located = self.locate(session).await;
        let mut given_up = false;
        loop {
            let node = match located {
                Located::Here => return AtOwner::Here,
                Located::Nowhere => return AtOwner::Nowhere,
                Located::Elsewhere(node) => node,
            };
            if let Some(done) = attempt(node.clone()).await {
                return AtOwner::Done(done);
            }
            if given_up {
                return AtOwner::Unreachable;
            }
            given_up = true;
            tracing::warn!(session, %node, "the session's node does not answer; waiting for another to take it over");
            located = self.locate_after_silence(session, &node).await;
            if located == Located::Elsewhere(node) {
                return AtOwner::Unreachable;
            }
        }
    }
}

/// Opens storage and, for a node among several (`[cluster]`), joins the
/// others: the nodes share a PostgreSQL database, which also holds the
/// leases on the sessions each owns and the failed attempts they count
/// together.
async fn open_storage_and_cluster(
    config: &KernelConfig,
) -> Result<(Arc<dyn Storage>, Shared, Option<Arc<Cluster>>), StartError> {
    let location = config.storage.location(&config.server.data_dir)?;
    match (config.cluster_settings()?, location) {
        (Some(settings), StorageLocation::Postgres(url)) => {
            let postgres = Arc::new(PostgresStorage::open(&url).await?);
            let cluster = Cluster::connect(
                &settings.nats_url,
                settings.node,
                settings.timing,
                &postgres,
            )
            .await?;
            tracing::info!(node = %cluster.owners.node(), "joined the other nodes");
            let cluster = Arc::new(cluster);
            let shared = Shared {
                ownership: ClusterOwnership::start(cluster.clone()),
                attempts: Arc::new(DatabaseAttempts::new(&postgres)),
            };
            Ok((postgres, shared, Some(cluster)))
        }
        (_, location) => Ok((location.open().await?, Shared::alone(), None)),
    }
}
