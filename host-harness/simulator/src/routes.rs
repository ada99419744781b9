//! The router: every endpoint under `/web/api/v2.1/`, JSON 404/405 answers for everything else,
//! and the request-log middleware around all of it (so 401s and 404s are recorded too).

use super::auth::Caller;
use super::errors::ApiError;
use super::state::AppState;
use super::{accounts, actions, activities, agents, alerts, groups, request_log, sites, system, threat_actions, threats, users};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, Uri};
use axum::routing::{get, post};
// Blocklist, exclusions, hash verdicts and the threat/agent/group extras.
use super::exclusions::Exclusions;
use super::policy::{delete_items, get_items, post_items};
use super::restrictions::Blocklist;
use super::{agent_extras, group_actions, hashes, threat_extras};
use axum::routing::put;
// Deep Visibility, PowerQuery and remote scripts.
use super::{deep_visibility as dv, power_query as pq, remote_scripts as scripts};
// Unified exclusions and downloads (agent uploads, threat samples).
use super::{cloud_download, unified_exclusions as unified, uploads};

pub const PREFIX: &str = "/web/api/v2.1";

pub fn router(state: AppState) -> Router {
    let p = |path: &str| format!("{PREFIX}/{path}");
    // Threat and alert actions: one route per row of their table.
    let mut actions = Router::new();
    for action in super::filter_actions::FILTER_ACTIONS {
        actions = actions.route(
            &p(action.path),
            post(move |state: State<AppState>, caller: Caller, body: Bytes| super::filter_actions::run(action, state, caller, body)),
        );
    }
    actions
        .route(&p("system/status"), get(system::status))
        .route(&p("system/info"), get(system::info))
        .route(&p("user"), get(users::current_user))
        .route(&p("users/api-token-details"), post(users::api_token_details))
        .route(&p("accounts"), get(accounts::list))
        .route(&p("accounts/{id}"), get(accounts::get))
        .route(&p("sites"), get(sites::list))
        .route(&p("sites/{id}"), get(sites::get))
        .route(&p("groups"), get(groups::list))
        .route(&p("groups/{id}"), get(groups::get))
        .route(&p("agents"), get(agents::list))
        .route(&p("agents/count"), get(agents::count))
        .route(&p("agents/actions/{action}"), post(actions::run))
        .route(&p("threats"), get(threats::list))
        .route(&p("threats/{id}/notes"), get(threat_actions::notes))
        .route(&p("threats/{id}/notes/{note_id}"), put(threat_actions::update_note).delete(threat_actions::delete_note))
        .route(&p("threats/{id}/timeline"), get(threat_actions::timeline))
        .route(&p("activities"), get(activities::list))
        .route(&p("activities/types"), get(activities::types))
        .route(&p("cloud-detection/alerts"), get(alerts::list))
        .route(&p("restrictions"), get(get_items::<Blocklist>).post(post_items::<Blocklist>).delete(delete_items::<Blocklist>))
        .route(&p("exclusions"), get(get_items::<Exclusions>).post(post_items::<Exclusions>).delete(delete_items::<Exclusions>))
        .route(&p("hashes/{hash}/verdict"), get(hashes::get_verdict))
        .route(&p("hashes/{hash}/reputation"), get(hashes::get_reputation))
        .route(&p("threats/{id}/explore/events"), get(threat_extras::explore_events))
        .route(&p("threats/add-to-blacklist"), post(threat_extras::add_to_blacklist))
        .route(&p("threats/fetch-file"), post(threat_extras::fetch_file))
        .route(&p("groups/{id}/move-agents"), put(group_actions::move_agents))
        .route(&p("agents/applications"), get(agent_extras::applications))
        .route(&p("agents/{id}/actions/fetch-files"), post(agent_extras::fetch_files))
        .route(&p("dv/init-query"), post(dv::init_query))
        .route(&p("dv/query-status"), get(dv::query_status))
        .route(&p("dv/events"), get(dv::events))
        .route(&p("dv/cancel-query"), post(dv::cancel_query))
        .route(&p("dv/events/pq"), post(pq::start))
        .route(&p("dv/events/pq-ping"), get(pq::ping))
        .route(&p("remote-scripts"), get(scripts::list))
        .route(&p("remote-scripts/execute"), post(scripts::execute))
        .route(&p("remote-scripts/status"), get(scripts::status))
        .route(&p("remote-scripts/fetch-files"), post(scripts::fetch_files))
        .route(&p("unified-exclusions"), get(unified::list).delete(unified::delete))
        .route(&p("threats/{id}/download-from-cloud"), get(cloud_download::download_from_cloud))
        .route(&p("agents/{id}/uploads/{activity_id}"), get(uploads::download))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), super::spec::check))
        .layer(axum::middleware::from_fn_with_state(state.clone(), super::faults::inject))
        .layer(axum::middleware::from_fn_with_state(state.clone(), scan_truth))
        .layer(axum::middleware::from_fn_with_state(state.clone(), request_log::record))
        .layer(axum::middleware::from_fn_with_state(state.clone(), slow_link))
        .with_state(state)
}

/// With truth tracking, records the versions a request made visible (actions change records).
async fn scan_truth(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let response = next.run(request).await;
    if let Some(truth) = &state.truth {
        let world = state.world();
        truth.lock().unwrap_or_else(|p| p.into_inner()).scan(&world);
    }
    response
}

/// Waits the configured delay before answering (nothing by default).
async fn slow_link(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if !state.response_delay.is_zero() {
        tokio::time::sleep(state.response_delay).await;
    }
    next.run(request).await
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("No such endpoint: {method} {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::method_not_allowed(format!("{method} is not supported on {}", uri.path()))
}
