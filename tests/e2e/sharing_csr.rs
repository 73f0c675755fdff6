//! The CSR shows her own applications to the customer, end to end: a real
//! Xvfb standing for the CSR's computer with real X applications (the
//! tests' fixture window of a known colour, and `xterm`), the real agent
//! joined for the CSR with a one-time code from her console, the real
//! kernel with the bundled `app-share` plugin, and two real headless
//! Chromium profiles — the CSR's console (the Applications panel's "Show
//! my application") and the customer's page (what is shown to him, with
//! View, and control when the CSR gives it).
//!
//! What the customer sees is read from the viewer's canvas in his panel.
//! The new screens are audited with axe-core.

use std::path::PathBuf;

use fantoccini::key::Key;
use serde_json::{Value, json};
use tether_tests::agent_process::AgentProcess;
use tether_tests::browser::{Browser, BrowserContext, Dictionary, test_id};
use tether_tests::bundled_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::stream_viewer::{
    PanelViewers, QUIET_FOR, file_holds, hex, wait_for_window, xdotool,
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

const PASSWORD: &str = "correct horse battery";
const PLUGIN: &str = "app-share";
const CONSOLE_PANEL: &str = "iframe[data-plugin=\"app-share\"][data-panel=\"applications\"]";
const CUSTOMER_PANEL: &str = "iframe[data-plugin=\"app-share\"][data-panel=\"share\"]";

/// Colours of the fixture windows on the CSR's computer.
const LEDGER: [u8; 3] = [0xcc, 0x33, 0x11];
const NOTES: [u8; 3] = [0x22, 0x55, 0xaa];

fn fixture_window() -> &'static str {
    env!("CARGO_BIN_EXE_tether-fixture-window")
}

/// One support session: the CSR Anna in her console with the Applications
/// panel open and her own agent joined on the test's display, and the
/// customer Carl on the support page.
struct Showing {
    xvfb: Xvfb,
    kernel: KernelProcess,
    /// Kept for the browsers' lifetime (dropping it ends them).
    _browser: Browser,
    csr: BrowserContext,
    customer: BrowserContext,
    number: String,
    agent: Option<AgentProcess>,
    files: tempfile::TempDir,
}

/// How the session starts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Agent {
    /// Anna's own agent joins with the code her panel shows.
    Joined,
    /// No agent on Anna's computer: she shares from the browser.
    None,
}

async fn setup(test: &str, agent: Agent, csr_arguments: &[&str]) -> Showing {
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
    let csr = browser
        .context_with(&format!("showing-{test}-csr"), "en", csr_arguments)
        .await;
    csr.sign_in_to_console(&kernel, ("anna", PASSWORD), "Anna Berg", &words)
        .await;
    csr.click(&test_id("start-session")).await;
    let link = csr.value(&test_id("join-link")).await;
    let number = link.rsplit('/').next().expect("number").to_owned();

    let customer = browser
        .context(&format!("showing-{test}-customer"), "en")
        .await;
    customer.goto(&link).await;
    customer.fill(&test_id("join-name"), "Carl").await;
    customer.click(&test_id("join-submit")).await;
    csr.wait_text(&test_id("participant-name"), "Carl").await;
    csr.click(&test_id(&format!("panel-tab-{PLUGIN}-applications")))
        .await;

    let mut s = Showing {
        xvfb,
        kernel,
        _browser: browser,
        csr,
        customer,
        number,
        agent: None,
        files,
    };
    s.customer_panel().count_frames().await;
    if agent == Agent::Joined {
        s.join_own_agent(&link).await;
    }
    s
}

impl Showing {
    fn display(&self) -> &str {
        &self.xvfb.display
    }

    /// The viewers in Carl's panel.
    fn customer_panel(&self) -> PanelViewers<'_> {
        PanelViewers {
            context: &self.customer,
            panel: CUSTOMER_PANEL,
            canvas: "shown-canvas-",
            kernel: &self.kernel,
        }
    }

    /// Anna's Applications panel.
    fn console_panel(&self) -> PanelViewers<'_> {
        PanelViewers {
            context: &self.csr,
            panel: CONSOLE_PANEL,
            canvas: "stream-canvas-",
            kernel: &self.kernel,
        }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.files.path().join(name)
    }

    /// Anna gets a one-time code in her panel and her agent joins with it
    /// on her computer (the test's display).
    async fn join_own_agent(&mut self, link: &str) {
        self.csr.enter_frame(CONSOLE_PANEL).await;
        let command = self
            .csr
            .wait_text(&test_id("agent-command"), "tether-agent")
            .await;
        assert!(
            command.contains(&self.number),
            "the command names the session: {command}"
        );
        self.csr.click(&test_id("agent-code-get")).await;
        let code = self.csr.wait_text(&test_id("agent-code"), " ").await;
        // "… 1234 5678 …": two groups of four digits.
        let words: Vec<&str> = code.split_whitespace().collect();
        let code = words
            .windows(2)
            .find(|pair| {
                pair.iter()
                    .all(|w| w.len() == 4 && w.chars().all(|c| c.is_ascii_digit()))
            })
            .map(|pair| pair.concat())
            .unwrap_or_else(|| panic!("no code in {code:?}"));
        self.csr.leave_frame().await;

        let state = self.files.path().join("agent");
        std::fs::create_dir_all(&state).expect("agent state");
        let agent = AgentProcess::spawn_with_env(
            &state,
            "linux",
            &["join", link],
            &[
                ("DISPLAY", &self.xvfb.display),
                ("TETHER_AGENT_CODE", &code),
            ],
        );
        agent
            .wait_for_line(&format!("Connected to support session {}", self.number))
            .await;
        self.agent = Some(agent);
        // The panel now lists Anna's applications.
        self.console_panel()
            .wait(
                "return document.querySelector('[data-test=\"with-agent\"]') \
                   && !document.querySelector('[data-test=\"with-agent\"]').hidden ? true : null;",
                "the CSR's own agent",
            )
            .await;
    }

    /// The fixture window titled `title` in `colour` on Anna's computer,
    /// its top edge animated (so pictures keep coming).
    async fn fixture(&self, title: &str, colour: [u8; 3]) -> XApp {
        let colour = hex(colour);
        let app = XApp::start(
            self.display(),
            fixture_window(),
            &["--title", title, "--colour", &colour, "--animate"],
        );
        wait_for_window(self.display(), title).await;
        app
    }

    /// `xterm` titled `title`, running a plain shell, on Anna's computer.
    async fn terminal(&self, title: &str) -> XApp {
        let app = XApp::start(self.display(), "xterm", &["-T", title, "-e", "/bin/sh"]);
        wait_for_window(self.display(), title).await;
        app
    }

    /// Anna's running applications as her panel lists them (names).
    async fn mine_listed(&self) -> Vec<String> {
        let listed = self
            .console_panel()
            .eval(
                "return [...document.querySelectorAll('[data-test=\"mine-running\"] label')] \
                   .map((l) => l.textContent);",
            )
            .await;
        serde_json::from_value(listed).expect("names")
    }

    /// Anna chooses the running application showing `title` (refreshing
    /// the list until it is there) and presses Share; the stream id of
    /// what she now shows.
    async fn show(&self, title: &str) -> u32 {
        let panel = self.console_panel();
        let find = format!(
            "const l = [...document.querySelectorAll('[data-test=\"mine-running\"] label, \
                                                    [data-test=\"mine-window\"] label')] \
               .find((l) => l.textContent.includes({text})); \
             if (!l) {{ document.querySelector('[data-test=\"mine-refresh\"]')?.click(); return null; }} \
             return l.getAttribute('for');",
            text = serde_json::to_string(title).expect("JSON")
        );
        let radio = panel.wait(&find, &format!("{title:?} listed")).await;
        let radio = radio.as_str().expect("a radio id").to_owned();
        self.csr.enter_frame(CONSOLE_PANEL).await;
        self.csr.click(&format!("label[for=\"{radio}\"]")).await;
        self.csr.click(&test_id("mine-share")).await;
        self.csr.leave_frame().await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let status = self
            .console_panel()
            .eval("return document.querySelector('[data-test=\"mine-status\"]')?.textContent;")
            .await;
        println!("showing {title:?}: {status}");
        self.own_stream(title).await
    }

    /// Waits until Anna's panel lists a stream she shows labelled `label`.
    async fn own_stream(&self, label: &str) -> u32 {
        let script = format!(
            "const s = [...document.querySelectorAll('[data-test=\"own-stream\"]')] \
               .find((s) => s.querySelector('[data-test=\"own-label\"]').textContent.includes({label})); \
             return s ? Number(s.dataset.stream) : null;",
            label = serde_json::to_string(label).expect("JSON")
        );
        self.console_panel()
            .wait(&script, &format!("her own stream {label:?}"))
            .await
            .as_u64()
            .expect("a stream id") as u32
    }

    /// Presses `test` on Anna's own stream `stream`.
    async fn on_own_stream(&self, stream: u32, test: &str) {
        self.csr.enter_frame(CONSOLE_PANEL).await;
        self.csr
            .click(&format!(
                "[data-test=\"own-stream\"][data-stream=\"{stream}\"] {}",
                test_id(test)
            ))
            .await;
        self.csr.leave_frame().await;
    }

    /// Anna gives Carl control of `stream`: the console warns first.
    async fn give_control(&self, stream: u32) {
        self.on_own_stream(stream, "own-give").await;
        self.csr.enter_frame(CONSOLE_PANEL).await;
        let warning = self
            .csr
            .wait_text(&test_id("confirm-give-dialog"), "files")
            .await;
        assert!(
            warning.contains("Carl"),
            "the warning names Carl: {warning}"
        );
        self.csr.click(&test_id("confirm-give")).await;
        self.csr.leave_frame().await;
    }

    /// Carl's page offers `stream` (its heading names Anna); he presses
    /// View.
    async fn customer_views(&self, stream: u32) {
        let panel = self.customer_panel();
        let heading = panel
            .wait(
                &format!(
                    "const s = document.querySelector('[data-test=\"shown-stream\"][data-stream=\"{stream}\"]'); \
                     return s ? s.querySelector('[data-test=\"shown-offer\"]').textContent : null;"
                ),
                "the offer on the customer's page",
            )
            .await;
        let heading = heading.as_str().expect("a heading").to_owned();
        assert!(heading.starts_with("Anna Berg"), "{heading}");
        self.on_shown(stream, "shown-view").await;
    }

    /// Carl's page offers `stream`, and no picture of it reaches the page
    /// while he has not chosen View.
    async fn offered_without_pictures(&self, stream: u32) {
        let panel = self.customer_panel();
        panel
            .wait(
                &format!(
                    "return document.querySelector('[data-test=\"shown-stream\"][data-stream=\"{stream}\"]') ? true : null;"
                ),
                "the offer",
            )
            .await;
        tokio::time::sleep(QUIET_FOR).await;
        assert_eq!(
            panel.frames_reached(stream).await,
            0,
            "pictures reach the page before the customer chose View"
        );
    }

    /// Presses `test` on the card of `stream` on Carl's page.
    async fn on_shown(&self, stream: u32, test: &str) {
        self.customer.enter_frame(CUSTOMER_PANEL).await;
        self.customer
            .click(&format!(
                "[data-test=\"shown-stream\"][data-stream=\"{stream}\"] {}",
                test_id(test)
            ))
            .await;
        self.customer.leave_frame().await;
    }

    /// Whether Carl's card of `stream` says he may control it.
    async fn customer_may_control(&self, stream: u32, expected: bool) {
        let want = if expected { "true" } else { "false" };
        self.customer_panel()
            .wait(
                &format!(
                    "const s = document.querySelector('[data-test=\"shown-stream\"][data-stream=\"{stream}\"]'); \
                     return s && s.dataset.mayControl === '{want}' ? true : null;"
                ),
                &format!("may control: {want}"),
            )
            .await;
    }

    async fn healthz_counter(&self, name: &str) -> u64 {
        let (_, health) = self.kernel.get_json("/healthz").await;
        health["streams"][name].as_u64().expect("a stream counter")
    }
}

#[tokio::test]
async fn the_csrs_agent_lists_her_applications_and_the_customer_sees_the_one_she_shows() {
    let s = setup("show", Agent::Joined, &[]).await;
    let _ledger = s.fixture("Ledger", LEDGER).await;
    let _terminal = s.terminal("Terminal").await;
    let stream = s.show("Ledger").await;
    let listed = s.mine_listed().await;
    assert!(
        listed
            .iter()
            .any(|name| name.contains("xterm") || name.contains("XTerm")),
        "the terminal is listed among {listed:?}"
    );
    s.csr.screen("showing-own-application").await;

    // Carl is offered it, and sees nothing until he chooses View.
    let panel = s.customer_panel();
    s.offered_without_pictures(stream).await;
    s.customer.screen("offered-an-application").await;
    s.customer_views(stream).await;
    panel.shows_colour(stream, LEDGER).await;
    panel.keeps_drawing(stream).await;
    s.customer.screen("viewing-the-csrs-application").await;

    // Anna stops: it ends on Carl's page.
    s.on_own_stream(stream, "own-stop").await;
    panel.ended(stream).await;
    panel.hears_nothing_more_of(stream, "Stop").await;
}

#[tokio::test]
async fn control_given_and_taken_back_without_restarting_the_share() {
    let s = setup("control", Agent::Joined, &[]).await;
    let _terminal = s.terminal("Terminal").await;
    let stream = s.show("Terminal").await;
    s.customer_views(stream).await;
    let panel = s.customer_panel();
    panel
        .wait(
            &format!(
                "const c = document.getElementById('shown-canvas-{stream}'); \
                 return c && Number(c.dataset.frames) > 0 ? true : null;"
            ),
            "the terminal's picture",
        )
        .await;
    let refused_before = s.healthz_counter("frames_refused").await;
    let drawn_before = panel.viewer(stream).await["frames"]
        .as_u64()
        .expect("frames");

    // Control given while the view runs: the same stream goes on.
    s.give_control(stream).await;
    s.customer_may_control(stream, true).await;
    assert_eq!(
        s.own_stream("Terminal").await,
        stream,
        "giving control does not restart the share"
    );
    panel.enter_control(stream).await;
    s.customer.screen("controlling-the-csrs-application").await;
    let written = s.file("given.txt");
    panel
        .type_into(
            stream,
            &format!("echo given > {}{}", written.display(), Key::Enter),
        )
        .await;
    file_holds(&written, "given\n").await;
    // What was typed shows in the same stream's pictures.
    panel
        .wait(
            &format!(
                "const c = document.getElementById('shown-canvas-{stream}'); \
                 return Number(c.dataset.frames) > {drawn_before} ? true : null;"
            ),
            "the terminal redrawn in the same stream",
        )
        .await;
    assert_eq!(
        s.healthz_counter("frames_refused").await,
        refused_before,
        "the controller's input is refused"
    );

    // Anna takes it back: Carl's next keys reach nothing.
    s.on_own_stream(stream, "own-take").await;
    s.customer_may_control(stream, false).await;
    let viewer = panel.viewer(stream).await;
    assert_eq!(viewer["control"], json!("off"), "{viewer}");
    let ignored = s.file("taken.txt");
    panel
        .type_into(
            stream,
            &format!("echo taken > {}{}", ignored.display(), Key::Enter),
        )
        .await;
    tokio::time::sleep(QUIET_FOR).await;
    assert!(
        !ignored.exists(),
        "keys after control was taken back reached the terminal"
    );

    // Given again, Anna takes it back with the Pause key on her computer.
    s.give_control(stream).await;
    s.customer_may_control(stream, true).await;
    xdotool(s.display(), &["key", "Pause"]).expect("xdotool presses Pause");
    s.customer_may_control(stream, false).await;
    s.console_panel()
        .wait(
            &format!(
                "const s = document.querySelector('[data-test=\"own-stream\"][data-stream=\"{stream}\"]'); \
                 return s && !s.dataset.controller ? true : null;"
            ),
            "control taken back in the console",
        )
        .await;
}

#[tokio::test]
async fn two_applications_shown_at_once_and_stopping_one_leaves_the_other() {
    let s = setup("two", Agent::Joined, &[]).await;
    let _ledger = s.fixture("Ledger", LEDGER).await;
    let _notes = s.fixture("Notes", NOTES).await;
    let ledger = s.show("Ledger").await;
    let notes = s.show("Notes").await;
    assert_ne!(ledger, notes);
    s.customer_views(ledger).await;
    s.customer_views(notes).await;
    let panel = s.customer_panel();
    panel.shows_colour(ledger, LEDGER).await;
    panel.shows_colour(notes, NOTES).await;

    s.on_own_stream(ledger, "own-stop").await;
    panel.ended(ledger).await;
    panel.keeps_drawing(notes).await;
    panel.shows_colour(notes, NOTES).await;
}

/// The title of the tab Anna shares from her browser (Chromium is told to
/// pick it: `--auto-select-tab-capture-source-by-title`).
const SHOWN_TAB: &str = "Shown from the browser";

/// Points of a picture as fractions of its width and height: a whole tab
/// of one colour shows it everywhere, whatever size the tab has.
const SPREAD: [(f64, f64); 5] = [(0.5, 0.5), (0.1, 0.1), (0.9, 0.1), (0.1, 0.9), (0.9, 0.9)];

/// How far a channel of a browser's share may be from the tab's colour.
/// Wider than the agent's shares allow: the tab goes through two colour
/// conversions before VP8's — Chromium captures it as YUV and the console
/// makes RGB of that (measured: LEDGER's red 204 arrives as 217 in the
/// console, as 223–231 on the customer's page) — and still far from any
/// other colour of these tests.
const BROWSER_TOLERANCE: u8 = 40;

/// Whether `pixel` is `colour`, within [`BROWSER_TOLERANCE`].
fn near(pixel: [u8; 3], colour: [u8; 3]) -> bool {
    pixel
        .iter()
        .zip(colour)
        .all(|(seen, want)| seen.abs_diff(want) <= BROWSER_TOLERANCE)
}

impl Showing {
    /// Anna opens a second tab beside her console, all of `colour`, titled
    /// [`SHOWN_TAB`], and goes back to her console; the tab's handle.
    async fn open_tab_to_show(&self, colour: [u8; 3]) -> fantoccini::wd::WindowHandle {
        let client = &self.csr.client;
        let console = client.window().await.expect("the console's window");
        let tab = client.new_window(true).await.expect("a second tab");
        client
            .switch_to_window(tab.handle.clone())
            .await
            .expect("to the second tab");
        self.csr
            .goto(&format!(
                "data:text/html,<title>{SHOWN_TAB}</title><body style='margin:0;background:%23{}'>",
                hex(colour)
            ))
            .await;
        client
            .switch_to_window(console)
            .await
            .expect("back to the console");
        tab.handle
    }

    /// Anna repaints the shared tab all in `colour` (and comes back to
    /// her console).
    async fn repaint_shown_tab(&self, tab: &fantoccini::wd::WindowHandle, colour: [u8; 3]) {
        let client = &self.csr.client;
        let console = client.window().await.expect("the console's window");
        client
            .switch_to_window(tab.clone())
            .await
            .expect("to the shared tab");
        self.csr
            .eval(&format!(
                "document.body.style.background = '#{}'; return true;",
                hex(colour)
            ))
            .await;
        client
            .switch_to_window(console)
            .await
            .expect("back to the console");
    }

    /// Waits until Carl's picture of `stream` — whatever its size — shows
    /// `colour` at every point of [`SPREAD`] (near it: [`near`]); the
    /// pictures drawn by then.
    async fn customer_sees_all_of(&self, stream: u32, colour: [u8; 3]) -> u64 {
        let points = serde_json::to_string(&SPREAD).expect("JSON");
        let script = format!(
            "const c = document.getElementById('shown-canvas-{stream}'); \
             if (!c || !(Number(c.dataset.frames) > 0) || c.width < 2 || c.height < 2) return null; \
             const g = c.getContext('2d'); \
             return {{ frames: Number(c.dataset.frames), width: c.width, height: c.height, \
                      pixels: {points}.map(([x, y]) => Array.from( \
                        g.getImageData(Math.floor(x * (c.width - 1)), Math.floor(y * (c.height - 1)), 1, 1) \
                         .data.slice(0, 3))) }};"
        );
        let deadline = std::time::Instant::now() + tether_tests::clients::PATIENCE;
        loop {
            let seen = self
                .customer_panel()
                .wait(&script, &format!("pictures of stream {stream}"))
                .await;
            let pixels: Vec<[u8; 3]> =
                serde_json::from_value(seen["pixels"].clone()).expect("pixels");
            if pixels.iter().all(|pixel| near(*pixel, colour)) {
                return seen["frames"].as_u64().expect("frames");
            }
            assert!(
                std::time::Instant::now() < deadline,
                "stream {stream} shows {seen}, not {colour:?} everywhere"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// The answer of the page around `panel` in `context` to a capture
    /// asked for by a script in the panel with no click before it (the
    /// activation of any earlier click has run out first).
    async fn capture_asked_without_a_click(context: &BrowserContext, panel: &str) -> Value {
        let deadline = std::time::Instant::now() + tether_tests::clients::PATIENCE;
        while context
            .eval("return navigator.userActivation.isActive;")
            .await
            != Value::Bool(false)
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the page's activation never ran out"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        context.enter_frame(panel).await;
        let answer = context
            .eval_async(
                "const done = arguments[arguments.length - 1]; \
                 const id = 987654321; \
                 window.addEventListener('message', (event) => { \
                   const m = event.data; \
                   if (event.source === window.parent && m && m.type === 'result' && m.id === id) done(m); \
                 }); \
                 window.parent.postMessage({ tether: 1, type: 'capture_display', id }, '*');",
            )
            .await;
        context.leave_frame().await;
        answer
    }

    /// How many captures Anna's console page holds for its panels now (the
    /// hidden videos of what it captures).
    async fn captures_held(&self) -> u64 {
        self.csr
            .eval("return document.querySelectorAll('[data-test=\"capture-source\"]').length;")
            .await
            .as_u64()
            .expect("a count")
    }
}

#[tokio::test]
async fn from_the_browser_without_an_agent_the_customer_sees_it_and_no_control_is_offered() {
    // Chromium picks the capture source itself: a tab of a known colour
    // that Anna has open beside her console. Her console captures it for
    // the panel (a panel's opaque origin may not), on her click in it.
    let s = setup(
        "browser",
        Agent::None,
        &[&format!(
            "--auto-select-tab-capture-source-by-title={SHOWN_TAB}"
        )],
    )
    .await;
    let tab = s.open_tab_to_show(LEDGER).await;

    // The console captures on a click in its panel only, and the
    // customer's page never captures for a panel.
    let unasked = Showing::capture_asked_without_a_click(&s.csr, CONSOLE_PANEL).await;
    assert_eq!(unasked["ok"], json!(false), "{unasked}");
    assert_eq!(unasked["error"]["code"], json!("failed"), "{unasked}");
    let customer = Showing::capture_asked_without_a_click(&s.customer, CUSTOMER_PANEL).await;
    assert_eq!(
        customer["error"]["code"],
        json!("unsupported"),
        "{customer}"
    );
    assert_eq!(s.captures_held().await, 0);

    s.csr.enter_frame(CONSOLE_PANEL).await;
    s.csr.click(&test_id("share-browser")).await;
    s.csr.leave_frame().await;
    let stream = s
        .console_panel()
        .wait(
            "const s = document.querySelector('[data-test=\"own-stream\"]'); \
             return s && s.dataset.origin === 'csr_browser' ? Number(s.dataset.stream) : null;",
            "the browser share",
        )
        .await
        .as_u64()
        .expect("a stream id") as u32;
    assert_eq!(s.captures_held().await, 1, "the console holds the capture");
    // The panel encodes what the console hands it: its preview counts the
    // pictures it sent (none reach Carl yet).
    s.console_panel()
        .wait(
            "const p = document.querySelector('[data-test=\"browser-preview\"]'); \
             return p && Number(p.dataset.pictures) > 0 ? true : null;",
            "the panel encoding the capture",
        )
        .await;
    let give = s
        .console_panel()
        .eval(&format!(
            "const s = document.querySelector('[data-test=\"own-stream\"][data-stream=\"{stream}\"]'); \
             const visible = (test) => {{ const b = s.querySelector(`[data-test=\"${{test}}\"]`); \
                                         return !!b && !b.hidden; }}; \
             return visible('own-give') || visible('own-take');"
        ))
        .await;
    assert_eq!(
        give,
        Value::Bool(false),
        "control is offered for a browser share"
    );

    // Carl is offered it and gets nothing before View.
    let panel = s.customer_panel();
    s.offered_without_pictures(stream).await;
    s.customer_may_control(stream, false).await;

    // View sends the keyframe request that makes his page a viewer: the
    // share answers it with a picture of the tab, all of its colour.
    s.customer_views(stream).await;
    let drawn = s.customer_sees_all_of(stream, LEDGER).await;
    assert!(drawn >= 1, "{drawn} pictures");
    s.customer.screen("viewing-a-browser-share").await;

    // The tab changes: a new picture goes out without being asked for.
    s.repaint_shown_tab(&tab, NOTES).await;
    s.customer_sees_all_of(stream, NOTES).await;
    s.customer_may_control(stream, false).await;

    // Anna stops: it ends on Carl's page, and her console lets the
    // capture go.
    s.on_own_stream(stream, "own-stop").await;
    panel.ended(stream).await;
    panel.hears_nothing_more_of(stream, "Stop").await;
    let deadline = std::time::Instant::now() + tether_tests::clients::PATIENCE;
    while s.captures_held().await > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the console still captures the tab after Stop"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
