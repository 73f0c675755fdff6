//! `tether:plugin/store`: key/value data scoped to the plugin and the site of
//! the event; limits are checked here, before storage sees anything.

use super::off_the_clock;
use super::wit::store::{Host, StoreError};
use crate::plugin_host::services::KvError;
use crate::plugin_host::state::PluginState;

/// Longest key, in bytes (the SDK documents the same number).
pub const MAX_KEY_BYTES: usize = 256;
/// Largest value, in bytes: a 1 MB script file and its metadata fit.
pub const MAX_VALUE_BYTES: usize = 4 * 1024 * 1024;

fn check_key(key: &str) -> Result<(), StoreError> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(StoreError::InvalidKey(format!(
            "keys are 1 to {MAX_KEY_BYTES} bytes (got {})",
            key.len()
        )));
    }
    if key.chars().any(char::is_control) {
        return Err(StoreError::InvalidKey(
            "keys may not contain control characters".into(),
        ));
    }
    Ok(())
}

impl From<KvError> for StoreError {
    fn from(error: KvError) -> Self {
        match error {
            KvError::InvalidKey(m) => StoreError::InvalidKey(m),
            KvError::TooLarge(m) => StoreError::TooLarge(m),
            KvError::Unavailable(m) => StoreError::Unavailable(m),
        }
    }
}

impl Host for PluginState {
    async fn get(&mut self, key: String) -> Result<Option<Vec<u8>>, StoreError> {
        check_key(&key)?;
        let ctx = &self.context;
        Ok(off_the_clock(&mut self.budget, ctx.kv.get(&ctx.scope, &key)).await?)
    }

    async fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), StoreError> {
        check_key(&key)?;
        if value.len() > MAX_VALUE_BYTES {
            return Err(StoreError::TooLarge(format!(
                "values are at most {MAX_VALUE_BYTES} bytes (got {})",
                value.len()
            )));
        }
        let ctx = &self.context;
        Ok(off_the_clock(&mut self.budget, ctx.kv.set(&ctx.scope, &key, value)).await?)
    }

    async fn delete(&mut self, key: String) -> Result<bool, StoreError> {
        check_key(&key)?;
        let ctx = &self.context;
        Ok(off_the_clock(&mut self.budget, ctx.kv.delete(&ctx.scope, &key)).await?)
    }

    async fn list_keys(&mut self, prefix: String) -> Result<Vec<String>, StoreError> {
        if prefix.len() > MAX_KEY_BYTES {
            return Err(StoreError::InvalidKey(format!(
                "prefixes are at most {MAX_KEY_BYTES} bytes"
            )));
        }
        let ctx = &self.context;
        Ok(off_the_clock(&mut self.budget, ctx.kv.list_keys(&ctx.scope, &prefix)).await?)
    }
}
