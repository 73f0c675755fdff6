//! When a plugin keeps crashing on a site, it is suspended there for a while,
//! and for longer each time (pure policy; the host keeps one record per site
//! and plugin).

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrashPolicy {
    /// Consecutive traps that suspend the plugin.
    pub threshold: u32,
    pub first_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for CrashPolicy {
    fn default() -> Self {
        CrashPolicy {
            threshold: 3,
            first_backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(15 * 60),
        }
    }
}

/// One plugin's crash history on one site.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CrashRecord {
    consecutive: u32,
    suspensions: u32,
    suspended_until: Option<Instant>,
}

impl CrashRecord {
    /// Until when the plugin is suspended, if it is at `now`.
    pub fn suspended_at(&self, now: Instant) -> Option<Instant> {
        self.suspended_until.filter(|until| *until > now)
    }

    /// Records a trap; returns the end of the suspension it starts, if any.
    pub fn record_trap(&mut self, policy: &CrashPolicy, now: Instant) -> Option<Instant> {
        self.consecutive += 1;
        if self.consecutive < policy.threshold {
            return None;
        }
        let factor = 2u32.saturating_pow(self.suspensions);
        let backoff = policy
            .first_backoff
            .saturating_mul(factor)
            .min(policy.max_backoff);
        self.consecutive = 0;
        self.suspensions = self.suspensions.saturating_add(1);
        let until = now + backoff;
        self.suspended_until = Some(until);
        Some(until)
    }

    /// A handled event clears the run of traps, and after a quiet success the
    /// next suspension starts from the first backoff again.
    pub fn record_success(&mut self) {
        self.consecutive = 0;
        self.suspensions = 0;
        self.suspended_until = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> CrashPolicy {
        CrashPolicy {
            threshold: 3,
            first_backoff: Duration::from_secs(10),
            max_backoff: Duration::from_secs(25),
        }
    }

    #[test]
    fn isolated_traps_do_not_suspend() {
        let now = Instant::now();
        let mut record = CrashRecord::default();
        assert_eq!(record.record_trap(&policy(), now), None);
        assert_eq!(record.record_trap(&policy(), now), None);
        record.record_success();
        assert_eq!(record.record_trap(&policy(), now), None);
        assert_eq!(record.suspended_at(now), None);
    }

    #[test]
    fn repeated_traps_suspend_with_growing_capped_backoff() {
        let now = Instant::now();
        let mut record = CrashRecord::default();
        let mut suspend = || {
            let mut until = None;
            for _ in 0..3 {
                until = record.record_trap(&policy(), now);
            }
            until
        };
        assert_eq!(suspend(), Some(now + Duration::from_secs(10)));
        assert_eq!(suspend(), Some(now + Duration::from_secs(20)));
        assert_eq!(suspend(), Some(now + Duration::from_secs(25)));
        assert_eq!(
            record.suspended_at(now),
            Some(now + Duration::from_secs(25))
        );
        assert_eq!(record.suspended_at(now + Duration::from_secs(26)), None);
    }
}
