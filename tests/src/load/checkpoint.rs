//! What `tether-load` reports: one JSON line on standard output at each
//! checkpoint. With `--pause-at-checkpoints` it then waits for a line on
//! standard input, so whoever measures the kernel (the bench) samples it
//! while nothing changes; end of input lets it go on.
//!
//! Both modes start with `signed_in`: every CSR signed in, nothing else
//! open yet (a sign-in costs the kernel a password hash and its memory).
//! Idle: `signed_in` → `sessions_ready` (the kernel at rest: CSRs and
//! sessions, no agent) → `agents_connected` → `agents_held` →
//! `agents_left` → `finished`.
//! Active: `signed_in` → `baseline_ready` → `baseline_done` →
//! `sessions_ready` → `measuring` → `measured` → `finished`.

use serde::{Deserialize, Serialize};

use super::latency::Latencies;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "checkpoint", rename_all = "snake_case")]
pub enum Checkpoint {
    /// Every CSR the load needs signed in (REST), nothing else open.
    SignedIn {
        csrs: usize,
        seconds: f64,
    },
    /// The CSRs signed in and started their sessions (with their
    /// customers, agents and pages in active mode).
    SessionsReady {
        sessions: usize,
        /// Sessions that could not be set up (active mode goes on without them).
        #[serde(default)]
        failed: usize,
        seconds: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first_failure: Option<String>,
    },
    /// Agents joined, welcomed and their hello answered.
    AgentsConnected {
        agents: usize,
        failed: usize,
        seconds: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first_failure: Option<String>,
    },
    /// The agents stayed connected and idle this long.
    AgentsHeld {
        still_connected: usize,
        seconds: f64,
    },
    /// The agents closed their connections and the CSRs' consoles heard
    /// `left` of their customers (all of them unless the wait ran out).
    AgentsLeft {
        heard: usize,
        expected: usize,
        seconds: f64,
    },
    /// One session (console, customer page, agent, consent granted) alone
    /// on the kernel.
    BaselineReady,
    /// That session's operations, one after another.
    BaselineDone {
        chat: Latencies,
        refresh: Latencies,
        seconds: f64,
    },
    /// Every session is doing its operation per second and the warm-up is
    /// over; the measured window starts when this is acknowledged.
    Measuring {
        sessions: usize,
    },
    /// The measured window: operations started in it.
    Measured {
        chat: Latencies,
        refresh: Latencies,
        seconds: f64,
        /// Operations that started later than their second because the
        /// session's previous one had not been answered yet.
        late: usize,
    },
    Finished,
}

impl Checkpoint {
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|error| format!("{{\"error\":\"{error}\"}}"))
    }

    /// A checkpoint from a line of the generator's output; other lines
    /// (there should be none) are not checkpoints.
    pub fn from_line(line: &str) -> Option<Checkpoint> {
        serde_json::from_str(line).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_back_as_written() {
        let connected = Checkpoint::AgentsConnected {
            agents: 10_000,
            failed: 0,
            seconds: 41.5,
            first_failure: None,
        };
        let line = connected.to_line();
        assert_eq!(
            line,
            r#"{"checkpoint":"agents_connected","agents":10000,"failed":0,"seconds":41.5}"#
        );
        assert_eq!(Checkpoint::from_line(&line), Some(connected));
        assert_eq!(
            Checkpoint::from_line(&Checkpoint::Finished.to_line()),
            Some(Checkpoint::Finished)
        );
    }

    #[test]
    fn other_lines_are_not_checkpoints() {
        assert_eq!(Checkpoint::from_line("connecting 10000 agents"), None);
        assert_eq!(
            Checkpoint::from_line(r#"{"checkpoint":"unheard_of"}"#),
            None
        );
    }
}
