//! The real host agent against a real kernel with the bundled `sysinfo` and
//! `restart` plugins: consent in the agent's terminal, system information
//! collected for real on this machine, a (simulated) restart and the
//! automatic rejoin, and the end of the session.

use serde_json::{Value, json};
use tether_tests::agent_process::AgentProcess;
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

#[tokio::test]
async fn after_a_restart_the_customer_rejoins_the_same_session() {
    let mut s = setup().await;
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

    let restarting = with_terminal_answer(&mut s, &mut agent, "restart", "restart", "y").await;
    assert_eq!(restarting["body"]["status"], "restarting", "{restarting}");
    let away = s.host.event("participant.away").await;
    assert_eq!(
        (away["participant"]["id"].as_str(), away["reason"].as_str()),
        (Some(carl.as_str()), Some("restart"))
    );
    // The simulated backend ends the process as a reboot would.
    assert_eq!(agent.exit_code().await, Some(75));
    drop(agent);

    // "After boot" the agent rejoins from its resume token, without the number.
    let agent = AgentProcess::spawn(s.state.path(), "simulated", &["resume"]);
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
        report
            .text
            .contains("Restart of Carl Customer's computer started"),
        "{}",
        report.text
    );
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
async fn install_writes_a_unit_that_resumes_after_boot() {
    let state = tempfile::tempdir().expect("temp dir");
    let units = tempfile::tempdir().expect("temp dir");
    let unit_dir = units.path().to_str().expect("utf-8 path");
    let mut agent =
        AgentProcess::spawn(state.path(), "linux", &["install", "--unit-dir", unit_dir]);
    assert_eq!(agent.exit_code().await, Some(0));
    let unit =
        std::fs::read_to_string(units.path().join("tether-agent.service")).expect("unit written");
    let exec = unit
        .lines()
        .find(|l| l.starts_with("ExecStart="))
        .expect("ExecStart");
    assert!(
        exec.ends_with(&format!(
            "--state-dir {} --backend linux resume",
            state.path().display()
        )),
        "{exec}"
    );
    assert!(exec.contains("tether-agent"), "{exec}");
    assert!(unit.contains(&format!(
        "ConditionPathExists={}/resume.json",
        state.path().display()
    )));
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
