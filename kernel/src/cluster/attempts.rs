//! Failed attempts counted by all the nodes together: joining by number
//! and signing in are limited per client (see `session/rate_limit.rs` and
//! `accounts/sign_in_limit.rs`), and an attacker who spreads guesses over
//! several nodes must meet one limit, not one per node. Each node keeps
//! its own limits as well; these are checked in addition, against the
//! counts in the shared database.
//!
//! A database that does not answer does not lock people out: the check
//! lets the attempt through (the node's own limits still hold) and says so
//! in the log.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::PgPool;

use crate::storage::PostgresStorage;

/// One kind of attempt and its limit: at most `limit` failures per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    pub name: &'static str,
    pub limit: usize,
    pub window: Duration,
}

#[async_trait]
pub trait SharedAttempts: Send + Sync + 'static {
    /// How long `key` must wait: `Some` once the nodes together counted
    /// `counter.limit` failures of it within the window.
    async fn wait(&self, counter: Counter, key: &str) -> Option<Duration>;
    /// Counts a failure of `key`.
    async fn failed(&self, counter: Counter, key: &str);
}

/// A kernel on its own: its own limits are all there is.
pub struct NodeOnly;

#[async_trait]
impl SharedAttempts for NodeOnly {
    async fn wait(&self, _counter: Counter, _key: &str) -> Option<Duration> {
        None
    }

    async fn failed(&self, _counter: Counter, _key: &str) {}
}

/// Counts in the database the nodes share, on its server's clock.
pub struct DatabaseAttempts {
    pool: PgPool,
}

impl DatabaseAttempts {
    pub fn new(storage: &PostgresStorage) -> DatabaseAttempts {
        DatabaseAttempts {
            pool: storage.pool().clone(),
        }
    }
}

fn millis(window: Duration) -> f64 {
    window.as_secs_f64() * 1000.0
}

#[async_trait]
impl SharedAttempts for DatabaseAttempts {
    async fn wait(&self, counter: Counter, key: &str) -> Option<Duration> {
        // How many failures in the window, and how long until the oldest
        // of them leaves it.
        let counted: Result<(i64, Option<f64>), sqlx::Error> = sqlx::query_as(
            "SELECT count(*),
                    EXTRACT(EPOCH FROM min(at) + $3 * interval '1 millisecond' - clock_timestamp())::float8
             FROM attempts
             WHERE counter = $1 AND key = $2
                 AND at > clock_timestamp() - $3 * interval '1 millisecond'",
        )
        .bind(counter.name)
        .bind(key)
        .bind(millis(counter.window))
        .fetch_one(&self.pool)
        .await;
        match counted {
            Ok((count, seconds)) if count >= counter.limit as i64 => Some(
                Duration::try_from_secs_f64(seconds.unwrap_or(0.0).max(0.0))
                    .unwrap_or(counter.window),
            ),
            Ok(_) => None,
            Err(error) => {
                tracing::warn!(counter = counter.name, %error, "cannot read the attempts the nodes counted; only this node's limits apply");
                None
            }
        }
    }

    async fn failed(&self, counter: Counter, key: &str) {
        let counted = sqlx::query(
            "WITH old AS (
                 DELETE FROM attempts
                 WHERE counter = $1 AND key = $2
                     AND at <= clock_timestamp() - $3 * interval '1 millisecond'
             )
             INSERT INTO attempts (counter, key, at) VALUES ($1, $2, clock_timestamp())",
        )
        .bind(counter.name)
        .bind(key)
        .bind(millis(counter.window))
        .execute(&self.pool)
        .await;
        if let Err(error) = counted {
            tracing::warn!(counter = counter.name, %error, "cannot count a failed attempt for the other nodes");
        }
    }
}
