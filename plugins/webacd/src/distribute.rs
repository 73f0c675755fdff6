//! Automatic call distribution: each waiting customer, first come first,
//! is offered to the member of their queue who has been idle longest and
//! may take them now — one offer at a time per customer, one queue offer
//! at a time per agent. A decline or an unanswered offer passes the
//! customer to the next agent; with nobody left the customer waits until
//! something changes (an agent becomes free, another customer comes).
//!
//! The first agent to accept takes the customer: a compare-and-swap on
//! `claim/<session>` lets exactly one of agents answering at once win,
//! then the kernel hands the session over.

use std::collections::BTreeSet;

use tether_sdk::host::csrs::{self, CsrPresence};
use tether_sdk::host::desk;
use tether_sdk::host::offers::{self, OfferDetails, OfferError};
use tether_sdk::prelude::*;

use crate::model::{Holding, OpenOffer, Origin, Queue, Stage, Ticket};
use crate::records::{self, Change};
use crate::rules::{self, Exclusions};
use crate::texts;
use crate::views::{self, now_ms};

/// What the loser of two agents accepting at once is told.
pub const ALREADY_TAKEN: &str = "Another agent has already taken this customer.";
/// What an agent answering an offer that is over is told.
pub const NO_LONGER_WAITING: &str = "This customer is no longer waiting.";
/// An offer or a mark past its time by this much is forgotten even without
/// its expiry (a kernel restart loses open offers).
const STALE_AFTER_MS: u64 = 60_000;

/// Appends a line to the session's report; best effort (the session may
/// have ended meanwhile).
pub fn report(session: &str, line: &str) {
    if let Err(error) = host::session::report(session, line) {
        host::log::debug(&format!(
            "report line for {session} not written: {}",
            host::session::describe(&error)
        ));
    }
}

/// Takes an offer away from the consoles still showing it; an offer the
/// kernel already closed (everyone answered, its time ended) is no error.
pub fn withdraw(id: u32, reason: &str) {
    match offers::withdraw(id, reason) {
        Ok(()) | Err(OfferError::UnknownOffer(_)) => {}
        Err(error) => host::log::warn(&format!("offer {id} not withdrawn: {error:?}")),
    }
}

/// Offers every waiting customer who has no offer to a free agent, first
/// come first, while free agents remain.
pub fn run() -> Result<(), PluginError> {
    let now = now_ms();
    let queues = records::queues()?;
    let presence = csrs::presence()?;
    let mut holding = BTreeSet::new();
    for (username, mark) in records::holders()? {
        if mark.expires_ms.saturating_add(STALE_AFTER_MS) < now {
            records::forget_stale_holding(&username, &mark)?;
        } else {
            holding.insert(username);
        }
    }
    let is_member = |csr: &CsrPresence| queues.iter().any(|q| q.has_member(&csr.username));
    let mut free: Vec<CsrPresence> = presence
        .iter()
        .filter(|csr| rules::may_take(csr, 1) && !holding.contains(&csr.username) && is_member(csr))
        .cloned()
        .collect();
    if free.is_empty() {
        return Ok(());
    }
    let mut offered_in = BTreeSet::new();
    for place in records::all_lines()? {
        if free.is_empty() {
            break;
        }
        let Some(queue) = queues.iter().find(|q| q.name == place.queue) else {
            continue;
        };
        let Some(mut ticket) = records::ticket(&place.session)? else {
            place.forget()?;
            continue;
        };
        if ticket.stage != Stage::Queued
            || ticket.queue != place.queue
            || ticket.entered_ms != place.entered_ms
        {
            place.forget()?;
            continue;
        }
        if let Some(offer) = &ticket.offer
            && offer.expires_ms.saturating_add(STALE_AFTER_MS) < now
        {
            forget_stale_offer(&ticket.session, offer)?;
            match records::ticket(&place.session)? {
                Some(fresh) => ticket = fresh,
                None => continue,
            }
        }
        if !ticket.needs_offer() {
            continue;
        }
        if !views::session_is_live(&ticket.session) {
            remove(&ticket.session, Removal::SessionGone)?;
            continue;
        }
        let exclusions = Exclusions {
            passed: &ticket.passed,
            holding: &holding,
            transferring: ticket.transferring_username(),
        };
        let Some(agent) = rules::choose_agent(&free, &queue.members, ticket.customers, &exclusions)
        else {
            if !ticket.passed.is_empty() {
                // Everyone who could take them passed: a new round begins
                // with the next change.
                new_round(&ticket.session)?;
            }
            continue;
        };
        let agent = agent.clone();
        if offer_to(queue, &ticket, &agent, now)? {
            holding.insert(agent.username.clone());
            free.retain(|csr| csr.username != agent.username);
            offered_in.insert(queue.name.clone());
        }
    }
    for queue in queues.iter().filter(|q| offered_in.contains(&q.name)) {
        views::tell_agents(Some(queue));
    }
    Ok(())
}

/// Runs the distribution; a failure is logged, not passed on (what
/// triggered it is done, and the next change runs it again).
pub fn run_logged() {
    if let Err(error) = run() {
        host::log::warn(&format!("distribution: {}", error.message()));
    }
}

/// An offer long past its time whose expiry never came (the kernel
/// restarted, or the event that made it failed half-way): as if it had
/// expired.
fn forget_stale_offer(session: &str, offer: &OpenOffer) -> Result<(), PluginError> {
    if offer.id != 0 {
        return expired(offer.id);
    }
    let (_, ()) = records::update_ticket(session, |ticket| match ticket {
        Some(mut ticket) if ticket.offer.as_ref() == Some(offer) => {
            ticket.offer = None;
            (Change::Write(ticket), ())
        }
        _ => (Change::Keep, ()),
    })?;
    for to in &offer.to {
        records::release(to, session)?;
    }
    Ok(())
}

fn new_round(session: &str) -> Result<(), PluginError> {
    records::update_ticket(session, |ticket| match ticket {
        Some(mut ticket) if ticket.needs_offer() && !ticket.passed.is_empty() => {
            ticket.passed.clear();
            (Change::Write(ticket), ())
        }
        _ => (Change::Keep, ()),
    })?;
    Ok(())
}

/// Offers one waiting customer to `agent`: marks the agent as holding an
/// offer and the ticket as being offered (so no other event offers either
/// at the same time), then asks the kernel. `false` when another event got
/// there first or the kernel refused.
fn offer_to(
    queue: &Queue,
    ticket: &Ticket,
    agent: &CsrPresence,
    now: u64,
) -> Result<bool, PluginError> {
    let session = ticket.session.as_str();
    let username = agent.username.as_str();
    let expires_ms = now.saturating_add(u64::from(queue.timeout_ms()));
    let mark = Holding {
        session: session.to_owned(),
        expires_ms,
    };
    if !records::hold(username, &mark)? {
        return Ok(false);
    }
    let reservation = OpenOffer {
        id: 0,
        to: vec![username.to_owned()],
        declined: Vec::new(),
        expires_ms,
    };
    let (_, reserved) = records::update_ticket(session, |current| match current {
        Some(mut current) if current.needs_offer() && current.queue == queue.name => {
            current.offer = Some(reservation.clone());
            (Change::Write(current), true)
        }
        _ => (Change::Keep, false),
    })?;
    if !reserved {
        records::release(username, session)?;
        return Ok(false);
    }
    let words = texts::queue_offer(
        &ticket.customer_name,
        &queue.title,
        &ticket.problem,
        ticket.from.as_ref().map(|f| f.display_name.as_str()),
        &ticket.message,
    );
    let details = OfferDetails {
        session: Some(session.to_owned()),
        title: words.title,
        text: words.text,
        timeout_ms: queue.timeout_ms(),
    };
    let id = match offers::make(&[username.to_owned()], &details) {
        Ok(id) => id,
        Err(error) => {
            host::log::info(&format!("offer to {username} not made: {error:?}"));
            records::update_ticket(session, |current| match current {
                Some(mut current) if current.offer.as_ref() == Some(&reservation) => {
                    current.offer = None;
                    (Change::Write(current), ())
                }
                _ => (Change::Keep, ()),
            })?;
            records::release(username, session)?;
            return Ok(false);
        }
    };
    records::set_offer_ref(id, session)?;
    let (_, recorded) = records::update_ticket(session, |current| match current {
        Some(mut current) if current.offer.as_ref() == Some(&reservation) => {
            if let Some(offer) = current.offer.as_mut() {
                offer.id = id;
            }
            (Change::Write(current), true)
        }
        _ => (Change::Keep, false),
    })?;
    if !recorded {
        // The customer left, or the offer was answered, while it was made.
        withdraw(id, texts::CUSTOMER_LEFT);
        records::release(username, session)?;
        return Ok(false);
    }
    report(
        session,
        &texts::offered(
            std::slice::from_ref(&agent.display_name),
            Some(&queue.title),
        ),
    );
    Ok(true)
}

/// Whether a ticket's open offer is `id` and went to `username`; id 0 is
/// an offer still being recorded (the answer came quicker than that).
fn offer_matches(ticket: &Ticket, id: u32, username: &str) -> bool {
    ticket.offer.as_ref().is_some_and(|offer| {
        (offer.id == id || offer.id == 0)
            && offer.to.iter().any(|to| to == username)
            && !offer.declined.iter().any(|d| d == username)
    })
}

/// A CSR answered an offer of ours. The reply (or error) goes to them.
pub fn answered(answer: OfferAnswered) -> Result<Value, PluginError> {
    let Some(reference) = records::offer_ref(answer.id)? else {
        return match answer.answer {
            OfferAnswer::Declined => Ok(json!({ "declined": true })),
            OfferAnswer::Accepted => Err(PluginError::Denied(NO_LONGER_WAITING.into())),
        };
    };
    match answer.answer {
        OfferAnswer::Accepted => accept(&reference.session, &answer),
        OfferAnswer::Declined => {
            passed_on(&reference.session, answer.id, &answer.username, |name| {
                texts::declined(name)
            })?;
            Ok(json!({ "declined": true }))
        }
    }
}

fn accept(session: &str, answer: &OfferAnswered) -> Result<Value, PluginError> {
    let username = answer.username.as_str();
    let open = records::ticket(session)?.filter(|t| offer_matches(t, answer.id, username));
    if open.is_none() {
        return match records::claimed_by(session)? {
            Some(winner) if winner != username => Err(PluginError::Denied(ALREADY_TAKEN.into())),
            _ => Err(PluginError::Denied(NO_LONGER_WAITING.into())),
        };
    }
    if !records::claim(session, username)? {
        return Err(PluginError::Denied(ALREADY_TAKEN.into()));
    }
    let participant = match desk::hand_over(session, username) {
        Ok(participant) => participant,
        Err(error) => {
            records::release_claim(session, username)?;
            let error = PluginError::from(error);
            let reason = error.message().to_owned();
            passed_on(session, answer.id, username, |name| {
                texts::could_not_take(name, &reason)
            })?;
            return Err(error);
        }
    };
    let (before, ()) = records::update_ticket(session, |_| (Change::Delete, ()))?;
    let ticket = before.or(open);
    if let Some(ticket) = &ticket {
        if let Some(offer) = &ticket.offer {
            if offer.to.len() > 1 {
                withdraw(offer.id, &texts::taken_by(&answer.display_name));
            }
            for to in &offer.to {
                records::release(to, session)?;
            }
        }
        records::set_origin(
            session,
            &Origin {
                queue: ticket.queue.clone(),
                offer: answer.id,
            },
        )?;
    }
    report(session, &texts::accepted(&answer.display_name));
    views::tell_customers(session, &views::taken_status(&answer.display_name));
    if let Some(queue) = ticket
        .as_ref()
        .map(|t| t.queue.as_str())
        .map(records::queue)
        .transpose()?
        .flatten()
    {
        views::tell_line(&queue)?;
        views::tell_agents(Some(&queue));
    }
    run_logged();
    Ok(json!({ "accepted": true, "session": session, "participant": participant }))
}

/// What became of a ticket when an agent passed on it.
enum Passed {
    /// Nothing to do: the offer is over already.
    Stale,
    /// A queue offer: it goes to the next agent.
    Next(Ticket),
    /// A transfer offer others may still accept.
    Waiting,
    /// Every chosen agent passed: the session waits in its queue.
    FellBack(Ticket),
}

/// `username` declined offer `id`, or accepted and could not take the
/// session; `line` says which for the report.
fn passed_on(
    session: &str,
    id: u32,
    username: &str,
    line: impl Fn(&str) -> String,
) -> Result<(), PluginError> {
    let now = now_ms();
    let (_, passed) = records::update_ticket(session, |ticket| match ticket {
        Some(mut ticket) if offer_matches(&ticket, id, username) => {
            let stage = ticket.stage;
            let Some(offer) = ticket.offer.as_mut() else {
                return (Change::Keep, Passed::Stale);
            };
            offer.declined.push(username.to_owned());
            let everyone = offer.to.iter().all(|to| offer.declined.contains(to));
            match stage {
                Stage::Queued => {
                    ticket.offer = None;
                    ticket.passed.push(username.to_owned());
                    (Change::Write(ticket.clone()), Passed::Next(ticket))
                }
                Stage::Agents if everyone => {
                    fall_back(&mut ticket, now);
                    (Change::Write(ticket.clone()), Passed::FellBack(ticket))
                }
                Stage::Agents => (Change::Write(ticket), Passed::Waiting),
            }
        }
        _ => (Change::Keep, Passed::Stale),
    })?;
    let name = views::names_of(&[username.to_owned()]).remove(0);
    match passed {
        Passed::Stale => {}
        Passed::Waiting => report(session, &line(&name)),
        Passed::Next(ticket) => {
            report(session, &line(&name));
            withdraw(id, texts::OFFERED_ELSEWHERE);
            records::forget_offer_ref(id)?;
            records::release(username, session)?;
            if let Some(queue) = records::queue(&ticket.queue)? {
                views::tell_agents(Some(&queue));
            }
            run_logged();
        }
        Passed::FellBack(ticket) => {
            report(session, &line(&name));
            withdraw(id, texts::EVERY_AGENT_DECLINED);
            records::forget_offer_ref(id)?;
            fell_back(&ticket, true)?;
        }
    }
    Ok(())
}

/// A transfer nobody accepted: the session goes into its queue's line.
fn fall_back(ticket: &mut Ticket, now: u64) {
    ticket.stage = Stage::Queued;
    ticket.offer = None;
    ticket.passed.clear();
    ticket.entered_ms = now;
}

/// Says that a transfer fell back to its queue: the report, the
/// transferring CSR's panel, the customers, the queue's agents; then
/// offers it to the queue's members.
fn fell_back(ticket: &Ticket, all_declined: bool) -> Result<(), PluginError> {
    let Some(queue) = records::queue(&ticket.queue)? else {
        // The queue was deleted meanwhile: the transfer is over, the CSR
        // keeps the session.
        remove(&ticket.session, Removal::Cancelled)?;
        report(&ticket.session, texts::NOT_TRANSFERRED);
        tell_transferring(
            ticket,
            json!({ "type": "transfer_result", "outcome": "not_transferred" }),
        );
        views::tell_customers(&ticket.session, &views::no_status());
        return Ok(());
    };
    let title = queue.title.as_str();
    report(
        &ticket.session,
        &texts::transfer_fell_back(title, all_declined),
    );
    tell_transferring(
        ticket,
        json!({
            "type": "transfer_result",
            "outcome": "queued",
            "reason": if all_declined { "declined" } else { "timed_out" },
            "queue": ticket.queue,
            "title": title,
        }),
    );
    views::tell_ticket(ticket)?;
    views::tell_agents(Some(&queue));
    run_logged();
    Ok(())
}

/// Tells the transferring CSR's panel in the session; best effort (they
/// may have left).
fn tell_transferring(ticket: &Ticket, message: Value) {
    if let Some(from) = &ticket.from
        && let Err(error) = host::session::send_json(&ticket.session, &from.participant, &message)
    {
        host::log::debug(&format!("transferring CSR not told: {}", error.message()));
    }
}

/// An offer of ours ran out of time while open.
pub fn expired(id: u32) -> Result<(), PluginError> {
    let Some(reference) = records::offer_ref(id)? else {
        return Ok(());
    };
    records::forget_offer_ref(id)?;
    let session = reference.session.as_str();
    let now = now_ms();
    let (before, outcome) = records::update_ticket(session, |ticket| match ticket {
        Some(mut ticket) if ticket.offer.as_ref().is_some_and(|o| o.id == id) => {
            let Some(offer) = ticket.offer.take() else {
                return (Change::Keep, None);
            };
            let silent: Vec<String> = offer
                .to
                .iter()
                .filter(|to| !offer.declined.contains(to))
                .cloned()
                .collect();
            match ticket.stage {
                Stage::Queued => {
                    ticket.passed.extend(silent.iter().cloned());
                    (Change::Write(ticket), Some((silent, false)))
                }
                Stage::Agents => {
                    fall_back(&mut ticket, now);
                    (Change::Write(ticket), Some((silent, true)))
                }
            }
        }
        _ => (Change::Keep, None),
    })?;
    let (Some(before), Some((silent, fell))) = (before, outcome) else {
        return Ok(());
    };
    if let Some(offer) = &before.offer {
        for to in &offer.to {
            records::release(to, session)?;
        }
    }
    let secs = records::queue(&before.queue)?.map_or(0, |q| q.accept_timeout_secs);
    if !silent.is_empty() {
        report(session, &texts::timed_out(&views::names_of(&silent), secs));
    }
    match records::ticket(session)? {
        Some(after) if fell => fell_back(&after, false)?,
        Some(after) => {
            if let Some(queue) = records::queue(&after.queue)? {
                views::tell_agents(Some(&queue));
            }
            run_logged();
        }
        None => {}
    }
    Ok(())
}

/// Why a ticket is removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    /// The customer left while waiting.
    CustomerLeft,
    /// The session ended (or is gone without our hearing of it).
    SessionGone,
    /// The transferring CSR cancelled.
    Cancelled,
}

/// Removes a session's ticket: its offer is withdrawn, the agents holding
/// it are free again, the line and the agents' consoles are told.
/// Returns the ticket removed, if there was one.
pub fn remove(session: &str, why: Removal) -> Result<Option<Ticket>, PluginError> {
    let (before, ()) = records::update_ticket(session, |ticket| match ticket {
        Some(_) => (Change::Delete, ()),
        None => (Change::Keep, ()),
    })?;
    let Some(ticket) = before else {
        return Ok(None);
    };
    if let Some(offer) = &ticket.offer {
        let reason = match why {
            Removal::Cancelled => texts::TRANSFER_CANCELLED,
            Removal::CustomerLeft | Removal::SessionGone => texts::CUSTOMER_LEFT,
        };
        if offer.id != 0 {
            withdraw(offer.id, reason);
            records::forget_offer_ref(offer.id)?;
        }
        for to in &offer.to {
            records::release(to, session)?;
        }
    }
    let queue = records::queue(&ticket.queue)?;
    if let Some(queue) = &queue {
        if ticket.stage == Stage::Queued {
            views::tell_line(queue)?;
        }
        views::tell_agents(Some(queue));
    }
    if ticket.offer.is_some() {
        run_logged();
    }
    Ok(Some(ticket))
}
