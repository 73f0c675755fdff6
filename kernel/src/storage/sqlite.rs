//! SQLite storage (embedded default): WAL journal, foreign keys, migrations
//! from `kernel/migrations` applied at open.

use std::path::{Path, PathBuf};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::StorageError;
use super::records::*;
use super::rows::{
    account, audit_entry, grant, history_entry, participant, report_entry, session, site,
    web_session,
};
use super::statements::{backend, kv_error, like_pattern, sql_storage};
use crate::plugin_host::services::{KvError, PluginScope};

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
        sqlx::migrate!("./migrations/sqlite")
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

    /// Whether the file is still the one opened: SQLite writes on into a
    /// deleted or replaced file without an error.
    fn still_there(&self) -> Result<(), StorageError> {
        let now = identity(&self.path);
        if now.is_none() || now != self.identity {
            return Err(StorageError::Backend(format!(
                "the database file {} was removed or replaced while the kernel ran; restore it and restart the kernel",
                self.path.display()
            )));
        }
        Ok(())
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

sql_storage!(SqliteStorage, sqlx::Sqlite);

#[cfg(test)]
mod tests {
    //! What only SQLite needs; everything storage does is in the storage
    //! suite both back ends pass (`tests/e2e/storage.rs`).
    use super::*;
    use crate::storage::Storage;

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

    /// A database of the schema before sessions without a host (the
    /// migrations up to 0006), with a session and what refers to it.
    async fn database_before_waiting_sessions(path: &Path) {
        let old = tempfile::tempdir().expect("temp dir");
        let migrations = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
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
}
