//! [`Sites`]: the table every part of the kernel reads, replaced whole when
//! a site admin saves a change.
//!
//! Readers (every agent call, plugin command, consent request, event
//! delivery and session start) take a snapshot without locking; an update
//! builds a new table, stores it, then swaps it in, so a reader sees the old
//! table or the new one and never half of a change.

use std::collections::BTreeSet;
use std::sync::Arc;

use arc_swap::ArcSwap;

use super::edit::{SiteChange, SiteUpdateError, apply};
use super::stored::to_record;
use super::{Site, SiteTable};
use crate::plugin_host::services::SiteDirectory;
use crate::storage::{Storage, now_millis};

pub struct Sites {
    table: ArcSwap<SiteTable>,
    /// `None` for tools and tests that never persist (`plugins check`).
    storage: Option<Arc<dyn Storage>>,
    /// One update at a time, so the order changes are stored in is the
    /// order they are swapped in.
    writer: tokio::sync::Mutex<()>,
}

/// A saved change: the site before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteUpdate {
    pub before: Site,
    pub after: Site,
}

impl Sites {
    /// Sites whose changes are saved to `storage` before they take effect.
    pub fn new(table: SiteTable, storage: Arc<dyn Storage>) -> Sites {
        Sites {
            table: ArcSwap::from_pointee(table),
            storage: Some(storage),
            writer: tokio::sync::Mutex::new(()),
        }
    }

    /// Sites whose changes live in memory only (tools and tests).
    pub fn unpersisted(table: SiteTable) -> Sites {
        Sites {
            table: ArcSwap::from_pointee(table),
            storage: None,
            writer: tokio::sync::Mutex::new(()),
        }
    }

    /// The current table. Cheap (a reference count); keep it for one
    /// decision only, so the next one sees a later change.
    pub fn snapshot(&self) -> Arc<SiteTable> {
        self.table.load_full()
    }

    /// Checks `change` to site `id` (`loaded`: ids of the loaded plugins),
    /// saves it, then makes it current. A refused change leaves everything
    /// as it was.
    pub async fn update(
        &self,
        id: &str,
        change: &SiteChange,
        loaded: &BTreeSet<String>,
    ) -> Result<SiteUpdate, SiteUpdateError> {
        let _writer = self.writer.lock().await;
        let current = self.table.load_full();
        let after = apply(&current, id, change, loaded)?;
        let before = current
            .site(id)
            .cloned()
            .ok_or_else(|| SiteUpdateError::UnknownSite(id.to_owned()))?;
        if let Some(storage) = &self.storage {
            storage.save_site(&to_record(&after, now_millis())).await?;
        }
        self.table.store(Arc::new(current.with_site(after.clone())));
        tracing::info!(
            site = %after.id,
            name = %after.name,
            plugins = %after.plugins.to_ids().join(", "),
            session_mode = %after.settings.session_mode,
            max_customers_per_csr = after.settings.max_customers_per_csr,
            "site updated"
        );
        Ok(SiteUpdate { before, after })
    }
}

impl SiteDirectory for Sites {
    fn site_ids(&self) -> Vec<String> {
        self.snapshot().iter().map(|site| site.id.clone()).collect()
    }

    fn knows(&self, site: &str) -> bool {
        self.snapshot().site(site).is_some()
    }

    fn enables(&self, site: &str, plugin: &str) -> Option<bool> {
        self.snapshot().site(site).map(|site| site.enables(plugin))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::{SiteSettings, seed_and_load};
    use crate::storage::{SessionMode, SqliteStorage};

    fn change(plugins: &[&str], max: u32) -> SiteChange {
        SiteChange {
            name: "Acme".into(),
            plugins: plugins.iter().map(|p| p.to_string()).collect(),
            settings: SiteSettings {
                session_mode: SessionMode::Multi,
                max_customers_per_csr: max,
                ..SiteSettings::default()
            },
        }
    }

    #[tokio::test]
    async fn updates_are_stored_then_seen_and_refusals_change_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage: Arc<dyn Storage> = Arc::new(
            SqliteStorage::open(&dir.path().join("t.db"))
                .await
                .expect("db"),
        );
        let all = vec!["*".to_owned()];
        let configured = SiteTable::new([("acme", "Acme", all.as_slice())]).expect("valid");
        let table = seed_and_load(storage.as_ref(), &configured)
            .await
            .expect("seeded");
        let sites = Sites::new(table, storage.clone());
        let held = sites.snapshot();
        let loaded: BTreeSet<String> = ["echo".to_owned()].into();

        let update = sites
            .update("acme", &change(&["echo"], 2), &loaded)
            .await
            .expect("saved");
        assert!(update.before.enables("scripts"));
        assert!(!update.after.enables("scripts"));
        let now = sites.snapshot();
        let acme = now.site("acme").expect("acme");
        assert_eq!(acme.settings.max_customers_per_csr, 2);
        assert!(
            held.site("acme").expect("acme").enables("scripts"),
            "a snapshot taken before keeps the table it had"
        );

        let refused = sites.update("acme", &change(&["nope"], 2), &loaded).await;
        assert!(refused.is_err());
        let refused = sites.update("acme", &change(&["echo"], 0), &loaded).await;
        assert!(refused.is_err());
        assert_eq!(sites.snapshot(), now, "unchanged");

        let stored = seed_and_load(storage.as_ref(), &configured)
            .await
            .expect("reloaded");
        assert_eq!(stored, *now, "the change survives a restart");
    }
}
