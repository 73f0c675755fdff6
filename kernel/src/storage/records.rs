//! The records storage reads and writes. Times are Unix milliseconds.

use std::fmt;
use std::str::FromStr;

pub type Millis = i64;

pub fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or_default()
}

/// Declares a text-backed enum with `as_str`, `Display` and `FromStr`.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!("`{other}` is not a valid {}", stringify!($name))),
                }
            }
        }
    };
}

text_enum!(
    /// What a CSR account may do beyond supporting customers.
    AccountRole { Csr = "csr", Admin = "admin" }
);
text_enum!(
    /// Several customers in one session, or one session per customer.
    SessionMode { Single = "single", Multi = "multi" }
);
text_enum!(
    /// Who of a site's accounts must sign in with a second factor.
    TwoFactorRule { Optional = "optional", Admins = "admins", Everyone = "everyone" }
);

impl TwoFactorRule {
    /// Whether an account of `role` must have a second factor.
    pub fn requires(self, role: AccountRole) -> bool {
        match self {
            TwoFactorRule::Optional => false,
            TwoFactorRule::Admins => role == AccountRole::Admin,
            TwoFactorRule::Everyone => true,
        }
    }
}

text_enum!(ParticipantRole { Host = "host", Assistant = "assistant", Customer = "customer" });
text_enum!(SessionStatus { Active = "active", Ended = "ended" });

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub site: String,
    pub password_hash: String,
    pub role: AccountRole,
    pub webacd_agent: bool,
    /// Overrides the site's session mode for this CSR.
    pub session_mode: Option<SessionMode>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub site: String,
    pub password_hash: String,
    pub role: AccountRole,
    pub webacd_agent: bool,
    pub session_mode: Option<SessionMode>,
    pub created_at: Millis,
    /// Disabled by a site admin: no sign-in until enabled again.
    pub disabled: bool,
    /// The password was set by a site admin: its owner must choose their
    /// own before doing anything else.
    pub must_change_password: bool,
    /// The second factor: its TOTP secret (base32), once confirmed.
    pub totp_secret: Option<String>,
    /// A TOTP secret being enrolled, until a code from it confirms it.
    pub totp_pending: Option<String>,
    /// The time step of the last code accepted: a code works once.
    pub totp_last_step: Option<i64>,
    /// SHA-256 hashes of the unused one-time recovery codes.
    pub recovery_codes: Vec<String>,
}

/// A signed-in browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    pub token_hash: String,
    pub account_id: i64,
    pub csrf_token: String,
    pub expires_at: Millis,
}

/// A site as stored: what `tether.toml` seeded or a site admin last saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteRecord {
    pub id: String,
    pub name: String,
    /// Plugin ids, or `["*"]` for every loaded plugin.
    pub plugins: Vec<String>,
    pub session_mode: SessionMode,
    pub max_customers_per_csr: u32,
    pub two_factor: TwoFactorRule,
    /// Days a session's report is kept after it ended; 0 keeps them.
    pub report_retention_days: u32,
    pub updated_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub number: String,
    pub site: String,
    pub mode: SessionMode,
    /// The CSR who started it; `None` for a session a customer opened
    /// from a public page, waiting for a CSR.
    pub started_by: Option<i64>,
    pub status: SessionStatus,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    pub end_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantRecord {
    pub id: String,
    pub session: String,
    pub role: ParticipantRole,
    pub display_name: String,
    pub account_id: Option<i64>,
    pub join_token_hash: Option<String>,
    pub joined_at: Millis,
    pub left_at: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRecord {
    pub id: String,
    pub session: String,
    pub customer: String,
    /// The host participant whose request the customer allowed; the grant
    /// covers that CSR's work only.
    pub asked_by: String,
    pub plugin: String,
    pub capability: String,
    pub granted_at: Millis,
    pub expires_at: Option<Millis>,
    pub revoked_at: Option<Millis>,
}

/// One line of a site's audit log: a change a site admin made.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub site: String,
    pub at: Millis,
    /// The admin's user name and display name, as they were.
    pub actor: String,
    pub actor_name: String,
    /// The address the request came from.
    pub client: String,
    /// What kind of change (`account.created`, `site.changed`, …).
    pub action: String,
    pub detail: String,
}

/// One line of the session details report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReportEntry {
    pub at: Millis,
    pub kind: String,
    pub actor: String,
    pub detail: String,
}

/// What the session history is asked for: a site's sessions, newest
/// first, narrowed by each filter given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryQuery {
    pub site: String,
    /// Only sessions this CSR account started or took part in.
    pub account: Option<i64>,
    /// Started at or after.
    pub from: Option<Millis>,
    /// Started before.
    pub to: Option<Millis>,
    /// Part of a CSR's display name (any case).
    pub csr: Option<String>,
    /// Part of a customer's display name (any case).
    pub customer: Option<String>,
    /// `running`, or how it ended (see [`outcome`]).
    pub outcome: Option<String>,
    pub limit: u32,
}

/// One session in the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub number: String,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
    pub status: SessionStatus,
    /// How it ended, in one word; `None` while it runs (and for sessions
    /// that ended before outcomes were kept).
    pub outcome: Option<String>,
    pub end_reason: Option<String>,
    /// The CSRs' and customers' display names, in the order they joined.
    pub csrs: Vec<String>,
    pub customers: Vec<String>,
}

/// How sessions end, as the history keeps and searches it.
pub mod outcome {
    pub const ENDED_BY_HOST: &str = "ended_by_host";
    pub const HOST_DID_NOT_RETURN: &str = "host_did_not_return";
    pub const CUSTOMER_LEFT_WAITING: &str = "customer_left_waiting";
    pub const ACCOUNT_CLOSED: &str = "account_closed";
    pub const SERVER_RESTARTED: &str = "server_restarted";
    pub const SERVER_STOPPED: &str = "server_stopped";
    pub const NOT_RECORDED: &str = "not_recorded";
    /// Every outcome, for checking a filter.
    pub const ALL: &[&str] = &[
        ENDED_BY_HOST,
        HOST_DID_NOT_RETURN,
        CUSTOMER_LEFT_WAITING,
        ACCOUNT_CLOSED,
        SERVER_RESTARTED,
        SERVER_STOPPED,
        NOT_RECORDED,
    ];
}
