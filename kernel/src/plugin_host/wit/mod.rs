//! Host bindings, one module per supported plugin API version (the frozen
//! directories under `sdk/wit/`). Each module has the table of its kernel
//! interfaces and converts between its generated types and the kernel's
//! own types (`services.rs`); the work itself is version-neutral
//! (`interfaces/`), so a new version is a new module, not copies.

pub mod since_v0_1;
pub mod since_v0_2;
pub mod since_v0_3;

use wasmtime::Engine;
use wasmtime::component::Linker;

use super::manifest::Manifest;
use super::state::PluginState;

/// WIT package name of the plugin API, without version.
pub const PACKAGE: &str = "tether:plugin";

/// One kernel interface a plugin may import: its WIT name and how it is
/// linked. Manifest validation and the linker read the same table.
pub struct Interface {
    pub name: &'static str,
    pub link: fn(&mut Linker<PluginState>) -> wasmtime::Result<()>,
}

/// The API versions this kernel hosts, with their interfaces.
pub const VERSIONS: &[(&str, &[Interface])] = &[
    ("0.1", since_v0_1::INTERFACES),
    ("0.2", since_v0_2::INTERFACES),
    ("0.3", since_v0_3::INTERFACES),
];

/// Interfaces that only define types: every plugin of the version may
/// import them, whatever its manifest lists.
pub const TYPE_ONLY: &[&str] = &["types", "events"];

/// The interfaces of `api_version`, if this kernel hosts it.
pub fn interfaces(api_version: &str) -> Option<&'static [Interface]> {
    VERSIONS
        .iter()
        .find(|(version, _)| *version == api_version)
        .map(|(_, interfaces)| *interfaces)
}

/// A linker with WASI (nothing granted), the shared types, and the kernel
/// interfaces `manifest` declares. A component importing anything else
/// fails to link, and the loader reports which import was undeclared
/// before it gets that far.
pub fn linker_for(engine: &Engine, manifest: &Manifest) -> wasmtime::Result<Linker<PluginState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    match manifest.api_version.as_str() {
        "0.2" => since_v0_2::link_base(&mut linker)?,
        "0.3" => since_v0_3::link_base(&mut linker)?,
        _ => since_v0_1::link_base(&mut linker)?,
    }
    let table = interfaces(&manifest.api_version).unwrap_or_default();
    for name in &manifest.imports {
        // Manifest validation only admits names of the table.
        let Some(interface) = table.iter().find(|i| i.name == name) else {
            wasmtime::bail!("no host module for interface `{name}`");
        };
        (interface.link)(&mut linker)?;
    }
    Ok(linker)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::interfaces;
    use crate::plugin_host::manifest;

    fn names(version: &str) -> Vec<&'static str> {
        interfaces(version)
            .unwrap_or_default()
            .iter()
            .map(|interface| interface.name)
            .collect()
    }

    #[test]
    fn each_version_hosts_what_the_one_before_did_and_what_it_adds() {
        let (v1, v2, v3) = (names("0.1"), names("0.2"), names("0.3"));
        assert!(v1.iter().all(|name| v2.contains(name)));
        assert!(v2.iter().all(|name| v3.contains(name)));
        assert!(v3.contains(&"agent-files"));
        assert!(!v2.contains(&"agent-files"));
        assert!(interfaces("0.4").is_none());
    }

    #[test]
    fn only_a_0_3_manifest_may_import_agent_files() {
        let text = |version: &str| {
            format!(
                "id = \"demo\"\nname = \"Demo\"\nversion = \"1.0.0\"\napi-version = \"{version}\"\nwasm = \"demo.wasm\"\ndescription = \"d\"\nimports = [\"agent\", \"agent-files\"]\n[limits]\nmemory-mb = 8\ntime-per-event-ms = 100\n"
            )
        };
        assert!(manifest::parse(Path::new("demo.toml"), &text("0.3")).is_ok());
        let refused = manifest::parse(Path::new("demo.toml"), &text("0.2"))
            .expect_err("0.2 has no agent-files");
        assert!(refused.to_string().contains("agent-files"), "{refused}");
    }
}
