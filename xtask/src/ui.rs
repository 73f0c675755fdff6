//! The web UI (`kernel/ui`): installs its npm packages when the lock file
//! changed and rebuilds `dist/` when a source is newer, so `cargo xtask
//! run` serves the current UI without a needless Vite run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use anyhow::{Context, Result};

use crate::workspace::{Workspace, run};

fn ui_dir(ws: &Workspace) -> PathBuf {
    ws.root.join("kernel").join("ui")
}

fn npm(dir: &Path) -> Command {
    let mut command = Command::new("npm");
    command.current_dir(dir).args(["--no-fund", "--no-audit"]);
    command
}

/// The newest modification time of any file under `path` (skipping
/// `node_modules` and `dist`).
fn newest(path: &Path) -> Result<Option<SystemTime>> {
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if meta.is_file() {
        return Ok(Some(meta.modified()?));
    }
    let mut latest = None;
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "node_modules" || name == "dist" {
            continue;
        }
        latest = latest.max(newest(&entry.path())?);
    }
    Ok(latest)
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Installs packages (`npm ci`) when `node_modules` is older than the lock.
fn install(ws: &Workspace) -> Result<()> {
    let dir = ui_dir(ws);
    let marker = dir.join("node_modules").join(".package-lock.json");
    // `None` (never installed) sorts before any time.
    if modified(&marker) < modified(&dir.join("package-lock.json")) {
        run(npm(&dir).arg("ci"))?;
    }
    Ok(())
}

/// Type-checks and builds the UI into `kernel/ui/dist` when it is stale.
pub fn build(ws: &Workspace) -> Result<()> {
    install(ws)?;
    let dir = ui_dir(ws);
    let built = modified(&dir.join("dist").join("index.html"));
    let source = newest(&dir)?;
    if built.is_none() || built < source {
        run(npm(&dir).args(["run", "build"]))?;
    }
    Ok(())
}

/// The UI's unit tests (Vitest).
pub fn test(ws: &Workspace) -> Result<()> {
    install(ws)?;
    run(npm(&ui_dir(ws)).args(["test"]))
}
