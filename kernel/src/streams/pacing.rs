//! Backpressure (pure): a viewer gets at most [`MAX_IN_FLIGHT`] pictures it
//! has not acknowledged; one that falls behind (or whose connection queue
//! is full) is dropped to keyframes — it skips pictures until the next
//! keyframe, which the kernel asks the source for once the viewer has
//! caught up. So a slow viewer never grows the kernel's memory and never
//! sees a picture its decoder cannot use. The source is paced by the
//! fastest viewer's acknowledgements ([`SourceAcks`]); a picture nobody
//! could take is acknowledged by the kernel at once, so the source never
//! waits for a viewer that is not there.

/// Pictures one viewer may have unacknowledged.
pub const MAX_IN_FLIGHT: u32 = 2;

/// What to do with one picture for one viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    Send,
    /// Not this one; `ask_keyframe` when the source should be asked for a
    /// keyframe on this viewer's behalf now.
    Skip {
        ask_keyframe: bool,
    },
}

/// One viewer of one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewerPacing {
    /// The sequences sent and not yet acknowledged, oldest first (at most
    /// [`MAX_IN_FLIGHT`]). An acknowledgement covers its picture and every
    /// older one, as the source counts it.
    in_flight: Vec<u32>,
    /// Dropped (or new): only a keyframe may come next.
    waiting_for_keyframe: bool,
    /// A keyframe was asked for since the viewer started waiting.
    keyframe_asked: bool,
}

impl Default for ViewerPacing {
    /// A new viewer starts at a keyframe.
    fn default() -> Self {
        ViewerPacing {
            in_flight: Vec::new(),
            waiting_for_keyframe: true,
            keyframe_asked: false,
        }
    }
}

impl ViewerPacing {
    /// A picture arrived from the source.
    pub fn offer(&mut self, keyframe: bool) -> Offer {
        if self.in_flight.len() >= MAX_IN_FLIGHT as usize {
            self.waiting_for_keyframe = true;
            return Offer::Skip {
                ask_keyframe: false,
            };
        }
        if self.waiting_for_keyframe && !keyframe {
            return Offer::Skip {
                ask_keyframe: self.ask_once(),
            };
        }
        Offer::Send
    }

    /// The picture offered (`sequence`) went into the viewer's connection
    /// queue.
    pub fn sent(&mut self, keyframe: bool, sequence: u32) {
        self.in_flight.push(sequence);
        if keyframe {
            self.waiting_for_keyframe = false;
            self.keyframe_asked = false;
        }
    }

    /// The viewer's connection queue was full: the picture is dropped.
    pub fn undeliverable(&mut self) {
        self.waiting_for_keyframe = true;
    }

    /// The viewer acknowledged picture `sequence` (and so every older one
    /// it was sent). Returns whether to ask the source for a keyframe now
    /// (the viewer caught up after a drop). An acknowledgement of nothing
    /// in flight changes nothing.
    pub fn acked(&mut self, sequence: u32) -> bool {
        self.in_flight.retain(|&sent| newer(sent, sequence));
        self.waiting_for_keyframe
            && self.in_flight.len() < MAX_IN_FLIGHT as usize
            && self.ask_once()
    }

    /// The viewer asked for a keyframe: it holds no picture it can use (it
    /// just started — a panel loading, a view shown again — or could not
    /// decode). What it was sent and never acknowledged is forgotten (it
    /// never will be), and it starts again at the next keyframe, which its
    /// own request asks the source for.
    pub fn restart(&mut self) {
        self.in_flight.clear();
        self.waiting_for_keyframe = true;
        self.keyframe_asked = true;
    }

    fn ask_once(&mut self) -> bool {
        !std::mem::replace(&mut self.keyframe_asked, true)
    }
}

/// Which acknowledgements reach the source: each sequence once, newest
/// first wins (sequences wrap around).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceAcks {
    newest: Option<u32>,
}

impl SourceAcks {
    /// Whether to pass an acknowledgement of `sequence` to the source.
    pub fn forward(&mut self, sequence: u32) -> bool {
        let newer = match self.newest {
            None => true,
            Some(newest) => newer(sequence, newest),
        };
        if newer {
            self.newest = Some(sequence);
        }
        newer
    }
}

/// Whether sequence `a` comes after `b`, in serial-number order (up to
/// half the range ahead is newer: sequences wrap around).
fn newer(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEND: Offer = Offer::Send;
    const SKIP: Offer = Offer::Skip {
        ask_keyframe: false,
    };
    const SKIP_AND_ASK: Offer = Offer::Skip { ask_keyframe: true };

    #[test]
    fn a_new_viewer_starts_at_a_keyframe_and_asks_once() {
        let mut viewer = ViewerPacing::default();
        assert_eq!(viewer.offer(false), SKIP_AND_ASK);
        assert_eq!(viewer.offer(false), SKIP, "asked already");
        assert_eq!(viewer.offer(true), SEND);
        viewer.sent(true, 3);
        assert_eq!(viewer.offer(false), SEND);
    }

    #[test]
    fn a_slow_viewer_is_dropped_to_keyframes_and_resumes_after_catching_up() {
        let mut viewer = ViewerPacing::default();
        for (sequence, keyframe) in [(1, true), (2, false)] {
            assert_eq!(viewer.offer(keyframe), SEND);
            viewer.sent(keyframe, sequence);
        }
        // Two unacknowledged: even a keyframe waits.
        assert_eq!(viewer.offer(false), SKIP);
        assert_eq!(viewer.offer(true), SKIP);
        // One acknowledgement: room again, and a keyframe is asked for.
        assert!(viewer.acked(1));
        assert_eq!(viewer.offer(false), SKIP, "deltas until the keyframe");
        assert!(!viewer.acked(2), "asked once");
        assert_eq!(viewer.offer(true), SEND);
        viewer.sent(true, 5);
        assert_eq!(viewer.offer(false), SEND);
    }

    #[test]
    fn a_full_connection_queue_drops_to_keyframes_too() {
        let mut viewer = ViewerPacing::default();
        assert_eq!(viewer.offer(true), SEND);
        viewer.sent(true, 1);
        assert_eq!(viewer.offer(false), SEND);
        viewer.undeliverable();
        assert_eq!(viewer.offer(false), SKIP_AND_ASK);
        assert_eq!(viewer.offer(true), SEND);
    }

    #[test]
    fn stray_acknowledgements_change_nothing() {
        let mut viewer = ViewerPacing::default();
        viewer.offer(true);
        viewer.sent(true, 10);
        viewer.offer(false);
        viewer.sent(false, 11);
        // Acknowledging pictures older than any in flight frees nothing.
        for stale in [9, 3, u32::MAX - 5] {
            viewer.acked(stale);
            assert_eq!(
                viewer.offer(false),
                SKIP,
                "still two in flight after {stale}"
            );
        }
        viewer.acked(10);
        assert_eq!(viewer.offer(true), SEND);
    }

    #[test]
    fn a_viewer_asking_for_a_keyframe_starts_again_at_the_next_one() {
        let mut viewer = ViewerPacing::default();
        for (sequence, keyframe) in [(1, true), (2, false)] {
            viewer.offer(keyframe);
            viewer.sent(keyframe, sequence);
        }
        // Pictures it never showed (its panel was loading) are never
        // acknowledged: without its request it would stay frozen.
        assert_eq!(viewer.offer(true), SKIP);
        viewer.restart();
        assert_eq!(
            viewer.offer(false),
            SKIP,
            "its own request asked for the keyframe already"
        );
        assert_eq!(viewer.offer(true), SEND);
        viewer.sent(true, 5);
        assert_eq!(viewer.offer(false), SEND);
    }

    #[test]
    fn an_acknowledgement_covers_every_older_picture() {
        let mut viewer = ViewerPacing::default();
        viewer.offer(true);
        viewer.sent(true, u32::MAX);
        viewer.offer(false);
        viewer.sent(false, 0);
        assert_eq!(viewer.offer(false), SKIP, "two in flight");
        // The newest acknowledged (across the wrap): both are done, and
        // the viewer, dropped to keyframes by the skip, asks for one.
        assert!(viewer.acked(0));
        viewer.offer(true);
        viewer.sent(true, 1);
        viewer.offer(false);
        viewer.sent(false, 2);
        assert!(!viewer.acked(2));
        assert_eq!(viewer.offer(false), SEND, "nothing in flight");
    }

    #[test]
    fn the_source_hears_each_newer_acknowledgement_once() {
        let mut acks = SourceAcks::default();
        assert!(acks.forward(5));
        assert!(
            !acks.forward(5),
            "a second viewer's ack of the same picture"
        );
        assert!(!acks.forward(4), "older");
        assert!(acks.forward(6));
        let mut acks = SourceAcks::default();
        assert!(acks.forward(u32::MAX));
        assert!(acks.forward(0), "sequences wrap around");
        assert!(!acks.forward(u32::MAX - 3));
    }
}
