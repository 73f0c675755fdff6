//! Sites and which plugins each one enables (the operator's lock of the
//! three; the manifest and the customer's consent are the other two).
//!
//! `tether.toml` seeds the sites into storage (`seed.rs`); from then on a
//! site admin edits their site at run time (`edit.rs` holds the rules) and
//! [`Sites`] (`live.rs`) hands every reader the current table.

mod apply;
mod edit;
mod live;
mod seed;
mod stored;

use std::collections::{BTreeMap, BTreeSet};

pub use apply::apply_change;
pub use edit::{MAX_NAME_CHARS, SiteChange, SiteUpdateError, newly_enabled};
pub use live::{SiteUpdate, Sites};
pub use seed::{SeedError, seed_and_load};

use crate::storage::{SessionMode, TwoFactorRule};

/// Which plugins a site enables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginSelection {
    /// Every loaded plugin (`plugins = ["*"]`).
    All,
    Only(BTreeSet<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub id: String,
    pub name: String,
    pub plugins: PluginSelection,
    pub settings: SiteSettings,
}

/// Session rules a site admin sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SiteSettings {
    /// Used when the CSR's own account does not say.
    pub session_mode: SessionMode,
    /// Customers one CSR may assist at once, across all their sessions.
    pub max_customers_per_csr: u32,
    /// Who must sign in with a second factor.
    pub two_factor: TwoFactorRule,
    /// Days a session report is kept after its session ended; 0 keeps
    /// reports for good.
    pub report_retention_days: u32,
}

/// The longest retention a site may set (a hundred years: "for good" is
/// 0).
pub const MAX_RETENTION_DAYS: u32 = 36_500;

impl Default for SiteSettings {
    fn default() -> Self {
        SiteSettings {
            session_mode: SessionMode::Single,
            max_customers_per_csr: 5,
            two_factor: TwoFactorRule::Optional,
            report_retention_days: 0,
        }
    }
}

impl PluginSelection {
    /// The selection as it is written in the file and stored: `["*"]`, or
    /// the ids in order.
    pub fn to_ids(&self) -> Vec<String> {
        match self {
            PluginSelection::All => vec!["*".to_owned()],
            PluginSelection::Only(ids) => ids.iter().cloned().collect(),
        }
    }
}

impl Site {
    /// Checks one site's entry: the id format, a name, at least one
    /// customer per CSR, and `*` alone or plugin ids listed once each.
    pub fn parse(
        id: &str,
        name: &str,
        plugins: &[String],
        settings: SiteSettings,
    ) -> Result<Site, SiteError> {
        let fail = |reason: SiteRule| SiteError {
            site: id.to_owned(),
            reason,
        };
        let valid_id = id.len() <= 32
            && id.starts_with(|c: char| c.is_ascii_lowercase())
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid_id {
            return Err(fail(SiteRule::IdFormat));
        }
        if name.trim().is_empty() {
            return Err(fail(SiteRule::NameMissing));
        }
        if settings.max_customers_per_csr == 0 {
            return Err(fail(SiteRule::MaxCustomers));
        }
        if settings.report_retention_days > MAX_RETENTION_DAYS {
            return Err(fail(SiteRule::RetentionTooLong {
                max: MAX_RETENTION_DAYS,
            }));
        }
        let selection = if plugins.iter().any(|p| p == "*") {
            if plugins.len() > 1 {
                return Err(fail(SiteRule::AllAndSome));
            }
            PluginSelection::All
        } else {
            let mut ids = BTreeSet::new();
            for plugin in plugins {
                if !ids.insert(plugin.clone()) {
                    return Err(fail(SiteRule::ListedTwice {
                        plugin: plugin.clone(),
                    }));
                }
            }
            PluginSelection::Only(ids)
        };
        Ok(Site {
            id: id.to_owned(),
            name: name.to_owned(),
            plugins: selection,
            settings,
        })
    }

    pub fn enables(&self, plugin: &str) -> bool {
        match &self.plugins {
            PluginSelection::All => true,
            PluginSelection::Only(ids) => ids.contains(plugin),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("site `{site}`: {reason}")]
pub struct SiteError {
    pub site: String,
    pub reason: SiteRule,
}

/// The rule a site's entry breaks; the ones a site admin can break in
/// their form are said in their language (`web/error_detail.rs`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteRule {
    #[error("site ids are 1 to 32 lowercase letters, digits and dashes")]
    IdFormat,
    #[error("the site needs a name")]
    NameMissing,
    #[error("the site name is at most {max} characters")]
    NameTooLong { max: usize },
    #[error("max_customers_per_csr must be at least 1")]
    MaxCustomers,
    #[error("report_retention_days is at most {max} (0 keeps reports for good)")]
    RetentionTooLong { max: u32 },
    #[error("`*` enables every plugin and cannot be combined with ids")]
    AllAndSome,
    #[error("plugin `{plugin}` is listed twice")]
    ListedTwice { plugin: String },
    /// `loaded`: the ids of the plugins that are.
    #[error("plugin `{plugin}` is not loaded ({})", loaded_list(loaded))]
    PluginNotLoaded { plugin: String, loaded: Vec<String> },
    #[error("the site is configured twice")]
    ConfiguredTwice,
}

fn loaded_list(loaded: &[String]) -> String {
    if loaded.is_empty() {
        "no plugins are loaded".to_owned()
    } else {
        format!("loaded plugins: {}", loaded.join(", "))
    }
}

/// All configured sites, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteTable {
    sites: BTreeMap<String, Site>,
}

impl SiteTable {
    /// Builds the table from `(id, name, plugin ids)` with default
    /// settings; `"*"` as the only plugin id enables every plugin.
    pub fn new<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a str, &'a [String])>,
    ) -> Result<SiteTable, SiteError> {
        SiteTable::with_settings(
            entries
                .into_iter()
                .map(|(id, name, plugins)| (id, name, plugins, SiteSettings::default())),
        )
    }

    /// Like [`SiteTable::new`], with each site's settings. Every entry is
    /// checked as [`Site::parse`] does, and no id may come twice.
    pub fn with_settings<'a>(
        entries: impl IntoIterator<Item = (&'a str, &'a str, &'a [String], SiteSettings)>,
    ) -> Result<SiteTable, SiteError> {
        SiteTable::from_sites(
            entries
                .into_iter()
                .map(|(id, name, plugins, settings)| Site::parse(id, name, plugins, settings)),
        )
    }

    /// Builds the table from checked sites, refusing an id that comes twice.
    pub fn from_sites(
        sites: impl IntoIterator<Item = Result<Site, SiteError>>,
    ) -> Result<SiteTable, SiteError> {
        let mut table = BTreeMap::new();
        for site in sites {
            let site = site?;
            if table.contains_key(&site.id) {
                return Err(SiteError {
                    site: site.id,
                    reason: SiteRule::ConfiguredTwice,
                });
            }
            table.insert(site.id.clone(), site);
        }
        Ok(SiteTable { sites: table })
    }

    /// The same table with `site` added or replacing the one of its id.
    pub fn with_site(&self, site: Site) -> SiteTable {
        let mut sites = self.sites.clone();
        sites.insert(site.id.clone(), site);
        SiteTable { sites }
    }

    pub fn site(&self, id: &str) -> Option<&Site> {
        self.sites.get(id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Site> {
        self.sites.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn sites_enable_listed_plugins_or_all() {
        let acme = ids(&["echo"]);
        let all = ids(&["*"]);
        let table = SiteTable::new([
            ("acme", "Acme", acme.as_slice()),
            ("lab", "Lab", all.as_slice()),
        ])
        .expect("valid");
        let acme = table.site("acme").expect("exists");
        assert!(acme.enables("echo"));
        assert!(!acme.enables("scripts"));
        assert!(table.site("lab").expect("exists").enables("anything"));
        assert!(table.site("nowhere").is_none());
    }

    #[test]
    fn bad_site_entries_are_refused() {
        let none: Vec<String> = Vec::new();
        let twice = ids(&["echo", "echo"]);
        let mixed = ids(&["*", "echo"]);
        for (id, name, plugins, words) in [
            ("Acme Corp", "Acme", none.as_slice(), "site ids"),
            ("acme", " ", none.as_slice(), "needs a name"),
            ("acme", "Acme", twice.as_slice(), "listed twice"),
            ("acme", "Acme", mixed.as_slice(), "cannot be combined"),
        ] {
            let error = SiteTable::new([(id, name, plugins)]).expect_err("refused");
            assert!(error.to_string().contains(words), "{error}");
        }
    }

    #[test]
    fn no_customers_per_csr_and_ids_twice_are_refused() {
        let none: Vec<String> = Vec::new();
        let zero = SiteSettings {
            max_customers_per_csr: 0,
            ..SiteSettings::default()
        };
        let error = SiteTable::with_settings([("acme", "Acme", none.as_slice(), zero)])
            .expect_err("refused");
        assert_eq!(
            error.to_string(),
            "site `acme`: max_customers_per_csr must be at least 1"
        );
        let twice = SiteTable::new([
            ("acme", "Acme", none.as_slice()),
            ("acme", "Acme again", none.as_slice()),
        ])
        .expect_err("refused");
        assert!(twice.to_string().contains("configured twice"), "{twice}");
    }

    #[test]
    fn selections_are_written_back_as_configured() {
        let all = ids(&["*"]);
        let some = ids(&["scripts", "echo"]);
        let settings = SiteSettings::default();
        let site = Site::parse("acme", "Acme", &all, settings).expect("valid");
        assert_eq!(site.plugins.to_ids(), ["*"]);
        let site = Site::parse("acme", "Acme", &some, settings).expect("valid");
        assert_eq!(site.plugins.to_ids(), ["echo", "scripts"]);
    }
}
