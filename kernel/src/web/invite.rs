//! Invitations sent by the kernel's own mail (when SMTP is configured).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};
use tether_protocol::{Detail, ErrorCode, Language};

use super::auth::CsrfChecked;
use super::extract::ApiJson;
use crate::Kernel;
use crate::mail::MailError;
use crate::session::invite;
use crate::session::policy::Action;
use crate::web::error::ApiError;
use crate::web::error_detail;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteBody {
    /// The recipient's mail address.
    to: String,
    /// `customer` or `assistant`.
    invite: String,
    /// The language to write the invitation in: the console sends its own
    /// (or the one chosen in the invite form); English when not given.
    #[serde(default)]
    language: Language,
}

pub async fn send(
    State(kernel): State<Arc<Kernel>>,
    Path(number): Path<String>,
    CsrfChecked(signed_in): CsrfChecked,
    ApiJson(body): ApiJson<InviteBody>,
) -> Result<Json<Value>, ApiError> {
    let account = &signed_in.account;
    kernel.sessions.authorize(account, &number, Action::Drive)?;
    let invitation = match body.invite.as_str() {
        "customer" => invite::for_customer(
            body.language,
            &account.display_name,
            &kernel.public_url,
            &number,
        ),
        "assistant" => invite::for_assistant(body.language, &account.display_name, &number),
        other => {
            return Err(ApiError::malformed(format!(
                "invite must be `customer` or `assistant`, not `{other}`"
            )));
        }
    };
    let mailer = kernel.mailer.as_ref().ok_or_else(|| {
        ApiError::new(
            ErrorCode::Unavailable,
            "this server sends no mail (no [smtp] configured); use the mailto link or copy the join link",
        )
        .with_detail(Detail::NoMailServer)
    })?;
    mailer
        .send(&body.to, &invitation.subject, &invitation.body)
        .await
        .map_err(|error| {
            tracing::warn!(session = %number, %error, "invitation mail failed");
            let detail = error_detail::mail(&error);
            match error {
                MailError::Address { .. } => ApiError::malformed(error.to_string()),
                _ => ApiError::new(ErrorCode::Unavailable, error.to_string()),
            }
            .with_detail(detail)
        })?;
    kernel
        .sessions
        .record(
            &number,
            "invitation.sent",
            &account.display_name,
            format!(
                "{} invitation mailed ({})",
                body.invite,
                body.language.code()
            ),
        )
        .await;
    Ok(Json(json!({ "sent": true })))
}
