//! A sliding-window limit on attempts per client (join attempts by number),
//! so session numbers cannot be found by trying them all.

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

    /// Records an attempt by `key` at `now`; `Err` with the time to wait when
    /// the key is over its limit (the refused attempt is not counted).
    pub fn attempt(&mut self, key: &K, now: Instant) -> Result<(), Duration> {
        let window = self.window;
        let recent = self.attempts.entry(key.clone()).or_default();
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
        recent.push_back(now);
        // Forget idle clients so the table does not grow without bound.
        if self.attempts.len() > 10_000 {
            self.attempts.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|at| now.duration_since(*at) < window)
            });
        }
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
}
