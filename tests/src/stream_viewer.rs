//! A shared application's viewer as the browser tests read and drive it:
//! the `tether-viewer.js` view inside a plugin panel — the CSR's console
//! (the customer shares) or the customer's page (the CSR shows). What is
//! seen is read from the viewer's canvas (`stream-canvas-<id>`: its
//! pixels, `data-frames`, `data-codec`); what reaches the panel at all is
//! counted from the bridge's own messages.
//!
//! Also the X side of those tests: `xdotool` and the fixture window's
//! colours.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use serde_json::Value;

use crate::browser::{BrowserContext, test_id};
use crate::clients::PATIENCE;
use crate::kernel_process::KernelProcess;

/// The fixture window's size (it always opens at 40,30).
pub const WIDTH: u32 = 320;
pub const HEIGHT: u32 = 200;

/// How far a decoded pixel may be from the colour drawn (VP8 and JPEG are
/// lossy; Chromium converts from YUV).
pub const TOLERANCE: u8 = 24;

/// How long to watch for something that must not happen.
pub const QUIET_FOR: Duration = Duration::from_millis(1200);

pub fn hex(colour: [u8; 3]) -> String {
    colour.iter().map(|c| format!("{c:02x}")).collect()
}

pub fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as u64
}

pub fn close_to(pixel: [u8; 3], colour: [u8; 3]) -> bool {
    pixel
        .iter()
        .zip(colour)
        .all(|(got, want)| got.abs_diff(want) <= TOLERANCE)
}

/// `xdotool` on `display`; its output, or `None` when it fails (`search`
/// fails while nothing matches).
pub fn xdotool(display: &str, args: &[&str]) -> Option<String> {
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

/// The X windows named exactly `title` on `display`.
pub fn windows_named(display: &str, title: &str) -> Vec<String> {
    xdotool(
        display,
        &["search", "--onlyvisible", "--name", &format!("^{title}$")],
    )
    .map(|out| out.split_whitespace().map(str::to_owned).collect())
    .unwrap_or_default()
}

/// Waits for a window named `title` on `display`; its id.
pub async fn wait_for_window(display: &str, title: &str) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(window) = windows_named(display, title).pop() {
            return window;
        }
        assert!(Instant::now() < deadline, "no window named {title:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the file at `path` holds `expected` (what a command typed
/// into a shared terminal wrote).
pub async fn file_holds(path: &Path, expected: &str) {
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

/// Counts, in a panel, the frames that reach it for each stream and when
/// it is told a stream closed (the bridge's own messages, before the
/// viewer sees them).
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

/// The viewers of one plugin panel in one browser.
pub struct PanelViewers<'a> {
    pub context: &'a BrowserContext,
    /// The panel's iframe, as CSS.
    pub panel: &'a str,
    /// The viewers' canvases are `<canvas>` + the stream id
    /// (`stream-canvas-` in the console's panel).
    pub canvas: &'a str,
    /// For what the kernel counted when something never shows.
    pub kernel: &'a KernelProcess,
}

impl PanelViewers<'_> {
    /// Runs `script` inside the panel.
    pub async fn eval(&self, script: &str) -> Value {
        self.context.enter_frame(self.panel).await;
        let value = self.context.eval(script).await;
        self.context.leave_frame().await;
        value
    }

    /// Starts counting the frames that reach the panel.
    pub async fn count_frames(&self) {
        self.eval(COUNT_FRAMES).await;
    }

    /// Waits until `script` (run in the panel) returns other than `null`;
    /// its value.
    pub async fn wait(&self, script: &str, what: &str) -> Value {
        let deadline = Instant::now() + PATIENCE;
        let context = self.context;
        context.enter_frame(self.panel).await;
        loop {
            let value = context.eval(script).await;
            if !value.is_null() {
                context.leave_frame().await;
                return value;
            }
            if Instant::now() > deadline {
                let viewers = context
                    .eval(
                        "return [...document.querySelectorAll('canvas')].map((c) => ({ ...c.dataset })) \
                           .concat([window.testCount || null]);",
                    )
                    .await;
                context.leave_frame().await;
                context.screenshot(&format!("waiting-{what}")).await;
                let bridge = context.eval("return window.tetherBridge;").await;
                let (_, health) = self.kernel.get_json("/healthz").await;
                panic!(
                    "the panel never showed {what} (viewers and frames counted: {viewers}; \
                     bridge: {bridge}; kernel: {})",
                    health["streams"]
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the panel shows a stream labelled `label` in a
    /// `section.stream`; its id.
    pub async fn stream_shown(&self, label: &str) -> u32 {
        let script = format!(
            "const s = [...document.querySelectorAll('section.stream')] \
               .find((s) => s.querySelector('h3').textContent === {label}); \
             return s ? Number(s.dataset.stream) : null;",
            label = serde_json::to_string(label).expect("JSON")
        );
        self.wait(&script, &format!("a stream {label:?}"))
            .await
            .as_u64()
            .expect("a stream id") as u32
    }

    /// The viewer's canvas of `stream`: pictures drawn, codec, decoders,
    /// control mode and picture size; `null` while there is none.
    pub async fn viewer(&self, stream: u32) -> Value {
        let prefix = self.canvas;
        self.eval(&format!(
            "const c = document.getElementById('{prefix}{stream}'); \
             if (!c) return null; \
             const v = c.closest('.tv-viewer'); \
             return {{ frames: Number(c.dataset.frames), codec: c.dataset.codec, \
                      decoders: c.dataset.decoders || '', control: v.dataset.control, \
                      width: c.width, height: c.height }};"
        ))
        .await
    }

    /// Frames that reached the panel for `stream` so far.
    pub async fn frames_reached(&self, stream: u32) -> u64 {
        self.eval(&format!("return window.testCount.frames[{stream}] || 0;"))
            .await
            .as_u64()
            .expect("a count")
    }

    /// Frames the page's bridge got for streams it routes nowhere.
    pub async fn frames_unrouted(&self) -> Value {
        self.context
            .eval("return window.tetherBridge.framesUnrouted;")
            .await
    }

    /// The canvas's pixels at `points` (picture coordinates), read once it
    /// has drawn more than `after` pictures of the fixture window's size.
    pub async fn pixels(&self, stream: u32, after: u64, points: &[(u32, u32)]) -> Vec<[u8; 3]> {
        let prefix = self.canvas;
        let points = serde_json::to_string(points).expect("JSON");
        let script = format!(
            "const c = document.getElementById('{prefix}{stream}'); \
             if (!c || Number(c.dataset.frames) <= {after} || c.width !== {WIDTH}) return null; \
             const g = c.getContext('2d'); \
             return {points}.map(([x, y]) => Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3)));"
        );
        let value = self
            .wait(&script, &format!("pictures of stream {stream}"))
            .await;
        serde_json::from_value(value).expect("pixels")
    }

    /// Waits until the picture of `stream` shows `colour` across the
    /// fixture window (away from the animated top edge).
    pub async fn shows_colour(&self, stream: u32, colour: [u8; 3]) {
        let points = [(160, 100), (20, 180), (300, 60), (10, 40)];
        let deadline = Instant::now() + PATIENCE;
        let mut after = 0;
        loop {
            let seen = self.pixels(stream, after, &points).await;
            if seen.iter().all(|pixel| close_to(*pixel, colour)) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "stream {stream} shows {seen:?}, not {colour:?}"
            );
            after = self.viewer(stream).await["frames"].as_u64().unwrap_or(0);
        }
    }

    /// How many pixels of the canvas of `stream` are close to `colour`.
    pub async fn count_pixels_like(&self, stream: u32, colour: [u8; 3]) -> u64 {
        let prefix = self.canvas;
        let [r, g, b] = colour;
        self.eval(&format!(
            "const c = document.getElementById('{prefix}{stream}'); \
             const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; \
             let n = 0; \
             for (let i = 0; i < d.length; i += 4) {{ \
               if (Math.abs(d[i] - {r}) <= {TOLERANCE} && Math.abs(d[i + 1] - {g}) <= {TOLERANCE} \
                   && Math.abs(d[i + 2] - {b}) <= {TOLERANCE}) n += 1; \
             }} \
             return n;"
        ))
        .await
        .as_u64()
        .expect("a count")
    }

    /// Waits until `stream` drew more pictures than it has now.
    pub async fn keeps_drawing(&self, stream: u32) {
        let prefix = self.canvas;
        let before = self.viewer(stream).await["frames"]
            .as_u64()
            .expect("frames");
        self.wait(
            &format!(
                "const c = document.getElementById('{prefix}{stream}'); \
                 return c && Number(c.dataset.frames) > {before} + 3 ? true : null;"
            ),
            &format!("stream {stream} drawing on"),
        )
        .await;
    }

    /// The stream ended for this panel: when it heard (epoch ms), once its
    /// viewer is gone.
    pub async fn ended(&self, stream: u32) -> u64 {
        let prefix = self.canvas;
        self.wait(
            &format!(
                "return document.getElementById('{prefix}{stream}') ? null \
                   : (window.testCount.closedAt[{stream}] || null);"
            ),
            &format!("the end of stream {stream}"),
        )
        .await
        .as_u64()
        .expect("a time")
    }

    /// Nothing more of `stream` reaches the panel or the page for a while.
    pub async fn hears_nothing_more_of(&self, stream: u32, how: &str) {
        let reached = self.frames_reached(stream).await;
        let stray = self.frames_unrouted().await;
        tokio::time::sleep(QUIET_FOR).await;
        assert_eq!(
            self.frames_reached(stream).await,
            reached,
            "{how}: pictures still reach the panel after the end"
        );
        assert_eq!(
            self.frames_unrouted().await,
            stray,
            "{how}: pictures still reach the page after the end"
        );
    }

    /// Clicks the picture of `stream` at `x`,`y` (picture coordinates,
    /// scaled as shown); returns where the viewer put it (its own
    /// mapping, from the event).
    ///
    /// The pointer goes to the canvas first and then by the distance left,
    /// as measured where it landed: where WebDriver puts a pointer inside
    /// a frame need not be where the page has the element.
    pub async fn click_picture(&self, stream: u32, x: u32, y: u32) -> (u32, u32) {
        let prefix = self.canvas;
        let context = self.context;
        context.enter_frame(self.panel).await;
        let canvas_css = format!("#{prefix}{stream}");
        context
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
        let canvas = context.find(&canvas_css).await;
        let onto = MouseActions::new("mouse".to_owned()).then(PointerAction::MoveToElement {
            element: canvas,
            duration: None,
            x: 0.0,
            y: 0.0,
        });
        context
            .client
            .perform_actions(onto)
            .await
            .expect("pointer onto the picture");
        let rest = context
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
        context.client.perform_actions(click).await.expect("click");
        let down = context.eval("return window.testDown;").await;
        context.leave_frame().await;
        serde_json::from_value(down).expect("the pointer went down")
    }

    /// Clicks into the picture: the viewer enters control mode.
    pub async fn enter_control(&self, stream: u32) {
        let prefix = self.canvas;
        self.click_picture(stream, WIDTH / 2, HEIGHT / 2).await;
        self.wait(
            &format!(
                "const c = document.getElementById('{prefix}{stream}'); \
                 return c.closest('.tv-viewer').dataset.control === 'on' \
                   && document.activeElement === c ? true : null;"
            ),
            "control mode",
        )
        .await;
    }

    /// Types `text` into the picture of `stream` (in control).
    pub async fn type_into(&self, stream: u32, text: &str) {
        let prefix = self.canvas;
        self.context.enter_frame(self.panel).await;
        let canvas = self.context.find(&format!("#{prefix}{stream}")).await;
        canvas.send_keys(text).await.expect("typing");
        self.context.leave_frame().await;
    }

    /// Presses the button `test` (a `data-test` id) of the stream's
    /// section, `section.stream[data-stream=…]`.
    pub async fn press_on_stream(&self, stream: u32, test: &str) {
        self.context.enter_frame(self.panel).await;
        self.context
            .click(&format!(
                "section.stream[data-stream=\"{stream}\"] {}",
                test_id(test)
            ))
            .await;
        self.context.leave_frame().await;
    }
}
