//! The agent's connection to the kernel: join (or rejoin with the resume
//! token), say what this computer offers, serve calls, ask consent in the
//! terminal when the customer's page is not open, and come back after a
//! lost connection or a restart.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use crate::backend::Backend;
use crate::capabilities::{self, CallContext, CallOutcome};
use crate::prompts::{self, Prompt};
use crate::resume::{ResumeStore, SavedSession};

/// How long the agent keeps trying to reach the kernel after losing it.
const RECONNECT_FOR: Duration = Duration::from_secs(10 * 60);

/// How the agent proves who it is.
pub enum Start {
    JoinToken { server: String, token: String },
    Resume { server: String, token: String },
}

impl Start {
    fn url(&self) -> String {
        let (server, query) = match self {
            Start::JoinToken { server, token } => (server, format!("token={token}")),
            Start::Resume { server, token } => (server, format!("resume={token}")),
        };
        let ws = server
            .replacen("https://", "wss://", 1)
            .replacen("http://", "ws://", 1);
        format!("{ws}/ws/agent?{query}")
    }

    fn server(&self) -> &str {
        match self {
            Start::JoinToken { server, .. } | Start::Resume { server, .. } => server,
        }
    }
}

/// How a run of the agent ended.
pub enum Outcome {
    /// The session ended (or the command had nothing to run).
    Finished,
    /// The kernel could not be reached for too long.
    Lost,
}

impl Outcome {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Outcome::Finished => ExitCode::SUCCESS,
            Outcome::Lost => ExitCode::FAILURE,
        }
    }
}

enum Ended {
    SessionOver,
    ConnectionLost,
}

enum Done {
    Progress {
        call: String,
        text: String,
    },
    Reply {
        call: String,
        result: Result<Value, String>,
    },
    Restart {
        call: String,
    },
}

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// Logs the customer back on if a CSR had logged on as another account.
fn restore_customer(backend: &dyn Backend) {
    match backend.logoff() {
        Ok(true) => println!("Logged the other account off; your account is back."),
        Ok(false) => {}
        Err(reason) => eprintln!("Could not restore your account: {reason}"),
    }
}

/// Runs until the session ends. `restore_after`: how long the kernel may be
/// unreachable before a CSR's logon is undone.
pub async fn run(
    start: Start,
    store: ResumeStore,
    backend: Box<dyn Backend>,
    restore_after: Duration,
) -> anyhow::Result<Outcome> {
    let backend: Arc<dyn Backend> = Arc::from(backend);
    let swept = crate::scripts::workspace::sweep(store.state_dir());
    if swept > 0 {
        println!("Removed {swept} script folder(s) left by an earlier run.");
    }
    let mut stdin = prompts::stdin_lines();
    let mut credential = start;
    let mut first = true;
    let mut lost_since: Option<Instant> = None;
    loop {
        match connect(&credential).await {
            Ok(socket) => {
                lost_since = None;
                match serve(socket, &credential, &store, &backend, &mut stdin).await? {
                    Ended::SessionOver => {
                        store.clear();
                        return Ok(Outcome::Finished);
                    }
                    Ended::ConnectionLost => {
                        println!("Lost the connection to the support server; reconnecting…")
                    }
                }
            }
            Err(Refusal::NotValid(reason)) => {
                // A resume token the kernel refuses belongs to a session
                // that is over: nothing to rejoin any more.
                if matches!(credential, Start::Resume { .. }) {
                    store.clear();
                }
                restore_customer(backend.as_ref());
                bail!("{reason}");
            }
            // Joining: say at once that the server cannot be reached.
            // Resuming after boot: the network may not be up yet; keep trying.
            Err(Refusal::Unreachable(error))
                if first && matches!(credential, Start::JoinToken { .. }) =>
            {
                return Err(error);
            }
            Err(Refusal::Unreachable(error)) => tracing::debug!(%error, "reconnect failed"),
        }
        first = false;
        let since = *lost_since.get_or_insert_with(Instant::now);
        if since.elapsed() > restore_after {
            restore_customer(backend.as_ref());
        }
        if since.elapsed() > RECONNECT_FOR {
            restore_customer(backend.as_ref());
            return Ok(Outcome::Lost);
        }
        // From now on the agent proves itself with the latest resume token.
        if let Ok(saved) = store.load() {
            credential = saved.into_start();
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

enum Refusal {
    NotValid(String),
    Unreachable(anyhow::Error),
}

async fn connect(start: &Start) -> Result<Socket, Refusal> {
    match connect_async(start.url()).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response))
            if response.status().as_u16() == 401 =>
        {
            Err(Refusal::NotValid(
                "the session has ended, or this link is not valid".into(),
            ))
        }
        Err(error) => Err(Refusal::Unreachable(
            anyhow::Error::new(error).context(format!("cannot reach {}", start.server())),
        )),
    }
}

fn envelope(id: u64, kind: &str, body: Value) -> Message {
    Message::Text(
        json!({ "v": 1, "id": id, "type": kind, "body": body })
            .to_string()
            .into(),
    )
}

async fn serve(
    socket: Socket,
    start: &Start,
    store: &ResumeStore,
    backend: &Arc<dyn Backend>,
    stdin: &mut mpsc::UnboundedReceiver<String>,
) -> anyhow::Result<Ended> {
    let (mut sink, mut stream) = socket.split();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Done>();
    let mut prompts: Vec<Prompt> = Vec::new();
    let mut next_id = 1u64;
    let mut id = || {
        next_id += 1;
        next_id
    };
    loop {
        tokio::select! {
            frame = stream.next() => {
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Ok(Ended::ConnectionLost),
                    Some(Ok(_)) => continue,
                };
                let Ok(message) = serde_json::from_str::<Value>(text.as_str()) else { continue };
                let body = &message["body"];
                match message["type"].as_str().unwrap_or_default() {
                    "session.welcome" => {
                        if let Some(token) = body["resume_token"].as_str() {
                            let saved = SavedSession {
                                server: start.server().to_owned(),
                                session: body["session"].as_str().unwrap_or_default().to_owned(),
                                resume_token: token.to_owned(),
                            };
                            store.save(&saved).context("cannot keep the resume token")?;
                        }
                        println!("Connected to support session {}.", body["session"].as_str().unwrap_or_default());
                        let offered = backend.capabilities();
                        let hello = json!({ "capabilities": offered, "platform": std::env::consts::OS });
                        sink.send(envelope(id(), "agent.hello", hello)).await?;
                    }
                    "agent.call" => {
                        let call = body["call"].as_str().unwrap_or_default().to_owned();
                        let capability = body["capability"].as_str().unwrap_or_default().to_owned();
                        let input = serde_json::from_str(body["input"].as_str().unwrap_or("null")).unwrap_or(Value::Null);
                        let (progress, mut progress_rx) = mpsc::unbounded_channel();
                        let context = CallContext { backend: Arc::clone(backend), state_dir: store.state_dir().to_owned(), progress };
                        let done = done_tx.clone();
                        tokio::spawn(async move {
                            let work = capabilities::run(context, &capability, input);
                            tokio::pin!(work);
                            // Progress goes out while the call runs, and all of
                            // it before the result.
                            let outcome = loop {
                                tokio::select! {
                                    Some(text) = progress_rx.recv() => {
                                        let _ = done.send(Done::Progress { call: call.clone(), text });
                                    }
                                    outcome = &mut work => break outcome,
                                }
                            };
                            while let Ok(text) = progress_rx.try_recv() {
                                let _ = done.send(Done::Progress { call: call.clone(), text });
                            }
                            let finished = match outcome {
                                CallOutcome::Reply(result) => Done::Reply { call, result },
                                CallOutcome::Restart => Done::Restart { call },
                            };
                            let _ = done.send(finished);
                        });
                    }
                    "consent.prompt" if !body["page_open"].as_bool().unwrap_or(false) => {
                        let prompt = Prompt {
                            request: body["request"].as_str().unwrap_or_default().to_owned(),
                            text: body["text"].as_str().unwrap_or_default().to_owned(),
                        };
                        prompts::show(&prompt, body["detail"].as_str());
                        prompts.push(prompt);
                    }
                    "consent.answered" => {
                        let request = body["request"].as_str().unwrap_or_default();
                        if let Some(at) = prompts.iter().position(|p| p.request == request) {
                            prompts.remove(at);
                            println!("Permission {}.", body["outcome"].as_str().unwrap_or("answered").replace('_', " "));
                        }
                    }
                    "chat.message" => {
                        println!("[{}] {}", body["display_name"].as_str().unwrap_or_default(), body["text"].as_str().unwrap_or_default());
                    }
                    "session.ended" => {
                        println!("The support session ended: {}", body["reason"].as_str().unwrap_or_default());
                        restore_customer(backend.as_ref());
                        return Ok(Ended::SessionOver);
                    }
                    "error" => eprintln!("The support server refused a message: {}", body["message"].as_str().unwrap_or_default()),
                    _ => {}
                }
            }
            Some(done) = done_rx.recv() => match done {
                Done::Progress { call, text } => {
                    sink.send(envelope(id(), "agent.progress", json!({ "call": call, "text": text }))).await?;
                }
                Done::Reply { call, result } => {
                    let body = match result {
                        Ok(output) => json!({ "call": call, "output": output.to_string() }),
                        Err(error) => json!({ "call": call, "error": error }),
                    };
                    sink.send(envelope(id(), "agent.result", body)).await?;
                }
                Done::Restart { call } => {
                    let going = id();
                    sink.send(envelope(going, "agent.going_away", json!({ "reason": "restart" }))).await?;
                    let answered = id();
                    let output = json!({ "restarting": true }).to_string();
                    sink.send(envelope(answered, "agent.result", json!({ "call": call, "output": output }))).await?;
                    wait_for_replies(&mut stream, &[going, answered]).await;
                    println!("Restarting this computer. The support session continues after it starts again.");
                    if let Err(reason) = backend.restart() {
                        eprintln!("The restart failed: {reason}");
                    }
                }
            },
            Some(line) = stdin.recv() => {
                if prompts.is_empty() {
                    continue;
                }
                match prompts::parse_answer(&line) {
                    Some(granted) => {
                        let prompt = prompts.remove(0);
                        sink.send(envelope(id(), "consent.answer", json!({ "request": prompt.request, "granted": granted }))).await?;
                    }
                    None => println!("Please type y or n."),
                }
            }
        }
    }
}

/// Waits (briefly) until the kernel acknowledged `ids`, so nothing is lost
/// when the computer goes down right after.
async fn wait_for_replies(stream: &mut futures_util::stream::SplitStream<Socket>, ids: &[u64]) {
    let mut waiting: Vec<u64> = ids.to_vec();
    let deadline = tokio::time::sleep(Duration::from_secs(5));
    tokio::pin!(deadline);
    while !waiting.is_empty() {
        tokio::select! {
            _ = &mut deadline => return,
            frame = stream.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    if let Ok(message) = serde_json::from_str::<Value>(text.as_str()) {
                        waiting.retain(|id| message["re"] != json!(id));
                    }
                }
                Some(Ok(_)) => {}
                _ => return,
            }
        }
    }
}
