//! The plugin host with real fixture components: the sandbox, the limits,
//! crash isolation, per-site enablement, the interfaces and the cache.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tether_kernel::plugin_host::services::{ConsentOutcome, NoSessions, PluginEvent};
use tether_kernel::plugin_host::{
    CacheOutcome, CrashPolicy, DispatchError, LoadError, PluginFailureKind, PluginHost,
};
use tether_kernel::site::{SiteChange, SiteSettings, apply_change};
use tether_kernel::storage::MemoryKv;
use tether_tests::scripted_sessions::{ScriptedSessions, customer};
use tether_tests::{fixture_host, fixture_manifests, settings, sites};

const SESSION: &str = "123456789";

fn command(name: &str, payload: Value) -> PluginEvent {
    PluginEvent::Command {
        session: Some(SESSION.to_owned()),
        sender: None,
        account: None,
        name: name.to_owned(),
        payload: payload.to_string(),
    }
}

fn all_sites() -> Arc<tether_kernel::site::Sites> {
    sites(&[("acme", &["*"])])
}

async fn reply(
    host: &PluginHost,
    plugin: &str,
    name: &str,
    payload: Value,
) -> Result<Value, DispatchError> {
    host.dispatch("acme", plugin, command(name, payload))
        .await
        .map(|text| serde_json::from_str(&text).expect("replies are JSON"))
}

#[tokio::test]
async fn echo_round_trips_a_payload() {
    let cache = tempfile::tempdir().expect("temp dir");
    let host = fixture_host(settings(cache.path()), all_sites(), Arc::new(NoSessions));
    let payload = json!({ "hello": "world", "list": [1, 2, 3] });
    assert_eq!(
        reply(&host, "echo", "echo", payload.clone()).await,
        Ok(payload)
    );
}

#[tokio::test]
async fn a_loop_is_stopped_by_the_deadline_and_the_next_event_still_works() {
    let cache = tempfile::tempdir().expect("temp dir");
    let host = fixture_host(settings(cache.path()), all_sites(), Arc::new(NoSessions));

    let stopped = reply(&host, "loop-forever", "spin", Value::Null).await;
    assert_eq!(
        stopped,
        Err(DispatchError::DeadlineExceeded {
            plugin: "loop-forever".into(),
            limit_ms: 100
        })
    );
    assert_eq!(
        reply(&host, "loop-forever", "ping", Value::Null).await,
        Ok(json!("pong"))
    );
}

#[tokio::test]
async fn memory_is_capped_and_the_next_event_still_works() {
    let cache = tempfile::tempdir().expect("temp dir");
    let host = fixture_host(settings(cache.path()), all_sites(), Arc::new(NoSessions));

    let stopped = reply(&host, "memory-hog", "hog", Value::Null).await;
    assert_eq!(
        stopped,
        Err(DispatchError::MemoryExceeded {
            plugin: "memory-hog".into(),
            limit_mb: 16
        })
    );
    assert_eq!(
        reply(&host, "memory-hog", "ping", Value::Null).await,
        Ok(json!("pong"))
    );
}

#[tokio::test]
async fn the_operator_maximum_caps_what_a_manifest_requests() {
    let cache = tempfile::tempdir().expect("temp dir");
    let mut narrow = settings(cache.path());
    narrow.max_memory_mb = 8;
    narrow.max_time_per_event_ms = 50;
    let host = fixture_host(narrow, all_sites(), Arc::new(NoSessions));

    assert_eq!(
        reply(&host, "memory-hog", "hog", Value::Null).await,
        Err(DispatchError::MemoryExceeded {
            plugin: "memory-hog".into(),
            limit_mb: 8
        })
    );
    assert_eq!(
        reply(&host, "loop-forever", "spin", Value::Null).await,
        Err(DispatchError::DeadlineExceeded {
            plugin: "loop-forever".into(),
            limit_ms: 50
        })
    );
}

#[tokio::test]
async fn a_panic_is_reported_to_the_caller_and_the_kernel_keeps_serving() {
    let cache = tempfile::tempdir().expect("temp dir");
    let host = fixture_host(settings(cache.path()), all_sites(), Arc::new(NoSessions));

    let error = reply(&host, "panics", "boom", Value::Null)
        .await
        .expect_err("panics");
    match &error {
        DispatchError::Panicked { plugin, message } => {
            assert_eq!(plugin, "panics");
            assert!(
                message.contains("boom: the fixture panicked on purpose"),
                "{message}"
            );
        }
        other => panic!("expected a panic, got {other:?}"),
    }
    assert!(
        error
            .to_string()
            .starts_with("plugin `panics` crashed: panicked at"),
        "{error}"
    );
    assert_eq!(
        reply(&host, "panics", "ping", Value::Null).await,
        Ok(json!("pong"))
    );
    assert_eq!(reply(&host, "echo", "echo", json!(1)).await, Ok(json!(1)));
}

#[tokio::test]
async fn a_plugin_that_keeps_crashing_is_suspended_on_that_site_only() {
    let cache = tempfile::tempdir().expect("temp dir");
    let mut strict = settings(cache.path());
    strict.crash_policy = CrashPolicy {
        threshold: 2,
        first_backoff: Duration::from_secs(600),
        max_backoff: Duration::from_secs(600),
    };
    let host = fixture_host(
        strict,
        sites(&[("acme", &["*"]), ("lab", &["*"])]),
        Arc::new(NoSessions),
    );

    for _ in 0..2 {
        assert!(matches!(
            reply(&host, "panics", "boom", Value::Null).await,
            Err(DispatchError::Panicked { .. })
        ));
    }
    let suspended = reply(&host, "panics", "ping", Value::Null).await;
    assert!(
        matches!(suspended, Err(DispatchError::Suspended { ref site, .. }) if site == "acme"),
        "{suspended:?}"
    );
    let on_lab = host
        .dispatch("lab", "panics", command("ping", Value::Null))
        .await;
    assert_eq!(on_lab.as_deref(), Ok("\"pong\""));
}

#[tokio::test]
async fn a_plugin_disabled_for_a_site_receives_no_events_there() {
    let cache = tempfile::tempdir().expect("temp dir");
    let host = fixture_host(
        settings(cache.path()),
        sites(&[("acme", &["echo"]), ("lab", &["panics"])]),
        Arc::new(NoSessions),
    );
    let refused = host
        .dispatch(
            "lab",
            "echo",
            command("store-put", json!({"key": "k", "value": "v"})),
        )
        .await;
    assert_eq!(
        refused,
        Err(DispatchError::NotEnabled {
            site: "lab".into(),
            plugin: "echo".into()
        })
    );
    // Nothing ran: the store of echo on lab is still empty, as seen from acme's
    // site-scoped view too.
    assert_eq!(
        reply(&host, "echo", "store-get", json!({"key": "k"})).await,
        Ok(Value::Null)
    );
    assert_eq!(
        host.dispatch("nowhere", "echo", command("echo", json!(1)))
            .await,
        Err(DispatchError::UnknownSite("nowhere".into()))
    );
    assert_eq!(
        host.dispatch("acme", "nothing", command("echo", json!(1)))
            .await,
        Err(DispatchError::UnknownPlugin("nothing".into()))
    );
    assert_eq!(host.enabled_for("lab").expect("site").len(), 1);
}

#[tokio::test]
async fn a_site_change_applies_to_the_next_event_and_unknown_plugins_are_refused() {
    let cache = tempfile::tempdir().expect("temp dir");
    let site_table = sites(&[("acme", &["echo"])]);
    let host = fixture_host(
        settings(cache.path()),
        site_table.clone(),
        Arc::new(NoSessions),
    );
    let change = |plugins: &[&str]| SiteChange {
        name: "Acme".into(),
        plugins: plugins.iter().map(|p| p.to_string()).collect(),
        settings: SiteSettings::default(),
    };
    assert_eq!(reply(&host, "echo", "echo", json!(1)).await, Ok(json!(1)));

    apply_change(&site_table, &host, "acme", &change(&["panics"]))
        .await
        .expect("saved");
    assert_eq!(
        reply(&host, "echo", "echo", json!(2)).await,
        Err(DispatchError::NotEnabled {
            site: "acme".into(),
            plugin: "echo".into()
        })
    );
    assert_eq!(host.enabled_for("acme").expect("site").len(), 1);

    let refused = apply_change(&site_table, &host, "acme", &change(&["echo", "nope"]))
        .await
        .expect_err("refused");
    assert!(
        refused.to_string().contains("plugin `nope` is not loaded"),
        "{refused}"
    );
    assert!(
        !site_table
            .snapshot()
            .site("acme")
            .expect("acme")
            .enables("echo"),
        "a refused change changes nothing"
    );

    apply_change(&site_table, &host, "acme", &change(&["*"]))
        .await
        .expect("saved");
    assert_eq!(reply(&host, "echo", "echo", json!(3)).await, Ok(json!(3)));
}

#[tokio::test]
async fn an_undeclared_import_is_refused_at_load() {
    let cache = tempfile::tempdir().expect("temp dir");
    let mut host = PluginHost::new(
        settings(cache.path()),
        all_sites(),
        Arc::new(NoSessions),
        Arc::new(MemoryKv::default()),
    )
    .expect("engine");
    let manifest = fixture_manifests().join("refused/undeclared-import.toml");
    let error = host.load(&manifest).expect_err("refused");
    assert!(
        matches!(&error, LoadError::UndeclaredImport { undeclared, .. } if undeclared == &["tether:plugin/agent@0.1.2"])
    );
    let text = error.to_string();
    assert!(
        text.contains("undeclared-import.toml: field `imports`"),
        "{text}"
    );
    assert!(host.plugin("undeclared-import").is_none());
}

#[tokio::test]
async fn the_store_is_scoped_per_site_and_survives_across_events() {
    let cache = tempfile::tempdir().expect("temp dir");
    let host = fixture_host(
        settings(cache.path()),
        sites(&[("acme", &["*"]), ("lab", &["*"])]),
        Arc::new(NoSessions),
    );
    host.init_sites().await;

    assert_eq!(
        reply(
            &host,
            "echo",
            "store-put",
            json!({"key": "colour", "value": "blue"})
        )
        .await,
        Ok(json!("stored"))
    );
    assert_eq!(
        reply(&host, "echo", "store-get", json!({"key": "colour"})).await,
        Ok(json!("blue"))
    );
    assert_eq!(
        reply(&host, "echo", "store-keys", Value::Null).await,
        Ok(json!(["colour", "initialised"]))
    );
    let lab = host
        .dispatch(
            "lab",
            "echo",
            command("store-get", json!({"key": "colour"})),
        )
        .await;
    assert_eq!(lab.as_deref(), Ok("null"));

    let empty_key = reply(&host, "echo", "store-put", json!({"key": "", "value": "v"})).await;
    assert!(
        matches!(&empty_key, Err(DispatchError::Plugin(f)) if f.kind == PluginFailureKind::InvalidInput && f.message.contains("keys are 1 to 256 bytes")),
        "{empty_key:?}"
    );
    let too_big = reply(
        &host,
        "echo",
        "store-put-bytes",
        json!(["big", 4 * 1024 * 1024 + 1]),
    )
    .await;
    assert!(
        matches!(&too_big, Err(DispatchError::Plugin(f)) if f.message.contains("at most 4194304 bytes")),
        "{too_big:?}"
    );
    assert_eq!(
        reply(&host, "echo", "store-get", json!({"key": "big"})).await,
        Ok(Value::Null)
    );
}

#[tokio::test]
async fn consent_and_agent_calls_go_through_the_session_side_with_the_manifest_text() {
    let cache = tempfile::tempdir().expect("temp dir");
    let sessions = Arc::new(ScriptedSessions::with_session(
        SESSION,
        vec![customer("c1", "Anna")],
    ));
    let host = fixture_host(settings(cache.path()), all_sites(), sessions.clone());

    // Without a grant the agent call is refused by the session side.
    let target = json!({"session": SESSION, "participant": "c1", "capability": "sysinfo.collect", "input": {"n": 1}});
    let refused = reply(&host, "echo", "call-agent", target.clone()).await;
    assert!(
        matches!(&refused, Err(DispatchError::Plugin(f)) if f.kind == PluginFailureKind::Denied),
        "{refused:?}"
    );

    // The customer takes longer to answer than the plugin's 200 ms budget:
    // waiting on a person does not count against the plugin.
    sessions.answer_consent(Duration::from_millis(400), ConsentOutcome::Granted);
    assert_eq!(
        reply(&host, "echo", "ask-consent", target.clone()).await,
        Ok(json!("granted"))
    );
    let request = sessions.consent_requests.lock().expect("lock")[0].clone();
    assert_eq!(request.capabilities.len(), 1);
    assert_eq!(request.capabilities[0].name.as_str(), "sysinfo.collect");
    assert_eq!(
        request.capabilities[0].consent_text,
        "{csr} wants to say hello to your computer"
    );
    assert_eq!(request.customer, "c1");

    let output = reply(&host, "echo", "call-agent", target.clone()).await;
    assert_eq!(
        output,
        Ok(json!({"capability": "sysinfo.collect", "input": {"n": 1}}))
    );
    // The input reaches the session side as the text the plugin wrote.
    let mut spaced = target.clone();
    spaced["input_text"] = json!("{ \"n\" : 1 }");
    reply(&host, "echo", "call-agent", spaced)
        .await
        .expect("called");
    let last = sessions.agent_calls.lock().expect("lock").last().cloned();
    assert_eq!(
        last.map(|call| call.input.get().to_owned()).as_deref(),
        Some("{ \"n\" : 1 }")
    );
    // An input that is not JSON is refused in the plugin host: no call.
    let calls_before = sessions.agent_calls.lock().expect("lock").len();
    for text in ["not json", "{\"n\":1", "{\"n\":1} trailing", ""] {
        let mut broken = target.clone();
        broken["input_text"] = json!(text);
        let refused = reply(&host, "echo", "call-agent", broken).await;
        assert!(
            matches!(&refused, Err(DispatchError::Plugin(f)) if f.message.contains("the input is not JSON")),
            "{text}: {refused:?}"
        );
    }
    assert_eq!(
        sessions.agent_calls.lock().expect("lock").len(),
        calls_before
    );

    sessions.answer_consent(Duration::ZERO, ConsentOutcome::Denied);
    assert_eq!(
        reply(&host, "echo", "ask-consent", target.clone()).await,
        Ok(json!("denied"))
    );
    assert_eq!(
        reply(&host, "echo", "ask-consent", target).await,
        Ok(json!("timed-out"))
    );

    // A capability the manifest does not declare never reaches the session side.
    let undeclared =
        json!({"session": SESSION, "participant": "c1", "capability": "power.restart"});
    let calls_before = sessions.agent_calls.lock().expect("lock").len();
    let refused = reply(&host, "echo", "call-agent", undeclared.clone()).await;
    assert!(
        matches!(&refused, Err(DispatchError::Plugin(f)) if f.message.contains("`power.restart` is not declared")),
        "{refused:?}"
    );
    let refused = reply(&host, "echo", "ask-consent", undeclared).await;
    assert!(
        matches!(&refused, Err(DispatchError::Plugin(f)) if f.message.contains("`power.restart` is not declared")),
        "{refused:?}"
    );
    assert_eq!(
        sessions.agent_calls.lock().expect("lock").len(),
        calls_before
    );
    assert_eq!(sessions.consent_requests.lock().expect("lock").len(), 3);

    assert_eq!(
        reply(
            &host,
            "echo",
            "participants",
            json!({"session": SESSION, "participant": ""})
        )
        .await,
        Ok(json!(["Anna"]))
    );
    assert_eq!(
        reply(&host, "echo", "report", Value::Null).await,
        Ok(Value::Null)
    );
    assert_eq!(
        sessions.reports.lock().expect("lock")[0],
        (SESSION.to_owned(), "echo was here".to_owned())
    );
    let unknown = host
        .dispatch(
            "acme",
            "echo",
            PluginEvent::Command {
                session: Some("999999999".into()),
                sender: None,
                account: None,
                name: "report".into(),
                payload: "null".into(),
            },
        )
        .await;
    assert!(
        matches!(&unknown, Err(DispatchError::Plugin(f)) if f.message.contains("unknown session 999999999")),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn files_go_with_an_agent_call_stored_ones_read_by_the_kernel_within_the_limits() {
    let cache = tempfile::tempdir().expect("temp dir");
    let sessions = Arc::new(ScriptedSessions::with_session(
        SESSION,
        vec![customer("c1", "Anna")],
    ));
    let host = fixture_host(settings(cache.path()), all_sites(), sessions.clone());
    let with_files = |files: Value| {
        json!({"session": SESSION, "participant": "c1", "capability": "sysinfo.collect",
               "input": {"n": 1}, "files": files})
    };
    let failure = |result: Result<Value, DispatchError>| match result {
        Err(DispatchError::Plugin(failure)) => failure.message,
        other => panic!("refused, not {other:?}"),
    };

    // Like any agent call, it needs a grant first.
    let refused = reply(
        &host,
        "echo",
        "call-agent-with-files",
        with_files(json!([])),
    )
    .await;
    assert!(failure(refused).contains("no consent"));
    sessions.answer_consent(Duration::ZERO, ConsentOutcome::Granted);
    let target = with_files(json!([]));
    assert_eq!(
        reply(&host, "echo", "ask-consent", target).await,
        Ok(json!("granted"))
    );

    // A stored file is read by the kernel; bytes come as they are; the
    // input stays what the plugin gave.
    reply(
        &host,
        "echo",
        "store-put",
        json!({"key": "file/1/script", "value": "echo stored"}),
    )
    .await
    .expect("stored");
    let files =
        json!([{"stored": "file/1/script"}, {"bytes": "input bytes"}, {"filled": 1024 * 1024}]);
    assert_eq!(
        reply(&host, "echo", "call-agent-with-files", with_files(files)).await,
        Ok(json!({"capability": "sysinfo.collect", "input": {"n": 1}}))
    );
    let call = sessions
        .agent_calls
        .lock()
        .expect("lock")
        .last()
        .cloned()
        .expect("a call");
    assert_eq!(call.files.len(), 3);
    assert_eq!(&call.files[0][..], b"echo stored");
    assert_eq!(&call.files[1][..], b"input bytes");
    assert_eq!(call.files[2].len(), 1024 * 1024);

    // Too many, too large (given or stored), a key that holds nothing or
    // is no key: refused before the session side hears of the call.
    reply(
        &host,
        "echo",
        "store-put-bytes",
        json!(["big", 1024 * 1024 + 1]),
    )
    .await
    .expect("stored");
    let calls_before = sessions.agent_calls.lock().expect("lock").len();
    let refusals = [
        (
            json!([{"bytes": ""}, {"bytes": ""}, {"bytes": ""}, {"bytes": ""}, {"bytes": ""}]),
            "a call carries at most 4 files; this one has 5",
        ),
        (
            json!([{"filled": 1024 * 1024 + 1}]),
            "file 0 is 1048577 bytes; a file is at most 1048576",
        ),
        (
            json!([{"bytes": "a"}, {"stored": "big"}]),
            "file 1 is 1048577 bytes",
        ),
        (
            json!([{"stored": "nothing/here"}]),
            "file 0: the plugin's store holds nothing at `nothing/here`",
        ),
        (json!([{"stored": ""}]), "file 0: keys are 1 to 256 bytes"),
    ];
    for (files, words) in refusals {
        let refused = reply(&host, "echo", "call-agent-with-files", with_files(files)).await;
        let message = failure(refused);
        assert!(message.contains(words), "{words}: {message}");
    }
    assert_eq!(
        sessions.agent_calls.lock().expect("lock").len(),
        calls_before
    );
}

#[tokio::test]
async fn the_sandbox_grants_no_files_no_environment_and_no_network() {
    let cache = tempfile::tempdir().expect("temp dir");
    let host = fixture_host(settings(cache.path()), all_sites(), Arc::new(NoSessions));
    let probe = reply(&host, "echo", "sandbox-probe", Value::Null)
        .await
        .expect("probe runs");
    assert_ne!(probe["read_root"], "allowed", "{probe}");
    assert_ne!(probe["read_file"], "allowed", "{probe}");
    assert_ne!(probe["connect"], "allowed", "{probe}");
    assert_eq!(probe["env_vars"], 0);
}

/// Captures formatted log lines for the output test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn stdout_stderr_and_plugin_logs_go_to_tracing() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let cache = tempfile::tempdir().expect("temp dir");
    let host = fixture_host(settings(cache.path()), all_sites(), Arc::new(NoSessions));
    reply(&host, "echo", "print", json!("marker-42"))
        .await
        .expect("prints");

    let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
    let line = |needle: &str| {
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line("stream=\"stdout\"").contains("marker-42"), "{text}");
    assert!(
        line("stream=\"stderr\"").contains("to stderr: marker-42"),
        "{text}"
    );
    let logged = line("logged: marker-42");
    assert!(
        logged.contains("plugin=\"echo\"") && logged.contains("site=\"acme\""),
        "{text}"
    );
}

#[tokio::test]
async fn compiled_components_are_cached_and_a_damaged_cache_is_rebuilt() {
    let cache = tempfile::tempdir().expect("temp dir");
    let load = || {
        let mut host = PluginHost::new(
            settings(cache.path()),
            all_sites(),
            Arc::new(NoSessions),
            Arc::new(MemoryKv::default()),
        )
        .expect("engine");
        host.load(&fixture_manifests().join("echo.toml"))
            .expect("loads");
        host
    };
    assert_eq!(
        load().plugin("echo").expect("loaded").cache,
        CacheOutcome::Compiled
    );
    let entries: Vec<_> = std::fs::read_dir(cache.path())
        .expect("cache dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(entries[0].extension().is_some_and(|e| e == "cwasm"));

    let host = load();
    assert_eq!(
        host.plugin("echo").expect("loaded").cache,
        CacheOutcome::Hit
    );
    assert_eq!(
        reply(&host, "echo", "echo", json!("cached")).await,
        Ok(json!("cached"))
    );

    std::fs::write(&entries[0], b"not a precompiled component").expect("damage");
    let host = load();
    assert_eq!(
        host.plugin("echo").expect("loaded").cache,
        CacheOutcome::Compiled
    );
    assert_eq!(
        reply(&host, "echo", "echo", json!("rebuilt")).await,
        Ok(json!("rebuilt"))
    );
}

#[tokio::test]
async fn events_for_many_plugins_run_at_once() {
    let cache = tempfile::tempdir().expect("temp dir");
    let host = Arc::new(fixture_host(
        settings(cache.path()),
        all_sites(),
        Arc::new(NoSessions),
    ));
    let mut tasks = Vec::new();
    for i in 0..8 {
        let host = host.clone();
        tasks.push(tokio::spawn(async move {
            reply(&host, "echo", "echo", json!(i)).await
        }));
    }
    let spinner = {
        let host = host.clone();
        tokio::spawn(async move { reply(&host, "loop-forever", "spin", Value::Null).await })
    };
    for (i, task) in tasks.into_iter().enumerate() {
        assert_eq!(task.await.expect("joined"), Ok(json!(i)));
    }
    assert!(matches!(
        spinner.await.expect("joined"),
        Err(DispatchError::DeadlineExceeded { .. })
    ));
}

#[tokio::test]
async fn a_plugin_built_against_the_released_0_3_0_api_still_loads_and_works() {
    let cache = tempfile::tempdir().expect("temp dir");
    let sessions = Arc::new(ScriptedSessions::with_session(
        SESSION,
        vec![customer("c1", "Anna")],
    ));
    let host = fixture_host(settings(cache.path()), all_sites(), sessions.clone());
    assert!(
        host.plugin("api-0-3-0").is_some(),
        "the 0.3.0 plugin is loaded"
    );
    let target = json!({"session": SESSION, "participant": "c1", "capability": "script.run"});
    sessions.answer_consent(Duration::ZERO, ConsentOutcome::Granted);
    assert_eq!(
        reply(&host, "api-0-3-0", "ask", target).await,
        Ok(json!("granted"))
    );

    // A file of bytes and one of the plugin's store, in that order.
    let input = json!({"name": "Check", "script": {"file_name": "run.sh", "file": 0},
                       "input": {"file_name": "hosts.txt", "file": 1}});
    let call = json!({"session": SESSION, "participant": "c1", "capability": "script.run",
                      "input": input, "bytes": "cat \"$TETHER_INPUT_FILE\"", "stored": "host-a\n"});
    assert_eq!(
        reply(&host, "api-0-3-0", "call-with-files", call).await,
        Ok(json!({"capability": "script.run", "input": input}))
    );
    let sent = sessions
        .agent_calls
        .lock()
        .expect("lock")
        .last()
        .cloned()
        .expect("a call");
    assert_eq!(sent.files.len(), 2);
    assert_eq!(&sent.files[0][..], b"cat \"$TETHER_INPUT_FILE\"");
    assert_eq!(&sent.files[1][..], b"host-a\n");

    // A payload that is not a call is refused before anything is called.
    let refused = reply(
        &host,
        "api-0-3-0",
        "call-with-files",
        json!({"session": SESSION}),
    )
    .await;
    assert!(
        matches!(&refused, Err(DispatchError::Plugin(f)) if f.kind == PluginFailureKind::InvalidInput && f.message.contains("bad payload")),
        "{refused:?}"
    );
    assert_eq!(sessions.agent_calls.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn a_plugin_built_against_the_released_0_2_0_api_still_loads_and_works() {
    let cache = tempfile::tempdir().expect("temp dir");
    let host = fixture_host(settings(cache.path()), all_sites(), Arc::new(NoSessions));
    assert!(
        host.plugin("api-0-2-0").is_some(),
        "the 0.2.0 plugin is loaded"
    );
    assert_eq!(
        reply(&host, "api-0-2-0", "claim", json!("anna")).await,
        Ok(json!(true))
    );
    assert_eq!(
        reply(&host, "api-0-2-0", "claim", json!("ben")).await,
        Ok(json!(false))
    );
}

#[tokio::test]
async fn a_plugin_built_against_the_released_0_1_0_api_still_loads_and_works() {
    let cache = tempfile::tempdir().expect("temp dir");
    let host = fixture_host(settings(cache.path()), all_sites(), Arc::new(NoSessions));
    assert!(
        host.plugin("api-0-1-0").is_some(),
        "the 0.1.0 plugin is loaded"
    );
    assert_eq!(
        reply(&host, "api-0-1-0", "remember", json!("first")).await,
        Ok(Value::Null)
    );
    assert_eq!(
        reply(&host, "api-0-1-0", "remember", json!("second")).await,
        Ok(json!("first"))
    );
}
