//! The real `tether-agent` binary as a child process: its terminal output
//! is collected line by line and its standard input answers consent
//! prompts, as a customer at the keyboard would.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::agent_binary;
use crate::clients::PATIENCE;

pub struct AgentProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Arc<Mutex<Vec<String>>>,
    pub state_dir: PathBuf,
}

impl AgentProcess {
    /// `tether-agent --backend <backend> <args…>` with its own state directory.
    pub fn spawn(state_dir: &Path, backend: &str, args: &[&str]) -> AgentProcess {
        let mut child = Command::new(agent_binary())
            .arg("--state-dir")
            .arg(state_dir)
            .args(["--backend", backend])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the agent starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let collected = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                collected.lock().expect("lines lock").push(line);
            }
        });
        AgentProcess {
            stdin: child.stdin.take(),
            child,
            lines,
            state_dir: state_dir.to_owned(),
        }
    }

    /// Joins by link with the simulated backend.
    pub fn join(state_dir: &Path, link: &str, name: &str) -> AgentProcess {
        AgentProcess::spawn(state_dir, "simulated", &["join", link, "--name", name])
    }

    /// What the agent printed so far.
    pub fn output(&self) -> Vec<String> {
        self.lines.lock().expect("lines lock").clone()
    }

    /// Waits until a printed line contains `text`; returns that line.
    pub async fn wait_for_line(&self, text: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(line) = self.output().into_iter().find(|l| l.contains(text)) {
                return line;
            }
            assert!(
                Instant::now() < deadline,
                "the agent never printed {text:?}; it printed {:?}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Types a line into the agent's terminal.
    pub fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").expect("write to the agent");
        stdin.flush().expect("flush");
    }

    /// Waits for the process to exit and returns its exit code.
    pub async fn exit_code(&mut self) -> Option<i32> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "the agent did not exit; it printed {:?}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
