//! CSR `request {customer, mode}`: the host asks to see (view) or to use
//! (control) the customer's applications. One prompt asks for everything
//! the mode needs that is not allowed already (control implies view); the
//! prompt blocks this event until the customer answers or it times out.
//! Then the customer's page shows the dialog — or, when control is granted
//! while that customer already shares, control starts on each shared
//! application and nothing is shown or restarted.

use tether_sdk::host::agent::AgentError;
use tether_sdk::host::consent::Outcome;
use tether_sdk::host::streams;
use tether_sdk::prelude::*;

use crate::model::{ConsentOutcome, GrantRecord, Mode, NoticeKind, NoticeMessage, RequestCommand};
use crate::people::{Session, named_customer, require_host};
use crate::{apps, control, dialog, records, state};

/// What "view" needs: sharing, and choosing from the running and the
/// installed applications (and starting one).
pub const VIEW: [Capability; 4] = [
    Capability::AppShare,
    Capability::AppList,
    Capability::AppInstalled,
    Capability::AppLaunch,
];

pub fn request(command: &Command) -> Result<Value, PluginError> {
    let payload: RequestCommand = command.payload_json()?;
    let session = Session::of(command)?;
    let host = require_host(command, &session)?;
    let named = named_customer(payload.customer.as_deref(), payload.participant.as_deref())?;
    let customer = session.customer(named)?;
    let mode = payload.mode;

    let live = state::grants_of(&session, &customer.id)?;
    let view_live = live.view && still_allowed(&session, customer)?;
    let mut asked: Vec<Capability> = Vec::new();
    if !view_live {
        asked.extend(VIEW);
    }
    if mode == Mode::Control && !live.control {
        asked.push(Capability::AppControl);
    }
    let prompted = !asked.is_empty();
    if prompted {
        match host::consent::request_all(&session.id, &customer.id, &asked, None)? {
            Outcome::Granted => {
                let record = GrantRecord {
                    host: host.id.clone(),
                    view: true,
                    control: live.control || asked.contains(&Capability::AppControl),
                };
                records::set_grant(&session.id, &customer.id, &record)?;
                tell_csrs(&session, customer, mode, ConsentOutcome::Granted);
            }
            Outcome::Denied => {
                return refused(&session, host, customer, mode, ConsentOutcome::Denied);
            }
            Outcome::TimedOut => {
                return refused(&session, host, customer, mode, ConsentOutcome::TimedOut);
            }
        }
    }

    if mode == Mode::Control {
        let shared: Vec<(u32, String)> = streams::open_streams(&session.id)?
            .into_iter()
            .filter(|s| s.source == customer.id)
            .map(|s| (s.id, s.label))
            .collect();
        if !shared.is_empty() {
            let controlling = control::give(&session, host, customer, &shared)?;
            state::push(&session, Some(&customer.id))?;
            return Ok(json!({
                "asked": prompted,
                "outcome": ConsentOutcome::Granted,
                "mode": mode,
                "dialog": false,
                "controlling": controlling,
            }));
        }
    }

    // The grant counts from here on, whatever the listing does: the
    // customer's Select application works once their agent answers.
    state::push(&session, Some(&customer.id))?;
    let lists = dialog::list(&session, customer, mode)?;
    dialog::show(&session, customer, &host.display_name, mode, &lists)?;
    Ok(json!({
        "asked": prompted,
        "outcome": ConsentOutcome::Granted,
        "mode": mode,
        "dialog": true,
    }))
}

/// Whether a view permission the plugin remembers still counts, as far as
/// a harmless call can tell (listing the running applications). Without
/// an agent to ask, what the plugin remembers stands; the kernel checks
/// again at every use.
fn still_allowed(session: &Session, customer: &Participant) -> Result<bool, PluginError> {
    match apps::running(&session.id, &customer.id) {
        Ok(_) => Ok(true),
        Err(AgentError::NoConsent(_)) => {
            records::forget_grant(&session.id, &customer.id, true, false)?;
            Ok(false)
        }
        Err(_) => Ok(true),
    }
}

/// Every CSR's panel hears how the customer answered (the host also
/// has it in the reply).
fn tell_csrs(session: &Session, customer: &Participant, mode: Mode, outcome: ConsentOutcome) {
    crate::notify_csrs(
        session,
        &NoticeMessage {
            mode: Some(mode),
            outcome: Some(outcome),
            ..NoticeMessage::new(NoticeKind::Consent, customer)
        },
    );
}

/// The customer said no, or did not answer: the report says so and the
/// CSRs' panels tell the CSRs.
fn refused(
    session: &Session,
    host: &Participant,
    customer: &Participant,
    mode: Mode,
    outcome: ConsentOutcome,
) -> Result<Value, PluginError> {
    let verb = mode.verb();
    let line = if outcome == ConsentOutcome::TimedOut {
        format!(
            "{} did not answer {}'s request to {verb} their applications",
            customer.display_name, host.display_name
        )
    } else {
        format!(
            "{} did not allow {} to {verb} their applications",
            customer.display_name, host.display_name
        )
    };
    host::session::report(&session.id, &line)?;
    tell_csrs(session, customer, mode, outcome);
    Ok(json!({
        "asked": true,
        "outcome": outcome,
        "mode": mode,
        "customer": customer.id,
        "customer_name": customer.display_name,
    }))
}
