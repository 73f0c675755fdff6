//! The registry of session owners: which node orders a live session's
//! commands. A row per session in PostgreSQL (the database the nodes
//! share), leased on the database server's clock: a node claims a session
//! when nobody holds it or the holder's lease ran out, renews only the
//! revision it was given, and releases by deleting that revision. Each is
//! one statement whose condition is the rule, so of nodes claiming at once
//! exactly one wins.

use std::time::Instant;

use sqlx::postgres::PgPool;

use super::lease::LeaseTiming;
use super::{ClusterError, NodeName};
use crate::storage::PostgresStorage;

/// A session this node owns, until [`Lease::valid_until`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub session: String,
    revision: i64,
    valid_until: Instant,
    renew_at: Instant,
}

impl Lease {
    /// Whether this node may still act as the session's owner.
    pub fn holds(&self, now: Instant) -> bool {
        now < self.valid_until
    }

    pub fn valid_until(&self) -> Instant {
        self.valid_until
    }

    /// Whether it is time to renew it.
    pub fn renewal_due(&self, now: Instant) -> bool {
        now >= self.renew_at
    }
}

/// What a claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    Won(Lease),
    /// Another node owns it (`None`: its lease ran out as we looked).
    Owned {
        by: Option<String>,
    },
}

/// A renewal that did not happen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenewError {
    /// The lease ran out or another node holds the session now.
    #[error("the lease on session {0} was lost")]
    Lost(String),
    /// The renewal could not be made; the lease still holds until it runs
    /// out.
    #[error("renewing the lease on session {session}: {reason}")]
    Unavailable { session: String, reason: String },
}

pub struct Owners {
    pool: PgPool,
    node: NodeName,
    timing: LeaseTiming,
}

fn lease_millis(timing: LeaseTiming) -> f64 {
    timing.lease().as_secs_f64() * 1000.0
}

impl Owners {
    pub fn new(storage: &PostgresStorage, node: NodeName, timing: LeaseTiming) -> Owners {
        Owners {
            pool: storage.pool().clone(),
            node,
            timing,
        }
    }

    pub fn node(&self) -> &NodeName {
        &self.node
    }

    pub fn timing(&self) -> LeaseTiming {
        self.timing
    }

    /// Claims `session` for this node; of nodes claiming at once, one wins.
    pub async fn claim(&self, session: &str) -> Result<Claim, ClusterError> {
        let sent_at = Instant::now();
        // A conflicting row is taken over only when its lease ran out; a
        // racing claim waits for the first one's row and then finds it
        // held.
        let revision: Option<i64> = sqlx::query_scalar(
            "INSERT INTO session_owners (session, node, revision, expires_at)
             VALUES ($1, $2, 1, clock_timestamp() + $3 * interval '1 millisecond')
             ON CONFLICT (session) DO UPDATE
                 SET node = excluded.node, revision = session_owners.revision + 1,
                     expires_at = excluded.expires_at
                 WHERE session_owners.expires_at <= clock_timestamp()
             RETURNING revision",
        )
        .bind(session)
        .bind(self.node.as_str())
        .bind(lease_millis(self.timing))
        .fetch_optional(&self.pool)
        .await
        .map_err(|error| ClusterError::Registry(format!("claiming session {session}: {error}")))?;
        match revision {
            Some(revision) => Ok(Claim::Won(Lease {
                session: session.to_owned(),
                revision,
                valid_until: self.timing.valid_until(sent_at),
                renew_at: self.timing.renew_at(sent_at),
            })),
            None => Ok(Claim::Owned {
                by: self.owner(session).await?,
            }),
        }
    }

    /// Extends `lease`; fails when it was lost (never extends a lease
    /// that ran out or that another node holds now).
    pub async fn renew(&self, lease: &Lease) -> Result<Lease, RenewError> {
        self.renew_all(std::slice::from_ref(lease))
            .await?
            .pop()
            .unwrap_or_else(|| Err(RenewError::Lost(lease.session.clone())))
    }

    /// Extends every lease of `leases` in one statement (a node renews
    /// all its due leases at once, however many sessions it runs): each
    /// comes back renewed or lost, in the same order. Fails as a whole
    /// when the database does not answer.
    pub async fn renew_all(
        &self,
        leases: &[Lease],
    ) -> Result<Vec<Result<Lease, RenewError>>, RenewError> {
        let sent_at = Instant::now();
        let sessions: Vec<&str> = leases.iter().map(|l| l.session.as_str()).collect();
        let revisions: Vec<i64> = leases.iter().map(|l| l.revision).collect();
        let renewed: Vec<(String, i64)> = sqlx::query_as(
            "UPDATE session_owners AS o
                 SET revision = o.revision + 1,
                     expires_at = clock_timestamp() + $4 * interval '1 millisecond'
             FROM unnest($2::text[], $3::int8[]) AS r (session, revision)
             WHERE o.session = r.session AND o.node = $1 AND o.revision = r.revision
                 AND o.expires_at > clock_timestamp()
             RETURNING o.session, o.revision",
        )
        .bind(self.node.as_str())
        .bind(&sessions)
        .bind(&revisions)
        .bind(lease_millis(self.timing))
        .fetch_all(&self.pool)
        .await
        .map_err(|error| RenewError::Unavailable {
            session: match sessions.as_slice() {
                [one] => (*one).to_owned(),
                many => format!("{} sessions", many.len()),
            },
            reason: error.to_string(),
        })?;
        let renewed: std::collections::HashMap<String, i64> = renewed.into_iter().collect();
        Ok(leases
            .iter()
            .map(|lease| match renewed.get(&lease.session) {
                Some(&revision) => Ok(Lease {
                    session: lease.session.clone(),
                    revision,
                    valid_until: self.timing.valid_until(sent_at),
                    renew_at: self.timing.renew_at(sent_at),
                }),
                None => Err(RenewError::Lost(lease.session.clone())),
            })
            .collect())
    }

    /// Gives the session up, so another node may claim it at once; leaves
    /// alone a row another node holds now.
    pub async fn release(&self, lease: Lease) -> Result<(), ClusterError> {
        sqlx::query("DELETE FROM session_owners WHERE session = $1 AND node = $2 AND revision = $3")
            .bind(&lease.session)
            .bind(self.node.as_str())
            .bind(lease.revision)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(|error| {
                ClusterError::Registry(format!("releasing session {}: {error}", lease.session))
            })
    }

    /// Active sessions no live node owns (their node stopped answering, or
    /// every node was down), oldest first, at most `limit`: for a node to
    /// take over.
    pub async fn orphans(&self, limit: i64) -> Result<Vec<String>, ClusterError> {
        sqlx::query_scalar(
            "SELECT s.number FROM support_sessions s
             WHERE s.status = 'active'
               AND NOT EXISTS (SELECT 1 FROM session_owners o
                               WHERE o.session = s.number AND o.expires_at > clock_timestamp())
             ORDER BY s.started_at
             LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(|error| {
            ClusterError::Registry(format!("finding sessions without a node: {error}"))
        })
    }

    /// The node that owns `session` now, if any.
    pub async fn owner(&self, session: &str) -> Result<Option<String>, ClusterError> {
        sqlx::query_scalar(
            "SELECT node FROM session_owners WHERE session = $1 AND expires_at > clock_timestamp()",
        )
        .bind(session)
        .fetch_optional(&self.pool)
        .await
        .map_err(|error| {
            ClusterError::Registry(format!("finding the owner of session {session}: {error}"))
        })
    }
}
