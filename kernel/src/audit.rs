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
    /// The admin set a password its owner must change.
    PasswordReset(&'a Account),
    /// The admin disabled the account (`true`) or enabled it again.
    AccountDisabled {
        account: &'a Account,
        disabled: bool,
    },
    AccountDeleted(&'a Account),
    /// The admin removed the account's second factor.
    TwoFactorReset(&'a Account),
    /// A command to a plugin that its manifest says changes the site (the
    /// script categories), as sent.
    PluginCommand {
        plugin: &'a str,
        name: &'a str,
        payload: &'a str,
    },
}

/// Longest part of a plugin command's payload a line keeps, in characters.
pub const MAX_PAYLOAD_CHARS: usize = 400;

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
            if before.settings.two_factor != after.settings.two_factor {
                changes.push(format!(
                    "two-factor sign-in {} → {}",
                    before.settings.two_factor, after.settings.two_factor
                ));
            }
            if before.settings.report_retention_days != after.settings.report_retention_days {
                changes.push(format!(
                    "reports kept {} → {}",
                    retention(before.settings.report_retention_days),
                    retention(after.settings.report_retention_days)
                ));
            }
            (!changes.is_empty()).then(|| ("site.changed", changes.join("; ")))
        }
        AdminChange::PasswordReset(account) => Some((
            "account.password_reset",
            format!(
                "{}: password reset, to be changed at the next sign-in",
                account.username
            ),
        )),
        AdminChange::AccountDisabled { account, disabled } => Some(if disabled {
            ("account.disabled", account.username.clone())
        } else {
            ("account.enabled", account.username.clone())
        }),
        AdminChange::TwoFactorReset(account) => Some((
            "account.two_factor_reset",
            format!(
                "{}: two-factor sign-in removed, to be set up again",
                account.username
            ),
        )),
        AdminChange::AccountDeleted(account) => Some((
            "account.deleted",
            format!("{} ({})", account.username, account.display_name),
        )),
        AdminChange::PluginCommand {
            plugin,
            name,
            payload,
        } => {
            let mut kept: String = payload.chars().take(MAX_PAYLOAD_CHARS).collect();
            if kept.len() < payload.len() {
                kept.push('…');
            }
            Some(("plugin.command", format!("{plugin}: {name} {kept}")))
        }
    }
}

fn retention(days: u32) -> String {
    match days {
        0 => "for good".to_owned(),
        1 => "1 day".to_owned(),
        days => format!("{days} days"),
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

impl crate::Kernel {
    /// Keeps the audit line for `change`, made by `admin` from `client`
    /// (see [`record`]).
    pub async fn audit(&self, admin: &Account, client: IpAddr, change: AdminChange<'_>) {
        record(
            self.storage.as_ref(),
            &self.storage_health,
            admin,
            client,
            change,
        )
        .await;
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
            disabled: false,
            must_change_password: false,
            totp_secret: None,
            totp_pending: None,
            totp_last_step: None,
            recovery_codes: Vec::new(),
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
                ..SiteSettings::default()
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
        let mut strict = old.clone();
        strict.settings.two_factor = crate::storage::TwoFactorRule::Admins;
        strict.settings.report_retention_days = 90;
        assert_eq!(
            describe(AdminChange::SiteChanged {
                before: &old,
                after: &strict
            }),
            Some((
                "site.changed",
                "two-factor sign-in optional → admins; reports kept for good → 90 days".to_owned()
            ))
        );
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
    #[test]
    fn an_accounts_life_and_a_plugins_site_change_each_leave_a_line() {
        let cara = account();
        for (change, expected) in [
            (
                AdminChange::PasswordReset(&cara),
                (
                    "account.password_reset",
                    "cara: password reset, to be changed at the next sign-in",
                ),
            ),
            (
                AdminChange::AccountDisabled {
                    account: &cara,
                    disabled: true,
                },
                ("account.disabled", "cara"),
            ),
            (
                AdminChange::AccountDisabled {
                    account: &cara,
                    disabled: false,
                },
                ("account.enabled", "cara"),
            ),
            (
                AdminChange::TwoFactorReset(&cara),
                (
                    "account.two_factor_reset",
                    "cara: two-factor sign-in removed, to be set up again",
                ),
            ),
            (
                AdminChange::AccountDeleted(&cara),
                ("account.deleted", "cara (Cara Dahl)"),
            ),
            (
                AdminChange::PluginCommand {
                    plugin: "scripts",
                    name: "categories.set",
                    payload: r#"{"categories":["Network"]}"#,
                },
                (
                    "plugin.command",
                    r#"scripts: categories.set {"categories":["Network"]}"#,
                ),
            ),
        ] {
            let (action, words) = expected;
            assert_eq!(describe(change), Some((action, words.to_owned())));
        }
        let long = "é".repeat(MAX_PAYLOAD_CHARS + 1);
        let (_, words) = describe(AdminChange::PluginCommand {
            plugin: "scripts",
            name: "categories.set",
            payload: &long,
        })
        .expect("a line");
        assert_eq!(
            words,
            format!("scripts: categories.set {}…", "é".repeat(MAX_PAYLOAD_CHARS))
        );
    }
}
