//! Whether the kernel's records can be kept. Storage that fails under a
//! running kernel (its file deleted or replaced, writes refused) must not
//! go unnoticed: `/healthz` says so, and work that has to be recorded
//! (starting and joining sessions, signing in, agent calls, chat) is
//! refused with a clear error until storage is back, so nothing is done
//! that the records would not show.

use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use super::Storage;

/// How often storage is checked in the background.
pub const CHECK_EVERY: Duration = Duration::from_secs(2);

/// The last thing known about storage: `None` while it works.
#[derive(Debug, Default)]
pub struct StorageHealth {
    failure: RwLock<Option<String>>,
}

/// What is said to people whose work was refused.
pub const REFUSAL: &str =
    "the server cannot keep its records right now, so this was not done; tell the administrator";

impl StorageHealth {
    /// `Err` with what failed, while storage does not work.
    pub fn status(&self) -> Result<(), String> {
        match &*self.failure.read().unwrap_or_else(|p| p.into_inner()) {
            Some(failure) => Err(failure.clone()),
            None => Ok(()),
        }
    }

    /// A write or a check failed.
    pub fn failed(&self, what: impl Into<String>) {
        crate::telemetry::storage_failed();
        let what = what.into();
        let mut failure = self.failure.write().unwrap_or_else(|p| p.into_inner());
        if failure.is_none() {
            tracing::error!(error = %what, "storage failed: work that must be recorded is refused");
        }
        *failure = Some(what);
    }

    fn recovered(&self) {
        let mut failure = self.failure.write().unwrap_or_else(|p| p.into_inner());
        if failure.take().is_some() {
            tracing::warn!("storage works again");
        }
    }

    /// Checks `storage` now and every [`CHECK_EVERY`] while the health is
    /// still in use.
    pub fn watch(self: &Arc<Self>, storage: Arc<dyn Storage>) {
        let health: Weak<StorageHealth> = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                let result = storage.check().await;
                let Some(health) = health.upgrade() else {
                    return;
                };
                match result {
                    Ok(()) => health.recovered(),
                    Err(error) => health.failed(error.to_string()),
                }
                drop(health);
                tokio::time::sleep(CHECK_EVERY).await;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_is_reported_until_recovery() {
        let health = StorageHealth::default();
        assert_eq!(health.status(), Ok(()));
        health.failed("the database file was removed");
        assert_eq!(
            health.status(),
            Err("the database file was removed".to_owned())
        );
        health.recovered();
        assert_eq!(health.status(), Ok(()));
    }
}
