//! Where things are, and running cargo.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

pub struct Workspace {
    pub root: PathBuf,
    pub target: PathBuf,
}

impl Workspace {
    pub fn locate() -> Result<Workspace> {
        let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let root = manifest_dir
            .parent()
            .context("xtask is not inside the workspace")?
            .to_owned();
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .map(|dir| {
                if dir.is_absolute() {
                    dir
                } else {
                    root.join(dir)
                }
            })
            .unwrap_or_else(|| root.join("target"));
        Ok(Workspace { root, target })
    }

    /// Where built plugin components are collected (`<id>.wasm`).
    pub fn artifacts(&self) -> PathBuf {
        self.target.join("plugins")
    }

    pub fn kernel_binary(&self) -> PathBuf {
        self.target.join("debug").join("tether")
    }
}

/// `cargo` from the toolchain running xtask, in the workspace root.
pub fn cargo(ws: &Workspace) -> Command {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(&ws.root);
    command
}

/// Runs a command, failing with its command line when it fails.
pub fn run(command: &mut Command) -> Result<()> {
    let shown = format!("{command:?}");
    eprintln!("xtask: {shown}");
    let status = command
        .status()
        .with_context(|| format!("cannot start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

/// Output of a command that must succeed.
pub fn output(command: &mut Command) -> Result<String> {
    let shown = format!("{command:?}");
    let out = command
        .output()
        .with_context(|| format!("cannot start {shown}"))?;
    if !out.status.success() {
        bail!(
            "{shown} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8(out.stdout)?)
}

pub fn relative<'a>(ws: &Workspace, path: &'a Path) -> &'a Path {
    path.strip_prefix(&ws.root).unwrap_or(path)
}
