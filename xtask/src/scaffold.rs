//! `cargo xtask new-plugin NAME`: a plugin crate and its manifest that build,
//! pass their own test, and load in the kernel as they are.

use std::path::Path;

use anyhow::{Context, Result, bail};

fn valid_id(name: &str) -> bool {
    name.len() <= 32
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

pub fn new_plugin(root: &Path, name: &str) -> Result<()> {
    if !valid_id(name) {
        bail!(
            "`{name}` is not a plugin id: 1 to 32 lowercase letters, digits and dashes, starting with a letter"
        );
    }
    let crate_dir = root.join("plugins").join(name);
    let manifest = root.join("manifests").join(format!("{name}.toml"));
    for path in [&crate_dir, &manifest] {
        if path.exists() {
            bail!("{} already exists", path.display());
        }
    }
    let title = name
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ");
    let type_name = title.replace(' ', "");

    std::fs::create_dir_all(crate_dir.join("src"))?;
    std::fs::create_dir_all(root.join("manifests"))?;
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
    };
    write(
        &crate_dir.join("Cargo.toml"),
        format!(
            r#"[package]
name = "tether-plugin-{name}"
description = "Tether plugin: {title}."
version.workspace = true
edition.workspace = true
rust-version.workspace = true
license.workspace = true
publish = false

[lib]
crate-type = ["cdylib", "rlib"]

[dependencies]
tether-sdk.workspace = true
"#
        ),
    )?;
    write(
        &crate_dir.join("src/lib.rs"),
        format!(
            r#"//! Tether plugin `{name}`.

use tether_sdk::prelude::*;

pub struct {type_name};

impl Plugin for {type_name} {{
    fn command(command: Command) -> Result<Value, PluginError> {{
        match command.name.as_str() {{
            "hello" => {{
                let who: String = command.payload_json()?;
                host::log::info(&format!("saying hello to {{who}}"));
                Ok(json!({{ "greeting": format!("Hello, {{who}}!") }}))
            }}
            other => Err(PluginError::InvalidInput(format!("unknown command `{{other}}`"))),
        }}
    }}
}}

tether_sdk::export_plugin!({type_name});

#[cfg(test)]
mod tests {{
    use super::*;
    use tether_sdk::testing::Harness;

    #[test]
    fn hello_greets_by_name() {{
        let harness = Harness::new();
        let reply = harness.command::<{type_name}>(None, None, "hello", json!("Anna"));
        assert_eq!(reply, Ok(json!({{ "greeting": "Hello, Anna!" }})));
        assert_eq!(harness.logs().len(), 1);
    }}
}}
"#
        ),
    )?;
    write(
        &manifest,
        format!(
            r#"id = "{name}"
name = "{title}"
version = "0.1.0"
api-version = "0.2"
wasm = "{name}.wasm"
description = "{title}: describe what the plugin does for the CSR."
imports = ["log"]

[limits]
memory-mb = 16
time-per-event-ms = 500
"#
        ),
    )?;
    eprintln!(
        "xtask: created {} and {}; build it with `cargo xtask plugins`",
        crate_dir.display(),
        manifest.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_ids_are_checked() {
        assert!(valid_id("screen-notes"));
        for bad in ["", "Notes", "9lives", "notes-", "no_underscores", "a b"] {
            assert!(!valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn scaffolding_refuses_to_overwrite() {
        let root = std::env::temp_dir().join(format!("tether-scaffold-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        new_plugin(&root, "notes").expect("first time");
        assert!(root.join("plugins/notes/src/lib.rs").is_file());
        assert!(root.join("manifests/notes.toml").is_file());
        let again = new_plugin(&root, "notes").expect_err("exists");
        assert!(again.to_string().contains("already exists"));
        let _ = std::fs::remove_dir_all(&root);
    }
}
