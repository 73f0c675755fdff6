//! Relaying the binary frames sockets send: each one is decided by the
//! rules (`rules.rs`) for the socket that sent it, then pictures go to the
//! stream's viewers under pacing and what viewers send goes to the source.

use axum::body::Bytes;
use tether_protocol::file_frame::is_file_frame;
use tether_protocol::stream::{Decoders, FrameFlags, FrameKind, InputEvent, StreamFrame, StreamId};
use tether_protocol::{Capability, StreamOrigin};

use super::opening::party_of;
use super::pacing::Offer;
use super::rules::{self, Party, Route, Sender};
use super::table::StreamCounters;
use crate::consent::grants::GrantScope;
use crate::routing::{Endpoint, EndpointKind, FrameSent};
use crate::session::Sessions;
use crate::storage::{ParticipantRole, now_millis};

/// What the relay needs of a stream for one frame (copied out, so no lock
/// is held while it decides and sends).
struct Relayed {
    session: String,
    source: String,
    plugin: String,
    origin: StreamOrigin,
    controller: Option<String>,
    source_endpoint: Endpoint,
}

impl Sessions {
    /// Whether `bytes` is a frame of a stream open on this node (a console
    /// relays the others to the nodes running its sessions elsewhere).
    pub fn stream_is_here(&self, bytes: &Bytes) -> bool {
        StreamFrame::decode(bytes)
            .is_ok_and(|frame| self.streams.with(frame.stream, |_| ()).is_some())
    }

    /// One binary frame from a socket. `speaks_for` says which endpoint
    /// the socket is in a given session (a console is in several), or
    /// `None` where it is not in that session at all; it is asked once.
    /// Frames the socket may not send are dropped and counted; nothing is
    /// answered frame by frame.
    pub fn relay_frame(&self, bytes: Bytes, speaks_for: impl FnOnce(&str) -> Option<Endpoint>) {
        let counters = &self.streams.counters;
        // A call's files go from the kernel to an agent only: no client
        // sends one, whatever it says.
        if is_file_frame(&bytes) {
            tracing::warn!("a file frame from a client refused: only the kernel sends them");
            StreamCounters::count(&counters.refused);
            return;
        }
        let frame = match StreamFrame::decode(&bytes) {
            Ok(frame) => frame,
            Err(error) => {
                tracing::debug!(%error, "stream frame refused");
                StreamCounters::count(&counters.refused);
                return;
            }
        };
        let Some(stream) = self.streams.with(frame.stream, |s| Relayed {
            session: s.session.clone(),
            source: s.source.clone(),
            plugin: s.plugin.clone(),
            origin: s.origin,
            controller: s.controller.clone(),
            source_endpoint: s.source_endpoint(),
        }) else {
            StreamCounters::count(&counters.refused);
            return;
        };
        let endpoint = speaks_for(&stream.session);
        let sender = self.frame_sender(frame.stream, &stream, endpoint.as_ref(), frame.kind);
        let route = match rules::route(frame.kind, sender) {
            Ok(route) => route,
            Err(refusal) => {
                tracing::debug!(stream = %frame.stream, ?refusal, kind = ?frame.kind, "stream frame refused");
                StreamCounters::count(&counters.refused);
                return;
            }
        };
        match (route, endpoint) {
            (Route::ToViewers, _) => self.picture_to_viewers(&stream, &frame, &bytes),
            (Route::ToSource, Some(viewer)) => {
                let asking = sender == Sender::Offered;
                self.to_source(&stream, &viewer.participant, asking, &frame, bytes.clone());
            }
            (Route::ToSource, None) => {}
        }
    }

    /// Who the socket is to this stream (`rules::Sender`).
    fn frame_sender(
        &self,
        id: StreamId,
        stream: &Relayed,
        endpoint: Option<&Endpoint>,
        kind: FrameKind,
    ) -> Sender {
        let Some(endpoint) = endpoint else {
            return Sender::Stranger;
        };
        if *endpoint == stream.source_endpoint {
            return Sender::Source;
        }
        if endpoint.kind != EndpointKind::Ui {
            return Sender::Stranger;
        }
        let participant = endpoint.participant.as_str();
        let Some(role) = self.role_of(&stream.session, participant) else {
            return Sender::Stranger;
        };
        let party = party_of(role);
        let own = participant == stream.source;
        // May this page or console ever see the stream (asking included)?
        if !rules::sees(stream.origin, party, own, true) {
            return Sender::Stranger;
        }
        if party == Party::Customer
            && !self
                .streams
                .with(id, |s| s.asked.contains(participant))
                .unwrap_or(false)
        {
            return Sender::Offered;
        }
        let may_input = kind == FrameKind::Input && self.may_input(stream, participant, role);
        Sender::Viewer { may_input }
    }

    /// Whether `viewer` may control what the stream shows right now: for a
    /// customer's share, the session's host under a live control grant;
    /// for a CSR's application, the customer given control (while its CSR
    /// is still the host); for a browser's stream, nobody.
    fn may_input(&self, stream: &Relayed, viewer: &str, role: ParticipantRole) -> bool {
        match stream.origin {
            StreamOrigin::CustomerAgent => {
                role == ParticipantRole::Host
                    && self.control_granted(&stream.session, &stream.source, &stream.plugin)
            }
            StreamOrigin::CsrAgent => {
                stream.controller.as_deref() == Some(viewer)
                    && self.role_of(&stream.session, &stream.source) == Some(ParticipantRole::Host)
            }
            StreamOrigin::CsrBrowser => false,
        }
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

    fn picture_to_viewers(&self, stream: &Relayed, frame: &StreamFrame<'_>, bytes: &Bytes) {
        let counters = &self.streams.counters;
        let parties = self.parties(&stream.session);
        let keyframe = frame.flags.keyframe;
        let (delivered, ask_keyframe, self_ack) = self
            .streams
            .with(frame.stream, |open| {
                let viewers: Vec<&String> = parties
                    .iter()
                    .filter(|(id, party)| {
                        let own = *id == open.source;
                        rules::sees(open.origin, *party, own, open.asked.contains(id))
                    })
                    .map(|(id, _)| id)
                    .collect();
                let mut delivered = 0;
                let mut ask = false;
                for &viewer in &viewers {
                    let pacing = open.viewers.entry(viewer.clone()).or_default();
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
                // Viewers who left (or stopped asking) are forgotten.
                open.viewers.retain(|v, _| viewers.contains(&v));
                // Nobody took it: the kernel acknowledges it at once (as
                // the newest, so a viewer's older ack is not passed on
                // after it) and the source never waits for a viewer that
                // is not there.
                let self_ack = delivered == 0 && open.source_acks.forward(frame.sequence);
                (delivered, ask, self_ack)
            })
            .unwrap_or((0, false, false));
        if delivered > 0 {
            counters.relayed(bytes.len());
        }
        if self_ack {
            self.send_control_frame(stream, FrameKind::Ack, frame.stream, frame.sequence);
        }
        if ask_keyframe {
            self.send_control_frame(stream, FrameKind::KeyframeRequest, frame.stream, 0);
        }
    }

    /// What a viewer sends goes to the source, checked; `asking` when the
    /// sender is a customer page whose first keyframe request makes it a
    /// viewer.
    fn to_source(
        &self,
        stream: &Relayed,
        viewer: &str,
        asking: bool,
        frame: &StreamFrame<'_>,
        bytes: Bytes,
    ) {
        let counters = &self.streams.counters;
        let forward = match frame.kind {
            FrameKind::Ack => self
                .streams
                .with(frame.stream, |open| {
                    let ask = open
                        .viewers
                        .get_mut(viewer)
                        .is_some_and(|p| p.acked(frame.sequence));
                    if ask {
                        self.send_control_frame(
                            stream,
                            FrameKind::KeyframeRequest,
                            frame.stream,
                            0,
                        );
                    }
                    open.source_acks.forward(frame.sequence)
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
                    self.streams.with(frame.stream, |open| {
                        if asking {
                            tracing::debug!(stream = %frame.stream, viewer, "a customer's page asked to see the stream");
                            open.asked.insert(viewer.to_owned());
                        }
                        if let Some(pacing) = open.viewers.get_mut(viewer) {
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
        let size = bytes.len();
        match self.router.send_frame(&stream.source_endpoint, bytes) {
            FrameSent::Queued => counters.relayed(size),
            // The source reads far more slowly than it is sent to: counted
            // with the skipped pictures (an agent's queue holds hundreds).
            FrameSent::Full => {
                tracing::debug!(stream = %frame.stream, kind = ?frame.kind, "the source's queue is full");
                StreamCounters::count(&counters.skipped);
            }
            FrameSent::Gone => {}
        }
    }

    /// An acknowledgement or keyframe request the kernel itself sends the
    /// source.
    fn send_control_frame(&self, stream: &Relayed, kind: FrameKind, id: StreamId, sequence: u32) {
        let frame = StreamFrame {
            kind,
            flags: FrameFlags::default(),
            stream: id,
            sequence,
            payload: &[],
        };
        let _ = self
            .router
            .send_frame(&stream.source_endpoint, Bytes::from(frame.encode()));
    }
}
