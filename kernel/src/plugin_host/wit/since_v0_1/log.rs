//! `tether:plugin/log@0.1` (unchanged since 0.1.0).

use super::tether::plugin::log::{Host, Level};
use crate::plugin_host::interfaces::log;
use crate::plugin_host::state::PluginState;

impl Host for PluginState {
    async fn log(&mut self, level: Level, message: String) {
        let level = match level {
            Level::Trace => log::Level::Trace,
            Level::Debug => log::Level::Debug,
            Level::Info => log::Level::Info,
            Level::Warn => log::Level::Warn,
            Level::Error => log::Level::Error,
        };
        log::log(self, level, &message);
    }
}
