//! The console's error envelope: `{"errors":[{"code":..,"detail":..,"title":..}]}`.
//!
//! Every bad request becomes one of these typed 4xx answers; nothing in the simulator panics on
//! client input. Codes follow the console's 7-digit pattern (HTTP status, then a sub-code):
//! 4000010 Validation Error, 4010010 Authentication Failed (real body), 4030010 Insufficient
//! permissions (real body), 4040010 Resource not found, 4050010 Method not allowed, 4290010 Too Many
//! Requests (our code and title: the reference does not know the real 429 body; it also sends
//! `Retry-After` in whole seconds), 5000010 Internal Server Error (ours, for an answer the
//! simulator could not build, such as a zip).

use axum::Json;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: u32,
    pub title: &'static str,
    pub detail: Option<String>,
    /// Whole seconds for a `Retry-After` header (only 429s set it).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn validation(detail: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: 4000010,
            title: "Validation Error",
            detail: Some(detail.into()),
            retry_after: None,
        }
    }

    /// Missing, unknown, malformed or expired token: the body never says which (as on the console).
    pub fn unauthorized() -> Self {
        ApiError { status: StatusCode::UNAUTHORIZED, code: 4010010, title: "Authentication Failed", detail: None, retry_after: None }
    }

    pub fn forbidden() -> Self {
        ApiError {
            status: StatusCode::FORBIDDEN,
            code: 4030010,
            title: "Insufficient permissions",
            detail: Some("Action limited to users with higher permissions.".into()),
            retry_after: None,
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: 4040010,
            title: "Resource not found",
            detail: Some(detail.into()),
            retry_after: None,
        }
    }

    pub fn method_not_allowed(detail: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            code: 4050010,
            title: "Method not allowed",
            detail: Some(detail.into()),
            retry_after: None,
        }
    }
}

impl ApiError {
    /// 429 with `Retry-After: <wait in whole seconds, rounded up, at least 1>`.
    pub fn too_many_requests(detail: impl Into<String>, wait: Duration) -> Self {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: 4290010,
            title: "Too Many Requests",
            detail: Some(detail.into()),
            retry_after: Some(seconds.max(1)),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"errors": [{"code": self.code, "detail": self.detail, "title": self.title}]});
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl ApiError {
    /// 400 `4000030 Already Exists Error`: a duplicate blocklist entry or exclusion (the code and
    /// title come from the reference).
    pub fn already_exists(detail: impl Into<String>) -> Self {
        ApiError { status: StatusCode::BAD_REQUEST, code: 4000030, title: "Already Exists Error", ..ApiError::validation(detail) }
    }
}

impl ApiError {
    /// 500 `5000010 Internal Server Error` (our code and title): the simulator failed to build an
    /// answer (never caused by client input).
    pub fn internal(detail: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: 5000010,
            title: "Internal Server Error",
            ..ApiError::validation(detail)
        }
    }
}
