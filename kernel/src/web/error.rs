//! The error every request path returns: a machine-readable code, a
//! sentence for the person who asked, and where there is one the same as a
//! `Detail` their UI says in their language (`error_detail.rs`). WebSocket
//! replies and REST responses are made from it; the domains' own errors are
//! mapped to it here, and only here.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tether_protocol::{Detail, ErrorCode, ProtocolError};

use crate::accounts::AccountError;
use crate::activity::NotRunning;
use crate::consent::NoSuchPrompt;
use crate::consent::RevokeError;
use crate::desk::rules::{AnswerRefused, HandOverRefusal};
use crate::session::SessionError;
use crate::session::policy::PolicyError;
use crate::site::SiteUpdateError;
use crate::storage::StorageError;
use crate::web::error_detail;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub detail: Option<Detail>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            detail: None,
        }
    }

    /// The same error with `detail` for the UI to say in its language.
    pub fn with_detail(self, detail: impl Into<Option<Detail>>) -> ApiError {
        ApiError {
            detail: detail.into(),
            ..self
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
        ApiError::not_found(format!("no support session {number} is running")).with_detail(
            Detail::UnknownSession {
                number: number.to_owned(),
            },
        )
    }

    /// A changing request without this sign-in's CSRF token: most often
    /// a page still open from an earlier sign-in.
    pub fn csrf_token_missing() -> ApiError {
        ApiError::forbidden(
            "the request lacks this sign-in's CSRF token (X-CSRF-Token header); reload the page",
        )
        .with_detail(Detail::CsrfTokenMissing)
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
        let mut body = serde_json::json!({ "code": self.code, "error": self.message });
        if let Some(detail) = &self.detail {
            body["detail"] = serde_json::json!(detail);
        }
        (self.status(), Json(body)).into_response()
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        tracing::error!(%error, "storage error");
        ApiError::new(
            ErrorCode::Internal,
            "the server could not save or read data; try again",
        )
        .with_detail(Detail::StorageFailed)
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
        ApiError::new(code, error.to_string()).with_detail(error_detail::policy(&error))
    }
}

impl From<ProtocolError> for ApiError {
    fn from(error: ProtocolError) -> Self {
        let detail = error.detail();
        ApiError::new(error.code(), error.to_string()).with_detail(detail)
    }
}

impl From<AccountError> for ApiError {
    fn from(error: AccountError) -> Self {
        let code = match &error {
            AccountError::InvalidUsername
            | AccountError::InvalidDisplayName
            | AccountError::PasswordTooShort
            | AccountError::PasswordTooCommon
            | AccountError::PasswordUnchanged
            | AccountError::PasswordNotHashed(_) => ErrorCode::Malformed,
            AccountError::Taken(_) => ErrorCode::Conflict,
            AccountError::InvalidCredentials
            | AccountError::WrongCurrentPassword
            | AccountError::Disabled
            | AccountError::PasswordChangeRequired
            | AccountError::NotOnYourOwnAccount => ErrorCode::Forbidden,
            AccountError::NoSuchAccount(_) => ErrorCode::NotFound,
            AccountError::TwoFactorCodeNeeded
            | AccountError::WrongTwoFactorCode
            | AccountError::TwoFactorCodeUsed
            | AccountError::TwoFactorEnrolmentRequired
            | AccountError::TwoFactorRequiredBySite => ErrorCode::Forbidden,
            AccountError::NoTwoFactorEnrolment | AccountError::TwoFactorAlreadyOn => {
                ErrorCode::Conflict
            }
            AccountError::TwoFactor(_) => ErrorCode::Internal,
            AccountError::TooManyAttempts(_) | AccountError::Busy => ErrorCode::RateLimited,
            AccountError::StorageUnavailable => ErrorCode::Unavailable,
            AccountError::NotSignedIn => ErrorCode::Unauthenticated,
            AccountError::Storage(storage) => return storage.clone().into(),
        };
        ApiError::new(code, error.to_string()).with_detail(error_detail::account(&error))
    }
}

impl From<SiteUpdateError> for ApiError {
    fn from(error: SiteUpdateError) -> Self {
        match error {
            SiteUpdateError::UnknownSite(_) => ApiError::not_found(error.to_string()),
            SiteUpdateError::Invalid(ref invalid) => {
                let detail = error_detail::site(invalid);
                ApiError::malformed(error.to_string()).with_detail(detail)
            }
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
        ApiError::not_found(error.to_string()).with_detail(Detail::NoSuchQuestion)
    }
}

impl From<RevokeError> for ApiError {
    fn from(error: RevokeError) -> Self {
        match error {
            RevokeError::NotFound => {
                ApiError::not_found(error.to_string()).with_detail(error_detail::revoke(&error))
            }
            RevokeError::Storage(storage) => storage.into(),
        }
    }
}

impl From<AnswerRefused> for ApiError {
    fn from(error: AnswerRefused) -> Self {
        let (code, detail) = match error {
            AnswerRefused::NotOpen(offer) => (
                ErrorCode::NotFound,
                Detail::OfferNotOpen {
                    offer: offer.into(),
                },
            ),
            AnswerRefused::AlreadyAnswered(offer) => (
                ErrorCode::Conflict,
                Detail::OfferAnsweredAlready {
                    offer: offer.into(),
                },
            ),
        };
        ApiError::new(code, error.to_string()).with_detail(detail)
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
            SessionError::NoSuchPrompt(_) | SessionError::NoSuchStream(_) => ErrorCode::NotFound,
            SessionError::WaitingForCsr(_) => ErrorCode::Conflict,
            SessionError::HandOver(refusal) => match refusal {
                HandOverRefusal::TooManyCustomers { .. } => ErrorCode::Limit,
                HandOverRefusal::ConsoleClosed { .. } | HandOverRefusal::AlreadyHost { .. } => {
                    ErrorCode::Conflict
                }
            },
            SessionError::Policy(policy) => return policy.clone().into(),
            SessionError::Storage(_) => {
                let SessionError::Storage(storage) = error else {
                    unreachable!("matched above")
                };
                return storage.into();
            }
        };
        let detail = error_detail::session(&error);
        ApiError::new(code, error.to_string()).with_detail(detail)
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
                SessionError::WaitingForCsr("123456789".into()),
                ErrorCode::Conflict,
                "support session 123456789 is waiting for a CSR: it is handed to one, not joined",
            ),
            (
                SessionError::HandOver(HandOverRefusal::TooManyCustomers {
                    csr: "Ben".into(),
                    would_have: 3,
                    max: 2,
                }),
                ErrorCode::Limit,
                "Ben would assist 3 customers, more than the 2 this site allows at once",
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

    #[test]
    fn answers_to_offers_gone_or_given_are_refused_with_their_codes() {
        let gone = ApiError::from(AnswerRefused::NotOpen(7));
        assert_eq!(gone.code, ErrorCode::NotFound);
        assert!(
            gone.message.contains("offer 7 is not open for you"),
            "{}",
            gone.message
        );
        let twice = ApiError::from(AnswerRefused::AlreadyAnswered(7));
        assert_eq!(
            (twice.code, twice.message.as_str()),
            (ErrorCode::Conflict, "you have already answered offer 7")
        );
    }
}
