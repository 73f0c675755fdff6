//! The agent's connection to the kernel: join (or rejoin with the resume
//! token), say what this computer offers, serve calls, ask consent in the
//! terminal when the customer's page is not open, share applications on
//! the streams the kernel opens from this computer, and come back after a
//! lost connection or a restart. One task writes to the socket
//! (`writer.rs`): control messages before stream frames.

mod call_files;
mod writer;

use std::collections::{HashMap, HashSet};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::StreamExt;
use futures_util::stream::SplitStream;
use serde_json::{Value, json};
use tether_protocol::file_frame::{AttachedFile, is_file_frame};
use tether_protocol::{
    AgentRequest, Capability, RawJson, RejoinAfterRestart, ServerEvent, ServerFrame, decode_server,
    encode,
};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{Bytes, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_with_config};

use crate::apps::share::{Sharing, SharingEvent, SharingEvents, Stopped};
use crate::backend::Backend;
use crate::capabilities::{self, CallContext, CallOutcome, Cancel, CancelHandle};
use crate::prompts::{self, Prompt};
use crate::rejoin::Rejoin;
use crate::resume::{ResumeStore, SavedSession};
use call_files::{Arrived, Failed, ReadyCall, WaitingCalls};
use tether_protocol::stream::StreamId;

/// How long the agent keeps trying to reach the kernel after losing it.
const RECONNECT_FOR: Duration = Duration::from_secs(10 * 60);
/// Progress lines that come at once go out as one message, joined until it
/// reaches this many bytes...
const PROGRESS_BATCH_BYTES: usize = 8 * 1024;
/// ...and at most one such message per call this often: the kernel
/// refuses a connection's messages beyond a steady rate.
const PROGRESS_PACE: Duration = Duration::from_millis(100);
/// Longest reason the kernel takes (`stream.stop`, `agent.activity_ended`).
const MAX_REASON_BYTES: usize = 200;

/// How the agent proves who it is.
pub enum Start {
    JoinToken {
        server: String,
        token: String,
    },
    Resume {
        server: String,
        token: String,
    },
    /// The one-time code the customer's page showed.
    Code {
        server: String,
        session: String,
        code: String,
    },
}

impl Start {
    fn url(&self) -> String {
        let (server, query) = match self {
            Start::JoinToken { server, token } => (server, format!("token={token}")),
            Start::Resume { server, token } => (server, format!("resume={token}")),
            Start::Code {
                server,
                session,
                code,
            } => (server, format!("session={session}&code={code}")),
        };
        let ws = server
            .replacen("https://", "wss://", 1)
            .replacen("http://", "ws://", 1);
        format!("{ws}/ws/agent?{query}")
    }

    fn server(&self) -> &str {
        match self {
            Start::JoinToken { server, .. }
            | Start::Resume { server, .. }
            | Start::Code { server, .. } => server,
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
        capability: Capability,
        result: Result<Value, String>,
        lasting: bool,
    },
    Restart {
        call: String,
        rejoin: RejoinAfterRestart,
    },
    /// A call's files had their time to come.
    FilesOverdue {
        call: String,
    },
}

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// A call being served on this connection.
struct Running {
    capability: Capability,
    cancel: CancelHandle,
    task: tokio::task::JoinHandle<()>,
}

/// What calls left in place on this computer (an account logged on), kept
/// across reconnections: the kernel tracks them by call id until the agent
/// says they ended or the kernel cancels them.
#[derive(Default)]
struct Lasting {
    /// Calls whose effect stays, with their capability.
    calls: Vec<(String, Capability)>,
    /// Undone while the kernel could not be told; reported on reconnecting.
    unreported: Vec<(String, String)>,
}

impl Lasting {
    /// Everything in place was undone (the customer's account is back).
    fn all_undone(&mut self, reason: &str) -> Vec<(String, String)> {
        self.calls
            .drain(..)
            .map(|(call, _)| (call, reason.to_owned()))
            .collect()
    }
}

/// Logs the other account off, if one is logged on, and says so.
fn log_other_account_off(backend: &dyn Backend) {
    match backend.logoff() {
        Ok(true) => println!("Logged the other account off; your account is back."),
        Ok(false) => {}
        Err(reason) => eprintln!("Could not restore your account: {reason}"),
    }
}

/// Logs the customer back on if a CSR had logged on as another account;
/// the kernel hears of it when it can.
fn restore_customer(backend: &dyn Backend, lasting: &mut Lasting, reason: &str) {
    log_other_account_off(backend);
    let undone = lasting.all_undone(reason);
    lasting.unreported.extend(undone);
}

/// The `agent.result` answering `call`: its output, written once as the
/// JSON text the kernel hands the plugin as it is, or why it failed.
fn result_message(call: String, result: Result<Value, String>, lasting: bool) -> AgentRequest {
    let written = result.and_then(|output| {
        RawJson::from_value(&output)
            .map_err(|error| format!("the answer cannot be written as JSON: {error}"))
    });
    let (output, error) = match written {
        Ok(output) => (Some(output), None),
        Err(error) => (None, Some(error)),
    };
    AgentRequest::Result {
        call,
        output,
        error,
        lasting,
    }
}

/// Removes the entry that starts the agent after a restart, if there is
/// one: the agent is back, or there is nothing to rejoin.
pub fn forget_the_way_back(rejoin: &Rejoin) {
    if let Err(error) = rejoin.disarm() {
        eprintln!("{error}; remove it to stop the helper starting by itself");
    }
}

/// Runs until the session ends. `restore_after`: how long the kernel may be
/// unreachable before a CSR's logon is undone; `rejoin`: how the agent
/// comes back after a restart.
pub async fn run(
    start: Start,
    store: ResumeStore,
    backend: Box<dyn Backend>,
    restore_after: Duration,
    rejoin: Rejoin,
) -> anyhow::Result<Outcome> {
    let backend: Arc<dyn Backend> = Arc::from(backend);
    let rejoin = Arc::new(rejoin);
    let swept = crate::scripts::workspace::sweep(store.state_dir());
    if swept > 0 {
        println!("Removed {swept} script folder(s) left by an earlier run.");
    }
    let mut stdin = prompts::stdin_lines();
    let mut credential = start;
    let mut first = true;
    let mut lost_since: Option<Instant> = None;
    let mut lasting = Lasting::default();
    loop {
        match connect(&credential).await {
            Ok(socket) => {
                lost_since = None;
                let (sink, stream) = socket.split();
                let writer = writer::Writer::start(sink);
                let (sharing, sharing_events) = Sharing::new(writer.frames());
                let mut connection = Served {
                    start: &credential,
                    store: &store,
                    backend: &backend,
                    rejoin: &rejoin,
                    promised: RejoinAfterRestart::WithLink,
                    lasting: &mut lasting,
                    running: HashMap::new(),
                    waiting: WaitingCalls::default(),
                    stopping: Vec::new(),
                    prompts: Vec::new(),
                    next_id: 1,
                    outbox: writer.control(),
                    quiet: HashSet::new(),
                    sharing,
                    ended_before_answer: HashSet::new(),
                    taking_back: HashMap::new(),
                };
                let served = connection.serve(stream, &mut stdin, sharing_events).await;
                drop(connection);
                writer.finish().await;
                match served? {
                    Ended::SessionOver => {
                        store.clear();
                        forget_the_way_back(&rejoin);
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
                    forget_the_way_back(&rejoin);
                }
                restore_customer(backend.as_ref(), &mut lasting, "the session is over");
                bail!("{reason}");
            }
            // Joining: say at once that the server cannot be reached.
            // Resuming after boot: the network may not be up yet; keep trying.
            Err(Refusal::Unreachable(error))
                if first && !matches!(credential, Start::Resume { .. }) =>
            {
                return Err(error);
            }
            Err(Refusal::Unreachable(error)) => tracing::debug!(%error, "reconnect failed"),
        }
        first = false;
        let since = *lost_since.get_or_insert_with(Instant::now);
        if since.elapsed() > restore_after {
            restore_customer(
                backend.as_ref(),
                &mut lasting,
                "the support server was unreachable",
            );
        }
        if since.elapsed() > RECONNECT_FOR {
            restore_customer(
                backend.as_ref(),
                &mut lasting,
                "the support server was unreachable",
            );
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
    // No Nagle: an answer must not wait for the kernel's delayed ACK.
    match connect_async_with_config(start.url(), None, true).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(response))
            if response.status().is_client_error() =>
        {
            let said = response
                .body()
                .as_deref()
                .and_then(|body| serde_json::from_slice::<Value>(body).ok())
                .and_then(|body| body["error"].as_str().map(str::to_owned));
            let reason = match (response.status().as_u16(), start) {
                (401, Start::Code { .. }) => {
                    "the code is not valid, or was used already: ask your support page for a new one"
                        .to_owned()
                }
                (401, _) => "the session has ended, or this link is not valid".to_owned(),
                (status, _) => said.unwrap_or_else(|| format!("the server refused ({status})")),
            };
            Err(Refusal::NotValid(reason))
        }
        Err(error) => Err(Refusal::Unreachable(
            anyhow::Error::new(error).context(format!("cannot reach {}", start.server())),
        )),
    }
}

/// One connection to the kernel and what runs on it.
struct Served<'a> {
    start: &'a Start,
    store: &'a ResumeStore,
    backend: &'a Arc<dyn Backend>,
    rejoin: &'a Arc<Rejoin>,
    /// How the agent said, with its hello, that it comes back after a
    /// restart: what the customer is told before allowing one.
    promised: RejoinAfterRestart,
    lasting: &'a mut Lasting,
    running: HashMap<String, Running>,
    /// Calls waiting for their files before they run.
    waiting: WaitingCalls,
    /// Cancelled calls still cleaning up (killing, removing their folder).
    stopping: Vec<tokio::task::JoinHandle<()>>,
    prompts: Vec<Prompt>,
    next_id: u64,
    /// Control messages to the writer.
    outbox: mpsc::UnboundedSender<Message>,
    /// Requests the kernel may refuse without anything being wrong (an
    /// end it may have recorded itself meanwhile): refusals are only logged.
    quiet: HashSet<u64>,
    sharing: Sharing,
    /// Share and control calls whose share ended before they were
    /// answered: answered as not lasting.
    ended_before_answer: HashSet<String>,
    /// `stream.take_back` requests awaiting the kernel's answer, by id.
    taking_back: HashMap<u64, StreamId>,
}

impl Served<'_> {
    /// Tells the kernel that what these calls left in place was undone.
    fn report_undone(&mut self, undone: Vec<(String, String)>) {
        for (call, reason) in undone {
            self.send(AgentRequest::ActivityEnded { call, reason });
        }
    }

    /// Queues a request for the kernel; returns its id. When the writer is
    /// gone the connection is ending, which the reading side sees.
    fn send(&mut self, request: AgentRequest) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        let text = Message::Text(encode(Some(id), &request).into());
        if self.outbox.send(text).is_err() {
            tracing::debug!("the connection is ending; a message was not sent");
        }
        id
    }

    /// [`send`](Self::send), where a refusal is expected now and then.
    fn send_quietly(&mut self, request: AgentRequest) {
        let id = self.send(request);
        self.quiet.insert(id);
    }

    async fn serve(
        &mut self,
        mut stream: SplitStream<Socket>,
        stdin: &mut mpsc::UnboundedReceiver<String>,
        mut sharing: SharingEvents,
    ) -> anyhow::Result<Ended> {
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Done>();
        let ended = loop {
            tokio::select! {
                frame = stream.next() => {
                    let text = match frame {
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Binary(bytes))) => {
                            if is_file_frame(&bytes) {
                                self.file_frame(&bytes, &done_tx);
                            } else {
                                self.sharing.frame_from_kernel(&bytes);
                            }
                            continue;
                        }
                        Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break Ended::ConnectionLost,
                        Some(Ok(_)) => continue,
                    };
                    let frame = match decode_server(text.as_str()) {
                        Ok(frame) => frame,
                        Err(error) => {
                            // A renamed or missing field is reported, never guessed.
                            eprintln!("The support server sent a message this agent does not understand: {error}");
                            tracing::warn!(%error, "undecodable message from the kernel");
                            continue;
                        }
                    };
                    match frame {
                        ServerFrame::Event(event) => {
                            if let Some(ended) = self.on_event(event, &done_tx).await? {
                                break ended;
                            }
                        }
                        ServerFrame::Error { re, message, .. } => {
                            self.answered(re);
                            if re.is_some_and(|id| self.quiet.remove(&id)) {
                                tracing::debug!(%message, "the support server had already recorded it");
                            } else {
                                eprintln!("The support server refused a message: {message}");
                            }
                        }
                        ServerFrame::Ok { re, .. } => {
                            self.answered(re);
                            if let Some(id) = re {
                                self.quiet.remove(&id);
                            }
                        }
                    }
                }
                Some(done) = done_rx.recv() => self.on_done(done, &mut stream).await?,
                Some(event) = sharing.next() => self.on_sharing(event),
                Some(line) = stdin.recv() => {
                    if self.prompts.is_empty() {
                        continue;
                    }
                    match prompts::parse_answer(&line) {
                        Some(granted) => {
                            let prompt = self.prompts.remove(0);
                            let answer = AgentRequest::ConsentAnswer { request: prompt.request, granted };
                            self.send(answer);
                        }
                        None => println!("Please type y or n."),
                    }
                }
            }
        };
        // Nothing can receive the answers of calls still running: they stop
        // (scripts' processes killed, folders removed) before this returns.
        let reason = "the connection to the support server ended";
        self.stop_running(reason).await;
        // The kernel closed the streams; it hears that the shares ended
        // when the agent is back.
        for stopped in self.sharing.stop_all(reason) {
            for call in stopped.calls {
                if let Some(at) = self.lasting.calls.iter().position(|(c, _)| *c == call) {
                    self.lasting.calls.remove(at);
                    self.lasting.unreported.push((call, reason.to_owned()));
                }
            }
        }
        Ok(ended)
    }

    /// A share ended or the customer stopped sharing.
    fn on_sharing(&mut self, event: SharingEvent) {
        match event {
            SharingEvent::EndedByItself {
                stream,
                serial,
                reason,
            } => {
                if let Some(stopped) = self.sharing.ended_by_itself(stream, serial, &reason) {
                    println!("Stopped sharing: {reason}.");
                    self.report_stopped(stopped);
                }
            }
            SharingEvent::StopPressed => {
                let stopped = self.sharing.stop_pressed();
                if !stopped.is_empty() {
                    println!("You stopped sharing.");
                }
                for stopped in stopped {
                    self.report_stopped(stopped);
                }
            }
            SharingEvent::TookBack(taken) => {
                // Input stopped already; the kernel drops the controller
                // and tells the customer.
                for taken in taken {
                    println!("You took back control of \"{}\".", taken.label);
                    let id = self.send(AgentRequest::StreamTakeBack {
                        stream: taken.stream,
                    });
                    // Refused when the kernel ended control meanwhile.
                    self.quiet.insert(id);
                    self.taking_back.insert(id, taken.stream);
                }
            }
            SharingEvent::Stopped(stopped) => self.report_stopped(stopped),
        }
    }

    /// The kernel answered request `re`: a take-back's answer lets what it
    /// says about that stream's controller count again.
    fn answered(&mut self, re: Option<u64>) {
        if let Some(stream) = re.and_then(|id| self.taking_back.remove(&id)) {
            self.sharing.take_back_answered(stream);
        }
    }

    /// Tells the kernel what ended with a share: its stream, if still
    /// open, and the lasting calls.
    fn report_stopped(&mut self, stopped: Stopped) {
        let reason = within(&stopped.reason, MAX_REASON_BYTES);
        if stopped.stop_stream {
            // Closed by the kernel meanwhile: nothing wrong.
            self.send_quietly(AgentRequest::StreamStop {
                stream: stopped.stream,
                reason: reason.clone(),
            });
        }
        for call in stopped.calls {
            if self.running.contains_key(&call) {
                self.ended_before_answer.insert(call);
            } else if let Some(at) = self.lasting.calls.iter().position(|(c, _)| *c == call) {
                self.lasting.calls.remove(at);
                // The kernel may have ended it itself meanwhile (the
                // permission withdrawn closes the stream, then cancels).
                self.send_quietly(AgentRequest::ActivityEnded {
                    call,
                    reason: reason.clone(),
                });
            }
        }
    }

    async fn on_event(
        &mut self,
        event: ServerEvent,
        done: &mpsc::UnboundedSender<Done>,
    ) -> anyhow::Result<Option<Ended>> {
        match event {
            ServerEvent::Welcome {
                session,
                resume_token,
                participants,
                ..
            } => {
                if let Some(token) = resume_token {
                    let saved = SavedSession {
                        server: self.start.server().to_owned(),
                        session: session.clone(),
                        resume_token: token,
                    };
                    self.store
                        .save(&saved)
                        .context("cannot keep the resume token")?;
                }
                println!("Connected to support session {session}.");
                self.sharing.know_participants(&participants);
                self.promised = self.rejoin.report();
                let hello = AgentRequest::Hello {
                    capabilities: self.backend.capabilities(),
                    platform: std::env::consts::OS.to_owned(),
                    rejoin_after_restart: self.promised,
                };
                self.send(hello);
                // Back after the restart (started by the entry left for it,
                // or by hand): the entry has done its work, and the customer
                // hears that they are back.
                if self.rejoin.is_armed() {
                    forget_the_way_back(self.rejoin);
                    if matches!(self.start, Start::Resume { .. }) {
                        crate::notice::back_in_session(&session);
                    }
                }
                let unreported = std::mem::take(&mut self.lasting.unreported);
                self.report_undone(unreported);
            }
            ServerEvent::AgentCall {
                call,
                capability,
                input,
                files,
            } => self.call_arrived(call, capability, input, files, done),
            // A call still waiting for its files never ran: it is only
            // forgotten.
            ServerEvent::AgentCancel { call, reason } if !self.waiting.cancel(&call) => {
                self.cancel(&call, &reason)
            }
            ServerEvent::StreamOpened {
                stream,
                capability,
                origin,
                controller,
                ..
            } => self
                .sharing
                .announced(stream, capability, origin, controller),
            ServerEvent::StreamControl {
                stream,
                controller,
                controller_name,
                ..
            } => {
                if let (Some(id), Some(name)) = (&controller, controller_name) {
                    self.sharing.know_name(id, name);
                }
                if let Some(said) = self.sharing.controller_named(stream, controller) {
                    println!("{said}");
                }
            }
            ServerEvent::ParticipantJoined { participant, .. }
            | ServerEvent::ParticipantRejoined { participant, .. } => {
                self.sharing.know_participants(&[participant]);
            }
            ServerEvent::StreamClosed { stream, reason, .. } => {
                if let Some(stopped) = self.sharing.stream_closed(stream, &reason) {
                    println!("Stopped sharing: {reason}.");
                    self.report_stopped(stopped);
                }
            }
            ServerEvent::ConsentPrompt {
                request,
                text,
                detail,
                page_open: false,
                ..
            } => {
                let prompt = Prompt { request, text };
                prompts::show(&prompt, detail.as_deref());
                self.prompts.push(prompt);
            }
            ServerEvent::ConsentAnswered {
                request, outcome, ..
            } => {
                if let Some(at) = self.prompts.iter().position(|p| p.request == request) {
                    self.prompts.remove(at);
                    println!("Permission {}.", outcome.replace('_', " "));
                }
            }
            ServerEvent::Chat {
                display_name, text, ..
            } => println!("[{display_name}] {text}"),
            ServerEvent::SecondAgentRefused { .. } => println!(
                "Another helper program tried to act for you and was refused. If you did not start it, tell your support representative."
            ),
            ServerEvent::SessionEnded { reason, .. } => {
                println!("The support session ended: {reason}");
                self.stop_running("the session ended").await;
                restore_customer(self.backend.as_ref(), self.lasting, "the session ended");
                return Ok(Some(Ended::SessionOver));
            }
            _ => {}
        }
        Ok(None)
    }

    /// A call from the kernel: it runs now, or once its files are in.
    fn call_arrived(
        &mut self,
        call: String,
        capability: Capability,
        input: RawJson,
        files: Vec<AttachedFile>,
        done: &mpsc::UnboundedSender<Done>,
    ) {
        // Capabilities read their input as a tree.
        let input = match input.to_value() {
            Ok(input) => input,
            Err(error) => {
                return self.refuse(Failed {
                    call,
                    capability,
                    error: format!("the input cannot be read: {error}"),
                });
            }
        };
        match self
            .waiting
            .announce(call.clone(), capability, input, files)
        {
            Ok(Some(ready)) => self.start_call(ready, done),
            Ok(None) => {
                let done = done.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(call_files::FILES_DEADLINE).await;
                    let _ = done.send(Done::FilesOverdue { call });
                });
            }
            Err(error) => self.refuse(Failed {
                call,
                capability,
                error,
            }),
        }
    }

    /// One of the files a call waits for, or a frame that fits none.
    fn file_frame(&mut self, frame: &Bytes, done: &mpsc::UnboundedSender<Done>) {
        match self.waiting.frame(frame) {
            Arrived::Ready(ready) => self.start_call(ready, done),
            Arrived::Waiting => {}
            Arrived::Failed(failed) => failed.into_iter().for_each(|f| self.refuse(f)),
            Arrived::Ignored(why) => tracing::warn!("{why}"),
        }
    }

    /// Answers a call that cannot run with why; nothing of it was written
    /// or run.
    fn refuse(&mut self, failed: Failed) {
        eprintln!("Could not run `{}`: {}", failed.capability, failed.error);
        self.send(AgentRequest::Result {
            call: failed.call,
            output: None,
            error: Some(failed.error),
            lasting: false,
        });
    }

    fn start_call(&mut self, ready: ReadyCall, done: &mpsc::UnboundedSender<Done>) {
        let ReadyCall {
            call,
            capability,
            input,
            files,
        } = ready;
        // Stage marks of a call (the scripts benchmark reads them).
        tracing::debug!(%call, %capability, "call received");
        let (progress, mut progress_rx) = mpsc::unbounded_channel();
        let (cancel_handle, cancel) = Cancel::new();
        let context = CallContext {
            call: call.clone(),
            backend: Arc::clone(self.backend),
            sharing: self.sharing.clone(),
            state_dir: self.store.state_dir().to_owned(),
            progress,
            cancel,
            rejoin: Arc::clone(self.rejoin),
            promised: self.promised,
            files,
        };
        let done = done.clone();
        let id = call.clone();
        let task = tokio::spawn(async move {
            let work = capabilities::run(context, capability, input);
            tokio::pin!(work);
            // Progress goes out while the call runs, and all of it before
            // the result; one message per pace at most, and nothing waits
            // after the last one.
            let mut last_sent: Option<Instant> = None;
            let outcome = loop {
                tokio::select! {
                    Some(first) = progress_rx.recv() => {
                        let text = batch(first, &mut progress_rx);
                        let _ = done.send(Done::Progress { call: id.clone(), text });
                        last_sent = Some(Instant::now());
                        tokio::select! {
                            () = tokio::time::sleep(PROGRESS_PACE) => {}
                            outcome = &mut work => break outcome,
                        }
                    }
                    outcome = &mut work => break outcome,
                }
            };
            while let Ok(first) = progress_rx.try_recv() {
                if let Some(at) = last_sent {
                    tokio::time::sleep_until((at + PROGRESS_PACE).into()).await;
                }
                let text = batch(first, &mut progress_rx);
                let _ = done.send(Done::Progress {
                    call: id.clone(),
                    text,
                });
                last_sent = Some(Instant::now());
            }
            let finished = match outcome {
                CallOutcome::Reply { result, lasting } => Done::Reply {
                    call: id,
                    capability,
                    result,
                    lasting,
                },
                CallOutcome::Restart { rejoin } => Done::Restart { call: id, rejoin },
            };
            let _ = done.send(finished);
        });
        self.running.insert(
            call,
            Running {
                capability,
                cancel: cancel_handle,
                task,
            },
        );
    }

    /// The kernel ended a call: a running one stops, a lasting one is undone.
    fn cancel(&mut self, call: &str, reason: &str) {
        if let Some(running) = self.running.remove(call) {
            println!("Stopped `{}`: {reason}.", running.capability);
            running.cancel.cancel(reason);
            self.stopping.retain(|task| !task.is_finished());
            self.stopping.push(running.task);
            // A share or control that started before the answer went out.
            if let Some(stopped) = self.sharing.call_cancelled(call, reason) {
                self.report_stopped(stopped);
            }
            return;
        }
        if let Some(at) = self.lasting.calls.iter().position(|(c, _)| c == call) {
            let (_, capability) = self.lasting.calls.remove(at);
            println!("Undoing `{capability}`: {reason}.");
            match capability {
                Capability::AccountLogon => log_other_account_off(self.backend.as_ref()),
                Capability::AppShare | Capability::AppControl => {
                    if let Some(stopped) = self.sharing.call_cancelled(call, reason) {
                        self.report_stopped(stopped);
                    }
                }
                _ => {}
            }
        }
    }

    /// Stops every call still running and waits (briefly) until each,
    /// and each cancelled before, has cleaned up.
    async fn stop_running(&mut self, reason: &str) {
        let running: Vec<Running> = self.running.drain().map(|(_, r)| r).collect();
        for call in &running {
            call.cancel.cancel(reason);
        }
        let tasks = running
            .into_iter()
            .map(|call| call.task)
            .chain(self.stopping.drain(..));
        for task in tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }

    async fn on_done(
        &mut self,
        done: Done,
        stream: &mut SplitStream<Socket>,
    ) -> anyhow::Result<()> {
        match done {
            Done::Progress { call, text } => {
                if self.running.contains_key(&call) {
                    self.send(AgentRequest::Progress { call, text });
                }
            }
            Done::Reply {
                call,
                capability,
                result,
                lasting,
            } => {
                // A call the kernel cancelled has nobody to answer.
                if self.running.remove(&call).is_none() {
                    self.ended_before_answer.remove(&call);
                    return Ok(());
                }
                // Its share ended already: nothing of it lasts.
                let lasting = lasting && !self.ended_before_answer.remove(&call);
                let logged_off = capability == Capability::AccountLogoff
                    && result
                        .as_ref()
                        .is_ok_and(|output| output["restored"] == Value::Bool(true));
                if lasting {
                    self.lasting.calls.push((call.clone(), capability));
                }
                tracing::debug!(%call, "call answered");
                self.send(result_message(call, result, lasting));
                if logged_off {
                    let undone = self.lasting.all_undone("the CSR logged off");
                    self.report_undone(undone);
                }
            }
            Done::FilesOverdue { call } => {
                if let Some(failed) = self.waiting.overdue(&call) {
                    self.refuse(failed);
                }
            }
            Done::Restart { call, rejoin } => {
                self.running.remove(&call);
                let going = self.send(AgentRequest::GoingAway {
                    reason: "restart".into(),
                });
                let output = json!({ "restarting": true, "rejoin": rejoin.as_str() });
                let answered = self.send(result_message(call, Ok(output), false));
                wait_for_replies(stream, &[going, answered]).await;
                match rejoin {
                    RejoinAfterRestart::ByItself => println!(
                        "Restarting this computer. After you log in again, this helper starts by itself and rejoins the support session."
                    ),
                    RejoinAfterRestart::WithLink => println!(
                        "Restarting this computer. After you log in again, open the session link to rejoin the support session."
                    ),
                }
                if let Err(reason) = self.backend.restart() {
                    eprintln!("The restart failed: {reason}");
                    forget_the_way_back(self.rejoin);
                }
            }
        }
        Ok(())
    }
}

/// Waits (briefly) until the kernel acknowledged `ids`, so nothing is lost
/// when the computer goes down right after.
async fn wait_for_replies(stream: &mut SplitStream<Socket>, ids: &[u64]) {
    let mut waiting: Vec<u64> = ids.to_vec();
    let deadline = tokio::time::sleep(Duration::from_secs(5));
    tokio::pin!(deadline);
    while !waiting.is_empty() {
        tokio::select! {
            _ = &mut deadline => return,
            frame = stream.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    let re = match decode_server(text.as_str()) {
                        Ok(ServerFrame::Ok { re, .. } | ServerFrame::Error { re, .. }) => re,
                        _ => None,
                    };
                    waiting.retain(|id| Some(*id) != re);
                }
                Some(Ok(_)) => {}
                _ => return,
            }
        }
    }
}

/// `reason` cut to at most `max` bytes (at a character boundary).
fn within(reason: &str, max: usize) -> String {
    let mut end = reason.len().min(max);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_owned()
}

/// `first` and the lines already waiting behind it, one per line, until
/// the text reaches [`PROGRESS_BATCH_BYTES`].
fn batch(first: String, waiting: &mut mpsc::UnboundedReceiver<String>) -> String {
    let mut text = first;
    while text.len() < PROGRESS_BATCH_BYTES {
        let Ok(next) = waiting.try_recv() else {
            break;
        };
        text.push('\n');
        text.push_str(&next);
    }
    text
}

#[cfg(test)]
mod progress_tests {
    use super::*;

    #[test]
    fn reasons_are_cut_at_a_character_boundary() {
        assert_eq!(within("short", MAX_REASON_BYTES), "short");
        let long = "é".repeat(MAX_REASON_BYTES);
        let cut = within(&long, MAX_REASON_BYTES);
        assert_eq!(cut.len(), MAX_REASON_BYTES);
        assert_eq!(within("aé", 2), "a", "never half a character");
    }

    #[test]
    fn waiting_lines_go_out_together_in_bounded_messages() {
        let (send, mut waiting) = mpsc::unbounded_channel();
        for n in 1..=3 {
            send.send(format!("line {n}")).expect("open");
        }
        assert_eq!(
            batch("line 0".into(), &mut waiting),
            "line 0\nline 1\nline 2\nline 3"
        );
        let long = "x".repeat(PROGRESS_BATCH_BYTES);
        send.send("next".into()).expect("open");
        assert_eq!(batch(long.clone(), &mut waiting), long);
        assert_eq!(batch("last".into(), &mut waiting), "last\nnext");
    }
}
