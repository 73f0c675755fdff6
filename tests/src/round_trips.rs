//! Round trips a user waits for, timed from the client's side: a chat
//! message's reply, a pre-granted agent call through a plugin (console →
//! kernel → plugin → agent → back), and a bare WebSocket echo on loopback
//! as the baseline. Shared by the latency test and `cargo xtask bench
//! latency`.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::clients::{Csr, Customer, TestAgent, WsClient};
use crate::fixture_manifests;
use crate::kernel_process::{Address, KernelProcess, TestAccount};

/// A session on a kernel with the fixture plugins: the host's console, a
/// customer whose page granted `sysinfo.collect` to the echo plugin, and a
/// test agent that answers at once. `K` is the kernel the session owns
/// (`()` when the caller keeps its kernels, as with several nodes).
pub struct GrantedSession<K = KernelProcess> {
    pub kernel: K,
    pub host: WsClient,
    pub number: String,
    pub customer: Customer,
    pub agent: TestAgent,
}

/// What a kernel running granted sessions needs in its configuration.
const GRANTED_SESSION_CONFIG: &str = "[sessions]\njoin_attempts_per_minute = 1000\n\n[sites.default]\nname = \"Default\"\nplugins = [\"echo\"]\n";

impl GrantedSession {
    pub async fn start() -> GrantedSession {
        GrantedSession::start_with("").await
    }

    /// [`GrantedSession::start`] on a kernel whose configuration begins
    /// with `extra_config` (tables of its own, such as `[storage]`).
    pub async fn start_with(extra_config: &str) -> GrantedSession {
        let config = format!("{extra_config}\n{GRANTED_SESSION_CONFIG}");
        let accounts = [TestAccount::csr("anna", "Anna Berg", "default")];
        let kernel = KernelProcess::configure(&fixture_manifests(), &config, &accounts).launch();
        let session = GrantedSession::between(&kernel, &kernel).await;
        GrantedSession {
            kernel,
            host: session.host,
            number: session.number,
            customer: session.customer,
            agent: session.agent,
        }
    }
}

impl GrantedSession<()> {
    /// Anna (an account the caller created) starts a session from her
    /// console on `host_node`; the customer and their agent come through
    /// `customer_node` (the same kernel, or another node of several).
    pub async fn between(
        host_node: &impl Address,
        customer_node: &impl Address,
    ) -> GrantedSession<()> {
        let anna = Csr::sign_in(host_node, "anna", "correct horse battery")
            .await
            .expect("signs in");
        let mut host = anna.console(host_node).await;
        let number = host.start_session().await;
        let mut customer = Customer::join(customer_node, &number, "Carl").await;
        let agent = TestAgent::start(customer_node, &mut customer, &["sysinfo.collect"]).await;
        let mut session = GrantedSession {
            kernel: (),
            host,
            number,
            customer,
            agent,
        };
        let ask = session.command("ask-consent");
        let id = session.host.send_request("plugin.command", ask).await;
        session.customer.answer_prompt(true).await;
        let reply = session.host.reply_to(id).await;
        assert_eq!(reply["body"], "granted", "{reply}");
        session
    }
}

impl<K> GrantedSession<K> {
    fn command(&self, name: &str) -> serde_json::Value {
        json!({ "session": self.number, "plugin": "echo", "name": name,
                "payload": { "session": self.number, "participant": self.customer.participant,
                             "capability": "sysinfo.collect", "input": { "n": 1 } } })
    }

    /// One chat message, from sending it to its reply.
    pub async fn chat(&mut self) -> Duration {
        let started = Instant::now();
        let sent = self
            .host
            .ok(
                "chat.send",
                json!({ "session": self.number, "text": "ping" }),
            )
            .await;
        let elapsed = started.elapsed();
        assert_eq!(sent["sent"], true);
        elapsed
    }

    /// The `plugin.command` request of one pre-granted agent call through
    /// the echo plugin, as its client sends it.
    pub fn agent_call_request(&self) -> String {
        json!({ "v": 1, "id": 1, "type": "plugin.command", "body": self.command("call-agent") })
            .to_string()
    }

    /// One pre-granted agent call through the echo plugin.
    pub async fn agent_call(&mut self) -> Duration {
        let call = self.command("call-agent");
        let started = Instant::now();
        let output = self.host.ok("plugin.command", call).await;
        let elapsed = started.elapsed();
        assert_eq!(output["machine"], "test agent", "{output}");
        elapsed
    }
}

/// A client connected to a bare WebSocket server on loopback that answers
/// each message with what `reply` makes of it (no Nagle on either side, as
/// the kernel's sockets): the baseline the benchmarks compare with.
pub async fn loopback_websocket(
    reply: impl Fn(Message) -> Option<Message> + Send + 'static,
) -> WebSocketStream<MaybeTlsStream<TcpStream>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        stream.set_nodelay(true).expect("nodelay");
        let mut socket = tokio_tungstenite::accept_async(stream)
            .await
            .expect("upgrade");
        while let Some(Ok(message)) = socket.next().await {
            if let Some(answer) = reply(message)
                && socket.send(answer).await.is_err()
            {
                break;
            }
        }
    });
    let (client, _) =
        tokio_tungstenite::connect_async_with_config(format!("ws://{address}/"), None, true)
            .await
            .expect("connect");
    client
}

/// `count` round trips of a small text frame to a bare echo server.
pub async fn bare_websocket_echo(count: usize) -> Vec<Duration> {
    let mut client = loopback_websocket(|message| message.is_text().then_some(message)).await;
    let text = json!({ "v": 1, "id": 1, "type": "chat.send", "body": { "session": "123456789", "text": "ping" } }).to_string();
    let mut times = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        client
            .send(Message::Text(text.clone().into()))
            .await
            .expect("send");
        client.next().await.expect("echo").expect("echo");
        times.push(started.elapsed());
    }
    times
}

/// `/echo`: a WebSocket echo of text frames served by axum with the
/// kernel's socket settings (4 KiB read buffer, no write buffer), in this
/// process or in `tether-echo`'s.
pub fn echo_router() -> axum::Router {
    use axum::extract::ws::{Message as AxumMessage, WebSocketUpgrade};

    async fn echo(upgrade: WebSocketUpgrade) -> axum::response::Response {
        upgrade
            .read_buffer_size(4 * 1024)
            .write_buffer_size(0)
            .on_upgrade(|mut socket| async move {
                while let Some(Ok(message)) = socket.recv().await {
                    if matches!(message, AxumMessage::Text(_))
                        && socket.send(message).await.is_err()
                    {
                        break;
                    }
                }
            })
    }
    axum::Router::new().route("/echo", axum::routing::any(echo))
}

/// `count` round trips of `text` to a WebSocket echo served by axum (the
/// kernel's HTTP and WebSocket stack, without the kernel): the baseline
/// for a command's round trip through the kernel.
pub async fn axum_websocket_echo(count: usize, text: &str) -> Vec<Duration> {
    use axum::serve::ListenerExt;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let listener = listener.tap_io(|stream| {
        let _ = stream.set_nodelay(true);
    });
    let server = tokio::spawn(async move { axum::serve(listener, echo_router()).await });
    let (mut client, _) =
        tokio_tungstenite::connect_async_with_config(format!("ws://{address}/echo"), None, true)
            .await
            .expect("connect");
    let mut times = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        client
            .send(Message::Text(text.to_owned().into()))
            .await
            .expect("send");
        client.next().await.expect("echo").expect("echo");
        times.push(started.elapsed());
    }
    server.abort();
    times
}

/// `tether-echo` running as a process of its own (see that binary), with
/// one client connection kept open: the round-trip benchmark's baseline,
/// served across a process boundary as the kernel is.
pub struct EchoProcess {
    child: std::process::Child,
    client: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl EchoProcess {
    pub async fn start(binary: &std::path::Path) -> EchoProcess {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        let mut child = Command::new(binary)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| panic!("{} does not start: {error}", binary.display()));
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the echo says its port");
        let port: u16 = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line from the echo: {line:?}"));
        let (client, _) = tokio_tungstenite::connect_async_with_config(
            format!("ws://127.0.0.1:{port}/echo"),
            None,
            true,
        )
        .await
        .expect("connect to the echo");
        EchoProcess { child, client }
    }

    /// `count` round trips of `text`.
    pub async fn round_trips(&mut self, count: usize, text: &str) -> Vec<Duration> {
        let mut times = Vec::with_capacity(count);
        for _ in 0..count {
            let started = Instant::now();
            self.client
                .send(Message::Text(text.to_owned().into()))
                .await
                .expect("send");
            self.client.next().await.expect("echo").expect("echo");
            times.push(started.elapsed());
        }
        times
    }
}

impl Drop for EchoProcess {
    fn drop(&mut self) {
        // Its standard input closes with it; kill in case it hangs.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value below which `fraction` of `times` lie (sorted in place).
pub fn percentile(times: &mut [Duration], fraction: f64) -> Duration {
    times.sort();
    times[((times.len() - 1) as f64 * fraction).round() as usize]
}

/// The median and the 90th percentile.
pub fn median_and_p90(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    let at = |fraction: f64| times[((times.len() - 1) as f64 * fraction).round() as usize];
    (at(0.5), at(0.9))
}
