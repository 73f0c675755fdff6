//! The plugin host: loads plugins declared by manifests, and runs each event
//! in a fresh, limited, sandboxed instance (Spin's model).
//!
//! * one [`wasmtime::Engine`] with the pooling allocator and an epoch ticker;
//! * each component compiled once (cached as `.cwasm`), linked with only the
//!   interfaces its manifest declares, and `instantiate_pre`-ed once;
//! * each event gets a new store and instance, a memory cap and a time
//!   budget; a trap ends that event only, and a plugin that keeps trapping
//!   on a site is suspended there with backoff.

mod cache;
mod crash;
mod engine;
mod imports;
mod interfaces;
pub mod limits;
pub mod manifest;
pub mod services;
mod state;
mod wit;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracing::Instrument;
use wasmtime::{Engine, Store, UpdateDeadline};

pub use cache::CacheOutcome;
pub use crash::CrashPolicy;
use crash::CrashRecord;
use engine::EpochTicker;
use limits::{DeadlineExceeded, GrantedLimits};
pub use manifest::{Manifest, ManifestError};
use services::{
    DeskServices, PluginEvent, PluginKv, PluginScope, PublicCaller, SessionServices, SiteDirectory,
};
use state::{EventContext, PluginState};
use wit::since_v0_1::wit_types;
use wit::{since_v0_1, since_v0_2};

/// Operator settings for the plugin host.
#[derive(Debug, Clone)]
pub struct HostSettings {
    pub artifacts_dir: PathBuf,
    pub cache_dir: PathBuf,
    pub max_memory_mb: u32,
    pub max_time_per_event_ms: u32,
    pub max_concurrent_events: u32,
    pub crash_policy: CrashPolicy,
}

/// Why a plugin was not loaded. Every variant names the manifest.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error("{}: plugin `{plugin}` is already loaded", manifest.display())]
    Duplicate { manifest: PathBuf, plugin: String },
    #[error("{}: field `wasm`: {reason}", manifest.display())]
    Component { manifest: PathBuf, reason: String },
    #[error(
        "{}: field `imports`: the component imports {} which the manifest does not declare",
        manifest.display(),
        undeclared.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
    )]
    UndeclaredImport {
        manifest: PathBuf,
        undeclared: Vec<String>,
    },
    #[error("{}: the component is not a Tether plugin: {reason}", manifest.display())]
    NotAPlugin { manifest: PathBuf, reason: String },
}

/// Why an event was not handled. The message is meant for the CSR.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DispatchError {
    #[error("unknown site `{0}`")]
    UnknownSite(String),
    #[error("unknown plugin `{0}`")]
    UnknownPlugin(String),
    #[error("plugin `{plugin}` is not enabled for site `{site}`")]
    NotEnabled { site: String, plugin: String },
    #[error("plugin `{plugin}` kept crashing and is suspended on site `{site}` for {}s", retry_in.as_secs())]
    Suspended {
        site: String,
        plugin: String,
        retry_in: Duration,
    },
    #[error("plugin `{plugin}` is busy: too many events are running; try again")]
    Busy { plugin: String },
    #[error("plugin `{plugin}` ran longer than its limit of {limit_ms} ms and was stopped")]
    DeadlineExceeded { plugin: String, limit_ms: u128 },
    #[error(
        "plugin `{plugin}` tried to use more than its {limit_mb} MiB of memory and was stopped"
    )]
    MemoryExceeded { plugin: String, limit_mb: usize },
    #[error("plugin `{plugin}` crashed: {message}")]
    Panicked { plugin: String, message: String },
    #[error("plugin `{plugin}` failed: {message}")]
    Trapped { plugin: String, message: String },
    #[error("{0}")]
    Plugin(#[from] PluginFailure),
}

/// The plugin handled the event and reported an error (not a crash).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PluginFailure {
    pub kind: PluginFailureKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginFailureKind {
    InvalidInput,
    Denied,
    Failed,
}

impl From<wit_types::PluginError> for PluginFailure {
    fn from(error: wit_types::PluginError) -> Self {
        let (kind, message) = match error {
            wit_types::PluginError::InvalidInput(m) => (PluginFailureKind::InvalidInput, m),
            wit_types::PluginError::Denied(m) => (PluginFailureKind::Denied, m),
            wit_types::PluginError::Failed(m) => (PluginFailureKind::Failed, m),
        };
        PluginFailure { kind, message }
    }
}

/// A plugin ready to run: validated manifest, granted limits, linked component.
pub struct LoadedPlugin {
    pub manifest: Arc<Manifest>,
    pub manifest_path: PathBuf,
    pub limits: GrantedLimits,
    pub cache: CacheOutcome,
    pre: Pre,
}

/// A manifest panel's `location` for the customer's page.
pub const CUSTOMER_PANEL: &str = "customer";

impl LoadedPlugin {
    /// The panels this plugin shows on the customer's page. Only a plugin
    /// with one takes commands from customers; every other plugin hears
    /// only from signed-in CSRs.
    pub fn customer_panels(&self) -> impl Iterator<Item = &tether_manifest::Panel> {
        self.manifest
            .panels
            .iter()
            .filter(|panel| panel.location == CUSTOMER_PANEL)
    }
}

pub struct PluginHost {
    engine: Engine,
    _ticker: EpochTicker,
    settings: HostSettings,
    cache: cache::ArtifactCache,
    plugins: BTreeMap<String, LoadedPlugin>,
    sites: Arc<dyn SiteDirectory>,
    sessions: Arc<dyn SessionServices>,
    kv: Arc<dyn PluginKv>,
    desk: Arc<dyn DeskServices>,
    crashes: Mutex<HashMap<PluginScope, CrashRecord>>,
}

impl PluginHost {
    pub fn new(
        settings: HostSettings,
        sites: Arc<dyn SiteDirectory>,
        sessions: Arc<dyn SessionServices>,
        kv: Arc<dyn PluginKv>,
    ) -> wasmtime::Result<PluginHost> {
        let engine = engine::build_engine(settings.max_memory_mb, settings.max_concurrent_events)?;
        let ticker = EpochTicker::start(&engine)?;
        let cache = cache::ArtifactCache::new(&engine, settings.cache_dir.clone());
        Ok(PluginHost {
            engine,
            _ticker: ticker,
            settings,
            cache,
            plugins: BTreeMap::new(),
            sites,
            sessions,
            kv,
            desk: Arc::new(services::NoDesk),
            crashes: Mutex::new(HashMap::new()),
        })
    }

    /// The support desk plugins of API 0.2 reach through `csrs`, `offers`
    /// and `desk` (until set, a desk without CSRs or sessions).
    pub fn set_desk(&mut self, desk: Arc<dyn DeskServices>) {
        self.desk = desk;
    }

    /// Loads every `*.toml` manifest in `dir` (sorted by name). Plugins that
    /// are refused are returned with the reason and the others still load.
    pub fn load_dir(&mut self, dir: &Path) -> Result<Vec<LoadError>, std::io::Error> {
        let mut manifests: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "toml"))
            .collect();
        manifests.sort();
        let mut refused = Vec::new();
        for path in manifests {
            match self.load(&path) {
                Ok(manifest) => tracing::info!(plugin = %manifest, "plugin loaded"),
                Err(error) => {
                    tracing::error!(%error, "plugin refused");
                    refused.push(error);
                }
            }
        }
        Ok(refused)
    }

    /// Loads one plugin: validates its manifest, compiles (or loads from the
    /// cache) its component, checks its imports and links it.
    pub fn load(&mut self, manifest_path: &Path) -> Result<Arc<Manifest>, LoadError> {
        let manifest = Arc::new(manifest::load(manifest_path)?);
        let at = manifest_path.to_owned();
        if self.plugins.contains_key(&manifest.id) {
            return Err(LoadError::Duplicate {
                manifest: at,
                plugin: manifest.id.clone(),
            });
        }
        let wasm_path = self.settings.artifacts_dir.join(&manifest.wasm);
        let (component, cache) = self
            .cache
            .load(&self.engine, &manifest.id, &wasm_path)
            .map_err(|error| LoadError::Component {
                manifest: at.clone(),
                reason: error.to_string(),
            })?;

        let component_type = component.component_type();
        let import_names: Vec<&str> = component_type
            .imports(&self.engine)
            .map(|(name, _)| name)
            .collect();
        let undeclared = imports::undeclared_imports(import_names, &manifest);
        if !undeclared.is_empty() {
            return Err(LoadError::UndeclaredImport {
                manifest: at,
                undeclared,
            });
        }

        let not_a_plugin = |error: wasmtime::Error| LoadError::NotAPlugin {
            manifest: at.clone(),
            reason: format!("{error:#}"),
        };
        let linker = wit::linker_for(&self.engine, &manifest).map_err(not_a_plugin)?;
        let instance_pre = linker.instantiate_pre(&component).map_err(not_a_plugin)?;
        let pre = match manifest.api_version.as_str() {
            // 0.3 exports what 0.2 does.
            "0.2" | "0.3" => {
                Pre::V0_2(since_v0_2::PluginPre::new(instance_pre).map_err(not_a_plugin)?)
            }
            _ => Pre::V0_1(since_v0_1::PluginPre::new(instance_pre).map_err(not_a_plugin)?),
        };

        let limits = GrantedLimits::grant(
            manifest.limits.memory_mb,
            manifest.limits.time_per_event_ms,
            self.settings.max_memory_mb,
            self.settings.max_time_per_event_ms,
        );
        self.plugins.insert(
            manifest.id.clone(),
            LoadedPlugin {
                manifest: manifest.clone(),
                manifest_path: at,
                limits,
                cache,
                pre,
            },
        );
        Ok(manifest)
    }

    pub fn plugins(&self) -> impl Iterator<Item = &LoadedPlugin> {
        self.plugins.values()
    }

    pub fn plugin(&self, id: &str) -> Option<&LoadedPlugin> {
        self.plugins.get(id)
    }

    /// Ids of the loaded plugins.
    pub fn loaded_ids(&self) -> BTreeSet<String> {
        self.plugins.keys().cloned().collect()
    }

    /// The loaded plugins enabled for `site`, or `None` for an unknown site.
    pub fn enabled_for(&self, site: &str) -> Option<Vec<&LoadedPlugin>> {
        if !self.sites.knows(site) {
            return None;
        }
        Some(
            self.plugins
                .values()
                .filter(|p| self.sites.enables(site, &p.manifest.id) == Some(true))
                .collect(),
        )
    }

    /// Calls `init` of every plugin enabled on every site. Failures are
    /// returned (and count as crashes) but do not stop the others.
    pub async fn init_sites(&self) -> Vec<(PluginScope, DispatchError)> {
        let mut failures = Vec::new();
        for site in self.sites.site_ids() {
            let enabled: Vec<&str> = self
                .plugins
                .keys()
                .filter(|id| self.sites.enables(&site, id) == Some(true))
                .map(String::as_str)
                .collect();
            failures.extend(self.init_on(&site, &enabled).await);
        }
        failures
    }

    /// Calls `init` of `plugins` on `site` (at start, and when a site
    /// admin's change enables them).
    pub async fn init_on(&self, site: &str, plugins: &[&str]) -> Vec<(PluginScope, DispatchError)> {
        let mut failures = Vec::new();
        for plugin in plugins.iter().filter_map(|id| self.plugins.get(*id)) {
            let scope = PluginScope {
                site: site.to_owned(),
                plugin: plugin.manifest.id.clone(),
            };
            let span =
                tracing::info_span!("plugin_init", plugin = %scope.plugin, site = %scope.site);
            if let Err(error) = self
                .run(plugin, &scope, Call::Init, None)
                .instrument(span)
                .await
            {
                tracing::error!(plugin = %scope.plugin, site = %scope.site, %error, "plugin init failed");
                failures.push((scope, error));
            }
        }
        failures
    }

    /// Delivers `event` to `plugin` on behalf of `site` and returns the
    /// plugin's JSON reply.
    pub async fn dispatch(
        &self,
        site: &str,
        plugin: &str,
        event: PluginEvent,
    ) -> Result<String, DispatchError> {
        self.dispatch_from(site, plugin, event, None).await
    }

    /// Delivers a command from `plugin`'s public page, sent by `caller`:
    /// while it is handled the plugin may open one waiting session for
    /// them, whose join the kernel then finds in `caller`.
    pub async fn dispatch_public(
        &self,
        site: &str,
        plugin: &str,
        event: PluginEvent,
        caller: Arc<PublicCaller>,
    ) -> Result<String, DispatchError> {
        self.dispatch_from(site, plugin, event, Some(caller)).await
    }

    async fn dispatch_from(
        &self,
        site: &str,
        plugin: &str,
        event: PluginEvent,
        public_caller: Option<Arc<PublicCaller>>,
    ) -> Result<String, DispatchError> {
        let loaded = self
            .plugins
            .get(plugin)
            .ok_or_else(|| DispatchError::UnknownPlugin(plugin.to_owned()))?;
        let enabled = self
            .sites
            .enables(site, plugin)
            .ok_or_else(|| DispatchError::UnknownSite(site.to_owned()))?;
        if !enabled {
            return Err(DispatchError::NotEnabled {
                site: site.to_owned(),
                plugin: plugin.to_owned(),
            });
        }
        let scope = PluginScope {
            site: site.to_owned(),
            plugin: plugin.to_owned(),
        };
        // A 0.1 plugin's world has no case for the events 0.2 added: it
        // is not even instantiated for them.
        if event.since_v0_2() && loaded.manifest.api_version == "0.1" {
            return Ok(NOTHING.into());
        }
        let span = tracing::info_span!("plugin_event", plugin, site, event = event_kind(&event));
        self.run(loaded, &scope, Call::Handle(event), public_caller)
            .instrument(span)
            .await
    }

    async fn run(
        &self,
        plugin: &LoadedPlugin,
        scope: &PluginScope,
        call: Call,
        public_caller: Option<Arc<PublicCaller>>,
    ) -> Result<String, DispatchError> {
        let now = Instant::now();
        if let Some(until) = self.crash_record(scope, |r| r.suspended_at(now)) {
            return Err(DispatchError::Suspended {
                site: scope.site.clone(),
                plugin: scope.plugin.clone(),
                retry_in: until.saturating_duration_since(now),
            });
        }

        crate::telemetry::plugin_event(&scope.plugin);
        let context = EventContext {
            scope: scope.clone(),
            manifest: plugin.manifest.clone(),
            sessions: self.sessions.clone(),
            kv: self.kv.clone(),
            desk: self.desk.clone(),
            public_caller,
        };
        let mut store = Store::new(&self.engine, PluginState::new(context, plugin.limits));
        store.limiter(|state| &mut state.memory);
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|mut ctx| {
            if ctx.data_mut().budget.check() {
                Err(DeadlineExceeded.into())
            } else {
                Ok(UpdateDeadline::Yield(1))
            }
        });

        let outcome = match plugin.pre.instantiate(&mut store).await {
            Ok(instance) => invoke(&instance, &mut store, call).await,
            Err(error) if is_pool_exhausted(&error) => {
                return Err(DispatchError::Busy {
                    plugin: scope.plugin.clone(),
                });
            }
            Err(error) => Err(error),
        };
        let state = store.into_data();
        let stderr = forward_output(scope, &state);

        match outcome {
            Ok(Ok(reply)) => {
                self.crash_record(scope, CrashRecord::record_success);
                Ok(reply)
            }
            Ok(Err(error)) => {
                self.crash_record(scope, CrashRecord::record_success);
                Err(PluginFailure::from(error).into())
            }
            Err(trap) => {
                crate::telemetry::plugin_trapped(&scope.plugin);
                let error = classify_trap(scope, plugin, &state, &stderr, &trap);
                tracing::error!(plugin = %scope.plugin, site = %scope.site, %error, trap = %format!("{trap:#}"), "plugin event trapped");
                let policy = self.settings.crash_policy;
                if let Some(until) =
                    self.crash_record(scope, |r| r.record_trap(&policy, Instant::now()))
                {
                    tracing::error!(plugin = %scope.plugin, site = %scope.site, suspended_for = ?until.saturating_duration_since(Instant::now()), "plugin suspended after repeated crashes");
                }
                Err(error)
            }
        }
    }

    fn crash_record<R>(&self, scope: &PluginScope, f: impl FnOnce(&mut CrashRecord) -> R) -> R {
        // A poisoned lock only means another event panicked while updating a
        // counter; the records stay usable.
        let mut records = self
            .crashes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(records.entry(scope.clone()).or_default())
    }
}

enum Call {
    Init,
    Handle(PluginEvent),
}

/// A plugin ready to instantiate, by the API version it was built for.
enum Pre {
    V0_1(since_v0_1::PluginPre<PluginState>),
    V0_2(since_v0_2::PluginPre<PluginState>),
}

/// One event's instance.
enum Instance {
    V0_1(since_v0_1::Plugin),
    V0_2(since_v0_2::Plugin),
}

impl Pre {
    async fn instantiate(&self, store: &mut Store<PluginState>) -> wasmtime::Result<Instance> {
        Ok(match self {
            Pre::V0_1(pre) => Instance::V0_1(pre.instantiate_async(store).await?),
            Pre::V0_2(pre) => Instance::V0_2(pre.instantiate_async(store).await?),
        })
    }
}

/// The answer to an event the plugin's API version does not have.
const NOTHING: &str = "null";

async fn invoke(
    instance: &Instance,
    store: &mut Store<PluginState>,
    call: Call,
) -> wasmtime::Result<Result<String, wit_types::PluginError>> {
    let nothing = || Ok(Ok(String::from(NOTHING)));
    match (instance, call) {
        (Instance::V0_1(instance), Call::Init) => Ok(instance
            .call_init(&mut *store)
            .await?
            .map(|()| NOTHING.into())),
        (Instance::V0_2(instance), Call::Init) => Ok(instance
            .call_init(&mut *store)
            .await?
            .map(|()| NOTHING.into())),
        (Instance::V0_1(instance), Call::Handle(event)) => match since_v0_1::event(event) {
            Some(event) => instance.call_handle(&mut *store, &event).await,
            None => nothing(),
        },
        (Instance::V0_2(instance), Call::Handle(event)) => match since_v0_2::event(event) {
            Some(event) => instance.call_handle(&mut *store, &event).await,
            None => nothing(),
        },
    }
}

fn event_kind(event: &PluginEvent) -> &'static str {
    match event {
        PluginEvent::Command { .. } => "command",
        PluginEvent::ParticipantJoined { .. } => "participant-joined",
        PluginEvent::ParticipantLeft { .. } => "participant-left",
        PluginEvent::ParticipantRejoined { .. } => "participant-rejoined",
        PluginEvent::StreamClosed { .. } => "stream-closed",
        PluginEvent::ConsentWithdrawn { .. } => "consent-withdrawn",
        PluginEvent::StreamControl { .. } => "stream-control",
        PluginEvent::CustomerSelected { .. } => "customer-selected",
        PluginEvent::ActivitiesEnded { .. } => "activities-ended",
        PluginEvent::SessionEnded { .. } => "session-ended",
        PluginEvent::Timer { .. } => "timer",
        PluginEvent::PublicCommand { .. } => "public-command",
        PluginEvent::OfferAnswered { .. } => "offer-answered",
        PluginEvent::OfferExpired { .. } => "offer-expired",
        PluginEvent::PresenceChanged(_) => "presence-changed",
    }
}

fn is_pool_exhausted(error: &wasmtime::Error) -> bool {
    error
        .chain()
        .any(|cause| cause.is::<wasmtime::PoolConcurrencyLimitError>())
}

/// Logs what the plugin wrote to stdout and stderr; returns stderr, which
/// holds a panic's message.
fn forward_output(scope: &PluginScope, state: &PluginState) -> String {
    let stdout = String::from_utf8_lossy(&state.stdout.contents()).into_owned();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        tracing::info!(plugin = %scope.plugin, site = %scope.site, stream = "stdout", "{line}");
    }
    let stderr = String::from_utf8_lossy(&state.stderr.contents()).into_owned();
    for line in stderr.lines().filter(|l| !l.trim().is_empty()) {
        tracing::warn!(plugin = %scope.plugin, site = %scope.site, stream = "stderr", "{line}");
    }
    stderr
}

fn classify_trap(
    scope: &PluginScope,
    plugin: &LoadedPlugin,
    state: &PluginState,
    stderr: &str,
    trap: &wasmtime::Error,
) -> DispatchError {
    let name = scope.plugin.clone();
    if state.budget.exceeded || trap.chain().any(|c| c.is::<DeadlineExceeded>()) {
        return DispatchError::DeadlineExceeded {
            plugin: name,
            limit_ms: plugin.limits.time_per_event.as_millis(),
        };
    }
    if state.memory.exceeded {
        return DispatchError::MemoryExceeded {
            plugin: name,
            limit_mb: plugin.limits.memory_bytes >> 20,
        };
    }
    if let Some(message) = panic_message(stderr) {
        return DispatchError::Panicked {
            plugin: name,
            message,
        };
    }
    DispatchError::Trapped {
        plugin: name,
        message: trap.root_cause().to_string(),
    }
}

/// Extracts "panicked at <place>: <message>" from Rust's panic output.
fn panic_message(stderr: &str) -> Option<String> {
    let start = stderr.find("panicked at ")?;
    let text = &stderr[start..];
    let (place, rest) = text.split_once('\n').unwrap_or((text, ""));
    let message: Vec<&str> = rest
        .lines()
        .take_while(|l| !l.starts_with("note:"))
        .collect();
    let place = place.trim_end_matches(':');
    Some(if message.is_empty() {
        place.to_owned()
    } else {
        format!("{place}: {}", message.join(" "))
    })
}

#[cfg(test)]
mod tests {
    use super::panic_message;

    #[test]
    fn panic_messages_are_extracted_from_stderr() {
        let stderr = "\nthread '<unnamed>' panicked at src/lib.rs:12:9:\nboom: 42\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        assert_eq!(
            panic_message(stderr).as_deref(),
            Some("panicked at src/lib.rs:12:9: boom: 42")
        );
        assert_eq!(panic_message("nothing here"), None);
    }
}
