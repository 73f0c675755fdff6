//! The baseline: x11vnc serving the same window (`-id`), watched by the
//! minimal RFB viewer with one incremental update request outstanding —
//! the next is asked for as soon as an update has been read and applied,
//! as viewers do — reading the marks from every update.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::cpu::CpuError;
use super::marks::Marks;
use super::measure::{Phase, Recorder, Stretch};
use super::rfb::{RfbError, RfbViewer};

/// How long x11vnc may take to listen.
const READY_WITHIN: Duration = Duration::from_secs(20);
/// An update should come at least this often while the window moves.
const PATIENCE: Duration = Duration::from_secs(10);

/// x11vnc on one window of a display, on a loopback port of its own;
/// stopped when dropped.
pub struct X11vnc {
    child: Child,
    pub address: String,
    /// Its arguments, for the report.
    pub arguments: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("x11vnc does not start: {0} (`cargo xtask test` installs the x11vnc package)")]
    Start(std::io::Error),
    #[error("x11vnc did not listen within {READY_WITHIN:?}")]
    NotListening,
    #[error(transparent)]
    Rfb(#[from] RfbError),
    #[error(transparent)]
    Cpu(#[from] CpuError),
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl X11vnc {
    /// `x11vnc -id <window>` with its defaults otherwise (polling and
    /// XDAMAGE hints as shipped), no password, loopback only.
    pub fn start(display: &str, window: u32) -> Result<X11vnc, BaselineError> {
        let port = free_port().map_err(BaselineError::Start)?;
        let arguments: Vec<String> = [
            "-display",
            display,
            "-id",
            &format!("{window:#x}"),
            "-localhost",
            "-rfbport",
            &port.to_string(),
            "-nopw",
            "-forever",
            "-shared",
            "-quiet",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        let mut child = Command::new("x11vnc")
            .args(&arguments)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(BaselineError::Start)?;
        let stdout = child.stdout.take().ok_or(BaselineError::NotListening)?;
        let (ready, listening) = std::sync::mpsc::channel();
        // It says `PORT=<n>` once it listens; the rest is drained so it
        // never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.starts_with("PORT=") {
                    let _ = ready.send(());
                }
            }
        });
        let mut x11vnc = X11vnc {
            child,
            address: format!("127.0.0.1:{port}"),
            arguments,
        };
        let deadline = Instant::now() + READY_WITHIN;
        while Instant::now() < deadline {
            if listening.recv_timeout(Duration::from_millis(100)).is_ok() {
                return Ok(x11vnc);
            }
            if let Ok(Some(_)) = x11vnc.child.try_wait() {
                break;
            }
        }
        x11vnc.stop();
        Err(BaselineError::NotListening)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for X11vnc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What one measured stretch of RFB updates gave.
#[derive(Debug)]
pub struct RfbWatched {
    pub recorder: Recorder,
    pub cpu: Vec<f64>,
    pub measured: Duration,
    pub size: (u32, u32),
    pub rectangles: u64,
}

/// Watches the server at `address` through `stretch` (blocking: run it on
/// a thread of its own), clicking at `click` now and then while measuring.
pub fn watch(
    address: &str,
    click: (u16, u16),
    mut stretch: Stretch,
) -> Result<RfbWatched, BaselineError> {
    let mut viewer = RfbViewer::connect(address)?;
    viewer.set_patience(PATIENCE)?;
    let sender = viewer.sender();
    let mut recorder = Recorder::new();
    let mut rectangles = 0;
    loop {
        let update = viewer.next_update()?;
        sender.request_update(true)?;
        let fb = &viewer.framebuffer;
        let marks = Marks::read(fb.width, fb.height, |x, y| fb.luma(x, y));
        match stretch.tick()? {
            Phase::WarmingUp => continue,
            Phase::Done => break,
            Phase::Measuring => {}
        }
        rectangles += u64::from(update.rectangles);
        recorder.picture(update.bytes, marks);
        if recorder.click_due() {
            sender.click(click.0, click.1)?;
            recorder.clicked();
        }
    }
    Ok(RfbWatched {
        recorder,
        cpu: stretch.cpu.clone(),
        measured: stretch.measured,
        size: (viewer.framebuffer.width, viewer.framebuffer.height),
        rectangles,
    })
}
