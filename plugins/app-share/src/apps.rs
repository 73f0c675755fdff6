//! The application capabilities of a participant's agent — the
//! customer's, or the host CSR's own — typed with the protocol crate's
//! inputs and answers. A refusal for want of consent
//! stays an [`AgentError::NoConsent`] so the callers can tell the
//! permission is gone from the agent failing.

use serde::Serialize;
use serde::de::DeserializeOwned;
use tether_sdk::host::agent::{self, AgentError};
use tether_sdk::host::streams::fit_label;
use tether_sdk::prelude::*;
use tether_sdk::protocol::apps::{
    ControlRequest, Controlling, InstalledApplication, InstalledApplications, LaunchRequest,
    LaunchedApplication, RunningApplication, RunningApplications, ShareRequest, Sharing,
};

use crate::model::OfferRecord;

/// Most running applications and installed ones one dialog lists: the
/// message to the customer's page stays well under the kernel's limit.
const MAX_RUNNING: usize = 200;
const MAX_INSTALLED: usize = 400;
/// Longest comment of an installed application, in characters.
const MAX_COMMENT_CHARS: usize = 120;

fn call<I: Serialize, O: DeserializeOwned>(
    session: &str,
    participant: &str,
    capability: Capability,
    input: &I,
) -> Result<O, AgentError> {
    let input = serde_json::to_string(input)
        .map_err(|error| AgentError::Failed(format!("could not encode the input: {error}")))?;
    let output = agent::call(session, participant, capability, &input)?;
    serde_json::from_str(&output).map_err(|error| {
        AgentError::Failed(format!(
            "`{capability}` answered something unexpected: {error}"
        ))
    })
}

pub fn running(session: &str, participant: &str) -> Result<Vec<RunningApplication>, AgentError> {
    let mut listed: RunningApplications = call(
        session,
        participant,
        Capability::AppList,
        &serde_json::json!({}),
    )?;
    listed.applications.truncate(MAX_RUNNING);
    Ok(listed.applications)
}

pub fn installed(
    session: &str,
    participant: &str,
) -> Result<Vec<InstalledApplication>, AgentError> {
    let mut listed: InstalledApplications = call(
        session,
        participant,
        Capability::AppInstalled,
        &serde_json::json!({}),
    )?;
    listed.applications.truncate(MAX_INSTALLED);
    for application in &mut listed.applications {
        if let Some(comment) = &mut application.comment {
            *comment = comment.chars().take(MAX_COMMENT_CHARS).collect();
        }
    }
    Ok(listed.applications)
}

pub fn launch(
    session: &str,
    participant: &str,
    id: &str,
) -> Result<LaunchedApplication, AgentError> {
    let request = LaunchRequest { id: id.to_owned() };
    call(session, participant, Capability::AppLaunch, &request)
}

/// Starts sharing `window` on `stream` (a lasting call: the agent answers
/// once the first picture is on its way and shares until the stream ends).
pub fn share(
    session: &str,
    participant: &str,
    stream: u32,
    window: u32,
    viewers: String,
) -> Result<Sharing, AgentError> {
    let stream = tether_sdk::protocol::stream::StreamId::new(stream)
        .ok_or_else(|| AgentError::Failed("stream id 0 is never a stream".to_owned()))?;
    let request = ShareRequest {
        stream,
        window,
        viewers,
    };
    call(session, participant, Capability::AppShare, &request)
}

/// Lets the session's host use the shared application on `stream` (a
/// lasting call: until the stream ends or the permission is withdrawn).
pub fn control(session: &str, participant: &str, stream: u32) -> Result<Controlling, AgentError> {
    let stream = tether_sdk::protocol::stream::StreamId::new(stream)
        .ok_or_else(|| AgentError::Failed("stream id 0 is never a stream".to_owned()))?;
    call(
        session,
        participant,
        Capability::AppControl,
        &ControlRequest { stream },
    )
}

/// What a stream of a window is called: its title, or its application's
/// name when it has none, as the kernel accepts labels.
pub fn window_label(title: &str, application: &str) -> String {
    let title = fit_label(title);
    if title.is_empty() {
        fit_label(application)
    } else {
        title
    }
}

/// The offer that goes with a dialog: exactly the windows and the
/// installed applications it lists.
pub fn offer(
    mode: Option<crate::model::Mode>,
    running: &[RunningApplication],
    installed: &[InstalledApplication],
) -> OfferRecord {
    OfferRecord {
        mode,
        windows: running
            .iter()
            .flat_map(|application| {
                application
                    .windows
                    .iter()
                    .map(|window| (window.id, window_label(&window.title, &application.name)))
            })
            .collect(),
        installed: installed
            .iter()
            .map(|application| (application.id.clone(), fit_label(&application.name)))
            .collect(),
    }
}
