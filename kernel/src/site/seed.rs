//! Seeding: the sites in `tether.toml` (or the built-in `default` site) go
//! into storage when storage does not have them yet. A stored site keeps
//! its stored values, since a site admin may have edited it; the file only
//! brings new sites.

use super::stored::{from_record, to_record};
use super::{Site, SiteError, SiteTable};
use crate::storage::{SiteRecord, Storage, StorageError, now_millis};

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("sites: {0}")]
    Storage(#[from] StorageError),
    #[error("stored {0}")]
    Invalid(#[from] SiteError),
}

/// The configured sites storage does not have.
fn missing<'a>(configured: &'a SiteTable, stored: &[SiteRecord]) -> Vec<&'a Site> {
    configured
        .iter()
        .filter(|site| !stored.iter().any(|record| record.id == site.id))
        .collect()
}

/// Inserts the configured sites storage lacks, then reads every stored
/// site: the table the kernel runs with.
pub async fn seed_and_load(
    storage: &dyn Storage,
    configured: &SiteTable,
) -> Result<SiteTable, SeedError> {
    let stored = storage.sites().await?;
    let new = missing(configured, &stored);
    let now = now_millis();
    for site in &new {
        storage.save_site(&to_record(site, now)).await?;
    }
    if !new.is_empty() {
        let ids: Vec<&str> = new.iter().map(|site| site.id.as_str()).collect();
        tracing::info!(sites = %ids.join(", "), "sites seeded from the configuration");
    }
    let kept: Vec<&str> = stored.iter().map(|record| record.id.as_str()).collect();
    if !kept.is_empty() {
        tracing::info!(sites = %kept.join(", "), "sites kept as stored (the configuration does not overwrite them)");
    }
    let all = storage.sites().await?;
    Ok(SiteTable::from_sites(all.iter().map(from_record))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::SiteSettings;
    use crate::storage::{SessionMode, SqliteStorage};

    fn table(entries: &[(&str, &str, u32)]) -> SiteTable {
        let all = vec!["*".to_owned()];
        SiteTable::with_settings(entries.iter().map(|(id, name, max)| {
            let settings = SiteSettings {
                session_mode: SessionMode::Single,
                max_customers_per_csr: *max,
                ..SiteSettings::default()
            };
            (*id, *name, all.as_slice(), settings)
        }))
        .expect("valid")
    }

    #[test]
    fn only_sites_storage_lacks_are_missing() {
        let configured = table(&[("acme", "Acme", 5), ("lab", "Lab", 5)]);
        let acme = configured.site("acme").expect("acme");
        let stored = vec![to_record(acme, 1)];
        let ids: Vec<&str> = missing(&configured, &stored)
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(ids, ["lab"]);
    }

    #[tokio::test]
    async fn the_file_seeds_new_sites_and_never_overwrites_stored_ones() {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = SqliteStorage::open(&dir.path().join("t.db"))
            .await
            .expect("db");
        let first = seed_and_load(&storage, &table(&[("acme", "Acme", 5)]))
            .await
            .expect("seeds");
        assert_eq!(first, table(&[("acme", "Acme", 5)]));

        // A site admin's edit, then a start with a different file.
        let edited = Site {
            name: "Acme support".into(),
            ..first.site("acme").expect("acme").clone()
        };
        storage
            .save_site(&to_record(&edited, 2))
            .await
            .expect("saved");
        let again = seed_and_load(&storage, &table(&[("acme", "Acme", 9), ("lab", "Lab", 2)]))
            .await
            .expect("seeds");
        assert_eq!(again.site("acme"), Some(&edited));
        assert_eq!(
            again.site("lab").map(|s| s.settings.max_customers_per_csr),
            Some(2)
        );

        // A site no longer in the file stays: its accounts still exist.
        let later = seed_and_load(&storage, &table(&[("lab", "Lab", 2)]))
            .await
            .expect("seeds");
        assert_eq!(later.iter().count(), 2);
    }
}
