//! Helpers shared by the end-to-end tests: where the built artifacts are, a
//! plugin host over the fixture plugins, a kernel process, and a scripted
//! session side for driving the plugin interfaces.

pub mod accessibility;
pub mod agent_process;
pub mod bench_summary;
pub mod browser;
pub mod clients;
pub mod kernel_process;
pub mod load;
pub mod load_balancer;
pub mod nats;
pub mod nodes;
pub mod postgres;
pub mod round_trips;
pub mod script_runs;
pub mod scripted_sessions;
pub mod share_bench;
pub mod smtp_sink;
pub mod stream_frames;
pub mod stream_viewer;
pub mod tls;
pub mod xvfb;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tether_kernel::plugin_host::services::{PluginKv, SessionServices};
use tether_kernel::plugin_host::{CrashPolicy, HostSettings, PluginHost};
use tether_kernel::site::{SiteTable, Sites};
use tether_kernel::storage::MemoryKv;

/// A loopback port nothing listens on now (bound, then let go): for a
/// server a test starts, or for an address that must refuse connections.
pub fn free_loopback_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_owned()
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                workspace_root().join(dir)
            }
        })
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// Built plugin components; `cargo xtask plugins` (part of `cargo xtask
/// test`) puts them there.
pub fn artifacts_dir() -> PathBuf {
    let dir = target_dir().join("plugins");
    assert!(
        dir.join("echo.wasm").is_file(),
        "no plugin components in {}: run the tests with `cargo xtask test` (or `cargo xtask plugins` first)",
        dir.display()
    );
    dir
}

pub fn fixture_manifests() -> PathBuf {
    workspace_root().join("tests/fixtures/manifests")
}

/// Where the kernel and agent binaries under test are: `target/debug`,
/// or the profile `XTASK_BINARIES_PROFILE` names (`cargo xtask bench
/// share` measures release builds: processor time of unoptimised code says
/// little). Not a `TETHER_` variable: the kernel reads those as its
/// configuration.
pub fn binaries_dir() -> PathBuf {
    let profile = std::env::var("XTASK_BINARIES_PROFILE").unwrap_or_else(|_| "debug".into());
    target_dir().join(profile)
}

/// The host agent binary, built by `cargo xtask plugins`.
pub fn agent_binary() -> PathBuf {
    let binary = binaries_dir().join("tether-agent");
    assert!(
        binary.is_file(),
        "no agent binary at {}: run the tests with `cargo xtask test`",
        binary.display()
    );
    binary
}

/// The system information categories the host agent reports, in order.
pub const SYSINFO_CATEGORY_TITLES: &[&str] = &[
    "System",
    "Processor",
    "Memory",
    "Disks",
    "Network interfaces",
    "Running processes",
    "Users",
    "Environment",
    "Installed software",
];

/// The bundled plugins' manifests.
pub fn bundled_manifests() -> PathBuf {
    workspace_root().join("manifests")
}

/// The kernel binary, built by `cargo xtask plugins`.
pub fn kernel_binary() -> PathBuf {
    let binary = binaries_dir().join("tether");
    assert!(
        binary.is_file(),
        "no kernel binary at {}: run the tests with `cargo xtask test`",
        binary.display()
    );
    binary
}

pub fn settings(cache_dir: &Path) -> HostSettings {
    HostSettings {
        artifacts_dir: artifacts_dir(),
        cache_dir: cache_dir.to_owned(),
        max_memory_mb: 64,
        max_time_per_event_ms: 2000,
        max_concurrent_events: 16,
        crash_policy: CrashPolicy::default(),
    }
}

/// Sites as `(id, plugin ids)`; every site's name is its id. Changes to
/// them are kept in memory only.
pub fn sites(entries: &[(&str, &[&str])]) -> Arc<Sites> {
    let owned: Vec<(String, Vec<String>)> = entries
        .iter()
        .map(|(id, plugins)| {
            (
                id.to_string(),
                plugins.iter().map(|p| p.to_string()).collect(),
            )
        })
        .collect();
    Arc::new(Sites::unpersisted(
        SiteTable::new(
            owned
                .iter()
                .map(|(id, plugins)| (id.as_str(), id.as_str(), plugins.as_slice())),
        )
        .expect("valid test sites"),
    ))
}

/// A plugin host with every loadable fixture plugin.
pub fn fixture_host(
    settings: HostSettings,
    sites: Arc<Sites>,
    sessions: Arc<dyn SessionServices>,
) -> PluginHost {
    fixture_host_with_kv(settings, sites, sessions, Arc::new(MemoryKv::default()))
}

pub fn fixture_host_with_kv(
    settings: HostSettings,
    sites: Arc<Sites>,
    sessions: Arc<dyn SessionServices>,
    kv: Arc<dyn PluginKv>,
) -> PluginHost {
    let mut host = PluginHost::new(settings, sites, sessions, kv).expect("engine starts");
    let refused = host
        .load_dir(&fixture_manifests())
        .expect("fixtures readable");
    assert!(refused.is_empty(), "fixtures refused: {refused:?}");
    host
}
