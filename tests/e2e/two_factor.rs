//! Two-factor sign-in (issue 19): a CSR sets up TOTP from a QR code's
//! secret and signs in with a generated code; a wrong code, a code used
//! already and a recovery code used twice are refused (and count as failed
//! sign-ins); a recovery code signs in once. A site that requires it holds
//! its CSRs at the set-up until they did it; a site admin resets a lost
//! one.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tether_tests::clients::{Answer, Csr, WsClient, post_json};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};
use totp_rs::{Builder, Secret};

const PASSWORD: &str = "correct horse battery";

fn start_kernel() -> KernelProcess {
    let accounts = [
        TestAccount::csr("anna", "Anna Berg", "default"),
        TestAccount {
            role: "admin",
            ..TestAccount::csr("lee", "Lee Admin", "default")
        },
    ];
    KernelProcess::configure(
        &fixture_manifests(),
        "[sites.default]\nname = \"Default\"\nplugins = [\"echo\"]\n",
        &accounts,
    )
    .launch()
}

/// The code an authenticator app shows for `secret`, `steps_ahead` steps
/// of 30 s from now (the kernel allows one step of clock skew).
fn code(secret: &str, steps_ahead: u64) -> String {
    let totp = Builder::new()
        .with_secret(Secret::try_from_base32(secret).expect("base32"))
        .build()
        .expect("a generator");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    totp.generate(now + 30 * steps_ahead).to_string()
}

fn key(answer: &Answer, status: u16) -> String {
    assert_eq!(answer.status, status, "{}", answer.text);
    answer.body["detail"]["key"]
        .as_str()
        .unwrap_or_else(|| panic!("a detail: {}", answer.text))
        .to_owned()
}

async fn sign_in(kernel: &KernelProcess, username: &str, code: Option<&str>) -> Answer {
    let mut body = json!({ "username": username, "password": PASSWORD });
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    post_json(kernel, "/api/auth/signin", body).await
}

/// Sets up a second factor for `csr`: the secret, the recovery codes, and
/// the code that confirmed it (used up by that).
async fn set_up(csr: &Csr) -> (String, Vec<String>, String) {
    let started = csr.post("/api/auth/two-factor/start", json!({})).await;
    assert_eq!(started.status, 200, "{}", started.text);
    let secret = started.body["secret"].as_str().expect("secret").to_owned();
    let url = started.body["otpauth_url"].as_str().expect("url");
    assert!(url.starts_with("otpauth://totp/Tether:"), "{url}");
    assert!(url.contains(&format!("secret={secret}")), "{url}");
    let qr = started.body["qr_svg"].as_str().expect("qr");
    assert!(qr.contains("<svg"), "a QR code: {qr}");
    let first = code(&secret, 0);
    let confirmed = csr
        .post("/api/auth/two-factor/confirm", json!({ "code": first }))
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    assert_eq!(confirmed.body["account"]["two_factor"], true);
    let recovery: Vec<String> =
        serde_json::from_value(confirmed.body["recovery_codes"].clone()).expect("recovery codes");
    (secret, recovery, first)
}

#[tokio::test]
async fn a_csr_sets_up_two_factor_and_signs_in_with_codes_each_used_once() {
    let kernel = start_kernel();
    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    assert_eq!(anna.account["two_factor"], false);

    // Confirming needs an enrolment, then a right code.
    assert_eq!(
        key(
            &anna
                .post("/api/auth/two-factor/confirm", json!({ "code": "123456" }))
                .await,
            409
        ),
        "no_two_factor_enrolment"
    );
    let started = anna.post("/api/auth/two-factor/start", json!({})).await;
    assert_eq!(started.status, 200, "{}", started.text);
    for wrong in ["000000", "12345", "not a code"] {
        let refused = anna
            .post("/api/auth/two-factor/confirm", json!({ "code": wrong }))
            .await;
        assert_eq!(key(&refused, 403), "wrong_two_factor_code", "{wrong}");
    }
    // Still off: the password alone signs in.
    assert_eq!(sign_in(&kernel, "anna", None).await.status, 200);
    let (secret, recovery, first) = set_up(&anna).await;
    assert_eq!(recovery.len(), 10);
    assert_eq!(
        key(
            &anna.post("/api/auth/two-factor/start", json!({})).await,
            409
        ),
        "two_factor_already_on"
    );

    // Now the password alone is not enough.
    assert_eq!(
        key(&sign_in(&kernel, "anna", None).await, 403),
        "two_factor_code_needed"
    );
    assert_eq!(
        key(&sign_in(&kernel, "anna", Some("000000")).await, 403),
        "wrong_two_factor_code"
    );
    // The code that confirmed the set-up is used already; the next one
    // works once.
    assert_eq!(
        key(&sign_in(&kernel, "anna", Some(&first)).await, 403),
        "two_factor_code_used"
    );
    let next = code(&secret, 1);
    let signed = sign_in(&kernel, "anna", Some(&next)).await;
    assert_eq!(signed.status, 200, "{}", signed.text);
    assert_eq!(signed.body["account"]["two_factor"], true);
    assert_eq!(
        key(&sign_in(&kernel, "anna", Some(&next)).await, 403),
        "two_factor_code_used"
    );
    // Turning it off takes the password.
    assert_eq!(
        key(
            &anna
                .post(
                    "/api/auth/two-factor/remove",
                    json!({ "password": "wrong one" })
                )
                .await,
            403
        ),
        "wrong_current_password"
    );
    let removed = anna
        .post(
            "/api/auth/two-factor/remove",
            json!({ "password": PASSWORD }),
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    assert_eq!(removed.body["account"]["two_factor"], false);

    // On again, with new recovery codes: one, typed loosely, works once.
    let (_, recovery, _) = set_up(&anna).await;
    let loose = recovery[2].to_lowercase().replace('-', " ");
    assert_eq!(sign_in(&kernel, "anna", Some(&loose)).await.status, 200);
    assert_eq!(
        key(&sign_in(&kernel, "anna", Some(&recovery[2])).await, 403),
        "wrong_two_factor_code"
    );
    // A right password with a wrong code is no way around the limit.
    let mut limited = None;
    for _ in 0..20 {
        let answer = sign_in(&kernel, "anna", Some("999999")).await;
        if answer.status == 429 {
            limited = Some(answer);
            break;
        }
    }
    let limited = limited.expect("wrong codes hit the sign-in limit");
    assert_eq!(key(&limited, 429), "too_many_sign_ins");
}

#[tokio::test]
async fn a_site_requiring_two_factor_holds_its_csrs_until_they_set_it_up() {
    let kernel = start_kernel();
    let lee = Csr::sign_in(&kernel, "lee", PASSWORD)
        .await
        .expect("signs in");
    set_up(&lee).await;
    let site = lee.get("/api/admin/site").await;
    assert_eq!(site.body["two_factor"], "optional", "{}", site.text);
    let mut changed = site.body.clone();
    let object = changed.as_object_mut().expect("an object");
    for read_only in ["id", "available", "all_plugins"] {
        object.remove(read_only);
    }
    object.insert("two_factor".into(), json!("everyone"));
    let saved = lee.put("/api/admin/site", changed.clone()).await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    assert_eq!(saved.body["two_factor"], "everyone");
    // A client that does not know the setting leaves it as it is.
    object_without(&mut changed, "two_factor");
    let kept = lee.put("/api/admin/site", changed).await;
    assert_eq!(kept.body["two_factor"], "everyone", "{}", kept.text);

    // Anna signs in with her password, and nothing opens but the set-up.
    let anna = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    assert_eq!(anna.account["must_set_up_two_factor"], true);
    let blocked = anna
        .post("/api/plugins/echo/commands", json!({ "name": "ping" }))
        .await;
    assert_eq!(key(&blocked, 403), "two_factor_enrolment_required");
    let console = WsClient::connect(
        &kernel.ws_url("/ws/console"),
        Some(&kernel.base_url),
        Some(&anna.cookie),
    )
    .await;
    assert_eq!(console.err(), Some(403));
    let (anna_secret, _, _) = set_up(&anna).await;
    let me = anna.get("/api/auth/me").await;
    assert_eq!(me.body["account"]["must_set_up_two_factor"], false);
    let mut console = anna.console(&kernel).await;
    console
        .ok("presence.set", json!({ "available": true }))
        .await;
    // Required: it cannot be turned off.
    assert_eq!(
        key(
            &anna
                .post(
                    "/api/auth/two-factor/remove",
                    json!({ "password": PASSWORD })
                )
                .await,
            403
        ),
        "two_factor_required_by_site"
    );
    assert_eq!(
        sign_in(&kernel, "anna", Some(&code(&anna_secret, 1)))
            .await
            .status,
        200
    );

    // A lost phone: the admin resets it; Anna is signed out, signs in with
    // her password and must set it up again.
    let reset = lee
        .post("/api/admin/accounts/anna/two-factor/reset", json!({}))
        .await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    assert_eq!(
        console.close_code().await,
        Some(tether_protocol::SIGNED_OUT_CLOSE_CODE)
    );
    let again = Csr::sign_in(&kernel, "anna", PASSWORD)
        .await
        .expect("signs in");
    assert_eq!(again.account["must_set_up_two_factor"], true);
    assert_eq!(
        key(
            &lee.post("/api/admin/accounts/lee/two-factor/reset", json!({}))
                .await,
            403
        ),
        "not_on_your_own_account"
    );

    let audit = lee.get("/api/admin/audit").await;
    let details: Vec<&str> = audit.body["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|line| line["detail"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        details,
        [
            "anna: two-factor sign-in removed, to be set up again",
            "two-factor sign-in optional → everyone",
        ]
    );
}

fn object_without(value: &mut Value, field: &str) {
    if let Some(object) = value.as_object_mut() {
        object.remove(field);
    }
}
