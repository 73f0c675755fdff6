//! The real agent against a kernel the test plays: a call's files come as
//! file frames after it, and one that does not fit what the call announced
//! — of another size, out of order, malformed, too many, too large — fails
//! its call with a clear error, and nothing of it is written or run.

use std::path::{Path, PathBuf};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tether_protocol::file_frame::{AttachedFile, FileFrame, MAX_CALL_FILE_BYTES};
use tether_protocol::{AgentRequest, Capability, RawJson, ServerEvent, ServerMessage, decode};
use tether_tests::agent_process::AgentProcess;
use tether_tests::clients::PATIENCE;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// The kernel's side of one agent connection.
struct PlayedKernel {
    socket: WebSocketStream<TcpStream>,
    /// Kept running for the test.
    _agent: AgentProcess,
    state: tempfile::TempDir,
    /// A script that leaves this file behind when it runs.
    marker: PathBuf,
    _scratch: tempfile::TempDir,
}

impl PlayedKernel {
    /// Starts a real agent that joins "session 123456789" here, welcomes
    /// it and takes its hello.
    async fn start() -> PlayedKernel {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("listen");
        let port = listener.local_addr().expect("address").port();
        let state = tempfile::tempdir().expect("state");
        let scratch = tempfile::tempdir().expect("scratch");
        let link = format!("http://127.0.0.1:{port}/join/123456789");
        let agent = AgentProcess::spawn_with_env(
            state.path(),
            "simulated",
            &["join", &link],
            &[("TETHER_AGENT_CODE", "12345678")],
        );
        let (stream, _) = tokio::time::timeout(PATIENCE, listener.accept())
            .await
            .expect("the agent connects")
            .expect("accept");
        let socket = tokio_tungstenite::accept_async(stream)
            .await
            .expect("a WebSocket");
        let mut kernel = PlayedKernel {
            socket,
            _agent: agent,
            state,
            marker: scratch.path().join("ran"),
            _scratch: scratch,
        };
        kernel
            .event(&ServerEvent::Welcome {
                session: "123456789".into(),
                participant: "p-carl".into(),
                participants: Vec::new(),
                resume_token: None,
                panels: Vec::new(),
            })
            .await;
        let hello = kernel.request().await;
        assert!(matches!(hello, AgentRequest::Hello { .. }), "{hello:?}");
        kernel
    }

    async fn event(&mut self, event: &ServerEvent) {
        let text = ServerMessage::event(event).to_text();
        self.socket
            .send(Message::Text(text.into()))
            .await
            .expect("send");
    }

    async fn binary(&mut self, bytes: Vec<u8>) {
        self.socket
            .send(Message::Binary(bytes.into()))
            .await
            .expect("send");
    }

    /// Sends call `call` announcing `sizes`.
    async fn call(&mut self, call: &str, capability: Capability, input: Value, sizes: &[usize]) {
        let files = sizes
            .iter()
            .map(|&bytes| AttachedFile {
                bytes: bytes as u32,
            })
            .collect();
        self.event(&ServerEvent::AgentCall {
            call: call.into(),
            capability,
            input: RawJson::from_value(&input).expect("JSON"),
            files,
        })
        .await;
    }

    async fn file(&mut self, call: &str, index: usize, file: &[u8]) {
        let frame = FileFrame { call, index, file }.encode().expect("a frame");
        self.binary(frame).await;
    }

    /// The agent's next request, answered `ok` as the kernel does.
    async fn request(&mut self) -> AgentRequest {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .expect("the agent says something")
                .expect("open")
                .expect("a message");
            let Message::Text(text) = message else {
                continue;
            };
            let request = decode::<AgentRequest>(text.as_str()).expect("a request");
            let ok = ServerMessage::ok(request.id, json!({}));
            self.socket
                .send(Message::Text(ok.to_text().into()))
                .await
                .expect("send");
            return request.message;
        }
    }

    /// The answer to `call` (its output or its error), passing over
    /// progress lines.
    async fn result(&mut self, call: &str) -> Result<Value, String> {
        loop {
            if let AgentRequest::Result {
                call: answered,
                output,
                error,
                ..
            } = self.request().await
            {
                assert_eq!(answered, call, "answers come in order here");
                return match (output, error) {
                    (Some(output), None) => Ok(output.to_value().expect("JSON")),
                    (None, Some(error)) => Err(error),
                    other => panic!("an answer is output or error: {other:?}"),
                };
            }
        }
    }

    /// A script that marks that it ran, then prints its input file.
    fn script(&self) -> Vec<u8> {
        format!(
            "touch '{}'\ncat \"$TETHER_INPUT_FILE\"\n",
            self.marker.display()
        )
        .into_bytes()
    }

    fn nothing_written_or_run(&self) {
        assert!(!self.marker.exists(), "the script ran");
        assert_eq!(run_folders(self.state.path()), 0, "a folder was left");
    }
}

fn run_folders(state: &Path) -> usize {
    std::fs::read_dir(state.join("runs"))
        .map(|d| d.count())
        .unwrap_or(0)
}

fn script_input(with_input: bool) -> Value {
    let mut input = json!({ "name": "Marker", "script": { "file_name": "mark.sh", "file": 0 } });
    if with_input {
        input["input"] = json!({ "file_name": "data.txt", "file": 1 });
    }
    input
}

#[tokio::test]
async fn the_agent_runs_a_call_once_its_files_are_in_and_refuses_files_that_do_not_fit() {
    let mut kernel = PlayedKernel::start().await;
    let script = kernel.script();

    // Files that do not fit what the call announced.
    kernel
        .call(
            "c-size",
            Capability::ScriptRun,
            script_input(false),
            &[script.len() - 1],
        )
        .await;
    kernel.file("c-size", 0, &script).await;
    let error = kernel.result("c-size").await.expect_err("refused");
    assert_eq!(
        error,
        format!(
            "file 0 of the call is {} bytes; the call announced {}",
            script.len(),
            script.len() - 1
        )
    );
    kernel.nothing_written_or_run();

    kernel
        .call(
            "c-order",
            Capability::ScriptRun,
            script_input(true),
            &[script.len(), 4],
        )
        .await;
    kernel.file("c-order", 1, b"data").await;
    let error = kernel.result("c-order").await.expect_err("refused");
    assert_eq!(
        error,
        "file 1 of the call came where file 0 was due (it announced 2)"
    );
    kernel.nothing_written_or_run();

    kernel
        .call(
            "c-broken",
            Capability::ScriptRun,
            script_input(false),
            &[script.len()],
        )
        .await;
    let mut broken = FileFrame {
        call: "c-broken",
        index: 0,
        file: &script,
    }
    .encode()
    .expect("a frame");
    broken[1] = 9;
    kernel.binary(broken).await;
    let error = kernel.result("c-broken").await.expect_err("refused");
    assert!(
        error
            .starts_with("a file frame from the support server is malformed: file frame version 9"),
        "{error}"
    );
    kernel.nothing_written_or_run();

    // Announcements beyond the limits are refused at once.
    kernel
        .call(
            "c-many",
            Capability::ScriptRun,
            script_input(false),
            &[1; 5],
        )
        .await;
    let error = kernel.result("c-many").await.expect_err("refused");
    assert!(error.contains("a call carries at most 4 files"), "{error}");
    kernel
        .call(
            "c-large",
            Capability::ScriptRun,
            script_input(false),
            &[MAX_CALL_FILE_BYTES + 1],
        )
        .await;
    let error = kernel.result("c-large").await.expect_err("refused");
    assert!(error.contains("file 0 is 1048577 bytes"), "{error}");
    kernel.nothing_written_or_run();

    // Only scripts take files.
    kernel
        .call("c-sysinfo", Capability::SysinfoCollect, json!({}), &[1])
        .await;
    kernel.file("c-sysinfo", 0, b"x").await;
    let error = kernel.result("c-sysinfo").await.expect_err("refused");
    assert_eq!(error, "`sysinfo.collect` takes no files");

    // A call cancelled while its files are on their way never runs, and
    // its file is then ignored; the next call runs once its files are in.
    kernel
        .call(
            "c-cancelled",
            Capability::ScriptRun,
            script_input(false),
            &[script.len()],
        )
        .await;
    kernel
        .event(&ServerEvent::AgentCancel {
            call: "c-cancelled".into(),
            reason: "the session ended".into(),
        })
        .await;
    kernel.file("c-cancelled", 0, &script).await;
    kernel
        .call(
            "c-good",
            Capability::ScriptRun,
            script_input(true),
            &[script.len(), 6],
        )
        .await;
    kernel.file("c-good", 0, &script).await;
    kernel.file("c-good", 1, b"hello\n").await;
    // `result` asserts that the first answer is this call's.
    let output = kernel.result("c-good").await.expect("ran");
    assert_eq!(output["exit_code"], 0, "{output}");
    assert_eq!(output["output"], "hello\n", "{output}");
    assert!(kernel.marker.exists());
    assert_eq!(run_folders(kernel.state.path()), 0, "its folder is gone");
}
