//! Session history and report retention (issue 19): a CSR finds their own
//! past sessions, a site admin all of the site's, by date, CSR, customer
//! name and outcome, each opening its report; a site keeping reports N
//! days loses the older ones (running sessions never), at once when its
//! admin sets it. Bad searches are refused clearly.

use serde_json::{Value, json};
use tether_kernel::storage::{
    ParticipantRecord, ParticipantRole, ReportEntry, SessionMode, SessionRecord, SessionStatus,
    SqliteStorage, Storage, now_millis,
};
use tether_tests::clients::{Answer, Csr, Customer};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};

const PASSWORD: &str = "correct horse battery";
const DAY: i64 = 86_400_000;

fn accounts() -> [TestAccount; 3] {
    [
        TestAccount::csr("anna", "Anna Berg", "default"),
        TestAccount::csr("bolind", "Bo Lind", "default"),
        TestAccount {
            role: "admin",
            ..TestAccount::csr("lee", "Lee Admin", "default")
        },
    ]
}

fn start_kernel() -> KernelProcess {
    KernelProcess::configure(
        &fixture_manifests(),
        "[sites.default]\nname = \"Default\"\nplugins = [\"echo\"]\n",
        &accounts(),
    )
    .launch()
}

async fn sign_in(kernel: &KernelProcess, username: &str) -> Csr {
    Csr::sign_in(kernel, username, PASSWORD)
        .await
        .unwrap_or_else(|refused| panic!("{username}: {}", refused.text))
}

/// The numbers `csr` finds with `query` (a URL query, may be empty).
async fn found(csr: &Csr, query: &str) -> Vec<String> {
    let answer = csr.get(&format!("/api/sessions/history?{query}")).await;
    assert_eq!(answer.status, 200, "{query}: {}", answer.text);
    answer.body["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|s| s["number"].as_str().expect("number").to_owned())
        .collect()
}

fn today() -> String {
    humantime::format_rfc3339(std::time::SystemTime::now()).to_string()[..10].to_owned()
}

/// A session `host` starts with `customer` in it; ended by them when
/// `end`.
async fn session(kernel: &KernelProcess, host: &Csr, customer: &str, end: bool) -> String {
    let mut console = host.console(kernel).await;
    let number = console.start_session().await;
    let _customer = Customer::join(kernel, &number, customer).await;
    console.event("participant.joined").await;
    if end {
        console
            .ok("session.end", json!({ "session": number }))
            .await;
    }
    number
}

#[tokio::test]
async fn csrs_find_their_sessions_and_site_admins_all_of_the_sites() {
    let kernel = start_kernel();
    let (anna, bo, lee) = (
        sign_in(&kernel, "anna").await,
        sign_in(&kernel, "bolind").await,
        sign_in(&kernel, "lee").await,
    );
    let carl = session(&kernel, &anna, "Carl Carlsen", true).await;
    let dora = session(&kernel, &anna, "Dora Dahl", false).await;
    let erik = session(&kernel, &bo, "Erik Ek", true).await;

    // Newest first; a CSR sees their own, the admin the site's.
    assert_eq!(found(&anna, "").await, [dora.clone(), carl.clone()]);
    assert_eq!(found(&bo, "").await, vec![erik.clone()]);
    assert_eq!(
        found(&lee, "").await,
        [erik.clone(), dora.clone(), carl.clone()]
    );
    let listed = lee.get("/api/sessions/history").await;
    let first: &Value = &listed.body["sessions"][2];
    assert_eq!(first["csrs"], json!(["Anna Berg"]));
    assert_eq!(first["customers"], json!(["Carl Carlsen"]));
    assert_eq!(first["status"], "ended");
    assert_eq!(first["outcome"], "ended_by_host");
    assert_eq!(first["reason"], "ended by Anna Berg");
    assert_eq!(listed.body["all_of_the_site"], true);

    for (query, expected) in [
        ("customer=dora", vec![dora.clone()]),
        ("customer=%25", vec![]),
        ("csr=LIND", vec![erik.clone()]),
        ("outcome=running", vec![dora.clone()]),
        ("outcome=ended_by_host", vec![erik.clone(), carl.clone()]),
        (
            &format!("from={}&to={}", today(), today()),
            vec![erik.clone(), dora.clone(), carl.clone()],
        ),
        ("from=2001-01-01&to=2001-12-31", vec![]),
        ("limit=1", vec![erik.clone()]),
    ] {
        assert_eq!(found(&lee, query).await, expected, "{query}");
    }

    // Each opens its report; another CSR's stays closed to Anna.
    let report = anna
        .get(&format!("/api/sessions/{carl}/report?format=json"))
        .await;
    assert_eq!(report.status, 200, "{}", report.text);
    assert!(report.text.contains("Carl Carlsen"), "{}", report.text);
    assert_eq!(
        anna.get(&format!("/api/sessions/{erik}/report"))
            .await
            .status,
        404
    );

    for query in [
        "from=2026-13-45",
        "from=yesterday",
        "from=2026-12-02&to=2026-12-01",
        "outcome=nope",
        "limit=0",
        "limit=100000",
        "unknown=1",
    ] {
        let refused: Answer = lee.get(&format!("/api/sessions/history?{query}")).await;
        assert_eq!(refused.status, 400, "{query}: {}", refused.text);
    }
    let long = "x".repeat(81);
    assert_eq!(
        lee.get(&format!("/api/sessions/history?customer={long}"))
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn a_site_keeping_reports_thirty_days_loses_the_older_ones_at_once() {
    let kernel = start_kernel();
    let anna = sign_in(&kernel, "anna").await;
    let recent = session(&kernel, &anna, "Carl Carlsen", true).await;

    // A session that ended 40 days ago, as the database would hold it.
    let stopped = kernel.stop();
    {
        let storage = SqliteStorage::open(&stopped.data_dir().join("tether.db"))
            .await
            .expect("the kernel's database");
        let long_ago = now_millis() - 40 * DAY;
        let anna_id = storage
            .account_by_username("anna")
            .await
            .expect("read")
            .expect("anna")
            .id;
        storage
            .create_session(SessionRecord {
                number: "123123123".into(),
                site: "default".into(),
                mode: SessionMode::Single,
                started_by: Some(anna_id),
                status: SessionStatus::Active,
                started_at: long_ago,
                ended_at: None,
                end_reason: None,
            })
            .await
            .expect("old session");
        storage
            .add_participant(ParticipantRecord {
                id: "p-old-host".into(),
                session: "123123123".into(),
                role: ParticipantRole::Host,
                display_name: "Anna Berg".into(),
                account_id: Some(anna_id),
                join_token_hash: None,
                joined_at: long_ago,
                left_at: None,
            })
            .await
            .expect("host");
        storage
            .append_event(
                "123123123",
                ReportEntry {
                    at: long_ago,
                    kind: "chat".into(),
                    actor: "Anna Berg".into(),
                    detail: "long ago".into(),
                },
            )
            .await
            .expect("report line");
        storage
            .end_session(
                "123123123",
                long_ago + 1000,
                "ended by Anna Berg",
                "ended_by_host",
            )
            .await
            .expect("ended");
    }
    let kernel = stopped.launch();
    let anna = sign_in(&kernel, "anna").await;
    let lee = sign_in(&kernel, "lee").await;
    // Kept for good by default.
    assert_eq!(
        found(&anna, "").await,
        [recent.clone(), "123123123".to_owned()]
    );
    let old_report = "/api/sessions/123123123/report";
    assert_eq!(anna.get(old_report).await.status, 200);

    let mut site = lee.get("/api/admin/site").await.body;
    for read_only in ["id", "available", "all_plugins"] {
        site.as_object_mut().expect("object").remove(read_only);
    }
    for (days, key) in [
        (json!(40_000), "site_retention_too_long"),
        (json!(-1), "site_retention_too_long"),
    ] {
        site["report_retention_days"] = days;
        let refused = lee.put("/api/admin/site", site.clone()).await;
        assert_eq!(refused.status, 400, "{}", refused.text);
        assert_eq!(refused.body["detail"]["key"], key);
    }
    assert_eq!(
        anna.get(old_report).await.status,
        200,
        "a refused change purges nothing"
    );

    site["report_retention_days"] = json!(30);
    let saved = lee.put("/api/admin/site", site).await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    assert_eq!(saved.body["report_retention_days"], 30);
    assert_eq!(anna.get(old_report).await.status, 404);
    assert_eq!(found(&anna, "").await, vec![recent.clone()]);
    assert_eq!(
        anna.get(&format!("/api/sessions/{recent}/report"))
            .await
            .status,
        200
    );
    let audit = lee.get("/api/admin/audit").await;
    assert_eq!(
        audit.body["lines"][0]["detail"], "reports kept for good → 30 days",
        "{}",
        audit.text
    );
}
