//! `store`: key/value data scoped to the plugin and the site of the event;
//! the limits (shared with the SDK's harness, `tether_protocol::plugin_store`)
//! are checked here, before storage sees anything.

use tether_protocol::plugin_store::{self, StoreLimit};

use super::off_the_clock;
use crate::plugin_host::services::KvError;
use crate::plugin_host::state::PluginState;

impl From<StoreLimit> for KvError {
    fn from(limit: StoreLimit) -> Self {
        match limit {
            StoreLimit::ValueSize(_) => KvError::TooLarge(limit.to_string()),
            _ => KvError::InvalidKey(limit.to_string()),
        }
    }
}

pub async fn get(state: &mut PluginState, key: String) -> Result<Option<Vec<u8>>, KvError> {
    plugin_store::check_key(&key)?;
    let ctx = &state.context;
    off_the_clock(&mut state.budget, ctx.kv.get(&ctx.scope, &key)).await
}

pub async fn set(state: &mut PluginState, key: String, value: Vec<u8>) -> Result<(), KvError> {
    plugin_store::check_key(&key)?;
    plugin_store::check_value(&value)?;
    let ctx = &state.context;
    off_the_clock(&mut state.budget, ctx.kv.set(&ctx.scope, &key, value)).await
}

pub async fn delete(state: &mut PluginState, key: String) -> Result<bool, KvError> {
    plugin_store::check_key(&key)?;
    let ctx = &state.context;
    off_the_clock(&mut state.budget, ctx.kv.delete(&ctx.scope, &key)).await
}

pub async fn list_keys(state: &mut PluginState, prefix: String) -> Result<Vec<String>, KvError> {
    plugin_store::check_prefix(&prefix)?;
    let ctx = &state.context;
    off_the_clock(&mut state.budget, ctx.kv.list_keys(&ctx.scope, &prefix)).await
}

/// `atomic-store` (0.2): the same keys and limits as `store`.
pub async fn compare_and_swap(
    state: &mut PluginState,
    key: String,
    expected: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
) -> Result<bool, KvError> {
    plugin_store::check_key(&key)?;
    if let Some(value) = &value {
        plugin_store::check_value(value)?;
    }
    let ctx = &state.context;
    off_the_clock(
        &mut state.budget,
        ctx.kv.compare_and_swap(&ctx.scope, &key, expected, value),
    )
    .await
}
