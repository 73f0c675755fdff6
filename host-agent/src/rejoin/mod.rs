//! Coming back after a restart. When a restart is granted, the agent
//! arranges its own next start before the computer goes down — a systemd
//! unit for the next boot when it runs as root, an autostart entry for the
//! customer's next log-in otherwise — and removes it once it has rejoined
//! (or once there is nothing to rejoin). Where neither can be arranged, it
//! says so when it connects, so the customer is told before they allow the
//! restart that they will rejoin with the session link.

pub mod autostart;
mod command_line;
pub mod systemd;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use tether_protocol::RejoinAfterRestart;

use crate::backend::BackendKind;

/// How the agent starts again after a restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A systemd unit when running as root, an autostart entry otherwise.
    Auto,
    Systemd,
    Autostart,
}

/// What the agent was told about arranging its return.
#[derive(Debug, Clone)]
pub struct Settings {
    pub via: Via,
    /// Where the autostart entry goes (default [`autostart::default_dir`]).
    pub autostart_dir: Option<PathBuf>,
    /// Where the systemd unit goes (default [`systemd::DEFAULT_UNIT_DIR`]).
    pub systemd_unit_dir: Option<PathBuf>,
}

/// Why the return could not be arranged or undone.
#[derive(Debug, thiserror::Error)]
pub enum RejoinError {
    /// Nothing here can start the agent again; the reason says why.
    #[error("{0}")]
    Impossible(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot remove {path}: {source}")]
    Remove {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The starter the settings chose, with its folder.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Starter {
    Systemd { unit_dir: PathBuf },
    Autostart { dir: PathBuf },
}

/// The agent's way back on this computer: where it writes its start-up
/// entry and what that entry runs.
#[derive(Debug, Clone)]
pub struct Rejoin {
    starter: Starter,
    /// The entry's text, or why this agent's command cannot be written.
    entry: Result<String, String>,
    /// Whether the starter runs here at all (systemd booted the computer).
    starter_runs: bool,
}

impl Rejoin {
    /// The way back for an agent with `state_dir` and `backend` (and how
    /// long it may miss the server), as `settings` and the user it runs as
    /// choose.
    pub fn new(
        settings: &Settings,
        state_dir: &Path,
        backend: BackendKind,
        restore_after_secs: u64,
    ) -> Rejoin {
        let via = match settings.via {
            // SAFETY: geteuid has no preconditions and cannot fail.
            Via::Auto if unsafe { libc::geteuid() } == 0 => Via::Systemd,
            Via::Auto => Via::Autostart,
            chosen => chosen,
        };
        let starter = match via {
            Via::Systemd => Starter::Systemd {
                unit_dir: settings
                    .systemd_unit_dir
                    .clone()
                    .unwrap_or_else(|| PathBuf::from(systemd::DEFAULT_UNIT_DIR)),
            },
            _ => Starter::Autostart {
                dir: settings
                    .autostart_dir
                    .clone()
                    .unwrap_or_else(autostart::default_dir),
            },
        };
        let entry =
            resume_command(&starter, state_dir, backend, restore_after_secs).and_then(|command| {
                match &starter {
                    Starter::Systemd { .. } => systemd::unit_text(&command),
                    Starter::Autostart { .. } => autostart::entry_text(&command),
                }
                .map_err(|error| error.to_string())
            });
        let starter_runs = match starter {
            Starter::Systemd { .. } => systemd::running(),
            Starter::Autostart { .. } => true,
        };
        Rejoin {
            starter,
            entry,
            starter_runs,
        }
    }

    /// The start-up entry's file.
    pub fn entry_path(&self) -> PathBuf {
        match &self.starter {
            Starter::Systemd { unit_dir } => systemd::unit_path(unit_dir),
            Starter::Autostart { dir } => autostart::path(dir),
        }
    }

    /// Whether the return can be arranged here; why not when it cannot.
    /// Touches nothing.
    pub fn readiness(&self) -> Result<(), String> {
        if let Err(why) = &self.entry {
            return Err(why.clone());
        }
        match &self.starter {
            Starter::Systemd { .. } if !self.starter_runs => {
                Err("this computer does not run systemd, which would start the helper after the restart".into())
            }
            Starter::Systemd { unit_dir } => writable(unit_dir)
                .map_err(|why| format!("the helper cannot add its start-up unit: {why}")),
            Starter::Autostart { dir } => writable(dir)
                .map_err(|why| format!("the helper cannot add its entry for your next log-in: {why}")),
        }
    }

    /// What the agent tells the server when it connects.
    pub fn report(&self) -> RejoinAfterRestart {
        match self.readiness() {
            Ok(()) => RejoinAfterRestart::ByItself,
            Err(why) => {
                tracing::info!(%why, "after a restart the customer rejoins with the link");
                RejoinAfterRestart::WithLink
            }
        }
    }

    /// Writes (and enables) the start-up entry for the next boot or log-in.
    pub fn arm(&self) -> Result<PathBuf, RejoinError> {
        self.readiness().map_err(RejoinError::Impossible)?;
        let text = self
            .entry
            .as_ref()
            .map_err(|why| RejoinError::Impossible(why.clone()))?;
        let path = self.entry_path();
        write_file(&path, text)?;
        if let Starter::Systemd { unit_dir } = &self.starter {
            let link = systemd::wants_link(unit_dir);
            if let Err(error) = enable(&link, &path) {
                // Half a way back is none: take the unit away again.
                let _ = std::fs::remove_file(&path);
                return Err(error);
            }
        }
        tracing::info!(entry = %path.display(), "armed the rejoin after the restart");
        Ok(path)
    }

    /// Whether a start-up entry is in place.
    pub fn is_armed(&self) -> bool {
        self.entry_path().exists()
    }

    /// Disables and removes the start-up entry; `Ok(true)` when there was one.
    pub fn disarm(&self) -> Result<bool, RejoinError> {
        let mut removed = false;
        if let Starter::Systemd { unit_dir } = &self.starter {
            removed |= remove_if_there(&systemd::wants_link(unit_dir))?;
        }
        removed |= remove_if_there(&self.entry_path())?;
        if removed {
            tracing::info!(entry = %self.entry_path().display(), "removed the rejoin entry");
        }
        Ok(removed)
    }
}

/// The command the entry runs: this program, resuming with the same state,
/// backend and way back (so a second restart in the session finds it too).
fn resume_command(
    starter: &Starter,
    state_dir: &Path,
    backend: BackendKind,
    restore_after_secs: u64,
) -> Result<Vec<OsString>, String> {
    let program = std::env::current_exe()
        .map_err(|error| format!("cannot find this program's path: {error}"))?;
    let state_dir = std::path::absolute(state_dir)
        .map_err(|error| format!("cannot find the state folder's path: {error}"))?;
    let mut command: Vec<OsString> = vec![
        program.into(),
        "--state-dir".into(),
        state_dir.into(),
        "--backend".into(),
        backend.as_str().into(),
        "--restore-after-secs".into(),
        restore_after_secs.to_string().into(),
    ];
    let (via, option, dir) = match starter {
        Starter::Systemd { unit_dir } => ("systemd", "--systemd-unit-dir", unit_dir),
        Starter::Autostart { dir } => ("autostart", "--autostart-dir", dir),
    };
    let dir = std::path::absolute(dir)
        .map_err(|error| format!("cannot find the path of {}: {error}", dir.display()))?;
    command.extend([
        "--rejoin-via".into(),
        via.into(),
        option.into(),
        dir.into(),
        "resume".into(),
    ]);
    Ok(command)
}

/// Whether files can be made in `dir`, creating it if need be: the nearest
/// folder that exists must be one this user may write to.
fn writable(dir: &Path) -> Result<(), String> {
    let mut nearest = dir;
    while !nearest.exists() {
        match nearest.parent() {
            Some(parent) => nearest = parent,
            None => break,
        }
    }
    if !nearest.is_dir() {
        return Err(format!("{} is not a folder", nearest.display()));
    }
    use std::os::unix::ffi::OsStrExt;
    let Ok(c_path) = std::ffi::CString::new(nearest.as_os_str().as_bytes()) else {
        return Err(format!("{} is not a usable path", nearest.display()));
    };
    // SAFETY: `c_path` is a valid NUL-terminated string for the call.
    let allowed = unsafe { libc::access(c_path.as_ptr(), libc::W_OK | libc::X_OK) } == 0;
    if allowed {
        Ok(())
    } else {
        Err(format!(
            "{} cannot be written to ({})",
            nearest.display(),
            std::io::Error::last_os_error()
        ))
    }
}

/// Writes `text` to `path` whole (through a temporary file and a rename), so
/// a starter never reads half an entry.
fn write_file(path: &Path, text: &str) -> Result<(), RejoinError> {
    let failed = |source| RejoinError::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let temporary = path.with_extension("new");
    std::fs::write(&temporary, text).map_err(failed)?;
    std::fs::rename(&temporary, path).map_err(|error| {
        let _ = std::fs::remove_file(&temporary);
        failed(error)
    })
}

/// The `WantedBy=` symlink, replacing one left from before.
fn enable(link: &Path, unit: &Path) -> Result<(), RejoinError> {
    let failed = |source| RejoinError::Write {
        path: link.to_owned(),
        source,
    };
    if let Some(dir) = link.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    remove_if_there(link)?;
    std::os::unix::fs::symlink(unit, link).map_err(failed)
}

fn remove_if_there(path: &Path) -> Result<bool, RejoinError> {
    // Not there, or no folder where it would be: nothing to remove.
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(false);
    }
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(RejoinError::Remove {
            path: path.to_owned(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(via: Via, dir: &Path) -> Settings {
        Settings {
            via,
            autostart_dir: Some(dir.join("autostart")),
            systemd_unit_dir: Some(dir.join("system")),
        }
    }

    #[test]
    fn an_autostart_entry_is_written_once_and_removed_after_rejoining() {
        let dir = tempfile::tempdir().expect("temp dir");
        let rejoin = Rejoin::new(
            &settings(Via::Autostart, dir.path()),
            &dir.path().join("state"),
            BackendKind::Simulated,
            120,
        );
        assert_eq!(rejoin.report(), RejoinAfterRestart::ByItself);
        assert!(!rejoin.is_armed());
        let path = rejoin.arm().expect("armed");
        assert_eq!(
            path,
            dir.path().join("autostart/tether-agent-rejoin.desktop")
        );
        let text = std::fs::read_to_string(&path).expect("written");
        let exec = text
            .lines()
            .find_map(|l| l.strip_prefix("Exec="))
            .expect("Exec");
        assert!(
            exec.ends_with(&format!(
                "--state-dir {state} --backend simulated --restore-after-secs 120 --rejoin-via autostart --autostart-dir {autostart} resume",
                state = dir.path().join("state").display(),
                autostart = dir.path().join("autostart").display(),
            )),
            "{exec}"
        );
        assert!(rejoin.is_armed());
        assert!(rejoin.disarm().expect("removed"));
        assert!(!path.exists());
        assert!(!rejoin.disarm().expect("nothing to remove"), "once only");
    }

    #[test]
    fn a_systemd_unit_is_written_enabled_and_removed_disabled() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut rejoin = Rejoin::new(
            &settings(Via::Systemd, dir.path()),
            &dir.path().join("state"),
            BackendKind::Linux,
            120,
        );
        // As on a computer booted with systemd, whatever this one runs.
        rejoin.starter_runs = true;
        let unit = rejoin.arm().expect("armed");
        assert_eq!(unit, dir.path().join("system/tether-agent-rejoin.service"));
        let link = dir
            .path()
            .join("system/multi-user.target.wants/tether-agent-rejoin.service");
        assert_eq!(std::fs::read_link(&link).expect("enabled"), unit);
        let text = std::fs::read_to_string(&unit).expect("written");
        assert!(
            text.contains("--rejoin-via systemd --systemd-unit-dir"),
            "{text}"
        );
        assert!(rejoin.disarm().expect("removed"));
        assert!(!unit.exists() && std::fs::symlink_metadata(&link).is_err());
    }

    #[test]
    fn without_systemd_or_a_writable_folder_the_customer_rejoins_with_the_link() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut rejoin = Rejoin::new(
            &settings(Via::Systemd, dir.path()),
            &dir.path().join("state"),
            BackendKind::Linux,
            120,
        );
        rejoin.starter_runs = false;
        assert_eq!(rejoin.report(), RejoinAfterRestart::WithLink);
        let refused = rejoin.arm().expect_err("no systemd");
        assert!(
            refused.to_string().contains("does not run systemd"),
            "{refused}"
        );

        // A file where the folder should be: not even root can write there.
        let file = dir.path().join("a-file");
        std::fs::write(&file, "").expect("file");
        let blocked = Settings {
            via: Via::Autostart,
            autostart_dir: Some(file.join("autostart")),
            systemd_unit_dir: None,
        };
        let rejoin = Rejoin::new(&blocked, dir.path(), BackendKind::Simulated, 120);
        assert_eq!(rejoin.report(), RejoinAfterRestart::WithLink);
        let refused = rejoin.arm().expect_err("no folder");
        assert!(
            refused
                .to_string()
                .contains(&format!("{} is not a folder", file.display())),
            "{refused}"
        );
        assert!(!rejoin.disarm().expect("nothing there"));
    }
}
