//! A systemd unit that brings the agent back after the computer restarts,
//! so the customer rejoins the session without typing the number.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::backend::BackendKind;

pub fn unit_text(executable: &Path, state_dir: &Path, backend: BackendKind) -> String {
    format!(
        "[Unit]\n\
         Description=Tether host agent: rejoin the support session after a restart\n\
         After=network-online.target\n\
         Wants=network-online.target\n\
         ConditionPathExists={state}/resume.json\n\
         \n\
         [Service]\n\
         Type=simple\n\
         ExecStart={exe} --state-dir {state} --backend {backend} resume\n\
         Restart=on-failure\n\
         RestartSec=5\n\
         \n\
         [Install]\n\
         WantedBy=multi-user.target\n",
        exe = executable.display(),
        state = state_dir.display(),
        backend = backend.as_str(),
    )
}

pub fn write_unit(
    unit_dir: &Path,
    state_dir: &Path,
    backend: BackendKind,
) -> anyhow::Result<PathBuf> {
    let executable = std::env::current_exe().context("cannot find this program's path")?;
    let path = unit_dir.join("tether-agent.service");
    std::fs::create_dir_all(unit_dir)
        .with_context(|| format!("cannot create {}", unit_dir.display()))?;
    std::fs::write(&path, unit_text(&executable, state_dir, backend)).with_context(|| {
        format!(
            "cannot write {} (run as root for /etc/systemd/system)",
            path.display()
        )
    })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unit_resumes_with_the_state_dir() {
        let text = unit_text(
            Path::new("/usr/bin/tether-agent"),
            Path::new("/var/lib/tether-agent"),
            BackendKind::Linux,
        );
        assert!(text.contains("ExecStart=/usr/bin/tether-agent --state-dir /var/lib/tether-agent --backend linux resume"));
        assert!(text.contains("ConditionPathExists=/var/lib/tether-agent/resume.json"));
        assert!(text.contains("WantedBy=multi-user.target"));
    }
}
