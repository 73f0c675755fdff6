//! Rows into records, for every back end: each driver's row type says
//! how to read a column ([`Columns`]), and the records are built from
//! columns by one piece of code, so the back ends cannot drift apart in
//! what a stored row means.

use std::str::FromStr;

use sqlx::Row;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

use super::records::*;

/// The column readings the records need.
pub(super) trait Columns {
    fn text(&self, column: &str) -> Result<String, sqlx::Error>;
    fn maybe_text(&self, column: &str) -> Result<Option<String>, sqlx::Error>;
    fn int(&self, column: &str) -> Result<i64, sqlx::Error>;
    fn maybe_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error>;
    fn flag(&self, column: &str) -> Result<bool, sqlx::Error>;
}

macro_rules! columns_of {
    ($row:ty) => {
        impl Columns for $row {
            fn text(&self, column: &str) -> Result<String, sqlx::Error> {
                self.try_get(column)
            }
            fn maybe_text(&self, column: &str) -> Result<Option<String>, sqlx::Error> {
                self.try_get(column)
            }
            fn int(&self, column: &str) -> Result<i64, sqlx::Error> {
                self.try_get(column)
            }
            fn maybe_int(&self, column: &str) -> Result<Option<i64>, sqlx::Error> {
                self.try_get(column)
            }
            fn flag(&self, column: &str) -> Result<bool, sqlx::Error> {
                self.try_get(column)
            }
        }
    };
}

columns_of!(SqliteRow);
columns_of!(PgRow);

fn parse<T: FromStr<Err = String>>(text: String) -> Result<T, sqlx::Error> {
    text.parse()
        .map_err(|error: String| sqlx::Error::Decode(error.into()))
}

pub(super) fn account(row: impl Columns) -> Result<Account, sqlx::Error> {
    Ok(Account {
        id: row.int("id")?,
        username: row.text("username")?,
        display_name: row.text("display_name")?,
        email: row.text("email")?,
        site: row.text("site")?,
        password_hash: row.text("password_hash")?,
        role: parse(row.text("role")?)?,
        webacd_agent: row.flag("webacd_agent")?,
        session_mode: row.maybe_text("session_mode")?.map(parse).transpose()?,
        created_at: row.int("created_at")?,
        disabled: row.flag("disabled")?,
        must_change_password: row.flag("must_change_password")?,
        totp_secret: row.maybe_text("totp_secret")?,
        totp_pending: row.maybe_text("totp_pending")?,
        totp_last_step: row.maybe_int("totp_last_step")?,
        recovery_codes: row
            .text("recovery_codes")?
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
    })
}

pub(super) fn site(row: impl Columns) -> Result<SiteRecord, sqlx::Error> {
    let plugins = row.text("plugins")?;
    let max = row.int("max_customers_per_csr")?;
    Ok(SiteRecord {
        id: row.text("id")?,
        name: row.text("name")?,
        plugins: serde_json::from_str(&plugins)
            .map_err(|error| sqlx::Error::Decode(Box::new(error)))?,
        session_mode: parse(row.text("session_mode")?)?,
        max_customers_per_csr: u32::try_from(max)
            .map_err(|error| sqlx::Error::Decode(Box::new(error)))?,
        two_factor: parse(row.text("two_factor")?)?,
        report_retention_days: u32::try_from(row.int("report_retention_days")?)
            .map_err(|error| sqlx::Error::Decode(Box::new(error)))?,
        updated_at: row.int("updated_at")?,
    })
}

pub(super) fn web_session(row: impl Columns) -> Result<WebSession, sqlx::Error> {
    Ok(WebSession {
        token_hash: row.text("token_hash")?,
        account_id: row.int("account_id")?,
        csrf_token: row.text("csrf_token")?,
        expires_at: row.int("expires_at")?,
    })
}

pub(super) fn session(row: impl Columns) -> Result<SessionRecord, sqlx::Error> {
    Ok(SessionRecord {
        number: row.text("number")?,
        site: row.text("site")?,
        mode: parse(row.text("mode")?)?,
        started_by: row.maybe_int("started_by")?,
        status: parse(row.text("status")?)?,
        started_at: row.int("started_at")?,
        ended_at: row.maybe_int("ended_at")?,
        end_reason: row.maybe_text("end_reason")?,
    })
}

pub(super) fn participant(row: impl Columns) -> Result<ParticipantRecord, sqlx::Error> {
    Ok(ParticipantRecord {
        id: row.text("id")?,
        session: row.text("session")?,
        role: parse(row.text("role")?)?,
        display_name: row.text("display_name")?,
        account_id: row.maybe_int("account_id")?,
        join_token_hash: row.maybe_text("join_token_hash")?,
        joined_at: row.int("joined_at")?,
        left_at: row.maybe_int("left_at")?,
    })
}

pub(super) fn grant(row: impl Columns) -> Result<GrantRecord, sqlx::Error> {
    Ok(GrantRecord {
        id: row.text("id")?,
        session: row.text("session")?,
        customer: row.text("customer")?,
        asked_by: row.text("asked_by")?,
        plugin: row.text("plugin")?,
        capability: row.text("capability")?,
        granted_at: row.int("granted_at")?,
        expires_at: row.maybe_int("expires_at")?,
        revoked_at: row.maybe_int("revoked_at")?,
    })
}

pub(super) fn audit_entry(row: impl Columns) -> Result<AuditEntry, sqlx::Error> {
    Ok(AuditEntry {
        site: row.text("site")?,
        at: row.int("at")?,
        actor: row.text("actor")?,
        actor_name: row.text("actor_name")?,
        client: row.text("client")?,
        action: row.text("action")?,
        detail: row.text("detail")?,
    })
}

pub(super) fn report_entry(row: impl Columns) -> Result<ReportEntry, sqlx::Error> {
    Ok(ReportEntry {
        at: row.int("at")?,
        kind: row.text("kind")?,
        actor: row.text("actor")?,
        detail: row.text("detail")?,
    })
}

pub(super) fn history_entry(row: impl Columns) -> Result<HistoryEntry, sqlx::Error> {
    Ok(HistoryEntry {
        number: row.text("number")?,
        started_at: row.int("started_at")?,
        ended_at: row.maybe_int("ended_at")?,
        status: parse(row.text("status")?)?,
        outcome: row.maybe_text("outcome")?,
        end_reason: row.maybe_text("end_reason")?,
        csrs: Vec::new(),
        customers: Vec::new(),
    })
}
