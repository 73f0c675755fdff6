//! `cargo xtask bench share`: sharing one application, Tether against
//! x11vnc, on one Xvfb and measured in the same run. The fixture
//! application (`tether-fixture-motion`) redraws its whole 1280×720 window
//! 60 times a second with full-motion content and draws into every picture
//! its frame counter, the time it was drawn and its click count.
//!
//! * x11vnc serves that window (`-id`), watched by a minimal RFB viewer
//!   (Tight with JPEG quality 8, one incremental update request
//!   outstanding) that decodes every update;
//! * Tether: a kernel, a session, the real agent (release builds) joined
//!   for the customer, the window shared through the `stream-opener`
//!   fixture plugin under the customer's consent, and a headless viewer on
//!   the host's console socket that decodes every picture (VP8 with
//!   libvpx, then JPEG as a viewer without WebCodecs asks for) and
//!   acknowledges it.
//!
//! Each is measured for the same stretch after the same warm-up, clicking
//! into the window every 400 ms. Frames/s, bytes, processor time (from
//! /proc), drawn → decoded and click → picture latency; ratios against
//! x11vnc. The issue's targets are reported, not asserted.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use tether_protocol::stream::{Decoders, StreamId};
use tether_tests::agent_process::AgentProcess;
use tether_tests::clients::{Csr, Customer};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::share_bench::baseline::{self, X11vnc};
use tether_tests::share_bench::console::ConsoleSocket;
use tether_tests::share_bench::measure::Stretch;
use tether_tests::share_bench::report::{self, Column};
use tether_tests::share_bench::rfb::ENCODINGS_SAID;
use tether_tests::share_bench::viewer::{Viewer, Watched};
use tether_tests::xvfb::Xvfb;

const WARM_UP: Duration = Duration::from_secs(3);
const MEASURE: Duration = Duration::from_secs(15);
/// Where the viewers click: the middle of the window, clear of the marks.
const CLICK_AT: (u16, u16) = (640, 400);

const CONFIG: &str = r#"
[sessions]
consent_timeout_secs = 30
join_attempts_per_minute = 1000

[sites.default]
name = "Default"
plugins = ["stream-opener"]
"#;

/// The fixture application, killed when dropped.
struct Motion {
    child: Child,
    window: u32,
}

impl Motion {
    fn start(display: &str) -> Motion {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tether-fixture-motion"))
            .env("DISPLAY", display)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the motion fixture starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the fixture says its window");
        let window = line
            .trim()
            .strip_prefix("window ")
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("the fixture said {line:?}, not its window"));
        Motion { child, window }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Motion {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// x11vnc on the window, measured.
async fn measure_x11vnc(xvfb: &Xvfb, motion: &Motion) -> Column {
    let x11vnc = X11vnc::start(&xvfb.display, motion.window).expect("x11vnc serves the window");
    eprintln!("bench: x11vnc {}", x11vnc.arguments.join(" "));
    let stretch = Stretch::new(
        WARM_UP,
        MEASURE,
        vec![x11vnc.pid(), xvfb.pid(), motion.pid()],
    );
    let address = x11vnc.address.clone();
    let watched = tokio::task::spawn_blocking(move || baseline::watch(&address, CLICK_AT, stretch))
        .await
        .expect("the RFB viewer thread")
        .expect("the RFB viewer watches x11vnc");
    eprintln!(
        "bench: x11vnc sent {}×{} in {} updates of {} rectangles",
        watched.size.0, watched.size.1, watched.recorder.pictures, watched.rectangles
    );
    Column {
        name: "x11vnc".into(),
        measured: watched.measured,
        recorder: watched.recorder,
        source_cpu: watched.cpu[0],
        kernel_cpu: None,
        x_server_cpu: watched.cpu[1],
        application_cpu: watched.cpu[2],
    }
}

/// One line on how a system did, as soon as it is measured.
fn say(column: &Column) {
    eprintln!(
        "bench: {}: {:.1} frames/s, {:.1} KiB a picture, source {:.1} % of a core, p50 {:?} ms, click p50 {:?} ms",
        column.name,
        column.frames_per_second(),
        column.kib_per_picture().unwrap_or(0.0),
        column.source_cpu,
        column.latency_ms(50.0),
        column.input_latency_ms(50.0)
    );
}

fn column(name: &str, watched: Watched) -> Column {
    eprintln!(
        "bench: {name}: {}×{}, {} VP8 and {} JPEG pictures, {} keyframes, {} did not decode",
        watched.size.0,
        watched.size.1,
        watched.by_codec.0,
        watched.by_codec.1,
        watched.keyframes,
        watched.decode_errors
    );
    Column {
        name: name.into(),
        measured: watched.measured,
        recorder: watched.recorder,
        source_cpu: watched.cpu[0],
        kernel_cpu: Some(watched.cpu[1]),
        x_server_cpu: watched.cpu[2],
        application_cpu: watched.cpu[3],
    }
}

/// A command to the `stream-opener` plugin; its answer.
async fn plugin(console: &mut ConsoleSocket, session: &str, name: &str, payload: Value) -> Value {
    let body =
        json!({ "session": session, "plugin": "stream-opener", "name": name, "payload": payload });
    let answer = console
        .ok("plugin.command", body)
        .await
        .unwrap_or_else(|error| panic!("{name}: {error}"));
    assert!(answer.get("refused").is_none(), "{name}: {answer}");
    answer
}

/// Tether on the window: VP8 then JPEG, measured.
async fn measure_tether(xvfb: &Xvfb, motion: &Motion) -> (Column, Column) {
    let accounts = [TestAccount::csr("anna", "Anna Berg", "default")];
    let kernel = KernelProcess::configure(&fixture_manifests(), CONFIG, &accounts).launch();
    let anna = Csr::sign_in(&kernel, "anna", "correct horse battery")
        .await
        .expect("anna signs in");
    let mut console = ConsoleSocket::open(&kernel, &anna).await.expect("console");
    let started = console
        .ok("session.start", json!({}))
        .await
        .expect("session");
    let session = started["session"].as_str().expect("number").to_owned();
    let link = started["join_link"].as_str().expect("link").to_owned();
    let mut carl = Customer::join(&kernel, &session, "Carl").await;
    let code = carl.agent_code().await;
    let state = tempfile::tempdir().expect("temp dir");
    let agent = AgentProcess::spawn_with_env(
        state.path(),
        "linux",
        &["join", &link],
        &[("TETHER_AGENT_CODE", &code), ("DISPLAY", &xvfb.display)],
    );
    agent.wait_for_line("Connected to support session").await;

    // Carl allows view and control on his page.
    let ask = json!({ "participant": carl.participant, "capabilities": "app.share,app.control" });
    let (asked, _) = tokio::join!(
        plugin(&mut console, &session, "ask", ask),
        carl.answer_prompt(true)
    );
    assert_eq!(asked, "granted");
    let opened = plugin(
        &mut console,
        &session,
        "open",
        json!({ "participant": carl.participant, "capability": "app.share", "label": "Tether motion" }),
    )
    .await;
    let stream = opened["stream"].as_u64().expect("stream id");
    let sharing = plugin(
        &mut console,
        &session,
        "call",
        json!({ "participant": carl.participant, "capability": "app.share",
                "input": { "stream": stream, "window": motion.window, "viewers": "Anna Berg" } }),
    )
    .await;
    eprintln!("bench: app.share answered {sharing}");
    plugin(
        &mut console,
        &session,
        "call",
        json!({ "participant": carl.participant, "capability": "app.control",
                "input": { "stream": stream } }),
    )
    .await;
    let stream = StreamId::new(stream as u32).expect("never 0");
    let pids = || vec![agent.pid(), kernel.pid(), xvfb.pid(), motion.pid()];
    let click = Some((u32::from(CLICK_AT.0), u32::from(CLICK_AT.1)));
    let mut viewer = Viewer::new(stream);
    let both = Decoders {
        vp8: true,
        jpeg: true,
    };
    let stretch = Stretch::new(WARM_UP, MEASURE, pids());
    let vp8 = viewer
        .watch(&mut console, both, click, stretch)
        .await
        .expect("the viewer watches the VP8 stream");
    // As a viewer without WebCodecs asks: the agent sends JPEG from the
    // next keyframe on.
    let jpeg_only = Decoders {
        vp8: false,
        jpeg: true,
    };
    let stretch = Stretch::new(WARM_UP, MEASURE, pids());
    let jpeg = viewer
        .watch(&mut console, jpeg_only, click, stretch)
        .await
        .expect("the viewer watches the JPEG stream");
    (column("Tether VP8", vp8), column("Tether JPEG", jpeg))
}

/// The machine's load averages (1, 5 and 15 minutes): other work on the
/// machine shares its cores with everything measured.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

#[tokio::main]
async fn main() {
    let load_before = load();
    let xvfb = Xvfb::start();
    let motion = Motion::start(&xvfb.display);
    eprintln!(
        "bench: {WARM_UP:?} warm-up, then {MEASURE:?} measured, per system; window {:#x} on {}",
        motion.window, xvfb.display
    );
    let x11vnc = measure_x11vnc(&xvfb, &motion).await;
    say(&x11vnc);
    let (vp8, jpeg) = measure_tether(&xvfb, &motion).await;
    say(&vp8);
    say(&jpeg);
    let columns = [vp8, jpeg, x11vnc];
    println!();
    println!("{}", report::table(&columns, 2));
    println!(
        "One 1280×720 window redrawn at 60 Hz with full-motion content; {MEASURE:?} measured per system after {WARM_UP:?}, one after the other on one Xvfb."
    );
    println!(
        "x11vnc: its defaults with -id (polling and XDAMAGE hints), viewer asking for {ENCODINGS_SAID}; bytes as read off the RFB socket."
    );
    println!(
        "Tether: kernel and agent from {}; bytes are the stream frames (header, picture prefix, encoded picture), without WebSocket framing.",
        tether_tests::binaries_dir().display()
    );
    println!(
        "Machine: {} cores; load average (1, 5, 15 min) {load_before} before, {} after.",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load()
    );
    println!("Targets (reported, not asserted), Tether VP8 against x11vnc:");
    for (target, met) in report::targets(&columns[0], &columns[2]) {
        println!("  [{}] {target}", if met { "met" } else { "not met" });
    }
}
