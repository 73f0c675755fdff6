//! The customer's Application view / control dialog: the lists it shows
//! come from their agent, and what it lists is kept as the offer — the
//! only windows and applications `share` accepts afterwards.

use tether_sdk::host::agent::{AgentError, describe};
use tether_sdk::prelude::*;
use tether_sdk::protocol::apps::{InstalledApplication, RunningApplication};

use crate::apps;
use crate::model::{ChooseMessage, Mode};
use crate::people::Session;
use crate::{records, state};

/// Largest dialog message, in bytes (the kernel takes up to 256 KiB).
const MAX_DIALOG_BYTES: usize = 240 * 1024;

/// What the dialog lists.
pub struct Lists {
    pub running: Vec<RunningApplication>,
    pub installed: Vec<InstalledApplication>,
}

/// The kernel refused a call for want of consent: the view permission is
/// gone (withdrawn, or given to a CSR no longer in control). Forget it,
/// tell everyone, and say so.
pub fn view_gone(session: &Session, customer: &Participant) -> PluginError {
    if let Err(error) = records::forget_grant(&session.id, &customer.id, true, false)
        .and_then(|()| state::push(session, Some(&customer.id)))
    {
        host::log::warn(&format!(
            "could not record the withdrawn permission: {}",
            error.message()
        ));
    }
    PluginError::Denied(format!(
        "{} no longer allows viewing their applications: the CSR has to ask again",
        customer.display_name
    ))
}

/// Lists the customer's running and installed applications and keeps
/// them as the offer. Without the installed ones (an agent that cannot
/// read them) the dialog still offers the running ones.
pub fn list(session: &Session, customer: &Participant, mode: Mode) -> Result<Lists, PluginError> {
    let running = match apps::running(&session.id, &customer.id) {
        Ok(running) => running,
        Err(AgentError::NoConsent(_)) => return Err(view_gone(session, customer)),
        Err(error) => {
            return Err(PluginError::Failed(format!(
                "{}'s applications could not be listed: {}",
                customer.display_name,
                describe(&error)
            )));
        }
    };
    let installed = match apps::installed(&session.id, &customer.id) {
        Ok(installed) => installed,
        Err(AgentError::NoConsent(_)) => return Err(view_gone(session, customer)),
        Err(error) => {
            host::log::warn(&format!(
                "installed applications not listed: {}",
                describe(&error)
            ));
            Vec::new()
        }
    };
    let mut lists = Lists { running, installed };
    fit(&mut lists, mode);
    records::set_offer(
        &session.id,
        &customer.id,
        &apps::offer(Some(mode), &lists.running, &lists.installed),
    )?;
    Ok(lists)
}

/// Shows the dialog on the customer's page.
pub fn show(
    session: &Session,
    customer: &Participant,
    csr: &str,
    mode: Mode,
    lists: &Lists,
) -> Result<(), PluginError> {
    host::session::send_json(&session.id, &customer.id, &message(csr, mode, lists))
}

fn message<'a>(csr: &'a str, mode: Mode, lists: &'a Lists) -> ChooseMessage<'a> {
    ChooseMessage {
        kind: "choose",
        mode,
        csr,
        running: &lists.running,
        installed: &lists.installed,
    }
}

/// Leaves out installed applications (the end of the list) until the
/// dialog fits in one message (or one reply).
pub(crate) fn fit(lists: &mut Lists, mode: Mode) {
    while !lists.installed.is_empty() {
        let size = serde_json::to_vec(&message("", mode, lists)).map_or(0, |bytes| bytes.len());
        if size <= MAX_DIALOG_BYTES {
            return;
        }
        lists.installed.truncate(lists.installed.len() / 2);
    }
}
