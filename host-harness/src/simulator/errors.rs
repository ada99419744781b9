//! The console's error envelope: `{"errors":[{"code":..,"detail":..,"title":..}]}`.
//!
//! Every bad request becomes one of these typed 4xx answers; nothing in the simulator panics on
//! client input. Codes follow the console's 7-digit pattern (HTTP status, then a sub-code):
//! 4000010 Validation Error, 4010010 Authentication Failed (real body), 4030010 Insufficient
//! permissions (real body), 4040010 Resource not found, 4050010 Method not allowed.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: u32,
    pub title: &'static str,
    pub detail: Option<String>,
}

impl ApiError {
    pub fn validation(detail: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: 4000010,
            title: "Validation Error",
            detail: Some(detail.into()),
        }
    }

    /// Missing, unknown, malformed or expired token: the body never says which (as on the console).
    pub fn unauthorized() -> Self {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            code: 4010010,
            title: "Authentication Failed",
            detail: None,
        }
    }

    pub fn forbidden() -> Self {
        ApiError {
            status: StatusCode::FORBIDDEN,
            code: 4030010,
            title: "Insufficient permissions",
            detail: Some("Action limited to users with higher permissions.".into()),
        }
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            code: 4040010,
            title: "Resource not found",
            detail: Some(detail.into()),
        }
    }

    pub fn method_not_allowed(detail: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            code: 4050010,
            title: "Method not allowed",
            detail: Some(detail.into()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            json!({"errors": [{"code": self.code, "detail": self.detail, "title": self.title}]});
        (self.status, Json(body)).into_response()
    }
}
