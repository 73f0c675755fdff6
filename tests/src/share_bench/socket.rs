//! A viewer's socket as the headless viewer uses it — the CSR's console
//! (the customer shares) or the customer's page (the CSR shows): JSON
//! requests and their replies, and the stream's binary frames, which are
//! what it is for (events it does not need are passed over). Nothing here
//! panics on what the kernel sends: a measurement ends with an error
//! instead.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_with_config};

use crate::clients::Csr;
use crate::kernel_process::KernelProcess;

#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    #[error("the viewer's socket: {0}")]
    Socket(#[from] tokio_tungstenite::tungstenite::Error),
    #[error("the kernel closed the viewer's socket")]
    Closed,
    #[error("nothing from the kernel within {0:?}")]
    Silent(Duration),
    #[error("the kernel sent text that is not JSON: {0}")]
    NotJson(String),
    #[error("a header the socket cannot send: {0}")]
    Header(String),
    #[error("{kind} was refused: {reply}")]
    Refused { kind: String, reply: Value },
}

pub struct ViewerSocket {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Binary frames that came while a reply was awaited.
    frames: VecDeque<Vec<u8>>,
}

enum Incoming {
    Text(Value),
    Binary(Vec<u8>),
}

impl ViewerSocket {
    /// Opens the console socket of a signed-in CSR, as their browser does.
    pub async fn open_console(
        kernel: &KernelProcess,
        csr: &Csr,
    ) -> Result<ViewerSocket, SocketError> {
        Self::open(kernel, "/ws/console", Some(&csr.cookie)).await
    }

    /// Opens the support page's socket of a customer who joined with
    /// `token`, as their browser does.
    pub async fn open_page(
        kernel: &KernelProcess,
        token: &str,
    ) -> Result<ViewerSocket, SocketError> {
        Self::open(kernel, &format!("/ws/customer?token={token}"), None).await
    }

    async fn open(
        kernel: &KernelProcess,
        path: &str,
        cookie: Option<&str>,
    ) -> Result<ViewerSocket, SocketError> {
        let mut request = kernel.ws_url(path).into_client_request()?;
        let headers = request.headers_mut();
        let headers_sent = [
            ("origin", Some(kernel.base_url.as_str())),
            ("cookie", cookie),
        ];
        for (name, value) in headers_sent {
            let Some(value) = value else { continue };
            let value = value
                .parse()
                .map_err(|_| SocketError::Header(name.to_owned()))?;
            headers.insert(name, value);
        }
        // No Nagle: acknowledgements go out at once, as a browser's do.
        let (socket, _) = connect_async_with_config(request, None, true).await?;
        Ok(ViewerSocket {
            socket,
            next_id: 1,
            frames: VecDeque::new(),
        })
    }

    async fn next(&mut self, within: Duration) -> Result<Incoming, SocketError> {
        loop {
            let message = tokio::time::timeout(within, self.socket.next())
                .await
                .map_err(|_| SocketError::Silent(within))?
                .ok_or(SocketError::Closed)??;
            match message {
                Message::Text(text) => {
                    return serde_json::from_str(text.as_str())
                        .map(Incoming::Text)
                        .map_err(|_| SocketError::NotJson(text.to_string()));
                }
                Message::Binary(bytes) => return Ok(Incoming::Binary(bytes.to_vec())),
                Message::Close(_) => return Err(SocketError::Closed),
                _ => continue,
            }
        }
    }

    /// Sends a request and returns the body of its `ok` reply.
    pub async fn ok(&mut self, kind: &str, body: Value) -> Result<Value, SocketError> {
        let id = self.next_id;
        self.next_id += 1;
        let request = json!({ "v": 1, "id": id, "type": kind, "body": body });
        self.socket
            .send(Message::Text(request.to_string().into()))
            .await?;
        loop {
            match self.next(Duration::from_secs(60)).await? {
                Incoming::Binary(frame) => self.frames.push_back(frame),
                Incoming::Text(message) if message["re"] == json!(id) => {
                    if message["type"] == "ok" {
                        return Ok(message["body"].clone());
                    }
                    return Err(SocketError::Refused {
                        kind: kind.to_owned(),
                        reply: message,
                    });
                }
                Incoming::Text(_) => {}
            }
        }
    }

    /// Sends a binary stream frame.
    pub async fn send_frame(&mut self, frame: Vec<u8>) -> Result<(), SocketError> {
        self.socket.send(Message::Binary(frame.into())).await?;
        Ok(())
    }

    /// The next binary stream frame, passing over events.
    pub async fn next_frame(&mut self, within: Duration) -> Result<Vec<u8>, SocketError> {
        if let Some(frame) = self.frames.pop_front() {
            return Ok(frame);
        }
        loop {
            if let Incoming::Binary(frame) = self.next(within).await? {
                return Ok(frame);
            }
        }
    }
}
