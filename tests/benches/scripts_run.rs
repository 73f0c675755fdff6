//! `cargo xtask bench scripts`: from "run" to the last log line of a 1 MB
//! script that exits at once (library read, consent answered by the
//! customer's page, the transfer to a real agent, the run, the report),
//! next to copying the same megabyte over a bare WebSocket on loopback,
//! measured in the same run. Medians; the ratio is what to compare.

use std::time::{Duration, Instant};

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tether_tests::agent_process::AgentProcess;
use tether_tests::bundled_manifests;
use tether_tests::clients::{Csr, Customer, StartedSession};
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::round_trips::loopback_websocket;
use tokio_tungstenite::tungstenite::Message;

const RUNS: usize = 15;
const ONE_MB: usize = 1024 * 1024;

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

#[tokio::main]
async fn main() {
    let script = one_mb_script();
    let baseline = median(bare_websocket_copy(&script).await);

    let accounts = [TestAccount {
        role: "admin",
        ..TestAccount::csr("anna", "Anna Berg", "default")
    }];
    let config = "[sites.default]\nname = \"Default\"\nplugins = [\"scripts\"]\n";
    let kernel = KernelProcess::configure(&bundled_manifests(), config, &accounts).launch();
    let anna = Csr::sign_in(&kernel, "anna", "correct horse battery")
        .await
        .expect("signs in");
    let library = "/api/plugins/scripts/commands";
    anna.post(
        library,
        json!({ "name": "categories.set", "payload": { "categories": ["Bench"] } }),
    )
    .await;
    let content = base64::engine::general_purpose::STANDARD.encode(&script);
    let added = anna
        .post(library, json!({ "name": "library.add", "payload": {
            "name": "One megabyte", "category": "Bench", "script": { "file_name": "big.sh", "content": content } } }))
        .await;
    let id = added.body["id"].as_str().expect("script id").to_owned();

    let mut session = StartedSession::start(&kernel, "anna").await;
    let mut customer = Customer::join(&kernel, &session.number, "Carl").await;
    let state = tempfile::tempdir().expect("temp dir");
    let code = customer.agent_code().await;
    let agent = AgentProcess::for_page(state.path(), &session.join_link, &code);
    agent.wait_for_line("Connected to support session").await;

    let mut times = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let body = json!({ "session": session.number, "plugin": "scripts", "name": "run", "payload": { "scripts": [id] } });
        let request = session.console.send_request("plugin.command", body).await;
        customer.answer_prompt(true).await;
        let reply = session.console.reply_to(request).await;
        times.push(started.elapsed());
        assert_eq!(reply["body"]["results"][0]["exit_code"], 0, "{reply}");
    }
    let run = median(times);

    let rows = [
        ("bare WebSocket copy on loopback (baseline)", baseline),
        ("script run: \"run\" to its last log line", run),
    ];
    println!();
    println!(
        "| {:<44} | {:>9} | {:>6} |",
        format!("what (1 MB, median of {RUNS})"),
        "time",
        "ratio"
    );
    println!("|{}|{}|{}|", "-".repeat(46), "-".repeat(11), "-".repeat(8));
    for (what, time) in rows {
        let ratio = time.as_secs_f64() / baseline.as_secs_f64();
        println!(
            "| {what:<44} | {:>6.2} ms | {ratio:>5.1}× |",
            time.as_secs_f64() * 1e3
        );
    }
    println!();
    println!(
        "The run includes reading the library, one consent prompt answered by the customer's page,"
    );
    println!("base64 to the agent, a fresh folder, /bin/sh, the report and the reply.");
}
