//! What this agent shares on its connection (pure): the streams the kernel
//! announced to it, the share running on each, and who controls it. The
//! rules: a share only on a stream announced for `app.share` and not
//! shared yet; a share ends with its stream, its `app.share` call or its
//! window. Input is applied to a customer's application while an
//! `app.control` call gives the host CSR control (only of a stream shared
//! now and not controlled yet; it ends with the share or the call), and to
//! a CSR's application while the kernel names a controller and the CSR
//! has not taken control back ([`Gate`]).
//!
//! Generic over what runs a share (`W`) and what injects input (`I`), so
//! the rules are tested without threads or a display.

use std::collections::HashMap;

use tether_protocol::stream::StreamId;
use tether_protocol::{Capability, StreamOrigin};

use super::gate::{Effect, Gate};

/// Why a share or control is refused, in words for the CSR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("stream {0} was not opened from this computer for `app.share`")]
    NotAnnounced(StreamId),
    #[error("stream {stream} was opened for `{capability}`, not `app.share`")]
    WrongCapability {
        stream: StreamId,
        capability: Capability,
    },
    #[error("stream {0} already shares a window")]
    AlreadyShared(StreamId),
    #[error("nothing is shared on stream {0}")]
    NotShared(StreamId),
    #[error("stream {0} is already controlled")]
    AlreadyControlled(StreamId),
}

/// Why an input frame was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoInput {
    #[error("nothing is shared on the stream")]
    NotShared,
    #[error("nobody controls the stream")]
    NotControlled,
}

/// A stream the kernel opened from this computer.
#[derive(Debug, Clone)]
struct Announced {
    capability: Capability,
    origin: StreamOrigin,
    /// Who controls it, for a CSR's application (always closed for a
    /// customer's, whose control is the `app.control` call's).
    gate: Gate,
}

/// One share.
pub struct Share<W, I> {
    /// Tells this share from an earlier one on the same stream.
    pub serial: u64,
    /// The `app.share` call it answers.
    pub call: String,
    pub window: u32,
    /// What the customer's indicator says: the window's title...
    pub label: String,
    /// ...and who sees it.
    pub viewers: String,
    pub worker: W,
    /// Control given by an `app.control` call (a customer's application).
    pub control: Option<Control<I>>,
    /// Input for the controller the kernel names (a CSR's application):
    /// there while the stream's [`Gate`] is open.
    pub given: Option<I>,
    /// Input frames that came while nobody had control.
    pub refused_input: u64,
}

impl<W, I> Share<W, I> {
    /// The lasting calls this share answers: its own and its control's.
    pub fn calls(&self) -> Vec<String> {
        let mut calls = vec![self.call.clone()];
        calls.extend(self.control.as_ref().map(|c| c.call.clone()));
        calls
    }
}

/// Control of one share by the host CSR.
pub struct Control<I> {
    /// The `app.control` call that gave it.
    pub call: String,
    pub input: I,
}

/// What a call that was cancelled stopped.
pub enum Cancelled<W, I> {
    /// The share of an `app.share` call.
    Share(StreamId, Share<W, I>),
    /// Control given by an `app.control` call.
    Control(StreamId, Control<I>),
}

/// What changed for a share's input when the controller changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlChange {
    pub effect: Effect,
    /// The share's window, when one runs on the stream (input is started
    /// for it on [`Effect::Open`]).
    pub window: Option<u32>,
}

pub struct Registry<W, I> {
    announced: HashMap<StreamId, Announced>,
    shares: HashMap<StreamId, Share<W, I>>,
    next_serial: u64,
}

impl<W, I> Default for Registry<W, I> {
    fn default() -> Self {
        Registry {
            announced: HashMap::new(),
            shares: HashMap::new(),
            next_serial: 1,
        }
    }
}

impl<W, I> Registry<W, I> {
    /// The kernel opened `stream` from this computer (`stream.opened`).
    pub fn announce(&mut self, stream: StreamId, capability: Capability, origin: StreamOrigin) {
        self.announced.insert(
            stream,
            Announced {
                capability,
                origin,
                gate: Gate::Closed,
            },
        );
    }

    /// The kernel says who controls `stream` (`stream.control`, or the
    /// controller `stream.opened` names). Only a CSR's application is
    /// controlled this way: for a customer's the customer's own consent
    /// (`app.control`) decides, so the kernel's word changes nothing.
    pub fn controller_named(
        &mut self,
        stream: StreamId,
        controller: Option<String>,
    ) -> ControlChange {
        let window = self.shares.get(&stream).map(|share| share.window);
        let effect = match self.announced.get_mut(&stream) {
            Some(announced) if announced.origin == StreamOrigin::CsrAgent => {
                announced.gate.kernel_says(controller)
            }
            _ => Effect::Unchanged,
        };
        if effect != Effect::Unchanged
            && let Some(share) = self.shares.get_mut(&stream)
        {
            // A new controller starts afresh; none gets nothing.
            share.given = None;
        }
        ControlChange { effect, window }
    }

    /// The CSR takes control back of everything controlled: each gate
    /// closes now, and the streams whose controller the kernel must drop
    /// come back, in order, with the input to let go of.
    pub fn take_back_all(&mut self) -> Vec<(StreamId, Option<I>)> {
        let mut taken: Vec<StreamId> = self
            .announced
            .iter_mut()
            .filter_map(|(stream, announced)| announced.gate.take_back().then_some(*stream))
            .collect();
        taken.sort();
        taken
            .into_iter()
            .map(|stream| {
                let given = self.shares.get_mut(&stream).and_then(|s| s.given.take());
                (stream, given)
            })
            .collect()
    }

    /// The kernel answered the take-back of `stream`.
    pub fn take_back_answered(&mut self, stream: StreamId) {
        if let Some(announced) = self.announced.get_mut(&stream) {
            announced.gate.take_back_answered();
        }
    }

    /// Who controls `stream` by the kernel's word (a participant id).
    pub fn controller(&self, stream: StreamId) -> Option<&str> {
        self.announced.get(&stream)?.gate.controller()
    }

    pub fn origin(&self, stream: StreamId) -> Option<StreamOrigin> {
        self.announced.get(&stream).map(|a| a.origin)
    }

    /// Whether the share on `stream` needs input started for the
    /// controller the kernel named (it started after control was given).
    pub fn needs_given_input(&self, stream: StreamId) -> Option<u32> {
        let share = self.shares.get(&stream)?;
        let open = self.announced.get(&stream)?.gate.applies_input();
        (open && share.given.is_none()).then_some(share.window)
    }

    /// Installs the input for the controller of `stream`; gives it back
    /// when the gate closed or the share ended meanwhile.
    pub fn give_input(&mut self, stream: StreamId, input: I) -> Result<(), I> {
        let open = self
            .announced
            .get(&stream)
            .is_some_and(|a| a.gate.applies_input());
        match self.shares.get_mut(&stream) {
            Some(share) if open && share.given.is_none() => {
                share.given = Some(input);
                Ok(())
            }
            _ => Err(input),
        }
    }

    /// Where an input frame for `stream` goes: the `app.control` call's
    /// input, else the kernel-named controller's while the gate is open.
    /// Counts a refusal on the share.
    pub fn input_for(&mut self, stream: StreamId) -> Result<&I, NoInput> {
        let open = self
            .announced
            .get(&stream)
            .is_some_and(|a| a.gate.applies_input());
        let share = self.shares.get_mut(&stream).ok_or(NoInput::NotShared)?;
        if share.control.is_none() && !(open && share.given.is_some()) {
            share.refused_input += 1;
            return Err(NoInput::NotControlled);
        }
        let share = &*share;
        share
            .control
            .as_ref()
            .map(|control| &control.input)
            .or(share.given.as_ref())
            .ok_or(NoInput::NotControlled)
    }

    /// Whether `stream` may get a share now.
    pub fn may_share(&self, stream: StreamId) -> Result<(), Refusal> {
        match self.announced.get(&stream).map(|a| a.capability) {
            None => Err(Refusal::NotAnnounced(stream)),
            Some(Capability::AppShare) if self.shares.contains_key(&stream) => {
                Err(Refusal::AlreadyShared(stream))
            }
            Some(Capability::AppShare) => Ok(()),
            Some(capability) => Err(Refusal::WrongCapability { stream, capability }),
        }
    }

    /// A serial for the next share.
    pub fn next_serial(&mut self) -> u64 {
        let serial = self.next_serial;
        self.next_serial += 1;
        serial
    }

    /// Adds a share, if `stream` may still get one (it may have closed
    /// while the share started); gives the share back otherwise.
    #[allow(clippy::result_large_err)]
    pub fn insert(
        &mut self,
        stream: StreamId,
        share: Share<W, I>,
    ) -> Result<(), (Refusal, Share<W, I>)> {
        if let Err(refusal) = self.may_share(stream) {
            return Err((refusal, share));
        }
        self.shares.insert(stream, share);
        Ok(())
    }

    /// The window shared on `stream`, if control may be given now.
    pub fn may_control(&self, stream: StreamId) -> Result<u32, Refusal> {
        match self.shares.get(&stream) {
            None => Err(Refusal::NotShared(stream)),
            Some(share) if share.control.is_some() => Err(Refusal::AlreadyControlled(stream)),
            Some(share) => Ok(share.window),
        }
    }

    /// Gives control of `stream`'s share, if still allowed (the share may
    /// have ended meanwhile); gives the control back otherwise.
    #[allow(clippy::result_large_err)]
    pub fn control(
        &mut self,
        stream: StreamId,
        control: Control<I>,
    ) -> Result<(), (Refusal, Control<I>)> {
        if let Err(refusal) = self.may_control(stream) {
            return Err((refusal, control));
        }
        match self.shares.get_mut(&stream) {
            Some(share) => {
                share.control = Some(control);
                Ok(())
            }
            None => Err((Refusal::NotShared(stream), control)),
        }
    }

    pub fn share_mut(&mut self, stream: StreamId) -> Option<&mut Share<W, I>> {
        self.shares.get_mut(&stream)
    }

    pub fn shares(&self) -> impl Iterator<Item = (&StreamId, &Share<W, I>)> {
        self.shares.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.shares.is_empty()
    }

    pub fn is_announced(&self, stream: StreamId) -> bool {
        self.announced.contains_key(&stream)
    }

    /// Takes the share off `stream` (it could not start after all).
    pub fn remove(&mut self, stream: StreamId) -> Option<Share<W, I>> {
        self.shares.remove(&stream)
    }

    /// The kernel closed `stream`: its share, if any, ends.
    pub fn closed(&mut self, stream: StreamId) -> Option<Share<W, I>> {
        self.announced.remove(&stream);
        self.shares.remove(&stream)
    }

    /// The share `serial` on `stream` ended by itself; `None` when that
    /// share is not running any more (stopped meanwhile).
    pub fn ended(&mut self, stream: StreamId, serial: u64) -> Option<Share<W, I>> {
        if self.shares.get(&stream)?.serial != serial {
            return None;
        }
        self.shares.remove(&stream)
    }

    /// The kernel cancelled `call`: the share or the control it gave ends.
    pub fn cancelled(&mut self, call: &str) -> Option<Cancelled<W, I>> {
        let stream = self
            .shares
            .iter()
            .find_map(|(stream, share)| (share.call == call).then_some(*stream));
        if let Some(stream) = stream {
            return self
                .shares
                .remove(&stream)
                .map(|share| Cancelled::Share(stream, share));
        }
        self.shares.iter_mut().find_map(|(stream, share)| {
            if share.control.as_ref().is_some_and(|c| c.call == call) {
                share
                    .control
                    .take()
                    .map(|control| Cancelled::Control(*stream, control))
            } else {
                None
            }
        })
    }

    /// Every share ends (the customer stopped sharing, the connection
    /// ended).
    pub fn take_all(&mut self) -> Vec<(StreamId, Share<W, I>)> {
        let mut all: Vec<_> = self.shares.drain().collect();
        all.sort_by_key(|(stream, _)| *stream);
        all
    }

    /// Forgets the streams announced (the connection ended: the kernel
    /// closed them).
    pub fn forget_streams(&mut self) {
        self.announced.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Table = Registry<&'static str, &'static str>;

    fn id(n: u32) -> StreamId {
        StreamId::new(n).expect("not 0")
    }

    fn share(table: &mut Table, call: &str) -> Share<&'static str, &'static str> {
        Share {
            serial: table.next_serial(),
            call: call.into(),
            window: 0x40_0001,
            label: "Invoice".into(),
            viewers: "Anna".into(),
            worker: "worker",
            control: None,
            given: None,
            refused_input: 0,
        }
    }

    fn control(call: &str) -> Control<&'static str> {
        Control {
            call: call.into(),
            input: "input",
        }
    }

    #[test]
    fn a_share_needs_a_stream_announced_for_app_share_and_not_shared_yet() {
        let mut table = Table::default();
        assert_eq!(table.may_share(id(1)), Err(Refusal::NotAnnounced(id(1))));
        table.announce(id(2), Capability::AppControl, StreamOrigin::CustomerAgent);
        assert_eq!(
            table.may_share(id(2)),
            Err(Refusal::WrongCapability {
                stream: id(2),
                capability: Capability::AppControl
            })
        );
        table.announce(id(1), Capability::AppShare, StreamOrigin::CustomerAgent);
        assert_eq!(table.may_share(id(1)), Ok(()));
        let first = share(&mut table, "c1");
        assert!(table.insert(id(1), first).is_ok());
        assert_eq!(table.may_share(id(1)), Err(Refusal::AlreadyShared(id(1))));
        let second = share(&mut table, "c2");
        let (refusal, back) = table.insert(id(1), second).expect_err("refused");
        assert_eq!(refusal, Refusal::AlreadyShared(id(1)));
        assert_eq!(
            back.call, "c2",
            "the refused share comes back to be stopped"
        );
        assert_eq!(
            table
                .take_all()
                .into_iter()
                .map(|(_, s)| s.call)
                .collect::<Vec<_>>(),
            ["c1"]
        );
    }

    #[test]
    fn a_stream_closed_while_its_share_started_refuses_it() {
        let mut table = Table::default();
        table.announce(id(1), Capability::AppShare, StreamOrigin::CustomerAgent);
        assert_eq!(table.may_share(id(1)), Ok(()));
        assert!(table.closed(id(1)).is_none());
        let late = share(&mut table, "c1");
        let (refusal, _) = table.insert(id(1), late).expect_err("refused");
        assert_eq!(refusal, Refusal::NotAnnounced(id(1)));
        assert!(table.is_empty());
    }

    #[test]
    fn control_only_of_a_share_and_only_once() {
        let mut table = Table::default();
        assert_eq!(table.may_control(id(1)), Err(Refusal::NotShared(id(1))));
        table.announce(id(1), Capability::AppShare, StreamOrigin::CustomerAgent);
        let shared = share(&mut table, "c1");
        assert!(table.insert(id(1), shared).is_ok());
        assert_eq!(table.may_control(id(1)), Ok(0x40_0001));
        assert!(table.control(id(1), control("k1")).is_ok());
        assert_eq!(
            table.may_control(id(1)),
            Err(Refusal::AlreadyControlled(id(1)))
        );
        let (refusal, _) = table.control(id(1), control("k2")).expect_err("refused");
        assert_eq!(refusal, Refusal::AlreadyControlled(id(1)));
        let calls = table.share_mut(id(1)).expect("shared").calls();
        assert_eq!(calls, ["c1", "k1"]);
    }

    #[test]
    fn cancelling_a_control_call_ends_control_only_and_a_share_call_the_share() {
        let mut table = Table::default();
        table.announce(id(1), Capability::AppShare, StreamOrigin::CustomerAgent);
        let shared = share(&mut table, "c1");
        assert!(table.insert(id(1), shared).is_ok());
        assert!(table.control(id(1), control("k1")).is_ok());
        assert!(table.cancelled("unknown").is_none());
        match table.cancelled("k1") {
            Some(Cancelled::Control(stream, control)) => {
                assert_eq!((stream, control.call.as_str()), (id(1), "k1"))
            }
            _ => panic!("control ends"),
        }
        assert!(
            table
                .share_mut(id(1))
                .expect("still shared")
                .control
                .is_none()
        );
        assert!(table.control(id(1), control("k2")).is_ok(), "given again");
        match table.cancelled("c1") {
            Some(Cancelled::Share(stream, share)) => {
                assert_eq!(stream, id(1));
                assert_eq!(share.calls(), ["c1", "k2"]);
            }
            _ => panic!("the share ends"),
        }
        assert!(table.is_empty());
        assert!(
            table.is_announced(id(1)),
            "the stream is the kernel's to close"
        );
    }

    #[test]
    fn a_share_that_ended_by_itself_is_removed_only_if_still_the_same() {
        let mut table = Table::default();
        table.announce(id(1), Capability::AppShare, StreamOrigin::CustomerAgent);
        let first = share(&mut table, "c1");
        let old_serial = first.serial;
        assert!(table.insert(id(1), first).is_ok());
        assert!(table.closed(id(1)).is_some());
        table.announce(id(1), Capability::AppShare, StreamOrigin::CustomerAgent);
        let second = share(&mut table, "c2");
        assert!(table.insert(id(1), second).is_ok());
        assert!(
            table.ended(id(1), old_serial).is_none(),
            "an old share's end"
        );
        let serial = table.share_mut(id(1)).expect("shared").serial;
        assert_eq!(
            table.ended(id(1), serial).map(|s| s.call),
            Some("c2".into())
        );
        assert!(table.ended(id(9), serial).is_none());
    }

    #[test]
    fn the_connection_ending_takes_every_share_and_forgets_the_streams() {
        let mut table = Table::default();
        for n in [3, 1, 2] {
            table.announce(id(n), Capability::AppShare, StreamOrigin::CustomerAgent);
            let shared = share(&mut table, &format!("c{n}"));
            assert!(table.insert(id(n), shared).is_ok());
        }
        let streams: Vec<StreamId> = table.take_all().into_iter().map(|(s, _)| s).collect();
        assert_eq!(streams, [id(1), id(2), id(3)]);
        table.forget_streams();
        assert_eq!(table.may_share(id(1)), Err(Refusal::NotAnnounced(id(1))));
    }

    /// A CSR's application shared on `stream`.
    fn csrs(table: &mut Table, stream: StreamId) {
        table.announce(stream, Capability::AppShare, StreamOrigin::CsrAgent);
        let shared = share(table, "c1");
        assert!(table.insert(stream, shared).is_ok());
    }

    #[test]
    fn a_csrs_application_takes_input_while_the_kernel_names_a_controller() {
        let mut table = Table::default();
        csrs(&mut table, id(1));
        assert_eq!(table.input_for(id(1)).err(), Some(NoInput::NotControlled));
        assert_eq!(table.needs_given_input(id(1)), None);

        let change = table.controller_named(id(1), Some("carl".into()));
        assert_eq!(
            change,
            ControlChange {
                effect: Effect::Open {
                    controller: "carl".into()
                },
                window: Some(0x40_0001)
            }
        );
        assert_eq!(table.controller(id(1)), Some("carl"));
        assert_eq!(table.needs_given_input(id(1)), Some(0x40_0001));
        assert_eq!(table.input_for(id(1)).err(), Some(NoInput::NotControlled));
        assert!(table.give_input(id(1), "carl's input").is_ok());
        assert_eq!(table.needs_given_input(id(1)), None);
        assert_eq!(table.input_for(id(1)), Ok(&"carl's input"));

        // Given to another: the first one's input ends (keys let go).
        let change = table.controller_named(id(1), Some("dora".into()));
        assert!(matches!(change.effect, Effect::Open { .. }));
        assert_eq!(table.input_for(id(1)).err(), Some(NoInput::NotControlled));
        assert!(table.give_input(id(1), "dora's input").is_ok());
        assert_eq!(
            table.give_input(id(1), "twice"),
            Err("twice"),
            "one input at a time"
        );

        // Nobody any more.
        let change = table.controller_named(id(1), None);
        assert_eq!(change.effect, Effect::Close);
        assert_eq!(table.input_for(id(1)).err(), Some(NoInput::NotControlled));
        assert_eq!(table.give_input(id(1), "late"), Err("late"));
        let refused = table.share_mut(id(1)).expect("shared").refused_input;
        assert_eq!(refused, 4, "each refused frame is counted");
        assert_eq!(
            table.input_for(id(9)).err(),
            Some(NoInput::NotShared),
            "a stream not shared here"
        );
    }

    #[test]
    fn control_given_before_the_share_started_applies_once_it_runs() {
        let mut table = Table::default();
        table.announce(id(1), Capability::AppShare, StreamOrigin::CsrAgent);
        let change = table.controller_named(id(1), Some("carl".into()));
        assert_eq!(change.window, None, "no share yet");
        assert_eq!(table.give_input(id(1), "early"), Err("early"));
        let shared = share(&mut table, "c1");
        assert!(table.insert(id(1), shared).is_ok());
        assert_eq!(table.needs_given_input(id(1)), Some(0x40_0001));
        assert!(table.give_input(id(1), "input").is_ok());
        assert_eq!(table.input_for(id(1)), Ok(&"input"));
    }

    #[test]
    fn the_kernel_naming_a_controller_of_a_customers_application_changes_nothing() {
        let mut table = Table::default();
        table.announce(id(1), Capability::AppShare, StreamOrigin::CustomerAgent);
        let shared = share(&mut table, "c1");
        assert!(table.insert(id(1), shared).is_ok());
        let change = table.controller_named(id(1), Some("carl".into()));
        assert_eq!(change.effect, Effect::Unchanged);
        assert_eq!(table.controller(id(1)), None);
        assert_eq!(table.give_input(id(1), "input"), Err("input"));
        assert_eq!(table.input_for(id(1)).err(), Some(NoInput::NotControlled));
        // Its own control is the `app.control` call's, as before.
        assert!(table.control(id(1), control("k1")).is_ok());
        assert_eq!(table.input_for(id(1)), Ok(&"input"));
        // A stream never announced: nothing either.
        assert_eq!(
            table.controller_named(id(7), Some("carl".into())).effect,
            Effect::Unchanged
        );
    }

    #[test]
    fn taking_back_closes_every_controlled_stream_at_once_until_the_kernel_answers() {
        let mut table = Table::default();
        for n in [2, 1, 3] {
            csrs(&mut table, id(n));
        }
        for n in [2, 1] {
            table.controller_named(id(n), Some("carl".into()));
            assert!(table.give_input(id(n), "input").is_ok());
        }
        let taken = table.take_back_all();
        assert_eq!(
            taken,
            [(id(1), Some("input")), (id(2), Some("input"))],
            "the controlled ones, with the input to let go of"
        );
        for n in [1, 2, 3] {
            assert_eq!(table.input_for(id(n)).err(), Some(NoInput::NotControlled));
            assert_eq!(table.controller(id(n)), None);
        }
        assert!(table.take_back_all().is_empty(), "nothing more to take");
        // What the kernel said before it heard reopens nothing...
        let late = table.controller_named(id(1), Some("carl".into()));
        assert_eq!(late.effect, Effect::Unchanged);
        assert_eq!(table.needs_given_input(id(1)), None);
        // ...until it answered; then its word counts again.
        table.take_back_answered(id(1));
        let again = table.controller_named(id(1), Some("carl".into()));
        assert!(matches!(again.effect, Effect::Open { .. }));
        // Stream 2 waits until the kernel says nobody controls it.
        assert_eq!(
            table.controller_named(id(2), Some("carl".into())).effect,
            Effect::Unchanged
        );
        table.controller_named(id(2), None);
        assert!(matches!(
            table.controller_named(id(2), Some("carl".into())).effect,
            Effect::Open { .. }
        ));
    }
}
