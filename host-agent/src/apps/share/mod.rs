//! Sharing applications (`app.share`) and letting someone control them:
//! the host CSR a customer's application (`app.control`, under the
//! customer's consent), or a customer the application a CSR shows from
//! their own computer (the kernel names the controller in
//! `stream.control`; the CSR takes control back here). For one connection
//! to the kernel.
//!
//! * `registry.rs` — what is shared on which stream and who controls it,
//!   and the rules for both (pure);
//! * `gate.rs` — whether a CSR's application takes input (pure);
//! * `pacing.rs` — when a share sends its next picture (pure);
//! * `worker.rs` — one thread per share: capture, encode, send.
//!
//! [`Sharing`] ties them to the connection: it hears the kernel's streams
//! (`stream.opened`/`stream.control`/`stream.closed`) and their frames
//! (acknowledgements, keyframe requests, input), starts and stops shares
//! for the calls, and keeps the on-screen sharing indicator up while
//! anything is shared. What the connection must tell the kernel when a
//! share ends, or when the CSR took control back, comes back as
//! [`Stopped`] and [`SharingEvent::TookBack`].

mod gate;
mod pacing;
mod registry;
mod worker;

#[cfg(test)]
mod on_xvfb;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::Value;
use tether_protocol::apps::{
    ControlRequest, Controlling, MAX_VIEWERS_CHARS, ShareRequest, Sharing as SharingAnswer,
};
use tether_protocol::stream::{Codec, Decoders, FrameKind, InputEvent, StreamFrame, StreamId};
use tether_protocol::{Capability, ParticipantInfo, StreamOrigin};
use tokio::sync::mpsc;

use super::display::Display;
use super::indicator::{Asked, Indicator, Shown};
use super::input::Input;
use crate::capabilities::Cancel;
use gate::Effect;
use registry::{Cancelled, Control, Registry, Share};
use worker::{EndedByItself, Outlets, ToShare, Worker};

/// What the kernel hears when the customer presses Stop sharing on the
/// indicator...
pub const PRESSED_STOP: &str = "the customer pressed Stop sharing on their screen";
/// ...and when the CSR does, on their own computer.
pub const CSR_PRESSED_STOP: &str = "they pressed Stop sharing on their screen";
/// Who controls a CSR's application, when the agent does not know the
/// customer's name (they joined after the agent did).
const UNNAMED_CONTROLLER: &str = "A customer";

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
    /// Stop sharing was pressed on the indicator.
    StopPressed,
    /// The CSR took control back (the indicator's button or hot key):
    /// input to these streams stopped already; the kernel must drop their
    /// controller (`stream.take_back`), then [`Sharing::take_back_answered`].
    TookBack(Vec<TakenBack>),
    /// A share stopped outside the connection's own doing (a call the
    /// kernel cancelled while its share started).
    Stopped(Stopped),
}

/// Control of one stream the CSR took back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenBack {
    pub stream: StreamId,
    /// What is shown on it.
    pub label: String,
}

/// The receiving end of [`SharingEvent`]s, for the connection's loop.
pub struct SharingEvents {
    ended: mpsc::UnboundedReceiver<EndedByItself>,
    asked: mpsc::UnboundedReceiver<Asked>,
    stopped: mpsc::UnboundedReceiver<Stopped>,
    /// Closes the gates the moment the CSR takes control back.
    sharing: Sharing,
}

impl SharingEvents {
    pub async fn next(&mut self) -> Option<SharingEvent> {
        loop {
            let event = tokio::select! {
                Some(ended) = self.ended.recv() => SharingEvent::EndedByItself {
                    stream: ended.stream,
                    serial: ended.serial,
                    reason: ended.reason,
                },
                Some(asked) = self.asked.recv() => match asked {
                    Asked::StopSharing => SharingEvent::StopPressed,
                    Asked::TakeBackControl => {
                        let taken = self.sharing.take_back();
                        if taken.is_empty() {
                            // Pressed twice, or as the kernel ended control.
                            continue;
                        }
                        SharingEvent::TookBack(taken)
                    }
                },
                Some(stopped) = self.stopped.recv() => SharingEvent::Stopped(stopped),
                else => return None,
            };
            return Some(event);
        }
    }
}

/// The shares of one connection; cheap to clone (the calls get one).
#[derive(Clone)]
pub struct Sharing {
    inner: Arc<Inner>,
}

struct Inner {
    /// The X display the applications are on (`DISPLAY`).
    display: String,
    state: Mutex<State>,
    frames: mpsc::Sender<Vec<u8>>,
    ended: mpsc::UnboundedSender<EndedByItself>,
    asked: mpsc::UnboundedSender<Asked>,
    stopped: mpsc::UnboundedSender<Stopped>,
}

struct State {
    table: Table,
    /// Shown while anything is shared.
    indicator: Option<Indicator>,
    /// The session's participants' names by id, to say who controls.
    names: HashMap<String, String>,
}

impl Sharing {
    /// Shares send their pictures into `frames`, the connection's queue
    /// of binary frames; the applications are on `$DISPLAY`.
    pub fn new(frames: mpsc::Sender<Vec<u8>>) -> (Sharing, SharingEvents) {
        let display = std::env::var("DISPLAY").unwrap_or_default();
        Sharing::on_display(frames, display)
    }

    /// [`new`](Self::new), for the applications on the X display
    /// `display` (`:0`).
    pub fn on_display(frames: mpsc::Sender<Vec<u8>>, display: String) -> (Sharing, SharingEvents) {
        let (ended, ended_rx) = mpsc::unbounded_channel();
        let (asked, asked_rx) = mpsc::unbounded_channel();
        let (stopped, stopped_rx) = mpsc::unbounded_channel();
        let sharing = Sharing {
            inner: Arc::new(Inner {
                display,
                state: Mutex::new(State {
                    table: Table::default(),
                    indicator: None,
                    names: HashMap::new(),
                }),
                frames,
                ended,
                asked,
                stopped,
            }),
        };
        let events = SharingEvents {
            ended: ended_rx,
            asked: asked_rx,
            stopped: stopped_rx,
            sharing: sharing.clone(),
        };
        (sharing, events)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// `stream.opened`: the kernel opened `stream` from this computer
    /// (`controller`: who controls it already, for a CSR's application).
    pub fn announced(
        &self,
        stream: StreamId,
        capability: Capability,
        origin: StreamOrigin,
        controller: Option<String>,
    ) {
        self.state().table.announce(stream, capability, origin);
        if controller.is_some() {
            self.controller_named(stream, controller);
        }
    }

    /// The session's participants (`session.welcome`), or one more
    /// (`participant.joined`): the indicator names who controls.
    pub fn know_participants(&self, participants: &[ParticipantInfo]) {
        let mut state = self.state();
        for participant in participants {
            state
                .names
                .insert(participant.id.clone(), participant.display_name.clone());
        }
    }

    /// A participant's name as the kernel gave it with `stream.control`.
    pub fn know_name(&self, participant: &str, name: String) {
        self.state().names.insert(participant.to_owned(), name);
    }

    /// `stream.control`: the kernel says who controls `stream` now (a
    /// CSR's application). Input starts or stops at once, and the
    /// indicator says who controls what; the line for the terminal comes
    /// back when something changed for a shared application.
    pub fn controller_named(&self, stream: StreamId, controller: Option<String>) -> Option<String> {
        let mut state = self.state();
        let change = state.table.controller_named(stream, controller);
        let said = match (&change.effect, change.window) {
            (Effect::Unchanged, _) | (_, None) => None,
            (Effect::Open { controller }, Some(window)) => {
                let input = Input::start_in_background(&self.inner.display, window, stream);
                if state.table.give_input(stream, input).is_err() {
                    tracing::debug!(%stream, "control ended as it was given");
                }
                let name = state.name(controller);
                let label = state.label(stream);
                tracing::info!(%stream, controller = %controller, "a customer controls the shared application");
                Some(format!(
                    "{name} now controls \"{label}\". Press Take back control on the sharing indicator, or the key it names, to take it back."
                ))
            }
            (Effect::Close, Some(_)) => {
                tracing::info!(%stream, "nobody controls the shared application any more");
                Some(format!(
                    "Control of \"{}\" is back with you.",
                    state.label(stream)
                ))
            }
        };
        if change.effect != Effect::Unchanged {
            state.indicator_after_change();
        }
        said
    }

    /// The CSR takes control back: input to every controlled stream stops
    /// now (keys held down are let go), before the kernel hears of it.
    fn take_back(&self) -> Vec<TakenBack> {
        let mut state = self.state();
        let taken = state.table.take_back_all();
        let taken: Vec<TakenBack> = taken
            .into_iter()
            .map(|(stream, input)| {
                // Dropping the input lets go of keys and buttons.
                drop(input);
                TakenBack {
                    stream,
                    label: state.label(stream),
                }
            })
            .collect();
        if !taken.is_empty() {
            tracing::info!(streams = taken.len(), "the CSR took control back");
            state.indicator_after_change();
        }
        taken
    }

    /// The kernel answered `stream.take_back` for `stream`.
    pub fn take_back_answered(&self, stream: StreamId) {
        self.state().table.take_back_answered(stream);
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

    /// Every share ends, for `reason`: the connection ended, and the
    /// kernel closed their streams itself.
    pub fn stop_all(&self, reason: &str) -> Vec<Stopped> {
        let mut state = self.state();
        let stopped = state
            .table
            .take_all()
            .into_iter()
            .map(|(stream, share)| end(stream, share, reason, false))
            .collect();
        state.table.forget_streams();
        state.indicator_after_change();
        stopped
    }

    /// Every share ends because Stop sharing was pressed on the
    /// indicator: the kernel closes their streams, hearing who pressed it
    /// (the customer, or the CSR on their own computer).
    pub fn stop_pressed(&self) -> Vec<Stopped> {
        let mut state = self.state();
        let stopped = state
            .table
            .take_all()
            .into_iter()
            .map(|(stream, share)| {
                let reason = match state.table.origin(stream) {
                    Some(StreamOrigin::CsrAgent) => CSR_PRESSED_STOP,
                    _ => PRESSED_STOP,
                };
                let open = state.table.is_announced(stream);
                end(stream, share, reason, open)
            })
            .collect();
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
            FrameKind::Input => match InputEvent::decode(frame.payload) {
                Ok(event) => match state.table.input_for(frame.stream) {
                    Ok(input) => input.send(event),
                    Err(why) => {
                        tracing::debug!(stream = %frame.stream, %why, "input refused");
                    }
                },
                Err(error) => {
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
        listed_window(&self.inner.display, request.window)?;
        let serial = self.state().table.next_serial();
        let outlets = Outlets {
            frames: self.inner.frames.clone(),
            ended: self.inner.ended.clone(),
        };
        let (worker, opened) =
            worker::start(&self.inner.display, stream, serial, request.window, outlets)?;
        let share = Share {
            serial,
            call: call.clone(),
            window: request.window,
            label: opened.title.clone(),
            viewers: request.viewers,
            worker,
            control: None,
            given: None,
            refused_input: 0,
        };
        let mut state = self.state();
        if let Err((refusal, share)) = state.table.insert(stream, share) {
            share.worker.stop();
            return Err(refusal.to_string());
        }
        // Control given while the share started: the controller's input
        // goes to it from now on.
        if let Some(window) = state.table.needs_given_input(stream) {
            let input = Input::start_in_background(&self.inner.display, window, stream);
            let _ = state.table.give_input(stream, input);
        }
        if let Err(error) = state.show_indicator(&self.inner.display, &self.inner.asked) {
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
        let display = self.inner.display.clone();
        let input = tokio::task::spawn_blocking(move || Input::start(&display, window, stream))
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
    fn show_indicator(
        &mut self,
        display: &str,
        asked: &mpsc::UnboundedSender<Asked>,
    ) -> Result<(), String> {
        let shown = self.shown();
        match &self.indicator {
            Some(indicator) => indicator.update(shown),
            None => {
                let indicator = Indicator::show_on(display, shown, asked.clone()).map_err(|error| {
                    format!("the window was not shared, because the sharing indicator could not be shown: {error}")
                })?;
                self.indicator = Some(indicator);
            }
        }
        Ok(())
    }

    /// What the indicator lists: each share, in the order of its stream,
    /// and who controls it.
    fn shown(&self) -> Vec<Shown> {
        let mut shown: Vec<(StreamId, Shown)> = self
            .table
            .shares()
            .map(|(stream, share)| {
                let controller = self.table.controller(*stream).map(|id| self.name(id));
                (
                    *stream,
                    Shown {
                        label: share.label.clone(),
                        viewers: share.viewers.clone(),
                        controller,
                    },
                )
            })
            .collect();
        shown.sort_by_key(|(stream, _)| *stream);
        shown.into_iter().map(|(_, shown)| shown).collect()
    }

    /// A participant's name, for the CSR.
    fn name(&self, participant: &str) -> String {
        self.names
            .get(participant)
            .cloned()
            .unwrap_or_else(|| UNNAMED_CONTROLLER.to_owned())
    }

    /// What is shown on `stream`, for the CSR.
    fn label(&mut self, stream: StreamId) -> String {
        self.table
            .share_mut(stream)
            .map(|share| share.label.clone())
            .unwrap_or_default()
    }
}

/// Stops what runs for a share that ended.
fn end(stream: StreamId, share: Share<Worker, Input>, reason: &str, stop_stream: bool) -> Stopped {
    share.worker.stop();
    let refused = share.refused_input
        + share.control.as_ref().map_or(0, |c| c.input.refused())
        + share.given.as_ref().map_or(0, Input::refused);
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
fn listed_window(display: &str, window: u32) -> Result<(), String> {
    let display = Display::connect_to(display).map_err(|error| error.to_string())?;
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
        sharing.announced(
            id(6),
            Capability::AppControl,
            StreamOrigin::CustomerAgent,
            None,
        );
        let wrong = sharing
            .share(
                "c1",
                serde_json::json!({ "stream": 6, "window": 1 }),
                &cancel,
            )
            .await;
        assert!(wrong.err().is_some_and(|e| e.contains("not `app.share`")));
        sharing.announced(
            id(7),
            Capability::AppShare,
            StreamOrigin::CustomerAgent,
            None,
        );
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
        assert!(sharing.stop_all("test").is_empty());
        assert!(sharing.stop_pressed().is_empty());
        assert!(sharing.stream_closed(id(7), "test").is_none());
        assert!(sharing.call_cancelled("c1", "test").is_none());
    }
}
