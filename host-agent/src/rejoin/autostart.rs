//! The customer's own way back after a restart: an XDG autostart entry that
//! their desktop starts when they log in again. It runs in a terminal, so
//! the agent's own window shows what it says and takes consent answers.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::command_line::{self, CommandLineError};

/// The entry's file name in the autostart folder.
pub const FILE_NAME: &str = "tether-agent-rejoin.desktop";

/// `$XDG_CONFIG_HOME/autostart`, or `~/.config/autostart`, as the XDG
/// Base Directory Specification says.
pub fn default_dir() -> PathBuf {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .unwrap_or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("."))
                .join(".config")
        });
    config.join("autostart")
}

pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

/// The entry that runs `command` once at the next log-in (the agent
/// removes it after rejoining).
pub fn entry_text(command: &[OsString]) -> Result<String, CommandLineError> {
    Ok(format!(
        "[Desktop Entry]\n\
         Type=Application\n\
         Name=Tether: rejoin the support session\n\
         Comment=Brings this computer back into the support session after the restart; removed once it has rejoined.\n\
         Exec={}\n\
         Terminal=true\n\
         NoDisplay=true\n\
         X-GNOME-Autostart-enabled=true\n",
        command_line::desktop_exec(command)?
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_entry_starts_the_command_in_a_terminal_at_log_in() {
        let command: Vec<OsString> = ["/usr/bin/tether-agent", "--state-dir", "/s", "resume"]
            .iter()
            .map(OsString::from)
            .collect();
        let text = entry_text(&command).expect("written");
        assert!(text.starts_with("[Desktop Entry]\nType=Application\n"));
        assert!(text.contains("\nExec=/usr/bin/tether-agent --state-dir /s resume\n"));
        assert!(text.contains("\nTerminal=true\n"));
    }
}
