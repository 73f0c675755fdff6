//! The kernel side of each imported interface, one module per interface, in
//! the kernel's own types: the checks and limits every API version shares.
//! The WIT bindings of each version (`wit/since_vX_Y/`) only convert to and
//! from these.

pub mod agent;
pub mod consent;
pub mod desk;
pub mod log;
pub mod session;
pub mod store;
pub mod streams;

use std::future::Future;
use std::time::Instant;

use super::limits::TimeBudget;

/// Awaits a host-side operation without charging its duration to the
/// plugin's time budget.
async fn off_the_clock<T>(budget: &mut TimeBudget, operation: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let output = operation.await;
    budget.exclude(started.elapsed());
    output
}

/// Refuses text over `max` bytes with a message naming what it was.
fn check_len(what: &str, text: &str, max: usize) -> Result<(), String> {
    if text.len() > max {
        return Err(format!(
            "{what} is {} bytes; the limit is {max}",
            text.len()
        ));
    }
    Ok(())
}
