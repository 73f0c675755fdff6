//! What carries out capabilities on this computer. `linux` does it for
//! real; `simulated` stands in where the real action would be destructive
//! (tests, demos) and is only used when asked for by name.

pub mod identity;
mod linux;
mod pam;
mod simulated;

pub use linux::LinuxBackend;

use crate::credentials::Credentials;
pub use simulated::SimulatedBackend;

/// Exit code of a simulated restart: the harness restarts the agent.
pub const SIMULATED_RESTART_EXIT_CODE: u8 = 75;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Linux,
    Simulated,
}

impl BackendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Linux => "linux",
            BackendKind::Simulated => "simulated",
        }
    }
}

/// The operating-system actions behind the capabilities.
pub trait Backend: Send + Sync {
    /// Capabilities this computer can offer.
    fn capabilities(&self) -> Vec<tether_protocol::Capability>;

    /// Whether a restart would be carried out; the reason when not.
    fn check_restart(&self) -> Result<(), String>;

    /// Restarts the computer. Returns only if that failed (the simulated
    /// backend ends the process instead).
    fn restart(&self) -> Result<(), String>;

    /// Checks the account details and makes later capability calls run as
    /// that account; the customer's desktop is locked meanwhile where one
    /// exists.
    fn logon(&self, credentials: &Credentials) -> Result<LoggedOn, String>;

    /// Back to the customer (their desktop unlocked). `Ok(false)` when no
    /// other account was logged on.
    fn logoff(&self) -> Result<bool, String>;

    /// The account capability calls run as now, as the system reports it.
    fn account_in_use(&self) -> String;

    /// A command that runs as the account in use (the customer's, or the
    /// one a CSR logged on as): every process a capability starts comes
    /// from here.
    fn command(&self, program: &str) -> std::process::Command {
        std::process::Command::new(program)
    }

    /// The uid and gid capability processes run as, when not the agent's own.
    fn run_as_ids(&self) -> Option<(u32, u32)> {
        None
    }
}

/// What logging on did, for the CSR. Carries no account details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedOn {
    pub desktop_locked: bool,
}

pub fn select(kind: BackendKind) -> Box<dyn Backend> {
    match kind {
        BackendKind::Linux => Box::new(LinuxBackend::default()),
        BackendKind::Simulated => Box::new(SimulatedBackend::default()),
    }
}
