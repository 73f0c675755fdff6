//! What a viewer saw over the measured stretch: pictures and bytes, the
//! marks read from each (latency from drawn to decoded, frames skipped),
//! and the clicks sent and when each first showed in a picture.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::marks::{Marks, micros_between, now_micros};

/// How often a click is sent while measuring (one at a time: the next
/// only after the last one showed, or was given up).
pub const CLICK_EVERY: Duration = Duration::from_millis(400);
/// A click that has not shown by then is counted as lost.
pub const CLICK_LOST_AFTER: Duration = Duration::from_secs(3);

/// A click on its way: the input count it makes, and when it was sent.
#[derive(Debug, Clone, Copy)]
struct Click {
    target: u32,
    sent_micros: u32,
    sent: Instant,
}

#[derive(Debug, Default)]
pub struct Recorder {
    /// Pictures (Tether) or updates (RFB) received and decoded.
    pub pictures: u64,
    /// Bytes they took on the wire.
    pub bytes: u64,
    /// Pictures showing a frame newer than any before.
    pub new_frames: u64,
    /// Pictures whose marks did not read.
    pub unreadable: u64,
    /// Drawn → decoded, microseconds, one per new frame.
    pub latencies: Vec<u32>,
    /// Click sent → first picture showing it, microseconds.
    pub input_latencies: Vec<u32>,
    pub clicks_lost: u64,
    newest_frame: Option<u32>,
    /// The input count of the newest readable picture.
    inputs_seen: Option<u32>,
    pending: VecDeque<Click>,
    next_click: Option<Instant>,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// One picture, decoded now, `bytes` long, with its marks (or why
    /// they did not read).
    pub fn picture<E>(&mut self, bytes: u64, marks: Result<Marks, E>) {
        let decoded_micros = now_micros();
        self.pictures += 1;
        self.bytes += bytes;
        let Ok(marks) = marks else {
            self.unreadable += 1;
            return;
        };
        if self.newest_frame.is_none_or(|newest| newest < marks.frame) {
            self.newest_frame = Some(marks.frame);
            self.new_frames += 1;
            self.latencies
                .push(micros_between(marks.drawn_micros, decoded_micros));
        }
        self.inputs_seen = Some(marks.inputs);
        while let Some(click) = self.pending.front().copied() {
            if marks.inputs >= click.target {
                self.pending.pop_front();
                self.input_latencies
                    .push(micros_between(click.sent_micros, decoded_micros));
            } else if click.sent.elapsed() > CLICK_LOST_AFTER {
                self.pending.pop_front();
                self.clicks_lost += 1;
            } else {
                break;
            }
        }
    }

    /// Whether a click is due now: none on its way, the picture's input
    /// count known, and [`CLICK_EVERY`] since the last. The caller sends
    /// it, then calls [`Recorder::clicked`].
    pub fn click_due(&self) -> bool {
        self.pending.is_empty()
            && self.inputs_seen.is_some()
            && self.next_click.is_none_or(|at| Instant::now() >= at)
    }

    /// A click was just sent.
    pub fn clicked(&mut self) {
        let base = self.inputs_seen.unwrap_or(0);
        self.pending.push_back(Click {
            target: base.wrapping_add(1),
            sent_micros: now_micros(),
            sent: Instant::now(),
        });
        self.next_click = Some(Instant::now() + CLICK_EVERY);
    }
}

/// The `p`-th percentile (0–100, nearest rank) of `values`, in ms.
pub fn percentile_ms(values: &[u32], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    let at = rank.clamp(1, sorted.len()) - 1;
    Some(f64::from(sorted[at]) / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(frame: u32, drawn_ago_micros: u32, inputs: u32) -> Result<Marks, ()> {
        Ok(Marks {
            frame,
            drawn_micros: now_micros().wrapping_sub(drawn_ago_micros),
            inputs,
        })
    }

    #[test]
    fn frames_latencies_and_unreadable_pictures() {
        let mut recorder = Recorder::new();
        recorder.picture(1000, marks(10, 20_000, 0));
        // The same frame again (a picture without change): no new frame.
        recorder.picture(500, marks(10, 30_000, 0));
        recorder.picture(700, Err(()));
        recorder.picture(800, marks(12, 40_000, 0));
        assert_eq!(recorder.pictures, 4);
        assert_eq!(recorder.bytes, 3000);
        assert_eq!(recorder.new_frames, 2);
        assert_eq!(recorder.unreadable, 1);
        assert_eq!(recorder.latencies.len(), 2);
        assert!(
            (20_000..25_000).contains(&recorder.latencies[0]),
            "{:?}",
            recorder.latencies
        );
        assert!(
            (40_000..45_000).contains(&recorder.latencies[1]),
            "{:?}",
            recorder.latencies
        );
    }

    #[test]
    fn a_click_is_timed_to_the_first_picture_that_shows_it() {
        let mut recorder = Recorder::new();
        assert!(!recorder.click_due(), "no input count known yet");
        recorder.picture(1, marks(1, 0, 5));
        assert!(recorder.click_due());
        recorder.clicked();
        assert!(!recorder.click_due(), "one click at a time");
        recorder.picture(1, marks(2, 0, 5));
        assert!(recorder.input_latencies.is_empty());
        recorder.picture(1, marks(3, 0, 6));
        assert_eq!(recorder.input_latencies.len(), 1);
        assert!(recorder.input_latencies[0] < 1_000_000);
        assert!(!recorder.click_due(), "not before CLICK_EVERY");
        assert_eq!(recorder.clicks_lost, 0);
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let values: Vec<u32> = (1..=100).map(|v| v * 1000).collect();
        assert_eq!(percentile_ms(&values, 50.0), Some(50.0));
        assert_eq!(percentile_ms(&values, 95.0), Some(95.0));
        assert_eq!(percentile_ms(&[7000], 95.0), Some(7.0));
        assert_eq!(percentile_ms(&[], 50.0), None);
    }
}

/// Where a measurement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Pictures flow but are not counted (decoders, rate control and
    /// caches settle).
    WarmingUp,
    Measuring,
    Done,
}

/// A warm-up then a measured stretch, with the processor time of some
/// processes read at its two ends.
pub struct Stretch {
    pids: Vec<u32>,
    measure_from: Instant,
    measure_until: Instant,
    start: Option<(Vec<super::cpu::CpuReading>, Instant)>,
    /// Percent of one core of each process over the stretch (once done).
    pub cpu: Vec<f64>,
    /// How long was measured (once done).
    pub measured: Duration,
    done: bool,
}

impl Stretch {
    pub fn new(warm_up: Duration, measure: Duration, pids: Vec<u32>) -> Stretch {
        let now = Instant::now();
        Stretch {
            pids,
            measure_from: now + warm_up,
            measure_until: now + warm_up + measure,
            start: None,
            cpu: Vec::new(),
            measured: Duration::ZERO,
            done: false,
        }
    }

    fn readings(&self) -> Result<Vec<super::cpu::CpuReading>, super::cpu::CpuError> {
        self.pids.iter().map(|&pid| super::cpu::read(pid)).collect()
    }

    /// The phase now; the processor time is read when measuring starts and
    /// when it ends.
    pub fn tick(&mut self) -> Result<Phase, super::cpu::CpuError> {
        let now = Instant::now();
        if now < self.measure_from {
            return Ok(Phase::WarmingUp);
        }
        match &self.start {
            None => {
                self.start = Some((self.readings()?, now));
                Ok(Phase::Measuring)
            }
            Some(_) if now < self.measure_until => Ok(Phase::Measuring),
            Some(_) if self.done => Ok(Phase::Done),
            Some((start, started)) => {
                let end = self.readings()?;
                self.cpu = start
                    .iter()
                    .zip(end)
                    .map(|(start, end)| super::cpu::percent_of_a_core(*start, end))
                    .collect();
                self.measured = now.duration_since(*started);
                self.done = true;
                Ok(Phase::Done)
            }
        }
    }
}
