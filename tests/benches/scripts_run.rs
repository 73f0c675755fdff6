//! `cargo xtask bench scripts`: a 1 MB script that exits at once, run on a
//! real agent through the bundled scripts plugin, next to what it cannot
//! beat, measured in the same run:
//!
//! * copying the same megabyte over a bare WebSocket on loopback (the
//!   baseline), and
//! * starting `/bin/sh -c 'exit 0'` and waiting for it (from this process).
//!
//! The run is timed pre-granted: from the customer's answer to the
//! permission prompt to the plugin's reply, which comes after the run's
//! last log line (chat and report). The scripts plugin asks before every
//! run (the prompt lists the scripts in order), so the prompt's round trip
//! is timed apart, as the run with its prompt. Each stage of the run comes
//! from the marks the kernel, the plugin and the agent log at debug level
//! (see `stages.rs`). Medians; the ratios are what to compare.

#[path = "scripts_run/stages.rs"]
mod stages;

use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use stages::{Breakdown, DETAILS, STAGES};
use tether_tests::agent_process::AgentProcess;
use tether_tests::bundled_manifests;
use tether_tests::clients::{Csr, Customer, StartedSession};
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::round_trips::loopback_websocket;
use tokio_tungstenite::tungstenite::Message;

/// Runs, each answered by the customer's page: a page may send 30
/// messages at once (then 5 a second), which these and the warm-up fit.
const RUNS: usize = 21;
const SHELL_STARTS: usize = 51;
const ONE_MB: usize = 1024 * 1024;
/// What the run may cost at most: this many times the copy and the
/// shell's start together.
const TARGET_FACTOR: f64 = 5.0;

/// A 1 MB shell script that exits at once: one `exit 0`, then comments.
fn one_mb_script() -> Vec<u8> {
    let mut script = b"echo done\nexit 0\n".to_vec();
    while script.len() < ONE_MB {
        script.extend_from_slice(b"# padding to one megabyte of script text\n");
    }
    script.truncate(ONE_MB);
    script
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Copies `bytes` to a bare WebSocket server on loopback and waits for
/// its one-byte acknowledgement.
async fn bare_websocket_copy(bytes: &[u8]) -> Vec<Duration> {
    let mut client = loopback_websocket(|message| {
        message
            .is_binary()
            .then(|| Message::Binary(vec![1u8].into()))
    })
    .await;
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        client
            .send(Message::Binary(bytes.to_vec().into()))
            .await
            .expect("send");
        client.next().await.expect("ack").expect("ack");
        times.push(started.elapsed());
    }
    times
}

/// Starts `/bin/sh -c 'exit 0'` and waits for it, as the agent starts a
/// script (a process of its own, its output piped).
async fn shell_starts() -> Vec<Duration> {
    let mut times = Vec::new();
    for _ in 0..SHELL_STARTS {
        let started = Instant::now();
        let status = tokio::process::Command::new("/bin/sh")
            .args(["-c", "exit 0"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .status()
            .await
            .expect("/bin/sh runs");
        assert!(status.success());
        times.push(started.elapsed());
    }
    times
}

/// A session with the customer's page and a real agent, the 1 MB script
/// in the library; the kernel and the agent log their stage marks.
struct Bench {
    kernel: KernelProcess,
    session: StartedSession,
    customer: Customer,
    agent: AgentProcess,
    script: String,
    _state: tempfile::TempDir,
}

impl Bench {
    async fn set_up(script: &[u8]) -> Bench {
        let accounts = [TestAccount {
            role: "admin",
            ..TestAccount::csr("anna", "Anna Berg", "default")
        }];
        let config = "[sites.default]\nname = \"Default\"\nplugins = [\"scripts\"]\n";
        let kernel = KernelProcess::configure(&bundled_manifests(), config, &accounts)
            .launch_logging(stages::KERNEL_LOG);
        let anna = Csr::sign_in(&kernel, "anna", "correct horse battery")
            .await
            .expect("signs in");
        let library = "/api/plugins/scripts/commands";
        anna.post(
            library,
            json!({ "name": "categories.set", "payload": { "categories": ["Bench"] } }),
        )
        .await;
        // The library's upload (a browser's) is not part of the run.
        let content = base64::engine::general_purpose::STANDARD.encode(script);
        let added = anna
            .post(library, json!({ "name": "library.add", "payload": {
                "name": "One megabyte", "category": "Bench", "script": { "file_name": "big.sh", "content": content } } }))
            .await;
        let id = added.body["id"].as_str().expect("script id").to_owned();

        let session = StartedSession::start(&kernel, "anna").await;
        let mut customer = Customer::join(&kernel, &session.number, "Carl").await;
        let state = tempfile::tempdir().expect("temp dir");
        let code = customer.agent_code().await;
        let agent = AgentProcess::spawn_with_env(
            state.path(),
            "simulated",
            &["join", &session.join_link],
            &[
                ("TETHER_AGENT_CODE", &code),
                ("RUST_LOG", stages::AGENT_LOG),
            ],
        );
        agent.wait_for_line("Connected to support session").await;
        Bench {
            kernel,
            session,
            customer,
            agent,
            script: id,
            _state: state,
        }
    }

    /// One run: `(with its prompt, pre-granted, stages)`.
    async fn run(&mut self) -> (Duration, Duration, Breakdown) {
        let kernel_seen = self.kernel_log().len();
        let agent_seen = self.agent.output().len();
        let started = Instant::now();
        let body = json!({ "session": self.session.number, "plugin": "scripts", "name": "run",
                           "payload": { "scripts": [self.script] } });
        let request = self
            .session
            .console
            .send_request("plugin.command", body)
            .await;
        let prompt = self.customer.page.event("consent.prompt").await;
        let answered_at = SystemTime::now();
        let answered = Instant::now();
        let answer = self
            .customer
            .page
            .send_request(
                "consent.answer",
                json!({ "request": prompt["request"], "granted": true }),
            )
            .await;
        let reply = self.session.console.reply_to(request).await;
        let (pre_granted, whole) = (answered.elapsed(), started.elapsed());
        let replied_at = SystemTime::now();
        assert_eq!(reply["body"]["results"][0]["exit_code"], 0, "{reply}");
        let answer = self.customer.page.reply_to(answer).await;
        assert_eq!(answer["type"], "ok", "{answer}");
        // The marks are written as the run goes; the last is in by now.
        let breakdown = stages::breakdown(
            &self.kernel_log()[kernel_seen..],
            &self.agent.output()[agent_seen..],
            answered_at,
            replied_at,
        );
        (whole, pre_granted, breakdown)
    }

    fn kernel_log(&self) -> Vec<String> {
        std::fs::read_to_string(self.kernel.log_path())
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

fn millis(time: Duration) -> String {
    format!("{:>7.2} ms", time.as_secs_f64() * 1e3)
}

fn row(what: &str, time: Option<Duration>, baseline: Duration) {
    match time {
        Some(time) => println!(
            "| {what:<92} | {} | {:>6.1}× |",
            millis(time),
            time.as_secs_f64() / baseline.as_secs_f64()
        ),
        None => println!("| {what:<92} | {:>10} | {:>7} |", "no mark", "—"),
    }
}

/// The median of one stage over the runs that logged both its marks.
fn stage_median(
    runs: &[Breakdown],
    stage: impl Fn(&Breakdown) -> Option<Duration>,
) -> Option<Duration> {
    let times: Vec<Duration> = runs.iter().filter_map(stage).collect();
    (!times.is_empty()).then(|| median(times))
}

#[tokio::main]
async fn main() {
    let script = one_mb_script();
    let baseline = median(bare_websocket_copy(&script).await);
    let shell = median(shell_starts().await);

    let mut bench = Bench::set_up(&script).await;
    // The first run warms what every later run finds ready.
    bench.run().await;
    let (mut whole, mut pre_granted, mut breakdowns) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let (with_prompt, without, marks) = bench.run().await;
        whole.push(with_prompt);
        pre_granted.push(without);
        breakdowns.push(marks);
    }
    let (whole, pre_granted) = (median(whole), median(pre_granted));
    let target = (baseline + shell).mul_f64(TARGET_FACTOR);

    println!();
    println!(
        "| {:<92} | {:>10} | {:>7} |",
        format!("what (a 1 MB script, median of {RUNS} runs)"),
        "time",
        "ratio"
    );
    println!("|{}|{}|{}|", "-".repeat(94), "-".repeat(12), "-".repeat(9));
    row(
        "bare 1 MB WebSocket copy on loopback (baseline)",
        Some(baseline),
        baseline,
    );
    row(
        "start /bin/sh -c 'exit 0' and wait for it",
        Some(shell),
        baseline,
    );
    row(
        &format!("target: {TARGET_FACTOR} × (copy + /bin/sh start)"),
        Some(target),
        baseline,
    );
    row(
        "script run, pre-granted: the customer's answer → the reply after its last log line",
        Some(pre_granted),
        baseline,
    );
    for (at, stage) in STAGES.iter().enumerate() {
        row(
            &format!("  {stage}"),
            stage_median(&breakdowns, |b| b.stages[at]),
            baseline,
        );
        for (detail, (of, what)) in DETAILS.iter().enumerate() {
            let time = stage_median(&breakdowns, |b| b.details[detail]);
            // A part neither this tree nor its marks have is left out.
            if *of == at && time.is_some() {
                row(&format!("       {what}"), time, baseline);
            }
        }
    }
    row(
        "script run with its permission prompt: \"run\" → the reply",
        Some(whole),
        baseline,
    );
    let factor = pre_granted.as_secs_f64() / (baseline + shell).as_secs_f64();
    tether_tests::bench_summary::add(&tether_tests::bench_summary::Row {
        bench: "scripts",
        what: "1 MB script, pre-granted: the customer's answer → the reply after its last log line",
        figure: tether_tests::bench_summary::readable(pre_granted),
        baseline: format!(
            "bare 1 MB copy {} + starting /bin/sh {}",
            tether_tests::bench_summary::readable(baseline),
            tether_tests::bench_summary::readable(shell)
        ),
        ratio: factor,
        target: Some(format!("≤ {TARGET_FACTOR}×")),
        met: Some(factor <= TARGET_FACTOR),
    });
    println!();
    println!(
        "Pre-granted run: {factor:.1}× (copy + /bin/sh start); the target is ≤ {TARGET_FACTOR}×."
    );
    println!(
        "Stages are medians of each stage (they need not add up to the median run); they come from"
    );
    println!(
        "the kernel's, the plugin's and the agent's debug marks (timestamps of one clock, this machine)."
    );
}
