//! What `cargo xtask bench share` needs before it runs: the X server and
//! x11vnc (the baseline it is measured against) and libvpx (the agent's
//! encoder, the viewer's decoder), and release builds of the kernel and
//! agent, whose processor time it reports — an unoptimised build's says
//! little about the product.

use std::process::Command;

use anyhow::Result;

use crate::setup;
use crate::workspace::{Workspace, cargo, run};

/// System packages the benchmark runs (a subset of the tests' list).
const PACKAGES: [&str; 3] = ["xvfb", "x11vnc", "libvpx7"];

/// Installs what is missing, builds the release binaries, and points the
/// bench `command` at them.
pub fn prepare(ws: &Workspace, command: &mut Command) -> Result<()> {
    setup::install(&PACKAGES)?;
    run(cargo(ws).args([
        "build",
        "--release",
        "--package",
        "tether-kernel",
        "--package",
        "tether-agent",
        "--bins",
    ]))?;
    command.env("XTASK_BINARIES_PROFILE", "release");
    Ok(())
}
