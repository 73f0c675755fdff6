//! Sites as storage keeps them, and back.

use super::{Site, SiteError, SiteSettings};
use crate::storage::{Millis, SiteRecord};

pub fn to_record(site: &Site, updated_at: Millis) -> SiteRecord {
    SiteRecord {
        id: site.id.clone(),
        name: site.name.clone(),
        plugins: site.plugins.to_ids(),
        session_mode: site.settings.session_mode,
        max_customers_per_csr: site.settings.max_customers_per_csr,
        two_factor: site.settings.two_factor,
        report_retention_days: site.settings.report_retention_days,
        updated_at,
    }
}

/// Checks a stored site as a configured one: the database is a file that
/// can be edited by hand too.
pub fn from_record(record: &SiteRecord) -> Result<Site, SiteError> {
    Site::parse(
        &record.id,
        &record.name,
        &record.plugins,
        SiteSettings {
            session_mode: record.session_mode,
            max_customers_per_csr: record.max_customers_per_csr,
            two_factor: record.two_factor,
            report_retention_days: record.report_retention_days,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::SessionMode;

    #[test]
    fn a_site_comes_back_as_it_was_stored() {
        let plugins = vec!["scripts".to_owned(), "echo".to_owned()];
        let settings = SiteSettings {
            session_mode: SessionMode::Multi,
            max_customers_per_csr: 7,
            ..SiteSettings::default()
        };
        let site = Site::parse("acme", "Acme", &plugins, settings).expect("valid");
        let record = to_record(&site, 42);
        assert_eq!(record.plugins, ["echo", "scripts"]);
        assert_eq!(record.updated_at, 42);
        assert_eq!(from_record(&record).expect("valid"), site);
        let broken = SiteRecord {
            max_customers_per_csr: 0,
            ..record
        };
        assert!(from_record(&broken).is_err());
    }
}
