//! Control of shared applications: given on a stream that is already
//! shared (the share goes on, nothing restarts), and its end said in the
//! report.

use tether_sdk::host::agent::{AgentError, describe};
use tether_sdk::prelude::*;

use crate::model::{NoticeKind, NoticeMessage, Origin, StreamRecord};
use crate::people::Session;
use crate::{apps, records};

/// Gives the session's host control of each of `streams` (all from
/// `customer`) that is not under control yet; returns those now under
/// control. A refusal for want of consent forgets the control grant and
/// stops there; any other failure is told to the CSRs and the rest go on.
pub fn give(
    session: &Session,
    host: &Participant,
    customer: &Participant,
    streams: &[(u32, String)],
) -> Result<Vec<u32>, PluginError> {
    let mut given = Vec::new();
    for (id, label) in streams {
        let record = records::stream(&session.id, *id)?;
        if record.as_ref().is_some_and(|r| r.control) {
            given.push(*id);
            continue;
        }
        match apps::control(&session.id, &customer.id, *id) {
            Ok(_) => {
                let mut record = record.unwrap_or_else(|| {
                    StreamRecord::opened(&customer.id, Origin::CustomerAgent, 0, label)
                });
                record.control = true;
                records::set_stream(&session.id, *id, &record)?;
                host::session::report(
                    &session.id,
                    &format!(
                        "{} gave {} control of \"{label}\"",
                        customer.display_name, host.display_name
                    ),
                )?;
                given.push(*id);
            }
            Err(AgentError::NoConsent(message)) => {
                records::forget_grant(&session.id, &customer.id, false, true)?;
                tell_failed(session, customer, &format!("no consent: {message}"));
                break;
            }
            Err(error) => tell_failed(session, customer, &describe(&error)),
        }
    }
    Ok(given)
}

/// The report line for a stream that ended while under control.
pub fn ended(session: &str, record: &StreamRecord, reason: &str) -> Result<(), PluginError> {
    if record.control {
        host::session::report(
            session,
            &format!("Control of \"{}\" ended: {reason}", record.label),
        )?;
    }
    Ok(())
}

/// The customer withdrew control: none of their streams is under control
/// any more (the kernel already refuses input and ended the agent's
/// control calls); the report says so once per stream.
pub fn withdrawn(session: &str, customer: &str) -> Result<(), PluginError> {
    for (id, mut record) in records::streams(session)? {
        if record.source == customer && record.control {
            ended(session, &record, "the customer withdrew control")?;
            record.control = false;
            records::set_stream(session, id, &record)?;
        }
    }
    Ok(())
}

fn tell_failed(session: &Session, customer: &Participant, message: &str) {
    let notice = NoticeMessage {
        message: Some(message),
        ..NoticeMessage::new(NoticeKind::ControlFailed, customer)
    };
    crate::notify_csrs(session, &notice);
}
