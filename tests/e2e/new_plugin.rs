//! `cargo xtask new-plugin`: the scaffold builds, passes its own test, builds
//! as a component and loads in the kernel. It runs in a workspace of its own
//! (a temp dir) that uses this repository's SDK, so the repository is not
//! touched.

use std::path::Path;
use std::process::Command;

use tether_tests::{kernel_binary, target_dir, workspace_root};

fn run(command: &mut Command) -> String {
    let output = command.output().expect("command starts");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{command:?} failed:\n{text}");
    text
}

#[test]
fn a_scaffolded_plugin_builds_passes_its_test_and_loads() {
    let root = workspace_root();
    let scratch = tempfile::tempdir().expect("temp dir");
    let ws = scratch.path();
    let sdk = root.join("sdk/guest");
    std::fs::write(
        ws.join("Cargo.toml"),
        format!(
            r#"[workspace]
resolver = "3"
members = ["plugins/*"]

[workspace.package]
version = "0.1.0"
edition = "2024"
rust-version = "1.95"
license = "Apache-2.0"

[workspace.dependencies]
tether-sdk = {{ path = {sdk:?} }}

[profile.plugin]
inherits = "release"
opt-level = "s"
strip = true
"#
        ),
    )
    .expect("workspace manifest");
    std::fs::copy(
        root.join("rust-toolchain.toml"),
        ws.join("rust-toolchain.toml"),
    )
    .expect("toolchain file");
    std::fs::copy(root.join("Cargo.lock"), ws.join("Cargo.lock")).expect("lock file");

    let cargo = || {
        let mut command = Command::new(env!("CARGO"));
        command
            .current_dir(ws)
            .env("CARGO_TARGET_DIR", target_dir().join("scaffold-test"));
        command
    };
    run(cargo()
        .current_dir(&root)
        .args([
            "run",
            "--quiet",
            "--package",
            "xtask",
            "--",
            "new-plugin",
            "screen-notes",
            "--workspace",
        ])
        .arg(ws));
    assert!(ws.join("plugins/screen-notes/src/lib.rs").is_file());

    let tested = run(cargo().args(["test", "--offline"]));
    assert!(tested.contains("hello_greets_by_name ... ok"), "{tested}");

    run(cargo().args([
        "build",
        "--offline",
        "--target",
        "wasm32-wasip2",
        "--profile",
        "plugin",
    ]));
    let artifacts = ws.join("artifacts");
    std::fs::create_dir_all(&artifacts).expect("artifacts dir");
    let built =
        target_dir().join("scaffold-test/wasm32-wasip2/plugin/tether_plugin_screen_notes.wasm");
    std::fs::copy(&built, artifacts.join("screen-notes.wasm")).expect("component built");

    let checked = run(Command::new(kernel_binary())
        .args(["plugins", "check", "--manifests-dir"])
        .arg(ws.join("manifests"))
        .env("TETHER_PLUGINS__ARTIFACTS_DIR", &artifacts)
        .env("TETHER_PLUGINS__CACHE_DIR", ws.join("cache"))
        .env("RUST_LOG", "off"));
    assert!(
        checked.contains("ok       screen-notes 0.1.0 (Screen Notes)"),
        "{checked}"
    );
    assert!(Path::new(&ws.join("manifests/screen-notes.toml")).is_file());
}
