//! `tether-agent`: the native agent on the customer's computer. It joins a
//! support session, shows consent prompts when the customer's page is not
//! open, and serves capabilities (system information, restart, log on as
//! another user) for calls the kernel forwards under a live consent grant.

mod apps;
mod backend;
mod capabilities;
mod connection;
mod credentials;
mod join;
mod notice;
mod prompts;
mod rejoin;
mod resume;
mod scripts;
mod sysinfo_report;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use tracing_subscriber::EnvFilter;

use backend::BackendKind;

#[derive(Parser)]
#[command(name = "tether-agent", version, about = "Tether host agent")]
struct Cli {
    /// Where the resume token is kept (default: $XDG_STATE_HOME/tether-agent
    /// or ~/.local/state/tether-agent; /var/lib/tether-agent for root).
    #[arg(long, global = true)]
    state_dir: Option<PathBuf>,
    /// What carries out the capabilities: this computer (`linux`), or a
    /// stand-in for tests and demos (`simulated`, never chosen by itself).
    #[arg(long, global = true, value_enum, default_value = "linux")]
    backend: BackendArg,
    /// When the support server is unreachable this long, a CSR's logon as
    /// another account is undone and the customer's account is back.
    #[arg(long, global = true, default_value_t = 120)]
    restore_after_secs: u64,
    /// How the agent starts again when a CSR restarts the computer: `auto`
    /// (a systemd unit for the next boot when running as root, an entry
    /// for the customer's next log-in otherwise), `systemd` or `autostart`.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        env = "TETHER_AGENT_REJOIN_VIA"
    )]
    rejoin_via: RejoinViaArg,
    /// Where the log-in entry goes (default: $XDG_CONFIG_HOME/autostart or
    /// ~/.config/autostart).
    #[arg(long, global = true, env = "TETHER_AGENT_AUTOSTART_DIR")]
    autostart_dir: Option<PathBuf>,
    /// Where the systemd unit goes (default: /etc/systemd/system).
    #[arg(long, global = true, env = "TETHER_AGENT_SYSTEMD_UNIT_DIR")]
    systemd_unit_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum BackendArg {
    Linux,
    Simulated,
}

#[derive(Clone, Copy, ValueEnum)]
enum RejoinViaArg {
    Auto,
    Systemd,
    Autostart,
}

#[derive(Subcommand)]
enum Command {
    /// Join a support session with the link or the number the CSR gave.
    Join {
        /// `https://…/join/123456789`, or the number (then `--server` too).
        session: String,
        /// The Tether server, when joining by number (or set TETHER_SERVER).
        #[arg(long)]
        server: Option<String>,
        /// Join as a new customer under this name. Without it the agent
        /// acts for the customer who joined on the support page: it asks
        /// for the one-time code the page shows (or reads it from
        /// TETHER_AGENT_CODE). Codes never go on the command line, where
        /// other users of this computer could read them.
        #[arg(long)]
        name: Option<String>,
    },
    /// Rejoin the session this computer was in before it restarted (what
    /// the entry the agent leaves for the next boot or log-in runs).
    Resume,
    /// Print what this computer can do for a CSR.
    Capabilities,
}

fn main() -> ExitCode {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
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
    let kind = match cli.backend {
        BackendArg::Linux => BackendKind::Linux,
        BackendArg::Simulated => BackendKind::Simulated,
    };
    let state_dir = cli.state_dir.unwrap_or_else(resume::default_state_dir);
    let restore_after = std::time::Duration::from_secs(cli.restore_after_secs);
    let rejoin = rejoin::Rejoin::new(
        &rejoin::Settings {
            via: match cli.rejoin_via {
                RejoinViaArg::Auto => rejoin::Via::Auto,
                RejoinViaArg::Systemd => rejoin::Via::Systemd,
                RejoinViaArg::Autostart => rejoin::Via::Autostart,
            },
            autostart_dir: cli.autostart_dir,
            systemd_unit_dir: cli.systemd_unit_dir,
        },
        &state_dir,
        kind,
        cli.restore_after_secs,
    );
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("tether-agent: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Join {
                session,
                server,
                name,
            } => {
                let server = server.or_else(|| std::env::var("TETHER_SERVER").ok());
                let start = match name {
                    Some(name) => join::join(&session, server.as_deref(), name)
                        .await?
                        .into_start(),
                    None => {
                        join::with_code(&session, server.as_deref(), &join::code_from_customer()?)?
                    }
                };
                let store = resume::ResumeStore::new(&state_dir);
                connection::run(start, store, backend::select(kind), restore_after, rejoin).await
            }
            Command::Resume => {
                let store = resume::ResumeStore::new(&state_dir);
                let saved = match store.load() {
                    Ok(saved) => saved,
                    Err(error) => {
                        // Nothing to rejoin: the entry that started this
                        // must not start it at every boot or log-in.
                        connection::forget_the_way_back(&rejoin);
                        return Err(error.into());
                    }
                };
                connection::run(
                    saved.into_start(),
                    store,
                    backend::select(kind),
                    restore_after,
                    rejoin,
                )
                .await
            }
            Command::Capabilities => {
                for capability in backend::select(kind).capabilities() {
                    println!("{capability}");
                }
                Ok(connection::Outcome::Finished)
            }
        }
    });
    match result {
        Ok(outcome) => outcome.exit_code(),
        Err(error) => {
            eprintln!("tether-agent: {error:#}");
            if let Some(hint) = certificate_hint(&format!("{error:#}")) {
                eprintln!("tether-agent: {hint}");
            }
            ExitCode::FAILURE
        }
    }
}

/// What to do when the server's certificate was refused: the agent trusts
/// the system's certificate store, as the browser does.
fn certificate_hint(error: &str) -> Option<&'static str> {
    error.contains("invalid peer certificate").then_some(
        "the support server's certificate is not trusted by this computer: ask your support team; \
         a certificate of their own is trusted once added to the system's store \
         (update-ca-certificates) or named by SSL_CERT_FILE",
    )
}

#[cfg(test)]
mod tests {
    use super::certificate_hint;

    #[test]
    fn a_refused_certificate_gets_a_hint_and_nothing_else_does() {
        let refused = "cannot reach https://help.example.com: IO error: invalid peer certificate: UnknownIssuer";
        assert!(certificate_hint(refused).is_some_and(|h| h.contains("SSL_CERT_FILE")));
        assert!(
            certificate_hint("cannot reach https://help.example.com: connection refused").is_none()
        );
    }
}
