//! Joining by link or number: the agent asks the kernel for a join token
//! the way the customer's page does.

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::connection::Start;

/// A session the agent just joined.
pub struct Joined {
    pub server: String,
    pub token: String,
}

impl Joined {
    pub fn into_start(self) -> Start {
        Start::JoinToken {
            server: self.server,
            token: self.token,
        }
    }
}

/// The server and session number in what the customer typed.
pub fn parse_target(session: &str, server: Option<&str>) -> anyhow::Result<(String, String)> {
    let session = session.trim().trim_end_matches('/');
    if let Some((base, number)) = session.rsplit_once("/join/") {
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            bail!("the join link must start with http:// or https://");
        }
        return Ok((base.to_owned(), number.to_owned()));
    }
    let Some(server) = server else {
        bail!("give the join link, or the session number with --server (or TETHER_SERVER)");
    };
    let server = server.trim().trim_end_matches('/');
    if !(server.starts_with("http://") || server.starts_with("https://")) {
        bail!("--server must start with http:// or https://");
    }
    Ok((server.to_owned(), session.to_owned()))
}

#[derive(Deserialize)]
struct JoinReply {
    token: String,
}

#[derive(Deserialize)]
struct ErrorReply {
    error: String,
}

/// Acts for a customer who joined on their page: the page's token, no new
/// participant.
pub fn with_token(session: &str, server: Option<&str>, token: String) -> anyhow::Result<Joined> {
    let (server, _) = parse_target(session, server)?;
    if token.is_empty() || !token.chars().all(|c| c.is_ascii_hexdigit()) {
        bail!("the token is the long hexadecimal code the page shows");
    }
    Ok(Joined { server, token })
}

pub async fn join(
    session: &str,
    server: Option<&str>,
    name: Option<String>,
) -> anyhow::Result<Joined> {
    let (server, number) = parse_target(session, server)?;
    let name = match name {
        Some(name) => name,
        None => std::env::var("USER").context("say your name with --name")?,
    };
    let response = reqwest::Client::new()
        .post(format!("{server}/api/join"))
        .json(&serde_json::json!({ "session": number, "display_name": name }))
        .send()
        .await
        .with_context(|| format!("cannot reach {server}"))?;
    if !response.status().is_success() {
        let status = response.status();
        let reason = response
            .json::<ErrorReply>()
            .await
            .map(|e| e.error)
            .unwrap_or_else(|_| status.to_string());
        bail!("cannot join: {reason}");
    }
    let reply: JoinReply = response
        .json()
        .await
        .context("the server's answer is not understood")?;
    Ok(Joined {
        server,
        token: reply.token,
    })
}

#[cfg(test)]
mod tests {
    use super::parse_target;

    #[test]
    fn links_and_numbers() {
        assert_eq!(
            parse_target("https://help.example/join/123456789", None).expect("link"),
            ("https://help.example".to_owned(), "123456789".to_owned())
        );
        assert_eq!(
            parse_target("123 456 789", Some("http://127.0.0.1:8080/")).expect("number"),
            ("http://127.0.0.1:8080".to_owned(), "123 456 789".to_owned())
        );
        assert!(parse_target("123456789", None).is_err());
        assert!(parse_target("ftp://x/join/1", None).is_err());
    }
}
