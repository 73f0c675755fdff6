//! Plugin manifests as this kernel reads them: `tether-manifest` parses and
//! validates, against the plugin API versions and interfaces this kernel
//! hosts (the one table in `wit/`).

use std::path::Path;

pub use tether_manifest::{
    DeclaredCapability, HostedApi, MAX_CONSENT_TEXT, MAX_MEMORY_MB, MAX_TIME_PER_EVENT_MS,
    Manifest, ManifestError, Panel, RequestedLimits,
};

use super::wit;

/// The API versions this kernel hosts, with their interface names.
pub fn hosted() -> Vec<HostedApi<'static>> {
    wit::VERSIONS
        .iter()
        .map(|(version, interfaces)| HostedApi {
            version,
            interfaces: interfaces.iter().map(|i| i.name).collect(),
        })
        .collect()
}

/// Reads and validates the manifest at `path`.
pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
    Manifest::load(path, &hosted())
}

/// Validates manifest `text`; `file` is only named in errors.
pub fn parse(file: &Path, text: &str) -> Result<Manifest, ManifestError> {
    Manifest::parse(file, text, &hosted())
}
