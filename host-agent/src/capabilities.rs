//! Capability calls from the kernel, by name. The kernel only forwards a
//! call under a live consent grant; the agent still serves only what its
//! backend offers.

use serde_json::{Value, json};

use std::sync::Arc;

use crate::backend::Backend;
use crate::credentials::Credentials;
use crate::sysinfo_report;

/// What to do with a call.
pub enum CallOutcome {
    /// Answer with this output (JSON) or error.
    Reply(Result<Value, String>),
    /// Answer "restarting", tell the kernel the computer goes away, restart.
    Restart,
}

pub async fn run(backend: Arc<dyn Backend>, capability: &str, input: Value) -> CallOutcome {
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
        "account.logoff" => CallOutcome::Reply(
            backend
                .logoff()
                .map(|restored| json!({ "restored": restored })),
        ),
        other => CallOutcome::Reply(Err(format!("`{other}` is not implemented by this agent"))),
    }
}
