//! Request extractors whose failures are [`ApiError`]s, so a bad body gets
//! the same `{code, error}` answer as every other refusal.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;
use tether_protocol::ErrorCode;

use crate::web::error::ApiError;

/// A JSON body; malformed or oversized bodies are refused with a clear
/// message and nothing else happens.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(JsonRejection::BytesRejection(rejection)) => Err(ApiError::new(
                ErrorCode::TooLarge,
                format!("the request body was refused: {}", rejection.body_text()),
            )),
            Err(rejection) => Err(ApiError::malformed(rejection.body_text())),
        }
    }
}
