//! Site administration over REST: a site admin lists, creates and changes
//! the accounts of their own site. Every call needs the admin role and,
//! when it changes something, the CSRF token.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{CsrfChecked, SignedIn, account_json};
use super::extract::ApiJson;
use crate::Kernel;
use crate::accounts::AccountSpec;
use crate::audit::AdminChange;
use crate::storage::{Account, AccountRole, SessionMode};
use crate::web::client_address::ClientAddress;
use crate::web::error::ApiError;

/// Site administration (accounts here, the site in `admin_sites.rs`) is for
/// the site admin role only.
pub(super) fn require_admin(account: &Account) -> Result<(), ApiError> {
    if account.role == AccountRole::Admin {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only a site admin can manage the site and its accounts",
        ))
    }
}

/// `GET /api/admin/accounts`
pub async fn list(
    State(kernel): State<Arc<Kernel>>,
    SignedIn { account, .. }: SignedIn,
) -> Result<Json<Value>, ApiError> {
    require_admin(&account)?;
    let accounts = kernel.storage.accounts_of_site(&account.site).await?;
    Ok(Json(json!(
        accounts.iter().map(account_json).collect::<Vec<_>>()
    )))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAccountBody {
    username: String,
    display_name: String,
    #[serde(default)]
    email: String,
    password: String,
    #[serde(default = "default_role")]
    role: AccountRole,
    #[serde(default)]
    webacd_agent: bool,
    #[serde(default)]
    session_mode: Option<SessionMode>,
}

fn default_role() -> AccountRole {
    AccountRole::Csr
}

/// `POST /api/admin/accounts`: a new account on the admin's own site.
pub async fn create(
    State(kernel): State<Arc<Kernel>>,
    ClientAddress(client): ClientAddress,
    CsrfChecked(signed_in): CsrfChecked,
    ApiJson(body): ApiJson<NewAccountBody>,
) -> Result<Json<Value>, ApiError> {
    require_admin(&signed_in.account)?;
    let spec = AccountSpec {
        username: body.username,
        display_name: body.display_name,
        email: body.email,
        site: signed_in.account.site.clone(),
        password: body.password,
        role: body.role,
        webacd_agent: body.webacd_agent,
        session_mode: body.session_mode,
    };
    let created = kernel.accounts.create(spec).await?;
    tracing::info!(admin = %signed_in.account.username, account = %created.username, "account created");
    kernel
        .audit(
            &signed_in.account,
            client,
            AdminChange::AccountCreated(&created),
        )
        .await;
    Ok(Json(account_json(&created)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountChanges {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    role: Option<AccountRole>,
    #[serde(default)]
    webacd_agent: Option<bool>,
    /// `null` clears the account's own mode (the site's applies).
    #[serde(default, with = "double_option")]
    session_mode: Option<Option<SessionMode>>,
}

/// Tells "absent" from `null` for optional fields that can be cleared.
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

/// `PATCH /api/admin/accounts/{username}`
pub async fn update(
    State(kernel): State<Arc<Kernel>>,
    Path(username): Path<String>,
    ClientAddress(client): ClientAddress,
    CsrfChecked(signed_in): CsrfChecked,
    ApiJson(changes): ApiJson<AccountChanges>,
) -> Result<Json<Value>, ApiError> {
    let admin = &signed_in.account;
    require_admin(admin)?;
    let mut account = kernel
        .storage
        .account_by_username(&username)
        .await?
        .filter(|a| a.site == admin.site)
        .ok_or_else(|| ApiError::not_found(format!("no account `{username}` on this site")))?;
    let before = account.clone();
    if let Some(name) = changes.display_name {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(ApiError::malformed("display name: 1 to 80 characters"));
        }
        account.display_name = name.to_owned();
    }
    if let Some(email) = changes.email {
        account.email = email.trim().to_owned();
    }
    if let Some(role) = changes.role {
        if account.id == admin.id && role != AccountRole::Admin {
            return Err(ApiError::forbidden(
                "you cannot take the admin role from yourself; ask another site admin",
            ));
        }
        account.role = role;
    }
    if let Some(flag) = changes.webacd_agent {
        account.webacd_agent = flag;
    }
    if let Some(mode) = changes.session_mode {
        account.session_mode = mode;
    }
    kernel.storage.update_account(&account).await?;
    let change = AdminChange::AccountChanged {
        before: &before,
        after: &account,
    };
    kernel.audit(admin, client, change).await;
    Ok(Json(account_json(&account)))
}
