//! Connections from several loopback source addresses. One source and
//! destination pair has about 28,000 ephemeral ports (32768–60999), fewer
//! than the connections a load opens, so each connection comes from the
//! next of 127.0.0.2, 127.0.0.3, … in turn, for WebSockets and HTTP alike.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use crate::error::LoadError;
use crate::options::Target;

/// How long one step of setting a connection up may take; only a guard
/// against a kernel that stopped answering.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Each connection's read buffer. The kernel sends load clients small
/// messages (and replies of some 100 KiB in active mode, which still
/// arrive whole); the library's default of 128 KiB each would make the
/// generator itself the memory hog at 20,000 connections.
const READ_BUFFER_BYTES: usize = 8 * 1024;

/// The largest message a load client reads (a system-information reply
/// with every category, well under it).
const MAX_MESSAGE_BYTES: usize = 16 << 20;

pub type WebSocket = WebSocketStream<TcpStream>;

/// The source addresses and one HTTP client from each.
pub struct Sources {
    addresses: Vec<Ipv4Addr>,
    http: Vec<reqwest::Client>,
    next: AtomicUsize,
}

/// One source address and its HTTP client.
#[derive(Clone)]
pub struct Source {
    pub address: Ipv4Addr,
    pub http: reqwest::Client,
}

impl Sources {
    pub fn new(addresses: Vec<Ipv4Addr>) -> Result<Sources, LoadError> {
        let http = addresses
            .iter()
            .map(|address| {
                reqwest::Client::builder()
                    .local_address(IpAddr::V4(*address))
                    .tcp_nodelay(true)
                    .timeout(PATIENCE)
                    .build()
                    .map_err(|error| LoadError::HttpClient {
                        source_address: *address,
                        why: error.to_string(),
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Sources {
            addresses,
            http,
            next: AtomicUsize::new(0),
        })
    }

    /// The next source, in turn.
    pub fn next(&self) -> Source {
        let n = self.next.fetch_add(1, Ordering::Relaxed) % self.addresses.len();
        Source {
            address: self.addresses[n],
            http: self.http[n].clone(),
        }
    }
}

/// A TCP connection to the kernel from `source`, without Nagle (as the
/// kernel's own clients: replies are not held back).
async fn tcp_from(source: Ipv4Addr, target: &Target) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    // A port of an earlier run still in TIME_WAIT may be bound again; the
    // connection's four-tuple is still unique.
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::new(IpAddr::V4(source), 0))?;
    let stream = socket.connect(SocketAddr::V4(target.address)).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// Opens a WebSocket to `path_and_query` from `source`, sending `headers`
/// (a browser's origin and cookie). `what` names it in errors.
pub async fn websocket(
    what: &str,
    target: &Target,
    source: Ipv4Addr,
    path_and_query: &str,
    headers: &[(&'static str, &str)],
) -> Result<WebSocket, LoadError> {
    let mut request = target
        .ws_url(path_and_query)
        .into_client_request()
        .map_err(|error| LoadError::connect(what, error))?;
    for (name, value) in headers {
        let value =
            HeaderValue::from_str(value).map_err(|error| LoadError::connect(what, error))?;
        request.headers_mut().insert(*name, value);
    }
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(0)
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES));
    let connecting = async {
        let stream = tcp_from(source, target)
            .await
            .map_err(|error| LoadError::connect(what, error))?;
        match tokio_tungstenite::client_async_with_config(request, stream, Some(config)).await {
            Ok((socket, _)) => Ok(socket),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(LoadError::Refused {
                what: what.to_owned(),
                status: response.status().as_u16(),
            }),
            Err(error) => Err(LoadError::connect(what, error)),
        }
    };
    tokio::time::timeout(PATIENCE, connecting)
        .await
        .map_err(|_| LoadError::Timeout {
            what: what.to_owned(),
            within: PATIENCE,
        })?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_take_turns() {
        let addresses = vec![Ipv4Addr::new(127, 0, 0, 2), Ipv4Addr::new(127, 0, 0, 3)];
        let sources = Sources::new(addresses).expect("clients");
        let picked: Vec<Ipv4Addr> = (0..5).map(|_| sources.next().address).collect();
        assert_eq!(picked, [2, 3, 2, 3, 2].map(|n| Ipv4Addr::new(127, 0, 0, n)));
    }

    #[tokio::test]
    async fn a_connection_comes_from_its_source_address() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("listens");
        let target = Target::parse(&format!(
            "http://{}",
            listener.local_addr().expect("address")
        ))
        .expect("loopback");
        let source = Ipv4Addr::new(127, 0, 0, 7);
        let (connected, accepted) = tokio::join!(tcp_from(source, &target), listener.accept());
        connected.expect("connects");
        let (_, peer) = accepted.expect("accepts");
        assert_eq!(peer.ip(), IpAddr::V4(source));
    }

    #[tokio::test]
    async fn a_refused_upgrade_says_its_status() {
        // A plain HTTP server that refuses every upgrade.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("listens");
        let target = Target::parse(&format!(
            "http://{}",
            listener.local_addr().expect("address")
        ))
        .expect("loopback");
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut stream, _) = listener.accept().await.expect("accepts");
            let mut request = [0u8; 2048];
            let _ = stream.read(&mut request).await;
            let _ = stream
                .write_all(b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n")
                .await;
        });
        let error = websocket(
            "agent 7",
            &target,
            Ipv4Addr::new(127, 0, 0, 2),
            "/ws/agent?token=x",
            &[],
        )
        .await
        .expect_err("refused");
        assert!(
            matches!(&error, LoadError::Refused { status: 401, .. }),
            "{error}"
        );
        assert_eq!(
            error.to_string(),
            "agent 7: the kernel refused with HTTP 401"
        );
    }
}
