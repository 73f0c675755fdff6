//! Kernel configuration: defaults, then `tether.toml` (or the file given on
//! the command line), then `TETHER_*` environment variables
//! (`TETHER_SERVER__LISTEN=0.0.0.0:8080`, double underscore between levels).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::cluster::{LeaseTiming, NodeName};
use crate::plugin_host::{CrashPolicy, HostSettings};
use crate::site::{SiteError, SiteSettings, SiteTable};
use crate::storage::{SessionMode, StorageLocation, TwoFactorRule};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelConfig {
    pub server: ServerConfig,
    pub plugins: PluginsConfig,
    pub sessions: SessionsConfig,
    #[serde(default)]
    pub smtp: Option<SmtpConfig>,
    #[serde(default)]
    pub storage: StorageConfig,
    #[serde(default)]
    pub cluster: ClusterConfig,
    #[serde(default)]
    pub metrics: MetricsConfig,
    /// Sites by id, seeded into the database on start; a site already
    /// stored keeps its stored (admin-edited) values. With none configured,
    /// a site `default` enables every plugin.
    #[serde(default)]
    pub sites: BTreeMap<String, SiteConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Where the kernel keeps its data (database, plugin cache).
    pub data_dir: PathBuf,
    /// The address people use to reach Tether (join links, allowed
    /// WebSocket origins); defaults to `http://<listen>`.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Further origins allowed to open WebSockets (for a reverse proxy).
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Reverse proxies (addresses or networks, `10.0.0.0/8`) whose
    /// `Forwarded`/`X-Forwarded-For` headers name the client. Rate limits
    /// key on that client; from anyone else the headers are ignored.
    #[serde(default)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// A PEM certificate chain and its private key: with both, the kernel
    /// serves HTTPS itself (no reverse proxy needed).
    #[serde(default)]
    pub tls_cert: Option<PathBuf>,
    #[serde(default)]
    pub tls_key: Option<PathBuf>,
}

/// The files HTTPS is served with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl ServerConfig {
    /// The certificate and key to serve HTTPS with; `None` for plain HTTP.
    pub fn tls(&self) -> Result<Option<TlsFiles>, ConfigError> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Ok(Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            })),
            (None, None) => Ok(None),
            (Some(_), None) => Err(ConfigError::Invalid {
                field: "server.tls_key",
                reason: "server.tls_cert is set: give its private key too".into(),
            }),
            (None, Some(_)) => Err(ConfigError::Invalid {
                field: "server.tls_cert",
                reason: "server.tls_key is set: give its certificate too".into(),
            }),
        }
    }

    /// `https` when the kernel serves HTTPS itself.
    pub fn scheme(&self) -> &'static str {
        if self.tls_cert.is_some() && self.tls_key.is_some() {
            "https"
        } else {
            "http"
        }
    }
}

/// Where the kernel keeps its data.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// A PostgreSQL database (`postgres://user:password@host:5432/tether`),
    /// which several kernel nodes can share; without it the kernel keeps
    /// an embedded SQLite database in `server.data_dir`.
    #[serde(default)]
    pub url: Option<String>,
}

impl StorageConfig {
    /// Where to open storage, checked: only PostgreSQL addresses are
    /// accepted, so a typo is not taken for a file name.
    pub fn location(&self, data_dir: &Path) -> Result<StorageLocation, ConfigError> {
        match self.url.as_deref() {
            None => Ok(StorageLocation::Sqlite(data_dir.join("tether.db"))),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(StorageLocation::Postgres(url.to_owned()))
            }
            Some(_) => Err(ConfigError::Invalid {
                field: "storage.url",
                reason: "must be a PostgreSQL address (`postgres://user:password@host:5432/database`); leave it out for the embedded SQLite database".into(),
            }),
        }
    }
}

/// The Prometheus endpoint, `/metrics`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// When set, `/metrics` answers only requests carrying
    /// `Authorization: Bearer <token>` (Prometheus' `authorization`
    /// setting); without it anyone reaching the server may read them.
    pub token: Option<String>,
}

/// Several kernel nodes sharing one PostgreSQL database and a NATS server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterConfig {
    /// The NATS server the nodes share (`nats://host:4222`); without it
    /// the kernel runs as one node on its own.
    pub nats_url: Option<String>,
    /// This node's name, unique among the nodes.
    pub node: Option<String>,
    /// How long a node's claim on a live session lasts without renewal:
    /// how soon another node may take over the sessions of a node that
    /// died or was cut off. The same on every node.
    pub lease_secs: u64,
}

impl Default for ClusterConfig {
    fn default() -> ClusterConfig {
        ClusterConfig {
            nats_url: None,
            node: None,
            lease_secs: 10,
        }
    }
}

/// The checked `[cluster]` settings of a node that has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSettings {
    pub nats_url: String,
    pub node: NodeName,
    pub timing: LeaseTiming,
}

impl KernelConfig {
    /// This node's cluster settings, checked; `None` for a node on its own.
    pub fn cluster_settings(&self) -> Result<Option<ClusterSettings>, ConfigError> {
        let c = &self.cluster;
        let invalid = |field: &'static str, reason: &str| ConfigError::Invalid {
            field,
            reason: reason.to_owned(),
        };
        let Some(nats_url) = &c.nats_url else {
            return match c.node {
                Some(_) => Err(invalid(
                    "cluster.node",
                    "needs `cluster.nats_url`: a node's name only matters among several nodes",
                )),
                None => Ok(None),
            };
        };
        if !matches!(
            self.storage.location(&self.server.data_dir)?,
            StorageLocation::Postgres(_)
        ) {
            return Err(invalid(
                "cluster.nats_url",
                "several nodes share one PostgreSQL database: set `storage.url` too",
            ));
        }
        let node = c
            .node
            .as_deref()
            .ok_or_else(|| invalid("cluster.node", "must name this node among the others"))?
            .parse()
            .map_err(|reason: String| invalid("cluster.node", &reason))?;
        let timing = LeaseTiming::new(std::time::Duration::from_secs(c.lease_secs))
            .map_err(|error| invalid("cluster.lease_secs", &error.to_string()))?;
        Ok(Some(ClusterSettings {
            nats_url: nats_url.clone(),
            node,
            timing,
        }))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PluginsConfig {
    pub manifests_dir: PathBuf,
    pub artifacts_dir: PathBuf,
    /// Precompiled components; defaults to `<data_dir>/plugin-cache`.
    pub cache_dir: Option<PathBuf>,
    pub max_memory_mb: u32,
    pub max_time_per_event_ms: u32,
    pub max_concurrent_events: u32,
    pub crash_threshold: u32,
    pub crash_backoff_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub name: String,
    /// Plugin ids, or `["*"]` for all.
    pub plugins: Vec<String>,
    /// `single` (several customers per session) or `multi` (one session
    /// per customer); a CSR's account may override it.
    #[serde(default = "default_session_mode")]
    pub session_mode: SessionMode,
    #[serde(default = "default_max_customers")]
    pub max_customers_per_csr: u32,
    /// `optional`, `admins` or `everyone`: who must sign in with a
    /// second factor.
    #[serde(default = "default_two_factor")]
    pub two_factor: TwoFactorRule,
    /// Days a session report is kept after it ended; 0 keeps them.
    #[serde(default)]
    pub report_retention_days: u32,
}

fn default_two_factor() -> TwoFactorRule {
    SiteSettings::default().two_factor
}

fn default_session_mode() -> SessionMode {
    SiteSettings::default().session_mode
}

fn default_max_customers() -> u32 {
    SiteSettings::default().max_customers_per_csr
}

/// Support session timing.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionsConfig {
    /// How long a session waits for its host to come back after the
    /// console was closed.
    pub grace_secs: u64,
    /// How long a consent prompt waits for the customer.
    pub consent_timeout_secs: u64,
    /// How long a granted permission lasts; 0 means until the session ends
    /// or the customer revokes it.
    pub grant_ttl_secs: u64,
    /// How long the kernel waits for an agent to answer a call.
    pub agent_timeout_secs: u64,
    /// Failed join attempts (numbers of no running session) allowed per
    /// client address per minute.
    pub join_attempts_per_minute: u32,
    /// How long a customer whose computer restarts keeps their place in
    /// the session, waiting for the agent to rejoin.
    pub rejoin_window_secs: u64,
    /// How long a customer who joined has to open the page or start the
    /// agent before their place is given back.
    pub unconnected_join_secs: u64,
    /// Successful joins allowed per client address per hour (so one
    /// address cannot take every CSR's places).
    pub joins_per_address_per_hour: u32,
    /// Most a session's details report may hold, in KiB; past it the
    /// report says it was truncated and keeps only how the session ended.
    pub report_budget_kib: u64,
}

/// Outgoing mail for invitations; without it, invitations go through the
/// CSR's own mail program (`mailto:`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub from: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// `none` (plain, for a relay on the same host) or `starttls`.
    #[serde(default = "default_tls")]
    pub tls: String,
}

fn default_tls() -> String {
    "starttls".into()
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] config::ConfigError),
    #[error("configuration: {0}")]
    Site(#[from] SiteError),
    #[error("configuration: {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
}

impl KernelConfig {
    /// Loads the configuration. `file` must exist when given; otherwise
    /// `tether.toml` in the working directory is read if present.
    pub fn load(file: Option<&Path>) -> Result<KernelConfig, ConfigError> {
        KernelConfig::load_with_env(file, None)
    }

    /// [`KernelConfig::load`] with the environment given explicitly (`None`
    /// reads the process environment).
    pub fn load_with_env(
        file: Option<&Path>,
        env: Option<config::Map<String, String>>,
    ) -> Result<KernelConfig, ConfigError> {
        let source = match file {
            Some(path) => config::File::from(path).required(true),
            None => config::File::with_name("tether.toml").required(false),
        };
        let loaded: KernelConfig = config::Config::builder()
            .set_default("server.listen", "127.0.0.1:8080")?
            .set_default("server.data_dir", "data")?
            .set_default("plugins.manifests_dir", "manifests")?
            .set_default("plugins.artifacts_dir", "target/plugins")?
            .set_default("plugins.max_memory_mb", 64)?
            .set_default("plugins.max_time_per_event_ms", 2000)?
            .set_default("plugins.max_concurrent_events", 64)?
            .set_default("plugins.crash_threshold", 3)?
            .set_default("plugins.crash_backoff_secs", 30)?
            .set_default("sessions.grace_secs", 120)?
            .set_default("sessions.consent_timeout_secs", 120)?
            .set_default("sessions.grant_ttl_secs", 0)?
            .set_default("sessions.agent_timeout_secs", 900)?
            .set_default("sessions.join_attempts_per_minute", 10)?
            .set_default("sessions.rejoin_window_secs", 900)?
            .set_default("sessions.report_budget_kib", 8192)?
            .set_default("sessions.unconnected_join_secs", 60)?
            .set_default("sessions.joins_per_address_per_hour", 30)?
            .add_source(source)
            .add_source(
                config::Environment::with_prefix("TETHER")
                    .prefix_separator("_")
                    .separator("__")
                    .try_parsing(true)
                    .source(env),
            )
            .build()?
            .try_deserialize()?;
        loaded.validate()?;
        Ok(loaded)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.storage.location(&self.server.data_dir)?;
        self.cluster_settings()?;
        self.server.tls()?;
        let p = &self.plugins;
        let t = &self.sessions;
        let checks: [(&'static str, bool, &str); 7] = [
            (
                "sessions.consent_timeout_secs",
                t.consent_timeout_secs >= 1,
                "must be at least 1",
            ),
            (
                "sessions.agent_timeout_secs",
                t.agent_timeout_secs >= 1,
                "must be at least 1",
            ),
            (
                "sessions.join_attempts_per_minute",
                t.join_attempts_per_minute >= 1,
                "must be at least 1",
            ),
            (
                "plugins.max_memory_mb",
                (1..=4096).contains(&p.max_memory_mb),
                "must be 1 to 4096",
            ),
            (
                "plugins.max_time_per_event_ms",
                (1..=60_000).contains(&p.max_time_per_event_ms),
                "must be 1 to 60000",
            ),
            (
                "plugins.max_concurrent_events",
                (1..=10_000).contains(&p.max_concurrent_events),
                "must be 1 to 10000",
            ),
            (
                "plugins.crash_threshold",
                p.crash_threshold >= 1,
                "must be at least 1",
            ),
        ];
        for (field, ok, reason) in checks {
            if !ok {
                return Err(ConfigError::Invalid {
                    field,
                    reason: reason.to_owned(),
                });
            }
        }
        Ok(())
    }

    pub fn host_settings(&self) -> HostSettings {
        let p = &self.plugins;
        HostSettings {
            artifacts_dir: p.artifacts_dir.clone(),
            cache_dir: p
                .cache_dir
                .clone()
                .unwrap_or_else(|| self.server.data_dir.join("plugin-cache")),
            max_memory_mb: p.max_memory_mb,
            max_time_per_event_ms: p.max_time_per_event_ms,
            max_concurrent_events: p.max_concurrent_events,
            crash_policy: CrashPolicy {
                threshold: p.crash_threshold,
                first_backoff: std::time::Duration::from_secs(p.crash_backoff_secs),
                max_backoff: std::time::Duration::from_secs(
                    p.crash_backoff_secs.saturating_mul(32),
                ),
            },
        }
    }

    /// The sites the file configures (checked), which seed the database.
    pub fn site_table(&self) -> Result<SiteTable, ConfigError> {
        if self.sites.is_empty() {
            let all = vec!["*".to_owned()];
            return Ok(SiteTable::new([(
                "default",
                "Default site",
                all.as_slice(),
            )])?);
        }
        Ok(SiteTable::with_settings(self.sites.iter().map(
            |(id, site)| {
                let settings = SiteSettings {
                    session_mode: site.session_mode,
                    max_customers_per_csr: site.max_customers_per_csr,
                    two_factor: site.two_factor,
                    report_retention_days: site.report_retention_days,
                };
                (
                    id.as_str(),
                    site.name.as_str(),
                    site.plugins.as_slice(),
                    settings,
                )
            },
        ))?)
    }

    /// The address people use to reach Tether: `server.public_url`, or the
    /// address the kernel actually listens on (which knows the real port when
    /// the configuration says `:0`).
    pub fn public_url(&self, bound: SocketAddr) -> String {
        match &self.server.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("{}://{bound}", self.server.scheme()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("tether.toml");
        std::fs::write(&path, text).expect("write");
        (dir, path)
    }

    #[test]
    fn defaults_then_file_then_environment() {
        let (_dir, path) = write(
            "[server]\nlisten = \"127.0.0.1:9000\"\n[plugins]\nmax_memory_mb = 128\n[sites.acme]\nname = \"Acme\"\nplugins = [\"echo\"]\n",
        );
        let env = config::Map::from([
            ("TETHER_PLUGINS__MAX_MEMORY_MB".to_owned(), "32".to_owned()),
            (
                "TETHER_SERVER__DATA_DIR".to_owned(),
                "/var/lib/tether".to_owned(),
            ),
        ]);
        let loaded = KernelConfig::load_with_env(Some(&path), Some(env)).expect("loads");
        assert_eq!(loaded.server.listen.port(), 9000);
        assert_eq!(loaded.plugins.max_memory_mb, 32);
        assert_eq!(loaded.server.data_dir, PathBuf::from("/var/lib/tether"));
        assert_eq!(loaded.plugins.max_time_per_event_ms, 2000);
        assert_eq!(
            loaded.host_settings().cache_dir,
            PathBuf::from("/var/lib/tether/plugin-cache")
        );
        let sites = loaded.site_table().expect("sites");
        assert!(sites.site("acme").expect("acme").enables("echo"));
        assert!(sites.site("default").is_none());
    }

    #[test]
    fn a_certificate_and_key_make_the_public_address_https() {
        let (_dir, path) = write(
            "[server]\nlisten = \"0.0.0.0:8443\"\ntls_cert = \"/etc/tether/cert.pem\"\ntls_key = \"/etc/tether/key.pem\"\n",
        );
        let loaded =
            KernelConfig::load_with_env(Some(&path), Some(config::Map::new())).expect("loads");
        let tls = loaded.server.tls().expect("valid").expect("TLS");
        assert_eq!(tls.cert, PathBuf::from("/etc/tether/cert.pem"));
        let bound = "192.0.2.7:8443".parse().expect("address");
        assert_eq!(loaded.public_url(bound), "https://192.0.2.7:8443");
        let (_dir, plain) = write("");
        let loaded =
            KernelConfig::load_with_env(Some(&plain), Some(config::Map::new())).expect("loads");
        assert_eq!(loaded.server.tls().expect("valid"), None);
        assert_eq!(loaded.public_url(bound), "http://192.0.2.7:8443");
    }

    #[test]
    fn without_sites_a_default_site_enables_every_plugin() {
        let (_dir, path) = write("");
        let loaded =
            KernelConfig::load_with_env(Some(&path), Some(config::Map::new())).expect("loads");
        let sites = loaded.site_table().expect("sites");
        assert!(sites.site("default").expect("default").enables("anything"));
    }

    #[test]
    fn bad_values_and_unknown_keys_are_refused_with_their_name() {
        for (text, words) in [
            (
                "[plugins]\nmax_memory_mb = 0\n",
                "plugins.max_memory_mb: must be 1 to 4096",
            ),
            ("[server]\nlisten = \"nowhere\"\n", "listen"),
            ("[server]\ncolour = \"blue\"\n", "colour"),
            (
                "[server]\ntls_cert = \"cert.pem\"\n",
                "server.tls_key: server.tls_cert is set: give its private key too",
            ),
            (
                "[server]\ntls_key = \"key.pem\"\n",
                "server.tls_cert: server.tls_key is set: give its certificate too",
            ),
            (
                "[sites.acme]\nname = \"Acme\"\nplugins = [\"*\", \"echo\"]\n",
                "cannot be combined",
            ),
            (
                "[storage]\nurl = \"mysql://tether@db/tether\"\n",
                "storage.url: must be a PostgreSQL address",
            ),
            (
                "[storage]\nurl = \"data/tether.db\"\n",
                "storage.url: must be a PostgreSQL address",
            ),
            ("[storage]\npath = \"x\"\n", "path"),
            (
                "[cluster]\nnats_url = \"nats://127.0.0.1:4222\"\nnode = \"a\"\n",
                "cluster.nats_url: several nodes share one PostgreSQL database",
            ),
            (
                "[storage]\nurl = \"postgres://db/t\"\n[cluster]\nnats_url = \"nats://n:4222\"\n",
                "cluster.node: must name this node",
            ),
            (
                "[storage]\nurl = \"postgres://db/t\"\n[cluster]\nnats_url = \"nats://n:4222\"\nnode = \"node 1\"\n",
                "cluster.node: must be 1 to 64 letters",
            ),
            (
                "[storage]\nurl = \"postgres://db/t\"\n[cluster]\nnats_url = \"nats://n:4222\"\nnode = \"a\"\nlease_secs = 1\n",
                "cluster.lease_secs: a lease must be at least 2 s",
            ),
            (
                "[cluster]\nnode = \"a\"\n",
                "cluster.node: needs `cluster.nats_url`",
            ),
        ] {
            let (_dir, path) = write(text);
            let error = KernelConfig::load_with_env(Some(&path), Some(config::Map::new()))
                .and_then(|c| c.site_table().map(|_| c))
                .expect_err("refused");
            assert!(error.to_string().contains(words), "{text:?}: {error}");
        }
        let missing =
            KernelConfig::load_with_env(Some(Path::new("/nonexistent/tether.toml")), None);
        assert!(missing.is_err());
    }

    #[test]
    fn storage_is_embedded_sqlite_unless_a_postgresql_address_is_given() {
        let (_dir, path) = write("[server]\ndata_dir = \"/var/lib/tether\"\n");
        let embedded =
            KernelConfig::load_with_env(Some(&path), Some(config::Map::new())).expect("loads");
        assert_eq!(
            embedded
                .storage
                .location(&embedded.server.data_dir)
                .expect("location"),
            StorageLocation::Sqlite("/var/lib/tether/tether.db".into())
        );
        for url in [
            "postgres://tether:secret@db:5432/tether",
            "postgresql://db/tether",
        ] {
            let env = config::Map::from([("TETHER_STORAGE__URL".to_owned(), url.to_owned())]);
            let shared = KernelConfig::load_with_env(Some(&path), Some(env)).expect("loads");
            assert_eq!(
                shared
                    .storage
                    .location(&shared.server.data_dir)
                    .expect("location"),
                StorageLocation::Postgres(url.into())
            );
        }
    }

    #[test]
    fn a_node_joins_a_cluster_with_a_name_a_lease_and_postgresql() {
        let (_dir, path) = write(
            "[storage]\nurl = \"postgres://db/tether\"\n[cluster]\nnats_url = \"nats://nats:4222\"\nnode = \"node-a\"\n",
        );
        let loaded =
            KernelConfig::load_with_env(Some(&path), Some(config::Map::new())).expect("loads");
        let settings = loaded
            .cluster_settings()
            .expect("valid")
            .expect("a cluster node");
        assert_eq!(settings.nats_url, "nats://nats:4222");
        assert_eq!(settings.node.as_str(), "node-a");
        assert_eq!(settings.timing.lease(), std::time::Duration::from_secs(10));

        let (_dir, path) = write("");
        let alone =
            KernelConfig::load_with_env(Some(&path), Some(config::Map::new())).expect("loads");
        assert_eq!(alone.cluster_settings().expect("valid"), None);
    }
}
