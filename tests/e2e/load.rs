//! The load generator `tether-load` against a real kernel, small: idle
//! agents connect, stay and leave (and every customer is heard leaving),
//! active sessions do their chat messages and refreshes (answered from the
//! real agent's recorded system information) without a failure; a load
//! aimed anywhere but this machine, or bigger than the open-files limit,
//! is refused before anything connects.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use tether_tests::bundled_manifests;
use tether_tests::kernel_process::{KernelProcess, StoppedKernel};
use tether_tests::load::checkpoint::Checkpoint;
use tether_tests::load::generator::Generator;
use tether_tests::load::{accounts, sysinfo_answer};

const CONFIG: &str = r#"
[sessions]
joins_per_address_per_hour = 10000
grace_secs = 1

[sites.default]
name = "Default"
plugins = ["sysinfo"]
max_customers_per_csr = 100
"#;

fn generator() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_tether-load"))
}

fn kernel_with_csrs(count: usize) -> KernelProcess {
    let stopped: StoppedKernel = KernelProcess::configure(&bundled_manifests(), CONFIG, &[]);
    accounts::create_csrs(&stopped, count, "default", 2).expect("accounts");
    stopped.launch()
}

fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

#[test]
fn idle_agents_connect_stay_and_leave() {
    let kernel = kernel_with_csrs(3);
    let mut load = Generator::start(
        generator(),
        &args(&[
            "idle",
            "--server",
            &kernel.base_url,
            "--agents",
            "25",
            "--per-session",
            "10",
            "--hold-secs",
            "1",
        ]),
        Duration::from_secs(120),
    );
    let csrs = load
        .expect("signed_in", |c| match c {
            Checkpoint::SignedIn { csrs, .. } => Some(csrs),
            _ => None,
        })
        .expect("signed in");
    assert_eq!(csrs, 3);
    load.go_on();
    let sessions = load
        .expect("sessions_ready", |c| match c {
            Checkpoint::SessionsReady { sessions, .. } => Some(sessions),
            _ => None,
        })
        .expect("sessions");
    assert_eq!(sessions, 3, "25 agents at 10 a session");
    load.go_on();
    let (agents, failed, first_failure) = load
        .expect("agents_connected", |c| match c {
            Checkpoint::AgentsConnected {
                agents,
                failed,
                first_failure,
                ..
            } => Some((agents, failed, first_failure)),
            _ => None,
        })
        .expect("connected");
    assert_eq!((agents, failed), (25, 0), "{first_failure:?}");
    load.go_on();
    let still = load
        .expect("agents_held", |c| match c {
            Checkpoint::AgentsHeld {
                still_connected, ..
            } => Some(still_connected),
            _ => None,
        })
        .expect("held");
    assert_eq!(still, 25, "the kernel keeps idle agents");
    load.go_on();
    let (heard, expected) = load
        .expect("agents_left", |c| match c {
            Checkpoint::AgentsLeft {
                heard, expected, ..
            } => Some((heard, expected)),
            _ => None,
        })
        .expect("left");
    assert_eq!((heard, expected), (25, 25));
    load.go_on();
    load.expect("finished", |c| match c {
        Checkpoint::Finished => Some(()),
        _ => None,
    })
    .expect("finished");
    load.go_on();
    load.finish().expect("exits successfully");
}

#[tokio::test(flavor = "multi_thread")]
async fn active_sessions_chat_and_refresh_without_failing() {
    let answer = sysinfo_answer::record_from_the_real_agent().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let answer_path = dir.path().join("answer.json");
    std::fs::write(&answer_path, answer.to_string()).expect("written");
    let kernel = kernel_with_csrs(3);

    let run = tokio::task::spawn_blocking(move || {
        let mut load = Generator::start(
            generator(),
            &args(&[
                "active",
                "--server",
                &kernel.base_url,
                "--sessions",
                "3",
                "--sysinfo-answer",
                &answer_path.display().to_string(),
                "--baseline-ops",
                "6",
                "--warmup-secs",
                "1",
                "--run-secs",
                "3",
            ]),
            Duration::from_secs(120),
        );
        let mut seen = Vec::new();
        loop {
            let checkpoint = load.expect("a checkpoint", Some).expect("checkpoint");
            load.go_on();
            let done = checkpoint == Checkpoint::Finished;
            seen.push(checkpoint);
            if done {
                break;
            }
        }
        load.finish().expect("exits successfully");
        drop(kernel);
        seen
    });
    let seen = run.await.expect("the generator ran");
    let names: Vec<String> = seen
        .iter()
        .map(|c| c.to_line().split('"').nth(3).unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "signed_in",
            "baseline_ready",
            "baseline_done",
            "sessions_ready",
            "measuring",
            "measured",
            "finished"
        ]
    );
    let Checkpoint::BaselineDone { chat, refresh, .. } = &seen[2] else {
        panic!("{:?}", seen[2]);
    };
    assert_eq!((chat.ops, refresh.ops), (3, 3), "{chat:?} {refresh:?}");
    assert_eq!((chat.failed, refresh.failed), (0, 0));
    let Checkpoint::SessionsReady {
        sessions, failed, ..
    } = &seen[3]
    else {
        panic!("{:?}", seen[3]);
    };
    assert_eq!((*sessions, *failed), (3, 0));
    let Checkpoint::Measured { chat, refresh, .. } = &seen[5] else {
        panic!("{:?}", seen[5]);
    };
    // Three sessions, one operation a second each, for three seconds.
    let ops = chat.ops + refresh.ops;
    assert!((6..=12).contains(&ops), "{chat:?} {refresh:?}");
    assert_eq!(
        (chat.failed, refresh.failed),
        (0, 0),
        "{:?} {:?}",
        chat.first_failure,
        refresh.first_failure
    );
    assert!(refresh.p50_ms.is_some_and(|ms| ms > 0.0));
}

#[test]
fn a_load_aimed_elsewhere_or_too_big_is_refused_before_connecting() {
    let elsewhere = Command::new(generator())
        .args(["idle", "--server", "http://10.1.2.3:8080", "--agents", "5"])
        .output()
        .expect("runs");
    assert!(!elsewhere.status.success());
    let said = String::from_utf8_lossy(&elsewhere.stderr);
    assert!(
        said.contains("the load goes to this machine only"),
        "{said}"
    );

    // Nothing listens there: a refused load never tries to connect.
    let too_big = Command::new(generator())
        .args([
            "idle",
            "--server",
            "http://127.0.0.1:9",
            "--agents",
            "1000000",
        ])
        .output()
        .expect("runs");
    assert!(!too_big.status.success());
    let said = String::from_utf8_lossy(&too_big.stderr);
    assert!(said.contains("open files"), "{said}");
    assert!(!said.contains("cannot connect"), "{said}");
}
