//! `GET user` (the caller's own user) and `POST users/api-token-details` (a token's dates).
//!
//! Modelling choices for points the reference leaves open:
//! - A service user's token works with `GET user`; its data carries `"source": "service_user"`
//!   (console users have `"mgmt"`), which is how a client can tell them apart.
//! - `scopeRoles` always has one entry, also at tenant scope (named "Global"), so a client can read
//!   the role the same way at every scope.
//! - `users/api-token-details` does not require a valid `Authorization` header: it may be absent,
//!   valid or an expired known token (so a client can learn that its own token expired); an
//!   unknown or malformed header still answers 401. The body's token may be any token the console
//!   knows, the expired one included; an unknown token or a malformed body is a 400.

use super::auth::{self, Caller};
use super::errors::ApiError;
use super::model::{Scope, User, World};
use super::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use serde_json::{Value, json};

pub async fn current_user(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    let world = state.world();
    let user = world.users.iter().find(|u| u.id == caller.user_id).ok_or_else(ApiError::unauthorized)?;
    Ok(Json(json!({"data": user_json(&world, user)})))
}

pub async fn api_token_details(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Json<Value>, ApiError> {
    let world = state.world();
    if let Some(header) = headers.get(AUTHORIZATION) {
        let header = header.to_str().ok();
        if auth::known_user(&world, header).is_none() {
            return Err(ApiError::unauthorized());
        }
    }
    let body: Value = serde_json::from_slice(&body).map_err(|_| ApiError::validation("body must be JSON"))?;
    let token = body.pointer("/data/apiToken").and_then(Value::as_str).ok_or_else(|| ApiError::validation("data.apiToken is required"))?;
    let user = world.user_by_token(token.trim()).ok_or_else(|| ApiError::validation("data.apiToken: invalid API token"))?;
    Ok(Json(json!({"data": {"createdAt": user.token_created_at, "expiresAt": user.token_expires_at}})))
}

fn user_json(world: &World, user: &User) -> Value {
    let role = user.role.name();
    let scope_role = match user.scope {
        Scope::Tenant => json!({"id": user.role_id, "name": "Global", "accountName": null}),
        Scope::Account(id) => {
            let name = world.account(id).map(|a| a.name.clone());
            json!({"id": id, "name": name, "accountName": name})
        }
        Scope::Site { account, site } => json!({
            "id": site,
            "name": world.site(site).map(|s| s.name.clone()),
            "accountName": world.account(account).map(|a| a.name.clone()),
        }),
    };
    let mut scope_role = scope_role;
    if let Some(object) = scope_role.as_object_mut() {
        object.insert("roleId".into(), json!(user.role_id));
        object.insert("roleName".into(), json!(role));
        object.insert("roles".into(), json!([role]));
    }
    json!({
        "id": user.id,
        "email": user.email,
        "fullName": user.full_name,
        "scope": user.scope.name(),
        "scopeRoles": [scope_role],
        "apiToken": {"createdAt": user.token_created_at, "expiresAt": user.token_expires_at},
        "source": user.source,
        "lastLogin": user.last_login,
        "firstLogin": user.date_joined,
        "dateJoined": user.date_joined,
        "twoFaEnabled": user.source != "service_user",
        "twoFaStatus": if user.source == "service_user" { "not_configured" } else { "configured" },
        "primaryTwoFaMethod": if user.source == "service_user" { Value::Null } else { json!("authenticator") },
        "canGenerateApiToken": user.source != "service_user",
        "isSystem": false,
        "emailVerified": true,
        "lowestRole": role,
        "siteRoles": [],
        "tenantRoles": if user.scope == Scope::Tenant { json!([role]) } else { json!([]) },
    })
}
