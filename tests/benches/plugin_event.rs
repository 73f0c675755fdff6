//! `cargo xtask bench plugin`: the cost of one plugin event (fresh store and
//! instance, `handle` with a 1 KiB JSON payload, reply back in the kernel)
//! next to a native call of the same plugin logic, measured in the same run.
//! Three cases: the payload passed back as the JSON text it came as (what
//! the kernel and SDK add to an event: the target's case), the event with a
//! `null` payload (the fixed cost), and the payload parsed into a tree and
//! encoded again (the plugin's own logic on top).
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

fn command(name: &str, payload: &str) -> PluginEvent {
    PluginEvent::Command {
        session: None,
        sender: None,
        account: None,
        name: name.into(),
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
    let native = |name: &'static str| {
        let payload = payload.clone();
        let once = move || {
            let event = tether_sdk::Event::Command(tether_sdk::Command {
                session: None,
                sender: None,
                account: None,
                name: name.into(),
                payload: payload.clone(),
            });
            let reply = tether_sdk::dispatch::<fixture_echo::Echo>(event).expect("native echo");
            std::hint::black_box(reply);
        };
        for _ in 0..WARMUP {
            once();
        }
        median_per_call(|| {
            let started = Instant::now();
            for _ in 0..PER_BATCH {
                once();
            }
            started.elapsed()
        })
    };
    let native_passed = native("echo");
    let native_tree = native("echo-tree");

    let runtime = &runtime;
    let plugin_batch = |name: &'static str, payload: String| {
        let host = host.clone();
        move || {
            runtime.block_on(async {
                let started = Instant::now();
                for _ in 0..PER_BATCH {
                    let reply = host
                        .dispatch("bench", "echo", command(name, &payload))
                        .await
                        .expect("plugin echo");
                    std::hint::black_box(reply);
                }
                started.elapsed()
            })
        }
    };
    plugin_batch("echo", payload.clone())();
    let passed = median_per_call(plugin_batch("echo", payload.clone()));
    let fixed = median_per_call(plugin_batch("echo", "null".into()));
    let tree = median_per_call(plugin_batch("echo-tree", payload.clone()));

    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    let times = |d: Duration, base: Duration| d.as_secs_f64() / base.as_secs_f64();
    println!();
    println!("plugin event cost ({BATCHES} batches of {PER_BATCH}, median per call)");
    println!(
        "| case                                                  | per call (µs) | native (µs) | × native |"
    );
    println!(
        "|-------------------------------------------------------|---------------|-------------|----------|"
    );
    for (case, plugin, native) in [
        (
            "1 KiB JSON payload passed back as its text",
            passed,
            native_passed,
        ),
        ("`null` payload (the fixed cost)", fixed, native_passed),
        (
            "1 KiB payload parsed into a tree, encoded again",
            tree,
            native_tree,
        ),
    ] {
        println!(
            "| {case:<53} | {:>13.2} | {:>11.2} | {:>8.1} |",
            micros(plugin),
            micros(native),
            times(plugin, native)
        );
    }
    use tether_tests::bench_summary::{Row, add, readable};
    add(&Row {
        bench: "plugin",
        what: "one plugin event, fresh instance, 1 KiB JSON payload passed back",
        figure: readable(passed),
        baseline: format!("native call of the same logic {}", readable(native_passed)),
        ratio: times(passed, native_passed),
        target: Some(format!("≤ {} µs", TARGET.as_micros())),
        met: Some(passed <= TARGET),
    });
    add(&Row {
        bench: "plugin",
        what: "one plugin event, 1 KiB payload parsed into a tree and encoded again",
        figure: readable(tree),
        baseline: format!("native call of the same logic {}", readable(native_tree)),
        ratio: times(tree, native_tree),
        target: None,
        met: None,
    });
    println!();
    println!(
        "target ≤ {} µs per 1 KiB event: {} ({:.2} µs)",
        TARGET.as_micros(),
        if passed <= TARGET { "met" } else { "not met" },
        micros(passed)
    );
}
