//! A CSR as their browser would be: signs in (REST), opens the console
//! socket with the sign-in cookie and the kernel's origin, starts a
//! session.

use serde_json::json;
use tether_protocol::ConsoleRequest;
use tether_tests::load::checkpoint::Checkpoint;

use std::sync::Arc;
use std::time::Instant;

use crate::bounded;
use crate::checkpoints::Checkpoints;
use crate::error::LoadError;
use crate::net::{PATIENCE, Source, Sources, websocket};
use crate::options::{Common, Target};
use crate::socket::Socket;

/// Signs `username` in; returns the session cookie (`tether_session=…`).
pub async fn sign_in(
    source: &Source,
    target: &Target,
    username: &str,
    password: &str,
) -> Result<String, LoadError> {
    let what = format!("sign-in of {username}");
    let response = source
        .http
        .post(target.url("/api/auth/signin"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .map_err(|error| LoadError::connect(&what, error))?;
    let status = response.status().as_u16();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("tether_session="))
        .and_then(|value| value.split(';').next())
        .map(str::to_owned);
    if status != 200 {
        let text = response.text().await.unwrap_or_default();
        return Err(LoadError::Refusal {
            what,
            message: format!("HTTP {status}: {text}"),
        });
    }
    cookie.ok_or_else(|| LoadError::unexpected(what, "no session cookie"))
}

/// The console socket of a signed-in CSR.
pub async fn console(
    name: String,
    source: &Source,
    target: &Target,
    cookie: &str,
) -> Result<Socket, LoadError> {
    let headers = [("origin", target.base_url.as_str()), ("cookie", cookie)];
    let stream = websocket(&name, target, source.address, "/ws/console", &headers).await?;
    Ok(Socket::new(stream, name))
}

/// Starts a session on the console; returns its number.
pub async fn start_session(console: &mut Socket) -> Result<String, LoadError> {
    let body = console
        .request("session.start", &ConsoleRequest::Start {})
        .await?;
    body["session"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| LoadError::unexpected("session.start", body))
}

/// A load CSR signed in: their number, cookie, and the source address
/// their browser uses.
pub struct SignedIn {
    pub n: usize,
    pub cookie: String,
    pub source: Source,
}

/// CSRs `0..count` sign in, `common.sign_in_at_once` at a time (each
/// costs the kernel a password hash), then the `SignedIn` checkpoint is
/// reached; the first refusal stops it.
pub async fn sign_in_all(
    count: usize,
    sources: Arc<Sources>,
    target: &Target,
    common: &Common,
    checkpoints: &mut Checkpoints,
) -> Result<Vec<SignedIn>, LoadError> {
    let started = Instant::now();
    let password = common.password.as_str();
    let first = common.first_csr;
    let csrs = bounded::in_order(count, common.sign_in_at_once, |n| {
        let n = first + n;
        let (source, target, password) = (sources.next(), target.clone(), password.to_owned());
        async move {
            let username = tether_tests::load::accounts::csr_username(n);
            let cookie =
                tokio::time::timeout(PATIENCE, sign_in(&source, &target, &username, &password))
                    .await
                    .map_err(|_| LoadError::Timeout {
                        what: format!("sign-in of {username}"),
                        within: PATIENCE,
                    })??;
            Ok(SignedIn { n, cookie, source })
        }
    })
    .await
    .into_iter()
    .collect::<Result<Vec<_>, _>>()?;
    checkpoints
        .reach(Checkpoint::SignedIn {
            csrs: csrs.len(),
            seconds: started.elapsed().as_secs_f64(),
        })
        .await;
    Ok(csrs)
}

/// A session a load CSR started, with their console.
pub struct HostedSession {
    pub number: String,
    pub console: Socket,
}

impl HostedSession {
    /// The signed-in CSR opens the console and starts a session.
    pub async fn open(csr: &SignedIn, target: &Target) -> Result<HostedSession, LoadError> {
        let name = format!(
            "console of {}",
            tether_tests::load::accounts::csr_username(csr.n)
        );
        let mut console = console(name, &csr.source, target, &csr.cookie).await?;
        let number = start_session(&mut console).await?;
        Ok(HostedSession { number, console })
    }
}
