//! What the tests need from the operating system, installed when missing,
//! so `cargo xtask test` works on a fresh machine as the README says (and
//! `.ci/run` only adds the Rust toolchain before calling it).

use std::process::Command;

use anyhow::{Result, bail};

use crate::workspace::run;

/// Debian packages the tests need, and why.
const PACKAGES: &[(&str, &str)] = &[
    (
        "chromium",
        "the browser tests drive the web UI in headless Chromium",
    ),
    ("chromium-driver", "the browser tests talk WebDriver to it"),
    (
        "dbus-daemon",
        "the agent tests give it a desktop session bus for its notifications",
    ),
    ("fonts-noto-cjk", "the Japanese screens need CJK fonts"),
    ("g++", "the fuzz targets link libFuzzer, which is C++"),
    (
        "xvfb",
        "the application tests give the agent a real X display of their own",
    ),
    (
        "xfonts-base",
        "the sharing indicator writes Japanese in the X server's misc-fixed Japanese face (Xvfb only recommends it)",
    ),
    (
        "xterm",
        "the application tests list and share a real X application",
    ),
    (
        "xdotool",
        "the sharing indicator's tests find it and press Stop sharing as a person would",
    ),
    (
        "x11vnc",
        "`cargo xtask bench share` measures application sharing against x11vnc on the same window",
    ),
    (
        "libvpx7",
        "the agent encodes shared applications as VP8 with libvpx, loaded at run time",
    ),
    (
        "postgresql",
        "the storage tests and the kernel on PostgreSQL run against a private PostgreSQL server the tests start",
    ),
    (
        "nats-server",
        "the tests of several kernel nodes route between them over a private NATS server the tests start",
    ),
    (
        "util-linux",
        "fault tests give the kernel a filesystem of its own (unshare, nsenter)",
    ),
];

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains("install ok installed"))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// Installs the packages the tests need that this machine lacks, saying
/// which and why; `sudo` when not root.
pub fn system_packages() -> Result<()> {
    let all: Vec<&str> = PACKAGES.iter().map(|(p, _)| *p).collect();
    install(&all)
}

/// Installs those of `wanted` (names from the tests' list) this machine
/// lacks, saying why each is needed.
pub fn install(wanted: &[&str]) -> Result<()> {
    let missing: Vec<&(&str, &str)> = PACKAGES
        .iter()
        .filter(|(p, _)| wanted.contains(p) && !installed(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: the tests need these packages, which this machine lacks:");
    for (package, why) in &missing {
        eprintln!("xtask:   {package}: {why}");
    }
    if Command::new("apt-get").arg("--version").output().is_err() {
        bail!(
            "apt-get is not available here; install the packages above with this system's package manager and run again"
        );
    }
    let names: Vec<&str> = missing.iter().map(|(p, _)| *p).collect();
    let elevate = |command: &str| {
        if is_root() {
            Command::new(command)
        } else {
            eprintln!("xtask: installing them needs root; asking sudo");
            let mut sudo = Command::new("sudo");
            sudo.arg(command);
            sudo
        }
    };
    run(elevate("apt-get").args(["update", "-q"]))?;
    run(elevate("apt-get")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .args(["install", "-y", "-q", "--no-install-recommends"])
        .args(&names))
}
