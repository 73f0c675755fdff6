//! The real Linux backend: restarts through systemd (as root, or where
//! logind allows this user to reboot); logs on as another account with PAM
//! (the agent must run as root), running later capability processes as that
//! account and locking the customer's desktop sessions meanwhile.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use tether_protocol::Capability;

use super::identity::{self, Identity};
use super::{Backend, LoggedOn, pam};
use crate::credentials::Credentials;

#[derive(Default)]
pub struct LinuxBackend {
    logged_on: Mutex<Option<Session>>,
}

/// Another account logged on by the CSR.
struct Session {
    identity: Identity,
    desktop_locked: bool,
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn systemd_running() -> bool {
    Path::new("/run/systemd/system").is_dir()
}

/// Locks (or unlocks) every desktop session through logind; `false` when
/// there is no logind to ask or it refused.
fn lock_desktops(lock: bool) -> bool {
    if !systemd_running() {
        return false;
    }
    let verb = if lock {
        "lock-sessions"
    } else {
        "unlock-sessions"
    };
    Command::new("loginctl")
        .arg(verb)
        .status()
        .is_ok_and(|s| s.success())
}

impl LinuxBackend {
    fn state(&self) -> std::sync::MutexGuard<'_, Option<Session>> {
        self.logged_on
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Why a restart is not possible here, from what the system says.
pub fn restart_refusal(
    systemd_running: bool,
    is_root: bool,
    logind_can_reboot: Option<&str>,
) -> Option<String> {
    if !systemd_running {
        return Some("this computer does not run systemd, so the agent cannot restart it".into());
    }
    if is_root {
        return None;
    }
    match logind_can_reboot {
        Some("yes") => None,
        Some(answer) => Some(format!(
            "this user may not restart the computer (logind says `{answer}`); run the agent as root to allow it"
        )),
        None => Some("cannot ask logind whether this user may restart the computer".into()),
    }
}

fn logind_can_reboot() -> Option<String> {
    let output = Command::new("busctl")
        .args([
            "call",
            "org.freedesktop.login1",
            "/org/freedesktop/login1",
            "org.freedesktop.login1.Manager",
            "CanReboot",
        ])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    // The answer looks like: s "yes"
    let text = String::from_utf8_lossy(&output.stdout);
    text.split('"').nth(1).map(str::to_owned)
}

impl Backend for LinuxBackend {
    fn capabilities(&self) -> Vec<Capability> {
        let mut offered = vec![Capability::SysinfoCollect, Capability::ScriptRun];
        if self.check_restart().is_ok() {
            offered.push(Capability::PowerRestart);
        }
        if is_root() && pam::available() {
            offered.extend([Capability::AccountLogon, Capability::AccountLogoff]);
        }
        offered.extend(crate::apps::offered());
        offered
    }

    fn check_restart(&self) -> Result<(), String> {
        let systemd = systemd_running();
        let root = is_root();
        let can = if systemd && !root {
            logind_can_reboot()
        } else {
            None
        };
        match restart_refusal(systemd, root, can.as_deref()) {
            Some(reason) => Err(reason),
            None => Ok(()),
        }
    }

    fn restart(&self) -> Result<(), String> {
        self.check_restart()?;
        let status = Command::new("systemctl")
            .arg("reboot")
            .status()
            .map_err(|error| format!("cannot run systemctl: {error}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("systemctl reboot failed ({status})"))
        }
    }

    fn logon(&self, credentials: &Credentials) -> Result<LoggedOn, String> {
        if !is_root() {
            return Err("the agent must run as root to log on as another user".into());
        }
        if self.state().is_some() {
            return Err("another account is already logged on; log off first".into());
        }
        let name = credentials.login_name();
        pam::authenticate(&name, credentials.password.expose())?;
        let identity = identity::lookup(&name)?;
        let desktop_locked = lock_desktops(true);
        *self.state() = Some(Session {
            identity,
            desktop_locked,
        });
        Ok(LoggedOn { desktop_locked })
    }

    fn logoff(&self) -> Result<bool, String> {
        let Some(session) = self.state().take() else {
            return Ok(false);
        };
        if session.desktop_locked && !lock_desktops(false) {
            return Err("logged off, but the customer's desktop could not be unlocked".into());
        }
        Ok(true)
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        if let Some(session) = self.state().as_ref() {
            // Setting the uid from root also drops root's supplementary
            // groups (std calls setgroups(0) before setuid).
            command.uid(session.identity.uid).gid(session.identity.gid);
        }
        command
    }

    fn run_as_ids(&self) -> Option<(u32, u32)> {
        self.state()
            .as_ref()
            .map(|s| (s.identity.uid, s.identity.gid))
    }

    fn account_in_use(&self) -> String {
        match self.command("id").arg("-un").output() {
            Ok(output) if output.status.success() => {
                String::from_utf8_lossy(&output.stdout).trim().to_owned()
            }
            _ => identity::current().user,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::restart_refusal;

    #[test]
    fn restart_is_refused_with_the_reason() {
        assert!(
            restart_refusal(false, true, None)
                .expect("refused")
                .contains("does not run systemd")
        );
        assert_eq!(restart_refusal(true, true, None), None);
        assert_eq!(restart_refusal(true, false, Some("yes")), None);
        assert!(
            restart_refusal(true, false, Some("challenge"))
                .expect("refused")
                .contains("run the agent as root")
        );
        assert!(restart_refusal(true, false, None).is_some());
    }
}
