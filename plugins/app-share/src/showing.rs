//! The host shows their own applications to the customers: `mine` (what
//! their own agent lists, or that none is attached), `show` (a window of
//! theirs, or an installed application started first, on a stream from
//! their agent — optionally with control given at once) and
//! `show_browser` (a window or tab the console captures and encodes
//! itself). Only the host: the kernel lets a plugin use a CSR's agent only
//! when that CSR is the session's host, and only for these applications;
//! the host consents by commanding.

use tether_sdk::host::agent::{AgentError, describe};
use tether_sdk::host::streams::{self, StreamError, fit_label};
use tether_sdk::prelude::*;

use crate::dialog::{self, Lists};
use crate::model::{
    MineCommand, Mode, Origin, ShareTarget, ShowBrowserCommand, ShowCommand, StreamRecord,
};
use crate::people::{Session, require_host_showing};
use crate::sharing::{abandon, already_shared, shared_earlier};
use crate::{apps, giving, records, state};

/// What the host is told when their own agent is not there to ask.
const NO_AGENT: &str = "no Tether agent of yours is attached to this session: start the Tether agent on your computer with the command and one-time code under Show my application, or share from the browser";

/// What the host's own agent lists now, or why it lists nothing.
pub enum OwnLists {
    Listed(Lists),
    /// No agent of the host's is attached, or it cannot list
    /// applications (the kernel's words).
    NoAgent(String),
}

/// A refusal of the kernel's for a call on the host's own agent, in the
/// CSR's words. The kernel refuses a CSR's agent unless the CSR is the
/// session's host (control passed a moment ago, say).
pub fn own_agent_error(error: &AgentError) -> PluginError {
    match error {
        AgentError::Unavailable(message) => PluginError::Failed(format!("{NO_AGENT} ({message})")),
        AgentError::NoConsent(_) | AgentError::UnknownParticipant(_) => {
            PluginError::Denied(format!(
                "only the CSR in control of the session shows applications from their own computer ({})",
                describe(error)
            ))
        }
        other => PluginError::Failed(describe(other)),
    }
}

/// [`own_agent_error`] for opening a stream from the host's agent.
fn own_stream_error(error: StreamError) -> PluginError {
    match error {
        StreamError::Unavailable(message) => PluginError::Failed(format!("{NO_AGENT} ({message})")),
        StreamError::NoConsent(_) | StreamError::UnknownParticipant(_) => {
            PluginError::Denied(format!(
                "only the CSR in control of the session shows applications from their own computer ({})",
                streams::describe(&error)
            ))
        }
        other => other.into(),
    }
}

/// Lists the host's running and installed applications and keeps them as
/// the host's offer (what `show` takes without asking the agent again).
pub fn own_lists(session: &Session, host: &Participant) -> Result<OwnLists, PluginError> {
    let running = match apps::running(&session.id, &host.id) {
        Ok(running) => running,
        Err(AgentError::Unavailable(message)) => return Ok(OwnLists::NoAgent(message)),
        Err(error) => return Err(own_agent_error(&error)),
    };
    let installed = match apps::installed(&session.id, &host.id) {
        Ok(installed) => installed,
        Err(error @ (AgentError::NoConsent(_) | AgentError::UnknownParticipant(_))) => {
            return Err(own_agent_error(&error));
        }
        Err(error) => {
            host::log::warn(&format!(
                "the host's installed applications not listed: {}",
                describe(&error)
            ));
            Vec::new()
        }
    };
    let mut lists = Lists { running, installed };
    dialog::fit(&mut lists, Mode::Control);
    records::set_offer(
        &session.id,
        &host.id,
        &apps::offer(None, &lists.running, &lists.installed),
    )?;
    Ok(OwnLists::Listed(lists))
}

/// `mine {}` → `{agent, participant, running, installed}`: the host's
/// applications from their own agent; `agent: false` (with the kernel's
/// words in `message`) when none is attached — not an error. `participant`
/// is the host's own id, so the panel tells what it shows from what it
/// views.
pub fn mine(command: &Command) -> Result<Value, PluginError> {
    let _payload: Option<MineCommand> = command.payload_json()?;
    let session = Session::of(command)?;
    let host = require_host_showing(command, &session)?;
    Ok(match own_lists(&session, host)? {
        OwnLists::Listed(lists) => json!({
            "agent": true,
            "participant": host.id,
            "running": lists.running,
            "installed": lists.installed,
        }),
        OwnLists::NoAgent(message) => json!({
            "agent": false,
            "participant": host.id,
            "running": [],
            "installed": [],
            "message": message,
        }),
    })
}

/// `show {window}` or `show {launch}`, optionally with `give: customer` →
/// `{stream, label}` (and `controller`, or `control_error` when the share
/// started but control could not be given).
pub fn show(command: &Command) -> Result<Value, PluginError> {
    let payload: ShowCommand = command.payload_json()?;
    let session = Session::of(command)?;
    let host = require_host_showing(command, &session)?;
    let target = payload.target().ok_or_else(|| {
        PluginError::InvalidInput(
            "`show` takes either `window` (one of your windows) or `launch` (one of your installed applications)"
                .to_owned(),
        )
    })?;
    // Who gets control is checked before anything is shown.
    let give_to = match payload.give.as_deref() {
        Some(id) => Some(session.customer(Some(id))?),
        None => None,
    };
    let (window, label) = match target {
        ShareTarget::Window(window) => own_window(&session, host, window)?,
        ShareTarget::Launch(id) => launch(&session, host, &id)?,
    };
    if already_shared(&session, &host.id, window)? {
        return Err(PluginError::InvalidInput(format!(
            "\"{label}\" is already shown"
        )));
    }

    let id = streams::open(&session.id, &host.id, Capability::AppShare, &label)
        .map_err(own_stream_error)?;
    let mut record = StreamRecord::opened(&host.id, Origin::CsrAgent, window, &label);
    records::set_stream(&session.id, id, &record)?;
    // Two `show`s of one window at the same moment: the later gives way.
    if shared_earlier(&session, &host.id, window, id)? {
        abandon(&session, id, "the application was already shown")?;
        return Err(PluginError::InvalidInput(format!(
            "\"{label}\" is already shown"
        )));
    }
    match apps::share(
        &session.id,
        &host.id,
        id,
        window,
        session.audience(&host.id),
    ) {
        Ok(sharing) => {
            record.width = sharing.width;
            record.height = sharing.height;
            records::set_stream(&session.id, id, &record)?;
        }
        Err(error) => {
            abandon(
                &session,
                id,
                &format!("showing could not start: {}", describe(&error)),
            )?;
            state::push(&session, None)?;
            return Err(match error {
                AgentError::NoConsent(_) | AgentError::UnknownParticipant(_) => {
                    own_agent_error(&error)
                }
                _ => PluginError::Failed(format!(
                    "\"{label}\" could not be shown: {}",
                    describe(&error)
                )),
            });
        }
    }
    host::session::report(
        &session.id,
        &format!("{} showed \"{label}\"", host.display_name),
    )?;

    let mut reply = json!({ "stream": id, "label": label });
    if let Some(customer) = give_to {
        match giving::give_stream(&session, id, &label, None, customer) {
            Ok(()) => reply["controller"] = json!(customer.id),
            Err(error) => reply["control_error"] = json!(error.message()),
        }
    }
    state::push(&session, None)?;
    Ok(reply)
}

/// One of the host's windows, as their agent listed it last — or lists it
/// now, for a window opened since.
fn own_window(
    session: &Session,
    host: &Participant,
    window: u32,
) -> Result<(u32, String), PluginError> {
    if let Some(label) =
        records::offer(&session.id, &host.id)?.and_then(|offer| offer.windows.get(&window).cloned())
    {
        return Ok((window, label));
    }
    let running = apps::running(&session.id, &host.id).map_err(|e| own_agent_error(&e))?;
    apps::offer(None, &running, &[])
        .windows
        .get(&window)
        .map(|label| (window, label.clone()))
        .ok_or_else(|| {
            PluginError::InvalidInput(format!(
                "window {window} is not a window of your running applications: refresh the list"
            ))
        })
}

/// Starts one of the host's installed applications (one their agent
/// lists) and answers its first window.
fn launch(session: &Session, host: &Participant, id: &str) -> Result<(u32, String), PluginError> {
    let offered =
        records::offer(&session.id, &host.id)?.and_then(|offer| offer.installed.get(id).cloned());
    let name = match offered {
        Some(name) => name,
        None => {
            let installed =
                apps::installed(&session.id, &host.id).map_err(|e| own_agent_error(&e))?;
            installed
                .iter()
                .find(|application| application.id == id)
                .map(|application| fit_label(&application.name))
                .ok_or_else(|| {
                    PluginError::InvalidInput(format!(
                        "`{id}` is not one of your installed applications: refresh the list"
                    ))
                })?
        }
    };
    match apps::launch(&session.id, &host.id, id) {
        Ok(launched) => {
            let mut label = apps::window_label(&launched.window.title, &launched.application.name);
            if label.is_empty() {
                label = name;
            }
            Ok((launched.window.id, label))
        }
        Err(error @ (AgentError::NoConsent(_) | AgentError::UnknownParticipant(_))) => {
            Err(own_agent_error(&error))
        }
        Err(error) => Err(PluginError::Failed(format!(
            "\"{name}\" could not be started: {}",
            describe(&error)
        ))),
    }
}

/// `show_browser {label}` → `{stream, label}`: a stream whose pictures the
/// host's console sends (it captured a window or tab itself). Nobody can
/// control it.
pub fn show_browser(command: &Command) -> Result<Value, PluginError> {
    let payload: ShowBrowserCommand = command.payload_json()?;
    let session = Session::of(command)?;
    let host = require_host_showing(command, &session)?;
    let label = fit_label(&payload.label);
    if label.is_empty() {
        return Err(PluginError::InvalidInput(
            "`show_browser` needs a label: what the customers are shown".to_owned(),
        ));
    }
    let id = match streams::open_from_browser(&session.id, &host.id, &label) {
        Ok(id) => id,
        Err(StreamError::Unavailable(message)) => {
            return Err(PluginError::Failed(format!(
                "your console is not connected to the session: {message}"
            )));
        }
        Err(error) => return Err(own_stream_error(error)),
    };
    records::set_stream(
        &session.id,
        id,
        &StreamRecord::opened(&host.id, Origin::CsrBrowser, 0, &label),
    )?;
    host::session::report(
        &session.id,
        &format!("{} showed \"{label}\" from the browser", host.display_name),
    )?;
    state::push(&session, None)?;
    Ok(json!({ "stream": id, "label": label }))
}
