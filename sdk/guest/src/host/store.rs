//! Key/value storage scoped to the plugin and the site of the current event.

use serde::{Serialize, de::DeserializeOwned};

pub use crate::bindings::v0_1::store::StoreError;

use super::raw;
use crate::PluginError;

/// Longest key the kernel accepts, in bytes.
pub const MAX_KEY_LEN: usize = tether_protocol::plugin_store::MAX_KEY_BYTES;
/// Largest value the kernel accepts, in bytes (a 1 MB script file plus its
/// metadata fits).
pub const MAX_VALUE_LEN: usize = tether_protocol::plugin_store::MAX_VALUE_BYTES;

pub fn get(key: &str) -> Result<Option<Vec<u8>>, StoreError> {
    raw::store::get(key)
}

pub fn set(key: &str, value: &[u8]) -> Result<(), StoreError> {
    raw::store::set(key, value)
}

/// Removes `key`; `true` when it existed.
pub fn delete(key: &str) -> Result<bool, StoreError> {
    raw::store::delete(key)
}

/// Keys that start with `prefix`, sorted.
pub fn list_keys(prefix: &str) -> Result<Vec<String>, StoreError> {
    raw::store::list_keys(prefix)
}

/// Reads a JSON value stored with [`set_json`].
pub fn get_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>, PluginError> {
    match get(key)? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|error| {
            PluginError::Failed(format!("stored value `{key}` is not valid: {error}"))
        }),
    }
}

pub fn set_json<T: Serialize>(key: &str, value: &T) -> Result<(), PluginError> {
    let bytes = serde_json::to_vec(value)
        .map_err(|error| PluginError::Failed(format!("could not encode `{key}`: {error}")))?;
    Ok(set(key, &bytes)?)
}

/// A sentence for the CSR (the generated `Display` is only `Debug`).
pub fn describe(error: &StoreError) -> String {
    match error {
        StoreError::InvalidKey(m) => format!("invalid key: {m}"),
        StoreError::TooLarge(m) => format!("too large: {m}"),
        StoreError::Unavailable(m) => format!("storage unavailable: {m}"),
    }
}

impl From<StoreError> for PluginError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::InvalidKey(_) | StoreError::TooLarge(_) => {
                PluginError::InvalidInput(describe(&error))
            }
            StoreError::Unavailable(_) => PluginError::Failed(describe(&error)),
        }
    }
}
