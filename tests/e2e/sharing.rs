//! Sharing applications end to end, as the people using it do: a real Xvfb
//! with real X applications (the tests' fixture window of a known colour,
//! which reports the clicks and keys it gets, and `xterm`), the real agent
//! acting for the customer who joined on the support page, the real
//! kernel with the bundled `app-share` plugin, and two real headless
//! Chromium profiles — the CSR's console (the Applications panel and its
//! viewer) and the customer's page (the consent prompt, the Application
//! view / control dialog, "Shared now", their permissions).
//!
//! What the CSR sees is read from the viewer's canvas in the panel: its
//! pixels, the pictures it drew (`data-frames`) and their codec
//! (`data-codec`). What reaches the console at all is counted in the panel
//! from the bridge's messages. The new screens are audited with axe-core.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use fantoccini::key::Key;
use serde_json::{Value, json};
use tether_tests::agent_process::AgentProcess;
use tether_tests::browser::{Browser, BrowserContext, Dictionary, test_id};
use tether_tests::bundled_manifests;
use tether_tests::clients::PATIENCE;
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::xvfb::{XApp, Xvfb};

const CONFIG: &str = r#"
[sessions]
join_attempts_per_minute = 1000
consent_timeout_secs = 30

[sites.default]
name = "Default"
plugins = ["app-share"]
"#;

const PASSWORD: &str = "correct horse battery";
const PLUGIN: &str = "app-share";
/// The CSR's panel and the customer's.
const CONSOLE_PANEL: &str = "iframe[data-plugin=\"app-share\"][data-panel=\"applications\"]";
const CUSTOMER_PANEL: &str = "iframe[data-plugin=\"app-share\"][data-panel=\"share\"]";

/// The fixture window's size (it always opens at 40,30).
const WIDTH: u32 = 320;
const HEIGHT: u32 = 200;

/// Colours of the fixture windows, far apart from one another (and from
/// the opposite colour the animated square is drawn in).
const LEDGER: [u8; 3] = [0xcc, 0x33, 0x11];
const NOTES: [u8; 3] = [0x22, 0x55, 0xaa];
const STARTED: [u8; 3] = [0x88, 0x22, 0xcc];
/// The window laid over the shared one: it must never be seen.
const COVER: [u8; 3] = [0x00, 0xff, 0x00];

/// How far a decoded pixel may be from the colour drawn (VP8 and JPEG are
/// lossy; Chromium converts from YUV).
const TOLERANCE: u8 = 24;

/// How long a stream may take to end, from the customer's Stop to the
/// console (the issue: within a second).
const ENDS_WITHIN_MS: u64 = 1000;

/// How long to watch for something that must not happen.
const QUIET_FOR: Duration = Duration::from_millis(1200);

fn fixture_window() -> &'static str {
    env!("CARGO_BIN_EXE_tether-fixture-window")
}

fn hex(colour: [u8; 3]) -> String {
    colour.iter().map(|c| format!("{c:02x}")).collect()
}

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as u64
}

/// `xdotool` on the test's display; its output, or `None` when it fails
/// (`search` fails while nothing matches).
fn xdotool(display: &str, args: &[&str]) -> Option<String> {
    let output = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .stdin(Stdio::null())
        .output()
        .expect("xdotool runs (`cargo xtask test` installs it)");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// What a test needs besides the usual.
#[derive(Default)]
struct Options {
    /// The CSR's browser has no WebCodecs: `VideoDecoder` is deleted in
    /// every document before its scripts run.
    without_webcodecs: bool,
}

/// One support session: the CSR Anna in her console with the Applications
/// panel open, the customer Carl on the support page, and the agent acting
/// for him on the test's display.
struct Sharing {
    xvfb: Xvfb,
    kernel: KernelProcess,
    browser: Browser,
    csr: BrowserContext,
    customer: BrowserContext,
    agent: AgentProcess,
    number: String,
    words: Dictionary,
    /// Reports of the fixture windows, the terminal's files, the
    /// customer's menus and the agent's state.
    files: tempfile::TempDir,
}

async fn setup(test: &str, options: Options) -> Sharing {
    let xvfb = Xvfb::start();
    let files = tempfile::tempdir().expect("temp dir");
    let kernel = KernelProcess::configure(
        &bundled_manifests(),
        CONFIG,
        &[
            TestAccount::csr("anna", "Anna Berg", "default"),
            TestAccount::csr("bolind", "Bo Lind", "default"),
        ],
    )
    .launch();
    let words = Dictionary::load("en");
    let browser = Browser::start().await;

    let csr_name = format!("sharing-{test}-csr");
    let csr = if options.without_webcodecs {
        // Sandboxed frames (the panels) in the page's own process, where
        // the page's scripts for new documents run too.
        let csr = browser
            .context_with(
                &csr_name,
                "en",
                &["--disable-features=IsolateSandboxedIframes"],
            )
            .await;
        without_webcodecs(&csr).await;
        csr
    } else {
        browser.context(&csr_name, "en").await
    };
    sign_in(&csr, &kernel, "anna", "Anna Berg", &words).await;
    csr.click(&test_id("start-session")).await;
    let link = csr.value(&test_id("join-link")).await;
    let number = link.rsplit('/').next().expect("number").to_owned();

    let customer = browser
        .context(&format!("sharing-{test}-customer"), "en")
        .await;
    customer.goto(&link).await;
    customer.fill(&test_id("join-name"), "Carl").await;
    customer.click(&test_id("join-submit")).await;
    customer.click(&test_id("agent-show-code")).await;
    let code = customer
        .find(&test_id("agent-code"))
        .await
        .text()
        .await
        .expect("the code");
    csr.wait_text(&test_id("participant-name"), "Carl").await;

    // The customer's menus: the test's own XDG data directories.
    let data_home = files.path().join("home/.local/share");
    let data_dirs = files.path().join("usr/share");
    for dir in [&data_home, &data_dirs] {
        std::fs::create_dir_all(dir.join("applications")).expect("menus");
    }
    let state = files.path().join("agent");
    std::fs::create_dir_all(&state).expect("agent state");
    let agent = AgentProcess::spawn_with_env(
        &state,
        "linux",
        &["join", &link],
        &[
            ("DISPLAY", &xvfb.display),
            ("TETHER_AGENT_CODE", &code),
            ("XDG_DATA_HOME", &data_home.display().to_string()),
            ("XDG_DATA_DIRS", &data_dirs.display().to_string()),
        ],
    );
    agent
        .wait_for_line(&format!("Connected to support session {number}"))
        .await;

    csr.click(&test_id(&format!("panel-tab-{PLUGIN}-applications")))
        .await;
    let s = Sharing {
        xvfb,
        kernel,
        browser,
        csr,
        customer,
        agent,
        number,
        words,
        files,
    };
    s.count_frames(&s.csr).await;
    s
}

async fn sign_in(
    context: &BrowserContext,
    kernel: &KernelProcess,
    user: &str,
    name: &str,
    words: &Dictionary,
) {
    context.goto(&kernel.url("/")).await;
    context.fill(&test_id("signin-user"), user).await;
    context.fill(&test_id("signin-password"), PASSWORD).await;
    context.click(&test_id("signin-submit")).await;
    context
        .wait_text("h1", &words.fill("console.welcome", &[("name", name)]))
        .await;
}

/// A Chrome DevTools command through chromedriver's `goog/cdp/execute`
/// (WebDriver itself has no way to run a script before a page's own).
#[derive(Debug)]
struct DevTools {
    command: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (reqwest::Method, Option<String>) {
        let body = json!({ "cmd": self.command, "params": self.params });
        (reqwest::Method::POST, Some(body.to_string()))
    }
}

/// Removes WebCodecs from every document `context` loads from now on,
/// frames and sandboxed panels included, before their own scripts run.
async fn without_webcodecs(context: &BrowserContext) {
    let script = "delete window.VideoDecoder; delete window.EncodedVideoChunk; \
                  delete window.VideoFrame;";
    for (command, params) in [
        ("Page.enable", json!({})),
        (
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": script, "runImmediately": true }),
        ),
    ] {
        context
            .client
            .issue_cmd(DevTools { command, params })
            .await
            .unwrap_or_else(|error| panic!("{command}: {error}"));
    }
}

/// Counts, in the console's Applications panel, the frames that reach it
/// for each stream and when the console tells it a stream closed (the
/// bridge's own messages, before the viewer sees them).
const COUNT_FRAMES: &str = r#"
if (!window.testCount) {
  window.testCount = { frames: {}, closedAt: {} };
  window.addEventListener("message", (event) => {
    const m = event.data;
    if (!m || m.tether !== 1) return;
    if (m.type === "frame" && m.data instanceof ArrayBuffer && m.data.byteLength >= 12) {
      const stream = new DataView(m.data).getUint32(4);
      window.testCount.frames[stream] = (window.testCount.frames[stream] || 0) + 1;
    } else if (m.type === "stream" && m.event && m.event.type === "closed") {
      window.testCount.closedAt[m.event.stream] = Date.now();
    }
  });
}
return true;
"#;

impl Sharing {
    fn display(&self) -> &str {
        &self.xvfb.display
    }

    /// The fixture window titled `title` in `colour` (reporting its input
    /// into `report` when given); returned once it is on the screen.
    async fn fixture(
        &self,
        title: &str,
        colour: [u8; 3],
        animate: bool,
        report: Option<&Path>,
    ) -> XApp {
        let colour = hex(colour);
        let mut args = vec!["--title", title, "--colour", &colour];
        let report = report.map(|path| path.display().to_string());
        if let Some(path) = &report {
            args.extend(["--report", path]);
        }
        if animate {
            args.push("--animate");
        }
        let app = XApp::start(self.display(), fixture_window(), &args);
        self.wait_for_window(title).await;
        app
    }

    /// `xterm` titled `title`, running a plain shell.
    async fn terminal(&self, title: &str) -> XApp {
        let app = XApp::start(self.display(), "xterm", &["-T", title, "-e", "/bin/sh"]);
        self.wait_for_window(title).await;
        app
    }

    /// The X windows named exactly `title`.
    fn windows_named(&self, title: &str) -> Vec<String> {
        xdotool(
            self.display(),
            &["search", "--onlyvisible", "--name", &format!("^{title}$")],
        )
        .map(|out| out.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
    }

    async fn wait_for_window(&self, title: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(window) = self.windows_named(title).pop() {
                return window;
            }
            assert!(Instant::now() < deadline, "no window named {title:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A file in the test's folder.
    fn file(&self, name: &str) -> PathBuf {
        self.files.path().join(name)
    }

    /// Writes a desktop entry into the customer's menus.
    fn install(&self, id: &str, entry: &str) {
        let path = self
            .files
            .path()
            .join("home/.local/share/applications")
            .join(id);
        std::fs::write(path, entry).expect("desktop entry written");
    }

    // --- the CSR's console ---

    /// Runs `script` inside the Applications panel of `console`.
    async fn in_console_panel(&self, console: &BrowserContext, script: &str) -> Value {
        console.enter_frame(CONSOLE_PANEL).await;
        let value = console.eval(script).await;
        console.leave_frame().await;
        value
    }

    async fn count_frames(&self, console: &BrowserContext) {
        self.in_console_panel(console, COUNT_FRAMES).await;
    }

    /// The host presses Request view or Request control (`mode`).
    async fn request(&self, mode: &str) {
        self.csr.enter_frame(CONSOLE_PANEL).await;
        self.csr.click(&test_id(&format!("request-{mode}"))).await;
        self.csr.leave_frame().await;
    }

    /// Waits until `console` shows a stream labelled `label`; its id.
    async fn stream_shown(&self, console: &BrowserContext, label: &str) -> u32 {
        let script = format!(
            "const s = [...document.querySelectorAll('section.stream')] \
               .find((s) => s.querySelector('h3').textContent === {label}); \
             return s ? Number(s.dataset.stream) : null;",
            label = serde_json::to_string(label).expect("JSON")
        );
        self.wait_in_console(console, &script, &format!("a stream {label:?}"))
            .await
            .as_u64()
            .expect("a stream id") as u32
    }

    /// Waits until `script` (run in `console`'s panel) returns other than
    /// `null`; its value.
    async fn wait_in_console(&self, console: &BrowserContext, script: &str, what: &str) -> Value {
        let deadline = Instant::now() + PATIENCE;
        console.enter_frame(CONSOLE_PANEL).await;
        loop {
            let value = console.eval(script).await;
            if !value.is_null() {
                console.leave_frame().await;
                return value;
            }
            if Instant::now() > deadline {
                let viewers = console
                    .eval(
                        "return [...document.querySelectorAll('canvas')].map((c) => ({ ...c.dataset })) \
                           .concat([window.testCount || null]);",
                    )
                    .await;
                console.leave_frame().await;
                console.screenshot(&format!("waiting-{what}")).await;
                let bridge = console.eval("return window.tetherBridge;").await;
                let (_, health) = self.kernel.get_json("/healthz").await;
                panic!(
                    "the console never showed {what} (viewers and frames counted: {viewers}; \
                     bridge: {bridge}; kernel: {})",
                    health["streams"]
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The viewer's canvas of `stream` in `console`: pictures drawn,
    /// codec, decoders, control mode and picture size.
    async fn viewer(&self, console: &BrowserContext, stream: u32) -> Value {
        self.in_console_panel(
            console,
            &format!(
                "const c = document.getElementById('stream-canvas-{stream}'); \
                 if (!c) return null; \
                 const v = c.closest('.tv-viewer'); \
                 return {{ frames: Number(c.dataset.frames), codec: c.dataset.codec, \
                          decoders: c.dataset.decoders || '', control: v.dataset.control, \
                          width: c.width, height: c.height }};"
            ),
        )
        .await
    }

    /// Frames that reached `console`'s panel for `stream` so far.
    async fn frames_reached(&self, console: &BrowserContext, stream: u32) -> u64 {
        self.in_console_panel(
            console,
            &format!("return window.testCount.frames[{stream}] || 0;"),
        )
        .await
        .as_u64()
        .expect("a count")
    }

    /// The canvas's pixels at `points` (picture coordinates), read in the
    /// panel once it has drawn more than `after` pictures.
    async fn pixels(
        &self,
        console: &BrowserContext,
        stream: u32,
        after: u64,
        points: &[(u32, u32)],
    ) -> Vec<[u8; 3]> {
        let points = serde_json::to_string(points).expect("JSON");
        let script = format!(
            "const c = document.getElementById('stream-canvas-{stream}'); \
             if (!c || Number(c.dataset.frames) <= {after} || c.width !== {WIDTH}) return null; \
             const g = c.getContext('2d'); \
             return {points}.map(([x, y]) => Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3)));"
        );
        let value = self
            .wait_in_console(console, &script, &format!("pictures of stream {stream}"))
            .await;
        serde_json::from_value(value).expect("pixels")
    }

    /// Waits until the picture of `stream` shows `colour` across the
    /// window (away from the animated top edge).
    async fn shows_colour(&self, console: &BrowserContext, stream: u32, colour: [u8; 3]) {
        let points = [(160, 100), (20, 180), (300, 60), (10, 40)];
        let deadline = Instant::now() + PATIENCE;
        let mut after = 0;
        loop {
            let seen = self.pixels(console, stream, after, &points).await;
            if seen.iter().all(|pixel| close_to(*pixel, colour)) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "stream {stream} shows {seen:?}, not {colour:?}"
            );
            after = self.viewer(console, stream).await["frames"]
                .as_u64()
                .unwrap_or(0);
        }
    }

    /// Every pixel of the canvas of `stream` close to `colour`.
    async fn count_pixels_like(
        &self,
        console: &BrowserContext,
        stream: u32,
        colour: [u8; 3],
    ) -> u64 {
        let [r, g, b] = colour;
        self.in_console_panel(
            console,
            &format!(
                "const c = document.getElementById('stream-canvas-{stream}'); \
                 const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; \
                 let n = 0; \
                 for (let i = 0; i < d.length; i += 4) {{ \
                   if (Math.abs(d[i] - {r}) <= {TOLERANCE} && Math.abs(d[i + 1] - {g}) <= {TOLERANCE} \
                       && Math.abs(d[i + 2] - {b}) <= {TOLERANCE}) n += 1; \
                 }} \
                 return n;"
            ),
        )
        .await
        .as_u64()
        .expect("a count")
    }

    /// Waits until `stream` drew more pictures than it has now.
    async fn keeps_drawing(&self, console: &BrowserContext, stream: u32) {
        let before = self.viewer(console, stream).await["frames"]
            .as_u64()
            .expect("frames");
        self.wait_in_console(
            console,
            &format!(
                "const c = document.getElementById('stream-canvas-{stream}'); \
                 return c && Number(c.dataset.frames) > {before} + 3 ? true : null;"
            ),
            &format!("stream {stream} drawing on"),
        )
        .await;
    }

    /// The stream ended for `console`: when its panel heard (epoch ms),
    /// once its viewer is gone.
    async fn ended(&self, console: &BrowserContext, stream: u32) -> u64 {
        self.wait_in_console(
            console,
            &format!(
                "return document.getElementById('stream-canvas-{stream}') ? null \
                   : (window.testCount.closedAt[{stream}] || null);"
            ),
            &format!("the end of stream {stream}"),
        )
        .await
        .as_u64()
        .expect("a time")
    }

    /// The stream ended within a second of `stopped_at` (epoch ms), and
    /// afterwards nothing more of it reaches the console.
    async fn ends_at_once(&self, stream: u32, stopped_at: u64, how: &str) {
        let ended_at = self.ended(&self.csr, stream).await;
        let took = ended_at.saturating_sub(stopped_at);
        println!("{how}: the stream ended {took} ms after Stop");
        assert!(
            took <= ENDS_WITHIN_MS,
            "{how}: the stream ended {took} ms after Stop"
        );
        // Counted where they would arrive: in the panel, and on the
        // console's socket (frames of a stream it no longer knows).
        let reached = self.frames_reached(&self.csr, stream).await;
        let unrouted = "return window.tetherBridge.framesUnrouted;";
        let stray = self.csr.eval(unrouted).await;
        tokio::time::sleep(QUIET_FOR).await;
        assert_eq!(
            self.frames_reached(&self.csr, stream).await,
            reached,
            "{how}: pictures still reach the panel after the end"
        );
        assert_eq!(
            self.csr.eval(unrouted).await,
            stray,
            "{how}: pictures still reach the console after the end"
        );
    }

    /// Clicks the picture of `stream` in the host's console at `x`,`y`
    /// (picture coordinates, scaled as shown); returns where the viewer
    /// put it (its own mapping, from the event).
    ///
    /// The pointer goes to the canvas first and then by the distance left,
    /// as measured where it landed: where WebDriver puts a pointer inside
    /// a frame need not be where the page has the element.
    async fn click_picture(&self, stream: u32, x: u32, y: u32) -> (u32, u32) {
        self.csr.enter_frame(CONSOLE_PANEL).await;
        let canvas_css = format!("#stream-canvas-{stream}");
        self.csr
            .eval(&format!(
                "const c = document.querySelector('{canvas_css}'); \
                 c.scrollIntoView({{ block: 'center', inline: 'center' }}); \
                 window.testPointer = null; \
                 window.testDown = null; \
                 c.addEventListener('pointermove', (e) => {{ window.testPointer = [e.clientX, e.clientY]; }}); \
                 c.addEventListener('pointerdown', (e) => {{ \
                   const r = c.getBoundingClientRect(); \
                   window.testDown = [Math.floor((e.clientX - r.left) * c.width / r.width), \
                                      Math.floor((e.clientY - r.top) * c.height / r.height)]; \
                 }}, {{ once: true }}); \
                 return null;"
            ))
            .await;
        let canvas = self.csr.find(&canvas_css).await;
        let onto = MouseActions::new("mouse".to_owned()).then(PointerAction::MoveToElement {
            element: canvas,
            duration: None,
            x: 0.0,
            y: 0.0,
        });
        self.csr
            .client
            .perform_actions(onto)
            .await
            .expect("pointer onto the picture");
        let rest = self
            .csr
            .eval(&format!(
                "const c = document.querySelector('{canvas_css}'); \
                 const r = c.getBoundingClientRect(); \
                 const [px, py] = window.testPointer; \
                 return [r.left + ({x} + 0.5) * r.width / c.width - px, \
                         r.top + ({y} + 0.5) * r.height / c.height - py];"
            ))
            .await;
        let [by_x, by_y]: [f64; 2] = serde_json::from_value(rest).expect("the distance left");
        let click = MouseActions::new("mouse".to_owned())
            .then(PointerAction::MoveBy {
                duration: None,
                x: by_x.round(),
                y: by_y.round(),
            })
            .then(PointerAction::Down {
                button: fantoccini::actions::MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::Up {
                button: fantoccini::actions::MOUSE_BUTTON_LEFT,
            });
        self.csr.client.perform_actions(click).await.expect("click");
        let down = self.csr.eval("return window.testDown;").await;
        self.csr.leave_frame().await;
        serde_json::from_value(down).expect("the pointer went down")
    }

    /// The host clicks into the picture: the viewer enters control mode.
    async fn enter_control(&self, stream: u32) {
        self.click_picture(stream, WIDTH / 2, HEIGHT / 2).await;
        self.wait_in_console(
            &self.csr,
            &format!(
                "const c = document.getElementById('stream-canvas-{stream}'); \
                 return c.closest('.tv-viewer').dataset.control === 'on' \
                   && document.activeElement === c ? true : null;"
            ),
            "control mode",
        )
        .await;
    }

    /// The host types `text` into the picture of `stream` (in control).
    async fn type_into(&self, stream: u32, text: &str) {
        self.csr.enter_frame(CONSOLE_PANEL).await;
        let canvas = self.csr.find(&format!("#stream-canvas-{stream}")).await;
        canvas.send_keys(text).await.expect("typing");
        self.csr.leave_frame().await;
    }

    /// The host presses Stop on the viewer of `stream`.
    async fn csr_stops(&self, stream: u32) {
        self.csr.enter_frame(CONSOLE_PANEL).await;
        self.csr
            .click(&format!(
                "section.stream[data-stream=\"{stream}\"] {}",
                test_id("stream-stop")
            ))
            .await;
        self.csr.leave_frame().await;
    }

    /// Bo signs in and assists the session; his console with the
    /// Applications panel open.
    async fn assistant(&self, test: &str) -> BrowserContext {
        let bo = self
            .browser
            .context(&format!("sharing-{test}-bo"), "en")
            .await;
        sign_in(&bo, &self.kernel, "bolind", "Bo Lind", &self.words).await;
        bo.fill(&test_id("assist-number"), &self.number).await;
        bo.click(&test_id("assist")).await;
        bo.click(&test_id(&format!("panel-tab-{PLUGIN}-applications")))
            .await;
        self.count_frames(&bo).await;
        bo
    }

    // --- the customer's page ---

    /// The customer allows what is asked on their page.
    async fn allow(&self, expected: &str) {
        self.customer
            .wait_text(&test_id("consent-text"), expected)
            .await;
        self.customer.click(&test_id("consent-allow")).await;
    }

    /// Waits for the dialog (`Application view` or `Application control`)
    /// on the customer's page, inside its panel; stays in the panel.
    async fn dialog_open(&self, title: &str) {
        self.customer.enter_frame(CUSTOMER_PANEL).await;
        self.customer
            .wait_text(&format!("{} h2", test_id("share-dialog")), title)
            .await;
    }

    /// The dialog's running applications, as listed (names and details).
    async fn running_listed(&self) -> Vec<String> {
        let listed = self
            .customer
            .eval(
                "return [...document.querySelectorAll('[data-test=\"running-application\"] label')] \
                   .map((l) => l.textContent);",
            )
            .await;
        serde_json::from_value(listed).expect("names")
    }

    /// In the open dialog, chooses what shows `text` in `list`
    /// (`running-application` or `installed-application`), presses Share,
    /// and leaves the panel once the dialog closed.
    async fn choose_and_share(&self, list: &str, text: &str) {
        let index = self
            .customer
            .eval(&format!(
                "return [...document.querySelectorAll('[data-test=\"{list}\"]')] \
                   .findIndex((item) => item.querySelector('label').textContent.includes({text}));",
                text = serde_json::to_string(text).expect("JSON")
            ))
            .await
            .as_i64()
            .expect("an index");
        assert!(index >= 0, "{text:?} is not offered in {list}");
        let prefix = if list == "running-application" {
            "app"
        } else {
            "new"
        };
        self.customer
            .click(&format!("label[for=\"choice-{prefix}-{index}\"]"))
            .await;
        self.customer.click(&test_id("share")).await;
        self.customer
            .wait_text(&test_id("share-status"), "You are sharing")
            .await;
        let open = self
            .customer
            .eval("return document.querySelector('[data-test=\"share-dialog\"]').open;")
            .await;
        assert_eq!(open, json!(false), "the dialog closes after Share");
        self.customer.leave_frame().await;
    }

    /// The customer clicks `css` on their page; when the page had the
    /// click (epoch ms, the page's clock).
    async fn customer_presses(&self, css: &str) -> u64 {
        self.customer.find(css).await;
        self.customer
            .eval(
                "window.testClickedAt = null; \
                 document.addEventListener('click', () => { window.testClickedAt = Date.now(); }, \
                   { capture: true, once: true });",
            )
            .await;
        self.customer.click(css).await;
        self.customer
            .eval("return window.testClickedAt;")
            .await
            .as_u64()
            .expect("the page had the click")
    }

    /// Select application on the customer's page: the dialog again.
    async fn select_application(&self) {
        self.customer.enter_frame(CUSTOMER_PANEL).await;
        self.customer.click(&test_id("select-application")).await;
        self.customer.leave_frame().await;
    }

    /// The host asks to see, Carl allows, and shares the running
    /// application showing `title`; the stream the console shows.
    async fn view_shared(&self, title: &str) -> u32 {
        self.request("view").await;
        self.allow("Anna Berg wants to see one application").await;
        self.dialog_open("Application view").await;
        self.choose_and_share("running-application", title).await;
        self.stream_shown(&self.csr, title).await
    }

    /// Carl shares one more application with Select application.
    async fn share_another(&self, title: &str) -> u32 {
        self.select_application().await;
        self.customer.enter_frame(CUSTOMER_PANEL).await;
        self.customer.find(&test_id("share-dialog")).await;
        self.choose_and_share("running-application", title).await;
        self.stream_shown(&self.csr, title).await
    }

    async fn healthz_counter(&self, name: &str) -> u64 {
        let (_, health) = self.kernel.get_json("/healthz").await;
        health["streams"][name].as_u64().expect("a stream counter")
    }
}

fn close_to(pixel: [u8; 3], colour: [u8; 3]) -> bool {
    pixel
        .iter()
        .zip(colour)
        .all(|(got, want)| got.abs_diff(want) <= TOLERANCE)
}

/// Waits until `path` holds `expected` (a file an application writes).
async fn file_holds(path: &Path, expected: &str) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} holds {text:?}, not {expected:?}",
            path.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_customer_shares_a_window_and_the_console_shows_its_pixels_and_nothing_over_it() {
    let s = setup("view", Options::default()).await;
    let _ledger = s.fixture("Ledger", LEDGER, true, None).await;
    let _terminal = s.terminal("Terminal").await;

    // Request view: one prompt on the customer's page, naming the CSR.
    s.request("view").await;
    s.allow("Anna Berg wants to see one application").await;

    // The Application view dialog lists the running X applications.
    s.dialog_open("Application view").await;
    let listed = s.running_listed().await;
    for title in ["Ledger", "Terminal"] {
        assert!(
            listed.iter().any(|l| l.contains(title)),
            "{title} not listed: {listed:?}"
        );
    }
    assert_eq!(listed.len(), 2, "only those two: {listed:?}");
    s.customer.leave_frame().await;
    s.customer.screen("application-view-dialog").await;
    s.customer.enter_frame(CUSTOMER_PANEL).await;
    s.choose_and_share("running-application", "Ledger").await;

    // The console shows the window's own pixels, decoded with WebCodecs.
    let stream = s.stream_shown(&s.csr, "Ledger").await;
    s.shows_colour(&s.csr, stream, LEDGER).await;
    let viewer = s.viewer(&s.csr, stream).await;
    assert_eq!(viewer["decoders"], "vp8 jpeg", "{viewer}");
    assert_eq!(viewer["codec"], "vp8", "{viewer}");
    assert_eq!(
        (viewer["width"].clone(), viewer["height"].clone()),
        (json!(WIDTH), json!(HEIGHT))
    );
    s.keeps_drawing(&s.csr, stream).await;
    // "Shared now" on the customer's page lists it.
    s.customer
        .wait_text(&test_id("shared-label"), "Ledger")
        .await;
    s.csr.screen("applications-stream").await;

    // Privacy: a window laid over the shared one never shows, while the
    // shared one keeps changing and is drawn on.
    let _cover = s.fixture("Cover", COVER, false, None).await;
    let started = s.viewer(&s.csr, stream).await["frames"]
        .as_u64()
        .expect("frames");
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut checks = 0;
    while Instant::now() < deadline || checks < 5 {
        assert_eq!(
            s.count_pixels_like(&s.csr, stream, COVER).await,
            0,
            "the covering window shows in the picture"
        );
        checks += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let drawn = s.viewer(&s.csr, stream).await["frames"]
        .as_u64()
        .expect("frames");
    assert!(
        drawn > started + 5,
        "pictures kept coming: {started} → {drawn}"
    );
    s.shows_colour(&s.csr, stream, LEDGER).await;
}

#[tokio::test]
async fn with_control_the_csr_types_into_a_terminal_and_clicks_at_the_right_place() {
    let s = setup("control", Options::default()).await;
    let clicks = s.file("clicks.txt");
    let _terminal = s.terminal("Terminal").await;
    let _ledger = s.fixture("Ledger", LEDGER, false, Some(&clicks)).await;

    // Request control: one prompt (control implies view); the dialog is
    // the Application control one.
    s.request("control").await;
    let prompt = s
        .customer
        .wait_text(&test_id("consent-text"), "Anna Berg wants to control")
        .await;
    assert!(prompt.contains("wants to see one application"), "{prompt}");
    s.allow("Anna Berg wants to control").await;
    s.dialog_open("Application control").await;
    s.choose_and_share("running-application", "Terminal").await;
    let terminal = s.stream_shown(&s.csr, "Terminal").await;
    s.wait_in_console(
        &s.csr,
        &format!(
            "const s = document.querySelector('section.stream[data-stream=\"{terminal}\"]'); \
             return s.querySelector('[data-test=\"stream-mode\"]').textContent === 'Control allowed' \
               && !s.querySelector('[data-test=\"viewer-control\"]').hidden ? true : null;"
        ),
        "control allowed",
    )
    .await;

    // Clicking into the picture enters control; typing runs a command.
    s.wait_in_console(
        &s.csr,
        &format!(
            "const c = document.getElementById('stream-canvas-{terminal}'); \
             return Number(c.dataset.frames) > 0 ? true : null;"
        ),
        "the terminal's picture",
    )
    .await;
    s.enter_control(terminal).await;
    let written = s.file("shared.txt");
    s.type_into(
        terminal,
        &format!("echo shared > {}{}", written.display(), Key::Enter),
    )
    .await;
    file_holds(&written, "shared\n").await;

    // Another application under control: a click at picture coordinates
    // reaches the fixture window at that place.
    let ledger = s.share_another("Ledger").await;
    s.shows_colour(&s.csr, ledger, LEDGER).await;
    s.enter_control(ledger).await;
    let (x, y) = s.click_picture(ledger, 100, 50).await;
    assert!(
        x.abs_diff(100) <= 1 && y.abs_diff(50) <= 1,
        "the viewer put the click at ({x}, {y})"
    );
    file_holds(&clicks, &format!("click {x} {y} 1\n")).await;
    // The first click only entered control: nothing else reached it.
    assert_eq!(
        std::fs::read_to_string(&clicks).expect("report"),
        format!("click {x} {y} 1\n")
    );
}

#[tokio::test]
async fn a_new_application_from_the_menus_starts_and_its_window_is_shared() {
    let s = setup("new-application", Options::default()).await;
    s.install(
        "org.example.Started.desktop",
        &format!(
            "[Desktop Entry]\nType=Application\nName=Started ledger\nComment=Books\n\
             Exec={} --title \"Started window\" --class TetherStarted --colour {} %F\n",
            fixture_window(),
            hex(STARTED)
        ),
    );
    s.request("view").await;
    s.allow("Anna Berg wants to see one application").await;
    s.dialog_open("Application view").await;
    let installed = s
        .customer
        .eval(
            "return [...document.querySelectorAll('[data-test=\"installed-application\"] label')] \
               .map((l) => l.textContent);",
        )
        .await;
    assert_eq!(installed, json!(["Started ledgerBooks"]));
    assert!(s.windows_named("Started window").is_empty());
    s.choose_and_share("installed-application", "Started ledger")
        .await;
    s.wait_for_window("Started window").await;
    let stream = s.stream_shown(&s.csr, "Started window").await;
    s.shows_colour(&s.csr, stream, STARTED).await;
}

#[tokio::test]
async fn two_applications_at_once_and_stopping_one_leaves_the_other() {
    let s = setup("two", Options::default()).await;
    let _ledger = s.fixture("Ledger", LEDGER, true, None).await;
    let _notes = s.fixture("Notes", NOTES, true, None).await;
    let ledger = s.view_shared("Ledger").await;
    let notes = s.share_another("Notes").await;
    assert_ne!(ledger, notes);
    s.shows_colour(&s.csr, ledger, LEDGER).await;
    s.shows_colour(&s.csr, notes, NOTES).await;
    s.keeps_drawing(&s.csr, ledger).await;

    // The CSR stops one: it goes everywhere; the other keeps drawing.
    s.csr_stops(ledger).await;
    s.ended(&s.csr, ledger).await;
    s.customer
        .wait_text_where(&test_id("shared-now-list"), "only Notes", |text| {
            text.contains("Notes") && !text.contains("Ledger")
        })
        .await;
    s.agent
        .wait_for_line("Stopped sharing: Anna Berg stopped viewing it")
        .await;
    s.keeps_drawing(&s.csr, notes).await;
    s.shows_colour(&s.csr, notes, NOTES).await;
    let reached = s.frames_reached(&s.csr, ledger).await;
    tokio::time::sleep(QUIET_FOR).await;
    assert_eq!(s.frames_reached(&s.csr, ledger).await, reached);
}

#[tokio::test]
async fn the_customer_stops_from_the_page_the_indicator_and_by_withdrawing_consent() {
    let s = setup("customer-stops", Options::default()).await;
    let _ledger = s.fixture("Ledger", LEDGER, true, None).await;

    // "Shared now" on the page: Stop.
    let first = s.view_shared("Ledger").await;
    s.keeps_drawing(&s.csr, first).await;
    let stop = format!(
        "[data-test=\"shared-stream\"][data-stream=\"{first}\"] {}",
        test_id("stop-sharing")
    );
    let stopped_at = s.customer_presses(&stop).await;
    s.ends_at_once(first, stopped_at, "Shared now").await;
    s.customer
        .wait_text(
            &test_id("shared-now-empty"),
            &s.words.get("customer.shared_none"),
        )
        .await;

    // The on-screen indicator's Stop sharing, clicked on the display.
    let second = s.share_another("Ledger").await;
    s.keeps_drawing(&s.csr, second).await;
    let button = s.wait_for_window("Stop sharing").await;
    let geometry = xdotool(s.display(), &["getwindowgeometry", "--shell", &button])
        .expect("the button's geometry");
    let size = |key: &str| -> u32 {
        geometry
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{key}=")))
            .and_then(|v| v.trim().parse().ok())
            .expect("a size")
    };
    let (x, y) = (
        (size("WIDTH") / 2).to_string(),
        (size("HEIGHT") / 2).to_string(),
    );
    let stopped_at = epoch_ms();
    xdotool(
        s.display(),
        &["mousemove", "--window", &button, &x, &y, "click", "1"],
    )
    .expect("the click");
    s.ends_at_once(second, stopped_at, "the indicator").await;
    s.agent.wait_for_line("You stopped sharing.").await;

    // Withdrawing the permission on the page.
    let third = s.share_another("Ledger").await;
    s.keeps_drawing(&s.csr, third).await;
    // One permission given (the four capabilities of Request view, in
    // one prompt); Withdraw.
    let grant = s
        .customer
        .wait_text(&test_id("grant"), "Anna Berg wants to see one application")
        .await;
    assert!(grant.contains(&s.words.get("customer.withdraw")), "{grant}");
    let stopped_at = s
        .customer_presses(&format!("{} {}", test_id("grant"), test_id("revoke")))
        .await;
    s.ends_at_once(third, stopped_at, "withdrawn permission")
        .await;
    // Nothing more can be shared without asking again: Select
    // application goes.
    s.customer.enter_frame(CUSTOMER_PANEL).await;
    let deadline = Instant::now() + PATIENCE;
    while s
        .customer
        .eval("return document.querySelector('[data-test=\"select-application\"]').hidden;")
        .await
        != json!(true)
    {
        assert!(Instant::now() < deadline, "Select application stays");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    s.customer.leave_frame().await;
}

#[tokio::test]
async fn an_assistant_sees_the_pictures_cannot_control_and_passing_control_ends_sharing() {
    let s = setup("assistant", Options::default()).await;
    let clicks = s.file("clicks.txt");
    let _ledger = s.fixture("Ledger", LEDGER, true, Some(&clicks)).await;

    // Bo assists; then Carl shares under control: Bo's console shows the
    // same pictures.
    let bo = s.assistant("assistant").await;
    s.request("control").await;
    s.allow("Anna Berg wants to control").await;
    s.dialog_open("Application control").await;
    s.choose_and_share("running-application", "Ledger").await;
    let stream = s.stream_shown(&s.csr, "Ledger").await;
    assert_eq!(s.stream_shown(&bo, "Ledger").await, stream);
    s.shows_colour(&bo, stream, LEDGER).await;
    s.keeps_drawing(&bo, stream).await;
    s.keeps_drawing(&s.csr, stream).await;

    // He cannot control: no control button, only the host asks, and
    // clicking the picture does nothing.
    bo.enter_frame(CONSOLE_PANEL).await;
    let offered = bo
        .eval(&format!(
            "const s = document.querySelector('section.stream[data-stream=\"{stream}\"]'); \
             return {{ control: !s.querySelector('[data-test=\"viewer-control\"]').hidden, \
                      ask: !document.querySelector('[data-test=\"request-view\"]').closest('.toolbar').hidden, \
                      stop: !s.querySelector('[data-test=\"stream-stop\"]').hidden, \
                      mode: s.querySelector('[data-test=\"stream-mode\"]').textContent }};"
        ))
        .await;
    assert_eq!(
        offered,
        json!({ "control": false, "ask": false, "stop": false, "mode": "View only" })
    );
    bo.click(&format!("#stream-canvas-{stream}")).await;
    // Input sent from his console anyway (as a forged panel would) is
    // refused by the kernel and reaches no window.
    let refused = s.healthz_counter("frames_refused").await;
    bo.eval(&format!(
        "const f = TetherPanel.frames; \
         for (const pressed of [true, false]) {{ \
           const event = {{ type: 'pointer_button', x: 10, y: 10, button: 1, pressed }}; \
           const data = f.encode({{ kind: 'input', stream: {stream}, sequence: 1, \
             payload: new TextEncoder().encode(JSON.stringify(event)) }}); \
           window.parent.postMessage({{ tether: 1, type: 'frame', data }}, '*', [data]); \
         }}"
    ))
    .await;
    let control = bo
        .eval(&format!(
            "return document.getElementById('stream-canvas-{stream}').closest('.tv-viewer').dataset.control;"
        ))
        .await;
    bo.leave_frame().await;
    assert_eq!(control, "off");
    let deadline = Instant::now() + PATIENCE;
    while s.healthz_counter("frames_refused").await < refused + 2 {
        assert!(
            Instant::now() < deadline,
            "the assistant's input was not refused"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(std::fs::read_to_string(&clicks).unwrap_or_default(), "");
    s.csr.screen("applications-host").await;
    bo.screen("applications-assistant").await;

    // The host passes control to Bo: sharing ends for everyone.
    s.csr.wait_text(&test_id("pass-to"), "Bo Lind").await;
    s.csr.click(&test_id("pass-control")).await;
    s.ended(&s.csr, stream).await;
    s.ended(&bo, stream).await;
    s.agent.wait_for_line("Stopped sharing").await;
    s.customer
        .wait_text(
            &test_id("shared-now-empty"),
            &s.words.get("customer.shared_none"),
        )
        .await;
    bo.close().await;
}

#[tokio::test]
async fn without_webcodecs_the_console_shows_the_same_pixels_as_jpeg() {
    let s = setup(
        "jpeg",
        Options {
            without_webcodecs: true,
        },
    )
    .await;
    // Gone in the console's page and in the panel's sandboxed frame.
    assert_eq!(
        s.csr.eval("return typeof window.VideoDecoder;").await,
        "undefined"
    );
    assert_eq!(
        s.in_console_panel(&s.csr, "return typeof window.VideoDecoder;")
            .await,
        "undefined"
    );
    let _ledger = s.fixture("Ledger", LEDGER, true, None).await;
    let stream = s.view_shared("Ledger").await;
    s.shows_colour(&s.csr, stream, LEDGER).await;
    let viewer = s.viewer(&s.csr, stream).await;
    assert_eq!(viewer["decoders"], "jpeg", "{viewer}");
    assert_eq!(viewer["codec"], "jpeg", "{viewer}");
    s.keeps_drawing(&s.csr, stream).await;
    s.shows_colour(&s.csr, stream, LEDGER).await;
}

#[tokio::test]
async fn a_console_that_shows_the_stream_again_or_joins_while_shared_gets_pictures() {
    let s = setup("again", Options::default()).await;
    let _ledger = s.fixture("Ledger", LEDGER, true, None).await;
    let stream = s.view_shared("Ledger").await;
    s.keeps_drawing(&s.csr, stream).await;

    // The host looks at the dashboard and comes back: the panel is loaded
    // again (pictures that came meanwhile were never shown) and the
    // stream goes on.
    s.csr.click(&test_id("dashboard")).await;
    s.csr.find(&test_id("dashboard-view")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    s.csr.click(&test_id("session-tab")).await;
    s.count_frames(&s.csr).await;
    s.stream_shown(&s.csr, "Ledger").await;
    s.shows_colour(&s.csr, stream, LEDGER).await;
    s.keeps_drawing(&s.csr, stream).await;

    // An assistant joining while it is shared sees it too.
    let bo = s.assistant("again").await;
    assert_eq!(s.stream_shown(&bo, "Ledger").await, stream);
    s.shows_colour(&bo, stream, LEDGER).await;
    s.keeps_drawing(&bo, stream).await;
}
