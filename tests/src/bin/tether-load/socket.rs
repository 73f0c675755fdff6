//! One protocol connection of a load client: typed requests out (encoded
//! as every client encodes them), replies found by id, events typed.

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tether_protocol::{RequestSet, ServerEvent, ServerFrame, decode_server, encode};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::error::LoadError;
use crate::glance::{BodyWords, Glance};
use crate::net::{PATIENCE, WebSocket};

pub struct Socket {
    stream: WebSocket,
    next_id: u64,
    /// Names the connection in errors (`console of load00012`).
    pub name: String,
}

/// A reply, glanced at.
#[derive(Debug)]
pub enum Reply {
    Ok(BodyWords),
    Refused(String),
}

impl Socket {
    pub fn new(stream: WebSocket, name: String) -> Socket {
        Socket {
            stream,
            next_id: 1,
            name,
        }
    }

    fn closed(&self) -> LoadError {
        LoadError::Closed {
            what: self.name.clone(),
        }
    }

    fn timed_out(&self, waiting_for: &str) -> LoadError {
        LoadError::Timeout {
            what: format!("{}: {waiting_for}", self.name),
            within: PATIENCE,
        }
    }

    /// Sends a typed request; returns its id.
    pub async fn send<R: RequestSet>(&mut self, request: &R) -> Result<u64, LoadError> {
        let id = self.next_id;
        self.next_id += 1;
        self.send_text(encode(Some(id), request)).await?;
        Ok(id)
    }

    /// The id the next request will have (for a frame encoded elsewhere).
    pub fn take_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub async fn send_text(&mut self, text: String) -> Result<(), LoadError> {
        self.stream
            .send(Message::Text(text.into()))
            .await
            .map_err(|_| self.closed())
    }

    /// The next text message; `None` when the connection closed. Binary
    /// frames (streams: none in a load) and pings are passed over; the
    /// library answers pings by itself.
    pub async fn next_text(&mut self) -> Option<Utf8Bytes> {
        loop {
            match self.stream.next().await? {
                Ok(Message::Text(text)) => return Some(text),
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }

    /// The next message as the protocol types it, within the patience.
    pub async fn next_frame(&mut self, waiting_for: &str) -> Result<ServerFrame, LoadError> {
        let text = tokio::time::timeout(PATIENCE, self.next_text())
            .await
            .map_err(|_| self.timed_out(waiting_for))?
            .ok_or_else(|| self.closed())?;
        decode_server(text.as_str()).map_err(|error| {
            LoadError::unexpected(
                format!("{}: the protocol types refuse a message", self.name),
                format!("{error}: {text}"),
            )
        })
    }

    /// Waits for the event `wanted` picks (`what` names it in errors),
    /// passing over others.
    pub async fn event<T>(
        &mut self,
        what: &str,
        wanted: impl Fn(ServerEvent) -> Option<T>,
    ) -> Result<T, LoadError> {
        loop {
            if let ServerFrame::Event(event) = self.next_frame(what).await?
                && let Some(found) = wanted(event)
            {
                return Ok(found);
            }
        }
    }

    /// Sends a typed request and returns the body of its `ok` reply
    /// (typed decoding: for setting up, not for the measured operations).
    pub async fn request<R: RequestSet>(
        &mut self,
        what: &str,
        request: &R,
    ) -> Result<Value, LoadError> {
        let id = self.send(request).await?;
        loop {
            match self.next_frame(what).await? {
                ServerFrame::Ok { re, body } if re == Some(id) => return Ok(body),
                ServerFrame::Error { re, message, .. } if re == Some(id) => {
                    return Err(LoadError::Refusal {
                        what: format!("{}: {what}", self.name),
                        message,
                    });
                }
                _ => continue,
            }
        }
    }

    /// The reply to request `id`, glanced at; events and late replies to
    /// earlier requests are passed over. No time limit: callers put theirs.
    pub async fn reply(&mut self, id: u64) -> Result<Reply, LoadError> {
        loop {
            let text = self.next_text().await.ok_or_else(|| self.closed())?;
            let Some(glance) = Glance::of(text.as_str()) else {
                return Err(LoadError::unexpected(self.name.clone(), text));
            };
            if glance.re != Some(id) {
                continue;
            }
            return Ok(if glance.is_ok() {
                Reply::Ok(glance.body)
            } else {
                Reply::Refused(glance.body.message.unwrap_or(glance.kind))
            });
        }
    }

    /// Closes the connection as a client does (a close frame), briefly.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(PATIENCE, self.stream.close(None)).await;
    }
}
