//! A stand-in for destructive actions, for tests and demos: a restart ends
//! the process with [`SIMULATED_RESTART_EXIT_CODE`] so a harness can start
//! the agent again, as the computer's boot would; logging on accepts any
//! non-empty account details and switches an in-memory identity.

use std::sync::Mutex;

use tether_protocol::Capability;

use super::identity;
use super::{Backend, LoggedOn, SIMULATED_RESTART_EXIT_CODE};
use crate::credentials::Credentials;

#[derive(Default)]
pub struct SimulatedBackend {
    logged_on: Mutex<Option<String>>,
}

impl SimulatedBackend {
    fn state(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.logged_on
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Backend for SimulatedBackend {
    /// Everything it stands in for, and the application capabilities as
    /// the real display allows: listing and starting applications is
    /// nothing to simulate.
    fn capabilities(&self) -> Vec<Capability> {
        let mut offered: Vec<Capability> = Capability::ALL
            .iter()
            .copied()
            .filter(|c| !crate::apps::needs_display(*c))
            .collect();
        offered.extend(crate::apps::offered());
        offered
    }

    fn check_restart(&self) -> Result<(), String> {
        Ok(())
    }

    fn restart(&self) -> Result<(), String> {
        println!("Simulated restart: the agent exits now and rejoins when started again.");
        std::process::exit(i32::from(SIMULATED_RESTART_EXIT_CODE));
    }

    fn logon(&self, credentials: &Credentials) -> Result<LoggedOn, String> {
        let mut state = self.state();
        if state.is_some() {
            return Err("another account is already logged on; log off first".into());
        }
        *state = Some(credentials.login_name());
        Ok(LoggedOn {
            desktop_locked: false,
        })
    }

    fn logoff(&self) -> Result<bool, String> {
        Ok(self.state().take().is_some())
    }

    fn account_in_use(&self) -> String {
        self.state()
            .clone()
            .unwrap_or_else(|| identity::current().user)
    }
}
