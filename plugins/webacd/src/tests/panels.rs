//! The panels' commands: the site admin's queues, the entry page, the
//! agent's console page and the customer's status.

use super::*;

#[test]
fn only_a_site_admin_manages_queues() {
    let harness = site();
    let csr = Account {
        username: "anna".into(),
        display_name: "Anna".into(),
        site_admin: false,
    };
    let refused = harness.command_as::<WebAcd>(&csr, "queues.list", json!({}));
    assert_eq!(
        refused,
        Err(PluginError::Denied(
            "Only a site admin manages the WebACD queues.".into()
        ))
    );
    let listed = harness
        .command_as::<WebAcd>(&admin(), "queues.list", json!({}))
        .expect("listed");
    assert_eq!(
        listed["queues"],
        json!([{ "name": QUEUE, "title": "Support", "members": ["anna", "bert", "dora"],
                 "accept_timeout_secs": 30, "waiting": 0, "path": "q/support" }])
    );
    let agents: Vec<&str> = listed["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .map(|a| a["username"].as_str().expect("username"))
        .collect();
    assert_eq!(agents, vec!["anna", "bert", "dora"], "not Olga");
}

#[test]
fn queues_are_checked_and_nothing_changes_on_a_refusal() {
    let harness = site();
    let create = |payload: Value| harness.command_as::<WebAcd>(&admin(), "queues.create", payload);
    let cases = [
        (json!({ "name": "Bad Name", "title": "x" }), "name:"),
        (json!({ "name": "billing", "title": " " }), "title:"),
        (
            json!({ "name": "billing", "title": "Billing", "accept_timeout_secs": 4 }),
            "accept_timeout_secs:",
        ),
        (
            json!({ "name": "billing", "title": "Billing", "members": ["olga"] }),
            "not a WebACD agent",
        ),
        (
            json!({ "name": "billing", "title": "Billing", "members": ["zed"] }),
            "no CSR `zed`",
        ),
        (json!({ "name": QUEUE, "title": "Again" }), "exists already"),
    ];
    for (payload, expected) in cases {
        let refused = create(payload.clone());
        assert!(
            matches!(&refused, Err(PluginError::InvalidInput(m)) if m.contains(expected)),
            "{payload}: {refused:?}"
        );
    }
    let queues = tether_sdk::host::store::list_keys("queue/").expect("listed");
    assert_eq!(queues, vec!["queue/support".to_owned()]);

    let created = create(json!({ "name": "billing", "title": "Billing" })).expect("created");
    assert_eq!(created["accept_timeout_secs"], 30, "the default");
    let updated = harness
        .command_as::<WebAcd>(
            &admin(),
            "queues.update",
            json!({ "name": "billing", "members": ["dora"], "accept_timeout_secs": 300 }),
        )
        .expect("updated");
    assert_eq!(updated["members"], json!(["dora"]));
    assert_eq!(updated["title"], "Billing");
    let missing =
        harness.command_as::<WebAcd>(&admin(), "queues.update", json!({ "name": "nope" }));
    assert!(matches!(missing, Err(PluginError::InvalidInput(_))));

    let unconfirmed =
        harness.command_as::<WebAcd>(&admin(), "queues.delete", json!({ "name": "billing" }));
    assert!(matches!(unconfirmed, Err(PluginError::InvalidInput(m)) if m.contains("confirm")));
    let deleted = harness
        .command_as::<WebAcd>(
            &admin(),
            "queues.delete",
            json!({ "name": "billing", "confirm": true }),
        )
        .expect("deleted");
    assert_eq!(deleted, json!({ "deleted": "billing" }));
}

#[test]
fn a_queue_with_customers_waiting_is_not_deleted() {
    let harness = site();
    for name in ["anna", "bert", "dora"] {
        harness.update_csr(name, |p| p.availability = Availability::Away);
    }
    enter(&harness, "Carl", "");
    let refused = harness.command_as::<WebAcd>(
        &admin(),
        "queues.delete",
        json!({ "name": QUEUE, "confirm": true }),
    );
    assert!(
        matches!(refused, Err(PluginError::InvalidInput(m)) if m.contains("1 customers are waiting"))
    );
}

#[test]
fn the_entry_page_knows_its_queue_and_checks_what_the_customer_typed() {
    let harness = site();
    let info = harness
        .public_command::<WebAcd>("queue", QUEUE, json!({}))
        .expect("info");
    assert_eq!(info["exists"], true);
    assert_eq!(info["title"], "Support");
    assert_eq!(info["agents_online"], 3);
    let none = harness
        .public_command::<WebAcd>("queue", "nope", json!({}))
        .expect("info");
    assert_eq!(none["exists"], false);

    for (page, payload) in [
        ("nope", json!({ "name": "Carl" })),
        ("../x", json!({ "name": "Carl" })),
        (QUEUE, json!({ "name": " " })),
        (
            QUEUE,
            json!({ "name": "Carl", "problem": "問".repeat(201) }),
        ),
        (QUEUE, json!({ "name": "Carl", "extra": 1 })),
    ] {
        let refused = harness.public_command::<WebAcd>("enter", page, payload.clone());
        assert!(
            matches!(refused, Err(PluginError::InvalidInput(_))),
            "{payload}"
        );
    }
    assert!(
        harness.waiting_sessions().is_empty(),
        "no session was opened"
    );

    let reply = harness
        .public_command::<WebAcd>(
            "enter",
            QUEUE,
            json!({ "name": "山田", "problem": "問".repeat(200) }),
        )
        .expect("entered");
    assert_eq!(reply["queued"], true);
    assert_eq!(reply["position"], 1);
    let unknown = harness.public_command::<WebAcd>("leave", QUEUE, json!({}));
    assert!(matches!(unknown, Err(PluginError::InvalidInput(_))));
}

#[test]
fn the_customer_sees_their_place_in_line() {
    let harness = site();
    for name in ["anna", "bert", "dora"] {
        harness.update_csr(name, |p| p.availability = Availability::Away);
    }
    let first = enter(&harness, "Carl", "");
    let second = enter(&harness, "Erik", "");
    let customer = harness.waiting_sessions()[1].customer.clone();
    let status = harness
        .command::<WebAcd>(Some(&second), Some(&customer), "status", json!({}))
        .expect("status");
    assert_eq!(status["state"], "waiting");
    assert_eq!(status["position"], 2);
    assert_eq!(status["waiting"], 2);
    assert_eq!(status["title"], "Support");
    assert!(status["entered_ms"].as_u64().is_some() && status["now_ms"].as_u64().is_some());
    let _ = first;

    let elsewhere = harness
        .command::<WebAcd>(Some("123456789"), Some("c9"), "status", json!({}))
        .expect("status");
    assert_eq!(elsewhere, json!({ "type": "status", "state": "none" }));
}

#[test]
fn the_agents_console_lists_their_queues_and_who_waits_and_is_told_of_changes() {
    let harness = site();
    create_queue(&harness, "billing", "Billing", &["dora"], 30);
    harness.update_csr("anna", |p| p.availability = Availability::Away);
    harness.update_csr("dora", |p| p.availability = Availability::Away);
    let session = enter(&harness, "Carl", "Printer jams");
    let bert = Account {
        username: "bert".into(),
        display_name: "Bert".into(),
        site_admin: false,
    };
    let view = harness
        .command_as::<WebAcd>(&bert, "console.view", json!({}))
        .expect("view");
    assert_eq!(view["agent"], true);
    let queues = view["queues"].as_array().expect("queues");
    assert_eq!(queues.len(), 1, "only Bert's queues");
    assert_eq!(queues[0]["name"], QUEUE);
    assert_eq!(queues[0]["agents_online"], 3);
    assert_eq!(queues[0]["agents_available"], 1);
    let waiting = &queues[0]["waiting"][0];
    assert_eq!(waiting["session"], session.as_str());
    assert_eq!(waiting["customer_name"], "Carl");
    assert_eq!(waiting["problem"], "Printer jams");
    assert_eq!(waiting["offered_to"], json!(["Bert"]));

    let told: std::collections::BTreeSet<String> = harness
        .console_messages()
        .into_iter()
        .filter(|(_, m)| m["type"] == "changed")
        .map(|(to, _)| to)
        .collect();
    assert_eq!(told, ["anna", "bert", "dora"].map(String::from).into());

    let olga = Account {
        username: "olga".into(),
        display_name: "Olga".into(),
        site_admin: false,
    };
    let view = harness
        .command_as::<WebAcd>(&olga, "console.view", json!({}))
        .expect("view");
    assert_eq!(view["agent"], false);
    assert_eq!(view["queues"], json!([]));
}
