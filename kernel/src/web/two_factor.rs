//! Two-factor sign-in over REST: a CSR sets it up (a secret shown as a QR
//! code, confirmed by a first code, answered with one-time recovery codes)
//! or turns it off with their password where the site does not require
//! it. A site admin resets another account's (`account_lifecycle.rs`).
//! Sign-in itself takes the code in `POST /api/auth/signin` (`auth.rs`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{CsrfChecked, CsrfCheckedAnyway, account_view};
use super::client_address::ClientAddress;
use super::extract::ApiJson;
use crate::Kernel;
use crate::web::error::ApiError;

/// `POST /api/auth/two-factor/start`: a new secret to enrol (replacing
/// one not confirmed yet).
pub async fn start(
    State(kernel): State<Arc<Kernel>>,
    CsrfCheckedAnyway(signed_in): CsrfCheckedAnyway,
) -> Result<Json<Value>, ApiError> {
    let shown = kernel.accounts.start_two_factor(&signed_in.account).await?;
    Ok(Json(json!({
        "secret": shown.secret,
        "otpauth_url": shown.otpauth_url,
        "qr_svg": shown.qr_svg,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    code: String,
}

/// `POST /api/auth/two-factor/confirm`: the first code from the app turns
/// the second factor on; the recovery codes, shown this once.
pub async fn confirm(
    State(kernel): State<Arc<Kernel>>,
    CsrfCheckedAnyway(signed_in): CsrfCheckedAnyway,
    ApiJson(body): ApiJson<ConfirmBody>,
) -> Result<Json<Value>, ApiError> {
    let account = &signed_in.account;
    let recovery_codes = kernel
        .accounts
        .confirm_two_factor(account, &body.code)
        .await?;
    tracing::info!(csr = %account.username, "two-factor sign-in set up");
    let account = kernel
        .storage
        .account(account.id)
        .await?
        .unwrap_or_else(|| account.clone());
    Ok(Json(json!({
        "recovery_codes": recovery_codes,
        "account": account_view(&kernel, &account),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveBody {
    password: String,
}

/// `POST /api/auth/two-factor/remove`: the CSR turns it off, with their
/// password, where the site does not require it.
pub async fn remove(
    State(kernel): State<Arc<Kernel>>,
    ClientAddress(client): ClientAddress,
    CsrfChecked(signed_in): CsrfChecked,
    ApiJson(body): ApiJson<RemoveBody>,
) -> Result<Json<Value>, ApiError> {
    let account = &signed_in.account;
    let required = kernel
        .sites
        .snapshot()
        .site(&account.site)
        .is_some_and(|site| site.settings.two_factor.requires(account.role));
    kernel
        .accounts
        .remove_own_two_factor(account, &body.password, required, client)
        .await?;
    tracing::info!(csr = %account.username, "two-factor sign-in turned off");
    let account = crate::storage::Account {
        totp_secret: None,
        ..account.clone()
    };
    Ok(Json(json!({ "account": account_view(&kernel, &account) })))
}
