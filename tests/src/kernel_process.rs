//! The real `tether` binary as a child process with a configuration of the
//! test's own, listening on a free loopback port. The data directory
//! outlives restarts, so tests can check what survives one.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::{artifacts_dir, kernel_binary, target_dir};

pub struct KernelProcess {
    child: Child,
    pub base_url: String,
    config_path: PathBuf,
    /// Everything the kernel printed on standard output.
    output: Arc<Mutex<Vec<String>>>,
    _data: Arc<tempfile::TempDir>,
}

impl KernelProcess {
    /// Starts the kernel with `extra_config` (TOML after the `[server]` and
    /// `[plugins]` tables, which are filled in) and waits until it listens.
    pub fn start(manifests_dir: &Path, extra_config: &str) -> KernelProcess {
        KernelProcess::configure(manifests_dir, extra_config, &[]).launch()
    }

    /// Writes the configuration and creates `accounts` with `tether admin
    /// create-user`, without starting the server.
    pub fn configure(
        manifests_dir: &Path,
        extra_config: &str,
        accounts: &[TestAccount],
    ) -> StoppedKernel {
        let data = tempfile::tempdir().expect("temp dir");
        // Compiled plugins are shared between the tests' kernels, so each
        // start does not compile every fixture again.
        // A test binary run over HTTPS serves every kernel so.
        let tls = if crate::tls::over_https() {
            format!("{}\n", crate::tls::server_keys())
        } else {
            String::new()
        };
        let config = format!(
            "[server]\nlisten = \"127.0.0.1:0\"\ndata_dir = {data:?}\n{tls}\n[plugins]\nmanifests_dir = {manifests:?}\nartifacts_dir = {artifacts:?}\ncache_dir = {cache:?}\n\n{extra_config}",
            data = data.path().join("data"),
            manifests = manifests_dir,
            artifacts = artifacts_dir(),
            cache = target_dir().join("test-plugin-cache"),
        );
        let config_path = data.path().join("tether.toml");
        std::fs::write(&config_path, config).expect("write config");
        let stopped = StoppedKernel {
            config_path,
            data: Arc::new(data),
        };
        for account in accounts {
            let output = stopped.admin_create_user(account);
            assert!(
                output.status.success(),
                "create-user {}: {}",
                account.username,
                String::from_utf8_lossy(&output.stderr)
            );
        }
        stopped
    }

    /// The kernel's process id (the benchmark reads its processor time).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Lines the kernel printed so far.
    pub fn output(&self) -> Vec<String> {
        self.output.lock().expect("output lock").clone()
    }

    /// Stops the kernel (SIGKILL, like a crash or power loss) and keeps its data.
    pub fn stop(mut self) -> StoppedKernel {
        let _ = self.child.kill();
        let _ = self.child.wait();
        StoppedKernel {
            config_path: self.config_path.clone(),
            data: self._data.clone(),
        }
    }

    /// Where [`StoppedKernel::launch_logging`] writes the kernel's log.
    pub fn log_path(&self) -> PathBuf {
        self._data.path().join("kernel.log")
    }

    /// The kernel's data directory (database and plugin cache).
    pub fn data_dir(&self) -> PathBuf {
        self._data.path().join("data")
    }

    /// Fills the data directory of a kernel started with
    /// [`StoppedKernel::launch_on_own_filesystem`] to the last byte, under
    /// it (a read-only remount is refused while the database is open, so a
    /// full disk is how storage stops taking writes).
    pub fn fill_data_filesystem(&self) {
        let filler = self.data_dir().join("filler");
        let status = Command::new("nsenter")
            .args(["--target", &self.child.id().to_string()])
            .args(["--user", "--mount", "--preserve-credentials"])
            .args([
                "sh",
                "-c",
                "dd if=/dev/zero of=\"$0\" bs=64k 2>/dev/null; true",
            ])
            .arg(&filler)
            .status()
            .expect("nsenter runs");
        assert!(
            status.success(),
            "filling the data filesystem failed: {status}"
        );
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The same address as a WebSocket URL.
    pub fn ws_url(&self, path: &str) -> String {
        format!("{}{path}", websocket_base(&self.base_url))
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = crate::tls::http_client()
            .get(self.url(path))
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }
}

/// Where clients reach Tether: one kernel, or the load balancer in front
/// of several (`load_balancer.rs`).
pub trait Address {
    fn base_url(&self) -> &str;

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// The same address as a WebSocket URL.
    fn ws_url(&self, path: &str) -> String {
        format!("{}{path}", websocket_base(self.base_url()))
    }
}

/// `http://…` as `ws://…`, `https://…` as `wss://…`.
fn websocket_base(base_url: &str) -> String {
    match base_url.strip_prefix("http") {
        Some(rest) => format!("ws{rest}"),
        None => base_url.to_owned(),
    }
}

impl Address for KernelProcess {
    fn base_url(&self) -> &str {
        &self.base_url
    }
}

impl Drop for KernelProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A configured kernel that is not running (before its first start or
/// between restarts).
pub struct StoppedKernel {
    config_path: PathBuf,
    data: Arc<tempfile::TempDir>,
}

/// An account for `tether admin create-user`.
#[derive(Debug, Clone)]
pub struct TestAccount {
    pub username: &'static str,
    pub display_name: &'static str,
    pub site: &'static str,
    pub role: &'static str,
    pub password: &'static str,
    pub session_mode: Option<&'static str>,
    /// The CSR takes customers from WebACD queues and may transfer
    /// sessions (`--webacd-agent`).
    pub webacd_agent: bool,
}

impl TestAccount {
    pub fn csr(
        username: &'static str,
        display_name: &'static str,
        site: &'static str,
    ) -> TestAccount {
        TestAccount {
            username,
            display_name,
            site,
            role: "csr",
            password: "correct horse battery",
            session_mode: None,
            webacd_agent: false,
        }
    }

    /// The same account as a WebACD agent.
    pub fn webacd_agent(self) -> TestAccount {
        TestAccount {
            webacd_agent: true,
            ..self
        }
    }
}

impl StoppedKernel {
    /// The kernel's data directory (its SQLite database is `tether.db`).
    pub fn data_dir(&self) -> PathBuf {
        self.data.path().join("data")
    }

    /// Changes the configuration file before the next start.
    pub fn edit_config(&self, edit: impl FnOnce(String) -> String) {
        let text = std::fs::read_to_string(&self.config_path).expect("read config");
        std::fs::write(&self.config_path, edit(text)).expect("write config");
    }

    /// Listens on `port` instead of a port of its own choosing, with
    /// `server_keys` (more `[server]` lines, such as `public_url`): for
    /// nodes whose addresses the others and a load balancer must know
    /// before they start.
    pub fn listen_on(&self, port: u16, server_keys: &str) {
        self.edit_config(|text| {
            text.replacen(
                "listen = \"127.0.0.1:0\"",
                &format!("listen = \"127.0.0.1:{port}\"\n{server_keys}"),
                1,
            )
        });
    }

    /// Serves HTTPS with the tests' own certificate (`tls.rs`).
    pub fn serve_https(&self) {
        let keys = crate::tls::server_keys();
        self.edit_config(|text| text.replacen("[server]\n", &format!("[server]\n{keys}\n"), 1));
    }

    /// Runs `tether admin create-user`, the password on standard input.
    pub fn admin_create_user(&self, account: &TestAccount) -> std::process::Output {
        let mut command = Command::new(kernel_binary());
        command
            .arg("--config")
            .arg(&self.config_path)
            .args(["admin", "create-user", "--username", account.username])
            .args([
                "--display-name",
                account.display_name,
                "--site",
                account.site,
                "--role",
                account.role,
            ]);
        if let Some(mode) = account.session_mode {
            command.args(["--session-mode", mode]);
        }
        if account.webacd_agent {
            command.arg("--webacd-agent");
        }
        let mut child = command
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tether admin runs");
        let mut stdin = child.stdin.take().expect("piped stdin");
        writeln!(stdin, "{}", account.password).expect("write password");
        drop(stdin);
        child.wait_with_output().expect("tether admin finishes")
    }

    /// Runs `tether serve` expecting it to refuse to start; what it printed.
    pub fn serve_expecting_failure(&self) -> std::process::Output {
        let child = Command::new(kernel_binary())
            .arg("--config")
            .arg(&self.config_path)
            .arg("serve")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kernel runs");
        let pid = child.id();
        let (done, waited) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(child.wait_with_output());
        });
        match waited.recv_timeout(Duration::from_secs(60)) {
            Ok(output) => {
                let output = output.expect("kernel output");
                assert!(
                    !output.status.success(),
                    "the kernel started: {}",
                    String::from_utf8_lossy(&output.stdout)
                );
                output
            }
            Err(_) => {
                let _ = Command::new("kill").arg(pid.to_string()).status();
                panic!("the kernel did not exit within a minute");
            }
        }
    }

    /// Starts the kernel and waits until it listens.
    pub fn launch(self) -> KernelProcess {
        self.launch_with(Stdio::inherit(), "warn")
    }

    /// Starts the kernel logging at `level` into [`KernelProcess::log_path`].
    pub fn launch_logging(self, level: &str) -> KernelProcess {
        let log = std::fs::File::create(self.data.path().join("kernel.log")).expect("log file");
        self.launch_with(Stdio::from(log), level)
    }

    /// Starts the kernel in a mount namespace of its own (a user namespace
    /// too, so no privilege is needed) with its data directory on a small
    /// tmpfs, which a test can then fill under it
    /// ([`KernelProcess::fill_data_filesystem`]).
    pub fn launch_on_own_filesystem(self) -> KernelProcess {
        let data = self.data.path().join("data");
        std::fs::create_dir_all(&data).expect("data directory");
        let mut command = Command::new("unshare");
        command
            .args([
                "--user",
                "--map-root-user",
                "--mount",
                "--propagation",
                "private",
            ])
            // What `tether admin` already wrote there moves onto the tmpfs.
            .args([
                "sh",
                "-c",
                "keep=$(mktemp -d) && cp -a \"$0\"/. \"$keep\"/ && \
                 mount -t tmpfs -o size=64m tether-data \"$0\" && \
                 cp -a \"$keep\"/. \"$0\"/ && rm -rf \"$keep\" && exec \"$@\"",
            ])
            .arg(&data)
            .arg(kernel_binary());
        self.launch_command(command, Stdio::inherit(), "warn")
    }

    fn launch_with(self, stderr: Stdio, level: &str) -> KernelProcess {
        self.launch_command(Command::new(kernel_binary()), stderr, level)
    }

    /// Runs `command` (the kernel binary, or a wrapper ending with it)
    /// with the kernel's arguments.
    fn launch_command(self, mut command: Command, stderr: Stdio, level: &str) -> KernelProcess {
        let mut child = command
            .arg("--config")
            .arg(&self.config_path)
            .arg("serve")
            .env("RUST_LOG", level)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("kernel starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let output = Arc::new(Mutex::new(Vec::new()));
        let (sender, receiver) = std::sync::mpsc::channel();
        let lines = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("Tether listening on ") {
                    let _ = sender.send(url.to_owned());
                }
                lines.lock().expect("output lock").push(line);
            }
        });
        // Compiling the plugins on first start takes a while on a slow machine.
        let deadline = Instant::now() + Duration::from_secs(180);
        let base_url = loop {
            if let Ok(url) = receiver.recv_timeout(Duration::from_millis(200)) {
                break url;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("kernel exited before listening: {status}");
            }
            assert!(Instant::now() < deadline, "kernel did not start listening");
        };
        assert!(
            !crate::tls::over_https() || base_url.starts_with("https://"),
            "a run over HTTPS, but the kernel listens on {base_url}"
        );
        KernelProcess {
            child,
            base_url,
            config_path: self.config_path,
            output,
            _data: self.data,
        }
    }
}
