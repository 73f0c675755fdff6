//! Applying a site admin's change: checked against the loaded plugins,
//! saved, swapped in (the next call, command or event sees it), and the
//! plugins it enables get their `init` on the site, as at start.

use tracing::Instrument;

use super::{Site, SiteChange, SiteUpdateError, Sites, newly_enabled};
use crate::plugin_host::PluginHost;

pub async fn apply_change(
    sites: &Sites,
    plugins: &PluginHost,
    id: &str,
    change: &SiteChange,
) -> Result<Site, SiteUpdateError> {
    let span = tracing::info_span!("site_update", site = %id);
    async {
        let loaded = plugins.loaded_ids();
        let update = sites.update(id, change, &loaded).await?;
        let new = newly_enabled(&update.before, &update.after, &loaded);
        if !new.is_empty() {
            let new: Vec<&str> = new.iter().map(String::as_str).collect();
            tracing::info!(plugins = %new.join(", "), "plugins enabled on the site");
            plugins.init_on(id, &new).await;
        }
        Ok(update.after)
    }
    .instrument(span)
    .await
}
