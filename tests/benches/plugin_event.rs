//! `cargo xtask bench plugin`: the cost of one plugin event (fresh store and
//! instance, `handle` with a 1 KiB JSON payload, reply decoded) next to a
//! native call of the same logic, measured in the same run.
//!
//! Figures are medians of batches; the ratio column is what to compare
//! between machines, as absolute times on a shared 2-core machine are noisy.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tether_kernel::plugin_host::services::{NoSessions, PluginEvent};
use tether_tests::{fixture_host, settings, sites};

const WARMUP: usize = 300;
const BATCHES: usize = 31;
const PER_BATCH: usize = 200;
/// The issue's target for one event on this class of machine.
const TARGET: Duration = Duration::from_micros(20);

/// A JSON document of exactly 1024 bytes.
fn payload_1kib() -> String {
    let mut doc = json!({ "session": "123456789", "customer": "Anna", "items": [] });
    let mut i = 0;
    while doc.to_string().len() < 1000 {
        doc["items"]
            .as_array_mut()
            .expect("array")
            .push(json!({ "n": i, "tag": "abcdef" }));
        i += 1;
    }
    let text = doc.to_string();
    let pad = 1024 - text.len() - r#","pad":"""#.len();
    doc["pad"] = Value::String("x".repeat(pad));
    let text = doc.to_string();
    assert_eq!(text.len(), 1024, "payload size");
    text
}

fn median_per_call(mut run_batch: impl FnMut() -> Duration) -> Duration {
    let mut samples: Vec<Duration> = (0..BATCHES)
        .map(|_| run_batch() / PER_BATCH as u32)
        .collect();
    samples.sort();
    samples[BATCHES / 2]
}

fn command(payload: &str) -> PluginEvent {
    PluginEvent::Command {
        session: None,
        sender: None,
        account: None,
        name: "echo".into(),
        payload: payload.to_owned(),
    }
}

fn main() {
    let payload = payload_1kib();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let cache = tempfile::tempdir().expect("temp dir");
    let host = Arc::new(fixture_host(
        settings(cache.path()),
        sites(&[("bench", &["echo"])]),
        Arc::new(NoSessions),
    ));

    // Native: the plugin's own code (SDK dispatch + echo logic) as a Rust call.
    let native_event = || {
        tether_sdk::Event::Command(tether_sdk::Command {
            session: None,
            sender: None,
            account: None,
            name: "echo".into(),
            payload: payload.clone(),
        })
    };
    let native_once = || {
        let reply =
            tether_sdk::dispatch::<fixture_echo::Echo>(native_event()).expect("native echo");
        std::hint::black_box(reply);
    };
    for _ in 0..WARMUP {
        native_once();
    }
    let native = median_per_call(|| {
        let started = Instant::now();
        for _ in 0..PER_BATCH {
            native_once();
        }
        started.elapsed()
    });

    let runtime = &runtime;
    let plugin_batch = |payload: String| {
        let host = host.clone();
        move || {
            runtime.block_on(async {
                let started = Instant::now();
                for _ in 0..PER_BATCH {
                    let reply = host
                        .dispatch("bench", "echo", command(&payload))
                        .await
                        .expect("plugin echo");
                    std::hint::black_box(reply);
                }
                started.elapsed()
            })
        }
    };
    let warm = plugin_batch(payload.clone());
    warm();
    let plugin = median_per_call(plugin_batch(payload.clone()));
    let fixed = median_per_call(plugin_batch("null".into()));

    let ratio = |d: Duration| d.as_secs_f64() / native.as_secs_f64();
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    println!();
    println!("plugin event cost ({BATCHES} batches of {PER_BATCH}, median per call)");
    println!("| case                                          | per call (µs) | × native |");
    println!("|-----------------------------------------------|---------------|----------|");
    println!(
        "| native Rust call, 1 KiB JSON echo (baseline)  | {:>13.2} | {:>8.1} |",
        micros(native),
        1.0
    );
    println!(
        "| plugin event, fresh instance, 1 KiB JSON echo | {:>13.2} | {:>8.1} |",
        micros(plugin),
        ratio(plugin)
    );
    println!(
        "| plugin event, fresh instance, `null` payload  | {:>13.2} | {:>8.1} |",
        micros(fixed),
        ratio(fixed)
    );
    tether_tests::bench_summary::add(&tether_tests::bench_summary::Row {
        bench: "plugin",
        what: "one plugin event, fresh instance, 1 KiB JSON payload",
        figure: tether_tests::bench_summary::readable(plugin),
        baseline: format!(
            "native call of the same logic {}",
            tether_tests::bench_summary::readable(native)
        ),
        ratio: ratio(plugin),
        target: Some(format!("≤ {} µs", TARGET.as_micros())),
        met: Some(plugin <= TARGET),
    });
    println!();
    println!(
        "target ≤ {} µs per event: {} ({:.2} µs)",
        TARGET.as_micros(),
        if plugin <= TARGET { "met" } else { "not met" },
        micros(plugin)
    );
}
