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
    fn capabilities(&self) -> Vec<Capability> {
        Capability::ALL.to_vec()
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
