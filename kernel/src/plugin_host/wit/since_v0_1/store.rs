//! `tether:plugin/store@0.1` (unchanged since 0.1.0).

use super::tether::plugin::store::{Host, StoreError};
use crate::plugin_host::interfaces::store;
use crate::plugin_host::state::PluginState;

impl Host for PluginState {
    async fn get(&mut self, key: String) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(store::get(self, key).await?)
    }

    async fn set(&mut self, key: String, value: Vec<u8>) -> Result<(), StoreError> {
        Ok(store::set(self, key, value).await?)
    }

    async fn delete(&mut self, key: String) -> Result<bool, StoreError> {
        Ok(store::delete(self, key).await?)
    }

    async fn list_keys(&mut self, prefix: String) -> Result<Vec<String>, StoreError> {
        Ok(store::list_keys(self, prefix).await?)
    }
}
