//! Plugin key/value data kept in memory, scoped by site and plugin.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::plugin_host::services::{KvError, PluginKv, PluginScope};

#[derive(Debug, Default)]
pub struct MemoryKv {
    data: Mutex<BTreeMap<(String, String, String), Vec<u8>>>,
}

impl MemoryKv {
    fn with<R>(&self, f: impl FnOnce(&mut BTreeMap<(String, String, String), Vec<u8>>) -> R) -> R {
        let mut data = self
            .data
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut data)
    }
}

fn full_key(scope: &PluginScope, key: &str) -> (String, String, String) {
    (scope.site.clone(), scope.plugin.clone(), key.to_owned())
}

#[async_trait]
impl PluginKv for MemoryKv {
    async fn get(&self, scope: &PluginScope, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        Ok(self.with(|data| data.get(&full_key(scope, key)).cloned()))
    }

    async fn set(&self, scope: &PluginScope, key: &str, value: Vec<u8>) -> Result<(), KvError> {
        self.with(|data| data.insert(full_key(scope, key), value));
        Ok(())
    }

    async fn delete(&self, scope: &PluginScope, key: &str) -> Result<bool, KvError> {
        Ok(self.with(|data| data.remove(&full_key(scope, key)).is_some()))
    }

    async fn list_keys(&self, scope: &PluginScope, prefix: &str) -> Result<Vec<String>, KvError> {
        let start = full_key(scope, prefix);
        Ok(self.with(|data| {
            data.range(start..)
                .take_while(|((site, plugin, key), _)| {
                    site == &scope.site && plugin == &scope.plugin && key.starts_with(prefix)
                })
                .map(|((_, _, key), _)| key.clone())
                .collect()
        }))
    }

    async fn compare_and_swap(
        &self,
        scope: &PluginScope,
        key: &str,
        expected: Option<Vec<u8>>,
        value: Option<Vec<u8>>,
    ) -> Result<bool, KvError> {
        Ok(self.with(|data| {
            let key = full_key(scope, key);
            if data.get(&key) != expected.as_ref() {
                return false;
            }
            match value {
                Some(value) => data.insert(key, value),
                None => data.remove(&key),
            };
            true
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(site: &str, plugin: &str) -> PluginScope {
        PluginScope {
            site: site.into(),
            plugin: plugin.into(),
        }
    }

    #[tokio::test]
    async fn data_is_scoped_by_site_and_plugin() {
        let kv = MemoryKv::default();
        kv.set(&scope("a", "p"), "k", b"1".to_vec())
            .await
            .expect("set");
        kv.set(&scope("a", "q"), "k", b"2".to_vec())
            .await
            .expect("set");
        kv.set(&scope("b", "p"), "k", b"3".to_vec())
            .await
            .expect("set");
        assert_eq!(
            kv.get(&scope("a", "p"), "k").await.expect("get"),
            Some(b"1".to_vec())
        );
        assert_eq!(
            kv.list_keys(&scope("a", "p"), "").await.expect("list"),
            vec!["k"]
        );
        assert!(kv.delete(&scope("a", "p"), "k").await.expect("delete"));
        assert_eq!(kv.get(&scope("a", "p"), "k").await.expect("get"), None);
        assert_eq!(
            kv.get(&scope("b", "p"), "k").await.expect("get"),
            Some(b"3".to_vec())
        );
    }

    #[tokio::test]
    async fn keys_are_listed_by_prefix_in_order() {
        let kv = MemoryKv::default();
        let s = scope("a", "p");
        for key in ["script/b", "script/a", "category/x", "scripts"] {
            kv.set(&s, key, Vec::new()).await.expect("set");
        }
        assert_eq!(
            kv.list_keys(&s, "script/").await.expect("list"),
            vec!["script/a", "script/b"]
        );
    }

    #[tokio::test]
    async fn compare_and_swap_writes_only_over_the_expected_value() {
        let kv = MemoryKv::default();
        let s = scope("a", "p");
        assert!(
            kv.compare_and_swap(&s, "k", None, Some(b"1".to_vec()))
                .await
                .expect("swap")
        );
        assert!(
            !kv.compare_and_swap(&s, "k", None, Some(b"2".to_vec()))
                .await
                .expect("swap")
        );
        assert!(
            kv.compare_and_swap(&s, "k", Some(b"1".to_vec()), None)
                .await
                .expect("swap")
        );
        assert_eq!(kv.get(&s, "k").await.expect("get"), None);
    }
}
