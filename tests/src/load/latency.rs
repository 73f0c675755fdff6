//! Round trips of one kind of operation, summarised as a load report
//! prints them: how many, how many failed, median and 99th percentile.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Timed operations of one kind (the time from sending to the reply).
#[derive(Debug, Default, Clone)]
pub struct Timings {
    times: Vec<Duration>,
    failed: usize,
    first_failure: Option<String>,
}

impl Timings {
    pub fn record(&mut self, took: Duration) {
        self.times.push(took);
    }

    /// An operation that got an error or no reply; the first reason is kept.
    pub fn fail(&mut self, reason: impl Into<String>) {
        self.failed += 1;
        if self.first_failure.is_none() {
            self.first_failure = Some(reason.into());
        }
    }

    /// Adds another set (one session's) to this one.
    pub fn merge(&mut self, other: Timings) {
        self.times.extend(other.times);
        self.failed += other.failed;
        if self.first_failure.is_none() {
            self.first_failure = other.first_failure;
        }
    }

    pub fn summary(mut self) -> Latencies {
        self.times.sort();
        let at = |fraction: f64| -> Option<f64> {
            let last = self.times.len().checked_sub(1)?;
            let index = (last as f64 * fraction).round() as usize;
            Some(self.times[index].as_secs_f64() * 1e3)
        };
        Latencies {
            ops: self.times.len(),
            failed: self.failed,
            p50_ms: at(0.5),
            p99_ms: at(0.99),
            max_ms: at(1.0),
            first_failure: self.first_failure,
        }
    }
}

/// What a report says about one kind of operation. Percentiles are
/// nearest-rank over the successful operations; `None` when none succeeded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Latencies {
    pub ops: usize,
    pub failed: usize,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_failure: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank_over_successes() {
        let mut timings = Timings::default();
        for ms in (1..=100).rev() {
            timings.record(Duration::from_millis(ms));
        }
        timings.fail("timed out");
        timings.fail("refused");
        let summary = timings.summary();
        assert_eq!(summary.ops, 100);
        assert_eq!(summary.failed, 2);
        assert_eq!(summary.p50_ms, Some(51.0));
        assert_eq!(summary.p99_ms, Some(99.0));
        assert_eq!(summary.max_ms, Some(100.0));
        assert_eq!(summary.first_failure.as_deref(), Some("timed out"));
    }

    #[test]
    fn no_success_has_no_percentile() {
        let mut timings = Timings::default();
        timings.fail("the kernel closed the connection");
        let summary = timings.summary();
        assert_eq!((summary.ops, summary.failed), (0, 1));
        assert_eq!(summary.p50_ms, None);
        assert_eq!(summary.p99_ms, None);
    }

    #[test]
    fn sessions_merge_into_one_summary() {
        let mut all = Timings::default();
        let mut one = Timings::default();
        one.record(Duration::from_millis(3));
        let mut two = Timings::default();
        two.record(Duration::from_millis(5));
        two.fail("refused");
        all.merge(one);
        all.merge(two);
        let summary = all.summary();
        assert_eq!((summary.ops, summary.failed), (2, 1));
        assert_eq!(summary.max_ms, Some(5.0));
    }
}
