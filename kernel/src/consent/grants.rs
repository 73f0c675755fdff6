//! Which consent grant, if any, covers an agent call (pure).

use tether_protocol::Capability;

use crate::storage::{GrantRecord, Millis};

/// What an agent call needs a grant for.
#[derive(Debug, Clone, Copy)]
pub struct GrantScope<'a> {
    pub session: &'a str,
    pub customer: &'a str,
    /// The session's host now: a grant covers the CSR who asked for it only.
    pub host: &'a str,
    pub plugin: &'a str,
    pub capability: Capability,
}

/// A grant for exactly this scope that is neither revoked nor expired.
pub fn live_grant<'g>(
    grants: &'g [GrantRecord],
    scope: GrantScope<'_>,
    now: Millis,
) -> Option<&'g GrantRecord> {
    grants.iter().find(|g| {
        g.session == scope.session
            && g.customer == scope.customer
            && g.asked_by == scope.host
            && g.plugin == scope.plugin
            && g.capability == scope.capability.as_str()
            && g.revoked_at.is_none()
            && g.expires_at.is_none_or(|expires| expires > now)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(
        id: &str,
        plugin: &str,
        expires_at: Option<Millis>,
        revoked_at: Option<Millis>,
    ) -> GrantRecord {
        GrantRecord {
            id: id.into(),
            session: "123456789".into(),
            customer: "c1".into(),
            asked_by: "anna".into(),
            plugin: plugin.into(),
            capability: Capability::SysinfoCollect.as_str().into(),
            granted_at: 0,
            expires_at,
            revoked_at,
        }
    }

    fn scope(plugin: &str) -> GrantScope<'_> {
        GrantScope {
            session: "123456789",
            customer: "c1",
            host: "anna",
            plugin,
            capability: Capability::SysinfoCollect,
        }
    }

    #[test]
    fn only_an_exact_live_grant_counts() {
        let grants = vec![
            grant("revoked", "sysinfo", None, Some(5)),
            grant("expired", "sysinfo", Some(100), None),
            grant("other-plugin", "scripts", None, None),
        ];
        assert!(live_grant(&grants, scope("sysinfo"), 200).is_none());
        assert_eq!(
            live_grant(&grants, scope("sysinfo"), 50).map(|g| g.id.as_str()),
            Some("expired")
        );
        assert_eq!(
            live_grant(&grants, scope("scripts"), 200).map(|g| g.id.as_str()),
            Some("other-plugin")
        );
        let other_customer = GrantScope {
            customer: "c2",
            ..scope("scripts")
        };
        assert!(live_grant(&grants, other_customer, 0).is_none());
        // After control passed, Bob's work is not what the customer allowed.
        let other_host = GrantScope {
            host: "bob",
            ..scope("scripts")
        };
        assert!(live_grant(&grants, other_host, 0).is_none());
    }
}
