use base64::Engine;
use tether_sdk::host::agent::AgentError;
use tether_sdk::host::consent::Outcome;
use tether_sdk::testing::Harness;

use super::*;
use crate::model::MAX_FILE_BYTES;

const SESSION: &str = "123456789";

fn account(username: &str, site_admin: bool) -> Account {
    Account {
        username: username.into(),
        display_name: username.to_uppercase(),
        site_admin,
    }
}

fn upload(name: &str, bytes: &[u8]) -> Value {
    json!({ "file_name": name, "content": base64::engine::general_purpose::STANDARD.encode(bytes) })
}

fn harness() -> Harness {
    let harness = Harness::new();
    harness
        .command_as::<Scripts>(
            &account("lee", true),
            "categories.set",
            json!({ "categories": ["Network", "Disk"] }),
        )
        .expect("categories");
    harness
}

fn add(harness: &Harness, who: &str, name: &str, published: bool) -> Result<Value, PluginError> {
    harness.command_as::<Scripts>(
        &account(who, false),
        "library.add",
        json!({ "name": name, "category": "Network", "description": format!("{name} does things"),
                "published": published, "script": upload("check.sh", b"echo hi") }),
    )
}

/// Anna, the host, runs `ids` in session SESSION; the plugin's reply.
fn run_in_session(harness: &Harness, ids: &[String]) -> Result<Value, PluginError> {
    let command = Command {
        session: Some(SESSION.into()),
        sender: Some("p-anna".into()),
        account: Some(account("anna", false)),
        name: "run".into(),
        payload: json!({ "scripts": ids }).to_string(),
    };
    let reply = harness.event::<Scripts>(Event::Command(command))?;
    Ok(serde_json::from_str(&reply).expect("the reply is JSON"))
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect()
}

#[test]
fn only_site_admins_manage_categories() {
    let harness = harness();
    let refused = harness.command_as::<Scripts>(
        &account("anna", false),
        "categories.set",
        json!({ "categories": ["X"] }),
    );
    assert!(matches!(refused, Err(PluginError::Denied(_))));
    let list = harness
        .command_as::<Scripts>(&account("anna", false), "categories.list", Value::Null)
        .expect("list");
    assert_eq!(list, json!(["Network", "Disk"]));
}

#[test]
fn publishing_ownership_and_unique_names() {
    let harness = harness();
    add(&harness, "anna", "Flush DNS", true).expect("added");
    add(&harness, "anna", "Private fix", false).expect("added");
    let duplicate = add(&harness, "bob", "flush dns", true).expect_err("duplicate");
    assert_eq!(
        duplicate.message(),
        "name: a script named `flush dns` already exists on this site"
    );

    let for_bob = harness
        .command_as::<Scripts>(&account("bob", false), "library.list", Value::Null)
        .expect("list");
    assert_eq!(names(&for_bob), ["Flush DNS"]);
    let for_anna = harness
        .command_as::<Scripts>(&account("anna", false), "library.list", Value::Null)
        .expect("list");
    assert_eq!(names(&for_anna), ["Flush DNS", "Private fix"]);

    let id = for_bob[0]["id"].as_str().expect("id").to_owned();
    let edit = harness.command_as::<Scripts>(
        &account("bob", false),
        "library.update",
        json!({ "id": id, "description": "mine now" }),
    );
    assert!(matches!(edit, Err(PluginError::Denied(_))), "{edit:?}");
    let delete = harness.command_as::<Scripts>(
        &account("bob", false),
        "library.delete",
        json!({ "id": id, "confirm": true }),
    );
    assert!(matches!(delete, Err(PluginError::Denied(_))));
    let unconfirmed = harness.command_as::<Scripts>(
        &account("anna", false),
        "library.delete",
        json!({ "id": id }),
    );
    assert!(
        unconfirmed
            .expect_err("needs confirmation")
            .message()
            .starts_with("confirm:")
    );
    harness
        .command_as::<Scripts>(
            &account("anna", false),
            "library.delete",
            json!({ "id": id, "confirm": true }),
        )
        .expect("deleted");
    // The name is free again, and the files are gone.
    add(&harness, "bob", "FLUSH DNS", true).expect("name reused");
    assert!(
        harness
            .stored_keys()
            .iter()
            .all(|k| !k.starts_with(&format!("file/{id}")))
    );
}

#[test]
fn files_up_to_one_mb_and_field_errors() {
    let harness = harness();
    let exactly = vec![b'#'; MAX_FILE_BYTES];
    let ok = harness.command_as::<Scripts>(
        &account("anna", false),
        "library.add",
        json!({ "name": "Big", "category": "Disk", "script": upload("big.sh", &exactly) }),
    );
    assert_eq!(
        ok.expect("exactly 1 MB")["script_file"]["size"],
        MAX_FILE_BYTES
    );
    let keys_before = harness.stored_keys();
    let over = vec![b'#'; MAX_FILE_BYTES + 1];
    let refused = harness
        .command_as::<Scripts>(
            &account("anna", false),
            "library.add",
            json!({ "name": "", "category": "Cooking", "script": upload("big.sh", b"x"), "input": upload("in.bin", &over) }),
        )
        .expect_err("refused");
    let message = refused.message();
    for field in [
        "name: ",
        "category: `Cooking` is not one of the site's categories",
        "input: the file is 1048577 bytes",
    ] {
        assert!(message.contains(field), "{message}");
    }
    assert_eq!(harness.stored_keys(), keys_before, "nothing stored");
}

#[test]
fn sorting_by_every_column() {
    let harness = harness();
    for name in ["b-script", "a-script", "c-script"] {
        add(&harness, "anna", name, true).expect("added");
    }
    let list = |sort: &str, descending: bool| {
        harness
            .command_as::<Scripts>(
                &account("anna", false),
                "library.list",
                json!({ "sort": sort, "descending": descending }),
            )
            .expect("list")
    };
    assert_eq!(
        names(&list("name", false)),
        ["a-script", "b-script", "c-script"]
    );
    assert_eq!(
        names(&list("name", true)),
        ["c-script", "b-script", "a-script"]
    );
    for column in ["category", "author", "description", "published", "updated"] {
        assert_eq!(
            list(column, false).as_array().expect("list").len(),
            3,
            "{column}"
        );
    }
    let bad = harness.command_as::<Scripts>(
        &account("anna", false),
        "library.list",
        json!({ "sort": "colour" }),
    );
    assert!(
        bad.expect_err("refused")
            .message()
            .contains("cannot sort by `colour`")
    );
}

#[test]
fn a_run_asks_once_then_runs_in_order_and_reports() {
    let harness = harness();
    harness.add_participants(
        SESSION,
        &[
            ("p-anna", "Anna", Role::Host),
            ("p-carl", "Carl", Role::Customer),
        ],
    );
    let ids: Vec<String> = ["first", "second", "third"]
        .iter()
        .map(|name| {
            add(&harness, "anna", name, true).expect("added")["id"]
                .as_str()
                .expect("id")
                .to_owned()
        })
        .collect();
    harness.on_agent_call(|call| {
        let input: Value = serde_json::from_str(&call.input).expect("json");
        let name = input["name"].as_str().expect("name");
        if name == "second" {
            return Err(AgentError::Failed("cannot start /bin/sh".into()));
        }
        Ok(json!({ "exit_code": 0, "timed_out": false, "duration_ms": 5, "output": format!("{name} ran\n"), "truncated": false }).to_string())
    });
    harness.answer_consent(Outcome::Granted);
    let reply = run_in_session(&harness, &ids).expect("ran");
    assert_eq!(reply["status"], "done");
    let requests = harness.consent_requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].detail.as_deref(),
        Some("In this order:\n1. first\n2. second\n3. third")
    );
    let order: Vec<String> = harness
        .agent_calls()
        .iter()
        .map(|c| {
            serde_json::from_str::<Value>(&c.input).expect("json")["name"]
                .as_str()
                .expect("name")
                .to_owned()
        })
        .collect();
    assert_eq!(order, ["first", "second", "third"]);
    // Everyone sees in the chat how each script ended, failures included.
    assert_eq!(
        harness.chat(SESSION),
        [
            "Script 1 of 3 `first`: finished, exit status 0, after 0.0 s",
            "Script 2 of 3 `second` could not run: failed: cannot start /bin/sh",
            "Script 3 of 3 `third`: finished, exit status 0, after 0.0 s",
        ]
    );
    let outcomes: Vec<&str> = reply["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["outcome"].as_str().expect("outcome"))
        .collect();
    assert_eq!(outcomes, ["ok", "error", "ok"]);
    // The report keeps each result with its output.
    let report = harness.report(SESSION);
    assert!(
        report
            .iter()
            .any(|l| l
                .starts_with("Script 1 of 3 `first`: finished, exit status 0, 5 ms\nfirst ran")),
        "{report:?}"
    );
    assert!(
        report
            .iter()
            .any(|l| l.starts_with("Script 3 of 3 `third`: finished, exit status 0, 5 ms")),
        "{report:?}"
    );
}

#[test]
fn a_run_sends_the_librarys_files_beside_the_input_never_inside_it() {
    let harness = harness();
    harness.add_participants(
        SESSION,
        &[
            ("p-anna", "Anna", Role::Host),
            ("p-carl", "Carl", Role::Customer),
        ],
    );
    let script = b"#!/bin/sh\ncat \"$TETHER_INPUT_FILE\"\n".to_vec();
    let input = vec![0u8, 0xff, b'\n', 7];
    let added = harness
        .command_as::<Scripts>(
            &account("anna", false),
            "library.add",
            json!({ "name": "With input", "category": "Network", "published": true,
                    "script": upload("show.sh", &script), "input": upload("data.bin", &input) }),
        )
        .expect("added");
    let with_input = added["id"].as_str().expect("id").to_owned();
    let without_input = add(&harness, "anna", "Plain", true).expect("added")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    harness.on_agent_call(|_| {
        Ok(json!({ "exit_code": 0, "timed_out": false, "duration_ms": 1, "output": "", "truncated": false }).to_string())
    });
    harness.answer_consent(Outcome::Granted);
    let reply = run_in_session(&harness, &[with_input, without_input]).expect("ran");
    assert_eq!(reply["status"], "done", "{reply}");

    let calls = harness.agent_calls();
    assert_eq!(calls.len(), 2);
    // The files as they were uploaded, script first; the input names each
    // by its place and carries none of their bytes.
    assert_eq!(calls[0].files, [script, input]);
    let sent: Value = serde_json::from_str(&calls[0].input).expect("json");
    assert_eq!(
        sent,
        json!({ "name": "With input", "timeout_secs": 300,
                "script": { "file_name": "show.sh", "file": 0 },
                "input": { "file_name": "data.bin", "file": 1 } })
    );
    assert_eq!(calls[1].files, [b"echo hi".to_vec()]);
    let sent: Value = serde_json::from_str(&calls[1].input).expect("json");
    assert_eq!(
        sent["script"],
        json!({ "file_name": "check.sh", "file": 0 })
    );
    assert!(sent.get("input").is_none(), "{sent}");
}

#[test]
fn the_prompt_lists_twenty_long_names_within_the_detail_limit() {
    let harness = harness();
    harness.add_participants(
        SESSION,
        &[
            ("p-anna", "Anna", Role::Host),
            ("p-carl", "Carl", Role::Customer),
        ],
    );
    let ids: Vec<String> = (0..20)
        .map(|i| {
            add(&harness, "anna", &format!("{i:02}{}", "x".repeat(98)), true).expect("added")["id"]
                .as_str()
                .expect("id")
                .to_owned()
        })
        .collect();
    run_in_session(&harness, &ids).expect("asked");
    let detail = harness.consent_requests()[0]
        .detail
        .clone()
        .expect("detail");
    assert!(detail.len() <= 2048, "{} bytes", detail.len());
    assert_eq!(detail.lines().count(), 21);
}

#[test]
fn a_denied_run_runs_nothing() {
    let harness = harness();
    harness.add_participants(
        SESSION,
        &[
            ("p-anna", "Anna", Role::Host),
            ("p-carl", "Carl", Role::Customer),
        ],
    );
    let id = add(&harness, "anna", "first", true).expect("added")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    harness.answer_consent(Outcome::Denied);
    let reply = run_in_session(&harness, &[id]).expect("answered");
    assert_eq!(reply["status"], "denied");
    assert!(harness.agent_calls().is_empty());
}

#[test]
fn another_csrs_unpublished_script_name_is_not_confirmed() {
    let harness = harness();
    add(&harness, "anna", "Reset VPN", false).expect("added");
    // Bob cannot see Anna's draft, so its name is not taken for him: a
    // refusal would tell him it exists.
    add(&harness, "bob", "reset vpn", false).expect("Bob's own draft");
    // Anna's own names stay unique for her, drafts included.
    let mine = add(&harness, "anna", "RESET VPN", true).expect_err("duplicate of her own");
    assert_eq!(
        mine.message(),
        "name: a script named `RESET VPN` already exists on this site"
    );
    // Once Bob publishes his, everyone sees it, and it is taken for all.
    let list = harness
        .command_as::<Scripts>(&account("bob", false), "library.list", Value::Null)
        .expect("list");
    let id = list[0]["id"].as_str().expect("id").to_owned();
    harness
        .command_as::<Scripts>(
            &account("bob", false),
            "library.update",
            json!({ "id": id, "published": true }),
        )
        .expect("published");
    let taken = add(&harness, "carl", "Reset VPN", false).expect_err("taken");
    assert!(taken.message().contains("already exists"), "{taken:?}");
}

/// A name's lock as another event holding it at `at` would have left it.
fn hold_name(harness: &Harness, name: &str, at: u64) {
    let lock = name_lock::take(name, at).expect("free");
    // Keep it held, as an event still running (or stopped half-way) does.
    std::mem::forget(lock);
    assert_eq!(
        harness
            .stored_keys()
            .iter()
            .filter(|k| k.starts_with("name-lock/"))
            .count(),
        1
    );
}

#[test]
fn a_name_another_event_is_saving_is_refused_and_nothing_is_stored() {
    let harness = harness();
    hold_name(&harness, "Flush DNS", library_now());
    let refused = add(&harness, "anna", "flush dns", true).expect_err("being saved");
    assert!(
        refused
            .message()
            .contains("is being saved by someone else at this moment"),
        "{}",
        refused.message()
    );
    assert!(
        harness
            .stored_keys()
            .iter()
            .all(|k| !k.starts_with("script/"))
    );
    // A different name is not held up.
    add(&harness, "anna", "Reset VPN", true).expect("another name");
}

#[test]
fn a_lock_left_by_an_event_stopped_half_way_is_taken_over_once_stale() {
    let harness = harness();
    hold_name(&harness, "Flush DNS", library_now() - 61_000);
    add(&harness, "anna", "Flush DNS", true).expect("the stale lock is taken over");
    let twice = add(&harness, "bob", "flush dns", true).expect_err("duplicate");
    assert!(
        twice.message().contains("already exists"),
        "{}",
        twice.message()
    );
}

#[test]
fn saving_gives_the_name_lock_back() {
    let harness = harness();
    let added = add(&harness, "anna", "Flush DNS", false).expect("added");
    let id = added["id"].as_str().expect("id").to_owned();
    harness
        .command_as::<Scripts>(
            &account("anna", false),
            "library.update",
            json!({ "id": id, "name": "Flush DNS cache" }),
        )
        .expect("renamed");
    assert!(
        harness
            .stored_keys()
            .iter()
            .all(|k| !k.starts_with("name-lock/")),
        "{:?}",
        harness.stored_keys()
    );
}

fn library_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}
