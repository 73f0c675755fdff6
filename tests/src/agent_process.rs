//! The real `tether-agent` binary as a child process: its terminal output
//! is collected line by line and its standard input answers consent
//! prompts, as a customer at the keyboard would. Whatever it arranges for
//! after a restart goes into its own test folder, never the real system's;
//! a "login" starts what it arranged, as the customer's desktop would.

pub mod session_bus;

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
        let mut command = Command::new(agent_binary());
        command
            .arg("--state-dir")
            .arg(state_dir)
            .args(["--backend", backend])
            .args(args);
        AgentProcess::launch(command, state_dir, env)
    }

    /// Where an agent with `state_dir` leaves its entry for the customer's
    /// next log-in (what `TETHER_AGENT_AUTOSTART_DIR` tells it).
    pub fn autostart_dir(state_dir: &Path) -> PathBuf {
        state_dir.join("login/autostart")
    }

    /// The entry the agent left for the next log-in, if there is one.
    pub fn autostart_entry(state_dir: &Path) -> Option<AutostartEntry> {
        let dir = AgentProcess::autostart_dir(state_dir);
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .ok()?
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "desktop"))
            .collect();
        assert!(entries.len() <= 1, "one entry at most: {entries:?}");
        let path = entries.pop()?;
        let text = std::fs::read_to_string(&path).expect("the entry reads");
        Some(AutostartEntry { path, text })
    }

    /// The customer logs in again: their desktop starts the entry the agent
    /// left, running exactly its `Exec` command line with the log-in's
    /// environment (`env`: the session bus, for instance).
    pub fn start_as_login_would(state_dir: &Path, env: &[(&str, &str)]) -> AgentProcess {
        let entry = AgentProcess::autostart_entry(state_dir).unwrap_or_else(|| {
            panic!(
                "no entry for the next log-in in {}",
                AgentProcess::autostart_dir(state_dir).display()
            )
        });
        let words = entry.exec();
        let mut command = Command::new(&words[0]);
        command.args(&words[1..]);
        AgentProcess::launch(command, state_dir, env)
    }

    /// Runs `command` with the agent's test environment, then `env`.
    fn launch(mut command: Command, state_dir: &Path, env: &[(&str, &str)]) -> AgentProcess {
        let login = state_dir.join("login");
        // A kernel serving HTTPS has the tests' own certificate: the agent
        // trusts it as it would a certificate in the system's store.
        if let Some(certificate) = crate::tls::made() {
            command.env("SSL_CERT_FILE", &certificate.cert_path);
        }
        let mut child = command
            .env("RUST_LOG", "warn")
            // The agent speaks the desktop's language (its sharing
            // indicator, the desktop entries' names): the tests read it in
            // English whatever the machine's locale, unless one sets LANG.
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("LANGUAGE")
            .env("LANG", "C.UTF-8")
            // The way back after a restart is the log-in entry, in the
            // test's folder, whoever runs the tests.
            .env("TETHER_AGENT_REJOIN_VIA", "autostart")
            .env(
                "TETHER_AGENT_AUTOSTART_DIR",
                AgentProcess::autostart_dir(state_dir),
            )
            .env("TETHER_AGENT_SYSTEMD_UNIT_DIR", login.join("systemd"))
            // No session bus unless a test starts one: no notification
            // reaches the desktop of whoever runs the tests.
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                format!("unix:path={}", login.join("no-session-bus").display()),
            )
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

    /// Whether the process is still running.
    /// The agent's process id (the computer's process list shows it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("wait").is_none()
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

/// An XDG autostart entry the agent wrote.
pub struct AutostartEntry {
    pub path: PathBuf,
    pub text: String,
}

impl AutostartEntry {
    /// The value of `key` in the `[Desktop Entry]` group.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.text
            .lines()
            .skip_while(|line| line.trim() != "[Desktop Entry]")
            .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
    }

    /// The `Exec` command line as the desktop reads it (the Desktop Entry
    /// Specification's string escapes, then its quoting, then `%%`).
    pub fn exec(&self) -> Vec<String> {
        let value = self.value("Exec").expect("an Exec key");
        parse_exec(value).unwrap_or_else(|why| panic!("Exec={value}: {why}"))
    }
}

/// Splits a desktop entry's `Exec` value into its arguments.
pub fn parse_exec(value: &str) -> Result<Vec<String>, String> {
    // The string type's escapes first.
    let mut unescaped = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            unescaped.push(c);
            continue;
        }
        match chars.next() {
            Some('s') => unescaped.push(' '),
            Some('n') => unescaped.push('\n'),
            Some('t') => unescaped.push('\t'),
            Some('r') => unescaped.push('\r'),
            Some('\\') => unescaped.push('\\'),
            other => return Err(format!("bad string escape \\{other:?}")),
        }
    }
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = unescaped.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' => words.extend(word.take()),
            '"' => {
                let quoted = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '`' | '$' | '\\')) => quoted.push(e),
                            other => return Err(format!("bad quoted escape {other:?}")),
                        },
                        Some(c) => quoted.push(c),
                        None => return Err("an unclosed quote".into()),
                    }
                }
            }
            '%' => match chars.next() {
                Some('%') => word.get_or_insert_with(String::new).push('%'),
                other => {
                    return Err(format!(
                        "a field code %{other:?}, which the agent never writes"
                    ));
                }
            },
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    if words.is_empty() {
        return Err("no program".into());
    }
    Ok(words)
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
