//! Transfer session: to a queue, to chosen agents, the message's limit,
//! and who may transfer.

use super::*;

const SESSION: &str = "100000001";

fn account(username: &str) -> Account {
    Account {
        username: username.into(),
        display_name: capitalised(username),
        site_admin: false,
    }
}

/// A command from the console of `account`, participant `sender` of
/// `session`.
pub(super) fn as_host(
    harness: &Harness,
    session: &str,
    sender: &str,
    account: &Account,
    payload: Value,
) -> Result<Value, PluginError> {
    command(harness, session, sender, account, "transfer", payload)
}

fn command(
    harness: &Harness,
    session: &str,
    sender: &str,
    account: &Account,
    name: &str,
    payload: Value,
) -> Result<Value, PluginError> {
    let reply = harness.event::<WebAcd>(Event::Command(Command {
        session: Some(session.into()),
        sender: Some(sender.into()),
        account: Some(account.clone()),
        name: name.into(),
        payload: payload.to_string(),
    }))?;
    Ok(serde_json::from_str(&reply).expect("JSON reply"))
}

/// Anna hosts a session with Carl and Bob (an assistant).
fn hosting() -> Harness {
    let harness = site();
    harness.add_participants(
        SESSION,
        &[
            ("host-anna", "Anna", Role::Host),
            ("p-bob", "Bob", Role::Assistant),
            ("p-carl", "Carl", Role::Customer),
        ],
    );
    harness.update_csr("anna", |p| p.customers = 1);
    harness
}

fn transfer(harness: &Harness, payload: Value) -> Result<Value, PluginError> {
    as_host(harness, SESSION, "host-anna", &account("anna"), payload)
}

/// 345 characters as a person counts them, in Japanese and with
/// combining marks: far more code points (and bytes) than 345.
fn message_of(characters: usize) -> String {
    let japanese = "転送します。よろしくお願いします。".repeat(20);
    let mut message: String = japanese.chars().take(characters - 45).collect();
    message.push_str(&"e\u{301}".repeat(45));
    message
}

#[test]
fn a_message_of_345_characters_goes_and_346_is_refused_with_nothing_changed() {
    let harness = hosting();
    let too_long = message_of(346);
    assert_eq!(rules::person_count(&too_long), 346);
    let refused = transfer(
        &harness,
        json!({ "to": "agents", "agents": ["bert"], "message": too_long }),
    );
    assert_eq!(
        refused,
        Err(PluginError::InvalidInput(
            "The message has 346 characters; at most 345 are allowed.".into()
        ))
    );
    assert!(harness.offers().is_empty());
    assert!(harness.report(SESSION).is_empty());
    assert!(harness.stored(&format!("ticket/{SESSION}")).is_none());
    assert!(harness.sent().is_empty());

    let message = message_of(345);
    assert!(message.chars().count() > 345);
    let reply = transfer(
        &harness,
        json!({ "to": "agents", "agents": ["bert", "dora"], "message": message }),
    )
    .expect("transferring");
    assert_eq!(reply["to"], "agents");
    assert_eq!(reply["agents"], json!(["Bert", "Dora"]));
    let offer = last_offer(&harness);
    assert_eq!(offer.to, vec!["bert".to_owned(), "dora".to_owned()]);
    assert_eq!(offer.details.title, "Carl · from Anna");
    assert_eq!(offer.details.text, format!("Anna: {message}"));
    assert_eq!(
        harness.report(SESSION),
        vec![
            format!("Anna transferred the session to Bert and Dora. Message: “{message}”"),
            "Offered to Bert and Dora.".to_owned(),
        ]
    );
    let status = statuses_to(&harness, "p-carl").pop().expect("Carl told");
    assert_eq!(status["state"], "transferring");
    assert_eq!(status["to"], json!(["Bert", "Dora"]));

    // Dora accepts: she becomes the host, Anna leaves.
    harness
        .answer_offer::<WebAcd>(offer.id, "dora", true)
        .expect("taken");
    assert_eq!(
        harness.hand_overs(),
        vec![(SESSION.to_owned(), "dora".to_owned())]
    );
    assert!(report_has(
        &harness,
        SESSION,
        "Dora accepted and took the session."
    ));
}

#[test]
fn only_webacd_agents_who_host_the_session_may_transfer() {
    let harness = hosting();
    let payload = json!({ "to": "queue", "queue": QUEUE, "message": "" });
    let olga = as_host(
        &harness,
        SESSION,
        "host-anna",
        &account("olga"),
        payload.clone(),
    );
    assert_eq!(
        olga,
        Err(PluginError::Denied(
            "Only WebACD agents may transfer sessions.".into()
        ))
    );
    let options = command(
        &harness,
        SESSION,
        "host-anna",
        &account("olga"),
        "transfer.options",
        json!({}),
    )
    .expect("options");
    assert_eq!(options["allowed"], false);
    assert_eq!(options["why"], "not_agent");

    let bob = as_host(&harness, SESSION, "p-bob", &account("bert"), payload);
    assert_eq!(
        bob,
        Err(PluginError::Denied(
            "Only the session's host can transfer it.".into()
        ))
    );
    let options = command(
        &harness,
        SESSION,
        "p-bob",
        &account("bert"),
        "transfer.options",
        json!({}),
    )
    .expect("options");
    assert_eq!(options["why"], "not_host");
    assert!(harness.offers().is_empty());
    assert!(harness.report(SESSION).is_empty());

    let options = command(
        &harness,
        SESSION,
        "host-anna",
        &account("anna"),
        "transfer.options",
        json!({}),
    )
    .expect("options");
    assert_eq!(options["allowed"], true);
    assert_eq!(options["max_message"], 345);
    assert_eq!(
        options["queues"],
        json!([{ "name": QUEUE, "title": "Support", "waiting": 0 }])
    );
    let agents: Vec<&str> = options["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .map(|a| a["username"].as_str().expect("username"))
        .collect();
    assert_eq!(
        agents,
        vec!["bert", "dora"],
        "online WebACD agents but Anna"
    );
}

#[test]
fn transfer_targets_must_be_online_webacd_agents_other_than_oneself() {
    let harness = hosting();
    harness.update_csr("dora", |p| p.online = false);
    for (agents, error) in [
        (json!(["olga"]), "olga is not a WebACD agent."),
        (json!(["dora"]), "Dora is not online."),
        (
            json!(["anna"]),
            "You cannot transfer a session to yourself.",
        ),
        (json!([]), "agents: choose at least one agent"),
        (json!(["bert", "bert"]), "agents: `bert` is listed twice"),
    ] {
        let refused = transfer(
            &harness,
            json!({ "to": "agents", "agents": agents, "message": "" }),
        );
        assert_eq!(refused, Err(PluginError::InvalidInput(error.into())));
    }
    let nobody = transfer(
        &harness,
        json!({ "to": "agents", "agents": ["zed"], "message": "" }),
    );
    assert!(matches!(nobody, Err(PluginError::InvalidInput(m)) if m.contains("zed")));
    let both = transfer(
        &harness,
        json!({ "to": "queue", "queue": QUEUE, "agents": ["bert"] }),
    );
    assert!(matches!(both, Err(PluginError::InvalidInput(_))));
    let unknown = transfer(&harness, json!({ "to": "queue", "queue": "billing" }));
    assert_eq!(
        unknown,
        Err(PluginError::InvalidInput(
            "There is no queue `billing`.".into()
        ))
    );
    assert!(harness.offers().is_empty());
    assert!(harness.stored(&format!("ticket/{SESSION}")).is_none());
}

#[test]
fn a_transfer_to_a_queue_is_offered_to_its_members_but_the_transferring_agent() {
    let harness = hosting();
    harness.update_csr("anna", |p| p.idle_since = 1);
    let reply = transfer(
        &harness,
        json!({ "to": "queue", "queue": QUEUE, "message": "Refund" }),
    )
    .expect("queued");
    assert_eq!(reply["position"], 1);
    let offer = last_offer(&harness);
    assert_eq!(
        offer.to,
        vec!["bert".to_owned()],
        "not Anna, though idle longest"
    );
    assert_eq!(offer.details.title, "Carl · Support · from Anna");
    assert_eq!(offer.details.text, "Anna: Refund");
    assert_eq!(
        harness.report(SESSION)[0],
        "Anna transferred the session to the queue Support. Message: “Refund”"
    );
    let status = statuses_to(&harness, "p-carl").pop().expect("Carl told");
    assert_eq!(status["state"], "waiting");
    assert_eq!(status["position"], 1);
    assert_eq!(status["from"], "Anna");

    // A second transfer while this one is under way is refused.
    let again = transfer(&harness, json!({ "to": "queue", "queue": QUEUE }));
    assert_eq!(
        again,
        Err(PluginError::Denied(
            "This session is being transferred already.".into()
        ))
    );

    harness
        .answer_offer::<WebAcd>(offer.id, "bert", true)
        .expect("taken");
    assert_eq!(
        harness.hand_overs(),
        vec![(SESSION.to_owned(), "bert".to_owned())]
    );
}

#[test]
fn a_transfer_nobody_accepts_in_time_waits_in_the_queue_and_the_agent_is_told() {
    let harness = hosting();
    create_queue(&harness, "billing", "Billing", &["anna", "dora"], 60);
    transfer(
        &harness,
        json!({ "to": "agents", "agents": ["bert"], "message": "" }),
    )
    .expect("transferring");
    let offer = last_offer(&harness);
    assert_eq!(
        offer.details.timeout_ms, 60_000,
        "the fallback queue's timeout"
    );
    assert_eq!(harness.expire_offer::<WebAcd>(offer.id), Ok(true));

    // Anna's first queue (by name) is Billing.
    assert!(report_has(
        &harness,
        SESSION,
        "Bert did not answer within 60 s."
    ));
    assert!(report_has(
        &harness,
        SESSION,
        "Nobody accepted the transfer in time; the session now waits in the queue Billing."
    ));
    let told: Vec<Value> = harness
        .sent()
        .into_iter()
        .filter(|m| m.to == "host-anna")
        .map(|m| serde_json::from_str(&m.message).expect("JSON"))
        .collect();
    assert_eq!(
        told,
        vec![
            json!({ "type": "transfer_result", "outcome": "queued", "reason": "timed_out",
                      "queue": "billing", "title": "Billing" })
        ]
    );
    assert_eq!(
        statuses_to(&harness, "p-carl").pop().expect("told")["state"],
        "waiting"
    );
    // Billing's members but Anna: Dora.
    assert_eq!(last_offer(&harness).to, vec!["dora".to_owned()]);
}

#[test]
fn a_transfer_every_agent_declines_goes_to_the_queue_the_session_came_from() {
    let harness = site();
    create_queue(&harness, "billing", "Billing", &["bert"], 30);
    // Carl came in through Support and Anna took him.
    harness.update_csr("bert", |p| p.availability = Availability::Away);
    harness.update_csr("dora", |p| p.availability = Availability::Away);
    let session = enter(&harness, "Carl", "");
    let offer = last_offer(&harness);
    assert_eq!(offer.to, vec!["anna".to_owned()]);
    harness
        .answer_offer::<WebAcd>(offer.id, "anna", true)
        .expect("taken");
    harness.update_csr("bert", |p| p.availability = Availability::Available);
    harness.update_csr("dora", |p| p.availability = Availability::Available);

    let customer = harness.waiting_sessions()[0].customer.clone();
    let _ = customer;
    as_host(
        &harness,
        &session,
        "host-anna",
        &account("anna"),
        json!({ "to": "agents", "agents": ["bert", "dora"], "message": "" }),
    )
    .expect("transferring");
    let offer = last_offer(&harness);
    harness
        .answer_offer::<WebAcd>(offer.id, "bert", false)
        .expect("declined");
    assert!(offer_is_open(&harness, offer.id), "Dora may still accept");
    harness
        .answer_offer::<WebAcd>(offer.id, "dora", false)
        .expect("declined");
    assert!(report_has(
        &harness,
        &session,
        "Every agent declined the transfer; the session now waits in the queue Support."
    ));
    let ticket: Value = serde_json::from_slice(
        &harness
            .stored(&format!("ticket/{session}"))
            .expect("waiting"),
    )
    .expect("JSON");
    assert_eq!(ticket["queue"], QUEUE);
    assert_eq!(ticket["stage"], "queued");
}

fn offer_is_open(harness: &Harness, id: u32) -> bool {
    harness.offers().iter().any(|o| o.id == id && o.is_open())
}

#[test]
fn the_transferring_agent_may_cancel_while_nobody_accepted() {
    let harness = hosting();
    transfer(
        &harness,
        json!({ "to": "agents", "agents": ["bert"], "message": "" }),
    )
    .expect("transferring");
    let options = command(
        &harness,
        SESSION,
        "host-anna",
        &account("anna"),
        "transfer.options",
        json!({}),
    )
    .expect("options");
    assert_eq!(
        options["pending"],
        json!({ "to": "agents", "agents": ["Bert"] })
    );
    let reply = command(
        &harness,
        SESSION,
        "host-anna",
        &account("anna"),
        "transfer.cancel",
        json!({}),
    )
    .expect("cancelled");
    assert_eq!(reply, json!({ "cancelled": true }));
    assert_eq!(
        harness.offers()[0].withdrawn.as_deref(),
        Some("The transfer was cancelled.")
    );
    assert!(report_has(
        &harness,
        SESSION,
        "Anna cancelled the transfer."
    ));
    assert!(harness.stored(&format!("ticket/{SESSION}")).is_none());
    let again = command(
        &harness,
        SESSION,
        "host-anna",
        &account("anna"),
        "transfer.cancel",
        json!({}),
    );
    assert!(matches!(again, Err(PluginError::InvalidInput(_))));
}
