//! Sharing applications, the agent's side, for real: a real Xvfb with real
//! X applications (the tests' fixture window of a known colour that
//! reports the clicks and keys it gets, and `xterm`), the real agent
//! joined to a real kernel, and the `stream-opener` fixture plugin opening
//! the stream and calling `app.share` and `app.control` under the
//! customer's consent (given in the agent's terminal). The host CSR's
//! console receives the pictures and sends acknowledgements, keyframe
//! requests and input, as the console viewer does.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tether_protocol::stream::{
    Codec, Decoders, FrameFlags, FrameKind, InputEvent, Picture, StreamFrame, StreamId,
};
use tether_tests::agent_process::AgentProcess;
use tether_tests::clients::{StartedSession, WsClient};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::xvfb::{XApp, Xvfb};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _, Window};
use x11rb::protocol::xtest::ConnectionExt as _;

const CONFIG: &str = r#"
[sessions]
join_attempts_per_minute = 1000
consent_timeout_secs = 20

[sites.default]
name = "Default"
plugins = ["stream-opener"]
"#;

/// The fixture window's colour, and where and how large it is.
const COLOUR: [u8; 3] = [0xcc, 0x33, 0x11];
const WIDTH: u16 = 320;
const HEIGHT: u16 = 200;

/// Between two input events.
const INPUT_PACE: Duration = Duration::from_millis(5);

/// How long to watch for something that must not happen.
const QUIET_FOR: Duration = Duration::from_millis(1200);

fn fixture_window() -> &'static str {
    env!("CARGO_BIN_EXE_tether-fixture-window")
}

/// The fixture window titled `title`, of [`COLOUR`], reporting its
/// input into `report` when given.
fn fixture(display: &str, title: &str, report: Option<&Path>, animate: bool) -> XApp {
    let colour = format!("{:02x}{:02x}{:02x}", COLOUR[0], COLOUR[1], COLOUR[2]);
    let mut args = vec!["--title", title, "--colour", &colour];
    let report = report.map(|path| path.display().to_string());
    if let Some(path) = &report {
        args.extend(["--report", path]);
    }
    if animate {
        args.push("--animate");
    }
    XApp::start(display, fixture_window(), &args)
}

/// The test's own look at the display (to find windows, and to press the
/// indicator's button as the customer would).
struct Screen {
    connection: x11rb::rust_connection::RustConnection,
    root: Window,
}

impl Screen {
    /// Connects (again while Xvfb resets after its readiness check: it
    /// does when its last client leaves). Open before the applications
    /// start, it keeps the server from resetting under them.
    fn open(display: &str) -> Screen {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let connected = x11rb::connect(Some(display))
                .ok()
                .and_then(|(connection, screen)| {
                    connection.get_input_focus().ok()?.reply().ok()?;
                    let root = connection.setup().roots[screen].root;
                    Some(Screen { connection, root })
                });
            if let Some(screen) = connected {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the test cannot reach X on {display}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn name(&self, window: Window) -> Option<String> {
        let reply = self
            .connection
            .get_property(false, window, AtomEnum::WM_NAME, AtomEnum::ANY, 0, 256)
            .ok()?
            .reply()
            .ok()?;
        Some(String::from_utf8_lossy(&reply.value).into_owned())
    }

    /// The window named `name` at or below `under`, depth first.
    fn find_below(&self, under: Window, name: &str) -> Option<Window> {
        let children = self
            .connection
            .query_tree(under)
            .ok()?
            .reply()
            .ok()?
            .children;
        children.iter().find_map(|&child| {
            if self.name(child).as_deref() == Some(name) {
                Some(child)
            } else {
                self.find_below(child, name)
            }
        })
    }

    /// Waits until a window named `name` is on the screen.
    async fn wait_for(&self, name: &str) -> Window {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(window) = self.find_below(self.root, name) {
                return window;
            }
            assert!(Instant::now() < deadline, "no window named {name:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks the middle of `window` with the display's own test input.
    fn click(&self, window: Window) {
        let geometry = self
            .connection
            .get_geometry(window)
            .expect("request")
            .reply()
            .expect("geometry");
        let at = self
            .connection
            .translate_coordinates(
                window,
                self.root,
                (geometry.width / 2) as i16,
                (geometry.height / 2) as i16,
            )
            .expect("request")
            .reply()
            .expect("place");
        let c = &self.connection;
        c.xtest_fake_input(6, 0, 0, self.root, at.dst_x, at.dst_y, 0)
            .expect("move");
        c.xtest_fake_input(4, 1, 0, self.root, 0, 0, 0)
            .expect("press");
        c.xtest_fake_input(5, 1, 0, self.root, 0, 0, 0)
            .expect("release");
        c.flush().expect("flush");
    }
}

struct Setup {
    kernel: KernelProcess,
    host: WsClient,
    number: String,
    carl: String,
    agent: AgentProcess,
    _state: tempfile::TempDir,
}

async fn setup(xvfb: &Xvfb) -> Setup {
    let kernel = KernelProcess::configure(
        &fixture_manifests(),
        CONFIG,
        &[TestAccount::csr("anna", "Anna Berg", "default")],
    )
    .launch();
    let started = StartedSession::start(&kernel, "anna").await;
    let mut host = started.console;
    let state = tempfile::tempdir().expect("temp dir");
    let agent = AgentProcess::spawn_with_env(
        state.path(),
        "linux",
        &["join", &started.join_link, "--name", "Carl Customer"],
        &[("DISPLAY", &xvfb.display)],
    );
    agent
        .wait_for_line(&format!("Connected to support session {}", started.number))
        .await;
    let joined = host.event("participant.joined").await;
    let carl = joined["participant"]["id"]
        .as_str()
        .expect("participant id")
        .to_owned();
    Setup {
        kernel,
        host,
        number: started.number,
        carl,
        agent,
        _state: state,
    }
}

impl Setup {
    /// A command to the `stream-opener` plugin; its reply.
    async fn plugin(&mut self, name: &str, payload: Value) -> Value {
        let body = json!({ "session": self.number, "plugin": "stream-opener", "name": name, "payload": payload });
        let reply = self.host.request("plugin.command", body).await;
        assert_eq!(reply["type"], "ok", "{name}: {reply}");
        reply["body"].clone()
    }

    /// The customer allows `capabilities` (comma-separated) in the
    /// agent's terminal.
    async fn allow(&mut self, capabilities: &str) {
        let seen = self.agent.prompts_seen();
        let body = json!({ "session": self.number, "plugin": "stream-opener", "name": "ask",
                           "payload": { "participant": self.carl, "capabilities": capabilities } });
        let id = self.host.send_request("plugin.command", body).await;
        self.agent.answer_prompt(seen, "y").await;
        assert_eq!(self.host.reply_to(id).await["body"], "granted");
    }

    /// Opens a stream from Carl's computer under `app.share`.
    async fn open(&mut self, label: &str) -> u32 {
        let carl = self.carl.clone();
        let opened = self
            .plugin(
                "open",
                json!({ "participant": carl, "capability": "app.share", "label": label }),
            )
            .await;
        let stream = opened["stream"].as_u64().expect("a stream id") as u32;
        assert_eq!(self.host.event("stream.opened").await["stream"], stream);
        stream
    }

    /// Calls Carl's agent; its answer, or `{"refused": …}`.
    async fn call(&mut self, capability: &str, input: Value) -> Value {
        let carl = self.carl.clone();
        self.plugin(
            "call",
            json!({ "participant": carl, "capability": capability, "input": input }),
        )
        .await
    }

    async fn share(&mut self, stream: u32, window: Window) -> Value {
        let answer = self
            .call(
                "app.share",
                json!({ "stream": stream, "window": window, "viewers": "Anna Berg" }),
            )
            .await;
        assert!(answer.get("refused").is_none(), "{answer}");
        answer
    }

    async fn refused(&mut self, capability: &str, input: Value) -> String {
        let answer = self.call(capability, input).await;
        answer["refused"]
            .as_str()
            .unwrap_or_else(|| panic!("{capability} should be refused: {answer}"))
            .to_owned()
    }

    async fn counter(&self, name: &str) -> u64 {
        let (_, health) = self.kernel.get_json("/healthz").await;
        health["streams"][name].as_u64().expect("a stream counter")
    }

    /// The next picture of `stream` the host gets, acknowledged unless
    /// `ack` is false (those of other streams are acknowledged and passed
    /// over).
    async fn picture(&mut self, stream: u32, ack: bool) -> Shown {
        loop {
            let bytes = self.host.binary().await;
            let (of, shown) = Shown::decode(&bytes);
            if ack || of != stream {
                self.host
                    .send_binary(frame(FrameKind::Ack, of, shown.sequence, &[]))
                    .await;
            }
            if of == stream {
                return shown;
            }
        }
    }

    /// Whether a picture comes within [`QUIET_FOR`].
    async fn picture_comes(&mut self) -> bool {
        tokio::time::timeout(QUIET_FOR, self.host.binary())
            .await
            .is_ok()
    }

    /// Sends one input event, at a pace a person could type (the
    /// kernel's queue of frames to the agent is short: a burst would
    /// overflow it).
    async fn send_input(&mut self, stream: u32, event: InputEvent) {
        let payload = serde_json::to_vec(&event).expect("JSON");
        self.host
            .send_binary(frame(FrameKind::Input, stream, 0, &payload))
            .await;
        tokio::time::sleep(INPUT_PACE).await;
    }

    async fn type_text(&mut self, stream: u32, text: &str) {
        for c in text.chars() {
            let keysym = match c {
                '\n' => 0xff0d,
                c => c as u32,
            };
            for pressed in [true, false] {
                self.send_input(stream, InputEvent::Key { keysym, pressed })
                    .await;
            }
        }
    }

    async fn click(&mut self, stream: u32, x: u32, y: u32) {
        for pressed in [true, false] {
            let event = InputEvent::PointerButton {
                x,
                y,
                button: 1,
                pressed,
            };
            self.send_input(stream, event).await;
        }
    }
}

fn frame(kind: FrameKind, stream: u32, sequence: u32, payload: &[u8]) -> Vec<u8> {
    StreamFrame {
        kind,
        flags: FrameFlags::default(),
        stream: StreamId::new(stream).expect("not 0"),
        sequence,
        payload,
    }
    .encode()
}

fn keyframe_request(stream: u32, vp8: bool) -> Vec<u8> {
    let decoders = Decoders { vp8, jpeg: true };
    frame(FrameKind::KeyframeRequest, stream, 0, &[decoders.byte()])
}

/// One picture as the host got it.
#[derive(Debug)]
struct Shown {
    sequence: u32,
    keyframe: bool,
    codec: Codec,
    width: u16,
    height: u16,
    data: Vec<u8>,
}

impl Shown {
    /// The stream it came on, and the picture.
    fn decode(bytes: &[u8]) -> (u32, Shown) {
        let frame = StreamFrame::decode(bytes).expect("a stream frame");
        assert_eq!(frame.kind, FrameKind::Picture);
        let picture = Picture::decode(frame.payload).expect("a picture");
        let shown = Shown {
            sequence: frame.sequence,
            keyframe: frame.flags.keyframe,
            codec: picture.codec,
            width: picture.width,
            height: picture.height,
            data: picture.data.to_vec(),
        };
        (frame.stream.get(), shown)
    }

    /// A JPEG of the fixture's colour (around its middle), or a VP8
    /// keyframe of its size (the bitstream's own header says so).
    fn assert_shows_the_fixture(&self) {
        assert_eq!((self.width, self.height), (WIDTH, HEIGHT));
        match self.codec {
            Codec::Jpeg => {
                let mut decoder = jpeg_decoder::Decoder::new(&self.data[..]);
                let pixels = decoder.decode().expect("the JPEG decodes");
                let info = decoder.info().expect("JPEG info");
                assert_eq!((info.width, info.height), (WIDTH, HEIGHT));
                assert_eq!(info.pixel_format, jpeg_decoder::PixelFormat::RGB24);
                for (x, y) in [(160usize, 100usize), (20, 180), (300, 60)] {
                    let at = (y * usize::from(WIDTH) + x) * 3;
                    let pixel = &pixels[at..at + 3];
                    for (got, want) in pixel.iter().zip(COLOUR) {
                        assert!(
                            got.abs_diff(want) <= 12,
                            "pixel ({x}, {y}) is {pixel:?}, not {COLOUR:?}"
                        );
                    }
                }
            }
            Codec::Vp8 => {
                assert!(self.keyframe);
                let data = &self.data;
                assert_eq!(data[0] & 1, 0, "a VP8 key frame");
                assert_eq!(&data[3..6], &[0x9d, 0x01, 0x2a], "VP8 start code");
                let width = u16::from_le_bytes([data[6], data[7]]) & 0x3fff;
                let height = u16::from_le_bytes([data[8], data[9]]) & 0x3fff;
                assert_eq!((width, height), (WIDTH, HEIGHT));
            }
        }
    }
}

#[tokio::test]
async fn a_shared_window_streams_paced_pictures_with_keyframes_on_request() {
    let xvfb = Xvfb::start();
    let screen = Screen::open(&xvfb.display);
    let _ledger = fixture(&xvfb.display, "Ledger", None, true);
    let window = screen.wait_for("Ledger").await;
    let mut s = setup(&xvfb).await;
    s.allow("app.share").await;
    let stream = s.open("Ledger").await;

    let answer = s.share(stream, window).await;
    assert_eq!(answer["stream"], stream);
    assert_eq!(answer["window"], window);
    assert_eq!(answer["title"], "Ledger");
    assert_eq!(
        (answer["width"].clone(), answer["height"].clone()),
        (json!(320), json!(200))
    );
    let codec = answer["codec"].as_str().expect("codec").to_owned();
    assert!(codec == "vp8" || codec == "jpeg", "{answer}");

    // A keyframe first, of the window, in the codec the answer said.
    let first = s.picture(stream, false).await;
    assert_eq!(first.sequence, 1);
    assert!(first.keyframe);
    assert_eq!(first.codec == Codec::Vp8, codec == "vp8");
    first.assert_shows_the_fixture();

    // The window keeps changing, yet without acknowledgements no more than
    // two pictures come, and the agent sends no more (the kernel would
    // skip and count them).
    let second = s.picture(stream, false).await;
    assert_eq!(second.sequence, 2);
    let skipped = s.counter("frames_skipped").await;
    assert!(
        !s.picture_comes().await,
        "a third picture without acknowledgement"
    );
    assert_eq!(s.counter("frames_skipped").await, skipped);

    // Acknowledged, pictures flow again: the newest window, one after
    // another.
    for sequence in [1, 2] {
        s.host
            .send_binary(frame(FrameKind::Ack, stream, sequence, &[]))
            .await;
    }
    let third = s.picture(stream, true).await;
    assert_eq!(third.sequence, 3);
    let fourth = s.picture(stream, true).await;
    assert_eq!(fourth.sequence, 4);
    if codec == "vp8" {
        assert!(
            !third.keyframe && !fourth.keyframe,
            "deltas between keyframes"
        );
    }

    // A keyframe request gives a keyframe (after what was on its way).
    s.host.send_binary(keyframe_request(stream, true)).await;
    let mut keyframe = None;
    for _ in 0..6 {
        let shown = s.picture(stream, true).await;
        if shown.keyframe {
            keyframe = Some(shown);
            break;
        }
    }
    let keyframe = keyframe.expect("a keyframe after the request");
    assert_eq!(keyframe.codec == Codec::Vp8, codec == "vp8");

    // A viewer without VP8: JPEG from the next keyframe on, for good.
    s.host.send_binary(keyframe_request(stream, false)).await;
    let mut jpeg = None;
    for _ in 0..6 {
        let shown = s.picture(stream, true).await;
        if shown.codec == Codec::Jpeg {
            jpeg = Some(shown);
            break;
        }
    }
    let jpeg = jpeg.expect("JPEG after a viewer said it decodes nothing else");
    assert!(jpeg.keyframe);
    jpeg.assert_shows_the_fixture();
    s.host.send_binary(keyframe_request(stream, true)).await;
    for _ in 0..3 {
        assert_eq!(s.picture(stream, true).await.codec, Codec::Jpeg, "for good");
    }

    // The stream closes: the agent stops sending (the kernel would count
    // each late picture as refused).
    let closed = s
        .plugin(
            "close",
            json!({ "stream": stream, "reason": "the CSR stopped viewing" }),
        )
        .await;
    assert_eq!(closed["closed"], stream);
    assert_eq!(s.host.event("stream.closed").await["stream"], stream);
    s.agent
        .wait_for_line("Stopped sharing: the CSR stopped viewing.")
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refused = s.counter("frames_refused").await;
    tokio::time::sleep(QUIET_FOR).await;
    assert_eq!(
        s.counter("frames_refused").await,
        refused,
        "pictures after the close"
    );
}

#[tokio::test]
async fn the_share_ends_with_its_window_and_when_the_customer_presses_stop_sharing() {
    let xvfb = Xvfb::start();
    let screen = Screen::open(&xvfb.display);
    let ledger = fixture(&xvfb.display, "Ledger", None, false);
    let _notes = fixture(&xvfb.display, "Notes", None, false);
    let _terminal = XApp::start(&xvfb.display, "xterm", &["-T", "Terminal"]);
    let ledger_window = screen.wait_for("Ledger").await;
    let notes_window = screen.wait_for("Notes").await;
    let terminal_window = screen.wait_for("Terminal").await;
    let mut s = setup(&xvfb).await;
    s.allow("app.share").await;

    // The window closing ends its share: the kernel hears it from the
    // agent (`stream.stop`), and the share's call ended.
    let first = s.open("Ledger").await;
    s.share(first, ledger_window).await;
    s.picture(first, true).await.assert_shows_the_fixture();
    ledger.stop();
    let closed = s.host.event("stream.closed").await;
    assert_eq!(closed["stream"], first);
    assert_eq!(
        closed["reason"],
        "Carl Customer stopped sharing: the shared window was closed"
    );
    s.agent
        .wait_for_line("Stopped sharing: the shared window was closed")
        .await;
    let report = wait_for_report_line(&s, "activity.ended").await;
    assert!(report.contains("the shared window was closed"), "{report}");

    // Two shares: the indicator shows; its window is the agent's own and
    // is never shared. Stop sharing on it stops both.
    let second = s.open("Notes").await;
    s.share(second, notes_window).await;
    let third = s.open("Terminal").await;
    s.share(third, terminal_window).await;
    let indicator = screen.wait_for("Tether: sharing").await;
    let fourth = s.open("Indicator").await;
    let refusal = s
        .refused(
            "app.share",
            json!({ "stream": fourth, "window": indicator }),
        )
        .await;
    assert!(
        refusal.contains("is not a window of an application"),
        "{refusal}"
    );
    let button = screen.wait_for("Stop sharing").await;
    screen.click(button);
    let mut stopped = Vec::new();
    while stopped.len() < 2 {
        let closed = s.host.event("stream.closed").await;
        assert_eq!(
            closed["reason"],
            "Carl Customer stopped sharing: the customer pressed Stop sharing on their screen"
        );
        stopped.push(closed["stream"].as_u64().expect("stream") as u32);
    }
    stopped.sort();
    let mut expected = [second, third];
    expected.sort();
    assert_eq!(stopped, expected);
    s.agent.wait_for_line("You stopped sharing.").await;
    // Nothing shared: the indicator is gone.
    let deadline = Instant::now() + Duration::from_secs(5);
    while screen.find_below(screen.root, "Tether: sharing").is_some() {
        assert!(Instant::now() < deadline, "the indicator stays up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The session report's first line of `kind`, once there is one.
async fn wait_for_report_line(s: &Setup, kind: &str) -> String {
    let anna = tether_tests::clients::Csr::sign_in(&s.kernel, "anna", "correct horse battery")
        .await
        .expect("signs in");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let report = anna
            .get(&format!("/api/sessions/{}/report", s.number))
            .await;
        let line = report.body["events"]
            .as_array()
            .expect("events")
            .iter()
            .find(|e| e["kind"] == kind)
            .map(Value::to_string);
        if let Some(line) = line {
            return line;
        }
        assert!(Instant::now() < deadline, "no {kind} in the report");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn input_reaches_the_shared_window_only_under_control() {
    let xvfb = Xvfb::start();
    let screen = Screen::open(&xvfb.display);
    let files = tempfile::tempdir().expect("temp dir");
    let clicks = files.path().join("clicks.txt");
    let _ledger = fixture(&xvfb.display, "Ledger", Some(&clicks), false);
    let _terminal = XApp::start(&xvfb.display, "xterm", &["-T", "Terminal", "-e", "/bin/sh"]);
    let ledger_window = screen.wait_for("Ledger").await;
    let terminal_window = screen.wait_for("Terminal").await;
    let mut s = setup(&xvfb).await;
    s.allow("app.share,app.control").await;

    // Refused clearly: a stream not opened, the whole screen, a window no
    // application has, control of what is not shared, malformed input.
    let ledger = s.open("Ledger").await;
    let refusal = s
        .refused(
            "app.share",
            json!({ "stream": ledger + 100, "window": ledger_window }),
        )
        .await;
    assert!(
        refusal.contains("was not opened from this computer"),
        "{refusal}"
    );
    for window in [screen.root, 0x7fff_fff0] {
        let refusal = s
            .refused("app.share", json!({ "stream": ledger, "window": window }))
            .await;
        assert!(
            refusal.contains("is not a window of an application"),
            "{refusal}"
        );
    }
    let refusal = s.refused("app.control", json!({ "stream": ledger })).await;
    assert!(refusal.contains("nothing is shared on stream"), "{refusal}");
    let refusal = s
        .refused(
            "app.share",
            json!({ "stream": ledger, "window": ledger_window, "screen": true }),
        )
        .await;
    assert!(refusal.contains("expected"), "{refusal}");

    s.share(ledger, ledger_window).await;
    s.picture(ledger, true).await;
    let terminal = s.open("Terminal").await;
    s.share(terminal, terminal_window).await;
    s.picture(terminal, true).await;

    // Shared, permission to control given, but no `app.control` yet: the
    // kernel relays the host's input and the agent applies none of it.
    let early = files.path().join("early.txt");
    s.type_text(terminal, &format!("echo early > {}\n", early.display()))
        .await;
    s.click(ledger, 10, 10).await;
    // Control messages overtake frames: these reach the agent first.
    tokio::time::sleep(Duration::from_millis(300)).await;

    for stream in [ledger, terminal] {
        let answer = s.call("app.control", json!({ "stream": stream })).await;
        assert_eq!(answer, json!({ "stream": stream }));
    }
    let refusal = s.refused("app.control", json!({ "stream": ledger })).await;
    assert!(refusal.contains("already controlled"), "{refusal}");

    // Under control: keys typed into the terminal run a command (Shift
    // for `>` and capitals included); a click lands at the picture's
    // coordinates in the window; a click outside it is refused; a key the
    // keyboard lacks is bound for the moment; keys go to the shared
    // window even when another has the focus.
    let shared = files.path().join("Shared.txt");
    s.type_text(terminal, &format!("echo shared > {}\n", shared.display()))
        .await;
    s.click(ledger, WIDTH as u32 + 5, 10).await;
    s.click(ledger, 100, 50).await;
    s.type_text(ledger, "aAé").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    // The fixture reports Shift (0xffe1) as a key too.
    let expected = "click 100 50 1\nkey 0x61\nkey 0xffe1\nkey 0x41\nkey 0xe9\n";
    loop {
        let written = std::fs::read_to_string(&shared).unwrap_or_default();
        let reported = std::fs::read_to_string(&clicks).unwrap_or_default();
        if written == "shared\n" && reported == expected {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "typed: {written:?}; the fixture reported: {reported:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!early.exists(), "input before control reached the terminal");

    // The stream closes: control ends with it, keys and buttons are let
    // go, and the keyboard's temporary key is unbound.
    s.plugin("close", json!({ "stream": ledger, "reason": "done" }))
        .await;
    s.agent.wait_for_line("Stopped sharing: done.").await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let keys = screen
            .connection
            .query_keymap()
            .expect("request")
            .reply()
            .expect("keys down");
        let setup = screen.connection.setup();
        let (min, max) = (setup.min_keycode, setup.max_keycode);
        let mapping = screen
            .connection
            .get_keyboard_mapping(min, max - min + 1)
            .expect("request")
            .reply()
            .expect("keyboard mapping");
        let none_down = keys.keys.iter().all(|&bits| bits == 0);
        let unbound = !mapping.keysyms.contains(&0xe9);
        if none_down && unbound {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "keys down: {none_down}, é unbound: {unbound}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
