//! Sites edited at run time by their admin: the change applies to the next
//! session, join and plugin command at once, survives a restart, and the
//! configuration file only seeds sites the database does not have yet.

use serde_json::{Value, json};
use tether_tests::clients::{Csr, Customer, post_json};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, StoppedKernel, TestAccount};

const PASSWORD: &str = "correct horse battery";

const CONFIG: &str = r#"
[sessions]
join_attempts_per_minute = 1000

[sites.default]
name = "Default"
plugins = ["echo"]
session_mode = "single"
max_customers_per_csr = 5

[sites.other]
name = "Other"
plugins = ["*"]
"#;

fn configured() -> StoppedKernel {
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
    KernelProcess::configure(&fixture_manifests(), CONFIG, &accounts)
}

async fn sign_in(kernel: &KernelProcess, username: &str) -> Csr {
    Csr::sign_in(kernel, username, PASSWORD)
        .await
        .expect("signs in")
}

/// The mode of a new session `csr` starts from their console.
async fn new_session(kernel: &KernelProcess, csr: &Csr) -> (String, String) {
    let mut console = csr.console(kernel).await;
    let started = console.ok("session.start", json!({})).await;
    (
        started["session"].as_str().expect("number").to_owned(),
        started["mode"].as_str().expect("mode").to_owned(),
    )
}

async fn echo(csr: &Csr) -> (u16, Value) {
    let answer = csr
        .post(
            "/api/plugins/echo/commands",
            json!({ "name": "echo", "payload": { "n": 1 } }),
        )
        .await;
    (answer.status, answer.body)
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|v| v.as_str().or_else(|| v["id"].as_str()).expect("id"))
        .collect()
}

#[tokio::test]
async fn an_admin_edits_the_site_it_applies_at_once_and_survives_a_restart() {
    let stopped = configured();
    let kernel = stopped.launch();
    let lee = sign_in(&kernel, "lee").await;
    let anna = sign_in(&kernel, "anna").await;

    let site = lee.get("/api/admin/site").await;
    assert_eq!(site.status, 200, "{}", site.text);
    assert_eq!(site.body["id"], "default");
    assert_eq!(site.body["name"], "Default");
    assert_eq!(site.body["plugins"], json!(["echo"]));
    assert_eq!(site.body["all_plugins"], false);
    assert_eq!(site.body["session_mode"], "single");
    assert_eq!(site.body["max_customers_per_csr"], 5);
    let available = &site.body["available"];
    assert!(ids(available).contains(&"echo"), "{available}");
    assert!(ids(available).contains(&"panics"), "{available}");
    let echo_entry = available
        .as_array()
        .expect("list")
        .iter()
        .find(|p| p["id"] == "echo")
        .expect("echo");
    assert!(echo_entry["name"].is_string() && echo_entry["description"].is_string());

    let (first_session, mode) = new_session(&kernel, &anna).await;
    assert_eq!(mode, "single");
    assert_eq!(echo(&anna).await, (200, json!({ "n": 1 })));

    let changed = lee
        .put(
            "/api/admin/site",
            json!({ "name": "Default support", "plugins": ["panics"], "session_mode": "multi", "max_customers_per_csr": 1 }),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.body["name"], "Default support");
    assert_eq!(changed.body["plugins"], json!(["panics"]));
    assert_eq!(changed.body["session_mode"], "multi");
    assert_eq!(changed.body["max_customers_per_csr"], 1);
    assert_eq!(lee.get("/api/admin/site").await.body, changed.body);

    // In effect at once: the disabled plugin's commands are refused...
    let (status, body) = echo(&anna).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"]
            .as_str()
            .expect("error")
            .contains("not enabled"),
        "{body}"
    );
    // ...the next session uses the new mode...
    let (second_session, mode) = new_session(&kernel, &anna).await;
    assert_eq!(mode, "multi");
    // ...and the CSR may assist one customer at a time.
    Customer::join(&kernel, &first_session, "Carl").await;
    let refused = post_json(
        &kernel,
        "/api/join",
        json!({ "session": second_session, "display_name": "Dora" }),
    )
    .await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert_eq!(refused.body["code"], "limit");

    // The listing agrees, and tells Anna of her own site only; the other
    // site is untouched.
    let listed = anna.get("/api/sites").await;
    let default = listed
        .body
        .as_array()
        .expect("sites")
        .iter()
        .find(|s| s["id"] == "default")
        .expect("default")
        .clone();
    assert_eq!(default["name"], "Default support");
    assert_eq!(default["plugins"], json!(["panics"]));
    assert_eq!(ids(&listed.body), ["default"]);
    let olga = sign_in(&kernel, "olga").await;
    let other = olga.get("/api/admin/site").await.body;
    assert_eq!(other["id"], "other");
    assert_eq!(other["name"], "Other");
    assert_eq!(other["all_plugins"], true);

    // A restart with a file that says otherwise about `default` and adds a
    // site: the stored site wins, the new one is seeded.
    let stopped = kernel.stop();
    stopped.edit_config(|text| {
        text.replace("max_customers_per_csr = 5", "max_customers_per_csr = 4")
            + "\n[sites.lab]\nname = \"Lab\"\nplugins = []\n"
    });
    let kernel = stopped.launch_logging("info");
    let lee = sign_in(&kernel, "lee").await;
    assert_eq!(lee.get("/api/admin/site").await.body, changed.body);
    let anna = sign_in(&kernel, "anna").await;
    assert_eq!(new_session(&kernel, &anna).await.1, "multi");
    assert_eq!(echo(&anna).await.0, 403);
    let listed = anna.get("/api/sites").await;
    assert_eq!(ids(&listed.body), ["default"]);
    assert_eq!(
        kernel.get_json("/api/sites/lab/plugins").await,
        (200, json!([]))
    );
    let log = std::fs::read_to_string(kernel.log_path()).expect("log");
    assert!(
        log.lines()
            .any(|l| l.contains("sites seeded from the configuration") && l.contains("lab")),
        "{log}"
    );

    // Enabling it again works at once too.
    let back = lee
        .put(
            "/api/admin/site",
            json!({ "name": "Default", "plugins": ["*"], "session_mode": "single", "max_customers_per_csr": 5 }),
        )
        .await;
    assert_eq!(back.status, 200, "{}", back.text);
    assert_eq!(back.body["all_plugins"], true);
    assert_eq!(echo(&anna).await, (200, json!({ "n": 1 })));
}

#[tokio::test]
async fn refused_changes_leave_the_site_as_it_was() {
    let kernel = configured().launch();
    let lee = sign_in(&kernel, "lee").await;
    let anna = sign_in(&kernel, "anna").await;
    let before = lee.get("/api/admin/site").await.body;
    let valid = json!({ "name": "Changed", "plugins": [], "session_mode": "multi", "max_customers_per_csr": 2 });

    // Signed out, a CSR, no CSRF token.
    let http = reqwest::Client::new();
    let signed_out = http
        .get(kernel.url("/api/admin/site"))
        .send()
        .await
        .expect("request");
    assert_eq!(signed_out.status().as_u16(), 401);
    let signed_out = http
        .put(kernel.url("/api/admin/site"))
        .json(&valid)
        .send()
        .await
        .expect("request");
    assert_eq!(signed_out.status().as_u16(), 401);
    assert_eq!(anna.get("/api/admin/site").await.status, 403);
    let csr = anna.put("/api/admin/site", valid.clone()).await;
    assert_eq!(csr.status, 403, "{}", csr.text);
    let csr_bad_body = anna.put("/api/admin/site", json!({ "colour": 1 })).await;
    assert_eq!(csr_bad_body.status, 403, "the role is checked first");
    let no_csrf = lee.put_with("/api/admin/site", valid.clone(), None).await;
    assert_eq!(no_csrf.status, 403);
    assert!(no_csrf.text.contains("CSRF"), "{}", no_csrf.text);
    assert_eq!(lee.get("/api/admin/site").await.body, before);

    let with = |field: &str, value: Value| {
        let mut body = valid.clone();
        body[field] = value;
        body
    };
    let without_mode = {
        let mut body = valid.clone();
        body.as_object_mut().expect("object").remove("session_mode");
        body
    };
    for (body, words) in [
        (
            with("plugins", json!(["echo", "nope"])),
            "plugin `nope` is not loaded",
        ),
        (
            with("max_customers_per_csr", json!(0)),
            "max_customers_per_csr must be at least 1",
        ),
        (
            with("max_customers_per_csr", json!(-1)),
            "max_customers_per_csr",
        ),
        (with("session_mode", json!("both")), "both"),
        (with("colour", json!("blue")), "colour"),
        (with("plugins", json!(["*", "echo"])), "cannot be combined"),
        (with("plugins", json!(["echo", "echo"])), "listed twice"),
        (with("name", json!("  ")), "needs a name"),
        (without_mode, "session_mode"),
    ] {
        let refused = lee.put("/api/admin/site", body.clone()).await;
        assert_eq!(refused.status, 400, "{body}: {}", refused.text);
        assert_eq!(refused.body["code"], "malformed", "{}", refused.text);
        let error = refused.body["error"].as_str().expect("error");
        assert!(error.contains(words), "{body}: {error}");
        assert_eq!(
            lee.get("/api/admin/site").await.body,
            before,
            "{body} changed the site"
        );
    }
    let anna_mode = new_session(&kernel, &anna).await.1;
    assert_eq!(anna_mode, "single", "sessions still use the stored mode");
}
