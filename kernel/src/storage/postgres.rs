//! PostgreSQL storage, for several kernel nodes sharing one database:
//! migrations from `kernel/migrations/postgres` applied at open (sqlx
//! holds an advisory lock while migrating, so nodes starting together
//! migrate once). Each rule that must hold across nodes is one statement
//! whose condition is the rule (a user name taken, a grant already
//! revoked, a plugin's compare-and-swap), which PostgreSQL runs atomically:
//! a racing statement waits for the first one's row and then finds its
//! condition false.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::StorageError;
use super::records::*;
use super::rows::{
    account, audit_entry, grant, history_entry, participant, report_entry, session, site,
    web_session,
};
use super::statements::{backend, kv_error, like_pattern, sql_storage};
use crate::plugin_host::services::{KvError, PluginScope};

/// How long a statement may wait for a connection of the pool before it
/// fails (and the health check reports storage unavailable) rather than
/// hang a request.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections per kernel node.
const MAX_CONNECTIONS: u32 = 16;

pub struct PostgresStorage {
    pool: PgPool,
}

/// The server and database of `options`, to name in errors: never the
/// URL itself, which may carry a password.
fn described(options: &PgConnectOptions) -> String {
    format!(
        "PostgreSQL database `{}` on {}:{}",
        options.get_database().unwrap_or("(the user's)"),
        options.get_host(),
        options.get_port()
    )
}

impl PostgresStorage {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`)
    /// and migrates it. The database must exist; the schema is created.
    pub async fn open(url: &str) -> Result<PostgresStorage, StorageError> {
        let options: PgConnectOptions = url.parse().map_err(|error| {
            StorageError::Backend(format!(
                "`storage.url` is not a PostgreSQL address: {error}"
            ))
        })?;
        let server = described(&options);
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|error| {
                StorageError::Backend(format!("cannot connect to {server}: {error}"))
            })?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|error| StorageError::Backend(format!("migrating {server}: {error}")))?;
        Ok(PostgresStorage { pool })
    }

    /// The connections, for what else the nodes keep in this database
    /// (the session owners' leases, `cluster/owners.rs`).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// A server is not replaced under a running kernel the way a file
    /// can be; whether it answers is what the health check's write finds.
    fn still_there(&self) -> Result<(), StorageError> {
        Ok(())
    }
}

sql_storage!(PostgresStorage, sqlx::Postgres);
