//! Building plugin components and checking them against their manifests.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

use crate::workspace::{Workspace, cargo, output, relative, run};

const WASM_TARGET: &str = "wasm32-wasip2";
/// Cargo profile for plugin builds (defined in the workspace `Cargo.toml`).
const PROFILE: &str = "plugin";

/// Directories whose sub-directories are plugin crates named by plugin id.
const PLUGIN_ROOTS: &[&str] = &["plugins", "tests/fixtures/plugins"];
/// Manifest directories that must load cleanly. Fixtures meant to be refused
/// live in `tests/fixtures/manifests/refused/`, which is not listed.
const MANIFEST_DIRS: &[&str] = &["manifests", "tests/fixtures/manifests"];

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    manifest_path: PathBuf,
}

/// A plugin crate: its package, and the plugin id (its directory name).
struct PluginCrate {
    package: String,
    id: String,
}

fn plugin_crates(ws: &Workspace) -> Result<Vec<PluginCrate>> {
    let json = output(cargo(ws).args(["metadata", "--no-deps", "--format-version", "1"]))?;
    let metadata: Metadata = serde_json::from_str(&json).context("cargo metadata output")?;
    let roots: Vec<PathBuf> = PLUGIN_ROOTS.iter().map(|r| ws.root.join(r)).collect();
    let mut crates = Vec::new();
    for package in metadata.packages {
        let Some(dir) = package.manifest_path.parent() else {
            continue;
        };
        if roots
            .iter()
            .any(|root| dir.parent() == Some(root.as_path()))
        {
            let id = dir
                .file_name()
                .and_then(|n| n.to_str())
                .context("plugin directory name is not UTF-8")?
                .to_owned();
            crates.push(PluginCrate {
                package: package.name,
                id,
            });
        }
    }
    crates.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(crates)
}

/// Installs the wasm target when the toolchain lacks it (a fresh machine).
pub fn ensure_wasm_target(ws: &Workspace) -> Result<()> {
    let libdir = output(Command::new("rustc").current_dir(&ws.root).args([
        "--print",
        "target-libdir",
        "--target",
        WASM_TARGET,
    ]))?;
    if Path::new(libdir.trim()).is_dir() {
        return Ok(());
    }
    run(Command::new("rustup")
        .current_dir(&ws.root)
        .args(["target", "add", WASM_TARGET]))
}

/// The panel SDK every panel folder gets a copy of (`sdk/panel/`): the
/// bridge, its base style, and the stream viewer a panel may use to show a
/// stream its plugin opened.
const PANEL_SDK_FILES: &[&str] = &[
    "tether-panel.js",
    "tether-panel.css",
    "tether-viewer.js",
    "tether-viewer.css",
];

/// Copies a plugin's `ui/` folder (its panels) to `<artifacts>/<id>/ui/`
/// with the panel SDK beside the panel files; the kernel serves them from
/// there. A plugin without panels gets no folder.
fn collect_panels(ws: &Workspace, plugin: &PluginCrate, artifacts: &Path) -> Result<()> {
    let source = plugin_dir(ws, &plugin.id).join("ui");
    let target = artifacts.join(&plugin.id).join("ui");
    if target.exists() {
        std::fs::remove_dir_all(&target)
            .with_context(|| format!("removing {}", target.display()))?;
    }
    if !source.is_dir() {
        return Ok(());
    }
    copy_tree(&source, &target)?;
    for file in PANEL_SDK_FILES {
        let from = ws.root.join("sdk").join("panel").join(file);
        std::fs::copy(&from, target.join(file))
            .with_context(|| format!("copying {}", from.display()))?;
    }
    Ok(())
}

fn plugin_dir(ws: &Workspace, id: &str) -> PathBuf {
    PLUGIN_ROOTS
        .iter()
        .map(|root| ws.root.join(root).join(id))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| ws.root.join("plugins").join(id))
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let destination = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &destination)?;
        } else {
            std::fs::copy(entry.path(), &destination)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

pub fn build_and_check(ws: &Workspace) -> Result<()> {
    ensure_wasm_target(ws)?;
    let crates = plugin_crates(ws)?;
    if !crates.is_empty() {
        let mut build = cargo(ws);
        build.args(["build", "--target", WASM_TARGET, "--profile", PROFILE]);
        for plugin in &crates {
            build.args(["--package", &plugin.package]);
        }
        run(&mut build)?;
    }
    let artifacts = ws.artifacts();
    std::fs::create_dir_all(&artifacts)?;
    for plugin in &crates {
        let built = ws
            .target
            .join(WASM_TARGET)
            .join(PROFILE)
            .join(format!("{}.wasm", plugin.package.replace('-', "_")));
        let collected = artifacts.join(format!("{}.wasm", plugin.id));
        std::fs::copy(&built, &collected)
            .with_context(|| format!("copying {} to {}", built.display(), collected.display()))?;
        collect_panels(ws, plugin, &artifacts)?;
    }
    eprintln!(
        "xtask: {} plugin components in {}",
        crates.len(),
        relative(ws, &artifacts).display()
    );

    // The kernel embeds the web UI (read from disk in debug builds), checks
    // the components below; the end-to-end tests run it and the host agent
    // as real processes.
    crate::ui::build(ws)?;
    run(cargo(ws).args([
        "build",
        "--package",
        "tether-kernel",
        "--package",
        "tether-agent",
        "--bins",
    ]))?;
    for dir in MANIFEST_DIRS {
        let dir = ws.root.join(dir);
        if !dir.is_dir() {
            continue;
        }
        let status = Command::new(ws.kernel_binary())
            .current_dir(&ws.root)
            .args(["plugins", "check", "--manifests-dir"])
            .arg(&dir)
            .env("TETHER_PLUGINS__ARTIFACTS_DIR", &artifacts)
            .env("TETHER_PLUGINS__CACHE_DIR", ws.target.join("plugin-cache"))
            .env("RUST_LOG", "warn")
            .status()
            .context("cannot run the kernel's plugin check")?;
        if !status.success() {
            bail!(
                "plugins in {} were refused (see above)",
                relative(ws, &dir).display()
            );
        }
    }
    Ok(())
}
