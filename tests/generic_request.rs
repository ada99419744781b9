//! `api.get` and `api.request`: any endpoint, with the plugin's credential, scope pins and
//! pagination, nothing outside the Management API, and every safety rule of the catalog.

mod support;

use host_harness::PluginError;
use s1_simulator::tokens;
use serde_json::json;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_request_reaches_an_uncurated_endpoint_with_the_hosts_credential() {
    let sim = simulator();
    let output = invoke_ok(
        &connect(&sim, tokens::ADMIN),
        "api.request",
        r#"{"path": "agents/count", "query": {"osTypes": ["linux", "macos"], "isActive": true}}"#,
    )
    .await;
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
    let output =
        invoke_ok(&connect(&sim, tokens::ADMIN), "api.get", r#"{"path": "/web/api/v2.1/agents", "paginate": true, "maxItems": 100000}"#)
            .await;
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
    let input = json!({"method": "POST", "path": "agents/actions/abort-scan", "body": {"filter": {"osTypes": ["linux"]}, "data": {}}, "confirmFilter": true});
    invoke_ok(&conn, "api.request", &input.to_string()).await;
    let post = sim.requests().pop().unwrap();
    assert_eq!(post.body, Some(json!({"filter": {"osTypes": ["linux"], "siteIds": [site]}, "data": {}})));
}

/// Runs `api.request` with `input`, which must be refused at `field` with nothing sent.
async fn refused_at(sim: &s1_simulator::Simulator, conn: &host_harness::Connection, input: serde_json::Value, field: &str) {
    let error = invoke_err(conn, "api.request", &input.to_string()).await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some(field)), "{input}: {error:?}");
    assert!(sim.requests().iter().all(|r| r.method == "GET"), "{input}: a write reached the console");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_request_shutdown_with_an_empty_id_list_is_refused_and_nothing_is_sent() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    refused_at(
        &sim,
        &conn,
        json!({"method": "POST", "path": "agents/actions/shutdown", "body": {"filter": {"ids": []}, "data": {}}, "confirmFilter": true}),
        "/body/filter/ids",
    )
    .await;
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_request_write_with_a_filter_needs_confirm_filter() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    refused_at(
        &sim,
        &conn,
        json!({"method": "POST", "path": "agents/actions/disconnect", "body": {"filter": {"isActive": true}, "data": {}}}),
        "/confirmFilter",
    )
    .await;
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_request_refuses_a_filter_of_scope_keys_only_on_an_object_action() {
    let sim = simulator();
    let site = world(&sim).sites[0].id.to_string();
    let conn = connect(&sim, tokens::ADMIN);
    refused_at(&sim, &conn, json!({"method": "POST", "path": "agents/actions/uninstall", "body": {"filter": {"siteIds": [site]}, "data": {}}, "confirmFilter": true}), "/body/filter").await;
    refused_at(
        &sim,
        &conn,
        json!({"method": "POST", "path": "threats/mitigate/kill", "body": {"filter": {"tenant": true}}, "confirmFilter": true}),
        "/body/filter",
    )
    .await;
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_request_refuses_an_object_action_without_a_filter() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    refused_at(&sim, &conn, json!({"method": "POST", "path": "agents/actions/restart-machine", "body": {"data": {}}}), "/body/filter")
        .await;
    refused_at(&sim, &conn, json!({"method": "POST", "path": "agents/actions/restart-machine"}), "/body/filter").await;
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_request_dry_run_counts_the_filter_and_acts_on_nothing() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let input = json!({"method": "POST", "path": "agents/actions/disconnect", "body": {"filter": {"osTypes": ["linux"]}, "data": {}}, "dryRun": true});
    let output = invoke_ok(&conn, "api.request", &input.to_string()).await;
    let linux = world(&sim).agents.iter().filter(|a| a.os_type == "linux").count();
    assert_eq!(output["wouldAffect"].as_u64(), Some(linux as u64));
    let requests = sim.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!((requests[0].method.as_str(), requests[0].path.as_str()), ("GET", "/web/api/v2.1/agents/count"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_request_confirmed_filter_acts_on_what_it_selects() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let target = world(&sim).agents[3].id.to_string();
    let input = json!({"method": "POST", "path": "agents/actions/initiate-scan", "body": {"filter": {"ids": [target]}, "data": {}}, "confirmFilter": true});
    let output = invoke_ok(&conn, "api.request", &input.to_string()).await;
    assert_eq!(output["data"]["affected"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_request_refuses_credential_and_identity_administration() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    for (method, path) in [
        ("POST", "users/generate-api-token"),
        ("POST", "users/revoke-api-token"),
        ("GET", "service-users"),
        ("POST", "users/login"),
        ("GET", "users"),
        ("GET", "sites/1800900160542605036/token"),
    ] {
        let mut input = json!({"method": method, "path": path});
        if method == "POST" {
            input["body"] = json!({"data": {}});
        }
        refused_at(&sim, &conn, input, "/path").await;
        let error = invoke_err(&conn, "api.get", &json!({"path": path}).to_string()).await;
        assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/path")), "api.get {path}: {error:?}");
    }
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_request_checks_path_ids_against_the_scope_pins() {
    let sim = simulator();
    let (site, other) = {
        let w = world(&sim);
        let site = w.sites[0].id;
        let other = w.threats.iter().find(|t| t.agent_realtime_info.site_id != site).unwrap().id.to_string();
        (site.to_string(), other)
    };
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.site_ids = vec![site];
    let error = invoke_err(&conn, "api.get", &json!({"path": format!("threats/{other}/timeline")}).to_string()).await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/path")), "{error:?}");
    assert!(sim.requests().iter().all(|r| r.path == "/web/api/v2.1/threats"), "only the lookup went out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_request_refuses_a_scope_filter_that_is_not_a_list_of_id_strings() {
    let sim = simulator();
    let (site, other) = {
        let w = world(&sim);
        (w.sites[0].id.to_string(), w.sites[1].id.to_string())
    };
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.site_ids = vec![site.clone()];
    let write = |site_ids: serde_json::Value| json!({"method": "POST", "path": "agents/actions/initiate-scan", "body": {"filter": {"siteIds": site_ids, "isActive": true}, "data": {}}, "confirmFilter": true});
    let number: u64 = other.parse().unwrap();
    refused_at(&sim, &conn, write(json!([number])), "/body/filter/siteIds/0").await;
    refused_at(&sim, &conn, write(json!([site, number])), "/body/filter/siteIds/1").await;
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_request_refuses_an_account_path_under_site_pins() {
    let sim = simulator();
    let (site, account) = {
        let w = world(&sim);
        (w.sites[0].id.to_string(), w.accounts[0].id.to_string())
    };
    let mut conn = connect(&sim, tokens::ADMIN);
    conn.site_ids = vec![site];
    refused_at(&sim, &conn, json!({"method": "PUT", "path": format!("accounts/{account}/policy"), "body": {"data": {}}}), "/path").await;
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_request_moving_agents_into_a_group_needs_a_selecting_filter() {
    let sim = simulator();
    let (site, group) = {
        let w = world(&sim);
        (w.sites[0].id.to_string(), w.groups[0].id.to_string())
    };
    let conn = connect(&sim, tokens::ADMIN);
    let path = format!("groups/{group}/move-agents");
    refused_at(
        &sim,
        &conn,
        json!({"method": "PUT", "path": path, "body": {"filter": {"siteIds": [site]}}, "confirmFilter": true}),
        "/body/filter",
    )
    .await;
    refused_at(&sim, &conn, json!({"method": "PUT", "path": path, "body": {"data": {}}}), "/body/filter").await;
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_passphrases_and_key_regeneration_are_refused() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let error = invoke_err(&conn, "api.get", &json!({"path": "agents/passphrases"}).to_string()).await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/path")), "{error:?}");
    let site = world(&sim).sites[0].id.to_string();
    refused_at(&sim, &conn, json!({"method": "PUT", "path": format!("sites/{site}/regenerate-key"), "body": {"data": {}}}), "/path").await;
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_get_is_read_only_and_for_viewers() {
    let info = runtime().describe().await.unwrap();
    let get = info.actions.iter().find(|a| a.name == "api.get").unwrap();
    let request = info.actions.iter().find(|a| a.name == "api.request").unwrap();
    assert_eq!((get.minimum_role, get.destructive), (host_harness::Role::Viewer, false));
    assert_eq!((request.minimum_role, request.destructive), (host_harness::Role::Admin, true));
    let sim = simulator();
    let error = invoke_err(&connect(&sim, tokens::VIEWER), "api.get", r#"{"path": "agents/actions/shutdown", "method": "POST"}"#).await;
    assert!(matches!(error, PluginError::InvalidInput(ref i) if i.field.as_deref() == Some("/method")), "{error:?}");
    assert!(sim.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_get_pages_sites_from_data_sites_and_keeps_all_sites() {
    let sim = simulator();
    let output = invoke_ok(&connect(&sim, tokens::ADMIN), "api.get", r#"{"path": "sites", "paginate": true, "query": {"limit": 1}}"#).await;
    assert_eq!(ids(&output).len(), world(&sim).sites.len());
    assert!(output["allSites"]["totalLicenses"].is_number(), "{output}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_output_carries_a_registration_token() {
    let sim = simulator();
    let conn = connect(&sim, tokens::ADMIN);
    let tokens_in_world: Vec<String> = world(&sim).sites.iter().map(|s| s.registration_token.clone()).collect();
    let site = world(&sim).sites[0].id.to_string();
    let mut seen = String::new();
    for (action, input) in [
        ("api.get", json!({"path": "sites"})),
        ("api.get", json!({"path": format!("sites/{site}")})),
        ("sites.list", json!({})),
        ("sites.get", json!({"id": site})),
    ] {
        let output = invoke_ok(&conn, action, &input.to_string()).await;
        seen += &output.to_string();
    }
    assert!(seen.contains("\"registrationToken\":\"<redacted>\""), "the key stays, its value goes");
    for token in tokens_in_world {
        assert!(!seen.contains(&token), "a registration token leaked");
    }
}
