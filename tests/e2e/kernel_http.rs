//! The real `tether` binary: health, plugin listings per site, refused
//! plugins, and `tether plugins check`.

use std::process::Command;

use tether_tests::kernel_process::KernelProcess;
use tether_tests::{artifacts_dir, fixture_manifests, kernel_binary};

const SITES: &str = r#"
[sites.acme]
name = "Acme support"
plugins = ["echo", "panics"]

[sites.lab]
name = "Lab"
plugins = ["*"]
"#;

#[tokio::test]
async fn health_and_plugins_enabled_per_site() {
    let kernel = KernelProcess::start(&fixture_manifests(), SITES);

    let (status, health) = kernel.get_json("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");
    assert_eq!(health["plugins_loaded"], 11);
    assert_eq!(health["plugins_refused"], 0);
    assert_eq!(
        health["streams"],
        serde_json::json!({ "open": 0, "frames_relayed": 0, "bytes_relayed": 0, "frames_refused": 0, "frames_skipped": 0 })
    );

    let (status, acme) = kernel.get_json("/api/sites/acme/plugins").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = acme
        .as_array()
        .expect("list")
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["echo", "panics"]);
    let echo = &acme[0];
    assert_eq!(echo["capabilities"][0]["name"], "sysinfo.collect");
    assert_eq!(
        echo["capabilities"][0]["consent"],
        "{csr} wants to say hello to your computer"
    );

    let (_, lab) = kernel.get_json("/api/sites/lab/plugins").await;
    assert_eq!(lab.as_array().expect("list").len(), 11);

    // Which sites exist is not told to anyone who asks.
    let (status, _) = kernel.get_json("/api/sites").await;
    assert_eq!(status, 401);

    let (status, unknown) = kernel.get_json("/api/sites/nowhere/plugins").await;
    assert_eq!(status, 404);
    assert_eq!(unknown["error"], "unknown site `nowhere`");
}

#[tokio::test]
async fn a_refused_plugin_is_listed_with_its_reason_and_the_rest_still_run() {
    let manifests = tempfile::tempdir().expect("temp dir");
    for name in ["echo.toml", "refused/undeclared-import.toml"] {
        let from = fixture_manifests().join(name);
        let file_name = from.file_name().expect("name").to_owned();
        std::fs::copy(&from, manifests.path().join(file_name)).expect("copy manifest");
    }
    std::fs::write(manifests.path().join("broken.toml"), "id = \"broken\"\n").expect("write");

    let kernel = KernelProcess::start(manifests.path(), "");
    let (_, health) = kernel.get_json("/healthz").await;
    assert_eq!(health["plugins_loaded"], 1);
    assert_eq!(health["plugins_refused"], 2);

    let (_, plugins) = kernel.get_json("/api/plugins").await;
    let refused: Vec<String> = plugins["refused"]
        .as_array()
        .expect("list")
        .iter()
        .map(|r| r["error"].as_str().expect("text").to_owned())
        .collect();
    assert!(
        refused[0].contains("broken.toml: field `name`: missing field `name`"),
        "{refused:?}"
    );
    assert!(
        refused[1].contains("undeclared-import.toml: field `imports`: the component imports `tether:plugin/agent@0.1.2` which the manifest does not declare"),
        "{refused:?}"
    );
    // The default site enables every loaded plugin.
    let (_, default_site) = kernel.get_json("/api/sites/default/plugins").await;
    assert_eq!(default_site[0]["id"], "echo");
}

#[test]
fn plugins_check_fails_on_an_undeclared_import_and_passes_on_the_fixtures() {
    let cache = tempfile::tempdir().expect("temp dir");
    let check = |dir: std::path::PathBuf| {
        Command::new(kernel_binary())
            .args(["plugins", "check", "--manifests-dir"])
            .arg(dir)
            .env("TETHER_PLUGINS__ARTIFACTS_DIR", artifacts_dir())
            .env("TETHER_PLUGINS__CACHE_DIR", cache.path())
            .env("RUST_LOG", "off")
            .output()
            .expect("runs")
    };
    let refused = check(fixture_manifests().join("refused"));
    assert!(!refused.status.success());
    let text = String::from_utf8_lossy(&refused.stdout);
    assert!(
        text.contains("refused  ") && text.contains("does not declare"),
        "{text}"
    );

    let fine = check(fixture_manifests());
    assert!(
        fine.status.success(),
        "{}",
        String::from_utf8_lossy(&fine.stdout)
    );
}
