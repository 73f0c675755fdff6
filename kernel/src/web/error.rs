//! The error every request path returns: a machine-readable code and a
//! sentence for the person who asked. WebSocket replies and REST responses
//! are made from it; the domains' own errors are mapped to it here, and
//! only here.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tether_protocol::{ErrorCode, ProtocolError};

use crate::accounts::AccountError;
use crate::activity::NotRunning;
use crate::consent::NoSuchPrompt;
use crate::consent::RevokeError;
use crate::session::SessionError;
use crate::session::policy::PolicyError;
use crate::site::SiteUpdateError;
use crate::storage::StorageError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::NotFound, message)
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Forbidden, message)
    }

    pub fn malformed(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Malformed, message)
    }

    pub fn unknown_session(number: &str) -> ApiError {
        ApiError::not_found(format!("no support session {number} is running"))
    }

    pub fn status(&self) -> StatusCode {
        match self.code {
            ErrorCode::Malformed => StatusCode::BAD_REQUEST,
            ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden | ErrorCode::NoConsent => StatusCode::FORBIDDEN,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::Conflict | ErrorCode::Limit => StatusCode::CONFLICT,
            ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::PluginError => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status(),
            Json(serde_json::json!({ "code": self.code, "error": self.message })),
        )
            .into_response()
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        tracing::error!(%error, "storage error");
        ApiError::new(
            ErrorCode::Internal,
            "the server could not save or read data; try again",
        )
    }
}

impl From<PolicyError> for ApiError {
    fn from(error: PolicyError) -> Self {
        let code = match error {
            PolicyError::NotHost
            | PolicyError::HostCannotLeave
            | PolicyError::HostCannotBeRemoved => ErrorCode::Forbidden,
            PolicyError::MultiSessionTaken => ErrorCode::Conflict,
            PolicyError::TooManyCustomers { .. } => ErrorCode::Limit,
        };
        ApiError::new(code, error.to_string())
    }
}

impl From<ProtocolError> for ApiError {
    fn from(error: ProtocolError) -> Self {
        ApiError::new(error.code(), error.to_string())
    }
}

impl From<AccountError> for ApiError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::Invalid { .. } => ApiError::malformed(error.to_string()),
            AccountError::Taken(_) => ApiError::new(ErrorCode::Conflict, error.to_string()),
            AccountError::InvalidCredentials => ApiError::forbidden(error.to_string()),
            AccountError::TooManyAttempts(_) | AccountError::Busy => {
                ApiError::new(ErrorCode::RateLimited, error.to_string())
            }
            AccountError::StorageUnavailable => {
                ApiError::new(ErrorCode::Unavailable, error.to_string())
            }
            AccountError::NotSignedIn => {
                ApiError::new(ErrorCode::Unauthenticated, error.to_string())
            }
            AccountError::Storage(storage) => storage.into(),
        }
    }
}

impl From<SiteUpdateError> for ApiError {
    fn from(error: SiteUpdateError) -> Self {
        match error {
            SiteUpdateError::UnknownSite(_) => ApiError::not_found(error.to_string()),
            SiteUpdateError::Invalid(_) => ApiError::malformed(error.to_string()),
            SiteUpdateError::Storage(storage) => storage.into(),
        }
    }
}

impl From<NotRunning> for ApiError {
    fn from(error: NotRunning) -> Self {
        ApiError::not_found(error.to_string())
    }
}

impl From<NoSuchPrompt> for ApiError {
    fn from(error: NoSuchPrompt) -> Self {
        ApiError::not_found(error.to_string())
    }
}

impl From<RevokeError> for ApiError {
    fn from(error: RevokeError) -> Self {
        match error {
            RevokeError::NotFound => ApiError::not_found(error.to_string()),
            RevokeError::Storage(storage) => storage.into(),
        }
    }
}

impl From<SessionError> for ApiError {
    fn from(error: SessionError) -> Self {
        let code = match &error {
            SessionError::UnknownSession(_)
            | SessionError::NoSuchCustomer(_)
            | SessionError::NoSuchParticipant(_) => ErrorCode::NotFound,
            SessionError::ControlOnlyToCsr | SessionError::SiteNotConfigured(_) => {
                ErrorCode::Forbidden
            }
            SessionError::AlreadyInSession => ErrorCode::Conflict,
            SessionError::InvalidName(_) => ErrorCode::Malformed,
            SessionError::TooManyJoinAttempts(_) | SessionError::TooManyJoins(_) => {
                ErrorCode::RateLimited
            }
            SessionError::InvalidJoinCredential => ErrorCode::Unauthenticated,
            SessionError::StorageUnavailable => ErrorCode::Unavailable,
            SessionError::AgentNeedsCode | SessionError::AnswerOnThePage => ErrorCode::Forbidden,
            SessionError::AgentAlreadyConnected => ErrorCode::Conflict,
            SessionError::NoSuchPrompt(_) => ErrorCode::NotFound,
            SessionError::Policy(policy) => return policy.clone().into(),
            SessionError::Storage(_) => {
                let SessionError::Storage(storage) = error else {
                    unreachable!("matched above")
                };
                return storage.into();
            }
        };
        ApiError::new(code, error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_errors_keep_their_words_and_get_their_codes() {
        let table = [
            (
                SessionError::UnknownSession("123456789".into()),
                ErrorCode::NotFound,
                "no support session 123456789 is running",
            ),
            (
                SessionError::NoSuchCustomer("p-1".into()),
                ErrorCode::NotFound,
                "no customer p-1 in this session",
            ),
            (
                SessionError::ControlOnlyToCsr,
                ErrorCode::Forbidden,
                "control can only pass to another CSR in the session",
            ),
            (
                SessionError::AlreadyInSession,
                ErrorCode::Conflict,
                "you are already in this session",
            ),
            (
                SessionError::InvalidName(80),
                ErrorCode::Malformed,
                "your name must be 1 to 80 characters",
            ),
            (
                SessionError::TooManyJoinAttempts(42),
                ErrorCode::RateLimited,
                "too many attempts to join; try again in 42 seconds",
            ),
            (
                SessionError::InvalidJoinCredential,
                ErrorCode::Unauthenticated,
                "this join link is not valid or the session has ended",
            ),
            (
                SessionError::Policy(PolicyError::NotHost),
                ErrorCode::Forbidden,
                "only the CSR in control of the session can do that",
            ),
            (
                SessionError::Storage(StorageError::Backend("disk full".into())),
                ErrorCode::Internal,
                "the server could not save or read data; try again",
            ),
        ];
        for (error, code, words) in table {
            let api = ApiError::from(error);
            assert_eq!((api.code, api.message.as_str()), (code, words));
        }
    }
}
