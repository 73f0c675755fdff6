//! Storage behind a trait: sites, accounts, signed-in browsers, support
//! sessions, participants, consent grants, session reports and plugin key/value data.
//!
//! [`SqliteStorage`] is the embedded default; [`PostgresStorage`] is for
//! several kernel nodes sharing one database. Both map rows to records
//! with the same code (`rows.rs`) and pass the same storage test suite.

pub mod health;
mod memory;
mod postgres;
mod records;
mod rows;
mod sqlite;
mod statements;

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;

pub use health::StorageHealth;
pub use memory::MemoryKv;
pub use postgres::PostgresStorage;
pub use records::*;
pub use sqlite::SqliteStorage;

use crate::plugin_host::services::PluginKv;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    #[error("{0} already exists")]
    Conflict(String),
    #[error("storage failed: {0}")]
    Backend(String),
}

/// Where storage is, from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageLocation {
    /// The embedded database file.
    Sqlite(PathBuf),
    /// A PostgreSQL address; may carry a password, so it is never logged.
    Postgres(String),
}

impl StorageLocation {
    /// Opens (creating or migrating as needed) the storage here.
    pub async fn open(&self) -> Result<Arc<dyn Storage>, StorageError> {
        Ok(match self {
            StorageLocation::Sqlite(path) => Arc::new(SqliteStorage::open(path).await?),
            StorageLocation::Postgres(url) => Arc::new(PostgresStorage::open(url).await?),
        })
    }

    /// What to call it in messages (no password).
    pub fn describe(&self) -> String {
        match self {
            StorageLocation::Sqlite(path) => format!("SQLite database {}", path.display()),
            StorageLocation::Postgres(_) => "PostgreSQL database".to_owned(),
        }
    }
}

/// Everything the kernel persists.
#[async_trait]
pub trait Storage: PluginKv {
    /// Whether storage is still what the kernel opened, and answers.
    async fn check(&self) -> Result<(), StorageError>;

    /// Every stored site, by id.
    async fn sites(&self) -> Result<Vec<SiteRecord>, StorageError>;
    /// Inserts the site, or replaces the stored one of the same id.
    async fn save_site(&self, site: &SiteRecord) -> Result<(), StorageError>;

    async fn create_account(&self, account: NewAccount) -> Result<Account, StorageError>;
    async fn account(&self, id: i64) -> Result<Option<Account>, StorageError>;
    async fn account_by_username(&self, username: &str) -> Result<Option<Account>, StorageError>;
    async fn count_accounts(&self) -> Result<u64, StorageError>;
    /// A site's accounts, by user name.
    async fn accounts_of_site(&self, site: &str) -> Result<Vec<Account>, StorageError>;
    /// Replaces what a site admin may change about an account.
    async fn update_account(&self, account: &Account) -> Result<(), StorageError>;

    /// Sets the account's password hash, and whether its owner must
    /// change it at the next sign-in; `false` for no such account.
    async fn set_password(
        &self,
        id: i64,
        hash: &str,
        must_change: bool,
    ) -> Result<bool, StorageError>;
    /// `false` for no such account.
    async fn set_disabled(&self, id: i64, disabled: bool) -> Result<bool, StorageError>;
    /// Starts (a secret) or abandons (`None`) a TOTP enrolment.
    async fn set_totp_pending(&self, id: i64, secret: Option<&str>) -> Result<bool, StorageError>;
    /// Makes the pending `secret` the account's second factor, `step` the
    /// last accepted, with fresh recovery code hashes; `false` when that
    /// secret is not pending (confirmed already, or replaced).
    async fn confirm_totp(
        &self,
        id: i64,
        secret: &str,
        step: i64,
        recovery_codes: &[String],
    ) -> Result<bool, StorageError>;
    /// Removes the second factor and its recovery codes.
    async fn clear_totp(&self, id: i64) -> Result<bool, StorageError>;
    /// Accepts a code of time step `step` if no code of it or a later one
    /// was: `false` for a code used already (of two racing uses, one wins).
    async fn use_totp_step(&self, id: i64, step: i64) -> Result<bool, StorageError>;
    /// Replaces the recovery code hashes `before` with `after` (one fewer)
    /// if they are still `before`: of two racing uses, one wins.
    async fn use_recovery_code(
        &self,
        id: i64,
        before: &[String],
        after: &[String],
    ) -> Result<bool, StorageError>;
    /// Deletes the account and its sign-ins; the sessions it took part in
    /// and their reports stay. `false` for no such account.
    async fn delete_account(&self, id: i64) -> Result<bool, StorageError>;
    /// Ends the account's sign-ins, all but the one with `except`'s hash.
    async fn delete_web_sessions_of(
        &self,
        account_id: i64,
        except: Option<&str>,
    ) -> Result<(), StorageError>;
    async fn create_web_session(&self, session: WebSession) -> Result<(), StorageError>;
    async fn web_session(&self, token_hash: &str) -> Result<Option<WebSession>, StorageError>;
    async fn delete_web_session(&self, token_hash: &str) -> Result<(), StorageError>;

    /// Fails with [`StorageError::Conflict`] when the number is taken.
    async fn create_session(&self, session: SessionRecord) -> Result<(), StorageError>;
    async fn session(&self, number: &str) -> Result<Option<SessionRecord>, StorageError>;
    async fn active_sessions(&self) -> Result<Vec<SessionRecord>, StorageError>;
    /// Ends the session with the report's `reason` and the history's
    /// `outcome` (one of [`outcome::ALL`]).
    async fn end_session(
        &self,
        number: &str,
        at: Millis,
        reason: &str,
        outcome: &str,
    ) -> Result<(), StorageError>;
    /// The site's sessions matching `query`, newest first.
    async fn session_history(
        &self,
        query: &HistoryQuery,
    ) -> Result<Vec<HistoryEntry>, StorageError>;
    /// Deletes the sessions of `site` that ended before `ended_before`,
    /// with their reports, participants and grants (in one transaction);
    /// how many.
    async fn purge_reports(&self, site: &str, ended_before: Millis) -> Result<u64, StorageError>;

    async fn add_participant(&self, participant: ParticipantRecord) -> Result<(), StorageError>;
    async fn set_participant_role(
        &self,
        id: &str,
        role: ParticipantRole,
    ) -> Result<(), StorageError>;
    async fn participant_left(&self, id: &str, at: Millis) -> Result<(), StorageError>;
    async fn participants(&self, session: &str) -> Result<Vec<ParticipantRecord>, StorageError>;
    async fn participant_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<ParticipantRecord>, StorageError>;
    /// Replaces the participant's resume token (its hash); the one before
    /// stays valid until the next replacement.
    async fn set_resume_token(
        &self,
        participant: &str,
        token_hash: &str,
    ) -> Result<(), StorageError>;
    async fn participant_by_resume_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<ParticipantRecord>, StorageError>;

    async fn insert_grant(&self, grant: GrantRecord) -> Result<(), StorageError>;
    /// `true` when the grant existed and was live.
    async fn revoke_grant(&self, id: &str, at: Millis) -> Result<bool, StorageError>;
    async fn grants(&self, session: &str) -> Result<Vec<GrantRecord>, StorageError>;

    async fn append_event(&self, session: &str, entry: ReportEntry) -> Result<(), StorageError>;
    /// Lines of several sessions' reports, in this order, all or none.
    async fn append_events(&self, lines: &[(String, ReportEntry)]) -> Result<(), StorageError>;
    async fn events(&self, session: &str) -> Result<Vec<ReportEntry>, StorageError>;

    /// Adds a line to the site's audit log.
    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StorageError>;
    /// The site's latest `limit` audit lines, newest first.
    async fn audit_log(&self, site: &str, limit: u32) -> Result<Vec<AuditEntry>, StorageError>;
}
