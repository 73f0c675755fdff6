//! The real `tether` binary as a child process with a configuration of the
//! test's own, listening on a free loopback port.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{artifacts_dir, kernel_binary};

pub struct KernelProcess {
    child: Child,
    pub base_url: String,
    _data: tempfile::TempDir,
}

impl KernelProcess {
    /// Starts the kernel with `config` (TOML, without the `[server]` and
    /// `[plugins]` paths, which are filled in) and waits until it listens.
    pub fn start(manifests_dir: &Path, extra_config: &str) -> KernelProcess {
        let data = tempfile::tempdir().expect("temp dir");
        let config = format!(
            "[server]\nlisten = \"127.0.0.1:0\"\ndata_dir = {data:?}\n\n[plugins]\nmanifests_dir = {manifests:?}\nartifacts_dir = {artifacts:?}\n\n{extra_config}",
            data = data.path().join("data"),
            manifests = manifests_dir,
            artifacts = artifacts_dir(),
        );
        let config_path = data.path().join("tether.toml");
        std::fs::write(&config_path, config).expect("write config");

        let mut child = Command::new(kernel_binary())
            .arg("--config")
            .arg(&config_path)
            .arg("serve")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("kernel starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("Tether listening on ") {
                    let _ = sender.send(url.to_owned());
                }
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
        KernelProcess {
            child,
            base_url,
            _data: data,
        }
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = reqwest::get(format!("{}{path}", self.base_url))
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }
}

impl Drop for KernelProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
