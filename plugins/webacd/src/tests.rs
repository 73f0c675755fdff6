//! The plugin against the SDK's native harness, which plays the kernel:
//! the site's CSRs and their presence, offers and answers, waiting
//! sessions and hand-overs, with the kernel's rules.

mod panels;
mod transfer;

use tether_sdk::host::csrs::CsrPresence;
use tether_sdk::testing::{Harness, MadeOffer};

use super::*;
use crate::distribute::{ALREADY_TAKEN, NO_LONGER_WAITING};

const QUEUE: &str = "support";

/// A WebACD agent of the site, online and available, idle since `idle`.
fn agent(username: &str, idle: u64) -> CsrPresence {
    let mut presence = tether_sdk::testing::csr(username, idle);
    presence.webacd_agent = true;
    presence.display_name = capitalised(username);
    presence
}

fn capitalised(username: &str) -> String {
    let mut chars = username.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn admin() -> Account {
    Account {
        username: "sam".into(),
        display_name: "Sam".into(),
        site_admin: true,
    }
}

/// A site with three agents in the queue `support` — Bert idle longest,
/// then Dora, then Anna — and Olga, a CSR who is no WebACD agent.
fn site() -> Harness {
    let harness = Harness::new();
    harness.add_csr(agent("anna", 300));
    harness.add_csr(agent("bert", 100));
    harness.add_csr(agent("dora", 200));
    harness.add_csr(tether_sdk::testing::csr("olga", 50));
    create_queue(&harness, QUEUE, "Support", &["anna", "bert", "dora"], 30);
    harness
}

fn create_queue(harness: &Harness, name: &str, title: &str, members: &[&str], timeout: u32) {
    harness
        .command_as::<WebAcd>(
            &admin(),
            "queues.create",
            json!({ "name": name, "title": title, "members": members, "accept_timeout_secs": timeout }),
        )
        .expect("queue created");
}

/// A customer enters the queue from its public page; returns the session.
fn enter(harness: &Harness, name: &str, problem: &str) -> String {
    let reply = harness
        .public_command::<WebAcd>("enter", QUEUE, json!({ "name": name, "problem": problem }))
        .expect("entered");
    reply["session"].as_str().expect("a session").to_owned()
}

fn last_offer(harness: &Harness) -> MadeOffer {
    harness.offers().pop().expect("an offer was made")
}

fn open_offers(harness: &Harness) -> Vec<MadeOffer> {
    harness
        .offers()
        .into_iter()
        .filter(MadeOffer::is_open)
        .collect()
}

fn report_has(harness: &Harness, session: &str, line: &str) -> bool {
    harness.report(session).iter().any(|l| l == line)
}

/// The statuses the plugin pushed to `participant`'s panel, in order.
fn statuses_to(harness: &Harness, participant: &str) -> Vec<Value> {
    harness
        .sent()
        .into_iter()
        .filter(|m| m.to == participant)
        .map(|m| serde_json::from_str(&m.message).expect("JSON"))
        .filter(|m: &Value| m["type"] == "status")
        .collect()
}

fn holders(harness: &Harness) -> Vec<String> {
    harness
        .stored_keys()
        .into_iter()
        .filter(|k| k.starts_with("holding/"))
        .collect()
}

#[test]
fn the_longest_idle_agent_gets_the_offer_and_declining_or_silence_passes_it_on() {
    let harness = site();
    let session = enter(&harness, "Carl", "Printer jams");

    let first = last_offer(&harness);
    assert_eq!(first.to, vec!["bert".to_owned()], "Bert is idle longest");
    assert_eq!(first.details.session.as_deref(), Some(session.as_str()));
    assert_eq!(first.details.title, "Carl · Support");
    assert_eq!(first.details.text, "Printer jams");
    assert_eq!(first.details.timeout_ms, 30_000);
    assert_eq!(holders(&harness), vec!["holding/bert".to_owned()]);

    let reply = harness.answer_offer::<WebAcd>(first.id, "bert", false);
    assert_eq!(reply, Ok(json!({ "declined": true })));
    let second = last_offer(&harness);
    assert_eq!(second.to, vec!["dora".to_owned()], "then Dora");
    assert_eq!(holders(&harness), vec!["holding/dora".to_owned()]);

    assert_eq!(harness.expire_offer::<WebAcd>(second.id), Ok(true));
    let third = last_offer(&harness);
    assert_eq!(third.to, vec!["anna".to_owned()], "then Anna");

    let reply = harness
        .answer_offer::<WebAcd>(third.id, "anna", true)
        .expect("Anna takes Carl");
    assert_eq!(reply["accepted"], true);
    assert_eq!(reply["session"], session.as_str());
    assert_eq!(reply["participant"], "host-anna");
    assert!(
        open_offers(&harness).is_empty(),
        "taken: no offer is left to expire later"
    );
    assert_eq!(
        harness.hand_overs(),
        vec![(session.clone(), "anna".to_owned())]
    );
    assert!(holders(&harness).is_empty());
    assert!(harness.stored(&format!("ticket/{session}")).is_none());
    assert_eq!(
        harness.stored(&format!("claim/{session}")),
        Some(b"anna".to_vec())
    );

    assert_eq!(
        harness.report(&session),
        vec![
            "Carl entered the queue Support. Problem: “Printer jams”",
            "Offered to Bert (queue Support).",
            "Bert declined.",
            "Offered to Dora (queue Support).",
            "Dora did not answer within 30 s.",
            "Offered to Anna (queue Support).",
            "Anna accepted and took the session.",
        ]
    );
    let customer = &harness.waiting_sessions()[0].customer;
    let last = statuses_to(&harness, customer).pop().expect("told");
    assert_eq!(
        last,
        json!({ "type": "status", "state": "taken", "by": "Anna" })
    );
}

#[test]
fn with_nobody_free_the_customer_waits_until_an_agent_becomes_available() {
    let harness = site();
    for name in ["anna", "bert", "dora"] {
        harness.update_csr(name, |p| p.availability = Availability::Away);
    }
    let session = enter(&harness, "Carl", "");
    assert!(harness.offers().is_empty(), "nobody is available");
    assert_eq!(
        harness.report(&session),
        vec!["Carl entered the queue Support."]
    );

    // Olga becoming available changes nothing: she is no WebACD agent.
    harness.presence_changed::<WebAcd>("olga").expect("handled");
    assert!(harness.offers().is_empty());

    harness.update_csr("dora", |p| p.availability = Availability::Available);
    harness.presence_changed::<WebAcd>("dora").expect("handled");
    assert_eq!(last_offer(&harness).to, vec!["dora".to_owned()]);
}

#[test]
fn when_everyone_passed_the_customer_waits_and_a_new_round_starts_on_the_next_change() {
    let harness = site();
    harness.update_csr("anna", |p| p.online = false);
    harness.update_csr("dora", |p| p.online = false);
    let session = enter(&harness, "Carl", "");
    let offer = last_offer(&harness);
    assert_eq!(offer.to, vec!["bert".to_owned()]);
    harness
        .answer_offer::<WebAcd>(offer.id, "bert", false)
        .expect("declined");
    assert_eq!(harness.offers().len(), 1, "nobody else may take Carl");
    assert!(open_offers(&harness).is_empty());

    harness.update_csr("bert", |p| p.idle_since = 400);
    harness.presence_changed::<WebAcd>("bert").expect("handled");
    assert_eq!(harness.offers().len(), 2, "a new round");
    assert_eq!(last_offer(&harness).to, vec!["bert".to_owned()]);
    assert!(report_has(&harness, &session, "Bert declined."));
}

#[test]
fn an_agent_at_the_sites_maximum_is_passed_over() {
    let harness = site();
    harness.update_csr("bert", |p| p.customers = 2);
    enter(&harness, "Carl", "");
    assert_eq!(last_offer(&harness).to, vec!["dora".to_owned()]);
}

#[test]
fn each_agent_holds_one_offer_and_customers_are_served_first_come_first() {
    let harness = site();
    let carl = enter(&harness, "Carl", "");
    let erik = enter(&harness, "Erik", "");
    let fay = enter(&harness, "Fay", "");
    let gus = enter(&harness, "Gus", "");
    let offers = harness.offers();
    assert_eq!(offers.len(), 3, "three agents, three offers");
    let to: Vec<(String, String)> = offers
        .iter()
        .map(|o| {
            (
                o.details.session.clone().unwrap_or_default(),
                o.to[0].clone(),
            )
        })
        .collect();
    assert_eq!(
        to,
        vec![
            (carl.clone(), "bert".to_owned()),
            (erik.clone(), "dora".to_owned()),
            (fay.clone(), "anna".to_owned()),
        ]
    );
    assert!(
        harness
            .report(&gus)
            .iter()
            .all(|l| !l.starts_with("Offered"))
    );

    // Bert declines Carl: Carl has nobody free left; Gus has Bert.
    harness
        .answer_offer::<WebAcd>(offers[0].id, "bert", false)
        .expect("declined");
    assert_eq!(last_offer(&harness).details.session, Some(gus.clone()));
    assert_eq!(last_offer(&harness).to, vec!["bert".to_owned()]);
    // Dora takes Erik and is free for another: Carl, who came first.
    harness
        .answer_offer::<WebAcd>(offers[1].id, "dora", true)
        .expect("taken");
    let next = last_offer(&harness);
    assert_eq!(
        (next.details.session.clone(), next.to.clone()),
        (Some(carl), vec!["dora".to_owned()])
    );
}

#[test]
fn two_agents_accepting_at_once_one_wins_and_the_other_is_told() {
    let harness = site();
    let session = enter(&harness, "Carl", "");
    let offer = last_offer(&harness);
    // Dora's answer races Bert's: her event finds the claim taken.
    assert!(
        tether_sdk::host::atomic_store::claim(&format!("claim/{session}"), "bert")
            .expect("claimed")
    );
    let loser = harness.event::<WebAcd>(Event::OfferAnswered(OfferAnswered {
        id: offer.id,
        username: "bert".into(),
        display_name: "Bert".into(),
        answer: OfferAnswer::Accepted,
    }));
    assert_eq!(loser, Err(PluginError::Denied(ALREADY_TAKEN.into())));
    assert!(harness.hand_overs().is_empty(), "the loser changed nothing");
    assert!(harness.stored(&format!("ticket/{session}")).is_some());
}

#[test]
fn a_late_answer_after_the_winner_is_told_who_won() {
    let harness = site();
    harness.add_participants(
        "100000001",
        &[
            ("host-anna", "Anna", Role::Host),
            ("c1", "Carl", Role::Customer),
        ],
    );
    let anna = Account {
        username: "anna".into(),
        display_name: "Anna".into(),
        site_admin: false,
    };
    transfer::as_host(
        &harness,
        "100000001",
        "host-anna",
        &anna,
        json!({ "to": "agents", "agents": ["bert", "dora"], "message": "" }),
    )
    .expect("transferring");
    let offer = last_offer(&harness);
    assert_eq!(offer.to, vec!["bert".to_owned(), "dora".to_owned()]);

    harness
        .answer_offer::<WebAcd>(offer.id, "dora", true)
        .expect("Dora wins");
    assert_eq!(
        harness.offers()[0].withdrawn.as_deref(),
        Some("Dora took this customer.")
    );
    // Bert answered at the same instant; his answer reaches the plugin
    // after Dora's was done.
    let late = harness.event::<WebAcd>(Event::OfferAnswered(OfferAnswered {
        id: offer.id,
        username: "bert".into(),
        display_name: "Bert".into(),
        answer: OfferAnswer::Accepted,
    }));
    assert_eq!(late, Err(PluginError::Denied(ALREADY_TAKEN.into())));
    assert_eq!(harness.hand_overs().len(), 1);
}

#[test]
fn a_hand_over_the_kernel_refuses_passes_the_customer_on() {
    let harness = site();
    let session = enter(&harness, "Carl", "");
    let offer = last_offer(&harness);
    // Bert's console closed after the offer reached it.
    harness.update_csr("bert", |p| p.online = false);
    let refused = harness.answer_offer::<WebAcd>(offer.id, "bert", true);
    assert_eq!(
        refused,
        Err(PluginError::Denied("bert's console is not open".into()))
    );
    assert!(
        harness.stored(&format!("claim/{session}")).is_none(),
        "claim given back"
    );
    assert_eq!(last_offer(&harness).to, vec!["dora".to_owned()]);
    assert!(report_has(
        &harness,
        &session,
        "Bert accepted but could not take the session: bert's console is not open"
    ));
}

#[test]
fn an_answer_to_an_offer_that_is_over_is_refused_clearly() {
    let harness = site();
    let answer = |username: &str, accepted: bool| {
        harness.event::<WebAcd>(Event::OfferAnswered(OfferAnswered {
            id: 77,
            username: username.into(),
            display_name: capitalised(username),
            answer: if accepted {
                OfferAnswer::Accepted
            } else {
                OfferAnswer::Declined
            },
        }))
    };
    assert_eq!(
        answer("bert", true),
        Err(PluginError::Denied(NO_LONGER_WAITING.into()))
    );
    assert_eq!(answer("bert", false), Ok("{\"declined\":true}".into()));
    assert!(harness.hand_overs().is_empty());
}

#[test]
fn a_customer_who_leaves_while_waiting_leaves_the_queue_and_the_offer_is_withdrawn() {
    let harness = site();
    let carl = enter(&harness, "Carl", "");
    let erik = enter(&harness, "Erik", "");
    let fay = enter(&harness, "Fay", "");
    let gus = enter(&harness, "Gus", "");
    assert_eq!(harness.offers().len(), 3, "three agents for four customers");
    let offer = harness.offers()[0].clone();
    assert_eq!(offer.details.session.as_deref(), Some(carl.as_str()));
    let customers: Vec<String> = harness
        .waiting_sessions()
        .into_iter()
        .map(|w| w.customer)
        .collect();

    harness.remove_participant(&carl, &customers[0]);
    harness
        .event::<WebAcd>(Event::ParticipantLeft(ParticipantChange {
            session: carl.clone(),
            participant: Participant {
                id: customers[0].clone(),
                display_name: "Carl".into(),
                role: Role::Customer,
            },
        }))
        .expect("handled");

    assert!(harness.stored(&format!("ticket/{carl}")).is_none());
    assert_eq!(
        harness.offers()[0].withdrawn.as_deref(),
        Some("The customer left.")
    );
    assert!(report_has(
        &harness,
        &carl,
        "Carl left while waiting in the queue Support."
    ));
    // Those behind Carl moved up.
    let place =
        |customer: &str| statuses_to(&harness, customer).pop().expect("told")["position"].clone();
    assert_eq!(place(&customers[1]), 1);
    assert_eq!(place(&customers[2]), 2);
    assert_eq!(place(&customers[3]), 3);
    assert!(harness.stored_keys().iter().all(|k| !k.contains(&carl)));
    // Bert is free again: Gus, who had no offer, gets him.
    let _ = (erik, fay);
    let next = last_offer(&harness);
    assert_eq!(
        (next.details.session, next.to),
        (Some(gus.clone()), vec!["bert".to_owned()])
    );
    let mark: Value =
        serde_json::from_slice(&harness.stored("holding/bert").expect("held")).expect("JSON");
    assert_eq!(mark["session"], gus.as_str(), "Bert's mark for Carl went");

    // The waiting session ends: nothing of it is left.
    harness
        .event::<WebAcd>(Event::SessionEnded(carl.clone()))
        .expect("handled");
    assert!(harness.stored_keys().iter().all(|k| !k.contains(&carl)));
}

#[test]
fn a_stale_offer_from_before_a_kernel_restart_is_forgotten() {
    let harness = site();
    let session = enter(&harness, "Carl", "");
    // The kernel restarted: its offers are gone and never expire. The
    // ticket's offer and Bert's mark are long past their time.
    let key = format!("ticket/{session}");
    let mut ticket: Value =
        serde_json::from_slice(&harness.stored(&key).expect("ticket")).expect("JSON");
    ticket["offer"]["expires_ms"] = json!(1);
    tether_sdk::host::store::set(&key, ticket.to_string().as_bytes()).expect("set");
    tether_sdk::host::store::set(
        "holding/bert",
        json!({ "session": session, "expires_ms": 1 })
            .to_string()
            .as_bytes(),
    )
    .expect("set");

    // The distribution sweeps every 15 s, not on every change: the last
    // sweep (when Carl entered) is too recent.
    harness.presence_changed::<WebAcd>("dora").expect("handled");
    assert_eq!(harness.offers().len(), 1);

    tether_sdk::host::store::set("swept", b"1").expect("set");
    harness.presence_changed::<WebAcd>("dora").expect("handled");
    assert_eq!(last_offer(&harness).to, vec!["dora".to_owned()]);
    assert!(report_has(
        &harness,
        &session,
        "Bert did not answer within 30 s."
    ));
    assert_eq!(
        harness.stored("holding/bert"),
        None,
        "Bert's mark is gone with it"
    );
}

#[test]
fn a_customer_left_out_of_the_offers_by_a_failed_event_is_put_back_by_the_sweep() {
    let harness = site();
    for name in ["anna", "bert", "dora"] {
        harness.update_csr(name, |p| p.availability = Availability::Away);
    }
    let session = enter(&harness, "Carl", "");
    // An event failed between changing Carl's ticket and his entries.
    let entry = harness
        .stored_keys()
        .into_iter()
        .find(|k| k.starts_with("wait/"))
        .expect("to be offered");
    tether_sdk::host::store::delete(&entry).expect("deleted");
    harness.update_csr("bert", |p| p.availability = Availability::Available);
    harness.presence_changed::<WebAcd>("bert").expect("handled");
    assert!(harness.offers().is_empty(), "nobody knows Carl needs one");

    tether_sdk::host::store::set("swept", b"1").expect("set");
    harness.presence_changed::<WebAcd>("bert").expect("handled");
    let offer = last_offer(&harness);
    assert_eq!(
        (offer.details.session, offer.to),
        (Some(session), vec!["bert".to_owned()])
    );
}

#[test]
fn when_a_long_line_moves_only_its_front_is_told_at_once() {
    let harness = site();
    for name in ["anna", "bert", "dora"] {
        harness.update_csr(name, |p| p.availability = Availability::Away);
    }
    let sessions: Vec<String> = (0..60)
        .map(|i| enter(&harness, &format!("C{i}"), ""))
        .collect();
    let customers: Vec<String> = harness
        .waiting_sessions()
        .into_iter()
        .map(|w| w.customer)
        .collect();
    harness.remove_participant(&sessions[0], &customers[0]);
    harness
        .event::<WebAcd>(Event::ParticipantLeft(ParticipantChange {
            session: sessions[0].clone(),
            participant: Participant {
                id: customers[0].clone(),
                display_name: "C0".into(),
                role: Role::Customer,
            },
        }))
        .expect("handled");
    let told = |i: usize| statuses_to(&harness, &customers[i]).pop();
    assert_eq!(told(1).expect("told")["position"], 1);
    assert_eq!(told(50).expect("told")["position"], 50);
    assert_eq!(told(51), None, "asks for itself");
    let status = harness
        .command::<WebAcd>(
            Some(&sessions[59]),
            Some(&customers[59]),
            "status",
            json!({}),
        )
        .expect("status");
    assert_eq!(status["position"], 59);
}

/// The store calls of one distribution run with `waiting` customers in
/// line and two agents becoming free.
fn store_calls_of_a_run(waiting: usize) -> tether_sdk::testing::StoreCalls {
    let harness = site();
    for name in ["anna", "bert", "dora"] {
        harness.update_csr(name, |p| p.availability = Availability::Away);
    }
    let sessions: Vec<String> = (0..waiting)
        .map(|i| enter(&harness, &format!("C{i}"), ""))
        .collect();
    assert!(harness.offers().is_empty());
    // No sweep falls due in the middle of what is measured.
    tether_sdk::host::store::set("swept", u64::MAX.to_string().as_bytes()).expect("set");
    harness.update_csr("bert", |p| p.availability = Availability::Available);
    harness.update_csr("dora", |p| p.availability = Availability::Available);

    let before = harness.store_calls();
    harness.presence_changed::<WebAcd>("dora").expect("handled");
    let calls = harness.store_calls().since(&before);

    let offered: Vec<(Option<String>, Vec<String>)> = harness
        .offers()
        .into_iter()
        .map(|o| (o.details.session, o.to))
        .collect();
    assert_eq!(
        offered,
        vec![
            (Some(sessions[0].clone()), vec!["bert".to_owned()]),
            (Some(sessions[1].clone()), vec!["dora".to_owned()]),
        ],
        "the first two in line, the longest idle first"
    );
    calls
}

#[test]
fn a_run_reads_as_many_customers_as_there_are_free_agents_however_long_the_line() {
    let short = store_calls_of_a_run(10);
    let long = store_calls_of_a_run(1_000);
    assert_eq!(short, long, "the same work for a line of 10 and of 1,000");
    assert!(
        long.get <= 16 && long.list_keys <= 4,
        "a handful of reads: {long:?}"
    );
}

#[test]
fn a_customer_whose_session_ended_unheard_is_dropped_when_about_to_be_offered() {
    let harness = site();
    for name in ["anna", "bert", "dora"] {
        harness.update_csr(name, |p| p.availability = Availability::Away);
    }
    let carl = enter(&harness, "Carl", "");
    let erik = enter(&harness, "Erik", "");
    // Carl's session ended and the plugin missed it.
    harness.end_session(&carl);
    harness.update_csr("bert", |p| p.availability = Availability::Available);
    harness.presence_changed::<WebAcd>("bert").expect("handled");
    let offer = last_offer(&harness);
    assert_eq!(
        (offer.details.session, offer.to),
        (Some(erik), vec!["bert".to_owned()])
    );
    assert!(harness.stored_keys().iter().all(|k| !k.contains(&carl)));
}

/// Puts the store back to where the event making `offer` is between the
/// kernel showing it and the plugin writing down its id.
fn unrecord(harness: &Harness, session: &str, offer: &MadeOffer) {
    let key = format!("ticket/{session}");
    let mut ticket: Value =
        serde_json::from_slice(&harness.stored(&key).expect("ticket")).expect("JSON");
    ticket["offer"]["id"] = json!(0);
    tether_sdk::host::store::set(&key, ticket.to_string().as_bytes()).expect("set");
    tether_sdk::host::store::delete(&format!("offer/{}", offer.id)).expect("deleted");
}

#[test]
fn an_agent_answering_before_the_offer_is_written_down_is_heard() {
    let harness = site();
    let carl = enter(&harness, "Carl", "");
    let erik = enter(&harness, "Erik", "");
    let to_bert = harness.offers()[0].clone();
    assert_eq!(to_bert.to, vec!["bert".to_owned()]);
    unrecord(&harness, &carl, &to_bert);
    harness
        .answer_offer::<WebAcd>(to_bert.id, "bert", false)
        .expect("declined");
    assert!(report_has(&harness, &carl, "Bert declined."));
    // Anna is the one left for Carl (Dora holds Erik's offer).
    assert_eq!(last_offer(&harness).to, vec!["anna".to_owned()]);

    let to_dora = harness.offers()[1].clone();
    assert_eq!(to_dora.details.session.as_deref(), Some(erik.as_str()));
    unrecord(&harness, &erik, &to_dora);
    let reply = harness
        .answer_offer::<WebAcd>(to_dora.id, "dora", true)
        .expect("taken");
    assert_eq!(reply["session"], erik.as_str());
    assert_eq!(
        harness.hand_overs(),
        vec![(erik.clone(), "dora".to_owned())]
    );

    // Anna answers between the plugin reading that the offer has no
    // reference yet and writing down its id in Carl's ticket.
    let to_anna = last_offer(&harness);
    tether_sdk::host::store::delete(&format!("offer/{}", to_anna.id)).expect("deleted");
    harness
        .answer_offer::<WebAcd>(to_anna.id, "anna", true)
        .expect("taken");
    assert_eq!(
        harness.hand_overs(),
        vec![(erik, "dora".to_owned()), (carl, "anna".to_owned())]
    );
}

#[test]
fn a_customer_entering_and_being_offered_tells_each_agent_once() {
    let harness = site();
    let before = harness.console_messages().len();
    enter(&harness, "Carl", "");
    assert_eq!(last_offer(&harness).to, vec!["bert".to_owned()]);
    let mut told: Vec<String> = harness.console_messages()[before..]
        .iter()
        .filter(|(_, m)| m["type"] == "changed")
        .map(|(to, _)| to.clone())
        .collect();
    told.sort();
    assert_eq!(told, vec!["anna", "bert", "dora"]);
}

#[test]
fn entries_left_behind_by_failed_events_are_swept_away() {
    let harness = site();
    for name in ["anna", "dora"] {
        harness.update_csr(name, |p| p.availability = Availability::Away);
    }
    let carl = enter(&harness, "Carl", "");
    assert_eq!(last_offer(&harness).to, vec!["bert".to_owned()]);
    let line_entry = harness
        .stored_keys()
        .into_iter()
        .find(|k| k.starts_with("line/"))
        .expect("in line");
    // One event failed before taking Carl out of those to offer when
    // Bert's offer was made; another left an old place in line.
    let to_offer = line_entry.replacen("line/", "wait/", 1);
    let old_place = format!("line/{QUEUE}/0000000000001/{carl}");
    for key in [&to_offer, &old_place] {
        tether_sdk::host::store::set(key, b"").expect("set");
    }
    let customer = harness.waiting_sessions()[0].customer.clone();
    let status = || {
        harness
            .command::<WebAcd>(Some(&carl), Some(&customer), "status", json!({}))
            .expect("status")
    };
    assert_eq!(status()["waiting"], 2, "the old place counts");

    // Dora comes back: Carl holds an offer, so she is not offered him.
    harness.update_csr("dora", |p| p.availability = Availability::Available);
    harness.presence_changed::<WebAcd>("dora").expect("handled");
    assert_eq!(harness.offers().len(), 1);

    tether_sdk::host::store::set("swept", b"1").expect("set");
    harness.presence_changed::<WebAcd>("dora").expect("handled");
    assert_eq!(harness.offers().len(), 1);
    let keys = harness.stored_keys();
    assert!(!keys.contains(&to_offer) && !keys.contains(&old_place));
    assert!(keys.contains(&line_entry));
    assert_eq!(
        (status()["position"].clone(), status()["waiting"].clone()),
        (json!(1), json!(1))
    );
}
