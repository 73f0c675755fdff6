//! The benchmark's table: one column per system measured in the run, a
//! ratio column for each against the baseline (x11vnc), and the issue's
//! targets said as met or not (reported, never asserted).

use std::fmt::Write;
use std::time::Duration;

use super::measure::{Recorder, percentile_ms};

/// One system's measured stretch.
#[derive(Debug)]
pub struct Column {
    pub name: String,
    pub measured: Duration,
    pub recorder: Recorder,
    /// The process that captures and encodes (the agent, or x11vnc).
    pub source_cpu: f64,
    /// The relay (Tether's kernel); none for x11vnc.
    pub kernel_cpu: Option<f64>,
    pub x_server_cpu: f64,
    pub application_cpu: f64,
}

impl Column {
    fn seconds(&self) -> f64 {
        self.measured.as_secs_f64().max(f64::EPSILON)
    }

    /// New frames decoded per second (pictures showing a frame counter
    /// newer than any before).
    pub fn frames_per_second(&self) -> f64 {
        self.recorder.new_frames as f64 / self.seconds()
    }

    pub fn pictures_per_second(&self) -> f64 {
        self.recorder.pictures as f64 / self.seconds()
    }

    /// KiB on the wire per picture (Tether) or update (RFB).
    pub fn kib_per_picture(&self) -> Option<f64> {
        (self.recorder.pictures > 0)
            .then(|| self.recorder.bytes as f64 / self.recorder.pictures as f64 / 1024.0)
    }

    pub fn mib_per_second(&self) -> f64 {
        self.recorder.bytes as f64 / self.seconds() / (1024.0 * 1024.0)
    }

    pub fn latency_ms(&self, p: f64) -> Option<f64> {
        percentile_ms(&self.recorder.latencies, p)
    }

    pub fn input_latency_ms(&self, p: f64) -> Option<f64> {
        percentile_ms(&self.recorder.input_latencies, p)
    }
}

fn number(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.decimals$}"))
}

fn ratio(value: Option<f64>, baseline: Option<f64>) -> String {
    match (value, baseline) {
        (Some(v), Some(b)) if b > 0.0 => format!("{:.2}×", v / b),
        _ => "–".to_owned(),
    }
}

type Metric = (&'static str, fn(&Column) -> Option<f64>, usize);

const METRICS: [Metric; 14] = [
    (
        "frames/s delivered (new frame counters)",
        |c| Some(c.frames_per_second()),
        1,
    ),
    (
        "pictures (updates)/s received",
        |c| Some(c.pictures_per_second()),
        1,
    ),
    (
        "KiB per picture (update) on the wire",
        Column::kib_per_picture,
        1,
    ),
    ("MiB/s on the wire", |c| Some(c.mib_per_second()), 2),
    (
        "capture+encode CPU, % of a core (agent / x11vnc)",
        |c| Some(c.source_cpu),
        1,
    ),
    ("kernel CPU, % of a core", |c| c.kernel_cpu, 1),
    ("X server CPU, % of a core", |c| Some(c.x_server_cpu), 1),
    (
        "fixture application CPU, % of a core",
        |c| Some(c.application_cpu),
        1,
    ),
    ("drawn → decoded latency p50, ms", |c| c.latency_ms(50.0), 1),
    ("drawn → decoded latency p95, ms", |c| c.latency_ms(95.0), 1),
    (
        "click → picture latency p50, ms",
        |c| c.input_latency_ms(50.0),
        1,
    ),
    (
        "click → picture latency p95, ms",
        |c| c.input_latency_ms(95.0),
        1,
    ),
    (
        "clicks seen / lost",
        |c| Some(c.recorder.input_latencies.len() as f64),
        0,
    ),
    (
        "pictures whose marks did not read",
        |c| Some(c.recorder.unreadable as f64),
        0,
    ),
];

/// The table: `columns` then, for every column but the baseline, its
/// ratio to the baseline.
pub fn table(columns: &[Column], baseline: usize) -> String {
    let base = &columns[baseline];
    let others: Vec<&Column> = columns
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != baseline)
        .map(|(_, c)| c)
        .collect();
    let mut headers: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    headers.extend(others.iter().map(|c| format!("{} ÷ {}", c.name, base.name)));
    let mut out = String::new();
    let _ = write!(out, "| {:<50} |", "");
    for header in &headers {
        let _ = write!(out, " {header:>14} |");
    }
    out.push('\n');
    let _ = write!(out, "|{}|", "-".repeat(52));
    for header in &headers {
        let _ = write!(out, "{}:|", "-".repeat(header.chars().count().max(14) + 1));
    }
    out.push('\n');
    for (name, metric, decimals) in METRICS {
        let _ = write!(out, "| {name:<50} |");
        for column in columns {
            let mut cell = number(metric(column), decimals);
            if name.starts_with("clicks") {
                cell = format!("{cell} / {}", column.recorder.clicks_lost);
            }
            let _ = write!(out, " {cell:>14} |");
        }
        for column in &others {
            let cell = if name.starts_with("clicks") || name.starts_with("pictures whose") {
                String::new()
            } else {
                ratio(metric(column), metric(base))
            };
            let _ = write!(out, " {cell:>14} |");
        }
        out.push('\n');
    }
    out
}

/// The targets for `tether` against `baseline`: what, and whether
/// this run met it.
pub fn targets(tether: &Column, baseline: &Column) -> Vec<(String, bool)> {
    let fps = tether.frames_per_second();
    let base_fps = baseline.frames_per_second();
    let kib = tether.kib_per_picture().unwrap_or(f64::INFINITY);
    let base_kib = baseline.kib_per_picture().unwrap_or(0.0);
    let p50 = tether.latency_ms(50.0);
    vec![
        (format!("≥ 30 frames/s at 1280×720 ({fps:.1})"), fps >= 30.0),
        (
            format!("agent under half a core ({:.1} %)", tether.source_cpu),
            tether.source_cpu < 50.0,
        ),
        (
            format!("at least x11vnc's frame rate ({fps:.1} against {base_fps:.1})"),
            fps >= base_fps,
        ),
        (
            format!(
                "a tenth of x11vnc's bytes per frame or less ({kib:.1} KiB against {base_kib:.1} KiB)"
            ),
            kib * 10.0 <= base_kib,
        ),
        (
            format!("p50 drawn → decoded ≤ 50 ms ({} ms)", number(p50, 1)),
            p50.is_some_and(|p| p <= 50.0),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::share_bench::marks::{Marks, now_micros};

    fn column(name: &str, frames: u32, bytes: u64, cpu: f64) -> Column {
        let mut recorder = Recorder::new();
        for frame in 0..frames {
            let marks: Result<Marks, ()> = Ok(Marks {
                frame,
                drawn_micros: now_micros().wrapping_sub(20_000),
                inputs: 0,
            });
            recorder.picture(bytes, marks);
        }
        Column {
            name: name.into(),
            measured: Duration::from_secs(10),
            recorder,
            source_cpu: cpu,
            kernel_cpu: None,
            x_server_cpu: 5.0,
            application_cpu: 3.0,
        }
    }

    #[test]
    fn ratios_against_the_baseline_and_the_targets() {
        let tether = column("Tether", 400, 10 * 1024, 30.0);
        let vnc = column("x11vnc", 200, 200 * 1024, 80.0);
        assert_eq!(tether.frames_per_second(), 40.0);
        assert_eq!(tether.kib_per_picture(), Some(10.0));
        let table = table(&[tether, vnc], 1);
        let fps_line = table
            .lines()
            .find(|l| l.contains("frames/s delivered"))
            .expect("a frame rate row");
        assert!(
            fps_line.contains("40.0") && fps_line.contains("20.0") && fps_line.contains("2.00×"),
            "{fps_line}"
        );
        let kib_line = table
            .lines()
            .find(|l| l.contains("KiB per picture"))
            .expect("bytes row");
        assert!(kib_line.contains("0.05×"), "{kib_line}");
        let kernel_line = table
            .lines()
            .find(|l| l.contains("kernel CPU"))
            .expect("kernel row");
        assert!(kernel_line.contains('–'), "{kernel_line}");

        let tether = column("Tether", 400, 10 * 1024, 30.0);
        let vnc = column("x11vnc", 200, 200 * 1024, 80.0);
        let met: Vec<bool> = targets(&tether, &vnc)
            .into_iter()
            .map(|(_, met)| met)
            .collect();
        assert_eq!(met, [true, true, true, true, true]);
        let slow = column("Tether", 100, 50 * 1024, 70.0);
        let met: Vec<bool> = targets(&slow, &vnc)
            .into_iter()
            .map(|(_, met)| met)
            .collect();
        assert_eq!(met, [false, false, false, false, true]);
    }
}
