//! Sharing applications (`app.share`) and giving the host CSR control of
//! them (`app.control`), for one connection to the kernel.
//!
//! * `registry.rs` — what is shared on which stream and who controls it,
//!   and the rules for both (pure);
//! * `pacing.rs` — when a share sends its next picture (pure);
//! * `worker.rs` — one thread per share: capture, encode, send.
//!
//! [`Sharing`] ties them to the connection: it hears the kernel's streams
//! (`stream.opened`/`stream.closed`) and their frames (acknowledgements,
//! keyframe requests, input), starts and stops shares for the calls, and
//! keeps the on-screen sharing indicator up while anything is shared. What
//! the connection must tell the kernel when a share ends is handed back as
//! [`Stopped`].

mod pacing;
mod registry;
mod worker;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::Value;
use tether_protocol::Capability;
use tether_protocol::apps::{
    ControlRequest, Controlling, MAX_VIEWERS_CHARS, ShareRequest, Sharing as SharingAnswer,
};
use tether_protocol::stream::{Codec, Decoders, FrameKind, InputEvent, StreamFrame, StreamId};
use tokio::sync::mpsc;

use super::display::Display;
use super::indicator::{Indicator, Shown};
use super::input::Input;
use crate::capabilities::Cancel;
use registry::{Cancelled, Control, Registry, Share};
use worker::{EndedByItself, Outlets, ToShare, Worker};

/// What the kernel hears when the customer presses Stop sharing on the
/// indicator.
pub const PRESSED_STOP: &str = "the customer pressed Stop sharing on their screen";

type Table = Registry<Worker, Input>;

/// A share that ended, and what to tell the kernel about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    pub stream: StreamId,
    pub reason: String,
    /// Send `stream.stop`: the stream is still open on the kernel's side.
    pub stop_stream: bool,
    /// The lasting calls that ended with it (`app.share`, `app.control`),
    /// to report as ended.
    pub calls: Vec<String>,
}

/// Something the connection must act on.
pub enum SharingEvent {
    /// A share ended by itself (its window closed, capturing failed).
    EndedByItself {
        stream: StreamId,
        serial: u64,
        reason: String,
    },
    /// The customer pressed Stop sharing.
    StopPressed,
    /// A share stopped outside the connection's own doing (a call the
    /// kernel cancelled while its share started).
    Stopped(Stopped),
}

/// The receiving end of [`SharingEvent`]s, for the connection's loop.
pub struct SharingEvents {
    ended: mpsc::UnboundedReceiver<EndedByItself>,
    stop_pressed: mpsc::UnboundedReceiver<()>,
    stopped: mpsc::UnboundedReceiver<Stopped>,
}

impl SharingEvents {
    pub async fn next(&mut self) -> Option<SharingEvent> {
        tokio::select! {
            Some(ended) = self.ended.recv() => Some(SharingEvent::EndedByItself {
                stream: ended.stream,
                serial: ended.serial,
                reason: ended.reason,
            }),
            Some(()) = self.stop_pressed.recv() => Some(SharingEvent::StopPressed),
            Some(stopped) = self.stopped.recv() => Some(SharingEvent::Stopped(stopped)),
            else => None,
        }
    }
}

/// The shares of one connection; cheap to clone (the calls get one).
#[derive(Clone)]
pub struct Sharing {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    frames: mpsc::Sender<Vec<u8>>,
    ended: mpsc::UnboundedSender<EndedByItself>,
    stop_pressed: mpsc::UnboundedSender<()>,
    stopped: mpsc::UnboundedSender<Stopped>,
}

struct State {
    table: Table,
    /// Shown while anything is shared.
    indicator: Option<Indicator>,
}

impl Sharing {
    /// Shares send their pictures into `frames`, the connection's queue
    /// of binary frames.
    pub fn new(frames: mpsc::Sender<Vec<u8>>) -> (Sharing, SharingEvents) {
        let (ended, ended_rx) = mpsc::unbounded_channel();
        let (stop_pressed, stop_rx) = mpsc::unbounded_channel();
        let (stopped, stopped_rx) = mpsc::unbounded_channel();
        let sharing = Sharing {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    table: Table::default(),
                    indicator: None,
                }),
                frames,
                ended,
                stop_pressed,
                stopped,
            }),
        };
        let events = SharingEvents {
            ended: ended_rx,
            stop_pressed: stop_rx,
            stopped: stopped_rx,
        };
        (sharing, events)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// `stream.opened`: the kernel opened `stream` from this computer.
    pub fn announced(&self, stream: StreamId, capability: Capability) {
        self.state().table.announce(stream, capability);
    }

    /// `stream.closed`: its share, if any, ends (the kernel knows).
    pub fn stream_closed(&self, stream: StreamId, reason: &str) -> Option<Stopped> {
        let mut state = self.state();
        let share = state.table.closed(stream)?;
        let stopped = end(
            stream,
            share,
            &format!("the stream closed: {reason}"),
            false,
        );
        state.indicator_after_change();
        Some(stopped)
    }

    /// The kernel cancelled `call`. A share's call ends the share (and
    /// the stream, if the kernel left it open); a control call ends
    /// control. What else ended with it is handed back.
    pub fn call_cancelled(&self, call: &str, reason: &str) -> Option<Stopped> {
        let mut state = self.state();
        match state.table.cancelled(call)? {
            Cancelled::Share(stream, share) => {
                let stop_stream = state.table.is_announced(stream);
                let mut stopped = end(
                    stream,
                    share,
                    &format!("sharing ended: {reason}"),
                    stop_stream,
                );
                // The kernel ended this call itself.
                stopped.calls.retain(|c| c != call);
                state.indicator_after_change();
                Some(stopped)
            }
            Cancelled::Control(stream, control) => {
                tracing::info!(%stream, %reason, refused = control.input.refused(), "control ended");
                None
            }
        }
    }

    /// A share ended by itself: the kernel hears it from the customer's
    /// side (`stream.stop`).
    pub fn ended_by_itself(&self, stream: StreamId, serial: u64, reason: &str) -> Option<Stopped> {
        let mut state = self.state();
        let share = state.table.ended(stream, serial)?;
        let stop_stream = state.table.is_announced(stream);
        let stopped = end(stream, share, reason, stop_stream);
        state.indicator_after_change();
        Some(stopped)
    }

    /// Every share ends, for `reason`; `stop_streams` when the kernel
    /// should close their streams (the customer pressed Stop sharing), not
    /// when it closes them itself (the connection ended).
    pub fn stop_all(&self, reason: &str, stop_streams: bool) -> Vec<Stopped> {
        let mut state = self.state();
        let stopped = state
            .table
            .take_all()
            .into_iter()
            .map(|(stream, share)| {
                let open = stop_streams && state.table.is_announced(stream);
                end(stream, share, reason, open)
            })
            .collect();
        if !stop_streams {
            state.table.forget_streams();
        }
        state.indicator_after_change();
        stopped
    }

    /// A binary frame from the kernel: an acknowledgement, a keyframe
    /// request or input for one of the shares.
    pub fn frame_from_kernel(&self, bytes: &[u8]) {
        let frame = match StreamFrame::decode(bytes) {
            Ok(frame) => frame,
            Err(error) => {
                tracing::debug!(%error, "stream frame from the kernel refused");
                return;
            }
        };
        let mut state = self.state();
        let Some(share) = state.table.share_mut(frame.stream) else {
            tracing::debug!(stream = %frame.stream, kind = ?frame.kind, "frame for a stream not shared here");
            return;
        };
        match frame.kind {
            FrameKind::Ack => share.worker.tell(ToShare::Acknowledged(frame.sequence)),
            FrameKind::KeyframeRequest => {
                let jpeg_only = matches!(Decoders::decode(frame.payload), Ok(Some(d)) if !d.vp8);
                share.worker.tell(ToShare::Keyframe { jpeg_only });
            }
            FrameKind::Input => match (InputEvent::decode(frame.payload), &share.control) {
                (Ok(event), Some(control)) => control.input.send(event),
                (Ok(_), None) => {
                    share.refused_input += 1;
                    tracing::debug!(stream = %frame.stream, refused = share.refused_input, "input without control refused");
                }
                (Err(error), _) => {
                    share.refused_input += 1;
                    tracing::debug!(stream = %frame.stream, %error, "input refused");
                }
            },
            FrameKind::Picture => {
                tracing::debug!(stream = %frame.stream, "a picture sent to the source refused");
            }
        }
    }

    /// `app.share`: checks the request, starts capturing the window and
    /// answers at once; the share runs until stopped.
    #[tracing::instrument(name = "app.share", skip_all, fields(call, stream, window))]
    pub async fn share(&self, call: &str, input: Value, cancel: &Cancel) -> Result<Value, String> {
        let request: ShareRequest = serde_json::from_value(input).map_err(|error| {
            format!("expected {{\"stream\": <id>, \"window\": <X window id>, \"viewers\": \"…\"}}: {error}")
        })?;
        let span = tracing::Span::current();
        span.record("call", call);
        span.record("stream", request.stream.get());
        span.record("window", request.window);
        check_viewers(&request.viewers)?;
        self.state()
            .table
            .may_share(request.stream)
            .map_err(|refusal| refusal.to_string())?;
        let sharing = self.clone();
        let call = call.to_owned();
        let answer = tokio::task::spawn_blocking(move || sharing.start_share(call, request))
            .await
            .map_err(|error| format!("sharing failed: {error}"))??;
        // The kernel may have cancelled the call while it started: the
        // share then stops now (the cancel found nothing to stop yet).
        if let Some(reason) = cancel.reason() {
            if let Some(stopped) = self.call_cancelled(&answer.call, &reason) {
                let _ = self.inner.stopped.send(stopped);
            }
            return Err(format!("stopped: {reason}"));
        }
        serde_json::to_value(answer.sharing).map_err(|error| error.to_string())
    }

    /// The blocking part of `app.share`.
    fn start_share(&self, call: String, request: ShareRequest) -> Result<Started, String> {
        let stream = request.stream;
        listed_window(request.window)?;
        let serial = self.state().table.next_serial();
        let outlets = Outlets {
            frames: self.inner.frames.clone(),
            ended: self.inner.ended.clone(),
        };
        let (worker, opened) = worker::start(stream, serial, request.window, outlets)?;
        let share = Share {
            serial,
            call: call.clone(),
            window: request.window,
            label: opened.title.clone(),
            viewers: request.viewers,
            worker,
            control: None,
            refused_input: 0,
        };
        let mut state = self.state();
        if let Err((refusal, share)) = state.table.insert(stream, share) {
            share.worker.stop();
            return Err(refusal.to_string());
        }
        if let Err(error) = state.show_indicator(&self.inner.stop_pressed) {
            // Nothing is shared without the customer seeing it.
            if let Some(share) = state.table.remove(stream) {
                share.worker.stop();
            }
            return Err(error);
        }
        if let Some(share) = state.table.share_mut(stream) {
            share.worker.tell(ToShare::Go);
        }
        tracing::info!(title = %opened.title, codec = ?opened.codec, "sharing");
        Ok(Started {
            call,
            sharing: SharingAnswer {
                stream,
                window: request.window,
                title: opened.title,
                width: u32::from(opened.width),
                height: u32::from(opened.height),
                codec: codec_name(opened.codec).to_owned(),
            },
        })
    }

    /// `app.control`: input on the stream is applied from now on, until
    /// the call is cancelled or the share ends.
    #[tracing::instrument(name = "app.control", skip_all, fields(call, stream))]
    pub async fn control(
        &self,
        call: &str,
        input: Value,
        cancel: &Cancel,
    ) -> Result<Value, String> {
        let request: ControlRequest = serde_json::from_value(input)
            .map_err(|error| format!("expected {{\"stream\": <id>}}: {error}"))?;
        let stream = request.stream;
        let span = tracing::Span::current();
        span.record("call", call);
        span.record("stream", stream.get());
        let window = self
            .state()
            .table
            .may_control(stream)
            .map_err(|refusal| refusal.to_string())?;
        let input = tokio::task::spawn_blocking(move || Input::start(window, stream))
            .await
            .map_err(|error| format!("giving control failed: {error}"))?
            .map_err(|error| error.to_string())?;
        let control = Control {
            call: call.to_owned(),
            input,
        };
        self.state()
            .table
            .control(stream, control)
            .map_err(|(refusal, _)| refusal.to_string())?;
        if let Some(reason) = cancel.reason() {
            self.call_cancelled(call, &reason);
            return Err(format!("stopped: {reason}"));
        }
        tracing::info!("the host CSR controls the shared window");
        serde_json::to_value(Controlling { stream }).map_err(|error| error.to_string())
    }
}

struct Started {
    call: String,
    sharing: SharingAnswer,
}

impl State {
    /// Updates the indicator after a share ended, or closes it when
    /// nothing is shared any more.
    fn indicator_after_change(&mut self) {
        if self.table.is_empty() {
            if let Some(indicator) = self.indicator.take() {
                // Closing waits for its thread: not here.
                std::thread::spawn(move || drop(indicator));
            }
        } else if let Some(indicator) = &self.indicator {
            indicator.update(self.shown());
        }
    }

    /// Shows the indicator (or updates it) with a share just added.
    fn show_indicator(&mut self, stop: &mpsc::UnboundedSender<()>) -> Result<(), String> {
        let shown = self.shown();
        match &self.indicator {
            Some(indicator) => indicator.update(shown),
            None => {
                let indicator = Indicator::show(shown, stop.clone()).map_err(|error| {
                    format!("the window was not shared, because the sharing indicator could not be shown: {error}")
                })?;
                self.indicator = Some(indicator);
            }
        }
        Ok(())
    }

    /// What the indicator lists: each share, in the order of its stream.
    fn shown(&self) -> Vec<Shown> {
        let mut shown: Vec<(StreamId, Shown)> = self
            .table
            .shares()
            .map(|(stream, share)| {
                (
                    *stream,
                    Shown {
                        label: share.label.clone(),
                        viewers: share.viewers.clone(),
                    },
                )
            })
            .collect();
        shown.sort_by_key(|(stream, _)| *stream);
        shown.into_iter().map(|(_, shown)| shown).collect()
    }
}

/// Stops what runs for a share that ended.
fn end(stream: StreamId, share: Share<Worker, Input>, reason: &str, stop_stream: bool) -> Stopped {
    share.worker.stop();
    let refused = share.refused_input + share.control.as_ref().map_or(0, |c| c.input.refused());
    tracing::info!(%stream, %reason, refused_input = refused, "sharing ended");
    let calls = share.calls();
    // Dropping the control's input lets go of keys and buttons.
    drop(share);
    Stopped {
        stream,
        reason: reason.to_owned(),
        stop_stream,
        calls,
    }
}

fn check_viewers(viewers: &str) -> Result<(), String> {
    if viewers.chars().count() > MAX_VIEWERS_CHARS || viewers.chars().any(char::is_control) {
        return Err(format!(
            "`viewers` must be at most {MAX_VIEWERS_CHARS} characters, without control characters"
        ));
    }
    Ok(())
}

/// Only a window `app.list` lists may be shared: a top-level window of a
/// running application, never the agent's own, never the whole screen.
fn listed_window(window: u32) -> Result<(), String> {
    let display = Display::connect().map_err(|error| error.to_string())?;
    let listed = display
        .applications()
        .map_err(|error| error.to_string())?
        .iter()
        .any(|app| app.windows.iter().any(|w| w.id == window));
    if listed {
        Ok(())
    } else {
        Err(format!(
            "window {window:#x} is not a window of an application running on this display"
        ))
    }
}

fn codec_name(codec: Codec) -> &'static str {
    match codec {
        Codec::Vp8 => "vp8",
        Codec::Jpeg => "jpeg",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewers_are_a_short_line_of_text() {
        assert!(check_viewers("Anna Berg, Bob Lind").is_ok());
        assert!(check_viewers("").is_ok());
        assert!(check_viewers(&"é".repeat(MAX_VIEWERS_CHARS)).is_ok());
        assert!(check_viewers(&"x".repeat(MAX_VIEWERS_CHARS + 1)).is_err());
        assert!(check_viewers("Anna\nBob").is_err());
    }

    fn id(n: u32) -> StreamId {
        StreamId::new(n).expect("not 0")
    }

    #[tokio::test]
    async fn requests_are_checked_before_anything_is_captured() {
        let (frames, _queue) = mpsc::channel(4);
        let (sharing, _events) = Sharing::new(frames);
        let (_handle, cancel) = Cancel::new();
        let bad_input = sharing
            .share("c1", serde_json::json!({ "window": 1 }), &cancel)
            .await;
        assert!(bad_input.err().is_some_and(|e| e.contains("expected")));
        let not_announced = sharing
            .share(
                "c1",
                serde_json::json!({ "stream": 5, "window": 1 }),
                &cancel,
            )
            .await;
        assert_eq!(
            not_announced.err(),
            Some("stream 5 was not opened from this computer for `app.share`".to_owned())
        );
        sharing.announced(id(6), Capability::AppControl);
        let wrong = sharing
            .share(
                "c1",
                serde_json::json!({ "stream": 6, "window": 1 }),
                &cancel,
            )
            .await;
        assert!(wrong.err().is_some_and(|e| e.contains("not `app.share`")));
        sharing.announced(id(7), Capability::AppShare);
        let long = sharing
            .share(
                "c1",
                serde_json::json!({ "stream": 7, "window": 1, "viewers": "x".repeat(201) }),
                &cancel,
            )
            .await;
        assert!(long.err().is_some_and(|e| e.contains("`viewers`")));
        let not_shared = sharing
            .control("c2", serde_json::json!({ "stream": 7 }), &cancel)
            .await;
        assert_eq!(
            not_shared.err(),
            Some("nothing is shared on stream 7".to_owned())
        );
        let bad_control = sharing
            .control(
                "c2",
                serde_json::json!({ "stream": 7, "all": true }),
                &cancel,
            )
            .await;
        assert!(bad_control.err().is_some_and(|e| e.contains("expected")));
        // Nothing started, nothing to stop.
        assert!(sharing.stop_all("test", true).is_empty());
        assert!(sharing.stream_closed(id(7), "test").is_none());
        assert!(sharing.call_cancelled("c1", "test").is_none());
    }
}
