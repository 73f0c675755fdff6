//! `script.run`: runs one script in a fresh folder with its input file
//! beside it, as the account in use, with a time limit and an output cap;
//! its output streams out line by line while it runs.

pub mod interpreter;
pub mod workspace;

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Bytes;

use crate::backend::Backend;
use crate::capabilities::Cancel;
use workspace::Workspace;

/// Largest script or input file.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// Output kept for the result (and the report); the chat sees it all up to this too.
pub const MAX_OUTPUT_BYTES: usize = 64 * 1024;
/// The longest a script may run when the call does not say.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
const MAX_TIMEOUT: Duration = Duration::from_secs(3600);
/// Output lines are sent together at most this often, so a chatty script
/// does not flood the chat with one message per line.
const FLUSH_EVERY: Duration = Duration::from_millis(250);
const MAX_CHUNK_CHARS: usize = 3500;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileInput {
    file_name: String,
    /// Its place among the files the call carried (file frames).
    file: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunInput {
    /// The script's name in the library, for the output lines.
    name: String,
    script: FileInput,
    #[serde(default)]
    input: Option<FileInput>,
    #[serde(default)]
    timeout_secs: Option<u64>,
}

/// The script's and the input file's bytes among the call's `files`: each
/// named once, every file named, none over the limit.
fn files_of<'a>(
    input: &RunInput,
    files: &'a [Bytes],
) -> Result<(&'a [u8], Option<&'a [u8]>), String> {
    let named = 1 + usize::from(input.input.is_some());
    if files.len() != named {
        return Err(format!(
            "the call carried {} files; the script needs {named}",
            files.len()
        ));
    }
    let take = |file: &FileInput, what: &str| -> Result<&'a [u8], String> {
        let bytes = files.get(file.file).ok_or_else(|| {
            format!(
                "the {what} is file {}, but the call carried {}",
                file.file,
                files.len()
            )
        })?;
        if bytes.len() > MAX_FILE_BYTES {
            return Err(format!(
                "the {what} is {} bytes; the limit is {MAX_FILE_BYTES}",
                bytes.len()
            ));
        }
        Ok(bytes)
    };
    let script = take(&input.script, "script")?;
    let input_file = match &input.input {
        Some(file) if file.file == input.script.file => {
            return Err("the script and its input file are one file".to_owned());
        }
        Some(file) => Some(take(file, "input file")?),
        None => None,
    };
    Ok((script, input_file))
}

/// Runs the script described by `input`; `progress` gets output as it comes.
/// `files`: what the call carried, which `input` names by place.
pub async fn run(
    backend: &dyn Backend,
    state_dir: &Path,
    input: Value,
    files: &[Bytes],
    progress: mpsc::UnboundedSender<String>,
    mut cancel: Cancel,
) -> Result<Value, String> {
    let input: RunInput = serde_json::from_value(input)
        .map_err(|error| format!("the script request is not understood: {error}"))?;
    let (script, input_file) = files_of(&input, files)?;
    let input_file = input
        .input
        .as_ref()
        .zip(input_file)
        .map(|(file, bytes)| (file.file_name.as_str(), bytes));
    let timeout = input
        .timeout_secs
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT)
        .min(MAX_TIMEOUT);
    let chosen = interpreter::choose(&input.script.file_name, script)?;
    let workspace = Workspace::create(
        state_dir,
        &input.script.file_name,
        script,
        input_file,
        backend.run_as_ids(),
    )
    .map_err(|error| format!("cannot prepare the script's folder: {error}"))?;
    tracing::debug!("script folder ready");

    let mut command = backend.command(&chosen.program.to_string_lossy());
    command
        .args(&chosen.args)
        .arg(&workspace.script)
        .current_dir(workspace.dir())
        .env_clear()
        .env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        )
        .env(
            "LANG",
            std::env::var("LANG").unwrap_or_else(|_| "C.UTF-8".into()),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if let Some(path) = &workspace.input {
        command.env("TETHER_INPUT_FILE", path);
    }
    // SAFETY: prctl is async-signal-safe; it only asks the kernel to kill
    // the script if the agent dies (killed mid-run), so no script outlives it.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let started = Instant::now();
    let mut child = tokio::process::Command::from(command)
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| format!("cannot start {}: {error}", chosen.program.display()))?;
    let group = child.id();
    tracing::debug!("script started");

    let (lines_tx, lines_rx) = mpsc::unbounded_channel::<String>();
    if let Some(stdout) = child.stdout.take() {
        spawn_reader(stdout, lines_tx.clone(), "");
    }
    if let Some(stderr) = child.stderr.take() {
        spawn_reader(stderr, lines_tx.clone(), "error: ");
    }
    drop(lines_tx);
    let collector = tokio::spawn(collect(lines_rx, input.name.clone(), progress));

    let (status, timed_out) = tokio::select! {
        waited = tokio::time::timeout(timeout, child.wait()) => match waited {
            Ok(status) => (status.ok(), false),
            Err(_) => {
                kill_group(group);
                (child.wait().await.ok(), true)
            }
        },
        reason = cancel.cancelled() => {
            // The kernel ended the run: the whole group goes, then the
            // folder (when `workspace` drops), before anything is said.
            kill_group(group);
            let _ = child.wait().await;
            collector.abort();
            drop(workspace);
            return Err(format!("stopped: {reason}"));
        }
    };
    tracing::debug!("script exited");
    // Whatever the script left running in its group goes too.
    kill_group(group);
    let (output, truncated) = collector.await.unwrap_or_default();
    let duration = started.elapsed();
    drop(workspace);
    Ok(json!({
        "exit_code": status.and_then(|s| s.code()),
        "timed_out": timed_out,
        "duration_ms": duration.as_millis() as u64,
        "output": output,
        "truncated": truncated,
    }))
}

fn kill_group(group: Option<u32>) {
    if let Some(id) = group {
        // SAFETY: kill(2) with a negative pid signals the process group we
        // created for the script; failures (already gone) are harmless.
        unsafe {
            libc::kill(-(id as i32), libc::SIGKILL);
        }
    }
}

fn spawn_reader<R>(stream: R, lines: mpsc::UnboundedSender<String>, prefix: &'static str)
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut reader = BufReader::new(stream).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            if lines.send(format!("{prefix}{line}")).is_err() {
                break;
            }
        }
    });
}

/// Gathers output lines: forwards them in chunks to `progress` and keeps up
/// to [`MAX_OUTPUT_BYTES`] for the result.
async fn collect(
    mut lines: mpsc::UnboundedReceiver<String>,
    name: String,
    progress: mpsc::UnboundedSender<String>,
) -> (String, bool) {
    let mut kept = String::new();
    let mut truncated = false;
    let mut pending = String::new();
    let mut ticker = tokio::time::interval(FLUSH_EVERY);
    let flush = |pending: &mut String| {
        if !pending.is_empty() {
            let _ = progress.send(format!("{name}:\n{}", std::mem::take(pending)));
        }
    };
    loop {
        tokio::select! {
            line = lines.recv() => match line {
                Some(line) => {
                    if kept.len() + line.len() + 1 > MAX_OUTPUT_BYTES {
                        truncated = true;
                        continue;
                    }
                    kept.push_str(&line);
                    kept.push('\n');
                    let line: String = line.chars().take(MAX_CHUNK_CHARS).collect();
                    if pending.len() + line.len() + 1 > MAX_CHUNK_CHARS {
                        flush(&mut pending);
                    }
                    pending.push_str(&line);
                    pending.push('\n');
                }
                None => break,
            },
            _ = ticker.tick() => flush(&mut pending),
        }
    }
    flush(&mut pending);
    (kept, truncated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::SimulatedBackend;

    /// Run folders still under the agent's state directory.
    fn runs_left(state: &std::path::Path) -> usize {
        std::fs::read_dir(workspace::runs_dir(state))
            .expect("runs")
            .count()
    }

    fn file(text: &str) -> Bytes {
        Bytes::copy_from_slice(text.as_bytes())
    }

    async fn run_script(
        state: &Path,
        script: &str,
        input: Option<&str>,
        timeout_secs: u64,
    ) -> (Result<Value, String>, Vec<String>) {
        let mut request = json!({
            "name": "Check disk",
            "script": { "file_name": "check.sh", "file": 0 },
            "timeout_secs": timeout_secs,
        });
        let mut files = vec![file(script)];
        if let Some(input) = input {
            request["input"] = json!({ "file_name": "hosts.txt", "file": 1 });
            files.push(file(input));
        }
        let (progress, mut lines) = mpsc::unbounded_channel();
        let (_not_cancelled, cancel) = Cancel::new();
        let result = run(
            &SimulatedBackend::default(),
            state,
            request,
            &files,
            progress,
            cancel,
        )
        .await;
        let mut shown = Vec::new();
        while let Ok(line) = lines.try_recv() {
            shown.push(line);
        }
        (result, shown)
    }

    #[tokio::test]
    async fn a_cancelled_run_kills_its_process_group_and_removes_its_folder() {
        let state = tempfile::tempdir().expect("temp dir");
        // The script leaves a child of its own running in its group.
        let script = "sleep 300 &\necho started\nsleep 300\n";
        let request = json!({
            "name": "Sleeper",
            "script": { "file_name": "sleep.sh", "file": 0 },
            "timeout_secs": 600,
        });
        let (progress, mut lines) = mpsc::unbounded_channel();
        let (handle, cancel) = Cancel::new();
        let backend = SimulatedBackend::default();
        let files = [file(script)];
        let running = run(&backend, state.path(), request, &files, progress, cancel);
        tokio::pin!(running);
        // Wait until the script is really running, then cancel it.
        let started = tokio::select! {
            line = lines.recv() => line,
            _ = &mut running => panic!("the script ended by itself"),
        };
        assert!(started.is_some_and(|l| l.contains("started")));
        let workers = workspace::processes_in(&workspace::runs_dir(state.path()));
        assert!(workers.len() >= 2, "the script and its child: {workers:?}");
        handle.cancel("control passed to another CSR");
        let result = running.await;
        assert_eq!(
            result,
            Err("stopped: control passed to another CSR".to_owned())
        );
        assert_eq!(runs_left(state.path()), 0);
        // SIGKILL lands when the process is next scheduled: give it a moment
        // (a guard against hanging, not a time bound).
        for pid in workers {
            let alive = || {
                std::fs::read_to_string(format!("/proc/{pid}/status"))
                    .is_ok_and(|status| !status.contains("State:\tZ"))
            };
            for _ in 0..100 {
                if !alive() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert!(
                !alive(),
                "process {pid} still runs after the run was cancelled"
            );
        }
    }

    #[tokio::test]
    async fn a_script_reads_its_input_and_its_output_streams() {
        let state = tempfile::tempdir().expect("temp dir");
        let script = "echo start\ncat \"$TETHER_INPUT_FILE\"\necho oops >&2\npwd\nexit 3\n";
        let (result, shown) = run_script(state.path(), script, Some("host-a\nhost-b\n"), 30).await;
        let result = result.expect("ran");
        assert_eq!(result["exit_code"], 3);
        assert_eq!(result["timed_out"], false);
        let output = result["output"].as_str().expect("output");
        // Standard output keeps its order; errors come from their own pipe.
        let at = |text: &str| {
            output
                .find(text)
                .unwrap_or_else(|| panic!("{text} missing from {output}"))
        };
        assert!(
            at("start\n") < at("host-a\n") && at("host-a\n") < at("host-b\n"),
            "{output}"
        );
        assert!(output.contains("error: oops\n"), "{output}");
        let all: String = shown.concat();
        assert!(
            all.starts_with("Check disk:\n") && all.contains("host-b"),
            "{all}"
        );
        // It ran in its own folder under runs/, which is gone now.
        assert!(
            output.contains(&workspace::runs_dir(state.path()).display().to_string()),
            "{output}"
        );
        assert_eq!(runs_left(state.path()), 0);
    }

    #[tokio::test]
    async fn a_script_over_its_time_is_stopped_with_its_children() {
        let state = tempfile::tempdir().expect("temp dir");
        let (result, _) =
            run_script(state.path(), "echo before\nsleep 30 &\nsleep 30\n", None, 1).await;
        let result = result.expect("ran");
        assert_eq!(result["timed_out"], true);
        assert_eq!(result["exit_code"], Value::Null);
        assert!(result["duration_ms"].as_u64().expect("duration") < 20_000);
        assert_eq!(runs_left(state.path()), 0);
    }

    /// Runs `request` with `files`; the refusal, when it is one.
    async fn refused(state: &Path, request: Value, files: &[Bytes]) -> String {
        let (progress, _) = mpsc::unbounded_channel();
        let (_not_cancelled, cancel) = Cancel::new();
        run(
            &SimulatedBackend::default(),
            state,
            request,
            files,
            progress,
            cancel,
        )
        .await
        .expect_err("refused")
    }

    #[tokio::test]
    async fn bad_requests_are_refused_before_anything_is_written_or_runs() {
        let state = tempfile::tempdir().expect("temp dir");
        let script =
            |file: usize| json!({ "name": "n", "script": { "file_name": "a.sh", "file": file } });
        let with_input = |script: usize, input: usize| {
            json!({ "name": "n", "script": { "file_name": "a.sh", "file": script },
                    "input": { "file_name": "in.txt", "file": input } })
        };
        let too_big = Bytes::from(vec![b'x'; MAX_FILE_BYTES + 1]);
        let cases: Vec<(Value, Vec<Bytes>, &str)> = vec![
            (
                script(0),
                vec![too_big],
                "the script is 1048577 bytes; the limit is 1048576",
            ),
            (
                script(0),
                Vec::new(),
                "the call carried 0 files; the script needs 1",
            ),
            (
                script(0),
                vec![file("echo"), file("extra")],
                "the call carried 2 files; the script needs 1",
            ),
            (
                script(1),
                vec![file("echo")],
                "the script is file 1, but the call carried 1",
            ),
            (
                with_input(0, 0),
                vec![file("echo"), file("in")],
                "the script and its input file are one file",
            ),
            (
                with_input(0, 2),
                vec![file("echo"), file("in")],
                "the input file is file 2, but the call carried 2",
            ),
            (
                json!({ "name": "n", "script": { "file_name": "a.sh", "content": "ZWNobw==" } }),
                vec![file("echo")],
                "the script request is not understood",
            ),
            (
                json!({ "name": "n", "script": { "file_name": "a.ps1", "file": 0 } }),
                vec![file("Write-Host 1")],
                "PowerShell",
            ),
        ];
        for (request, files, words) in cases {
            let error = refused(state.path(), request, &files).await;
            assert!(error.contains(words), "{words}: {error}");
        }
        // No folder was ever made.
        assert!(!workspace::runs_dir(state.path()).exists());
    }

    #[tokio::test]
    async fn output_over_the_cap_is_cut_and_marked() {
        let state = tempfile::tempdir().expect("temp dir");
        let script = "i=0\nwhile [ $i -lt 5000 ]; do echo line-$i-padding-padding-padding; i=$((i+1)); done\n";
        let (result, _) = run_script(state.path(), script, None, 30).await;
        let result = result.expect("ran");
        assert_eq!(result["truncated"], true);
        assert!(result["output"].as_str().expect("output").len() <= MAX_OUTPUT_BYTES);
        assert_eq!(result["exit_code"], 0);
    }
}
