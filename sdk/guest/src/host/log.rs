//! Logging into the kernel's `tracing` output, tagged with the plugin and site.

pub use crate::bindings::v0_1::log::Level;

use super::raw;

pub fn log(level: Level, message: &str) {
    raw::log::log(level, message);
}

pub fn trace(message: &str) {
    log(Level::Trace, message);
}

pub fn debug(message: &str) {
    log(Level::Debug, message);
}

pub fn info(message: &str) {
    log(Level::Info, message);
}

pub fn warn(message: &str) {
    log(Level::Warn, message);
}

pub fn error(message: &str) {
    log(Level::Error, message);
}
