//! A load agent: connects as the real agent does (the join token of a
//! customer who joined through it, or the one-time code their page
//! showed), says hello, then keeps the connection as the real agent keeps
//! it — it sends nothing unprompted (the real agent has no heartbeat and
//! the kernel sends no ping) and answers what the kernel asks.
//!
//! Calls are answered from a recorded answer: `sysinfo.collect` with the
//! real agent's system information recorded once at the start of the run
//! (`tether_tests::load::sysinfo_answer`), because a thousand real agent
//! processes do not fit on this machine beside the kernel. Anything else
//! is answered with an error, as an agent without that capability would.

use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use tether_protocol::{
    AgentRequest, Capability, RawJson, ServerEvent, ServerFrame, decode_server, encode,
};
use tokio::sync::watch;

use crate::error::LoadError;
use crate::net::websocket;
use crate::options::Target;
use crate::socket::Socket;

/// How a load agent proves whom it acts for.
pub enum Credential {
    /// From `POST /api/join` by the agent itself.
    JoinToken(String),
    /// Shown on the customer's page.
    Code { session: String, code: String },
}

impl Credential {
    fn query(&self) -> String {
        match self {
            Credential::JoinToken(token) => format!("token={token}"),
            Credential::Code { session, code } => format!("session={session}&code={code}"),
        }
    }
}

/// The system-information answer, encoded once: a thousand agents
/// answering a call a second each must not re-encode 100 KB every time.
pub struct SysinfoAnswer {
    output: String,
}

/// Stands in the encoded result for the answer, which replaces it.
const ANSWER_MARK: &str = "\u{1}recorded answer\u{1}";

impl SysinfoAnswer {
    pub fn read(path: &Path) -> Result<SysinfoAnswer, LoadError> {
        let failed = |why: String| LoadError::Answer {
            path: path.display().to_string(),
            why,
        };
        let text = std::fs::read_to_string(path).map_err(|error| failed(error.to_string()))?;
        let value: Value =
            serde_json::from_str(&text).map_err(|error| failed(format!("not JSON: {error}")))?;
        SysinfoAnswer::new(&value).map_err(failed)
    }

    pub fn new(value: &Value) -> Result<SysinfoAnswer, String> {
        if value["categories"].as_array().is_none_or(Vec::is_empty) {
            return Err("it has no categories: not a system-information answer".into());
        }
        Ok(SysinfoAnswer {
            output: value.to_string(),
        })
    }

    /// `agent.result` for `call` with the answer, exactly as
    /// `tether_protocol::encode` writes it with the answer as the output.
    pub fn result_frame(&self, id: u64, call: &str) -> String {
        let marked = AgentRequest::Result {
            call: call.to_owned(),
            output: RawJson::from_value(ANSWER_MARK).ok(),
            error: None,
            lasting: false,
        };
        let mark = Value::String(ANSWER_MARK.to_owned()).to_string();
        encode(Some(id), &marked).replacen(&mark, &self.output, 1)
    }
}

pub struct LoadAgent {
    socket: Socket,
}

/// How a load agent's connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Told to stop: it closed the connection itself.
    Stopped,
    /// The kernel closed it (or died).
    ByKernel,
}

impl LoadAgent {
    /// Connects, waits for the welcome, says hello (offering
    /// `sysinfo.collect`) and waits for the kernel's acknowledgement.
    pub async fn connect(
        name: String,
        target: &Target,
        source: Ipv4Addr,
        credential: &Credential,
    ) -> Result<LoadAgent, LoadError> {
        let path = format!("/ws/agent?{}", credential.query());
        let stream = websocket(&name, target, source, &path, &[]).await?;
        let mut socket = Socket::new(stream, name);
        socket
            .event("session.welcome", |event| {
                matches!(event, ServerEvent::Welcome { .. }).then_some(())
            })
            .await?;
        let hello = AgentRequest::Hello {
            capabilities: vec![Capability::SysinfoCollect],
            platform: "linux".into(),
            rejoin_after_restart: Default::default(),
        };
        socket.request("agent.hello", &hello).await?;
        Ok(LoadAgent { socket })
    }

    /// Answers calls until told to stop or the kernel closes.
    pub async fn serve(
        mut self,
        answer: Option<Arc<SysinfoAnswer>>,
        mut stop: watch::Receiver<bool>,
    ) -> Ended {
        loop {
            let text = tokio::select! {
                () = crate::stop::requested(&mut stop) => {
                    self.socket.close().await;
                    return Ended::Stopped;
                }
                text = self.socket.next_text() => match text {
                    Some(text) => text,
                    None => return Ended::ByKernel,
                },
            };
            // Only calls need an answer; everything else (chat, others
            // joining) the real agent shows or notes and goes on.
            if !text.as_str().contains("\"agent.call\"") {
                continue;
            }
            let (call, capability) = match decode_server(text.as_str()) {
                Ok(ServerFrame::Event(ServerEvent::AgentCall {
                    call, capability, ..
                })) => (call, capability),
                Ok(_) => continue,
                // A call that cannot be read cannot be answered: it times
                // out in the kernel, and this says why.
                Err(error) => {
                    tracing::warn!(agent = %self.socket.name, %error, "a call the protocol types refuse");
                    continue;
                }
            };
            let id = self.socket.take_id();
            let frame = match (&answer, capability) {
                (Some(answer), Capability::SysinfoCollect) => answer.result_frame(id, &call),
                _ => encode(
                    Some(id),
                    &AgentRequest::Result {
                        call,
                        output: None,
                        error: Some(format!("this load agent does not do {capability}")),
                        lasting: false,
                    },
                ),
            };
            if self.socket.send_text(frame).await.is_err() {
                return Ended::ByKernel;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn answer() -> Value {
        json!({ "categories": [
            { "id": "system", "title": "System", "columns": ["Property", "Value"],
              "rows": [["Computer name", "load \"quoted\" \u{1} host"]] }
        ] })
    }

    #[test]
    fn the_answer_frame_is_what_the_protocol_encodes() {
        let recorded = SysinfoAnswer::new(&answer()).expect("an answer");
        let typed = AgentRequest::Result {
            call: "call-7f".into(),
            output: Some(RawJson::from_value(&answer()).expect("JSON")),
            error: None,
            lasting: false,
        };
        assert_eq!(
            recorded.result_frame(12, "call-7f"),
            encode(Some(12), &typed)
        );
        let decoded =
            tether_protocol::decode::<AgentRequest>(&recorded.result_frame(12, "call-7f"))
                .expect("the kernel reads it");
        assert_eq!(decoded.message, typed);
    }

    #[test]
    fn something_else_than_categories_is_not_an_answer() {
        for value in [json!({}), json!({ "categories": [] }), json!([1])] {
            let error = SysinfoAnswer::new(&value).err().expect("refused");
            assert!(error.contains("no categories"), "{value}: {error}");
        }
    }

    #[test]
    fn an_answer_file_that_is_missing_or_not_json_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = SysinfoAnswer::read(&dir.path().join("none.json"))
            .err()
            .expect("missing");
        assert!(missing.to_string().contains("none.json"), "{missing}");
        let garbage = dir.path().join("garbage.json");
        std::fs::write(&garbage, "categories: yes").expect("written");
        let refused = SysinfoAnswer::read(&garbage).err().expect("not JSON");
        assert!(refused.to_string().contains("not JSON"), "{refused}");
        let good = dir.path().join("answer.json");
        std::fs::write(&good, answer().to_string()).expect("written");
        assert!(SysinfoAnswer::read(&good).is_ok());
    }
}
