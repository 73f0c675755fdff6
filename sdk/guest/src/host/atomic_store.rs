//! Compare-and-swap on the plugin's store (plugin API 0.2, manifest import
//! `atomic-store`): the same keys as [`super::store`], with the check and
//! the write in one step for the storage, so of two events racing to take
//! one thing exactly one succeeds — on whichever kernel node they run.

pub use crate::bindings::v0_1::store::StoreError;

use super::raw;

/// Sets `key` to `value` (`None`: deletes it) only if its value is now
/// `expected` (`None`: the key is absent). `true` when it was written;
/// `false`, with nothing changed, when the value was something else.
pub fn compare_and_swap(
    key: &str,
    expected: Option<&[u8]>,
    value: Option<&[u8]>,
) -> Result<bool, StoreError> {
    raw::atomic_store::compare_and_swap(key, expected, value)
}

/// Takes `key` for `owner` if nobody has it yet: `true` for the one
/// caller that took it.
pub fn claim(key: &str, owner: &str) -> Result<bool, StoreError> {
    compare_and_swap(key, None, Some(owner.as_bytes()))
}
