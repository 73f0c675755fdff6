//! The command line: the mode (idle or active), how many of each, and how
//! long. Every count is checked before anything connects.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use tether_tests::load::accounts::PASSWORD;

use crate::error::LoadError;

#[derive(Debug, Parser)]
#[command(
    name = "tether-load",
    about = "Opens many agent, customer and CSR connections to a Tether kernel on this machine, holds or drives them, and reports a JSON line at each checkpoint."
)]
pub struct Cli {
    #[command(subcommand)]
    pub mode: Mode,
}

#[derive(Debug, Subcommand)]
pub enum Mode {
    /// Connect agents (each a customer of a session), hold them idle, let
    /// them leave.
    Idle(IdleOptions),
    /// Sessions with a CSR console, a customer page and an agent, each
    /// doing one operation a second: a chat message, then a
    /// system-information refresh, in turn.
    Active(ActiveOptions),
}

#[derive(Debug, Args)]
pub struct Common {
    /// The kernel, `http://127.0.0.1:PORT` (loopback only).
    #[arg(long)]
    pub server: String,
    /// The CSRs' password (accounts `load00000`, `load00001`, …).
    #[arg(long, default_value = PASSWORD)]
    pub password: String,
    /// The first CSR account's number: generators sharing one desk (one
    /// per node of several) each sign in CSRs of their own.
    #[arg(long, default_value_t = 0)]
    pub first_csr: usize,
    /// Connections come from 127.0.0.2, 127.0.0.3, … (this many): each
    /// source address has its own ephemeral ports.
    #[arg(long, default_value_t = 8)]
    pub source_addresses: usize,
    /// Connections being set up at once.
    #[arg(long, default_value_t = 64)]
    pub connect_at_once: usize,
    /// Sign-ins at once (each costs the kernel a password hash).
    #[arg(long, default_value_t = 4)]
    pub sign_in_at_once: usize,
    /// The generator stops by itself after this long, whatever it is doing.
    #[arg(long, default_value_t = 600)]
    pub deadline_secs: u64,
    /// After each checkpoint line, wait for a line on standard input (end
    /// of input goes on): whoever measures the kernel samples it meanwhile.
    #[arg(long)]
    pub pause_at_checkpoints: bool,
}

#[derive(Debug, Args)]
pub struct IdleOptions {
    #[command(flatten)]
    pub common: Common,
    /// Agents to connect.
    #[arg(long)]
    pub agents: usize,
    /// Agents (customers) per session; one CSR hosts each session.
    #[arg(long, default_value_t = 50)]
    pub per_session: usize,
    /// How long the agents stay connected and idle.
    #[arg(long, default_value_t = 15)]
    pub hold_secs: u64,
    /// How long to wait for the consoles to hear every customer leave.
    #[arg(long, default_value_t = 120)]
    pub leave_within_secs: u64,
}

#[derive(Debug, Args)]
pub struct ActiveOptions {
    #[command(flatten)]
    pub common: Common,
    /// Concurrent sessions.
    #[arg(long, default_value_t = 1000)]
    pub sessions: usize,
    /// The answer load agents give to `sysinfo.collect` (JSON, recorded
    /// from the real agent).
    #[arg(long)]
    pub sysinfo_answer: PathBuf,
    /// Operations of the one-session baseline, one after another.
    #[arg(long, default_value_t = 200)]
    pub baseline_ops: usize,
    /// Seconds of load before the measured window.
    #[arg(long, default_value_t = 5)]
    pub warmup_secs: u64,
    /// The measured window.
    #[arg(long, default_value_t = 30)]
    pub run_secs: u64,
}

/// Where the kernel listens, checked to be on this machine.
#[derive(Debug, Clone)]
pub struct Target {
    pub address: SocketAddrV4,
    /// `http://127.0.0.1:PORT`, also the origin the browser pages send.
    pub base_url: String,
}

impl Target {
    pub fn parse(server: &str) -> Result<Target, LoadError> {
        let not_loopback = || LoadError::NotLoopback(server.to_owned());
        let rest = server
            .trim_end_matches('/')
            .strip_prefix("http://")
            .ok_or_else(not_loopback)?;
        let address: SocketAddrV4 = rest.parse().map_err(|_| not_loopback())?;
        if !address.ip().is_loopback() || address.port() == 0 {
            return Err(not_loopback());
        }
        Ok(Target {
            address,
            base_url: format!("http://{address}"),
        })
    }

    pub fn ws_url(&self, path_and_query: &str) -> String {
        format!("ws://{}{path_and_query}", self.address)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

fn within(
    what: &'static str,
    got: usize,
    range: std::ops::RangeInclusive<usize>,
    words: &'static str,
) -> Result<(), LoadError> {
    if range.contains(&got) {
        Ok(())
    } else {
        Err(LoadError::OutOfRange {
            what,
            range: words,
            got,
        })
    }
}

impl Common {
    pub fn check(&self) -> Result<Target, LoadError> {
        within(
            "--source-addresses",
            self.source_addresses,
            1..=200,
            "1 to 200",
        )?;
        within(
            "--connect-at-once",
            self.connect_at_once,
            1..=1000,
            "1 to 1000",
        )?;
        within("--sign-in-at-once", self.sign_in_at_once, 1..=64, "1 to 64")?;
        within(
            "--deadline-secs",
            self.deadline_secs as usize,
            10..=3600,
            "10 to 3600",
        )?;
        Target::parse(&self.server)
    }

    /// The addresses connections come from: 127.0.0.2 onwards (127.0.0.1
    /// stays the kernel's).
    pub fn sources(&self) -> Vec<Ipv4Addr> {
        (0..self.source_addresses)
            .map(|n| Ipv4Addr::new(127, 0, 0, 2 + n as u8))
            .collect()
    }
}

impl IdleOptions {
    pub fn check(&self) -> Result<Target, LoadError> {
        within("--agents", self.agents, 1..=1_000_000, "1 to 1,000,000")?;
        within("--per-session", self.per_session, 1..=10_000, "1 to 10,000")?;
        self.common.check()
    }

    pub fn sessions(&self) -> usize {
        self.agents.div_ceil(self.per_session)
    }

    /// Sockets this process holds at most: agents, consoles, and the
    /// joins and sign-ins under way.
    pub fn open_files_needed(&self) -> u64 {
        (self.agents + self.sessions() + self.common.connect_at_once) as u64 + RESERVED_FILES
    }
}

impl ActiveOptions {
    pub fn check(&self) -> Result<Target, LoadError> {
        within("--sessions", self.sessions, 1..=100_000, "1 to 100,000")?;
        within("--run-secs", self.run_secs as usize, 1..=3600, "1 to 3600")?;
        self.common.check()
    }

    /// A console, a page and an agent per session, and the joins and
    /// sign-ins under way.
    pub fn open_files_needed(&self) -> u64 {
        (3 * self.sessions + self.common.connect_at_once) as u64 + RESERVED_FILES
    }
}

/// Files besides the connections: standard streams, the runtime's own,
/// HTTP connections kept for reuse.
const RESERVED_FILES: u64 = 64;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Mode {
        Cli::try_parse_from(std::iter::once("tether-load").chain(args.iter().copied()))
            .expect("parses")
            .mode
    }

    #[test]
    fn only_a_loopback_kernel_is_a_target() {
        let target = Target::parse("http://127.0.0.1:8080/").expect("loopback");
        assert_eq!(target.base_url, "http://127.0.0.1:8080");
        assert_eq!(target.ws_url("/ws/agent"), "ws://127.0.0.1:8080/ws/agent");
        for refused in [
            "http://10.0.0.5:8080",
            "http://192.168.1.2:80",
            "https://127.0.0.1:8080",
            "http://localhost:8080",
            "http://127.0.0.1",
            "http://127.0.0.1:0",
            "127.0.0.1:8080",
        ] {
            let error = Target::parse(refused).expect_err(refused);
            assert!(
                error.to_string().contains("this machine only"),
                "{refused}: {error}"
            );
        }
    }

    #[test]
    fn idle_counts_are_checked_and_sessions_rounded_up() {
        let Mode::Idle(idle) = parse(&[
            "idle",
            "--server",
            "http://127.0.0.1:9000",
            "--agents",
            "1001",
            "--per-session",
            "50",
        ]) else {
            panic!("idle");
        };
        assert!(idle.check().is_ok());
        assert_eq!(idle.sessions(), 21);
        assert_eq!(idle.open_files_needed(), 1001 + 21 + 64 + 64);
        assert_eq!(
            idle.common.sources(),
            (2..=9)
                .map(|n| Ipv4Addr::new(127, 0, 0, n))
                .collect::<Vec<_>>()
        );

        let Mode::Idle(none) =
            parse(&["idle", "--server", "http://127.0.0.1:9000", "--agents", "0"])
        else {
            panic!("idle");
        };
        let error = none.check().expect_err("no agents");
        assert_eq!(error.to_string(), "--agents must be 1 to 1,000,000 (got 0)");
    }

    #[test]
    fn too_many_source_addresses_are_refused() {
        let Mode::Active(active) = parse(&[
            "active",
            "--server",
            "http://127.0.0.1:9000",
            "--sysinfo-answer",
            "answer.json",
            "--source-addresses",
            "254",
        ]) else {
            panic!("active");
        };
        let error = active.check().expect_err("254 addresses");
        assert!(
            error
                .to_string()
                .contains("--source-addresses must be 1 to 200"),
            "{error}"
        );
        assert_eq!(
            active.sessions, 1000,
            "the issue's thousand sessions by default"
        );
    }

    #[test]
    fn the_mode_and_server_are_required() {
        assert!(Cli::try_parse_from(["tether-load"]).is_err());
        assert!(Cli::try_parse_from(["tether-load", "idle", "--agents", "5"]).is_err());
    }
}
