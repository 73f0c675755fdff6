//! The rules for a site admin's change to their site: the checks the file
//! gets, and every plugin id must name a loaded plugin (a typo would
//! otherwise enable nothing without anyone noticing).

use std::collections::BTreeSet;

use super::{PluginSelection, Site, SiteError, SiteRule, SiteSettings, SiteTable};
use crate::storage::StorageError;

/// Longest site name a site admin may set; it is shown in the console.
pub const MAX_NAME_CHARS: usize = 80;

/// Everything a site admin sets about their site (the id stays).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteChange {
    pub name: String,
    /// Plugin ids, or `["*"]` for every loaded plugin.
    pub plugins: Vec<String>,
    pub settings: SiteSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum SiteUpdateError {
    #[error("no site `{0}`")]
    UnknownSite(String),
    #[error(transparent)]
    Invalid(#[from] SiteError),
    #[error("saving the site: {0}")]
    Storage(#[from] StorageError),
}

/// The site `id` of `table` after `change`, checked; `loaded` holds the ids
/// of the loaded plugins. Nothing is changed: the caller stores the result.
pub fn apply(
    table: &SiteTable,
    id: &str,
    change: &SiteChange,
    loaded: &BTreeSet<String>,
) -> Result<Site, SiteUpdateError> {
    if table.site(id).is_none() {
        return Err(SiteUpdateError::UnknownSite(id.to_owned()));
    }
    let fail = |reason: SiteRule| SiteError {
        site: id.to_owned(),
        reason,
    };
    let name = change.name.trim();
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(fail(SiteRule::NameTooLong {
            max: MAX_NAME_CHARS,
        })
        .into());
    }
    let site = Site::parse(id, name, &change.plugins, change.settings)?;
    if let PluginSelection::Only(ids) = &site.plugins
        && let Some(unknown) = ids.iter().find(|plugin| !loaded.contains(*plugin))
    {
        return Err(fail(SiteRule::PluginNotLoaded {
            plugin: unknown.clone(),
            loaded: loaded.iter().cloned().collect(),
        })
        .into());
    }
    Ok(site)
}

/// Loaded plugins `after` enables and `before` did not: they are new to the
/// site and get their `init` there.
pub fn newly_enabled<'a>(
    before: &Site,
    after: &Site,
    loaded: impl IntoIterator<Item = &'a String>,
) -> Vec<String> {
    loaded
        .into_iter()
        .filter(|id| after.enables(id) && !before.enables(id))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::SessionMode;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn table() -> SiteTable {
        let all = ids(&["*"]);
        SiteTable::new([("acme", "Acme", all.as_slice())]).expect("valid")
    }

    fn loaded() -> BTreeSet<String> {
        ids(&["echo", "scripts"]).into_iter().collect()
    }

    fn change(plugins: &[&str]) -> SiteChange {
        SiteChange {
            name: "  Acme support ".into(),
            plugins: ids(plugins),
            settings: SiteSettings {
                session_mode: SessionMode::Multi,
                max_customers_per_csr: 3,
                ..SiteSettings::default()
            },
        }
    }

    #[test]
    fn a_valid_change_gives_the_new_site() {
        let site = apply(&table(), "acme", &change(&["echo"]), &loaded()).expect("valid");
        assert_eq!(site.name, "Acme support", "trimmed");
        assert!(site.enables("echo"));
        assert!(!site.enables("scripts"));
        assert_eq!(site.settings.session_mode, SessionMode::Multi);
        assert_eq!(site.settings.max_customers_per_csr, 3);
        let all = apply(&table(), "acme", &change(&["*"]), &loaded()).expect("valid");
        assert_eq!(all.plugins, PluginSelection::All);
        let none = apply(&table(), "acme", &change(&[]), &loaded()).expect("valid");
        assert!(!none.enables("echo"));
    }

    #[test]
    fn bad_changes_are_refused_with_the_reason() {
        let zero = SiteChange {
            settings: SiteSettings {
                max_customers_per_csr: 0,
                ..SiteSettings::default()
            },
            ..change(&["echo"])
        };
        let unnamed = SiteChange {
            name: "   ".into(),
            ..change(&["echo"])
        };
        let long = SiteChange {
            name: "x".repeat(81),
            ..change(&["echo"])
        };
        for (change, words) in [
            (zero, "max_customers_per_csr must be at least 1"),
            (unnamed, "needs a name"),
            (long, "at most 80 characters"),
            (change(&["*", "echo"]), "cannot be combined"),
            (change(&["echo", "echo"]), "listed twice"),
            (
                change(&["echo", "nope"]),
                "plugin `nope` is not loaded (loaded plugins: echo, scripts)",
            ),
        ] {
            let error = apply(&table(), "acme", &change, &loaded()).expect_err("refused");
            assert!(error.to_string().contains(words), "{error}");
        }
        let error =
            apply(&table(), "acme", &change(&["echo"]), &BTreeSet::new()).expect_err("refused");
        assert!(
            error.to_string().contains("no plugins are loaded"),
            "{error}"
        );
        let unknown = apply(&table(), "lab", &change(&["echo"]), &loaded());
        assert!(matches!(unknown, Err(SiteUpdateError::UnknownSite(id)) if id == "lab"));
    }

    #[test]
    fn newly_enabled_plugins_are_the_loaded_ones_added() {
        let loaded = loaded();
        let only_echo = apply(&table(), "acme", &change(&["echo"]), &loaded).expect("valid");
        let none = apply(&table(), "acme", &change(&[]), &loaded).expect("valid");
        let all = apply(&table(), "acme", &change(&["*"]), &loaded).expect("valid");
        assert_eq!(newly_enabled(&none, &only_echo, &loaded), ["echo"]);
        assert_eq!(newly_enabled(&only_echo, &all, &loaded), ["scripts"]);
        assert!(newly_enabled(&all, &none, &loaded).is_empty());
    }
}
