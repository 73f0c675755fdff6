//! Clients as real users' software would be: a signed-in CSR's browser
//! (REST with the cookie and CSRF token), WebSocket clients for the
//! console, the customer page and the host agent, and a test agent that
//! answers capability calls.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tether_protocol::{
    AgentRequest, Capability, RawJson, RequestSet, ServerEvent, ServerFrame, decode_server, encode,
};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_tls_with_config};

use crate::kernel_process::Address;

/// How long a test waits for something that should arrive at once; only a
/// guard against hanging forever, not a performance bound.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A CSR signed in through the REST API.
pub struct Csr {
    pub cookie: String,
    pub csrf: String,
    pub account: Value,
    base_url: String,
    http: reqwest::Client,
}

/// A REST answer: status and JSON (or text) body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub text: String,
    pub headers: reqwest::header::HeaderMap,
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        body,
        text,
        headers,
    }
}

/// POSTs JSON without any sign-in (customers joining, sign-in attempts).
/// Fails unless a session report (its JSON form) has a line of each kind
/// in `expected`.
pub fn assert_report_has(report: &Value, expected: &[&str]) {
    let kinds: Vec<&str> = report["events"]
        .as_array()
        .expect("the report's events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for kind in expected {
        assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
    }
}

pub async fn post_json(kernel: &impl Address, path: &str, body: Value) -> Answer {
    answer(
        crate::tls::http_client()
            .post(kernel.url(path))
            .json(&body)
            .send()
            .await
            .expect("request"),
    )
    .await
}

impl Csr {
    pub async fn sign_in(
        kernel: &impl Address,
        username: &str,
        password: &str,
    ) -> Result<Csr, Answer> {
        let response = crate::tls::http_client()
            .post(kernel.url("/api/auth/signin"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .expect("request");
        let set_cookie: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let reply = answer(response).await;
        if reply.status != 200 {
            return Err(reply);
        }
        let cookie_line = set_cookie
            .iter()
            .find(|c| c.starts_with("tether_session="))
            .expect("session cookie");
        assert!(cookie_line.contains("HttpOnly"), "{cookie_line}");
        assert!(cookie_line.contains("SameSite=Strict"), "{cookie_line}");
        let cookie = cookie_line
            .split(';')
            .next()
            .expect("name=value")
            .to_owned();
        Ok(Csr {
            cookie,
            csrf: reply.body["csrf_token"]
                .as_str()
                .expect("csrf token")
                .to_owned(),
            account: reply.body["account"].clone(),
            base_url: kernel.base_url().to_owned(),
            http: crate::tls::http_client(),
        })
    }

    pub async fn get(&self, path: &str) -> Answer {
        let request = self
            .http
            .get(format!("{}{path}", self.base_url))
            .header("cookie", &self.cookie);
        answer(request.send().await.expect("request")).await
    }

    /// A state-changing call with the CSRF token.
    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.post_with(path, body, Some(&self.csrf)).await
    }

    pub async fn post_with(&self, path: &str, body: Value, csrf: Option<&str>) -> Answer {
        self.send(reqwest::Method::POST, path, body, csrf).await
    }

    /// A replacing call with the CSRF token.
    pub async fn put(&self, path: &str, body: Value) -> Answer {
        self.put_with(path, body, Some(&self.csrf)).await
    }

    pub async fn put_with(&self, path: &str, body: Value, csrf: Option<&str>) -> Answer {
        self.send(reqwest::Method::PUT, path, body, csrf).await
    }

    /// A deleting call with the CSRF token.
    pub async fn delete(&self, path: &str) -> Answer {
        self.send(reqwest::Method::DELETE, path, Value::Null, Some(&self.csrf))
            .await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
        csrf: Option<&str>,
    ) -> Answer {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .header("cookie", &self.cookie)
            .json(&body);
        if let Some(token) = csrf {
            request = request.header("x-csrf-token", token);
        }
        answer(request.send().await.expect("request")).await
    }

    /// Opens the console socket as the browser on the kernel's own page would.
    pub async fn console(&self, kernel: &impl Address) -> WsClient {
        WsClient::connect(
            &kernel.ws_url("/ws/console"),
            Some(kernel.base_url()),
            Some(&self.cookie),
        )
        .await
        .expect("console connects")
    }
}

/// A session a CSR started from their console.
pub struct StartedSession {
    pub csr: Csr,
    pub console: WsClient,
    pub number: String,
    pub join_link: String,
}

impl StartedSession {
    /// Signs `username` in (test password), opens the console, starts a session.
    pub async fn start(kernel: &impl Address, username: &str) -> StartedSession {
        let csr = Csr::sign_in(kernel, username, "correct horse battery")
            .await
            .expect("signs in");
        let mut console = csr.console(kernel).await;
        let started = console.ok("session.start", json!({})).await;
        StartedSession {
            number: started["session"].as_str().expect("number").to_owned(),
            join_link: started["join_link"].as_str().expect("link").to_owned(),
            csr,
            console,
        }
    }
}

/// What the kernel sent: a protocol message, or a stream frame.
enum Incoming {
    Text(Value),
    Binary(Vec<u8>),
}

/// One WebSocket connection speaking the Tether protocol.
pub struct WsClient {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Events received while waiting for something else.
    events: VecDeque<Value>,
    /// Binary (stream) frames received while waiting for something else.
    binaries: VecDeque<Vec<u8>>,
}

impl WsClient {
    /// Connects; `Err` carries the HTTP status of a refused upgrade.
    pub async fn connect(
        url: &str,
        origin: Option<&str>,
        cookie: Option<&str>,
    ) -> Result<WsClient, u16> {
        let headers: Vec<(&str, &str)> = [("origin", origin), ("cookie", cookie)]
            .into_iter()
            .filter_map(|(name, value)| Some((name, value?)))
            .collect();
        WsClient::connect_with_headers(url, &headers).await
    }

    /// Connects sending `headers` (replacing what the library would send,
    /// `host` included): for attacks that forge them.
    pub async fn connect_with_headers(
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<WsClient, u16> {
        let mut request = url.into_client_request().expect("valid URL");
        for (name, value) in headers {
            request.headers_mut().insert(
                tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes())
                    .expect("header name"),
                value.parse().expect("header"),
            );
        }
        // No Nagle, as the kernel's own clients: replies are not held back.
        // A kernel serving HTTPS has the tests' own certificate.
        let tls = Some(crate::tls::websocket_connector());
        match connect_async_tls_with_config(request, None, true, tls).await {
            Ok((stream, _)) => Ok(WsClient {
                stream,
                next_id: 1,
                events: VecDeque::new(),
                binaries: VecDeque::new(),
            }),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                Err(response.status().as_u16())
            }
            Err(error) => panic!("cannot connect to {url}: {error}"),
        }
    }

    /// The customer page of a joined customer.
    pub async fn customer_page(kernel: &impl Address, token: &str) -> WsClient {
        let mut page = WsClient::connect(
            &kernel.ws_url(&format!("/ws/customer?token={token}")),
            Some(kernel.base_url()),
            None,
        )
        .await
        .expect("customer page connects");
        page.event("session.welcome").await;
        page
    }

    pub async fn send_text(&mut self, text: String) {
        self.stream
            .send(Message::Text(text.into()))
            .await
            .expect("send");
    }

    /// Sends a frame the kernel may refuse while it is still being
    /// written: a frame over the socket's limit is refused from its header,
    /// and the kernel closes the connection before the rest arrives, so the
    /// write itself can fail with a reset. Either outcome is an answer.
    pub async fn try_send_text(&mut self, text: String) -> Result<(), WsError> {
        self.stream.send(Message::Text(text.into())).await
    }

    pub async fn send_binary(&mut self, bytes: Vec<u8>) {
        self.stream
            .send(Message::Binary(bytes.into()))
            .await
            .expect("send");
    }

    /// The next JSON message from the kernel; `None` when the connection
    /// closed. Every message must decode as the protocol's types say (a
    /// renamed or missing field fails the test here). Stream frames that
    /// arrive meanwhile are kept for [`WsClient::binary`].
    pub async fn receive(&mut self) -> Option<Value> {
        loop {
            match self.next_frame().await? {
                Incoming::Text(message) => return Some(message),
                Incoming::Binary(bytes) => self.binaries.push_back(bytes),
            }
        }
    }

    /// Reads (and drops) what comes until the kernel closes the
    /// connection; the close frame's code, if it sent one.
    pub async fn close_code(&mut self) -> Option<u16> {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.stream.next())
                .await
                .expect("the connection closes within the patience")?;
            match frame {
                Ok(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }

    async fn next_frame(&mut self) -> Option<Incoming> {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.stream.next())
                .await
                .expect("a message within the patience")?;
            match frame {
                Ok(Message::Text(text)) => {
                    if let Err(error) = decode_server(text.as_str()) {
                        panic!(
                            "the kernel sent a message the protocol types refuse: {error}: {text}"
                        );
                    }
                    return Some(Incoming::Text(
                        serde_json::from_str(text.as_str()).expect("JSON from the kernel"),
                    ));
                }
                Ok(Message::Binary(bytes)) => return Some(Incoming::Binary(bytes.to_vec())),
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }

    /// Sends a request and returns the reply envelope (`ok` or `error`).
    pub async fn request(&mut self, kind: &str, body: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send_text(json!({ "v": 1, "id": id, "type": kind, "body": body }).to_string())
            .await;
        self.reply_to(id).await
    }

    /// Sends a request whose reply is awaited later with [`WsClient::reply_to`].
    pub async fn send_request(&mut self, kind: &str, body: Value) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send_text(json!({ "v": 1, "id": id, "type": kind, "body": body }).to_string())
            .await;
        id
    }

    /// Sends a typed request (encoded as every client encodes it) whose
    /// reply is awaited later with [`WsClient::reply_to`].
    pub async fn send_typed<R: RequestSet>(&mut self, request: &R) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send_text(encode(Some(id), request)).await;
        id
    }

    pub async fn reply_to(&mut self, id: u64) -> Value {
        // It may have come while the client waited for another reply.
        if let Some(at) = self.events.iter().position(|m| m["re"] == json!(id)) {
            return self.events.remove(at).unwrap_or_default();
        }
        loop {
            let message = self.receive().await.expect("connection open");
            if message["re"] == json!(id) {
                return message;
            }
            self.events.push_back(message);
        }
    }

    /// The body of a successful reply; panics with the error otherwise.
    pub async fn ok(&mut self, kind: &str, body: Value) -> Value {
        let reply = self.request(kind, body).await;
        assert_eq!(reply["type"], "ok", "{kind}: {reply}");
        reply["body"].clone()
    }

    /// Starts a support session (on a console) and returns its number.
    pub async fn start_session(&mut self) -> String {
        let started = self.ok("session.start", json!({})).await;
        started["session"]
            .as_str()
            .expect("session number")
            .to_owned()
    }

    /// The `(code, message)` of a refused request.
    pub async fn refused(&mut self, kind: &str, body: Value) -> (String, String) {
        let reply = self.request(kind, body).await;
        assert_eq!(reply["type"], "error", "{kind} should be refused: {reply}");
        error_of(&reply)
    }

    /// The body of the next event of `kind`, keeping other events for later.
    pub async fn event(&mut self, kind: &str) -> Value {
        if let Some(at) = self.events.iter().position(|e| e["type"] == kind) {
            return self
                .events
                .remove(at)
                .map(|e| e["body"].clone())
                .unwrap_or_default();
        }
        loop {
            let message = self
                .receive()
                .await
                .unwrap_or_else(|| panic!("connection closed while waiting for {kind}"));
            if message["type"] == kind {
                return message["body"].clone();
            }
            self.events.push_back(message);
        }
    }

    /// The next binary (stream) frame, keeping events for later.
    pub async fn binary(&mut self) -> Vec<u8> {
        if let Some(frame) = self.binaries.pop_front() {
            return frame;
        }
        loop {
            match self
                .next_frame()
                .await
                .expect("connection closed while waiting for a stream frame")
            {
                Incoming::Binary(bytes) => return bytes,
                Incoming::Text(message) => self.events.push_back(message),
            }
        }
    }

    /// Binary frames received and not yet taken.
    pub fn pending_binaries(&self) -> usize {
        self.binaries.len()
    }

    /// Events received and not yet taken.
    pub fn pending_events(&self) -> Vec<Value> {
        self.events.iter().cloned().collect()
    }

    /// Closes the connection (the kernel sees the peer go).
    pub async fn close(&mut self) {
        let _ = self.stream.close(None).await;
    }
}

/// One attempt at a raw agent connection with `query` (`session=…&code=…`),
/// welcomed; `Err` is the HTTP status of a refused upgrade.
pub async fn try_connect_agent(kernel: &impl Address, query: &str) -> Result<WsClient, u16> {
    let url = kernel.ws_url(&format!("/ws/agent?{query}"));
    let mut socket = WsClient::connect(&url, None, None).await?;
    socket.event("session.welcome").await;
    Ok(socket)
}

/// A raw agent connection with `query` (`session=…&code=…`), welcomed.
pub async fn connect_agent(kernel: &impl Address, query: &str) -> WsClient {
    try_connect_agent(kernel, query)
        .await
        .unwrap_or_else(|status| panic!("the agent could not connect: {status}"))
}

/// The query the host's own agent connects with: the session and a fresh
/// one-time code from the host's console (`agent.code`).
pub async fn host_agent_query(console: &mut WsClient, session: &str) -> String {
    let reply = console
        .ok("agent.code", json!({ "session": session }))
        .await;
    let code = reply["code"].as_str().expect("code").replace(' ', "");
    format!("session={session}&code={code}")
}

pub fn error_of(reply: &Value) -> (String, String) {
    (
        reply["body"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        reply["body"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// A customer who joined by number.
pub struct Customer {
    pub session: String,
    pub participant: String,
    pub token: String,
    pub page: WsClient,
}

impl Customer {
    /// Waits for the next consent prompt on the page and answers it;
    /// returns the prompt.
    pub async fn answer_prompt(&mut self, granted: bool) -> Value {
        let prompt = self.page.event("consent.prompt").await;
        self.page
            .ok(
                "consent.answer",
                json!({ "request": prompt["request"], "granted": granted }),
            )
            .await;
        prompt
    }

    /// The one-time code the page shows for the helper program.
    pub async fn agent_code(&mut self) -> String {
        let reply = self.page.ok("agent.code", json!({})).await;
        reply["code"].as_str().expect("code").to_owned()
    }

    /// The query an agent connects with for this customer: the session
    /// and a fresh one-time code from the page.
    pub async fn agent_query(&mut self) -> String {
        let code = self.agent_code().await.replace(' ', "");
        format!("session={}&code={code}", self.session)
    }

    /// A raw agent connection for this customer, welcomed. An agent that
    /// was just stopped may still be closing on the kernel's side (which
    /// refuses a second agent meanwhile), so a refusal as "already
    /// connected" is tried again, with a fresh code (the refused attempt
    /// used up the one-time code it came with).
    pub async fn connect_agent(&mut self, kernel: &impl Address) -> WsClient {
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            let query = self.agent_query().await;
            match try_connect_agent(kernel, &query).await {
                Ok(socket) => return socket,
                Err(409) if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(status) => panic!("the agent could not connect: {status}"),
            }
        }
    }

    pub async fn join(kernel: &impl Address, number: &str, name: &str) -> Customer {
        let joined = post_json(
            kernel,
            "/api/join",
            json!({ "session": number, "display_name": name }),
        )
        .await;
        assert_eq!(joined.status, 200, "join: {}", joined.text);
        let token = joined.body["token"].as_str().expect("token").to_owned();
        Customer {
            session: joined.body["session"].as_str().expect("session").to_owned(),
            participant: joined.body["participant"]
                .as_str()
                .expect("participant")
                .to_owned(),
            page: WsClient::customer_page(kernel, &token).await,
            token,
        }
    }
}

/// A host agent for tests, speaking the typed protocol as the real agent
/// does: offers `capabilities`, and answers every call with
/// `{"capability": …, "input": …, "machine": "test agent"}`.
pub struct TestAgent {
    task: tokio::task::JoinHandle<()>,
    calls: Arc<Mutex<Vec<Value>>>,
    /// Error replies the kernel sent the agent (there should be none).
    errors: Arc<Mutex<Vec<Value>>>,
}

impl TestAgent {
    /// Connects for `customer` (with a code from their page), says hello
    /// and waits until the kernel acknowledged it.
    pub async fn start(
        kernel: &impl Address,
        customer: &mut Customer,
        capabilities: &[&str],
    ) -> TestAgent {
        let mut socket = customer.connect_agent(kernel).await;
        let hello = AgentRequest::Hello {
            capabilities: capabilities
                .iter()
                .map(|name| name.parse::<Capability>().expect("a capability"))
                .collect(),
            platform: "test".into(),
            rejoin_after_restart: Default::default(),
        };
        let id = socket.send_typed(&hello).await;
        let reply = socket.reply_to(id).await;
        assert_eq!(reply["type"], "ok", "agent.hello: {reply}");
        let calls = Arc::new(Mutex::new(Vec::new()));
        let errors = Arc::new(Mutex::new(Vec::new()));
        let (seen, failed) = (calls.clone(), errors.clone());
        let task = tokio::spawn(async move {
            while let Some(message) = socket.receive().await {
                let frame = decode_server(&message.to_string()).expect("typed frame");
                match frame {
                    ServerFrame::Event(ServerEvent::AgentCall {
                        call,
                        capability,
                        input,
                        ..
                    }) => {
                        let output = json!({ "capability": capability, "input": input, "machine": "test agent" });
                        let result = AgentRequest::Result {
                            call,
                            output: Some(RawJson::from_value(&output).expect("an answer is JSON")),
                            error: None,
                            lasting: false,
                        };
                        socket.send_typed(&result).await;
                        seen.lock()
                            .expect("calls lock")
                            .push(message["body"].clone());
                    }
                    ServerFrame::Error { .. } => failed.lock().expect("errors lock").push(message),
                    _ => {}
                }
            }
        });
        TestAgent {
            task,
            calls,
            errors,
        }
    }

    /// The calls served so far.
    pub fn calls(&self) -> Vec<Value> {
        self.calls.lock().expect("calls lock").clone()
    }

    pub fn errors(&self) -> Vec<Value> {
        self.errors.lock().expect("errors lock").clone()
    }
}

impl Drop for TestAgent {
    fn drop(&mut self) {
        self.task.abort();
    }
}
