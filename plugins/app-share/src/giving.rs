//! Control of an application the host shows from their own agent, given
//! to one customer of the session (`give`) and taken back (`take`, or on
//! the host's computer, or by the customer leaving: the kernel's
//! `stream-control`). The stream goes on through every change: nothing is
//! restarted. A browser's share and a customer's share are never given.

use tether_sdk::host::streams::{self, StreamError, StreamInfo, StreamOrigin};
use tether_sdk::prelude::*;

use crate::model::{GiveCommand, StreamRecord, TakeCommand};
use crate::people::{Session, named_customer, require_host_showing};
use crate::showing::{OwnLists, own_lists};
use crate::{records, state};

/// `give {stream?, customer}` → `{stream, controller}`; without `stream`,
/// the one application the host shows from their agent, or — when none is
/// shown — `{choose: true, customer, customer_name, running, installed}`
/// so the panel opens the Application control dialog (whose Share sends
/// `show {…, give}`).
pub fn give(command: &Command) -> Result<Value, PluginError> {
    let payload: GiveCommand = command.payload_json()?;
    let session = Session::of(command)?;
    let host = require_host_showing(command, &session)?;
    let named = named_customer(payload.customer.as_deref(), payload.participant.as_deref())?;
    let customer = session.customer(named)?;
    let stream = match payload.stream {
        Some(id) => own_controllable(&session, host, id)?,
        None => {
            let mut shown: Vec<StreamInfo> = streams::open_streams(&session.id)?
                .into_iter()
                .filter(|s| s.source == host.id && s.origin == StreamOrigin::CsrAgent)
                .collect();
            match (shown.pop(), shown.is_empty()) {
                (None, _) => return choose(&session, host, customer),
                (Some(only), true) => only,
                (Some(_), false) => {
                    return Err(PluginError::InvalidInput(format!(
                        "several of your applications are shown: say which one {} gets control of",
                        customer.display_name
                    )));
                }
            }
        }
    };
    give_stream(
        &session,
        stream.id,
        &stream.label,
        stream.controller.as_deref(),
        customer,
    )?;
    state::push(&session, None)?;
    Ok(json!({ "stream": stream.id, "controller": customer.id }))
}

/// The lists for the Application control dialog: nothing is shown yet.
fn choose(
    session: &Session,
    host: &Participant,
    customer: &Participant,
) -> Result<Value, PluginError> {
    match own_lists(session, host)? {
        OwnLists::Listed(lists) => Ok(json!({
            "choose": true,
            "customer": customer.id,
            "customer_name": customer.display_name,
            "running": lists.running,
            "installed": lists.installed,
        })),
        OwnLists::NoAgent(message) => Err(PluginError::InvalidInput(format!(
            "nothing is shown that {} could control, and only an application shown from your own agent can be controlled: start the Tether agent on your computer first with the command and one-time code under Show my application ({message})",
            customer.display_name
        ))),
    }
}

/// Gives `customer` control of stream `id` (one the host shows from their
/// agent, controlled by `current` now); the report says so. Giving it to
/// whoever has it already changes nothing.
pub fn give_stream(
    session: &Session,
    id: u32,
    label: &str,
    current: Option<&str>,
    customer: &Participant,
) -> Result<(), PluginError> {
    if current == Some(customer.id.as_str()) {
        return Ok(());
    }
    streams::give_control(id, &customer.id).map_err(refused)?;
    follow(session, id, Some(customer))?;
    host::session::report(
        &session.id,
        &format!("Control of \"{label}\" given to {}", customer.display_name),
    )?;
    Ok(())
}

/// `take {stream}` → `{stream, controller: null}`: the host takes control
/// back. Taking it when nobody has it changes nothing.
pub fn take(command: &Command) -> Result<Value, PluginError> {
    let payload: TakeCommand = command.payload_json()?;
    let session = Session::of(command)?;
    let host = require_host_showing(command, &session)?;
    let stream = own_controllable(&session, host, payload.stream)?;
    if let Some(controller) = &stream.controller {
        streams::take_control(stream.id).map_err(refused)?;
        follow(&session, stream.id, None)?;
        host::session::report(
            &session.id,
            &format!(
                "Control of \"{}\" taken back from {} (by {})",
                stream.label,
                session.name_of(controller),
                host.display_name
            ),
        )?;
        state::push(&session, None)?;
    }
    Ok(json!({ "stream": stream.id, "controller": null }))
}

/// The kernel's `stream-control`: control changed without the plugin —
/// the host took it back on their computer, or the customer in control
/// left. The record follows and the report says why.
pub fn changed(session: &Session, change: &StreamControl) -> Result<(), PluginError> {
    let Some(mut record) = records::stream(&session.id, change.stream)? else {
        return Ok(());
    };
    let before = record
        .controller_name
        .clone()
        .or_else(|| record.controller.clone())
        .unwrap_or_else(|| "the customer".to_owned());
    let why = match change.cause {
        ControlCause::TakenBackOnComputer => {
            Some(format!("on {}'s computer", session.name_of(&record.source)))
        }
        ControlCause::ControllerLeft => Some(format!("{before} left")),
        ControlCause::Plugin => None,
    };
    record.controller_name = change
        .controller
        .as_deref()
        .map(|id| session.name_of(id).to_owned());
    record.controller.clone_from(&change.controller);
    records::set_stream(&session.id, change.stream, &record)?;
    if let (Some(why), None) = (why, &change.controller) {
        host::session::report(
            &session.id,
            &format!(
                "Control of \"{}\" taken back from {before} ({why})",
                record.label
            ),
        )?;
    }
    Ok(())
}

/// The report line for a shown application that ended while a customer
/// controlled it.
pub fn ended(session: &str, record: &StreamRecord, reason: &str) -> Result<(), PluginError> {
    if let Some(controller) = record
        .controller_name
        .as_ref()
        .or(record.controller.as_ref())
    {
        host::session::report(
            session,
            &format!(
                "Control of \"{}\" by {controller} ended: {reason}",
                record.label
            ),
        )?;
    }
    Ok(())
}

/// The open stream `id`, if it shows one of the host's applications from
/// their own agent: the only kind a customer may control.
fn own_controllable(
    session: &Session,
    host: &Participant,
    id: u32,
) -> Result<StreamInfo, PluginError> {
    let stream = streams::open_streams(&session.id)?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| {
            PluginError::InvalidInput(format!(
                "no application of yours is shown on stream {id} in this session"
            ))
        })?;
    match stream.origin {
        StreamOrigin::CsrAgent if stream.source == host.id => Ok(stream),
        StreamOrigin::CsrBrowser => Err(PluginError::InvalidInput(format!(
            "\"{}\" is shown from the browser: nobody can control it (show it with your agent to give control)",
            stream.label
        ))),
        StreamOrigin::CustomerAgent => Err(PluginError::InvalidInput(format!(
            "\"{}\" is {}'s application: control of it is theirs to give",
            stream.label,
            session.name_of(&stream.source)
        ))),
        StreamOrigin::CsrAgent => Err(PluginError::InvalidInput(format!(
            "\"{}\" is not shown from your computer",
            stream.label
        ))),
    }
}

/// The stream's record follows who controls it now (a stream whose record
/// is gone — it closed meanwhile — has nothing to follow).
fn follow(session: &Session, id: u32, controller: Option<&Participant>) -> Result<(), PluginError> {
    if let Some(mut record) = records::stream(&session.id, id)? {
        record.controller = controller.map(|p| p.id.clone());
        record.controller_name = controller.map(|p| p.display_name.clone());
        records::set_stream(&session.id, id, &record)?;
    }
    Ok(())
}

/// The kernel's refusal to give or take control, in the CSR's words.
fn refused(error: StreamError) -> PluginError {
    match error {
        StreamError::UnknownStream(id) => PluginError::InvalidInput(format!(
            "no application of yours is shown on stream {id} any more"
        )),
        other => other.into(),
    }
}
