//! The other way: the host shows applications of their own computer (from
//! their own agent) or a window their browser captures, and gives a
//! customer control of what their agent shows. Against the SDK's harness,
//! which stands in for the kernel's streams: the host's agent shows without
//! a grant, an assistant's never. (Its `calls_need_grants` would refuse
//! every call on a CSR's agent, where the kernel lets the host's through
//! for the applications of their own computer: these tests leave it off,
//! and the fake agents below answer as those computers would.)

use tether_sdk::host::agent::AgentError;
use tether_sdk::host::consent::Outcome;
use tether_sdk::testing::{AgentCall, Harness};

use super::{
    SESSION, TERMINAL, agent, calls_of, denied, invalid, last_of, messages_to, refused_as, says,
};
use crate::*;

const NOTES: u32 = 0x0080_0001;
const DRAWING: u32 = 0x0080_0002;
const CALCULATOR: u32 = 0x0090_0001;
const CALC: &str = "org.example.Calc.desktop";

/// Anna's own agent: two windows running, a calculator installed. Carl's
/// agent answers as in the other tests.
fn agents(call: &AgentCall) -> Result<String, AgentError> {
    if call.participant != "p-anna" {
        return agent(call);
    }
    let input: Value = serde_json::from_str(&call.input).expect("JSON input");
    let window = |id: u32, title: &str| {
        json!({ "id": id, "title": title, "class": "Notes", "pid": 7,
                "x": 0, "y": 0, "width": 800, "height": 600 })
    };
    Ok(match call.capability.as_str() {
        "app.list" => json!({ "applications": [
            { "id": "x11-client:0x800000", "pid": 7, "class": "Notes", "instance": "notes",
              "name": "Notes", "windows": [window(NOTES, "Notes"), window(DRAWING, "Drawing")] },
        ] }),
        "app.installed" => json!({ "applications": [
            { "id": CALC, "name": "Calculator", "icon": null, "comment": "Adds numbers" },
        ] }),
        "app.launch" => json!({
            "pid": 9,
            "application": { "id": "x11-client:0x900000", "pid": 9, "class": "Calc",
                             "instance": "calc", "name": "Calculator",
                             "windows": [window(CALCULATOR, "Calculator")] },
            "window": window(CALCULATOR, "Calculator"),
        }),
        "app.share" => json!({ "stream": input["stream"], "window": input["window"],
                               "title": "Notes", "width": 800, "height": 600, "codec": "vp8" }),
        other => panic!("the host's agent was asked for {other}"),
    }
    .to_string())
}

/// Anna hosts, Bob assists, Carl is the customer; Anna's agent is attached.
fn showing() -> Harness {
    let harness = Harness::new();
    harness.add_participants(
        SESSION,
        &[
            ("p-anna", "Anna", Role::Host),
            ("p-bob", "Bob", Role::Assistant),
            ("p-carl", "Carl", Role::Customer),
        ],
    );
    harness.on_agent_call(agents);
    harness
}

/// No agent of Anna's is attached (Carl's is).
fn without_own_agent() -> Harness {
    let harness = showing();
    harness.on_agent_call(|call| {
        if call.participant == "p-anna" {
            Err(AgentError::Unavailable(
                "Anna Berg has no host agent running".into(),
            ))
        } else {
            agent(call)
        }
    });
    harness
}

fn anna(harness: &Harness, name: &str, payload: Value) -> Result<Value, PluginError> {
    says(harness, "p-anna", name, payload)
}

fn add_dora(harness: &Harness) {
    harness.add_participant(
        SESSION,
        Participant {
            id: "p-dora".into(),
            display_name: "Dora".into(),
            role: Role::Customer,
        },
    );
}

fn own_calls(harness: &Harness) -> Vec<String> {
    harness
        .agent_calls()
        .into_iter()
        .filter(|c| c.participant == "p-anna")
        .map(|c| c.capability)
        .collect()
}

#[test]
fn mine_lists_the_hosts_own_applications_without_asking_anyone() {
    let harness = showing();
    let reply = anna(&harness, "mine", json!({})).expect("listed");
    assert_eq!(reply["agent"], true);
    assert_eq!(reply["participant"], "p-anna");
    assert_eq!(reply["running"][0]["windows"][1]["id"], DRAWING);
    assert_eq!(reply["installed"][0]["id"], CALC);
    assert_eq!(own_calls(&harness), ["app.list", "app.installed"]);
    assert!(
        harness.consent_requests().is_empty(),
        "the host asks no one"
    );
    // As the console's customerCommand sends it, too.
    anna(&harness, "mine", json!({ "participant": "p-carl" })).expect("listed");
    let bad = anna(&harness, "mine", json!({ "everything": true }));
    assert!(refused_as(bad, invalid).contains("bad payload"));
}

#[test]
fn mine_without_an_agent_answers_none_and_no_error() {
    let harness = without_own_agent();
    let reply = anna(&harness, "mine", json!({})).expect("answered");
    assert_eq!(reply["agent"], false);
    assert_eq!(reply["running"], json!([]));
    assert_eq!(reply["installed"], json!([]));
    assert_eq!(reply["participant"], "p-anna");
    assert!(
        reply["message"]
            .as_str()
            .is_some_and(|m| m.contains("no host agent"))
    );
}

#[test]
fn showing_a_window_opens_a_stream_from_the_hosts_agent_to_everyone_else() {
    let harness = showing();
    anna(&harness, "mine", json!({})).expect("listed");
    let reply = anna(&harness, "show", json!({ "window": NOTES })).expect("shown");
    assert_eq!(reply, json!({ "stream": 1, "label": "Notes" }));

    let open = harness.open_streams();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].source, "p-anna");
    assert_eq!(open[0].origin, StreamOrigin::CsrAgent);
    assert_eq!(
        calls_of(&harness, "app.share"),
        [json!({ "stream": 1, "window": NOTES, "viewers": "Bob, Carl" })]
    );
    assert!(harness.consent_requests().is_empty());
    assert_eq!(harness.report(SESSION), ["Anna showed \"Notes\""]);

    let expected = json!([{ "stream": 1, "label": "Notes", "origin": "csr_agent",
                            "source": "p-anna", "source_name": "Anna",
                            "customer": null, "customer_name": null, "control": false,
                            "controller": null, "controller_name": null,
                            "width": 800, "height": 600 }]);
    for who in ["p-anna", "p-bob", "p-carl"] {
        assert_eq!(
            last_of(&harness, who, "state")["streams"],
            expected,
            "{who}"
        );
    }
}

#[test]
fn a_window_opened_since_the_list_is_found_and_an_unknown_one_refused() {
    let harness = showing();
    // No `mine` before: the agent is asked.
    let reply = anna(&harness, "show", json!({ "window": DRAWING })).expect("shown");
    assert_eq!(reply["label"], "Drawing");
    let unknown = anna(&harness, "show", json!({ "window": 0x0bad_0001 }));
    assert!(refused_as(unknown, invalid).contains("not a window of your running applications"));
    let again = anna(&harness, "show", json!({ "window": DRAWING }));
    assert!(refused_as(again, invalid).contains("\"Drawing\" is already shown"));
    assert_eq!(harness.open_streams().len(), 1);
}

#[test]
fn a_new_application_of_the_hosts_is_started_and_shown() {
    let harness = showing();
    let reply = anna(&harness, "show", json!({ "launch": CALC })).expect("shown");
    assert_eq!(reply, json!({ "stream": 1, "label": "Calculator" }));
    assert_eq!(calls_of(&harness, "app.launch"), [json!({ "id": CALC })]);
    assert_eq!(calls_of(&harness, "app.share")[0]["window"], CALCULATOR);
    let unknown = anna(
        &harness,
        "show",
        json!({ "launch": "../../bin/sh.desktop" }),
    );
    assert!(refused_as(unknown, invalid).contains("not one of your installed applications"));
    assert_eq!(calls_of(&harness, "app.launch").len(), 1);
}

#[test]
fn show_payloads_are_strict_and_control_goes_only_to_a_customer() {
    let harness = showing();
    for bad in [
        json!({}),
        json!({ "window": NOTES, "launch": CALC }),
        json!({ "window": NOTES, "screen": true }),
        json!({ "window": -1 }),
    ] {
        let refused = anna(&harness, "show", bad.clone());
        assert!(
            matches!(refused, Err(PluginError::InvalidInput(_))),
            "{bad}: {refused:?}"
        );
    }
    for csr_or_nobody in ["p-bob", "p-anna", "p-zoe"] {
        let refused = anna(
            &harness,
            "show",
            json!({ "window": NOTES, "give": csr_or_nobody }),
        );
        assert!(
            refused_as(refused, invalid).contains("not a customer"),
            "{csr_or_nobody}"
        );
    }
    assert!(harness.open_streams().is_empty());
    assert!(calls_of(&harness, "app.share").is_empty());
    assert!(harness.report(SESSION).is_empty());
}

#[test]
fn only_the_host_shows_and_an_assistant_or_customer_is_told_why() {
    let harness = showing();
    for name in ["mine", "show", "show_browser", "give", "take"] {
        let payload = match name {
            "show" => json!({ "window": NOTES }),
            "show_browser" => json!({ "label": "Tab" }),
            "take" => json!({ "stream": 1 }),
            "give" => json!({ "customer": "p-carl" }),
            _ => json!({}),
        };
        let assistant = says(&harness, "p-bob", name, payload.clone());
        assert!(
            refused_as(assistant, denied).contains("assistants see what is shown"),
            "{name}"
        );
        let customer = says(&harness, "p-carl", name, payload);
        assert!(
            refused_as(customer, denied).contains("CSR in control"),
            "{name}"
        );
    }
    assert!(harness.agent_calls().is_empty(), "no agent was asked");
    assert!(harness.open_streams().is_empty());
    assert!(harness.sent().is_empty());
}

#[test]
fn an_agent_the_kernel_refuses_because_control_passed_is_a_clear_refusal() {
    // The kernel uses a CSR's agent only for the session's host: a call
    // refused as for someone who is not (control passed meanwhile).
    let harness = showing();
    harness.on_agent_call(|call| {
        if call.participant == "p-anna" {
            Err(AgentError::NoConsent(
                "Anna is not the session's host".into(),
            ))
        } else {
            agent(call)
        }
    });
    let listed = anna(&harness, "mine", json!({}));
    assert!(refused_as(listed, denied).contains("only the CSR in control of the session shows"));
    let shown = anna(&harness, "show", json!({ "window": NOTES }));
    assert!(refused_as(shown, denied).contains("only the CSR in control of the session shows"));
    assert!(harness.open_streams().is_empty());
}

#[test]
fn without_an_agent_nothing_is_shown_and_the_host_is_told_how() {
    let harness = without_own_agent();
    let refused = anna(&harness, "show", json!({ "window": NOTES }));
    match refused {
        Err(PluginError::Failed(message)) => {
            assert!(message.contains("Show my application"), "{message}");
            assert!(message.contains("share from the browser"), "{message}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    assert!(harness.open_streams().is_empty());
}

#[test]
fn a_share_the_hosts_agent_cannot_start_closes_its_stream() {
    let harness = showing();
    harness.on_agent_call(
        |call| match (call.participant.as_str(), call.capability.as_str()) {
            ("p-anna", "app.share") => Err(AgentError::Failed("the window is gone".into())),
            _ => agents(call),
        },
    );
    let refused = anna(&harness, "show", json!({ "window": NOTES }));
    assert!(matches!(refused, Err(PluginError::Failed(m)) if m.contains("the window is gone")));
    assert!(harness.open_streams().is_empty());
    assert!(
        harness.closed_streams()[0]
            .1
            .contains("showing could not start")
    );
    assert!(harness.report(SESSION).is_empty(), "nothing was shown");
}

#[test]
fn showing_with_give_hands_control_to_the_customer_at_once() {
    let harness = showing();
    let reply = anna(
        &harness,
        "show",
        json!({ "window": NOTES, "give": "p-carl" }),
    )
    .expect("shown");
    assert_eq!(
        reply,
        json!({ "stream": 1, "label": "Notes", "controller": "p-carl" })
    );
    assert_eq!(harness.controller(1).as_deref(), Some("p-carl"));
    assert_eq!(
        harness.report(SESSION),
        [
            "Anna showed \"Notes\"",
            "Control of \"Notes\" given to Carl"
        ]
    );
    let state = last_of(&harness, "p-carl", "state");
    assert_eq!(state["streams"][0]["controller"], "p-carl");
    assert_eq!(state["streams"][0]["controller_name"], "Carl");
}

#[test]
fn giving_control_of_what_is_shown_keeps_the_stream_and_another_customer_replaces() {
    let harness = showing();
    add_dora(&harness);
    anna(&harness, "show", json!({ "window": NOTES })).expect("shown");
    let reply = anna(
        &harness,
        "give",
        json!({ "stream": 1, "customer": "p-carl" }),
    )
    .expect("given");
    assert_eq!(reply, json!({ "stream": 1, "controller": "p-carl" }));
    // The same again: nothing changes, nothing more is reported.
    anna(
        &harness,
        "give",
        json!({ "stream": 1, "participant": "p-carl" }),
    )
    .expect("given");
    anna(
        &harness,
        "give",
        json!({ "stream": 1, "customer": "p-dora" }),
    )
    .expect("given");
    assert_eq!(harness.controller(1).as_deref(), Some("p-dora"));
    assert_eq!(harness.open_streams().len(), 1, "not restarted");
    assert!(harness.closed_streams().is_empty());
    assert_eq!(calls_of(&harness, "app.share").len(), 1);
    assert_eq!(
        harness.report(SESSION),
        [
            "Anna showed \"Notes\"",
            "Control of \"Notes\" given to Carl",
            "Control of \"Notes\" given to Dora",
        ]
    );
    assert_eq!(
        last_of(&harness, "p-bob", "state")["streams"][0]["controller_name"],
        "Dora"
    );
}

#[test]
fn giving_with_nothing_shown_answers_the_lists_to_choose_from() {
    let harness = showing();
    let reply = anna(&harness, "give", json!({ "participant": "p-carl" })).expect("answered");
    assert_eq!(reply["choose"], true);
    assert_eq!(reply["customer"], "p-carl");
    assert_eq!(reply["customer_name"], "Carl");
    assert_eq!(reply["running"][0]["name"], "Notes");
    assert_eq!(reply["installed"][0]["id"], CALC);
    assert!(harness.open_streams().is_empty());
    assert!(harness.report(SESSION).is_empty());

    // A browser's share does not count: it cannot be controlled.
    anna(&harness, "show_browser", json!({ "label": "Tab" })).expect("shown");
    let reply = anna(&harness, "give", json!({ "participant": "p-carl" })).expect("answered");
    assert_eq!(reply["choose"], true);

    let none = without_own_agent();
    let refused = anna(&none, "give", json!({ "customer": "p-carl" }));
    assert!(refused_as(refused, invalid).contains("Show my application"));
}

#[test]
fn giving_without_a_stream_gives_the_one_shown_but_asks_which_of_several() {
    let harness = showing();
    anna(&harness, "show", json!({ "window": NOTES })).expect("shown");
    let reply = anna(&harness, "give", json!({ "customer": "p-carl" })).expect("given");
    assert_eq!(reply, json!({ "stream": 1, "controller": "p-carl" }));
    anna(&harness, "show", json!({ "window": DRAWING })).expect("shown");
    let several = anna(&harness, "give", json!({ "customer": "p-carl" }));
    assert!(refused_as(several, invalid).contains("several of your applications"));
    assert_eq!(harness.controller(2), None);
}

#[test]
fn control_is_given_only_of_the_hosts_agent_streams_and_only_to_a_customer() {
    let harness = showing();
    // Carl shares a terminal; Anna shows Notes and a browser tab.
    harness.answer_consent(Outcome::Granted);
    super::request(&harness, "view").expect("asked");
    super::share_window(&harness, TERMINAL).expect("shared");
    anna(&harness, "show", json!({ "window": NOTES })).expect("shown");
    anna(&harness, "show_browser", json!({ "label": "Slides" })).expect("shown");

    let give = |payload: Value| anna(&harness, "give", payload);
    let customers = give(json!({ "stream": 1, "customer": "p-carl" }));
    assert!(refused_as(customers, invalid).contains("Carl's application"));
    let browser = give(json!({ "stream": 3, "customer": "p-carl" }));
    assert!(refused_as(browser, invalid).contains("shown from the browser"));
    // An id no stream of this plugin has (another plugin's, say: the
    // kernel lists only this plugin's).
    let unknown = give(json!({ "stream": 42, "customer": "p-carl" }));
    assert!(refused_as(unknown, invalid).contains("stream 42"));
    for csr_or_nobody in ["p-bob", "p-anna", "p-zoe"] {
        let refused = give(json!({ "stream": 2, "customer": csr_or_nobody }));
        assert!(
            refused_as(refused, invalid).contains("not a customer"),
            "{csr_or_nobody}"
        );
    }
    let two = give(json!({ "stream": 2, "customer": "p-carl", "participant": "p-dora" }));
    assert!(refused_as(two, invalid).contains("different customers"));
    let take_browser = anna(&harness, "take", json!({ "stream": 3 }));
    assert!(refused_as(take_browser, invalid).contains("shown from the browser"));
    let take_customers = anna(&harness, "take", json!({ "stream": 1 }));
    assert!(refused_as(take_customers, invalid).contains("Carl's application"));
    let take_unknown = anna(&harness, "take", json!({ "stream": 42 }));
    assert!(refused_as(take_unknown, invalid).contains("stream 42"));

    assert_eq!(harness.controller(2), None);
    assert!(
        !harness
            .report(SESSION)
            .iter()
            .any(|line| line.contains("given")),
        "{:?}",
        harness.report(SESSION)
    );
}

#[test]
fn the_host_takes_control_back_and_taking_it_twice_changes_nothing() {
    let harness = showing();
    anna(
        &harness,
        "show",
        json!({ "window": NOTES, "give": "p-carl" }),
    )
    .expect("shown");
    let reply = anna(&harness, "take", json!({ "stream": 1 })).expect("taken");
    assert_eq!(reply, json!({ "stream": 1, "controller": null }));
    assert_eq!(harness.controller(1), None);
    anna(&harness, "take", json!({ "stream": 1 })).expect("nothing to take");
    assert_eq!(
        harness.report(SESSION),
        [
            "Anna showed \"Notes\"",
            "Control of \"Notes\" given to Carl",
            "Control of \"Notes\" taken back from Carl (by Anna)",
        ]
    );
    assert_eq!(
        last_of(&harness, "p-carl", "state")["streams"][0]["controller"],
        Value::Null
    );
    assert_eq!(harness.open_streams().len(), 1, "still shown");
}

#[test]
fn control_taken_back_on_the_hosts_computer_or_by_the_customer_leaving_is_followed() {
    let harness = showing();
    add_dora(&harness);
    anna(
        &harness,
        "show",
        json!({ "window": NOTES, "give": "p-carl" }),
    )
    .expect("shown");
    assert!(harness.take_back_on_computer(1));
    assert_eq!(
        harness
            .deliver_kernel_events::<AppShare>()
            .expect("delivered"),
        1
    );
    assert_eq!(
        last_of(&harness, "p-anna", "state")["streams"][0]["controller"],
        Value::Null
    );

    anna(
        &harness,
        "give",
        json!({ "stream": 1, "customer": "p-dora" }),
    )
    .expect("given");
    harness.remove_participant(SESSION, "p-dora");
    harness
        .deliver_kernel_events::<AppShare>()
        .expect("delivered");
    assert_eq!(harness.open_streams().len(), 1, "the stream goes on");
    assert_eq!(
        last_of(&harness, "p-carl", "state")["streams"][0]["controller"],
        Value::Null
    );
    let report = harness.report(SESSION);
    assert_eq!(
        report[2..],
        [
            "Control of \"Notes\" taken back from Carl (on Anna's computer)".to_owned(),
            "Control of \"Notes\" given to Dora".to_owned(),
            "Control of \"Notes\" taken back from Dora (Dora left)".to_owned(),
        ]
    );
}

#[test]
fn sharing_from_the_browser_opens_a_stream_from_the_console() {
    let harness = showing();
    let reply = anna(&harness, "show_browser", json!({ "label": "  Slides\n" })).expect("shown");
    assert_eq!(reply, json!({ "stream": 1, "label": "Slides" }));
    let open = harness.open_streams();
    assert_eq!(open[0].origin, StreamOrigin::CsrBrowser);
    assert_eq!(open[0].source, "p-anna");
    assert!(harness.agent_calls().is_empty(), "no agent is involved");
    assert_eq!(
        harness.report(SESSION),
        ["Anna showed \"Slides\" from the browser"]
    );
    assert_eq!(
        last_of(&harness, "p-carl", "state")["streams"][0]["origin"],
        "csr_browser"
    );

    for bad in [
        json!({ "label": " \t " }),
        json!({}),
        json!({ "label": "x", "audio": true }),
    ] {
        let refused = anna(&harness, "show_browser", bad.clone());
        assert!(
            matches!(refused, Err(PluginError::InvalidInput(_))),
            "{bad}: {refused:?}"
        );
    }
    harness.close_console(SESSION, "p-anna");
    let closed = anna(&harness, "show_browser", json!({ "label": "Slides" }));
    assert!(
        matches!(closed, Err(PluginError::Failed(m)) if m.contains("console is not connected"))
    );
    harness
        .deliver_kernel_events::<AppShare>()
        .expect("delivered");
    assert!(harness.open_streams().is_empty());
    assert_eq!(last_of(&harness, "p-carl", "state")["streams"], json!([]));
}

#[test]
fn the_host_stops_what_they_show_and_control_ends_with_it() {
    let harness = showing();
    anna(
        &harness,
        "show",
        json!({ "window": NOTES, "give": "p-carl" }),
    )
    .expect("shown");
    let customer = says(&harness, "p-carl", "stop", json!({ "stream": 1 }));
    assert!(refused_as(customer, denied).contains("CSR in control"));
    let reply = anna(&harness, "stop", json!({ "stream": 1 })).expect("stopped");
    assert_eq!(reply, json!({ "stopped": 1 }));
    assert_eq!(
        harness.closed_streams(),
        [(1, "Anna stopped showing it".to_owned())]
    );
    assert_eq!(last_of(&harness, "p-carl", "state")["streams"], json!([]));
    assert_eq!(
        harness.report(SESSION).last().map(String::as_str),
        Some("Control of \"Notes\" by Carl ended: Anna stopped showing it")
    );
    harness
        .deliver_kernel_events::<AppShare>()
        .expect("delivered");
    assert_eq!(harness.report(SESSION).len(), 3, "said once");
}

#[test]
fn a_customer_sees_what_the_host_shows_besides_their_own_shares() {
    let harness = showing();
    add_dora(&harness);
    harness.answer_consent(Outcome::Granted);
    super::request(&harness, "view").expect("asked");
    super::share_window(&harness, TERMINAL).expect("Carl shares");
    anna(&harness, "show", json!({ "window": NOTES })).expect("Anna shows");

    let carl = says(&harness, "p-carl", "state", json!({})).expect("state");
    let origins: Vec<&str> = carl["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .filter_map(|s| s["origin"].as_str())
        .collect();
    assert_eq!(origins, ["customer_agent", "csr_agent"]);
    let dora = says(&harness, "p-dora", "state", json!({})).expect("state");
    assert_eq!(dora["streams"].as_array().map(Vec::len), Some(1));
    assert_eq!(dora["streams"][0]["source"], "p-anna");
    assert!(
        messages_to(&harness, "p-dora")
            .iter()
            .filter(|m| m["type"] == "state")
            .all(|m| m["streams"]
                .as_array()
                .is_some_and(|s| s.iter().all(|s| s["origin"] != "customer_agent"))),
        "Dora never hears of Carl's share"
    );
}
