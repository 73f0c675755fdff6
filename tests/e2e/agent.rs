//! The real host agent against a real kernel with the bundled `sysinfo` and
//! `restart` plugins: consent in the agent's terminal, system information
//! collected for real on this machine, a (simulated) restart, the agent
//! started again by the entry it left for the customer's next log-in (and
//! the message on their desktop), the truthful prompt where it cannot come
//! back by itself, and the end of the session.

use std::path::Path;

use serde_json::{Value, json};
use tether_tests::agent_process::session_bus::SessionBus;
use tether_tests::agent_process::{AgentProcess, AutostartEntry};
use tether_tests::clients::{Csr, StartedSession, WsClient};
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::{SYSINFO_CATEGORY_TITLES, bundled_manifests};

const CONFIG: &str = r#"
[sessions]
join_attempts_per_minute = 1000
consent_timeout_secs = 20

[sites.default]
name = "Default"
plugins = ["sysinfo", "restart"]
"#;

struct Setup {
    kernel: KernelProcess,
    host: WsClient,
    number: String,
    link: String,
    state: tempfile::TempDir,
}

async fn setup() -> Setup {
    let kernel = KernelProcess::configure(
        &bundled_manifests(),
        CONFIG,
        &[TestAccount::csr("anna", "Anna Berg", "default")],
    )
    .launch();
    let started = StartedSession::start(&kernel, "anna").await;
    Setup {
        number: started.number,
        link: started.join_link,
        host: started.console,
        kernel,
        state: tempfile::tempdir().expect("temp dir"),
    }
}

fn command(number: &str, plugin: &str, name: &str) -> Value {
    json!({ "session": number, "plugin": plugin, "name": name })
}

/// Sends a plugin command that needs consent, and answers the prompt in the
/// agent's terminal.
async fn with_terminal_answer(
    s: &mut Setup,
    agent: &mut AgentProcess,
    plugin: &str,
    name: &str,
    answer: &str,
) -> Value {
    let seen = agent.prompts_seen();
    let id = s
        .host
        .send_request("plugin.command", command(&s.number, plugin, name))
        .await;
    agent.answer_prompt(seen, answer).await;
    s.host.reply_to(id).await
}

#[tokio::test]
async fn system_information_with_consent_in_the_agents_terminal() {
    let mut s = setup().await;
    let mut agent = AgentProcess::join(s.state.path(), &s.link, "Carl Customer");
    agent
        .wait_for_line(&format!("Connected to support session {}", s.number))
        .await;
    assert_eq!(
        s.host.event("participant.joined").await["participant"]["display_name"],
        "Carl Customer"
    );

    // Denied first: the plugin reports it and nothing is collected.
    let denied = with_terminal_answer(&mut s, &mut agent, "sysinfo", "collect", "n").await;
    assert_eq!(denied["body"]["status"], "denied", "{denied}");
    agent
        .wait_for_line("Anna Berg wants to view your system information")
        .await;
    let refused_save = s
        .host
        .request("plugin.command", command(&s.number, "sysinfo", "save"))
        .await;
    assert_eq!(refused_save["type"], "error");

    // Allowed: every category, collected on this very machine.
    let collected = with_terminal_answer(&mut s, &mut agent, "sysinfo", "collect", "y").await;
    assert_eq!(collected["body"]["status"], "ok", "{collected}");
    let categories = collected["body"]["categories"]
        .as_array()
        .expect("categories");
    let titles: Vec<&str> = categories
        .iter()
        .map(|c| c["title"].as_str().expect("title"))
        .collect();
    assert_eq!(titles, SYSINFO_CATEGORY_TITLES);
    let host_name = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
    assert!(
        categories[0]["rows"].to_string().contains(host_name.trim()),
        "{}",
        categories[0]
    );

    // Refresh needs no second prompt; Save has every category.
    let refreshed = s
        .host
        .ok("plugin.command", command(&s.number, "sysinfo", "refresh"))
        .await;
    assert_eq!(refreshed["status"], "ok");
    let saved = s
        .host
        .ok("plugin.command", command(&s.number, "sysinfo", "save"))
        .await;
    let text = saved["text"].as_str().expect("text");
    for title in SYSINFO_CATEGORY_TITLES {
        assert!(
            text.contains(&format!("== {title} ==")),
            "{title} missing from the saved text"
        );
    }
    assert_eq!(
        agent
            .output()
            .iter()
            .filter(|l| l.starts_with("Allow?"))
            .count(),
        2
    );

    // The session ends: the agent says so, exits cleanly and forgets the token.
    s.host
        .ok("session.end", json!({ "session": s.number }))
        .await;
    assert_eq!(agent.exit_code().await, Some(0));
    agent.wait_for_line("The support session ended").await;
    assert!(!s.state.path().join("resume.json").exists());
}

/// How the restart plugin says the selected customer would come back.
async fn rejoin_status(s: &mut Setup, customer: &str) -> Value {
    s.host
        .ok(
            "plugin.command",
            json!({ "session": s.number, "plugin": "restart", "name": "status", "payload": { "participant": customer } }),
        )
        .await
}

/// The entry the agent left for the next log-in, checked as a desktop
/// reads it: it runs this very agent binary, resuming, in a terminal.
fn checked_autostart_entry(state: &Path) -> AutostartEntry {
    let entry = AgentProcess::autostart_entry(state).expect("an entry for the next log-in");
    assert_eq!(
        entry.path,
        AgentProcess::autostart_dir(state).join("tether-agent-rejoin.desktop")
    );
    assert_eq!(entry.value("Type"), Some("Application"), "{}", entry.text);
    assert_eq!(entry.value("Terminal"), Some("true"), "{}", entry.text);
    let exec = entry.exec();
    assert_eq!(
        std::fs::canonicalize(&exec[0]).expect("the program exists"),
        std::fs::canonicalize(tether_tests::agent_binary()).expect("the agent binary"),
        "{exec:?}"
    );
    assert_eq!(exec.last().map(String::as_str), Some("resume"), "{exec:?}");
    let state_at = exec
        .iter()
        .position(|w| w == "--state-dir")
        .expect("--state-dir");
    assert_eq!(Path::new(&exec[state_at + 1]), state, "{exec:?}");
    entry
}

#[tokio::test]
async fn after_a_restart_the_customer_logs_in_and_is_back_in_the_same_session() {
    let mut s = setup().await;
    let bus = SessionBus::start().await;
    let mut agent = AgentProcess::join(s.state.path(), &s.link, "Carl Customer");
    agent.wait_for_line("Connected to support session").await;
    let joined = s.host.event("participant.joined").await;
    let carl = joined["participant"]["id"].as_str().expect("id").to_owned();
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(s.state.path().join("resume.json"))
            .expect("resume token kept")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The CSR's panel learns that this computer comes back by itself.
    assert_eq!(rejoin_status(&mut s, &carl).await["rejoin"], "by_itself");
    assert!(
        AgentProcess::autostart_entry(s.state.path()).is_none(),
        "nothing is left for the next log-in before a restart is allowed"
    );

    let restarting = with_terminal_answer(&mut s, &mut agent, "restart", "restart", "y").await;
    assert_eq!(restarting["body"]["status"], "restarting", "{restarting}");
    assert_eq!(restarting["body"]["rejoin"], "by_itself", "{restarting}");
    // The customer and the CSR were told the same: back by itself.
    let waiting = s.host.event("consent.waiting").await;
    let promise = "After you log in again, you are back in this session by yourself.";
    assert!(
        waiting["text"].as_str().expect("text").ends_with(promise),
        "{waiting}"
    );
    agent.wait_for_line(promise).await;
    let away = s.host.event("participant.away").await;
    assert_eq!(
        (away["participant"]["id"].as_str(), away["reason"].as_str()),
        (Some(carl.as_str()), Some("restart"))
    );
    assert_eq!(away["rejoin"], "by_itself", "the CSR is told how: {away}");
    // The simulated backend ends the process as a reboot would.
    assert_eq!(agent.exit_code().await, Some(75));
    drop(agent);

    // The customer logs in: their desktop starts what the agent left.
    let entry = checked_autostart_entry(s.state.path());
    let agent = AgentProcess::start_as_login_would(
        s.state.path(),
        &[("DBUS_SESSION_BUS_ADDRESS", bus.address())],
    );
    agent
        .wait_for_line(&format!("Connected to support session {}", s.number))
        .await;
    let rejoined = s.host.event("participant.rejoined").await;
    assert_eq!(
        rejoined["participant"]["id"],
        carl.as_str(),
        "the same participant"
    );
    let message = s.host.event("plugin.message").await;
    assert_eq!(message["plugin"], "restart");
    assert_eq!(
        message["message"]["text"],
        "Carl Customer rejoined the session after the restart"
    );
    // A message on the customer's screen, and the line in its window.
    let shown = bus.wait_for_notification().await;
    assert_eq!(shown.app_name, "Tether");
    assert_eq!(shown.summary, "Back in your support session");
    assert!(shown.body.contains(&s.number), "{shown:?}");
    agent
        .wait_for_line(&format!(
            "You are back in support session {} after the restart",
            s.number
        ))
        .await;
    // The entry has done its work: it is gone, so the next log-in does not
    // start the agent again.
    assert!(!entry.path.exists(), "the entry is removed after rejoining");
    let info = s
        .host
        .ok("session.info", json!({ "session": s.number }))
        .await;
    assert_eq!(
        info["participants"].as_array().expect("list").len(),
        2,
        "no second customer"
    );

    let anna = Csr::sign_in(&s.kernel, "anna", "correct horse battery")
        .await
        .expect("signs in");
    let report = anna
        .get(&format!("/api/sessions/{}/report?format=text", s.number))
        .await;
    assert!(
        report.text.contains("participant.away") && report.text.contains("participant.rejoined"),
        "{}",
        report.text
    );
    assert!(
        report.text.contains(
            "Restart of Carl Customer's computer started; Carl Customer rejoins by themselves after logging in"
        ),
        "{}",
        report.text
    );

    // A second restart in the same session: the agent the log-in started
    // arranges its way back the same way. This time the desktop has no
    // session bus: the agent's own window says it.
    // (The customer's permission still holds: no second question.)
    let mut agent = agent;
    let again = s
        .host
        .ok("plugin.command", command(&s.number, "restart", "restart"))
        .await;
    assert_eq!(again["rejoin"], "by_itself", "{again}");
    assert_eq!(agent.exit_code().await, Some(75));
    drop(agent);
    checked_autostart_entry(s.state.path());
    let agent = AgentProcess::start_as_login_would(s.state.path(), &[]);
    agent
        .wait_for_line(&format!(
            "You are back in support session {} after the restart",
            s.number
        ))
        .await;
    assert_eq!(
        s.host.event("participant.rejoined").await["participant"]["id"],
        carl.as_str()
    );
    assert!(AgentProcess::autostart_entry(s.state.path()).is_none());
    assert_eq!(
        bus.shown().len(),
        1,
        "only the desktop with a bus was notified"
    );

    // The session ends: nothing is left to start the agent at a log-in.
    s.host
        .ok("session.end", json!({ "session": s.number }))
        .await;
    let mut agent = agent;
    assert_eq!(agent.exit_code().await, Some(0));
    assert!(AgentProcess::autostart_entry(s.state.path()).is_none());
    assert!(!s.state.path().join("resume.json").exists());
}

#[tokio::test]
async fn where_the_helper_cannot_come_back_by_itself_everyone_is_told_to_use_the_link() {
    let mut s = setup().await;
    let mut customer = tether_tests::clients::Customer::join(&s.kernel, &s.number, "Carl").await;
    s.host.event("participant.joined").await;
    let code = customer.agent_code().await;
    // No folder can be made where the entry for the next log-in would go
    // (a file stands in the way; not even root can write there).
    let blocked = s.state.path().join("not-a-folder");
    std::fs::write(&blocked, "").expect("file");
    let blocked_dir = blocked.join("autostart");
    let agent = AgentProcess::spawn_with_env(
        s.state.path(),
        "simulated",
        &["join", &s.link],
        &[
            ("TETHER_AGENT_CODE", &code),
            (
                "TETHER_AGENT_AUTOSTART_DIR",
                blocked_dir.to_str().expect("utf-8"),
            ),
        ],
    );
    let mut agent = agent;
    agent.wait_for_line("Connected to support session").await;
    assert_eq!(
        rejoin_status(&mut s, &customer.participant).await["rejoin"],
        "with_link"
    );

    let id = s
        .host
        .send_request("plugin.command", command(&s.number, "restart", "restart"))
        .await;
    // The page asks, in every language, without promising a return.
    let prompt = customer.page.event("consent.prompt").await;
    let text = prompt["text"].as_str().expect("text");
    assert!(
        text.ends_with(
            "This computer cannot rejoin by itself: after you log in again, open the session link to come back to this session."
        ),
        "{prompt}"
    );
    assert!(!text.contains("by yourself"), "{text}");
    for (language, words) in [
        ("da", "skal du åbne sessionslinket"),
        ("fr", "ouvrez le lien de la session"),
        ("ja", "セッションのリンクを開いて"),
    ] {
        let translated = prompt["texts"][language].as_str().expect("translated");
        assert!(translated.contains(words), "{language}: {translated}");
    }
    // The CSR sees the same words while the customer decides.
    let waiting = s.host.event("consent.waiting").await;
    assert_eq!(waiting["text"], text);
    customer
        .page
        .ok(
            "consent.answer",
            json!({ "request": prompt["request"], "granted": true }),
        )
        .await;
    let restarting = s.host.reply_to(id).await;
    assert_eq!(restarting["body"]["status"], "restarting", "{restarting}");
    assert_eq!(restarting["body"]["rejoin"], "with_link", "{restarting}");
    let away = s.host.event("participant.away").await;
    assert_eq!(away["rejoin"], "with_link", "the CSR is told how: {away}");
    agent
        .wait_for_line("This computer cannot start the helper again by itself")
        .await;
    agent
        .wait_for_line(&format!("{} is not a folder", blocked.display()))
        .await;
    agent
        .wait_for_line("After you log in again, open the session link to rejoin")
        .await;
    assert_eq!(agent.exit_code().await, Some(75));
    assert!(AgentProcess::autostart_entry(s.state.path()).is_none());
    assert!(!blocked_dir.exists());
    let anna = Csr::sign_in(&s.kernel, "anna", "correct horse battery")
        .await
        .expect("signs in");
    let report = anna
        .get(&format!("/api/sessions/{}/report?format=text", s.number))
        .await;
    assert!(
        report.text.contains(
            "Restart of Carl's computer started; Carl has to rejoin with the session link"
        ),
        "{}",
        report.text
    );
}

#[tokio::test]
async fn a_way_back_that_can_no_longer_be_made_refuses_the_restart_it_promised() {
    let mut s = setup().await;
    let mut agent = AgentProcess::join(s.state.path(), &s.link, "Carl");
    agent.wait_for_line("Connected to support session").await;
    let joined = s.host.event("participant.joined").await;
    let carl = joined["participant"]["id"].as_str().expect("id").to_owned();
    assert_eq!(rejoin_status(&mut s, &carl).await["rejoin"], "by_itself");
    // Between the agent's word and the restart, the folder becomes
    // impossible to make.
    let login = s.state.path().join("login");
    std::fs::write(&login, "").expect("a file where the folder would be");

    let seen = agent.prompts_seen();
    let id = s
        .host
        .send_request("plugin.command", command(&s.number, "restart", "restart"))
        .await;
    agent.answer_prompt(seen, "y").await;
    let refused = s.host.reply_to(id).await;
    assert_eq!(refused["type"], "error", "{refused}");
    let message = refused["body"]["message"].as_str().expect("message");
    assert!(
        message.contains(
            "could not prepare to rejoin after the restart, so the computer was not restarted"
        ) && message.contains(&format!("{} is not a folder", login.display())),
        "{message}"
    );
    // Not restarted: the agent is still here, and the CSR never heard that
    // the customer went away.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(agent.is_running(), "{:?}", agent.output());
    assert!(AgentProcess::autostart_entry(s.state.path()).is_none());
    assert!(
        !s.host
            .pending_events()
            .iter()
            .any(|e| e["type"] == "participant.away"),
        "{:?}",
        s.host.pending_events()
    );
}

#[tokio::test]
async fn a_login_entry_with_nothing_to_rejoin_says_so_and_removes_itself() {
    let s = setup().await;
    let agent = AgentProcess::join(s.state.path(), &s.link, "Carl");
    agent.wait_for_line("Connected to support session").await;
    let mut s = s;
    let mut agent = agent;
    let restarting = with_terminal_answer(&mut s, &mut agent, "restart", "restart", "y").await;
    assert_eq!(restarting["body"]["rejoin"], "by_itself", "{restarting}");
    assert_eq!(agent.exit_code().await, Some(75));
    drop(agent);
    let entry = checked_autostart_entry(s.state.path());
    let saved = std::fs::read_to_string(s.state.path().join("resume.json")).expect("saved");

    // The saved session was damaged meanwhile: the agent says what is wrong
    // and what to do, and removes the entry so no later log-in starts it.
    std::fs::write(s.state.path().join("resume.json"), "{\"server\": 7").expect("damaged");
    let mut damaged = AgentProcess::start_as_login_would(s.state.path(), &[]);
    assert_eq!(damaged.exit_code().await, Some(1));
    damaged.wait_for_line("resume.json is damaged").await;
    damaged
        .wait_for_line("open the session link to join again")
        .await;
    assert!(!entry.path.exists(), "the entry is removed");

    // A token that would change the address it is sent to is refused too.
    std::fs::write(&entry.path, &entry.text).expect("the entry back");
    let foreign = saved.replace("\"resume_token\":\"", "\"resume_token\":\"x&session=1&");
    std::fs::write(s.state.path().join("resume.json"), foreign).expect("foreign");
    let mut refused = AgentProcess::start_as_login_would(s.state.path(), &[]);
    assert_eq!(refused.exit_code().await, Some(1));
    refused.wait_for_line("not one the server issues").await;
    assert!(!entry.path.exists());

    // Nothing saved at all: the same.
    std::fs::write(&entry.path, &entry.text).expect("the entry back");
    std::fs::remove_file(s.state.path().join("resume.json")).expect("removed");
    let mut missing = AgentProcess::start_as_login_would(s.state.path(), &[]);
    assert_eq!(missing.exit_code().await, Some(1));
    missing.wait_for_line("no session to rejoin").await;
    assert!(!entry.path.exists());
}

#[tokio::test]
async fn a_resume_token_is_good_only_for_its_session() {
    let s = setup().await;
    let agent = AgentProcess::join(s.state.path(), &s.link, "Carl");
    agent.wait_for_line("Connected to support session").await;
    let saved: Value = serde_json::from_str(
        &std::fs::read_to_string(s.state.path().join("resume.json")).expect("saved"),
    )
    .expect("json");
    let token = saved["resume_token"].as_str().expect("token");
    let stolen = WsClient::connect(
        &s.kernel.ws_url("/ws/agent?resume=not-the-token"),
        None,
        None,
    )
    .await;
    assert_eq!(stolen.err(), Some(401));
    let both = WsClient::connect(
        &s.kernel
            .ws_url(&format!("/ws/agent?resume={token}&token=x")),
        None,
        None,
    )
    .await;
    assert_eq!(both.err(), Some(400));
    // A page cannot use a resume token.
    let page = WsClient::connect(
        &s.kernel.ws_url(&format!("/ws/customer?resume={token}")),
        Some(&s.kernel.base_url),
        None,
    )
    .await;
    assert_eq!(page.err(), Some(400));
}

#[tokio::test]
async fn the_linux_backend_reports_what_this_machine_offers() {
    let state = tempfile::tempdir().expect("temp dir");
    let mut agent = AgentProcess::spawn(state.path(), "linux", &["capabilities"]);
    assert_eq!(agent.exit_code().await, Some(0));
    let offered = agent.output();
    assert!(
        offered.contains(&"sysinfo.collect".to_owned()),
        "{offered:?}"
    );
    let systemd = std::path::Path::new("/run/systemd/system").is_dir();
    if !systemd {
        assert!(
            !offered.contains(&"power.restart".to_owned()),
            "no restart without systemd: {offered:?}"
        );
    }
}

#[tokio::test]
async fn resuming_a_session_that_ended_meanwhile_gives_up_cleanly() {
    let mut s = setup().await;
    let agent = AgentProcess::join(s.state.path(), &s.link, "Carl");
    agent.wait_for_line("Connected to support session").await;
    // The computer goes down without a word; the CSR ends the session.
    drop(agent);
    s.host
        .ok("session.end", json!({ "session": s.number }))
        .await;

    let mut resumed = AgentProcess::spawn(s.state.path(), "simulated", &["resume"]);
    assert_eq!(resumed.exit_code().await, Some(1));
    resumed.wait_for_line("the session has ended").await;
    assert!(
        !s.state.path().join("resume.json").exists(),
        "nothing left to rejoin"
    );
}

#[tokio::test]
async fn an_agent_can_act_for_the_customer_who_joined_on_the_page() {
    let mut s = setup().await;
    let mut customer = tether_tests::clients::Customer::join(&s.kernel, &s.number, "Carl").await;
    s.host.event("participant.joined").await;
    let code = customer.agent_code().await;
    let agent = AgentProcess::for_page(s.state.path(), &s.link, &code);
    agent.wait_for_line("Connected to support session").await;
    let info = s
        .host
        .ok("session.info", json!({ "session": s.number }))
        .await;
    assert_eq!(
        info["participants"].as_array().expect("list").len(),
        2,
        "no second customer"
    );

    // The page is open, so the page asks, not the agent's terminal.
    let id = s
        .host
        .send_request("plugin.command", command(&s.number, "sysinfo", "collect"))
        .await;
    let prompt = customer.page.event("consent.prompt").await;
    assert_eq!(prompt["page_open"], true);
    customer
        .page
        .ok(
            "consent.answer",
            json!({ "request": prompt["request"], "granted": true }),
        )
        .await;
    assert_eq!(s.host.reply_to(id).await["body"]["status"], "ok");
    assert_eq!(agent.prompts_seen(), 0);

    let mistyped = AgentProcess::for_page(s.state.path(), &s.link, "1234");
    mistyped
        .wait_for_line("the code is the 8 digits your support page shows")
        .await;
    // The code was used up by the first agent, and a made-up one is wrong.
    let state = tempfile::tempdir().expect("temp dir");
    let reused = AgentProcess::for_page(state.path(), &s.link, &code);
    reused
        .wait_for_line("the code is not valid, or was used already")
        .await;
    // A second helper for the same customer needs the customer's yes on
    // the page while the first is connected. Said no: it is refused, and
    // the first one and the page are told.
    let fresh = customer.agent_code().await;
    let state = tempfile::tempdir().expect("temp dir");
    let second = AgentProcess::for_page(state.path(), &s.link, &fresh);
    let asked = customer.page.event("agent.second_prompt").await;
    customer
        .page
        .ok(
            "consent.answer",
            json!({ "request": asked["request"], "granted": false }),
        )
        .await;
    second
        .wait_for_line("a helper program is already connected for this customer")
        .await;
    agent
        .wait_for_line("Another helper program tried to act for you and was refused")
        .await;
    customer.page.event("agent.second_refused").await;

    // Said yes (the customer restarted the helper): the new one takes over
    // and the old one stops.
    let fresh = customer.agent_code().await;
    let state = tempfile::tempdir().expect("temp dir");
    let third = AgentProcess::for_page(state.path(), &s.link, &fresh);
    let asked = customer.page.event("agent.second_prompt").await;
    customer
        .page
        .ok(
            "consent.answer",
            json!({ "request": asked["request"], "granted": true }),
        )
        .await;
    third.wait_for_line("Connected to support session").await;
    agent
        .wait_for_line("another helper program took over, as the customer allowed")
        .await;
}

#[tokio::test]
async fn a_resume_token_that_never_arrived_does_not_lock_the_agent_out() {
    let s = setup().await;
    let mut customer = tether_tests::clients::Customer::join(&s.kernel, &s.number, "Carl").await;
    let connect = |query: String| {
        let url = s.kernel.ws_url(&format!("/ws/agent?{query}"));
        async move { WsClient::connect(&url, None, None).await }
    };
    // The page's join token does not open an agent connection: the page's
    // one-time code does.
    assert_eq!(
        connect(format!("token={}", customer.token)).await.err(),
        Some(403)
    );
    let code = customer.agent_code().await;
    let mut first = connect(format!(
        "session={}&code={}",
        s.number,
        code.replace(' ', "")
    ))
    .await
    .expect("joins");
    let kept = first.event("session.welcome").await["resume_token"]
        .as_str()
        .expect("token")
        .to_owned();
    first.close().await;
    // The next welcome is lost with its connection…
    let mut second = connect(format!("resume={kept}")).await.expect("resumes");
    let lost = second.event("session.welcome").await["resume_token"]
        .as_str()
        .expect("token")
        .to_owned();
    second.close().await;
    // …and the token the agent still has works once more; it gets a new one.
    let mut third = connect(format!("resume={kept}"))
        .await
        .expect("the kept token still works");
    let newest = third.event("session.welcome").await["resume_token"]
        .as_str()
        .expect("token")
        .to_owned();
    third.close().await;
    assert_ne!(newest, lost);
    // Tokens two rotations old stop working.
    assert_eq!(connect(format!("resume={kept}")).await.err(), Some(401));
}
