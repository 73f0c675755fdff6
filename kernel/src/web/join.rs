//! Customers join a session by number (or link) with their display name.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::ApiJson;
use crate::Kernel;
use crate::web::client_address::ClientAddress;
use crate::web::error::ApiError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinBody {
    /// The session number (spaces and dashes allowed) or the join link.
    session: String,
    display_name: String,
}

/// The number in a join link (`…/join/123456789`), or the text as typed.
pub(super) fn number_from(input: &str) -> &str {
    let trimmed = input.trim().trim_end_matches('/');
    match trimmed.rsplit_once("/join/") {
        Some((_, number)) => number,
        None => trimmed,
    }
}

pub async fn join(
    State(kernel): State<Arc<Kernel>>,
    ClientAddress(client): ClientAddress,
    ApiJson(body): ApiJson<JoinBody>,
) -> Result<Json<Value>, ApiError> {
    let joined = kernel
        .sessions
        .join_customer(number_from(&body.session), &body.display_name, client)
        .await?;
    Ok(Json(json!({
        "session": joined.session,
        "participant": joined.participant,
        "token": joined.token,
        "page_socket": "/ws/customer",
        "agent_socket": "/ws/agent",
    })))
}

#[cfg(test)]
mod tests {
    use super::number_from;

    #[test]
    fn links_and_typed_numbers_give_the_number() {
        assert_eq!(
            number_from("https://help.example/join/123456789"),
            "123456789"
        );
        assert_eq!(number_from(" 123 456 789 "), "123 456 789");
        assert_eq!(number_from("http://h/join/123456789/"), "123456789");
    }
}
