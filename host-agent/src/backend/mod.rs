//! What carries out capabilities on this computer. `linux` does it for
//! real; `simulated` stands in where the real action would be destructive
//! (tests, demos) and is only used when asked for by name.

mod linux;
mod simulated;

pub use linux::LinuxBackend;
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
    fn capabilities(&self) -> Vec<&'static str>;

    /// Whether a restart would be carried out; the reason when not.
    fn check_restart(&self) -> Result<(), String>;

    /// Restarts the computer. Returns only if that failed (the simulated
    /// backend ends the process instead).
    fn restart(&self) -> Result<(), String>;
}

pub fn select(kind: BackendKind) -> Box<dyn Backend> {
    match kind {
        BackendKind::Linux => Box::new(LinuxBackend),
        BackendKind::Simulated => Box::new(SimulatedBackend),
    }
}
