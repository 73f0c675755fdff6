//! `/metrics` on a real kernel process (issue 19): refused without the
//! configured bearer token, and after a scripted support session —
//! started, joined, the customer's agent connected, a permission denied
//! and then granted, an agent call answered, a plugin that crashes, the
//! session ended — the text parses as Prometheus' exposition format and
//! each series says what happened.

use std::io::BufRead;

use prometheus_parse::{Sample, Scrape, Value};
use serde_json::{Value as Json, json};
use tether_tests::clients::{Csr, Customer, TestAgent, WsClient};
use tether_tests::fixture_manifests;
use tether_tests::kernel_process::{KernelProcess, TestAccount};

const TOKEN: &str = "scrape-token-made-by-the-test";

fn config() -> String {
    format!(
        r#"
[metrics]
token = "{TOKEN}"

[sessions]
consent_timeout_secs = 20

[sites.default]
name = "Default"
plugins = ["echo", "panics"]
"#
    )
}

async fn get(kernel: &KernelProcess, authorization: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(kernel.url("/metrics"));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.expect("request")
}

/// The series of a scrape, parsed.
async fn scrape(kernel: &KernelProcess) -> Vec<Sample> {
    let response = get(kernel, Some(&format!("Bearer {TOKEN}"))).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = response.text().await.expect("body");
    Scrape::parse(text.as_bytes().lines())
        .expect("Prometheus text")
        .samples
}

/// The value of series `metric` with `labels` (counters, gauges and the
/// untyped `_count` of a histogram).
fn value(samples: &[Sample], metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            other => panic!("{metric} is {other:?}"),
        })
}

fn echo(number: &str, name: &str, customer: &str) -> Json {
    json!({ "session": number, "plugin": "echo", "name": name,
            "payload": { "session": number, "participant": customer,
                         "capability": "sysinfo.collect", "input": {} } })
}

/// The host asks for the customer's permission; the customer answers.
async fn ask(host: &mut WsClient, customer: &mut Customer, number: &str, yes: bool) -> Json {
    let id = host
        .send_request(
            "plugin.command",
            echo(number, "ask-consent", &customer.participant),
        )
        .await;
    customer.answer_prompt(yes).await;
    host.reply_to(id).await
}

#[tokio::test]
async fn metrics_are_behind_the_token_and_tell_a_session_as_it_went() {
    let kernel = KernelProcess::configure(
        &fixture_manifests(),
        &config(),
        &[TestAccount::csr("anna", "Anna Berg", "default")],
    )
    .launch();

    // Without the token, or with another, nothing is shown.
    for authorization in [None, Some("Bearer wrong"), Some(TOKEN)] {
        let refused = get(&kernel, authorization).await;
        assert_eq!(refused.status(), 401, "{authorization:?}");
        assert!(
            refused.headers()["www-authenticate"]
                .to_str()
                .expect("header")
                .starts_with("Bearer")
        );
        assert!(!refused.text().await.expect("body").contains("tether_"));
    }
    let before = scrape(&kernel).await;
    assert_eq!(value(&before, "tether_sessions_live", &[]), Some(0.0));
    assert_eq!(
        value(&before, "tether_storage_errors_total", &[]),
        Some(0.0)
    );
    assert_eq!(
        value(&before, "tether_sessions_started_total", &[("how", "csr")]),
        Some(0.0)
    );

    // A session: started, joined, the agent connected; a permission
    // denied, then granted; an agent call answered; a crashing plugin.
    let anna = Csr::sign_in(&kernel, "anna", "correct horse battery")
        .await
        .expect("signs in");
    let mut host = anna.console(&kernel).await;
    let number = host.start_session().await;
    let mut carl = Customer::join(&kernel, &number, "Carl").await;
    let agent = TestAgent::start(&kernel, &mut carl, &["sysinfo.collect"]).await;
    assert_eq!(
        ask(&mut host, &mut carl, &number, false).await["body"],
        "denied"
    );
    assert_eq!(
        ask(&mut host, &mut carl, &number, true).await["body"],
        "granted"
    );
    let called = host
        .ok(
            "plugin.command",
            echo(&number, "call-agent", &carl.participant),
        )
        .await;
    assert_eq!(called["machine"], "test agent", "{called}");
    assert_eq!(agent.calls().len(), 1);
    let crashed = host
        .request(
            "plugin.command",
            json!({ "session": number, "plugin": "panics", "name": "boom" }),
        )
        .await;
    assert_eq!(crashed["type"], "error", "{crashed}");

    let during = scrape(&kernel).await;
    let seen = |metric: &str, labels: &[(&str, &str)]| value(&during, metric, labels);
    assert_eq!(seen("tether_sessions_live", &[]), Some(1.0));
    assert_eq!(
        seen("tether_sessions_started_total", &[("how", "csr")]),
        Some(1.0)
    );
    assert_eq!(seen("tether_participants", &[("role", "host")]), Some(1.0));
    assert_eq!(
        seen("tether_participants", &[("role", "customer")]),
        Some(1.0)
    );
    assert_eq!(
        seen("tether_participants", &[("role", "assistant")]),
        Some(0.0)
    );
    assert_eq!(seen("tether_agents_connected", &[]), Some(1.0));
    assert_eq!(seen("tether_consent_asked_total", &[]), Some(2.0));
    assert_eq!(
        seen("tether_consent_answers_total", &[("outcome", "denied")]),
        Some(1.0)
    );
    assert_eq!(
        seen("tether_consent_answers_total", &[("outcome", "granted")]),
        Some(1.0)
    );
    assert_eq!(
        seen(
            "tether_agent_call_seconds_count",
            &[("capability", "sysinfo.collect")]
        ),
        Some(1.0)
    );
    let buckets = during
        .iter()
        .find(|s| s.metric == "tether_agent_call_seconds")
        .map(|s| &s.value);
    assert!(
        matches!(buckets, Some(Value::Histogram(b)) if b.iter().any(|b| b.count == 1.0)),
        "{buckets:?}"
    );
    // Its three commands, and the session's events it hears too.
    let echo_events = seen("tether_plugin_events_total", &[("plugin", "echo")]);
    assert!(echo_events.is_some_and(|n| n >= 3.0), "{echo_events:?}");
    assert_eq!(
        seen("tether_plugin_traps_total", &[("plugin", "panics")]),
        Some(1.0)
    );
    assert_eq!(seen("tether_storage_errors_total", &[]), Some(0.0));
    assert_eq!(
        seen("tether_stream_frames_total", &[("outcome", "relayed")]),
        Some(0.0)
    );

    // Ended: nothing runs, and the end is counted with why.
    host.ok("session.end", json!({ "session": number })).await;
    let after = scrape(&kernel).await;
    assert_eq!(value(&after, "tether_sessions_live", &[]), Some(0.0));
    assert_eq!(value(&after, "tether_agents_connected", &[]), Some(0.0));
    assert_eq!(
        value(
            &after,
            "tether_sessions_ended_total",
            &[("why", "ended_by_host")]
        ),
        Some(1.0)
    );
}
