//! Opening and closing streams for plugins, and relaying the frames
//! sockets send. A stream is an activity: the events that end activities
//! (consent withdrawn, control passed, another customer selected, the
//! session ending, the agent leaving) close it at once.

use std::collections::HashMap;

use axum::body::Bytes;
use tether_protocol::stream::{Decoders, FrameFlags, FrameKind, InputEvent, StreamFrame, StreamId};
use tether_protocol::{Capability, ServerEvent, StreamOrigin};

use super::pacing::{Offer, SourceAcks};
use super::rules::{self, Route, Sender};
use super::table::{OpenStream, StreamCounters};
use crate::activity::{EndReason, Scope};
use crate::consent::grants::GrantScope;
use crate::plugin_host::services::{
    AgentCall, AgentError, CloseCause, PluginEvent, PluginScope, StreamError, StreamInfo,
    StreamOpening,
};
use crate::routing::{Endpoint, EndpointKind, FrameSent};
use crate::session::{SessionError, Sessions};
use crate::storage::{ParticipantRole, now_millis};

/// Longest label, in characters.
const MAX_LABEL_CHARS: usize = 200;

impl Sessions {
    /// Opens a stream from `opening.source`'s agent to the session's CSRs,
    /// if the plugin could call the capability on that agent right now.
    pub async fn open_stream(
        &self,
        scope: &PluginScope,
        opening: StreamOpening,
    ) -> Result<StreamId, StreamError> {
        let label = opening.label.trim();
        if label.chars().count() > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
            return Err(StreamError::Invalid(format!(
                "the label must be at most {MAX_LABEL_CHARS} characters, without control characters"
            )));
        }
        let call = AgentCall {
            session: opening.session.clone(),
            participant: opening.source.clone(),
            capability: opening.capability,
            declared: opening.declared,
            asks_when_refused: false,
            input: serde_json::Value::Null,
        };
        let customer = self.call_facts(scope, &call)?;
        let id = self.streams.insert(|id| OpenStream {
            id,
            session: opening.session.clone(),
            plugin: scope.plugin.clone(),
            source: opening.source.clone(),
            capability: opening.capability,
            label: label.to_owned(),
            origin: StreamOrigin::CustomerAgent,
            controller: None,
            opened_at: now_millis(),
            viewers: HashMap::new(),
            source_acks: SourceAcks::default(),
        });
        tracing::info!(session = %opening.session, plugin = %scope.plugin, stream = %id, capability = %opening.capability, "stream opened");
        let event = ServerEvent::StreamOpened {
            session: opening.session.clone(),
            stream: id,
            plugin: scope.plugin.clone(),
            source: opening.source.clone(),
            capability: opening.capability,
            label: label.to_owned(),
            origin: StreamOrigin::CustomerAgent,
            controller: None,
        };
        for viewer in self.stream_viewers(&opening.session) {
            self.send_event(&Endpoint::ui(&viewer), &event);
        }
        // The customer's page lists what is shared, with Stop for each.
        self.send_event(&Endpoint::ui(&opening.source), &event);
        self.send_event(&Endpoint::agent(&opening.source), &event);
        self.record(
            &opening.session,
            "stream.opened",
            &scope.plugin,
            format!("{customer}'s \"{label}\" ({})", opening.capability),
        )
        .await;
        Ok(id)
    }

    /// Closes a stream the plugin opened.
    pub async fn close_stream(
        &self,
        scope: &PluginScope,
        id: StreamId,
        reason: &str,
    ) -> Result<(), StreamError> {
        let owner = self
            .streams
            .with(id, |s| s.plugin.clone())
            .ok_or(StreamError::UnknownStream(id))?;
        if owner != scope.plugin {
            return Err(StreamError::NotYours(id));
        }
        if let Some(stream) = self.streams.remove(id) {
            self.stream_closed(stream, CloseCause::PluginClosed, reason)
                .await;
        }
        Ok(())
    }

    /// The customer stops a stream from their computer (their page's
    /// Stop, or the sharing indicator through their agent): only a stream
    /// that comes from them, whatever plugin opened it.
    pub async fn stop_stream_from_source(
        &self,
        session: &str,
        source: &str,
        id: StreamId,
        reason: &str,
    ) -> Result<(), SessionError> {
        let stream = self
            .streams
            .remove_from_source(id, session, source)
            .ok_or(SessionError::NoSuchStream(id))?;
        let name = self
            .with_live(session, |s| {
                Ok(s.participant(source).map(|p| p.display_name.clone()))
            })
            .ok()
            .flatten()
            .unwrap_or_default();
        self.stream_closed(
            stream,
            CloseCause::CustomerStopped,
            &format!("{name} stopped sharing: {reason}"),
        )
        .await;
        Ok(())
    }

    /// The `stream.opened` events of what `source` shares now, for their
    /// page or agent when it (re)connects.
    pub fn streams_from(&self, session: &str, source: &str) -> Vec<ServerEvent> {
        opened_events(
            self.streams
                .listed(|s| s.session == session && s.source == source),
        )
    }

    /// The `stream.opened` events of every stream open in `session`, for a
    /// console that attaches to it (assisting, or resuming after a reload).
    pub fn streams_in(&self, session: &str) -> Vec<ServerEvent> {
        opened_events(self.streams.listed(|s| s.session == session))
    }

    /// Closes every stream an event of `scope` ends (part of ending
    /// activities).
    pub(crate) async fn end_streams(&self, scope: &Scope<'_>, reason: EndReason) {
        for stream in self.streams.take_all(scope) {
            self.stream_closed(stream, CloseCause::Ended(reason), reason.describe())
                .await;
        }
    }

    /// Tells the viewers and the source, and records it.
    async fn stream_closed(&self, stream: OpenStream, cause: CloseCause, reason: &str) {
        tracing::info!(session = %stream.session, plugin = %stream.plugin, stream = %stream.id, reason, "stream closed");
        let event = ServerEvent::StreamClosed {
            session: stream.session.clone(),
            stream: stream.id,
            reason: reason.to_owned(),
        };
        for viewer in self.stream_viewers(&stream.session) {
            self.send_event(&Endpoint::ui(&viewer), &event);
        }
        self.send_event(&Endpoint::ui(&stream.source), &event);
        self.send_event(&Endpoint::agent(&stream.source), &event);
        if let Some(site) = self.site_of(&stream.session) {
            self.notify_plugin(
                &site,
                &stream.plugin,
                PluginEvent::StreamClosed {
                    session: stream.session.clone(),
                    stream: stream.id,
                    cause,
                    reason: reason.to_owned(),
                },
            );
        }
        let seconds = now_millis().saturating_sub(stream.opened_at) / 1000;
        self.record(
            &stream.session,
            "stream.closed",
            &stream.plugin,
            format!("\"{}\" after {seconds} s: {reason}", stream.label),
        )
        .await;
    }

    /// The plugin's open streams in `session` (of its own site only).
    pub fn list_streams(
        &self,
        scope: &PluginScope,
        session: &str,
    ) -> Result<Vec<StreamInfo>, StreamError> {
        if self.site_of(session).as_deref() != Some(scope.site.as_str()) {
            return Err(AgentError::UnknownSession(session.to_owned()).into());
        }
        Ok(self.streams.of_session(session, &scope.plugin))
    }

    /// The session's CSRs: every stream of the session goes to them.
    fn stream_viewers(&self, session: &str) -> Vec<String> {
        self.with_live(session, |s| {
            Ok(s.participants
                .values()
                .filter(|p| p.role != ParticipantRole::Customer)
                .map(|p| p.id.to_string())
                .collect())
        })
        .unwrap_or_default()
    }

    /// One binary frame from a socket. `speaks_for` says which endpoint
    /// the socket is in a given session (a console is in several), or
    /// `None` where it is not in that session at all; it is asked once.
    /// Frames the socket may not send are dropped and counted; nothing is
    /// answered frame by frame.
    pub fn relay_frame(&self, bytes: Bytes, speaks_for: impl FnOnce(&str) -> Option<Endpoint>) {
        let counters = &self.streams.counters;
        let frame = match StreamFrame::decode(&bytes) {
            Ok(frame) => frame,
            Err(error) => {
                tracing::debug!(%error, "stream frame refused");
                StreamCounters::count(&counters.refused);
                return;
            }
        };
        let Some((session, source, plugin)) = self.streams.with(frame.stream, |s| {
            (s.session.clone(), s.source.clone(), s.plugin.clone())
        }) else {
            StreamCounters::count(&counters.refused);
            return;
        };
        let endpoint = speaks_for(&session);
        let viewer = endpoint
            .as_ref()
            .map(|e| e.participant.clone())
            .unwrap_or_default();
        let sender = self.frame_sender(&session, &source, endpoint);
        let control_granted =
            frame.kind == FrameKind::Input && self.control_granted(&session, &source, &plugin);
        let route = match rules::route(frame.kind, sender, control_granted) {
            Ok(route) => route,
            Err(refusal) => {
                tracing::debug!(stream = %frame.stream, ?refusal, kind = ?frame.kind, "stream frame refused");
                StreamCounters::count(&counters.refused);
                return;
            }
        };
        match route {
            Route::ToViewers => self.picture_to_viewers(&session, &source, &frame, &bytes),
            Route::ToSource => {
                let Sender::Viewer { .. } = sender else {
                    return;
                };
                self.to_source(&source, &viewer, &frame, bytes.clone());
            }
        }
    }

    fn frame_sender(&self, session: &str, source: &str, endpoint: Option<Endpoint>) -> Sender {
        let Some(endpoint) = endpoint else {
            return Sender::Stranger;
        };
        if endpoint == Endpoint::agent(source) {
            return Sender::Source;
        }
        if endpoint.kind != EndpointKind::Ui {
            return Sender::Stranger;
        }
        self.with_live(session, |s| {
            Ok(match s.participant(&endpoint.participant).map(|p| p.role) {
                Some(ParticipantRole::Host) => Sender::Viewer { host: true },
                Some(ParticipantRole::Assistant) => Sender::Viewer { host: false },
                Some(ParticipantRole::Customer) | None => Sender::Stranger,
            })
        })
        .unwrap_or(Sender::Stranger)
    }

    /// Whether a live control grant covers the stream's customer, for the
    /// session's host now (asked per input frame).
    fn control_granted(&self, session: &str, customer: &str, plugin: &str) -> bool {
        let host = self
            .with_live(session, |s| Ok(s.host().map(|h| h.id.to_string())))
            .ok()
            .flatten()
            .unwrap_or_default();
        self.consent.covers(
            GrantScope {
                session,
                customer,
                host: &host,
                plugin,
                capability: Capability::AppControl,
            },
            now_millis(),
        )
    }

    fn picture_to_viewers(
        &self,
        session: &str,
        source: &str,
        frame: &StreamFrame<'_>,
        bytes: &Bytes,
    ) {
        let counters = &self.streams.counters;
        let viewers = self.stream_viewers(session);
        let keyframe = frame.flags.keyframe;
        let (delivered, ask_keyframe, self_ack) = self
            .streams
            .with(frame.stream, |stream| {
                let mut delivered = 0;
                let mut ask = false;
                for viewer in &viewers {
                    let pacing = stream.viewers.entry(viewer.clone()).or_default();
                    match pacing.offer(keyframe) {
                        Offer::Send => {
                            match self.router.send_frame(&Endpoint::ui(viewer), bytes.clone()) {
                                FrameSent::Queued => {
                                    pacing.sent(keyframe, frame.sequence);
                                    delivered += 1;
                                }
                                FrameSent::Full => {
                                    pacing.undeliverable();
                                    StreamCounters::count(&counters.skipped);
                                }
                                // Not connected: it starts from a keyframe when back.
                                FrameSent::Gone => *pacing = Default::default(),
                            }
                        }
                        Offer::Skip { ask_keyframe } => {
                            ask |= ask_keyframe;
                            StreamCounters::count(&counters.skipped);
                        }
                    }
                }
                // Viewers who left are forgotten.
                stream.viewers.retain(|v, _| viewers.contains(v));
                // Nobody took it: the kernel acknowledges it at once (as
                // the newest, so a viewer's older ack is not passed on
                // after it) and the source never waits for a viewer that
                // is not there.
                let self_ack = delivered == 0 && stream.source_acks.forward(frame.sequence);
                (delivered, ask, self_ack)
            })
            .unwrap_or((0, false, false));
        if delivered > 0 {
            StreamCounters::count(&counters.relayed);
        }
        if self_ack {
            self.send_control_frame(source, FrameKind::Ack, frame.stream, frame.sequence);
        }
        if ask_keyframe {
            self.send_control_frame(source, FrameKind::KeyframeRequest, frame.stream, 0);
        }
    }

    fn to_source(&self, source: &str, viewer: &str, frame: &StreamFrame<'_>, bytes: Bytes) {
        let counters = &self.streams.counters;
        let forward = match frame.kind {
            FrameKind::Ack => self
                .streams
                .with(frame.stream, |stream| {
                    let ask = stream
                        .viewers
                        .get_mut(viewer)
                        .is_some_and(|p| p.acked(frame.sequence));
                    if ask {
                        self.send_control_frame(
                            source,
                            FrameKind::KeyframeRequest,
                            frame.stream,
                            0,
                        );
                    }
                    stream.source_acks.forward(frame.sequence)
                })
                .unwrap_or(false),
            FrameKind::Input => match InputEvent::decode(frame.payload) {
                Ok(_) => true,
                Err(error) => {
                    tracing::debug!(stream = %frame.stream, %error, "input refused");
                    StreamCounters::count(&counters.refused);
                    false
                }
            },
            FrameKind::KeyframeRequest => match Decoders::decode(frame.payload) {
                Ok(_) => {
                    self.streams.with(frame.stream, |stream| {
                        if let Some(pacing) = stream.viewers.get_mut(viewer) {
                            pacing.restart();
                        }
                    });
                    true
                }
                Err(error) => {
                    tracing::debug!(stream = %frame.stream, %error, "keyframe request refused");
                    StreamCounters::count(&counters.refused);
                    false
                }
            },
            FrameKind::Picture => false,
        };
        if !forward {
            return;
        }
        match self.router.send_frame(&Endpoint::agent(source), bytes) {
            FrameSent::Queued => StreamCounters::count(&counters.relayed),
            // The agent reads far more slowly than it is sent to: counted
            // with the skipped pictures (its queue holds hundreds).
            FrameSent::Full => {
                tracing::debug!(stream = %frame.stream, kind = ?frame.kind, "the source's queue is full");
                StreamCounters::count(&counters.skipped);
            }
            FrameSent::Gone => {}
        }
    }

    /// An acknowledgement or keyframe request the kernel itself sends the
    /// source.
    fn send_control_frame(&self, source: &str, kind: FrameKind, stream: StreamId, sequence: u32) {
        let frame = StreamFrame {
            kind,
            flags: FrameFlags::default(),
            stream,
            sequence,
            payload: &[],
        };
        let _ = self
            .router
            .send_frame(&Endpoint::agent(source), Bytes::from(frame.encode()));
    }
}

fn opened_events(streams: Vec<(StreamInfo, String)>) -> Vec<ServerEvent> {
    streams
        .into_iter()
        .map(|(info, plugin)| ServerEvent::StreamOpened {
            session: info.session,
            stream: info.id,
            plugin,
            source: info.source,
            capability: info.capability,
            label: info.label,
            origin: info.origin,
            controller: info.controller,
        })
        .collect()
}
