//! `tether-load` as a child process: its checkpoints read one by one,
//! each let go on once the kernel was sampled. Its progress goes to this
//! process's standard error. It stops by itself at its deadline; this side
//! gives it a little longer and then kills it, so nothing here waits
//! forever whatever the generator or the kernel does.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::checkpoint::Checkpoint;

/// Beyond the generator's own deadline, before it is killed.
const GRACE: Duration = Duration::from_secs(15);

pub struct Generator {
    child: Child,
    stdin: Option<ChildStdin>,
    checkpoints: mpsc::Receiver<Checkpoint>,
    deadline: Instant,
}

impl Generator {
    /// Starts `binary` with `args` (a mode and its options), pausing at
    /// checkpoints and stopping by itself after `within`.
    pub fn start(binary: &Path, args: &[String], within: Duration) -> Generator {
        let mut child = Command::new(binary)
            .args(args)
            .arg("--pause-at-checkpoints")
            .arg("--deadline-secs")
            .arg(within.as_secs().max(10).to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| panic!("{} does not start: {error}", binary.display()));
        let stdout = child.stdout.take().expect("piped stdout");
        let (send, checkpoints) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                match Checkpoint::from_line(&line) {
                    Some(checkpoint) => {
                        if send.send(checkpoint).is_err() {
                            break;
                        }
                    }
                    None => eprintln!("tether-load: {line}"),
                }
            }
        });
        Generator {
            stdin: child.stdin.take(),
            child,
            checkpoints,
            deadline: Instant::now() + within + GRACE,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The next checkpoint, which must be the one `pick` takes; `Err` says
    /// what came instead (or that the generator ended or ran out of time).
    pub fn expect<T>(
        &mut self,
        what: &str,
        pick: impl FnOnce(Checkpoint) -> Option<T>,
    ) -> Result<T, String> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        match self.checkpoints.recv_timeout(left) {
            Ok(checkpoint) => {
                let said = format!("{checkpoint:?}");
                pick(checkpoint)
                    .ok_or_else(|| format!("expected `{what}`, the generator said {said}"))
            }
            Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
                "no `{what}` from the generator before its deadline"
            )),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = self.child.wait().map(|s| s.to_string()).unwrap_or_default();
                Err(format!("the generator ended ({status}) before `{what}`"))
            }
        }
    }

    /// Lets the generator go on from the checkpoint it waits at.
    pub fn go_on(&mut self) {
        if let Some(stdin) = &mut self.stdin
            && writeln!(stdin).and_then(|()| stdin.flush()).is_err()
        {
            self.stdin = None;
        }
    }

    /// Waits for the generator to exit (until its deadline); `Err` unless
    /// it exited successfully.
    pub fn finish(mut self) -> Result<(), String> {
        self.stdin = None;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => return Err(format!("the generator failed: {status}")),
                Ok(None) if Instant::now() < self.deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Ok(None) => return Err("the generator did not exit before its deadline".into()),
                Err(error) => return Err(format!("cannot wait for the generator: {error}")),
            }
        }
    }
}

impl Drop for Generator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
