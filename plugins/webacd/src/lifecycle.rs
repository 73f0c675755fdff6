//! The kernel's events: customers leaving, sessions ending, CSRs' presence
//! changing.

use tether_sdk::prelude::*;

use crate::distribute::{self, Removal, report};
use crate::model::Ticket;
use crate::records::{self, Change};
use crate::texts;
use crate::views;

/// A customer left: a session with no customer left stops waiting (its
/// offer is withdrawn); one with others still in it waits on with them.
pub fn participant_left(change: ParticipantChange) -> Result<(), PluginError> {
    if change.participant.role != Role::Customer {
        return Ok(());
    }
    let session = change.session.as_str();
    if records::ticket(session)?.is_none() {
        return Ok(());
    }
    let remaining = views::customers(session);
    if remaining.is_empty() {
        if let Some(ticket) = distribute::remove(session, Removal::CustomerLeft)? {
            report(
                session,
                &texts::left_while_waiting(
                    &change.participant.display_name,
                    &queue_title(&ticket)?,
                ),
            );
        }
        return Ok(());
    }
    let names: Vec<String> = remaining.iter().map(|c| c.display_name.clone()).collect();
    records::update_ticket(session, |ticket| match ticket {
        Some(mut ticket) => {
            ticket.customers = u32::try_from(remaining.len()).unwrap_or(u32::MAX);
            ticket.customer_name = texts::names(&names);
            (Change::Write(ticket), ())
        }
        None => (Change::Keep, ()),
    })?;
    Ok(())
}

fn queue_title(ticket: &Ticket) -> Result<String, PluginError> {
    Ok(records::queue(&ticket.queue)?.map_or_else(|| ticket.queue.clone(), |q| q.title))
}

/// A session ended: whatever was kept for it goes.
pub fn session_ended(session: SessionId) -> Result<(), PluginError> {
    distribute::remove(&session, Removal::SessionGone)?;
    records::forget_taken(&session)
}

/// A CSR came or went, became available or away, or their customers
/// changed: if they are a WebACD agent who may take a customer now, the
/// waiting customers are offered again.
pub fn presence_changed(csr: CsrPresence) -> Result<(), PluginError> {
    if csr.webacd_agent && csr.online {
        // Their "WebACD" page shows whether they are available.
        if let Err(error) = host::csrs::send_json(&csr.username, &json!({ "type": "changed" })) {
            host::log::debug(&format!("console of {} not told: {error:?}", csr.username));
        }
    }
    if crate::rules::may_take(&csr, 1) {
        distribute::run_and_tell(None);
    }
    Ok(())
}
