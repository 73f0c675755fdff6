//! A real X server for the application tests: `Xvfb` on a display number
//! of its own, ready when `start` returns (it accepts X connections), and
//! gone when dropped, with every application still drawing on it.

use std::io::BufRead;
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
    /// Starts `Xvfb -displayfd 1 -screen 0 1280x800x24 -nolisten tcp
    /// -noreset`: the server takes the first free display number itself
    /// (atomically, by its lock file: tests run in parallel, each with a
    /// server of its own) and writes it once it accepts connections.
    /// `-noreset`: without it the server resets when its last client
    /// leaves, and a connection made at that moment fails.
    pub fn start() -> Xvfb {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
                "-noreset",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts (`cargo xtask test` installs the xvfb package)");
        let stdout = child.stdout.take().expect("piped");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::io::BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        match receiver.recv_timeout(READY_WITHIN) {
            Ok(line) if line.trim().parse::<u32>().is_ok() => Xvfb {
                child,
                display: format!(":{}", line.trim()),
            },
            outcome => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("Xvfb did not say its display within {READY_WITHIN:?}: {outcome:?}");
            }
        }
    }

    /// The server's process id (the benchmark reads its processor time).
    pub fn pid(&self) -> u32 {
        self.child.id()
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

/// An X application a test started on its display, killed when dropped.
pub struct XApp(Child);

impl XApp {
    pub fn start(display: &str, program: &str, args: &[&str]) -> XApp {
        XApp(
            Command::new(program)
                .args(args)
                .env("DISPLAY", display)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|error| panic!("{program} starts: {error}")),
        )
    }

    pub fn pid(&self) -> u32 {
        self.0.id()
    }

    /// Ends the application now (as closing it would).
    pub fn stop(self) {}
}

impl Drop for XApp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
