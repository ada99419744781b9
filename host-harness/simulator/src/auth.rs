//! Token authentication: `Authorization: ApiToken <token>` against the seeded users.
//!
//! Missing, malformed (no `ApiToken` scheme; session `Token` headers are not supported), unknown
//! and expired tokens all answer the same 401 body, as the console does. Expiry is checked against
//! the wall clock, so `EXPIRING` stays valid for its remaining ten days.

use super::clock::Timestamp;
use super::errors::ApiError;
use super::model::{Id, Role, Scope, User, World};
use super::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

/// The authenticated caller, extracted from the request (a rejected extraction is the 401).
#[derive(Clone, Debug)]
pub struct Caller {
    pub user_id: Id,
    pub role: Role,
    pub scope: Scope,
}

impl Caller {
    /// The caller's role must cover `needed` (Admin covers every role; SOC, IT and incident
    /// response only their own): otherwise the console's 403.
    pub fn require(&self, needed: Role) -> Result<(), ApiError> {
        if self.role.covers(needed) { Ok(()) } else { Err(ApiError::forbidden()) }
    }
}

/// The token in an `Authorization` header value, if it uses the `ApiToken` scheme.
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("ApiToken") && !token.is_empty()).then_some(token)
}

/// The seeded user a header belongs to, whether or not the token has expired.
pub fn known_user<'w>(world: &'w World, header: Option<&str>) -> Option<&'w User> {
    world.user_by_token(bearer_token(header?)?)
}

/// The user a header authenticates right now (known and not expired).
pub fn authenticate<'w>(world: &'w World, header: Option<&str>) -> Option<&'w User> {
    known_user(world, header).filter(|user| user.token_expires_at > Timestamp::now())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
        let world = state.world();
        let user = authenticate(&world, header).ok_or_else(ApiError::unauthorized)?;
        Ok(Caller { user_id: user.id, role: user.role, scope: user.scope })
    }
}
