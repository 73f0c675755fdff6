//! Per-event resource limits: the memory cap (a [`ResourceLimiter`]) and the
//! time budget enforced through epoch interruption.
//!
//! Both remember that they fired, so a trap can be reported to the CSR as
//! "ran out of time" or "used too much memory" instead of a raw trap text.

use std::time::{Duration, Instant};

use wasmtime::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};

/// How often the engine's epoch advances; the time budget is checked at
/// this granularity.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The limits a plugin gets: the smaller of what its manifest requests and
/// the operator's maxima.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantedLimits {
    pub memory_bytes: usize,
    pub time_per_event: Duration,
}

impl GrantedLimits {
    pub fn grant(
        requested_memory_mb: u32,
        requested_time_ms: u32,
        max_memory_mb: u32,
        max_time_ms: u32,
    ) -> GrantedLimits {
        GrantedLimits {
            memory_bytes: (requested_memory_mb.min(max_memory_mb) as usize) << 20,
            time_per_event: Duration::from_millis(requested_time_ms.min(max_time_ms).into()),
        }
    }
}

/// Caps linear memory growth and records that the cap was hit.
pub struct MemoryCap {
    limits: StoreLimits,
    pub exceeded: bool,
}

impl MemoryCap {
    pub fn new(memory_bytes: usize) -> MemoryCap {
        MemoryCap {
            limits: StoreLimitsBuilder::new()
                .memory_size(memory_bytes)
                .trap_on_grow_failure(true)
                .build(),
            exceeded: false,
        }
    }
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let verdict = self.limits.memory_growing(current, desired, maximum);
        if !matches!(verdict, Ok(true)) {
            self.exceeded = true;
        }
        verdict
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }
}

/// Time spent running wasm for one event. Time the host spends waiting on
/// people or agents (consent prompts, agent calls) does not count, so a
/// plugin is not killed while the customer reads a prompt.
#[derive(Debug)]
pub struct TimeBudget {
    limit: Duration,
    started: Instant,
    waited: Duration,
    pub exceeded: bool,
}

impl TimeBudget {
    pub fn new(limit: Duration) -> TimeBudget {
        TimeBudget {
            limit,
            started: Instant::now(),
            waited: Duration::ZERO,
            exceeded: false,
        }
    }

    /// Excludes a host-side wait from the budget.
    pub fn exclude(&mut self, wait: Duration) {
        self.waited += wait;
    }

    /// Whether the event has used its budget; marks it exceeded if so.
    pub fn check(&mut self) -> bool {
        let used = self.started.elapsed().saturating_sub(self.waited);
        if used > self.limit {
            self.exceeded = true;
        }
        self.exceeded
    }
}

/// The error raised inside the store when the time budget runs out.
#[derive(Debug, thiserror::Error)]
#[error("the plugin ran longer than its time limit")]
pub struct DeadlineExceeded;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granted_limits_are_the_smaller_of_request_and_maximum() {
        let granted = GrantedLimits::grant(512, 100, 64, 1000);
        assert_eq!(granted.memory_bytes, 64 << 20);
        assert_eq!(granted.time_per_event, Duration::from_millis(100));
    }

    #[test]
    fn host_waits_do_not_count_against_the_budget() {
        let mut budget = TimeBudget::new(Duration::from_millis(50));
        budget.started -= Duration::from_secs(10);
        budget.exclude(Duration::from_secs(10));
        assert!(!budget.check());
        budget.exclude(Duration::ZERO);
        budget.started -= Duration::from_millis(60);
        assert!(budget.check());
        assert!(budget.exceeded);
    }

    #[test]
    fn the_memory_cap_refuses_growth_past_the_limit_and_remembers() {
        let mut cap = MemoryCap::new(1 << 20);
        assert!(matches!(cap.memory_growing(0, 1 << 19, None), Ok(true)));
        assert!(!cap.exceeded);
        assert!(cap.memory_growing(1 << 19, 2 << 20, None).is_err());
        assert!(cap.exceeded);
    }
}
