//! `cargo xtask bench load`: the kernel under many connections, driven by
//! the load generator `tether-load` (a process of its own, so what the
//! kernel's process uses is the kernel's alone), sampling the kernel's
//! resident memory (`/proc/PID/status` VmRSS) and processor time
//! (`/proc/PID/stat`) at each of the generator's checkpoints.
//!
//! - Idle: for each step (10,000 agents, the largest the open-files hard
//!   limit allows, then 25,000 and 50,000 only if it allows them), agents
//!   in sessions of 50 customers, one CSR console per session: memory at
//!   rest, connected, per agent, processor while idle, connect rate, and
//!   memory after every agent left. A step that does not fit says so, and
//!   its memory is extrapolated from the measured steps — labelled as such.
//! - Active: 1,000 sessions, each a CSR console, a customer page and an
//!   agent, doing one operation a second (a chat message, then a
//!   pre-granted system-information refresh, in turn): p50/p99 against
//!   the same operations of one session alone on the kernel, measured in
//!   the same run, and the kernel's processor time.
//!
//! Quick runs: `BENCH_LOAD_STEPS=500,max` (`max`: the largest that fits;
//! empty: no idle step), `BENCH_LOAD_SESSIONS=20` (0: no active run),
//! `BENCH_LOAD_RUN_SECS`, `BENCH_LOAD_WARMUP_SECS`, `BENCH_LOAD_HOLD_SECS`,
//! `BENCH_LOAD_PER_SESSION`, `BENCH_LOAD_BASELINE_OPS`. (Not `TETHER_…`:
//! the kernel reads those as its configuration.)

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tether_tests::bench_summary;

use tether_tests::kernel_process::{KernelProcess, StoppedKernel};
use tether_tests::load::checkpoint::Checkpoint;
use tether_tests::load::generator::Generator;
use tether_tests::load::latency::Latencies;
use tether_tests::load::plan::{self, MeasuredStep, Planned};
use tether_tests::load::{accounts, process_sample, sysinfo_answer};
use tether_tests::share_bench::cpu;
use tether_tests::{binaries_dir, bundled_manifests, workspace_root};

/// Limits that would refuse the load are opened up: joins come from a
/// few loopback addresses, each CSR hosts one session (of 50 customers
/// when idle), a customer whose agent left goes after 2 s (so memory
/// after they left can be read soon), and pool slots for 256 plugin
/// events at once (the default 64 would refuse refreshes as busy while
/// a thousand sessions wait on their agents).
const CONFIG: &str = r#"
[sessions]
join_attempts_per_minute = 100000
joins_per_address_per_hour = 1000000
unconnected_join_secs = 600
grace_secs = 2

[sites.default]
name = "Default"
plugins = ["sysinfo"]
session_mode = "single"
max_customers_per_csr = 1000
"#;
const PLUGIN_EVENTS_AT_ONCE: u32 = 256;

struct Settings {
    steps: Vec<plan::Step>,
    per_session: usize,
    hold_secs: usize,
    sessions: usize,
    warmup_secs: usize,
    run_secs: usize,
    baseline_ops: usize,
}

fn number(name: &str, default: usize) -> Result<usize, String> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(text) => text
            .trim()
            .replace('_', "")
            .parse()
            .map_err(|_| format!("{name}={text}: a whole number is expected")),
    }
}

impl Settings {
    fn from_env() -> Result<Settings, String> {
        let steps =
            std::env::var("BENCH_LOAD_STEPS").unwrap_or_else(|_| "10000,max,25000,50000".into());
        let settings = Settings {
            steps: plan::parse_steps(&steps).map_err(|e| format!("BENCH_LOAD_STEPS: {e}"))?,
            per_session: number("BENCH_LOAD_PER_SESSION", 50)?,
            hold_secs: number("BENCH_LOAD_HOLD_SECS", 15)?,
            sessions: number("BENCH_LOAD_SESSIONS", 1000)?,
            warmup_secs: number("BENCH_LOAD_WARMUP_SECS", 5)?,
            run_secs: number("BENCH_LOAD_RUN_SECS", 30)?,
            baseline_ops: number("BENCH_LOAD_BASELINE_OPS", 200)?,
        };
        if settings.per_session == 0 || settings.run_secs == 0 || settings.baseline_ops < 2 {
            return Err("BENCH_LOAD_PER_SESSION and BENCH_LOAD_RUN_SECS must be at least 1, BENCH_LOAD_BASELINE_OPS at least 2".into());
        }
        Ok(settings)
    }
}

fn generator_binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_tether-load"))
}

fn resident(pid: u32) -> Result<u64, String> {
    process_sample::resident_kib(pid).map_err(|e| e.to_string())
}

fn cpu_now(pid: u32) -> Result<(cpu::CpuReading, Instant), String> {
    Ok((cpu::read(pid).map_err(|e| e.to_string())?, Instant::now()))
}

/// Percent of one core and processor seconds between two readings.
fn cpu_between(from: (cpu::CpuReading, Instant), to: (cpu::CpuReading, Instant)) -> (f64, f64) {
    let percent = cpu::percent_of_a_core(from.0, to.0);
    (
        percent,
        percent / 100.0 * to.1.duration_since(from.1).as_secs_f64(),
    )
}

struct IdleFigures {
    agents: usize,
    sessions: usize,
    started_kib: u64,
    signed_in_kib: u64,
    connected: usize,
    failed: usize,
    first_failure: Option<String>,
    connect_secs: f64,
    rest_kib: u64,
    connected_kib: u64,
    idle_cpu_percent: f64,
    after_kib: u64,
    heard: usize,
    kernel_files: usize,
    generator_kib: u64,
}

fn idle_step(kernel: &KernelProcess, agents: usize, s: &Settings) -> Result<IdleFigures, String> {
    let pid = kernel.pid();
    let args: Vec<String> = [
        "idle",
        "--server",
        &kernel.base_url,
        "--agents",
        &agents.to_string(),
        "--per-session",
        &s.per_session.to_string(),
        "--hold-secs",
        &s.hold_secs.to_string(),
    ]
    .map(str::to_owned)
    .to_vec();
    let within = Duration::from_secs(240 + agents as u64 / 50 + s.hold_secs as u64);
    let started_kib = resident(pid)?;
    let mut generator = Generator::start(generator_binary(), &args, within);

    generator.expect("signed_in", |c| match c {
        Checkpoint::SignedIn { .. } => Some(()),
        _ => None,
    })?;
    let signed_in_kib = resident(pid)?;
    generator.go_on();

    let sessions = generator.expect("sessions_ready", |c| match c {
        Checkpoint::SessionsReady { sessions, .. } => Some(sessions),
        _ => None,
    })?;
    let rest_kib = resident(pid)?;
    generator.go_on();

    let (connected, failed, connect_secs, first_failure) =
        generator.expect("agents_connected", |c| match c {
            Checkpoint::AgentsConnected {
                agents,
                failed,
                seconds,
                first_failure,
            } => Some((agents, failed, seconds, first_failure)),
            _ => None,
        })?;
    let held_from = cpu_now(pid)?;
    generator.go_on();

    generator.expect("agents_held", |c| match c {
        Checkpoint::AgentsHeld { .. } => Some(()),
        _ => None,
    })?;
    let (idle_cpu_percent, _) = cpu_between(held_from, cpu_now(pid)?);
    let connected_kib = resident(pid)?;
    let kernel_files = process_sample::open_files(pid).map_err(|e| e.to_string())?;
    let generator_kib = resident(generator.pid())?;
    generator.go_on();

    let heard = generator.expect("agents_left", |c| match c {
        Checkpoint::AgentsLeft { heard, .. } => Some(heard),
        _ => None,
    })?;
    // What the kernel frees when the last customer is gone, it has freed
    // by now.
    std::thread::sleep(Duration::from_secs(2));
    let after_kib = resident(pid)?;
    generator.go_on();

    generator.expect("finished", |c| match c {
        Checkpoint::Finished => Some(()),
        _ => None,
    })?;
    generator.go_on();
    generator.finish()?;
    Ok(IdleFigures {
        agents,
        sessions,
        started_kib,
        signed_in_kib,
        connected,
        failed,
        first_failure,
        connect_secs,
        rest_kib,
        connected_kib,
        idle_cpu_percent,
        after_kib,
        heard,
        kernel_files,
        generator_kib,
    })
}

struct ActiveFigures {
    sessions: usize,
    failed_sessions: usize,
    first_failure: Option<String>,
    setup_secs: f64,
    baseline: (Latencies, Latencies),
    baseline_cpu_seconds: f64,
    load: (Latencies, Latencies),
    late: usize,
    run_secs: f64,
    kernel_cpu_percent: f64,
    kernel_cpu_seconds: f64,
    /// The kernel's busiest threads (by name) in the window, percent of
    /// one core each.
    busiest_threads: Vec<(String, f64)>,
    generator_cpu_percent: f64,
    /// Kernel RSS started, with every CSR signed in, with the first
    /// session alone, with every session set up, and after the measured
    /// window.
    started_kib: u64,
    signed_in_kib: u64,
    one_session_kib: u64,
    ready_kib: u64,
    loaded_kib: u64,
}

fn active_run(
    kernel: &KernelProcess,
    answer: &Path,
    s: &Settings,
) -> Result<ActiveFigures, String> {
    let pid = kernel.pid();
    let args: Vec<String> = [
        "active",
        "--server",
        &kernel.base_url,
        "--sessions",
        &s.sessions.to_string(),
        "--sysinfo-answer",
        &answer.display().to_string(),
        "--baseline-ops",
        &s.baseline_ops.to_string(),
        "--warmup-secs",
        &s.warmup_secs.to_string(),
        "--run-secs",
        &s.run_secs.to_string(),
    ]
    .map(str::to_owned)
    .to_vec();
    let within =
        Duration::from_secs(240 + s.sessions as u64 / 5 + (s.warmup_secs + s.run_secs) as u64);
    let started_kib = resident(pid)?;
    let mut generator = Generator::start(generator_binary(), &args, within);

    generator.expect("signed_in", |c| match c {
        Checkpoint::SignedIn { .. } => Some(()),
        _ => None,
    })?;
    let signed_in_kib = resident(pid)?;
    generator.go_on();

    generator.expect("baseline_ready", |c| match c {
        Checkpoint::BaselineReady => Some(()),
        _ => None,
    })?;
    let one_session_kib = resident(pid)?;
    let baseline_from = cpu_now(pid)?;
    generator.go_on();
    let baseline = generator.expect("baseline_done", |c| match c {
        Checkpoint::BaselineDone { chat, refresh, .. } => Some((chat, refresh)),
        _ => None,
    })?;
    let (_, baseline_cpu_seconds) = cpu_between(baseline_from, cpu_now(pid)?);
    generator.go_on();

    let (sessions, failed_sessions, setup_secs, first_failure) =
        generator.expect("sessions_ready", |c| match c {
            Checkpoint::SessionsReady {
                sessions,
                failed,
                seconds,
                first_failure,
            } => Some((sessions, failed, seconds, first_failure)),
            _ => None,
        })?;
    let ready_kib = resident(pid)?;
    generator.go_on();

    generator.expect("measuring", |c| match c {
        Checkpoint::Measuring { .. } => Some(()),
        _ => None,
    })?;
    let kernel_from = cpu_now(pid)?;
    let threads_from = process_sample::thread_times(pid).map_err(|e| e.to_string())?;
    let generator_from = cpu_now(generator.pid())?;
    generator.go_on();
    let (load_chat, load_refresh, late, run_secs) = generator.expect("measured", |c| match c {
        Checkpoint::Measured {
            chat,
            refresh,
            late,
            seconds,
        } => Some((chat, refresh, late, seconds)),
        _ => None,
    })?;
    let (kernel_cpu_percent, kernel_cpu_seconds) = cpu_between(kernel_from, cpu_now(pid)?);
    let threads_to = process_sample::thread_times(pid).map_err(|e| e.to_string())?;
    let busiest = process_sample::busiest_threads(&threads_from, &threads_to);
    let all_ticks: u64 = busiest.iter().map(|(_, ticks)| ticks).sum();
    let busiest_threads = busiest
        .into_iter()
        .take(6)
        .map(|(name, ticks)| {
            (
                name,
                kernel_cpu_percent * ticks as f64 / all_ticks.max(1) as f64,
            )
        })
        .collect();
    let (generator_cpu_percent, _) = cpu_between(generator_from, cpu_now(generator.pid())?);
    let loaded_kib = resident(pid)?;
    generator.go_on();

    generator.expect("finished", |c| match c {
        Checkpoint::Finished => Some(()),
        _ => None,
    })?;
    generator.go_on();
    generator.finish()?;
    Ok(ActiveFigures {
        sessions,
        failed_sessions,
        first_failure,
        setup_secs,
        baseline,
        baseline_cpu_seconds,
        load: (load_chat, load_refresh),
        late,
        run_secs,
        kernel_cpu_percent,
        kernel_cpu_seconds,
        busiest_threads,
        generator_cpu_percent,
        started_kib,
        signed_in_kib,
        one_session_kib,
        ready_kib,
        loaded_kib,
    })
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn ms(value: Option<f64>) -> String {
    value.map_or_else(|| "—".into(), |ms| format!("{ms:.2} ms"))
}

fn ratio(load: Option<f64>, baseline: Option<f64>) -> String {
    match (load, baseline) {
        (Some(load), Some(baseline)) if baseline > 0.0 => format!("{:.1}×", load / baseline),
        _ => "—".into(),
    }
}

/// The tree measured: commit, and whether it had changes not committed.
fn tree() -> String {
    Command::new("git")
        .args(["describe", "--always", "--dirty"])
        .current_dir(workspace_root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into())
}

fn print_idle(
    planned: &[Planned],
    measured: &[Result<IdleFigures, String>],
    hard: u64,
    s: &Settings,
) {
    println!();
    println!(
        "Idle agents: sessions of {} customers, each customer's agent connected with its join token and idle as the real agent is (it sends nothing unprompted; the kernel sends no ping); one CSR console per session. Held {} s. Open-files hard limit: {hard}.",
        s.per_session, s.hold_secs
    );
    println!();
    println!(
        "| agents | connected | connect rate | kernel RSS at rest | kernel RSS connected | per agent above rest | kernel CPU while idle | kernel RSS after all left | growth returned |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut figures = measured.iter();
    let mut points = Vec::new();
    for step in planned {
        match step {
            Planned::NotRun { agents, needed } => println!(
                "| {} | not run: open-files hard limit {hard} < needed {needed} | | | | | | | |",
                thousands(*agents)
            ),
            Planned::Run { agents } => match figures.next() {
                Some(Ok(f)) => {
                    let growth = f.connected_kib.saturating_sub(f.rest_kib);
                    let returned = f.connected_kib.saturating_sub(f.after_kib);
                    println!(
                        "| {} | {} | {:.0} /s | {} | {} | {:.1} KiB | {:.2} % | {} | {:.0} % |",
                        thousands(f.agents),
                        thousands(f.connected),
                        f.connected as f64 / f.connect_secs.max(f64::EPSILON),
                        mib(f.rest_kib),
                        mib(f.connected_kib),
                        growth as f64 / f.connected.max(1) as f64,
                        f.idle_cpu_percent,
                        mib(f.after_kib),
                        100.0 * returned as f64 / growth.max(1) as f64,
                    );
                    points.push(MeasuredStep {
                        agents: f.connected,
                        rest_kib: f.rest_kib,
                        connected_kib: f.connected_kib,
                    });
                    let per_agent_kib = growth as f64 / f.connected.max(1) as f64;
                    bench_summary::add(&bench_summary::Row {
                        bench: "load",
                        what: &format!(
                            "{} idle agents: kernel memory per agent",
                            thousands(f.connected)
                        ),
                        figure: format!("{per_agent_kib:.1} KiB ({} in all)", mib(f.connected_kib)),
                        baseline: format!("the kernel at rest {}", mib(f.rest_kib)),
                        ratio: f.connected_kib as f64 / f.rest_kib.max(1) as f64,
                        target: None,
                        met: None,
                    });
                }
                Some(Err(error)) => {
                    println!("| {} | failed: {error} | | | | | | | |", thousands(*agents))
                }
                None => {}
            },
        }
    }
    for f in measured.iter().flatten() {
        println!();
        println!(
            "{} agents: kernel RSS {} started, {} once the {} CSRs signed in, {} with their sessions and consoles (the rest above); {} failed to connect{}; {} customers heard leaving; kernel held {} open files connected; the generator's own RSS {}.",
            thousands(f.agents),
            mib(f.started_kib),
            mib(f.signed_in_kib),
            thousands(f.sessions),
            mib(f.rest_kib),
            f.failed,
            f.first_failure
                .as_ref()
                .map(|e| format!(" (first: {e})"))
                .unwrap_or_default(),
            thousands(f.heard),
            thousands(f.kernel_files),
            mib(f.generator_kib),
        );
    }
    let not_run: Vec<usize> = planned
        .iter()
        .filter_map(|p| match p {
            Planned::NotRun { agents, .. } => Some(*agents),
            Planned::Run { .. } => None,
        })
        .collect();
    if !not_run.is_empty() {
        println!();
        for agents in not_run {
            match plan::extrapolate(&points, agents) {
                Some(e) if agents == 50_000 => {
                    let rest = points
                        .iter()
                        .max_by_key(|p| p.agents)
                        .map_or(1, |p| p.rest_kib);
                    bench_summary::add(&bench_summary::Row {
                        bench: "load",
                        what: "50,000 idle agents: kernel memory (EXTRAPOLATED, not measured: open-files limit)",
                        figure: mib(e.kib.max(0.0) as u64),
                        baseline: format!("the kernel at rest {}", mib(rest)),
                        ratio: e.kib / rest.max(1) as f64,
                        target: Some("< 1.5 GB".into()),
                        met: Some(e.kib * 1024.0 < 1.5e9),
                    });
                    println!(
                        "EXTRAPOLATED, NOT MEASURED: {} agents ≈ {} kernel RSS (the measured {} agents' RSS plus their {:.1} KiB per agent above rest for each further agent).",
                        thousands(agents),
                        mib(e.kib.max(0.0) as u64),
                        thousands(e.from_agents),
                        e.slope_kib,
                    )
                }
                Some(e) => println!(
                    "EXTRAPOLATED, NOT MEASURED: {} agents ≈ {} kernel RSS (the measured {} agents' RSS plus their {:.1} KiB per agent above rest for each further agent).",
                    thousands(agents),
                    mib(e.kib.max(0.0) as u64),
                    thousands(e.from_agents),
                    e.slope_kib,
                ),
                None => println!(
                    "{} agents: no step ran, so nothing can be extrapolated.",
                    thousands(agents)
                ),
            }
        }
    }
}

fn print_active(figures: &ActiveFigures) {
    let f = figures;
    println!();
    println!(
        "Active: {} sessions (CSR console, customer page, agent) set up in {:.0} s ({} failed{}); each does one operation a second, a chat message and a pre-granted system-information refresh in turn, for {:.0} s after the warm-up. Baseline: one session alone on the same kernel, the same operations one after another. Load agents answer from the real agent's recorded answer.",
        thousands(f.sessions),
        f.setup_secs,
        f.failed_sessions,
        f.first_failure
            .as_ref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default(),
        f.run_secs
    );
    println!();
    println!(
        "| operation | baseline p50 | baseline p99 | load p50 | load p99 | p50 × baseline | p99 × baseline | ops | failed |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let rows = [
        ("chat message (`chat.send` → ok)", &f.baseline.0, &f.load.0),
        (
            "system-information refresh (`sysinfo` `refresh` → ok)",
            &f.baseline.1,
            &f.load.1,
        ),
    ];
    for (what, baseline, load) in rows {
        bench_summary::add(&bench_summary::Row {
            bench: "load",
            what: &format!("{} active sessions: {what}, p50", thousands(f.sessions)),
            figure: format!(
                "{} ({} failed of {})",
                ms(load.p50_ms),
                load.failed,
                thousands(load.ops + load.failed)
            ),
            baseline: format!("one session alone {}", ms(baseline.p50_ms)),
            ratio: match (load.p50_ms, baseline.p50_ms) {
                (Some(load), Some(baseline)) => load / baseline.max(f64::EPSILON),
                _ => f64::NAN,
            },
            target: None,
            met: None,
        });
        println!(
            "| {what} | {} | {} | {} | {} | {} | {} | {} | {} |",
            ms(baseline.p50_ms),
            ms(baseline.p99_ms),
            ms(load.p50_ms),
            ms(load.p99_ms),
            ratio(load.p50_ms, baseline.p50_ms),
            ratio(load.p99_ms, baseline.p99_ms),
            thousands(load.ops),
            load.failed
        );
    }
    for (what, latencies) in [("chat", &f.load.0), ("refresh", &f.load.1)] {
        if let Some(failure) = &latencies.first_failure {
            println!();
            println!("First failed {what}: {failure}");
        }
    }
    let load_ops = (f.load.0.ops + f.load.0.failed + f.load.1.ops + f.load.1.failed).max(1);
    let baseline_ops =
        (f.baseline.0.ops + f.baseline.0.failed + f.baseline.1.ops + f.baseline.1.failed).max(1);
    let per_op_load = 1e3 * f.kernel_cpu_seconds / load_ops as f64;
    let per_op_baseline = 1e3 * f.baseline_cpu_seconds / baseline_ops as f64;
    println!();
    let failed = f.load.0.failed + f.load.1.failed;
    let comparable = if failed == 0 {
        format!("{:.1}×", per_op_load / per_op_baseline.max(f64::EPSILON))
    } else {
        format!(
            "not comparable: {} operations were refused, most at once",
            thousands(failed)
        )
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "Kernel processor during the load: {:.0} % of one core ({:.0} % of this machine's {cores} cores); {:.2} ms per operation, against {:.2} ms per operation for the one session alone ({comparable}). Operations late (their session's previous one still unanswered at its second): {}. The generator used {:.0} % of one core.",
        f.kernel_cpu_percent,
        f.kernel_cpu_percent / cores as f64,
        per_op_load,
        per_op_baseline,
        thousands(f.late),
        f.generator_cpu_percent
    );
    let threads: Vec<String> = f
        .busiest_threads
        .iter()
        .map(|(name, percent)| format!("`{name}` {percent:.0} %"))
        .collect();
    println!();
    println!(
        "The kernel's busiest threads during the load (by name, % of one core): {}.",
        threads.join(", ")
    );
    println!();
    println!(
        "Kernel RSS: {} started, {} once the {} CSRs signed in, {} with one session, {} with all {} set up ({:.1} KiB per further session: console, page, agent and a granted consent), {} after the measured window.",
        mib(f.started_kib),
        mib(f.signed_in_kib),
        thousands(f.sessions + f.failed_sessions),
        mib(f.one_session_kib),
        mib(f.ready_kib),
        thousands(f.sessions),
        f.ready_kib.saturating_sub(f.one_session_kib) as f64
            / f.sessions.saturating_sub(1).max(1) as f64,
        mib(f.loaded_kib)
    );
}

fn main() {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("bench load: {error}");
            std::process::exit(2);
        }
    };
    let began = Instant::now();
    let (_, hard) = rlimit::Resource::NOFILE
        .get()
        .expect("the open-files limit");
    let planned = plan::plan(&settings.steps, hard, settings.per_session);
    let most_sessions = planned
        .iter()
        .filter_map(|p| match p {
            Planned::Run { agents } => Some(plan::sessions_for(*agents, settings.per_session)),
            Planned::NotRun { .. } => None,
        })
        .chain([settings.sessions])
        .max()
        .unwrap_or(0);

    let stopped: StoppedKernel = KernelProcess::configure(&bundled_manifests(), CONFIG, &[]);
    stopped.edit_config(|text| {
        text.replacen(
            "[plugins]\n",
            &format!("[plugins]\nmax_concurrent_events = {PLUGIN_EVENTS_AT_ONCE}\n"),
            1,
        )
    });
    let took = accounts::create_csrs(&stopped, most_sessions, "default", 2)
        .unwrap_or_else(|error| panic!("the CSR accounts: {error}"));
    eprintln!(
        "{} CSR accounts created with `tether admin create-user` in {:.1} s ({:.0} ms each, two at a time)",
        thousands(most_sessions),
        took.as_secs_f64(),
        1e3 * took.as_secs_f64() / most_sessions.max(1) as f64
    );

    let answer_dir = tempfile::tempdir().expect("temp dir");
    let answer_path: PathBuf = answer_dir.path().join("sysinfo-answer.json");
    if settings.sessions > 0 {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let answer = runtime.block_on(sysinfo_answer::record_from_the_real_agent());
        let text = answer.to_string();
        eprintln!(
            "recorded the real agent's system information: {} bytes",
            thousands(text.len())
        );
        std::fs::write(&answer_path, text).expect("answer written");
    }

    let mut stopped = stopped;
    let mut idle = Vec::new();
    for step in &planned {
        if let Planned::Run { agents } = step {
            let kernel = stopped.launch();
            eprintln!("idle step: {} agents", thousands(*agents));
            idle.push(idle_step(&kernel, *agents, &settings));
            stopped = kernel.stop();
        }
    }
    let active = (settings.sessions > 0).then(|| {
        let kernel = stopped.launch();
        eprintln!("active: {} sessions", thousands(settings.sessions));
        let figures = active_run(&kernel, &answer_path, &settings);
        drop(kernel.stop());
        figures
    });

    println!();
    println!(
        "Kernel: {} ({}), tree {}; this machine: {} cores.",
        binaries_dir().join("tether").display(),
        std::env::var("XTASK_BINARIES_PROFILE")
            .unwrap_or_else(|_| "debug, dependencies optimised".into()),
        tree(),
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    if !planned.is_empty() {
        print_idle(&planned, &idle, hard, &settings);
    }
    match active {
        Some(Ok(figures)) => print_active(&figures),
        Some(Err(error)) => println!("\nActive run failed: {error}"),
        None => {}
    }
    println!();
    println!(
        "The whole bench took {:.0} s.",
        began.elapsed().as_secs_f64()
    );
}
