//! Why a load could not start or a connection failed, in words that say
//! what to change.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(
        "--server {0}: the load goes to this machine only; give http://127.x.y.z:PORT (an IPv4 loopback address)"
    )]
    NotLoopback(String),
    #[error("{what} must be {range} (got {got})")]
    OutOfRange {
        what: &'static str,
        range: &'static str,
        got: usize,
    },
    #[error(
        "this load needs about {needed} open files and this process may hold {limit} (its hard limit is {hard}); ask for fewer connections"
    )]
    TooFewFiles { needed: u64, limit: u64, hard: u64 },
    #[error("cannot raise the open-files limit: {0}")]
    FilesLimit(std::io::Error),
    #[error("the system-information answer {path}: {why}")]
    Answer { path: String, why: String },
    #[error("cannot build an HTTP client from {source_address}: {why}")]
    HttpClient {
        source_address: std::net::Ipv4Addr,
        why: String,
    },
    #[error("{what}: cannot connect: {why}")]
    Connect { what: String, why: String },
    #[error("{what}: the kernel refused with HTTP {status}")]
    Refused { what: String, status: u16 },
    #[error("{what}: the kernel said no: {message}")]
    Refusal { what: String, message: String },
    #[error("{what}: no answer within {} s", .within.as_secs())]
    Timeout { what: String, within: Duration },
    #[error("{what}: the kernel closed the connection")]
    Closed { what: String },
    #[error("{what}: unexpected answer: {text}")]
    Unexpected { what: String, text: String },
}

impl LoadError {
    pub fn connect(what: impl Into<String>, why: impl std::fmt::Display) -> LoadError {
        LoadError::Connect {
            what: what.into(),
            why: why.to_string(),
        }
    }

    pub fn unexpected(what: impl Into<String>, text: impl std::fmt::Display) -> LoadError {
        let text = text.to_string();
        LoadError::Unexpected {
            what: what.into(),
            // A whole system-information answer says nothing more than its start.
            text: text.chars().take(300).collect(),
        }
    }
}
