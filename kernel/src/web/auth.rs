//! Signing in and out, and the extractors that say who is signed in.
//!
//! The cookie holds a random token (only its hash is stored) and is
//! `HttpOnly; SameSite=Strict`. Every state-changing REST call must also
//! carry the sign-in's CSRF token in the `X-CSRF-Token` header.

use std::sync::Arc;

use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::ApiJson;
use crate::Kernel;
use crate::accounts::{AccountError, SIGN_IN_LIFETIME};
use crate::storage::{Account, WebSession};
use crate::web::client_address::ClientAddress;
use crate::web::error::ApiError;

pub const COOKIE: &str = "tether_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A signed-in CSR (whose password need not be changed first).
pub struct SignedIn {
    pub account: Account,
    pub web: WebSession,
}

/// Who the cookie signs in; `anyway` also while the password a site admin
/// set must be changed first, or a second factor the site requires set
/// up.
async fn signed_in(parts: &Parts, kernel: &Kernel, anyway: bool) -> Result<SignedIn, ApiError> {
    let jar = CookieJar::from_headers(&parts.headers);
    let token = jar
        .get(COOKIE)
        .map(|c| c.value().to_owned())
        .ok_or(AccountError::NotSignedIn)?;
    let (account, web) = if anyway {
        kernel
            .accounts
            .authenticate_to_change_password(&token)
            .await?
    } else {
        kernel.accounts.authenticate(&token).await?
    };
    if !anyway && must_set_up_two_factor(kernel, &account) {
        return Err(AccountError::TwoFactorEnrolmentRequired.into());
    }
    Ok(SignedIn { account, web })
}

/// Whether the account's site requires a second factor it has not set up.
pub fn must_set_up_two_factor(kernel: &Kernel, account: &Account) -> bool {
    account.totp_secret.is_none()
        && kernel
            .sites
            .snapshot()
            .site(&account.site)
            .is_some_and(|site| site.settings.two_factor.requires(account.role))
}

/// The account as the console sees it: with what it must do before
/// anything else opens.
pub fn account_view(kernel: &Kernel, account: &Account) -> Value {
    let mut view = account_json(account);
    view["must_set_up_two_factor"] = json!(must_set_up_two_factor(kernel, account));
    view
}

/// `signed_in` if the request carries its sign-in's CSRF token.
fn csrf_checked(parts: &Parts, signed_in: SignedIn) -> Result<SignedIn, ApiError> {
    let sent = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !constant_time_eq(sent.as_bytes(), signed_in.web.csrf_token.as_bytes()) {
        return Err(ApiError::csrf_token_missing());
    }
    Ok(signed_in)
}

impl FromRequestParts<Arc<Kernel>> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, kernel: &Arc<Kernel>) -> Result<Self, ApiError> {
        signed_in(parts, kernel, false).await
    }
}

/// A signed-in CSR whose request carries the matching CSRF token; required
/// by every REST call that changes something.
pub struct CsrfChecked(pub SignedIn);

impl FromRequestParts<Arc<Kernel>> for CsrfChecked {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, kernel: &Arc<Kernel>) -> Result<Self, ApiError> {
        let signed_in = signed_in(parts, kernel, false).await?;
        csrf_checked(parts, signed_in).map(CsrfChecked)
    }
}

/// Signed in, even while the password a site admin set must be changed or
/// a second factor the site requires set up: for the calls that stay open
/// then (who am I, change the password, set up the second factor, sign
/// out).
pub struct SignedInAnyway(pub SignedIn);

impl FromRequestParts<Arc<Kernel>> for SignedInAnyway {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, kernel: &Arc<Kernel>) -> Result<Self, ApiError> {
        signed_in(parts, kernel, true).await.map(SignedInAnyway)
    }
}

/// [`SignedInAnyway`] with the CSRF token checked.
pub struct CsrfCheckedAnyway(pub SignedIn);

impl FromRequestParts<Arc<Kernel>> for CsrfCheckedAnyway {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, kernel: &Arc<Kernel>) -> Result<Self, ApiError> {
        let signed_in = signed_in(parts, kernel, true).await?;
        csrf_checked(parts, signed_in).map(CsrfCheckedAnyway)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn account_json(account: &Account) -> Value {
    json!({
        "id": account.id,
        "username": account.username,
        "display_name": account.display_name,
        "email": account.email,
        "site": account.site,
        "role": account.role.as_str(),
        "webacd_agent": account.webacd_agent,
        "session_mode": account.session_mode.map(|m| m.as_str()),
        "disabled": account.disabled,
        "must_change_password": account.must_change_password,
        "two_factor": account.totp_secret.is_some(),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInBody {
    username: String,
    password: String,
    /// For an account with a second factor: a TOTP or recovery code.
    #[serde(default)]
    code: Option<String>,
}

pub async fn sign_in(
    State(kernel): State<Arc<Kernel>>,
    ClientAddress(client): ClientAddress,
    jar: CookieJar,
    ApiJson(body): ApiJson<SignInBody>,
) -> Result<(CookieJar, Json<Value>), ApiError> {
    let signed_in = kernel
        .accounts
        .sign_in(&body.username, &body.password, body.code.as_deref(), client)
        .await?;
    tracing::info!(csr = %signed_in.account.username, "signed in");
    // A new sign-in starts away: the CSR says when they take customers.
    kernel.desk.signed_in(&signed_in.account).await;
    let cookie = Cookie::build((COOKIE, signed_in.token))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(kernel.public_url.starts_with("https://"))
        .path("/")
        .max_age(cookie_max_age());
    Ok((
        jar.add(cookie),
        Json(
            json!({ "account": account_view(&kernel, &signed_in.account), "csrf_token": signed_in.csrf_token }),
        ),
    ))
}

fn cookie_max_age() -> time::Duration {
    time::Duration::seconds(SIGN_IN_LIFETIME.as_secs() as i64)
}

pub async fn sign_out(
    State(kernel): State<Arc<Kernel>>,
    CsrfCheckedAnyway(_): CsrfCheckedAnyway,
    jar: CookieJar,
) -> Result<(CookieJar, Json<Value>), ApiError> {
    if let Some(cookie) = jar.get(COOKIE) {
        kernel.accounts.sign_out(cookie.value()).await?;
    }
    Ok((
        jar.remove(Cookie::build(COOKIE).path("/")),
        Json(json!({ "signed_out": true })),
    ))
}

pub async fn me(
    State(kernel): State<Arc<Kernel>>,
    SignedInAnyway(signed_in): SignedInAnyway,
) -> Json<Value> {
    Json(
        json!({ "account": account_view(&kernel, &signed_in.account), "csrf_token": signed_in.web.csrf_token }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeBody {
    current: String,
    new: String,
}

/// `POST /api/auth/password`: the signed-in CSR changes their password
/// (also when a site admin reset it). Their other sign-ins end, and the
/// consoles open with them close on every node; this one stays.
pub async fn change_password(
    State(kernel): State<Arc<Kernel>>,
    ClientAddress(client): ClientAddress,
    CsrfCheckedAnyway(signed_in): CsrfCheckedAnyway,
    ApiJson(body): ApiJson<PasswordChangeBody>,
) -> Result<Json<Value>, ApiError> {
    let account = &signed_in.account;
    kernel
        .accounts
        .change_own_password(
            account,
            &signed_in.web.token_hash,
            &body.current,
            &body.new,
            client,
        )
        .await?;
    kernel
        .desk
        .signed_out_everywhere(account, Some(&signed_in.web.token_hash))
        .await;
    tracing::info!(csr = %account.username, "password changed");
    let changed = Account {
        must_change_password: false,
        ..account.clone()
    };
    Ok(Json(json!({ "account": account_view(&kernel, &changed) })))
}
