//! What the panels see, and telling them when it changed: the customer's
//! place in line (pushed to their "Queue" panel), the agents' queues
//! (their console's "WebACD" page is told to look again), and the
//! transferring CSR's outcome.

use std::collections::BTreeMap;

use tether_sdk::host::csrs;
use tether_sdk::prelude::*;

use crate::model::{Queue, Stage, Ticket};
use crate::records;

/// Most waiting customers one queue shows in an agent's console.
pub const MAX_LISTED: usize = 100;
/// How many places at the front of a line are told at once when it moves.
pub const PUSHED_PLACES: usize = 50;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// Display names by username, for the CSRs of the site; none while the
/// kernel cannot list them (usernames are shown instead).
pub fn display_names() -> BTreeMap<String, String> {
    match csrs::presence() {
        Ok(presence) => presence
            .into_iter()
            .map(|csr| (csr.username, csr.display_name))
            .collect(),
        Err(error) => {
            host::log::warn(&format!("the site's CSRs could not be listed: {error:?}"));
            BTreeMap::new()
        }
    }
}

/// The display names of `usernames` (the username where unknown).
pub fn names_of(usernames: &[String]) -> Vec<String> {
    let known = display_names();
    usernames
        .iter()
        .map(|u| known.get(u).cloned().unwrap_or_else(|| u.clone()))
        .collect()
}

/// The customers of a live session (none when it is gone).
pub fn customers(session: &str) -> Vec<Participant> {
    host::session::participants(session)
        .map(|people| {
            people
                .into_iter()
                .filter(|p| p.role == Role::Customer)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the session is still running.
pub fn session_is_live(session: &str) -> bool {
    host::session::participants(session).is_ok()
}

/// Sends `message` to every customer of the session; best effort (a page
/// that missed it asks with `status` when it loads).
pub fn tell_customers(session: &str, message: &Value) {
    for customer in customers(session) {
        if let Err(error) = host::session::send_json(session, &customer.id, message) {
            host::log::debug(&format!(
                "status not sent to {}: {}",
                customer.id,
                error.message()
            ));
        }
    }
}

/// The customer's status while waiting in line (`from`: the CSR who is
/// transferring them there, if one is).
pub fn waiting_status(
    queue: &Queue,
    position: usize,
    waiting: usize,
    entered_ms: u64,
    from: Option<&str>,
) -> Value {
    json!({
        "type": "status",
        "state": "waiting",
        "queue": queue.name,
        "title": queue.title,
        "position": position,
        "waiting": waiting,
        "entered_ms": entered_ms,
        "now_ms": now_ms(),
        "from": from,
    })
}

/// The customer's status while the chosen agents are offered the session.
pub fn transferring_status(ticket: &Ticket) -> Value {
    let to = ticket
        .offer
        .as_ref()
        .map(|offer| names_of(&offer.to))
        .unwrap_or_default();
    json!({
        "type": "status",
        "state": "transferring",
        "to": to,
        "from": ticket.from.as_ref().map(|f| f.display_name.clone()),
    })
}

/// An agent took the session.
pub fn taken_status(by: &str) -> Value {
    json!({ "type": "status", "state": "taken", "by": by })
}

/// Nothing is going on for this session.
pub fn no_status() -> Value {
    json!({ "type": "status", "state": "none" })
}

/// The status of a session, as its customer's panel asks for it.
pub fn status_of(session: &str) -> Result<Value, PluginError> {
    let Some(ticket) = records::ticket(session)? else {
        return Ok(no_status());
    };
    match ticket.stage {
        Stage::Agents => Ok(transferring_status(&ticket)),
        Stage::Queued => {
            let Some(queue) = records::queue(&ticket.queue)? else {
                return Ok(no_status());
            };
            let line = records::line(&queue.name)?;
            let position = line
                .iter()
                .position(|place| place.session == session)
                .map_or(line.len(), |index| index + 1);
            Ok(waiting_status(
                &queue,
                position,
                line.len().max(position),
                ticket.entered_ms,
                ticket.from.as_ref().map(|f| f.display_name.as_str()),
            ))
        }
    }
}

/// Tells the customers at the front of `queue`'s line their place (after
/// someone ahead of them left the line). Those further back ask now and
/// then (their panel asks for `status` every half minute): a long line
/// costs one message per place at the front, not one per customer.
pub fn tell_line(queue: &Queue) -> Result<(), PluginError> {
    let line = records::line(&queue.name)?;
    for (index, place) in line.iter().enumerate().take(PUSHED_PLACES) {
        let from = records::ticket(&place.session)?.and_then(|t| t.from);
        tell_customers(
            &place.session,
            &waiting_status(
                queue,
                index + 1,
                line.len(),
                place.entered_ms,
                from.as_ref().map(|f| f.display_name.as_str()),
            ),
        );
    }
    Ok(())
}

/// Tells the customers of one ticket where they stand.
pub fn tell_ticket(ticket: &Ticket) -> Result<(), PluginError> {
    tell_customers(&ticket.session, &status_of(&ticket.session)?);
    Ok(())
}

/// Tells the consoles of `queue`'s members (or of every WebACD agent,
/// without a queue) that what their "WebACD" page shows changed; their
/// panel asks again.
pub fn tell_agents(queue: Option<&Queue>) {
    let presence = match csrs::presence() {
        Ok(presence) => presence,
        Err(error) => {
            host::log::warn(&format!("agents not told of a change: {error:?}"));
            return;
        }
    };
    for csr in presence {
        let concerned = match queue {
            Some(queue) => queue.has_member(&csr.username),
            None => csr.webacd_agent,
        };
        if !concerned || !csr.online {
            continue;
        }
        let message = json!({ "type": "changed", "queue": queue.map(|q| q.name.clone()) });
        if let Err(error) = csrs::send_json(&csr.username, &message) {
            host::log::debug(&format!("console of {} not told: {error:?}", csr.username));
        }
    }
}

/// The "WebACD" page of an agent's console: their queues with the
/// customers waiting in each.
pub fn console_view(account: &Account) -> Result<Value, PluginError> {
    let me = csrs::csr(&account.username).ok();
    let agent = me.as_ref().is_some_and(|me| me.webacd_agent);
    let presence = csrs::presence()?;
    let names: BTreeMap<&str, &str> = presence
        .iter()
        .map(|csr| (csr.username.as_str(), csr.display_name.as_str()))
        .collect();
    let mut queues = Vec::new();
    for queue in records::queues()?
        .into_iter()
        .filter(|q| agent && q.has_member(&account.username))
    {
        let members: Vec<_> = presence
            .iter()
            .filter(|csr| queue.has_member(&csr.username) && csr.webacd_agent)
            .collect();
        let line = records::line(&queue.name)?;
        let mut waiting = Vec::new();
        for place in line.iter().take(MAX_LISTED) {
            let Some(ticket) = records::ticket(&place.session)? else {
                continue;
            };
            let offered_to: Vec<&str> = ticket
                .offer
                .iter()
                .flat_map(|offer| offer.to.iter())
                .map(|u| names.get(u.as_str()).copied().unwrap_or(u.as_str()))
                .collect();
            waiting.push(json!({
                "session": ticket.session,
                "customer_name": ticket.customer_name,
                "problem": ticket.problem,
                "entered_ms": ticket.entered_ms,
                "transferred_by": ticket.from.as_ref().map(|f| f.display_name.clone()),
                "message": ticket.message,
                "offered_to": offered_to,
            }));
        }
        queues.push(json!({
            "name": queue.name,
            "title": queue.title,
            "accept_timeout_secs": queue.accept_timeout_secs,
            "agents_online": members.iter().filter(|m| m.online).count(),
            "agents_available": members.iter().filter(|m| crate::rules::may_take(m, 1)).count(),
            "waiting": waiting,
            "more": line.len().saturating_sub(MAX_LISTED),
        }));
    }
    Ok(json!({
        "agent": agent,
        "me": me.map(|me| json!({
            "username": me.username,
            "display_name": me.display_name,
            "online": me.online,
            "available": me.availability == Availability::Available,
            "customers": me.customers,
            "max_customers": me.max_customers,
        })),
        "now_ms": now_ms(),
        "queues": queues,
    }))
}
