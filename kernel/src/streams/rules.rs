//! Which way a stream frame may go, from whom (pure).
//!
//! The kernel relays binary frames by stream id only after this decides
//! the socket that sent one may: pictures come from the stream's source
//! (the customer's agent) and go to its viewers (the session's CSRs);
//! acknowledgements and keyframe requests come from viewers and go to the
//! source; input comes only from the session's host, only while a live
//! control permission exists, and goes to the source. Anything else is
//! refused — dropped and counted, never answered frame by frame.

use tether_protocol::stream::FrameKind;

/// Who sent a frame, as far as one stream is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// The stream's source: the agent of the participant it captures.
    Source,
    /// A viewer: a CSR console of the stream's session; `host` when that
    /// CSR is the session's host.
    Viewer { host: bool },
    /// Anyone else: another session's socket, the customer's page, a
    /// different customer's agent.
    Stranger,
}

/// Where an allowed frame goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    ToViewers,
    ToSource,
}

/// Why a frame is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The socket is neither the stream's source nor one of its viewers.
    NotYourStream,
    /// A viewer sent a picture, or the source sent what viewers send.
    WrongDirection,
    /// Input from a CSR who is not the session's host.
    NotHost,
    /// Input while no live permission to control covers the stream.
    NoControlGrant,
}

/// Decides one frame. `control_granted` is whether a live control grant
/// covers the stream's customer right now (asked per input frame, so
/// withdrawing it takes effect on the next event).
pub fn route(kind: FrameKind, sender: Sender, control_granted: bool) -> Result<Route, Refusal> {
    match (sender, kind) {
        (Sender::Stranger, _) => Err(Refusal::NotYourStream),
        (Sender::Source, FrameKind::Picture) => Ok(Route::ToViewers),
        (Sender::Source, _) | (Sender::Viewer { .. }, FrameKind::Picture) => {
            Err(Refusal::WrongDirection)
        }
        (Sender::Viewer { .. }, FrameKind::Ack | FrameKind::KeyframeRequest) => Ok(Route::ToSource),
        (Sender::Viewer { host: false }, FrameKind::Input) => Err(Refusal::NotHost),
        (Sender::Viewer { host: true }, FrameKind::Input) if !control_granted => {
            Err(Refusal::NoControlGrant)
        }
        (Sender::Viewer { host: true }, FrameKind::Input) => Ok(Route::ToSource),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FrameKind::*;
    use Refusal::*;
    use Route::*;

    const HOST: Sender = Sender::Viewer { host: true };
    const ASSISTANT: Sender = Sender::Viewer { host: false };

    #[test]
    fn the_table() {
        let table: &[(FrameKind, Sender, bool, Result<Route, Refusal>)] = &[
            // Pictures: only from the source, whatever the grants.
            (Picture, Sender::Source, false, Ok(ToViewers)),
            (Picture, HOST, true, Err(WrongDirection)),
            (Picture, ASSISTANT, true, Err(WrongDirection)),
            (Picture, Sender::Stranger, true, Err(NotYourStream)),
            // Input: the host, under a live control grant, only.
            (Input, HOST, true, Ok(ToSource)),
            (Input, HOST, false, Err(NoControlGrant)),
            (Input, ASSISTANT, true, Err(NotHost)),
            (Input, Sender::Source, true, Err(WrongDirection)),
            (Input, Sender::Stranger, true, Err(NotYourStream)),
            // Pacing and keyframes: any viewer.
            (Ack, HOST, false, Ok(ToSource)),
            (Ack, ASSISTANT, false, Ok(ToSource)),
            (Ack, Sender::Source, false, Err(WrongDirection)),
            (Ack, Sender::Stranger, false, Err(NotYourStream)),
            (KeyframeRequest, ASSISTANT, false, Ok(ToSource)),
            (KeyframeRequest, Sender::Source, false, Err(WrongDirection)),
            (KeyframeRequest, Sender::Stranger, true, Err(NotYourStream)),
        ];
        for &(kind, sender, control, expected) in table {
            assert_eq!(
                route(kind, sender, control),
                expected,
                "{kind:?} from {sender:?} (control granted: {control})"
            );
        }
    }
}
