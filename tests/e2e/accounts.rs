//! Accounts, sign-in, CSRF, the first-start admin, joining by number (with
//! its rate limit), WebSocket origins and frame checks, mailed invitations,
//! and what survives a restart of the kernel.

use serde_json::{Value, json};
use tether_tests::clients::{Csr, Customer, WsClient, post_json};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use tether_tests::smtp_sink::SmtpSink;
use tokio_tungstenite::tungstenite::Error as WsError;

const PASSWORD: &str = "correct horse battery";

fn kernel_with(config: &str) -> KernelProcess {
    let accounts = [
        TestAccount::csr("anna", "Anna Berg", "default"),
        TestAccount::csr("bob", "Bo Lind", "default"),
    ];
    KernelProcess::configure(&fixture_manifests(), config, &accounts).launch()
}

#[tokio::test]
async fn sign_in_csrf_and_sign_out() {
    let kernel = kernel_with("");
    let wrong = Csr::sign_in(&kernel, "anna", "not the password")
        .await
        .err()
        .expect("refused");
    assert_eq!(wrong.status, 403);
    assert_eq!(wrong.body["error"], "wrong user name or password");
    let unknown = Csr::sign_in(&kernel, "nobody", PASSWORD)
        .await
        .err()
        .expect("refused");
    assert_eq!(
        unknown.body, wrong.body,
        "unknown users look like wrong passwords"
    );
    let malformed = post_json(&kernel, "/api/auth/signin", json!({ "user": "anna" })).await;
    assert_eq!(malformed.status, 400, "{}", malformed.text);
    assert_eq!(malformed.body["code"], "malformed");

    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    assert_eq!(anna.account["display_name"], "Anna Berg");
    assert_eq!(
        anna.get("/api/auth/me").await.body["account"]["username"],
        "anna"
    );

    // State-changing calls need the CSRF token; without it nothing happens.
    let forged = anna.post_with("/api/auth/signout", json!({}), None).await;
    assert_eq!(forged.status, 403);
    assert!(
        forged.body["error"]
            .as_str()
            .expect("error")
            .contains("CSRF")
    );
    let wrong_token = anna
        .post_with("/api/auth/signout", json!({}), Some("0000"))
        .await;
    assert_eq!(wrong_token.status, 403);
    assert_eq!(
        anna.get("/api/auth/me").await.status,
        200,
        "still signed in"
    );

    assert_eq!(anna.post("/api/auth/signout", json!({})).await.status, 200);
    let after = anna.get("/api/auth/me").await;
    assert_eq!(after.status, 401);
    assert_eq!(after.body["code"], "unauthenticated");
    // The console refuses a signed-out cookie.
    let refused = WsClient::connect(
        &kernel.ws_url("/ws/console"),
        Some(&kernel.base_url),
        Some(&anna.cookie),
    )
    .await;
    assert_eq!(refused.err(), Some(401));
}

#[tokio::test]
async fn guessing_passwords_hits_the_limit_but_honest_sign_ins_do_not() {
    let kernel = kernel_with("");
    for _ in 0..12 {
        Csr::sign_in(&kernel, "anna", PASSWORD)
            .await
            .expect("successful sign-ins are not limited");
    }
    for _ in 0..10 {
        let refused = Csr::sign_in(&kernel, "anna", "guess")
            .await
            .err()
            .expect("wrong password");
        assert_eq!(refused.status, 403);
    }
    let limited = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .err()
        .expect("limited");
    assert_eq!(limited.status, 429);
    assert!(
        limited.body["error"]
            .as_str()
            .expect("error")
            .contains("too many sign-in attempts")
    );
}

#[tokio::test]
async fn first_start_prints_a_one_time_admin_password() {
    let kernel = KernelProcess::start(&fixture_manifests(), "");
    let line = kernel
        .output()
        .into_iter()
        .find(|l| l.starts_with("First start: created the site admin `admin` with the password "))
        .expect("bootstrap line");
    let password = line.rsplit(' ').next().expect("password").to_owned();
    let admin = Csr::sign_in(&kernel, "admin", &password)
        .await
        .expect("the printed password works");
    assert_eq!(admin.account["role"], "admin");
    // There is no setup route to create accounts without signing in.
    assert_eq!(
        post_json(&kernel, "/api/setup", json!({})).await.status,
        404
    );

    let restarted = kernel.stop().launch();
    assert!(
        !restarted
            .output()
            .iter()
            .any(|l| l.starts_with("First start")),
        "shown once only"
    );
    Csr::sign_in(&restarted, "admin", &password)
        .await
        .expect("still valid after a restart");
}

#[tokio::test]
async fn create_user_refuses_bad_input_clearly() {
    let stopped = KernelProcess::configure(
        &fixture_manifests(),
        "",
        &[TestAccount::csr("anna", "Anna Berg", "default")],
    );
    for (account, words) in [
        (
            TestAccount::csr("anna", "Anna Again", "default"),
            "the user name `anna` is taken",
        ),
        (
            TestAccount {
                password: "short",
                ..TestAccount::csr("carl", "Carl", "default")
            },
            "password: at least 10 characters",
        ),
        (
            TestAccount::csr("dora", "Dora", "mars"),
            "no site `mars` is configured",
        ),
        (
            TestAccount::csr("a b", "Space", "default"),
            "username: 3 to 64 letters",
        ),
    ] {
        let output = stopped.admin_create_user(&account);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(words), "{stderr}");
    }
}

#[tokio::test]
async fn joining_unknown_numbers_is_refused_and_rate_limited() {
    let kernel = kernel_with("[sessions]\njoin_attempts_per_minute = 5\n");
    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    let mut console = anna.console(&kernel).await;
    let number = console.start_session().await;
    let wrong = if number == "111111111" {
        "222222222"
    } else {
        "111111111"
    };

    let unknown = post_json(
        &kernel,
        "/api/join",
        json!({ "session": wrong, "display_name": "Mallory" }),
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(
        unknown.body["error"],
        format!("no support session {wrong} is running")
    );
    let bad_name = post_json(
        &kernel,
        "/api/join",
        json!({ "session": number, "display_name": "  " }),
    )
    .await;
    assert_eq!(bad_name.status, 400);
    let garbage = post_json(
        &kernel,
        "/api/join",
        json!({ "session": "12345", "display_name": "Mallory" }),
    )
    .await;
    assert_eq!(garbage.status, 404);
    for attempt in 0..3 {
        let guess = format!("{:09}", 333_333_333 + attempt);
        assert_ne!(guess, number);
        assert_eq!(
            post_json(
                &kernel,
                "/api/join",
                json!({ "session": guess, "display_name": "Mallory" })
            )
            .await
            .status,
            404
        );
    }
    // Five failures within a minute: the next attempt is refused, even with
    // the right number. (A wrong name for a running session is no failure.)
    let limited = post_json(
        &kernel,
        "/api/join",
        json!({ "session": number, "display_name": "Mallory" }),
    )
    .await;
    assert_eq!(limited.status, 429, "{}", limited.text);
    assert_eq!(limited.body["code"], "rate_limited");
    assert!(
        limited.body["error"]
            .as_str()
            .expect("error")
            .contains("too many attempts")
    );
    let info = console
        .ok("session.info", json!({ "session": number }))
        .await;
    assert_eq!(
        info["participants"].as_array().expect("list").len(),
        1,
        "nobody joined"
    );
}

#[tokio::test]
async fn websocket_origins_and_bad_frames() {
    let kernel = kernel_with("[sessions]\njoin_attempts_per_minute = 1000\n");
    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    let console_url = kernel.ws_url("/ws/console");
    assert_eq!(
        WsClient::connect(
            &console_url,
            Some("http://evil.example"),
            Some(&anna.cookie)
        )
        .await
        .err(),
        Some(403)
    );
    assert_eq!(
        WsClient::connect(&console_url, None, Some(&anna.cookie))
            .await
            .err(),
        Some(403)
    );
    assert_eq!(
        WsClient::connect(&console_url, Some(&kernel.base_url), None)
            .await
            .err(),
        Some(401)
    );

    let mut console = anna.console(&kernel).await;
    let number = console.start_session().await;
    let customer = Customer::join(&kernel, &number, "Carl").await;
    let page_url = kernel.ws_url(&format!("/ws/customer?token={}", customer.token));
    assert_eq!(
        WsClient::connect(&page_url, Some("http://evil.example"), None)
            .await
            .err(),
        Some(403)
    );
    let agent_url = kernel.ws_url(&format!("/ws/agent?token={}", customer.token));
    assert_eq!(
        WsClient::connect(&agent_url, Some("http://evil.example"), None)
            .await
            .err(),
        Some(403)
    );
    let bad_token = kernel.ws_url("/ws/customer?token=0123");
    assert_eq!(
        WsClient::connect(&bad_token, Some(&kernel.base_url), None)
            .await
            .err(),
        Some(401)
    );

    // Oversize, malformed, unknown and wrong-version messages each get an
    // error reply, and the connection keeps working.
    let mut page = customer.page;
    page.send_text(format!(
        "{{\"v\":1,\"type\":\"chat.send\",\"body\":{{\"text\":\"{}\"}}}}",
        "x".repeat(100_000)
    ))
    .await;
    let reply = page.receive().await.expect("reply");
    assert_eq!(reply["body"]["code"], "too_large", "{reply}");
    for (frame, code, words) in [
        ("not json", "malformed", "not a valid envelope"),
        (
            r#"{"v":1,"id":3,"type":"files.steal","body":{}}"#,
            "malformed",
            "unknown message type `files.steal`",
        ),
        (
            r#"{"v":9,"id":4,"type":"chat.send","body":{"text":"hi"}}"#,
            "malformed",
            "version 9 is not supported",
        ),
        (
            r#"{"v":1,"id":5,"type":"chat.send","body":{"text":"hi","extra":1}}"#,
            "malformed",
            "unknown field `extra`",
        ),
        (
            r#"{"v":1,"id":6,"type":"chat.send","body":{"text":"   "}}"#,
            "malformed",
            "the message is empty",
        ),
    ] {
        page.send_text(frame.to_owned()).await;
        let reply = page.receive().await.expect("reply");
        assert_eq!(reply["type"], "error", "{frame}");
        assert_eq!(reply["body"]["code"], code, "{frame}: {reply}");
        assert!(
            reply["body"]["message"]
                .as_str()
                .expect("message")
                .contains(words),
            "{frame}: {reply}"
        );
    }
    // A binary frame is a stream frame: the page owns no stream, so it is
    // dropped and counted, never answered frame by frame.
    page.send_binary(vec![1, 2, 3]).await;
    page.ok("chat.send", json!({ "text": "still here" })).await;
    let (_, health) = kernel.get_json("/healthz").await;
    assert_eq!(health["streams"]["frames_refused"], 1, "{health}");
    assert_eq!(console.event("chat.message").await["text"], "still here");
    // Nothing the refused frames carried reached the session.
    assert!(
        console
            .pending_events()
            .iter()
            .all(|e| e["type"] != "chat.message")
    );

    // A frame over the socket's limit closes the connection.
    let mut flooding = WsClient::customer_page(&kernel, &customer.token).await;
    // The kernel may close it before the whole frame is written (a reset
    // on the write) or right after (the next read ends): both are refusals.
    let written = flooding.try_send_text("x".repeat(2 * 1024 * 1024)).await;
    match written {
        Ok(()) => assert!(
            flooding.receive().await.is_none(),
            "the connection is closed"
        ),
        Err(error) => assert!(
            matches!(
                &error,
                WsError::Io(io) if io.kind() == std::io::ErrorKind::ConnectionReset
                    || io.kind() == std::io::ErrorKind::BrokenPipe
            ),
            "the kernel reset the connection: {error}"
        ),
    }
}

#[tokio::test]
async fn invitations_are_mailed_when_smtp_is_configured() {
    let sink = SmtpSink::start().await;
    let config = format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nfrom = \"Tether <tether@example.test>\"\ntls = \"none\"\n",
        sink.port
    );
    let kernel = kernel_with(&config);
    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    let mut console = anna.console(&kernel).await;
    let number = console.start_session().await;
    let path = format!("/api/sessions/{number}/invite");

    let forged = anna
        .post_with(
            &path,
            json!({ "to": "carl@example.test", "invite": "customer" }),
            None,
        )
        .await;
    assert_eq!(forged.status, 403);
    let bad_address = anna
        .post(
            &path,
            json!({ "to": "not an address", "invite": "customer" }),
        )
        .await;
    assert_eq!(bad_address.status, 400, "{}", bad_address.text);
    assert!(sink.mails().is_empty(), "nothing sent for refused requests");

    let sent = anna
        .post(
            &path,
            json!({ "to": "carl@example.test", "invite": "customer" }),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text);
    let mails = sink.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].recipients, ["carl@example.test"]);
    assert!(mails[0].data.contains("Subject: Support session"));
    assert!(
        mails[0].data.contains(&format!("/join/{number}")),
        "{}",
        mails[0].data
    );

    // Only a CSR driving the session may send its invitations.
    let bob = Csr::sign_in(&kernel, "bob", PASSWORD)
        .await
        .expect("signs in");
    let outsider = bob
        .post(
            &path,
            json!({ "to": "x@example.test", "invite": "customer" }),
        )
        .await;
    assert_eq!(outsider.status, 404);
    assert_eq!(sink.mails().len(), 1);
}

#[tokio::test]
async fn without_smtp_invitations_say_to_use_mailto() {
    let kernel = kernel_with("");
    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    let mut console = anna.console(&kernel).await;
    let number = console.start_session().await;
    let refused = anna
        .post(
            &format!("/api/sessions/{number}/invite"),
            json!({ "to": "carl@example.test", "invite": "customer" }),
        )
        .await;
    assert_eq!(refused.status, 503);
    assert!(
        refused.body["error"]
            .as_str()
            .expect("error")
            .contains("mailto")
    );
}

#[tokio::test]
async fn accounts_reports_and_plugin_data_survive_a_restart() {
    let kernel = kernel_with("[sessions]\njoin_attempts_per_minute = 1000\n");
    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    let mut console = anna.console(&kernel).await;
    let number = console.start_session().await;
    let mut customer = Customer::join(&kernel, &number, "Carl").await;
    customer
        .page
        .ok("chat.send", json!({ "text": "before the restart" }))
        .await;
    let stored = console
        .ok("plugin.command", json!({ "session": number, "plugin": "echo", "name": "store-put", "payload": { "key": "note", "value": "kept" } }))
        .await;
    assert_eq!(stored, "stored");

    // Someone without business in the session cannot read its report.
    let bob = Csr::sign_in(&kernel, "bob", PASSWORD)
        .await
        .expect("signs in");
    assert_eq!(
        bob.get(&format!("/api/sessions/{number}/report"))
            .await
            .status,
        404
    );

    let kernel = kernel.stop().launch();
    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("the account survived");
    let report = anna
        .get(&format!("/api/sessions/{number}/report?format=text"))
        .await;
    assert_eq!(report.status, 200);
    assert!(
        report.text.contains("before the restart"),
        "{}",
        report.text
    );
    assert!(
        report.text.contains("Ended:") && report.text.contains("the server restarted"),
        "{}",
        report.text
    );

    // The session did not survive (its people are gone), the plugin's data did.
    let mut console = anna.console(&kernel).await;
    let (code, _) = console
        .refused("session.info", json!({ "session": number }))
        .await;
    assert_eq!(code, "not_found");
    let again = console.start_session().await;
    let value = console
        .ok("plugin.command", json!({ "session": again, "plugin": "echo", "name": "store-get", "payload": { "key": "note" } }))
        .await;
    assert_eq!(value, "kept");
}

#[tokio::test]
async fn plugin_commands_carry_the_csr_in_and_outside_sessions() {
    let accounts = [
        TestAccount::csr("anna", "Anna Berg", "default"),
        TestAccount::csr("bob", "Bo Lind", "default"),
        TestAccount {
            role: "admin",
            ..TestAccount::csr("lee", "Lee Admin", "default")
        },
    ];
    let kernel = KernelProcess::configure(&fixture_manifests(), "", &accounts).launch();
    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    let lee = Csr::sign_in(&kernel, "lee", PASSWORD)
        .await
        .expect("signs in");

    // Outside a session, over REST (with the CSRF token) and over the console.
    let path = "/api/plugins/echo/commands";
    let me = anna.post(path, json!({ "name": "whoami" })).await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(
        me.body,
        json!({ "username": "anna", "display_name": "Anna Berg", "site_admin": false, "session": null })
    );
    assert_eq!(
        lee.post(path, json!({ "name": "whoami" })).await.body["site_admin"],
        true
    );
    assert_eq!(
        anna.post_with(path, json!({ "name": "whoami" }), None)
            .await
            .status,
        403
    );
    let mut console = anna.console(&kernel).await;
    let over_socket = console
        .ok(
            "plugin.command",
            json!({ "plugin": "echo", "name": "whoami" }),
        )
        .await;
    assert_eq!(over_socket["username"], "anna");

    // Large bodies (uploads) go over REST up to its limit, not over.
    let three_mib = "x".repeat(3 * 1024 * 1024);
    let big = anna
        .post(
            path,
            json!({ "name": "payload-size", "payload": three_mib }),
        )
        .await;
    assert_eq!(big.status, 200, "{}", big.text);
    let too_big = anna
        .post(
            path,
            json!({ "name": "payload-size", "payload": "x".repeat(5 * 1024 * 1024) }),
        )
        .await;
    assert_eq!(too_big.status, 413, "{}", too_big.text);
    assert_eq!(too_big.body["code"], "too_large");

    // Inside a session only the CSR in control may send commands.
    let number = console.start_session().await;
    let in_session = anna
        .post(path, json!({ "name": "whoami", "session": number }))
        .await;
    assert_eq!(in_session.body["session"], number.as_str());
    let bob = Csr::sign_in(&kernel, "bob", PASSWORD)
        .await
        .expect("signs in");
    let mut assistant = bob.console(&kernel).await;
    assistant
        .ok("session.assist", json!({ "session": number }))
        .await;
    let refused = bob
        .post(path, json!({ "name": "whoami", "session": number }))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);
    let unknown = anna
        .post("/api/plugins/nothing/commands", json!({ "name": "x" }))
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn site_admins_manage_the_accounts_of_their_site() {
    let accounts = [
        TestAccount::csr("anna", "Anna Berg", "default"),
        TestAccount {
            role: "admin",
            ..TestAccount::csr("lee", "Lee Admin", "default")
        },
        TestAccount {
            role: "admin",
            ..TestAccount::csr("olga", "Olga Sand", "other")
        },
    ];
    let config = "[sites.default]\nname = \"Default\"\nplugins = [\"*\"]\n\n[sites.other]\nname = \"Other\"\nplugins = []\n";
    let kernel = KernelProcess::configure(&fixture_manifests(), config, &accounts).launch();
    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    let lee = Csr::sign_in(&kernel, "lee", PASSWORD)
        .await
        .expect("signs in");

    assert_eq!(anna.get("/api/admin/accounts").await.status, 403);
    let listed = lee.get("/api/admin/accounts").await;
    let names: Vec<&str> = listed
        .body
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["username"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["anna", "lee"], "only this site's accounts");
    assert!(!listed.text.contains("argon2"), "no password hashes");

    let new = json!({ "username": "dora", "display_name": "Dora Queue", "password": "a long enough password", "webacd_agent": true });
    assert_eq!(
        lee.post_with("/api/admin/accounts", new.clone(), None)
            .await
            .status,
        403,
        "CSRF token needed"
    );
    assert_eq!(
        anna.post("/api/admin/accounts", new.clone()).await.status,
        403
    );
    let created = lee.post("/api/admin/accounts", new.clone()).await;
    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(
        (
            created.body["site"].as_str(),
            created.body["webacd_agent"].as_bool()
        ),
        (Some("default"), Some(true))
    );
    assert_eq!(lee.post("/api/admin/accounts", new).await.status, 409);
    let weak = lee
        .post(
            "/api/admin/accounts",
            json!({ "username": "eve", "display_name": "Eve", "password": "short" }),
        )
        .await;
    assert_eq!(weak.status, 400);
    assert!(
        weak.body["error"]
            .as_str()
            .expect("error")
            .starts_with("password:")
    );
    Csr::sign_in(&kernel, "dora", "a long enough password")
        .await
        .expect("the new account signs in");

    let patch = |csr: &Csr, user: &str, body: Value| {
        let request = reqwest::Client::new()
            .patch(kernel.url(&format!("/api/admin/accounts/{user}")))
            .header("cookie", &csr.cookie)
            .header("x-csrf-token", &csr.csrf)
            .json(&body);
        async move { request.send().await.expect("request").status().as_u16() }
    };
    assert_eq!(
        patch(
            &lee,
            "anna",
            json!({ "role": "admin", "session_mode": "multi" })
        )
        .await,
        200
    );
    assert_eq!(
        patch(&lee, "lee", json!({ "role": "csr" })).await,
        403,
        "not from yourself"
    );
    assert_eq!(
        patch(&lee, "olga", json!({ "webacd_agent": true })).await,
        404,
        "another site's account"
    );
    assert_eq!(patch(&lee, "anna", json!({ "colour": "red" })).await, 400);
    let anna_now = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    assert_eq!(anna_now.account["role"], "admin");
    assert_eq!(anna_now.account["session_mode"], "multi");
    assert_eq!(
        patch(&lee, "anna", json!({ "session_mode": null })).await,
        200
    );
    let anna_now = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    assert_eq!(anna_now.account["session_mode"], Value::Null);
}
