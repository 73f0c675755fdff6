//! Plugin `app-share`: the CSR sees — and with control uses — an
//! application the customer chooses on their computer (DESIGN §9).
//!
//! The host asks (`request`, view or control: one consent prompt); the
//! customer's page then shows the Application view / control dialog with
//! their running applications and New application (installed ones); the
//! customer picks (`share`) and the plugin opens a stream from their agent
//! to the session's CSRs and tells the agent to capture that application
//! on it. Several applications may be shared at once; the customer, the
//! host or the kernel's rules stop each. The frames never pass through the
//! plugin: it only opens, closes and keeps track.
//!
//! The other way, the host shows the customers applications of their own
//! computer (`mine`, `show`: a stream from the host's own agent) or a
//! window or tab their browser captures (`show_browser`), and may give one
//! customer control of an application shown from their agent (`give`,
//! `take`) without restarting it.
//!
//! * `request.rs` — asking, and what follows the answer;
//! * `sharing.rs` — the customer's `share`, `choose`, `cancel`, the host's `stop`;
//! * `showing.rs` — the host's `mine`, `show`, `show_browser`;
//! * `giving.rs` — control of what the host shows: `give`, `take`, and
//!   the kernel's `stream-control`;
//! * `dialog.rs` — the lists the dialog shows, kept as the offer;
//! * `control.rs` — control given on a shared application, and its end;
//! * `lifecycle.rs` — the kernel's events;
//! * `state.rs` — what the panels show, pushed on every change;
//! * `records.rs` — what is kept between events (the store: every event
//!   runs in a fresh instance);
//! * `people.rs` — who may send what; `apps.rs` — the agent's capabilities;
//!   `model.rs` — the JSON.

mod apps;
mod control;
mod dialog;
mod giving;
mod lifecycle;
mod model;
mod people;
mod records;
mod request;
mod sharing;
mod showing;
mod state;

use serde::Serialize;
use tether_sdk::prelude::*;

use model::StateCommand;
use people::Session;

pub struct AppShare;

/// `state {customer?}`: a CSR's copy (the grants of the customer named,
/// else of the only customer), or a customer's own.
fn current_state(command: &Command) -> Result<Value, PluginError> {
    let payload: Option<StateCommand> = command.payload_json()?;
    let payload = payload.unwrap_or_default();
    let session = Session::of(command)?;
    let sender = command
        .sender
        .as_deref()
        .and_then(|id| session.participant(id))
        .ok_or_else(|| {
            PluginError::Denied("`state` is for the session's participants".to_owned())
        })?;
    let state = if sender.role == Role::Customer {
        let customer = people::require_customer(command, &session, payload.participant.as_deref())?;
        state::for_customer(&session, &customer.id)?
    } else {
        let named = payload.customer.or(payload.participant);
        let customer = match named {
            Some(id) => Some(session.customer(Some(&id))?.id.clone()),
            None => session.customer(None).ok().map(|c| c.id.clone()),
        };
        state::for_csrs(&session, customer.as_deref())?
    };
    serde_json::to_value(state)
        .map_err(|error| PluginError::Failed(format!("could not encode the state: {error}")))
}

/// Sends a message to every CSR of the session (host and assistants).
/// Best effort: a console that is not open asks for the state when it is.
pub(crate) fn notify_csrs<T: Serialize>(session: &Session, message: &T) {
    for csr in session.csrs() {
        if let Err(error) = host::session::send_json(&session.id, &csr.id, message) {
            host::log::debug(&format!(
                "message not sent to {}: {}",
                csr.id,
                error.message()
            ));
        }
    }
}

impl Plugin for AppShare {
    fn command(command: Command) -> Result<Value, PluginError> {
        match command.name.as_str() {
            "request" => request::request(&command),
            "share" => sharing::share(&command),
            "choose" => sharing::choose(&command),
            "cancel" => sharing::cancel(&command),
            "stop" => sharing::stop(&command),
            "state" => current_state(&command),
            "mine" => showing::mine(&command),
            "show" => showing::show(&command),
            "show_browser" => showing::show_browser(&command),
            "give" => giving::give(&command),
            "take" => giving::take(&command),
            other => Err(PluginError::InvalidInput(format!(
                "unknown command `{other}`"
            ))),
        }
    }

    fn stream_closed(closed: StreamClosed) -> Result<(), PluginError> {
        lifecycle::stream_closed(closed)
    }

    fn consent_withdrawn(withdrawn: ConsentWithdrawn) -> Result<(), PluginError> {
        lifecycle::consent_withdrawn(withdrawn)
    }

    fn stream_control(control: StreamControl) -> Result<(), PluginError> {
        lifecycle::stream_control(control)
    }

    fn participant_left(change: ParticipantChange) -> Result<(), PluginError> {
        lifecycle::participant_left(change)
    }

    fn customer_selected(change: ParticipantChange) -> Result<(), PluginError> {
        lifecycle::customer_selected(change)
    }

    fn activities_ended(session: SessionId) -> Result<(), PluginError> {
        lifecycle::activities_ended(session)
    }

    fn session_ended(session: SessionId) -> Result<(), PluginError> {
        lifecycle::session_ended(session)
    }
}

tether_sdk::export_plugin!(AppShare);

#[cfg(test)]
mod tests;
