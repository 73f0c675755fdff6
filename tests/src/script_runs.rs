//! Scripts running on a test customer's computer: a sleeper for the
//! library, and what the agent's run folders show of a run (its processes
//! and its folder), for tests that end runs in every way.

use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::json;

use crate::clients::{Csr, PATIENCE};
use crate::kernel_process::Address;

/// A script that keeps a child of its own running in its process group.
pub const SLEEPER: &str = "sleep 300 &\necho started\nsleep 300\n";

/// Adds the sleeper to the library as `csr`, in the category `Tools` that
/// the site admin `lee` creates.
pub async fn add_sleeper(kernel: &impl Address, csr: &Csr) -> String {
    add_script(kernel, csr, "Sleeper", SLEEPER).await
}

/// Adds `script` (a shell script) to the library as `csr` under `name`, in
/// the category `Tools` that the site admin `lee` creates (signed in
/// through `kernel`); its id.
pub async fn add_script(kernel: &impl Address, csr: &Csr, name: &str, script: &str) -> String {
    let lee = Csr::sign_in(kernel, "lee", "correct horse battery")
        .await
        .expect("lee signs in");
    let categories = lee
        .post(
            "/api/plugins/scripts/commands",
            json!({ "name": "categories.set", "payload": { "categories": ["Tools"] } }),
        )
        .await;
    assert_eq!(categories.status, 200, "{}", categories.text);
    let script = base64::engine::general_purpose::STANDARD.encode(script);
    let added = csr
        .post(
            "/api/plugins/scripts/commands",
            json!({ "name": "library.add", "payload": { "name": name, "category": "Tools",
                    "published": true, "script": { "file_name": "run.sh", "content": script } } }),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.text);
    added.body["id"].as_str().expect("id").to_owned()
}

/// Processes working inside the agent's run folders.
pub fn processes_in_runs(state: &Path) -> Vec<String> {
    let runs = state.join("runs");
    std::fs::read_dir("/proc")
        .expect("proc")
        .flatten()
        .filter(|e| {
            std::fs::read_link(e.path().join("cwd")).is_ok_and(|cwd| cwd.starts_with(&runs))
        })
        .filter(|e| {
            // A zombie waiting for its parent runs nothing.
            std::fs::read_to_string(e.path().join("status"))
                .is_ok_and(|status| !status.contains("State:\tZ"))
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

pub fn run_folders(state: &Path) -> usize {
    std::fs::read_dir(state.join("runs"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Waits until `done` holds; a guard against hanging, not a time bound.
pub async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the script runs on the customer's computer (its process
/// group is in its folder).
pub async fn until_running(state: &Path) {
    eventually("the script runs", || processes_in_runs(state).len() >= 2).await;
}

/// The script's processes are gone and its folder removed.
pub async fn until_cleaned_up(state: &Path) {
    eventually("the script's processes end", || {
        processes_in_runs(state).is_empty()
    })
    .await;
    // The agent removes the folder once the process group is gone: on a
    // busy machine that is a moment later.
    eventually("the script's folder is removed", || run_folders(state) == 0).await;
}
