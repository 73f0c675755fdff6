//! Why a session operation was refused, in the session's own terms; `web/`
//! turns these into HTTP statuses and WebSocket error codes.

use crate::session::policy::PolicyError;
use crate::storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("no support session {0} is running")]
    UnknownSession(String),
    #[error("no customer {0} in this session")]
    NoSuchCustomer(String),
    #[error("no participant {0} in this session")]
    NoSuchParticipant(String),
    #[error("control can only pass to another CSR in the session")]
    ControlOnlyToCsr,
    #[error("your account's site `{0}` is not configured")]
    SiteNotConfigured(String),
    #[error("you are already in this session")]
    AlreadyInSession,
    #[error("your name must be 1 to {0} characters")]
    InvalidName(usize),
    #[error("too many attempts to join; try again in {0} seconds")]
    TooManyJoinAttempts(u64),
    #[error("too many customers joined from your address recently; try again in {0} seconds")]
    TooManyJoins(u64),
    #[error("this join link is not valid or the session has ended")]
    InvalidJoinCredential,
    #[error("{}", crate::storage::health::REFUSAL)]
    StorageUnavailable,
    #[error("this customer joined on their page: start the helper with the code the page shows")]
    AgentNeedsCode,
    #[error("a helper program is already connected for this customer; stop it first")]
    AgentAlreadyConnected,
    #[error("the customer's page is open: they answer there")]
    AnswerOnThePage,
    #[error("no question {0} is waiting for an answer")]
    NoSuchPrompt(String),
    #[error("nothing of yours is shared as stream {0}")]
    NoSuchStream(tether_protocol::stream::StreamId),
    #[error("support session {0} is waiting for a CSR: it is handed to one, not joined")]
    WaitingForCsr(String),
    #[error(transparent)]
    HandOver(#[from] crate::desk::rules::HandOverRefusal),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Storage(#[from] StorageError),
}
