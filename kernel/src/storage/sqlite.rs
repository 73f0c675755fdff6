//! SQLite storage (embedded default): WAL journal, foreign keys, migrations
//! from `kernel/migrations` applied at open.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use async_trait::async_trait;
use sqlx::Row;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};

use super::records::*;
use super::{Storage, StorageError};
use crate::plugin_host::services::{KvError, PluginKv, PluginScope};

pub struct SqliteStorage {
    pool: SqlitePool,
    path: PathBuf,
    /// The file's identity when it was opened: a database deleted or
    /// replaced under the running kernel is noticed, not written to.
    identity: Option<FileIdentity>,
}

/// Device and inode of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileIdentity {
    device: u64,
    inode: u64,
}

fn identity(path: &Path) -> Option<FileIdentity> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| FileIdentity {
        device: m.dev(),
        inode: m.ino(),
    })
}

fn backend(error: sqlx::Error) -> StorageError {
    match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StorageError::Conflict(db.message().to_owned())
        }
        _ => StorageError::Backend(error.to_string()),
    }
}

fn parse<T: FromStr<Err = String>>(text: String) -> Result<T, sqlx::Error> {
    text.parse()
        .map_err(|error: String| sqlx::Error::Decode(error.into()))
}

impl SqliteStorage {
    /// Opens (creating if needed) the database file and migrates it.
    pub async fn open(path: &Path) -> Result<SqliteStorage, StorageError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|error| {
                StorageError::Backend(format!("cannot create {}: {error}", dir.display()))
            })?;
        }
        // Processes opening one database at once (the kernel starting while
        // `tether admin create-user` runs) open it one after another:
        // creating the file and switching it to WAL while another process
        // does the same fails with "database is locked", and sqlx takes no
        // lock for SQLite migrations, so both would apply the first one.
        let opening = OpeningLock::take(path).await?;
        // WAL with `synchronous = NORMAL`, as SQLite recommends for WAL:
        // the database never corrupts; a power cut may lose the last
        // commits, and no commit waits for the disk (with the default FULL
        // every plugin store write waited ~7 ms for a sync here).
        let options = SqliteConnectOptions::new()
            .filename(path)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true);
        // Created here, once: the pool's own connections never create a
        // file, so a database deleted under the kernel is not silently
        // replaced by an empty one.
        let created = sqlx::ConnectOptions::connect(&options.clone().create_if_missing(true))
            .await
            .map_err(backend)?;
        sqlx::Connection::close(created).await.map_err(backend)?;
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options.create_if_missing(false))
            .await
            .map_err(backend)?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|error| StorageError::Backend(format!("migrating the database: {error}")))?;
        drop(opening);
        Ok(SqliteStorage {
            pool,
            path: path.to_owned(),
            identity: identity(path),
        })
    }
}

/// An exclusive lock on a file beside the database, held while opening and
/// migrating it, so processes opening the same database do it one after
/// another.
/// The database file itself is not locked this way: SQLite's own locks on
/// it are POSIX locks, which closing any other descriptor of the file in
/// this process would release.
struct OpeningLock {
    /// Locked while this value lives; closing it releases the lock.
    _locked: std::fs::File,
}

impl OpeningLock {
    async fn take(database: &Path) -> Result<OpeningLock, StorageError> {
        let mut name = database.as_os_str().to_owned();
        name.push("-opening.lock");
        let path = PathBuf::from(name);
        let file = std::fs::File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|error| {
                StorageError::Backend(format!("cannot open {}: {error}", path.display()))
            })?;
        // Another process opening holds it for well under a second; wait
        // on a blocking thread rather than stall the runtime.
        tokio::task::spawn_blocking(move || file.lock().map(|()| OpeningLock { _locked: file }))
            .await
            .map_err(|error| StorageError::Backend(format!("waiting to open: {error}")))?
            .map_err(|error| {
                StorageError::Backend(format!("cannot lock {}: {error}", path.display()))
            })
    }
}

fn account(row: SqliteRow) -> Result<Account, sqlx::Error> {
    Ok(Account {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        email: row.try_get("email")?,
        site: row.try_get("site")?,
        password_hash: row.try_get("password_hash")?,
        role: parse(row.try_get("role")?)?,
        webacd_agent: row.try_get("webacd_agent")?,
        session_mode: row
            .try_get::<Option<String>, _>("session_mode")?
            .map(parse)
            .transpose()?,
        created_at: row.try_get("created_at")?,
    })
}

fn site(row: SqliteRow) -> Result<SiteRecord, sqlx::Error> {
    let plugins: String = row.try_get("plugins")?;
    let max: i64 = row.try_get("max_customers_per_csr")?;
    Ok(SiteRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        plugins: serde_json::from_str(&plugins)
            .map_err(|error| sqlx::Error::Decode(Box::new(error)))?,
        session_mode: parse(row.try_get("session_mode")?)?,
        max_customers_per_csr: u32::try_from(max)
            .map_err(|error| sqlx::Error::Decode(Box::new(error)))?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn session(row: SqliteRow) -> Result<SessionRecord, sqlx::Error> {
    Ok(SessionRecord {
        number: row.try_get("number")?,
        site: row.try_get("site")?,
        mode: parse(row.try_get("mode")?)?,
        started_by: row.try_get("started_by")?,
        status: parse(row.try_get("status")?)?,
        started_at: row.try_get("started_at")?,
        ended_at: row.try_get("ended_at")?,
        end_reason: row.try_get("end_reason")?,
    })
}

fn participant(row: SqliteRow) -> Result<ParticipantRecord, sqlx::Error> {
    Ok(ParticipantRecord {
        id: row.try_get("id")?,
        session: row.try_get("session")?,
        role: parse(row.try_get("role")?)?,
        display_name: row.try_get("display_name")?,
        account_id: row.try_get("account_id")?,
        join_token_hash: row.try_get("join_token_hash")?,
        joined_at: row.try_get("joined_at")?,
        left_at: row.try_get("left_at")?,
    })
}

fn grant(row: SqliteRow) -> Result<GrantRecord, sqlx::Error> {
    Ok(GrantRecord {
        id: row.try_get("id")?,
        session: row.try_get("session")?,
        customer: row.try_get("customer")?,
        asked_by: row.try_get("asked_by")?,
        plugin: row.try_get("plugin")?,
        capability: row.try_get("capability")?,
        granted_at: row.try_get("granted_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

#[async_trait]
impl Storage for SqliteStorage {
    async fn check(&self) -> Result<(), StorageError> {
        let now = identity(&self.path);
        if now.is_none() || now != self.identity {
            return Err(StorageError::Backend(format!(
                "the database file {} was removed or replaced while the kernel ran; restore it and restart the kernel",
                self.path.display()
            )));
        }
        sqlx::query("INSERT OR REPLACE INTO storage_probe (id, at) VALUES (1, ?)")
            .bind(now_millis())
            .execute(&self.pool)
            .await
            .map_err(|error| {
                StorageError::Backend(format!("the database cannot be written: {error}"))
            })?;
        Ok(())
    }

    async fn sites(&self) -> Result<Vec<SiteRecord>, StorageError> {
        sqlx::query("SELECT * FROM sites ORDER BY id")
            .try_map(site)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)
    }

    async fn save_site(&self, record: &SiteRecord) -> Result<(), StorageError> {
        let plugins = serde_json::to_string(&record.plugins)
            .map_err(|error| StorageError::Backend(error.to_string()))?;
        sqlx::query(
            "INSERT INTO sites (id, name, plugins, session_mode, max_customers_per_csr, updated_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, plugins = excluded.plugins,
                 session_mode = excluded.session_mode,
                 max_customers_per_csr = excluded.max_customers_per_csr,
                 updated_at = excluded.updated_at",
        )
        .bind(&record.id)
        .bind(&record.name)
        .bind(plugins)
        .bind(record.session_mode.as_str())
        .bind(i64::from(record.max_customers_per_csr))
        .bind(record.updated_at)
        .execute(&self.pool)
        .await
        .map(|_| ())
        .map_err(backend)
    }

    async fn create_account(&self, new: NewAccount) -> Result<Account, StorageError> {
        let created_at = now_millis();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO accounts (username, display_name, email, site, password_hash, role, webacd_agent, session_mode, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&new.username)
        .bind(&new.display_name)
        .bind(&new.email)
        .bind(&new.site)
        .bind(&new.password_hash)
        .bind(new.role.as_str())
        .bind(new.webacd_agent)
        .bind(new.session_mode.map(SessionMode::as_str))
        .bind(created_at)
        .fetch_one(&self.pool)
        .await
        .map_err(|error| match backend(error) {
            StorageError::Conflict(_) => StorageError::Conflict(format!("account `{}`", new.username)),
            other => other,
        })?;
        Ok(Account {
            id,
            username: new.username,
            display_name: new.display_name,
            email: new.email,
            site: new.site,
            password_hash: new.password_hash,
            role: new.role,
            webacd_agent: new.webacd_agent,
            session_mode: new.session_mode,
            created_at,
        })
    }

    async fn account(&self, id: i64) -> Result<Option<Account>, StorageError> {
        sqlx::query("SELECT * FROM accounts WHERE id = ?")
            .bind(id)
            .try_map(account)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }

    async fn account_by_username(&self, username: &str) -> Result<Option<Account>, StorageError> {
        sqlx::query("SELECT * FROM accounts WHERE username = ?")
            .bind(username)
            .try_map(account)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }

    async fn accounts_of_site(&self, site: &str) -> Result<Vec<Account>, StorageError> {
        sqlx::query("SELECT * FROM accounts WHERE site = ? ORDER BY username")
            .bind(site)
            .try_map(account)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)
    }

    async fn update_account(&self, a: &Account) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE accounts SET display_name = ?, email = ?, role = ?, webacd_agent = ?, session_mode = ? WHERE id = ?",
        )
        .bind(&a.display_name)
        .bind(&a.email)
        .bind(a.role.as_str())
        .bind(a.webacd_agent)
        .bind(a.session_mode.map(SessionMode::as_str))
        .bind(a.id)
        .execute(&self.pool)
        .await
        .map(|_| ())
        .map_err(backend)
    }

    async fn count_accounts(&self) -> Result<u64, StorageError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
            .fetch_one(&self.pool)
            .await
            .map_err(backend)?;
        Ok(count.max(0) as u64)
    }

    async fn create_web_session(&self, web: WebSession) -> Result<(), StorageError> {
        sqlx::query("INSERT INTO web_sessions (token_hash, account_id, csrf_token, expires_at) VALUES (?, ?, ?, ?)")
            .bind(&web.token_hash)
            .bind(web.account_id)
            .bind(&web.csrf_token)
            .bind(web.expires_at)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn web_session(&self, token_hash: &str) -> Result<Option<WebSession>, StorageError> {
        sqlx::query("SELECT * FROM web_sessions WHERE token_hash = ?")
            .bind(token_hash)
            .try_map(|row: SqliteRow| {
                Ok(WebSession {
                    token_hash: row.try_get("token_hash")?,
                    account_id: row.try_get("account_id")?,
                    csrf_token: row.try_get("csrf_token")?,
                    expires_at: row.try_get("expires_at")?,
                })
            })
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }

    async fn delete_web_session(&self, token_hash: &str) -> Result<(), StorageError> {
        sqlx::query("DELETE FROM web_sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn create_session(&self, record: SessionRecord) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO support_sessions (number, site, mode, started_by, status, started_at, ended_at, end_reason)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&record.number)
        .bind(&record.site)
        .bind(record.mode.as_str())
        .bind(record.started_by)
        .bind(record.status.as_str())
        .bind(record.started_at)
        .bind(record.ended_at)
        .bind(&record.end_reason)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn session(&self, number: &str) -> Result<Option<SessionRecord>, StorageError> {
        sqlx::query("SELECT * FROM support_sessions WHERE number = ?")
            .bind(number)
            .try_map(session)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }

    async fn active_sessions(&self) -> Result<Vec<SessionRecord>, StorageError> {
        sqlx::query("SELECT * FROM support_sessions WHERE status = 'active' ORDER BY started_at")
            .try_map(session)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)
    }

    async fn end_session(
        &self,
        number: &str,
        at: Millis,
        reason: &str,
    ) -> Result<(), StorageError> {
        sqlx::query("UPDATE support_sessions SET status = 'ended', ended_at = ?, end_reason = ? WHERE number = ? AND status = 'active'")
            .bind(at)
            .bind(reason)
            .bind(number)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn add_participant(&self, p: ParticipantRecord) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO participants (id, session, role, display_name, account_id, join_token_hash, joined_at, left_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&p.id)
        .bind(&p.session)
        .bind(p.role.as_str())
        .bind(&p.display_name)
        .bind(p.account_id)
        .bind(&p.join_token_hash)
        .bind(p.joined_at)
        .bind(p.left_at)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn set_participant_role(
        &self,
        id: &str,
        role: ParticipantRole,
    ) -> Result<(), StorageError> {
        sqlx::query("UPDATE participants SET role = ? WHERE id = ?")
            .bind(role.as_str())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn participant_left(&self, id: &str, at: Millis) -> Result<(), StorageError> {
        sqlx::query("UPDATE participants SET left_at = ? WHERE id = ? AND left_at IS NULL")
            .bind(at)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn participants(&self, number: &str) -> Result<Vec<ParticipantRecord>, StorageError> {
        sqlx::query("SELECT * FROM participants WHERE session = ? ORDER BY joined_at, id")
            .bind(number)
            .try_map(participant)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)
    }

    async fn participant_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<ParticipantRecord>, StorageError> {
        sqlx::query("SELECT * FROM participants WHERE join_token_hash = ?")
            .bind(token_hash)
            .try_map(participant)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }

    async fn set_resume_token(
        &self,
        participant: &str,
        token_hash: &str,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE participants SET previous_resume_token_hash = resume_token_hash, resume_token_hash = ? WHERE id = ?",
        )
            .bind(token_hash)
            .bind(participant)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(backend)
    }

    async fn participant_by_resume_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<ParticipantRecord>, StorageError> {
        sqlx::query("SELECT * FROM participants WHERE resume_token_hash = ? OR previous_resume_token_hash = ?")
            .bind(token_hash)
            .bind(token_hash)
            .try_map(participant)
            .fetch_optional(&self.pool)
            .await
            .map_err(backend)
    }

    async fn insert_grant(&self, g: GrantRecord) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO consent_grants (id, session, customer, asked_by, plugin, capability, granted_at, expires_at, revoked_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&g.id)
        .bind(&g.session)
        .bind(&g.customer)
        .bind(&g.asked_by)
        .bind(&g.plugin)
        .bind(&g.capability)
        .bind(g.granted_at)
        .bind(g.expires_at)
        .bind(g.revoked_at)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn revoke_grant(&self, id: &str, at: Millis) -> Result<bool, StorageError> {
        let done = sqlx::query(
            "UPDATE consent_grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(done.rows_affected() == 1)
    }

    async fn grants(&self, number: &str) -> Result<Vec<GrantRecord>, StorageError> {
        sqlx::query("SELECT * FROM consent_grants WHERE session = ? ORDER BY granted_at, id")
            .bind(number)
            .try_map(grant)
            .fetch_all(&self.pool)
            .await
            .map_err(backend)
    }

    async fn append_event(&self, number: &str, entry: ReportEntry) -> Result<(), StorageError> {
        self.append_events(&[(number.to_owned(), entry)]).await
    }

    async fn append_events(&self, lines: &[(String, ReportEntry)]) -> Result<(), StorageError> {
        if lines.is_empty() {
            return Ok(());
        }
        // One statement for the whole batch: each statement is a round
        // trip to SQLite's worker thread, and a thread wake-up per line
        // cost more than writing the lines. One statement is one atomic
        // write, and rows are numbered in the order of their values.
        let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO session_events (session, at, kind, actor, detail) ",
        );
        insert.push_values(lines, |mut row, (number, entry)| {
            row.push_bind(number)
                .push_bind(entry.at)
                .push_bind(&entry.kind)
                .push_bind(&entry.actor)
                .push_bind(&entry.detail);
        });
        insert
            .build()
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(backend)
    }

    async fn events(&self, number: &str) -> Result<Vec<ReportEntry>, StorageError> {
        sqlx::query(
            "SELECT at, kind, actor, detail FROM session_events WHERE session = ? ORDER BY id",
        )
        .bind(number)
        .try_map(|row: SqliteRow| {
            Ok(ReportEntry {
                at: row.try_get("at")?,
                kind: row.try_get("kind")?,
                actor: row.try_get("actor")?,
                detail: row.try_get("detail")?,
            })
        })
        .fetch_all(&self.pool)
        .await
        .map_err(backend)
    }
}

fn kv_error(error: sqlx::Error) -> KvError {
    KvError::Unavailable(error.to_string())
}

#[async_trait]
impl PluginKv for SqliteStorage {
    async fn get(&self, scope: &PluginScope, key: &str) -> Result<Option<Vec<u8>>, KvError> {
        sqlx::query_scalar("SELECT value FROM plugin_kv WHERE site = ? AND plugin = ? AND key = ?")
            .bind(&scope.site)
            .bind(&scope.plugin)
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(kv_error)
    }

    async fn set(&self, scope: &PluginScope, key: &str, value: Vec<u8>) -> Result<(), KvError> {
        sqlx::query(
            "INSERT INTO plugin_kv (site, plugin, key, value) VALUES (?, ?, ?, ?)
             ON CONFLICT (site, plugin, key) DO UPDATE SET value = excluded.value",
        )
        .bind(&scope.site)
        .bind(&scope.plugin)
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await
        .map_err(kv_error)?;
        Ok(())
    }

    async fn delete(&self, scope: &PluginScope, key: &str) -> Result<bool, KvError> {
        let done = sqlx::query("DELETE FROM plugin_kv WHERE site = ? AND plugin = ? AND key = ?")
            .bind(&scope.site)
            .bind(&scope.plugin)
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(kv_error)?;
        Ok(done.rows_affected() == 1)
    }

    async fn list_keys(&self, scope: &PluginScope, prefix: &str) -> Result<Vec<String>, KvError> {
        // `substr` instead of LIKE, so `%` and `_` in a prefix are literal.
        sqlx::query_scalar(
            "SELECT key FROM plugin_kv WHERE site = ? AND plugin = ? AND substr(key, 1, length(?)) = ? ORDER BY key",
        )
        .bind(&scope.site)
        .bind(&scope.plugin)
        .bind(prefix)
        .bind(prefix)
        .fetch_all(&self.pool)
        .await
        .map_err(kv_error)
    }

    async fn compare_and_swap(
        &self,
        scope: &PluginScope,
        key: &str,
        expected: Option<Vec<u8>>,
        value: Option<Vec<u8>>,
    ) -> Result<bool, KvError> {
        // Each case is one statement whose condition is the expected
        // value, and SQLite runs a statement atomically: no transaction
        // holds the write lock across a read and a write (under load the
        // lock, not the work, was what took time).
        let (site, plugin) = (&scope.site, &scope.plugin);
        let done = match (expected, value) {
            (None, Some(value)) => sqlx::query(
                "INSERT INTO plugin_kv (site, plugin, key, value) VALUES (?, ?, ?, ?)
                 ON CONFLICT (site, plugin, key) DO NOTHING",
            )
            .bind(site)
            .bind(plugin)
            .bind(key)
            .bind(value),
            (Some(expected), Some(value)) => sqlx::query(
                "UPDATE plugin_kv SET value = ? WHERE site = ? AND plugin = ? AND key = ? AND value = ?",
            )
            .bind(value)
            .bind(site)
            .bind(plugin)
            .bind(key)
            .bind(expected),
            (Some(expected), None) => sqlx::query(
                "DELETE FROM plugin_kv WHERE site = ? AND plugin = ? AND key = ? AND value = ?",
            )
            .bind(site)
            .bind(plugin)
            .bind(key)
            .bind(expected),
            // Nothing to write: it "swaps" when the key is absent.
            (None, None) => return Ok(self.get(scope, key).await?.is_none()),
        }
        .execute(&self.pool)
        .await
        .map_err(kv_error)?;
        Ok(done.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn open() -> (tempfile::TempDir, SqliteStorage) {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = SqliteStorage::open(&dir.path().join("tether.db"))
            .await
            .expect("opens");
        (dir, storage)
    }

    /// Processes opening a new database together (the kernel starting
    /// while an admin creates the first account) each find it migrated.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn openings_of_a_new_database_at_once_all_succeed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("tether.db");
        let openings: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                tokio::spawn(async move { SqliteStorage::open(&path).await.map(|_| ()) })
            })
            .collect();
        for opening in openings {
            opening.await.expect("joins").expect("opens and migrates");
        }
    }

    fn new_account(username: &str) -> NewAccount {
        NewAccount {
            username: username.into(),
            display_name: "Anna Berg".into(),
            email: "anna@example.com".into(),
            site: "default".into(),
            password_hash: "hash".into(),
            role: AccountRole::Csr,
            webacd_agent: false,
            session_mode: Some(SessionMode::Multi),
        }
    }

    #[tokio::test]
    async fn accounts_are_unique_by_username_ignoring_case() {
        let (_dir, storage) = open().await;
        let anna = storage
            .create_account(new_account("anna"))
            .await
            .expect("created");
        assert_eq!(
            storage.account(anna.id).await.expect("read"),
            Some(anna.clone())
        );
        assert_eq!(
            storage
                .account_by_username("ANNA")
                .await
                .expect("read")
                .map(|a| a.id),
            Some(anna.id)
        );
        let twice = storage.create_account(new_account("Anna")).await;
        assert_eq!(twice, Err(StorageError::Conflict("account `Anna`".into())));
        assert_eq!(storage.count_accounts().await.expect("count"), 1);
    }

    /// A database of the schema before sessions without a host (the
    /// migrations up to 0006), with a session and what refers to it.
    async fn database_before_waiting_sessions(path: &Path) {
        let old = tempfile::tempdir().expect("temp dir");
        let migrations = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        for entry in std::fs::read_dir(&migrations).expect("migrations") {
            let entry = entry.expect("entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.as_str() < "0007" {
                std::fs::copy(entry.path(), old.path().join(&name)).expect("copy");
            }
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .connect_with(options)
            .await
            .expect("pool");
        let migrator = sqlx::migrate::Migrator::new(old.path())
            .await
            .expect("old migrations");
        migrator.run(&pool).await.expect("old schema");
        for statement in [
            "INSERT INTO accounts (id, username, display_name, site, password_hash, role, created_at)
             VALUES (7, 'anna', 'Anna Berg', 'default', 'hash', 'csr', 1)",
            "INSERT INTO support_sessions VALUES ('123456789', 'default', 'single', 7, 'ended', 1, 2, 'ended by Anna Berg')",
            "INSERT INTO participants (id, session, role, display_name, account_id, joined_at)
             VALUES ('p-1', '123456789', 'host', 'Anna Berg', 7, 1)",
            "INSERT INTO consent_grants (id, session, customer, plugin, capability, granted_at, asked_by)
             VALUES ('g-1', '123456789', 'p-1', 'echo', 'sysinfo.collect', 1, 'p-1')",
            "INSERT INTO session_events (session, at, kind, actor, detail)
             VALUES ('123456789', 1, 'session.started', 'Anna Berg', 'mode: single')",
        ] {
            sqlx::query(statement).execute(&pool).await.expect(statement);
        }
        pool.close().await;
    }

    #[tokio::test]
    async fn sessions_of_an_older_database_keep_everything_and_may_now_start_without_a_host() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("tether.db");
        database_before_waiting_sessions(&path).await;
        let storage = SqliteStorage::open(&path).await.expect("migrates");

        let old = storage.session("123456789").await.expect("read");
        assert_eq!(
            old.map(|s| (s.started_by, s.end_reason)),
            Some((Some(7), Some("ended by Anna Berg".into())))
        );
        assert_eq!(
            storage.participants("123456789").await.expect("read").len(),
            1
        );
        assert_eq!(storage.grants("123456789").await.expect("read").len(), 1);
        assert_eq!(storage.events("123456789").await.expect("read").len(), 1);

        let waiting = SessionRecord {
            number: "222333444".into(),
            site: "default".into(),
            mode: SessionMode::Single,
            started_by: None,
            status: SessionStatus::Active,
            started_at: 3,
            ended_at: None,
            end_reason: None,
        };
        storage
            .create_session(waiting.clone())
            .await
            .expect("a session without a host");
        assert_eq!(
            storage.session("222333444").await.expect("read"),
            Some(waiting)
        );
        // The references are still enforced, against the new table.
        let orphan = storage
            .add_participant(ParticipantRecord {
                id: "p-9".into(),
                session: "999999999".into(),
                role: ParticipantRole::Customer,
                display_name: "Carl".into(),
                account_id: None,
                join_token_hash: None,
                joined_at: 4,
                left_at: None,
            })
            .await;
        assert!(orphan.is_err(), "{orphan:?}");
        let unknown_csr = storage
            .create_session(SessionRecord {
                number: "555666777".into(),
                started_by: Some(99),
                ..storage
                    .session("222333444")
                    .await
                    .expect("read")
                    .expect("stored")
            })
            .await;
        assert!(unknown_csr.is_err(), "{unknown_csr:?}");
    }

    #[tokio::test]
    async fn data_survives_reopening_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("tether.db");
        let scope = PluginScope {
            site: "default".into(),
            plugin: "echo".into(),
        };
        {
            let storage = SqliteStorage::open(&path).await.expect("opens");
            let anna = storage
                .create_account(new_account("anna"))
                .await
                .expect("created");
            storage
                .create_session(SessionRecord {
                    number: "123456789".into(),
                    site: "default".into(),
                    mode: SessionMode::Single,
                    started_by: Some(anna.id),
                    status: SessionStatus::Active,
                    started_at: 1,
                    ended_at: None,
                    end_reason: None,
                })
                .await
                .expect("session");
            storage
                .append_event(
                    "123456789",
                    ReportEntry {
                        at: 2,
                        kind: "chat".into(),
                        actor: "Anna".into(),
                        detail: "hi".into(),
                    },
                )
                .await
                .expect("event");
            storage.set(&scope, "k", b"v".to_vec()).await.expect("kv");
        }
        let storage = SqliteStorage::open(&path).await.expect("reopens");
        assert_eq!(storage.count_accounts().await.expect("count"), 1);
        assert_eq!(
            storage.events("123456789").await.expect("events")[0].detail,
            "hi"
        );
        assert_eq!(
            storage.get(&scope, "k").await.expect("kv"),
            Some(b"v".to_vec())
        );
        assert_eq!(storage.active_sessions().await.expect("sessions").len(), 1);
    }

    #[tokio::test]
    async fn sites_are_inserted_then_replaced() {
        let (_dir, storage) = open().await;
        let mut acme = SiteRecord {
            id: "acme".into(),
            name: "Acme".into(),
            plugins: vec!["*".into()],
            session_mode: SessionMode::Single,
            max_customers_per_csr: 5,
            updated_at: 1,
        };
        storage.save_site(&acme).await.expect("inserted");
        acme.name = "Acme support".into();
        acme.plugins = vec!["echo".into(), "scripts".into()];
        acme.session_mode = SessionMode::Multi;
        acme.max_customers_per_csr = 2;
        acme.updated_at = 2;
        storage.save_site(&acme).await.expect("replaced");
        assert_eq!(storage.sites().await.expect("read"), vec![acme.clone()]);
        let refused = storage
            .save_site(&SiteRecord {
                max_customers_per_csr: 0,
                ..acme.clone()
            })
            .await;
        assert!(refused.is_err(), "the schema refuses no customers per CSR");
        assert_eq!(storage.sites().await.expect("read"), vec![acme]);
    }

    #[tokio::test]
    async fn plugin_keys_list_by_literal_prefix() {
        let (_dir, storage) = open().await;
        let scope = PluginScope {
            site: "s".into(),
            plugin: "p".into(),
        };
        for key in ["a%b", "a_c", "ab", "b"] {
            storage.set(&scope, key, Vec::new()).await.expect("set");
        }
        assert_eq!(
            storage.list_keys(&scope, "a%").await.expect("list"),
            vec!["a%b"]
        );
        assert_eq!(
            storage.list_keys(&scope, "a").await.expect("list"),
            vec!["a%b", "a_c", "ab"]
        );
        assert!(storage.delete(&scope, "ab").await.expect("delete"));
        assert!(!storage.delete(&scope, "ab").await.expect("delete"));
    }

    #[tokio::test]
    async fn compare_and_swap_writes_only_over_the_expected_value() {
        let (_dir, storage) = open().await;
        let scope = PluginScope {
            site: "default".into(),
            plugin: "webacd".into(),
        };
        let swap = |expected: Option<&[u8]>, value: Option<&[u8]>| {
            storage.compare_and_swap(
                &scope,
                "claim",
                expected.map(<[u8]>::to_vec),
                value.map(<[u8]>::to_vec),
            )
        };
        assert!(swap(None, Some(b"anna")).await.expect("swap"));
        assert!(!swap(None, Some(b"ben")).await.expect("swap"));
        assert!(!swap(Some(b"ben"), None).await.expect("swap"));
        assert_eq!(
            storage.get(&scope, "claim").await.expect("get"),
            Some(b"anna".to_vec())
        );
        assert!(swap(Some(b"anna"), Some(b"ben")).await.expect("swap"));
        assert!(swap(Some(b"ben"), None).await.expect("swap"));
        assert_eq!(storage.get(&scope, "claim").await.expect("get"), None);
    }

    #[tokio::test]
    async fn of_many_racing_swaps_of_one_key_exactly_one_wins() {
        let (_dir, storage) = open().await;
        let storage = std::sync::Arc::new(storage);
        let scope = PluginScope {
            site: "default".into(),
            plugin: "webacd".into(),
        };
        for round in 0..20 {
            let key = format!("claim/{round}");
            let racers: Vec<_> = (0..8)
                .map(|racer| {
                    let (storage, scope, key) = (storage.clone(), scope.clone(), key.clone());
                    tokio::spawn(async move {
                        storage
                            .compare_and_swap(&scope, &key, None, Some(vec![racer]))
                            .await
                            .expect("swap")
                    })
                })
                .collect();
            let mut winners = 0;
            for racer in racers {
                winners += usize::from(racer.await.expect("joins"));
            }
            assert_eq!(winners, 1, "round {round}");
        }
    }
}
