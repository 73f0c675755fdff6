//! Plugin `webacd`: customer queues, automatic distribution to WebACD
//! agents, and session transfer (DESIGN §10).
//!
//! A customer enters a queue from its public page and waits in a session
//! without a host; the member agent idle longest who may take them gets an
//! offer in their console, the next one when they decline or let it pass,
//! and the first to accept becomes the session's host. A WebACD agent
//! hosting a session transfers it to a queue or offers it to chosen
//! agents, with a message; they stay the host until someone accepts.
//! Everything lives in the plugin's store: every event runs in a fresh
//! instance, and events run at the same time.
//!
//! * `entry.rs` — the public entry page: `queue`, `enter`;
//! * `distribute.rs` — offers, answers, expiry, removal;
//! * `transfer.rs` — the "Transfer session" menu: `transfer.options`,
//!   `transfer`, `transfer.cancel`;
//! * `queues.rs` — the site admin's queues;
//! * `views.rs` — what the panels see and being told of changes;
//! * `lifecycle.rs` — the kernel's events;
//! * `records.rs` — the store; `model.rs` — its records;
//! * `rules.rs` — the rules, pure; `texts.rs` — report lines and offers.

mod distribute;
mod entry;
mod lifecycle;
mod model;
mod queues;
mod records;
mod rules;
mod texts;
mod transfer;
mod views;

use tether_sdk::prelude::*;

pub struct WebAcd;

fn signed_in(command: &Command) -> Result<&Account, PluginError> {
    command
        .account
        .as_ref()
        .ok_or_else(|| PluginError::Denied("this is for signed-in CSRs".into()))
}

impl Plugin for WebAcd {
    fn command(command: Command) -> Result<Value, PluginError> {
        match command.name.as_str() {
            // The site admin's panel.
            "queues.list" => queues::list(&command),
            "queues.create" => queues::create(&command),
            "queues.update" => queues::update(&command),
            "queues.delete" => queues::delete(&command),
            // The agent's console page.
            "console.view" => views::console_view(signed_in(&command)?),
            // The customer's panel in the session.
            "status" => views::status_of(command.require_session()?),
            // The host's "Transfer session" menu.
            "transfer.options" => transfer::options(&command),
            "transfer" => transfer::transfer(&command),
            "transfer.cancel" => transfer::cancel(&command),
            other => Err(PluginError::InvalidInput(format!(
                "unknown command `{other}`"
            ))),
        }
    }

    fn public_command(command: PublicCommand) -> Result<Value, PluginError> {
        match command.name.as_str() {
            "queue" => entry::info(&command),
            "enter" => entry::enter(&command),
            other => Err(PluginError::InvalidInput(format!(
                "unknown command `{other}`"
            ))),
        }
    }

    fn offer_answered(answer: OfferAnswered) -> Result<Value, PluginError> {
        distribute::answered(answer)
    }

    fn offer_expired(offer: OfferId) -> Result<(), PluginError> {
        distribute::expired(offer)
    }

    fn presence_changed(csr: CsrPresence) -> Result<(), PluginError> {
        lifecycle::presence_changed(csr)
    }

    fn participant_left(change: ParticipantChange) -> Result<(), PluginError> {
        lifecycle::participant_left(change)
    }

    fn session_ended(session: SessionId) -> Result<(), PluginError> {
        lifecycle::session_ended(session)
    }
}

tether_sdk::export_plugin!(WebAcd);

#[cfg(test)]
mod tests;
