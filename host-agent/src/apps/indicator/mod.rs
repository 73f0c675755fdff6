//! The sharing indicator: while anything is shared, a small window in the
//! top-right corner of the screen (the customer's, or the CSR's when they
//! show their own applications) says what is shared and with whom, and
//! offers **Stop sharing** (a click, Enter or Space on it, or closing the
//! window). While someone controls a shared application it says who, and
//! offers **Take back control**: a click on that button, or a global hot
//! key (`keys.rs`: Pause, else Scroll Lock) that works whatever window
//! has the keyboard. It is the agent's own window, on an X connection and
//! a thread of its own, so it never waits on the capture and `app.list`
//! leaves it out (same process); capture takes only the shared
//! application's own windows, so it never appears in a stream.
//!
//! It speaks the language of the desktop (`words.rs`: English, Danish,
//! French or Japanese, from the locale). Text is written with the X
//! server's core fonts (misc-fixed, present on every X server; Unicode and
//! Japanese where the customer has the usual font packages, Latin-1 at
//! least, and then English for a Japanese desktop) rather than a bundled
//! font and rasteriser.

mod keys;
mod layout;
mod raising;
mod text;
mod window;
mod words;

#[cfg(test)]
mod tests;

use std::os::fd::AsRawFd;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use window::{IndicatorWindow, Waker};
use words::Language;

/// How long closing may take before the connection is cut under the
/// thread (a display that stopped answering).
const CLOSE_WITHIN: Duration = Duration::from_secs(1);

/// One shared thing as the indicator lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// What is shared: the window's title.
    pub label: String,
    /// With whom: the CSRs' names (or the customers', for a CSR's
    /// application).
    pub viewers: String,
    /// Who controls it now, by name, where someone other than the
    /// computer's own user may (a customer the CSR gave control to).
    pub controller: Option<String>,
}

/// What the person at the computer asked for on the indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// Stop sharing everything.
    StopSharing,
    /// Take back control of everything someone else controls.
    TakeBackControl,
}

/// Why the indicator could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum IndicatorError {
    #[error("there is no X display to show the sharing indicator on: {0}")]
    NoDisplay(String),
    #[error("the X display has none of the fonts the sharing indicator writes with ({0})")]
    NoFont(String),
    #[error("talking to the X display failed: {0}")]
    Display(String),
    #[error("the sharing indicator's thread did not start: {0}")]
    Thread(#[from] std::io::Error),
}

impl From<x11rb::errors::ConnectionError> for IndicatorError {
    fn from(error: x11rb::errors::ConnectionError) -> Self {
        IndicatorError::Display(error.to_string())
    }
}

impl From<x11rb::errors::ReplyError> for IndicatorError {
    fn from(error: x11rb::errors::ReplyError) -> Self {
        IndicatorError::Display(error.to_string())
    }
}

impl From<x11rb::errors::ReplyOrIdError> for IndicatorError {
    fn from(error: x11rb::errors::ReplyOrIdError) -> Self {
        IndicatorError::Display(error.to_string())
    }
}

/// What the agent tells the indicator's thread.
enum Command {
    Show(Vec<Shown>),
    Close,
}

/// The indicator on the screen; dropping it closes the window, ends its
/// thread and closes its X connection.
pub struct Indicator {
    commands: mpsc::Sender<Command>,
    waker: Waker,
    /// Disconnected when the thread has ended.
    ended: mpsc::Receiver<()>,
    thread: Option<JoinHandle<()>>,
}

impl Indicator {
    /// Shows an always-on-top window on the X display `display` (`:0`;
    /// own X connection, own thread) naming what is shared and with whom,
    /// in the language of this process's locale (the desktop session's),
    /// with a "Stop sharing" button; each click sends
    /// [`Asked::StopSharing`] on `asked`. While someone controls what is
    /// shared, Take back control and the hot key send
    /// [`Asked::TakeBackControl`]. Blocks for the few round trips that put
    /// the window on the screen.
    ///
    /// `asked` also hears Stop sharing once if the window is lost while
    /// shown (its X connection ended: the customer killed it with
    /// `xkill`, or the display went away), since nothing may be shared
    /// unseen.
    pub fn show_on(
        display: &str,
        shown: Vec<Shown>,
        asked: UnboundedSender<Asked>,
    ) -> Result<Indicator, IndicatorError> {
        Indicator::show_in(display, Language::from_env(), shown, asked)
    }

    /// [`show_on`](Self::show_on), in `language`.
    fn show_in(
        display: &str,
        language: Language,
        shown: Vec<Shown>,
        asked: UnboundedSender<Asked>,
    ) -> Result<Indicator, IndicatorError> {
        let (commands, received) = mpsc::channel();
        let (ready, is_ready) = mpsc::sync_channel(1);
        let (ended, has_ended) = mpsc::channel::<()>();
        let display_name = display.to_owned();
        let span = tracing::info_span!(
            "sharing indicator",
            display = display_name.as_str(),
            ?language
        );
        let thread = std::thread::Builder::new()
            .name("sharing-indicator".into())
            .spawn(move || {
                let _entered = span.entered();
                // Dropped when the thread ends, which `Drop` waits for.
                let _ended = ended;
                let lost = asked.clone();
                let window = match IndicatorWindow::create(&display_name, language, shown, asked) {
                    Ok(window) => window,
                    Err(error) => {
                        let _ = ready.send(Err(error));
                        return;
                    }
                };
                let _ = ready.send(Ok(window.waker()));
                if let Err(error) = window.run(&received) {
                    let closing = received.try_iter().any(|c| matches!(c, Command::Close));
                    if !closing {
                        // Nothing may go on being shared without the
                        // customer seeing it.
                        tracing::warn!(%error, "the sharing indicator is gone: stopping the sharing");
                        let _ = lost.send(Asked::StopSharing);
                    }
                }
            })?;
        let waker = match is_ready.recv() {
            Ok(Ok(waker)) => waker,
            Ok(Err(error)) => {
                let _ = thread.join();
                return Err(error);
            }
            Err(_) => {
                let _ = thread.join();
                return Err(IndicatorError::Display(
                    "the sharing indicator's thread ended before showing it".into(),
                ));
            }
        };
        Ok(Indicator {
            commands,
            waker,
            ended: has_ended,
            thread: Some(thread),
        })
    }

    /// Replaces what it lists (redraws, resized to fit).
    pub fn update(&self, shown: Vec<Shown>) {
        if self.commands.send(Command::Show(shown)).is_ok() {
            self.waker.wake();
        }
    }

    /// The indicator's top-level X window.
    #[cfg(test)]
    fn window(&self) -> u32 {
        self.waker.window()
    }
}

impl Drop for Indicator {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Close);
        self.waker.wake();
        if let Err(mpsc::RecvTimeoutError::Timeout) = self.ended.recv_timeout(CLOSE_WITHIN) {
            tracing::warn!(
                "the X display does not answer; closing the sharing indicator's connection"
            );
            let fd = self.waker.connection.stream().as_raw_fd();
            // SAFETY: `fd` is the connection's open socket, owned by the
            // connection this struct keeps alive until after the join;
            // shutting it down (not closing it) makes the thread's read
            // fail, so the thread ends and nothing else reuses the fd.
            unsafe {
                libc::shutdown(fd, libc::SHUT_RDWR);
            }
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
