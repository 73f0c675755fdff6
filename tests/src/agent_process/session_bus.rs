//! A desktop session's bus for the agent's notifications: a real
//! `dbus-daemon --session` of the test's own, with a stand-in notification
//! service (`org.freedesktop.Notifications`, as a desktop shell offers it)
//! that records what it was asked to show.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::clients::PATIENCE;

/// A notification as the service received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub app_name: String,
    pub summary: String,
    pub body: String,
}

/// The notification service's side of the specification.
struct Notifications {
    shown: Arc<Mutex<Vec<Shown>>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Notifications {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        _hints: HashMap<String, zbus::OwnedVariant>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut shown = self.shown.lock().expect("lock");
        shown.push(Shown {
            app_name,
            summary,
            body,
        });
        shown.len() as u32
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".to_owned()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "tether-tests".into(),
            "Tether".into(),
            "1".into(),
            "1.2".into(),
        )
    }

    fn close_notification(&self, _id: u32) {}
}

/// A session bus with the notification service on it; stopped when dropped.
pub struct SessionBus {
    daemon: Child,
    address: String,
    _connection: zbus::Connection,
    shown: Arc<Mutex<Vec<Shown>>>,
}

impl SessionBus {
    /// Starts `dbus-daemon --session` (Debian's `dbus-daemon` package) and
    /// the notification service on it.
    pub async fn start() -> SessionBus {
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("dbus-daemon starts (Debian's `dbus-daemon` package)");
        let stdout = daemon.stdout.take().expect("piped stdout");
        let address = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout)
                .read_line(&mut line)
                .expect("the bus says its address");
            line.trim().to_owned()
        })
        .await
        .expect("read the address");
        assert!(!address.is_empty(), "dbus-daemon printed no address");
        let shown = Arc::new(Mutex::new(Vec::new()));
        let connection = zbus::connection::Builder::address(address.as_str())
            .name("org.freedesktop.Notifications")
            .serve_at(
                "/org/freedesktop/Notifications",
                Notifications {
                    shown: shown.clone(),
                },
            )
            .build()
            .await
            .expect("the notification service is on the bus");
        SessionBus {
            daemon,
            address,
            _connection: connection,
            shown,
        }
    }

    /// What a session gives its programs as `DBUS_SESSION_BUS_ADDRESS`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Notifications shown so far.
    pub fn shown(&self) -> Vec<Shown> {
        self.shown.lock().expect("lock").clone()
    }

    /// Waits until a notification was shown; returns it.
    pub async fn wait_for_notification(&self) -> Shown {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(first) = self.shown().into_iter().next() {
                return first;
            }
            assert!(Instant::now() < deadline, "no notification was shown");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SessionBus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}
