//! Applications on the customer's display, for real: a real Xvfb with real
//! X applications (`xterm` and the tests' own fixture window), a real
//! agent joined to a real kernel, and its `app.*` capabilities called
//! through the `echo` fixture plugin under the customer's consent (given
//! in the agent's terminal). Installed applications come from desktop
//! entries the tests write into XDG data directories of their own.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tether_tests::agent_process::AgentProcess;
use tether_tests::clients::{Csr, StartedSession, WsClient, error_of};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::xvfb::{XApp, Xvfb};

const CONFIG: &str = r#"
[sessions]
join_attempts_per_minute = 1000
consent_timeout_secs = 20

[sites.default]
name = "Default"
plugins = ["echo"]
"#;

const APP_CAPABILITIES: [&str; 3] = ["app.list", "app.installed", "app.launch"];

fn fixture_window() -> &'static str {
    env!("CARGO_BIN_EXE_tether-fixture-window")
}

/// The customer's desktop entries: a data home and one data directory,
/// so nothing from this machine's own menus comes in.
struct Menus {
    root: tempfile::TempDir,
}

impl Menus {
    fn new() -> Menus {
        let menus = Menus {
            root: tempfile::tempdir().expect("temp dir"),
        };
        std::fs::create_dir_all(menus.home()).expect("data home");
        std::fs::create_dir_all(menus.system()).expect("data dir");
        menus
    }

    fn data_home(&self) -> PathBuf {
        self.root.path().join("home/.local/share")
    }

    fn home(&self) -> PathBuf {
        self.data_home().join("applications")
    }

    fn system(&self) -> PathBuf {
        self.root.path().join("usr/share/applications")
    }

    fn write(&self, dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).expect("entry written");
    }

    /// What the agent's environment says about them.
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("XDG_DATA_HOME", self.data_home().display().to_string()),
            (
                "XDG_DATA_DIRS",
                self.root.path().join("usr/share").display().to_string(),
            ),
            ("LANG", "fr_FR.UTF-8".to_owned()),
        ]
    }
}

struct Setup {
    _kernel: KernelProcess,
    csr: Csr,
    host: WsClient,
    number: String,
    link: String,
    state: tempfile::TempDir,
}

async fn setup() -> Setup {
    let kernel = KernelProcess::configure(
        &fixture_manifests(),
        CONFIG,
        &[TestAccount::csr("anna", "Anna Berg", "default")],
    )
    .launch();
    let started = StartedSession::start(&kernel, "anna").await;
    Setup {
        number: started.number,
        link: started.join_link,
        csr: started.csr,
        host: started.console,
        _kernel: kernel,
        state: tempfile::tempdir().expect("temp dir"),
    }
}

/// The real agent (the Linux backend: listing applications is nothing to
/// simulate) joined as Carl, with `env`; returns it and Carl's id.
async fn join_agent(s: &mut Setup, env: &[(&str, String)]) -> (AgentProcess, String) {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let agent = AgentProcess::spawn_with_env(
        s.state.path(),
        "linux",
        &["join", &s.link, "--name", "Carl Customer"],
        &env,
    );
    agent
        .wait_for_line(&format!("Connected to support session {}", s.number))
        .await;
    let joined = s.host.event("participant.joined").await;
    let carl = joined["participant"]["id"]
        .as_str()
        .expect("participant id")
        .to_owned();
    (agent, carl)
}

fn call(number: &str, customer: &str, capability: &str, input: Value, asked: &[&str]) -> Value {
    json!({ "session": number, "plugin": "echo", "name": "call-agent-with-consent",
            "payload": { "session": number, "participant": customer, "capability": capability,
                         "input": input, "asked": asked } })
}

/// The first call: the customer allows all three in the agent's
/// terminal. Returns the reply (`ok` or `error`).
async fn first_call(
    s: &mut Setup,
    agent: &mut AgentProcess,
    carl: &str,
    capability: &str,
    input: Value,
) -> Value {
    let seen = agent.prompts_seen();
    let id = s
        .host
        .send_request(
            "plugin.command",
            call(&s.number, carl, capability, input, &APP_CAPABILITIES),
        )
        .await;
    agent.answer_prompt(seen, "y").await;
    s.host.reply_to(id).await
}

/// A later call, under the grant already given.
async fn agent_reply(s: &mut Setup, carl: &str, capability: &str, input: Value) -> Value {
    s.host
        .request(
            "plugin.command",
            call(&s.number, carl, capability, input, &[]),
        )
        .await
}

async fn app_list(s: &mut Setup, carl: &str) -> Vec<Value> {
    let reply = agent_reply(s, carl, "app.list", json!({})).await;
    assert_eq!(reply["type"], "ok", "{reply}");
    reply["body"]["applications"]
        .as_array()
        .expect("applications")
        .clone()
}

/// The window titled `title` in a listing, with its application.
fn window_titled<'a>(applications: &'a [Value], title: &str) -> Option<(&'a Value, &'a Value)> {
    applications.iter().find_map(|app| {
        app["windows"]
            .as_array()?
            .iter()
            .find(|w| w["title"] == title)
            .map(|w| (app, w))
    })
}

/// Waits until `title` shows in `app.list` (X applications map their
/// windows a moment after they start).
async fn wait_for_window(s: &mut Setup, carl: &str, title: &str) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let listed = app_list(s, carl).await;
        if window_titled(&listed, title).is_some() {
            return listed;
        }
        assert!(
            Instant::now() < deadline,
            "no window {title:?} in {listed:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn launch_entry(menus: &Menus, id: &str, text: &str) {
    menus.write(&menus.system(), id, text);
}

#[tokio::test]
async fn the_customers_applications_are_listed_installed_ones_offered_and_one_started() {
    let xvfb = Xvfb::start();
    let xterm = XApp::start(&xvfb.display, "xterm", &["-T", "Customer terminal"]);
    let fixture = XApp::start(
        &xvfb.display,
        fixture_window(),
        &["--title", "Invoice — draft", "--class", "TetherLedger"],
    );
    let menus = Menus::new();
    menus.write(
        &menus.home(),
        "org.example.Ledger.desktop",
        &format!(
            "[Desktop Entry]\nType=Application\nName=Ledger\nName[fr]=Grand livre\nIcon=ledger-icon\nComment=Books\n\
             Exec={} --title \"Ledger started\" --class TetherStarted %F\n",
            fixture_window()
        ),
    );
    menus.write(
        &menus.system(),
        "helper.desktop",
        "[Desktop Entry]\nType=Application\nName=Helper\nNoDisplay=true\nExec=xterm -T helper\n",
    );
    launch_entry(
        &menus,
        "no-command.desktop",
        "[Desktop Entry]\nType=Application\nName=No command\n",
    );
    launch_entry(
        &menus,
        "missing.desktop",
        "[Desktop Entry]\nType=Application\nName=Missing\nExec=tether-no-such-program --flag\n",
    );
    launch_entry(
        &menus,
        "fails.desktop",
        "[Desktop Entry]\nType=Application\nName=Fails\nExec=false %U\n",
    );

    let mut s = setup().await;
    let mut env = menus.env();
    env.push(("DISPLAY", xvfb.display.clone()));
    let (mut agent, carl) = join_agent(&mut s, &env).await;

    // Running: both applications with their titles, classes and
    // processes (as the X server knows them); nothing of the agent's own.
    let first = first_call(&mut s, &mut agent, &carl, "app.list", json!({})).await;
    assert!(first["body"]["applications"].is_array(), "{first}");
    let listed = wait_for_window(&mut s, &carl, "Customer terminal").await;
    let listed = if window_titled(&listed, "Invoice — draft").is_some() {
        listed
    } else {
        wait_for_window(&mut s, &carl, "Invoice — draft").await
    };
    let (terminal, terminal_window) =
        window_titled(&listed, "Customer terminal").expect("xterm listed");
    assert_eq!(terminal["class"], "XTerm", "{terminal}");
    assert_eq!(terminal["pid"], xterm.pid(), "{terminal}");
    assert_eq!(terminal_window["pid"], xterm.pid());
    assert!(terminal_window["width"].as_u64().expect("width") > 0);
    let (ledger, ledger_window) =
        window_titled(&listed, "Invoice — draft").expect("fixture listed");
    assert_eq!(ledger["class"], "TetherLedger");
    assert_eq!(ledger["name"], "Invoice — draft");
    assert_eq!(ledger["pid"], fixture.pid());
    assert_eq!(
        ledger["id"]
            .as_str()
            .map(|id| id.starts_with("x11-client:")),
        Some(true)
    );
    assert_eq!(
        (
            ledger_window["x"].clone(),
            ledger_window["y"].clone(),
            ledger_window["width"].clone(),
            ledger_window["height"].clone()
        ),
        (json!(40), json!(30), json!(320), json!(200))
    );
    assert_ne!(terminal["id"], ledger["id"]);
    assert!(
        !listed.iter().any(|app| app["pid"] == agent.pid()),
        "the agent's own windows are never listed: {listed:#?}"
    );

    // Installed: what the customer's menus show, in their language.
    let installed = agent_reply(&mut s, &carl, "app.installed", json!({})).await;
    assert_eq!(installed["type"], "ok", "{installed}");
    let installed = installed["body"]["applications"]
        .as_array()
        .expect("list")
        .clone();
    let ids: Vec<&str> = installed.iter().filter_map(|a| a["id"].as_str()).collect();
    // By name (Fails, Grand livre, Missing); hidden and command-less ones
    // are not offered.
    assert_eq!(
        ids,
        [
            "fails.desktop",
            "org.example.Ledger.desktop",
            "missing.desktop"
        ]
    );
    let entry = &installed[1];
    assert_eq!(entry["name"], "Grand livre");
    assert_eq!(entry["icon"], "ledger-icon");
    assert!(
        entry.get("exec").is_none(),
        "the command line stays on the computer: {entry}"
    );

    // Refused clearly, and nothing starts.
    let before = app_list(&mut s, &carl).await.len();
    for (input, expected) in [
        (
            json!({ "id": "nope.desktop" }),
            "no installed application has the id `nope.desktop`",
        ),
        (json!({ "id": "helper.desktop" }), "hidden from menus"),
        (json!({ "id": "no-command.desktop" }), "no command to start"),
        (
            json!({ "id": "missing.desktop" }),
            "`tether-no-such-program` did not start",
        ),
        (
            json!({ "id": "fails.desktop" }),
            "`false` ended before showing a window",
        ),
        (json!({ "id": "../../../bin/xterm" }), "desktop file id"),
        (json!({ "command": "xterm" }), "expected {\"id\""),
    ] {
        let reply = agent_reply(&mut s, &carl, "app.launch", input.clone()).await;
        assert_eq!(reply["type"], "error", "{input}: {reply}");
        let (_, message) = error_of(&reply);
        assert!(message.contains(expected), "{input}: {message}");
    }
    assert_eq!(
        app_list(&mut s, &carl).await.len(),
        before,
        "nothing started"
    );

    // Started: the entry's program, its first window answered as app.list
    // shows it, and in the list from now on.
    let started = agent_reply(
        &mut s,
        &carl,
        "app.launch",
        json!({ "id": "org.example.Ledger.desktop" }),
    )
    .await;
    assert_eq!(started["type"], "ok", "{started}");
    let started = &started["body"];
    assert_eq!(started["window"]["title"], "Ledger started", "{started}");
    assert_eq!(started["window"]["class"], "TetherStarted");
    assert_eq!(started["application"]["class"], "TetherStarted");
    let pid = started["pid"].as_u64().expect("pid");
    assert_eq!(started["window"]["pid"], pid);
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).expect("the program runs");
    let words: Vec<String> = cmdline
        .split(|b| *b == 0)
        .filter(|w| !w.is_empty())
        .map(|w| String::from_utf8_lossy(w).into_owned())
        .collect();
    assert_eq!(
        words,
        [
            fixture_window(),
            "--title",
            "Ledger started",
            "--class",
            "TetherStarted"
        ],
        "run without a shell and without field codes"
    );
    let after = app_list(&mut s, &carl).await;
    let (app, _) = window_titled(&after, "Ledger started").expect("listed");
    assert_eq!(app["id"], started["application"]["id"]);
    drop(xvfb);
}

#[tokio::test]
async fn a_program_that_shows_no_window_in_time_is_stopped() {
    let xvfb = Xvfb::start();
    let menus = Menus::new();
    launch_entry(
        &menus,
        "silent.desktop",
        "[Desktop Entry]\nType=Application\nName=Silent\nExec=sleep 120\n",
    );
    let mut s = setup().await;
    let mut env = menus.env();
    env.push(("DISPLAY", xvfb.display.clone()));
    let (mut agent, carl) = join_agent(&mut s, &env).await;
    let seen = agent.prompts_seen();
    let id = s
        .host
        .send_request(
            "plugin.command",
            call(
                &s.number,
                &carl,
                "app.launch",
                json!({ "id": "silent.desktop" }),
                &APP_CAPABILITIES,
            ),
        )
        .await;
    agent.answer_prompt(seen, "y").await;
    let started = Instant::now();
    let reply = s.host.reply_to(id).await;
    assert_eq!(reply["type"], "error", "{reply}");
    let (_, message) = error_of(&reply);
    assert!(
        message.contains("`sleep` showed no window within 15 s, so it was stopped"),
        "{message}"
    );
    assert!(started.elapsed() < Duration::from_secs(25));
    // Stopped means gone: no `sleep 120` of the agent's is left.
    let children = std::fs::read_to_string(format!(
        "/proc/{pid}/task/{pid}/children",
        pid = agent.pid()
    ))
    .unwrap_or_default();
    for child in children.split_whitespace() {
        let cmdline = std::fs::read(format!("/proc/{child}/cmdline")).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&cmdline).starts_with("sleep"),
            "still running: {child}"
        );
    }
}

#[tokio::test]
async fn application_capabilities_are_offered_only_where_there_is_a_display() {
    let xvfb = Xvfb::start();
    let offered = |display: &str| {
        let state = tempfile::tempdir().expect("temp dir");
        let output = Command::new(tether_tests::agent_binary())
            .arg("--state-dir")
            .arg(state.path())
            .args(["--backend", "linux", "capabilities"])
            .env("DISPLAY", display)
            .output()
            .expect("the agent runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let with_display = offered(&xvfb.display);
    for capability in APP_CAPABILITIES {
        assert!(
            with_display.contains(&capability.to_owned()),
            "{with_display:?}"
        );
    }
    // Sharing too, and control (Xvfb has XTest).
    for capability in ["app.share", "app.control"] {
        assert!(
            with_display.contains(&capability.to_owned()),
            "{with_display:?}"
        );
    }
    for display in [String::new(), Xvfb::unused_display()] {
        let without = offered(&display);
        assert!(
            !without.iter().any(|c| c.starts_with("app.")),
            "DISPLAY={display:?}: {without:?}"
        );
        assert!(without.contains(&"sysinfo.collect".to_owned()));
    }

    // What the agent says when it joins, and what the kernel makes of it:
    // without a display the call never reaches the agent, even allowed.
    let mut s = setup().await;
    let (mut agent, carl) = join_agent(&mut s, &[("DISPLAY", String::new())]).await;
    let reply = first_call(&mut s, &mut agent, &carl, "app.list", json!({})).await;
    assert_eq!(reply["type"], "error", "{reply}");
    let (_, message) = error_of(&reply);
    assert!(message.contains("app.list"), "{message}");
    let said = offered_in_report(&s).await;
    assert!(!said.contains("app."), "{said}");

    let mut env = vec![("DISPLAY", xvfb.display.clone())];
    env.extend(Menus::new().env());
    let mut with = setup().await;
    let (_agent, _) = join_agent(&mut with, &env).await;
    let said = offered_in_report(&with).await;
    for capability in APP_CAPABILITIES {
        assert!(said.contains(capability), "{said}");
    }
}

/// What the agent's hello offered, as the session report records it (the
/// hello follows the welcome, so it may take a moment).
async fn offered_in_report(s: &Setup) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let report = s
            .csr
            .get(&format!("/api/sessions/{}/report", s.number))
            .await;
        let line = report.body["events"]
            .as_array()
            .expect("events")
            .iter()
            .find(|e| e["kind"] == "agent.capabilities")
            .map(Value::to_string);
        if let Some(line) = line {
            return line;
        }
        assert!(
            Instant::now() < deadline,
            "no agent.capabilities in the report"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
