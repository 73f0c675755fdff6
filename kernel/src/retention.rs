//! Report retention: a site that keeps session reports for N days has the
//! sessions that ended longer ago deleted, reports, participants and
//! grants with them — at start, once an hour, and at once when its admin
//! changes the setting. Running sessions are never touched; 0 days keeps
//! everything. On several nodes each does it; deleting what is gone
//! already is no harm.

use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::Kernel;
use crate::site::Site;
use crate::storage::{Millis, Storage, StorageError, now_millis};

/// How often every site's old reports are looked for.
pub const EVERY: Duration = Duration::from_secs(60 * 60);

const DAY_MILLIS: Millis = 24 * 60 * 60 * 1000;

/// When reports of `site` stop being kept, at `now`: the sessions that
/// ended before it go. `None` for a site that keeps them for good.
pub fn cutoff(site: &Site, now: Millis) -> Option<Millis> {
    match site.settings.report_retention_days {
        0 => None,
        days => Some(now - Millis::from(days) * DAY_MILLIS),
    }
}

/// Deletes the reports `site` no longer keeps; how many sessions went.
pub async fn purge_site(storage: &dyn Storage, site: &Site) -> Result<u64, StorageError> {
    let Some(before) = cutoff(site, now_millis()) else {
        return Ok(0);
    };
    let purged = storage.purge_reports(&site.id, before).await?;
    if purged > 0 {
        tracing::info!(site = %site.id, purged, days = site.settings.report_retention_days, "old session reports deleted");
    }
    Ok(purged)
}

/// Every site's old reports, now.
pub async fn purge_all(kernel: &Kernel) {
    let sites = kernel.sites.snapshot();
    for site in sites.iter() {
        if let Err(error) = purge_site(kernel.storage.as_ref(), site).await {
            tracing::error!(site = %site.id, %error, "old session reports could not be deleted");
            kernel.storage_health.failed(error.to_string());
        }
    }
}

/// Purges at start and every [`EVERY`] for as long as the kernel lives.
pub fn run(kernel: &Arc<Kernel>) {
    let kernel: Weak<Kernel> = Arc::downgrade(kernel);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(kernel) = kernel.upgrade() else {
                return;
            };
            purge_all(&kernel).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::{PluginSelection, SiteSettings};

    fn site(days: u32) -> Site {
        Site {
            id: "acme".into(),
            name: "Acme".into(),
            plugins: PluginSelection::All,
            settings: SiteSettings {
                report_retention_days: days,
                ..SiteSettings::default()
            },
        }
    }

    #[test]
    fn a_site_keeps_reports_for_its_days_or_for_good() {
        let now = 100 * DAY_MILLIS;
        assert_eq!(cutoff(&site(0), now), None);
        assert_eq!(cutoff(&site(1), now), Some(99 * DAY_MILLIS));
        assert_eq!(cutoff(&site(30), now), Some(70 * DAY_MILLIS));
    }
}
