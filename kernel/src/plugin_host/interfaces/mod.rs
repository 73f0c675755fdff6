//! The kernel side of each imported WIT interface, one module per interface,
//! and the linker that wires in only what a manifest declares.

mod agent;
mod consent;
mod log;
mod session;
mod store;

use std::future::Future;
use std::time::Instant;

use wasmtime::Engine;
use wasmtime::component::{HasSelf, Linker};

use super::limits::TimeBudget;
use super::manifest::Manifest;
use super::state::PluginState;
use super::wit::since_v0_1::tether::plugin as wit;

/// A linker with WASI (nothing granted) and the kernel interfaces `manifest`
/// declares. A component importing anything else fails to link, and the
/// loader reports which import was undeclared before it gets that far.
pub fn linker_for(engine: &Engine, manifest: &Manifest) -> wasmtime::Result<Linker<PluginState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wit::types::add_to_linker::<PluginState, HasSelf<PluginState>>(&mut linker, |s| s)?;
    for interface in &manifest.imports {
        match interface.as_str() {
            "log" => wit::log::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?,
            "store" => wit::store::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?,
            "session" => wit::session::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?,
            "consent" => wit::consent::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?,
            "agent" => wit::agent::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)?,
            // Manifest validation only admits the names above.
            other => wasmtime::bail!("no host module for interface `{other}`"),
        }
    }
    Ok(linker)
}

/// `types` only defines types; linking it lets components refer to them.
impl wit::types::Host for PluginState {}

/// Awaits a host-side operation without charging its duration to the
/// plugin's time budget.
async fn off_the_clock<T>(budget: &mut TimeBudget, operation: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let output = operation.await;
    budget.exclude(started.elapsed());
    output
}

/// Refuses text over `max` bytes with a message naming what it was.
fn check_len(what: &str, text: &str, max: usize) -> Result<(), String> {
    if text.len() > max {
        return Err(format!(
            "{what} is {} bytes; the limit is {max}",
            text.len()
        ));
    }
    Ok(())
}
