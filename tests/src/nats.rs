//! A private NATS server for a test: `nats-server` on a free loopback port
//! (core NATS only: the kernel uses no JetStream). `cargo xtask test`
//! installs the `nats-server` package when the machine lacks it.
//!
//! [`CuttableLink`] stands between a kernel node and the server, so a test
//! can cut that node off NATS (a partition) while the server runs on.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// How long a new server may take to accept connections.
const READY_WITHIN: Duration = Duration::from_secs(30);

pub struct PrivateNats {
    server: Child,
    port: u16,
    /// Holds the server's configuration file.
    _dir: tempfile::TempDir,
}

impl PrivateNats {
    pub async fn start() -> PrivateNats {
        let port = crate::free_loopback_port();
        // As the README asks of an operator's server: room for the
        // largest picture a shared application sends between nodes.
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("nats.conf");
        std::fs::write(&config, "max_payload: 8MB\n").expect("write the NATS configuration");
        let server = Command::new(binary())
            .arg("--config")
            .arg(&config)
            .args(["--addr", "127.0.0.1", "--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        let nats = PrivateNats {
            server,
            port,
            _dir: dir,
        };
        nats.wait_until_ready().await;
        nats
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn address(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    async fn wait_until_ready(&self) {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            let last = match async_nats::connect(self.url()).await {
                Ok(client) => match client.flush().await {
                    Ok(()) => return,
                    Err(error) => error.to_string(),
                },
                Err(error) => error.to_string(),
            };
            assert!(
                Instant::now() < deadline,
                "the private nats-server did not accept connections within {READY_WITHIN:?}: {last}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for PrivateNats {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

fn binary() -> &'static str {
    for candidate in ["/usr/sbin/nats-server", "/usr/bin/nats-server"] {
        if std::path::Path::new(candidate).is_file() {
            return candidate;
        }
    }
    let on_path = Command::new("nats-server")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    assert!(
        on_path,
        "nats-server is not installed: run the tests with `cargo xtask test`, which installs it"
    );
    "nats-server"
}

/// A TCP relay to the NATS server that a test can cut: every connection
/// through it is closed and new ones are refused until it is mended.
pub struct CuttableLink {
    address: SocketAddr,
    cut: Arc<AtomicBool>,
    cuts: watch::Sender<u64>,
}

impl CuttableLink {
    pub async fn start(server: SocketAddr) -> CuttableLink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let cut = Arc::new(AtomicBool::new(false));
        let (cuts, _) = watch::channel(0u64);
        let (is_cut, cut_signal) = (cut.clone(), cuts.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if is_cut.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cut_now = cut_signal.subscribe();
                tokio::spawn(async move {
                    let Ok(mut upstream) = TcpStream::connect(server).await else {
                        return;
                    };
                    let mut client = client;
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {}
                        _ = cut_now.changed() => {}
                    }
                });
            }
        });
        CuttableLink { address, cut, cuts }
    }

    pub fn url(&self) -> String {
        format!("nats://{}", self.address)
    }

    /// Closes every connection through the link and refuses new ones.
    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    /// Lets connections through again.
    pub fn mend(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}
