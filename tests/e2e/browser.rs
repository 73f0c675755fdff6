//! The bundled web UI in a real headless Chromium against a real kernel, the
//! bundled plugins and a real host agent: a CSR signs in, starts a session
//! and invites; a customer joins in a second browser profile, runs the
//! helper with the token the page shows, and allows what the CSR asks;
//! the CSR views and saves the system information, restarts the computer
//! and sees the customer rejoin, logs on as another user and off, chats,
//! reads the report and ends the session — in English and in Japanese.
//! Markup typed by the customer or reported by their computer stays text.
//!
//! Screenshots of the main screens go to `target/screenshots/`.

use percent_encoding::percent_decode_str;
use tether_tests::agent_process::AgentProcess;
use tether_tests::browser::{Browser, BrowserContext, Dictionary, test_id};
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::{SYSINFO_CATEGORY_TITLES, bundled_manifests};

const CONFIG: &str = r#"
[sessions]
join_attempts_per_minute = 1000
consent_timeout_secs = 60

[sites.default]
name = "Default"
plugins = ["sysinfo", "restart", "relogin", "scripts"]
"#;

const PASSWORD: &str = "correct horse battery";

/// Waits until `script` returns something other than `null`.
async fn wait_for_value(context: &BrowserContext, script: &str) -> serde_json::Value {
    let deadline = std::time::Instant::now() + tether_tests::clients::PATIENCE;
    loop {
        let value = context.eval(script).await;
        if !value.is_null() {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no value from {script}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A kernel with the CSR `anna` and the site admin `lee`.
fn launch_with_site_admin() -> KernelProcess {
    KernelProcess::configure(
        &bundled_manifests(),
        CONFIG,
        &[
            TestAccount::csr("anna", "Anna Berg", "default"),
            TestAccount {
                role: "admin",
                ..TestAccount::csr("lee", "Lee Admin", "default")
            },
        ],
    )
    .launch()
}

fn launch() -> KernelProcess {
    KernelProcess::configure(
        &bundled_manifests(),
        CONFIG,
        &[TestAccount::csr("anna", "Anna Berg", "default")],
    )
    .launch()
}

async fn sign_in(csr: &BrowserContext, kernel: &KernelProcess, words: &Dictionary) {
    csr.goto(&kernel.url("/")).await;
    csr.wait_text("h1", &words.get("signin.title")).await;
    csr.screen("sign-in").await;
    csr.fill(&test_id("signin-user"), "anna").await;
    csr.fill(&test_id("signin-password"), PASSWORD).await;
    csr.click(&test_id("signin-submit")).await;
    csr.wait_text(
        "h1",
        &words.fill("console.welcome", &[("name", "Anna Berg")]),
    )
    .await;
    csr.screen("dashboard").await;
}

/// Starts a session from the dashboard; returns (number, join link).
async fn start_session(csr: &BrowserContext) -> (String, String) {
    csr.click(&test_id("start-session")).await;
    let link = csr.value(&test_id("join-link")).await;
    let number = link.rsplit('/').next().expect("number").to_owned();
    assert_eq!(number.len(), 9, "{link}");
    (number, link)
}

fn spaced(number: &str) -> String {
    format!("{} {} {}", &number[..3], &number[3..6], &number[6..])
}

/// Joins as `name` on the link; returns the helper's one-time code the
/// page shows on request (the command itself carries no secret).
async fn customer_joins(customer: &BrowserContext, link: &str, name: &str) -> String {
    customer.goto(link).await;
    customer.fill(&test_id("join-name"), name).await;
    customer.click(&test_id("join-submit")).await;
    let command = customer
        .wait_text(&test_id("agent-command"), "tether-agent join")
        .await;
    assert!(command.trim().ends_with(link), "{command}");
    customer.click(&test_id("agent-show-code")).await;
    customer.find(&test_id("agent-code")).await;
    customer
        .find(&test_id("agent-code"))
        .await
        .text()
        .await
        .expect("the code")
}

/// Runs the host agent (simulated backend) for the page's customer, as the
/// command the page shows does; `env` is what the computer reports.
async fn start_helper(
    link: &str,
    code: &str,
    env: &[(&str, &str)],
) -> (tempfile::TempDir, AgentProcess) {
    let state = tempfile::tempdir().expect("agent state");
    let mut env = env.to_vec();
    env.push(("TETHER_AGENT_CODE", code));
    let agent = AgentProcess::spawn_with_env(state.path(), "simulated", &["join", link], &env);
    agent.wait_for_line("Connected to support session").await;
    (state, agent)
}

async fn allow_on_page(customer: &BrowserContext, expected_text: &str) {
    customer
        .wait_text(&test_id("consent-text"), expected_text)
        .await;
    // The question takes focus (a keyboard or screen-reader user is told),
    // and is named by its heading.
    let focus = customer
        .eval(
            "const d = document.activeElement && document.activeElement.closest('[role=alertdialog]'); \
             return d ? document.getElementById(d.getAttribute('aria-labelledby')).textContent : null;",
        )
        .await;
    assert!(
        focus.as_str().is_some_and(|name| !name.is_empty()),
        "the consent prompt has neither focus nor a name: {focus}"
    );
    customer.click(&test_id("consent-allow")).await;
}

async fn in_panel(csr: &BrowserContext, plugin: &str, panel: &str) {
    csr.click(&test_id(&format!("panel-tab-{plugin}-{panel}")))
        .await;
    csr.enter_frame(&format!("iframe[data-plugin=\"{plugin}\"]"))
        .await;
}

async fn switch_language(context: &BrowserContext, language: &str) {
    context
        .eval(&format!(
            "const s = document.querySelector('[data-test=\"language\"]'); \
             s.value = '{language}'; s.dispatchEvent(new Event('change'));"
        ))
        .await;
}

async fn support_flow(language: &str) {
    let words = Dictionary::load(language);
    let kernel = launch();
    let browser = Browser::start().await;
    let csr = browser.context(&format!("{language}-csr"), language).await;
    sign_in(&csr, &kernel, &words).await;
    assert_eq!(
        csr.eval("return document.documentElement.lang").await,
        language
    );

    let (number, link) = start_session(&csr).await;
    csr.wait_text(
        ".session-header h1",
        &words.fill("session.heading", &[("number", &spaced(&number))]),
    )
    .await;

    // Tools → Invite: the mailto link carries the invitation in the CSR's language.
    csr.click(&test_id("invite")).await;
    let mailto = csr.attribute(&test_id("invite-mailto"), "href").await;
    let decoded = percent_decode_str(&mailto).decode_utf8_lossy().to_string();
    assert!(decoded.starts_with("mailto:?subject="), "{decoded}");
    assert!(
        decoded.contains(&words.get("invite.customer.subject")),
        "{decoded}"
    );
    for part in [link.as_str(), &spaced(&number), "Anna Berg"] {
        assert!(decoded.contains(part), "{part} not in {decoded}");
    }
    csr.screen("invite").await;
    csr.click(&test_id("invite-close")).await;

    // The customer joins in their own browser and starts the helper.
    let customer = browser
        .context(&format!("{language}-customer"), language)
        .await;
    let token = customer_joins(&customer, &link, "Carl").await;
    customer.wait_text(&test_id("customer-you"), "Carl").await;
    customer.screen("joined").await;
    csr.wait_text(&test_id("participant-name"), "Carl").await;
    let (state, agent) = start_helper(&link, &token, &[]).await;

    // System information: the CSR asks, sees who is deciding, the customer allows.
    in_panel(&csr, "sysinfo", "system-information").await;
    csr.click(&test_id("sysinfo-view")).await;
    csr.leave_frame().await;
    csr.wait_text(
        &test_id("consent-status"),
        &words.fill("consent.waiting", &[("name", "Carl")]),
    )
    .await;
    if language == "ja" {
        // The customer's question in the CSR's language too.
        csr.wait_text(
            &test_id("consent-waiting-text"),
            "Anna Berg があなたのコンピューターのシステム情報を表示しようとしています",
        )
        .await;
    }
    csr.screen("waiting-for-consent").await;
    customer.screen("consent-prompt").await;
    if language == "ja" {
        // The manifest's translation, with the CSR's name filled in.
        customer
            .wait_text(
                &test_id("consent-text"),
                "Anna Berg があなたのコンピューターのシステム情報を表示しようとしています",
            )
            .await;
    }
    allow_on_page(&customer, "Anna Berg").await;
    csr.enter_frame("iframe[data-plugin=\"sysinfo\"]").await;
    csr.find(&test_id("sysinfo-category-memory")).await;
    csr.click(&test_id("sysinfo-category-memory")).await;
    csr.find(&test_id("sysinfo-table")).await;
    if language == "ja" {
        // Headers and property names in Japanese; values as reported.
        let table = csr.wait_text(&test_id("sysinfo-table"), "項目").await;
        assert!(table.contains("合計") && table.contains("MiB"), "{table}");
        // The uptime in the CSR's words, the number as reported.
        csr.click(&test_id("sysinfo-category-system")).await;
        let table = csr.wait_text(&test_id("sysinfo-table"), "時間").await;
        assert!(table.contains("分") && !table.contains(" min"), "{table}");
        csr.click(&test_id("sysinfo-category-memory")).await;
    }
    // Every category, by the name the panel gives it in this language.
    let categories: Vec<String> = serde_json::from_value(
        csr.eval(
            "return [...document.querySelectorAll('[data-test^=sysinfo-category-]')] \
               .map((tab) => tab.textContent.trim());",
        )
        .await,
    )
    .expect("category names");
    assert_eq!(
        categories.len(),
        SYSINFO_CATEGORY_TITLES.len(),
        "{categories:?}"
    );
    if language == "en" {
        assert_eq!(categories, SYSINFO_CATEGORY_TITLES);
    }
    csr.leave_frame().await;
    csr.screen("system-information").await;
    csr.enter_frame("iframe[data-plugin=\"sysinfo\"]").await;
    csr.click(&test_id("sysinfo-save")).await;
    csr.leave_frame().await;
    let saved = csr
        .downloaded(&format!("system-information-{number}.txt"))
        .await;
    for title in &categories {
        assert!(saved.contains(title), "{title} missing from the saved file");
    }
    assert!(saved.contains("Carl"), "the file names the customer");

    // Print: what the panel hands to the printer holds every category.
    csr.enter_frame("iframe[data-plugin=\"sysinfo\"]").await;
    csr.eval(
        "window.print = () => { window.printed = document.getElementById('print-sheet').textContent; };",
    )
    .await;
    csr.click(&test_id("sysinfo-print")).await;
    let printed = wait_for_value(&csr, "return window.printed || null;").await;
    let printed = printed.as_str().expect("printed text");
    for title in &categories {
        assert!(printed.contains(title), "{title} missing from the print");
    }
    assert!(printed.contains("Carl"), "the print names the customer");
    csr.leave_frame().await;

    // Chat both ways.
    customer
        .fill(&test_id("chat-input"), "Hello from Carl")
        .await;
    customer.click(&test_id("chat-send")).await;
    csr.wait_text(&test_id("chat-text"), "Hello from Carl")
        .await;
    csr.fill(&test_id("chat-input"), "Hello Carl").await;
    csr.click(&test_id("chat-send")).await;
    customer
        .wait_text(&test_id("chat-text"), "Hello Carl")
        .await;

    // The language switch: the page changes language and keeps the chat.
    if language == "en" {
        switch_language(&customer, "fr").await;
        let french = Dictionary::load("fr");
        customer
            .wait_text(
                &test_id("customer-you"),
                &french.fill("customer.you_are", &[("name", "Carl")]),
            )
            .await;
        customer
            .wait_text(&test_id("chat-text"), "Hello Carl")
            .await;
        switch_language(&customer, "en").await;
    }

    // Restart: the customer allows, the helper goes, comes back by itself.
    in_panel(&csr, "restart", "restart").await;
    csr.find("[data-test=\"restart-explain\"][data-rejoin=\"by_itself\"]")
        .await;
    csr.click_opening_dialog(&test_id("restart")).await;
    csr.leave_frame().await;
    allow_on_page(&customer, "Anna Berg").await;
    let mut agent = agent;
    let before_restart = agent.pid();
    assert_eq!(agent.exit_code().await, Some(75), "the simulated restart");
    customer
        .wait_text(
            &test_id("customer-notice"),
            &words.get("customer.restarting"),
        )
        .await;
    customer.screen("restarting").await;
    csr.wait_text(
        &test_id("session-notice"),
        &words.fill("participants.away_restart", &[("name", "Carl")]),
    )
    .await;
    // The customer logs in again: their desktop starts the entry the helper
    // left for the next log-in, exactly as written; once back, the helper
    // removes it and says so in its window.
    let entry = AgentProcess::autostart_entry(state.path()).expect("an entry for the next log-in");
    assert_eq!(entry.value("Terminal"), Some("true"), "{}", entry.text);
    assert_eq!(entry.exec().last().map(String::as_str), Some("resume"));
    let agent = AgentProcess::start_as_login_would(state.path(), &[]);
    agent.wait_for_line("Connected to support session").await;
    agent.wait_for_line("You are back in support session").await;
    assert!(!entry.path.exists(), "the entry is removed after rejoining");
    csr.wait_text(
        &test_id("session-notice"),
        &words.fill("participants.rejoined", &[("name", "Carl")]),
    )
    .await;
    customer
        .wait_text(&test_id("customer-notice"), &words.get("customer.rejoined"))
        .await;
    csr.screen("rejoined").await;

    // Refresh shows the restarted computer: the helper runs under a new
    // process id, and the one from before the restart is gone.
    let after_restart = agent.pid();
    in_panel(&csr, "sysinfo", "system-information").await;
    csr.click(&test_id("sysinfo-category-processes")).await;
    csr.click(&test_id("sysinfo-refresh")).await;
    let listed = wait_for_value(
        &csr,
        &format!(
            "const ids = [...document.querySelectorAll('[data-test=sysinfo-table] tbody tr')] \
               .map((row) => row.cells[0].textContent); \
             return ids.includes('{after_restart}') ? ids : null;"
        ),
    )
    .await;
    assert!(
        !listed
            .as_array()
            .expect("process ids")
            .contains(&before_restart.to_string().into()),
        "the old helper is not listed after the restart"
    );
    csr.leave_frame().await;

    // Reopening the page offers to rejoin without the number.
    customer.goto(&kernel.url("/join")).await;
    customer.find(&test_id("rejoin-card")).await;
    customer.click(&test_id("rejoin")).await;
    customer.wait_text(&test_id("customer-you"), "Carl").await;

    // Log on as another user in the manuals' order: the customer is asked
    // first, and only then does the logon dialog appear.
    in_panel(&csr, "relogin", "log-on").await;
    let fields = csr
        .eval("return document.querySelectorAll('[data-test=\"relogin-form\"]').length;")
        .await;
    assert_eq!(fields, 0, "no account fields before the customer allows it");
    csr.click(&test_id("relogin-ask")).await;
    csr.leave_frame().await;
    csr.screen("asking-to-log-on").await;
    allow_on_page(&customer, "Anna Berg").await;
    csr.enter_frame("iframe[data-plugin=\"relogin\"]").await;
    csr.find(&test_id("relogin-form")).await;
    csr.fill(&test_id("relogin-user"), "lee-admin").await;
    csr.fill(&test_id("relogin-password"), "Pw-4711-never-anywhere")
        .await;
    csr.click(&test_id("relogin-logon")).await;
    csr.wait_text(&test_id("relogin-status"), "lee-admin").await;
    csr.leave_frame().await;
    csr.screen("logged-on").await;
    csr.enter_frame("iframe[data-plugin=\"relogin\"]").await;
    csr.click(&test_id("relogin-logoff")).await;
    csr.find(&test_id("relogin-ask")).await;
    csr.wait_text(&test_id("relogin-status"), "Carl").await;
    csr.leave_frame().await;

    // The report lists what happened.
    csr.click(&test_id("report")).await;
    let report = csr
        .wait_text(&test_id("report-table"), "consent.granted")
        .await;
    assert!(report.contains("Carl"), "{report}");
    // Its scrollable body can be reached with the keyboard and is named.
    let region = csr
        .eval(
            "const b = document.querySelector('dialog[open] .report-body'); \
             return [b.tabIndex, document.getElementById(b.getAttribute('aria-labelledby')).textContent];",
        )
        .await;
    assert_eq!(region[0], 0, "{region}");
    assert!(
        region[1].as_str().is_some_and(|t| !t.is_empty()),
        "{region}"
    );
    csr.screen("report").await;
    csr.eval("document.querySelector('dialog[open]').close()")
        .await;

    // The CSR ends the session; the customer's page says so.
    csr.click_opening_dialog(&test_id("end-session")).await;
    customer.find(&test_id("session-ended")).await;
    customer.screen("ended").await;
    drop(agent);
    customer.close().await;
    csr.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_support_flow_in_english() {
    support_flow("en").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_support_flow_in_japanese() {
    support_flow("ja").await;
}

/// Markup a customer (or their computer) could send. Were it parsed, the
/// image would fail to load and set `window.injected`.
const MARKUP: &str = "<img src=x onerror=\"window.injected=1\"><b>bold</b>";

/// Nothing parsed as markup ran or became an element in the current frame.
async fn assert_not_injected(context: &BrowserContext, what: &str) {
    let verdict = context
        .eval(
            "return { injected: window.injected === 1, \
                      images: document.querySelectorAll('img, b').length }",
        )
        .await;
    assert_eq!(verdict["injected"], false, "{what}: markup ran");
    assert_eq!(verdict["images"], 0, "{what}: markup became elements");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_from_customers_is_shown_as_text_and_panels_are_walled_off() {
    let kernel = launch_with_site_admin();
    let words = Dictionary::load("en");
    let browser = Browser::start().await;
    let csr = browser.context("markup-csr", "en").await;
    sign_in(&csr, &kernel, &words).await;
    let (number, link) = start_session(&csr).await;

    // The customer's name and chat message.
    let customer = browser.context("markup-customer", "en").await;
    let name = format!("Carl {MARKUP}");
    let token = customer_joins(&customer, &link, &name).await;
    csr.wait_text(&test_id("participant-name"), &name).await;
    customer.fill(&test_id("chat-input"), MARKUP).await;
    customer.click(&test_id("chat-send")).await;
    csr.wait_text(&test_id("chat-text"), MARKUP).await;

    // System information: the computer reports markup in LANG.
    let (_state, agent) = start_helper(&link, &token, &[("LANG", MARKUP)]).await;
    in_panel(&csr, "sysinfo", "system-information").await;
    csr.click(&test_id("sysinfo-view")).await;
    csr.leave_frame().await;
    allow_on_page(&customer, "Anna Berg").await;
    csr.enter_frame("iframe[data-plugin=\"sysinfo\"]").await;
    csr.click(&test_id("sysinfo-category-environment")).await;
    csr.wait_text(&test_id("sysinfo-table"), MARKUP).await;
    assert_not_injected(&csr, "system information panel").await;

    // The panel's sandbox: an opaque origin without cookies or network.
    let cookie = csr
        .eval("try { return 'read: ' + document.cookie } catch (e) { return 'blocked: ' + e.name }")
        .await;
    assert_eq!(cookie, "blocked: SecurityError", "{cookie}");
    let fetched = csr
        .eval_async(
            "const done = arguments[arguments.length - 1]; \
             fetch('/api/auth/me', { credentials: 'include' }) \
               .then(r => done('answered ' + r.status), e => done('blocked: ' + e.name));",
        )
        .await;
    assert!(
        fetched.as_str().is_some_and(|f| f.starts_with("blocked")),
        "a panel reached the REST API: {fetched}"
    );
    let parent = csr
        .eval("try { return 'read: ' + window.parent.document.cookie } catch (e) { return 'blocked: ' + e.name }")
        .await;
    assert_eq!(parent, "blocked: SecurityError", "{parent}");
    csr.leave_frame().await;

    // Script output: a library script prints markup; its log lines come
    // into the chat.
    let lee = tether_tests::clients::Csr::sign_in(&kernel, "lee", PASSWORD)
        .await
        .expect("lee signs in");
    let anna = tether_tests::clients::Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("anna signs in");
    let library = "/api/plugins/scripts/commands";
    let set = lee
        .post(
            library,
            serde_json::json!({ "name": "categories.set", "payload": { "categories": ["Checks"] } }),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    let script = format!("#!/bin/sh\necho '{MARKUP}'\n");
    let added = anna
        .post(
            library,
            serde_json::json!({ "name": "library.add", "payload": {
                "name": "Markup", "category": "Checks", "published": false,
                "script": { "file_name": "markup.sh", "content": base64_encode(script.as_bytes()) } } }),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.text);
    let id = added.body["id"].as_str().expect("script id").to_owned();
    let run = tokio::spawn(async move {
        anna.post(
            library,
            serde_json::json!({ "name": "run", "session": number, "payload": { "scripts": [id] } }),
        )
        .await
    });
    allow_on_page(&customer, "Anna Berg").await;
    let ran = run.await.expect("the run finishes");
    assert_eq!(ran.status, 200, "{}", ran.text);
    let chat = csr
        .wait_text(&test_id("chat-messages"), "window.injected")
        .await;
    assert!(
        chat.matches(MARKUP).count() >= 2,
        "chat and script output: {chat}"
    );
    csr.screen("markup-as-text").await;
    customer.screen("markup-as-text").await;
    assert_not_injected(&csr, "console").await;
    assert_not_injected(&customer, "customer page").await;
    drop(agent);
    customer.close().await;
    csr.close().await;
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_admin_pages_and_the_script_library_panel() {
    let kernel = launch_with_site_admin();
    let words = Dictionary::load("en");
    let browser = Browser::start().await;

    // The site admin: script categories (a plugin's admin panel), the
    // site's session mode, a new account.
    let admin = browser.context("admin", "en").await;
    sign_in_as(&admin, &kernel, "lee").await;
    admin.click(&test_id("admin-link")).await;
    admin.wait_text("h1", &words.get("admin.title")).await;
    admin
        .enter_frame("iframe[data-plugin=\"scripts\"][data-panel=\"categories\"]")
        .await;
    admin.fill(&test_id("category-name"), "Checks").await;
    admin.click(&test_id("category-add")).await;
    admin.click(&test_id("categories-save")).await;
    admin
        .wait_text(&test_id("categories-status"), "Categories saved.")
        .await;
    admin.leave_frame().await;
    admin
        .find(&format!("{} option[value=\"multi\"]", test_id("site-mode")))
        .await;
    admin
        .eval("const s = document.querySelector('[data-test=\"site-mode\"]'); s.value = 'multi'; s.dispatchEvent(new Event('change'));")
        .await;
    admin.fill(&test_id("site-max"), "3").await;
    admin.click(&test_id("site-save")).await;
    admin
        .wait_text(&test_id("site-status"), &words.get("common.saved"))
        .await;
    admin.fill(&test_id("new-username"), "bolind").await;
    admin.fill(&test_id("new-display-name"), "Bo Lind").await;
    admin
        .fill(&test_id("new-password"), "a long enough password")
        .await;
    admin.click(&test_id("create-account")).await;
    admin.wait_text(&test_id("admin-accounts"), "Bo Lind").await;
    // Every control in the accounts table has a name a screen reader says.
    let unnamed = admin
        .eval(
            "return [...document.querySelectorAll('[data-test=account-row] select, [data-test=account-row] input')] \
             .filter(c => !(c.getAttribute('aria-label') || '').trim()).length;",
        )
        .await;
    assert_eq!(unnamed, 0, "unnamed controls in the accounts table");
    // The audit log says what Lee changed (the new account and the site's
    // settings), newest first, once refreshed.
    admin.click(&test_id("audit-refresh")).await;
    admin
        .wait_text(&test_id("audit-lines"), "bolind (Bo Lind): csr")
        .await;
    let audited = admin
        .eval("return [...document.querySelectorAll('[data-test=audit-line]')].map(r => r.textContent);")
        .await;
    let audited: Vec<String> = serde_json::from_value(audited).expect("lines");
    assert!(
        audited[0].contains("Account created: bolind (Bo Lind): csr"),
        "{audited:?}"
    );
    assert!(audited[1].contains("Site settings changed:"), "{audited:?}");
    assert!(
        audited[1].contains("customers per CSR 5 → 3"),
        "{audited:?}"
    );
    assert!(
        audited.iter().all(|line| line.contains("Lee Admin (lee)")),
        "{audited:?}"
    );
    let download = admin.attribute(&test_id("audit-download"), "href").await;
    assert!(
        download.ends_with("/api/admin/audit?format=csv"),
        "{download}"
    );
    admin.screen("admin").await;
    // The language switch reaches the plugin's panel and its name too.
    switch_language(&admin, "da").await;
    admin
        .wait_text("h1", &Dictionary::load("da").get("admin.title"))
        .await;
    admin
        .enter_frame("iframe[data-plugin=\"scripts\"][data-panel=\"categories\"]")
        .await;
    admin
        .wait_text(&test_id("categories-save"), "Gem kategorier")
        .await;
    admin.leave_frame().await;
    let frame_name = admin
        .attribute(
            "iframe[data-plugin=\"scripts\"][data-panel=\"categories\"]",
            "title",
        )
        .await;
    assert_eq!(frame_name, "Scriptkategorier", "the frame's name follows");
    admin.screen("admin-danish").await;
    switch_language(&admin, "en").await;
    let lee = tether_tests::clients::Csr::sign_in(&kernel, "lee", PASSWORD)
        .await
        .expect("lee signs in");
    let site = lee.get("/api/admin/site").await;
    assert_eq!(site.body["session_mode"], "multi", "{}", site.text);
    assert_eq!(site.body["max_customers_per_csr"], 3, "{}", site.text);
    assert!(
        tether_tests::clients::Csr::sign_in(&kernel, "bolind", "a long enough password")
            .await
            .is_ok(),
        "the new account signs in"
    );

    // A CSR is turned away from the admin pages.
    let csr = browser.context("library-csr", "en").await;
    sign_in(&csr, &kernel, &words).await;
    csr.goto(&kernel.url("/admin")).await;
    csr.wait_text(&test_id("admin-refused"), &words.get("admin.only_admins"))
        .await;

    // The script library panel: two scripts uploaded from files, chosen,
    // reordered, and run on the customer's computer in that order.
    csr.goto(&kernel.url("/")).await;
    let (_number, link) = start_session(&csr).await;
    let customer = browser.context("library-customer", "en").await;
    let token = customer_joins(&customer, &link, "Carl").await;
    let (_state, agent) = start_helper(&link, &token, &[]).await;
    let files = tempfile::tempdir().expect("script files");
    in_panel(&csr, "scripts", "library").await;
    for (name, output) in [("First", "first-ran"), ("Second", "second-ran")] {
        let file = files.path().join(format!("{}.sh", name.to_lowercase()));
        std::fs::write(&file, format!("#!/bin/sh\necho {output}\n")).expect("script file");
        csr.click(&test_id("add-script")).await;
        csr.fill(&test_id("script-name"), name).await;
        csr.find(&test_id("script-file"))
            .await
            .send_keys(&file.display().to_string())
            .await
            .expect("file chosen");
        csr.click(&test_id("script-save")).await;
        csr.wait_text(&test_id("library"), name).await;
    }
    for name in ["First", "Second"] {
        let row = format!(
            "tr[data-test=\"library-row\"]:nth-child({}) {}",
            if name == "First" { 1 } else { 2 },
            test_id("choose")
        );
        csr.click(&row).await;
    }
    csr.click(&format!(
        "li[data-test=\"run-item\"]:nth-child(2) {}",
        test_id("move-up")
    ))
    .await;
    csr.wait_text("li[data-test=\"run-item\"]:nth-child(1)", "Second")
        .await;
    csr.leave_frame().await;
    csr.screen("script-library").await;
    csr.enter_frame("iframe[data-plugin=\"scripts\"]").await;
    csr.click(&test_id("run")).await;
    csr.leave_frame().await;
    allow_on_page(&customer, "Anna Berg").await;
    let chat = csr.wait_text(&test_id("chat-messages"), "first-ran").await;
    let second = chat.find("second-ran").expect("the second script ran");
    let first = chat.find("first-ran").expect("the first script ran");
    assert!(second < first, "run in the chosen order: {chat}");
    // The panel shows how each script ended, not only "done".
    csr.enter_frame("iframe[data-plugin=\"scripts\"]").await;
    let results = csr
        .wait_text(&test_id("run-results"), "First: finished")
        .await;
    assert!(
        results.contains("Second: finished (exit status 0"),
        "{results}"
    );
    csr.leave_frame().await;

    // The customer starts the helper again while the old one still runs:
    // the page asks before the new one takes over, and the old one stops.
    customer.click(&test_id("agent-new-code")).await;
    let code = customer
        .wait_text_where(&test_id("agent-code"), "a new code", |shown| {
            !shown.is_empty() && shown != token
        })
        .await;
    let again = tempfile::tempdir().expect("agent state");
    let second_helper = AgentProcess::for_page(again.path(), &link, &code);
    customer
        .wait_text(
            &test_id("second-helper-prompt"),
            &words.get("agent.second_question"),
        )
        .await;
    customer.screen("second-helper").await;
    customer.click(&test_id("second-helper-allow")).await;
    second_helper
        .wait_for_line("Connected to support session")
        .await;
    agent
        .wait_for_line("another helper program took over, as the customer allowed")
        .await;
    drop(agent);

    // The library outside any session: a page of its own in the console's
    // navigation, with the same panel; adding works there too.
    csr.click(&test_id("page-scripts-library-page")).await;
    csr.wait_text(&test_id("console-page"), "Script library")
        .await;
    csr.enter_frame("iframe[data-plugin=\"scripts\"]").await;
    csr.wait_text(&test_id("library"), "Second").await;
    let file = files.path().join("third.sh");
    std::fs::write(&file, "#!/bin/sh\necho third-ran\n").expect("script file");
    csr.click(&test_id("add-script")).await;
    csr.fill(&test_id("script-name"), "Third").await;
    csr.find(&test_id("script-file"))
        .await
        .send_keys(&file.display().to_string())
        .await
        .expect("file chosen");
    csr.click(&test_id("script-save")).await;
    csr.wait_text(&test_id("library"), "Third").await;
    // Edit and Delete, as a CSR clicks them (own scripts only).
    let third = "tr[data-test=\"library-row\"]:nth-child(3)";
    csr.click(&format!("{third} [data-test=\"edit\"]")).await;
    csr.fill(&test_id("script-description"), "Clears the third cache")
        .await;
    csr.click(&test_id("script-save")).await;
    csr.wait_text(&test_id("library"), "Clears the third cache")
        .await;
    csr.leave_frame().await;
    csr.screen("library-page").await;
    csr.enter_frame("iframe[data-plugin=\"scripts\"]").await;
    csr.click_opening_dialog(&format!("{third} [data-test=\"delete\"]"))
        .await;
    csr.wait_text_where(&test_id("library"), "the library without Third", |text| {
        !text.contains("Third")
    })
    .await;
    csr.leave_frame().await;
    customer.close().await;
    csr.close().await;
    admin.close().await;
}

/// Signs `username` in with `password` from the sign-in form, without
/// waiting for what opens.
async fn sign_in_with(
    context: &BrowserContext,
    kernel: &KernelProcess,
    username: &str,
    password: &str,
) {
    context.goto(&kernel.url("/")).await;
    context.fill(&test_id("signin-user"), username).await;
    context.fill(&test_id("signin-password"), password).await;
    context.click(&test_id("signin-submit")).await;
}

/// `test`'s element in the accounts table's row of `username`.
fn in_row(username: &str, test: &str) -> String {
    format!(
        "[data-test=\"account-row\"][data-username=\"{username}\"] {}",
        test_id(test)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accounts_life_in_the_console_and_on_the_admin_page() {
    let kernel = launch_with_site_admin();
    let words = Dictionary::load("en");
    let browser = Browser::start().await;

    // Anna changes her own password from the console's header.
    let anna = browser.context("account-csr", "en").await;
    sign_in_as(&anna, &kernel, "anna").await;
    anna.click(&test_id("change-password")).await;
    anna.find(&test_id("password-dialog")).await;
    anna.screen("password-dialog").await;
    anna.fill(&test_id("password-current"), PASSWORD).await;
    anna.fill(&test_id("password-new"), "a new long passphrase")
        .await;
    anna.fill(&test_id("password-repeat"), "another one entirely")
        .await;
    anna.click(&test_id("password-submit")).await;
    anna.wait_text(&test_id("password-status"), &words.get("password.mismatch"))
        .await;
    anna.fill(&test_id("password-repeat"), "a new long passphrase")
        .await;
    anna.click(&test_id("password-submit")).await;
    anna.wait_text(&test_id("password-status"), &words.get("password.changed"))
        .await;
    anna.click(&test_id("password-close")).await;

    // Lee resets it: Anna's console goes back to the sign-in, saying why.
    let admin = browser.context("account-admin", "en").await;
    sign_in_as(&admin, &kernel, "lee").await;
    admin.goto(&kernel.url("/admin")).await;
    admin.wait_text("h1", &words.get("admin.title")).await;
    admin.click(&in_row("anna", "reset-password")).await;
    admin
        .fill(
            &in_row("anna", "reset-password-input"),
            "temporary pass 4711",
        )
        .await;
    admin.click(&in_row("anna", "reset-password-set")).await;
    admin
        .wait_text(
            &test_id("accounts-status"),
            &words.fill("admin.password_reset", &[("name", "anna")]),
        )
        .await;
    admin
        .wait_text(
            &in_row("anna", "account-status"),
            &words.get("admin.status_must_change"),
        )
        .await;
    anna.wait_text(&test_id("signin-error"), &words.get("console.signed_out"))
        .await;
    anna.screen("signed-out").await;

    // With the temporary password she must choose her own first.
    sign_in_with(&anna, &kernel, "anna", "temporary pass 4711").await;
    anna.wait_text("h1", &words.get("password.required_title"))
        .await;
    anna.screen("password-required").await;
    anna.fill(&test_id("password-current"), "temporary pass 4711")
        .await;
    anna.fill(&test_id("password-new"), "my own passphrase again")
        .await;
    anna.fill(&test_id("password-repeat"), "my own passphrase again")
        .await;
    anna.click(&test_id("password-submit")).await;
    anna.find(&test_id("dashboard-view")).await;

    // Disabled: signed out at once, and refused at the sign-in.
    admin.click(&in_row("anna", "disable-account")).await;
    admin
        .wait_text(
            &in_row("anna", "account-status"),
            &words.get("admin.status_disabled"),
        )
        .await;
    anna.wait_text(&test_id("signin-error"), &words.get("console.signed_out"))
        .await;
    sign_in_with(&anna, &kernel, "anna", "my own passphrase again").await;
    anna.wait_text(
        &test_id("signin-error"),
        &words.get("detail.account_disabled"),
    )
    .await;
    admin.click(&in_row("anna", "enable-account")).await;
    admin
        .wait_text(
            &in_row("anna", "account-status"),
            &words.get("admin.status_active"),
        )
        .await;
    admin.screen("accounts-actions").await;

    // Deleted after a second click; the audit log has each step.
    admin.click(&in_row("anna", "delete-account")).await;
    admin
        .wait_text(
            &in_row("anna", "delete-account"),
            &words.fill("admin.confirm_delete", &[("name", "anna")]),
        )
        .await;
    admin.click(&in_row("anna", "delete-account")).await;
    admin
        .wait_text(
            &test_id("accounts-status"),
            &words.fill("admin.deleted", &[("name", "anna")]),
        )
        .await;
    let rows = admin
        .eval("return document.querySelectorAll('[data-test=account-row][data-username=anna]').length;")
        .await;
    assert_eq!(rows, 0, "the deleted account is gone from the table");
    admin.click(&test_id("audit-refresh")).await;
    admin
        .wait_text(
            &test_id("audit-lines"),
            &words.get("admin.audit_account_deleted"),
        )
        .await;
    let audited = admin
        .eval("return [...document.querySelectorAll('[data-test=audit-line]')].map(r => r.textContent);")
        .await;
    let audited: Vec<String> = serde_json::from_value(audited).expect("lines");
    let said: Vec<String> = [
        "admin.audit_account_deleted",
        "admin.audit_account_enabled",
        "admin.audit_account_disabled",
        "admin.audit_password_reset",
    ]
    .iter()
    .map(|key| words.get(key))
    .collect();
    for (line, expected) in audited.iter().zip(&said) {
        assert!(
            line.contains(expected.as_str()),
            "{line} should say {expected}"
        );
    }
    assert_eq!(audited.len(), said.len(), "{audited:?}");
}

/// The code an authenticator app shows for `secret`, `steps_ahead` steps
/// of 30 s from now.
fn totp_code(secret: &str, steps_ahead: u64) -> String {
    let totp = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).expect("base32"))
        .build()
        .expect("a generator");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    totp.generate(now + 30 * steps_ahead).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_factor_sign_in_set_up_and_used_in_the_browser() {
    let kernel = launch_with_site_admin();
    let words = Dictionary::load("en");
    let browser = Browser::start().await;
    let anna = browser.context("two-factor", "en").await;
    sign_in_as(&anna, &kernel, "anna").await;

    anna.click(&test_id("two-factor")).await;
    anna.click(&test_id("two-factor-start")).await;
    let secret = anna.wait_text(&test_id("two-factor-secret"), "").await;
    anna.find(&test_id("two-factor-qr")).await;
    anna.screen("two-factor-set-up").await;
    anna.fill(&test_id("two-factor-code"), "000000").await;
    anna.click(&test_id("two-factor-confirm")).await;
    anna.wait_text(
        &test_id("two-factor-status"),
        &words.get("detail.wrong_two_factor_code"),
    )
    .await;
    let first = totp_code(&secret, 0);
    anna.fill(&test_id("two-factor-code"), &first).await;
    anna.click(&test_id("two-factor-confirm")).await;
    let codes = anna.wait_text(&test_id("recovery-codes"), "-").await;
    assert_eq!(codes.lines().count(), 10, "{codes}");
    anna.screen("two-factor-recovery-codes").await;
    anna.click(&test_id("two-factor-done")).await;
    anna.wait_text(&test_id("two-factor-status"), &words.get("two_factor.on"))
        .await;
    anna.click(&test_id("two-factor-close")).await;
    anna.click(&test_id("sign-out")).await;

    // Signing in again: the password, then the code the form asks for.
    anna.fill(&test_id("signin-user"), "anna").await;
    anna.fill(&test_id("signin-password"), PASSWORD).await;
    anna.click(&test_id("signin-submit")).await;
    anna.wait_text(
        &test_id("signin-error"),
        &words.get("detail.two_factor_code_needed"),
    )
    .await;
    anna.screen("sign-in-code").await;
    anna.fill(&test_id("signin-code"), &first).await;
    anna.click(&test_id("signin-submit")).await;
    anna.wait_text(
        &test_id("signin-error"),
        &words.get("detail.two_factor_code_used"),
    )
    .await;
    anna.fill(&test_id("signin-code"), &totp_code(&secret, 1))
        .await;
    anna.click(&test_id("signin-submit")).await;
    anna.find(&test_id("dashboard-view")).await;

    // The admin page shows it, and resets it for a lost phone.
    let admin = browser.context("two-factor-admin", "en").await;
    sign_in_as(&admin, &kernel, "lee").await;
    admin.goto(&kernel.url("/admin")).await;
    admin
        .wait_text(
            &in_row("anna", "account-status"),
            &words.get("admin.status_two_factor"),
        )
        .await;
    admin.click(&in_row("anna", "reset-two-factor")).await;
    admin
        .wait_text(
            &test_id("accounts-status"),
            &words.fill("admin.two_factor_reset", &[("name", "anna")]),
        )
        .await;
    anna.wait_text(&test_id("signin-error"), &words.get("console.signed_out"))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_history_searched_and_a_report_opened() {
    let kernel = launch_with_site_admin();
    let words = Dictionary::load("en");
    // Two sessions of Anna's, one ended, made over the API.
    let api = tether_tests::clients::Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("anna signs in");
    let mut console = api.console(&kernel).await;
    let mut numbers = Vec::new();
    for customer in ["Carl Carlsen", "Dora Dahl"] {
        let number = console.start_session().await;
        let _joined = tether_tests::clients::Customer::join(&kernel, &number, customer).await;
        console.event("participant.joined").await;
        numbers.push(number);
    }
    console
        .ok("session.end", serde_json::json!({ "session": numbers[0] }))
        .await;
    console.close().await;

    let browser = Browser::start().await;
    let anna = browser.context("history", "en").await;
    sign_in_as(&anna, &kernel, "anna").await;
    anna.click(&test_id("history")).await;
    anna.wait_text(&test_id("history-table"), "Dora Dahl").await;
    anna.wait_text(
        &test_id("history-table"),
        &words.get("history.outcome_ended_by_host"),
    )
    .await;
    anna.screen("history").await;
    anna.fill(&test_id("history-customer"), "carl").await;
    anna.click(&test_id("history-submit")).await;
    anna.wait_text_where(&test_id("history-table"), "only Carl's session", |text| {
        text.contains("Carl Carlsen") && !text.contains("Dora Dahl")
    })
    .await;
    anna.click(&format!(
        "[data-test=\"history-row\"][data-session=\"{}\"] {}",
        numbers[0],
        test_id("history-report")
    ))
    .await;
    anna.wait_text(&test_id("report-table"), "Carl Carlsen")
        .await;
    anna.screen("history-report").await;
}

/// Signs `username` in from the sign-in form.
async fn sign_in_as(context: &BrowserContext, kernel: &KernelProcess, username: &str) {
    context.goto(&kernel.url("/")).await;
    context.fill(&test_id("signin-user"), username).await;
    context.fill(&test_id("signin-password"), PASSWORD).await;
    context.click(&test_id("signin-submit")).await;
    context.find(&test_id("dashboard-view")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assisting_passing_control_selecting_customers_and_session_tabs() {
    let kernel = KernelProcess::configure(
        &bundled_manifests(),
        CONFIG,
        &[
            TestAccount::csr("anna", "Anna Berg", "default"),
            TestAccount::csr("bolind", "Bo Lind", "default"),
            TestAccount {
                session_mode: Some("multi"),
                ..TestAccount::csr("mia", "Mia Holm", "default")
            },
        ],
    )
    .launch();
    let words = Dictionary::load("en");
    let browser = Browser::start().await;

    // Single-session mode: two customers; the host selects one.
    let anna = browser.context("control-anna", "en").await;
    sign_in_as(&anna, &kernel, "anna").await;
    let (number, _link) = start_session(&anna).await;
    let _carl = tether_tests::clients::Customer::join(&kernel, &number, "Carl").await;
    let _dana = tether_tests::clients::Customer::join(&kernel, &number, "Dana").await;
    anna.wait_text(&test_id("participants"), "Dana").await;
    assert!(
        anna.client
            .find(fantoccini::Locator::Css(&test_id("selected")))
            .await
            .is_err(),
        "with two customers nobody is selected until the host chooses"
    );
    anna.click("li[data-test=\"participant\"]:nth-child(3) [data-test=\"select-customer\"]")
        .await;
    anna.wait_text(
        "li[data-test=\"participant\"]:nth-child(3)",
        &words.get("participants.selected"),
    )
    .await;
    let selected = anna
        .find("li[data-test=\"participant\"]:nth-child(3) [data-test=\"participant-name\"]")
        .await
        .text()
        .await
        .expect("the selected customer's name");
    anna.screen("two-customers").await;

    // Another CSR assists by number: no End, but Leave.
    let bo = browser.context("control-bo", "en").await;
    sign_in_as(&bo, &kernel, "bolind").await;
    bo.fill(&test_id("assist-number"), &number).await;
    bo.click(&test_id("assist")).await;
    bo.find(&test_id("leave-session")).await;
    assert!(
        bo.client
            .find(fantoccini::Locator::Css(&test_id("end-session")))
            .await
            .is_err(),
        "an assistant cannot end the session"
    );
    bo.wait_text(&test_id("participants"), &selected).await;

    // The host passes control; the assistant now drives and passes it back.
    anna.wait_text(&test_id("pass-to"), "Bo Lind").await;
    anna.click(&test_id("pass-control")).await;
    anna.wait_text(
        &test_id("session-notice"),
        &words.fill("session.control_passed", &[("name", "Bo Lind")]),
    )
    .await;
    anna.find(&test_id("leave-session")).await;
    bo.find(&test_id("end-session")).await;
    bo.wait_text(&test_id("pass-control"), &words.get("session.pass_back"))
        .await;
    bo.screen("in-control").await;
    bo.click(&test_id("pass-control")).await;
    anna.find(&test_id("end-session")).await;
    bo.find(&test_id("leave-session")).await;

    // The assistant leaves: their tab closes, the host is told.
    bo.click(&test_id("leave-session")).await;
    bo.find(&test_id("dashboard-view")).await;
    anna.wait_text(
        &test_id("session-notice"),
        &words.fill("participants.left", &[("name", "Bo Lind")]),
    )
    .await;

    // The host removes a customer (after confirming): they are gone for
    // everyone, and their page is told.
    let customer_row = "li[data-test=\"participant\"]:nth-child(2)";
    let removed = anna
        .find(&format!("{customer_row} [data-test=\"participant-name\"]"))
        .await
        .text()
        .await
        .expect("a customer's name");
    anna.click_opening_dialog(&format!(
        "{customer_row} [data-test=\"remove-participant\"]"
    ))
    .await;
    anna.wait_text(
        &test_id("session-notice"),
        &words.fill("participants.left", &[("name", &removed)]),
    )
    .await;
    anna.screen("customer-removed").await;

    // A customer who was told to "choose Join on the support site" starts
    // at the front page: a mistyped number is explained, the right one
    // (typed with spaces) opens the session's page.
    let eve = browser.context("control-eve", "en").await;
    eve.goto(&kernel.url("/")).await;
    eve.fill(&test_id("front-join-number"), "12345").await;
    eve.click(&test_id("front-join-submit")).await;
    eve.wait_text(
        &test_id("front-join-error"),
        &words.get("join.number_invalid"),
    )
    .await;
    eve.screen("front-page").await;
    eve.fill(&test_id("front-join-number"), &spaced(&number))
        .await;
    eve.click(&test_id("front-join-submit")).await;
    eve.fill(&test_id("join-name"), "Eve").await;
    eve.click(&test_id("join-submit")).await;
    eve.wait_text(&test_id("customer-you"), "Eve").await;
    anna.wait_text(&test_id("participants"), "Eve").await;
    eve.close().await;

    // Multi-session mode: each session in its own tab.
    let mia = browser.context("control-mia", "en").await;
    sign_in_as(&mia, &kernel, "mia").await;
    let (first, _) = start_session(&mia).await;
    mia.click(&test_id("dashboard")).await;
    // "Open the email invitation at once": the new session starts with its
    // invitation open.
    mia.click(&test_id("start-invite")).await;
    mia.click(&test_id("start-session")).await;
    let mailto = mia.attribute(&test_id("invite-mailto"), "href").await;
    assert!(mailto.starts_with("mailto:?subject="), "{mailto}");
    mia.click(&test_id("invite-close")).await;
    mia.wait_text(&test_id("session-tabs"), &spaced(&first))
        .await;
    let tabs = mia
        .client
        .find_all(fantoccini::Locator::Css(&test_id("session-tab")))
        .await
        .expect("tabs");
    assert_eq!(tabs.len(), 2, "two sessions, two tabs");
    mia.screen("two-session-tabs").await;

    // Tools → Invite works on the open session; signing out ends at the form.
    mia.click("[data-test=\"tools-menu\"] summary").await;
    mia.click(&test_id("tools-invite")).await;
    let mailto = mia.attribute(&test_id("invite-mailto"), "href").await;
    assert!(mailto.starts_with("mailto:?subject="), "{mailto}");
    mia.click(&test_id("invite-close")).await;
    mia.click(&test_id("sign-out")).await;
    mia.find(&test_id("signin-user")).await;
    mia.goto(&kernel.url("/")).await;
    mia.find(&test_id("signin-user")).await;
    for context in [anna, bo, mia] {
        context.close().await;
    }
}
