//! The kernel's own checks on agent calls, below the plugin host: even a
//! caller that skipped the host's checks cannot reach an agent without the
//! site enabling the plugin and a live grant for exactly that scope.

use std::sync::Arc;
use std::time::Duration;

use tether_protocol::Capability;
use tokio::sync::mpsc;

use super::{SessionSettings, Sessions};
use crate::accounts::{AccountSpec, Accounts};
use crate::plugin_host::services::{AgentCall, AgentError, PluginScope};
use crate::routing::InProcessRouter;
use crate::site::{SiteTable, Sites};
use crate::storage::{AccountRole, GrantRecord, SqliteStorage, Storage, now_millis};

struct Fixture {
    sessions: Arc<Sessions>,
    storage: Arc<dyn Storage>,
    number: String,
    /// The host's participant id.
    host: String,
    customer: String,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    fixture_with(crate::cluster::Shared::alone()).await
}

async fn fixture_with(shared: crate::cluster::Shared) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let storage: Arc<dyn Storage> = Arc::new(
        SqliteStorage::open(&dir.path().join("t.db"))
            .await
            .expect("db"),
    );
    let echo_only = vec!["echo".to_owned()];
    let sites = SiteTable::new([
        ("acme", "Acme", echo_only.as_slice()),
        ("lab", "Lab", echo_only.as_slice()),
    ])
    .expect("sites");
    let settings = SessionSettings {
        public_url: "http://tether.test".into(),
        grace: Duration::from_secs(60),
        consent_timeout: Duration::from_secs(60),
        grant_ttl: None,
        agent_timeout: Duration::from_secs(60),
        join_attempts_per_minute: 100,
        rejoin_window: Duration::from_secs(600),
        report_budget_bytes: 1024 * 1024,
        unconnected_join: Duration::from_secs(600),
        joins_per_address_per_hour: 100,
    };
    let (events, _) = mpsc::unbounded_channel();
    let sessions = Sessions::new(
        storage.clone(),
        Arc::new(InProcessRouter::default()),
        Arc::new(Sites::new(sites, storage.clone())),
        settings,
        events,
        Default::default(),
        shared,
    );
    let account = Accounts::new(storage.clone(), Default::default())
        .create(AccountSpec {
            username: "anna".into(),
            display_name: "Anna".into(),
            email: String::new(),
            site: "acme".into(),
            password: "correct horse battery".into(),
            role: AccountRole::Csr,
            webacd_agent: false,
            session_mode: None,
        })
        .await
        .expect("account");
    let started = sessions.start(&account).await.expect("started");
    let (number, host) = (started.session, started.participant);
    let customer = sessions
        .join_customer(&number, "Carl", "127.0.0.1".parse().expect("ip"))
        .await
        .expect("joined")
        .participant;
    Fixture {
        sessions,
        storage,
        number: number.to_string(),
        host: host.to_string(),
        customer: customer.to_string(),
        _dir: dir,
    }
}

fn call(f: &Fixture) -> AgentCall {
    AgentCall {
        session: f.number.clone(),
        participant: f.customer.clone(),
        capability: Capability::SysinfoCollect,
        declared: true,
        asks_when_refused: false,
        input: tether_protocol::RawJson::from_text("{}").expect("JSON"),
        files: Vec::new(),
    }
}

fn scope(site: &str, plugin: &str) -> PluginScope {
    PluginScope {
        site: site.into(),
        plugin: plugin.into(),
    }
}

async fn grant(f: &Fixture, plugin: &str, expires_at: Option<i64>) {
    let record = GrantRecord {
        id: crate::token::short_id("grant"),
        session: f.number.clone(),
        customer: f.customer.clone(),
        asked_by: f.host.clone(),
        plugin: plugin.into(),
        capability: Capability::SysinfoCollect.as_str().into(),
        granted_at: now_millis(),
        expires_at,
        revoked_at: None,
    };
    f.storage
        .insert_grant(record.clone())
        .await
        .expect("grant stored");
    f.sessions.consent.add_grant(record);
}

#[tokio::test]
async fn every_lock_is_checked_on_every_call() {
    let f = fixture().await;
    // A plugin of another site does not even see the session.
    let other_site = f.sessions.call_agent(&scope("lab", "echo"), call(&f)).await;
    assert!(
        matches!(other_site, Err(AgentError::UnknownSession(_))),
        "{other_site:?}"
    );

    // Granted, but the site does not enable the plugin.
    grant(&f, "scripts", None).await;
    let disabled = f
        .sessions
        .call_agent(&scope("acme", "scripts"), call(&f))
        .await;
    assert!(
        matches!(&disabled, Err(AgentError::NotEnabled(why)) if why.contains("not enabled")),
        "{disabled:?}"
    );

    // Granted and enabled, but the manifest does not declare it.
    grant(&f, "echo", None).await;
    let undeclared = AgentCall {
        declared: false,
        ..call(&f)
    };
    let refused = f
        .sessions
        .call_agent(&scope("acme", "echo"), undeclared)
        .await;
    assert!(
        matches!(&refused, Err(AgentError::UndeclaredCapability(name)) if name == "sysinfo.collect"),
        "{refused:?}"
    );
    // Revoked at once, without a database read.
    let grants = f.storage.grants(&f.number).await.expect("grants");
    let live = grants
        .iter()
        .find(|g| g.plugin == "echo")
        .expect("echo grant");
    f.sessions
        .revoke_consent(&f.number, &f.customer, &live.id)
        .await
        .expect("revoked");

    // Enabled, but no grant for this plugin; then an expired one.
    let ungranted = f
        .sessions
        .call_agent(&scope("acme", "echo"), call(&f))
        .await;
    assert!(
        matches!(ungranted, Err(AgentError::NoConsent(_))),
        "{ungranted:?}"
    );
    grant(&f, "echo", Some(now_millis() - 1)).await;
    let expired = f
        .sessions
        .call_agent(&scope("acme", "echo"), call(&f))
        .await;
    assert!(
        matches!(expired, Err(AgentError::NoConsent(_))),
        "{expired:?}"
    );

    // Live grant: the call gets as far as the agent, which is not running.
    grant(&f, "echo", None).await;
    let no_agent = f
        .sessions
        .call_agent(&scope("acme", "echo"), call(&f))
        .await;
    assert!(
        matches!(&no_agent, Err(AgentError::Unavailable(why)) if why.contains("no host agent")),
        "{no_agent:?}"
    );
}

#[tokio::test]
async fn a_participant_who_is_not_a_customer_cannot_be_asked_for_consent() {
    let f = fixture().await;
    let host = f
        .sessions
        .plugin_participants(&f.number)
        .expect("participants")
        .into_iter()
        .find(|p| p.role == crate::plugin_host::services::Role::Host)
        .expect("host");
    let request = crate::plugin_host::services::ConsentRequest {
        session: f.number.clone(),
        customer: host.id.clone(),
        declared: true,
        capabilities: vec![crate::plugin_host::services::AskedCapability {
            name: Capability::SysinfoCollect,
            consent_text: "{csr} wants to say hello".into(),
            translations: Default::default(),
        }],
        detail: None,
    };
    let refused = f
        .sessions
        .request_consent(&scope("acme", "echo"), request)
        .await;
    assert!(
        matches!(
            refused,
            Err(crate::plugin_host::services::ConsentError::UnknownParticipant(_))
        ),
        "{refused:?}"
    );
}

/// Ownership among several nodes where other nodes hold the first
/// `refuse` numbers claimed; remembers what was claimed and released.
#[derive(Default)]
struct CrowdedNumbers {
    refuse: std::sync::Mutex<usize>,
    claimed: std::sync::Mutex<Vec<String>>,
    released: std::sync::Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl crate::cluster::Ownership for CrowdedNumbers {
    async fn claim_new(&self, session: &str) -> Result<bool, crate::cluster::ClusterError> {
        self.claimed.lock().expect("lock").push(session.to_owned());
        let mut refuse = self.refuse.lock().expect("lock");
        let free = *refuse == 0;
        *refuse = refuse.saturating_sub(1);
        Ok(free)
    }

    async fn release(&self, session: &str) {
        self.released.lock().expect("lock").push(session.to_owned());
    }
}

#[tokio::test]
async fn a_new_session_gets_a_number_no_other_node_holds_claimed_before_it_is_stored() {
    let ownership = Arc::new(CrowdedNumbers {
        refuse: std::sync::Mutex::new(2),
        ..Default::default()
    });
    let f = fixture_with(crate::cluster::Shared {
        ownership: ownership.clone(),
        attempts: Arc::new(crate::cluster::NodeOnly),
    })
    .await;
    let claimed = ownership.claimed.lock().expect("lock").clone();
    assert_eq!(claimed.len(), 3, "{claimed:?}");
    assert_eq!(claimed[2], f.number);
    for held_elsewhere in &claimed[..2] {
        assert_eq!(f.storage.session(held_elsewhere).await.expect("read"), None);
    }
    assert!(ownership.released.lock().expect("lock").is_empty());
    f.sessions
        .end(&f.number, super::ending::Ending::HostDidNotReturn)
        .await
        .expect("ended");
    assert_eq!(
        *ownership.released.lock().expect("lock"),
        vec![f.number.clone()]
    );
}
