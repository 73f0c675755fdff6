//! Accessibility audits with axe-core (the UI's npm dev dependency, so the
//! version is pinned by `kernel/ui/package-lock.json`) in the page a test
//! shows and in every plugin panel shown inside it. The audit checks WCAG
//! 2.1 A and AA and axe's best practices; a critical or serious finding
//! fails the test with what and where. Every finding, whatever its impact,
//! is written to `target/accessibility/<context>-<screen>.json` for review.

use std::sync::OnceLock;

use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::{target_dir, workspace_root};

/// The rule sets audited.
const TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/// Impacts that fail a test.
const FAILING: [&str; 2] = ["critical", "serious"];

fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = workspace_root().join("kernel/ui/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|error| {
            panic!(
                "{}: {error} — run `npm ci` in kernel/ui (`cargo xtask test` does)",
                path.display()
            )
        })
    })
}

/// What axe found in one document.
struct Findings {
    /// The page, or the panel's plugin and panel id.
    document: String,
    violations: Vec<Value>,
}

/// Audits the top-level page `client` is on and each plugin panel shown in
/// it; panics on critical or serious violations.
pub async fn audit(client: &Client, context: &str, screen: &str) {
    let mut all = vec![Findings {
        document: "page".to_owned(),
        violations: run_axe(client).await,
    }];
    let frames = client
        .find_all(Locator::Css("iframe"))
        .await
        .expect("list frames");
    for frame in frames {
        if !frame.is_displayed().await.unwrap_or(false) {
            continue;
        }
        let plugin = frame.attr("data-plugin").await.ok().flatten();
        let panel = frame.attr("data-panel").await.ok().flatten();
        frame.enter_frame().await.expect("enter panel");
        all.push(Findings {
            document: format!(
                "panel {}/{}",
                plugin.unwrap_or_default(),
                panel.unwrap_or_default()
            ),
            violations: run_axe(client).await,
        });
        client.enter_parent_frame().await.expect("leave panel");
    }
    keep(context, screen, &all);

    let failing: Vec<String> = all
        .iter()
        .flat_map(|findings| {
            findings
                .violations
                .iter()
                .filter(|v| FAILING.contains(&v["impact"].as_str().unwrap_or("")))
                .map(move |v| describe(&findings.document, v))
        })
        .collect();
    assert!(
        failing.is_empty(),
        "{context} / {screen}: accessibility violations:\n{}",
        failing.join("\n")
    );
}

/// Runs axe in the document the client is in (injecting it first); returns
/// the violations.
async fn run_axe(client: &Client) -> Vec<Value> {
    let present = client
        .execute("return typeof window.axe === 'object';", Vec::new())
        .await
        .expect("script runs");
    if present != json!(true) {
        client
            .execute(axe_source(), Vec::new())
            .await
            .expect("axe-core loads");
    }
    let options = json!({
        "runOnly": { "type": "tag", "values": TAGS },
        "resultTypes": ["violations"],
        "iframes": false,
    });
    let result = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, arguments[0])
               .then((r) => done({ violations: r.violations }))
               .catch((e) => done({ error: String(e) }));",
            vec![options],
        )
        .await
        .expect("axe runs");
    if let Some(error) = result.get("error") {
        panic!("axe failed: {error}");
    }
    result["violations"].as_array().cloned().unwrap_or_default()
}

/// One line per violation: rule, impact, help, and the first elements.
fn describe(document: &str, violation: &Value) -> String {
    let targets: Vec<String> = violation["nodes"]
        .as_array()
        .map(|nodes| {
            nodes
                .iter()
                .take(3)
                .map(|n| {
                    format!(
                        "{} ({})",
                        n["target"],
                        n["failureSummary"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    format!(
        "  {document}: {} [{}] {} — {}",
        violation["id"].as_str().unwrap_or("?"),
        violation["impact"].as_str().unwrap_or("?"),
        violation["help"].as_str().unwrap_or(""),
        targets.join("; ")
    )
}

fn keep(context: &str, screen: &str, all: &[Findings]) {
    let dir = target_dir().join("accessibility");
    let _ = std::fs::create_dir_all(&dir);
    let record: Vec<Value> = all
        .iter()
        .map(|f| json!({ "document": f.document, "violations": f.violations }))
        .collect();
    let path = dir.join(format!(
        "{context}-{}.json",
        crate::browser::file_name(screen)
    ));
    if let Ok(text) = serde_json::to_string_pretty(&record) {
        let _ = std::fs::write(path, text);
    }
}
