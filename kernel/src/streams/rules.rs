//! Who hears of a stream, who sees its pictures, and which way a frame may
//! go, from whom (pure).
//!
//! A stream comes from a source: a customer's agent (an application the
//! customer shares with the CSRs), or the host CSR's own agent or console
//! (an application or screen the CSR shows the customers). The kernel
//! relays binary frames by stream id only after this decides the socket
//! that sent one may: pictures come from the source and go to its viewers;
//! acknowledgements and keyframe requests come from viewers and go to the
//! source; input comes only from the viewer the relay says may give it (the
//! host under a live control permission for a customer's stream, the
//! customer the CSR gave control to for a CSR's application) and goes to
//! the source. Anything else is refused — dropped and counted, never
//! answered frame by frame.

use tether_protocol::StreamOrigin;
use tether_protocol::stream::FrameKind;

/// What a participant is to a stream's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// The host or an assistant.
    Csr,
    Customer,
}

/// Whether a participant's page or console (`agent` false) or agent
/// (`agent` true) is told of a stream: `stream.opened`, `stream.closed` and
/// `stream.control`. `own` when the participant is the stream's source.
///
/// * a customer's stream: every CSR console, and the customer's own page
///   (which lists what they share, with Stop) and agent;
/// * a CSR's stream: every participant's page or console — the customers
///   and assistants it is shown to, and the source's own console, which
///   lists what it shows — and, when the CSR's agent sends it, that agent.
pub fn hears_of(origin: StreamOrigin, party: Party, own: bool, agent: bool) -> bool {
    match (origin, agent) {
        (StreamOrigin::CustomerAgent, false) => party == Party::Csr || own,
        (StreamOrigin::CustomerAgent | StreamOrigin::CsrAgent, true) => own,
        (StreamOrigin::CsrBrowser, true) => false,
        (StreamOrigin::CsrAgent | StreamOrigin::CsrBrowser, false) => true,
    }
}

/// Whether pictures of a stream may reach a participant's page or
/// console. `asked` when the participant's page asked for them (a
/// keyframe request on the stream, its "View").
///
/// The source never sees its own stream. A customer's stream goes to the
/// CSRs; a CSR's stream goes to the other CSRs at once and to a customer
/// only once their page asked — a customer is shown something, never sent
/// it unasked.
pub fn sees(origin: StreamOrigin, party: Party, own: bool, asked: bool) -> bool {
    if own {
        return false;
    }
    match (origin, party) {
        (StreamOrigin::CustomerAgent, party) => party == Party::Csr,
        (StreamOrigin::CsrAgent | StreamOrigin::CsrBrowser, Party::Csr) => true,
        (StreamOrigin::CsrAgent | StreamOrigin::CsrBrowser, Party::Customer) => asked,
    }
}

/// Who sent a frame, as far as one stream is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// The stream's source: the agent (or, for a browser's stream, the
    /// console) that sends its pictures.
    Source,
    /// A viewer; `may_input` when the relay found that this viewer may
    /// control what is shown right now (asked per input frame, so taking
    /// control away takes effect on the next event).
    Viewer { may_input: bool },
    /// A customer page a CSR's stream is offered to that has not asked for
    /// its pictures yet: its first keyframe request is its asking.
    Offered,
    /// Anyone else: another session's socket, the source customer's own
    /// page, a CSR's console for its own application, an agent that is not
    /// the source.
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
    /// Input from a viewer who may not control what is shown (not the
    /// host, no live control permission, not the customer given control).
    NotInControl,
    /// A customer page that has not asked for the stream's pictures sent
    /// what only a viewer sends.
    NotViewing,
}

/// Decides one frame.
pub fn route(kind: FrameKind, sender: Sender) -> Result<Route, Refusal> {
    match (sender, kind) {
        (Sender::Stranger, _) => Err(Refusal::NotYourStream),
        (Sender::Source, FrameKind::Picture) => Ok(Route::ToViewers),
        (Sender::Source, _) | (Sender::Viewer { .. } | Sender::Offered, FrameKind::Picture) => {
            Err(Refusal::WrongDirection)
        }
        (Sender::Viewer { .. } | Sender::Offered, FrameKind::KeyframeRequest)
        | (Sender::Viewer { .. }, FrameKind::Ack) => Ok(Route::ToSource),
        (Sender::Offered, FrameKind::Ack | FrameKind::Input) => Err(Refusal::NotViewing),
        (Sender::Viewer { may_input: false }, FrameKind::Input) => Err(Refusal::NotInControl),
        (Sender::Viewer { may_input: true }, FrameKind::Input) => Ok(Route::ToSource),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FrameKind::*;
    use Refusal::*;
    use Route::*;
    use StreamOrigin::*;

    const IN_CONTROL: Sender = Sender::Viewer { may_input: true };
    const WATCHING: Sender = Sender::Viewer { may_input: false };

    #[test]
    fn the_frame_table() {
        let table: &[(FrameKind, Sender, Result<Route, Refusal>)] = &[
            // Pictures: only from the source.
            (Picture, Sender::Source, Ok(ToViewers)),
            (Picture, IN_CONTROL, Err(WrongDirection)),
            (Picture, WATCHING, Err(WrongDirection)),
            (Picture, Sender::Offered, Err(WrongDirection)),
            (Picture, Sender::Stranger, Err(NotYourStream)),
            // Input: only the viewer in control.
            (Input, IN_CONTROL, Ok(ToSource)),
            (Input, WATCHING, Err(NotInControl)),
            (Input, Sender::Offered, Err(NotViewing)),
            (Input, Sender::Source, Err(WrongDirection)),
            (Input, Sender::Stranger, Err(NotYourStream)),
            // Pacing: any viewer.
            (Ack, IN_CONTROL, Ok(ToSource)),
            (Ack, WATCHING, Ok(ToSource)),
            (Ack, Sender::Offered, Err(NotViewing)),
            (Ack, Sender::Source, Err(WrongDirection)),
            (Ack, Sender::Stranger, Err(NotYourStream)),
            // Keyframes: any viewer, and a page asking to become one.
            (KeyframeRequest, WATCHING, Ok(ToSource)),
            (KeyframeRequest, Sender::Offered, Ok(ToSource)),
            (KeyframeRequest, Sender::Source, Err(WrongDirection)),
            (KeyframeRequest, Sender::Stranger, Err(NotYourStream)),
        ];
        for &(kind, sender, expected) in table {
            assert_eq!(route(kind, sender), expected, "{kind:?} from {sender:?}");
        }
    }

    #[test]
    fn who_hears_of_a_stream() {
        use Party::*;
        // (origin, party, own, agent endpoint, hears)
        let table: &[(StreamOrigin, Party, bool, bool, bool)] = &[
            // A customer's share: the CSRs, and the customer's page and agent.
            (CustomerAgent, Csr, false, false, true),
            (CustomerAgent, Customer, true, false, true),
            (CustomerAgent, Customer, true, true, true),
            (CustomerAgent, Customer, false, false, false),
            (CustomerAgent, Customer, false, true, false),
            (CustomerAgent, Csr, false, true, false),
            // A CSR's application: every page and console, and its agent.
            (CsrAgent, Customer, false, false, true),
            (CsrAgent, Csr, false, false, true),
            (CsrAgent, Csr, true, false, true),
            (CsrAgent, Csr, true, true, true),
            (CsrAgent, Customer, false, true, false),
            (CsrAgent, Csr, false, true, false),
            // A CSR's browser: every page and console, no agent.
            (CsrBrowser, Customer, false, false, true),
            (CsrBrowser, Csr, true, false, true),
            (CsrBrowser, Csr, true, true, false),
            (CsrBrowser, Customer, false, true, false),
        ];
        for &(origin, party, own, agent, expected) in table {
            assert_eq!(
                hears_of(origin, party, own, agent),
                expected,
                "{origin:?} {party:?} own {own} agent {agent}"
            );
        }
    }

    #[test]
    fn who_sees_a_streams_pictures() {
        use Party::*;
        // (origin, party, own, asked, sees)
        let table: &[(StreamOrigin, Party, bool, bool, bool)] = &[
            (CustomerAgent, Csr, false, false, true),
            (CustomerAgent, Customer, true, true, false),
            (CustomerAgent, Customer, false, true, false),
            // Customers see a CSR's stream only once they asked.
            (CsrAgent, Customer, false, false, false),
            (CsrAgent, Customer, false, true, true),
            (CsrBrowser, Customer, false, false, false),
            (CsrBrowser, Customer, false, true, true),
            // Assistants at once; the source never.
            (CsrAgent, Csr, false, false, true),
            (CsrBrowser, Csr, false, false, true),
            (CsrAgent, Csr, true, true, false),
            (CsrBrowser, Csr, true, true, false),
        ];
        for &(origin, party, own, asked, expected) in table {
            assert_eq!(
                sees(origin, party, own, asked),
                expected,
                "{origin:?} {party:?} own {own} asked {asked}"
            );
        }
    }
}
