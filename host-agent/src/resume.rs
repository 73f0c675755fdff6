//! The resume token on disk, readable by its owner only, so the agent can
//! rejoin the same session after the computer restarts. What is read back
//! is checked before it goes into a URL: a damaged or foreign file is
//! refused with what to do instead.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::connection::Start;

/// Why there is no session to rejoin, or the token cannot be kept.
#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    #[error(
        "no session to rejoin: {} cannot be read ({source}); open the session link to join again",
        path.display()
    )]
    Missing {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the saved session in {} is damaged ({reason}); open the session link to join again",
        path.display()
    )]
    Damaged { path: PathBuf, reason: String },
    #[error("cannot keep the session to rejoin in {}: {source}", path.display())]
    Save {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What is kept between runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSession {
    pub server: String,
    pub session: String,
    pub resume_token: String,
}

impl SavedSession {
    /// What a saved session must be to be used: a web address, a session
    /// number and a token that cannot change the URL it goes into.
    fn check(&self) -> Result<(), String> {
        if !(self.server.starts_with("https://") || self.server.starts_with("http://")) {
            return Err(format!("`{}` is not a web address", self.server));
        }
        if self.session.is_empty() || !self.session.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("`{}` is not a session number", self.session));
        }
        let token_ok = !self.resume_token.is_empty()
            && self.resume_token.len() <= 256
            && self
                .resume_token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'));
        if !token_ok {
            return Err("the resume token is not one the server issues".into());
        }
        Ok(())
    }

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
    pub fn save(&self, saved: &SavedSession) -> Result<(), ResumeError> {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let failed = |path: &Path| {
            let path = path.to_owned();
            move |source| ResumeError::Save { path, source }
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(failed(dir))?;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(failed(dir))?;
        }
        let temporary = self.path.with_extension("json.new");
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temporary)
            .map_err(failed(&temporary))?;
        let text = serde_json::to_string(saved).map_err(|error| ResumeError::Save {
            path: self.path.clone(),
            source: error.into(),
        })?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(failed(&temporary))?;
        std::fs::rename(&temporary, &self.path).map_err(failed(&self.path))?;
        Ok(())
    }

    pub fn load(&self) -> Result<SavedSession, ResumeError> {
        let text = std::fs::read_to_string(&self.path).map_err(|source| ResumeError::Missing {
            path: self.path.clone(),
            source,
        })?;
        let damaged = |reason: String| ResumeError::Damaged {
            path: self.path.clone(),
            reason,
        };
        let saved: SavedSession =
            serde_json::from_str(&text).map_err(|error| damaged(error.to_string()))?;
        saved.check().map_err(damaged)?;
        Ok(saved)
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
        assert!(matches!(store.load(), Err(ResumeError::Missing { .. })));
    }

    #[test]
    fn a_damaged_or_foreign_file_is_refused_saying_what_to_do() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = ResumeStore::new(dir.path());
        let good = r#"{"server":"http://h","session":"123456789","resume_token":"abc123"}"#;
        let cases = [
            ("{not json", "key must be a string"),
            (r#"{"server":"http://h"}"#, "missing field `session`"),
            (
                &good.replace("http://h", "file:///etc"),
                "is not a web address",
            ),
            (
                &good.replace("123456789", "12 34"),
                "is not a session number",
            ),
            (
                &good.replace("abc123", "x&token=y"),
                "not one the server issues",
            ),
            (&good.replace("abc123", ""), "not one the server issues"),
        ];
        for (text, words) in cases {
            std::fs::write(dir.path().join("resume.json"), text).expect("written");
            let error = store.load().expect_err(text);
            assert!(
                matches!(error, ResumeError::Damaged { .. }),
                "{text}: {error}"
            );
            let said = error.to_string();
            assert!(said.contains(words), "{text}: {said}");
            assert!(said.contains("open the session link"), "{said}");
        }
        std::fs::write(dir.path().join("resume.json"), good).expect("written");
        assert_eq!(store.load().expect("good").resume_token, "abc123");
    }
}
