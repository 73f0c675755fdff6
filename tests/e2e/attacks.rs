//! Attacks on a running kernel from outside, as an attacker on the network
//! or on the customer's machine would try them. Each test is named after
//! what it tries, and each failed against the kernel before its fix.

use std::time::Instant;

use futures_util::future::join_all;
use serde_json::{Value, json};
use tether_tests::clients::{Csr, Customer, StartedSession, TestAgent, WsClient};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};

const PASSWORD: &str = "correct horse battery";

/// A kernel behind a reverse proxy on the loopback address, so a test can
/// speak for many client addresses through `X-Forwarded-For`.
fn kernel_behind_a_proxy(extra: &str) -> KernelProcess {
    let accounts = [TestAccount::csr("anna", "Anna Berg", "default")];
    let config = format!("[sites.default]\nname = \"Default\"\nplugins = []\n{extra}");
    let stopped = KernelProcess::configure(&fixture_manifests(), &config, &accounts);
    stopped.edit_config(|text| {
        text.replacen(
            "[server]\n",
            "[server]\ntrusted_proxies = [\"127.0.0.1/32\"]\n",
            1,
        )
    });
    stopped.launch()
}

/// A sign-in as if from `client`, through the trusted proxy.
async fn sign_in_from(kernel: &KernelProcess, client: &str, password: &str) -> u16 {
    reqwest::Client::new()
        .post(kernel.url("/api/auth/signin"))
        .header("x-forwarded-for", client)
        .json(&json!({ "username": "anna", "password": password }))
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_hundred_password_guesses_at_once_get_no_more_checks_than_the_limit() {
    let kernel = kernel_behind_a_proxy("");
    let guesses = (0..100).map(|n| {
        let kernel = &kernel;
        async move {
            // One guess among them is right: it must not get through either
            // once the limit is used up.
            let password = if n == 99 { PASSWORD } else { "guess" };
            sign_in_from(kernel, "198.51.100.1", password).await
        }
    });
    let statuses = join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s != 429).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(
        checked <= 10,
        "{checked} guesses were checked: {statuses:?}"
    );
    assert_eq!(checked + limited, 100, "{statuses:?}");
    // The real user elsewhere is not locked out by it.
    assert_eq!(sign_in_from(&kernel, "203.0.113.5", PASSWORD).await, 200);
}

#[tokio::test]
async fn guessing_one_password_from_many_addresses_is_limited_but_the_users_own_address_is_not() {
    let kernel = kernel_behind_a_proxy("");
    // Anna signs in from her office once.
    assert_eq!(sign_in_from(&kernel, "203.0.113.5", PASSWORD).await, 200);
    // A botnet: each address guesses once.
    let mut statuses = Vec::new();
    for n in 0..110u32 {
        let address = format!("10.{}.{}.{}", n / 65536, (n / 256) % 256, n % 256);
        statuses.push(sign_in_from(&kernel, &address, "guess").await);
    }
    let checked = statuses.iter().filter(|s| **s == 403).count();
    assert_eq!(checked, 100, "{statuses:?}");
    assert!(statuses[100..].iter().all(|s| *s == 429), "{statuses:?}");
    // A new address is refused even with the right password...
    assert_eq!(sign_in_from(&kernel, "192.0.2.77", PASSWORD).await, 429);
    // ...but Anna's office still gets in.
    assert_eq!(sign_in_from(&kernel, "203.0.113.5", PASSWORD).await, 200);
}

#[tokio::test]
async fn forwarded_addresses_from_an_untrusted_peer_are_ignored() {
    // No trusted proxy: every guess counts against the connection's own
    // address, whatever X-Forwarded-For claims.
    let accounts = [TestAccount::csr("anna", "Anna Berg", "default")];
    let kernel = KernelProcess::configure(
        &fixture_manifests(),
        "[sites.default]\nname = \"Default\"\nplugins = []\n",
        &accounts,
    )
    .launch();
    for n in 0..10 {
        let status = sign_in_from(&kernel, &format!("198.51.100.{n}"), "guess").await;
        assert_eq!(status, 403);
    }
    assert_eq!(sign_in_from(&kernel, "198.51.100.200", "guess").await, 429);
}

async fn get(kernel: &KernelProcess, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(kernel.url(path))
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn asset_paths_that_climb_to_a_page_serve_nothing() {
    let kernel = kernel_behind_a_proxy("");
    for path in [
        "/assets/%2e%2e%2findex.html",
        "/assets/..%2fadmin.html",
        "/assets/%2e%2e%2fjoin.html",
        "/assets/..%5cindex.html",
        "/assets/.hidden",
    ] {
        let response = get(&kernel, path).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
        let body = response.text().await.expect("body");
        assert!(!body.contains("<html"), "{path} served a page: {body}");
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let kernel = kernel_behind_a_proxy("");
    for path in [
        "/",
        "/join",
        "/admin",
        "/healthz",
        "/api/plugins",
        "/api/auth/me",
        "/api/sessions/123456789/report",
        "/no/such/route",
        "/assets/%2e%2e%2findex.html",
        "/plugin-ui/echo/none.html",
    ] {
        let response = get(&kernel, path).await;
        let headers = response.headers();
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let policy = header("content-security-policy");
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: CSP {policy:?}"
        );
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert!(
            !header("cache-control").contains("immutable"),
            "{path}: {}",
            header("cache-control")
        );
    }
}

#[tokio::test]
async fn a_rebound_host_name_cannot_open_a_websocket() {
    let kernel = kernel_behind_a_proxy("");
    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    // A page on attacker.example whose name now resolves to the kernel:
    // the browser sends the attacker's name as both Host and Origin.
    let port = kernel.base_url.rsplit(':').next().expect("port");
    let host = format!("attacker.example:{port}");
    let origin = format!("http://{host}");
    let refused = WsClient::connect_with_headers(
        &kernel.ws_url("/ws/console"),
        &[
            ("host", &host),
            ("origin", &origin),
            ("cookie", &anna.cookie),
        ],
    )
    .await
    .err();
    assert_eq!(refused, Some(403));
    // The public address itself still may.
    assert!(
        WsClient::connect(
            &kernel.ws_url("/ws/console"),
            Some(&kernel.base_url),
            Some(&anna.cookie)
        )
        .await
        .is_ok()
    );
}

#[tokio::test]
async fn listing_sites_tells_strangers_nothing_and_csrs_only_their_own() {
    let accounts = [TestAccount::csr("anna", "Anna Berg", "default")];
    let kernel = KernelProcess::configure(
        &fixture_manifests(),
        "[sites.default]\nname = \"Default\"\nplugins = []\n\n[sites.acme-secret-client]\nname = \"Acme (confidential)\"\nplugins = []\n",
        &accounts,
    )
    .launch();
    let stranger = get(&kernel, "/api/sites").await;
    assert_eq!(stranger.status().as_u16(), 401);
    assert!(
        !stranger.text().await.expect("body").contains("Acme"),
        "a stranger learns of the other site"
    );
    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    let listed = anna.get("/api/sites").await;
    assert_eq!(listed.status, 200);
    assert!(!listed.text.contains("Acme"), "{}", listed.text);
    assert_eq!(listed.body[0]["id"], "default");
}

/// Anna's session on a site with the echo fixture, Bob assisting, Carl
/// joined with a test agent.
struct Shared {
    kernel: KernelProcess,
    anna: StartedSession,
    bob: WsClient,
    bob_id: String,
    customer: Customer,
    agent: TestAgent,
}

async fn shared_session() -> Shared {
    let accounts = [
        TestAccount::csr("anna", "Anna Berg", "default"),
        TestAccount::csr("bob", "Bo Lind", "default"),
    ];
    let config = "[sessions]\njoin_attempts_per_minute = 1000\nconsent_timeout_secs = 5\n\n[sites.default]\nname = \"Default\"\nplugins = [\"echo\"]\n";
    let kernel = KernelProcess::configure(&fixture_manifests(), config, &accounts).launch();
    let anna = StartedSession::start(&kernel, "anna").await;
    let bob_csr = Csr::sign_in(&kernel, "bob", PASSWORD)
        .await
        .expect("signs in");
    let mut bob = bob_csr.console(&kernel).await;
    let assisted = bob
        .ok("session.assist", json!({ "session": anna.number }))
        .await;
    let bob_id = assisted["participant"]
        .as_str()
        .expect("participant")
        .to_owned();
    let mut customer = Customer::join(&kernel, &anna.number, "Carl").await;
    let agent = TestAgent::start(&kernel, &mut customer, &["sysinfo.collect"]).await;
    Shared {
        kernel,
        anna,
        bob,
        bob_id,
        customer,
        agent,
    }
}

fn echo(number: &str, name: &str, customer: &str) -> Value {
    json!({ "session": number, "plugin": "echo", "name": name,
            "payload": { "session": number, "participant": customer,
                         "capability": "sysinfo.collect", "input": {} } })
}

#[tokio::test]
async fn a_new_host_cannot_use_what_the_customer_allowed_the_previous_one() {
    let mut s = shared_session().await;
    let (number, carl) = (s.anna.number.clone(), s.customer.participant.clone());
    let ask = s
        .anna
        .console
        .send_request("plugin.command", echo(&number, "ask-consent", &carl))
        .await;
    let prompt = s.customer.answer_prompt(true).await;
    assert!(
        prompt["text"]
            .as_str()
            .expect("text")
            .starts_with("Anna Berg"),
        "{prompt}"
    );
    assert_eq!(s.anna.console.reply_to(ask).await["body"], "granted");
    s.anna
        .console
        .ok("plugin.command", echo(&number, "call-agent", &carl))
        .await;
    assert_eq!(s.agent.calls().len(), 1);

    s.anna
        .console
        .ok(
            "session.pass_control",
            json!({ "session": number, "to": s.bob_id }),
        )
        .await;
    // Bob is host now; Carl allowed Anna, not him.
    let (code, message) = s
        .bob
        .refused("plugin.command", echo(&number, "call-agent", &carl))
        .await;
    assert_eq!(code, "forbidden");
    assert!(message.contains("no consent"), "{message}");
    assert_eq!(
        s.agent.calls().len(),
        1,
        "the agent must not see Bob's call"
    );
    // Asked by Bob, in Bob's name, it works.
    let ask = s
        .bob
        .send_request("plugin.command", echo(&number, "ask-consent", &carl))
        .await;
    let prompt = s.customer.answer_prompt(true).await;
    assert!(
        prompt["text"]
            .as_str()
            .expect("text")
            .starts_with("Bo Lind"),
        "{prompt}"
    );
    assert_eq!(s.bob.reply_to(ask).await["body"], "granted");
    s.bob
        .ok("plugin.command", echo(&number, "call-agent", &carl))
        .await;
    assert_eq!(s.agent.calls().len(), 2);
}

/// The report of `number` as Anna downloads it.
async fn report_text(kernel: &KernelProcess, number: &str) -> String {
    let anna = Csr::sign_in(kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    anna.get(&format!("/api/sessions/{number}/report?format=text"))
        .await
        .text
}

#[tokio::test]
async fn a_chat_flood_from_a_customer_is_refused_and_cannot_grow_the_report_without_end() {
    let accounts = [TestAccount::csr("anna", "Anna Berg", "default")];
    let config = "[sessions]\njoin_attempts_per_minute = 1000\nreport_budget_kib = 64\n\n[sites.default]\nname = \"Default\"\nplugins = []\n";
    let kernel = KernelProcess::configure(&fixture_manifests(), config, &accounts).launch();
    let anna = StartedSession::start(&kernel, "anna").await;
    let mut carl = Customer::join(&kernel, &anna.number, "Carl").await;
    let long = "x".repeat(tether_protocol::MAX_CHAT_CHARS);
    let started = Instant::now();
    let mut ids = Vec::new();
    for _ in 0..200 {
        ids.push(
            carl.page
                .send_request("chat.send", json!({ "text": long }))
                .await,
        );
    }
    let mut sent = 0;
    let mut limited = 0;
    for id in ids {
        let reply = carl.page.reply_to(id).await;
        match reply["type"].as_str() {
            Some("ok") => sent += 1,
            _ => {
                assert_eq!(reply["body"]["code"], "rate_limited", "{reply}");
                limited += 1;
            }
        }
    }
    // A page may send a burst of 30, then 5 a second: however slow this
    // machine, no more got through than that allows.
    let elapsed = started.elapsed().as_secs() as usize;
    assert!(
        sent <= 30 + 5 * (elapsed + 1),
        "{sent} sent, {limited} refused"
    );
    if elapsed < 30 {
        assert!(limited > 0, "{sent} sent, none refused");
    }
    // What got through fills the report up to its budget, which says so.
    let report = report_text(&kernel, &anna.number).await;
    assert!(
        report.contains("The report reached its limit of 64 KiB"),
        "{}",
        &report[report.len().saturating_sub(500)..]
    );
    assert!(report.len() < 80 * 1024, "report is {} bytes", report.len());
    // The session still works, and how it ends is still reported.
    let mut console = anna.console;
    console
        .ok("session.end", json!({ "session": anna.number }))
        .await;
    let report = report_text(&kernel, &anna.number).await;
    assert!(
        report.contains("session.ended"),
        "{}",
        &report[report.len().saturating_sub(500)..]
    );
}

#[tokio::test]
async fn an_agent_hello_flood_is_refused_after_a_burst_and_unknown_names_are_refused_outright() {
    let accounts = [TestAccount::csr("anna", "Anna Berg", "default")];
    let config = "[sessions]\njoin_attempts_per_minute = 1000\n\n[sites.default]\nname = \"Default\"\nplugins = []\n";
    let kernel = KernelProcess::configure(&fixture_manifests(), config, &accounts).launch();
    let anna = StartedSession::start(&kernel, "anna").await;
    let mut carl = Customer::join(&kernel, &anna.number, "Carl").await;
    let mut agent = carl.connect_agent(&kernel).await;
    // Made-up capability names, however long, are refused before anything
    // is stored.
    let names: Vec<String> = (0..50)
        .map(|n| format!("{n}{}", "y".repeat(1000)))
        .collect();
    let (code, message) = agent
        .refused("agent.hello", json!({ "capabilities": names }))
        .await;
    assert_eq!(code, "malformed", "{message}");
    // Known names repeated are listed once.
    let repeated: Vec<&str> = std::iter::repeat_n("sysinfo.collect", 200).collect();
    agent
        .ok("agent.hello", json!({ "capabilities": repeated }))
        .await;
    let started = Instant::now();
    let mut ids = Vec::new();
    for _ in 0..300 {
        ids.push(
            agent
                .send_request(
                    "agent.hello",
                    json!({ "capabilities": ["sysinfo.collect"] }),
                )
                .await,
        );
    }
    let mut limited = 0;
    for id in ids {
        if agent.reply_to(id).await["body"]["code"] == "rate_limited" {
            limited += 1;
        }
    }
    // An agent may send a burst of 100, then 20 a second.
    let elapsed = started.elapsed().as_secs() as usize;
    let allowed = 100 + 20 * (elapsed + 1);
    assert!(300 - limited <= allowed, "only {limited} of 300 refused");
    if elapsed < 9 {
        assert!(limited > 0, "none of 300 refused");
    }
    let report = report_text(&kernel, &anna.number).await;
    let listed = report
        .lines()
        .filter(|l| l.contains("agent.capabilities"))
        .collect::<Vec<_>>();
    assert!(listed.len() <= allowed + 1, "{} hello lines", listed.len());
    assert!(listed.iter().all(|l| l.len() < 200), "{:?}", listed.first());
}

/// A join through the trusted proxy as if from `client`.
async fn join_from(kernel: &KernelProcess, client: &str, number: &str, name: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(kernel.url("/api/join"))
        .header("x-forwarded-for", client)
        .json(&json!({ "session": number, "display_name": name }))
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn joins_that_never_connect_cannot_hold_a_csrs_places() {
    let kernel = kernel_behind_a_proxy(
        "max_customers_per_csr = 2\n\n[sessions]\nunconnected_join_secs = 1\njoin_attempts_per_minute = 1000\n",
    );
    let anna = StartedSession::start(&kernel, "anna").await;
    // An attacker who knows the number takes both places without ever
    // opening the page.
    for n in 0..2 {
        let (status, _) =
            join_from(&kernel, "198.51.100.9", &anna.number, &format!("Ghost {n}")).await;
        assert_eq!(status, 200);
    }
    let (status, body) = join_from(&kernel, "203.0.113.5", &anna.number, "Carl").await;
    assert_eq!(status, 409, "{body}");
    // The places come back once the joins expire; the real customer gets in.
    let deadline = Instant::now() + tether_tests::clients::PATIENCE;
    loop {
        let (status, body) = join_from(&kernel, "203.0.113.5", &anna.number, "Carl").await;
        if status == 200 {
            break;
        }
        assert_eq!(status, 409, "{body}");
        assert!(Instant::now() < deadline, "the places never came back");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let report = report_text(&kernel, &anna.number).await;
    assert!(report.contains("the page never connected"), "{report}");
}

#[tokio::test]
async fn one_address_cannot_join_again_and_again() {
    let kernel = kernel_behind_a_proxy(
        "[sessions]\njoins_per_address_per_hour = 3\njoin_attempts_per_minute = 1000\n",
    );
    let anna = StartedSession::start(&kernel, "anna").await;
    for n in 0..3 {
        let (status, _) =
            join_from(&kernel, "198.51.100.9", &anna.number, &format!("Guest {n}")).await;
        assert_eq!(status, 200);
    }
    let (status, body) = join_from(&kernel, "198.51.100.9", &anna.number, "Guest 4").await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["code"], "rate_limited");
    let (status, _) = join_from(&kernel, "203.0.113.5", &anna.number, "Carl").await;
    assert_eq!(status, 200, "another address still joins");
}

#[tokio::test]
async fn the_host_removes_an_unwanted_participant_and_nobody_else_can() {
    let mut s = shared_session().await;
    let (number, carl) = (s.anna.number.clone(), s.customer.participant.clone());
    // Neither the assistant nor a customer may remove anyone, nor the
    // host themselves.
    let (code, _) = s
        .bob
        .refused(
            "session.remove_participant",
            json!({ "session": number, "participant": carl }),
        )
        .await;
    assert_eq!(code, "forbidden");
    let anna_id = s
        .anna
        .console
        .ok("session.info", json!({ "session": number }))
        .await["host"]
        .as_str()
        .expect("host")
        .to_owned();
    let (code, message) = s
        .anna
        .console
        .refused(
            "session.remove_participant",
            json!({ "session": number, "participant": anna_id }),
        )
        .await;
    assert_eq!(code, "forbidden", "{message}");
    let (code, _) = s
        .anna
        .console
        .refused(
            "session.remove_participant",
            json!({ "session": number, "participant": "p-nobody" }),
        )
        .await;
    assert_eq!(code, "not_found");

    s.anna
        .console
        .ok(
            "session.remove_participant",
            json!({ "session": number, "participant": carl }),
        )
        .await;
    let ended = s.customer.page.event("session.ended").await;
    assert_eq!(ended["reason"], "Anna Berg removed you from the session");
    let left = s.bob.event("participant.left").await;
    assert_eq!(left["participant"]["display_name"], "Carl");
    let report = report_text(&s.kernel, &number).await;
    assert!(
        report.contains("customer; removed by Anna Berg"),
        "{report}"
    );
    assert!(s.agent.errors().is_empty());
}

#[tokio::test]
async fn a_secret_in_a_call_reaches_no_log_even_at_trace() {
    let accounts = [TestAccount::csr("anna", "Anna Berg", "default")];
    let config = "[sessions]\njoin_attempts_per_minute = 1000\n\n[sites.default]\nname = \"Default\"\nplugins = [\"echo\"]\n";
    let kernel = KernelProcess::configure(&fixture_manifests(), config, &accounts)
        .launch_logging("trace,tungstenite=trace,tokio_tungstenite=trace");
    let mut anna = StartedSession::start(&kernel, "anna").await;
    let state = tempfile::tempdir().expect("temp dir");
    let mut agent = tether_tests::agent_process::AgentProcess::spawn_with_env(
        state.path(),
        "simulated",
        &["join", &anna.join_link, "--name", "Carl"],
        &[("RUST_LOG", "trace")],
    );
    agent.wait_for_line("Connected to support session").await;
    let info = anna
        .console
        .ok("session.info", json!({ "session": anna.number }))
        .await;
    let carl = info["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .find(|p| p["role"] == "customer")
        .and_then(|p| p["id"].as_str())
        .expect("Carl")
        .to_owned();
    let seen = agent.prompts_seen();
    let ask = anna
        .console
        .send_request("plugin.command", echo(&anna.number, "ask-consent", &carl))
        .await;
    agent.answer_prompt(seen, "y").await;
    assert_eq!(anna.console.reply_to(ask).await["body"], "granted");
    const SECRET: &str = "Tr0ub4dor-SECRET-and-3";
    let call = json!({ "session": anna.number, "plugin": "echo", "name": "call-agent",
        "payload": { "session": anna.number, "participant": carl, "capability": "sysinfo.collect",
                     "input": { "password": SECRET } } });
    anna.console.ok("plugin.command", call).await;
    let log = std::fs::read_to_string(kernel.log_path()).expect("kernel log");
    assert!(log.lines().count() > 10, "the kernel logged at trace");
    let leaks = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.contains(SECRET))
            .map(|l| l.chars().take(160).collect())
            .collect()
    };
    assert_eq!(
        leaks(&log),
        Vec::<String>::new(),
        "the kernel logged the secret"
    );
    let printed = agent.output().join("\n");
    assert_eq!(
        leaks(&printed),
        Vec::<String>::new(),
        "the agent logged the secret"
    );
}

#[tokio::test]
async fn another_local_user_cannot_take_over_the_customers_helper() {
    let accounts = [TestAccount::csr("anna", "Anna Berg", "default")];
    let config = "[sessions]\njoin_attempts_per_minute = 1000\nconsent_timeout_secs = 5\n\n[sites.default]\nname = \"Default\"\nplugins = [\"echo\"]\n";
    let kernel = KernelProcess::configure(&fixture_manifests(), config, &accounts).launch();
    let mut anna = StartedSession::start(&kernel, "anna").await;
    let mut carl = Customer::join(&kernel, &anna.number, "Carl").await;

    // The helper is started with nothing secret on its command line.
    let code = carl.agent_code().await;
    let state = tempfile::tempdir().expect("temp dir");
    let helper =
        tether_tests::agent_process::AgentProcess::for_page(state.path(), &anna.join_link, &code);
    helper.wait_for_line("Connected to support session").await;
    let visible = helper.command_line();
    assert!(visible.contains("join"), "{visible}");
    assert!(!visible.contains(&carl.token), "{visible}");
    assert!(!visible.contains(&code.replace(' ', "")), "{visible}");

    // Another user who learned the page's token, or saw the used code,
    // gets no agent connection.
    let agent_url = |query: String| kernel.ws_url(&format!("/ws/agent?{query}"));
    assert_eq!(
        WsClient::connect(&agent_url(format!("token={}", carl.token)), None, None)
            .await
            .err(),
        Some(403)
    );
    let used = format!("session={}&code={}", anna.number, code.replace(' ', ""));
    assert_eq!(
        WsClient::connect(&agent_url(used), None, None).await.err(),
        Some(401)
    );
    // Even with a fresh code, a second helper needs the customer's yes on
    // the page while the first runs; without it, it is refused, and the
    // customer hears of it.
    let fresh = carl.agent_code().await.replace(' ', "");
    let second = agent_url(format!("session={}&code={fresh}", anna.number));
    let attempt = tokio::spawn(async move { WsClient::connect(&second, None, None).await.err() });
    let asked = carl.page.event("agent.second_prompt").await;
    carl.page
        .ok(
            "consent.answer",
            json!({ "request": asked["request"], "granted": false }),
        )
        .await;
    assert_eq!(attempt.await.expect("the attempt ends"), Some(409));
    carl.page.event("agent.second_refused").await;
    helper
        .wait_for_line("Another helper program tried to act for you and was refused")
        .await;

    // While the page is open, only the page answers a prompt.
    let info = anna
        .console
        .ok("session.info", json!({ "session": anna.number }))
        .await;
    let carl_id = info["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .find(|p| p["role"] == "customer")
        .and_then(|p| p["id"].as_str())
        .expect("Carl")
        .to_owned();
    let ask = anna
        .console
        .send_request(
            "plugin.command",
            echo(&anna.number, "ask-consent", &carl_id),
        )
        .await;
    let prompt = carl.page.event("consent.prompt").await;
    assert_eq!(prompt["page_open"], true);
    assert_eq!(
        helper.prompts_seen(),
        0,
        "the helper does not ask while the page is open"
    );
    carl.page
        .ok(
            "consent.answer",
            json!({ "request": prompt["request"], "granted": false }),
        )
        .await;
    assert_eq!(anna.console.reply_to(ask).await["body"], "denied");
}

#[tokio::test]
async fn an_agent_cannot_answer_a_prompt_for_a_customer_whose_page_is_open() {
    let mut s = shared_session().await;
    // A program that got hold of the helper's place, while Carl looks at
    // his page.
    let (number, carl) = (s.anna.number.clone(), s.customer.participant.clone());
    drop(s.agent);
    let mut rogue = s.customer.connect_agent(&s.kernel).await;
    let ask = s
        .anna
        .console
        .send_request("plugin.command", echo(&number, "ask-consent", &carl))
        .await;
    let prompt = rogue.event("consent.prompt").await;
    let (code, message) = rogue
        .refused(
            "consent.answer",
            json!({ "request": prompt["request"], "granted": true }),
        )
        .await;
    assert_eq!(code, "forbidden");
    assert!(message.contains("page is open"), "{message}");
    s.customer.answer_prompt(false).await;
    assert_eq!(s.anna.console.reply_to(ask).await["body"], "denied");
}

#[tokio::test]
async fn the_message_budget_never_refuses_an_agents_answers_to_the_kernels_calls() {
    let mut s = shared_session().await;
    let (number, carl) = (s.anna.number.clone(), s.customer.participant.clone());
    let ask = s
        .anna
        .console
        .send_request("plugin.command", echo(&number, "ask-consent", &carl))
        .await;
    s.customer.answer_prompt(true).await;
    assert_eq!(s.anna.console.reply_to(ask).await["body"], "granted");
    // Far more calls than an agent's burst, as fast as they come: every
    // answer gets through, since the kernel asked for each.
    for _ in 0..250 {
        s.anna
            .console
            .ok("plugin.command", echo(&number, "call-agent", &carl))
            .await;
    }
    assert_eq!(s.agent.calls().len(), 250);
    assert!(s.agent.errors().is_empty(), "{:?}", s.agent.errors());
}
