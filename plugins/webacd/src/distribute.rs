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
/// How often the distribution sweeps for what outlived its time.
const SWEEP_EVERY_MS: u64 = 15_000;
/// Most tickets one sweep reads (the rest wait for the next).
const MAX_SWEEP_READS: usize = 100;
/// Most customers one run passes over beyond one per free agent: those no
/// free agent may take (a session too large for them, the agent who
/// transfers it, agents who passed on it). Whoever is further back waits
/// for the next run.
pub const MAX_PASSED_OVER: usize = 32;

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
///
/// Its work does not grow with the lines: the customers to offer are the
/// keys of `wait/` (listed, not read), and a ticket is read only for a
/// customer some free agent of their queue may take, at most
/// [`MAX_PASSED_OVER`] more than there are free agents. Whether a session
/// still runs is asked only of the one being offered (the kernel refuses
/// an offer of a session that ended); leaving and ending take customers
/// out of line as they happen.
pub fn run() -> Result<Vec<Queue>, PluginError> {
    let now = now_ms();
    sweep_if_due(now)?;
    let queues = records::queues()?;
    let presence = csrs::presence()?;
    let mut holding = records::holder_names()?;
    let is_member = |csr: &CsrPresence| queues.iter().any(|q| q.has_member(&csr.username));
    let mut free: Vec<CsrPresence> = presence
        .iter()
        .filter(|csr| rules::may_take(csr, 1) && !holding.contains(&csr.username) && is_member(csr))
        .cloned()
        .collect();
    if free.is_empty() {
        return Ok(Vec::new());
    }
    let has_free_member = |free: &[CsrPresence], queue: &Queue| {
        free.iter().any(|csr| queue.has_member(&csr.username))
    };
    let mut to_offer = Vec::new();
    for queue in queues.iter().filter(|q| has_free_member(&free, q)) {
        to_offer.extend(records::to_offer(&queue.name)?);
    }
    to_offer.sort_by(|a, b| {
        a.entered_ms
            .cmp(&b.entered_ms)
            .then_with(|| a.session.cmp(&b.session))
    });
    let mut reads_left = free.len() + MAX_PASSED_OVER;
    let mut offered_in = BTreeSet::new();
    for place in to_offer {
        if free.is_empty() || reads_left == 0 {
            break;
        }
        let Some(queue) = queues.iter().find(|q| q.name == place.queue) else {
            continue;
        };
        if !has_free_member(&free, queue) {
            continue;
        }
        reads_left -= 1;
        let Some(ticket) = records::ticket(&place.session)? else {
            place.forget()?;
            continue;
        };
        // An entry another event is about to take out, or one left behind
        // by an event that failed half-way (the sweep drops those).
        if !place.is_of(&ticket) {
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
        match offer_to(queue, &ticket, &agent, now)? {
            Offering::Made => {
                offered_in.insert(queue.name.clone());
            }
            Offering::AgentBusy | Offering::AgentRefused => {}
            Offering::CustomerTaken => continue,
        }
        // Made, or the agent is not to be offered again in this run.
        holding.insert(agent.username.clone());
        free.retain(|csr| csr.username != agent.username);
    }
    Ok(queues
        .into_iter()
        .filter(|q| offered_in.contains(&q.name))
        .collect())
}

/// Sweeps for what outlived its time when the last sweep is
/// [`SWEEP_EVERY_MS`] old; one of the events that find it due does.
fn sweep_if_due(now: u64) -> Result<(), PluginError> {
    let (stored, last) = records::last_sweep()?;
    if last.saturating_add(SWEEP_EVERY_MS) > now || !records::take_sweep(stored.as_deref(), now)? {
        return Ok(());
    }
    sweep(now)
}

/// Forgets the offers and marks long past their time (a kernel restart
/// loses open offers, and an event may fail half-way), and puts back in
/// `wait/` a customer an event that failed half-way left out of it.
pub fn sweep(now: u64) -> Result<(), PluginError> {
    let is_stale = |expires_ms: u64| expires_ms.saturating_add(STALE_AFTER_MS) < now;
    let holders = records::holders()?;
    for (username, mark) in &holders {
        if !is_stale(mark.expires_ms) {
            continue;
        }
        if let Some(ticket) = records::ticket(&mark.session)?
            && let Some(offer) = ticket.offer.as_ref().filter(|o| is_stale(o.expires_ms))
        {
            forget_stale_offer(&ticket.session, offer)?;
        }
        records::forget_stale_holding(username, mark)?;
    }
    let held: BTreeSet<&str> = holders
        .values()
        .filter(|mark| !is_stale(mark.expires_ms))
        .map(|mark| mark.session.as_str())
        .collect();
    let mut reads_left = MAX_SWEEP_READS;
    for place in suspect_entries(&held)? {
        if reads_left == 0 {
            break;
        }
        reads_left -= 1;
        let Some(ticket) = records::ticket(&place.session)? else {
            place.forget()?;
            continue;
        };
        if !place.is_of(&ticket) {
            place.forget()?;
            records::resync_indexes(&ticket.session)?;
        } else if ticket.needs_offer() {
            records::resync_indexes(&ticket.session)?;
        } else if let Some(offer) = ticket.offer.as_ref().filter(|o| is_stale(o.expires_ms)) {
            forget_stale_offer(&ticket.session, offer)?;
        }
    }
    Ok(())
}

/// The index entries that may be wrong, from their keys alone: a session
/// with two places in one index (an event failed half-way through moving
/// it), one among those to offer though an agent holds its offer, and one
/// in line that is neither to be offered nor held (its entry to offer is
/// missing, or its offer's mark is gone).
fn suspect_entries(held: &BTreeSet<&str>) -> Result<Vec<records::Place>, PluginError> {
    let lines = records::all_lines()?;
    let to_offer = records::all_to_offer()?;
    let twice = |places: &[records::Place]| {
        let mut seen = BTreeSet::new();
        places
            .iter()
            .filter(|p| !seen.insert(p.session.as_str()))
            .map(|p| p.session.clone())
            .collect::<BTreeSet<String>>()
    };
    let (lines_twice, to_offer_twice) = (twice(&lines), twice(&to_offer));
    let offering: BTreeSet<&str> = to_offer.iter().map(|p| p.session.as_str()).collect();
    let mut suspects: Vec<records::Place> = to_offer
        .iter()
        .filter(|p| held.contains(p.session.as_str()) || to_offer_twice.contains(&p.session))
        .cloned()
        .collect();
    suspects.extend(lines.into_iter().filter(|p| {
        lines_twice.contains(&p.session)
            || !(offering.contains(p.session.as_str()) || held.contains(p.session.as_str()))
    }));
    Ok(suspects)
}

/// Runs the distribution, then tells the agents of `changed` (a queue
/// whose page changed anyway) and of each queue it made offers in, once
/// each. A failure is logged, not passed on: what triggered it is done,
/// and the next change runs it again.
pub fn run_and_tell(changed: Option<&Queue>) {
    let offered_in = run().unwrap_or_else(|error| {
        host::log::warn(&format!("distribution: {}", error.message()));
        Vec::new()
    });
    let mut told = BTreeSet::new();
    for queue in changed.into_iter().chain(&offered_in) {
        if told.insert(queue.name.as_str()) {
            views::tell_agents(Some(queue));
        }
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

/// What became of offering one customer to one agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Offering {
    Made,
    /// Another event gave the agent an offer first.
    AgentBusy,
    /// The kernel would not offer it to the agent (their console closed).
    AgentRefused,
    /// Another event offered or removed the customer first, or their
    /// session ended.
    CustomerTaken,
}

/// Offers one waiting customer to `agent`: marks the agent as holding an
/// offer and the ticket as being offered (so no other event offers either
/// at the same time), then asks the kernel.
fn offer_to(
    queue: &Queue,
    ticket: &Ticket,
    agent: &CsrPresence,
    now: u64,
) -> Result<Offering, PluginError> {
    let session = ticket.session.as_str();
    let username = agent.username.as_str();
    let expires_ms = now.saturating_add(u64::from(queue.timeout_ms()));
    let mark = Holding {
        session: session.to_owned(),
        expires_ms,
    };
    if !records::hold(username, &mark)? {
        return Ok(Offering::AgentBusy);
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
        return Ok(Offering::CustomerTaken);
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
            return Ok(match error {
                OfferError::Offline(_) | OfferError::UnknownCsr(_) => Offering::AgentRefused,
                // The kernel refuses an offer of a session that is not
                // running: the only customer whose session is asked
                // after is the one about to be offered.
                _ if !views::session_is_live(session) => {
                    remove(session, Removal::SessionGone)?;
                    Offering::CustomerTaken
                }
                _ => Offering::AgentRefused,
            });
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
        // Kept only for the offer an agent took the session with.
        if records::origin(session)?.is_none_or(|origin| origin.offer != id) {
            records::forget_offer_ref(id)?;
        }
        return Ok(Offering::CustomerTaken);
    }
    report(
        session,
        &texts::offered(
            std::slice::from_ref(&agent.display_name),
            Some(&queue.title),
        ),
    );
    Ok(Offering::Made)
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
    let Some(session) = session_answered(&answer)? else {
        return match answer.answer {
            OfferAnswer::Declined => Ok(json!({ "declined": true })),
            OfferAnswer::Accepted => Err(PluginError::Denied(NO_LONGER_WAITING.into())),
        };
    };
    match answer.answer {
        OfferAnswer::Accepted => accept(&session, &answer),
        OfferAnswer::Declined => {
            passed_on(&session, answer.id, &answer.username, |name| {
                texts::declined(name)
            })?;
            Ok(json!({ "declined": true }))
        }
    }
}

/// The session an answered offer is about. A queue offer may be answered
/// before the event that made it has written down its id (the kernel shows
/// it while it is being made, and an agent may accept at once): the
/// agent's mark says which customer they hold, and the ticket's offer
/// (without an id yet, or with this one: it may have been written down
/// since the reference was read) must be theirs.
fn session_answered(answer: &OfferAnswered) -> Result<Option<String>, PluginError> {
    if let Some(reference) = records::offer_ref(answer.id)? {
        return Ok(Some(reference.session));
    }
    let Some(mark) = records::holding(&answer.username)? else {
        return Ok(None);
    };
    let theirs = records::ticket(&mark.session)?
        .and_then(|ticket| ticket.offer)
        .is_some_and(|offer| {
            (offer.id == 0 || offer.id == answer.id) && offer.to.contains(&answer.username)
        });
    Ok(theirs.then_some(mark.session))
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
            // Gone from the other recipients' consoles; and the kernel
            // keeps no timer running to tell us of its end later.
            withdraw(answer.id, &texts::taken_by(&answer.display_name));
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
        run_and_tell(Some(&queue));
    } else {
        run_and_tell(None);
    }
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
            run_and_tell(records::queue(&ticket.queue)?.as_ref());
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
    run_and_tell(Some(&queue));
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
        Some(after) => run_and_tell(records::queue(&after.queue)?.as_ref()),
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
    if let Some(queue) = &queue
        && ticket.stage == Stage::Queued
    {
        views::tell_line(queue)?;
    }
    if ticket.offer.is_some() {
        // The agents it was offered to are free again.
        run_and_tell(queue.as_ref());
    } else if let Some(queue) = &queue {
        views::tell_agents(Some(queue));
    }
    Ok(Some(ticket))
}
