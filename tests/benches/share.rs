//! `cargo xtask bench share [--direction customer|csr|both]`: sharing one
//! application, Tether against x11vnc, on one Xvfb and measured in the
//! same run. The fixture application (`tether-fixture-motion`) redraws its
//! whole 1280×720 window 60 times a second with full-motion content and
//! draws into every picture its frame counter, the time it was drawn and
//! its click count.
//!
//! * x11vnc serves that window (`-id`), watched by a minimal RFB viewer
//!   (Tight with JPEG quality 8, one incremental update request
//!   outstanding) that decodes every update;
//! * Tether, customer → CSR (the default): a kernel, a session, the real
//!   agent (release builds) joined for the customer, the window shared
//!   through the `stream-opener` fixture plugin under the customer's
//!   consent, and a headless viewer on the host's console socket that
//!   decodes every picture (VP8 with libvpx, then JPEG as a viewer without
//!   WebCodecs asks for) and acknowledges it;
//! * Tether, CSR → customer (`--direction csr`): the same agent joined for
//!   the CSR with a code from her console, the window shown from it, control
//!   given to the customer, and the headless viewer on the customer's page
//!   socket (VP8).
//!
//! Each is measured for the same stretch after the same warm-up, clicking
//! into the window every 400 ms. Frames/s, bytes, processor time (from
//! /proc), drawn → decoded and click → picture latency; ratios against
//! x11vnc. The issue's targets are reported, not asserted.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use tether_protocol::stream::{Decoders, StreamId};
use tether_tests::agent_process::AgentProcess;
use tether_tests::clients::{Csr, Customer, post_json};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::share_bench::baseline::{self, X11vnc};
use tether_tests::share_bench::measure::Stretch;
use tether_tests::share_bench::report::{self, Column};
use tether_tests::share_bench::rfb::ENCODINGS_SAID;
use tether_tests::share_bench::socket::ViewerSocket;
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
async fn plugin(console: &mut ViewerSocket, session: &str, name: &str, payload: Value) -> Value {
    let body =
        json!({ "session": session, "plugin": "stream-opener", "name": name, "payload": payload });
    let answer = console
        .ok("plugin.command", body)
        .await
        .unwrap_or_else(|error| panic!("{name}: {error}"));
    assert!(answer.get("refused").is_none(), "{name}: {answer}");
    answer
}

/// A kernel with the `stream-opener` fixture plugin, Anna signed in on
/// her console with a session started, and the customer Carl joined.
struct Desk {
    kernel: KernelProcess,
    console: ViewerSocket,
    session: String,
    link: String,
    /// Anna's participant in the session (the host).
    host: String,
}

impl Desk {
    async fn open() -> Desk {
        let accounts = [TestAccount::csr("anna", "Anna Berg", "default")];
        let kernel = KernelProcess::configure(&fixture_manifests(), CONFIG, &accounts).launch();
        let anna = Csr::sign_in(&kernel, "anna", "correct horse battery")
            .await
            .expect("anna signs in");
        let mut console = ViewerSocket::open_console(&kernel, &anna)
            .await
            .expect("console");
        let started = console
            .ok("session.start", json!({}))
            .await
            .expect("session");
        let text = |key: &str| {
            started[key]
                .as_str()
                .unwrap_or_else(|| panic!("session.start without {key}: {started}"))
                .to_owned()
        };
        Desk {
            session: text("session"),
            link: text("join_link"),
            host: text("participant"),
            kernel,
            console,
        }
    }

    /// The real agent joined with a one-time `code` on `xvfb`'s display.
    async fn agent(&self, xvfb: &Xvfb, code: &str, state: &Path) -> AgentProcess {
        let agent = AgentProcess::spawn_with_env(
            state,
            "linux",
            &["join", &self.link],
            &[("TETHER_AGENT_CODE", code), ("DISPLAY", &xvfb.display)],
        );
        agent.wait_for_line("Connected to support session").await;
        agent
    }

    async fn plugin(&mut self, name: &str, payload: Value) -> Value {
        plugin(&mut self.console, &self.session, name, payload).await
    }

    /// Opens a stream of `motion`'s window from `source`'s agent and
    /// shares it there for `viewers`.
    async fn share(&mut self, source: &str, motion: &Motion, viewers: &str) -> StreamId {
        let opened = self
            .plugin(
                "open",
                json!({ "participant": source, "capability": "app.share", "label": "Tether motion" }),
            )
            .await;
        let stream = opened["stream"].as_u64().expect("stream id");
        let sharing = self
            .plugin(
                "call",
                json!({ "participant": source, "capability": "app.share",
                        "input": { "stream": stream, "window": motion.window, "viewers": viewers } }),
            )
            .await;
        eprintln!("bench: app.share answered {sharing}");
        StreamId::new(stream as u32).expect("never 0")
    }
}

const BOTH: Decoders = Decoders {
    vp8: true,
    jpeg: true,
};
/// As a viewer without WebCodecs asks: the source sends JPEG from the
/// next keyframe on.
const JPEG_ONLY: Decoders = Decoders {
    vp8: false,
    jpeg: true,
};

fn click_at() -> Option<(u32, u32)> {
    Some((u32::from(CLICK_AT.0), u32::from(CLICK_AT.1)))
}

/// The customer shares the window with the CSR: VP8 then JPEG, watched on
/// the host's console.
async fn measure_customer_to_csr(xvfb: &Xvfb, motion: &Motion) -> Vec<Column> {
    let mut desk = Desk::open().await;
    let mut carl = Customer::join(&desk.kernel, &desk.session, "Carl").await;
    let code = carl.agent_code().await;
    let state = tempfile::tempdir().expect("temp dir");
    let agent = desk.agent(xvfb, &code, state.path()).await;

    // Carl allows view and control on his page.
    let ask = json!({ "participant": carl.participant, "capabilities": "app.share,app.control" });
    let (asked, _) = tokio::join!(desk.plugin("ask", ask), carl.answer_prompt(true));
    assert_eq!(asked, "granted");
    let stream = desk.share(&carl.participant, motion, "Anna Berg").await;
    desk.plugin(
        "call",
        json!({ "participant": carl.participant, "capability": "app.control",
                "input": { "stream": stream.get() } }),
    )
    .await;
    let pids = || vec![agent.pid(), desk.kernel.pid(), xvfb.pid(), motion.pid()];
    let mut viewer = Viewer::new(stream);
    let stretch = Stretch::new(WARM_UP, MEASURE, pids());
    let vp8 = viewer
        .watch(&mut desk.console, BOTH, click_at(), stretch)
        .await
        .expect("the viewer watches the VP8 stream");
    let stretch = Stretch::new(WARM_UP, MEASURE, pids());
    let jpeg = viewer
        .watch(&mut desk.console, JPEG_ONLY, click_at(), stretch)
        .await
        .expect("the viewer watches the JPEG stream");
    vec![column("Tether VP8", vp8), column("Tether JPEG", jpeg)]
}

/// The CSR shows the window to the customer from her own agent and gives
/// him control: VP8, watched on the customer's page.
async fn measure_csr_to_customer(xvfb: &Xvfb, motion: &Motion) -> Vec<Column> {
    let mut desk = Desk::open().await;
    let joined = post_json(
        &desk.kernel,
        "/api/join",
        json!({ "session": desk.session, "display_name": "Carl" }),
    )
    .await;
    assert_eq!(joined.status, 200, "join: {}", joined.text);
    let carl = joined.body["participant"]
        .as_str()
        .expect("participant")
        .to_owned();
    let token = joined.body["token"].as_str().expect("token").to_owned();
    let mut page = ViewerSocket::open_page(&desk.kernel, &token)
        .await
        .expect("Carl's page");
    let code = desk
        .console
        .ok("agent.code", json!({ "session": desk.session }))
        .await
        .expect("a code for Anna's own agent");
    let code = code["code"].as_str().expect("code").to_owned();
    let state = tempfile::tempdir().expect("temp dir");
    let agent = desk.agent(xvfb, &code, state.path()).await;

    let host = desk.host.clone();
    let stream = desk.share(&host, motion, "Carl").await;
    let given = desk
        .plugin("give", json!({ "stream": stream.get(), "to": carl }))
        .await;
    eprintln!("bench: control given: {given}");
    let pids = vec![agent.pid(), desk.kernel.pid(), xvfb.pid(), motion.pid()];
    let stretch = Stretch::new(WARM_UP, MEASURE, pids);
    let vp8 = Viewer::new(stream)
        .watch(&mut page, BOTH, click_at(), stretch)
        .await
        .expect("the customer's page watches the VP8 stream");
    vec![column("Tether VP8 CSR → customer", vp8)]
}

/// Which way `cargo xtask bench share --direction …` measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    CustomerToCsr,
    CsrToCustomer,
    Both,
}

impl Direction {
    /// Not `TETHER_…`: the kernel the bench starts reads those as its
    /// configuration.
    fn from_env() -> Direction {
        match std::env::var("XTASK_SHARE_DIRECTION").as_deref() {
            Ok("csr") => Direction::CsrToCustomer,
            Ok("both") => Direction::Both,
            Ok("customer") | Err(_) => Direction::CustomerToCsr,
            Ok(other) => panic!("unknown direction `{other}`: customer, csr or both"),
        }
    }
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
    let direction = Direction::from_env();
    let x11vnc = measure_x11vnc(&xvfb, &motion).await;
    say(&x11vnc);
    let mut columns = Vec::new();
    if direction != Direction::CsrToCustomer {
        columns.extend(measure_customer_to_csr(&xvfb, &motion).await);
    }
    if direction != Direction::CustomerToCsr {
        columns.extend(measure_csr_to_customer(&xvfb, &motion).await);
    }
    for column in &columns {
        say(column);
    }
    columns.push(x11vnc);
    let baseline = columns.len() - 1;
    println!();
    println!("{}", report::table(&columns, baseline));
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
    for tether in columns.iter().filter(|c| c.name.contains("VP8")) {
        println!(
            "Targets (reported, not asserted), {} against x11vnc:",
            tether.name
        );
        let x11vnc = &columns[baseline];
        for (target, met) in report::targets(tether, x11vnc) {
            println!("  [{}] {target}", if met { "met" } else { "not met" });
        }
        let fps = tether.frames_per_second();
        let base_fps = x11vnc.frames_per_second();
        tether_tests::bench_summary::add(&tether_tests::bench_summary::Row {
            bench: "share",
            what: &format!("{}: frames/s at 1280×720", tether.name),
            figure: format!(
                "{fps:.1} frames/s, agent {:.1} % of a core",
                tether.source_cpu
            ),
            baseline: format!(
                "x11vnc {base_fps:.1} frames/s, {:.1} % of a core",
                x11vnc.source_cpu
            ),
            ratio: fps / base_fps.max(f64::EPSILON),
            target: Some("≥ 30 frames/s, ≥ x11vnc's".into()),
            met: Some(fps >= 30.0 && fps >= base_fps),
        });
    }
}
