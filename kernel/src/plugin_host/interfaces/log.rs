//! `log`: plugin log lines go into `tracing`, tagged with the plugin and
//! site, cut to a sane length.

use crate::plugin_host::state::PluginState;

/// Longest log line kept; the rest is cut so a plugin cannot flood the log.
const MAX_LINE: usize = 4096;

/// How loud a plugin's log line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

pub fn log(state: &PluginState, level: Level, message: &str) {
    let scope = &state.context.scope;
    let line = match message.char_indices().nth(MAX_LINE) {
        Some((cut, _)) => &message[..cut],
        None => message,
    };
    let (plugin, site) = (scope.plugin.as_str(), scope.site.as_str());
    match level {
        Level::Trace => tracing::trace!(plugin, site, "{line}"),
        Level::Debug => tracing::debug!(plugin, site, "{line}"),
        Level::Info => tracing::info!(plugin, site, "{line}"),
        Level::Warn => tracing::warn!(plugin, site, "{line}"),
        Level::Error => tracing::error!(plugin, site, "{line}"),
    }
}
