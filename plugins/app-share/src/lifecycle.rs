//! What the kernel tells the plugin: a stream ended (whoever ended it),
//! who controls what the host shows changed, someone left, the session's
//! activities ended, another customer was selected, the session ended. The kernel has already closed what the
//! rules end; the plugin forgets what belonged to it and tells the panels.

use tether_sdk::prelude::*;

use crate::people::Session;
use crate::{control, giving, records, state};

/// Forgets a stream that ended and says in the report when control of it
/// ended with it; returns the customer whose application it was, when the
/// plugin knew it (none for what the host showed). A stream that ended
/// because the customer withdrew the view permission takes that
/// permission with it.
pub fn stream_ended(
    session: &Session,
    stream: u32,
    cause: CloseCause,
    reason: &str,
) -> Result<Option<String>, PluginError> {
    let Some(record) = records::take_stream(&session.id, stream)? else {
        return Ok(None);
    };
    if record.origin.is_csr() {
        giving::ended(&session.id, &record, reason)?;
        return Ok(None);
    }
    control::ended(&session.id, &record, reason)?;
    if cause == CloseCause::ConsentWithdrawn {
        records::forget_grant(&session.id, &record.source, true, false)?;
    }
    Ok(Some(record.source))
}

pub fn stream_closed(closed: StreamClosed) -> Result<(), PluginError> {
    let Ok(session) = Session::load(&closed.session) else {
        // The session is over: `session-ended` forgets everything.
        return Ok(());
    };
    let customer = stream_ended(&session, closed.id, closed.cause, &closed.reason)?;
    state::push(&session, customer.as_deref())
}

/// Who controls an application the host shows changed without the plugin
/// (taken back on the host's computer, or the customer in control left).
pub fn stream_control(change: StreamControl) -> Result<(), PluginError> {
    let Ok(session) = Session::load(&change.session) else {
        return Ok(());
    };
    giving::changed(&session, &change)?;
    state::push(&session, None)
}

/// The customer withdrew a permission. Streams under the view permission
/// have closed (each with its `stream-closed`); the control permission
/// ends control of every stream of theirs, which go on being shared.
pub fn consent_withdrawn(withdrawn: ConsentWithdrawn) -> Result<(), PluginError> {
    let Ok(session) = Session::load(&withdrawn.session) else {
        return Ok(());
    };
    let capability = withdrawn.capability.parse::<Capability>().ok();
    let control = capability == Some(Capability::AppControl);
    records::forget_grant(&session.id, &withdrawn.customer, !control, control)?;
    if control {
        control::withdrawn(&session.id, &withdrawn.customer)?;
    }
    state::push(&session, Some(&withdrawn.customer))
}

pub fn participant_left(change: ParticipantChange) -> Result<(), PluginError> {
    if change.participant.role != Role::Customer {
        return Ok(());
    }
    records::forget_customer(&change.session, &change.participant.id)?;
    match Session::load(&change.session) {
        Ok(session) => state::push(&session, None),
        Err(_) => Ok(()),
    }
}

/// Control passed or another customer was selected: the kernel closed
/// every stream (each gets its `stream-closed`); no dialog offers
/// anything any more.
pub fn activities_ended(session: SessionId) -> Result<(), PluginError> {
    records::forget_offers(&session)?;
    match Session::load(&session) {
        Ok(session) => state::push(&session, None),
        Err(_) => Ok(()),
    }
}

/// Nothing offered to the other customers stays on offer; the CSRs'
/// state now names the selected customer's grants.
pub fn customer_selected(change: ParticipantChange) -> Result<(), PluginError> {
    let Ok(session) = Session::load(&change.session) else {
        return Ok(());
    };
    for other in session
        .customers()
        .filter(|c| c.id != change.participant.id)
    {
        records::forget_offer(&session.id, &other.id)?;
    }
    state::push(&session, Some(&change.participant.id))
}

pub fn session_ended(session: SessionId) -> Result<(), PluginError> {
    records::forget_session(&session)
}
