//! Saving a script under a name, in one step for the whole site: the
//! check that no visible script has the name and the write that takes it
//! happen while this event holds the name's lock, taken with the store's
//! compare-and-swap. Without it, two CSRs adding `Flush DNS` at the same
//! instant both pass the check (events run at the same time) and the
//! library ends up with two.
//!
//! The lock is only held while one event runs; one left behind by an
//! event that was stopped half-way is taken over once it is older than
//! any event may run.

use std::hash::{BuildHasher, Hash, Hasher};

use tether_sdk::host::atomic_store;
use tether_sdk::prelude::*;

/// Older than the longest an event may run (the manifest's limit is 2 s;
/// the kernel caps every plugin far below this).
const STALE_AFTER_MS: u64 = 60_000;

/// A name held by this event until dropped.
#[derive(Debug)]
pub struct NameLock {
    key: String,
    holder: Vec<u8>,
}

/// The lock's key for a name, as names compare (trimmed, any case): a
/// hash, as names may be longer than a key. Two names with one hash share
/// a lock, which only makes one of them wait.
fn key_of(name: &str) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    name.trim().to_lowercase().hash(&mut hasher);
    format!("name-lock/{:016x}", hasher.finish())
}

fn millis_of(holder: &[u8]) -> Option<u64> {
    std::str::from_utf8(holder)
        .ok()?
        .split(':')
        .next()?
        .parse()
        .ok()
}

/// Takes `name`'s lock at `now` (ms), or says another event is saving a
/// script of that name right now.
pub fn take(name: &str, now: u64) -> Result<NameLock, PluginError> {
    let key = key_of(name);
    let salt = std::collections::hash_map::RandomState::new().hash_one(now);
    let holder = format!("{now}:{salt:016x}").into_bytes();
    if atomic_store::compare_and_swap(&key, None, Some(&holder))? {
        return Ok(NameLock { key, holder });
    }
    if let Some(current) = host::store::get(&key)?
        && millis_of(&current).is_none_or(|at| at.saturating_add(STALE_AFTER_MS) < now)
        && atomic_store::compare_and_swap(&key, Some(&current), Some(&holder))?
    {
        return Ok(NameLock { key, holder });
    }
    Err(PluginError::InvalidInput(format!(
        "name: a script named `{}` is being saved by someone else at this moment; try again",
        name.trim()
    )))
}

impl Drop for NameLock {
    /// Gives the name back, if this event still holds it; a failure only
    /// leaves a lock that goes stale.
    fn drop(&mut self) {
        if let Err(error) = atomic_store::compare_and_swap(&self.key, Some(&self.holder), None) {
            host::log::warn(&format!(
                "a script name's lock was not given back: {error:?}"
            ));
        }
    }
}
