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
        AgentProcess::spawn_with_env(state_dir, backend, args, &[])
    }

    /// Like [`AgentProcess::spawn`], with extra environment variables (what
    /// the customer's computer reports, for instance).
    pub fn spawn_with_env(
        state_dir: &Path,
        backend: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> AgentProcess {
        let mut child = Command::new(agent_binary())
            .arg("--state-dir")
            .arg(state_dir)
            .args(["--backend", backend])
            .args(args)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the agent starts");
        let lines = Arc::new(Mutex::new(Vec::new()));
        // Both streams are kept (tests search them for leaked secrets);
        // error lines are marked.
        let stdout = child.stdout.take().expect("piped stdout");
        let collected = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                collected.lock().expect("lines lock").push(line);
            }
        });
        let stderr = child.stderr.take().expect("piped stderr");
        let collected = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("agent: {line}");
                collected
                    .lock()
                    .expect("lines lock")
                    .push(format!("stderr: {line}"));
            }
        });
        AgentProcess {
            stdin: child.stdin.take(),
            child,
            lines,
            state_dir: state_dir.to_owned(),
        }
    }

    /// Acts for the customer who joined on the page, with the code the page
    /// showed (given as the environment, never on the command line).
    pub fn for_page(state_dir: &Path, link: &str, code: &str) -> AgentProcess {
        AgentProcess::spawn_with_env(
            state_dir,
            "simulated",
            &["join", link],
            &[("TETHER_AGENT_CODE", code)],
        )
    }

    /// Joins by link with the simulated backend.
    pub fn join(state_dir: &Path, link: &str, name: &str) -> AgentProcess {
        AgentProcess::spawn(state_dir, "simulated", &["join", link, "--name", name])
    }

    /// The command line every user of the computer can read (`ps`).
    pub fn command_line(&self) -> String {
        std::fs::read(format!("/proc/{}/cmdline", self.child.id()))
            .map(|bytes| String::from_utf8_lossy(&bytes).replace('\0', " "))
            .unwrap_or_default()
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

    /// Consent prompts the agent has shown so far.
    pub fn prompts_seen(&self) -> usize {
        self.output()
            .iter()
            .filter(|l| l.starts_with("Allow?"))
            .count()
    }

    /// Waits for prompt number `seen + 1`, types `answer`, and returns the
    /// prompt's text.
    pub async fn answer_prompt(&mut self, seen: usize, answer: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        while self.prompts_seen() <= seen {
            assert!(
                Instant::now() < deadline,
                "no consent prompt in the terminal: {:?}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let output = self.output();
        let at = output
            .iter()
            .enumerate()
            .filter(|(_, l)| l.starts_with("Allow?"))
            .nth(seen)
            .map(|(i, _)| i)
            .unwrap_or(0);
        self.type_line(answer);
        output[..at]
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty() && !l.starts_with("  "))
            .cloned()
            .unwrap_or_default()
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
