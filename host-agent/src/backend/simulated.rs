//! A stand-in for destructive actions, for tests and demos: a restart ends
//! the process with [`SIMULATED_RESTART_EXIT_CODE`] so a harness can start
//! the agent again, as the computer's boot would.

use super::{Backend, SIMULATED_RESTART_EXIT_CODE};

pub struct SimulatedBackend;

impl Backend for SimulatedBackend {
    fn capabilities(&self) -> Vec<&'static str> {
        vec!["sysinfo.collect", "power.restart"]
    }

    fn check_restart(&self) -> Result<(), String> {
        Ok(())
    }

    fn restart(&self) -> Result<(), String> {
        println!("Simulated restart: the agent exits now and rejoins when started again.");
        std::process::exit(i32::from(SIMULATED_RESTART_EXIT_CODE));
    }
}
