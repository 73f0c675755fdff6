//! The audit log: what a site's admins change — accounts, the site's
//! settings and the plugins it enables — with who, when and from where.
//! Site admins read it on the admin page and download it
//! (`web/audit.rs`). A line says what changed in words, as the session
//! report does; a request that changes nothing leaves no line.
//!
//! * [`describe`] — what a change says (pure, table-tested);
//! * [`record`] — keeping the line.

use std::net::IpAddr;

use crate::site::{PluginSelection, Site};
use crate::storage::{Account, AuditEntry, SessionMode, Storage, StorageHealth, now_millis};

/// A change a site admin made.
#[derive(Debug, Clone, Copy)]
pub enum AdminChange<'a> {
    AccountCreated(&'a Account),
    AccountChanged {
        before: &'a Account,
        after: &'a Account,
    },
    SiteChanged {
        before: &'a Site,
        after: &'a Site,
    },
}

/// The line's kind and words; `None` when nothing changed.
pub fn describe(change: AdminChange<'_>) -> Option<(&'static str, String)> {
    match change {
        AdminChange::AccountCreated(account) => Some((
            "account.created",
            format!(
                "{} ({}): {}{}",
                account.username,
                account.display_name,
                account.role,
                if account.webacd_agent {
                    ", WebACD agent"
                } else {
                    ""
                }
            ),
        )),
        AdminChange::AccountChanged { before, after } => {
            let mut changes = Vec::new();
            if before.display_name != after.display_name {
                changes.push(format!(
                    "display name {:?} → {:?}",
                    before.display_name, after.display_name
                ));
            }
            if before.email != after.email {
                changes.push(format!("email {:?} → {:?}", before.email, after.email));
            }
            if before.role != after.role {
                changes.push(format!("role {} → {}", before.role, after.role));
            }
            if before.webacd_agent != after.webacd_agent {
                changes.push(format!(
                    "WebACD agent {} → {}",
                    yes_no(before.webacd_agent),
                    yes_no(after.webacd_agent)
                ));
            }
            if before.session_mode != after.session_mode {
                changes.push(format!(
                    "session mode {} → {}",
                    mode(before.session_mode),
                    mode(after.session_mode)
                ));
            }
            (!changes.is_empty()).then(|| {
                (
                    "account.changed",
                    format!("{}: {}", after.username, changes.join("; ")),
                )
            })
        }
        AdminChange::SiteChanged { before, after } => {
            let mut changes = Vec::new();
            if before.name != after.name {
                changes.push(format!("name {:?} → {:?}", before.name, after.name));
            }
            if before.plugins != after.plugins {
                changes.push(format!(
                    "plugins {} → {}",
                    plugins(&before.plugins),
                    plugins(&after.plugins)
                ));
            }
            if before.settings.session_mode != after.settings.session_mode {
                changes.push(format!(
                    "session mode {} → {}",
                    before.settings.session_mode, after.settings.session_mode
                ));
            }
            if before.settings.max_customers_per_csr != after.settings.max_customers_per_csr {
                changes.push(format!(
                    "customers per CSR {} → {}",
                    before.settings.max_customers_per_csr, after.settings.max_customers_per_csr
                ));
            }
            (!changes.is_empty()).then(|| ("site.changed", changes.join("; ")))
        }
    }
}

fn yes_no(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

fn mode(mode: Option<SessionMode>) -> String {
    mode.map_or_else(|| "the site's".to_owned(), |m| m.to_string())
}

fn plugins(selection: &PluginSelection) -> String {
    match selection {
        PluginSelection::All => "every plugin".to_owned(),
        PluginSelection::Only(ids) if ids.is_empty() => "none".to_owned(),
        PluginSelection::Only(ids) => ids.iter().cloned().collect::<Vec<_>>().join(", "),
    }
}

/// Keeps the line for `change`, made by `admin` from `client`. The change
/// is made already: a line that cannot be kept is a storage failure,
/// reported as one (the health check and `/metrics` show it).
pub async fn record(
    storage: &dyn Storage,
    health: &StorageHealth,
    admin: &Account,
    client: IpAddr,
    change: AdminChange<'_>,
) {
    let Some((action, detail)) = describe(change) else {
        return;
    };
    let entry = AuditEntry {
        site: admin.site.clone(),
        at: now_millis(),
        actor: admin.username.clone(),
        actor_name: admin.display_name.clone(),
        client: client.to_string(),
        action: action.to_owned(),
        detail,
    };
    if let Err(error) = storage.append_audit(&entry).await {
        tracing::error!(%error, action, admin = %admin.username, "an audit line could not be kept");
        health.failed(error.to_string());
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::site::SiteSettings;
    use crate::storage::AccountRole;

    fn account() -> Account {
        Account {
            id: 7,
            username: "cara".into(),
            display_name: "Cara Dahl".into(),
            email: String::new(),
            site: "default".into(),
            password_hash: "hash".into(),
            role: AccountRole::Csr,
            webacd_agent: false,
            session_mode: None,
            created_at: 0,
        }
    }

    fn site(plugins: &[&str]) -> Site {
        Site {
            id: "default".into(),
            name: "Default".into(),
            plugins: PluginSelection::Only(
                plugins
                    .iter()
                    .map(|p| (*p).to_owned())
                    .collect::<BTreeSet<_>>(),
            ),
            settings: SiteSettings {
                session_mode: SessionMode::Single,
                max_customers_per_csr: 5,
            },
        }
    }

    #[test]
    fn each_change_says_what_it_was_and_no_change_says_nothing() {
        let before = account();
        let created = describe(AdminChange::AccountCreated(&before));
        assert_eq!(
            created,
            Some(("account.created", "cara (Cara Dahl): csr".to_owned()))
        );
        assert_eq!(
            describe(AdminChange::AccountChanged {
                before: &before,
                after: &before
            }),
            None
        );
        let after = Account {
            role: AccountRole::Admin,
            webacd_agent: true,
            session_mode: Some(SessionMode::Multi),
            display_name: "Cara D.".into(),
            ..account()
        };
        assert_eq!(
            describe(AdminChange::AccountChanged {
                before: &before,
                after: &after
            }),
            Some((
                "account.changed",
                "cara: display name \"Cara Dahl\" → \"Cara D.\"; role csr → admin; WebACD agent no → yes; session mode the site's → multi".to_owned()
            ))
        );
        let (old, mut new) = (site(&["sysinfo"]), site(&["scripts", "sysinfo"]));
        new.settings.max_customers_per_csr = 2;
        assert_eq!(
            describe(AdminChange::SiteChanged {
                before: &old,
                after: &new
            }),
            Some((
                "site.changed",
                "plugins sysinfo → scripts, sysinfo; customers per CSR 5 → 2".to_owned()
            ))
        );
        new.plugins = PluginSelection::All;
        let (_, words) = describe(AdminChange::SiteChanged {
            before: &old,
            after: &new,
        })
        .expect("changed");
        assert!(
            words.starts_with("plugins sysinfo → every plugin"),
            "{words}"
        );
        assert_eq!(
            describe(AdminChange::SiteChanged {
                before: &old,
                after: &old
            }),
            None
        );
    }
}
