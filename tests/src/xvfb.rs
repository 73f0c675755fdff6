//! A real X server for the application tests: `Xvfb` on a display number
//! of its own, ready when `start` returns (it accepts X connections), and
//! gone when dropped, with every application still drawing on it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long Xvfb may take to accept connections.
const READY_WITHIN: Duration = Duration::from_secs(10);

pub struct Xvfb {
    child: Child,
    /// `:N`, for `DISPLAY`.
    pub display: String,
}

impl Xvfb {
    /// Starts `Xvfb :N -screen 0 1280x800x24 -nolisten tcp` on the first
    /// free display number from a per-process start (tests run in
    /// parallel, each with a server of its own; a number another server
    /// took meanwhile is skipped).
    pub fn start() -> Xvfb {
        let first = 100 + (std::process::id() % 400) * 10;
        for number in (first..first + 200).chain(100..first) {
            if is_taken(number) {
                continue;
            }
            if let Some(xvfb) = Xvfb::try_start(number) {
                return xvfb;
            }
        }
        panic!("no free X display number for Xvfb");
    }

    fn try_start(number: u32) -> Option<Xvfb> {
        let display = format!(":{number}");
        let mut child = Command::new("Xvfb")
            .args([&display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts (`cargo xtask test` installs the xvfb package)");
        let started = Instant::now();
        while started.elapsed() < READY_WITHIN {
            if let Ok(Some(_)) = child.try_wait() {
                // Lost the number to another server.
                return None;
            }
            if x11rb::connect(Some(&display)).is_ok() {
                return Some(Xvfb { child, display });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("Xvfb on {display} did not accept connections within {READY_WITHIN:?}");
    }

    /// A display number nothing listens on (for "no display here").
    pub fn unused_display() -> String {
        let number = (900..1000)
            .find(|n| !is_taken(*n))
            .expect("a free display number");
        format!(":{number}")
    }
}

fn is_taken(number: u32) -> bool {
    Path::new(&format!("/tmp/.X{number}-lock")).exists()
        || Path::new(&format!("/tmp/.X11-unix/X{number}")).exists()
}

impl Drop for Xvfb {
    /// Asks the server to end (so it removes its lock and socket, and the
    /// number is free again), killing it if it does not within a second.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let asked = Instant::now();
        while asked.elapsed() < Duration::from_secs(1) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
