//! Who is asking, for rate limits and logs. Behind a reverse proxy every
//! connection comes from the proxy, which names the client in `Forwarded`
//! or `X-Forwarded-For`; those headers are believed only on connections
//! from a proxy the operator trusts (`server.trusted_proxies`), since
//! anyone else can write them.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;
use tether_protocol::ErrorCode;

use crate::Kernel;
use crate::web::error::ApiError;

/// The client's address: the peer, or the address a trusted proxy gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<Arc<Kernel>> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, kernel: &Arc<Kernel>) -> Result<Self, ApiError> {
        let ConnectInfo(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
            .ok_or_else(|| {
                ApiError::new(ErrorCode::Internal, "the connection's address is unknown")
            })?;
        let trusted = &kernel.config.server.trusted_proxies;
        Ok(ClientAddress(client_address(
            peer.ip(),
            &parts.headers,
            trusted,
        )))
    }
}

/// The client behind `peer`: when `peer` is a trusted proxy, the nearest
/// address in the forwarding chain that is not itself a trusted proxy.
/// An entry that is no address (`unknown`, an obfuscated name, garbage)
/// ends the walk at the proxy that wrote it, so a client cannot hide
/// behind a made-up hop.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarding_chain(headers).into_iter().rev() {
        let Some(ip) = hop else {
            return client;
        };
        client = ip;
        if !is_trusted(&ip) {
            return ip;
        }
    }
    client
}

/// The `for=` addresses of `Forwarded`, or else `X-Forwarded-For`, in the
/// order the proxies added them (client first); `None` for an entry that
/// is no address.
fn forwarding_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|line| line.split(','))
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (key, value) = pair.trim().split_once('=')?;
                    key.eq_ignore_ascii_case("for")
                        .then(|| parse_node(value.trim().trim_matches('"')))
                })
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().ok())
        .flat_map(|line| match line {
            Some(line) => line.split(',').map(|a| parse_node(a.trim())).collect(),
            None => vec![None],
        })
        .collect()
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`,
/// `2001:db8::1`, `[2001:db8::1]:4711`.
fn parse_node(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    text.strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|inner| inner.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).expect("name"),
                value.parse().expect("value"),
            );
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    /// The peer, its headers, and the client that must come out.
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);

    #[test]
    fn the_chain_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().expect("net")];
        let cases: &[Case] = &[
            // Not from a proxy: headers are ignored, whatever they say.
            (
                "203.0.113.9",
                &[("x-forwarded-for", "1.2.3.4")],
                "203.0.113.9",
            ),
            (
                "203.0.113.9",
                &[("forwarded", "for=1.2.3.4")],
                "203.0.113.9",
            ),
            // From the proxy: the client it names.
            (
                "10.0.0.2",
                &[("x-forwarded-for", "198.51.100.7")],
                "198.51.100.7",
            ),
            // A client's own made-up entry on the left is not believed.
            (
                "10.0.0.2",
                &[("x-forwarded-for", "1.2.3.4, 198.51.100.7")],
                "198.51.100.7",
            ),
            // Several trusted proxies in a row.
            (
                "10.0.0.2",
                &[("x-forwarded-for", "198.51.100.7, 10.0.0.5")],
                "198.51.100.7",
            ),
            // Several header lines are one list.
            (
                "10.0.0.2",
                &[
                    ("x-forwarded-for", "1.2.3.4"),
                    ("x-forwarded-for", "198.51.100.7"),
                ],
                "198.51.100.7",
            ),
            // Garbage stops the walk at the proxy that wrote it.
            ("10.0.0.2", &[("x-forwarded-for", "nonsense")], "10.0.0.2"),
            (
                "10.0.0.2",
                &[("x-forwarded-for", "198.51.100.7, nonsense, 10.0.0.5")],
                "10.0.0.5",
            ),
            // No header: the proxy itself.
            ("10.0.0.2", &[], "10.0.0.2"),
            // RFC 7239, with ports, quotes and IPv6; it wins over XFF.
            (
                "10.0.0.2",
                &[
                    ("forwarded", "for=\"[2001:db8::17]:4711\";proto=https"),
                    ("x-forwarded-for", "1.2.3.4"),
                ],
                "2001:db8::17",
            ),
            (
                "10.0.0.2",
                &[("forwarded", "for=192.0.2.60:80, For=198.51.100.7")],
                "198.51.100.7",
            ),
            ("10.0.0.2", &[("forwarded", "for=unknown")], "10.0.0.2"),
            ("10.0.0.2", &[("forwarded", "proto=https")], "10.0.0.2"),
        ];
        for (peer, pairs, expected) in cases {
            assert_eq!(
                client_address(ip(peer), &headers(pairs), &trusted),
                ip(expected),
                "peer {peer}, headers {pairs:?}"
            );
        }
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let h = headers(&[("x-forwarded-for", "198.51.100.7")]);
        assert_eq!(client_address(ip("127.0.0.1"), &h, &[]), ip("127.0.0.1"));
    }
}
