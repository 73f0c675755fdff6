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
use std::time::{Duration, Instant};

use fantoccini::key::Key;
use serde_json::{Value, json};
use tether_tests::agent_process::AgentProcess;
use tether_tests::browser::{Browser, BrowserContext, Dictionary, test_id};
use tether_tests::bundled_manifests;
use tether_tests::clients::PATIENCE;
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::stream_viewer::{
    HEIGHT, PanelViewers, QUIET_FOR, WIDTH, epoch_ms, file_holds, hex, wait_for_window,
    windows_named, xdotool,
};
use tether_tests::xvfb::{XApp, Xvfb};

const CONFIG: &str = r#"
[sessions]
join_attempts_per_minute = 1000
consent_timeout_secs = 30

[sites.default]
name = "Default"
plugins = ["app-share"]
"#;

fn fixture_window() -> &'static str {
    env!("CARGO_BIN_EXE_tether-fixture-window")
}

const PASSWORD: &str = "correct horse battery";
const PLUGIN: &str = "app-share";
/// The CSR's panel and the customer's.
const CONSOLE_PANEL: &str = "iframe[data-plugin=\"app-share\"][data-panel=\"applications\"]";
const CUSTOMER_PANEL: &str = "iframe[data-plugin=\"app-share\"][data-panel=\"share\"]";

/// Colours of the fixture windows, far apart from one another (and from
/// the opposite colour the animated square is drawn in).
const LEDGER: [u8; 3] = [0xcc, 0x33, 0x11];
const NOTES: [u8; 3] = [0x22, 0x55, 0xaa];
const STARTED: [u8; 3] = [0x88, 0x22, 0xcc];
/// The window laid over the shared one: it must never be seen.
const COVER: [u8; 3] = [0x00, 0xff, 0x00];

/// How long a stream may take to end, from the customer's Stop to the
/// console (the issue: within a second).
const ENDS_WITHIN_MS: u64 = 1000;

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
    csr.sign_in_to_console(&kernel, ("anna", PASSWORD), "Anna Berg", &words)
        .await;
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
    s.on(&s.csr).count_frames().await;
    s
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

impl Sharing {
    /// The Applications panel's viewers in `console` (the host's, or an
    /// assistant's).
    fn on<'a>(&'a self, console: &'a BrowserContext) -> PanelViewers<'a> {
        PanelViewers {
            context: console,
            panel: CONSOLE_PANEL,
            canvas: "stream-canvas-",
            kernel: &self.kernel,
        }
    }

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
        wait_for_window(self.display(), title).await;
        app
    }

    /// `xterm` titled `title`, running a plain shell.
    async fn terminal(&self, title: &str) -> XApp {
        let app = XApp::start(self.display(), "xterm", &["-T", title, "-e", "/bin/sh"]);
        wait_for_window(self.display(), title).await;
        app
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

    /// The host presses Request view or Request control (`mode`).
    async fn request(&self, mode: &str) {
        self.csr.enter_frame(CONSOLE_PANEL).await;
        self.csr.click(&test_id(&format!("request-{mode}"))).await;
        self.csr.leave_frame().await;
    }

    /// The stream ended within a second of `stopped_at` (epoch ms), and
    /// afterwards nothing more of it reaches the console.
    async fn ends_at_once(&self, stream: u32, stopped_at: u64, how: &str) {
        let ended_at = self.on(&self.csr).ended(stream).await;
        let took = ended_at.saturating_sub(stopped_at);
        println!("{how}: the stream ended {took} ms after Stop");
        assert!(
            took <= ENDS_WITHIN_MS,
            "{how}: the stream ended {took} ms after Stop"
        );
        // Counted where they would arrive: in the panel, and on the
        // console's socket (frames of a stream it no longer knows).
        self.on(&self.csr).hears_nothing_more_of(stream, how).await;
    }

    /// The host presses Stop on the viewer of `stream`.
    async fn csr_stops(&self, stream: u32) {
        self.on(&self.csr)
            .press_on_stream(stream, "stream-stop")
            .await;
    }

    /// Bo signs in and assists the session; his console with the
    /// Applications panel open.
    async fn assistant(&self, test: &str) -> BrowserContext {
        let bo = self
            .browser
            .context(&format!("sharing-{test}-bo"), "en")
            .await;
        bo.sign_in_to_console(&self.kernel, ("bolind", PASSWORD), "Bo Lind", &self.words)
            .await;
        bo.fill(&test_id("assist-number"), &self.number).await;
        bo.click(&test_id("assist")).await;
        bo.click(&test_id(&format!("panel-tab-{PLUGIN}-applications")))
            .await;
        self.on(&bo).count_frames().await;
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
        self.on(&self.csr).stream_shown(title).await
    }

    /// Carl shares one more application with Select application.
    async fn share_another(&self, title: &str) -> u32 {
        self.select_application().await;
        self.customer.enter_frame(CUSTOMER_PANEL).await;
        self.customer.find(&test_id("share-dialog")).await;
        self.choose_and_share("running-application", title).await;
        self.on(&self.csr).stream_shown(title).await
    }

    async fn healthz_counter(&self, name: &str) -> u64 {
        let (_, health) = self.kernel.get_json("/healthz").await;
        health["streams"][name].as_u64().expect("a stream counter")
    }
}

/// Waits until `path` holds `expected` (a file an application writes).

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
    let stream = s.on(&s.csr).stream_shown("Ledger").await;
    s.on(&s.csr).shows_colour(stream, LEDGER).await;
    let viewer = s.on(&s.csr).viewer(stream).await;
    assert_eq!(viewer["decoders"], "vp8 jpeg", "{viewer}");
    assert_eq!(viewer["codec"], "vp8", "{viewer}");
    assert_eq!(
        (viewer["width"].clone(), viewer["height"].clone()),
        (json!(WIDTH), json!(HEIGHT))
    );
    s.on(&s.csr).keeps_drawing(stream).await;
    // "Shared now" on the customer's page lists it.
    s.customer
        .wait_text(&test_id("shared-label"), "Ledger")
        .await;
    s.csr.screen("applications-stream").await;

    // Privacy: a window laid over the shared one never shows, while the
    // shared one keeps changing and is drawn on.
    let _cover = s.fixture("Cover", COVER, false, None).await;
    let started = s.on(&s.csr).viewer(stream).await["frames"]
        .as_u64()
        .expect("frames");
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut checks = 0;
    while Instant::now() < deadline || checks < 5 {
        assert_eq!(
            s.on(&s.csr).count_pixels_like(stream, COVER).await,
            0,
            "the covering window shows in the picture"
        );
        checks += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let drawn = s.on(&s.csr).viewer(stream).await["frames"]
        .as_u64()
        .expect("frames");
    assert!(
        drawn > started + 5,
        "pictures kept coming: {started} → {drawn}"
    );
    s.on(&s.csr).shows_colour(stream, LEDGER).await;
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
    let terminal = s.on(&s.csr).stream_shown("Terminal").await;
    s.on(&s.csr).wait(&format!(
            "const s = document.querySelector('section.stream[data-stream=\"{terminal}\"]'); \
             return s.querySelector('[data-test=\"stream-mode\"]').textContent === 'Control allowed' \
               && !s.querySelector('[data-test=\"viewer-control\"]').hidden ? true : null;"
        ),
        "control allowed",
    )
    .await;

    // Clicking into the picture enters control; typing runs a command.
    s.on(&s.csr)
        .wait(
            &format!(
                "const c = document.getElementById('stream-canvas-{terminal}'); \
             return Number(c.dataset.frames) > 0 ? true : null;"
            ),
            "the terminal's picture",
        )
        .await;
    s.on(&s.csr).enter_control(terminal).await;
    let written = s.file("shared.txt");
    s.on(&s.csr)
        .type_into(
            terminal,
            &format!("echo shared > {}{}", written.display(), Key::Enter),
        )
        .await;
    file_holds(&written, "shared\n").await;

    // Another application under control: a click at picture coordinates
    // reaches the fixture window at that place.
    let ledger = s.share_another("Ledger").await;
    s.on(&s.csr).shows_colour(ledger, LEDGER).await;
    s.on(&s.csr).enter_control(ledger).await;
    let (x, y) = s.on(&s.csr).click_picture(ledger, 100, 50).await;
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
    assert!(windows_named(s.display(), "Started window").is_empty());
    s.choose_and_share("installed-application", "Started ledger")
        .await;
    wait_for_window(s.display(), "Started window").await;
    let stream = s.on(&s.csr).stream_shown("Started window").await;
    s.on(&s.csr).shows_colour(stream, STARTED).await;
}

#[tokio::test]
async fn two_applications_at_once_and_stopping_one_leaves_the_other() {
    let s = setup("two", Options::default()).await;
    let _ledger = s.fixture("Ledger", LEDGER, true, None).await;
    let _notes = s.fixture("Notes", NOTES, true, None).await;
    let ledger = s.view_shared("Ledger").await;
    let notes = s.share_another("Notes").await;
    assert_ne!(ledger, notes);
    s.on(&s.csr).shows_colour(ledger, LEDGER).await;
    s.on(&s.csr).shows_colour(notes, NOTES).await;
    s.on(&s.csr).keeps_drawing(ledger).await;

    // The CSR stops one: it goes everywhere; the other keeps drawing.
    s.csr_stops(ledger).await;
    s.on(&s.csr).ended(ledger).await;
    s.customer
        .wait_text_where(&test_id("shared-now-list"), "only Notes", |text| {
            text.contains("Notes") && !text.contains("Ledger")
        })
        .await;
    s.agent
        .wait_for_line("Stopped sharing: Anna Berg stopped viewing it")
        .await;
    s.on(&s.csr).keeps_drawing(notes).await;
    s.on(&s.csr).shows_colour(notes, NOTES).await;
    let reached = s.on(&s.csr).frames_reached(ledger).await;
    tokio::time::sleep(QUIET_FOR).await;
    assert_eq!(s.on(&s.csr).frames_reached(ledger).await, reached);
}

#[tokio::test]
async fn the_customer_stops_from_the_page_the_indicator_and_by_withdrawing_consent() {
    let s = setup("customer-stops", Options::default()).await;
    let _ledger = s.fixture("Ledger", LEDGER, true, None).await;

    // "Shared now" on the page: Stop.
    let first = s.view_shared("Ledger").await;
    s.on(&s.csr).keeps_drawing(first).await;
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
    s.on(&s.csr).keeps_drawing(second).await;
    let button = wait_for_window(s.display(), "Stop sharing").await;
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
    s.on(&s.csr).keeps_drawing(third).await;
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
    let stream = s.on(&s.csr).stream_shown("Ledger").await;
    assert_eq!(s.on(&bo).stream_shown("Ledger").await, stream);
    s.on(&bo).shows_colour(stream, LEDGER).await;
    s.on(&bo).keeps_drawing(stream).await;
    s.on(&s.csr).keeps_drawing(stream).await;

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
    s.on(&s.csr).ended(stream).await;
    s.on(&bo).ended(stream).await;
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
        s.on(&s.csr)
            .eval("return typeof window.VideoDecoder;")
            .await,
        "undefined"
    );
    let _ledger = s.fixture("Ledger", LEDGER, true, None).await;
    let stream = s.view_shared("Ledger").await;
    s.on(&s.csr).shows_colour(stream, LEDGER).await;
    let viewer = s.on(&s.csr).viewer(stream).await;
    assert_eq!(viewer["decoders"], "jpeg", "{viewer}");
    assert_eq!(viewer["codec"], "jpeg", "{viewer}");
    s.on(&s.csr).keeps_drawing(stream).await;
    s.on(&s.csr).shows_colour(stream, LEDGER).await;
}

#[tokio::test]
async fn a_console_that_shows_the_stream_again_or_joins_while_shared_gets_pictures() {
    let s = setup("again", Options::default()).await;
    let _ledger = s.fixture("Ledger", LEDGER, true, None).await;
    let stream = s.view_shared("Ledger").await;
    s.on(&s.csr).keeps_drawing(stream).await;

    // The host looks at the dashboard and comes back: the panel is loaded
    // again (pictures that came meanwhile were never shown) and the
    // stream goes on.
    s.csr.click(&test_id("dashboard")).await;
    s.csr.find(&test_id("dashboard-view")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    s.csr.click(&test_id("session-tab")).await;
    s.on(&s.csr).count_frames().await;
    s.on(&s.csr).stream_shown("Ledger").await;
    s.on(&s.csr).shows_colour(stream, LEDGER).await;
    s.on(&s.csr).keeps_drawing(stream).await;

    // An assistant joining while it is shared sees it too.
    let bo = s.assistant("again").await;
    assert_eq!(s.on(&bo).stream_shown("Ledger").await, stream);
    s.on(&bo).shows_colour(stream, LEDGER).await;
    s.on(&bo).keeps_drawing(stream).await;
}
