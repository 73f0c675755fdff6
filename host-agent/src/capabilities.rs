//! Capability calls from the kernel, by name. The kernel only forwards a
//! call under a live consent grant; the agent still serves only what its
//! backend offers.

use serde_json::{Value, json};

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::backend::Backend;
use crate::credentials::Credentials;
use crate::{scripts, sysinfo_report};

/// What to do with a call.
pub enum CallOutcome {
    /// Answer with this output (JSON) or error.
    Reply(Result<Value, String>),
    /// Answer "restarting", tell the kernel the computer goes away, restart.
    Restart,
}

/// What a call may use besides its input.
pub struct CallContext {
    pub backend: Arc<dyn Backend>,
    /// The agent's state directory (script folders are made under it).
    pub state_dir: PathBuf,
    /// Output of the running call, for the session chat.
    pub progress: mpsc::UnboundedSender<String>,
}

pub async fn run(context: CallContext, capability: &str, input: Value) -> CallOutcome {
    let backend = context.backend;
    if !backend.capabilities().contains(&capability) {
        return CallOutcome::Reply(Err(format!("this computer does not offer `{capability}`")));
    }
    match capability {
        "sysinfo.collect" => {
            let collected =
                tokio::task::spawn_blocking(move || sysinfo_report::collect(backend.as_ref()))
                    .await;
            CallOutcome::Reply(
                collected
                    .map(|categories| json!({ "categories": categories }))
                    .map_err(|error| format!("collecting system information failed: {error}")),
            )
        }
        "power.restart" => match backend.check_restart() {
            Ok(()) => CallOutcome::Restart,
            Err(reason) => CallOutcome::Reply(Err(reason)),
        },
        "account.logon" => CallOutcome::Reply(
            Credentials::parse(input)
                .and_then(|credentials| backend.logon(&credentials))
                .map(|done| json!({ "logged_on": true, "desktop_locked": done.desktop_locked })),
        ),
        "script.run" => CallOutcome::Reply(
            scripts::run(
                backend.as_ref(),
                &context.state_dir,
                input,
                context.progress,
            )
            .await,
        ),
        "account.logoff" => CallOutcome::Reply(
            backend
                .logoff()
                .map(|restored| json!({ "restored": restored })),
        ),
        other => CallOutcome::Reply(Err(format!("`{other}` is not implemented by this agent"))),
    }
}
