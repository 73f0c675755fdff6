//! The plugin against the SDK's native harness: the kernel's side as the
//! harness fakes it (grants checked on every agent call and stream, as in
//! the kernel) and a fake agent answering the application capabilities.

use tether_sdk::host::consent::Outcome;
use tether_sdk::testing::{AgentCall, CONSENT_WITHDRAWN, Harness};

use super::*;

const SESSION: &str = "123456789";
const TERMINAL: u32 = 0x0040_0001;
const TERMINAL_2: u32 = 0x0040_0002;
const UNTITLED: u32 = 0x0060_0001;
const LAUNCHED: u32 = 0x0070_0001;
const EDITOR: &str = "org.example.Editor.desktop";
const VIEW: [&str; 4] = ["app.share", "app.list", "app.installed", "app.launch"];

/// A customer's agent with two applications running and one installed.
fn agent(call: &AgentCall) -> Result<String, tether_sdk::host::agent::AgentError> {
    let input: Value = serde_json::from_str(&call.input).expect("JSON input");
    let window = |id: u32, title: &str| {
        json!({ "id": id, "title": title, "class": "XTerm", "pid": 42,
                "x": 0, "y": 0, "width": 640, "height": 480 })
    };
    Ok(match call.capability.as_str() {
        "app.list" => json!({ "applications": [
            { "id": "x11-client:0x400000", "pid": 42, "class": "XTerm", "instance": "xterm",
              "name": "Terminal", "windows": [window(TERMINAL, "Terminal"), window(TERMINAL_2, "Terminal 2")] },
            { "id": "x11-client:0x600000", "pid": 43, "class": "Editor", "instance": "editor",
              "name": "Editor", "windows": [window(UNTITLED, "")] },
        ] }),
        "app.installed" => json!({ "applications": [
            { "id": EDITOR, "name": "Editor", "icon": "editor", "comment": "Edits text" },
        ] }),
        "app.launch" => json!({
            "pid": 77,
            "application": { "id": "x11-client:0x700000", "pid": 77, "class": "Editor",
                             "instance": "editor", "name": "Editor", "windows": [window(LAUNCHED, "New editor")] },
            "window": window(LAUNCHED, "New editor"),
        }),
        "app.share" => json!({ "stream": input["stream"], "window": input["window"],
                               "title": "Terminal", "width": 640, "height": 480, "codec": "vp8" }),
        "app.control" => json!({ "stream": input["stream"] }),
        other => panic!("unexpected capability {other}"),
    }
    .to_string())
}

fn harness() -> Harness {
    let harness = Harness::new();
    harness.add_participants(
        SESSION,
        &[
            ("p-anna", "Anna", Role::Host),
            ("p-bob", "Bob", Role::Assistant),
            ("p-carl", "Carl", Role::Customer),
        ],
    );
    harness.calls_need_grants();
    harness.on_agent_call(agent);
    harness
}

fn says(harness: &Harness, who: &str, name: &str, payload: Value) -> Result<Value, PluginError> {
    harness.command::<AppShare>(Some(SESSION), Some(who), name, payload)
}

fn request(harness: &Harness, mode: &str) -> Result<Value, PluginError> {
    says(
        harness,
        "p-anna",
        "request",
        json!({ "participant": "p-carl", "mode": mode }),
    )
}

/// The host asked to view and Carl allowed it.
fn viewing() -> Harness {
    let harness = harness();
    harness.answer_consent(Outcome::Granted);
    request(&harness, "view").expect("asked");
    harness
}

fn share_window(harness: &Harness, window: u32) -> Result<Value, PluginError> {
    says(harness, "p-carl", "share", json!({ "window": window }))
}

fn messages_to(harness: &Harness, who: &str) -> Vec<Value> {
    harness
        .sent()
        .into_iter()
        .filter(|m| m.to == who)
        .map(|m| serde_json::from_str(&m.message).expect("JSON message"))
        .collect()
}

fn last_of(harness: &Harness, who: &str, kind: &str) -> Value {
    messages_to(harness, who)
        .into_iter()
        .rev()
        .find(|m| m["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} message to {who}"))
}

fn calls_of(harness: &Harness, capability: &str) -> Vec<Value> {
    harness
        .agent_calls()
        .into_iter()
        .filter(|c| c.capability == capability)
        .map(|c| serde_json::from_str(&c.input).expect("JSON input"))
        .collect()
}

fn refused_as(result: Result<Value, PluginError>, expected: fn(&PluginError) -> bool) -> String {
    match result {
        Err(error) if expected(&error) => error.message().to_owned(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn denied(error: &PluginError) -> bool {
    matches!(error, PluginError::Denied(_))
}

fn invalid(error: &PluginError) -> bool {
    matches!(error, PluginError::InvalidInput(_))
}

#[test]
fn a_view_request_asks_once_and_the_customer_gets_the_dialog() {
    let harness = harness();
    harness.answer_consent(Outcome::Granted);
    let reply = request(&harness, "view").expect("asked");
    assert_eq!(
        reply,
        json!({ "asked": true, "outcome": "granted", "mode": "view", "dialog": true })
    );
    let asked = harness.consent_requests();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].customer, "p-carl");
    assert_eq!(asked[0].capabilities, VIEW);

    let dialog = last_of(&harness, "p-carl", "choose");
    assert_eq!(dialog["mode"], "view");
    assert_eq!(dialog["csr"], "Anna");
    assert_eq!(dialog["running"][0]["windows"][0]["id"], TERMINAL);
    assert_eq!(dialog["running"][1]["name"], "Editor");
    assert_eq!(dialog["installed"][0]["id"], EDITOR);
    for csr in ["p-anna", "p-bob"] {
        let state = last_of(&harness, csr, "state");
        assert_eq!(state["view"], true, "{csr}");
        assert_eq!(state["control"], false);
        assert_eq!(state["customer"], "p-carl");
        assert_eq!(state["streams"], json!([]));
    }
    assert_eq!(last_of(&harness, "p-carl", "state")["view"], true);
    assert_eq!(
        last_of(&harness, "p-bob", "consent"),
        json!({ "type": "consent", "outcome": "granted", "customer": "p-carl",
                "customer_name": "Carl", "mode": "view" })
    );
    assert!(
        !messages_to(&harness, "p-carl")
            .iter()
            .any(|m| m["type"] == "consent"),
        "the customer is not told their own answer"
    );
}

#[test]
fn a_request_names_the_customer_as_customer_or_participant_but_not_two() {
    let harness = harness();
    harness.answer_consent(Outcome::Granted);
    says(
        &harness,
        "p-anna",
        "request",
        json!({ "customer": "p-carl", "mode": "view" }),
    )
    .expect("`customer` works too");
    let both = says(
        &harness,
        "p-anna",
        "request",
        json!({ "customer": "p-carl", "participant": "p-anna", "mode": "view" }),
    );
    assert!(refused_as(both, invalid).contains("different customers"));
    let not_a_customer = says(
        &harness,
        "p-anna",
        "request",
        json!({ "customer": "p-bob", "mode": "view" }),
    );
    assert!(refused_as(not_a_customer, invalid).contains("not a customer"));
    let bad_mode = says(
        &harness,
        "p-anna",
        "request",
        json!({ "customer": "p-carl", "mode": "everything" }),
    );
    assert!(refused_as(bad_mode, invalid).contains("bad payload"));
    assert_eq!(harness.consent_requests().len(), 1);
}

#[test]
fn only_the_host_may_request_and_an_assistant_is_told_why() {
    let harness = harness();
    harness.answer_consent(Outcome::Granted);
    let assistant = says(
        &harness,
        "p-bob",
        "request",
        json!({ "participant": "p-carl", "mode": "view" }),
    );
    assert!(refused_as(assistant, denied).contains("assistants see what is shared"));
    let customer = says(
        &harness,
        "p-carl",
        "request",
        json!({ "participant": "p-carl", "mode": "control" }),
    );
    assert!(refused_as(customer, denied).contains("CSR in control"));
    assert!(harness.consent_requests().is_empty());
    assert!(harness.agent_calls().is_empty());
    assert!(harness.sent().is_empty());
}

#[test]
fn a_denied_or_unanswered_request_is_told_to_the_csrs_and_reported() {
    let harness = harness();
    harness.answer_consent(Outcome::Denied);
    let reply = request(&harness, "view").expect("answered");
    assert_eq!(reply["outcome"], "denied");
    assert_eq!(reply["customer_name"], "Carl");
    for csr in ["p-anna", "p-bob"] {
        let notice = last_of(&harness, csr, "consent");
        assert_eq!(
            notice,
            json!({ "type": "consent", "outcome": "denied", "customer": "p-carl",
                    "customer_name": "Carl", "mode": "view" })
        );
    }
    // No queued answer: the prompt times out.
    let reply = request(&harness, "control").expect("answered");
    assert_eq!(reply["outcome"], "timed_out");
    assert_eq!(
        last_of(&harness, "p-anna", "consent")["outcome"],
        "timed_out"
    );
    assert_eq!(
        harness.report(SESSION),
        [
            "Carl did not allow Anna to view their applications",
            "Carl did not answer Anna's request to control their applications",
        ]
    );
    assert!(harness.agent_calls().is_empty(), "nothing is listed");
    assert!(messages_to(&harness, "p-carl").is_empty(), "no dialog");
    assert!(harness.stored_keys().is_empty(), "nothing is granted");
}

#[test]
fn sharing_a_listed_window_opens_a_stream_and_tells_the_agent() {
    let harness = viewing();
    let reply = share_window(&harness, TERMINAL).expect("shared");
    assert_eq!(reply, json!({ "stream": 1, "label": "Terminal" }));

    let streams = harness.open_streams();
    assert_eq!(streams.len(), 1);
    assert_eq!(streams[0].source, "p-carl");
    assert_eq!(streams[0].capability, "app.share");
    assert_eq!(streams[0].label, "Terminal");
    assert_eq!(
        calls_of(&harness, "app.share"),
        [json!({ "stream": 1, "window": TERMINAL, "viewers": "Anna, Bob" })]
    );
    let expected = json!([{ "stream": 1, "label": "Terminal", "origin": "customer_agent",
                            "source": "p-carl", "source_name": "Carl",
                            "customer": "p-carl", "customer_name": "Carl", "control": false,
                            "controller": null, "controller_name": null,
                            "width": 640, "height": 480 }]);
    assert_eq!(last_of(&harness, "p-anna", "state")["streams"], expected);
    assert_eq!(last_of(&harness, "p-bob", "state")["streams"], expected);
    assert_eq!(last_of(&harness, "p-carl", "state")["streams"], expected);
    assert!(calls_of(&harness, "app.control").is_empty(), "view only");
}

#[test]
fn an_untitled_window_is_labelled_with_its_application() {
    let harness = viewing();
    let reply = share_window(&harness, UNTITLED).expect("shared");
    assert_eq!(reply["label"], "Editor");
}

#[test]
fn a_window_that_was_not_offered_is_refused() {
    let harness = viewing();
    let forged = share_window(&harness, 0x0bad_0001);
    assert!(refused_as(forged, invalid).contains("not in the list offered"));
    let unlisted_launch = says(
        &harness,
        "p-carl",
        "share",
        json!({ "launch": "../../bin/sh.desktop" }),
    );
    assert!(refused_as(unlisted_launch, invalid).contains("not among the installed"));
    assert!(harness.open_streams().is_empty());
    assert!(calls_of(&harness, "app.share").is_empty());
    assert!(calls_of(&harness, "app.launch").is_empty());
}

#[test]
fn sharing_without_a_grant_is_refused() {
    let harness = harness();
    let refused = share_window(&harness, TERMINAL);
    assert!(refused_as(refused, denied).contains("nothing can be shared"));
    let chosen = says(&harness, "p-carl", "choose", json!({}));
    assert!(refused_as(chosen, denied).contains("nothing can be shared"));
    assert!(harness.open_streams().is_empty());
    assert!(harness.agent_calls().is_empty());
}

#[test]
fn only_the_customer_shares_and_only_from_their_own_page() {
    let harness = viewing();
    harness.add_participant(
        SESSION,
        Participant {
            id: "p-dora".into(),
            display_name: "Dora".into(),
            role: Role::Customer,
        },
    );
    // Another customer of the session, naming Carl or not.
    let other = says(
        &harness,
        "p-dora",
        "share",
        json!({ "window": TERMINAL, "participant": "p-carl" }),
    );
    assert!(refused_as(other, denied).contains("only their own"));
    let other = says(&harness, "p-dora", "share", json!({ "window": TERMINAL }));
    assert!(refused_as(other, denied).contains("nothing can be shared"));
    // The host, from the console (commands from there carry the account).
    let console = harness.event::<AppShare>(Event::Command(Command {
        session: Some(SESSION.into()),
        sender: Some("p-anna".into()),
        account: Some(Account {
            username: "anna".into(),
            display_name: "Anna".into(),
            site_admin: false,
        }),
        name: "share".into(),
        payload: json!({ "window": TERMINAL }).to_string(),
    }));
    assert!(matches!(console, Err(PluginError::Denied(m)) if m.contains("from their own page")));
    assert!(harness.open_streams().is_empty());
}

#[test]
fn share_payloads_are_strict() {
    let harness = viewing();
    for bad in [
        json!({}),
        json!({ "window": TERMINAL, "launch": EDITOR }),
        json!({ "window": TERMINAL, "screen": true }),
        json!({ "window": -1 }),
        json!("TERMINAL"),
    ] {
        let refused = says(&harness, "p-carl", "share", bad.clone());
        assert!(
            matches!(refused, Err(PluginError::InvalidInput(_))),
            "{bad}: {refused:?}"
        );
    }
    assert!(harness.open_streams().is_empty());
}

#[test]
fn several_applications_at_once_but_the_same_window_only_once() {
    let harness = viewing();
    share_window(&harness, TERMINAL).expect("first");
    let again = share_window(&harness, TERMINAL);
    assert!(refused_as(again, invalid).contains("\"Terminal\" is already shared"));
    // Select application: the lists again, and another window.
    let chosen = says(&harness, "p-carl", "choose", json!({})).expect("lists");
    assert_eq!(chosen["mode"], "view");
    assert_eq!(chosen["csr"], "Anna");
    assert_eq!(chosen["running"].as_array().map(Vec::len), Some(2));
    assert_eq!(chosen["installed"][0]["name"], "Editor");
    share_window(&harness, TERMINAL_2).expect("second");
    assert_eq!(harness.open_streams().len(), 2);
    assert_eq!(calls_of(&harness, "app.share").len(), 2);
    let state = last_of(&harness, "p-anna", "state");
    assert_eq!(state["streams"].as_array().map(Vec::len), Some(2));

    // Once the first is stopped, its window may be shared again.
    harness.end_stream(
        1,
        CloseCause::CustomerStopped,
        "Carl stopped sharing: indicator",
    );
    harness
        .deliver_kernel_events::<AppShare>()
        .expect("delivered");
    share_window(&harness, TERMINAL).expect("shared again");
}

#[test]
fn a_new_application_is_started_and_its_window_shared() {
    let harness = viewing();
    let reply = says(&harness, "p-carl", "share", json!({ "launch": EDITOR })).expect("shared");
    assert_eq!(reply, json!({ "stream": 1, "label": "New editor" }));
    assert_eq!(calls_of(&harness, "app.launch"), [json!({ "id": EDITOR })]);
    assert_eq!(calls_of(&harness, "app.share")[0]["window"], LAUNCHED);
}

#[test]
fn a_share_the_agent_cannot_start_closes_its_stream_and_says_why() {
    let harness = viewing();
    harness.on_agent_call(|call| match call.capability.as_str() {
        "app.share" => Err(tether_sdk::host::agent::AgentError::Failed(
            "the window is gone".into(),
        )),
        _ => agent(call),
    });
    let refused = share_window(&harness, TERMINAL);
    assert!(matches!(refused, Err(PluginError::Failed(m)) if m.contains("the window is gone")));
    assert!(harness.open_streams().is_empty());
    let closed = harness.closed_streams();
    assert_eq!(closed.len(), 1);
    assert!(closed[0].1.contains("sharing could not start"));
    let notice = last_of(&harness, "p-anna", "share_failed");
    assert_eq!(notice["customer"], "p-carl");
    assert!(
        notice["message"]
            .as_str()
            .is_some_and(|m| m.contains("gone"))
    );
    // The stream's own close changes nothing more.
    harness
        .deliver_kernel_events::<AppShare>()
        .expect("delivered");
    assert_eq!(last_of(&harness, "p-anna", "state")["streams"], json!([]));
}

#[test]
fn the_host_stops_a_shared_application_but_not_an_unknown_stream() {
    let harness = viewing();
    share_window(&harness, TERMINAL).expect("shared");
    let unknown = says(&harness, "p-anna", "stop", json!({ "stream": 42 }));
    assert!(refused_as(unknown, invalid).contains("stream 42"));
    let assistant = says(&harness, "p-bob", "stop", json!({ "stream": 1 }));
    assert!(refused_as(assistant, denied).contains("assistants"));
    let customer = says(&harness, "p-carl", "stop", json!({ "stream": 1 }));
    assert!(refused_as(customer, denied).contains("CSR in control"));
    assert_eq!(harness.open_streams().len(), 1);

    let reply = says(
        &harness,
        "p-anna",
        "stop",
        json!({ "stream": 1, "participant": "p-carl" }),
    )
    .expect("stopped");
    assert_eq!(reply, json!({ "stopped": 1 }));
    assert_eq!(
        harness.closed_streams(),
        [(1, "Anna stopped viewing it".to_owned())]
    );
    assert_eq!(last_of(&harness, "p-bob", "state")["streams"], json!([]));
    assert_eq!(last_of(&harness, "p-carl", "state")["streams"], json!([]));
    harness
        .deliver_kernel_events::<AppShare>()
        .expect("delivered");
    assert!(
        harness.report(SESSION).is_empty(),
        "the kernel reports the close itself; no control ended"
    );
}

#[test]
fn control_of_a_shared_application_asks_only_for_control_and_does_not_restart_it() {
    let harness = viewing();
    share_window(&harness, TERMINAL).expect("shared");
    let dialogs_before = messages_to(&harness, "p-carl")
        .iter()
        .filter(|m| m["type"] == "choose")
        .count();

    harness.answer_consent(Outcome::Granted);
    let reply = request(&harness, "control").expect("asked");
    assert_eq!(
        reply,
        json!({ "asked": true, "outcome": "granted", "mode": "control",
                "dialog": false, "controlling": [1] })
    );
    assert_eq!(harness.consent_requests()[1].capabilities, ["app.control"]);
    assert_eq!(calls_of(&harness, "app.control"), [json!({ "stream": 1 })]);
    assert_eq!(calls_of(&harness, "app.share").len(), 1, "not restarted");
    assert_eq!(harness.open_streams().len(), 1);
    assert!(harness.closed_streams().is_empty());
    let dialogs_after = messages_to(&harness, "p-carl")
        .iter()
        .filter(|m| m["type"] == "choose")
        .count();
    assert_eq!(dialogs_before, dialogs_after, "no dialog");
    let state = last_of(&harness, "p-anna", "state");
    assert_eq!(state["control"], true);
    assert_eq!(state["streams"][0]["control"], true);

    // What is shared next is under control from the start.
    share_window(&harness, TERMINAL_2).expect("second");
    assert_eq!(calls_of(&harness, "app.control").len(), 2);

    harness.end_stream(
        1,
        CloseCause::CustomerStopped,
        "Carl stopped sharing: from the page",
    );
    harness
        .deliver_kernel_events::<AppShare>()
        .expect("delivered");
    assert_eq!(
        harness.report(SESSION),
        [
            "Carl gave Anna control of \"Terminal\"",
            "Carl gave Anna control of \"Terminal 2\"",
            "Control of \"Terminal\" ended: Carl stopped sharing: from the page",
        ]
    );
}

#[test]
fn a_control_request_without_view_asks_for_both_in_one_prompt() {
    let harness = harness();
    harness.answer_consent(Outcome::Granted);
    let reply = request(&harness, "control").expect("asked");
    assert_eq!(reply["dialog"], true);
    let mut expected: Vec<&str> = VIEW.to_vec();
    expected.push("app.control");
    assert_eq!(harness.consent_requests()[0].capabilities, expected);
    assert_eq!(last_of(&harness, "p-carl", "choose")["mode"], "control");

    share_window(&harness, TERMINAL).expect("shared");
    assert_eq!(calls_of(&harness, "app.control"), [json!({ "stream": 1 })]);
    assert_eq!(
        last_of(&harness, "p-carl", "state")["streams"][0]["control"],
        true
    );
}

#[test]
fn a_second_view_request_while_allowed_shows_the_dialog_without_asking() {
    let harness = viewing();
    let reply = request(&harness, "view").expect("shown");
    assert_eq!(reply["asked"], false);
    assert_eq!(reply["dialog"], true);
    assert_eq!(harness.consent_requests().len(), 1);
}

#[test]
fn withdrawing_the_permission_ends_the_share_and_what_it_allowed() {
    let harness = viewing();
    share_window(&harness, TERMINAL).expect("shared");
    harness.revoke(SESSION, "p-carl", Capability::AppShare);
    // The stream's close, then the withdrawn permission.
    assert_eq!(
        harness
            .deliver_kernel_events::<AppShare>()
            .expect("delivered"),
        2
    );
    let state = last_of(&harness, "p-carl", "state");
    assert_eq!(state["view"], false);
    assert_eq!(state["streams"], json!([]));
    assert_eq!(harness.closed_streams()[0].1, CONSENT_WITHDRAWN);
    let refused = share_window(&harness, TERMINAL_2);
    assert!(refused_as(refused, denied).contains("nothing can be shared"));
}

#[test]
fn withdrawing_control_ends_control_and_the_share_goes_on() {
    let harness = harness();
    harness.answer_consent(Outcome::Granted);
    request(&harness, "control").expect("asked");
    share_window(&harness, TERMINAL).expect("shared");
    assert_eq!(
        last_of(&harness, "p-anna", "state")["streams"][0]["control"],
        true
    );
    harness.revoke(SESSION, "p-carl", Capability::AppControl);
    assert_eq!(
        harness
            .deliver_kernel_events::<AppShare>()
            .expect("delivered"),
        1,
        "no stream closed, only the permission"
    );
    let state = last_of(&harness, "p-anna", "state");
    assert_eq!(state["control"], false);
    assert_eq!(state["view"], true);
    assert_eq!(state["streams"][0]["control"], false);
    assert_eq!(harness.open_streams().len(), 1);
    assert!(
        harness
            .report(SESSION)
            .iter()
            .any(|line| line.contains("ended: the customer withdrew control")),
        "{:?}",
        harness.report(SESSION)
    );
}

#[test]
fn a_permission_withdrawn_unseen_is_found_at_use_and_forgotten() {
    let harness = viewing();
    // Only the listing's grant is gone: no stream ended to say so.
    harness.revoke(SESSION, "p-carl", Capability::AppList);
    let chosen = says(&harness, "p-carl", "choose", json!({}));
    assert!(refused_as(chosen, denied).contains("no longer allows"));
    assert_eq!(last_of(&harness, "p-anna", "state")["view"], false);
    // Asking again prompts for the whole view set.
    harness.answer_consent(Outcome::Granted);
    request(&harness, "view").expect("asked");
    assert_eq!(harness.consent_requests()[1].capabilities, VIEW);
}

#[test]
fn cancelling_the_dialog_withdraws_the_offer_and_tells_the_csrs() {
    let harness = viewing();
    let reply = says(&harness, "p-carl", "cancel", json!({})).expect("cancelled");
    assert_eq!(reply, json!({ "cancelled": true }));
    assert_eq!(
        last_of(&harness, "p-anna", "cancelled"),
        json!({ "type": "cancelled", "customer": "p-carl",
                "customer_name": "Carl", "mode": "view" })
    );
    let refused = share_window(&harness, TERMINAL);
    assert!(refused_as(refused, invalid).contains("no applications were offered"));
    let csr = says(&harness, "p-anna", "cancel", json!({}));
    assert!(refused_as(csr, denied).contains("customer"));
}

#[test]
fn a_customer_sees_only_their_own_streams() {
    let harness = viewing();
    harness.add_participant(
        SESSION,
        Participant {
            id: "p-dora".into(),
            display_name: "Dora".into(),
            role: Role::Customer,
        },
    );
    share_window(&harness, TERMINAL).expect("shared");
    let dora = says(&harness, "p-dora", "state", Value::Null).expect("state");
    assert_eq!(dora["streams"], json!([]));
    assert_eq!(dora["view"], false);
    assert_eq!(dora["customer"], "p-dora");
    assert!(dora.get("grants").is_none());
    assert_eq!(last_of(&harness, "p-dora", "state")["streams"], json!([]));

    let carl = says(&harness, "p-carl", "state", json!({})).expect("state");
    assert_eq!(carl["streams"][0]["stream"], 1);
    let csr = says(
        &harness,
        "p-anna",
        "state",
        json!({ "participant": "p-carl" }),
    )
    .expect("state");
    assert_eq!(csr["view"], true);
    assert_eq!(csr["grants"]["p-carl"]["view"], true);
    assert_eq!(csr["grants"]["p-dora"]["view"], false);
    let unnamed = says(&harness, "p-anna", "state", Value::Null).expect("state");
    assert_eq!(
        unnamed["customer"],
        Value::Null,
        "two customers, none named"
    );
}

#[test]
fn a_grant_covers_only_the_host_who_asked() {
    // Anna asked and Carl allowed; then control passed to Bob.
    let harness = Harness::new();
    harness.add_participants(
        SESSION,
        &[
            ("p-anna", "Anna", Role::Assistant),
            ("p-bob", "Bob", Role::Host),
            ("p-carl", "Carl", Role::Customer),
        ],
    );
    harness.on_agent_call(agent);
    tether_sdk::host::store::set_json(
        &format!("grant/{SESSION}/p-carl"),
        &json!({ "host": "p-anna", "view": true, "control": true }),
    )
    .expect("stored");
    let state = says(&harness, "p-bob", "state", json!({})).expect("state");
    assert_eq!(state["view"], false);
    assert_eq!(state["control"], false);
    let refused = share_window(&harness, TERMINAL);
    assert!(refused_as(refused, denied).contains("nothing can be shared"));
}

#[test]
fn leaving_ending_and_ended_activities_forget_what_belonged_to_them() {
    let harness = viewing();
    share_window(&harness, TERMINAL).expect("shared");

    // Control passed: the kernel closed the streams; no offer stands.
    harness.end_stream(
        1,
        CloseCause::ControlPassed,
        "control passed to another CSR",
    );
    harness
        .deliver_kernel_events::<AppShare>()
        .expect("delivered");
    harness
        .event::<AppShare>(Event::ActivitiesEnded(SESSION.into()))
        .expect("handled");
    let refused = share_window(&harness, TERMINAL);
    assert!(refused_as(refused, invalid).contains("no applications were offered"));

    // Carl leaves: his grant goes too.
    says(&harness, "p-carl", "choose", json!({})).expect("offered again");
    harness.remove_participant(SESSION, "p-carl");
    harness
        .event::<AppShare>(Event::ParticipantLeft(ParticipantChange {
            session: SESSION.into(),
            participant: Participant {
                id: "p-carl".into(),
                display_name: "Carl".into(),
                role: Role::Customer,
            },
        }))
        .expect("handled");
    assert!(
        harness.stored_keys().is_empty(),
        "{:?}",
        harness.stored_keys()
    );
}

#[test]
fn the_session_ending_forgets_everything() {
    let harness = viewing();
    share_window(&harness, TERMINAL).expect("shared");
    assert!(!harness.stored_keys().is_empty());
    harness
        .event::<AppShare>(Event::SessionEnded(SESSION.into()))
        .expect("handled");
    assert!(harness.stored_keys().is_empty());
}

#[test]
fn selecting_another_customer_withdraws_what_the_others_were_offered() {
    let harness = viewing();
    harness.add_participant(
        SESSION,
        Participant {
            id: "p-dora".into(),
            display_name: "Dora".into(),
            role: Role::Customer,
        },
    );
    harness
        .event::<AppShare>(Event::CustomerSelected(ParticipantChange {
            session: SESSION.into(),
            participant: Participant {
                id: "p-dora".into(),
                display_name: "Dora".into(),
                role: Role::Customer,
            },
        }))
        .expect("handled");
    let refused = share_window(&harness, TERMINAL);
    assert!(refused_as(refused, invalid).contains("no applications were offered"));
    assert_eq!(last_of(&harness, "p-anna", "state")["customer"], "p-dora");
}

#[test]
fn unknown_commands_are_refused() {
    let harness = harness();
    let unknown = says(&harness, "p-anna", "screenshot", json!({}));
    assert!(refused_as(unknown, invalid).contains("unknown command"));
}

#[test]
fn control_that_cannot_start_is_told_and_the_share_goes_on_as_a_view() {
    let harness = viewing();
    share_window(&harness, TERMINAL).expect("shared");
    harness.on_agent_call(|call| match call.capability.as_str() {
        "app.control" => Err(tether_sdk::host::agent::AgentError::Failed(
            "no XTest on this display".into(),
        )),
        _ => agent(call),
    });
    harness.answer_consent(Outcome::Granted);
    let reply = request(&harness, "control").expect("asked");
    assert_eq!(reply["controlling"], json!([]));
    let failed = last_of(&harness, "p-anna", "control_failed");
    assert_eq!(failed["customer"], "p-carl");
    assert!(
        failed["message"]
            .as_str()
            .is_some_and(|m| m.contains("XTest"))
    );
    assert_eq!(harness.open_streams().len(), 1, "still shared");
    assert_eq!(
        last_of(&harness, "p-anna", "state")["streams"][0]["control"],
        false
    );
    assert!(harness.report(SESSION).is_empty(), "no control was given");
}

mod showing;
