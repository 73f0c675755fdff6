//! Capability calls from the kernel, by capability. The kernel only
//! forwards a call under a live consent grant; the agent still serves only
//! what its backend offers, and stops a call when the kernel cancels it.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Value, json};
use tether_protocol::{Capability, RejoinAfterRestart};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Bytes;

use crate::apps::share::Sharing;
use crate::backend::Backend;
use crate::credentials::Credentials;
use crate::rejoin::{Rejoin, RejoinError};
use crate::{apps, scripts, sysinfo_report};

/// What to do with a call.
pub enum CallOutcome {
    /// Answer with this output (JSON) or error. `lasting`: what the call did
    /// stays in place (an account logged on) until cancelled or undone.
    Reply {
        result: Result<Value, String>,
        lasting: bool,
    },
    /// Answer "restarting" (saying how the customer comes back), tell the
    /// kernel the computer goes away, restart.
    Restart { rejoin: RejoinAfterRestart },
}

impl CallOutcome {
    fn reply(result: Result<Value, String>) -> CallOutcome {
        CallOutcome::Reply {
            result,
            lasting: false,
        }
    }
}

/// The kernel's word to stop a call: resolves with the reason once given,
/// or when nobody can give it any more (the connection is gone, so nothing
/// would receive the call's answer).
#[derive(Clone)]
pub struct Cancel(watch::Receiver<Option<String>>);

/// The giving side of [`Cancel`].
pub struct CancelHandle(watch::Sender<Option<String>>);

impl Cancel {
    pub fn new() -> (CancelHandle, Cancel) {
        let (sender, receiver) = watch::channel(None);
        (CancelHandle(sender), Cancel(receiver))
    }

    /// Why the call was cancelled, if it was (without waiting).
    pub fn reason(&self) -> Option<String> {
        self.0.borrow().clone()
    }

    /// Waits until the call is cancelled; returns why.
    pub async fn cancelled(&mut self) -> String {
        match self.0.wait_for(Option::is_some).await {
            Ok(reason) => reason.clone().unwrap_or_default(),
            Err(_) => "the connection to the support server was lost".to_owned(),
        }
    }
}

impl CancelHandle {
    pub fn cancel(&self, reason: &str) {
        let _ = self.0.send(Some(reason.to_owned()));
    }
}

/// What a call may use besides its input.
pub struct CallContext {
    /// The kernel's id of the call (a share or control answers to it
    /// until cancelled).
    pub call: String,
    pub backend: Arc<dyn Backend>,
    /// What this connection shares.
    pub sharing: Sharing,
    /// The agent's state directory (script folders are made under it).
    pub state_dir: PathBuf,
    /// Output of the running call, for the session chat.
    pub progress: mpsc::UnboundedSender<String>,
    pub cancel: Cancel,
    /// How the agent comes back after a restart...
    pub rejoin: Arc<Rejoin>,
    /// ...and what it told the server about it when it connected, which
    /// the customer was told before allowing the restart.
    pub promised: RejoinAfterRestart,
    /// The files the call carried, in order (only `script.run` takes any).
    pub files: Vec<Bytes>,
}

pub async fn run(context: CallContext, capability: Capability, input: Value) -> CallOutcome {
    let backend = context.backend;
    if !backend.capabilities().contains(&capability) {
        return CallOutcome::reply(Err(format!("this computer does not offer `{capability}`")));
    }
    if !context.files.is_empty() && capability != Capability::ScriptRun {
        return CallOutcome::reply(Err(format!("`{capability}` takes no files")));
    }
    match capability {
        Capability::SysinfoCollect => {
            let collected =
                tokio::task::spawn_blocking(move || sysinfo_report::collect(backend.as_ref()))
                    .await;
            CallOutcome::reply(
                collected
                    .map(|categories| json!({ "categories": categories }))
                    .map_err(|error| format!("collecting system information failed: {error}")),
            )
        }
        Capability::PowerRestart => match backend.check_restart() {
            Ok(()) => prepare_restart(&context.rejoin, context.promised),
            Err(reason) => CallOutcome::reply(Err(reason)),
        },
        Capability::AccountLogon => {
            // The other account stays logged on until logged off, or until
            // the kernel cancels this call.
            lasting(
                Credentials::parse(input)
                    .and_then(|credentials| backend.logon(&credentials))
                    .map(
                        |done| json!({ "logged_on": true, "desktop_locked": done.desktop_locked }),
                    ),
            )
        }
        Capability::ScriptRun => CallOutcome::reply(
            scripts::run(
                backend.as_ref(),
                &context.state_dir,
                input,
                &context.files,
                context.progress,
                context.cancel,
            )
            .await,
        ),
        Capability::AccountLogoff => CallOutcome::reply(
            backend
                .logoff()
                .map(|restored| json!({ "restored": restored })),
        ),
        // Both last until cancelled (or until the share ends).
        Capability::AppShare => lasting(
            context
                .sharing
                .share(&context.call, input, &context.cancel)
                .await,
        ),
        Capability::AppControl => lasting(
            context
                .sharing
                .control(&context.call, input, &context.cancel)
                .await,
        ),
        application if apps::needs_display(application) => CallOutcome::reply(
            apps::serve(application, backend.as_ref(), input, context.cancel).await,
        ),
        // Offered by no backend, so refused above.
        other => CallOutcome::reply(Err(format!("this computer does not offer `{other}`"))),
    }
}

/// An answer whose effect stays in place when it succeeded.
fn lasting(result: Result<Value, String>) -> CallOutcome {
    let lasting = result.is_ok();
    CallOutcome::Reply { result, lasting }
}

/// Arranges the agent's own start after the restart. Where that cannot be
/// done the customer was told to use the link, and the restart goes ahead;
/// where they were told they come back by themselves and it now fails,
/// the computer is not restarted.
fn prepare_restart(rejoin: &Rejoin, promised: RejoinAfterRestart) -> CallOutcome {
    match rejoin.arm() {
        Ok(entry) => {
            tracing::info!(entry = %entry.display(), "the agent starts again by itself after the restart");
            CallOutcome::Restart {
                rejoin: RejoinAfterRestart::ByItself,
            }
        }
        Err(RejoinError::Impossible(why)) if promised == RejoinAfterRestart::WithLink => {
            println!(
                "This computer cannot start the helper again by itself ({why}). After the restart, log in and open the session link to rejoin."
            );
            CallOutcome::Restart {
                rejoin: RejoinAfterRestart::WithLink,
            }
        }
        Err(error) => CallOutcome::reply(Err(format!(
            "the helper could not prepare to rejoin after the restart, so the computer was not restarted: {error}"
        ))),
    }
}
