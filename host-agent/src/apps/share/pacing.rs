//! When a share sends its next picture (pure): at most
//! [`MAX_UNACKNOWLEDGED`] pictures the viewers have not acknowledged, at
//! most 30 a second (one per [`FRAME_INTERVAL`]), only when the window
//! changed or a keyframe is owed. Damage that comes while no picture may
//! go only marks the window changed, so the picture sent once a slot frees
//! is grabbed then — the newest, never a queue of stale ones.
//!
//! The interval runs from when the previous picture was due, not from when
//! it went: a picture that goes a little late (the thread woke late, the
//! acknowledgement came just after) does not delay the ones after it, so a
//! window in full motion gets its 30 pictures a second — and no more,
//! however fast the viewers acknowledge: beyond that, full motion only
//! costs the customer's processor.
//!
//! An acknowledgement names the sequence of the picture it acknowledges;
//! it acknowledges every picture up to that one (the kernel passes on only
//! the newest of its viewers' acknowledgements). Sequences wrap around, so
//! they compare in serial-number order.

use std::time::{Duration, Instant};

/// Pictures sent and not yet acknowledged, at most.
pub const MAX_UNACKNOWLEDGED: u32 = 2;
/// One picture per this long at most (30 a second, a hair over so that
/// full motion never rounds down to 29.9): a window that redraws without
/// pause costs no more than that.
pub const FRAME_INTERVAL: Duration = Duration::from_millis(33);
/// With every slot taken, how long without an acknowledgement before the
/// pictures in flight count as lost (their viewer went away with them):
/// the share goes on with a keyframe rather than wait for ever.
pub const STALL_AFTER: Duration = Duration::from_secs(3);

/// What the share should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Grab and send a picture now; `keyframe` when it must be one.
    Send { keyframe: bool },
    /// Nothing to send until something happens (damage, a request).
    Idle,
    /// Something to send, but not before this long (the frame interval).
    WaitFor(Duration),
    /// Every slot is taken: wait for an acknowledgement, at most this long.
    Acknowledgement(Duration),
}

/// The pacing of one share.
#[derive(Debug, Clone)]
pub struct Pacing {
    /// Sequence of the last picture sent (0 before the first).
    last_sent: u32,
    /// Sequence of the newest picture acknowledged.
    acknowledged: u32,
    /// The window changed since the last picture.
    changed: bool,
    /// The next picture must be a keyframe.
    keyframe_owed: bool,
    /// The window cannot be captured now (minimised): nothing until it
    /// changes again.
    unavailable: bool,
    /// When the next picture may go: a frame interval after the previous
    /// one was due (or went, if that was more than an interval late).
    next_due: Option<Instant>,
    /// Since when every slot has been taken without an acknowledgement.
    full_since: Option<Instant>,
}

impl Default for Pacing {
    /// A new share sends a keyframe of the window at once.
    fn default() -> Self {
        Pacing {
            last_sent: 0,
            acknowledged: 0,
            changed: true,
            keyframe_owed: true,
            unavailable: false,
            next_due: None,
            full_since: None,
        }
    }
}

impl Pacing {
    /// Pictures sent and not acknowledged.
    pub fn unacknowledged(&self) -> u32 {
        self.last_sent.wrapping_sub(self.acknowledged)
    }

    /// The window's pixels changed.
    pub fn damaged(&mut self) {
        self.changed = true;
        self.unavailable = false;
    }

    /// The window's size changed (or it came back after being
    /// minimised): the next picture is a keyframe of it.
    pub fn resized(&mut self) {
        self.changed = true;
        self.keyframe_owed = true;
        self.unavailable = false;
    }

    /// The window cannot be captured now (it is minimised): no picture
    /// until it changes, and then a keyframe.
    pub fn unavailable(&mut self) {
        self.unavailable = true;
        self.changed = false;
        self.keyframe_owed = true;
    }

    /// A viewer (or the kernel) asked for a keyframe.
    pub fn keyframe_requested(&mut self) {
        self.keyframe_owed = true;
    }

    /// An acknowledgement of `sequence`. One older than the newest already
    /// heard, or of a picture never sent, changes nothing.
    pub fn acknowledged(&mut self, sequence: u32, now: Instant) -> bool {
        let newer = (sequence.wrapping_sub(self.acknowledged) as i32) > 0;
        let sent = (self.last_sent.wrapping_sub(sequence) as i32) >= 0;
        if !(newer && sent) {
            return false;
        }
        self.acknowledged = sequence;
        self.full_since = None;
        if self.unacknowledged() >= MAX_UNACKNOWLEDGED {
            self.full_since = Some(now);
        }
        true
    }

    /// What to do at `now`.
    pub fn next(&mut self, now: Instant) -> Next {
        if self.unacknowledged() >= MAX_UNACKNOWLEDGED {
            let since = *self.full_since.get_or_insert(now);
            let waited = now.saturating_duration_since(since);
            if waited < STALL_AFTER {
                return Next::Acknowledgement(STALL_AFTER - waited);
            }
            // Lost with their viewer: whoever looks next needs a keyframe.
            tracing::debug!(
                unacknowledged = self.unacknowledged(),
                "no acknowledgement in time; going on with a keyframe"
            );
            self.acknowledged = self.last_sent;
            self.full_since = None;
            self.keyframe_owed = true;
            self.changed = true;
        }
        if self.unavailable || (!self.changed && !self.keyframe_owed) {
            return Next::Idle;
        }
        if let Some(due) = self.next_due
            && now < due
        {
            return Next::WaitFor(due - now);
        }
        Next::Send {
            keyframe: self.keyframe_owed,
        }
    }

    /// A picture went out: returns its sequence. `keyframe`: whether it
    /// was one (an encoder may make one unasked).
    pub fn sent(&mut self, keyframe: bool, now: Instant) -> u32 {
        self.last_sent = self.last_sent.wrapping_add(1);
        self.changed = false;
        if keyframe {
            self.keyframe_owed = false;
        }
        self.schedule(now);
        if self.unacknowledged() >= MAX_UNACKNOWLEDGED {
            self.full_since = Some(now);
        }
        self.last_sent
    }

    /// The picture could not be made (too large to send): nothing went
    /// out, and the next must be a keyframe (a viewer may have missed the
    /// frame the next delta builds on).
    pub fn skipped(&mut self, now: Instant) {
        self.changed = false;
        self.keyframe_owed = true;
        self.schedule(now);
    }

    /// A picture went (or was made) at `now`: when the next may go.
    fn schedule(&mut self, now: Instant) {
        let on_time = self.next_due.map(|due| due + FRAME_INTERVAL);
        self.next_due = Some(match on_time {
            Some(due) if due > now => due,
            // The first picture, or one more than an interval late (the
            // window was still, or every slot was taken): from now.
            _ => now + FRAME_INTERVAL,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEND_KEYFRAME: Next = Next::Send { keyframe: true };
    const SEND_DELTA: Next = Next::Send { keyframe: false };

    #[test]
    fn a_share_starts_with_a_keyframe_and_then_sends_only_changes() {
        let start = Instant::now();
        let mut pacing = Pacing::default();
        assert_eq!(pacing.next(start), SEND_KEYFRAME);
        assert_eq!(pacing.sent(true, start), 1);
        assert_eq!(pacing.next(start + FRAME_INTERVAL), Next::Idle);
        pacing.damaged();
        assert_eq!(pacing.next(start + FRAME_INTERVAL), SEND_DELTA);
    }

    #[test]
    fn pictures_are_spaced_by_the_interval() {
        let start = Instant::now();
        let mut pacing = Pacing::default();
        pacing.sent(true, start);
        pacing.acknowledged(1, start);
        pacing.damaged();
        let soon = start + Duration::from_millis(10);
        assert_eq!(
            pacing.next(soon),
            Next::WaitFor(FRAME_INTERVAL - Duration::from_millis(10))
        );
        assert_eq!(pacing.next(start + FRAME_INTERVAL), SEND_DELTA);
    }

    #[test]
    fn a_picture_that_goes_a_little_late_does_not_delay_the_next() {
        let start = Instant::now();
        let mut pacing = Pacing::default();
        pacing.sent(true, start);
        pacing.acknowledged(1, start);
        pacing.damaged();
        // Due at one interval; it goes 5 ms late.
        let late = start + FRAME_INTERVAL + Duration::from_millis(5);
        assert_eq!(pacing.next(late), SEND_DELTA);
        pacing.sent(false, late);
        pacing.acknowledged(2, late);
        pacing.damaged();
        // The next is due two intervals after the start, not after `late`.
        let two = start + FRAME_INTERVAL * 2;
        assert_eq!(
            pacing.next(late),
            Next::WaitFor(two - late),
            "on the grid of the first"
        );
        assert_eq!(pacing.next(two), SEND_DELTA);

        // After a still moment, the interval counts from the next picture.
        pacing.sent(false, two);
        pacing.acknowledged(3, two);
        let after_pause = two + Duration::from_secs(2);
        pacing.damaged();
        assert_eq!(pacing.next(after_pause), SEND_DELTA);
        pacing.sent(false, after_pause);
        pacing.acknowledged(4, after_pause);
        pacing.damaged();
        assert_eq!(
            pacing.next(after_pause + Duration::from_millis(1)),
            Next::WaitFor(FRAME_INTERVAL - Duration::from_millis(1)),
            "no burst to catch up"
        );
    }

    #[test]
    fn full_motion_acknowledged_at_once_gets_thirty_pictures_a_second() {
        let start = Instant::now();
        let mut pacing = Pacing::default();
        let mut now = start;
        let mut sent: u32 = 0;
        // The window changes every 16 ms (60 Hz); the loop looks every
        // millisecond, each picture goes up to 2 ms late and is
        // acknowledged at once.
        let stretch = Duration::from_secs(10);
        while now < start + stretch {
            pacing.damaged();
            if let Next::Send { .. } = pacing.next(now) {
                let went = now + Duration::from_millis(u64::from(sent % 3));
                let sequence = pacing.sent(sent == 0, went);
                pacing.acknowledged(sequence, went);
                sent += 1;
            }
            now += Duration::from_millis(1);
        }
        // One at once, then one every interval on the dot: lateness does
        // not add up.
        let intervals = stretch.as_millis() / FRAME_INTERVAL.as_millis();
        assert_eq!(u128::from(sent), 1 + intervals);
        let per_second = f64::from(sent) / stretch.as_secs_f64();
        assert!((30.0..30.5).contains(&per_second), "{per_second}/s");
    }

    #[test]
    fn at_most_two_pictures_wait_for_acknowledgement_and_damage_meanwhile_is_one_picture() {
        let start = Instant::now();
        let mut pacing = Pacing::default();
        let mut now = start;
        for expected in 1..=2 {
            pacing.damaged();
            assert!(matches!(pacing.next(now), Next::Send { .. }));
            assert_eq!(pacing.sent(expected == 1, now), expected);
            now += FRAME_INTERVAL;
        }
        // Damage keeps coming: nothing goes out, however often.
        for _ in 0..10 {
            pacing.damaged();
            assert!(matches!(pacing.next(now), Next::Acknowledgement(_)));
            now += FRAME_INTERVAL;
        }
        // The first is acknowledged: one picture, of all that damage.
        assert!(pacing.acknowledged(1, now));
        assert_eq!(pacing.next(now), SEND_DELTA);
        assert_eq!(pacing.sent(false, now), 3);
        assert!(matches!(pacing.next(now), Next::Acknowledgement(_)));
    }

    #[test]
    fn an_acknowledgement_covers_every_picture_up_to_it() {
        let start = Instant::now();
        let mut pacing = Pacing::default();
        pacing.sent(true, start);
        pacing.sent(false, start + FRAME_INTERVAL);
        assert_eq!(pacing.unacknowledged(), 2);
        assert!(pacing.acknowledged(2, start + FRAME_INTERVAL));
        assert_eq!(pacing.unacknowledged(), 0);
        // Older, repeated and never-sent sequences change nothing.
        assert!(!pacing.acknowledged(1, start));
        assert!(!pacing.acknowledged(2, start));
        assert!(!pacing.acknowledged(3, start));
        assert!(!pacing.acknowledged(u32::MAX, start));
        assert_eq!(pacing.unacknowledged(), 0);
    }

    #[test]
    fn sequences_wrap_around() {
        let start = Instant::now();
        let mut pacing = Pacing {
            last_sent: u32::MAX - 1,
            acknowledged: u32::MAX - 1,
            ..Pacing::default()
        };
        assert_eq!(pacing.sent(true, start), u32::MAX);
        assert_eq!(pacing.sent(false, start), 0);
        assert_eq!(pacing.unacknowledged(), 2);
        assert!(pacing.acknowledged(0, start));
        assert_eq!(pacing.unacknowledged(), 0);
    }

    #[test]
    fn keyframes_on_request_and_on_resize() {
        let start = Instant::now();
        let mut pacing = Pacing::default();
        pacing.sent(true, start);
        pacing.acknowledged(1, start);
        let later = start + FRAME_INTERVAL;
        pacing.keyframe_requested();
        assert_eq!(pacing.next(later), SEND_KEYFRAME);
        pacing.sent(true, later);
        pacing.acknowledged(2, later);
        let later = later + FRAME_INTERVAL;
        pacing.resized();
        assert_eq!(pacing.next(later), SEND_KEYFRAME);
        // An encoder's own keyframe settles what was owed.
        pacing.keyframe_requested();
        pacing.sent(true, later);
        pacing.acknowledged(3, later);
        pacing.damaged();
        assert_eq!(pacing.next(later + FRAME_INTERVAL), SEND_DELTA);
    }

    #[test]
    fn a_keyframe_request_waits_for_a_free_slot_too() {
        let start = Instant::now();
        let mut pacing = Pacing::default();
        pacing.sent(true, start);
        pacing.sent(false, start);
        pacing.keyframe_requested();
        assert!(matches!(pacing.next(start), Next::Acknowledgement(_)));
        pacing.acknowledged(1, start);
        // Two went at once: the next is due two intervals on.
        assert_eq!(pacing.next(start + FRAME_INTERVAL * 2), SEND_KEYFRAME);
    }

    #[test]
    fn pictures_lost_with_their_viewer_end_in_a_keyframe_after_a_while() {
        let start = Instant::now();
        let mut pacing = Pacing::default();
        pacing.sent(true, start);
        pacing.sent(false, start);
        let soon = start + Duration::from_secs(1);
        assert_eq!(
            pacing.next(soon),
            Next::Acknowledgement(STALL_AFTER - Duration::from_secs(1))
        );
        assert_eq!(pacing.next(start + STALL_AFTER), SEND_KEYFRAME);
        assert_eq!(pacing.unacknowledged(), 0);
        // The late acknowledgement of a lost picture changes nothing.
        assert!(!pacing.acknowledged(1, start + STALL_AFTER));
    }

    #[test]
    fn a_minimised_window_waits_and_comes_back_with_a_keyframe() {
        let start = Instant::now();
        let mut pacing = Pacing::default();
        pacing.sent(true, start);
        pacing.acknowledged(1, start);
        pacing.damaged();
        pacing.unavailable();
        let later = start + FRAME_INTERVAL * 4;
        assert_eq!(pacing.next(later), Next::Idle);
        pacing.keyframe_requested();
        assert_eq!(pacing.next(later), Next::Idle, "not even a keyframe");
        pacing.resized();
        assert_eq!(pacing.next(later), SEND_KEYFRAME);
    }

    #[test]
    fn a_picture_too_large_to_send_is_followed_by_a_keyframe() {
        let start = Instant::now();
        let mut pacing = Pacing::default();
        pacing.sent(true, start);
        pacing.damaged();
        pacing.skipped(start + FRAME_INTERVAL);
        assert_eq!(pacing.unacknowledged(), 1);
        assert_eq!(pacing.next(start + FRAME_INTERVAL * 2), SEND_KEYFRAME);
    }
}
