//! What the kernel counts for operators, served as Prometheus text on
//! `/metrics` (`web/metrics.rs`). Counters and the agent calls' latency
//! are recorded where things happen, through the `metrics` crate's global
//! recorder (one per process: a second kernel in the same process — only
//! ever in tests — shares it); what is a state rather than an event
//! (sessions live, participants, agents connected, stream totals) is read
//! when scraped ([`Census`]).
//!
//! Every series is named and labelled here, so the call sites are one
//! line and the names are in one place.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::plugin_host::services::ConsentOutcome;

const SESSIONS_LIVE: &str = "tether_sessions_live";
const SESSIONS_STARTED: &str = "tether_sessions_started_total";
const SESSIONS_ENDED: &str = "tether_sessions_ended_total";
const PARTICIPANTS: &str = "tether_participants";
const AGENTS_CONNECTED: &str = "tether_agents_connected";
const PLUGIN_EVENTS: &str = "tether_plugin_events_total";
const PLUGIN_TRAPS: &str = "tether_plugin_traps_total";
const CONSENT_ASKED: &str = "tether_consent_asked_total";
const CONSENT_ANSWERS: &str = "tether_consent_answers_total";
const AGENT_CALL_SECONDS: &str = "tether_agent_call_seconds";
const STREAMS_OPEN: &str = "tether_streams_open";
const STREAM_FRAMES: &str = "tether_stream_frames_total";
const STREAM_BYTES: &str = "tether_stream_bytes_total";
const STORAGE_ERRORS: &str = "tether_storage_errors_total";

/// An agent call's latency buckets, in seconds: a system information
/// answer takes milliseconds, a script up to the call timeout.
const CALL_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    120.0, 300.0,
];

/// How often the recorder's histograms are folded in between scrapes, so
/// they never grow without bound.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use.
#[derive(Clone)]
pub struct Telemetry {
    handle: PrometheusHandle,
}

impl Telemetry {
    /// Installs the recorder (once per process) and keeps its histograms
    /// folded in while the kernel runs.
    pub fn install() -> Telemetry {
        let handle = HANDLE.get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(AGENT_CALL_SECONDS.into()), CALL_BUCKETS)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("another metrics recorder is installed; /metrics shows nothing");
            }
            describe();
            let upkeep = handle.clone();
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(UPKEEP_EVERY);
                loop {
                    ticks.tick().await;
                    upkeep.run_upkeep();
                }
            });
            handle
        });
        Telemetry {
            handle: handle.clone(),
        }
    }

    /// Every series as Prometheus text, with `census` for what is read
    /// when scraped.
    pub fn render(&self, census: &Census) -> String {
        gauge!(SESSIONS_LIVE).set(census.sessions as f64);
        for (role, count) in [
            ("host", census.hosts),
            ("assistant", census.assistants),
            ("customer", census.customers),
        ] {
            gauge!(PARTICIPANTS, "role" => role).set(count as f64);
        }
        gauge!(AGENTS_CONNECTED).set(census.agents as f64);
        gauge!(STREAMS_OPEN).set(census.streams_open as f64);
        for (outcome, frames) in [
            ("relayed", census.frames_relayed),
            ("refused", census.frames_refused),
            ("skipped", census.frames_skipped),
        ] {
            counter!(STREAM_FRAMES, "outcome" => outcome).absolute(frames);
        }
        counter!(STREAM_BYTES).absolute(census.bytes_relayed);
        self.handle.run_upkeep();
        self.handle.render()
    }
}

/// What the kernel holds at the moment of a scrape.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Census {
    pub sessions: usize,
    pub hosts: usize,
    pub assistants: usize,
    pub customers: usize,
    /// Participants whose host agent is connected.
    pub agents: usize,
    pub streams_open: usize,
    pub frames_relayed: u64,
    pub frames_refused: u64,
    pub frames_skipped: u64,
    pub bytes_relayed: u64,
}

fn describe() {
    describe_gauge!(SESSIONS_LIVE, "Support sessions running on this node.");
    describe_counter!(
        SESSIONS_STARTED,
        "Support sessions started, by how: a CSR started it (csr) or a customer from a public page (waiting)."
    );
    describe_counter!(SESSIONS_ENDED, "Support sessions ended, by why.");
    describe_gauge!(
        PARTICIPANTS,
        "People in the sessions running on this node, by role."
    );
    describe_gauge!(
        AGENTS_CONNECTED,
        "Host agents connected to sessions on this node."
    );
    describe_counter!(PLUGIN_EVENTS, "Events delivered to plugins, by plugin.");
    describe_counter!(
        PLUGIN_TRAPS,
        "Plugin events that trapped (crashed, ran out of time or memory), by plugin."
    );
    describe_counter!(CONSENT_ASKED, "Consent questions put to customers.");
    describe_counter!(
        CONSENT_ANSWERS,
        "Consent questions' outcomes: granted, denied, timed_out."
    );
    describe_histogram!(
        AGENT_CALL_SECONDS,
        metrics::Unit::Seconds,
        "Agent calls from sending to the answer, by capability."
    );
    describe_gauge!(
        STREAMS_OPEN,
        "Streams (shared applications) open on this node."
    );
    describe_counter!(
        STREAM_FRAMES,
        "Stream frames, by outcome: relayed, refused (not allowed), skipped (a slow viewer's pictures)."
    );
    describe_counter!(STREAM_BYTES, "Bytes of stream frames relayed.");
    describe_counter!(
        STORAGE_ERRORS,
        "Failures to keep records (the database refused or could not be reached)."
    );
    // Shown at 0 before the first one, so an alert can watch them.
    counter!(STORAGE_ERRORS).absolute(0);
    counter!(SESSIONS_STARTED, "how" => "csr").absolute(0);
    counter!(SESSIONS_STARTED, "how" => "waiting").absolute(0);
    counter!(CONSENT_ASKED).absolute(0);
}

/// How a session began.
#[derive(Debug, Clone, Copy)]
pub enum Started {
    /// A CSR started it.
    ByCsr,
    /// A customer came through a public page and waits for a CSR.
    Waiting,
}

pub fn session_started(how: Started) {
    let how = match how {
        Started::ByCsr => "csr",
        Started::Waiting => "waiting",
    };
    counter!(SESSIONS_STARTED, "how" => how).increment(1);
}

/// A session ended; `why` is one of a few fixed words.
pub fn session_ended(why: &'static str) {
    counter!(SESSIONS_ENDED, "why" => why).increment(1);
}

pub fn plugin_event(plugin: &str) {
    counter!(PLUGIN_EVENTS, "plugin" => plugin.to_owned()).increment(1);
}

pub fn plugin_trapped(plugin: &str) {
    counter!(PLUGIN_TRAPS, "plugin" => plugin.to_owned()).increment(1);
}

pub fn consent_asked() {
    counter!(CONSENT_ASKED).increment(1);
}

pub fn consent_answered(outcome: ConsentOutcome) {
    let outcome = match outcome {
        ConsentOutcome::Granted => "granted",
        ConsentOutcome::Denied => "denied",
        ConsentOutcome::TimedOut => "timed_out",
    };
    counter!(CONSENT_ANSWERS, "outcome" => outcome).increment(1);
}

/// An agent call of `capability` was answered (or failed) after `took`.
pub fn agent_call(capability: &'static str, took: Duration) {
    histogram!(AGENT_CALL_SECONDS, "capability" => capability).record(took.as_secs_f64());
}

pub fn storage_failed() {
    counter!(STORAGE_ERRORS).increment(1);
}
