//! `api.request`: any endpoint, with the plugin's credential, scope pins and pagination, and
//! nothing outside the Management API.

mod support;

use host_harness::PluginError;
use host_harness::simulator::tokens;
use serde_json::json;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_request_reaches_an_uncurated_endpoint_with_the_hosts_credential() {
    let sim = simulator();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "api.request", r#"{"path": "agents/count", "query": {"osTypes": ["linux", "macos"], "isActive": true}}"#).await;
    let expected = world(&sim).agents.iter().filter(|a| (a.os_type == "linux" || a.os_type == "macos") && a.is_active).count();
    assert_eq!(output["data"]["total"].as_u64(), Some(expected as u64), "the whole envelope comes back");
    let request = sim.requests().pop().unwrap();
    assert_eq!(request.path, "/web/api/v2.1/agents/count");
    assert_eq!(request.query, vec![("isActive".into(), "true".into()), ("osTypes".into(), "linux,macos".into())]);
    assert_eq!(request.token_name.as_deref(), Some("admin"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_request_paginates_every_item() {
    let sim = simulator();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "api.request", r#"{"path": "/web/api/v2.1/agents", "paginate": true, "maxItems": 100000}"#).await;
    assert_eq!(ids(&output).len(), 2500);
    assert_eq!(output["more"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_request_refuses_paths_outside_the_api_and_sends_nothing() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    for path in ["https://evil.example/web/api/v2.1/agents", "/web/api/v2.0/agents", "agents/../../../etc", "//evil.example/x"] {
        let error = invoke_err(&conn, "api.request", &json!({"path": path}).to_string()).await;
        assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/path")), "{path}: {error:?}");
    }
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_request_refuses_an_empty_action_filter_unless_confirmed() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let input = json!({"method": "POST", "path": "agents/actions/initiate-scan", "body": {"filter": {}, "data": {}}});
    let error = invoke_err(&conn, "api.request", &input.to_string()).await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/body/filter")), "{error:?}");
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_request_adds_scope_pins_to_action_filters() {
    let sim = simulator();
    let site = world(&sim).sites[0].id.to_string();
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.site_ids = vec![site.clone()];
    let input = json!({"method": "POST", "path": "agents/actions/abort-scan", "body": {"filter": {"osTypes": ["linux"]}, "data": {}}});
    invoke_ok(&conn, "api.request", &input.to_string()).await;
    let post = sim.requests().pop().unwrap();
    assert_eq!(post.body, Some(json!({"filter": {"osTypes": ["linux"], "siteIds": [site]}, "data": {}})));
}
