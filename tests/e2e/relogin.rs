//! Logging on as another user, end to end, in the manuals' order: the
//! customer is asked first (one consent prompt in the agent's terminal),
//! only then are the account details sent; later capability calls run as the new account, and the
//! customer's account comes back on logoff, at the end of the session and
//! when the server stays unreachable. The password is then searched for in
//! every place it must never be. The Linux backend is tried against a real
//! account the test creates, where this machine allows it.

use std::process::Command;

use serde_json::{Value, json};
use tether_tests::agent_process::AgentProcess;
use tether_tests::bundled_manifests;
use tether_tests::clients::{Csr, StartedSession, WsClient};
use tether_tests::kernel_process::{KernelProcess, TestAccount};

const CONFIG: &str = r#"
[sessions]
join_attempts_per_minute = 1000
consent_timeout_secs = 20

[sites.default]
name = "Default"
plugins = ["sysinfo", "relogin"]
"#;

const PASSWORD: &str = "Pw-4711-never-anywhere";

struct Setup {
    kernel: KernelProcess,
    anna: Csr,
    host: WsClient,
    number: String,
    link: String,
    state: tempfile::TempDir,
}

async fn setup() -> Setup {
    let accounts = [TestAccount::csr("anna", "Anna Berg", "default")];
    let kernel =
        KernelProcess::configure(&bundled_manifests(), CONFIG, &accounts).launch_logging("debug");
    let started = StartedSession::start(&kernel, "anna").await;
    Setup {
        number: started.number,
        link: started.join_link,
        host: started.console,
        anna: started.csr,
        kernel,
        state: tempfile::tempdir().expect("temp dir"),
    }
}

fn agent(s: &Setup, backend: &str) -> AgentProcess {
    AgentProcess::spawn(
        s.state.path(),
        backend,
        &[
            "--restore-after-secs",
            "1",
            "join",
            &s.link,
            "--name",
            "Carl",
        ],
    )
}

async fn plugin(s: &mut Setup, plugin: &str, name: &str, payload: Value) -> Value {
    let body = json!({ "session": s.number, "plugin": plugin, "name": name, "payload": payload });
    s.host.request("plugin.command", body).await
}

/// A command whose consent is answered in the agent's terminal; returns the
/// reply and the prompt's text.
async fn answered(
    s: &mut Setup,
    agent: &mut AgentProcess,
    plugin: &str,
    name: &str,
    payload: Value,
) -> (Value, String) {
    let seen = agent.prompts_seen();
    let body = json!({ "session": s.number, "plugin": plugin, "name": name, "payload": payload });
    let id = s.host.send_request("plugin.command", body).await;
    let prompt = agent.answer_prompt(seen, "y").await;
    (s.host.reply_to(id).await, prompt)
}

fn account_in_use(collected: &Value) -> String {
    let system = &collected["body"]["categories"][0]["rows"];
    system
        .as_array()
        .expect("rows")
        .iter()
        .find(|row| row[0] == "Account in use")
        .and_then(|row| row[1].as_str())
        .expect("the account in use is reported")
        .to_owned()
}

fn logon_form(user: &str) -> Value {
    json!({ "user": user, "password": PASSWORD, "domain": null })
}

#[tokio::test]
async fn one_prompt_later_calls_run_as_the_account_and_the_customer_comes_back() {
    let mut s = setup().await;
    let mut agent = agent(&s, "simulated");
    agent.wait_for_line("Connected to support session").await;

    let (reply, prompt) = answered(&mut s, &mut agent, "relogin", "ask", Value::Null).await;
    assert_eq!(reply["body"]["status"], "allowed", "{reply}");
    assert!(
        prompt.contains("Anna Berg wants to log on to your computer as another user"),
        "{prompt}"
    );
    assert!(prompt.contains("you are back automatically"), "{prompt}");
    let prompts = agent.prompts_seen();
    let reply = plugin(&mut s, "relogin", "logon", logon_form("lee-admin")).await;
    assert_eq!(reply["body"]["status"], "logged_on", "{reply}");
    assert_eq!(
        agent.prompts_seen(),
        prompts,
        "the logon itself asks nothing"
    );

    // A later capability call (another plugin's) runs as that account.
    let (collected, _) = answered(&mut s, &mut agent, "sysinfo", "collect", Value::Null).await;
    assert_eq!(account_in_use(&collected), "lee-admin");

    // Logoff needs no second prompt, and the customer's account is back.
    let prompts = agent.prompts_seen();
    assert_eq!(
        plugin(&mut s, "relogin", "logoff", Value::Null).await["body"]["status"],
        "logged_off"
    );
    assert_eq!(agent.prompts_seen(), prompts);
    let refreshed = plugin(&mut s, "sysinfo", "refresh", Value::Null).await;
    assert_ne!(account_in_use(&refreshed), "lee-admin");

    // Logged on again when the session ends: the agent restores by itself.
    assert_eq!(
        plugin(&mut s, "relogin", "logon", logon_form("lee-admin")).await["body"]["status"],
        "logged_on"
    );
    s.host
        .ok("session.end", json!({ "session": s.number }))
        .await;
    assert_eq!(agent.exit_code().await, Some(0));
    agent
        .wait_for_line("Logged the other account off; your account is back.")
        .await;

    let report = s
        .anna
        .get(&format!("/api/sessions/{}/report?format=text", s.number))
        .await;
    assert!(
        report
            .text
            .contains("Anna Berg logged on to Carl's computer as another user"),
        "{}",
        report.text
    );
    assert!(
        report
            .text
            .contains("Anna Berg logged off; Carl's account is back"),
        "{}",
        report.text
    );
    assert_no_password_anywhere(&s, &agent).await;
}

#[tokio::test]
async fn losing_the_server_restores_the_customer() {
    let mut s = setup().await;
    let mut agent = agent(&s, "simulated");
    agent.wait_for_line("Connected to support session").await;
    let (reply, _) = answered(&mut s, &mut agent, "relogin", "ask", Value::Null).await;
    assert_eq!(reply["body"]["status"], "allowed", "{reply}");
    let reply = plugin(&mut s, "relogin", "logon", logon_form("lee-admin")).await;
    assert_eq!(reply["body"]["status"], "logged_on", "{reply}");
    let Setup { kernel, .. } = s;
    let _stopped = kernel.stop();
    agent
        .wait_for_line("Logged the other account off; your account is back.")
        .await;
}

#[tokio::test]
async fn bad_forms_are_refused_and_nothing_is_logged_on() {
    let mut s = setup().await;
    let mut agent = agent(&s, "simulated");
    agent.wait_for_line("Connected to support session").await;
    for form in [
        json!({ "user": "lee", "password": PASSWORD, "colour": "red" }),
        json!({ "user": "", "password": PASSWORD }),
    ] {
        let reply = plugin(&mut s, "relogin", "logon", form).await;
        assert_eq!(reply["type"], "error", "{reply}");
        assert!(!reply.to_string().contains(PASSWORD));
    }
    // A good form before the customer allowed it is not sent: the CSR is
    // told to ask first, and the customer is not prompted.
    let reply = plugin(&mut s, "relogin", "logon", logon_form("lee-admin")).await;
    assert_eq!(reply["body"]["status"], "ask_first", "{reply}");
    assert_eq!(agent.prompts_seen(), 0, "nothing was asked");
    // Logging off without a grant asks first (only about logging off), and
    // finds nobody to log off.
    let (reply, prompt) = answered(&mut s, &mut agent, "relogin", "logoff", Value::Null).await;
    assert_eq!(reply["body"]["status"], "not_logged_on", "{reply}");
    assert!(
        prompt.starts_with("When finished, Anna Berg logs that user off"),
        "{prompt}"
    );
    assert_no_password_anywhere(&s, &agent).await;
}

/// The password must not be in the kernel's log (at debug level), the
/// session report, the database files, the agent's output or its state.
async fn assert_no_password_anywhere(s: &Setup, agent: &AgentProcess) {
    let log = std::fs::read(s.kernel.log_path()).expect("kernel log");
    assert!(
        !log.is_empty(),
        "the kernel logged something at debug level"
    );
    let mut places: Vec<(String, Vec<u8>)> = vec![("kernel log".into(), log)];
    for format in ["json", "text"] {
        let report = s
            .anna
            .get(&format!(
                "/api/sessions/{}/report?format={format}",
                s.number
            ))
            .await;
        places.push((format!("{format} report"), report.text.into_bytes()));
    }
    for entry in std::fs::read_dir(s.kernel.data_dir())
        .expect("data dir")
        .flatten()
    {
        if entry.file_name().to_string_lossy().starts_with("tether.db") {
            places.push((
                entry.path().display().to_string(),
                std::fs::read(entry.path()).expect("db file"),
            ));
        }
    }
    places.push((
        "agent output".into(),
        agent.output().join("\n").into_bytes(),
    ));
    for entry in std::fs::read_dir(s.state.path())
        .expect("state dir")
        .flatten()
    {
        places.push((
            entry.path().display().to_string(),
            std::fs::read(entry.path()).expect("state file"),
        ));
    }
    assert!(
        places.len() >= 6,
        "{:?}",
        places.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    for (place, bytes) in places {
        let found = bytes
            .windows(PASSWORD.len())
            .any(|w| w == PASSWORD.as_bytes());
        assert!(!found, "the password is in {place}");
    }
}

/// A local account made for the test and removed afterwards.
struct TestUser {
    name: String,
}

impl TestUser {
    fn create() -> Result<TestUser, String> {
        if unsafe_euid() != 0 {
            return Err("not running as root".into());
        }
        let name = format!("tether{}", std::process::id());
        let created = Command::new("useradd")
            .args(["--no-create-home", "--shell", "/usr/sbin/nologin", &name])
            .status();
        if !created.is_ok_and(|s| s.success()) {
            return Err("useradd is missing or failed".into());
        }
        let user = TestUser { name };
        let mut chpasswd = Command::new("chpasswd")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .map_err(|error| format!("chpasswd: {error}"))?;
        {
            use std::io::Write;
            let stdin = chpasswd.stdin.as_mut().ok_or("chpasswd stdin")?;
            writeln!(stdin, "{}:{PASSWORD}", user.name).map_err(|error| error.to_string())?;
        }
        if !chpasswd.wait().is_ok_and(|s| s.success()) {
            return Err("chpasswd failed".into());
        }
        Ok(user)
    }
}

impl Drop for TestUser {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.name).status();
    }
}

fn unsafe_euid() -> u32 {
    let output = Command::new("id").arg("-u").output().ok();
    output
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(u32::MAX)
}

#[tokio::test]
async fn the_linux_backend_logs_on_with_pam_against_a_real_account() {
    let user = match TestUser::create() {
        Ok(user) => user,
        Err(reason) => {
            println!("skipped: the real PAM logon needs a test account ({reason})");
            return;
        }
    };
    let mut s = setup().await;
    let mut agent = agent(&s, "linux");
    agent.wait_for_line("Connected to support session").await;

    let (reply, _) = answered(&mut s, &mut agent, "relogin", "ask", Value::Null).await;
    assert_eq!(reply["body"]["status"], "allowed", "{reply}");
    // A wrong password is refused by PAM, clearly, and logs nobody on.
    let wrong = json!({ "user": user.name, "password": "not-the-password" });
    let refused = plugin(&mut s, "relogin", "logon", wrong).await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert!(
        refused["body"]["message"]
            .as_str()
            .expect("message")
            .contains("could not log on"),
        "{refused}"
    );

    let right = json!({ "user": user.name, "password": PASSWORD });
    let reply = plugin(&mut s, "relogin", "logon", right).await;
    assert_eq!(reply["body"]["status"], "logged_on", "{reply}");
    let (collected, _) = answered(&mut s, &mut agent, "sysinfo", "collect", Value::Null).await;
    assert_eq!(
        account_in_use(&collected),
        user.name,
        "`id -un` ran as the account"
    );

    assert_eq!(
        plugin(&mut s, "relogin", "logoff", Value::Null).await["body"]["status"],
        "logged_off"
    );
    let refreshed = plugin(&mut s, "sysinfo", "refresh", Value::Null).await;
    assert_eq!(account_in_use(&refreshed), "root");
    assert_no_password_anywhere(&s, &agent).await;
}
