//! Capability calls from the kernel, by name. The kernel only forwards a
//! call under a live consent grant; the agent still serves only what its
//! backend offers.

use serde_json::{Value, json};

use crate::backend::Backend;
use crate::sysinfo_report;

/// What to do with a call.
pub enum CallOutcome {
    /// Answer with this output (JSON) or error.
    Reply(Result<Value, String>),
    /// Answer "restarting", tell the kernel the computer goes away, restart.
    Restart,
}

pub async fn run(backend: &dyn Backend, capability: &str, _input: Value) -> CallOutcome {
    if !backend.capabilities().contains(&capability) {
        return CallOutcome::Reply(Err(format!("this computer does not offer `{capability}`")));
    }
    match capability {
        "sysinfo.collect" => {
            let collected = tokio::task::spawn_blocking(sysinfo_report::collect).await;
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
        other => CallOutcome::Reply(Err(format!("`{other}` is not implemented by this agent"))),
    }
}
