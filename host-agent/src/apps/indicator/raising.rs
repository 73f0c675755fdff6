//! How often the indicator puts itself back on top. Without a window
//! manager nothing keeps it above the customer's windows, so it raises
//! itself whenever the server says it is covered; against another window
//! that does the same, that would become a raise war burning both
//! clients' time, so it gives way after a few raises a second.

use std::time::{Duration, Instant};

/// Raises allowed per [`PERIOD`].
pub const RAISES_PER_PERIOD: u32 = 10;
pub const PERIOD: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct RaiseBudget {
    period_start: Instant,
    used: u32,
}

impl RaiseBudget {
    pub fn new(now: Instant) -> RaiseBudget {
        RaiseBudget {
            period_start: now,
            used: 0,
        }
    }

    /// Whether to raise now (and counts it).
    pub fn allow(&mut self, now: Instant) -> bool {
        if now.duration_since(self.period_start) >= PERIOD {
            self.period_start = now;
            self.used = 0;
        }
        if self.used >= RAISES_PER_PERIOD {
            return false;
        }
        self.used += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_raises_a_second_then_none_until_the_next_second() {
        let start = Instant::now();
        let mut budget = RaiseBudget::new(start);
        let allowed = (0..25)
            .filter(|i| budget.allow(start + Duration::from_millis(i * 10)))
            .count();
        assert_eq!(allowed, RAISES_PER_PERIOD as usize);
        assert!(budget.allow(start + PERIOD + Duration::from_millis(1)));
    }
}
