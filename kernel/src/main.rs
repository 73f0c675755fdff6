//! `tether`: runs the kernel, or checks plugins without serving.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tether_kernel::Kernel;
use tether_kernel::config::KernelConfig;
use tether_kernel::plugin_host::PluginHost;
use tether_kernel::plugin_host::services::NoSessions;
use tether_kernel::storage::MemoryKv;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "tether", version, about = "Tether remote support kernel")]
struct Cli {
    /// Configuration file (default: ./tether.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web console, the APIs and the plugins (the default).
    Serve,
    /// Plugin maintenance.
    Plugins {
        #[command(subcommand)]
        command: PluginsCommand,
    },
}

#[derive(Subcommand)]
enum PluginsCommand {
    /// Load every manifest and component as the kernel would, without
    /// serving; fails if any plugin is refused (and warms the compile cache).
    Check {
        /// Manifests directory (default: from the configuration).
        #[arg(long)]
        manifests_dir: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("tether: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let config = KernelConfig::load(cli.config.as_deref())?;
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(config).await,
            Command::Plugins {
                command: PluginsCommand::Check { manifests_dir },
            } => check_plugins(config, manifests_dir),
        }
    });
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("tether: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: KernelConfig) -> anyhow::Result<ExitCode> {
    let listen = config.server.listen;
    let kernel = Kernel::start(config).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    // Tests and scripts read this line to learn the port (the config may say :0).
    println!("Tether listening on http://{address}");
    tracing::info!(%address, plugins = kernel.plugins.plugins().count(), refused = kernel.refused.len(), "kernel started");
    axum::serve(listener, tether_kernel::web::router(Arc::clone(&kernel)))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server failed")?;
    Ok(ExitCode::SUCCESS)
}

fn check_plugins(config: KernelConfig, dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let dir = dir.unwrap_or_else(|| config.plugins.manifests_dir.clone());
    let mut host = PluginHost::new(
        config.host_settings(),
        Arc::new(config.site_table()?),
        Arc::new(NoSessions),
        Arc::new(MemoryKv::default()),
    )
    .map_err(|error| anyhow::anyhow!("cannot start the plugin engine: {error:#}"))?;
    let refused = host
        .load_dir(&dir)
        .with_context(|| format!("cannot read {}", dir.display()))?;
    for plugin in host.plugins() {
        println!("ok       {} ({:?})", plugin.manifest, plugin.cache);
    }
    for error in &refused {
        println!("refused  {error}");
    }
    Ok(if refused.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => return interrupt.await.unwrap_or(()),
            };
        tokio::select! {
            _ = interrupt => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    interrupt.await.unwrap_or(());
}
