//! The audit log over REST (issue 19): a site admin's account and site
//! changes are each a line — who, what, when, from where — newest first,
//! for that site's admins only; a request that changes nothing, or is
//! refused, leaves none; the CSV download quotes what people typed and
//! never lets a cell start a spreadsheet formula.

use serde_json::{Value, json};
use tether_tests::clients::Csr;
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};

const PASSWORD: &str = "correct horse battery";

const CONFIG: &str = r#"
[sites.default]
name = "Default"
plugins = ["echo"]

[sites.other]
name = "Other"
plugins = []
"#;

async fn patch(kernel: &KernelProcess, admin: &Csr, user: &str, body: Value) -> u16 {
    tether_tests::tls::http_client()
        .patch(kernel.url(&format!("/api/admin/accounts/{user}")))
        .header("cookie", &admin.cookie)
        .header("x-csrf-token", &admin.csrf)
        .json(&body)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

/// The audit lines `admin` sees, newest first.
async fn lines(admin: &Csr) -> Vec<Value> {
    let answer = admin.get("/api/admin/audit").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.body["lines"].as_array().expect("lines").clone()
}

#[tokio::test]
async fn admin_changes_are_audited_with_who_what_when_and_from_where() {
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
    let kernel = KernelProcess::configure(&fixture_manifests(), CONFIG, &accounts).launch();
    let sign_in = async |name: &str| {
        Csr::sign_in(&kernel, name, PASSWORD)
            .await
            .expect("signs in")
    };
    let (lee, olga, cara) = (
        sign_in("lee").await,
        sign_in("olga").await,
        sign_in("cara").await,
    );
    assert!(lines(&lee).await.is_empty());

    // An account, whose name a spreadsheet would take for a formula.
    let created = lee
        .post(
            "/api/admin/accounts",
            json!({ "username": "dora", "display_name": "=HYPERLINK(\"http://x\")",
                    "password": "a long enough password", "webacd_agent": true }),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    // A change, then the same again (nothing changes), then refusals.
    assert_eq!(
        patch(&kernel, &lee, "anna", json!({ "role": "admin" })).await,
        200
    );
    assert_eq!(
        patch(&kernel, &lee, "anna", json!({ "role": "admin" })).await,
        200
    );
    assert_eq!(
        patch(&kernel, &lee, "lee", json!({ "role": "csr" })).await,
        403
    );
    assert_eq!(
        patch(&kernel, &lee, "olga", json!({ "webacd_agent": true })).await,
        404
    );
    assert_eq!(
        patch(&kernel, &cara, "anna", json!({ "role": "csr" })).await,
        403
    );
    // The site's plugins and limit.
    let site = json!({ "name": "Default", "plugins": ["*"], "session_mode": "single",
                       "max_customers_per_csr": 2 });
    let changed = lee.put("/api/admin/site", site.clone()).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(lee.put("/api/admin/site", site).await.status, 200);

    let seen = lines(&lee).await;
    let summary: Vec<(&str, &str)> = seen
        .iter()
        .map(|l| {
            (
                l["action"].as_str().expect("action"),
                l["detail"].as_str().expect("detail"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "site.changed",
                "plugins echo → every plugin; customers per CSR 5 → 2"
            ),
            ("account.changed", "anna: role csr → admin"),
            (
                "account.created",
                "dora (=HYPERLINK(\"http://x\")): csr, WebACD agent"
            ),
        ],
        "{seen:?}"
    );
    for line in &seen {
        assert_eq!(line["admin"], "lee");
        assert_eq!(line["admin_name"], "Lee Admin");
        assert_eq!(line["from"], "127.0.0.1");
        let at = line["at"].as_str().expect("at");
        assert!(at.starts_with("20") && at.ends_with('Z'), "{at}");
    }

    // Only this site's admins read it.
    assert!(lines(&olga).await.is_empty(), "another site's log");
    assert_eq!(cara.get("/api/admin/audit").await.status, 403);
    assert_eq!(lee.get("/api/admin/audit?format=xml").await.status, 400);

    // The download: a CSV file, quoted, no cell starting a formula.
    let file = tether_tests::tls::http_client()
        .get(kernel.url("/api/admin/audit?format=csv"))
        .header("cookie", &lee.cookie)
        .send()
        .await
        .expect("download");
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        file.headers()["content-disposition"]
            .to_str()
            .expect("header")
            .starts_with("attachment; filename=\"tether-audit-default.csv\"")
    );
    let text = file.text().await.expect("CSV");
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "at,admin,admin_name,from,action,detail");
    assert_eq!(rows.len(), 4, "{text}");
    assert!(
        rows[3].ends_with(",lee,Lee Admin,127.0.0.1,account.created,\"dora (=HYPERLINK(\"\"http://x\"\")): csr, WebACD agent\""),
        "{}",
        rows[3]
    );
}
