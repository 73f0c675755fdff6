//! An account's life after its creation (issue 19): a CSR changes their
//! password (their other sign-ins end at once); a site admin resets one
//! (the CSR must choose their own at the next sign-in), disables and
//! enables an account (a disabled CSR's consoles close at once and the
//! sessions they host end, the report saying why) and deletes one (the
//! reports keep the name). Bad requests change nothing and say why.

use serde_json::{Value, json};
use tether_tests::clients::{Answer, Csr, Customer, WsClient};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};

const PASSWORD: &str = "correct horse battery";
const SIGNED_OUT: u16 = tether_protocol::SIGNED_OUT_CLOSE_CODE;

const CONFIG: &str = r#"
[sites.default]
name = "Default"
plugins = ["echo"]

[sites.other]
name = "Other"
plugins = []
"#;

fn start_kernel() -> KernelProcess {
    let accounts = [
        TestAccount::csr("anna", "Anna Berg", "default"),
        TestAccount::csr("cara", "Cara Dahl", "default"),
        TestAccount {
            role: "admin",
            ..TestAccount::csr("lee", "Lee Admin", "default")
        },
        TestAccount {
            role: "admin",
            ..TestAccount::csr("olga", "Olga Sand", "other")
        },
    ];
    KernelProcess::configure(&fixture_manifests(), CONFIG, &accounts).launch()
}

async fn sign_in(kernel: &KernelProcess, username: &str, password: &str) -> Csr {
    Csr::sign_in(kernel, username, password)
        .await
        .unwrap_or_else(|refused| panic!("{username} signs in: {}", refused.text))
}

/// The key of a refusal's detail, after checking its status.
fn refused(answer: &Answer, status: u16) -> String {
    assert_eq!(answer.status, status, "{}", answer.text);
    answer.body["detail"]["key"]
        .as_str()
        .unwrap_or_else(|| panic!("a detail: {}", answer.text))
        .to_owned()
}

fn change(current: &str, new: &str) -> Value {
    json!({ "current": current, "new": new })
}

/// The audit lines `admin` sees, oldest first, as action and detail.
async fn audit(admin: &Csr) -> Vec<(String, String)> {
    let answer = admin.get("/api/admin/audit").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let mut lines: Vec<(String, String)> = answer.body["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            (
                l["action"].as_str().unwrap_or_default().to_owned(),
                l["detail"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    lines.reverse();
    lines
}

#[tokio::test]
async fn a_csr_changes_their_password_and_their_other_sign_ins_end() {
    let kernel = start_kernel();
    let here = sign_in(&kernel, "anna", PASSWORD).await;
    let elsewhere = sign_in(&kernel, "anna", PASSWORD).await;
    let mut console_here = here.console(&kernel).await;
    let mut console_elsewhere = elsewhere.console(&kernel).await;
    console_here
        .ok("presence.set", json!({ "available": true }))
        .await;

    for (body, status, key) in [
        (
            change("not my password", "a new long passphrase"),
            403,
            "wrong_current_password",
        ),
        (change(PASSWORD, "short"), 400, "password_too_short"),
        (change(PASSWORD, "password1234"), 400, "password_too_common"),
        (change(PASSWORD, "annaberg2024"), 400, "password_too_common"),
        (change(PASSWORD, PASSWORD), 400, "password_unchanged"),
    ] {
        let answer = here.post("/api/auth/password", body).await;
        assert_eq!(refused(&answer, status), key);
    }
    // Without the CSRF token, nothing changes either.
    let forged = here
        .post_with(
            "/api/auth/password",
            change(PASSWORD, "a new long passphrase"),
            None,
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.text);
    assert_eq!(elsewhere.get("/api/auth/me").await.status, 200);

    let changed = here
        .post(
            "/api/auth/password",
            change(PASSWORD, "a new long passphrase"),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["account"]["must_change_password"], false);

    // The other browser is signed out, its console closed as such; this
    // one goes on.
    assert_eq!(console_elsewhere.close_code().await, Some(SIGNED_OUT));
    assert_eq!(elsewhere.get("/api/auth/me").await.status, 401);
    assert_eq!(here.get("/api/auth/me").await.status, 200);
    console_here
        .ok("presence.set", json!({ "available": false }))
        .await;

    let old = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .err()
        .expect("the old password is refused");
    assert_eq!(refused(&old, 403), "wrong_credentials");
    sign_in(&kernel, "anna", "a new long passphrase").await;
}

#[tokio::test]
async fn an_admin_resets_a_password_and_the_csr_must_choose_their_own() {
    let kernel = start_kernel();
    let lee = sign_in(&kernel, "lee", PASSWORD).await;
    let cara = sign_in(&kernel, "cara", PASSWORD).await;
    let anna = sign_in(&kernel, "anna", PASSWORD).await;
    let mut console = anna.console(&kernel).await;
    let reset = |user: &str| format!("/api/admin/accounts/{user}/password");
    let temporary = json!({ "password": "temporary pass 4711" });

    for (who, path, body, status, key) in [
        (
            &lee,
            reset("lee"),
            temporary.clone(),
            403,
            Some("not_on_your_own_account"),
        ),
        (
            &lee,
            reset("olga"),
            temporary.clone(),
            404,
            Some("no_such_account"),
        ),
        (
            &lee,
            reset("nobody"),
            temporary.clone(),
            404,
            Some("no_such_account"),
        ),
        (
            &lee,
            reset("anna"),
            json!({ "password": "qwertyuiop" }),
            400,
            Some("password_too_common"),
        ),
        (
            &lee,
            reset("anna"),
            json!({ "password": "short" }),
            400,
            Some("password_too_short"),
        ),
        (&lee, reset("anna"), json!({ "pass": "x" }), 400, None),
        (&cara, reset("anna"), temporary.clone(), 403, None),
    ] {
        let answer = who.post(&path, body).await;
        match key {
            Some(key) => assert_eq!(refused(&answer, status), key),
            None => assert_eq!(answer.status, status, "{}", answer.text),
        }
    }
    // Refused, so nothing changed: the CSR is still signed in.
    assert_eq!(anna.get("/api/auth/me").await.status, 200);

    let done = lee.post(&reset("anna"), temporary.clone()).await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.body["must_change_password"], true);
    assert_eq!(console.close_code().await, Some(SIGNED_OUT));
    assert_eq!(anna.get("/api/auth/me").await.status, 401);

    // With the temporary password: signed in, but nothing opens until
    // they chose their own.
    let anna = sign_in(&kernel, "anna", "temporary pass 4711").await;
    assert_eq!(anna.account["must_change_password"], true);
    let me = anna.get("/api/auth/me").await;
    assert_eq!(me.body["account"]["must_change_password"], true);
    let blocked = anna
        .post("/api/plugins/echo/commands", json!({ "name": "ping" }))
        .await;
    assert_eq!(refused(&blocked, 403), "password_change_required");
    let console = WsClient::connect(
        &kernel.ws_url("/ws/console"),
        Some(&kernel.base_url),
        Some(&anna.cookie),
    )
    .await;
    assert_eq!(console.err(), Some(403));

    let changed = anna
        .post(
            "/api/auth/password",
            change("temporary pass 4711", "my own passphrase again"),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    let mut console = anna.console(&kernel).await;
    console
        .ok("presence.set", json!({ "available": true }))
        .await;

    assert_eq!(
        audit(&lee).await,
        [(
            "account.password_reset".to_owned(),
            "anna: password reset, to be changed at the next sign-in".to_owned()
        )]
    );
}

#[tokio::test]
async fn a_disabled_csr_is_signed_out_at_once_and_the_sessions_they_host_end() {
    let kernel = start_kernel();
    let lee = sign_in(&kernel, "lee", PASSWORD).await;
    let anna = sign_in(&kernel, "anna", PASSWORD).await;
    let cara = sign_in(&kernel, "cara", PASSWORD).await;
    let mut anna_console = anna.console(&kernel).await;
    let mut cara_console = cara.console(&kernel).await;

    // Anna hosts one session and assists in Cara's.
    let hosted = anna_console.start_session().await;
    let mut customer = Customer::join(&kernel, &hosted, "Carl Customer").await;
    let assisted = cara_console.start_session().await;
    anna_console
        .ok("session.assist", json!({ "session": assisted }))
        .await;
    cara_console.event("participant.joined").await;

    let disable = |body: Value| async { lee.put("/api/admin/accounts/anna/disabled", body).await };
    assert_eq!(
        refused(
            &lee.put(
                "/api/admin/accounts/lee/disabled",
                json!({ "disabled": true })
            )
            .await,
            403
        ),
        "not_on_your_own_account"
    );
    assert_eq!(disable(json!({ "disabled": "yes" })).await.status, 400);
    assert_eq!(anna.get("/api/auth/me").await.status, 200);

    let disabled = disable(json!({ "disabled": true })).await;
    assert_eq!(disabled.status, 200, "{}", disabled.text);
    assert_eq!(disabled.body["disabled"], true);

    assert_eq!(anna_console.close_code().await, Some(SIGNED_OUT));
    let ended = customer.page.event("session.ended").await;
    assert_eq!(ended["session"], hosted.as_str());
    assert_eq!(
        ended["reason"],
        "Anna Berg's account was closed by Lee Admin"
    );
    assert_eq!(
        ended["detail"],
        json!({ "key": "account_closed", "params": { "name": "Anna Berg", "by": "Lee Admin" } })
    );
    // Cara's session goes on without her.
    let left = cara_console.event("participant.left").await;
    assert_eq!(left["session"], assisted.as_str());
    cara_console
        .ok("session.info", json!({ "session": assisted }))
        .await;

    let report = lee
        .get(&format!("/api/sessions/{hosted}/report?format=json"))
        .await;
    assert_eq!(report.status, 200, "{}", report.text);
    assert!(
        report
            .text
            .contains("Anna Berg's account was closed by Lee Admin"),
        "{}",
        report.text
    );

    // Her right password says the account is disabled; a wrong one says
    // no more than for anyone.
    let refused_in = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .err()
        .expect("refused");
    assert_eq!(refused(&refused_in, 403), "account_disabled");
    let wrong = Csr::sign_in(&kernel, "anna", "not her password")
        .await
        .err()
        .expect("refused");
    assert_eq!(refused(&wrong, 403), "wrong_credentials");
    assert_eq!(anna.get("/api/auth/me").await.status, 401);

    let enabled = disable(json!({ "disabled": false })).await;
    assert_eq!(enabled.status, 200, "{}", enabled.text);
    assert_eq!(enabled.body["disabled"], false);
    sign_in(&kernel, "anna", PASSWORD).await;

    assert_eq!(
        audit(&lee).await,
        [
            ("account.disabled".to_owned(), "anna".to_owned()),
            ("account.enabled".to_owned(), "anna".to_owned()),
        ]
    );
}

#[tokio::test]
async fn a_deleted_account_is_gone_and_the_reports_keep_its_name() {
    let kernel = start_kernel();
    let lee = sign_in(&kernel, "lee", PASSWORD).await;
    let anna = sign_in(&kernel, "anna", PASSWORD).await;
    let mut console = anna.console(&kernel).await;
    let earlier = console.start_session().await;
    console
        .ok("session.end", json!({ "session": earlier }))
        .await;
    let running = console.start_session().await;
    let mut customer = Customer::join(&kernel, &running, "Carl Customer").await;

    assert_eq!(
        refused(&lee.delete("/api/admin/accounts/lee").await, 403),
        "not_on_your_own_account"
    );
    assert_eq!(
        refused(&lee.delete("/api/admin/accounts/olga").await, 404),
        "no_such_account"
    );

    let deleted = lee.delete("/api/admin/accounts/anna").await;
    assert_eq!(deleted.status, 200, "{}", deleted.text);
    assert_eq!(console.close_code().await, Some(SIGNED_OUT));
    let ended = customer.page.event("session.ended").await;
    assert_eq!(
        ended["reason"],
        "Anna Berg's account was closed by Lee Admin"
    );
    assert_eq!(
        refused(
            &Csr::sign_in(&kernel, "anna", PASSWORD)
                .await
                .err()
                .expect("gone"),
            403
        ),
        "wrong_credentials"
    );
    let accounts = lee.get("/api/admin/accounts").await;
    assert!(!accounts.text.contains("\"anna\""), "{}", accounts.text);

    for number in [&earlier, &running] {
        let report = lee
            .get(&format!("/api/sessions/{number}/report?format=json"))
            .await;
        assert_eq!(report.status, 200, "{}", report.text);
        assert!(report.text.contains("Anna Berg"), "{}", report.text);
    }
    // The name is free again.
    let again = lee
        .post(
            "/api/admin/accounts",
            json!({ "username": "anna", "display_name": "Anna Ny", "password": "a long enough password" }),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.text);

    assert_eq!(
        audit(&lee)
            .await
            .into_iter()
            .map(|(action, _)| action)
            .collect::<Vec<_>>(),
        ["account.deleted", "account.created"]
    );
}
