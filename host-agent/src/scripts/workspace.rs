//! The temporary folder a script runs in: created fresh under the agent's
//! state directory, with file names the agent chooses (never the user's),
//! and removed afterwards whatever happened. Folders left by an agent that
//! was killed mid-run are swept when it starts again.

use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::interpreter::extension;

/// The folder runs are made in.
pub fn runs_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("runs")
}

/// Processes still working in a run folder (their current directory is
/// inside it): left behind by a script whose agent was killed.
pub fn processes_in(runs: &Path) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            entry
                .file_name()
                .to_str()
                .and_then(|name| name.parse::<i32>().ok())
        })
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd.starts_with(runs))
        })
        .collect()
}

/// Stops what scripts of a previous agent left running, then removes every
/// run folder; returns how many folders there were.
pub fn sweep(state_dir: &Path) -> usize {
    let runs = runs_dir(state_dir);
    for pid in processes_in(&runs) {
        // SAFETY: kill(2) on a process found working inside our own run folders.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
    let Ok(entries) = std::fs::read_dir(&runs) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|entry| std::fs::remove_dir_all(entry.path()).is_ok())
        .count()
}

/// A run folder; removed when dropped.
pub struct Workspace {
    dir: PathBuf,
    pub script: PathBuf,
    pub input: Option<PathBuf>,
}

fn write_file(path: &Path, content: &[u8], mode: u32) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    file.write_all(content)
}

impl Workspace {
    /// Creates `runs/<random>/` with `script[.ext]` and, when given,
    /// `input[.ext]` (the extensions only if they are plain). `owner`: the
    /// account the script runs as, which must be able to use the folder.
    pub fn create(
        state_dir: &Path,
        script_name: &str,
        script: &[u8],
        input: Option<(&str, &[u8])>,
        owner: Option<(u32, u32)>,
    ) -> std::io::Result<Workspace> {
        let runs = runs_dir(state_dir);
        std::fs::create_dir_all(&runs)?;
        let mut random = [0u8; 8];
        getrandom(&mut random)?;
        let dir = runs.join(
            random
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
        );
        std::fs::create_dir(&dir)?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        // From here on, dropping the workspace removes the folder.
        let mut workspace = Workspace {
            script: dir.join("script"),
            input: None,
            dir,
        };
        let named = |base: &str, user_name: &str| match extension(user_name) {
            Some(ext) => workspace.dir.join(format!("{base}.{ext}")),
            None => workspace.dir.join(base),
        };
        let script_path = named("script", script_name);
        let input_path = input.map(|(name, _)| named("input", name));
        write_file(&script_path, script, 0o700)?;
        if let (Some(path), Some((_, content))) = (&input_path, input) {
            write_file(path, content, 0o600)?;
        }
        if let Some((uid, gid)) = owner {
            for path in [
                Some(&workspace.dir),
                Some(&script_path),
                input_path.as_ref(),
            ]
            .into_iter()
            .flatten()
            {
                std::os::unix::fs::chown(path, Some(uid), Some(gid))?;
            }
        }
        workspace.script = script_path;
        workspace.input = input_path;
        Ok(workspace)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.dir) {
            tracing::warn!(dir = %self.dir.display(), %error, "could not remove a script's folder; it is swept at the next start");
        }
    }
}

fn getrandom(buffer: &mut [u8]) -> std::io::Result<()> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")?.read_exact(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_never_become_paths_and_the_folder_goes_away() {
        let state = tempfile::tempdir().expect("temp dir");
        let workspace = Workspace::create(
            state.path(),
            "../../evil.sh",
            b"echo hi",
            Some(("../../../etc/cron.d/x.csv", b"a,b")),
            None,
        )
        .expect("created");
        let dir = workspace.dir().to_owned();
        assert_eq!(workspace.script, dir.join("script.sh"));
        assert_eq!(
            workspace.input.as_deref(),
            Some(dir.join("input.csv").as_path())
        );
        assert!(dir.starts_with(runs_dir(state.path())));
        drop(workspace);
        assert!(!dir.exists());

        std::fs::create_dir_all(runs_dir(state.path()).join("left-over")).expect("leftover");
        assert_eq!(sweep(state.path()), 1);
        assert_eq!(
            std::fs::read_dir(runs_dir(state.path()))
                .expect("runs")
                .count(),
            0
        );
    }
}
