//! A site admin's own site over REST: its name, the plugins it enables and
//! its session rules. Changes are checked, saved, and in effect for the
//! next session, join, plugin command, agent call and event.

use crate::audit::AdminChange;
use crate::web::client_address::ClientAddress;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

use super::admin::require_admin;
use super::auth::{CsrfChecked, SignedIn};
use super::extract::ApiJson;
use crate::Kernel;
use crate::site::{PluginSelection, Site, SiteChange, SiteSettings};
use crate::storage::{SessionMode, TwoFactorRule};
use crate::web::error::ApiError;

/// A loaded plugin a site admin can enable.
#[derive(Serialize)]
pub struct AvailablePlugin {
    id: String,
    name: String,
    description: String,
}

/// `GET /api/admin/site` and the answer to `PUT`.
#[derive(Serialize)]
pub struct SiteView {
    id: String,
    name: String,
    /// The loaded plugins the site enables.
    plugins: Vec<String>,
    /// `plugins = ["*"]`: every loaded plugin, including ones added later.
    all_plugins: bool,
    /// Every loaded plugin.
    available: Vec<AvailablePlugin>,
    session_mode: SessionMode,
    max_customers_per_csr: u32,
    two_factor: TwoFactorRule,
    report_retention_days: u32,
}

fn view(kernel: &Kernel, site: &Site) -> SiteView {
    let loaded = || kernel.plugins.plugins().map(|p| &p.manifest);
    SiteView {
        id: site.id.clone(),
        name: site.name.clone(),
        plugins: loaded()
            .filter(|m| site.enables(&m.id))
            .map(|m| m.id.clone())
            .collect(),
        all_plugins: site.plugins == PluginSelection::All,
        available: loaded()
            .map(|m| AvailablePlugin {
                id: m.id.clone(),
                name: m.name.clone(),
                description: m.description.clone(),
            })
            .collect(),
        session_mode: site.settings.session_mode,
        max_customers_per_csr: site.settings.max_customers_per_csr,
        two_factor: site.settings.two_factor,
        report_retention_days: site.settings.report_retention_days,
    }
}

/// `GET /api/admin/site`: the signed-in admin's site.
pub async fn get(
    State(kernel): State<Arc<Kernel>>,
    SignedIn { account, .. }: SignedIn,
) -> Result<Json<SiteView>, ApiError> {
    require_admin(&account)?;
    let sites = kernel.sites.snapshot();
    let site = sites
        .site(&account.site)
        .ok_or_else(|| ApiError::not_found(format!("no site `{}`", account.site)))?;
    Ok(Json(view(&kernel, site)))
}

/// Everything about the site a site admin sets; all fields are required,
/// so a request states the whole site.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteBody {
    name: String,
    /// Plugin ids, or `["*"]` for every loaded plugin.
    plugins: Vec<String>,
    session_mode: SessionMode,
    /// Any JSON number: what a person typed in the form's number field
    /// (`1.5`, `-1`) is refused by the site's rule, in their language,
    /// not by the JSON reader.
    max_customers_per_csr: serde_json::Number,
    /// Absent: as it is (a client that does not know it leaves it).
    #[serde(default)]
    two_factor: Option<TwoFactorRule>,
    /// Absent: as it is. Any JSON number, as `max_customers_per_csr`.
    #[serde(default)]
    report_retention_days: Option<serde_json::Number>,
}

/// The form's number as a count; anything that is not a whole number a
/// `u32` holds counts as 0, which the site's rules refuse.
fn count(number: &serde_json::Number) -> u32 {
    number
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}

/// The form's number of days; anything that is not a whole number a
/// `u32` holds counts as more than the longest retention, which the
/// site's rules refuse.
fn days(number: &serde_json::Number) -> u32 {
    number
        .as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(u32::MAX)
}

/// `PUT /api/admin/site`: replaces the admin's own site settings. A
/// refused change (400) leaves the site as it was.
pub async fn put(
    State(kernel): State<Arc<Kernel>>,
    ClientAddress(client): ClientAddress,
    CsrfChecked(signed_in): CsrfChecked,
    // Read after the role check, so a CSR learns nothing from the body's
    // checks.
    body: Result<ApiJson<SiteBody>, ApiError>,
) -> Result<Json<SiteView>, ApiError> {
    let admin = &signed_in.account;
    require_admin(admin)?;
    let ApiJson(body) = body?;
    let before = kernel.sites.snapshot().site(&admin.site).cloned();
    let current = before
        .as_ref()
        .map(|site| site.settings)
        .unwrap_or_default();
    let change = SiteChange {
        name: body.name,
        plugins: body.plugins,
        settings: SiteSettings {
            session_mode: body.session_mode,
            max_customers_per_csr: count(&body.max_customers_per_csr),
            two_factor: body.two_factor.unwrap_or(current.two_factor),
            report_retention_days: body
                .report_retention_days
                .as_ref()
                .map_or(current.report_retention_days, days),
        },
    };
    let site =
        crate::site::apply_change(&kernel.sites, &kernel.plugins, &admin.site, &change).await?;
    tracing::info!(admin = %admin.username, site = %site.id, "site changed by its admin");
    // A shorter retention applies at once, not at the next hourly pass.
    if before.as_ref().map(|b| b.settings.report_retention_days)
        != Some(site.settings.report_retention_days)
        && let Err(error) = crate::retention::purge_site(kernel.storage.as_ref(), &site).await
    {
        tracing::error!(site = %site.id, %error, "old session reports could not be deleted");
        kernel.storage_health.failed(error.to_string());
    }
    if let Some(before) = &before {
        let change = AdminChange::SiteChanged {
            before,
            after: &site,
        };
        kernel.audit(admin, client, change).await;
    }
    Ok(Json(view(&kernel, &site)))
}
