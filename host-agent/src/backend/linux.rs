//! The real Linux backend: restarts through systemd (as root, or where
//! logind allows this user to reboot).

use std::path::Path;
use std::process::Command;

use super::Backend;

pub struct LinuxBackend;

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
    fn capabilities(&self) -> Vec<&'static str> {
        let mut offered = vec!["sysinfo.collect"];
        if self.check_restart().is_ok() {
            offered.push("power.restart");
        }
        offered
    }

    fn check_restart(&self) -> Result<(), String> {
        let systemd = Path::new("/run/systemd/system").is_dir();
        // SAFETY: geteuid has no preconditions and cannot fail.
        let root = unsafe { libc::geteuid() } == 0;
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
