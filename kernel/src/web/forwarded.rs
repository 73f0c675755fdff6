//! REST requests about a session another node runs (a node among several):
//! joining it by number, an invitation to it. The node the
//! request reached sends it on whole over NATS (`cluster/relay.rs`, request
//! and reply) and the node running the session answers it through its own
//! routes, as if the client had asked there — the same checks, the same
//! answer. Requests about no live session, or one this node runs, are
//! answered here.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tower::ServiceExt;

use crate::cluster::relay::Question;
use crate::web::MAX_BODY_BYTES;
use crate::web::client_address::ClientAddress;
use crate::web::error::ApiError;
use crate::{AtOwner, Kernel};

/// Marks a request another node sent on: answered here, never sent on
/// again (the session's owner may have changed meanwhile; the client
/// hears what this node knows).
#[derive(Debug, Clone, Copy)]
struct FromAnotherNode;

/// A forwarded request's head; its body follows the line.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestHead {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    /// The client's address as the first node determined it.
    client: IpAddr,
}

/// The answer's head; its body follows the line.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResponseHead {
    status: u16,
    headers: Vec<(String, String)>,
}

/// Headers that describe the hop, not the request: the owner learns the
/// client's address from the head instead.
const HOP_HEADERS: &[&str] = &[
    "connection",
    "content-length",
    "forwarded",
    "host",
    "transfer-encoding",
    "x-forwarded-for",
    "x-real-ip",
];

fn with_body(head: &impl Serialize, body: &[u8]) -> Bytes {
    let mut out = serde_json::to_vec(head).unwrap_or_default();
    out.push(b'\n');
    out.extend_from_slice(body);
    Bytes::from(out)
}

fn split_body<'a, H: Deserialize<'a>>(payload: &'a Bytes) -> Option<(H, Bytes)> {
    let at = payload.iter().position(|&b| b == b'\n')?;
    let head = serde_json::from_slice(&payload[..at]).ok()?;
    Some((head, payload.slice(at + 1..)))
}

fn copied_headers(headers: &axum::http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| !HOP_HEADERS.contains(&name.as_str()))
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
        .collect()
}

/// The session a request is about: the number in `/api/sessions/{n}/…`
/// (an invitation), or the one a join names in its body.
fn session_named(uri: &Uri, body: &[u8]) -> Option<String> {
    let path = uri.path();
    if let Some(rest) = path.strip_prefix("/api/sessions/") {
        return rest.split('/').next().map(str::to_owned);
    }
    if path == "/api/join" {
        #[derive(Deserialize)]
        struct Join {
            session: String,
        }
        let join: Join = serde_json::from_slice(body).ok()?;
        return Some(super::join::number_from(&join.session).to_owned());
    }
    None
}

/// Middleware on the routes about one session: sends the request on to the
/// node running it, if that is another node.
pub async fn to_owner(
    State(kernel): State<Arc<Kernel>>,
    ClientAddress(client): ClientAddress,
    request: Request,
    next: Next,
) -> Response {
    if kernel.cluster.is_none() || request.extensions().get::<FromAnotherNode>().is_some() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            return ApiError::new(
                tether_protocol::ErrorCode::TooLarge,
                format!("the request body is over {MAX_BODY_BYTES} bytes"),
            )
            .into_response();
        }
    };
    let Some(session) = session_named(&parts.uri, &body) else {
        return next.run(Request::from_parts(parts, Body::from(body))).await;
    };
    // A client guessing numbers is refused before any node is looked for:
    // this node's join answers it with the wait.
    if parts.uri.path() == "/api/join" && kernel.sessions.check_join_attempts(client).await.is_err()
    {
        return next.run(Request::from_parts(parts, Body::from(body))).await;
    }
    let unreachable = || {
        ApiError::new(
            tether_protocol::ErrorCode::Unavailable,
            "the server running this session cannot be reached; try again in a moment",
        )
        .into_response()
    };
    let Some(cluster) = kernel.cluster.as_ref() else {
        return unreachable();
    };
    let head = RequestHead {
        method: parts.method.to_string(),
        uri: parts.uri.to_string(),
        headers: copied_headers(&parts.headers),
        client,
    };
    let question = with_body(&head, &body);
    let question = &question;
    let asked = kernel
        .at_owner(&session, |owner| async move {
            match cluster.ask(&owner, Question::Http, question.clone()).await {
                Ok(answer) => Some(answer),
                Err(error) => {
                    tracing::warn!(%error, "a request could not be sent on to the session's node");
                    None
                }
            }
        })
        .await;
    let answer = match asked {
        AtOwner::Here | AtOwner::Nowhere => {
            return next.run(Request::from_parts(parts, Body::from(body))).await;
        }
        AtOwner::Unreachable => return unreachable(),
        AtOwner::Done(answer) => answer,
    };
    let Some((head, body)) = split_body::<ResponseHead>(&answer) else {
        return unreachable();
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(head.status).unwrap_or(StatusCode::BAD_GATEWAY);
    for (name, value) in head.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// Answers the requests other nodes send on to this one through `routes`
/// (this node's own), for as long as the kernel runs.
pub async fn serve_forwarded(kernel: Arc<Kernel>, routes: Router) {
    let Some(cluster) = kernel.cluster.clone() else {
        return;
    };
    let questions = match cluster.questions(Question::Http).await {
        Ok(questions) => questions,
        Err(error) => {
            tracing::error!(%error, "requests from other nodes cannot be answered");
            return;
        }
    };
    let mut questions = std::pin::pin!(questions);
    while let Some((question, reply)) = questions.next().await {
        let routes = routes.clone();
        let cluster = cluster.clone();
        tokio::spawn(async move {
            let answer = answer(routes, &question).await;
            cluster.answer(reply, answer).await;
        });
    }
}

async fn answer(routes: Router, question: &Bytes) -> Bytes {
    let response = match request_from(question) {
        Some(request) => match routes.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        },
        None => ApiError::malformed("an unreadable request from another node").into_response(),
    };
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let head = ResponseHead {
        status: parts.status.as_u16(),
        headers: parts
            .headers
            .iter()
            .filter_map(|(n, v)| Some((n.to_string(), v.to_str().ok()?.to_owned())))
            .collect(),
    };
    with_body(&head, &body)
}

/// The request as the client made it, from the client's address.
fn request_from(question: &Bytes) -> Option<Request> {
    let (head, body) = split_body::<RequestHead>(question)?;
    let mut request = Request::new(Body::from(body));
    *request.method_mut() = Method::from_bytes(head.method.as_bytes()).ok()?;
    *request.uri_mut() = head.uri.parse().ok()?;
    for (name, value) in head.headers {
        if HOP_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        request.headers_mut().append(
            HeaderName::try_from(name.as_str()).ok()?,
            HeaderValue::try_from(value.as_str()).ok()?,
        );
    }
    let extensions = request.extensions_mut();
    extensions.insert(ConnectInfo(SocketAddr::new(head.client, 0)));
    extensions.insert(FromAnotherNode);
    Some(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_name_their_session_by_path_or_join_body() {
        let uri = |u: &str| u.parse::<Uri>().expect("uri");
        assert_eq!(
            session_named(&uri("/api/sessions/123456789/invite"), b""),
            Some("123456789".to_owned())
        );
        assert_eq!(
            session_named(
                &uri("/api/join"),
                br#"{"session":"https://h/join/123456789","display_name":"Cy"}"#
            ),
            Some("123456789".to_owned())
        );
        assert_eq!(session_named(&uri("/api/join"), b"not json"), None);
        assert_eq!(session_named(&uri("/api/auth/me"), b""), None);
    }

    #[test]
    fn a_forwarded_request_keeps_what_the_client_sent_but_not_the_hop() {
        let head = RequestHead {
            method: "POST".into(),
            uri: "/api/join".into(),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("x-forwarded-for".into(), "203.0.113.9".into()),
            ],
            client: "198.51.100.7".parse().expect("address"),
        };
        let request = request_from(&with_body(&head, b"{\"a\":\n1}")).expect("request");
        assert_eq!(request.method(), Method::POST);
        assert_eq!(request.uri().path(), "/api/join");
        assert_eq!(request.headers()["content-type"], "application/json");
        assert!(request.headers().get("x-forwarded-for").is_none());
        let ConnectInfo(peer) = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .expect("peer");
        assert_eq!(peer.ip().to_string(), "198.51.100.7");
        assert!(request.extensions().get::<FromAnotherNode>().is_some());
        assert!(request_from(&Bytes::from_static(b"no head")).is_none());
    }
}
