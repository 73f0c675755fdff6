//! What `cargo xtask bench share` needs before it runs: the X server and
//! x11vnc (the baseline it is measured against) and libvpx (the agent's
//! encoder, the viewer's decoder).

use std::process::Command;

use anyhow::Result;

use crate::setup;

/// System packages the benchmark runs (a subset of the tests' list).
const PACKAGES: [&str; 3] = ["xvfb", "x11vnc", "libvpx7"];

/// Installs what is missing.
pub fn prepare(_command: &mut Command) -> Result<()> {
    setup::install(&PACKAGES)
}
