//! How a session owner's lease is timed: pure rules, no clock of their own.
//!
//! The registry (`owners.rs`) lets an owner's row lapse `lease` after the
//! database server received its last write, by the server's clock; then
//! another node may claim the session. The owner counts from when it *sent* that write, which is
//! earlier, and stops acting as owner a margin before the lease runs out:
//! so its own idea of the lease always ends before the registry lets
//! anyone else in, and there is never a second owner — even when the owner
//! is cut off from NATS and cannot hear that it lost.

use std::time::{Duration, Instant};

/// The shortest lease accepted: renewals need room to fail once and be
/// tried again, on a loaded database.
pub const SHORTEST_LEASE: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseTiming {
    lease: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a lease must be at least {} s", SHORTEST_LEASE.as_secs())]
pub struct LeaseTooShort;

impl LeaseTiming {
    pub fn new(lease: Duration) -> Result<LeaseTiming, LeaseTooShort> {
        if lease < SHORTEST_LEASE {
            return Err(LeaseTooShort);
        }
        Ok(LeaseTiming { lease })
    }

    /// How long the registry keeps an entry that is not renewed.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// What the owner gives up of its lease, for clocks that run at
    /// slightly different rates and for the time a write spends on its way:
    /// a tenth of the lease, at least 200 ms.
    pub fn margin(&self) -> Duration {
        (self.lease / 10).max(Duration::from_millis(200))
    }

    /// Until when the owner may act as owner after a write it sent at
    /// `sent_at` was accepted.
    pub fn valid_until(&self, sent_at: Instant) -> Instant {
        sent_at + self.lease - self.margin()
    }

    /// When to renew after a write sent at `sent_at`: a third of the way,
    /// so a renewal that fails can be tried again before the lease lapses.
    pub fn renew_at(&self, sent_at: Instant) -> Instant {
        sent_at + self.lease / 3
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_shorter_than_two_seconds_is_refused() {
        assert_eq!(
            LeaseTiming::new(Duration::from_millis(1999)),
            Err(LeaseTooShort)
        );
        assert!(LeaseTiming::new(SHORTEST_LEASE).is_ok());
    }

    #[test]
    fn the_owner_renews_early_and_stops_before_the_registry_forgets_it() {
        let sent = Instant::now();
        for (lease_ms, margin_ms, renew_ms) in [
            (2_000, 200, 666),
            (5_000, 500, 1_666),
            (10_000, 1_000, 3_333),
            (60_000, 6_000, 20_000),
        ] {
            let timing = LeaseTiming::new(Duration::from_millis(lease_ms)).expect("long enough");
            assert_eq!(timing.margin(), Duration::from_millis(margin_ms));
            let valid = timing.valid_until(sent) - sent;
            assert_eq!(valid, Duration::from_millis(lease_ms - margin_ms));
            // The registry counts from when it received the write, which
            // is no earlier than when it was sent.
            assert!(valid < timing.lease());
            let renew = timing.renew_at(sent) - sent;
            assert_eq!(renew.as_millis(), u128::from(renew_ms as u32));
            // Two renewals fit before the owner's own lease ends.
            assert!(renew * 2 < valid, "lease {lease_ms} ms");
        }
    }
}
