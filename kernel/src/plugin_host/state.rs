//! The data of one event's store: the WASI context with nothing granted, the
//! limits, captured stdout/stderr, and who the event is for.

use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::limits::{GrantedLimits, MemoryCap, TimeBudget};
use super::manifest::Manifest;
use super::services::{DeskServices, PluginKv, PluginScope, PublicCaller, SessionServices};

/// How much of a plugin's stdout/stderr is kept per event.
const OUTPUT_CAPTURE_BYTES: usize = 64 * 1024;

/// What the host interfaces need to serve one event.
pub struct EventContext {
    pub scope: PluginScope,
    pub manifest: Arc<Manifest>,
    pub sessions: Arc<dyn SessionServices>,
    pub kv: Arc<dyn PluginKv>,
    pub desk: Arc<dyn DeskServices>,
    /// Who sent the public command being handled, if it is one: only then
    /// may the plugin open a waiting session (for them).
    pub public_caller: Option<Arc<PublicCaller>>,
}

pub struct PluginState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub memory: MemoryCap,
    pub budget: TimeBudget,
    pub stdout: MemoryOutputPipe,
    pub stderr: MemoryOutputPipe,
    pub context: EventContext,
}

impl PluginState {
    pub fn new(context: EventContext, limits: GrantedLimits) -> PluginState {
        let stdout = MemoryOutputPipe::new(OUTPUT_CAPTURE_BYTES);
        let stderr = MemoryOutputPipe::new(OUTPUT_CAPTURE_BYTES);
        // Nothing is granted: no preopened directories, no environment, no
        // arguments, no network, no name lookups. Output is captured and
        // logged by the host after the event.
        let wasi = WasiCtx::builder()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        PluginState {
            wasi,
            table: ResourceTable::new(),
            memory: MemoryCap::new(limits.memory_bytes),
            budget: TimeBudget::new(limits.time_per_event),
            stdout,
            stderr,
            context,
        }
    }
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
