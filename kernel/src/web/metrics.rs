//! `GET /metrics`: what the kernel counts (`telemetry.rs`), as Prometheus
//! text — behind a bearer token when the configuration sets one.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::Kernel;
use crate::token::hash_token;

/// Prometheus' text exposition format.
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

pub async fn scrape(State(kernel): State<Arc<Kernel>>, headers: HeaderMap) -> Response {
    if let Some(token) = &kernel.config.metrics.token
        && !carries(&headers, token)
    {
        let mut refused = (
            StatusCode::UNAUTHORIZED,
            "/metrics needs the bearer token set in the configuration ([metrics] token)\n",
        )
            .into_response();
        refused.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"tether metrics\""),
        );
        return refused;
    }
    let text = kernel.telemetry.render(&kernel.sessions.census());
    ([(header::CONTENT_TYPE, TEXT_FORMAT)], text).into_response()
}

/// Whether the request says `Authorization: Bearer <token>`. The
/// comparison is of digests, so its time does not tell how much of a
/// guess was right.
fn carries(headers: &HeaderMap, token: &str) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
    else {
        return false;
    };
    hash_token(given.trim()) == hash_token(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_configured_bearer_token_is_let_in() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::AUTHORIZATION,
                HeaderValue::from_str(value).expect("header"),
            );
            headers
        };
        assert!(carries(&with("Bearer s3cret-token"), "s3cret-token"));
        for wrong in [
            "Bearer s3cret-toke",
            "Bearer ",
            "bearer s3cret-token",
            "Basic czNjcmV0LXRva2Vu",
            "s3cret-token",
        ] {
            assert!(!carries(&with(wrong), "s3cret-token"), "{wrong}");
        }
        assert!(!carries(&HeaderMap::new(), "s3cret-token"));
    }
}
