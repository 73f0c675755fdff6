//! `GET /api/admin/audit`: the site's audit log (`audit.rs`) for its
//! admins — JSON for the admin page, or a CSV file to download.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::admin::require_admin;
use super::auth::SignedIn;
use crate::Kernel;
use crate::session::report::timestamp;
use crate::storage::AuditEntry;
use crate::web::error::ApiError;

/// The most lines shown or downloaded at once, newest first.
const MOST_LINES: u32 = 5000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    #[serde(default)]
    format: Option<String>,
}

pub async fn list(
    State(kernel): State<Arc<Kernel>>,
    Query(query): Query<AuditQuery>,
    SignedIn { account, .. }: SignedIn,
) -> Result<Response, ApiError> {
    require_admin(&account)?;
    let format = query.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv") {
        return Err(ApiError::malformed(format!(
            "format must be `json` or `csv`, not `{format}`"
        )));
    }
    let lines = kernel.storage.audit_log(&account.site, MOST_LINES).await?;
    if format == "json" {
        let lines: Vec<_> = lines
            .iter()
            .map(|line| {
                json!({
                    "at": timestamp(line.at),
                    "admin": line.actor,
                    "admin_name": line.actor_name,
                    "from": line.client,
                    "action": line.action,
                    "detail": line.detail,
                })
            })
            .collect();
        return Ok(Json(json!({ "site": account.site, "lines": lines })).into_response());
    }
    let csv = to_csv(&lines).map_err(|error| {
        tracing::error!(%error, "the audit log could not be written as CSV");
        ApiError::new(
            tether_protocol::ErrorCode::Internal,
            "the audit log could not be written",
        )
    })?;
    let file = format!("attachment; filename=\"tether-audit-{}.csv\"", account.site);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, file),
        ],
        csv,
    )
        .into_response())
}

/// The lines as CSV, a header first.
fn to_csv(lines: &[AuditEntry]) -> Result<String, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["at", "admin", "admin_name", "from", "action", "detail"])?;
    for line in lines {
        writer.write_record([
            timestamp(line.at).as_str(),
            &inert(&line.actor),
            &inert(&line.actor_name),
            &inert(&line.client),
            &inert(&line.action),
            &inert(&line.detail),
        ])?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|error| csv::Error::from(error.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A cell a spreadsheet opens as text, never as a formula: names and
/// details come from people (an account's display name may be
/// `=HYPERLINK(…)`), so a cell starting as a formula would is quoted with
/// a leading apostrophe (OWASP's advice for CSV injection).
fn inert(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(actor_name: &str, detail: &str) -> AuditEntry {
        AuditEntry {
            site: "default".into(),
            at: 0,
            actor: "ada".into(),
            actor_name: actor_name.into(),
            client: "192.0.2.7".into(),
            action: "account.changed".into(),
            detail: detail.into(),
        }
    }

    #[test]
    fn csv_quotes_what_needs_it_and_never_starts_a_formula() {
        let text = to_csv(&[
            line("Ada, Admin", "cara: display name \"C\" → \"D\""),
            line("=HYPERLINK(\"http://x\")", "-2+3"),
        ])
        .expect("CSV");
        let mut rows = text.lines();
        assert_eq!(rows.next(), Some("at,admin,admin_name,from,action,detail"));
        assert_eq!(
            rows.next(),
            Some(
                "1970-01-01T00:00:00.000Z,ada,\"Ada, Admin\",192.0.2.7,account.changed,\"cara: display name \"\"C\"\" → \"\"D\"\"\""
            )
        );
        assert_eq!(
            rows.next(),
            Some(
                "1970-01-01T00:00:00.000Z,ada,\"'=HYPERLINK(\"\"http://x\"\")\",192.0.2.7,account.changed,'-2+3"
            )
        );
        assert_eq!(rows.next(), None);
    }
}
