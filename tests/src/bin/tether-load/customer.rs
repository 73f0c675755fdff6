//! A customer: joins a session by number (REST, as the page and the real
//! agent do), and in active mode keeps their page open: it asks for the
//! agent's one-time code and allows what it is asked, as a customer who
//! wants help would.

use serde_json::json;
use tether_protocol::{CustomerRequest, ServerEvent, ServerFrame, decode_server};
use tokio::sync::watch;

use crate::error::LoadError;
use crate::net::{Source, websocket};
use crate::options::Target;
use crate::socket::Socket;

/// A place in a session.
pub struct Joined {
    pub session: String,
    pub token: String,
}

pub async fn join(
    source: &Source,
    target: &Target,
    session: &str,
    display_name: &str,
) -> Result<Joined, LoadError> {
    let what = format!("join of {display_name}");
    let response = source
        .http
        .post(target.url("/api/join"))
        .json(&json!({ "session": session, "display_name": display_name }))
        .send()
        .await
        .map_err(|error| LoadError::connect(&what, error))?;
    let status = response.status().as_u16();
    let text = response
        .text()
        .await
        .map_err(|error| LoadError::connect(&what, error))?;
    if status != 200 {
        return Err(LoadError::Refusal {
            what,
            message: format!("HTTP {status}: {text}"),
        });
    }
    let body: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| LoadError::unexpected(&what, &text))?;
    match (body["session"].as_str(), body["token"].as_str()) {
        (Some(session), Some(token)) => Ok(Joined {
            session: session.to_owned(),
            token: token.to_owned(),
        }),
        _ => Err(LoadError::unexpected(what, text)),
    }
}

/// The customer's page, welcomed.
pub async fn open_page(
    name: String,
    source: &Source,
    target: &Target,
    token: &str,
) -> Result<Socket, LoadError> {
    let headers = [("origin", target.base_url.as_str())];
    let path = format!("/ws/customer?token={token}");
    let stream = websocket(&name, target, source.address, &path, &headers).await?;
    let mut page = Socket::new(stream, name);
    page.event("session.welcome", |event| {
        matches!(event, ServerEvent::Welcome { .. }).then_some(())
    })
    .await?;
    Ok(page)
}

/// The one-time code the page shows for the agent, digits only.
pub async fn agent_code(page: &mut Socket) -> Result<String, LoadError> {
    let body = page
        .request("agent.code", &CustomerRequest::AgentCode {})
        .await?;
    body["code"]
        .as_str()
        .map(|code| code.chars().filter(char::is_ascii_digit).collect())
        .ok_or_else(|| LoadError::unexpected("agent.code", body))
}

/// Keeps the page open: every consent prompt is allowed, everything else
/// read and passed over, until told to stop or the kernel closes.
pub async fn keep_page(mut page: Socket, mut stop: watch::Receiver<bool>) {
    loop {
        let text = tokio::select! {
            () = crate::stop::requested(&mut stop) => {
                page.close().await;
                return;
            }
            text = page.next_text() => match text {
                Some(text) => text,
                None => return,
            },
        };
        if !text.as_str().contains("\"consent.prompt\"") {
            continue;
        }
        if let Ok(ServerFrame::Event(ServerEvent::ConsentPrompt { request, .. })) =
            decode_server(text.as_str())
        {
            let answer = CustomerRequest::ConsentAnswer {
                request,
                granted: true,
            };
            if page.send(&answer).await.is_err() {
                return;
            }
        }
    }
}
