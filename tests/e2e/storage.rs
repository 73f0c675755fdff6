//! The storage test suite, run against both back ends: the embedded SQLite
//! database and PostgreSQL (a private server the test starts). Every case
//! runs once per back end on fresh storage, so the two cannot drift apart
//! in what they keep, refuse or order.

use std::future::Future;
use std::sync::Arc;

use tether_kernel::plugin_host::services::PluginScope;
use tether_kernel::storage::{
    AccountRole, AuditEntry, GrantRecord, HistoryEntry, HistoryQuery, NewAccount,
    ParticipantRecord, ParticipantRole, PostgresStorage, ReportEntry, SessionMode, SessionRecord,
    SessionStatus, SiteRecord, SqliteStorage, Storage, StorageError, TwoFactorRule, WebSession,
};
use tether_tests::postgres::PrivatePostgres;

/// Storage of one back end that a case may open several times (to check
/// what survives reopening).
enum Backend {
    Sqlite(tempfile::TempDir),
    Postgres {
        url: String,
        _server: PrivatePostgres,
    },
}

impl Backend {
    async fn open(&self) -> Arc<dyn Storage> {
        match self {
            Backend::Sqlite(dir) => Arc::new(
                SqliteStorage::open(&dir.path().join("tether.db"))
                    .await
                    .expect("SQLite opens"),
            ),
            Backend::Postgres { url, .. } => {
                Arc::new(PostgresStorage::open(url).await.expect("PostgreSQL opens"))
            }
        }
    }
}

async fn sqlite() -> Backend {
    Backend::Sqlite(tempfile::tempdir().expect("temp dir"))
}

async fn postgres() -> Backend {
    let server = PrivatePostgres::start().await;
    let url = server.new_database().await;
    Backend::Postgres {
        url,
        _server: server,
    }
}

/// Each case as a test per back end: `sqlite::<case>` and `postgres::<case>`.
macro_rules! suite {
    ($($case:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::sqlite().await).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::postgres().await).await;
                }
            )+
        }
    };
}

suite!(
    checks_that_storage_answers,
    accounts_are_unique_by_username_ignoring_case,
    accounts_are_listed_by_site_and_updated,
    of_racing_creations_of_one_user_name_one_wins,
    signed_in_browsers_are_kept_until_deleted,
    passwords_are_reset_accounts_disabled_and_deleted_keeping_their_sessions,
    a_second_factor_is_enrolled_and_each_code_used_once,
    the_history_is_searched_and_old_reports_purged,
    sessions_are_numbered_uniquely_and_end_once,
    participants_belong_to_a_stored_session,
    resume_tokens_rotate_and_the_previous_one_stays_valid,
    grants_are_revoked_once,
    of_racing_revocations_of_one_grant_one_wins,
    report_lines_keep_their_order_and_a_batch_is_all_or_none,
    sites_are_inserted_then_replaced,
    audit_lines_are_kept_per_site_newest_first,
    plugin_keys_list_by_literal_prefix,
    compare_and_swap_writes_only_over_the_expected_value,
    of_many_racing_swaps_of_one_key_exactly_one_wins,
    data_survives_reopening,
);

fn new_account(username: &str) -> NewAccount {
    NewAccount {
        username: username.into(),
        display_name: "Anna Berg".into(),
        email: "anna@example.com".into(),
        site: "default".into(),
        password_hash: "hash".into(),
        role: AccountRole::Csr,
        webacd_agent: false,
        session_mode: Some(SessionMode::Multi),
    }
}

fn session_record(number: &str, started_by: Option<i64>, started_at: i64) -> SessionRecord {
    SessionRecord {
        number: number.into(),
        site: "default".into(),
        mode: SessionMode::Single,
        started_by,
        status: SessionStatus::Active,
        started_at,
        ended_at: None,
        end_reason: None,
    }
}

fn participant(
    id: &str,
    session: &str,
    role: ParticipantRole,
    joined_at: i64,
) -> ParticipantRecord {
    ParticipantRecord {
        id: id.into(),
        session: session.into(),
        role,
        display_name: format!("{id} name"),
        account_id: None,
        join_token_hash: Some(format!("join-{id}")),
        joined_at,
        left_at: None,
    }
}

fn line(at: i64, detail: &str) -> ReportEntry {
    ReportEntry {
        at,
        kind: "chat".into(),
        actor: "Anna Berg".into(),
        detail: detail.into(),
    }
}

fn grant(id: &str, session: &str, customer: &str) -> GrantRecord {
    GrantRecord {
        id: id.into(),
        session: session.into(),
        customer: customer.into(),
        asked_by: "p-host".into(),
        plugin: "sysinfo".into(),
        capability: "sysinfo.collect".into(),
        granted_at: 10,
        expires_at: Some(20),
        revoked_at: None,
    }
}

/// A session with a host and a customer, for the cases about what refers
/// to a session.
async fn session_with_customer(storage: &dyn Storage, number: &str) -> i64 {
    let anna = storage
        .create_account(new_account(&format!("anna-{number}")))
        .await
        .expect("account");
    storage
        .create_session(session_record(number, Some(anna.id), 1))
        .await
        .expect("session");
    let mut host = participant(&format!("{number}-host"), number, ParticipantRole::Host, 1);
    host.account_id = Some(anna.id);
    storage.add_participant(host).await.expect("host");
    storage
        .add_participant(participant(
            &format!("{number}-customer"),
            number,
            ParticipantRole::Customer,
            2,
        ))
        .await
        .expect("customer");
    anna.id
}

/// Runs `racers` copies of `race` at once; how many returned `true`.
async fn winners<F, Fut>(racers: usize, race: F) -> usize
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    let tasks: Vec<_> = (0..racers).map(|n| tokio::spawn(race(n))).collect();
    let mut won = 0;
    for task in tasks {
        won += usize::from(task.await.expect("racer joins"));
    }
    won
}

async fn checks_that_storage_answers(backend: Backend) {
    let storage = backend.open().await;
    storage.check().await.expect("answers");
    storage.check().await.expect("answers again");
}

async fn accounts_are_unique_by_username_ignoring_case(backend: Backend) {
    let storage = backend.open().await;
    let anna = storage
        .create_account(new_account("anna"))
        .await
        .expect("created");
    assert_eq!(
        storage.account(anna.id).await.expect("read"),
        Some(anna.clone())
    );
    assert_eq!(
        storage
            .account_by_username("ANNA")
            .await
            .expect("read")
            .map(|a| a.id),
        Some(anna.id)
    );
    let twice = storage.create_account(new_account("Anna")).await;
    assert_eq!(twice, Err(StorageError::Conflict("account `Anna`".into())));
    assert_eq!(storage.count_accounts().await.expect("count"), 1);
    assert_eq!(storage.account(anna.id + 1000).await.expect("read"), None);
    assert_eq!(
        storage.account_by_username("nobody").await.expect("read"),
        None
    );
}

async fn accounts_are_listed_by_site_and_updated(backend: Backend) {
    let storage = backend.open().await;
    for name in ["carl", "Bea", "anna"] {
        storage
            .create_account(new_account(name))
            .await
            .expect("created");
    }
    let mut other = new_account("dora");
    other.site = "acme".into();
    storage.create_account(other).await.expect("created");
    let names: Vec<String> = storage
        .accounts_of_site("default")
        .await
        .expect("listed")
        .into_iter()
        .map(|a| a.username)
        .collect();
    assert_eq!(names, ["anna", "Bea", "carl"]);

    let mut bea = storage
        .account_by_username("bea")
        .await
        .expect("read")
        .expect("stored");
    bea.display_name = "Bea Lind".into();
    bea.email = "bea@example.com".into();
    bea.role = AccountRole::Admin;
    bea.webacd_agent = true;
    bea.session_mode = None;
    storage.update_account(&bea).await.expect("updated");
    assert_eq!(storage.account(bea.id).await.expect("read"), Some(bea));
}

async fn of_racing_creations_of_one_user_name_one_wins(backend: Backend) {
    let storage = backend.open().await;
    let won = winners(8, |n| {
        let storage = storage.clone();
        async move {
            let name = if n % 2 == 0 { "erik" } else { "ERIK" };
            match storage.create_account(new_account(name)).await {
                Ok(_) => true,
                Err(StorageError::Conflict(_)) => false,
                Err(error) => panic!("a creation failed otherwise: {error}"),
            }
        }
    })
    .await;
    assert_eq!(won, 1);
    assert_eq!(storage.count_accounts().await.expect("count"), 1);
}

async fn signed_in_browsers_are_kept_until_deleted(backend: Backend) {
    let storage = backend.open().await;
    let anna = storage
        .create_account(new_account("anna"))
        .await
        .expect("created");
    let web = WebSession {
        token_hash: "cookie-hash".into(),
        account_id: anna.id,
        csrf_token: "csrf".into(),
        expires_at: 99,
    };
    storage
        .create_web_session(web.clone())
        .await
        .expect("created");
    assert_eq!(
        storage.web_session("cookie-hash").await.expect("read"),
        Some(web.clone())
    );
    assert!(matches!(
        storage.create_web_session(web).await,
        Err(StorageError::Conflict(_))
    ));
    let unknown_account = storage
        .create_web_session(WebSession {
            token_hash: "other".into(),
            account_id: anna.id + 1000,
            csrf_token: "csrf".into(),
            expires_at: 99,
        })
        .await;
    assert!(unknown_account.is_err(), "{unknown_account:?}");
    storage
        .delete_web_session("cookie-hash")
        .await
        .expect("deleted");
    assert_eq!(
        storage.web_session("cookie-hash").await.expect("read"),
        None
    );
}

async fn passwords_are_reset_accounts_disabled_and_deleted_keeping_their_sessions(
    backend: Backend,
) {
    let storage = backend.open().await;
    let anna = session_with_customer(&*storage, "123456789").await;
    let fresh = storage.account(anna).await.expect("read").expect("there");
    assert!(!fresh.disabled && !fresh.must_change_password);

    assert!(
        storage
            .set_password(anna, "new-hash", true)
            .await
            .expect("set")
    );
    let reset = storage.account(anna).await.expect("read").expect("there");
    assert_eq!(reset.password_hash, "new-hash");
    assert!(reset.must_change_password);
    assert!(
        storage
            .set_password(anna, "own-hash", false)
            .await
            .expect("set")
    );
    assert!(
        !storage
            .account(anna)
            .await
            .expect("read")
            .expect("there")
            .must_change_password
    );

    assert!(storage.set_disabled(anna, true).await.expect("set"));
    assert!(
        storage
            .account(anna)
            .await
            .expect("read")
            .expect("there")
            .disabled
    );
    assert!(storage.set_disabled(anna, false).await.expect("set"));
    assert!(
        !storage
            .account(anna)
            .await
            .expect("read")
            .expect("there")
            .disabled
    );
    assert!(
        !storage
            .set_password(anna + 1000, "x", false)
            .await
            .expect("none")
    );
    assert!(!storage.set_disabled(anna + 1000, true).await.expect("none"));

    for token in ["kept", "ended-1", "ended-2"] {
        storage
            .create_web_session(WebSession {
                token_hash: token.into(),
                account_id: anna,
                csrf_token: "csrf".into(),
                expires_at: 99,
            })
            .await
            .expect("signed in");
    }
    storage
        .delete_web_sessions_of(anna, Some("kept"))
        .await
        .expect("signed out");
    assert!(storage.web_session("kept").await.expect("read").is_some());
    assert!(
        storage
            .web_session("ended-1")
            .await
            .expect("read")
            .is_none()
    );
    assert!(
        storage
            .web_session("ended-2")
            .await
            .expect("read")
            .is_none()
    );

    // Deleted: its sign-ins go; the session it ran and who took part in
    // it, by name, stay.
    assert!(storage.delete_account(anna).await.expect("deleted"));
    assert_eq!(storage.account(anna).await.expect("read"), None);
    assert!(storage.web_session("kept").await.expect("read").is_none());
    let session = storage
        .session("123456789")
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(session.started_by, None);
    let participants = storage.participants("123456789").await.expect("read");
    assert_eq!(participants.len(), 2);
    let host = participants
        .iter()
        .find(|p| p.role == ParticipantRole::Host)
        .expect("host");
    assert_eq!(
        (host.display_name.as_str(), host.account_id),
        ("123456789-host name", None)
    );
    assert!(!storage.delete_account(anna).await.expect("gone already"));
}

async fn a_second_factor_is_enrolled_and_each_code_used_once(backend: Backend) {
    let storage = backend.open().await;
    let anna = storage
        .create_account(new_account("anna"))
        .await
        .expect("created")
        .id;
    let read = async || storage.account(anna).await.expect("read").expect("there");
    assert!(
        storage
            .set_totp_pending(anna, Some("PENDING"))
            .await
            .expect("set")
    );
    assert_eq!(read().await.totp_pending.as_deref(), Some("PENDING"));
    assert_eq!(read().await.totp_secret, None);
    // Only the secret pending confirms.
    let codes = vec!["hash-a".to_owned(), "hash-b".to_owned()];
    assert!(
        !storage
            .confirm_totp(anna, "OTHER", 5, &codes)
            .await
            .expect("none")
    );
    assert!(
        storage
            .confirm_totp(anna, "PENDING", 5, &codes)
            .await
            .expect("confirmed")
    );
    assert!(
        !storage
            .confirm_totp(anna, "PENDING", 5, &codes)
            .await
            .expect("once")
    );
    let on = read().await;
    assert_eq!(on.totp_secret.as_deref(), Some("PENDING"));
    assert_eq!(on.totp_pending, None);
    assert_eq!(on.totp_last_step, Some(5));
    assert_eq!(on.recovery_codes, codes);

    // A step is used once, and never an earlier one.
    assert!(!storage.use_totp_step(anna, 5).await.expect("used"));
    assert!(!storage.use_totp_step(anna, 4).await.expect("earlier"));
    assert!(storage.use_totp_step(anna, 6).await.expect("next"));
    assert_eq!(read().await.totp_last_step, Some(6));
    // Of two racing uses of one step, one wins.
    let racers = winners(8, |_| {
        let storage = storage.clone();
        async move { storage.use_totp_step(anna, 7).await.expect("raced") }
    })
    .await;
    assert_eq!(racers, 1);

    // A recovery code goes when used, once.
    let left = vec!["hash-b".to_owned()];
    assert!(
        storage
            .use_recovery_code(anna, &codes, &left)
            .await
            .expect("used")
    );
    assert!(
        !storage
            .use_recovery_code(anna, &codes, &left)
            .await
            .expect("once")
    );
    assert_eq!(read().await.recovery_codes, left);

    assert!(storage.clear_totp(anna).await.expect("cleared"));
    let off = read().await;
    assert_eq!(
        (
            off.totp_secret,
            off.totp_pending,
            off.totp_last_step,
            off.recovery_codes
        ),
        (None, None, None, Vec::<String>::new())
    );
    assert!(!storage.use_totp_step(anna, 9).await.expect("no secret"));
}

async fn the_history_is_searched_and_old_reports_purged(backend: Backend) {
    let storage = backend.open().await;
    let anna = storage
        .create_account(new_account("anna"))
        .await
        .expect("anna")
        .id;
    let bo = storage
        .create_account(new_account("bo"))
        .await
        .expect("bo")
        .id;
    // Three sessions of site `default` (days 1, 2 and 3), one elsewhere.
    for (number, host, host_name, customer, day, ended) in [
        (
            "100000001",
            anna,
            "Anna Berg",
            "Carl 50% Off",
            1,
            Some("ended_by_host"),
        ),
        (
            "100000002",
            bo,
            "Bo Lind",
            "Dora_Dahl",
            2,
            Some("host_did_not_return"),
        ),
        ("100000003", anna, "Anna Berg", "Erik", 3, None),
    ] {
        let day_millis = 86_400_000 * day;
        storage
            .create_session(session_record(number, Some(host), day_millis))
            .await
            .expect("session");
        let mut host_record = participant(
            &format!("{number}-h"),
            number,
            ParticipantRole::Host,
            day_millis,
        );
        host_record.account_id = Some(host);
        host_record.display_name = host_name.into();
        storage.add_participant(host_record).await.expect("host");
        let mut customer_record = participant(
            &format!("{number}-c"),
            number,
            ParticipantRole::Customer,
            day_millis,
        );
        customer_record.display_name = customer.into();
        storage
            .add_participant(customer_record)
            .await
            .expect("customer");
        storage
            .append_event(number, line(day_millis, "hello"))
            .await
            .expect("report line");
        if let Some(outcome) = ended {
            storage
                .end_session(number, day_millis + 1000, "ended", outcome)
                .await
                .expect("ended");
        }
    }
    let mut elsewhere = session_record("100000009", Some(anna), 86_400_000);
    elsewhere.site = "beta".into();
    storage.create_session(elsewhere).await.expect("other site");

    let query = |change: &dyn Fn(&mut HistoryQuery)| {
        let mut query = HistoryQuery {
            site: "default".into(),
            limit: 10,
            ..HistoryQuery::default()
        };
        change(&mut query);
        query
    };
    let numbers = |entries: Vec<HistoryEntry>| -> Vec<String> {
        entries.into_iter().map(|e| e.number).collect()
    };
    let all = storage
        .session_history(&query(&|_| {}))
        .await
        .expect("read");
    assert_eq!(
        numbers(all.clone()),
        ["100000003", "100000002", "100000001"]
    );
    assert_eq!(all[2].csrs, ["Anna Berg"]);
    assert_eq!(all[2].customers, ["Carl 50% Off"]);
    assert_eq!(all[2].outcome.as_deref(), Some("ended_by_host"));
    assert_eq!(all[0].status, SessionStatus::Active);
    for (change, expected) in [
        (
            Box::new(|q: &mut HistoryQuery| q.account = Some(anna))
                as Box<dyn Fn(&mut HistoryQuery)>,
            vec!["100000003", "100000001"],
        ),
        (
            Box::new(|q| q.from = Some(2 * 86_400_000)),
            vec!["100000003", "100000002"],
        ),
        (Box::new(|q| q.to = Some(2 * 86_400_000)), vec!["100000001"]),
        (Box::new(|q| q.csr = Some("LIND".into())), vec!["100000002"]),
        (
            Box::new(|q| q.customer = Some("50%".into())),
            vec!["100000001"],
        ),
        // `%` and `_` are the characters typed, not patterns.
        (
            Box::new(|q| q.customer = Some("%".into())),
            vec!["100000001"],
        ),
        (
            Box::new(|q| q.customer = Some("a_d".into())),
            vec!["100000002"],
        ),
        (
            Box::new(|q| q.outcome = Some("running".into())),
            vec!["100000003"],
        ),
        (
            Box::new(|q| q.outcome = Some("host_did_not_return".into())),
            vec!["100000002"],
        ),
        (Box::new(|q| q.limit = 1), vec!["100000003"]),
    ] {
        let found = storage
            .session_history(&query(&*change))
            .await
            .expect("read");
        assert_eq!(numbers(found), expected);
    }

    // Ended before day 2 (plus a second): session 1 goes with its report;
    // the running one and the other site's stay.
    let purged = storage
        .purge_reports("default", 2 * 86_400_000)
        .await
        .expect("purged");
    assert_eq!(purged, 1);
    assert_eq!(storage.session("100000001").await.expect("read"), None);
    assert!(storage.events("100000001").await.expect("read").is_empty());
    assert!(
        storage
            .participants("100000001")
            .await
            .expect("read")
            .is_empty()
    );
    let left = storage
        .session_history(&query(&|_| {}))
        .await
        .expect("read");
    assert_eq!(numbers(left), ["100000003", "100000002"]);
    assert_eq!(
        storage
            .purge_reports("default", i64::MAX)
            .await
            .expect("purged"),
        1,
        "a running session is never purged"
    );
    assert!(storage.session("100000003").await.expect("read").is_some());
    assert!(storage.session("100000009").await.expect("read").is_some());
}

async fn sessions_are_numbered_uniquely_and_end_once(backend: Backend) {
    let storage = backend.open().await;
    let anna = storage
        .create_account(new_account("anna"))
        .await
        .expect("created");
    let first = session_record("111222333", Some(anna.id), 5);
    storage
        .create_session(first.clone())
        .await
        .expect("created");
    storage
        .create_session(session_record("444555666", None, 5))
        .await
        .expect("a session waiting for a CSR");
    storage
        .create_session(session_record("000111222", Some(anna.id), 7))
        .await
        .expect("created");
    assert!(matches!(
        storage.create_session(first.clone()).await,
        Err(StorageError::Conflict(_))
    ));
    let unknown_csr = storage
        .create_session(session_record("777888999", Some(anna.id + 1000), 8))
        .await;
    assert!(unknown_csr.is_err(), "{unknown_csr:?}");

    let active: Vec<String> = storage
        .active_sessions()
        .await
        .expect("listed")
        .into_iter()
        .map(|s| s.number)
        .collect();
    assert_eq!(active, ["111222333", "444555666", "000111222"]);

    storage
        .end_session("111222333", 9, "ended by Anna Berg", "ended_by_host")
        .await
        .expect("ended");
    storage
        .end_session("111222333", 10, "ended again", "ended_by_host")
        .await
        .expect("a second end changes nothing");
    let ended = storage
        .session("111222333")
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(ended.status, SessionStatus::Ended);
    assert_eq!(ended.ended_at, Some(9));
    assert_eq!(ended.end_reason.as_deref(), Some("ended by Anna Berg"));
    assert_eq!(storage.active_sessions().await.expect("listed").len(), 2);
    assert_eq!(storage.session("999999999").await.expect("read"), None);
}

async fn participants_belong_to_a_stored_session(backend: Backend) {
    let storage = backend.open().await;
    let anna = session_with_customer(storage.as_ref(), "123456789").await;
    let orphan = storage
        .add_participant(participant(
            "p-9",
            "999999999",
            ParticipantRole::Customer,
            4,
        ))
        .await;
    assert!(orphan.is_err(), "{orphan:?}");
    let same_id = storage
        .add_participant(participant(
            "123456789-customer",
            "123456789",
            ParticipantRole::Customer,
            4,
        ))
        .await;
    assert!(
        matches!(same_id, Err(StorageError::Conflict(_))),
        "{same_id:?}"
    );

    storage
        .set_participant_role("123456789-host", ParticipantRole::Assistant)
        .await
        .expect("role");
    storage
        .participant_left("123456789-customer", 7)
        .await
        .expect("left");
    storage
        .participant_left("123456789-customer", 8)
        .await
        .expect("a second leave changes nothing");
    let people = storage.participants("123456789").await.expect("listed");
    assert_eq!(people.len(), 2);
    assert_eq!(people[0].id, "123456789-host");
    assert_eq!(people[0].role, ParticipantRole::Assistant);
    assert_eq!(people[0].account_id, Some(anna));
    assert_eq!(people[1].left_at, Some(7));
    assert_eq!(
        storage
            .participant_by_token("join-123456789-customer")
            .await
            .expect("read")
            .map(|p| p.id),
        Some("123456789-customer".into())
    );
    assert_eq!(
        storage
            .participant_by_token("join-nobody")
            .await
            .expect("read"),
        None
    );
}

async fn resume_tokens_rotate_and_the_previous_one_stays_valid(backend: Backend) {
    let storage = backend.open().await;
    session_with_customer(storage.as_ref(), "123456789").await;
    let customer = "123456789-customer";
    let found = |hash: &'static str| {
        let storage = storage.clone();
        async move {
            storage
                .participant_by_resume_token(hash)
                .await
                .expect("read")
                .map(|p| p.id)
        }
    };
    storage
        .set_resume_token(customer, "resume-1")
        .await
        .expect("set");
    assert_eq!(found("resume-1").await.as_deref(), Some(customer));
    storage
        .set_resume_token(customer, "resume-2")
        .await
        .expect("set");
    assert_eq!(found("resume-2").await.as_deref(), Some(customer));
    assert_eq!(found("resume-1").await.as_deref(), Some(customer));
    storage
        .set_resume_token(customer, "resume-3")
        .await
        .expect("set");
    assert_eq!(
        found("resume-1").await,
        None,
        "two tokens back is no longer valid"
    );
    assert_eq!(found("resume-2").await.as_deref(), Some(customer));
    assert_eq!(found("resume-3").await.as_deref(), Some(customer));
}

async fn grants_are_revoked_once(backend: Backend) {
    let storage = backend.open().await;
    session_with_customer(storage.as_ref(), "123456789").await;
    let g = grant("g-1", "123456789", "123456789-customer");
    storage.insert_grant(g.clone()).await.expect("granted");
    let unknown_customer = storage
        .insert_grant(grant("g-2", "123456789", "nobody"))
        .await;
    assert!(unknown_customer.is_err(), "{unknown_customer:?}");
    assert_eq!(
        storage.grants("123456789").await.expect("read"),
        vec![g.clone()]
    );
    assert!(storage.revoke_grant("g-1", 15).await.expect("revoked"));
    assert!(
        !storage
            .revoke_grant("g-1", 16)
            .await
            .expect("already revoked")
    );
    assert!(
        !storage
            .revoke_grant("g-unknown", 16)
            .await
            .expect("unknown")
    );
    let revoked = storage.grants("123456789").await.expect("read");
    assert_eq!(revoked[0].revoked_at, Some(15));
}

async fn of_racing_revocations_of_one_grant_one_wins(backend: Backend) {
    let storage = backend.open().await;
    session_with_customer(storage.as_ref(), "123456789").await;
    for round in 0..10 {
        let id = format!("g-{round}");
        storage
            .insert_grant(grant(&id, "123456789", "123456789-customer"))
            .await
            .expect("granted");
        let won = winners(6, |n| {
            let (storage, id) = (storage.clone(), id.clone());
            async move {
                storage
                    .revoke_grant(&id, 100 + n as i64)
                    .await
                    .expect("revoke")
            }
        })
        .await;
        assert_eq!(won, 1, "round {round}");
    }
}

async fn report_lines_keep_their_order_and_a_batch_is_all_or_none(backend: Backend) {
    let storage = backend.open().await;
    session_with_customer(storage.as_ref(), "111111111").await;
    session_with_customer(storage.as_ref(), "222222222").await;
    storage
        .append_event("111111111", line(1, "first"))
        .await
        .expect("one line");
    // Lines of one millisecond keep the order they were written in.
    let batch: Vec<(String, ReportEntry)> = (0..300)
        .map(|n| {
            let session = if n % 3 == 0 { "222222222" } else { "111111111" };
            (session.to_owned(), line(2, &format!("line {n}")))
        })
        .collect();
    storage.append_events(&batch).await.expect("a batch");
    storage.append_events(&[]).await.expect("an empty batch");

    let first: Vec<String> = storage
        .events("111111111")
        .await
        .expect("read")
        .into_iter()
        .map(|l| l.detail)
        .collect();
    let expected: Vec<String> = std::iter::once("first".to_owned())
        .chain((0..300).filter(|n| n % 3 != 0).map(|n| format!("line {n}")))
        .collect();
    assert_eq!(first, expected);
    assert_eq!(storage.events("222222222").await.expect("read").len(), 100);

    let broken = storage
        .append_events(&[
            ("111111111".to_owned(), line(3, "kept only with the other")),
            ("999999999".to_owned(), line(3, "no such session")),
        ])
        .await;
    assert!(broken.is_err(), "{broken:?}");
    assert_eq!(
        storage.events("111111111").await.expect("read").len(),
        expected.len(),
        "nothing of a refused batch is written"
    );
}

async fn sites_are_inserted_then_replaced(backend: Backend) {
    let storage = backend.open().await;
    let mut acme = SiteRecord {
        id: "acme".into(),
        name: "Acme".into(),
        plugins: vec!["*".into()],
        session_mode: SessionMode::Single,
        max_customers_per_csr: 5,
        two_factor: TwoFactorRule::Optional,
        report_retention_days: 0,
        updated_at: 1,
    };
    storage.save_site(&acme).await.expect("inserted");
    acme.name = "Acme support".into();
    acme.plugins = vec!["echo".into(), "scripts".into()];
    acme.session_mode = SessionMode::Multi;
    acme.max_customers_per_csr = 2;
    acme.two_factor = TwoFactorRule::Everyone;
    acme.report_retention_days = 90;
    acme.updated_at = 2;
    storage.save_site(&acme).await.expect("replaced");
    let beta = SiteRecord {
        id: "Beta".into(),
        ..acme.clone()
    };
    storage.save_site(&beta).await.expect("inserted");
    // Byte order: upper case first, on both back ends.
    assert_eq!(
        storage.sites().await.expect("read"),
        vec![beta.clone(), acme.clone()]
    );
    let refused = storage
        .save_site(&SiteRecord {
            max_customers_per_csr: 0,
            ..acme.clone()
        })
        .await;
    assert!(refused.is_err(), "the schema refuses no customers per CSR");
    assert_eq!(storage.sites().await.expect("read"), vec![beta, acme]);
}

async fn audit_lines_are_kept_per_site_newest_first(backend: Backend) {
    let storage = backend.open().await;
    let line = |site: &str, at: i64, detail: &str| AuditEntry {
        site: site.into(),
        at,
        actor: "ada".into(),
        actor_name: "Ada Admin".into(),
        client: "192.0.2.7".into(),
        action: "account.changed".into(),
        detail: detail.into(),
    };
    assert!(
        storage
            .audit_log("acme", 10)
            .await
            .expect("read")
            .is_empty()
    );
    for (at, detail) in [(1, "first"), (2, "second"), (2, "third, same instant")] {
        storage
            .append_audit(&line("acme", at, detail))
            .await
            .expect("kept");
    }
    storage
        .append_audit(&line("beta", 3, "another site's"))
        .await
        .expect("kept");
    assert_eq!(
        storage.audit_log("acme", 10).await.expect("read"),
        vec![
            line("acme", 2, "third, same instant"),
            line("acme", 2, "second"),
            line("acme", 1, "first"),
        ]
    );
    assert_eq!(
        storage.audit_log("acme", 1).await.expect("read"),
        vec![line("acme", 2, "third, same instant")]
    );
    assert_eq!(storage.audit_log("beta", 10).await.expect("read").len(), 1);
}

async fn plugin_keys_list_by_literal_prefix(backend: Backend) {
    let storage = backend.open().await;
    let scope = PluginScope {
        site: "s".into(),
        plugin: "p".into(),
    };
    let other = PluginScope {
        site: "s".into(),
        plugin: "q".into(),
    };
    for key in ["a%b", "a_c", "ab", "b", "B", "a\u{e9}"] {
        storage
            .set(&scope, key, key.as_bytes().to_vec())
            .await
            .expect("set");
    }
    storage
        .set(&other, "a-other", Vec::new())
        .await
        .expect("set");
    assert_eq!(
        storage.list_keys(&scope, "a%").await.expect("list"),
        vec!["a%b"]
    );
    assert_eq!(
        storage.list_keys(&scope, "a").await.expect("list"),
        vec!["a%b", "a_c", "ab", "a\u{e9}"]
    );
    assert_eq!(
        storage.list_keys(&scope, "").await.expect("list"),
        vec!["B", "a%b", "a_c", "ab", "a\u{e9}", "b"]
    );
    assert_eq!(
        storage.get(&scope, "a_c").await.expect("get"),
        Some(b"a_c".to_vec())
    );
    storage
        .set(&scope, "a_c", vec![0, 255])
        .await
        .expect("overwrite");
    assert_eq!(
        storage.get(&scope, "a_c").await.expect("get"),
        Some(vec![0, 255])
    );
    assert!(storage.delete(&scope, "ab").await.expect("delete"));
    assert!(!storage.delete(&scope, "ab").await.expect("delete"));
    assert_eq!(storage.get(&other, "a_c").await.expect("get"), None);
}

async fn compare_and_swap_writes_only_over_the_expected_value(backend: Backend) {
    let storage = backend.open().await;
    let scope = PluginScope {
        site: "default".into(),
        plugin: "webacd".into(),
    };
    let swap = |expected: Option<&[u8]>, value: Option<&[u8]>| {
        storage.compare_and_swap(
            &scope,
            "claim",
            expected.map(<[u8]>::to_vec),
            value.map(<[u8]>::to_vec),
        )
    };
    assert!(swap(None, None).await.expect("absent"));
    assert!(swap(None, Some(b"anna")).await.expect("swap"));
    assert!(!swap(None, None).await.expect("present"));
    assert!(!swap(None, Some(b"ben")).await.expect("swap"));
    assert!(!swap(Some(b"ben"), None).await.expect("swap"));
    assert_eq!(
        storage.get(&scope, "claim").await.expect("get"),
        Some(b"anna".to_vec())
    );
    assert!(swap(Some(b"anna"), Some(b"ben")).await.expect("swap"));
    assert!(swap(Some(b"ben"), None).await.expect("swap"));
    assert_eq!(storage.get(&scope, "claim").await.expect("get"), None);
}

async fn of_many_racing_swaps_of_one_key_exactly_one_wins(backend: Backend) {
    let storage = backend.open().await;
    let scope = PluginScope {
        site: "default".into(),
        plugin: "webacd".into(),
    };
    for round in 0..20 {
        let key = format!("claim/{round}");
        let won = winners(8, |racer| {
            let (storage, scope, key) = (storage.clone(), scope.clone(), key.clone());
            async move {
                storage
                    .compare_and_swap(&scope, &key, None, Some(vec![racer as u8]))
                    .await
                    .expect("swap")
            }
        })
        .await;
        assert_eq!(won, 1, "round {round}: taking a free key");
        let holder = storage
            .get(&scope, &key)
            .await
            .expect("get")
            .expect("taken");
        let won = winners(8, |racer| {
            let (storage, scope, key, holder) =
                (storage.clone(), scope.clone(), key.clone(), holder.clone());
            async move {
                storage
                    .compare_and_swap(&scope, &key, Some(holder), Some(vec![100 + racer as u8]))
                    .await
                    .expect("swap")
            }
        })
        .await;
        assert_eq!(won, 1, "round {round}: replacing its holder");
    }
}

async fn data_survives_reopening(backend: Backend) {
    let scope = PluginScope {
        site: "default".into(),
        plugin: "echo".into(),
    };
    {
        let storage = backend.open().await;
        session_with_customer(storage.as_ref(), "123456789").await;
        storage
            .append_event("123456789", line(2, "hi"))
            .await
            .expect("event");
        storage.set(&scope, "k", b"v".to_vec()).await.expect("kv");
    }
    let storage = backend.open().await;
    assert_eq!(storage.count_accounts().await.expect("count"), 1);
    assert_eq!(
        storage.events("123456789").await.expect("events")[0].detail,
        "hi"
    );
    assert_eq!(
        storage.get(&scope, "k").await.expect("kv"),
        Some(b"v".to_vec())
    );
    assert_eq!(storage.active_sessions().await.expect("sessions").len(), 1);
    assert_eq!(
        storage.participants("123456789").await.expect("read").len(),
        2
    );
}
