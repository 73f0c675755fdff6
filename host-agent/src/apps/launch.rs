//! Starting an installed application for the customer: only an entry
//! `app.installed` offers, by its desktop file id — never a command line
//! from the CSR — its `Exec` run without a shell and without field codes,
//! as the account in use, on the same display, in a process group of its
//! own (so it outlives neither more nor less than the customer wants: it
//! is theirs now, and the agent leaving does not close it). The call ends
//! when the application's first window appears.

use std::os::unix::process::CommandExt;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::AppError;
use super::desktop::{self, ApplicationDirs, SessionFacts};
use super::display::Display;
use super::exec;
use super::windows::{Application, WindowInfo};
use crate::backend::Backend;
use crate::capabilities::Cancel;

/// How long an application may take to show its first window.
pub const WINDOW_TIMEOUT: Duration = Duration::from_secs(15);
/// How often the display is looked at meanwhile.
const POLL: Duration = Duration::from_millis(100);
/// Longest desktop file id accepted (file names are at most 255 bytes).
const MAX_ID_BYTES: usize = 255;

/// The CSR's choice: one desktop file id, nothing else.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaunchRequest {
    pub id: String,
}

impl LaunchRequest {
    pub fn parse(input: serde_json::Value) -> Result<LaunchRequest, AppError> {
        let request: LaunchRequest = serde_json::from_value(input).map_err(|error| {
            AppError::Input(format!(
                "expected {{\"id\": \"<desktop file id>\"}}: {error}"
            ))
        })?;
        if request.id.is_empty()
            || request.id.len() > MAX_ID_BYTES
            || request.id.contains('/')
            || request.id.chars().any(char::is_control)
        {
            return Err(AppError::Input(
                "the id must be a desktop file id such as `org.example.App.desktop`".into(),
            ));
        }
        Ok(request)
    }
}

/// What started, as `app.list` reports it.
#[derive(Debug, Serialize)]
pub struct Launched {
    /// The started process (and its process group).
    pub pid: u32,
    pub application: Application,
    pub window: WindowInfo,
}

/// Starts the entry `request.id` and waits up to `timeout` for its first
/// window. Nothing starts when the id is unknown or not offered, or there
/// is no display to show it on.
pub async fn launch(
    backend: &dyn Backend,
    request: &LaunchRequest,
    timeout: Duration,
    mut cancel: Cancel,
) -> Result<Launched, AppError> {
    let id = request.id.as_str();
    let facts = SessionFacts::from_env();
    let found = desktop::all(&ApplicationDirs::from_env(), &facts)
        .into_iter()
        .find(|found| found.app.id == id)
        .ok_or_else(|| AppError::UnknownApplication(id.to_owned()))?;
    if let Err(reason) = found.offered {
        return Err(AppError::NotOffered {
            id: id.to_owned(),
            reason,
        });
    }
    let argv =
        exec::command_line(found.app.exec.as_deref().unwrap_or_default()).map_err(|reason| {
            AppError::BadCommand {
                id: id.to_owned(),
                reason,
            }
        })?;
    let display = Arc::new(
        tokio::task::spawn_blocking(Display::connect)
            .await
            .map_err(|error| AppError::Display(format!("the display check failed: {error}")))??,
    );

    let program = &argv[0];
    let mut command = backend.command(program);
    command
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    // The agent's own settings (a join code among them) are not the
    // application's business.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("TETHER_") {
            command.env_remove(name);
        }
    }
    if let Some(dir) = found.app.working_dir.as_ref().filter(|dir| dir.is_dir()) {
        command.current_dir(dir);
    }
    let mut child = tokio::process::Command::from(command)
        .spawn()
        .map_err(|error| AppError::Start {
            program: program.clone(),
            reason: error.to_string(),
        })?;
    let Some(pid) = child.id() else {
        return Err(AppError::Start {
            program: program.clone(),
            reason: "it ended at once".into(),
        });
    };
    tracing::info!(id, pid, "started an application");

    let started = Instant::now();
    let mut leader_exited = false;
    loop {
        let looking = Arc::clone(&display);
        let applications = tokio::task::spawn_blocking(move || looking.applications())
            .await
            .map_err(|error| AppError::Display(format!("reading the display failed: {error}")))??;
        if let Some((application, window)) = first_window_of_group(applications, pid) {
            return Ok(Launched {
                pid,
                application,
                window,
            });
        }
        if !leader_exited && let Ok(Some(status)) = child.try_wait() {
            if !status.success() {
                kill_group(pid);
                return Err(AppError::Exited {
                    program: program.clone(),
                    status: status.to_string(),
                });
            }
            // A launcher that hands over to a child of its own and ends:
            // the group still shows a window, or nobody is left to.
            leader_exited = true;
        }
        if leader_exited && !group_alive(pid) {
            return Err(AppError::Exited {
                program: program.clone(),
                status: "it ended".into(),
            });
        }
        if started.elapsed() >= timeout {
            kill_group(pid);
            return Err(AppError::NoWindow {
                program: program.clone(),
                secs: timeout.as_secs(),
            });
        }
        tokio::select! {
            () = tokio::time::sleep(POLL) => {}
            reason = cancel.cancelled() => {
                // Not shown yet, and no longer wanted.
                kill_group(pid);
                return Err(AppError::Stopped(reason));
            }
        }
    }
}

/// The first window whose process belongs to the group `group` (the
/// started program, or a child it handed over to).
fn first_window_of_group(
    applications: Vec<Application>,
    group: u32,
) -> Option<(Application, WindowInfo)> {
    applications.into_iter().find_map(|application| {
        let window = application
            .windows
            .iter()
            .find(|window| window.pid.is_some_and(|pid| in_group(pid, group)))?
            .clone();
        Some((application, window))
    })
}

fn in_group(pid: u32, group: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: getpgid only reads the process table.
    let found = unsafe { libc::getpgid(pid) };
    found > 0 && found.unsigned_abs() == group
}

/// Whether any process is left in the group.
fn group_alive(group: u32) -> bool {
    let Ok(group) = libc::pid_t::try_from(group) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the group exists.
    unsafe { libc::kill(-group, 0) == 0 }
}

fn kill_group(group: u32) {
    if let Ok(group) = libc::pid_t::try_from(group) {
        // SAFETY: kill has no memory effects; the group is the one we made.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_desktop_file_id_is_accepted() {
        assert_eq!(
            LaunchRequest::parse(json!({ "id": "xterm.desktop" }))
                .expect("valid")
                .id,
            "xterm.desktop"
        );
        for bad in [
            json!({ "id": "" }),
            json!({ "id": "../../bin/sh" }),
            json!({ "id": "x".repeat(300) }),
            json!({ "id": "a\nb" }),
            json!({ "id": "xterm.desktop", "exec": "rm -rf ~" }),
            json!({ "command": "xterm" }),
            json!("xterm.desktop"),
            json!(null),
        ] {
            let error = LaunchRequest::parse(bad.clone()).expect_err("refused");
            assert!(matches!(error, AppError::Input(_)), "{bad}: {error}");
        }
    }
}
