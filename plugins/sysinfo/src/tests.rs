use tether_sdk::host::agent::AgentError;
use tether_sdk::host::consent::Outcome;
use tether_sdk::testing::Harness;

use super::*;

const SESSION: &str = "123456789";

fn harness() -> Harness {
    let harness = Harness::new();
    harness.add_participants(
        SESSION,
        &[
            ("p-host", "Anna", Role::Host),
            ("p-carl", "Carl", Role::Customer),
        ],
    );
    harness
}

fn agent_output() -> String {
    json!({ "categories": [
        { "id": "system", "title": "System", "columns": ["Property", "Value"], "rows": [["Operating system", "Debian\u{1b}[31m 12"]] },
        { "id": "processes", "title": "Running processes", "columns": ["PID", "Name"], "rows": [] },
    ]})
    .to_string()
}

fn command(harness: &Harness, name: &str) -> Result<Value, PluginError> {
    harness.command::<Sysinfo>(Some(SESSION), Some("p-host"), name, Value::Null)
}

#[test]
fn consent_is_asked_once_then_collect_and_save_every_category() {
    let harness = harness();
    // Like the kernel: no grant until the customer agreed to the first prompt.
    let calls = std::rc::Rc::new(std::cell::Cell::new(0));
    let seen = calls.clone();
    harness.on_agent_call(move |_| {
        seen.set(seen.get() + 1);
        if seen.get() == 1 {
            Err(AgentError::NoConsent("not yet".into()))
        } else {
            Ok(agent_output())
        }
    });
    harness.answer_consent(Outcome::Granted);
    let collected = command(&harness, "collect").expect("collected");
    assert_eq!(collected["status"], "ok");
    assert_eq!(collected["categories"][0]["title"], "System");
    assert_eq!(harness.consent_requests().len(), 1);
    assert_eq!(
        harness.consent_requests()[0].capabilities,
        ["sysinfo.collect"]
    );

    // Refresh uses the grant; no second prompt.
    assert_eq!(
        command(&harness, "refresh").expect("refreshed")["status"],
        "ok"
    );
    assert_eq!(harness.consent_requests().len(), 1);
    assert_eq!(calls.get(), 3);

    let saved = command(&harness, "save").expect("saved");
    let text = saved["text"].as_str().expect("text");
    assert!(
        text.contains("== System ==") && text.contains("== Running processes =="),
        "{text}"
    );
    assert!(text.contains("(nothing reported)"));
    assert!(!text.contains('\u{1b}'), "control characters are removed");
    assert_eq!(saved["file_name"], "system-information-123456789.txt");
    assert!(
        harness
            .report(SESSION)
            .iter()
            .any(|l| l.contains("System information of Carl viewed (2 categories)"))
    );
}

#[test]
fn denial_and_timeout_are_outcomes_for_the_csr() {
    let harness = harness();
    harness.on_agent_call(|_| Err(AgentError::NoConsent("not allowed".into())));
    harness.answer_consent(Outcome::Denied);
    assert_eq!(
        command(&harness, "collect").expect("answered")["status"],
        "denied"
    );
    // No answer queued: the prompt times out.
    assert_eq!(
        command(&harness, "collect").expect("answered")["status"],
        "timed_out"
    );
    assert!(matches!(
        command(&harness, "save"),
        Err(PluginError::InvalidInput(_))
    ));
}

#[test]
fn the_snapshot_is_deleted_when_the_session_ends() {
    let harness = harness();
    harness.on_agent_call(|_| Ok(agent_output()));
    command(&harness, "collect").expect("collected");
    assert_eq!(harness.stored_keys().len(), 1);
    harness
        .event::<Sysinfo>(Event::SessionEnded(SESSION.into()))
        .expect("handled");
    assert!(harness.stored_keys().is_empty());
}

/// An agent that sends ids beside its English words.
fn agent_output_with_ids() -> String {
    json!({ "categories": [
        { "id": "system", "title": "System", "columns": ["Property", "Value"], "column_ids": ["property", "value"],
          "rows": [["Computer name", "carls-pc"], ["Operating system", "Debian 12"]],
          "row_labels": ["computer_name", "operating_system"] },
        { "id": "environment", "title": "Environment", "columns": ["Variable", "Value"], "column_ids": ["variable", "value"],
          "rows": [["LANG", "da_DK.UTF-8"], ["Variables in total", "31"]],
          "row_labels": [null, "variables_in_total"] },
        { "id": "users", "title": "Users", "columns": ["Name"], "column_ids": ["name"], "rows": [], "row_labels": [] },
    ]})
    .to_string()
}

#[test]
fn the_agents_ids_reach_the_panel_and_the_file_speaks_the_csrs_language() {
    let harness = harness();
    harness.on_agent_call(|_| Ok(agent_output_with_ids()));
    harness.answer_consent(Outcome::Granted);
    let collected = command(&harness, "collect").expect("collected");
    assert_eq!(
        collected["categories"][0]["column_ids"],
        json!(["property", "value"])
    );
    assert_eq!(
        collected["categories"][1]["row_labels"],
        json!([null, "variables_in_total"])
    );

    // The panel's words in Danish; a value the computer reported (the
    // variable LANG, the computer's name) is never looked up.
    let words = json!({ "words": {
        "collected": "Systemoplysninger for {customer}",
        "empty": "Denne kategori har ingen poster.",
        "category.system": "System",
        "category.environment": "Miljø",
        "category.users": "Brugere",
        "column.property": "Egenskab",
        "column.value": "Værdi",
        "column.variable": "Variabel",
        "label.computer_name": "Computernavn",
        "label.variables_in_total": "Variabler i alt",
        "label.LANG": "must not be used",
    }});
    let saved = harness
        .command::<Sysinfo>(Some(SESSION), Some("p-host"), "save", words)
        .expect("saved");
    let text = saved["text"].as_str().expect("text");
    for expected in [
        "Systemoplysninger for Carl",
        "== Miljø ==",
        "Egenskab",
        "Værdi",
        "Computernavn",
        "carls-pc",
        "Variabler i alt",
        "LANG",
        "da_DK.UTF-8",
        "Denne kategori har ingen poster.",
        // Not given: the agent's English.
        "Operating system",
        "Name",
    ] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }
    assert!(!text.contains("must not be used"));

    // Without words (an older panel): English, as the agent wrote it.
    let english = command(&harness, "save").expect("saved");
    let english = english["text"].as_str().expect("text");
    assert!(english.starts_with("System information of Carl"));
    assert!(english.contains("Computer name") && english.contains("(nothing reported)"));
}

#[test]
fn categories_from_an_agent_without_ids_still_load() {
    let harness = harness();
    harness.on_agent_call(|_| Ok(agent_output()));
    harness.answer_consent(Outcome::Granted);
    let collected = command(&harness, "collect").expect("collected");
    assert_eq!(collected["categories"][0]["column_ids"], json!([]));
    let saved = harness
        .command::<Sysinfo>(
            Some(SESSION),
            Some("p-host"),
            "save",
            json!({ "words": { "column.property": "Egenskab" } }),
        )
        .expect("saved");
    assert!(saved["text"].as_str().expect("text").contains("Property"));
}

/// The panel's dictionaries (`ui/panel.js`), one line per entry: language
/// → (key, text).
fn panel_dictionaries() -> Vec<(String, Vec<(String, String)>)> {
    let source = include_str!("../ui/panel.js");
    let mut languages = Vec::new();
    for language in ["en", "da", "fr", "ja"] {
        let start = source
            .find(&format!("\n    {language}: {{\n"))
            .unwrap_or_else(|| panic!("{language} in panel.js"));
        let block = &source[start..];
        let block = &block[..block.find("\n    },").expect("end of the dictionary")];
        let entries = block
            .lines()
            .skip(2)
            .filter_map(|line| {
                let (key, text) = line.trim().split_once(": ")?;
                let text: String = serde_json::from_str(text.trim_end_matches(',')).ok()?;
                Some((key.trim_matches('"').to_owned(), text))
            })
            .collect();
        languages.push((language.to_owned(), entries));
    }
    languages
}

fn placeholders(text: &str) -> Vec<&str> {
    let mut found: Vec<&str> = text
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect();
    found.sort();
    found
}

#[test]
fn the_panel_says_everything_in_all_four_languages() {
    let dictionaries = panel_dictionaries();
    let (_, english) = &dictionaries[0];
    assert!(english.len() > 40, "{english:?}");
    for (language, entries) in &dictionaries {
        let keys: Vec<&String> = entries.iter().map(|(key, _)| key).collect();
        let english_keys: Vec<&String> = english.iter().map(|(key, _)| key).collect();
        assert_eq!(keys, english_keys, "{language}");
        for ((key, text), (_, english_text)) in entries.iter().zip(english) {
            assert!(!text.trim().is_empty(), "{language} {key}");
            assert_eq!(
                placeholders(text),
                placeholders(english_text),
                "{language} {key}"
            );
        }
    }
}

#[test]
fn numbers_with_units_are_written_in_the_csrs_language_and_older_agents_keep_their_text() {
    let harness = harness();
    harness.on_agent_call(|_| {
        Ok(json!({ "categories": [
            { "id": "system", "title": "System", "columns": ["Property", "Value"], "column_ids": ["property", "value"],
              "rows": [["Up for", "3 h 12 min"], ["Kernel", "unknown"], ["Computer name", "carls-pc"]],
              "row_labels": ["up_for", "kernel", "computer_name"],
              "quantities": [[null, { "unit": "seconds", "amount": 11525 }], [null, { "unit": "unknown" }], []] },
            { "id": "memory", "title": "Memory", "columns": ["Property", "Value"], "column_ids": ["property", "value"],
              "rows": [["Total", "2048 MiB"], ["Used", "7 parsecs"]],
              "row_labels": ["total", "used"],
              "quantities": [[null, { "unit": "mib", "amount": 2048 }], [null, { "unit": "parsecs", "amount": 7 }]] },
        ]})
        .to_string())
    });
    harness.answer_consent(Outcome::Granted);
    let collected = command(&harness, "collect").expect("collected");
    // The panel gets the numbers beside the agent's English.
    assert_eq!(
        collected["categories"][0]["quantities"][0],
        json!([null, { "unit": "seconds", "amount": 11525 }])
    );
    assert_eq!(collected["categories"][0]["rows"][0][1], "3 h 12 min");

    let french = json!({ "words": {
        "quantity.mib": "{amount} Mio",
        "quantity.seconds": "{hours} h {minutes} min",
        "quantity.unknown": "inconnu",
    }});
    let saved = harness
        .command::<Sysinfo>(Some(SESSION), Some("p-host"), "save", french)
        .expect("saved");
    let text = saved["text"].as_str().expect("text");
    for expected in ["3 h 12 min", "inconnu", "2048 Mio", "carls-pc", "7 parsecs"] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }
    let japanese = json!({ "words": {
        "quantity.seconds": "{hours} 時間 {minutes} 分",
        "quantity.unknown": "不明",
    }});
    let saved = harness
        .command::<Sysinfo>(Some(SESSION), Some("p-host"), "save", japanese)
        .expect("saved");
    let text = saved["text"].as_str().expect("text");
    // Not given: the agent's English (the MiB of memory).
    for expected in ["3 時間 12 分", "不明", "2048 MiB"] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }
    assert!(
        !text.contains("unknown") && !text.contains("3 h 12"),
        "{text}"
    );
}
