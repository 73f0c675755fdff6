//! A private PostgreSQL server for a test: a new cluster in a temporary
//! directory (`initdb`), listening on a free loopback port and on a socket
//! in that directory, without durability (the data dies with the test).
//! `cargo xtask test` installs PostgreSQL when the machine lacks it.
//!
//! PostgreSQL refuses to run as root; a test run as root runs the server
//! as the `postgres` account the package creates.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::Connection;

/// How long a new server may take to accept connections.
const READY_WITHIN: Duration = Duration::from_secs(60);
/// The cluster's superuser; connections are trusted (loopback, a test's own server).
const USER: &str = "tether";

pub struct PrivatePostgres {
    server: Child,
    port: u16,
    next_database: AtomicUsize,
    /// Holds the cluster; removed after the server stopped.
    _dir: tempfile::TempDir,
}

impl PrivatePostgres {
    /// Creates a cluster and starts its server; returns once it accepts
    /// connections.
    pub async fn start() -> PrivatePostgres {
        let bin = binaries();
        let owner = server_account();
        // Run as the `postgres` account, the cluster must be somewhere it
        // can reach whatever TMPDIR says: /tmp is open to every account.
        let dir = match owner {
            Some(_) => tempfile::tempdir_in("/tmp"),
            None => tempfile::tempdir(),
        }
        .expect("temp dir");
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .expect("give the cluster directory to the postgres account");
        }
        let data = dir.path().join("data");
        let init = as_owner(Command::new(bin.join("initdb")), owner, dir.path())
            .arg("--pgdata")
            .arg(&data)
            .args(["--username", USER, "--auth", "trust", "--encoding", "UTF8"])
            .args(["--locale", "C", "--no-sync", "--no-instructions"])
            .output()
            .expect("initdb runs");
        assert!(
            init.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        let port = crate::free_loopback_port();
        let server = as_owner(Command::new(bin.join("postgres")), owner, dir.path())
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-k"])
            .arg(dir.path())
            .args(["-c", "listen_addresses=127.0.0.1"])
            // A test's data is thrown away: no waiting for the disk.
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off", "-c", "max_connections=300"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("postgres starts");
        let postgres = PrivatePostgres {
            server,
            port,
            next_database: AtomicUsize::new(0),
            _dir: dir,
        };
        postgres.wait_until_ready().await;
        postgres
    }

    /// The address of `database` on this server.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{database}", self.port)
    }

    /// A new, empty database of its own; its address.
    pub async fn new_database(&self) -> String {
        let n = self.next_database.fetch_add(1, Ordering::Relaxed);
        let name = format!("test_{n}");
        let mut admin = sqlx::PgConnection::connect(&self.url("postgres"))
            .await
            .expect("connect to the private server");
        // The name is this helper's own counter, never input.
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create a database");
        admin.close().await.expect("disconnect");
        self.url(&name)
    }

    async fn wait_until_ready(&self) {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            match sqlx::PgConnection::connect(&self.url("postgres")).await {
                Ok(connection) => {
                    let _ = connection.close().await;
                    return;
                }
                Err(error) if Instant::now() > deadline => {
                    panic!(
                        "the private PostgreSQL did not accept connections within {READY_WITHIN:?}: {error}"
                    )
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        // SIGQUIT: immediate shutdown, the data is thrown away anyway.
        let _ = Command::new("kill")
            .args(["-QUIT", &self.server.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.server.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// The directory of PostgreSQL's programs: where `initdb` is on the path,
/// else Debian's versioned directory (the package does not put them on it).
fn binaries() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file());
    if let Some(dir) = on_path {
        return dir;
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!("PostgreSQL is not installed (no initdb): run the tests with `cargo xtask test`, which installs it")
    })
}

/// The account to run the server as when the tests run as root.
fn server_account() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let id = |flag: &str| -> u32 {
        let out = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .expect("id runs");
        assert!(
            out.status.success(),
            "running as root, the private PostgreSQL needs the `postgres` account (the postgresql package creates it)"
        );
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("a numeric id")
    };
    Some((id("-u"), id("-g")))
}

fn as_owner(mut command: Command, owner: Option<(u32, u32)>, dir: &Path) -> Command {
    use std::os::unix::process::CommandExt;
    // In the cluster's directory: the test's own may be closed to the
    // `postgres` account.
    command.current_dir(dir);
    if let Some((uid, gid)) = owner {
        command.uid(uid).gid(gid);
        // Its own home, so nothing of root's is looked up.
        command.env("HOME", dir);
    }
    command
}
