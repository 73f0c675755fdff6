//! Which imports a component may have: WASI (linked with nothing granted),
//! the shared `types` interface, and the kernel interfaces its manifest
//! declares. Pure, so the rule is unit-tested without compiling anything.

use super::manifest::Manifest;
use super::wit::{PACKAGE, TYPE_ONLY};

/// Imports of a component that its manifest does not allow.
pub fn undeclared_imports<'a>(
    imports: impl IntoIterator<Item = &'a str>,
    manifest: &Manifest,
) -> Vec<String> {
    imports
        .into_iter()
        .filter(|name| !is_allowed(name, manifest))
        .map(str::to_owned)
        .collect()
}

fn is_allowed(import: &str, manifest: &Manifest) -> bool {
    if import.starts_with("wasi:") {
        return true;
    }
    let Some(rest) = import
        .strip_prefix(PACKAGE)
        .and_then(|r| r.strip_prefix('/'))
    else {
        return false;
    };
    let interface = rest.split('@').next().unwrap_or(rest);
    TYPE_ONLY.contains(&interface) || manifest.imports.contains(interface)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn manifest(imports: &str) -> Manifest {
        let text = format!(
            "id = \"demo\"\nname = \"Demo\"\nversion = \"1.0.0\"\napi-version = \"0.1\"\nwasm = \"demo.wasm\"\ndescription = \"d\"\nimports = [{imports}]\n[limits]\nmemory-mb = 8\ntime-per-event-ms = 100\n"
        );
        super::super::manifest::parse(Path::new("demo.toml"), &text).expect("valid manifest")
    }

    #[test]
    fn wasi_types_and_declared_interfaces_are_allowed() {
        let m = manifest("\"log\", \"store\"");
        let imports = [
            "wasi:cli/environment@0.2.4",
            "tether:plugin/types@0.1.0",
            "tether:plugin/log@0.1.0",
            "tether:plugin/store@0.1.0",
        ];
        assert!(undeclared_imports(imports, &m).is_empty());
    }

    #[test]
    fn undeclared_and_foreign_interfaces_are_reported() {
        let m = manifest("\"log\"");
        let imports = [
            "tether:plugin/log@0.1.0",
            "tether:plugin/agent@0.1.0",
            "acme:spy/exfiltrate",
        ];
        assert_eq!(
            undeclared_imports(imports, &m),
            vec!["tether:plugin/agent@0.1.0", "acme:spy/exfiltrate"]
        );
    }
}
