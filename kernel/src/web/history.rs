//! Session history over REST: a CSR's own past (and running) sessions, or
//! for a site admin all of the site's, newest first, searched by date,
//! CSR, customer name and outcome. Each opens its session details report
//! (`reports.rs`), which checks the same rights.

use std::sync::Arc;
use std::time::UNIX_EPOCH;

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::SignedIn;
use crate::Kernel;
use crate::session::report::timestamp;
use crate::storage::{AccountRole, HistoryQuery, Millis, outcome};
use crate::web::error::ApiError;

/// Sessions listed when the request does not say.
const DEFAULT_LIMIT: u32 = 100;
/// Most sessions one request lists.
const MAX_LIMIT: u32 = 500;
/// Longest name searched for, in characters.
const MAX_NAME_CHARS: usize = 80;
const DAY_MILLIS: Millis = 24 * 60 * 60 * 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryParams {
    /// First day, `YYYY-MM-DD` (UTC).
    #[serde(default)]
    from: Option<String>,
    /// Last day, included.
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    csr: Option<String>,
    #[serde(default)]
    customer: Option<String>,
    /// `running`, or how a session ended.
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    limit: Option<u32>,
}

/// The start of day `date` (`YYYY-MM-DD`, UTC) in Unix milliseconds.
fn day_start(field: &str, date: &str) -> Result<Millis, ApiError> {
    let refused = || ApiError::malformed(format!("{field}: a date as YYYY-MM-DD, not `{date}`"));
    if date.len() != 10 {
        return Err(refused());
    }
    let time = humantime::parse_rfc3339(&format!("{date}T00:00:00Z")).map_err(|_| refused())?;
    let millis = time.duration_since(UNIX_EPOCH).map_err(|_| refused())?;
    Millis::try_from(millis.as_millis()).map_err(|_| refused())
}

/// A name to search for: trimmed, `None` when empty.
fn name(field: &str, text: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(text) = text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::malformed(format!(
            "{field}: at most {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(Some(text))
}

/// `GET /api/sessions/history`
pub async fn list(
    State(kernel): State<Arc<Kernel>>,
    SignedIn { account, .. }: SignedIn,
    Query(params): Query<HistoryParams>,
) -> Result<Json<Value>, ApiError> {
    let from = params
        .from
        .as_deref()
        .filter(|d| !d.is_empty())
        .map(|d| day_start("from", d))
        .transpose()?;
    let to = params
        .to
        .as_deref()
        .filter(|d| !d.is_empty())
        .map(|d| day_start("to", d).map(|start| start + DAY_MILLIS))
        .transpose()?;
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        return Err(ApiError::malformed("from: a day on or before `to`"));
    }
    let outcome = params.outcome.filter(|o| !o.is_empty());
    if let Some(wanted) = &outcome
        && wanted != "running"
        && !outcome::ALL.contains(&wanted.as_str())
    {
        return Err(ApiError::malformed(format!(
            "outcome: `running` or one of {}, not `{wanted}`",
            outcome::ALL.join(", ")
        )));
    }
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::malformed(format!("limit: 1 to {MAX_LIMIT}")));
    }
    let query = HistoryQuery {
        site: account.site.clone(),
        // A CSR sees their own sessions; a site admin all of the site's.
        account: (account.role != AccountRole::Admin).then_some(account.id),
        from,
        to,
        csr: name("csr", params.csr)?,
        customer: name("customer", params.customer)?,
        outcome,
        limit,
    };
    let sessions: Vec<Value> = kernel
        .storage
        .session_history(&query)
        .await?
        .into_iter()
        .map(|entry| {
            json!({
                "number": entry.number,
                "started_at": timestamp(entry.started_at),
                "ended_at": entry.ended_at.map(timestamp),
                "status": entry.status.as_str(),
                "outcome": entry.outcome,
                "reason": entry.end_reason,
                "csrs": entry.csrs,
                "customers": entry.customers,
            })
        })
        .collect();
    Ok(Json(json!({
        "sessions": sessions,
        "all_of_the_site": account.role == AccountRole::Admin,
    })))
}
