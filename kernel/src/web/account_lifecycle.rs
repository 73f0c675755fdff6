//! An account's life after its creation, by a site admin over REST: a
//! password reset (its owner chooses their own at the next sign-in), a
//! second factor reset (a lost phone), disabling and enabling it, deleting
//! it. Each ends the CSR's sign-ins and
//! closes their consoles on every node; disabling and deleting also take
//! them out of every session (those they host end, the report says why).
//! An admin never does these to their own account. Each leaves an audit
//! line.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::admin::require_admin;
use super::auth::{CsrfChecked, account_json};
use super::client_address::ClientAddress;
use super::extract::ApiJson;
use crate::Kernel;
use crate::audit::AdminChange;
use crate::web::error::ApiError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetBody {
    /// The temporary password the admin tells the CSR.
    password: String,
}

/// `POST /api/admin/accounts/{username}/password`
pub async fn reset_password(
    State(kernel): State<Arc<Kernel>>,
    Path(username): Path<String>,
    ClientAddress(client): ClientAddress,
    CsrfChecked(signed_in): CsrfChecked,
    ApiJson(body): ApiJson<ResetBody>,
) -> Result<Json<Value>, ApiError> {
    let admin = &signed_in.account;
    require_admin(admin)?;
    let account = kernel.accounts.managed_by(admin, &username).await?;
    kernel
        .accounts
        .reset_password(&account, &body.password)
        .await?;
    kernel.desk.signed_out_everywhere(&account, None).await;
    tracing::info!(admin = %admin.username, account = %account.username, "password reset");
    let change = AdminChange::PasswordReset(&account);
    kernel.audit(admin, client, change).await;
    let account = crate::storage::Account {
        must_change_password: true,
        ..account
    };
    Ok(Json(account_json(&account)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisabledBody {
    disabled: bool,
}

/// `PUT /api/admin/accounts/{username}/disabled`
pub async fn set_disabled(
    State(kernel): State<Arc<Kernel>>,
    Path(username): Path<String>,
    ClientAddress(client): ClientAddress,
    CsrfChecked(signed_in): CsrfChecked,
    ApiJson(body): ApiJson<DisabledBody>,
) -> Result<Json<Value>, ApiError> {
    let admin = &signed_in.account;
    require_admin(admin)?;
    let account = kernel.accounts.managed_by(admin, &username).await?;
    if account.disabled == body.disabled {
        return Ok(Json(account_json(&account)));
    }
    let account = kernel
        .accounts
        .set_disabled(&account, body.disabled)
        .await?;
    if account.disabled {
        kernel.desk.account_closed(&account, admin).await;
    }
    tracing::info!(admin = %admin.username, account = %account.username, disabled = account.disabled, "account disabled or enabled");
    let change = AdminChange::AccountDisabled {
        account: &account,
        disabled: account.disabled,
    };
    kernel.audit(admin, client, change).await;
    Ok(Json(account_json(&account)))
}

/// `DELETE /api/admin/accounts/{username}`
pub async fn delete(
    State(kernel): State<Arc<Kernel>>,
    Path(username): Path<String>,
    ClientAddress(client): ClientAddress,
    CsrfChecked(signed_in): CsrfChecked,
) -> Result<Json<Value>, ApiError> {
    let admin = &signed_in.account;
    require_admin(admin)?;
    let account = kernel.accounts.managed_by(admin, &username).await?;
    // Deleted first, so a refusal changes nothing; the running sessions
    // know the CSR by the account's id, which they keep.
    kernel.accounts.delete(&account).await?;
    kernel.desk.account_closed(&account, admin).await;
    tracing::info!(admin = %admin.username, account = %account.username, "account deleted");
    let change = AdminChange::AccountDeleted(&account);
    kernel.audit(admin, client, change).await;
    Ok(Json(json!({ "deleted": account.username })))
}

/// `POST /api/admin/accounts/{username}/two-factor/reset`: a site admin
/// removes another account's second factor; its sign-ins end.
pub async fn reset_two_factor(
    State(kernel): State<Arc<Kernel>>,
    Path(username): Path<String>,
    ClientAddress(client): ClientAddress,
    CsrfChecked(signed_in): CsrfChecked,
) -> Result<Json<Value>, ApiError> {
    let admin = &signed_in.account;
    require_admin(admin)?;
    let account = kernel.accounts.managed_by(admin, &username).await?;
    kernel.accounts.reset_two_factor(&account).await?;
    kernel.desk.signed_out_everywhere(&account, None).await;
    tracing::info!(admin = %admin.username, account = %account.username, "two-factor sign-in reset");
    let change = AdminChange::TwoFactorReset(&account);
    kernel.audit(admin, client, change).await;
    let account = crate::storage::Account {
        totp_secret: None,
        ..account
    };
    Ok(Json(account_json(&account)))
}
