//! Bindings for `tether:plugin@0.3.0` (`sdk/wit/v0.3`): the 0.1 and 0.2
//! interfaces it imports unchanged are those versions' own bindings
//! (`with`), so only what 0.3 adds is here — `agent-files`. Its exports
//! are 0.2's (`init`, and `handle` of the 0.2 events), so a 0.3 plugin is
//! instantiated and called as a 0.2 one.

mod agent_files;

use wasmtime::component::{HasSelf, Linker};

use super::Interface;
use super::{since_v0_1, since_v0_2};
use crate::plugin_host::state::PluginState;

wasmtime::component::bindgen!({
    world: "plugin",
    path: "../sdk/wit/v0.3",
    imports: { default: async },
    exports: { default: async },
    with: {
        "tether:plugin/types@0.1.2": super::since_v0_1::tether::plugin::types,
        "tether:plugin/log@0.1.2": super::since_v0_1::tether::plugin::log,
        "tether:plugin/store@0.1.2": super::since_v0_1::tether::plugin::store,
        "tether:plugin/session@0.1.2": super::since_v0_1::tether::plugin::session,
        "tether:plugin/consent@0.1.2": super::since_v0_1::tether::plugin::consent,
        "tether:plugin/agent@0.1.2": super::since_v0_1::tether::plugin::agent,
        "tether:plugin/streams@0.2.0": super::since_v0_2::tether::plugin0_2_0::streams,
        "tether:plugin/atomic-store@0.2.0": super::since_v0_2::tether::plugin0_2_0::atomic_store,
        "tether:plugin/csrs@0.2.0": super::since_v0_2::tether::plugin0_2_0::csrs,
        "tether:plugin/offers@0.2.0": super::since_v0_2::tether::plugin0_2_0::offers,
        "tether:plugin/desk@0.2.0": super::since_v0_2::tether::plugin0_2_0::desk,
        "tether:plugin/events@0.2.0": super::since_v0_2::tether::plugin0_2_0::events,
    },
});

use tether::plugin0_3_0 as wit;

/// The kernel interfaces of 0.3: those of 0.2, and `agent-files`.
pub const INTERFACES: &[Interface] = &[
    since_v0_1::LOG,
    since_v0_1::STORE,
    since_v0_1::SESSION,
    since_v0_1::CONSENT,
    since_v0_1::AGENT,
    since_v0_2::STREAMS,
    since_v0_2::ATOMIC_STORE,
    since_v0_2::CSRS,
    since_v0_2::OFFERS,
    since_v0_2::DESK,
    Interface {
        name: "agent-files",
        link: |linker| wit::agent_files::add_to_linker::<_, HasSelf<_>>(linker, |s| s),
    },
];

/// Links what every 0.3 plugin gets: what every 0.2 plugin gets (0.3 adds
/// no types every plugin needs).
pub fn link_base(linker: &mut Linker<PluginState>) -> wasmtime::Result<()> {
    since_v0_2::link_base(linker)
}
