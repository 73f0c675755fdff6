//! `tether`: runs the kernel, or checks plugins without serving.

mod open_files;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use axum::serve::ListenerExt;

use anyhow::Context;
use axum_server::accept::{TcpConfigAcceptor, TcpSocketConfig};
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use clap::{Parser, Subcommand};
use tether_kernel::Kernel;
use tether_kernel::accounts::{AccountSpec, Accounts};
use tether_kernel::config::{KernelConfig, TlsFiles};
use tether_kernel::plugin_host::PluginHost;
use tether_kernel::plugin_host::services::NoSessions;
use tether_kernel::site::Sites;
use tether_kernel::storage::{AccountRole, MemoryKv, SessionMode};
use tracing_subscriber::EnvFilter;

/// mimalloc returns what is freed to the system within moments. With
/// glibc's allocator, each thread's arena kept what it had freed: every
/// blocking thread that checked a password (argon2 takes ~19 MiB) kept
/// that much, and the memory of connections that left was never returned.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Account administration (works on the database directly, with or
    /// without a running server).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a CSR or site admin account. The password is read from
    /// standard input (typed without echo on a terminal, or piped).
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// The site the account belongs to (default: the only or `default` site).
        #[arg(long)]
        site: Option<String>,
        #[arg(long, value_enum, default_value = "csr")]
        role: RoleArg,
        #[arg(long, default_value = "")]
        email: String,
        /// The CSR takes sessions from WebACD queues.
        #[arg(long)]
        webacd_agent: bool,
        /// Overrides the site's session mode for this CSR.
        #[arg(long, value_enum)]
        session_mode: Option<ModeArg>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    Csr,
    Admin,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ModeArg {
    Single,
    Multi,
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
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // After the user's own: frames (and the secrets in them) never reach the log.
    for directive in tether_protocol::logging::capping_directives() {
        if let Ok(directive) = directive.parse() {
            filter = filter.add_directive(directive);
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter)
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
            Command::Admin {
                command:
                    AdminCommand::CreateUser {
                        username,
                        display_name,
                        site,
                        role,
                        email,
                        webacd_agent,
                        session_mode,
                    },
            } => {
                let spec = AccountSpec {
                    site: site_for(&config, site)?,
                    password: read_password()?,
                    username,
                    display_name,
                    email,
                    role: match role {
                        RoleArg::Csr => AccountRole::Csr,
                        RoleArg::Admin => AccountRole::Admin,
                    },
                    webacd_agent,
                    session_mode: session_mode.map(|m| match m {
                        ModeArg::Single => SessionMode::Single,
                        ModeArg::Multi => SessionMode::Multi,
                    }),
                };
                create_user(config, spec).await
            }
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
    open_files::raise_and_log();
    let listen = config.server.listen;
    // Read before anything starts, so a wrong path or a key that does not
    // fit stops the start with the reason.
    let tls = match config.server.tls()? {
        Some(files) => Some(tls_config(&files).await?),
        None => None,
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    let scheme = config.server.scheme();
    let first_site = site_for(&config, None);
    let config_storage = config.storage.location(&config.server.data_dir)?;
    let kernel = Kernel::start(config, address).await?;
    if let Ok(site) = first_site
        && let Some((username, password)) = kernel.accounts.bootstrap(&site).await?
    {
        println!("First start: created the site admin `{username}` with the password {password}");
        println!(
            "This password is shown once. Create CSR accounts with `tether admin create-user`."
        );
    }
    // Tests and scripts read this line to learn the port (the config may say :0).
    println!("Tether listening on {scheme}://{address}");
    if kernel.public_url != format!("{scheme}://{address}") {
        println!("Public address: {}", kernel.public_url);
    }
    let storage = config_storage.describe();
    tracing::info!(%address, %storage, plugins = kernel.plugins.plugins().count(), refused = kernel.refused.len(), "kernel started");
    let app = tether_kernel::web::router(Arc::clone(&kernel));
    tether_kernel::web::serve_other_nodes(Arc::clone(&kernel), app.clone());
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    match tls {
        Some(tls) => serve_https(listener, tls, service).await?,
        None => {
            // Replies often follow another message on the same socket (an
            // event, then the answer); with Nagle's algorithm the second
            // waits ~40 ms for the client's delayed ACK. Every accepted
            // connection sends at once.
            let listener = listener.tap_io(|stream| {
                if let Err(error) = stream.set_nodelay(true) {
                    tracing::warn!(%error, "cannot set TCP_NODELAY on a connection");
                }
            });
            axum::serve(listener, service)
                .with_graceful_shutdown(shutdown_signal())
                .await
                .context("server failed")?;
        }
    }
    // Report lines recorded in the last moment are written before exit.
    kernel.sessions.flush_reports().await;
    Ok(ExitCode::SUCCESS)
}

fn check_plugins(config: KernelConfig, dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let dir = dir.unwrap_or_else(|| config.plugins.manifests_dir.clone());
    let mut host = PluginHost::new(
        config.host_settings(),
        Arc::new(Sites::unpersisted(config.site_table()?)),
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

/// The site named on the command line (which must exist), else `default`
/// or the only configured site.
fn site_for(config: &KernelConfig, named: Option<String>) -> anyhow::Result<String> {
    let sites = config.site_table()?;
    if let Some(id) = named {
        anyhow::ensure!(sites.site(&id).is_some(), "no site `{id}` is configured");
        return Ok(id);
    }
    if sites.site("default").is_some() {
        return Ok("default".into());
    }
    let ids: Vec<&str> = sites.iter().map(|s| s.id.as_str()).collect();
    match ids.as_slice() {
        [only] => Ok((*only).to_owned()),
        _ => anyhow::bail!(
            "several sites are configured ({}); say which with --site",
            ids.join(", ")
        ),
    }
}

fn read_password() -> anyhow::Result<String> {
    use std::io::IsTerminal;
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        anyhow::ensure!(first == again, "the passwords differ");
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    Ok(password)
}

async fn create_user(config: KernelConfig, spec: AccountSpec) -> anyhow::Result<ExitCode> {
    let data_dir = &config.server.data_dir;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let storage = config.storage.location(data_dir)?.open().await?;
    let account = Accounts::new(storage, Default::default())
        .create(spec)
        .await?;
    println!(
        "created {} account `{}` on site `{}`",
        account.role, account.username, account.site
    );
    Ok(ExitCode::SUCCESS)
}

/// The TLS settings of `files`: their certificate chain and key (PEM),
/// offering HTTP/1.1 only — every WebSocket is an HTTP/1.1 upgrade.
async fn tls_config(files: &TlsFiles) -> anyhow::Result<RustlsConfig> {
    let config = RustlsConfig::from_pem_file(&files.cert, &files.key)
        .await
        .with_context(|| {
            format!(
                "cannot serve HTTPS with the certificate {} and the key {}",
                files.cert.display(),
                files.key.display()
            )
        })?;
    let mut server = (*config.get_inner()).clone();
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.reload_from_config(Arc::new(server));
    Ok(config)
}

/// Serves `service` over HTTPS on `listener` until a stop signal, then
/// lets open requests finish for a few seconds.
async fn serve_https(
    listener: tokio::net::TcpListener,
    tls: RustlsConfig,
    service: axum::extract::connect_info::IntoMakeServiceWithConnectInfo<axum::Router, SocketAddr>,
) -> anyhow::Result<()> {
    let handle = axum_server::Handle::new();
    let stopping = handle.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        stopping.graceful_shutdown(Some(std::time::Duration::from_secs(5)));
    });
    // As on plain HTTP, every accepted connection sends at once.
    let tcp = TcpConfigAcceptor::new(TcpSocketConfig::new().nodelay(true));
    axum_server::from_tcp(listener.into_std()?)?
        .acceptor(RustlsAcceptor::new(tls).acceptor(tcp))
        .handle(handle)
        .serve(service)
        .await
        .context("server failed")
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
