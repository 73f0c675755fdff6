//! The customer's commands — `share` (a window they were offered, or an
//! installed application they were offered, started first), `choose`
//! (Select application: the lists again) and `cancel` — and the host's
//! `stop` (of what a customer shares, or of what the host shows).

use tether_sdk::host::agent::{AgentError, describe};
use tether_sdk::host::streams::{self, MAX_REASON_BYTES, StreamError};
use tether_sdk::prelude::*;

use crate::model::{
    CustomerOnly, Mode, NoticeKind, NoticeMessage, OfferRecord, Origin, ShareCommand, ShareTarget,
    StopCommand, StreamRecord,
};
use crate::people::{Session, require_customer, require_host};
use crate::{apps, control, dialog, records, state};

/// `share {window}` or `share {launch}` → `{stream, label}`.
pub fn share(command: &Command) -> Result<Value, PluginError> {
    let payload: ShareCommand = command.payload_json()?;
    let session = Session::of(command)?;
    let customer = require_customer(command, &session, payload.participant.as_deref())?;
    let target = payload.target().ok_or_else(|| {
        PluginError::InvalidInput(
            "`share` takes either `window` (a window from the list) or `launch` (an installed application from the list)"
                .to_owned(),
        )
    })?;
    let grants = state::grants_of(&session, &customer.id)?;
    if !grants.view {
        return Err(PluginError::Denied(
            "nothing can be shared now: the CSR has not asked to see an application, or the permission was withdrawn"
                .to_owned(),
        ));
    }
    let offer = records::offer(&session.id, &customer.id)?.ok_or_else(|| {
        PluginError::InvalidInput(
            "no applications were offered: choose from the list first".to_owned(),
        )
    })?;
    let (window, label) = match target {
        ShareTarget::Window(window) => offered_window(&offer, window)?,
        ShareTarget::Launch(id) => launch(&session, customer, &offer, &id)?,
    };
    if already_shared(&session, &customer.id, window)? {
        return Err(PluginError::InvalidInput(format!(
            "\"{label}\" is already shared"
        )));
    }

    let id = match streams::open(&session.id, &customer.id, Capability::AppShare, &label) {
        Ok(id) => id,
        Err(StreamError::NoConsent(_)) => return Err(dialog::view_gone(&session, customer)),
        Err(error) => return Err(error.into()),
    };
    let mut record = StreamRecord::opened(&customer.id, Origin::CustomerAgent, window, &label);
    records::set_stream(&session.id, id, &record)?;
    // Two `share`s of one window at the same moment: the later stream gives way.
    if shared_earlier(&session, &customer.id, window, id)? {
        abandon(&session, id, "the application was already shared")?;
        return Err(PluginError::InvalidInput(format!(
            "\"{label}\" is already shared"
        )));
    }

    match apps::share(&session.id, &customer.id, id, window, session.viewers()) {
        Ok(sharing) => {
            record.width = sharing.width;
            record.height = sharing.height;
            records::set_stream(&session.id, id, &record)?;
        }
        Err(error) => {
            let reason = format!("sharing could not start: {}", describe(&error));
            abandon(&session, id, &reason)?;
            if let AgentError::NoConsent(_) = error {
                return Err(dialog::view_gone(&session, customer));
            }
            crate::notify_csrs(
                &session,
                &NoticeMessage {
                    message: Some(&reason),
                    ..NoticeMessage::new(NoticeKind::ShareFailed, customer)
                },
            );
            state::push(&session, Some(&customer.id))?;
            return Err(PluginError::Failed(format!(
                "\"{label}\" could not be shared: {}",
                describe(&error)
            )));
        }
    }

    if grants.control
        && let Some(host) = session.host()
    {
        control::give(&session, host, customer, &[(id, label.clone())])?;
    }
    state::push(&session, Some(&customer.id))?;
    Ok(json!({ "stream": id, "label": label }))
}

/// The window, if the last dialog listed it: a page must not name any
/// other window of the customer's screen.
fn offered_window(offer: &OfferRecord, window: u32) -> Result<(u32, String), PluginError> {
    offer
        .windows
        .get(&window)
        .map(|label| (window, label.clone()))
        .ok_or_else(|| {
            PluginError::InvalidInput(format!(
                "window {window} was not in the list offered: choose from the list again"
            ))
        })
}

/// Starts an installed application the last dialog listed, and answers
/// its first window.
fn launch(
    session: &Session,
    customer: &Participant,
    offer: &OfferRecord,
    id: &str,
) -> Result<(u32, String), PluginError> {
    let name = offer.installed.get(id).ok_or_else(|| {
        PluginError::InvalidInput(format!(
            "`{id}` was not among the installed applications offered: choose from the list again"
        ))
    })?;
    match apps::launch(&session.id, &customer.id, id) {
        Ok(launched) => {
            let mut label = apps::window_label(&launched.window.title, &launched.application.name);
            if label.is_empty() {
                label.clone_from(name);
            }
            Ok((launched.window.id, label))
        }
        Err(AgentError::NoConsent(_)) => Err(dialog::view_gone(session, customer)),
        Err(error) => Err(PluginError::Failed(format!(
            "\"{name}\" could not be started: {}",
            describe(&error)
        ))),
    }
}

/// The ids of the plugin's streams open now in the session.
pub(crate) fn open_ids(session: &Session) -> Result<Vec<u32>, PluginError> {
    Ok(streams::open_streams(&session.id)?
        .into_iter()
        .map(|s| s.id)
        .collect())
}

/// Whether `window` of `customer` (or of the host) is shared on an open
/// stream.
pub(crate) fn already_shared(
    session: &Session,
    customer: &str,
    window: u32,
) -> Result<bool, PluginError> {
    let open = open_ids(session)?;
    Ok(records::streams(&session.id)?
        .iter()
        .any(|(id, r)| r.source == customer && r.window == window && open.contains(id)))
}

/// Whether an open stream older than `mine` shares the same window.
pub(crate) fn shared_earlier(
    session: &Session,
    customer: &str,
    window: u32,
    mine: u32,
) -> Result<bool, PluginError> {
    let open = open_ids(session)?;
    Ok(records::streams(&session.id)?.iter().any(|(id, r)| {
        *id < mine && r.source == customer && r.window == window && open.contains(id)
    }))
}

/// Closes a stream that never showed anything, and forgets it.
pub(crate) fn abandon(session: &Session, id: u32, reason: &str) -> Result<(), PluginError> {
    let reason = fit_reason(reason);
    if let Err(error) = streams::close(id, &reason) {
        host::log::debug(&format!(
            "stream {id} already closed: {}",
            streams::describe(&error)
        ));
    }
    records::take_stream(&session.id, id)?;
    Ok(())
}

pub(crate) fn fit_reason(reason: &str) -> String {
    let mut fitted = String::new();
    for c in reason.chars() {
        if fitted.len() + c.len_utf8() > MAX_REASON_BYTES {
            break;
        }
        fitted.push(c);
    }
    fitted
}

/// `choose {}` (Select application) → `{mode, csr, running, installed}`,
/// while the customer allows viewing.
pub fn choose(command: &Command) -> Result<Value, PluginError> {
    let payload: Option<CustomerOnly> = command.payload_json()?;
    let payload = payload.unwrap_or_default();
    let session = Session::of(command)?;
    let customer = require_customer(command, &session, payload.participant.as_deref())?;
    let grants = state::grants_of(&session, &customer.id)?;
    if !grants.view {
        return Err(PluginError::Denied(
            "nothing can be shared now: the CSR has not asked to see an application, or the permission was withdrawn"
                .to_owned(),
        ));
    }
    let mode = if grants.control {
        Mode::Control
    } else {
        Mode::View
    };
    let lists = dialog::list(&session, customer, mode)?;
    let csr = session
        .host()
        .map(|h| h.display_name.clone())
        .unwrap_or_default();
    Ok(json!({
        "mode": mode,
        "csr": csr,
        "running": lists.running,
        "installed": lists.installed,
    }))
}

/// `cancel {}`: the customer closes the dialog without sharing; the
/// offer is gone and the CSRs are told.
pub fn cancel(command: &Command) -> Result<Value, PluginError> {
    let payload: Option<CustomerOnly> = command.payload_json()?;
    let payload = payload.unwrap_or_default();
    let session = Session::of(command)?;
    let customer = require_customer(command, &session, payload.participant.as_deref())?;
    let mode = records::offer(&session.id, &customer.id)?.and_then(|offer| offer.mode);
    records::forget_offer(&session.id, &customer.id)?;
    crate::notify_csrs(
        &session,
        &NoticeMessage {
            mode,
            ..NoticeMessage::new(NoticeKind::Cancelled, customer)
        },
    );
    Ok(json!({ "cancelled": true }))
}

/// CSR `stop {stream}` → `{stopped}`: the host ends one shared
/// application.
pub fn stop(command: &Command) -> Result<Value, PluginError> {
    let payload: StopCommand = command.payload_json()?;
    let session = Session::of(command)?;
    let host = require_host(command, &session)?;
    let Some(open) = streams::open_streams(&session.id)?
        .into_iter()
        .find(|s| s.id == payload.stream)
    else {
        return Err(PluginError::InvalidInput(format!(
            "no application is shared on stream {} in this session",
            payload.stream
        )));
    };
    let verb = if open.source == host.id {
        "showing"
    } else {
        "viewing"
    };
    let reason = fit_reason(&format!("{} stopped {verb} it", host.display_name));
    streams::close(payload.stream, &reason)?;
    let customer = crate::lifecycle::stream_ended(
        &session,
        payload.stream,
        CloseCause::PluginClosed,
        &reason,
    )?;
    state::push(&session, customer.as_deref())?;
    Ok(json!({ "stopped": payload.stream }))
}
