//! Joining by link or number: as a new customer (the agent asks the kernel
//! for a join token the way the customer's page does), or for the customer
//! who joined on the page, with the one-time code the page shows.

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

/// Acts for a customer who joined on their page, with the page's one-time
/// code: no new participant.
pub fn with_code(session: &str, server: Option<&str>, code: &str) -> anyhow::Result<Start> {
    let (server, number) = parse_target(session, server)?;
    let code: String = code.chars().filter(char::is_ascii_digit).collect();
    if code.len() != 8 {
        bail!("the code is the 8 digits your support page shows");
    }
    let number: String = number.chars().filter(char::is_ascii_digit).collect();
    Ok(Start::Code {
        server,
        session: number,
        code,
    })
}

/// The page's code: from TETHER_AGENT_CODE, or typed by the customer.
pub fn code_from_customer() -> anyhow::Result<String> {
    if let Ok(code) = std::env::var("TETHER_AGENT_CODE") {
        return Ok(code);
    }
    println!(
        "Type the code your support page shows (to join under a new name instead, use --name):"
    );
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the code")?;
    Ok(line.trim().to_owned())
}

pub async fn join(session: &str, server: Option<&str>, name: String) -> anyhow::Result<Joined> {
    let (server, number) = parse_target(session, server)?;
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
    use super::{parse_target, with_code};
    use crate::connection::Start;

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

    #[test]
    fn codes_are_eight_digits_however_typed() {
        let start = with_code("http://h/join/123456789", None, " 1234 5678 ").expect("code");
        assert!(
            matches!(start, Start::Code { ref code, ref session, .. } if code == "12345678" && session == "123456789")
        );
        assert!(with_code("http://h/join/123456789", None, "1234").is_err());
        assert!(with_code("http://h/join/123456789", None, "abcd efgh").is_err());
    }
}
