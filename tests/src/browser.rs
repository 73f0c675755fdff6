//! A real headless Chromium (Debian's `chromium`) driven over WebDriver
//! through `chromedriver`. Each [`BrowserContext`] is its own browser
//! profile — cookies, storage, downloads and language — so a CSR and a
//! customer are as separate as two people's browsers.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::clients::PATIENCE;
use crate::kernel_process::KernelProcess;
use crate::{target_dir, workspace_root};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A running chromedriver; dropped, it stops (and its browsers with it).
pub struct Browser {
    driver: Child,
    url: String,
}

impl Browser {
    /// Starts chromedriver on a free port. Fails with what to install when
    /// the browser is missing (`.ci/run` installs both packages).
    pub async fn start() -> Browser {
        for path in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(path).is_file(),
                "{path} is missing: install Debian's `chromium` and `chromium-driver` packages"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + PATIENCE;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Browser { driver, url }
    }

    /// A fresh browser profile preferring `language` (e.g. `en`, `ja`).
    pub async fn context(&self, name: &str, language: &str) -> BrowserContext {
        self.context_with(name, language, &[]).await
    }

    /// Like [`Browser::context`], with more Chromium command-line
    /// arguments (`--disable-features=…`, for instance).
    pub async fn context_with(
        &self,
        name: &str,
        language: &str,
        extra_args: &[&str],
    ) -> BrowserContext {
        let profile = tempfile::tempdir().expect("profile dir");
        let downloads = tempfile::tempdir().expect("download dir");
        let mut options = json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1400,1000",
                format!("--lang={language}"),
                format!("--user-data-dir={}", profile.path().display()),
            ],
            "prefs": {
                "intl.accept_languages": language,
                "download.default_directory": downloads.path(),
                "download.prompt_for_download": false,
                "download.directory_upgrade": true,
                "safebrowsing.enabled": false,
            },
        });
        if let Some(args) = options["args"].as_array_mut() {
            args.extend(extra_args.iter().map(|arg| json!(arg)));
            // Kernels of a run over HTTPS have the tests' own certificate.
            if crate::tls::over_https() {
                args.push(json!("--ignore-certificate-errors"));
            }
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), options);
        capabilities.insert("unhandledPromptBehavior".into(), json!("ignore"));
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a Chromium session");
        BrowserContext {
            client,
            name: name.to_owned(),
            _profile: profile,
            downloads,
        }
    }
}

impl Drop for Browser {
    /// Ends the browsers chromedriver started, then chromedriver: a test
    /// that failed before closing its contexts would otherwise leave them
    /// running (and their pages with them) once chromedriver is gone.
    fn drop(&mut self) {
        for browser in children_of(self.driver.id()) {
            let _ = Command::new("kill")
                .args(["-TERM", &browser.to_string()])
                .status();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The processes whose parent is `parent` (from /proc).
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                // The parent is the second field after the name, which is
                // in parentheses and may hold spaces.
                .and_then(|stat| {
                    let after_name = &stat[stat.rfind(')')? + 1..];
                    after_name.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(parent)
        })
        .collect()
}

/// One person's browser window.
pub struct BrowserContext {
    pub client: Client,
    name: String,
    _profile: tempfile::TempDir,
    downloads: tempfile::TempDir,
}

/// `[data-test="…"]`
pub fn test_id(id: &str) -> String {
    format!("[data-test=\"{id}\"]")
}

impl BrowserContext {
    /// Signs `user` in on the kernel's sign-in form and waits for the
    /// console to welcome them by `name` (in `words`' language).
    pub async fn sign_in_to_console(
        &self,
        kernel: &KernelProcess,
        (user, password): (&str, &str),
        name: &str,
        words: &Dictionary,
    ) {
        self.goto(&kernel.url("/")).await;
        self.fill(&test_id("signin-user"), user).await;
        self.fill(&test_id("signin-password"), password).await;
        self.click(&test_id("signin-submit")).await;
        self.wait_text("h1", &words.fill("console.welcome", &[("name", name)]))
            .await;
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("page loads");
    }

    /// Waits for the element `css` to exist and be shown.
    pub async fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && element.is_displayed().await.unwrap_or(false)
            {
                return element;
            }
            if Instant::now() > deadline {
                self.screenshot(&format!("missing-{}", file_name(css)))
                    .await;
                panic!("{}: no visible `{css}`", self.name);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("click");
    }

    /// Clicks `css` when the click opens a `confirm()`: WebDriver's own
    /// click would wait on the dialog, so the page clicks it itself.
    pub async fn click_opening_dialog(&self, css: &str) {
        self.find(css).await;
        let script = format!(
            "setTimeout(() => document.querySelector({}).click(), 0)",
            serde_json::to_string(css).expect("selector as JSON")
        );
        self.eval(&script).await;
        self.accept_dialog().await;
    }

    /// Clears the input `css` and types `text`.
    pub async fn fill(&self, css: &str, text: &str) {
        let input = self.find(css).await;
        input.clear().await.expect("clear");
        input.send_keys(text).await.expect("type");
    }

    /// Waits until the text of `css` contains `expected`; returns the text.
    pub async fn wait_text(&self, css: &str, expected: &str) -> String {
        self.wait_text_where(css, &format!("{expected:?}"), |text| {
            text.contains(expected)
        })
        .await
    }

    /// Waits until the text of an element matching `css` satisfies
    /// `holds` (`what` says what is awaited, for the failure); returns it.
    pub async fn wait_text_where(
        &self,
        css: &str,
        what: &str,
        holds: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + PATIENCE;
        let mut last = String::new();
        loop {
            if let Ok(elements) = self.client.find_all(Locator::Css(css)).await {
                for element in elements {
                    last = element.text().await.unwrap_or_default();
                    if holds(&last) {
                        return last;
                    }
                }
            }
            if Instant::now() > deadline {
                self.screenshot(&format!("waiting-{}", file_name(css)))
                    .await;
                panic!(
                    "{}: `{css}` never showed {what} (last: {last:?})",
                    self.name
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn attribute(&self, css: &str, name: &str) -> String {
        self.find(css)
            .await
            .attr(name)
            .await
            .expect("attribute")
            .unwrap_or_default()
    }

    pub async fn value(&self, css: &str) -> String {
        self.find(css)
            .await
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default()
    }

    /// Runs `script` in the current frame and returns its value.
    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .expect("script runs")
    }

    /// Runs `script`, which calls its last argument with a result, and
    /// returns that result (for promises such as `fetch`).
    pub async fn eval_async(&self, script: &str) -> Value {
        self.client
            .execute_async(script, Vec::new())
            .await
            .expect("script runs")
    }

    /// Works inside the iframe `css` (a plugin panel) until [`leave_frame`].
    pub async fn enter_frame(&self, css: &str) {
        self.find(css)
            .await
            .enter_frame()
            .await
            .expect("enter frame");
    }

    pub async fn leave_frame(&self) {
        self.client.enter_parent_frame().await.expect("leave frame");
    }

    /// Accepts a `confirm()` once it is shown.
    pub async fn accept_dialog(&self) {
        let deadline = Instant::now() + PATIENCE;
        while self.client.accept_alert().await.is_err() {
            assert!(
                Instant::now() < deadline,
                "{}: no dialog to accept",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for a finished download named `name`; returns its content.
    pub async fn downloaded(&self, name: &str) -> String {
        let path = self.downloads.path().join(name);
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(text) = std::fs::read_to_string(&path) {
                return text;
            }
            if Instant::now() > deadline {
                let seen: Vec<_> = std::fs::read_dir(self.downloads.path())
                    .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
                    .unwrap_or_default();
                panic!("{}: no download {name} (downloads: {seen:?})", self.name);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A screen the test has reached: pictured (see [`screenshot`]) and
    /// audited for accessibility, panels included (see
    /// [`crate::accessibility::audit`]). Called at the top-level page.
    pub async fn screen(&self, name: &str) {
        self.screenshot(name).await;
        crate::accessibility::audit(&self.client, &self.name, name).await;
    }

    /// Saves a screenshot as `target/screenshots/<context>-<name>.png` and
    /// prints where, so the main screens can be looked at after a run.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let dir = target_dir().join("screenshots");
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("{}-{}.png", self.name, file_name(name)));
        match self.client.screenshot().await {
            Ok(png) => {
                if std::fs::write(&path, png).is_ok() {
                    println!("screenshot: {}", path.display());
                }
            }
            Err(error) => println!("screenshot {name} failed: {error}"),
        }
        path
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// The UI's dictionary for one language, read from its source
/// (`kernel/ui/src/strings/<language>.ts`), so the test expects exactly
/// what that language says.
pub struct Dictionary(HashMap<String, String>);

impl Dictionary {
    pub fn load(language: &str) -> Dictionary {
        let path = workspace_root().join(format!("kernel/ui/src/strings/{language}.ts"));
        let source = std::fs::read_to_string(&path).expect("dictionary source");
        let mut entries = HashMap::new();
        let mut rest = source.as_str();
        // Entries look like `"key": "value",` (the value may start on the
        // next line); values are JSON-compatible string literals.
        while let Some(start) = rest.find("\n  \"") {
            rest = &rest[start + 4..];
            let Some(end) = rest.find('"') else { break };
            let key = rest[..end].to_owned();
            let after = rest[end + 1..].trim_start();
            let Some(value_part) = after.strip_prefix(':') else {
                continue;
            };
            let value_part = value_part.trim_start();
            let mut deserializer = serde_json::Deserializer::from_str(value_part);
            let value: String = match serde::Deserialize::deserialize(&mut deserializer) {
                Ok(value) => value,
                Err(_) => continue,
            };
            entries.insert(key, value);
        }
        assert!(entries.len() > 100, "{}: too few strings", path.display());
        Dictionary(entries)
    }

    pub fn get(&self, key: &str) -> String {
        self.0
            .get(key)
            .unwrap_or_else(|| panic!("no string {key}"))
            .clone()
    }

    pub fn fill(&self, key: &str, params: &[(&str, &str)]) -> String {
        let mut text = self.get(key);
        for (name, value) in params {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }
}

/// `text` with anything but ASCII letters, digits and `-` made `_`.
pub(crate) fn file_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
