//! Applications on the customer's X display: which are running
//! (`app.list`), which are installed (`app.installed`), starting one of
//! those (`app.launch`), sharing one with the session's CSRs (`app.share`,
//! `share/`) and giving the host CSR control of it (`app.control`,
//! `input.rs`). The agent offers them only where it reaches an X display.

pub mod capture;
mod desktop;
mod display;
pub mod encode;
mod exec;
pub mod indicator;
mod input;
mod launch;
pub mod share;
mod windows;

use serde_json::{Value, json};
use tether_protocol::Capability;

use crate::backend::Backend;
use crate::capabilities::Cancel;
use desktop::{ApplicationDirs, NotOffered, SessionFacts};
use display::Display;
use launch::LaunchRequest;

/// The capabilities of this module, offered together where the display
/// has what they need (XTest for control).
pub const CAPABILITIES: [Capability; 5] = [
    Capability::AppList,
    Capability::AppInstalled,
    Capability::AppLaunch,
    Capability::AppShare,
    Capability::AppControl,
];

/// Whether `capability` works on applications, so only where there is a
/// display (all of `app.*`, also those this agent does not serve yet).
pub fn needs_display(capability: Capability) -> bool {
    capability.as_str().starts_with("app.")
}

/// Why an application call failed, in words for the CSR.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("there is no X display to show applications on: {0}")]
    NoDisplay(String),
    #[error("talking to the X display failed: {0}")]
    Display(String),
    #[error("{0}")]
    Input(String),
    #[error("no installed application has the id `{0}`")]
    UnknownApplication(String),
    #[error("`{id}` cannot be started: {reason}")]
    NotOffered { id: String, reason: NotOffered },
    #[error("`{id}` cannot be started: {reason}")]
    BadCommand { id: String, reason: exec::ExecError },
    #[error("`{program}` did not start: {reason}")]
    Start { program: String, reason: String },
    #[error("`{program}` ended before showing a window ({status})")]
    Exited { program: String, status: String },
    #[error("`{program}` showed no window within {secs} s, so it was stopped")]
    NoWindow { program: String, secs: u64 },
    #[error("stopped: {0}")]
    Stopped(String),
}

/// The application capabilities, where this computer has a display to
/// show applications on (none at all otherwise: a call would only fail).
/// Found out once per agent: the offer is checked before every call, and a
/// display that is far away or gone could otherwise hold each call up for
/// as long as connecting to it takes.
pub fn offered() -> Vec<Capability> {
    static OFFERED: std::sync::OnceLock<Vec<Capability>> = std::sync::OnceLock::new();
    OFFERED
        .get_or_init(|| match Display::connect() {
            Ok(_) => CAPABILITIES
                .into_iter()
                .filter(|&capability| capability != Capability::AppControl || has_xtest())
                .collect(),
            Err(error) => {
                tracing::debug!(%error, "application capabilities not offered");
                Vec::new()
            }
        })
        .clone()
}

/// Whether the display takes input through XTest (`app.control`).
fn has_xtest() -> bool {
    use x11rb::connection::RequestConnection;
    let present = x11rb::connect(None).ok().and_then(|(connection, _)| {
        connection
            .extension_information(x11rb::protocol::xtest::X11_EXTENSION_NAME)
            .ok()
            .flatten()
    });
    if present.is_none() {
        tracing::info!("the display has no XTest: control of shared applications is not offered");
    }
    present.is_some()
}

/// Serves one of the application capabilities.
pub async fn serve(
    capability: Capability,
    backend: &dyn Backend,
    input: Value,
    cancel: Cancel,
) -> Result<Value, String> {
    match capability {
        Capability::AppList => list().await,
        Capability::AppInstalled => installed().await,
        Capability::AppLaunch => launch(backend, input, cancel).await,
        other => Err(format!("this computer does not offer `{other}`")),
    }
}

/// `app.list`: the running applications and their windows.
#[tracing::instrument(name = "app.list", skip_all)]
async fn list() -> Result<Value, String> {
    let listed = tokio::task::spawn_blocking(|| Display::connect()?.applications())
        .await
        .map_err(|error| format!("listing applications failed: {error}"))?;
    match listed {
        Ok(applications) => {
            tracing::debug!(count = applications.len(), "listed applications");
            Ok(json!({ "applications": applications }))
        }
        Err(error) => Err(error.to_string()),
    }
}

/// `app.installed`: the applications the customer's menus offer.
#[tracing::instrument(name = "app.installed", skip_all)]
async fn installed() -> Result<Value, String> {
    let listed = tokio::task::spawn_blocking(|| {
        desktop::offered(&ApplicationDirs::from_env(), &SessionFacts::from_env())
    })
    .await
    .map_err(|error| format!("listing installed applications failed: {error}"))?;
    tracing::debug!(count = listed.len(), "listed installed applications");
    Ok(json!({ "applications": listed }))
}

/// `app.launch`: starts the installed application `input.id` and answers
/// with its first window.
#[tracing::instrument(name = "app.launch", skip_all, fields(id))]
async fn launch(backend: &dyn Backend, input: Value, cancel: Cancel) -> Result<Value, String> {
    let request = LaunchRequest::parse(input).map_err(|error| error.to_string())?;
    tracing::Span::current().record("id", request.id.as_str());
    match launch::launch(backend, &request, launch::WINDOW_TIMEOUT, cancel).await {
        Ok(launched) => serde_json::to_value(launched).map_err(|error| error.to_string()),
        Err(error) => {
            tracing::info!(%error, "the application was not started");
            Err(error.to_string())
        }
    }
}
