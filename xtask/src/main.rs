//! `cargo xtask …`: the project's build tasks, in Rust so they run the same
//! on every machine.

mod bench;
mod fuzz;
mod plugins;
mod scaffold;
mod setup;
mod ui;
mod workspace;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

use workspace::{Workspace, cargo, run};

#[derive(Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Build every plugin component (bundled and test fixtures) and check
    /// each against its manifest: fails when a component imports an
    /// interface its manifest does not declare.
    Plugins,
    /// Scaffold a plugin crate and its manifest.
    NewPlugin {
        /// The plugin id: lowercase letters, digits and dashes.
        name: String,
        /// Workspace to create it in (default: this one).
        #[arg(long)]
        workspace: Option<PathBuf>,
    },
    /// Build the web UI and the plugins and start Tether (arguments go to
    /// `tether`).
    Run {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Everything CI runs: formatting, plugins, lints, every test, and a
    /// short run of every fuzz target. Installs what the tests need from
    /// the system first (Chromium and its driver, fonts, a C++ compiler),
    /// with `sudo` when not root.
    Test,
    /// Fuzzing: every target (or one) for a bounded time.
    Fuzz {
        /// One target (default: all).
        target: Option<String>,
        /// How long each target runs.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
    },
    /// Benchmarks: `plugin` (per-event cost against a native call),
    /// `scripts` (a 1 MB script run against a bare WebSocket copy),
    /// `latency` (round trips against a bare WebSocket echo), `roundtrip`
    /// (a console command through a plugin to a granted agent capability,
    /// against an echo through axum), `start` (process start to serving),
    /// `load` (idle agents and active sessions from a load generator),
    /// `share` (an application shared at full motion against x11vnc on the
    /// same window), `webacd` (customers queueing, against a bare join), or
    /// `all` (every one, and one table of their headline figures).
    Bench {
        /// Which benchmark (default: `all`).
        which: Option<String>,
        /// For `share`: which way the application is shared — `customer`
        /// (the customer's to the CSR's console, the default), `csr` (the
        /// CSR's own to the customer's page) or `both`.
        #[arg(long, value_parser = ["customer", "csr", "both"])]
        direction: Option<String>,
    },
}

/// How long `cargo xtask test` fuzzes each target: a smoke run that keeps
/// the targets building and the seeds passing, not a search.
const FUZZ_SECONDS_IN_TEST: u64 = 30;

fn main() -> Result<()> {
    let cli = Cli::parse();
    let ws = Workspace::locate()?;
    match cli.task {
        Task::Plugins => plugins::build_and_check(&ws),
        Task::NewPlugin { name, workspace } => {
            let root = workspace.unwrap_or_else(|| ws.root.clone());
            scaffold::new_plugin(&root, &name)
        }
        Task::Run { args } => {
            // Builds the kernel with the plugins; running that binary (not
            // `cargo run`, whose feature set differs) avoids a second build.
            plugins::build_and_check(&ws)?;
            let mut command = std::process::Command::new(ws.kernel_binary());
            command.current_dir(&ws.root).args(args);
            run(&mut command)
        }
        Task::Test => {
            setup::system_packages()?;
            run(cargo(&ws).args(["fmt", "--all", "--check"]))?;
            plugins::build_and_check(&ws)?;
            ui::test(&ws)?;
            run(cargo(&ws).args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]))?;
            // Every test binary runs even after one fails, so a run
            // reports all the failures at once rather than the first.
            run(cargo(&ws).args(["test", "--workspace", "--no-fail-fast"]))?;
            // The browser suite once more, every kernel serving HTTPS
            // with a certificate the tests make (`tests/src/tls.rs`): the
            // UI's secure-context features and wss:// as a small desk
            // without a reverse proxy runs them.
            run(cargo(&ws)
                .args(["test", "-p", "tether-tests", "--test", "browser"])
                .args(["--test", "browser_streams"])
                .env("TESTS_OVER_HTTPS", "1"))?;
            fuzz::run_targets(&ws, fuzz::TARGETS, FUZZ_SECONDS_IN_TEST)
        }
        Task::Fuzz { target, seconds } => match target {
            Some(target) => fuzz::run_targets(&ws, &[target.as_str()], seconds),
            None => fuzz::run_targets(&ws, fuzz::TARGETS, seconds),
        },
        Task::Bench { which, direction } => {
            bench::run_benches(&ws, which.as_deref(), direction.as_deref())
        }
    }
}
