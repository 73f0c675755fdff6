//! A sliding-window limit on attempts per client, so session numbers and
//! passwords cannot be found by trying them all. Callers count failures
//! only: many honest people behind one address must still get in.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::time::{Duration, Instant};

pub struct RateLimiter<K> {
    limit: usize,
    window: Duration,
    attempts: HashMap<K, VecDeque<Instant>>,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    pub fn new(limit: usize, window: Duration) -> RateLimiter<K> {
        RateLimiter {
            limit,
            window,
            attempts: HashMap::new(),
        }
    }

    /// `Err` with the time to wait when `key` used up its attempts in the
    /// window; records nothing.
    pub fn check(&mut self, key: &K, now: Instant) -> Result<(), Duration> {
        let window = self.window;
        let Some(recent) = self.attempts.get_mut(key) else {
            return Ok(());
        };
        while recent
            .front()
            .is_some_and(|at| now.duration_since(*at) >= window)
        {
            recent.pop_front();
        }
        if recent.len() >= self.limit {
            let oldest = recent.front().copied().unwrap_or(now);
            return Err(window.saturating_sub(now.duration_since(oldest)));
        }
        Ok(())
    }

    /// Counts one attempt by `key` at `now`.
    pub fn record(&mut self, key: &K, now: Instant) {
        let window = self.window;
        // Forget idle clients so the table does not grow without bound.
        if self.attempts.len() > 10_000 {
            self.attempts.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|at| now.duration_since(*at) < window)
            });
        }
        self.attempts.entry(key.clone()).or_default().push_back(now);
    }

    /// Takes back the attempt `key` made at `at` (it turned out not to count).
    pub fn release(&mut self, key: &K, at: Instant) {
        if let Some(times) = self.attempts.get_mut(key)
            && let Some(position) = times.iter().rposition(|t| *t == at)
        {
            times.remove(position);
        }
    }

    /// [`RateLimiter::check`], then counts the attempt if it was allowed.
    pub fn attempt(&mut self, key: &K, now: Instant) -> Result<(), Duration> {
        self.check(key, now)?;
        self.record(key, now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_over_the_limit_wait_for_the_window() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(3, Duration::from_secs(60));
        for i in 0..3 {
            assert!(
                limiter
                    .attempt(&"1.2.3.4", start + Duration::from_secs(i))
                    .is_ok()
            );
        }
        let wait = limiter
            .attempt(&"1.2.3.4", start + Duration::from_secs(10))
            .expect_err("limited");
        assert_eq!(wait, Duration::from_secs(50));
        assert!(
            limiter
                .attempt(&"5.6.7.8", start + Duration::from_secs(10))
                .is_ok()
        );
        assert!(
            limiter
                .attempt(&"1.2.3.4", start + Duration::from_secs(60))
                .is_ok()
        );
    }

    #[test]
    fn checking_alone_counts_nothing() {
        let start = Instant::now();
        let mut limiter = RateLimiter::new(1, Duration::from_secs(60));
        for _ in 0..5 {
            assert!(limiter.check(&"1.2.3.4", start).is_ok());
        }
        limiter.record(&"1.2.3.4", start);
        assert!(limiter.check(&"1.2.3.4", start).is_err());
    }
}
