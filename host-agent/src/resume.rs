//! The resume token on disk, readable by its owner only, so the agent can
//! rejoin the same session after the computer restarts.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::connection::Start;

/// What is kept between runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSession {
    pub server: String,
    pub session: String,
    pub resume_token: String,
}

impl SavedSession {
    pub fn into_start(self) -> Start {
        Start::Resume {
            server: self.server,
            token: self.resume_token,
        }
    }
}

pub fn default_state_dir() -> PathBuf {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        return PathBuf::from("/var/lib/tether-agent");
    }
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME") {
        return PathBuf::from(dir).join("tether-agent");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    home.join(".local/state/tether-agent")
}

pub struct ResumeStore {
    state_dir: PathBuf,
    path: PathBuf,
}

impl ResumeStore {
    pub fn new(state_dir: &Path) -> ResumeStore {
        ResumeStore {
            state_dir: state_dir.to_owned(),
            path: state_dir.join("resume.json"),
        }
    }

    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// Writes the file with mode 0600 (created so, never wider).
    pub fn save(&self, saved: &SavedSession) -> anyhow::Result<()> {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot restrict {}", dir.display()))?;
        }
        let temporary = self.path.with_extension("json.new");
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)
            .with_context(|| format!("cannot write {}", temporary.display()))?;
        file.write_all(serde_json::to_string(saved)?.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, &self.path)
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        Ok(())
    }

    pub fn load(&self) -> anyhow::Result<SavedSession> {
        let text = std::fs::read_to_string(&self.path).with_context(|| {
            format!(
                "no session to rejoin ({} cannot be read)",
                self.path.display()
            )
        })?;
        serde_json::from_str(&text).with_context(|| format!("{} is damaged", self.path.display()))
    }

    /// The session is over: nothing to rejoin.
    pub fn clear(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_token_file_is_for_its_owner_only() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = ResumeStore::new(&dir.path().join("state"));
        let saved = SavedSession {
            server: "http://h".into(),
            session: "123456789".into(),
            resume_token: "t".into(),
        };
        store.save(&saved).expect("saved");
        let mode = std::fs::metadata(dir.path().join("state/resume.json"))
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(store.load().expect("loaded"), saved);
        store.clear();
        assert!(store.load().is_err());
    }
}
