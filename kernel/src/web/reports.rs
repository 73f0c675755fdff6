//! The session details report download (JSON or plain text), for the CSRs
//! who were in the session and the admins of its site.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tether_protocol::Detail;

use super::auth::SignedIn;
use crate::Kernel;
use crate::session::report;
use crate::storage::AccountRole;
use crate::web::error::ApiError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    #[serde(default)]
    format: Option<String>,
}

pub async fn download(
    State(kernel): State<Arc<Kernel>>,
    Path(number): Path<String>,
    Query(query): Query<ReportQuery>,
    SignedIn { account, .. }: SignedIn,
) -> Result<Response, ApiError> {
    let format = query.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "text") {
        return Err(ApiError::malformed(format!(
            "format must be `json` or `text`, not `{format}`"
        )));
    }
    let session = kernel
        .storage
        .session(&number)
        .await?
        .ok_or_else(|| no_report(&number))?;
    let was_in_it = kernel
        .storage
        .participants(&number)
        .await?
        .iter()
        .any(|p| p.account_id == Some(account.id));
    let site_admin = account.role == AccountRole::Admin && account.site == session.site;
    if !was_in_it && !site_admin {
        // Same answer as for a session that does not exist: numbers are not
        // confirmed to people who have no business with them.
        return Err(no_report(&number));
    }
    let entries = kernel.sessions.report_lines(&number).await?;
    let (content_type, extension, body) = match format {
        "text" => (
            "text/plain; charset=utf-8",
            "txt",
            report::to_text(&session, &entries),
        ),
        _ => (
            "application/json",
            "json",
            report::to_json(&session, &entries).to_string(),
        ),
    };
    let disposition = format!("attachment; filename=\"session-{number}.{extension}\"");
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// No report of session `number` for this CSR (none, or not theirs: the
/// same answer, so numbers cannot be probed).
fn no_report(number: &str) -> ApiError {
    ApiError::not_found(format!("no support session {number}")).with_detail(
        Detail::NoSessionReport {
            number: number.to_owned(),
        },
    )
}
