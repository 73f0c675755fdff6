//! How many messages a connection may send: a token bucket per connection,
//! so a customer's page or agent (which anyone with a join link may run)
//! cannot make the kernel write, store and forward without end. A burst is
//! allowed (a script's output, a pasted text); a steady flood is refused
//! message by message, with a reply saying so.

use std::time::{Duration, Instant};

/// The rate a role's connections may keep up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Messages that may come at once.
    pub burst: u32,
    /// Messages per second after that.
    pub per_second: u32,
}

/// A customer's page: chat and answers, typed by a person.
pub const CUSTOMER_PAGE: Rate = Rate {
    burst: 30,
    per_second: 5,
};

/// A customer's agent: results and a running script's output, which the
/// agent sends in batches.
pub const AGENT: Rate = Rate {
    burst: 100,
    per_second: 20,
};

/// One connection's bucket.
#[derive(Debug)]
pub struct MessageBudget {
    rate: Rate,
    tokens: f64,
    last: Instant,
}

impl MessageBudget {
    pub fn new(rate: Rate, now: Instant) -> MessageBudget {
        MessageBudget {
            rate,
            tokens: f64::from(rate.burst),
            last: now,
        }
    }

    /// Spends one message, or `Err` with how long until one is allowed.
    pub fn spend(&mut self, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        let per_second = f64::from(self.rate.per_second);
        self.tokens = (self.tokens + elapsed * per_second).min(f64::from(self.rate.burst));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let missing = 1.0 - self.tokens;
            Err(Duration::from_secs_f64(
                missing / per_second.max(f64::MIN_POSITIVE),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: Rate = Rate {
        burst: 5,
        per_second: 2,
    };

    #[test]
    fn a_burst_passes_a_flood_does_not_and_time_refills() {
        let start = Instant::now();
        let mut budget = MessageBudget::new(RATE, start);
        for _ in 0..5 {
            assert!(budget.spend(start).is_ok());
        }
        let wait = budget.spend(start).expect_err("over the burst");
        assert_eq!(wait, Duration::from_millis(500));
        // Half a second buys one message, not more.
        let later = start + Duration::from_millis(500);
        assert!(budget.spend(later).is_ok());
        assert!(budget.spend(later).is_err());
        // A long pause refills up to the burst only.
        let much_later = later + Duration::from_secs(3600);
        for _ in 0..5 {
            assert!(budget.spend(much_later).is_ok());
        }
        assert!(budget.spend(much_later).is_err());
    }

    #[test]
    fn refusals_cost_nothing() {
        let start = Instant::now();
        let mut budget = MessageBudget::new(RATE, start);
        for _ in 0..5 {
            let _ = budget.spend(start);
        }
        for _ in 0..1000 {
            assert!(budget.spend(start).is_err());
        }
        assert!(budget.spend(start + Duration::from_millis(500)).is_ok());
    }
}
