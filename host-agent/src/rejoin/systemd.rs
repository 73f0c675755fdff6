//! The way back for an agent running as root: a systemd unit that starts it
//! once at the next boot. Enabling is the symlink `systemctl enable` makes
//! for `WantedBy=multi-user.target`, made here directly: it needs no running
//! manager (nor a reload, as the computer restarts next), and a test can
//! point it at a folder of its own.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::command_line::{self, CommandLineError};

/// The unit's file name.
pub const UNIT_NAME: &str = "tether-agent-rejoin.service";
/// Where units of the local administrator go.
pub const DEFAULT_UNIT_DIR: &str = "/etc/systemd/system";
/// The target whose `.wants` folder enables the unit.
const WANTED_BY: &str = "multi-user.target";

/// Whether this computer was booted with systemd (`sd_booted`'s test).
pub fn running() -> bool {
    Path::new("/run/systemd/system").is_dir()
}

pub fn unit_path(unit_dir: &Path) -> PathBuf {
    unit_dir.join(UNIT_NAME)
}

/// The symlink that enables the unit.
pub fn wants_link(unit_dir: &Path) -> PathBuf {
    unit_dir.join(format!("{WANTED_BY}.wants")).join(UNIT_NAME)
}

/// A unit that runs `command` once after the network is up. No `Restart=`:
/// the agent keeps trying to reach the server by itself, and a unit that
/// restarted it after it removed itself would run on without a file.
pub fn unit_text(command: &[OsString]) -> Result<String, CommandLineError> {
    Ok(format!(
        "[Unit]\n\
         Description=Tether host agent: rejoin the support session after the restart\n\
         After=network-online.target\n\
         Wants=network-online.target\n\
         \n\
         [Service]\n\
         Type=simple\n\
         ExecStart={}\n\
         \n\
         [Install]\n\
         WantedBy={WANTED_BY}\n",
        command_line::systemd_exec(command)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unit_resumes_once_after_the_network_is_up() {
        let command: Vec<OsString> = [
            "/usr/bin/tether-agent",
            "--state-dir",
            "/var/lib/tether-agent",
            "--backend",
            "linux",
            "resume",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        let text = unit_text(&command).expect("written");
        assert!(text.contains(
            "ExecStart=/usr/bin/tether-agent --state-dir /var/lib/tether-agent --backend linux resume\n"
        ));
        assert!(text.contains("After=network-online.target"));
        assert!(text.contains("WantedBy=multi-user.target"));
        assert!(!text.contains("Restart="));
        assert_eq!(
            wants_link(Path::new("/etc/systemd/system")),
            Path::new("/etc/systemd/system/multi-user.target.wants/tether-agent-rejoin.service")
        );
    }
}
